import { and, asc, eq, gte, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { awaitingAnswer } from '../home/queries';
import { activity, comments, documents, jobs, orgs, users } from '../db/schema';

// The daily digest's reads (issue 16): who is due one now, and what to tell an org's people.

/** What the digest reports from the timeline: decisions, bids and payments. */
export const DIGEST_ACTIONS = [
  'signed',
  'approved',
  'accepted',
  'approved_offline',
  'declined',
  'bid_submitted',
  'payment_received',
  'payment_recorded',
] as const;

/** Rows per section of one digest: a long day is summed up in the subject and capped in the body. */
export const DIGEST_ROWS = 25;

/**
 * The time zones the companies are in: a handful, whatever the number of companies. Read a zone at a
 * time from the orgs_time_zone index (the next zone after the last one found), so the cron's cost is
 * the number of zones, not of companies (issue 19: a DISTINCT read every org row).
 */
export async function companyZones(db: Db): Promise<string[]> {
  const rows = await db.all<{ tz: string | null }>(sql`WITH RECURSIVE zones(tz) AS (
      SELECT min(${orgs.timeZone}) FROM ${orgs}
      UNION ALL
      SELECT (SELECT min(o.time_zone) FROM orgs o WHERE o.time_zone > zones.tz) FROM zones WHERE zones.tz IS NOT NULL
    ) SELECT tz FROM zones WHERE tz IS NOT NULL`);
  return rows.map((r) => r.tz!).filter(Boolean);
}

/**
 * Users due a digest, in one query: digest on, signed up (a password set), in a company whose time zone is a
 * key of `today` (zones where it is 7:00 or later), and not yet considered on that zone's today. Those never
 * considered first, then the longest waiting.
 */
export async function dueDigestUsers(db: Db, today: Record<string, string>, limit: number) {
  const todayJson = JSON.stringify(today);
  const localToday = sql`json_extract(${todayJson}, '$."' || ${orgs.timeZone} || '"')`;
  return db
    .select({
      id: users.id,
      orgId: users.orgId,
      name: users.name,
      email: users.email,
      timeZone: orgs.timeZone,
    })
    .from(users)
    .innerJoin(orgs, eq(orgs.id, users.orgId))
    .where(
      and(
        eq(users.dailyDigest, true),
        sql`${users.passwordHash} IS NOT NULL`,
        sql`${localToday} IS NOT NULL`,
        sql`(${users.digestOn} IS NULL OR ${users.digestOn} < ${localToday})`,
      ),
    )
    .orderBy(sql`${users.digestOn} IS NOT NULL`, asc(users.digestOn), asc(users.id))
    .limit(limit);
}

/** Marks the user's digest of `day` as done, only if no run marked it already (the loser changes nothing). */
export function markDigestStatement(db: Db, userId: string, day: string) {
  return db
    .update(users)
    .set({ digestOn: day })
    .where(and(eq(users.id, userId), sql`(${users.digestOn} IS NULL OR ${users.digestOn} < ${day})`));
}

const docColumns = {
  documentId: documents.id,
  number: documents.number,
  type: documents.type,
  subtype: documents.subtype,
  jobName: jobs.name,
};

/**
 * One org's digest content in one batch (org-scoped): the decisions, bids and payments logged in
 * [since, now]; recipient comments that are the newest word on their document (home's rule); what expires,
 * closes or falls due from `today` through the 6 days after it (orders awaiting the decision, bid requests still
 * open, unpaid invoices); and unpaid invoices whose due date is before `today`.
 */
export async function digestContent(db: Db, orgId: string, w: { since: number; now: number; today: string }) {
  const weekEnd = sql`date(${w.today}, '+7 days')`;
  const jobJoin = and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId));
  const unpaidInvoice = sql`${documents.type} = 'customer_invoice' AND ${documents.status} IN ('sent', 'viewed', 'partially_paid')`;
  const [events, waiting, dueSoon, overdue, org] = await db.batch([
    db
      .select({
        ...docColumns,
        action: activity.action,
        actorName: activity.actorName,
        data: activity.data,
        at: activity.createdAt,
      })
      .from(activity)
      .innerJoin(documents, and(eq(documents.id, activity.documentId), eq(documents.orgId, orgId)))
      .innerJoin(jobs, jobJoin)
      .where(
        and(
          eq(activity.orgId, orgId),
          inArray(activity.action, [...DIGEST_ACTIONS]),
          gte(activity.createdAt, w.since),
          lte(activity.createdAt, w.now),
        ),
      )
      .orderBy(asc(activity.createdAt), asc(activity.id))
      .limit(DIGEST_ROWS * 4),
    db
      .select({ ...docColumns, authorName: comments.authorName, body: comments.body, at: comments.createdAt })
      .from(comments)
      .innerJoin(
        documents,
        and(eq(documents.id, comments.documentId), eq(documents.orgId, orgId), sql`${documents.status} <> 'void'`),
      )
      .innerJoin(jobs, jobJoin)
      .where(awaitingAnswer(orgId))
      .orderBy(asc(comments.createdAt))
      .limit(DIGEST_ROWS),
    db
      .select({ ...docColumns, deadline: documents.deadline })
      .from(documents)
      .innerJoin(jobs, jobJoin)
      .where(
        and(
          eq(documents.orgId, orgId),
          gte(documents.deadline, w.today),
          sql`${documents.deadline} < ${weekEnd}`,
          sql`((${documents.type} = 'customer_order' AND ${documents.status} IN ('sent', 'viewed'))
            OR (${documents.type} = 'bid_request' AND ${documents.status} IN ('sent', 'viewed', 'submitted'))
            OR (${unpaidInvoice}))`,
        ),
      )
      .orderBy(asc(documents.deadline), asc(documents.number))
      .limit(DIGEST_ROWS),
    db
      .select({ ...docColumns, deadline: documents.deadline })
      .from(documents)
      .innerJoin(jobs, jobJoin)
      .where(and(eq(documents.orgId, orgId), lt(documents.deadline, w.today), unpaidInvoice))
      .orderBy(asc(documents.deadline), asc(documents.number))
      .limit(DIGEST_ROWS),
    db
      .select({ id: orgs.id, name: orgs.name, brandColor: orgs.brandColor, currency: orgs.currency })
      .from(orgs)
      .where(eq(orgs.id, orgId)),
  ]);
  return { events, waiting, dueSoon, overdue, org: org[0] ?? null };
}
export type DigestContent = Awaited<ReturnType<typeof digestContent>>;
