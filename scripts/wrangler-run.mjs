// Runs the project's wrangler once, to completion, for the measuring scripts (bundle-size.mjs,
// startup.mjs): non-interactive, no metrics, no colours. Exits 2 with wrangler's output when it fails.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function wrangler(args) {
  const run = spawnSync(process.execPath, [path.join(root, 'node_modules/wrangler/bin/wrangler.js'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    console.error(`wrangler ${args.join(' ')} failed (exit ${run.status})`);
    process.exit(2);
  }
  return run;
}
