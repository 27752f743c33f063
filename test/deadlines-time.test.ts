import { describe, expect, it } from 'vitest';
import { closedByDeadline, isOverdue, pastDeadlineRefusal } from '../src/deadlines/rules';
import { endOfDay, minutesIn, zonedTime } from '../src/deadlines/time';
import { NO_REMINDERS, plannedReminders, type ReminderPlan } from '../src/reminders/plan';

// Company time, pure: what a date means in the company's zone, across daylight-saving changes.

const iso = (ms: number) => new Date(ms).toISOString();

describe('company time', () => {
  it('a date ends at the next local midnight, whatever the zone', () => {
    expect(iso(endOfDay('2026-12-28', 'America/Los_Angeles'))).toBe('2026-12-29T08:00:00.000Z');
    expect(iso(endOfDay('2026-12-28', 'Asia/Tokyo'))).toBe('2026-12-28T15:00:00.000Z');
    expect(iso(endOfDay('2026-12-28', 'UTC'))).toBe('2026-12-29T00:00:00.000Z');
  });

  it('a day that is 25 or 23 hours long still ends at its local midnight', () => {
    // New York falls back on Nov 1, 2026: that day lasts 25 hours.
    expect(iso(endOfDay('2026-11-01', 'America/New_York'))).toBe('2026-11-02T05:00:00.000Z');
    expect(endOfDay('2026-11-01', 'America/New_York') - endOfDay('2026-10-31', 'America/New_York')).toBe(25 * 3600_000);
    // Berlin springs forward on Mar 29, 2026: 23 hours.
    expect(endOfDay('2026-03-29', 'Europe/Berlin') - endOfDay('2026-03-28', 'Europe/Berlin')).toBe(23 * 3600_000);
  });

  it('9:00 on a given day is 9:00 on the wall clock, before and after a change', () => {
    expect(iso(zonedTime('2026-10-31', 540, 'America/New_York'))).toBe('2026-10-31T13:00:00.000Z');
    expect(iso(zonedTime('2026-11-02', 540, 'America/New_York'))).toBe('2026-11-02T14:00:00.000Z');
    expect(minutesIn('America/New_York', Date.parse('2026-11-02T14:00:00Z'))).toBe(540);
    // A time the spring-forward jump skips reads as the hour after.
    expect(iso(zonedTime('2026-03-08', 150, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
  });
});

describe('deadline rules', () => {
  const estimate = { type: 'customer_order', subtype: 'estimate', status: 'sent', deadline: '2026-12-28' };
  const zone = 'America/Denver';
  const last = endOfDay('2026-12-28', zone) - 1;

  it('an estimate is open through the last millisecond of its date, closed after; decided ones never expire', () => {
    expect(closedByDeadline(estimate, zone, last)).toBe(false);
    expect(closedByDeadline(estimate, zone, last + 1)).toBe(true);
    expect(closedByDeadline({ ...estimate, status: 'approved' }, zone, last + 1)).toBe(false);
    expect(closedByDeadline({ ...estimate, deadline: null }, zone, last + 1)).toBe(false);
    expect(closedByDeadline({ ...estimate, type: 'vendor_order', subtype: 'purchase_order' }, zone, last + 1)).toBe(
      false,
    );
  });

  it('an invoice is overdue the day after its due date while money is owed', () => {
    const invoice = { type: 'customer_invoice', subtype: null, status: 'sent', deadline: '2026-12-28' };
    expect(isOverdue(invoice, 100, zone, last)).toBe(false);
    expect(isOverdue(invoice, 100, zone, last + 1)).toBe(true);
    expect(isOverdue(invoice, 0, zone, last + 1)).toBe(false);
    expect(isOverdue({ ...invoice, status: 'void' }, 100, zone, last + 1)).toBe(false);
  });

  it('sending with a date already past is refused on the field; today is fine', () => {
    const refusal = pastDeadlineRefusal(estimate, '2026-12-27', zone, last);
    expect(refusal?.field).toBe('dueDate');
    expect(refusal?.message).toBe('Valid until Dec 27, 2026 has already passed. Choose a later date before sending.');
    expect(pastDeadlineRefusal(estimate, '2026-12-28', zone, last)).toBeNull();
    expect(pastDeadlineRefusal({ type: 'vendor_order', subtype: 'work_order' }, '2026-01-01', zone, last)).toBeNull();
  });
});

describe('planned reminders', () => {
  const plan: ReminderPlan = { unopenedDays: 3, undecidedDays: 7, beforeDays: 3, overdueEvery: 7, overdueMax: 3 };
  const zone = 'America/New_York';
  const sentAt = Date.parse('2026-10-29T20:00:00Z'); // 4 PM, Oct 29, New York

  it('each reminder is at 9:00 company time on its day, the DST change included', () => {
    const estimate = { type: 'customer_order', subtype: 'estimate', deadline: '2026-11-20' };
    expect(plannedReminders(estimate, plan, zone, sentAt).map((r) => [r.kind, iso(r.dueAt)])).toEqual([
      ['unopened', '2026-11-01T14:00:00.000Z'], // Nov 1: already EST
      ['undecided', '2026-11-05T14:00:00.000Z'],
      ['before_deadline', '2026-11-17T14:00:00.000Z'],
    ]);
  });

  it('an invoice is chased before and after its due date, at most R times every K days', () => {
    const invoice = { type: 'customer_invoice', subtype: null, deadline: '2026-11-30' };
    const kinds = plannedReminders(invoice, plan, zone, sentAt).map(
      (r) => `${r.kind}${r.n}@${iso(r.dueAt).slice(0, 10)}`,
    );
    expect(kinds).toEqual([
      'unopened1@2026-11-01',
      'before_deadline1@2026-11-27',
      'overdue1@2026-12-01',
      'overdue2@2026-12-08',
      'overdue3@2026-12-15',
    ]);
  });

  it('no reminders plans nothing, and a reminder that would fall before the send is left out', () => {
    const estimate = { type: 'customer_order', subtype: 'estimate', deadline: '2026-10-31' };
    expect(plannedReminders(estimate, NO_REMINDERS, zone, sentAt)).toEqual([]);
    expect(plannedReminders(estimate, plan, zone, sentAt).map((r) => r.kind)).toEqual(['unopened', 'undecided']);
  });
});
