#!/usr/bin/env node
// `npm run bench`: builds the benchmark dataset in its own state folder (.bench-state, never
// .wrangler/state), starts the Worker with wrangler dev on a free port against it, drives each
// route with autocannon at a fixed number of connections for a fixed time, compares each with
// GET /healthz measured just before and after it, prints a table and writes bench/results.json.
// Flags: --duration S (10), --connections N (10), --sign-docs N (300), --scale N (1: the dataset
// at N times its size; 10 is issue 19's ×10 company), --only name,name (a subset of routes;
// healthz always runs), --keep-state, --no-pin, --strict (exit 1 when a floor is missed;
// unexpected answers always do), --profile name (records a V8 CPU profile of the Worker while that
// route runs, writes bench/<name>.cpuprofile for DevTools and prints the five functions with the
// most self time, then more; wrangler's DevTools session is then on, so the req/s of that run are
// not comparable). bench/results.json keeps the last run at each scale (scripts/bench-report.mjs).
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import WebSocket from 'ws';
import { mergeResults, scaleTable, selfTimes, table, topFunctions, verdicts } from './bench-report.mjs';
import { ensureDevVars } from './dev-vars.mjs';
import { freePort } from './free-port.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATE = join(ROOT, '.bench-state');
const RESULTS = join(ROOT, 'bench', 'results.json');

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const DURATION = Number(flag('--duration', '10'));
const CONNECTIONS = Number(flag('--connections', '10'));
const SIGN_DOCS = Number(flag('--sign-docs', '300'));
const SCALE = Number(flag('--scale', '1'));
const ONLY = flag('--only', '') ? new Set(flag('--only', '').split(',')) : null;
const KEEP = args.includes('--keep-state');
const STRICT = args.includes('--strict');
const PROFILE = flag('--profile', '');
const BASELINE_SLICE = Math.max(2, Math.round(DURATION / 2));
if (
  !(DURATION > 0) ||
  !(CONNECTIONS > 0) ||
  !(SIGN_DOCS > 0) ||
  !(Number.isInteger(SCALE) && SCALE >= 1 && SCALE <= 20)
) {
  console.error(
    'usage: npm run bench -- [--duration 10] [--connections 10] [--sign-docs 300] [--scale 1|10] [--only portal-document,job-page] [--keep-state] [--no-pin] [--strict] [--profile route]',
  );
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `name=value` pairs from a response's Set-Cookie headers, merged into a jar. */
function keepCookies(jar, res) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(';');
    const i = pair.indexOf('=');
    jar[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return jar;
}
const cookieHeader = (jar) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

// ---- the Worker ------------------------------------------------------------------------------

let child = null;
let log = '';
/** Seals the Worker logged as failed (signing/finalize.ts), since wrangler started. */
let sealFailures = 0;
function killGroup(signal) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {}
}
async function stopWorker() {
  if (!child) return;
  if (child.exitCode === null && child.signalCode === null) {
    killGroup('SIGTERM');
    await Promise.race([once(child, 'exit'), sleep(5_000)]);
  }
  // workerd may outlive its parent by a moment: the group kill reaches it too.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {}
  child = null;
}
process.once('exit', () => killGroup('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    killGroup('SIGKILL');
    process.exit(130);
  });
}

// With two or more CPUs (and taskset), wrangler and everything it starts share CPU 0 and the load
// generator gets CPU 1. Unpinned, a bare /healthz spreads over wrangler's three processes (its proxy,
// the Worker's workerd, its Node logger) and uses every core, while a page is bound by the one
// thread that runs the Worker, its Durable Objects and local D1: the ratio would then measure the
// machine's core count more than the page. --no-pin measures without it.
const PIN = !args.includes('--no-pin') && os.cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0;

async function startWorker(port, inspectorPort) {
  if (PIN) spawnSync('taskset', ['-pc', '1', String(process.pid)]);
  const cmd = PIN ? ['taskset', ['-c', '0', process.execPath]] : [process.execPath, []];
  child = spawn(
    cmd[0],
    [
      ...cmd[1],
      'scripts/dev.mjs',
      '--port',
      String(port),
      '--persist-to',
      STATE,
      '--no-seed',
      ...(inspectorPort ? ['--inspector-port', String(inspectorPort), '--', '--minify=false'] : []),
    ],
    {
      cwd: ROOT,
      detached: true, // its own process group: wrangler and workerd go down with it
      // stdin stays open: wrangler's esbuild service stops when it closes, and errors go unformatted.
      stdio: ['pipe', 'pipe', 'pipe'],
      // wrangler dev keeps a DevTools session on the Worker with the Network domain enabled, so every
      // D1, R2 and Durable Object call is reported to it and relayed through wrangler's Node process:
      // ~8 ms of CPU per call outside the Worker, several times what the page itself costs. Wrangler
      // skips that session when it believes it runs in VS Code's debug terminal; that switch is the
      // only one it has, and with it the numbers are the Worker's own (nothing else reads it here).
      env: {
        ...process.env,
        CI: 'true',
        FORCE_COLOR: '0',
        NO_COLOR: '1',
        WRANGLER_SEND_METRICS: 'false',
        ...(inspectorPort ? {} : { VSCODE_INSPECTOR_OPTIONS: '{"bench":"no-devtools"}' }),
      },
    },
  );
  const onData = (d) => {
    const text = d.toString();
    log += text;
    if (log.length > 200_000) log = log.slice(-100_000);
    // Counted as it arrives: the log above is cut short on a long run (wrangler writes each line whole).
    sealFailures += text.split('sealing failed').length - 1;
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`scripts/dev.mjs exited early (${child.exitCode})`);
    const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch(() => null);
    if (res?.ok) return base;
    if (Date.now() > deadline) throw new Error('the Worker did not answer /healthz within 180 s');
    await sleep(300);
  }
}

// ---- the dataset and the two sessions ---------------------------------------------------------

async function post(base, path, { jar, secret, form, json } = {}) {
  const headers = { cookie: cookieHeader(jar), 'x-csrf-token': jar.cp_csrf };
  if (secret) headers['x-dev-secret'] = secret;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  if (json) {
    headers['content-type'] = 'application/json';
    headers.accept = 'application/json';
    body = JSON.stringify(json);
  }
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(600_000),
  });
  keepCookies(jar, res);
  return res;
}

/**
 * A POST that may take many minutes (the ×10 seed on a loaded machine): fetch gives up waiting for
 * the answer's headers after 300 s, node:http waits as long as the server works.
 */
function slowPost(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function seed(base, secret) {
  const jar = keepCookies({}, await fetch(`${base}/sign-in`));
  let t = Date.now();
  const res = await slowPost(`${base}/dev/bench-seed?scale=${SCALE}`, {
    cookie: cookieHeader(jar),
    'x-csrf-token': jar.cp_csrf ?? '',
    'x-dev-secret': secret,
  });
  if (res.status !== 200) throw new Error(`POST /dev/bench-seed answered ${res.status}: ${res.body.slice(0, 500)}`);
  const data = JSON.parse(res.body);
  const n = data.counts;
  console.log(
    `  dataset ×${SCALE}: ${n.jobs} jobs, a ${n.bigBudgetItems}-item budget, ${n.portalDocuments} sent documents on ${n.portalJobs} jobs, a ${n.orderLines}-line order with ${n.comments} comments and ${n.files} files, ${n.activityRows} activity rows (${((Date.now() - t) / 1000).toFixed(1)} s)`,
  );
  t = Date.now();
  const signing = [];
  let signerLink = null;
  let restarts = 0;
  while (signing.length < SIGN_DOCS) {
    const r = await post(base, `/dev/bench-seed?part=signing&count=${Math.min(50, SIGN_DOCS - signing.length)}`, {
      jar,
      secret,
    });
    // After the ×10 seed (hundreds of PDFs rendered in one isolate) wrangler sometimes restarts the
    // Worker between requests and answers this one 503; a part is only more estimates, so it is
    // asked for again (what a failed part left behind is never signed).
    if (r.status === 503 && restarts++ < 3) {
      await r.arrayBuffer();
      continue;
    }
    if (!r.ok)
      throw new Error(`POST /dev/bench-seed?part=signing answered ${r.status}: ${(await r.text()).slice(0, 500)}`);
    const part = await r.json();
    signing.push(...part.documents);
    signerLink ??= part.portalLink;
  }
  console.log(`  ${signing.length} sent estimates prepared for signing (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return { ...data, signing, signerLink };
}

async function contractorSession(base, email, password) {
  const jar = keepCookies({}, await fetch(`${base}/sign-in`));
  const res = await post(base, '/sign-in', { jar, form: { email, password, next: '/' } });
  if (res.status !== 303 || !jar.cp_session) throw new Error(`sign-in answered ${res.status}`);
  return jar;
}

async function portalSession(base, link) {
  const jar = {};
  const res = await fetch(`${base}${link}`, { redirect: 'manual' });
  keepCookies(jar, res);
  if (res.status !== 303 || !jar.cp_portal) throw new Error(`opening the portal link answered ${res.status}`);
  if (!jar.cp_csrf) keepCookies(jar, await fetch(`${base}/portal`, { headers: { cookie: cookieHeader(jar) } }));
  return jar;
}

// ---- profiling ------------------------------------------------------------------------------

/**
 * The page Worker's own DevTools target, straight from workerd. With two Workers in one `wrangler dev`
 * (the page Worker and the PDF Worker), wrangler's inspector proxy attaches to the PDF Worker's isolate,
 * whose profile is empty; workerd lists every isolate at /json on its own inspector port (found with
 * `ss`, Linux). Null when it cannot be found: the proxy is used.
 */
async function pageTarget() {
  const listening = spawnSync('ss', ['-ltnp'], { encoding: 'utf8' }).stdout ?? '';
  for (const m of listening.matchAll(/127\.0\.0\.1:(\d+)\s.*workerd",pid=(\d+)/g)) {
    // Only this run's workerd (wrangler's process group): another app on the machine (an e2e run, a
    // second bench) lists a page Worker of the same name, and profiling it hangs or measures the wrong one.
    if (!ownProcess(Number(m[2]))) continue;
    try {
      const targets = await (
        await fetch(`http://127.0.0.1:${m[1]}/json`, { signal: AbortSignal.timeout(2_000) })
      ).json();
      const page = targets.find((t) => t.id === 'core:user:contractor-portal');
      if (page) return page.webSocketDebuggerUrl;
    } catch {}
  }
  return null;
}

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times (100 on Linux almost everywhere). */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/**
 * CPU time, in ms, used so far by the processes of the wrangler this run started (Linux: /proc/<pid>/stat):
 * workerd runs both Workers, the rooms, D1 and R2. Null elsewhere.
 */
function workerCpuMs() {
  if (!child?.pid || !existsSync('/proc/self/stat')) return null;
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    const fields = /^\d+$/.test(pid) ? procStat(pid) : null;
    if (fields && Number(fields[2]) === child.pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return (ticks * 1000) / CLOCK_TICKS;
}

/**
 * Until wrangler's processes have used under 5% of a CPU for a whole second (at most 120 s): work a route left
 * running. False when that could not be seen (no /proc) or did not happen in time.
 */
async function settled() {
  const until = Date.now() + 120_000;
  let last = workerCpuMs();
  while (last !== null && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = workerCpuMs();
    if (now - last < 50) return true;
    last = now;
  }
  return false;
}

/** Whether `pid` is in the process group of the wrangler this run started (Linux: /proc/<pid>/stat). */
function ownProcess(pid) {
  return Number(procStat(pid)?.[2]) === child?.pid;
}

/**
 * The fields of /proc/<pid>/stat after the command's name (the state first: [2] is the process group,
 * [11] and [12] user and system CPU in clock ticks), or null: not Linux, or the process is gone.
 */
function procStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** A CDP session on the page Worker (workerd's own inspector, else wrangler's proxy). */
async function inspector(port) {
  const ws = new WebSocket((await pageTarget()) ?? `ws://127.0.0.1:${port}/ws`);
  await once(ws, 'open');
  let id = 0;
  const waiting = new Map();
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (msg) => (msg.error ? reject(new Error(`${method}: ${msg.error.message}`)) : resolve(msg.result)));
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { send, close: () => ws.close() };
}

// ---- the runs --------------------------------------------------------------------------------

function routes(d, contractor, portal, signer) {
  const c = { cookie: cookieHeader(contractor) };
  const p = { cookie: cookieHeader(portal) };
  let nextDoc = 0;
  let n = 0;
  const k = d.counts;
  return [
    { name: 'healthz', label: 'GET /healthz (baseline)', path: '/healthz', expect: 200 },
    {
      name: 'job-page',
      label: `dashboard job page, ${k.bigBudgetItems}-item budget`,
      path: `/jobs/${d.jobId}`,
      headers: c,
      expect: 200,
    },
    {
      name: 'document-page',
      label: "contractor's document page + timeline",
      path: `/documents/${d.orderId}`,
      headers: c,
      expect: 200,
    },
    {
      name: 'stored-pdf',
      label: 'stored PDF download (sent, 120 lines)',
      path: `/documents/${d.orderId}.pdf`,
      headers: c,
      expect: 200,
    },
    {
      name: 'draft-pdf',
      label: 'on-demand draft PDF, 120 lines',
      path: `/documents/${d.draftId}.pdf`,
      headers: c,
      expect: 200,
    },
    // The portal pages log a view through the document's room on every request.
    {
      name: 'portal-document',
      label: `portal document page (${k.orderLines} lines, ${k.comments + k.files} posts)`,
      path: `/portal/documents/${d.orderId}`,
      headers: p,
      expect: 200,
    },
    {
      name: 'portal-home',
      label: `portal home (${k.portalDocuments} documents, ${k.portalJobs} jobs)`,
      path: '/portal',
      headers: p,
      expect: 200,
    },
    {
      name: 'comment',
      label: 'post a comment (JSON, through the room)',
      method: 'POST',
      path: `/documents/${d.orderId}/comments`,
      headers: {
        ...c,
        'content-type': 'application/json',
        accept: 'application/json',
        'x-csrf-token': contractor.cp_csrf,
      },
      setupRequest: (req) => ({
        ...req,
        body: JSON.stringify({ body: `Benchmark comment ${++n}: the delivery is confirmed for Thursday morning.` }),
      }),
      expect: 201,
    },
    {
      name: 'sign',
      label: `sign (approve) a sent estimate, ${d.signing.length} documents`,
      method: 'POST',
      path: '/',
      headers: {
        cookie: cookieHeader(signer),
        'content-type': 'application/x-www-form-urlencoded',
        'x-csrf-token': signer.cp_csrf,
      },
      // Each request signs a different document; the run ends when every prepared one is signed.
      amount: d.signing.length,
      setupRequest: (req) => {
        const doc = d.signing[nextDoc++ % d.signing.length];
        const form = new URLSearchParams({
          name: 'Sig Nguyen',
          method: 'typed',
          consent: 'yes',
          versionHash: doc.sha256,
          idempotencyKey: `bench${nextDoc}x${doc.id}`.slice(0, 64),
        });
        return { ...req, path: `/portal/documents/${doc.id}/sign`, body: form.toString() };
      },
      expect: 303,
    },
  ];
}

async function warm(base, r) {
  if (r.method === 'POST') return;
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${base}${r.path}`, { headers: r.headers, redirect: 'manual' });
    await res.arrayBuffer();
    if (res.status !== r.expect)
      throw new Error(`${r.name}: GET ${r.path} answered ${res.status}, expected ${r.expect}`);
  }
}

async function measure(base, r, duration = DURATION) {
  const opts = {
    url: base,
    connections: CONNECTIONS,
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: r.method ?? 'GET',
        path: r.path,
        headers: r.headers ?? {},
        ...(r.setupRequest ? { setupRequest: r.setupRequest } : {}),
      },
    ],
    ...(r.amount ? { amount: r.amount } : { duration }),
  };
  // A fixed amount's elapsed time runs from the start to its last answer: autocannon's own `duration` ends at its
  // next one-second tick after that, so 300 signatures done in 5.1 s counted as 6 s (sign read up to a sixth low).
  const tracker = autocannon(opts);
  let started = Date.now();
  let last = started;
  tracker.on('start', () => (started = last = Date.now()));
  tracker.on('response', () => (last = Date.now()));
  const result = await tracker;
  const elapsed = Math.max(last - started, 1) / 1000;
  const codes = result.statusCodeStats ?? {};
  const expected = codes[r.expect]?.count ?? 0;
  const total = Object.values(codes).reduce((a, s) => a + s.count, 0);
  return {
    name: r.name,
    route: r.label,
    method: r.method ?? 'GET',
    path:
      r.method === 'POST' && r.name === 'sign' ? '/portal/documents/:id/sign' : r.path.replace(/[a-z0-9]{20,}/g, ':id'),
    requests: total,
    // Requests per second over the run: autocannon's per-second average, or, for a fixed amount, count / elapsed.
    rps: r.amount ? round(total / elapsed, 1) : round(result.requests.average, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    unexpected: total - expected + result.errors + result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(codes).map(([k, s]) => [k, s.count])),
    throughputBytesPerSec: Math.round(result.throughput.average),
  };
}

const round = (n, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function main() {
  const started = Date.now();
  if (!KEEP) rmSync(STATE, { recursive: true, force: true });
  const vars = ensureDevVars(join(ROOT, '.dev.vars'));
  const port = await freePort();
  const inspectorPort = PROFILE ? await freePort() : null;
  console.log(
    `Benchmark ×${SCALE}: ${CONNECTIONS} connections, ${DURATION} s per route, state in ${STATE}${PIN ? ', wrangler on CPU 0, load generator on CPU 1' : ''}`,
  );
  if (PROFILE)
    console.log(`  profiling ${PROFILE}: wrangler's DevTools session is on, req/s are not comparable with other runs`);
  const base = await startWorker(port, inspectorPort);
  const data = await seed(base, vars.PORTAL_TOKEN_SECRET);
  const contractor = await contractorSession(base, data.email, data.password);
  const portal = await portalSession(base, data.portalLink);
  const signer = await portalSession(base, data.signerLink);

  const all = routes(data, contractor, portal, signer);
  const run = async (r, duration = DURATION) => {
    await warm(base, r);
    process.stdout.write(`  ${r.label} … `);
    const cdp = r.name === PROFILE ? await inspector(inspectorPort) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    const cpuBefore = workerCpuMs();
    const failuresBefore = sealFailures;
    const m = await measure(base, r, duration);
    // A signature's seal is made after its answer: its CPU counts once the work it left has finished.
    if (r.name === 'sign') m.sealsSettled = await settled();
    const cpuAfter = workerCpuMs();
    if (cpuBefore !== null && m.requests) {
      m.cpuMs = cpuAfter - cpuBefore;
      m.cpuMsPerRequest = round(m.cpuMs / m.requests, 1);
    }
    // A seal that waited too long for its turn is left to the cron's retry: its PDF work was never done here,
    // so the CPU counted is short of what those signatures cost. Said, not hidden.
    if (r.name === 'sign') {
      m.sealsFailed = sealFailures - failuresBefore;
      if (m.sealsFailed)
        console.log(
          `\n  ${m.sealsFailed} seals failed (see .bench-state/wrangler.log): CPU ms/req leaves their work out`,
        );
    }
    if (cdp) {
      const { profile } = await cdp.send('Profiler.stop');
      const file = join(ROOT, 'bench', `${r.name}.cpuprofile`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      // The bundle wrangler built, so the profile's line numbers can be read against it.
      const bundle = profile.nodes.map((n) => n.callFrame).find((f) => f.url.endsWith('index.js'));
      await cdp.send('Debugger.enable');
      if (bundle)
        writeFileSync(
          file.replace(/\.cpuprofile$/, '.bundle.js'),
          (await cdp.send('Debugger.getScriptSource', { scriptId: bundle.scriptId })).scriptSource,
        );
      cdp.close();
      const more = selfTimes(profile)
        .list.slice(0, 25)
        .map(
          (e) => `${(e.share * 100).toFixed(1).padStart(5)}% ${e.ms.toFixed(1).padStart(8)} ms  ${e.fn}  ${e.where}`,
        );
      const indent = (text) => text.replace(/^/gm, '    ');
      console.log(
        `\n  profile of ${r.name} at ×${SCALE} (${file.replace(`${ROOT}/`, '')}), ${indent(topFunctions(profile, 5)).trimStart()}\n\n  the 25 biggest, runtime included:\n${indent(more.join('\n'))}`,
      );
    }
    console.log(
      `${m.rps.toFixed(1)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms${m.unexpected ? `, ${m.unexpected} unexpected (${JSON.stringify(m.statusCodes)})` : ''}`,
    );
    return m;
  };
  // The baseline runs in short slices between the routes, and each route is compared with the
  // slices just before and after it: on a machine whose load drifts during the run (other builds,
  // tests), a ratio then compares like with like. Signing too: its slice after starts once the seals
  // its signatures left running in the background have settled (`run`), and is left out when they did not.
  const slices = [];
  const slice = async () => {
    const m = await run(all[0], BASELINE_SLICE);
    slices.push(m);
    return m;
  };
  const measured = [];
  let before = await slice();
  for (const r of all.slice(1)) {
    if (ONLY && !ONLY.has(r.name)) continue;
    const m = await run(r);
    // A slice while seals still run would measure a busy machine: then sign has only the slice before it.
    const after = m.sealsSettled === false ? null : await slice();
    m.baselineRps = round(after ? (before.rps + after.rps) / 2 : before.rps, 1);
    m.ratio = round(m.rps / m.baselineRps, 4);
    measured.push(m);
    before = after ?? before;
  }
  const mean = (xs) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const baseline = round(mean(slices.map((m) => m.rps)), 1);
  const rows = [
    {
      ...slices[0],
      route: `GET /healthz (baseline, ${slices.length} slices of ${BASELINE_SLICE} s)`,
      cpuMsPerRequest: slices.every((m) => typeof m.cpuMs === 'number')
        ? round(slices.reduce((a, m) => a + m.cpuMs, 0) / slices.reduce((a, m) => a + m.requests, 0), 1)
        : undefined,
      rps: baseline,
      requests: slices.reduce((a, m) => a + m.requests, 0),
      p50: median(slices.map((m) => m.p50)),
      p99: median(slices.map((m) => m.p99)),
      unexpected: slices.reduce((a, m) => a + m.unexpected, 0),
      ratio: null,
      slices: slices.map((m) => ({ rps: m.rps, p50: m.p50, p99: m.p99 })),
    },
    ...measured,
  ];

  const checked = verdicts(rows);
  const floors = checked.filter((v) => v.floor !== null);
  console.log(`\n  dataset ×${SCALE}\n${table(rows)}\n`);
  for (const f of floors)
    console.log(
      `  floor ${f.route}: ${(f.ratio * 100).toFixed(1)}% of baseline (needs ≥ ${f.floor * 100}%) ${f.ok ? 'ok' : 'BELOW FLOOR'}`,
    );

  const results = {
    scale: SCALE,
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? '',
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadAverage: os.loadavg().map((n) => round(n)),
    },
    settings: {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      baselineSliceSeconds: BASELINE_SLICE,
      signDocuments: data.signing.length,
      pinned: PIN ? { wrangler: 'cpu 0', loadGenerator: 'cpu 1' } : false,
    },
    dataset: { ...data.counts, signDocuments: data.signing.length },
    baselineRps: baseline,
    routes: rows,
    floors,
    goals: checked
      .filter((v) => v.goal !== null)
      .map(({ route, ratio, goal, goalMet }) => ({ route, ratio, goal, goalMet })),
  };
  // A profiled run is slowed by the DevTools session: its numbers are not results.
  if (PROFILE) {
    console.log(
      `\n  profiled run: ${RESULTS.replace(`${ROOT}/`, '')} left as it was (${((Date.now() - started) / 1000).toFixed(0)} s in all)`,
    );
  } else {
    mkdirSync(dirname(RESULTS), { recursive: true });
    let previous = null;
    try {
      if (existsSync(RESULTS)) previous = JSON.parse(readFileSync(RESULTS, 'utf8'));
    } catch {}
    const all = mergeResults(previous, results);
    writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
    console.log(`\n  each route's ratio at each scale in ${RESULTS.replace(`${ROOT}/`, '')}:\n${scaleTable(all)}`);
    console.log(
      `\n  wrote ${RESULTS.replace(`${ROOT}/`, '')} at scale ${SCALE} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`,
    );
  }
  // Unexpected answers always fail the run; a floor missed fails it only with --strict, since
  // the ratios still move with the machine and its load.
  return rows.every((r) => r.unexpected === 0) && (!STRICT || floors.every((f) => f.ok));
}

let ok = false;
try {
  ok = await main();
} catch (err) {
  console.error(`\nbench failed: ${err.stack ?? err}`);
  if (log)
    console.error(
      `--- wrangler output (last 4000 characters; all of it in .bench-state/wrangler.log) ---\n${log.slice(-4000)}`,
    );
} finally {
  await stopWorker();
  try {
    mkdirSync(STATE, { recursive: true });
    writeFileSync(join(STATE, 'wrangler.log'), log);
  } catch {}
}
process.exit(ok ? 0 : 1);
