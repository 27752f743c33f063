// End-to-end harness: starts the real app (`scripts/dev.mjs`: wrangler dev, demo seed) on a free port
// with a fresh state directory, and drives Debian's Chromium through playwright-core.
// Nothing here downloads a browser. Every wait is bounded.
// The migrations are applied once (`migratedState`) and every app starts from its own copy of that
// database: the same tables `npm run dev` makes, without paying wrangler's migration run per file.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort } from '../../scripts/free-port.mjs';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Without Chromium the browser tests are skipped with this note (npm test's pretest says it loudly); under CI they run and fail. */
export const NO_BROWSER =
  !existsSync(CHROMIUM) && process.env.CI !== 'true'
    ? `Chromium not found at ${CHROMIUM}: apt-get install -y chromium`
    : false;
export const SHOTS = process.env.E2E_SHOTS ?? join(tmpdir(), 'e2e-shots');
export const DEMO = { email: 'demo@oakandstone.test', password: 'build-with-oak-2026' };

const START_TIMEOUT = 120_000;
const MIGRATE_TIMEOUT = 120_000;
const TEMPLATE_PREFIX = 'cp-e2e-migrated-';
/**
 * wrangler dev keeps a DevTools session on the Worker with the Network domain enabled, so every D1, R2
 * and Durable Object call is reported to it and relayed through wrangler's Node process (scripts/bench.mjs
 * found the same). A signed-in dashboard page cost the app ~40 ms of CPU with it and ~20 ms without
 * (wrangler's own process ~16 ms → ~3 ms), and two files run at once on two cores. Nobody opens DevTools
 * on a test's app; wrangler skips that session when it believes it runs in VS Code's debug terminal, the
 * only switch it has. E2E_DEVTOOLS=1 keeps the session, to debug a browser test.
 */
const NO_DEVTOOLS = process.env.E2E_DEVTOOLS === '1' ? {} : { VSCODE_INSPECTOR_OPTIONS: '{"e2e":"no-devtools"}' };

/**
 * A state directory holding the local D1 database with every migration applied, made once by
 * `wrangler d1 migrations apply` (exactly what scripts/dev.mjs runs) and reused while the migrations
 * and wrangler stay the same: its name is a hash of both. Built aside and renamed into place, so test
 * files starting at once never see half of one. Never written to: each app gets a copy.
 */
export async function migratedState() {
  const hash = createHash('sha256');
  const dir = join(ROOT, 'migrations');
  const sql = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  for (const f of sql.sort()) hash.update(`${f}\0`).update(readFileSync(join(dir, f)));
  hash.update(readFileSync(join(ROOT, 'node_modules/wrangler/package.json')));
  hash.update(readFileSync(join(ROOT, 'wrangler.toml')));
  const name = `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 16)}`;
  const template = join(tmpdir(), name);
  if (existsSync(join(template, 'migrated'))) return template;

  const building = mkdtempSync(join(tmpdir(), 'cp-e2e-migrating-'));
  const child = spawn(
    process.execPath,
    ['node_modules/wrangler/bin/wrangler.js', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', building],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false' },
    },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d.toString()));
  child.stderr.on('data', (d) => (log += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), MIGRATE_TIMEOUT);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  if (code !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`applying the migrations failed (exit ${code})\n${log.slice(-4000)}`);
  }
  writeFileSync(join(building, 'migrated'), `${new Date().toISOString()}\n`);
  try {
    renameSync(building, template);
  } catch {
    // Another test file finished the same template first: use that one.
    rmSync(building, { recursive: true, force: true });
  }
  // Templates of earlier migrations are of no further use (a day's grace for another checkout's run).
  for (const other of readdirSync(tmpdir())) {
    if (!other.startsWith(TEMPLATE_PREFIX) || other === name) continue;
    const path = join(tmpdir(), other);
    try {
      if (Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { recursive: true, force: true });
    } catch {}
  }
  return template;
}

/**
 * Starts `node scripts/dev.mjs` detached (its own process group) on a private copy of the migrated
 * state and resolves once the demo seed line is printed and the sign-in page answers. `stop()` kills
 * the whole group and removes the state. Under `npm run test:e2e` (scripts/e2e.mjs) the app was
 * started the same way while the previous file ran, and is handed over here (`E2E_APP`).
 */
export async function startApp({ seed = true } = {}) {
  const handed = seed ? await takeHandedApp() : null;
  if (handed) return handed;
  const template = await migratedState();
  const port = await freePort();
  // Its own devtools port too: wrangler's default, 9229, is one port for every app, and the second app
  // started while another runs died at once on "Address already in use" (the runner's app ahead).
  const inspectorPort = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'cp-e2e-state-'));
  cpSync(template, state, { recursive: true });
  const base = `http://127.0.0.1:${port}`;
  const args = ['scripts/dev.mjs', '--port', String(port), '--persist-to', state, '--no-migrate'];
  args.push('--inspector-port', String(inspectorPort));
  if (!seed) args.push('--no-seed');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // No colours in the log we keep; wrangler reads CI to stay non-interactive.
    env: {
      ...process.env,
      CI: 'true',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      WRANGLER_SEND_METRICS: 'false',
      ...NO_DEVTOOLS,
    },
  });
  let log = '';
  const onData = (d) => {
    log += d.toString();
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));
  const stop = stopper(child.pid, state, () => exited !== null);

  const deadline = Date.now() + START_TIMEOUT;
  try {
    for (;;) {
      if (exited) throw new Error(`scripts/dev.mjs exited early (${JSON.stringify(exited)})`);
      if (/Could not seed/.test(log)) throw new Error('scripts/dev.mjs could not seed the demo data');
      if (!seed || /Demo data (created|already present)/.test(log)) {
        const res = await fetch(`${base}/sign-in`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
        if (res?.ok) break;
      }
      if (Date.now() > deadline) throw new Error(`the app did not start within ${START_TIMEOUT / 1000} s`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    err.message += `\n--- dev.mjs output ---\n${log.slice(-4000)}`;
    throw err;
  }
  return { base, port, state, pid: child.pid, stop, log: () => log };
}

/** The app scripts/e2e.mjs started for this file (once: a second startApp starts its own), if it answers. */
async function takeHandedApp() {
  const given = process.env.E2E_APP;
  delete process.env.E2E_APP;
  if (!given) return null;
  const { base, port, state, pid } = JSON.parse(given);
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const stop = stopper(pid, state, () => !alive());
  const res = await fetch(`${base}/sign-in`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
  if (!res?.ok) {
    await stop();
    return null;
  }
  return { base, port, state, pid, stop, log: () => '(started by scripts/e2e.mjs: its output goes to that log)' };
}

/**
 * Stopping an app's process group: SIGTERM, up to 5 s to go, then SIGKILL (workerd may outlive its
 * parent by a moment), then its state is removed. A crashed or interrupted test run must not leave
 * wrangler behind, so exit and SIGINT/SIGTERM kill the group too, until stop() has run.
 */
function stopper(pid, state, gone) {
  const kill = (signal) => {
    try {
      process.kill(-pid, signal);
    } catch {}
  };
  const onExit = () => kill('SIGKILL');
  const onSignal = () => {
    onExit();
    rmSync(state, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('exit', onExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    if (!gone()) {
      kill('SIGTERM');
      const until = Date.now() + 5_000;
      while (!gone() && Date.now() < until) await sleep(50);
    }
    kill('SIGKILL');
    rmSync(state, { recursive: true, force: true });
    process.off('exit', onExit);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
    timeout: 30_000,
  });
}

/**
 * A browser context with default timeouts short enough that a missing element fails clearly. A navigation
 * gets longer: on a 2-core CI machine running two files and starting the next file's app, a page load of
 * the dev server has taken over 15 s (CI of stop 26: `/jobs` and the sign-in page timed out while every
 * assertion held).
 */
export async function newContext(browser, base, options = {}) {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(40_000);
  return context;
}

export async function signIn(page, { email, password } = DEMO) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/sign-in'),
    page.getByRole('button', { name: 'Sign in' }).click(),
  ]);
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true, ...options });
  return path;
}

/** Collects uncaught page errors and console errors, to assert a page ran its scripts cleanly. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return errors;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
