import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { counters } from './schema';

/** Next value of a per-org sequence (job numbers, document numbers per type): one atomic statement. */
export async function nextNumber(db: Db, orgId: string, name: string): Promise<number> {
  const row = await db
    .insert(counters)
    .values({ orgId, name, value: 1 })
    .onConflictDoUpdate({ target: [counters.orgId, counters.name], set: { value: sql`${counters.value} + 1` } })
    .returning({ value: counters.value })
    .get();
  return row.value;
}
