import { and, eq, isNull, max } from 'drizzle-orm';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { contacts, documents, orgs, reminders } from '../db/schema';
import { documentHead } from '../documents/queries';
import { kindOf } from '../documents/kinds';
import { canTransition } from '../documents/status';
import type { Env } from '../env';
import { Conflict, NotFound, Refused } from '../errors';
import { queueMail } from '../mail/outbox';
import { portalLink } from '../portal/links';
import { linkStillGiven } from '../portal/queries';
import { cancelStatement, parsePlan, plannedReminders, scheduleStatements } from '../reminders/plan';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { extendedMail, extendedSay } from './mail';
import { deadlineRule } from './rules';
import { endOfDay, todayIn } from './time';

// The contractor moves a document's date: extends an estimate, proposal or change order still awaiting the
// customer's decision (an expired one becomes valid again), or reopens bidding on a bid request not decided yet.
// The room reads the document inside its queue: a decision or another extension meanwhile answers 409.

type ContractorActor = Actor & { side: 'contractor'; userId: string };

export interface ExtendInput {
  orgId: string;
  timeZone: string;
  origin: string;
  documentId: string;
  /** The new date, as the form sent it (YYYY-MM-DD). */
  deadline: string;
  /** The date the contractor's page showed ('' for none). */
  seen: string;
}

export interface ExtendCommit extends RoomContext {
  actor: ContractorActor;
  /** The new date (YYYY-MM-DD). */
  deadline: string;
  /** The date the contractor's page showed: moved meanwhile, the answer is 409. */
  seenDeadline: string | null;
  now: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `s` is a real calendar date written YYYY-MM-DD (no Feb 30), in the years the editor takes (1900–2200). */
export function isCalendarDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m || Number(m[1]) < 1900 || Number(m[1]) > 2200) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** Why the new date is refused, on the form's `deadline` field, or nothing. */
function dateRefusal(deadline: string, timeZone: string, now: number): Refused | null {
  if (!isCalendarDate(deadline)) return new Refused('Enter a date, like 2027-01-15.', 'deadline');
  if (deadline < todayIn(timeZone, now)) {
    return new Refused('That date has already passed. Choose today or a later date.', 'deadline');
  }
  return null;
}

/** Whether the document's date may be moved in its present status: its recipient has not decided yet. */
export function extendable(doc: { type: string; subtype: string | null; status: string }): boolean {
  const rule = deadlineRule(doc);
  if (rule === 'expires') return canTransition('customer_order', doc.status, 'approve');
  if (rule === 'bids_close') return doc.status === 'sent' || doc.status === 'viewed' || doc.status === 'submitted';
  return false;
}

/** Moves the document's date to `deadline`; answers the date it now has. */
export async function extendDeadline(env: Env, db: Db, actor: ContractorActor, input: ExtendInput) {
  const head = await documentHead(db, input.orgId, input.documentId);
  if (!head) throw new NotFound();
  const now = Date.now();
  const refusal = dateRefusal(input.deadline, input.timeZone, now);
  if (refusal) throw refusal;
  const commit: ExtendCommit = {
    orgId: input.orgId,
    documentId: head.id,
    jobId: head.jobId,
    timeZone: input.timeZone,
    origin: input.origin,
    actor,
    deadline: input.deadline,
    seenDeadline: input.seen || null,
    now,
  };
  return throughRoom(documentRoom(env, head.id).extendDeadline(commit));
}

export async function extendWrite(
  db: Db,
  env: Env,
  input: ExtendCommit,
): Promise<RoomWrite<{ deadline: string; changed: boolean }>> {
  const [docs, orgRows, n] = await db.batch([
    db
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db.select().from(orgs).where(eq(orgs.id, input.orgId)),
    db
      .select({ n: max(reminders.n) })
      .from(reminders)
      .where(
        and(
          eq(reminders.orgId, input.orgId),
          eq(reminders.documentId, input.documentId),
          eq(reminders.kind, 'before_deadline'),
        ),
      ),
  ]);
  const doc = docs[0];
  const org = orgRows[0];
  if (!doc || !org) throw new NotFound();
  const kind = kindOf(doc.type, doc.subtype);
  const rule = deadlineRule(doc);
  if (!kind || (rule !== 'expires' && rule !== 'bids_close') || doc.sentVersion === null) {
    throw new Refused(`The date of this ${kind?.label.toLowerCase() ?? 'document'} cannot be extended here.`);
  }
  const now = input.now;
  // The same extension again (a double click): it is done already, nothing more to write.
  if (doc.deadline === input.deadline && extendable(doc)) {
    return { statements: [], result: { deadline: input.deadline, changed: false } };
  }
  if (!extendable(doc)) {
    const what = rule === 'bids_close' ? 'bid request was decided' : `${kind.label.toLowerCase()} was decided`;
    throw new Conflict(`This ${what} meanwhile, so its date was not changed.`);
  }
  if ((doc.deadline ?? null) !== input.seenDeadline) {
    throw new Conflict(
      `The ${kind.dueLabel.toLowerCase()} date changed while you were looking, so it was not changed again. ` +
        'Check the date now shown.',
      'deadline',
    );
  }
  const refusal = dateRefusal(input.deadline, input.timeZone, now);
  if (refusal) throw refusal;

  const activityId = createId();
  const version = doc.sentVersion;
  const plan = parsePlan(doc.reminderPlan);
  const next = (n[0]?.n ?? 0) + 1;
  const planned = plan
    ? plannedReminders({ ...doc, deadline: input.deadline }, plan, input.timeZone, now)
        .filter((r) => r.kind === 'before_deadline')
        .map((r) => ({ ...r, n: next }))
    : [];
  const reopened = doc.deadline !== null && now >= endOfDay(doc.deadline, input.timeZone);
  const documentName = `${kind.label} ${doc.number}`;
  const statements = [
    db
      .update(documents)
      .set({ deadline: input.deadline, updatedAt: now })
      .where(
        and(
          eq(documents.orgId, input.orgId),
          eq(documents.id, doc.id),
          eq(documents.status, doc.status),
          doc.deadline === null ? isNull(documents.deadline) : eq(documents.deadline, doc.deadline),
        ),
      ),
    activityInsert(db, {
      id: activityId,
      orgId: input.orgId,
      jobId: doc.jobId,
      documentId: doc.id,
      action: 'deadline_extended',
      actor: input.actor,
      data: { from: doc.deadline, to: input.deadline, label: kind.dueLabel },
      at: now,
    }),
    cancelStatement(db, { orgId: input.orgId, documentId: doc.id, kinds: ['before_deadline'] }, 'extended', now),
    ...scheduleStatements(
      db,
      { orgId: input.orgId, documentId: doc.id, version, contactId: doc.contactId, now },
      planned,
    ),
  ];
  const contact = doc.contactId
    ? (
        await db
          .select()
          .from(contacts)
          .where(and(eq(contacts.orgId, input.orgId), eq(contacts.id, doc.contactId)))
      )[0]
    : undefined;
  if (contact?.email && (await linkStillGiven(db, doc, contact))) {
    const link = await portalLink(env, input.origin, contact, doc.id, org.portalLinkDays);
    const mail = extendedMail({
      org,
      documentName,
      rule,
      reopened,
      deadline: input.deadline,
      recipientName: contact.name,
      link,
    });
    statements.push(
      queueMail(
        db,
        {
          orgId: input.orgId,
          documentId: doc.id,
          kind: 'deadline_extended',
          to: { email: contact.email, name: contact.name },
          whileAccess: { contactId: contact.id, accessVersion: contact.accessVersion },
          fromName: org.name,
          replyTo: org.email || null,
          ...mail,
        },
        now,
      ),
    );
  }
  return {
    statements,
    activityId,
    event: { type: 'deadline', say: extendedSay(rule, input.deadline) },
    result: { deadline: input.deadline, changed: true },
  };
}
