#!/usr/bin/env node
// The Worker bundle's weight, as Cloudflare would receive it: `wrangler deploy --dry-run` builds it
// into a temporary folder (nothing is uploaded), then every module in it is gzipped and summed.
// Source maps and the README wrangler writes are not uploaded, so they are not counted.
// Exits 1 when the bundle is over the budget (840 KiB gzip). `--json` prints one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

// 800 until issue 17 (several signers, countersigning, the portal across contractors) added 20 KiB of its own
// code; issue 19 splits the Worker and takes the page-serving one to 600.
export const BUDGET_KIB = 840;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const json = process.argv.includes('--json');
const outdir = mkdtempSync(path.join(tmpdir(), 'bundle-'));

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

try {
  const run = spawnSync(
    process.execPath,
    [path.join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outdir],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    console.error(`wrangler deploy --dry-run failed (exit ${run.status})`);
    process.exit(2);
  }
  const modules = files(outdir).filter((f) => !f.endsWith('.map') && path.basename(f) !== 'README.md');
  const sizes = modules.map((f) => {
    const bytes = readFileSync(f);
    return { file: path.relative(outdir, f), bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
  });
  const raw = sizes.reduce((n, s) => n + s.bytes, 0);
  const gzip = sizes.reduce((n, s) => n + s.gzip, 0);
  // Wrangler prints its own figure ("Total Upload: X KiB / gzip: Y KiB"); report it beside ours.
  const reported = /gzip:\s*([\d.]+)\s*KiB/.exec(run.stdout + run.stderr);
  const result = {
    rawKiB: +(raw / 1024).toFixed(2),
    gzipKiB: +(gzip / 1024).toFixed(2),
    wranglerGzipKiB: reported ? Number(reported[1]) : null,
    budgetKiB: BUDGET_KIB,
    modules: sizes,
  };
  const worst = Math.max(result.gzipKiB, result.wranglerGzipKiB ?? 0);
  const ok = worst <= BUDGET_KIB;
  if (json) console.log(JSON.stringify({ ...result, ok }));
  else {
    for (const s of sizes)
      console.log(`  ${s.file}: ${(s.bytes / 1024).toFixed(1)} KiB, ${(s.gzip / 1024).toFixed(1)} KiB gzip`);
    console.log(
      `Worker bundle: ${result.rawKiB} KiB, ${result.gzipKiB} KiB gzip (wrangler says ${result.wranglerGzipKiB ?? '?'} KiB); budget ${BUDGET_KIB} KiB gzip`,
    );
  }
  if (!ok) {
    console.error(`The Worker bundle is ${worst} KiB gzip, over the ${BUDGET_KIB} KiB budget.`);
    process.exitCode = 1;
  }
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
