import { and, eq, inArray } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { reminders, type ReminderKind } from '../db/schema';
import { awaitsDecision, closedByDeadline, deadlineEndsAt, isOverdue } from '../deadlines/rules';
import { addDays, todayIn } from '../deadlines/time';
import type { Env } from '../env';
import { queueMail } from '../mail/outbox';
import { portalLink } from '../portal/links';
import type { RoomContext, RoomWrite } from '../rooms/client';
import { reminderMail, reminderWhy } from './mail';
import { parsePlan } from './plan';
import { dueReminderState, type ReminderDocument } from './queries';

// Sending due reminders, inside the document's room (issue 16). The run hands over the rows it found due; this
// plan reads them again here, in the queue, with the document as it is now, and decides each: cancelled when
// its reason is gone, sent (one email per document per run: a catch-up never bursts), or skipped because a
// more useful one goes instead. Every row's UPDATE is conditional on it still being 'scheduled', and the
// email and the timeline line go in the same batch: a crash before the batch commits leaves it scheduled,
// a second run finds it sent.

export interface RemindCommit extends RoomContext {
  /** The due rows the run found for this document. */
  reminderIds: string[];
  now: number;
}

export interface RemindOutcome {
  sent: number;
  cancelled: number;
  skipped: number;
}

type Row = typeof reminders.$inferSelect;

/** Which reminder is worth sending when several are due at once: the higher, the more useful. */
const USEFUL: Record<ReminderKind, number> = { overdue: 4, before_deadline: 3, undecided: 2, unopened: 1, manual: 0 };

/** A bid request its vendor has bid on: their part is done (they may bid again, but nothing chases them). */
export const bidIn = (d: { type: string; status: string }) => d.type === 'bid_request' && d.status === 'submitted';

/**
 * Why a reminder of `doc` must not go (its reason is gone), or null when nothing but its turn stops it. The
 * checks every kind shares come first; then each kind's own.
 */
export function goneReason(doc: ReminderDocument | null, row: Row, given: boolean, now: number): string | null {
  if (!doc) return 'void';
  const d = doc.document;
  const tz = doc.org.timeZone;
  if (d.status === 'void') return 'void';
  if (d.sentVersion !== row.version) return 'revised';
  if (d.type === 'customer_invoice' || d.type === 'bill') {
    if (d.status === 'paid' || doc.balance <= 0) return 'paid';
  } else if (!awaitsDecision(d) || bidIn(d)) return 'decided';
  if (!doc.contact || !given || (row.contactId && row.contactId !== doc.contact.id)) return 'revoked';
  if (row.kind === 'unopened' && doc.opened) return 'opened';
  // An estimate past its valid-until date, a bid request whose bids closed: nothing left to chase until extended.
  if (closedByDeadline(d, tz, now)) return 'passed';
  if (row.kind === 'before_deadline') {
    const ends = deadlineEndsAt(d, tz);
    if (ends === null || now >= ends) return 'passed';
    const plan = parsePlan(d.reminderPlan);
    // Planned for a date that moved (an extension): the row for the new date is the one to send.
    if (plan?.beforeDays && todayIn(tz, row.dueAt) !== addDays(d.deadline!, -plan.beforeDays)) return 'extended';
  }
  if (row.kind === 'overdue' && !isOverdue(d, doc.balance, tz, now)) return 'extended';
  return null;
}

export async function reminderWrite(db: Db, env: Env, input: RemindCommit): Promise<RoomWrite<RemindOutcome>> {
  const { now } = input;
  const { doc, rows: read } = await dueReminderState(db, input.orgId, input.documentId, input.reminderIds);
  // Only rows still waiting and due: a second run at the same moment finds them sent and writes nothing.
  const rows = read.filter((r) => r.state === 'scheduled' && r.dueAt <= now && r.kind !== 'manual');
  const outcome: RemindOutcome = { sent: 0, cancelled: 0, skipped: 0 };
  if (!rows.length) return { statements: [], result: outcome };
  const given = doc?.linkGiven ?? false;
  const statements: BatchItem<'sqlite'>[] = [];
  const mark = (row: Row, set: Partial<Row>) =>
    db
      .update(reminders)
      .set({ ...set, updatedAt: now })
      .where(and(eq(reminders.id, row.id), eq(reminders.state, 'scheduled')));
  const live: Row[] = [];
  const byReason = new Map<string, Row[]>();
  for (const row of rows) {
    const reason = goneReason(doc, row, given, now);
    if (reason === null) live.push(row);
    else byReason.set(reason, [...(byReason.get(reason) ?? []), row]);
  }
  for (const [reason, list] of byReason) {
    outcome.cancelled += list.length;
    statements.push(
      db
        .update(reminders)
        .set({ state: 'cancelled', reason, updatedAt: now })
        .where(
          and(
            inArray(
              reminders.id,
              list.map((r) => r.id),
            ),
            eq(reminders.state, 'scheduled'),
          ),
        ),
    );
  }
  const best = live.sort((a, b) => USEFUL[b.kind] - USEFUL[a.kind] || b.n - a.n || b.dueAt - a.dueAt)[0];
  let activityId: string | undefined;
  if (best && doc?.targets.length) {
    for (const row of live.slice(1)) statements.push(mark(row, { state: 'skipped', reason: 'superseded' }));
    outcome.skipped = live.length - 1;
    outcome.sent = 1;
    activityId = createId();
    statements.unshift(mark(best, { state: 'sent', sentAt: now }));
    statements.push(...(await reminderStatements(db, env, input, doc, best, activityId, now)));
  }
  return {
    statements,
    activityId,
    event: activityId ? { type: 'reminder' } : undefined,
    result: outcome,
  };
}

/** The email and the timeline line of one reminder sent (by the run, or by hand with `actor`). */
export async function reminderStatements(
  db: Db,
  env: Env,
  room: RoomContext,
  doc: ReminderDocument,
  row: Pick<Row, 'kind' | 'n'>,
  activityId: string,
  now: number,
  actor?: Actor,
): Promise<BatchItem<'sqlite'>[]> {
  const d = doc.document;
  // A "not opened" reminder goes to those who have not opened it; any other to everyone it chases.
  const to = row.kind === 'unopened' ? doc.targets.filter((t) => !t.opened) : doc.targets;
  const why = reminderWhy(doc, row.kind, row.n, parsePlan(d.reminderPlan));
  // The links first: a query builder is a thenable, so the statements are made outside any await.
  const links = await Promise.all(to.map((p) => portalLink(env, room.origin, p, d.id, doc.org.portalLinkDays)));
  const mails = to.map((person, i) =>
    queueMail(
      db,
      {
        orgId: room.orgId,
        documentId: d.id,
        kind: 'reminder',
        to: { email: person.email, name: person.name },
        whileAccess: { contactId: person.id, accessVersion: person.accessVersion },
        fromName: doc.org.name,
        replyTo: doc.org.email || null,
        ...reminderMail(doc, { kind: row.kind, link: links[i], recipientName: person.name, now }),
      },
      now,
    ),
  );
  return [
    ...mails,
    activityInsert(db, {
      id: activityId,
      orgId: room.orgId,
      jobId: d.jobId,
      documentId: d.id,
      action: 'reminder_sent',
      actor: actor ?? { side: 'system', name: doc.org.name },
      data: {
        to: to.map((p) => `${p.name} <${p.email}>`).join(', '),
        why,
        kind: row.kind,
        n: row.n,
        ...(row.kind === 'manual' ? { manual: true } : {}),
      },
      at: now,
    }),
  ];
}
