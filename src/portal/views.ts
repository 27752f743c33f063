import { and, eq, fillPlaceholders, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { prepared, type Db, type Prepared } from '../db/client';
import { createId } from '../db/ids';
import { activity, documents, versionViews } from '../db/schema';
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
      })
      .onConflictDoNothing()
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
