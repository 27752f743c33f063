// Deadlines: the contractor's side, then the portal's.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { database } from '../src/db/client';
import { activity, contacts, documents, orgs, outbox, reminders, signatures } from '../src/db/schema';
import { closedByDeadline, isOverdue, pastDeadlineRefusal } from '../src/deadlines/rules';
import { addDays, endOfDay, minutesIn, todayIn, zonedTime } from '../src/deadlines/time';
import { queueMail } from '../src/mail/outbox';
import { NO_REMINDERS, plannedReminders, type ReminderPlan } from '../src/reminders/plan';
import type { ReminderDocument } from '../src/reminders/queries';
import { goneReason } from '../src/reminders/send';
import { calendarDate } from '../views/format';
import { approvedWithDeposit, companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, db, location, signUp } from './helpers';
import { fieldError, unescape } from './pages';
import { editDraft, openLink, statusOf } from './portal-fixtures';

describe('deadlines for the contractor', () => {
  // Issue 16, the contractor's side of deadlines: extending an expired estimate and reopening bidding
  // (POST /documents/:id/deadline), the "Deadline & reminders" panel, Expired in lists and the home queue,
  // and a send refused for a past date shown on the editor's date field.

  const TZ = 'America/Chicago'; // the test company's zone (helpers.signUp)
  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let today: string;
  const day = (n: number) => addDays(today, n);

  /** Moves the clock (Worker and rooms too) to noon in Chicago on `date`. */
  function at(date: string) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(`${date}T18:00:00Z`));
  }
  afterEach(() => vi.useRealTimers());

  /** An estimate of the demolition group valid until `due`, sent; its id, the customer's browser and page's hash. */
  async function sentEstimate(due: string) {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'dueDate' ? due : v]));
    const { link } = await sendDocument(co.browser, id);
    const r = new Browser();
    await r.get(link);
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(
      await (await r.get(`/portal/documents/${id}`)).text(),
    );
    return { id, r, hash: hash?.[1] ?? '' };
  }

  const sign = (e: { id: string; r: Browser; hash: string }) =>
    e.r.post(`/portal/documents/${e.id}/sign`, {
      versionHash: e.hash,
      idempotencyKey: `k-extend-${e.id}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });

  const extend = (b: Browser, id: string, deadline: string, seen: string) =>
    b.post(`/documents/${id}/deadline`, { deadline, seen });

  const docRow = async (id: string) => (await db().select().from(documents).where(eq(documents.id, id)))[0];
  const extensions = (id: string) =>
    db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'deadline_extended')));
  const extendMails = (id: string) =>
    db().$count(outbox, and(eq(outbox.documentId, id), eq(outbox.kind, 'deadline_extended')));
  const remindersOf = (id: string) =>
    db().select().from(reminders).where(eq(reminders.documentId, id)).orderBy(reminders.kind, reminders.n);

  let expiredElsewhere: string;

  beforeAll(async () => {
    co = await companyWithBudget({ company: 'Oak & Stone' });
    today = todayIn(TZ);
    // Expires at the end of tomorrow: shown as Expired on home and in the lists from the day after.
    expiredElsewhere = (await sentEstimate(day(1))).id;
  });

  describe('extending an expired estimate', () => {
    it('moves the date, logs it, emails the customer, reschedules the reminder and lets them sign again', async () => {
      const e = await sentEstimate(day(4));
      const before = (await remindersOf(e.id)).filter((r) => r.kind === 'before_deadline');
      expect(before.map((r) => [r.n, r.state])).toEqual([[1, 'scheduled']]);
      at(day(5));
      const refused = await sign(e);
      expect(refused.status).toBe(422);
      expect(unescape(await refused.text())).toContain('This estimate expired on');

      const page = unescape(await (await co.browser.get(`/documents/${e.id}`)).text());
      expect(page).toContain('Deadline & reminders');
      expect(page).toContain('Expired');
      expect(page).toContain('Extend to');
      expect(page).toMatch(/Reminder on [A-Z][a-z]{2} \d{1,2} (if still undecided|before the date)/);
      // Nothing to remind of while expired (it would be refused): extending comes first.
      expect(page).not.toContain('>Remind now<');

      const res = await extend(co.browser, e.id, day(10), day(4));
      expect(res.status).toBe(303);
      expect(location(res)).toBe(`/documents/${e.id}#deadline`);
      expect((await docRow(e.id)).deadline).toBe(day(10));
      expect(await extensions(e.id)).toBe(1);
      const mail = await db().query.outbox.findFirst({
        where: (o, { and, eq }) => and(eq(o.documentId, e.id), eq(o.kind, 'deadline_extended')),
      });
      expect(mail?.toEmail).toBe(co.customerContact.email);
      expect(mail?.subject).toMatch(/^Oak & Stone extended Estimate EST-\d+: now valid until /);
      expect(mail?.text).toMatch(/http:\/\/localhost\/p\/[\w.-]+/);
      expect(mail?.subject).toContain(`now valid until ${calendarDate(day(10))}.`);
      const after = (await remindersOf(e.id)).filter((r) => r.kind === 'before_deadline');
      expect(after.map((r) => [r.n, r.state, r.reason])).toEqual([
        [1, 'cancelled', 'extended'],
        [2, 'scheduled', null],
      ]);
      expect(after[1].dueAt).toBe(Date.parse(`${day(7)}T15:00:00Z`)); // 9:00 in Chicago, 3 days before

      const shown = unescape(await (await co.browser.get(`/documents/${e.id}`)).text());
      expect(shown).toMatch(/moved valid until from .* to /);
      expect(shown).toContain('Valid until');
      expect(shown).not.toContain('>Expired<');
      // Open again: the reminder can be sent by hand, and the body states the date now with the one sent.
      expect(shown).toContain('>Remind now<');
      expect(shown).toContain(
        `${calendarDate(day(10))} <span class="muted">(extended from ${calendarDate(day(4))})</span>`,
      );
      expect((await sign(e)).status).toBe(303);
    });

    it('refuses a past or impossible date on the field (422), writing nothing', async () => {
      const e = await sentEstimate(day(4));
      for (const [bad, message] of [
        [day(-1), 'That date has already passed. Choose today or a later date.'],
        ['2026-02-30', 'Enter a date, like 2027-01-15.'],
        ['soon', 'Enter a date, like 2027-01-15.'],
        // "Never expires" typed as the last day there is: out of the years the editor takes.
        ['9999-12-31', 'Enter a date, like 2027-01-15.'],
      ]) {
        const res = await extend(co.browser, e.id, bad, day(4));
        expect(res.status).toBe(422);
        const body = await res.text();
        expect(fieldError(body, 'deadline')).toBe(message);
        expect(body).toContain(`value="${bad}"`);
      }
      expect((await docRow(e.id)).deadline).toBe(day(4));
      expect(await extensions(e.id)).toBe(0);
      expect(await extendMails(e.id)).toBe(0);
    });

    it('is the company’s own: no session is refused (401), another company gets 404, a decided one 409', async () => {
      const e = await sentEstimate(day(4));
      const anonymous = await extend(new Browser(), e.id, day(9), day(4));
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).toContain('Sign in again');
      const other = await signUp({ company: 'Elsewhere Builders' });
      expect((await extend(other.browser, e.id, day(9), day(4))).status).toBe(404);
      const approved = await approvedWithDeposit(co);
      const seen = (await docRow(approved.id)).deadline ?? '';
      const res = await extend(co.browser, approved.id, day(40), seen);
      expect(res.status).toBe(409);
      expect(unescape(await res.text())).toContain('was decided meanwhile');
      expect(await extensions(approved.id)).toBe(0);
      expect((await docRow(e.id)).deadline).toBe(day(4));
    });

    it('two identical clicks extend once; two different dates from one page: one wins, the other 409', async () => {
      const e = await sentEstimate(day(4));
      const same = await Promise.all([
        extend(co.browser, e.id, day(8), day(4)),
        extend(co.browser, e.id, day(8), day(4)),
      ]);
      expect(same.map((r) => r.status)).toEqual([303, 303]);
      expect(await extensions(e.id)).toBe(1);
      expect(await extendMails(e.id)).toBe(1);
      const raced = await Promise.all([
        extend(co.browser, e.id, day(12), day(8)),
        extend(co.browser, e.id, day(13), day(8)),
      ]);
      expect(raced.map((r) => r.status).sort()).toEqual([303, 409]);
      const won = raced[0].status === 303 ? day(12) : day(13);
      // The loser sees the panel again with its date kept and why, not a bare error page.
      const lost = raced.find((r) => r.status === 409)!;
      const lostBody = await lost.text();
      expect(fieldError(lostBody, 'deadline')).toBeTruthy();
      expect(lostBody).toContain(`value="${won === day(12) ? day(13) : day(12)}"`);
      expect((await docRow(e.id)).deadline).toBe(won);
      expect(await extensions(e.id)).toBe(2);
      expect(await extendMails(e.id)).toBe(2);
      const scheduled = (await remindersOf(e.id)).filter(
        (r) => r.kind === 'before_deadline' && r.state === 'scheduled',
      );
      expect(scheduled).toHaveLength(1);
    });
  });

  describe('reopening a closed bid request', () => {
    it('refuses late bids until the contractor reopens it, then a bid comes in and is accepted', async () => {
      const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
      await editDraft(co.browser, id, (f) => f.map(([k, v]) => [k, k === 'dueDate' ? day(1) : v]));
      const { link } = await sendDocument(co.browser, id);
      const vendor = new Browser();
      await vendor.get(link);
      const page = await (await vendor.get(`/portal/documents/${id}`)).text();
      const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
      const lines = [...page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
      const bid = () =>
        vendor.post(`/portal/documents/${id}/bid`, {
          versionHash: hash,
          ...Object.fromEntries(lines.map((l) => [`cost.${l}`, '100.00'])),
          note: 'Firm price',
        });
      at(day(3));
      expect((await bid()).status).toBe(422);
      const panel = unescape(await (await co.browser.get(`/documents/${id}`)).text());
      expect(panel).toContain('Bids closed');
      expect(panel).toContain('Reopen bidding until');
      const home = unescape(await (await co.browser.get('/')).text());
      expect(home).toContain('Bids closed');

      expect((await extend(co.browser, id, day(6), day(1))).status).toBe(303);
      const mail = await db().query.outbox.findFirst({
        where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'deadline_extended')),
      });
      expect(mail?.subject).toMatch(/reopened bidding on Bid Request .*: bids now due /);
      expect((await bid()).status).toBe(303);
      expect((await co.browser.post(`/documents/${id}/accept-bid`, { confirm: 'yes' })).status).toBe(303);
      expect((await docRow(id)).status).toBe('accepted');
    });
  });

  describe('the contractor sees what a date closed', () => {
    it('an expired estimate reads Expired on the home queue and in the lists', async () => {
      at(day(3));
      const home = unescape(await (await co.browser.get('/')).text());
      expect(home).toContain('Expired — extend or revise');
      const number = (await docRow(expiredElsewhere)).number;
      const group = home.slice(home.indexOf('id="queue-expired"'));
      expect(group).toContain(number);
      const awaiting = home.indexOf('id="queue-awaiting"');
      if (awaiting >= 0) expect(home.slice(awaiting, home.indexOf('</ul>', awaiting))).not.toContain(number);
      const list = unescape(await (await co.browser.get('/documents?type=customer_order')).text());
      const row = list.slice(list.indexOf(`${number}</a>`), list.indexOf('</tr>', list.indexOf(`${number}</a>`)));
      expect(row).toContain('badge expired');
      expect(row).toContain('Expired');
      const job = unescape(await (await co.browser.get(`/jobs/${co.jobId}`)).text());
      const jobRow = job.slice(job.indexOf(`${number}</a>`), job.indexOf('</tr>', job.indexOf(`${number}</a>`)));
      expect(jobRow).toContain('Expired');
    });
  });

  describe('sending with a date already past', () => {
    it('shows the refusal on the editor’s date field (422), sends nothing; today is fine', async () => {
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const page = await (await co.browser.get(`/documents/${id}`)).text();
      const fields: Record<string, string[]> = {};
      for (const [k, v] of (await import('./portal-fixtures')).formFields(page, `/documents/${id}`)) {
        const value = k === 'dueDate' ? day(-1) : k === 'issueDate' ? day(-2) : v;
        if (k !== '_csrf') (fields[k] ??= []).push(value);
      }
      const res = await co.browser.post(`/documents/${id}`, { ...fields, then: 'send' });
      expect(res.status).toBe(422);
      const body = unescape(await res.text());
      expect(fieldError(body, 'dueDate')).toMatch(/^Valid until .* has already passed\. Choose a later date/);
      expect(body).toContain(`value="${day(-1)}"`);
      // The send page and the send itself answer the same, on the editor.
      const sendPage = await co.browser.get(`/documents/${id}/send`);
      expect(sendPage.status).toBe(422);
      expect(fieldError(await sendPage.text(), 'dueDate')).toMatch(/has already passed/);
      const direct = await co.browser.post(`/documents/${id}/send`, {
        name: co.customerContact.name,
        email: co.customerContact.email,
        message: '',
      });
      expect(direct.status).toBe(422);
      expect(fieldError(await direct.text(), 'dueDate')).toMatch(/has already passed/);
      expect((await docRow(id)).status).toBe('draft');
      expect(await db().$count(outbox, eq(outbox.documentId, id))).toBe(0);

      fields.dueDate = [today];
      const ok = await co.browser.post(`/documents/${id}`, { ...fields, then: 'send' });
      expect(ok.status).toBe(303);
      expect(location(ok)).toBe(`/documents/${id}/send`);
    });
  });

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
      expect(endOfDay('2026-11-01', 'America/New_York') - endOfDay('2026-10-31', 'America/New_York')).toBe(
        25 * 3600_000,
      );
      // Berlin springs forward on Mar 29, 2026: 23 hours.
      expect(endOfDay('2026-03-29', 'Europe/Berlin') - endOfDay('2026-03-28', 'Europe/Berlin')).toBe(23 * 3600_000);
    });

    it('9:00 on a given day is 9:00 on the wall clock, before and after a change', () => {
      expect(iso(zonedTime('2026-10-31', 540, 'America/New_York'))).toBe('2026-10-31T13:00:00.000Z');
      expect(iso(zonedTime('2026-11-02', 540, 'America/New_York'))).toBe('2026-11-02T14:00:00.000Z');
      expect(minutesIn('America/New_York', Date.parse('2026-11-02T14:00:00Z'))).toBe(540);
      // A time the spring-forward jump skips reads as the hour after, west or east of UTC.
      expect(iso(zonedTime('2026-03-08', 150, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
      expect(iso(zonedTime('2026-03-29', 150, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z'); // 3:30 CEST
      // Beirut's summer time starts at midnight: the day before ends when the clock jumps, not an hour early.
      expect(iso(endOfDay('2026-03-28', 'Asia/Beirut'))).toBe('2026-03-28T22:00:00.000Z');
    });

    it('the clock reads 7:00 at 7:00 on a 25-hour or 23-hour day', () => {
      expect(minutesIn('America/New_York', Date.parse('2026-11-01T11:00:00Z'))).toBe(360); // 6:00 EST
      expect(minutesIn('America/New_York', Date.parse('2026-11-01T12:00:00Z'))).toBe(420);
      expect(minutesIn('America/New_York', Date.parse('2026-03-08T11:00:00Z'))).toBe(420); // 7:00 EDT
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

  describe('a reminder never goes where it should not', () => {
    it("its email is queued only while the contact's access is the one the plan read: otherwise the batch fails", async () => {
      const db = database(env.DB);
      const now = Date.now();
      const contact = { id: 'guardcontact1', orgId: 'guardorg1', accountId: 'guardaccount1' };
      await db
        .insert(contacts)
        .values({ ...contact, name: 'Dana', email: 'dana@example.test', accessVersion: 2, createdAt: now });
      const mail = (accessVersion: number) =>
        queueMail(db, {
          orgId: contact.orgId,
          kind: 'reminder',
          to: { email: 'dana@example.test', name: 'Dana' },
          fromName: 'Oak & Stone',
          subject: `Guarded ${accessVersion}`,
          html: '<p>x</p>',
          text: 'x',
          whileAccess: { contactId: contact.id, accessVersion },
        });
      // Revoked (access 2 now, the plan read 1): nothing at all is written.
      await expect(db.batch([mail(1)])).rejects.toThrow(/NOT NULL/);
      await db.batch([mail(2)]);
      const rows = await db.select({ subject: outbox.subject }).from(outbox).where(eq(outbox.orgId, contact.orgId));
      expect(rows.map((r) => r.subject)).toEqual(['Guarded 2']);
    });

    it('a bid request its vendor bid on is not chased, even by a reminder scheduled after the bid', () => {
      const doc = {
        document: { type: 'bid_request', subtype: null, status: 'submitted', sentVersion: 1, deadline: '2026-12-28' },
        org: { timeZone: 'UTC' },
        contact: { id: 'c1' },
        opened: true,
        balance: 0,
        linkGiven: true,
      } as unknown as ReminderDocument;
      const row = { kind: 'before_deadline', n: 2, version: 1, contactId: 'c1', dueAt: Date.UTC(2026, 11, 25, 9) };
      expect(goneReason(doc, row as never, true, Date.UTC(2026, 11, 25, 9))).toBe('decided');
    });
  });
});

describe('deadlines in the portal', () => {
  // Issue 16, A1: deadlines on the recipient's side. The room refuses an approval or a bid once the date has
  // ended in the company's time zone (even from a page opened before), the portal shows Expired / Bids closed /
  // Overdue, and "Ask for an update" tells the contractor once a day. Time is driven, never waited for.

  type Co = Awaited<ReturnType<typeof companyWithBudget>>;
  let co: Co;
  const COMPANY = 'Oak & Stone Builders';

  beforeAll(async () => {
    co = await companyWithBudget();
  });
  afterEach(() => vi.useRealTimers());

  const at = (ms: number) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(ms);
  };
  const zone = (timeZone: string) => db().update(orgs).set({ timeZone }).where(eq(orgs.id, co.orgId));
  const deadline = (id: string, date: string) =>
    db().update(documents).set({ deadline: date }).where(eq(documents.id, id));
  const portal = (id: string) => `/portal/documents/${id}`;
  const page = async (r: Browser, path: string) => unescape(await (await r.get(path)).text());
  const sign = (r: Browser, id: string, hash: string, key: string) =>
    r.post(portal(id), {
      intent: 'sign',
      versionHash: hash,
      idempotencyKey: key,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
  const signaturesOf = (id: string) => db().select().from(signatures).where(eq(signatures.documentId, id));
  const expired = (on: string) => `This estimate expired on ${on} — ask ${COMPANY} for an updated one.`;
  const estimate = () => sentToRecipient(co, 'estimate', { group: co.groups.demolition });

  describe('approval ends with the valid-until day in the company’s time zone', () => {
    const cases = [
      // [zone, valid until, the first instant after that day ends there]
      ['America/Los_Angeles', '2026-11-20', Date.UTC(2026, 10, 21, 8), 'Nov 20, 2026'], // PST, UTC-8
      ['Asia/Tokyo', '2026-11-20', Date.UTC(2026, 10, 20, 15), 'Nov 20, 2026'], // JST, UTC+9
      // Clocks go back on Nov 1 in New York: a 25-hour day that ends at 05:00 UTC, not 04:00.
      ['America/New_York', '2026-11-01', Date.UTC(2026, 10, 2, 5), 'Nov 1, 2026'],
    ] as const;

    it.each(cases)(
      '%s, valid until %s: refused at 00:00:00 the next day, signed at 23:59:59',
      async (tz, date, ends, on) => {
        await zone(tz);
        const { id, r, hash } = await estimate();
        await deadline(id, date);

        at(ends);
        const refused = await sign(r, id, hash, `late-${id}`);
        expect(refused.status).toBe(422);
        const body = unescape(await refused.text());
        expect(body).toMatch(/role="alert" tabindex="-1" data-focus-error="true">This estimate expired on/);
        expect(body).toContain(expired(on));
        expect(body).not.toContain('name="intent" value="sign"');
        expect(await signaturesOf(id)).toEqual([]);
        expect(await statusOf(id)).toMatch(/^(sent|viewed)$/); // the view is logged after the page answered

        at(ends - 1000);
        const signed = await sign(r, id, hash, `in-time-${id}`);
        expect(signed.status).toBe(303);
        expect(await statusOf(id)).toBe('approved');
        // The decision cancels what was scheduled to chase it.
        const left = await db().select().from(reminders).where(eq(reminders.documentId, id));
        expect(left.length).toBeGreaterThan(0);
        expect(left.filter((x) => x.state === 'scheduled')).toEqual([]);
        expect(left.filter((x) => x.reason === 'decided').length).toBeGreaterThan(0);
      },
    );

    it('a page opened before the deadline and submitted after it is refused with the message; decline stays possible', async () => {
      await zone('America/Los_Angeles');
      const { id, r } = await estimate();
      await deadline(id, '2026-11-20');
      const ends = Date.UTC(2026, 10, 21, 8);

      at(ends - 60_000);
      const open = await page(r, portal(id));
      expect(open).toContain('name="intent" value="sign"');
      expect(open).toContain('href="#decide">Review & sign');
      const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(open)![1];

      at(ends + 1);
      const res = await sign(r, id, hash, `open-${id}`);
      expect(res.status).toBe(422);
      expect(unescape(await res.text())).toContain(expired('Nov 20, 2026'));
      expect(await signaturesOf(id)).toEqual([]);
      expect(await statusOf(id)).toBe('viewed');

      const declined = await r.post(portal(id), {
        intent: 'decline',
        versionHash: hash,
        reason: 'Too late',
        confirm: 'yes',
      });
      expect(declined.status).toBe(303);
      expect(await statusOf(id)).toBe('declined');
      const [cancelled] = await db()
        .select()
        .from(reminders)
        .where(and(eq(reminders.documentId, id), eq(reminders.reason, 'decided')));
      expect(cancelled).toBeDefined();
    });
  });

  describe('a bid request closes with its bids-due day', () => {
    it('refuses a bid after "Bids due" and takes one on the due date', async () => {
      await zone('America/Los_Angeles');
      const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
      const { browser: vendor, html } = await openLink((await sendDocument(co.browser, id)).link);
      const line = /name="cost\.([a-z0-9]+)"/.exec(html)![1];
      const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(html)![1];
      await deadline(id, '2026-11-20');
      const bid = () => vendor.post(portal(id), { intent: 'bid', [`cost.${line}`]: '12.50', versionHash: hash });

      at(Date.UTC(2026, 10, 21, 8));
      const late = await bid();
      expect(late.status).toBe(422);
      const body = unescape(await late.text());
      expect(body).toContain(`Bids on this request closed on Nov 20, 2026 — ask ${COMPANY} to reopen bidding.`);
      expect(body).toContain('Ask to reopen bidding');
      expect(body).toContain('<p class="status stop">Bids closed Nov 20</p>');
      expect(body).not.toContain('name="intent" value="bid"');
      expect(await statusOf(id)).toBe('viewed');

      at(Date.UTC(2026, 10, 21, 7, 59, 59));
      const inTime = await bid();
      expect(inTime.status).toBe(303);
      expect(await statusOf(id)).toBe('submitted');
      // Closed again: the vendor's bid stays shown, read only, with the way to ask.
      at(Date.UTC(2026, 10, 22));
      const closed = await page(vendor, portal(id));
      expect(closed).toContain('Bid submitted');
      expect(closed).toContain(`Bids on this request closed on Nov 20, 2026`);
      expect(closed).toContain('You submitted $12.50');
      expect(closed).not.toContain('name="intent" value="bid"');
    });
  });

  describe('Ask for an update', () => {
    let id: string;
    let r: Browser;
    beforeAll(async () => {
      await zone('America/Los_Angeles');
      ({ id, r } = await estimate());
    });
    const ask = (b: Browser, doc = id) => b.post(portal(doc), { intent: 'ask_update' });
    const requests = () =>
      db()
        .select()
        .from(activity)
        .where(and(eq(activity.documentId, id), eq(activity.action, 'update_requested')));
    const mails = () =>
      db()
        .select()
        .from(outbox)
        .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'update_requested')));

    it('is refused for a document still open (409, said on the page), a stranger, another account’s contact (404)', async () => {
      const open = await ask(r);
      expect(open.status).toBe(409);
      expect(await open.text()).toContain('This document has not expired: you can still decide on it.');
      await deadline(id, '2026-11-20');
      expect((await ask(new Browser())).status).toBe(404);
      // The vendor's contact has a portal session of their own, for a bid request: not this estimate.
      const bidId = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
      const { browser: vendor } = await openLink((await sendDocument(co.browser, bidId)).link);
      expect((await ask(vendor)).status).toBe(404);
      const unknown = await r.post(portal(id), { intent: 'ask_updates' });
      expect(unknown.status).toBe(400);
      expect(await requests()).toEqual([]);
      expect(await mails()).toEqual([]);
    });

    it('shows the expired estimate, and five clicks at once are one request and one email', async () => {
      at(Date.UTC(2026, 10, 29, 18));
      const before = await page(r, portal(id));
      expect(before).toContain('Expired Nov 20');
      expect(before).toContain(expired('Nov 20, 2026'));
      expect(before).toContain('name="intent" value="ask_update"');
      expect(before).not.toContain('name="intent" value="sign"');
      expect(before).not.toContain('data-signature-pad');
      expect(before).not.toContain('href="#decide">Review & sign');

      const answers = await Promise.all(Array.from({ length: 5 }, () => ask(r)));
      for (const a of answers) {
        expect(a.status).toBe(303);
        expect(location(a)).toBe(`${portal(id)}#decide`);
      }
      expect(await requests()).toHaveLength(1);
      const sent = await mails();
      expect(sent).toHaveLength(1);
      expect(sent[0].subject).toMatch(
        new RegExp(`^${co.customerContact.name} asked for an updated Estimate EST-\\d{4}$`),
      );
      expect(sent[0].toEmail).toBe(co.email);
      expect(sent[0].text).toContain(`http://localhost/documents/${id}`);

      const after = await page(r, portal(id));
      expect(after).toContain(`You asked ${COMPANY} for an update on Nov 29.`);
      expect(after).not.toContain('name="intent" value="ask_update"');
      // A day later the button is back; asking again is a second request.
      at(Date.UTC(2026, 10, 30, 18, 1));
      expect(await page(r, portal(id))).toContain('name="intent" value="ask_update"');
    });
  });

  describe('expired and overdue on the portal home', () => {
    it('an unpaid invoice past its due date reads "Overdue since …" on its page and at home; an expired estimate offers no signing', async () => {
      await zone('America/Los_Angeles');
      const inv = await sentToRecipient(co, 'customer_invoice', { group: co.groups.demolition });
      const est = await sentToRecipient(co, 'estimate', { group: co.groups.electrical });
      await deadline(inv.id, '2026-11-20');
      await deadline(est.id, '2026-11-20');
      at(Date.UTC(2026, 10, 25, 18));
      expect(await page(inv.r, portal(inv.id))).toContain('Overdue since Nov 20');
      const home = await page(est.r, '/portal');
      const row = (docId: string) => {
        const start = home.indexOf(`href="/portal/documents/${docId}"`);
        return home.slice(start, home.indexOf('</li>', start));
      };
      expect(row(inv.id)).toContain('Overdue since Nov 20');
      expect(row(est.id)).toContain('Expired Nov 20');
      expect(row(est.id)).not.toContain('→');
    });
  });

  describe('the development helper that moves a deadline', () => {
    it('moves a sent document’s date for its company only, and refuses a bad date', async () => {
      const { id } = await estimate();
      const path = `/dev/documents/${id}/deadline`;
      expect((await new Browser().post(path, { deadline: '2026-11-01' })).status).toBe(404);
      const bad = await co.browser.post(path, { deadline: 'soon' });
      expect(bad.status).toBe(422);
      expect(await bad.text()).toContain('Enter a date as YYYY-MM-DD.');
      const moved = await co.browser.post(path, { deadline: '2026-11-01' });
      expect(moved.status).toBe(303);
      const [row] = await db().select({ deadline: documents.deadline }).from(documents).where(eq(documents.id, id));
      expect(row.deadline).toBe('2026-11-01');
    });
  });
});
