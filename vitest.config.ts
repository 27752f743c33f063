import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/**
 * stripe's modules name sourcemap sources the package does not ship, and vite warns once per module
 * (hundreds of lines in every run). Loading them without their sourcemap comment silences exactly that.
 */
const stripeWithoutSourcemaps = {
  name: 'stripe-without-sourcemaps',
  enforce: 'pre' as const,
  async load(id: string) {
    if (!/\/node_modules\/stripe\/.+\.js$/.test(id)) return null;
    const code = await readFile(id, 'utf8');
    return { code: code.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), map: null };
  },
};

/**
 * The PDF Worker's fonts are Data modules in wrangler (src/pdf/wrangler.toml `rules`: an ArrayBuffer at
 * import); vite would make them asset URLs, so here they are loaded as a module exporting the same bytes.
 */
const fontsAsData = {
  name: 'fonts-as-data',
  enforce: 'pre' as const,
  async load(id: string) {
    if (!/\.(ttf|woff)$/.test(id)) return null;
    const base64 = (await readFile(id)).toString('base64');
    return {
      code: `const s = atob(${JSON.stringify(base64)});
const bytes = new Uint8Array(s.length);
for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
export default bytes.buffer;`,
      map: null,
    };
  },
};

const fixture = (name: string) => readFileSync(path.join(__dirname, 'test/fixtures', name), 'utf8');

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(__dirname, 'migrations'));
  return {
    test: {
      // Two test files at a time even on a 2-core machine: a file spends much of its time waiting on
      // workerd (D1, R2, the rooms), so the second core is not left idle (vitest's default is cores - 1).
      maxWorkers: 2,
      projects: [
        {
          plugins: [
            stripeWithoutSourcemaps,
            fontsAsData,
            cloudflareTest({
              // The page Worker and the PDF Worker's PdfService in one entry (test/worker.ts).
              main: './test/worker.ts',
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                // wrangler.toml binds PDF to the contractor-portal-pdf Worker; here, to this Worker's own
                // PdfService entrypoint (miniflare's kCurrentWorker), so the RPC path is the real one.
                serviceBindings: { PDF: { name: Symbol.for('miniflare.kCurrentWorker'), entrypoint: 'PdfService' } },
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ENVIRONMENT: 'test',
                  APP_ORIGIN: 'http://localhost',
                  PORTAL_TOKEN_SECRET: 'test-portal-token-secret-not-for-production',
                  SEAL_PRIVATE_KEY: fixture('seal-test-key.pem'),
                  SEAL_CERTIFICATE: fixture('seal-test-cert.pem'),
                  // The real Stripe gateway runs in tests; the Stripe API is faked at fetch (test/stripe-fake.ts).
                  STRIPE_SECRET_KEY: 'sk_test_contractor_portal',
                  STRIPE_WEBHOOK_SECRET: 'whsec_test_contractor_portal',
                },
              },
            }),
          ],
          test: {
            name: 'workers',
            include: ['test/**/*.test.ts'],
            exclude: ['test/e2e/**', 'test/node/**'],
            // Each file gets its own workerd and loads the app afresh (~7 s a file, ~9 s of CPU), so an
            // area's tests live in one file, a describe per former file (test/security.test.ts, test/core.test.ts,
            // ...): a new file costs seconds before its first test. VITEST_SHARE_RUNTIME=1
            // lets the files of one vitest worker share both (test/setup.ts still gives each file an empty
            // database and bucket): ~40% less CPU, but module state (rate limits, the lines of src/turns.ts)
            // then outlives a file.
            isolate: process.env.VITEST_SHARE_RUNTIME !== '1',
            setupFiles: ['./test/setup.ts'],
            testTimeout: 30_000,
            // A file's shared fixtures (two orgs with data) took over vitest's 10 s under CI-like load.
            hookTimeout: 60_000,
          },
        },
        {
          // Tests that run programs of this machine (pdfsig), which workerd cannot spawn.
          test: { name: 'node', include: ['test/node/**/*.test.mjs'], environment: 'node', testTimeout: 30_000 },
        },
      ],
    },
  };
});
