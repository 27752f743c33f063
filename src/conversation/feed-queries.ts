import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { FeedItem } from '../../views/dashboard/activity';
import { distinct, type Db, type Param } from '../db/client';
import { activity, documents, jobs } from '../db/schema';
import { kindOf } from '../documents/kinds';
import { describeEvent } from './feed';

export interface FeedFilter {
  jobId?: Param;
  action?: string;
  side?: 'contractor' | 'recipient' | 'system';
  actions?: string[];
  since?: number;
  before?: { at: number; id: string };
}

export const PAGE_SIZE = 50;

/** The org's activity, newest first, paged by a (time, id) cursor; one statement for a caller's batch. */
export function feedStatement(db: Db, orgId: Param | SQL, f: FeedFilter, limit = PAGE_SIZE) {
  const where: SQL[] = [eq(activity.orgId, orgId)];
  if (f.jobId) where.push(eq(activity.jobId, f.jobId));
  if (f.action) where.push(eq(activity.action, f.action));
  if (f.actions?.length) where.push(inArray(activity.action, f.actions));
  if (f.side) where.push(eq(activity.side, f.side));
  if (f.since) where.push(gte(activity.createdAt, f.since));
  if (f.before)
    where.push(
      or(lt(activity.createdAt, f.before.at), and(eq(activity.createdAt, f.before.at), lt(activity.id, f.before.id)))!,
    );
  return db
    .select(
      distinct({
        event: activity,
        documentNumber: documents.number,
        documentType: documents.type,
        documentSubtype: documents.subtype,
        jobName: jobs.name,
      }),
    )
    .from(activity)
    .leftJoin(documents, and(eq(documents.id, activity.documentId), eq(documents.orgId, orgId)))
    .leftJoin(jobs, and(eq(jobs.id, activity.jobId), eq(jobs.orgId, orgId)))
    .where(and(...where))
    .orderBy(desc(activity.createdAt), desc(activity.id))
    .limit(limit + 1);
}

export function encodeCursor(e: { createdAt: number; id: string }) {
  return `${e.createdAt}_${e.id}`;
}

export function decodeCursor(s: string | undefined): { at: number; id: string } | undefined {
  const m = /^(\d{1,15})_([a-z0-9]{8,40})$/.exec(s ?? '');
  return m ? { at: Number(m[1]), id: m[2] } : undefined;
}

/** What the contractor should look at first: the recipients' recent actions. */
export const ATTENTION_ACTIONS = [
  'commented',
  'file_added',
  'signed',
  'approved',
  'declined',
  'accepted',
  'bid_submitted',
  'link_requested',
  'update_requested',
];

type FeedRow = Awaited<ReturnType<typeof feedStatement>>[number];

/** Feed rows as the pages show them: what happened, on which document of which job. */
export function feedItems(rows: FeedRow[], currency: string): FeedItem[] {
  return rows.map((r) => ({
    ...describeEvent(r.event, currency),
    documentId: r.event.documentId,
    documentLabel: r.documentNumber
      ? `${kindOf(r.documentType ?? '', r.documentSubtype ?? null)?.label ?? ''} ${r.documentNumber}`.trim()
      : null,
    jobId: r.event.jobId,
    jobName: r.jobName ?? null,
  }));
}

/** One page of the activity feed and the org's jobs for its filter, in one batch. */
export async function activityPage(db: Db, orgId: string, filter: FeedFilter) {
  const [rows, jobList] = await db.batch([
    feedStatement(db, orgId, filter),
    db.select({ id: jobs.id, name: jobs.name }).from(jobs).where(eq(jobs.orgId, orgId)).orderBy(desc(jobs.number)),
  ]);
  const page = rows.slice(0, PAGE_SIZE);
  const next = rows.length > PAGE_SIZE ? encodeCursor(page[page.length - 1].event) : null;
  return { rows: page, jobs: jobList, next };
}

/** Timeline entries a document page shows at once; "Older activity" pages past them. */
export const TIMELINE_PAGE = 50;

/**
 * A document's timeline as entries, newest first: one per event, except that a recipient's views
 * with nothing but views in between (an "island": the same latest other event before them) are one
 * entry, "viewed it 8 times". An entry's `seq` is its newest row's, and every other column is that
 * row's (SQLite takes bare columns from the row of the one max()). `networks` lists each distinct
 * address and browser of the entry's rows (JSON). Paged by `before` (entries older than that seq),
 * or narrowed to the entry holding one activity row (a live update). One statement, for a batch.
 */
export function timelineStatement(
  db: Db,
  orgId: Param | SQL,
  documentId: Param,
  page: { before?: Param<number>; containing?: string } = {},
  limit = TIMELINE_PAGE,
) {
  const rows = db
    .select({
      id: activity.id,
      seq: activity.seq,
      action: activity.action,
      side: activity.side,
      actorName: activity.actorName,
      contactId: activity.contactId,
      ip: activity.ip,
      userAgent: activity.userAgent,
      data: activity.data,
      createdAt: activity.createdAt,
      island: sql<number>`max(case when ${activity.action} <> 'viewed' then ${activity.seq} else 0 end)
        over (order by ${activity.seq})`.as('island'),
    })
    .from(activity)
    .where(and(eq(activity.orgId, orgId), eq(activity.documentId, documentId)))
    .as('timeline_rows');
  const entry = sql<string>`case when ${rows.action} = 'viewed'
    then 'views-' || ${rows.island} || '-' || coalesce(${rows.contactId}, ${rows.actorName}) else ${rows.id} end`;
  const newest = sql<number>`max(${rows.seq})`;
  const having: SQL[] = [];
  if (page.before) having.push(sql`${newest} < ${page.before}`);
  if (page.containing) having.push(sql`sum(${rows.id} = ${page.containing}) > 0`);
  return db
    .select(
      distinct({
        seq: newest.mapWith(Number),
        id: rows.id,
        action: rows.action,
        side: rows.side,
        actorName: rows.actorName,
        contactId: rows.contactId,
        ip: rows.ip,
        userAgent: rows.userAgent,
        data: rows.data,
        createdAt: rows.createdAt,
        entry,
        count: sql<number>`count(*)`.mapWith(Number),
        networks: sql<string>`json_group_array(distinct coalesce(${rows.ip}, '') || char(9) ||
          coalesce(${rows.userAgent}, ''))`,
      }),
    )
    .from(rows)
    .groupBy(entry)
    .having(having.length ? and(...having) : undefined)
    .orderBy(desc(newest))
    .limit(limit + 1);
}

/** Each recipient's views of a document, for the line above it: how many, and when last. */
export function viewCountsStatement(db: Db, orgId: Param | SQL, documentId: Param) {
  return (
    db
      .select(
        distinct({
          name: activity.actorName,
          contactId: sql<string | null>`max(${activity.contactId})`,
          count: sql<number>`count(*)`.mapWith(Number),
          last: sql<number>`max(${activity.createdAt})`.mapWith(Number),
        }),
      )
      .from(activity)
      // The unary + keeps SQLite on the document's timeline (activity_doc_seq): on the company's time index it read
      // every activity row the company ever had to count one document's views.
      .where(
        and(sql`+${activity.orgId} = ${orgId}`, eq(activity.documentId, documentId), eq(activity.action, 'viewed')),
      )
      .groupBy(sql`coalesce(${activity.contactId}, ${activity.actorName})`)
      .orderBy(desc(sql`max(${activity.createdAt})`))
  );
}

/** Parses `?before=`: a timeline position, or undefined (the first page) for anything else. */
export function timelineBefore(value: string | undefined): number | undefined {
  return /^[1-9]\d{0,8}$/.test(value ?? '') ? Number(value) : undefined;
}
