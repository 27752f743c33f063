import { createId } from '../db/ids';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { activity, type Side } from '../db/schema';

// The one place that writes activity. Rows are only ever inserted: no code updates or deletes them.

export type Action =
  | 'created'
  | 'edited'
  | 'sent'
  | 'resent'
  | 'viewed'
  | 'commented'
  | 'file_added'
  | 'file_removed'
  | 'consented'
  | 'signed'
  | 'approved'
  | 'declined'
  | 'bid_submitted'
  | 'bid_accepted'
  | 'bid_not_accepted'
  | 'accepted'
  | 'payment_recorded'
  | 'payment_received'
  | 'payment_processing'
  | 'payment_failed'
  | 'payment_refunded'
  | 'payment_flagged'
  | 'status_changed'
  | 'revised'
  | 'voided'
  | 'link_revoked'
  | 'link_requested'
  | 'reminder_sent'
  | 'deadline_extended'
  | 'update_requested'
  | 'mail_failed'
  | 'sealed'
  | 'countersigned'
  | 'budget_updated'
  | 'recipient_removed'
  | 'file_requested'
  | 'file_request_waived'
  | 'file_request_removed'
  | 'approved_offline';

export interface Actor {
  side: Side;
  userId?: string | null;
  contactId?: string | null;
  name: string;
  ip?: string | null;
  userAgent?: string | null;
}

export interface ActivityEvent {
  id?: string;
  orgId: string;
  jobId?: string | null;
  documentId?: string | null;
  /** The document's timeline position; omitted, it is the next one, assigned inside the insert. */
  seq?: number;
  action: Action;
  actor: Actor;
  data?: Record<string, unknown>;
  at?: number;
  /**
   * Written only while this holds (read in the insert itself): otherwise its action is NULL and the whole batch
   * fails with "NOT NULL constraint failed: activity.action", so a write decided in SQL commits all or nothing.
   */
  onlyIf?: SQL;
}

/** The D1 error of a batch whose activity row's `onlyIf` did not hold. */
export const ACTIVITY_REFUSED = /NOT NULL constraint failed: activity\.action/;

export function activityInsert(db: Db, e: ActivityEvent) {
  const seq = e.documentId
    ? (e.seq ?? sql`(SELECT coalesce(max(seq), 0) + 1 FROM activity WHERE document_id = ${e.documentId})`)
    : null;
  return db
    .insert(activity)
    .values({
      id: e.id ?? createId(),
      orgId: e.orgId,
      jobId: e.jobId ?? null,
      documentId: e.documentId ?? null,
      seq,
      action: e.onlyIf ? sql<Action>`(SELECT ${e.action} WHERE ${e.onlyIf})` : e.action,
      side: e.actor.side,
      userId: e.actor.userId ?? null,
      contactId: e.actor.contactId ?? null,
      actorName: e.actor.name,
      ip: e.actor.ip ?? null,
      userAgent: e.actor.userAgent ? e.actor.userAgent.slice(0, 500) : null,
      data: e.data ? JSON.stringify(e.data) : null,
      createdAt: e.at ?? Date.now(),
    })
    .returning(activityReturned);
}

/**
 * What an activity insert answers in its batch (RETURNING): its id and the timeline position it took, so the
 * document's room reads a write's position from the write itself, not with a statement after it (issue 19).
 */
export const activityReturned = { activityId: activity.id, seq: activity.seq };

/** The timeline position a batch gave the activity row `activityId` (from activityInsert's RETURNING), or null. */
export function seqOf(results: readonly unknown[], activityId: string): number | null {
  for (const rows of results)
    if (Array.isArray(rows))
      for (const row of rows as { activityId?: unknown; seq?: number | null }[])
        if (row?.activityId === activityId) return row.seq ?? null;
  return null;
}

export function contractorActor(
  user: { id: string; name: string },
  from: { ip: string; userAgent: string } | null = null,
): Actor & { side: 'contractor'; userId: string } {
  return { side: 'contractor', userId: user.id, name: user.name, ...from };
}
