#!/usr/bin/env node
// `npm run startup`: each Worker's startup time — parsing its script and running its global scope —
// as `wrangler check startup` measures it (a V8 CPU profile of the startup; endTime - startTime of
// that profile), the median of 3 runs per Worker, with the least and the profile's busy time (not
// idle): on a busy machine the span includes time spent waiting for a CPU. Flags: --runs N, --json.
// Workers are the configs that exist of: wrangler.toml (the page Worker), src/pdf/wrangler.toml (the PDF Worker).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { wrangler } from './wrangler-run.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const json = args.includes('--json');
const runs = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 3);
const workers = [
  { name: 'page', config: 'wrangler.toml' },
  { name: 'pdf', config: 'src/pdf/wrangler.toml' },
].filter((w) => existsSync(path.join(root, w.config)));

const dir = mkdtempSync(path.join(tmpdir(), 'startup-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(config) {
  const outfile = path.join(dir, 'startup.cpuprofile');
  wrangler(['check', 'startup', '-c', config, '--outfile', outfile]);
  const profile = JSON.parse(readFileSync(outfile, 'utf8'));
  // Busy: the sampled time not spent idle (less sensitive than the span to waiting for a CPU).
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const busy = profile.samples.reduce((sum, id, i) => sum + (idle.has(id) ? 0 : (profile.timeDeltas[i] ?? 0)), 0);
  return { ms: (profile.endTime - profile.startTime) / 1000, busyMs: busy / 1000 }; // microseconds to ms
}

try {
  const results = workers.map((w) => {
    const all = Array.from({ length: runs }, () => measure(w.config));
    const times = all.map((m) => m.ms);
    return {
      worker: w.name,
      config: w.config,
      ms: +median(times).toFixed(1),
      minMs: +Math.min(...times).toFixed(1),
      busyMs: +median(all.map((m) => m.busyMs)).toFixed(1),
      runs: times.map((t) => +t.toFixed(1)),
    };
  });
  if (json) console.log(JSON.stringify(results));
  else
    for (const r of results)
      console.log(
        `${r.worker} Worker (${r.config}): ${r.ms} ms startup (median of ${r.runs.join(', ')}; least ${r.minMs}), ` +
          `${r.busyMs} ms of it busy`,
      );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
