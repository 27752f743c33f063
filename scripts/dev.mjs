#!/usr/bin/env node
// `npm run dev`: secrets in .dev.vars (made when missing), local migrations, wrangler dev of both
// Workers (the page Worker on port 8787, the PDF Worker behind its service binding), then the
// idempotent demo seed. Extra flags: --port N, --persist-to DIR, --no-seed,
// --no-migrate (DIR already holds the migrated database: the browser tests copy one they migrated once),
// --inspector-port N, --origin URL; anything after `--` goes to wrangler dev as it is.
// Every link in an email names APP_ORIGIN, so it is set to this server's own address
// (http://127.0.0.1:PORT, where wrangler listens) unless --origin names another (a tunnel, say).
import { spawn, spawnSync } from 'node:child_process';
import { ensureDevVars } from './dev-vars.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(flag('--port', process.env.PORT ?? '8787'));
const persistTo = flag('--persist-to', '.wrangler/state');
const seed = !args.includes('--no-seed');
const migrateFirst = !args.includes('--no-migrate');
const inspectorPort = flag('--inspector-port', null);
const origin = new URL(flag('--origin', `http://127.0.0.1:${port}`)).origin;
const passThrough = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];
const wrangler = ['node_modules/wrangler/bin/wrangler.js'];

const vars = ensureDevVars('.dev.vars');

if (migrateFirst) {
  const migrate = spawnSync(
    process.execPath,
    [...wrangler, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo],
    {
      stdio: 'inherit',
      env: { ...process.env, CI: 'true' },
    },
  );
  if (migrate.status !== 0) process.exit(migrate.status ?? 1);
}

const dev = spawn(
  process.execPath,
  [
    ...wrangler,
    'dev',
    // Both Workers in one process (issue 19): the page Worker (the first config: the one served on the
    // port) and the PDF Worker its PDF service binding calls.
    '-c',
    'wrangler.toml',
    '-c',
    'src/pdf/wrangler.toml',
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    persistTo,
    '--show-interactive-dev-session=false',
    // The cron's /__scheduled address, which the tick below calls as the 5-minute cron would in production.
    '--test-scheduled',
    '--var',
    `APP_ORIGIN:${origin}`,
    ...(inspectorPort ? ['--inspector-port', inspectorPort] : []),
    ...passThrough,
  ],
  {
    stdio: 'inherit',
    env: process.env,
  },
);
// Reminders, digests and mail delivery run every 5 minutes in production; here too, while the server runs.
const tick = setInterval(
  () => fetch(`http://127.0.0.1:${port}/__scheduled?cron=${encodeURIComponent('*/5 * * * *')}`).catch(() => undefined),
  5 * 60_000,
);
tick.unref();
const stop = () => dev.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
dev.on('exit', (code) => process.exit(code ?? 0));

if (seed) {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    const page = await fetch(`${base}/sign-in`);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
    const token = cookie.split('=')[1] ?? '';
    // Issue 17's demo estimate (sent to both Patels) only in `npm run dev`'s own state: the browser
    // tests (--persist-to) start from the demo company with nothing sent.
    const people = persistTo === '.wrangler/state' ? '?people=1' : '';
    const res = await fetch(`${base}/dev/seed${people}`, {
      method: 'POST',
      headers: { cookie, 'x-csrf-token': token, 'x-dev-secret': vars.PORTAL_TOKEN_SECRET },
    });
    const result = await res.json();
    console.log(result.created ? '\n  Demo data created.' : '\n  Demo data already present.');
    console.log(`  Open ${origin} and sign in as demo@oakandstone.test / build-with-oak-2026`);
    console.log(`  Outgoing mail: ${origin}/dev/mail (its links open ${origin})\n`);
  } catch (err) {
    console.error('Could not seed the demo data:', err);
  }
}
