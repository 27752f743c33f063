import { createId } from '@paralleldrive/cuid2';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { Db, Param } from '../db/client';
import { orgs, reminders, type ReminderKind } from '../db/schema';
import { deadlineRule, type DeadlineDocument } from '../deadlines/rules';
import { addDays, todayIn, zonedTime } from '../deadlines/time';

// What a sent document chases, and when (issue 16). The plan is chosen when sending (the company's
// defaults, or the send page's own) and kept on the document; its reminders are rows, written in the
// send's batch, each sent at most once by the reminder run (reminders/run.ts).

/** Days for each reminder; 0 leaves it out. */
export interface ReminderPlan {
  /** Not opened this many days after sending. */
  unopenedDays: number;
  /** Not signed, accepted or bid on this many days after sending. */
  undecidedDays: number;
  /** This many days before the valid-until, bids-due or due date. */
  beforeDays: number;
  /** An invoice unpaid after its due date: every this many days ... */
  overdueEvery: number;
  /** ... at most this many times. */
  overdueMax: number;
}

export const NO_REMINDERS: ReminderPlan = {
  unopenedDays: 0,
  undecidedDays: 0,
  beforeDays: 0,
  overdueEvery: 0,
  overdueMax: 0,
};

/** The bounds a plan's numbers are checked against (Settings and the send page). */
export const PLAN_LIMITS = { days: 60, overdueMax: 10 } as const;

/** Reminders go out at 9:00 in the company's time zone: nobody is chased at 3 AM. */
export const REMIND_AT_MINUTES = 9 * 60;

type OrgPlan = Pick<
  typeof orgs.$inferSelect,
  | 'remindersOn'
  | 'remindUnopenedDays'
  | 'remindUndecidedDays'
  | 'remindBeforeDays'
  | 'remindOverdueEvery'
  | 'remindOverdueMax'
>;

/** The company's defaults as a plan; "Remind automatically" off is no reminders. */
export function companyPlan(org: OrgPlan): ReminderPlan {
  if (!org.remindersOn) return NO_REMINDERS;
  return {
    unopenedDays: org.remindUnopenedDays,
    undecidedDays: org.remindUndecidedDays,
    beforeDays: org.remindBeforeDays,
    overdueEvery: org.remindOverdueEvery,
    overdueMax: org.remindOverdueMax,
  };
}

export const isNoReminders = (p: ReminderPlan) =>
  !p.unopenedDays && !p.undecidedDays && !p.beforeDays && !(p.overdueEvery && p.overdueMax);

/** A stored plan (`documents.reminder_plan`), or null when absent or unreadable. */
export function parsePlan(json: string | null | undefined): ReminderPlan | null {
  if (!json) return null;
  try {
    const p = JSON.parse(json) as Partial<ReminderPlan>;
    const n = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : 0);
    return {
      unopenedDays: n(p.unopenedDays),
      undecidedDays: n(p.undecidedDays),
      beforeDays: n(p.beforeDays),
      overdueEvery: n(p.overdueEvery),
      overdueMax: n(p.overdueMax),
    };
  } catch {
    return null;
  }
}

/**
 * Which of a plan's numbers can matter to a document of this kind (the rules of `plannedReminders`): every
 * kind can go unopened; orders and bid requests wait on a decision; a date that expires, closes bids or falls
 * due is chased before it; only an invoice is chased after it.
 */
export function planKeysFor(kind: { type: string; deadline: string | null }): (keyof ReminderPlan)[] {
  const keys: (keyof ReminderPlan)[] = ['unopenedDays'];
  if (kind.type === 'customer_order' || kind.type === 'vendor_order' || kind.type === 'bid_request') {
    keys.push('undecidedDays');
  }
  if (kind.deadline === 'expires' || kind.deadline === 'bids_close' || kind.deadline === 'due') keys.push('beforeDays');
  if (kind.deadline === 'due') keys.push('overdueEvery', 'overdueMax');
  return keys;
}

export interface PlannedReminder {
  kind: Exclude<ReminderKind, 'manual'>;
  n: number;
  dueAt: number;
}

/**
 * The reminders a document sent at `sentAt` with `plan` will send, in time order, each at 9:00 company time
 * on its day; one that would fall before the send is left out. Who gets which:
 * - not opened: every document a recipient receives;
 * - not signed / accepted / bid on: orders and bid requests;
 * - before the date: estimates, proposals, change orders, bid requests and invoices with a date;
 * - overdue: invoices with a due date, from the day after it.
 */
export function plannedReminders(
  doc: Pick<DeadlineDocument, 'type' | 'subtype' | 'deadline'>,
  plan: ReminderPlan,
  timeZone: string,
  sentAt: number,
): PlannedReminder[] {
  const rule = deadlineRule(doc);
  const sentDay = todayIn(timeZone, sentAt);
  const at = (day: string) => zonedTime(day, REMIND_AT_MINUTES, timeZone);
  const out: PlannedReminder[] = [];
  if (plan.unopenedDays > 0) out.push({ kind: 'unopened', n: 1, dueAt: at(addDays(sentDay, plan.unopenedDays)) });
  const decides = doc.type === 'customer_order' || doc.type === 'vendor_order' || doc.type === 'bid_request';
  if (decides && plan.undecidedDays > 0) {
    out.push({ kind: 'undecided', n: 1, dueAt: at(addDays(sentDay, plan.undecidedDays)) });
  }
  if (doc.deadline && plan.beforeDays > 0 && (rule === 'expires' || rule === 'bids_close' || rule === 'due')) {
    out.push({ kind: 'before_deadline', n: 1, dueAt: at(addDays(doc.deadline, -plan.beforeDays)) });
  }
  // Either number 0 leaves the overdue reminders out, like every other 0.
  if (doc.deadline && rule === 'due' && plan.overdueMax > 0 && plan.overdueEvery > 0) {
    for (let n = 1; n <= plan.overdueMax; n++) {
      out.push({ kind: 'overdue', n, dueAt: at(addDays(doc.deadline, 1 + (n - 1) * plan.overdueEvery)) });
    }
  }
  return out.filter((r) => r.dueAt > sentAt).sort((a, b) => a.dueAt - b.dueAt);
}

export interface ScheduleInput {
  orgId: string;
  documentId: string;
  version: number;
  contactId: string | null;
  now: number;
}

/** The insert of planned reminders (none: no statement); a row already there (same version, kind, n) stays. */
export function scheduleStatements(db: Db, input: ScheduleInput, planned: PlannedReminder[]): BatchItem<'sqlite'>[] {
  if (!planned.length) return [];
  const rows = planned.map((r) => ({
    id: createId(),
    orgId: input.orgId,
    documentId: input.documentId,
    version: input.version,
    kind: r.kind,
    n: r.n,
    dueAt: r.dueAt,
    state: 'scheduled' as const,
    contactId: input.contactId,
    createdAt: input.now,
    updatedAt: input.now,
  }));
  return [db.insert(reminders).values(rows).onConflictDoNothing()];
}

/**
 * Cancels the document's scheduled reminders (of some kinds, or all; of versions before `beforeVersion`, or
 * any), saying why. Written in the batch of the change that makes them pointless.
 */
export function cancelStatement(
  db: Db,
  where: { orgId: Param; documentId: Param; kinds?: ReminderKind[]; beforeVersion?: number },
  reason: string,
  now: Param<number>,
) {
  return db
    .update(reminders)
    .set({ state: 'cancelled', reason, updatedAt: sql`${now}` })
    .where(
      and(
        eq(reminders.orgId, where.orgId),
        eq(reminders.documentId, where.documentId),
        eq(reminders.state, 'scheduled'),
        where.kinds ? inArray(reminders.kind, where.kinds) : sql`1 = 1`,
        where.beforeVersion !== undefined ? lt(reminders.version, where.beforeVersion) : sql`1 = 1`,
      ),
    );
}
