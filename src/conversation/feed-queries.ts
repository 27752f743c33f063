import { and, desc, eq, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
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
export function feedStatement(db: Db, orgId: Param, f: FeedFilter, limit = PAGE_SIZE) {
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
