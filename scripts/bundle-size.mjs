#!/usr/bin/env node
// The Workers' bundles, as Cloudflare would receive them: `wrangler deploy --dry-run` builds each into a
// temporary folder (nothing is uploaded), then every module in it is gzipped and summed. Source maps
// and the README wrangler writes are not uploaded, so they are not counted. Two Workers since issue 19:
// the page Worker (wrangler.toml), which must stay within BUDGET_KIB gzip, and the PDF Worker
// (src/pdf/wrangler.toml: pdf-lib, fontkit), within Cloudflare's free-plan limit of 3 MiB gzip.
// Exits 1 when either is over. `--json` prints one JSON line: the page Worker's figures at the top
// level (as before the split), the PDF Worker's under `pdf`.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { wrangler } from './wrangler-run.mjs';

// 840 after issue 17; issue 19 moved PDF rendering and sealing to the PDF Worker and took the page Worker to 600.
export const BUDGET_KIB = 600;
/** Cloudflare's Workers Free plan: 3 MiB after compression per Worker. */
export const PDF_LIMIT_KIB = 3 * 1024;
/** What only the PDF Worker may bundle: pdf-lib and what it pulls in, fontkit, the QR encoder. */
export const PDF_ONLY = ['pdf-lib', '@pdf-lib/fontkit', '@pdf-lib/standard-fonts', '@pdf-lib/upng', 'pako', 'lean-qr'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const json = process.argv.includes('--json');

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

/** One Worker's bundle: each module's raw and gzip size, summed, and wrangler's own figure. */
function measure(config, budgetKiB) {
  const outdir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
  try {
    const run = wrangler([
      'deploy',
      '--dry-run',
      '-c',
      config,
      '--outdir',
      outdir,
      '--metafile',
      path.join(outdir, 'meta.json'),
    ]);
    const meta = JSON.parse(readFileSync(path.join(outdir, 'meta.json'), 'utf8'));
    // The packages bundled in (from esbuild's metafile): the page Worker must hold none of PDF_ONLY.
    const packages = [
      ...new Set(
        Object.keys(meta.inputs).flatMap((f) => {
          const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
          return m ? [m[1]] : [];
        }),
      ),
    ].sort();
    const modules = files(outdir).filter(
      (f) => !f.endsWith('.map') && path.basename(f) !== 'README.md' && path.basename(f) !== 'meta.json',
    );
    const sizes = modules.map((f) => {
      const bytes = readFileSync(f);
      return { file: path.relative(outdir, f), bytes: bytes.byteLength, gzip: gzipSync(bytes).byteLength };
    });
    const raw = sizes.reduce((n, s) => n + s.bytes, 0);
    const gzip = sizes.reduce((n, s) => n + s.gzip, 0);
    // Wrangler prints its own figure ("Total Upload: X KiB / gzip: Y KiB"); report it beside ours.
    const reported = /gzip:\s*([\d.]+)\s*KiB/.exec(run.stdout + run.stderr);
    const result = {
      config,
      rawKiB: +(raw / 1024).toFixed(2),
      gzipKiB: +(gzip / 1024).toFixed(2),
      wranglerGzipKiB: reported ? Number(reported[1]) : null,
      budgetKiB: budgetKiB,
      modules: sizes,
      packages,
    };
    return { ...result, ok: Math.max(result.gzipKiB, result.wranglerGzipKiB ?? 0) <= budgetKiB };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

const page = measure('wrangler.toml', BUDGET_KIB);
const pdf = measure('src/pdf/wrangler.toml', PDF_LIMIT_KIB);
const misplaced = page.packages.filter((p) => PDF_ONLY.includes(p));
page.ok &&= misplaced.length === 0;
if (misplaced.length) console.error(`The page Worker bundles ${misplaced.join(', ')}: they belong to the PDF Worker.`);
if (json) console.log(JSON.stringify({ ...page, ok: page.ok && pdf.ok, pdf }));
else
  for (const [name, r] of [
    ['Page Worker', page],
    ['PDF Worker', pdf],
  ]) {
    for (const s of r.modules)
      console.log(`  ${s.file}: ${(s.bytes / 1024).toFixed(1)} KiB, ${(s.gzip / 1024).toFixed(1)} KiB gzip`);
    console.log(
      `${name} (${r.config}): ${r.rawKiB} KiB, ${r.gzipKiB} KiB gzip (wrangler says ${r.wranglerGzipKiB ?? '?'} KiB); budget ${r.budgetKiB} KiB gzip`,
    );
  }
for (const [name, r] of [
  ['page Worker', page],
  ['PDF Worker', pdf],
])
  if (!r.ok) {
    console.error(
      `The ${name} bundle is ${Math.max(r.gzipKiB, r.wranglerGzipKiB ?? 0)} KiB gzip, over ${r.budgetKiB} KiB.`,
    );
    process.exitCode = 1;
  }
