// End-to-end harness: starts the real app (`scripts/dev.mjs`: migrations, wrangler dev, demo seed)
// on a free port with a fresh state directory, and drives Debian's Chromium through playwright-core.
// Nothing here downloads a browser. Every wait is bounded.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

/**
 * Starts `node scripts/dev.mjs` detached (its own process group) and resolves once the demo seed
 * line is printed and the sign-in page answers. `stop()` kills the whole group and removes the state.
 */
export async function startApp({ seed = true } = {}) {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), 'cp-e2e-state-'));
  const base = `http://127.0.0.1:${port}`;
  const args = ['scripts/dev.mjs', '--port', String(port), '--persist-to', state];
  if (!seed) args.push('--no-seed');
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // No colours in the log we keep; wrangler reads CI to stay non-interactive.
    env: { ...process.env, CI: 'true', FORCE_COLOR: '0', NO_COLOR: '1', WRANGLER_SEND_METRICS: 'false' },
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

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (exited === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const gone = await Promise.race([once(child, 'exit').then(() => true), sleep(5_000).then(() => false)]);
      if (!gone) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
    }
    // workerd may outlive its parent by a moment; the group kill reached it too.
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    rmSync(state, { recursive: true, force: true });
  };
  // A crashed or interrupted test run must not leave wrangler behind.
  const onExit = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  };
  process.once('exit', onExit);
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      onExit();
      rmSync(state, { recursive: true, force: true });
      process.exit(130);
    });
  }

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
      await sleep(250);
    }
  } catch (err) {
    await stop();
    err.message += `\n--- dev.mjs output ---\n${log.slice(-4000)}`;
    throw err;
  }
  return { base, port, state, stop, log: () => log };
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

/** A browser context with short default timeouts, so a missing element fails fast and clearly. */
export async function newContext(browser, base, options = {}) {
  const context = await browser.newContext({ baseURL: base, viewport: { width: 1280, height: 900 }, ...options });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
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
