import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 7, then issue 19: the page Worker's bundle (`wrangler deploy --dry-run`) is at most BUDGET_KIB
// (600 KiB) gzip; the PDF Worker's (src/pdf/wrangler.toml) at most Cloudflare's free-plan 3 MiB. The builds
// run in Node (workerd cannot spawn wrangler), through scripts/bundle-size.mjs; run it by hand with
// `node scripts/bundle-size.mjs` for a per-module breakdown.

const root = path.resolve(import.meta.dirname, '../..');
/** scripts/bundle-size.mjs `BUDGET_KIB` (that script builds when it is loaded, so the number is repeated here). */
const BUDGET_KIB = 600;
/** scripts/bundle-size.mjs `PDF_LIMIT_KIB`: a Worker's size limit on the Workers Free plan. */
const PDF_LIMIT_KIB = 3 * 1024;

describe('Worker bundles', () => {
  it(`the page Worker is at most ${BUDGET_KIB} KiB gzipped, the PDF Worker within ${PDF_LIMIT_KIB} KiB`, () => {
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/bundle-size.mjs'), '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(run.error).toBeUndefined();
    const line = run.stdout.trim().split('\n').pop() ?? '';
    expect(line, `bundle-size.mjs printed no result (exit ${run.status}):\n${run.stdout}\n${run.stderr}`).toMatch(
      /^\{/,
    );
    const result = JSON.parse(line);
    console.log(
      `Page Worker: ${result.rawKiB} KiB, ${result.gzipKiB} KiB gzip (wrangler: ${result.wranglerGzipKiB} KiB gzip), budget ${BUDGET_KIB} KiB`,
    );
    if (result.pdf)
      console.log(
        `PDF Worker: ${result.pdf.rawKiB} KiB, ${result.pdf.gzipKiB} KiB gzip (wrangler: ${result.pdf.wranglerGzipKiB} KiB gzip), limit ${PDF_LIMIT_KIB} KiB`,
      );
    expect(result.modules.length).toBeGreaterThan(0);
    expect(result.gzipKiB).toBeGreaterThan(50); // a real build, not an empty folder
    expect(result.gzipKiB).toBeLessThanOrEqual(BUDGET_KIB);
    if (result.wranglerGzipKiB !== null) expect(result.wranglerGzipKiB).toBeLessThanOrEqual(BUDGET_KIB);
    // pdf-lib, fontkit and what they pull in are the PDF Worker's alone (esbuild's metafile of each build).
    for (const name of ['pdf-lib', '@pdf-lib/fontkit', '@pdf-lib/standard-fonts', 'pako', 'lean-qr'])
      expect(result.packages, `the page Worker bundles ${name}`).not.toContain(name);
    expect(result.pdf?.packages).toContain('pdf-lib');
    expect(result.pdf.gzipKiB).toBeGreaterThan(50);
    expect(result.pdf.gzipKiB).toBeLessThanOrEqual(PDF_LIMIT_KIB);
    if (result.pdf.wranglerGzipKiB !== null) expect(result.pdf.wranglerGzipKiB).toBeLessThanOrEqual(PDF_LIMIT_KIB);
    expect(run.status).toBe(0);
  }, 180_000);

  it('the PDF Worker is reachable only through the service binding: no workers.dev or preview URL', () => {
    const toml = readFileSync(path.join(root, 'src/pdf/wrangler.toml'), 'utf8');
    expect(toml).toMatch(/^workers_dev = false$/m);
    expect(toml).toMatch(/^preview_urls = false$/m);
  });
});
