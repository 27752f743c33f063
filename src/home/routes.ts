import { and, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { html } from '../../views/html';
import { HomePage } from '../../views/dashboard/home';
import { currentUser } from '../auth/session';
import { accounts, jobs } from '../db/schema';
import { distinct } from '../db/client';
import { ATTENTION_ACTIONS, feedStatement } from '../conversation/feed-queries';
import { feedItems } from '../conversation/feed-routes';
import type { AppEnv } from '../http/context';
import { pageContext, render } from '../http/render';

export const homeRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const { org } = currentUser(c);
  const db = c.get('db');
  const [openJobs, counts, attention] = await db.batch([
    db
      .select(distinct({ id: jobs.id, number: jobs.number, name: jobs.name, status: jobs.status, customer: accounts.name }))
      .from(jobs)
      .leftJoin(accounts, and(eq(accounts.id, jobs.customerAccountId), eq(accounts.orgId, org.id)))
      .where(and(eq(jobs.orgId, org.id), eq(jobs.status, 'open')))
      .orderBy(sql`${jobs.updatedAt} DESC`)
      .limit(10),
    db
      .select({
        openJobs: sql<number>`(SELECT count(*) FROM jobs WHERE org_id = ${org.id} AND status = 'open')`,
        customers: sql<number>`(SELECT count(*) FROM accounts WHERE org_id = ${org.id} AND kind = 'customer')`,
        vendors: sql<number>`(SELECT count(*) FROM accounts WHERE org_id = ${org.id} AND kind = 'vendor')`,
      })
      .from(sql`(SELECT 1)`),
    feedStatement(db, org.id, { side: 'recipient', actions: ATTENTION_ACTIONS, since: Date.now() - 30 * 86_400_000 }, 12),
  ]);
  return render(c, html`<${HomePage} ctx=${pageContext(c)} jobs=${openJobs} counts=${counts[0]} attention=${feedItems(attention.slice(0, 12), org.currency)} />`);
});
