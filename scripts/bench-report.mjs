// The benchmark's arithmetic, apart from the run so it can be tested (test/node/bench.test.mjs):
// floors and goals per route, the results file keyed by dataset scale, the tables, and the self
// time of a V8 CPU profile per function.

/** Issue 19's floors (`--strict` fails the run below one), as a share of GET /healthz in the same run. */
export const FLOORS = {
  'portal-document': 0.4,
  'portal-home': 0.4,
  'job-page': 0.25,
  'document-page': 0.25,
  sign: 0.15,
  'draft-pdf': 0.1,
};

/**
 * Goals, reported and never enforced: the portal document page's 0.50 is the issue's; the others
 * are a fifth above their floor (the portal home as high as the portal document page, since both
 * are what a "fast global portal link" opens), and posting a comment, which has no floor, a fifth
 * above the 0.24 the issue measured.
 */
export const GOALS = {
  'portal-document': 0.5,
  'portal-home': 0.5,
  'job-page': 0.3,
  'document-page': 0.3,
  comment: 0.3,
  sign: 0.18,
  'draft-pdf': 0.12,
};

/** Each measured route's floor and goal, and whether its ratio meets them. */
export function verdicts(rows) {
  return rows
    .filter((r) => r.ratio !== null && r.ratio !== undefined && (FLOORS[r.name] || GOALS[r.name]))
    .map((r) => ({
      route: r.name,
      ratio: r.ratio,
      floor: FLOORS[r.name] ?? null,
      ok: FLOORS[r.name] ? r.ratio >= FLOORS[r.name] : true,
      goal: GOALS[r.name] ?? null,
      goalMet: GOALS[r.name] ? r.ratio >= GOALS[r.name] : null,
    }));
}

/**
 * bench/results.json holds one run per dataset scale ({ "1": run, "10": run }): a run replaces the
 * one at its own scale and keeps the others. A file from before scales (one run at its top level)
 * is kept as scale 1 unless this run is scale 1.
 */
export function mergeResults(previous, run) {
  const out = {};
  if (previous && typeof previous === 'object') {
    if (Array.isArray(previous.routes)) out['1'] = previous;
    else for (const [k, v] of Object.entries(previous)) if (/^\d+$/.test(k) && v && typeof v === 'object') out[k] = v;
  }
  out[String(run.scale)] = run;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => Number(a) - Number(b)));
}

const pct = (n) => (n === null || n === undefined ? '—' : `${(n * 100).toFixed(1)}%`);

function grid(head, body, left = 1) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The run's table: each route's req/s, latency and ratio, with its floor and whether the goal is met. */
export function table(rows) {
  const head = [
    'route',
    'req/s',
    'p50 ms',
    'p99 ms',
    'baseline req/s',
    'vs baseline',
    'floor',
    'goal',
    'goal met',
    'CPU ms/req',
    'unexp.',
  ];
  const body = rows.map((r) => {
    const floor = FLOORS[r.name];
    const goal = GOALS[r.name];
    const hasRatio = r.ratio !== null && r.ratio !== undefined;
    return [
      r.route,
      r.rps.toFixed(1),
      String(r.p50),
      String(r.p99),
      r.baselineRps ? r.baselineRps.toFixed(1) : '',
      hasRatio ? `${pct(r.ratio)}${floor && r.ratio < floor ? ' BELOW' : ''}` : '—',
      floor ? pct(floor) : '',
      goal ? pct(goal) : '',
      goal && hasRatio ? (r.ratio >= goal ? 'yes' : 'no') : '',
      typeof r.cpuMsPerRequest === 'number' ? r.cpuMsPerRequest.toFixed(1) : '',
      String(r.unexpected),
    ];
  });
  return grid(head, body);
}

/** Each route's ratio at every scale in the results file, side by side. */
export function scaleTable(results) {
  const scales = Object.keys(results).sort((a, b) => Number(a) - Number(b));
  const names = [];
  for (const s of scales)
    for (const r of results[s].routes ?? []) if (r.ratio !== null && !names.includes(r.name)) names.push(r.name);
  const head = ['route', 'floor', 'goal', ...scales.map((s) => `×${s}`)];
  const body = names.map((name) => [
    name,
    FLOORS[name] ? pct(FLOORS[name]) : '',
    GOALS[name] ? pct(GOALS[name]) : '',
    ...scales.map((s) => pct(results[s].routes?.find((r) => r.name === name)?.ratio)),
  ]);
  return grid(head, body);
}

const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/**
 * Self time per function of a V8 CPU profile, biggest first: { fn, where (file:line), ms, share }
 * with the share of the busy time (every sample but idle). A sample's time is the gap to the next
 * (the last one's, the gap before it), but at most `gapSamples` sampling intervals (the profile's median gap):
 * workerd samples an isolate only while it runs, so a longer gap is the thread away in another isolate (the PDF
 * Worker, D1's and R2's simulators on the same core) or with nothing to run, and was read as the last function's
 * self time (a seal's R2 `put` looked like an eighth of the sign run). What is cut off is `awayMs` ("unsampled"),
 * not anyone's self time.
 */
export function selfTimes(profile, { gapSamples = 10 } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas ?? [];
  const fallback = profile.samples.length ? (profile.endTime - profile.startTime) / profile.samples.length : 0;
  const sorted = deltas.filter((d) => d > 0).sort((a, b) => a - b);
  const interval = sorted.length ? sorted[Math.floor(sorted.length / 2)] : fallback;
  const by = new Map();
  let busy = 0;
  let idle = 0;
  let away = 0;
  profile.samples.forEach((nodeId, i) => {
    const gap = deltas[i + 1] ?? deltas[i] ?? fallback;
    const us = gap > interval * gapSamples ? interval : gap;
    away += gap - us;
    const f = byId.get(nodeId).callFrame;
    const fn = f.functionName || '(anonymous)';
    if (fn === '(idle)') {
      idle += us;
      return;
    }
    busy += us;
    const file = f.url ? f.url.split('/').slice(-1)[0] : '';
    const where = file ? `${file}:${f.lineNumber + 1}` : '';
    const key = `${fn}\u0000${where}`;
    const e = by.get(key) ?? { fn, where, us: 0, meta: META.has(fn) };
    e.us += us;
    by.set(key, e);
  });
  const list = [...by.values()]
    .sort((a, b) => b.us - a.us)
    .map((e) => ({ fn: e.fn, where: e.where, meta: e.meta, ms: e.us / 1000, share: busy ? e.us / busy : 0 }));
  return { busyMs: busy / 1000, idleMs: idle / 1000, awayMs: away / 1000, list };
}

/** The top `n` functions (the runtime's own (program) and (garbage collector) lines apart) as text. */
export function topFunctions(profile, n = 5) {
  const { busyMs, idleMs, awayMs, list } = selfTimes(profile);
  const top = list.filter((e) => !e.meta).slice(0, n);
  const body = top.map((e, i) => [String(i + 1), e.fn, e.where, e.ms.toFixed(1), pct(e.share)]);
  const meta = list
    .filter((e) => e.meta)
    .map((e) => `${e.fn} ${e.ms.toFixed(1)} ms (${pct(e.share)})`)
    .join(', ');
  return [
    `top ${n} self-time functions (busy ${busyMs.toFixed(0)} ms, idle ${idleMs.toFixed(0)} ms${awayMs >= 1 ? `, unsampled ${awayMs.toFixed(0)} ms` : ''}; % of busy time):`,
    grid(['#', 'function', 'file:line', 'self ms', '%'], body, 3),
    meta ? `runtime: ${meta}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}
