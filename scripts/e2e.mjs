#!/usr/bin/env node
// `npm run test:e2e`: the browser test files, each as `node --test` runs it, two at a time (E2E_LANES;
// most of a file's time is spent waiting on a page or on the app, so a second file uses what the first
// leaves idle). Each file's app (test/e2e/harness.mjs startApp: wrangler dev on its own fresh copy of
// the migrated, then seeded, state) is started while other files run and handed over through E2E_APP,
// so no file waits ~15 s for wrangler. A file still gets an app nobody else used, and it stops it
// itself; one that calls startApp again, or without the seed, starts its own as before. The longest
// files start first (durations of the last run, kept in node_modules/.cache; a file not timed yet
// counts as long), and each file's output is printed whole when it ends, so two files never interleave.
// A file that fails prints its app's last log lines and is run once more on a fresh app (E2E_RETRY=0: not);
// the summary names every file that needed the second run.
// Usage: node scripts/e2e.mjs [files...] (default: every test/e2e/*.e2e.mjs).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { NO_BROWSER, ROOT, startApp } from '../test/e2e/harness.mjs';

const LANES = Math.max(1, Number(process.env.E2E_LANES ?? 2) || 1);
// A file still running after this long is stopped and fails (a timed-out test can leave its browser open).
const FILE_LIMIT_MS = 600_000;
const TIMES = join(ROOT, 'node_modules/.cache/contractor-portal/e2e-durations.json');

const files = (
  process.argv.slice(2).length
    ? process.argv.slice(2)
    : readdirSync(join(ROOT, 'test/e2e'))
        .filter((f) => f.endsWith('.e2e.mjs'))
        .sort()
        .map((f) => join('test/e2e', f))
).map((f) => relative(ROOT, join(ROOT, f)));

let last = {};
try {
  last = JSON.parse(readFileSync(TIMES, 'utf8'));
} catch {}
const expected = (f) => last[f] ?? Number.POSITIVE_INFINITY;
const queue = [...files].sort((a, b) => expected(b) - expected(a));

const running = new Set();
// Interrupted: the files running stop their apps; the harness's own handlers stop the one started ahead.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const child of running) killGroup(child, signal);
    setImmediate(() => process.exit(130));
  });

/**
 * An app for a file yet to run, or null when it cannot start (the file then starts its own and reports why).
 * One app starts at a time: a start is wrangler bundling the Worker and workerd loading it, seconds of CPU
 * each, and three at once (both lanes' first apps and the one ahead) took three times as long and
 * slowed whatever page the other lane was loading; one after the other, the first lane starts sooner
 * and the others no later.
 */
let starting = Promise.resolve();
const startAhead = () => {
  if (NO_BROWSER) return Promise.resolve(null);
  const app = starting.then(() =>
    startApp().catch((err) => {
      console.error(`(could not start an app ahead: ${err.message.split('\n')[0]}; the file starts its own)`);
      return null;
    }),
  );
  starting = app.then(() => undefined);
  return app;
};

// One app is kept starting ahead for whichever lane takes the next file.
let ahead = queue.length ? startAhead() : null;
const takeApp = () => {
  const app = ahead;
  ahead = null;
  return app;
};

/** Each file runs in its own process group (the test file's process, its Chromium): stopped as one. */
const killGroup = (child, signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {}
};

const runFile = (file, app) =>
  new Promise((done) => {
    const env = { ...process.env };
    if (app) env.E2E_APP = JSON.stringify({ base: app.base, port: app.port, state: app.state, pid: app.pid });
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      detached: true,
    });
    running.add(child);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const limit = setTimeout(() => {
      output += `\n(stopped: still running after ${FILE_LIMIT_MS / 1000} s)\n`;
      killGroup(child, 'SIGKILL');
    }, FILE_LIMIT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      running.delete(child);
      done({ code: code ?? (signal ? 1 : 0), output });
    });
  });

// E2E_RETRY=0 turns the second run off (to see a flaky file fail).
const RETRY = process.env.E2E_RETRY !== '0';
/** The last lines of the app's own log, for a file that failed: what the Worker said while it waited. */
const appLog = (app) => {
  const log = app?.log?.() ?? '';
  return log ? `\n--- the app's log, last lines ---\n${log.slice(-3000)}\n` : '';
};

const started = Date.now();
const results = [];
async function lane() {
  for (let file = queue.shift(); file; file = queue.shift()) {
    const app = await (takeApp() ?? startAhead());
    if (queue.length && !ahead) ahead = startAhead();
    const t = Date.now();
    let { code, output } = await runFile(file, app);
    if (code !== 0) output += appLog(app);
    await app?.stop();
    let retried = false;
    // A file that fails is run once more on a fresh app: on these 2-core machines a page sometimes waits
    // out a 40 s navigation while the other lane and the next app's start take the CPU. A file that
    // passes the second time passes, and is named in the summary with the first run's output kept.
    if (code !== 0 && RETRY) {
      retried = true;
      const again = await (takeApp() ?? startAhead());
      if (queue.length && !ahead) ahead = startAhead();
      const second = await runFile(file, again);
      if (second.code !== 0) second.output += appLog(again);
      await again?.stop();
      output += `\n━━ ${file}: failed above; run again ━━\n${second.output}`;
      code = second.code;
    }
    const seconds = (Date.now() - t) / 1000;
    process.stdout.write(`\n━━ ${file} (${seconds.toFixed(1)} s) ━━\n${output}`);
    results.push({ file, code, seconds, retried });
  }
}
await Promise.all(Array.from({ length: Math.min(LANES, files.length) }, lane));
await (await ahead)?.stop();

const failed = results.filter((r) => r.code !== 0);
console.log(`\nBrowser test files (${LANES} at a time):`);
for (const r of results.sort((a, b) => a.file.localeCompare(b.file)))
  console.log(
    `  ${r.code === 0 ? '✔' : '✖'} ${r.file} (${r.seconds.toFixed(1)} s)${r.retried ? ' — failed once, run again (see its output)' : ''}`,
  );
const total = ((Date.now() - started) / 1000).toFixed(1);
console.log(`${results.length - failed.length} of ${results.length} files passed in ${total} s`);
try {
  mkdirSync(dirname(TIMES), { recursive: true });
  writeFileSync(TIMES, JSON.stringify({ ...last, ...Object.fromEntries(results.map((r) => [r.file, r.seconds])) }));
} catch {}
process.exit(failed.length ? 1 : 0);
