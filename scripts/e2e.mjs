#!/usr/bin/env node
// `npm run test:e2e`: the browser test files one at a time, as `node --test` runs them, but each file's
// app (test/e2e/harness.mjs startApp: wrangler dev on its own fresh copy of the migrated, then seeded,
// state) is started while the file before it runs and handed over through E2E_APP, so no file waits
// ~15 s for wrangler. A file still gets an app nobody else used, and it stops it itself; one that
// calls startApp again, or without the seed, starts its own as before.
// Usage: node scripts/e2e.mjs [files...] (default: every test/e2e/*.e2e.mjs).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { NO_BROWSER, ROOT, startApp } from '../test/e2e/harness.mjs';

const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync(join(ROOT, 'test/e2e'))
      .filter((f) => f.endsWith('.e2e.mjs'))
      .sort()
      .map((f) => join('test/e2e', f));

let running = null;
// Interrupted: the file running stops its app; the harness's own handlers stop the one started ahead.
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    running?.kill(signal);
    setImmediate(() => process.exit(130));
  });

/** An app for the next file, or null when it cannot start (the file then starts its own and reports why). */
const startAhead = () =>
  NO_BROWSER
    ? Promise.resolve(null)
    : startApp().catch((err) => {
        console.error(`(could not start an app ahead: ${err.message.split('\n')[0]}; the file starts its own)`);
        return null;
      });

const runFile = (file, app) =>
  new Promise((done) => {
    const env = { ...process.env };
    if (app) env.E2E_APP = JSON.stringify({ base: app.base, port: app.port, state: app.state, pid: app.pid });
    running = spawn(process.execPath, ['--test', '--test-concurrency=1', file], { cwd: ROOT, stdio: 'inherit', env });
    running.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });

const started = Date.now();
const results = [];
let next = startAhead();
for (let i = 0; i < files.length; i++) {
  const app = await next;
  next = i + 1 < files.length ? startAhead() : null;
  const t = Date.now();
  const code = await runFile(files[i], app);
  running = null;
  await app?.stop();
  results.push({ file: relative(ROOT, join(ROOT, files[i])), code, seconds: (Date.now() - t) / 1000 });
}

const failed = results.filter((r) => r.code !== 0);
console.log('\nBrowser test files:');
for (const r of results) console.log(`  ${r.code === 0 ? '✔' : '✖'} ${r.file} (${r.seconds.toFixed(1)} s)`);
const total = ((Date.now() - started) / 1000).toFixed(1);
console.log(`${results.length - failed.length} of ${results.length} files passed in ${total} s`);
process.exit(failed.length ? 1 : 0);
