import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { activity, documents, outbox, reminders } from '../src/db/schema';
import { addDays, todayIn } from '../src/deadlines/time';
import { calendarDate } from '../views/format';
import { companyWithBudget, createDocument, sendDocument, approvedWithDeposit } from './fixtures';
import { Browser, db, location, signUp } from './helpers';
import { fieldError, unescape } from './pages';
import { editDraft } from './portal-fixtures';

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
  const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(await (await r.get(`/portal/documents/${id}`)).text());
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
    expect(page).toContain('>Remind now<');

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
    expect((await sign(e)).status).toBe(303);
  });

  it('refuses a past or impossible date on the field (422), writing nothing', async () => {
    const e = await sentEstimate(day(4));
    for (const [bad, message] of [
      [day(-1), 'That date has already passed. Choose today or a later date.'],
      ['2026-02-30', 'Enter a date, like 2027-01-15.'],
      ['soon', 'Enter a date, like 2027-01-15.'],
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
    expect((await docRow(e.id)).deadline).toBe(won);
    expect(await extensions(e.id)).toBe(2);
    expect(await extendMails(e.id)).toBe(2);
    const scheduled = (await remindersOf(e.id)).filter((r) => r.kind === 'before_deadline' && r.state === 'scheduled');
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
