import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { orgs, users } from '../db/schema';
import type { Kind } from '../documents/kinds';
import { NotFound } from '../errors';
import { FormCheck, type RawForm } from '../http/validate';
import { NO_REMINDERS, PLAN_LIMITS, type ReminderPlan } from '../reminders/plan';

// Settings → Reminders (issue 16): the company's reminder defaults, each user's own daily digest switch,
// and the plan fields the send page shares with it (`remind_*`, days; 0 leaves that reminder out).

/** The plan's form fields, in the order the forms show them. */
export const PLAN_FIELDS = {
  unopenedDays: 'remind_unopened',
  undecidedDays: 'remind_undecided',
  beforeDays: 'remind_before',
  overdueEvery: 'remind_overdue_every',
  overdueMax: 'remind_overdue_max',
} as const satisfies Record<keyof ReminderPlan, string>;

/** The fields' labels (the views show the same words). */
export const PLAN_LABELS: Record<keyof ReminderPlan, string> = {
  unopenedDays: 'If not opened after (days)',
  undecidedDays: 'If not signed or accepted after (days)',
  beforeDays: 'Days before the valid-until, bids-due or due date',
  overdueEvery: 'Unpaid invoices: every (days) after the due date',
  overdueMax: 'Unpaid invoices: at most (times)',
};

/** A plan's form values, as the fields show them. */
export function planValues(plan: ReminderPlan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(PLAN_FIELDS)) out[name] = String(plan[key as keyof ReminderPlan]);
  return out;
}

/** Reads the five plan fields into `f`: whole numbers from 0 (off) to the limits. */
export function checkPlan(f: FormCheck): ReminderPlan {
  const plan = {} as ReminderPlan;
  for (const [key, name] of Object.entries(PLAN_FIELDS) as [keyof ReminderPlan, string][]) {
    const max = key === 'overdueMax' ? PLAN_LIMITS.overdueMax : PLAN_LIMITS.days;
    plan[key] = f.integer(name, { label: PLAN_LABELS[key], required: true, min: 0, max }) ?? 0;
  }
  return plan;
}

/** Settings → Reminders' company form. */
export function checkReminderSettings(raw: RawForm) {
  const f = new FormCheck(raw);
  const remindersOn = f.bool('remindersOn');
  const plan = checkPlan(f);
  return { f, values: { remindersOn, plan } };
}
export type ReminderSettings = ReturnType<typeof checkReminderSettings>['values'];

/** Saves the company's defaults in one statement: two saves at once leave one of them, whole. */
export async function updateReminderSettings(db: Db, orgId: string, v: ReminderSettings) {
  const [row] = await db
    .update(orgs)
    .set({
      remindersOn: v.remindersOn,
      remindUnopenedDays: v.plan.unopenedDays,
      remindUndecidedDays: v.plan.undecidedDays,
      remindBeforeDays: v.plan.beforeDays,
      remindOverdueEvery: v.plan.overdueEvery,
      remindOverdueMax: v.plan.overdueMax,
    })
    .where(eq(orgs.id, orgId))
    .returning({ id: orgs.id });
  if (!row) throw new NotFound();
}

/** Turns the user's own daily digest on or off (only their row, in their org). */
export async function setDailyDigest(db: Db, who: { orgId: string; userId: string }, on: boolean) {
  const [row] = await db
    .update(users)
    .set({ dailyDigest: on })
    .where(and(eq(users.id, who.userId), eq(users.orgId, who.orgId)))
    .returning({ id: users.id });
  if (!row) throw new NotFound();
}

/** The page's reads in one batch: the company's defaults and the user's digest switch. */
export async function reminderSettings(db: Db, who: { orgId: string; userId: string }) {
  const [org, user] = await db.batch([
    db.select().from(orgs).where(eq(orgs.id, who.orgId)),
    db
      .select({ dailyDigest: users.dailyDigest })
      .from(users)
      .where(and(eq(users.id, who.userId), eq(users.orgId, who.orgId))),
  ]);
  if (!org[0] || !user[0]) throw new NotFound();
  return { org: org[0], dailyDigest: user[0].dailyDigest };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** What "not decided" means for a kind: "not signed", "not accepted", "no bid"; null when it is not asked. */
function undecidedWords(kind: Pick<Kind, 'type'>, requireSignature: boolean): string | null {
  if (kind.type === 'customer_order') return requireSignature ? 'not signed' : 'not approved';
  if (kind.type === 'vendor_order') return 'not accepted';
  if (kind.type === 'bid_request') return 'no bid';
  return null;
}

/**
 * What a document of this kind gets from `plan`, in short parts ("not opened 3 days", "not signed 7 days",
 * "3 days before the date", "overdue every 7 days, at most 3 times"); empty: nothing. The same rules as
 * `plannedReminders` (a reminder before the date only when the document has one).
 */
export function planSummary(
  kind: Pick<Kind, 'type' | 'deadline'>,
  doc: { hasDate: boolean; requireSignature: boolean },
  plan: ReminderPlan,
): string[] {
  const out: string[] = [];
  if (plan.unopenedDays) out.push(`not opened ${plural(plan.unopenedDays, 'day')}`);
  const undecided = undecidedWords(kind, doc.requireSignature);
  if (undecided && plan.undecidedDays) out.push(`${undecided} ${plural(plan.undecidedDays, 'day')}`);
  const dated = kind.deadline === 'expires' || kind.deadline === 'bids_close' || kind.deadline === 'due';
  if (dated && doc.hasDate && plan.beforeDays) out.push(`${plural(plan.beforeDays, 'day')} before the date`);
  if (kind.deadline === 'due' && doc.hasDate && plan.overdueMax && plan.overdueEvery) {
    out.push(`overdue every ${plural(plan.overdueEvery, 'day')}, at most ${plural(plan.overdueMax, 'time')}`);
  }
  return out;
}

/** The send page's choice: the company's plan (omitted from `SendInput`), none, or the page's own. */
export function checkSendReminders(f: FormCheck): ReminderPlan | undefined {
  const choice = f.choice('reminders', ['company', 'none', 'custom'] as const, {
    label: 'Reminder option',
    required: false,
  });
  if (choice === 'none') return NO_REMINDERS;
  if (choice === 'custom') return checkPlan(f);
  return undefined;
}
