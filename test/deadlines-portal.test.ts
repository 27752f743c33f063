import { and, eq } from 'drizzle-orm';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { activity, documents, orgs, outbox, reminders, signatures } from '../src/db/schema';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, db, location } from './helpers';
import { unescape } from './pages';
import { openLink, statusOf } from './portal-fixtures';

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
