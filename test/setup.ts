// Runs before every test file. Under VITEST_SHARE_RUNTIME=1 (vitest.config.ts) the files of a
// vitest worker share one workerd, so its D1 database and R2 bucket outlive a file: each file starts
// here from what a fresh runtime holds, every migration applied to an empty database and an empty
// bucket. (Durable Objects are named by document id, and ids are never reused, so a file never meets
// another file's room.) In a fresh runtime, the default, there is nothing to drop or delete.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { vi } from 'vitest';

/**
 * Drops every table, view and trigger (foreign keys checked at the end of the one batch, when nothing
 * is left to check), so the migrations below build the schema again exactly as a fresh runtime has it:
 * what a file added (the hostile sweeps' write triggers) goes with its rows.
 */
async function dropSchema(db: D1Database) {
  const { results } = await db
    .prepare(
      `SELECT type, name FROM sqlite_master
       WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'`,
    )
    .all<{ type: 'table' | 'view' | 'trigger'; name: string }>();
  if (!results.length) return;
  const drop = (type: string) =>
    results.filter((r) => r.type === type).map((r) => db.prepare(`DROP ${type.toUpperCase()} "${r.name}"`));
  await db.batch([db.prepare('PRAGMA defer_foreign_keys = on'), ...drop('trigger'), ...drop('view'), ...drop('table')]);
}

async function emptyBucket(bucket: R2Bucket) {
  for (;;) {
    const page = await bucket.list({ limit: 1000 });
    if (!page.objects.length) return;
    await bucket.delete(page.objects.map((o) => o.key));
  }
}

await Promise.all([dropSchema(env.DB), emptyBucket(env.FILES)]);
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
// What an earlier file may have left switched on in this shared runtime.
vi.useRealTimers();
vi.restoreAllMocks();
vi.unstubAllGlobals();
vi.unstubAllEnvs();
