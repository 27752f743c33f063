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

/**
 * The client's address for the audit trail, signature certificates and rate limits. Cloudflare's
 * edge sets CF-Connecting-IP (replacing any the client sent) and the runtime gives every request it
 * delivered a `cf` object; a request without `cf` did not come through the edge (a test, another
 * Worker), so its CF-Connecting-IP is only the client's claim and is not believed. Workers never see
 * the socket's address, so that answers ''. Under wrangler dev, miniflare plays the edge: it sets `cf`,
 * and the header from the socket unless the local client sent one. X-Forwarded-For is never read.
 */
export function clientIp(req: { header(name: string): string | undefined; raw: Request }): string {
  if (!req.raw.cf) return '';
  const ip = req.header('CF-Connecting-IP')?.trim() ?? '';
  return /^[0-9A-Fa-f:.]{2,45}$/.test(ip) ? ip : '';
}

/** Where a request came from, as a signature, a consent or an offline record keeps it: its address and browser. */
export function requestFrom(req: { header(name: string): string | undefined; raw: Request }) {
  return { ip: clientIp(req), userAgent: (req.header('User-Agent') ?? '').slice(0, 500) };
}
