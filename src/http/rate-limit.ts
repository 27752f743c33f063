import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

// Fixed-window counter in D1: one statement, atomic. Production may swap in the Workers
// rate-limiting binding; this keeps it working locally and in tests.
export async function hitRateLimit(db: Db, key: string, limit: number, windowMs: number, now = Date.now()) {
  const start = now - windowMs;
  const row = await db.get<{ count: number }>(sql`
    INSERT INTO rate_limits (key, window_start, count) VALUES (${key}, ${now}, 1)
    ON CONFLICT(key) DO UPDATE SET
      count = CASE WHEN window_start < ${start} THEN 1 ELSE count + 1 END,
      window_start = CASE WHEN window_start < ${start} THEN ${now} ELSE window_start END
    RETURNING count`);
  return { allowed: row.count <= limit, count: row.count };
}

export function clientIp(req: { header(name: string): string | undefined }): string {
  return req.header('CF-Connecting-IP') ?? req.header('X-Forwarded-For')?.split(',')[0]?.trim() ?? '';
}
