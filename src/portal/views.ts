import { and, eq, fillPlaceholders, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { allPrepared, prepared, type Db, type Prepared } from '../db/client';
import { createId } from '../db/ids';
import { activity, documents, versionViews } from '../db/schema';
import { activityReturned } from '../conversation/activity';
import { cancelStatement } from '../reminders/plan';
import { canTransition, nextStatus } from '../documents/status';
import type { DocumentType } from '../db/schema';

export interface ViewInput {
  activityId?: string;
  orgId: string;
  jobId: string;
  documentId: string;
  type: DocumentType;
  status: string;
  contactId: string;
  name: string;
  ip: string;
  userAgent: string;
  /** The sent version the page showed: remembered per contact, so a revision shows what changed since. */
  version?: number;
}

/**
 * A prepared query with its placeholders filled, as an item of a drizzle db.batch() (the room's commit):
 * its SQL was built once, and it runs on `db`'s client. Drizzle's batch (drizzle-orm/d1 session.batch,
 * pinned in package-lock.json) asks each item for its prepared form: `_prepare()` with its SQL and
 * parameters, a statement to bind them to and its result mapping.
 */
function boundPrepared(db: Db, query: Prepared, values: Record<string, unknown>): BatchItem<'sqlite'> {
  const { sql, params } = query.getQuery();
  const filled = { sql, params: fillPlaceholders(params, values) };
  const ready = {
    getQuery: () => filled,
    stmt: db.$client.prepare(sql),
    mapResult: (result: unknown, fromBatch?: boolean) => query.mapResult(result, fromBatch),
  };
  return { _prepare: () => ready } as unknown as BatchItem<'sqlite'>;
}

// The view write is the room's most frequent (every portal page load): its statements are built once
// (db/client.ts prepared) and each view fills their placeholders (boundPrepared).
const viewQueries = (db: Db) => {
  const p = sql.placeholder;
  return {
    seen: db
      .insert(versionViews)
      .values({
        orgId: p('orgId'),
        documentId: p('documentId'),
        contactId: p('contactId'),
        version: p('version'),
        viewedAt: p('now'),
        lastViewedAt: p('now'),
        lastViewedFrom: p('from'),
      })
      .onConflictDoUpdate({
        target: [versionViews.documentId, versionViews.contactId, versionViews.version],
        set: { lastViewedAt: sql`excluded.last_viewed_at`, lastViewedFrom: sql`excluded.last_viewed_from` },
      })
      .prepare(),
    // The document's status now and the last view logged of the version for this contact, read in the room
    // before logging another.
    last: db
      .select({ status: documents.status, at: versionViews.lastViewedAt, from: versionViews.lastViewedFrom })
      .from(documents)
      .leftJoin(
        versionViews,
        and(
          eq(versionViews.orgId, documents.orgId),
          eq(versionViews.documentId, documents.id),
          eq(versionViews.contactId, p('contactId')),
          eq(versionViews.version, p('version')),
        ),
      )
      .where(and(eq(documents.orgId, p('orgId')), eq(documents.id, p('documentId'))))
      .prepare(),
    logged: db
      .insert(activity)
      .values({
        id: p('activityId'),
        orgId: p('orgId'),
        jobId: p('jobId'),
        documentId: p('documentId'),
        // The next timeline position, as activityInsert computes it.
        seq: sql`(SELECT coalesce(max(seq), 0) + 1 FROM activity WHERE document_id = ${p('documentId')})`,
        action: 'viewed',
        side: 'recipient',
        contactId: p('contactId'),
        actorName: p('name'),
        ip: p('ip'),
        userAgent: p('userAgent'),
        createdAt: p('now'),
      })
      .returning(activityReturned)
      .prepare(),
    moved: db
      .update(documents)
      .set({ status: sql`${p('next')}` })
      .where(and(eq(documents.orgId, p('orgId')), eq(documents.id, p('documentId')), eq(documents.status, p('status'))))
      .prepare(),
    // The recipient opened the sent version: its "not opened" reminder has no reason left (issue 16).
    opened: cancelStatement(
      db,
      { orgId: p('orgId'), documentId: p('documentId'), kinds: ['unopened'] },
      'opened',
      p('now'),
    ).prepare(),
  };
};

/** Whether a view moves the document's status (a sent one to viewed): such a view is always logged. */
export function viewMoves(type: DocumentType, status: string) {
  return canTransition(type, status, 'view') && nextStatus(type, status, 'view') !== status;
}

/** A reload from the same device within this long is the same view (one line on the timeline, not one per load). */
export const VIEW_REPEAT_MS = 10 * 60_000;

/** The device a view came from, as `version_views.last_viewed_from` keeps it: its address and browser. */
export const viewedFrom = (v: Pick<ViewInput, 'ip' | 'userAgent'>) => `${v.ip} ${v.userAgent.slice(0, 200)}`;

/**
 * Whether a page load repeats the last view logged of that version: the same device, within VIEW_REPEAT_MS. The
 * portal page asks it of the last view its own batch read (and then does not call the room at all); the room asks
 * it again in its queue, so two loads at once log one view.
 */
export function repeatsView(last: { at: number | null; from: string | null } | null, from: string, now: number) {
  return !!last && last.at !== null && last.from === from && now - last.at < VIEW_REPEAT_MS;
}

/**
 * The document's status and the last view of the version logged for this contact (null without a version), read
 * in the room's queue (conversation/actions.ts).
 */
export async function lastView(db: Db, v: Pick<ViewInput, 'orgId' | 'documentId' | 'contactId' | 'version'>) {
  const values = { orgId: v.orgId, documentId: v.documentId, contactId: v.contactId, version: v.version ?? null };
  const [row] = await allPrepared(db, prepared(db, viewQueries).last, values);
  return row ?? null;
}

/**
 * Logs one view by the recipient; the first view moves a sent document to viewed; a view of the sent
 * version remembers it and cancels its "not opened" reminder.
 */
export function viewStatements(db: Db, v: ViewInput) {
  const next = canTransition(v.type, v.status, 'view') ? nextStatus(v.type, v.status, 'view') : v.status;
  const q = prepared(db, viewQueries);
  const values = {
    activityId: v.activityId ?? createId(),
    orgId: v.orgId,
    jobId: v.jobId,
    documentId: v.documentId,
    contactId: v.contactId,
    version: v.version ?? null,
    name: v.name,
    ip: v.ip || null,
    userAgent: v.userAgent ? v.userAgent.slice(0, 500) : null,
    from: viewedFrom(v),
    now: Date.now(),
    status: v.status,
    next,
  };
  return [
    ...(v.version ? [boundPrepared(db, q.seen, values)] : []),
    boundPrepared(db, q.logged, values),
    ...(next !== v.status ? [boundPrepared(db, q.moved, values)] : []),
    ...(v.version ? [boundPrepared(db, q.opened, values)] : []),
  ];
}
