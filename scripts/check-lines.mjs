// Fails when a line of application code is longer than 120 characters, listing file:line.
// Checked: src/**/*.ts, views/**/*.ts and public/*.js. Not checked: test/, migrations, and SQL
// (the text of sql`...` templates, which reads best one statement per line). The formatter wraps
// code; this catches what it cannot wrap: long strings, templates and comments.
//
//   node scripts/check-lines.mjs [--max 120] [file ...]
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const maxAt = args.indexOf('--max');
const MAX = maxAt >= 0 ? Number(args.splice(maxAt, 2)[1]) : 120;

function walk(dir, ext, deep) {
  let out = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (deep && !entry.name.startsWith('.') && entry.name !== 'node_modules' && entry.name !== 'migrations')
        out = out.concat(walk(path, ext, deep));
    } else if (entry.name.endsWith(ext)) out.push(path);
  }
  return out;
}

const files = args.length
  ? args.map((f) => relative(root, resolve(f)))
  : [...walk('src', '.ts', true), ...walk('views', '.ts', true), ...walk('public', '.js', false)];

const KEYWORDS_BEFORE_REGEX = /^(return|typeof|case|of|in|void|throw|yield|await|else|do)$/;

/**
 * The 0-based numbers of the lines that hold part of a sql`...` (or sql<T>`...`) template: a small
 * lexer that knows strings, comments, regular expressions and nested template literals.
 */
export function sqlLines(text) {
  const lines = new Set();
  let line = 0;
  // Each frame: { kind: 'code', depth } (top level or inside ${...}) or { kind: 'template', sql }.
  const stack = [{ kind: 'code', depth: 0, sql: false }];
  let lastSignificant = ''; // last non-space code character, to tell a regex from a division
  let lastWord = '';
  const inSql = () => stack.some((f) => f.kind === 'template' && f.sql);
  const mark = () => {
    if (inSql()) lines.add(line);
  };
  const tagBefore = (i) => {
    let j = i - 1;
    while (j >= 0 && /\s/.test(text[j])) j--;
    if (text[j] === '>') {
      // sql<Type>`...`: skip the type arguments
      let depth = 0;
      for (; j >= 0; j--) {
        if (text[j] === '>') depth++;
        else if (text[j] === '<' && --depth === 0) break;
      }
      j--;
    }
    const end = j + 1;
    while (j >= 0 && /[\w$]/.test(text[j])) j--;
    return text.slice(j + 1, end);
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const frame = stack[stack.length - 1];
    if (ch === '\n') {
      mark();
      line++;
      continue;
    }
    mark();
    if (frame.kind === 'template') {
      if (ch === '\\') i++;
      else if (ch === '`') stack.pop(), (lastSignificant = ')');
      else if (ch === '$' && text[i + 1] === '{') stack.push({ kind: 'code', depth: 0 }), i++, (lastSignificant = '(');
      continue;
    }
    // code
    if (ch === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) {
        if (text[i] === '\n') line++;
        i++;
      }
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      for (i++; i < text.length && text[i] !== ch && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
      lastSignificant = ch;
      continue;
    }
    const startsRegex =
      lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant) || KEYWORDS_BEFORE_REGEX.test(lastWord);
    if (ch === '/' && startsRegex) {
      // a regular expression literal
      let inClass = false;
      for (i++; i < text.length && text[i] !== '\n'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') inClass = true;
        else if (text[i] === ']') inClass = false;
        else if (text[i] === '/' && !inClass) break;
      }
      lastSignificant = ')';
      continue;
    }
    if (ch === '`') {
      const parentSql = inSql();
      stack.push({ kind: 'template', sql: parentSql || tagBefore(i) === 'sql' });
      mark();
      continue;
    }
    if (ch === '{') frame.depth++;
    else if (ch === '}') {
      if (frame.depth === 0 && stack.length > 1) {
        stack.pop();
        lastSignificant = ')';
        continue;
      }
      frame.depth--;
    }
    if (/[\w$]/.test(ch)) {
      let j = i;
      while (j + 1 < text.length && /[\w$]/.test(text[j + 1])) j++;
      lastWord = text.slice(i, j + 1);
      lastSignificant = 'a';
      i = j;
      continue;
    }
    if (!/\s/.test(ch)) {
      lastSignificant = ch;
      lastWord = '';
    }
  }
  return lines;
}

const long = [];
for (const file of files.sort()) {
  const text = readFileSync(join(root, file), 'utf8');
  const sql = sqlLines(text);
  text.split('\n').forEach((l, n) => {
    if ([...l].length > MAX && !sql.has(n)) long.push(`${file}:${n + 1}: ${[...l].length} characters`);
  });
}

if (long.length) {
  console.error(long.join('\n'));
  const count = `${long.length} line${long.length === 1 ? '' : 's'}`;
  console.error(`\n${count} longer than ${MAX} characters (outside tests and SQL).`);
  console.error('Break the string, template or comment; the formatter (npm run format) wraps the rest.');
  process.exit(1);
}
console.log(`check-lines: ${files.length} files, no line over ${MAX} characters.`);
