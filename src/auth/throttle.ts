import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { rateLimits } from '../db/schema';

// Growing delays instead of a lockout. Each key (an email, or a user's known devices) gets a few
// free attempts; after that each attempt must wait twice as long as the one before (1 s, 2 s,
// 4 s, … at most 15 minutes) since the last. A success clears the key. Nothing ever refuses an
// attempt for longer than the cap, and the owner's known devices count under their own key, so
// someone else's failures never keep the owner out.

export const FREE_ATTEMPTS = 5;
const BASE_MS = 1000;
export const MAX_DELAY_MS = 15 * 60_000;
/** A key untouched this long starts again from nothing. */
const FORGET_MS = 24 * 3_600_000;

/** The wait after `count` attempts (0 while some are still free). */
export function delayAfter(count: number): number {
  if (count < FREE_ATTEMPTS) return 0;
  return Math.min(BASE_MS * 2 ** Math.min(count - FREE_ATTEMPTS, 20), MAX_DELAY_MS);
}

/**
 * Takes one attempt for a key, or says how long to wait. Check and count are one batch, so eight
 * guesses at once get exactly the attempts eight guesses one after another would.
 */
export async function claimAttempt(
  db: Db,
  key: string,
  now = Date.now(),
): Promise<{ allowed: true } | { allowed: false; waitMs: number }> {
  const fresh = sql`${rateLimits.windowStart} < ${now - FORGET_MS}`;
  const delay = sql`min(${BASE_MS} * (1 << min(${rateLimits.count} - ${FREE_ATTEMPTS}, 20)), ${MAX_DELAY_MS})`;
  const [, claimed, current] = await db.batch([
    db.insert(rateLimits).values({ key, windowStart: now, count: 0 }).onConflictDoNothing(),
    db
      .update(rateLimits)
      .set({ count: sql`CASE WHEN ${fresh} THEN 1 ELSE ${rateLimits.count} + 1 END`, windowStart: now })
      .where(
        and(
          eq(rateLimits.key, key),
          or(lt(rateLimits.count, FREE_ATTEMPTS), fresh, sql`${rateLimits.windowStart} + ${delay} <= ${now}`),
        ),
      )
      .returning({ count: rateLimits.count }),
    db.select().from(rateLimits).where(eq(rateLimits.key, key)),
  ]);
  if (claimed.length) return { allowed: true };
  const row = current[0];
  return { allowed: false, waitMs: Math.max(1000, row.windowStart + delayAfter(row.count) - now) };
}

/** A success: the key starts again from nothing. */
export function clearAttempts(db: Db, key: string) {
  return db.delete(rateLimits).where(eq(rateLimits.key, key));
}

/** "Wait 2 minutes", "Wait 5 seconds": the time to wait, in words. */
export function waitWords(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
