import { and, desc, eq, sql } from 'drizzle-orm';
import { ATTENTION_ACTIONS, feedStatement } from '../conversation/feed-queries';
import { distinct, type Db } from '../db/client';
import { accounts, jobs } from '../db/schema';

const ATTENTION_DAYS = 30;
const HOME_ROWS = 12;

/** The dashboard home: open jobs, counts, and what recipients did lately, in one batch. */
export async function homePage(db: Db, orgId: string, now = Date.now()) {
  const [openJobs, counts, attention] = await db.batch([
    db
      .select(
        distinct({ id: jobs.id, number: jobs.number, name: jobs.name, status: jobs.status, customer: accounts.name }),
      )
      .from(jobs)
      .leftJoin(accounts, and(eq(accounts.id, jobs.customerAccountId), eq(accounts.orgId, orgId)))
      .where(and(eq(jobs.orgId, orgId), eq(jobs.status, 'open')))
      .orderBy(desc(jobs.updatedAt))
      .limit(10),
    db
      .select({
        openJobs: sql<number>`(SELECT count(*) FROM jobs WHERE org_id = ${orgId} AND status = 'open')`,
        customers: sql<number>`(SELECT count(*) FROM accounts WHERE org_id = ${orgId} AND kind = 'customer')`,
        vendors: sql<number>`(SELECT count(*) FROM accounts WHERE org_id = ${orgId} AND kind = 'vendor')`,
      })
      .from(sql`(SELECT 1)`),
    feedStatement(
      db,
      orgId,
      { side: 'recipient', actions: ATTENTION_ACTIONS, since: now - ATTENTION_DAYS * 86_400_000 },
      HOME_ROWS,
    ),
  ]);
  return { openJobs, counts: counts[0], attention: attention.slice(0, HOME_ROWS) };
}
