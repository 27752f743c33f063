import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { activity, bids, contacts, costItems, documents, documentVersions, files, signatures } from '../src/db/schema';
import { todayIn } from '../src/documents/drafts';
import { monthStart, zonedMidnight } from '../src/home/queries';
import { money } from '../views/format';
import { countTrips } from './bindings';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, createAccount, db, location } from './helpers';
import { inkPng } from './hostile';
import { unescape } from './pages';
import { editDraft, sentSnapshot } from './portal-fixtures';

// Issue 14, engineer B: home is the contractor's work queue with money figures; the signed record
// names the signer properly with their signature; void, accept a bid, remove a file and revoke
// access ask first and say what will happen.

type Co = Awaited<ReturnType<typeof companyWithBudget>>;

/** The page's text as a reader sees it: tags dropped, entities decoded, spaces collapsed. */
const textOf = (html: string) =>
  unescape(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' '),
  );

/** The queue group of the home page with this id, as text ('' when the group is not shown). */
function group(html: string, id: string): string {
  const start = html.indexOf(`id="queue-${id}"`);
  if (start < 0) return '';
  const end = html.indexOf('</ul>', start);
  return textOf(html.slice(start, end));
}

/** The four money figures at the top of home, by label. */
function figures(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<span class="kpi-label">([^<]+)<\/span><span class="kpi-value">([^<]+)<\/span>/g))
    out[unescape(m[1])] = unescape(m[2]);
  return out;
}

const home = async (co: Co) => {
  const res = await co.browser.get('/');
  expect(res.status).toBe(200);
  return res.text();
};

const png = inkPng;
const dataUrl = (b: Uint8Array) => `data:image/png;base64,${btoa(String.fromCharCode(...b))}`;

/** A draft of `kind` sent to its recipient (a vendor's contact for vendor kinds); the recipient's browser and hash. */
const sent = sentToRecipient;

const totalOf = async (id: string) => (await sentSnapshot(id)).totals;
const DAY = 86_400_000;

describe('time zone arithmetic', () => {
  it('the month starts at local midnight of the 1st in the company time zone', () => {
    expect(zonedMidnight('2026-11-01', 'UTC')).toBe(Date.UTC(2026, 10, 1));
    expect(zonedMidnight('2026-11-01', 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 4)); // EDT until Nov 1, 2 AM
    expect(zonedMidnight('2026-12-01', 'America/New_York')).toBe(Date.UTC(2026, 11, 1, 5));
    // Nov 30, 23:30 in Los Angeles is Dec 1 in UTC: still November for the company.
    const lateNov = Date.UTC(2026, 11, 1, 7, 30);
    expect(monthStart('America/Los_Angeles', lateNov)).toBe(Date.UTC(2026, 10, 1, 7));
  });
});

describe('home is a work queue with money at the top', () => {
  let co: Co;
  let other: Co;
  beforeAll(async () => {
    co = await companyWithBudget();
    other = await companyWithBudget({ company: 'Other Builders' });
  });

  it('an empty queue says so plainly, and every figure is zero', async () => {
    const page = await home(co);
    expect(textOf(page)).toContain('Nothing waiting on you.');
    expect(figures(page)).toEqual({
      'Awaiting signature': '$0.00',
      'Approved this month': '$0.00',
      'Invoiced, unpaid': '$0.00',
      Overdue: '$0.00',
    });
  });

  it('documents in every state land in their group with amount, who and how long; another org’s never count', async () => {
    // Awaiting signature, sent six days ago.
    const waiting = await sent(co, 'estimate', { group: co.groups.demolition });
    await db()
      .update(documents)
      .set({ sentAt: Date.now() - 6 * DAY - 60_000 })
      .where(eq(documents.id, waiting.id));
    const waitingTotal = (await totalOf(waiting.id)).total;
    // Approved with a 30% deposit, no deposit invoice yet.
    const deposit = await createDocument(co.browser, co.jobId, 'proposal', { group: co.groups.electrical });
    await editDraft(co.browser, deposit, (f) =>
      f.map(([k, v]) => [k, k === 'depositKind' ? 'percent' : k === 'depositValue' ? '30' : v]),
    );
    const { link } = await sendDocument(co.browser, deposit);
    const signer = new Browser();
    await signer.get(link);
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(
      await (await signer.get(`/portal/documents/${deposit}`)).text(),
    )![1];
    const signed = await signer.post(`/portal/documents/${deposit}/sign`, {
      versionHash: hash,
      idempotencyKey: 'k-home-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(signed.status).toBe(303);
    const depositTotals = await totalOf(deposit);
    // A declined change order.
    const change = await sent(co, 'change_order', { group: co.groups.demolition });
    const declined = await change.r.post(`/portal/documents/${change.id}/decline`, {
      versionHash: change.hash,
      reason: 'Not this month',
      confirm: 'yes',
    });
    expect(declined.status).toBe(303);
    // An unpaid invoice past its due date, partly paid.
    const invoice = await sent(co, 'customer_invoice', { group: co.groups.demolition });
    await db()
      .update(documentVersions)
      .set({ dueDate: '2020-01-15' })
      .where(eq(documentVersions.documentId, invoice.id));
    // The date that counts once sent is the document's own (issue 16), copied from the version at send.
    await db().update(documents).set({ deadline: '2020-01-15' }).where(eq(documents.id, invoice.id));
    const paid = await co.browser.post(`/documents/${invoice.id}/payments`, {
      amount: '100.00',
      paidOn: todayIn('UTC'),
      method: 'Check',
    });
    expect(paid.status).toBe(303);
    const invoiceBalance = (await totalOf(invoice.id)).total - 10_000;
    // A customer's comment nobody answered.
    expect(
      (await waiting.r.post(`/portal/documents/${waiting.id}/comments`, { body: 'Can you start earlier?' })).status,
    ).toBe(303);
    // A vendor's bid to compare.
    const bid = await sent(co, 'bid_request', { group: co.groups.demolition }, co.vendorId);
    const lineIds = [...bid.page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    const bidRes = await bid.r.post(`/portal/documents/${bid.id}/bid`, {
      versionHash: bid.hash,
      [`cost.${lineIds[0]}`]: '60.00',
      [`cost.${lineIds[1]}`]: '500.00',
    });
    expect(bidRes.status).toBe(303);
    // The other org's documents in the same states: never on this home.
    const theirs = await sent(other, 'estimate');
    await sent(other, 'customer_invoice');

    const page = await home(co);
    const text = textOf(page);
    expect(text).not.toContain('Nothing waiting on you.');
    const head = await db().query.documents.findFirst({ where: eq(documents.id, waiting.id) });
    const awaiting = group(page, 'awaiting');
    expect(awaiting).toContain(head!.number);
    expect(awaiting).toContain(money(waitingTotal));
    expect(awaiting).toContain('waiting 6 days for signature');
    expect(awaiting).toContain(co.customerContact.name);
    expect(page).toContain(`href="/documents/${waiting.id}"`);
    const theirNumber = (await db().query.documents.findFirst({ where: eq(documents.id, theirs.id) }))!.number;
    expect(page).not.toContain(theirs.id);
    // Signed leaves "waiting"; the approved proposal asks for its deposit invoice.
    const proposal = await db().query.documents.findFirst({ where: eq(documents.id, deposit) });
    expect(awaiting).not.toContain(proposal!.number);
    const deposits = group(page, 'deposits');
    expect(deposits).toContain(proposal!.number);
    expect(deposits).toContain(money(depositTotals.deposit));
    expect(deposits).toContain('Create deposit invoice');
    const changeNumber = (await db().query.documents.findFirst({ where: eq(documents.id, change.id) }))!.number;
    expect(group(page, 'declined')).toContain(changeNumber);
    const overdue = group(page, 'overdue');
    expect(overdue).toContain(money(invoiceBalance));
    expect(overdue).toMatch(/\d+ days overdue/);
    const comments = group(page, 'comments');
    expect(comments).toContain('Can you start earlier?');
    expect(page).toMatch(new RegExp(`href="/documents/${waiting.id}#comment-[a-z0-9]+"`));
    const bidsGroup = group(page, 'bids');
    expect(bidsGroup).toContain('1 bid on Kitchen remodel');
    expect(bidsGroup).toContain(`Summit Electric ${money(16 * 6000 + 50_000)}`);
    expect(page).toContain(`href="/jobs/${co.jobId}/bids"`);
    expect(figures(page)).toEqual({
      'Awaiting signature': money(waitingTotal),
      'Approved this month': money(depositTotals.total),
      'Invoiced, unpaid': money(invoiceBalance),
      Overdue: money(invoiceBalance),
    });
    // The other org sees only its own.
    const theirPage = await home(other);
    expect(group(theirPage, 'awaiting')).toContain(theirNumber);
    expect(theirPage).not.toContain(waiting.id);
    expect(figures(theirPage)['Approved this month']).toBe('$0.00');

    // Answering, creating the deposit invoice and accepting the bid take items off the queue.
    expect((await co.browser.post(`/documents/${waiting.id}/comments`, { body: 'Yes, Monday.' })).status).toBe(303);
    expect((await co.browser.post(`/documents/${deposit}/deposit-invoice`)).status).toBe(303);
    expect((await co.browser.post(`/documents/${bid.id}/accept-bid`, { confirm: 'yes' })).status).toBe(303);
    const after = await home(co);
    expect(group(after, 'comments')).toBe('');
    expect(group(after, 'deposits')).toBe('');
    expect(group(after, 'bids')).toBe('');
    expect(figures(after)['Approved this month']).toBe(money(depositTotals.total));
  });

  it('the whole page is one D1 batch after the session: the same trips with 1 or many documents', async () => {
    const fresh = await companyWithBudget({ company: 'Counted Builders' });
    const before = await countTrips(fresh.browser, '/');
    expect(before.res.status).toBe(200);
    for (const kind of ['estimate', 'customer_invoice', 'change_order']) await sent(fresh, kind);
    const afterCount = await countTrips(fresh.browser, '/');
    expect(afterCount.trips, afterCount.log).toBe(before.trips);
    expect(afterCount.trips, afterCount.log).toBeLessThanOrEqual(2); // the session's read, then the page's batch
  });

  it('no session: home sends to sign-in', async () => {
    const res = await new Browser().get('/');
    expect([302, 303]).toContain(res.status);
    expect(location(res)).toContain('/sign-in');
  });
});

describe('the signed record and the signature image', () => {
  let co: Co;
  beforeAll(async () => {
    co = await companyWithBudget();
  });

  it('reads "Signed by Dana Reyes (email)" with a thumbnail served only to this org, private', async () => {
    const s = await sent(co, 'estimate', { group: co.groups.demolition });
    const image = await png(300, 100);
    const res = await s.r.post(`/portal/documents/${s.id}/sign`, {
      versionHash: s.hash,
      idempotencyKey: 'k-record-1',
      name: 'Dana Reyes',
      method: 'drawn',
      signature: dataUrl(image),
      consent: 'yes',
    });
    expect(res.status).toBe(303);
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, s.id));
    const page = await (await co.browser.get(`/documents/${s.id}`)).text();
    const record = page.slice(
      page.indexOf('id="decision-h"'),
      page.indexOf('</section>', page.indexOf('id="decision-h"')),
    );
    expect(record).not.toContain('&amp;lt;');
    expect(record).not.toContain('&lt;');
    expect(textOf(page)).toContain(`Signed by Dana Reyes (${sig.signerEmail})`);
    const src = `/documents/${s.id}/signatures/${sig.id}.png`;
    expect(page).toContain(`src="${src}"`);
    const got = await co.browser.get(src);
    expect(got.status).toBe(200);
    expect(got.headers.get('Content-Type')).toBe('image/png');
    expect(got.headers.get('Cache-Control')).toMatch(/^private/);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(image);
    const stranger = await companyWithBudget({ company: 'Stranger Builders' });
    expect((await stranger.browser.get(src)).status).toBe(404);
    expect((await co.browser.get(`/documents/${s.id}/signatures/nosuchsignature.png`)).status).toBe(404);
    expect((await co.browser.get(`/documents/nosuchdocument/signatures/${sig.id}.png`)).status).toBe(404);
    const anonymous = await new Browser().get(src);
    expect([302, 303]).toContain(anonymous.status);
    expect(location(anonymous)).toContain('/sign-in');
  });

  it('a typed signature shows the typed name in the script style, and has no image', async () => {
    const s = await sent(co, 'estimate', { group: co.groups.electrical });
    await s.r.post(`/portal/documents/${s.id}/sign`, {
      versionHash: s.hash,
      idempotencyKey: 'k-record-2',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, s.id));
    const page = await (await co.browser.get(`/documents/${s.id}`)).text();
    expect(textOf(page)).toContain(`Signed by Dana Reyes (${sig.signerEmail})`);
    expect(page).toMatch(/<span class="script">Dana Reyes<\/span>/);
    expect((await co.browser.get(`/documents/${s.id}/signatures/${sig.id}.png`)).status).toBe(404);
  });
});

describe('the contractor is asked before void, accept a bid, remove a file and revoke access', () => {
  let co: Co;
  let other: Co;
  beforeAll(async () => {
    co = await companyWithBudget();
    other = await companyWithBudget({ company: 'Other Builders' });
  });

  const statusOf = async (id: string) =>
    (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!.status;
  const count = (documentId: string, action: string) =>
    db().$count(activity, and(eq(activity.documentId, documentId), eq(activity.action, action)));

  it('void: asks "Void INV-…?" naming whose link stops showing it; confirm voids once under concurrent posts', async () => {
    const inv = await sent(co, 'customer_invoice', { group: co.groups.demolition });
    const number = (await db().query.documents.findFirst({ where: eq(documents.id, inv.id) }))!.number;
    const ask = await co.browser.post(`/documents/${inv.id}/void`);
    expect(ask.status).toBe(200);
    const asked = textOf(await ask.text());
    expect(asked).toContain(`Void ${number}?`);
    expect(asked).toContain(`${co.customerContact.name}’s link stops showing it`);
    expect(asked).toContain(`Keep ${number}`);
    expect(await statusOf(inv.id)).not.toBe('void'); // (sent or viewed: the recipient's view lands on its own)
    expect(await count(inv.id, 'voided')).toBe(0);
    // Another org, a bad id, no session: nothing asked, nothing done.
    expect((await other.browser.post(`/documents/${inv.id}/void`)).status).toBe(404);
    expect((await other.browser.post(`/documents/${inv.id}/void`, { confirm: 'yes' })).status).toBe(404);
    expect((await co.browser.post('/documents/nosuchdocument/void')).status).toBe(404);
    const anonymous = await new Browser().post(`/documents/${inv.id}/void`, { confirm: 'yes' });
    expect(anonymous.status).not.toBe(200);
    expect(await statusOf(inv.id)).not.toBe('void'); // (sent or viewed: the recipient's view lands on its own)
    expect(await count(inv.id, 'voided')).toBe(0);
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => co.browser.post(`/documents/${inv.id}/void`, { confirm: 'yes' })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409, 409]);
    expect(await statusOf(inv.id)).toBe('void');
    expect(await count(inv.id, 'voided')).toBe(1);
    // Asking about a void document answers what the void would: 409.
    expect((await co.browser.post(`/documents/${inv.id}/void`)).status).toBe(409);
  });

  it('accept a bid: says whose costs go into how many items of which job and that the rival is not selected', async () => {
    const a = await sent(co, 'bid_request', { group: co.groups.demolition }, co.vendorId);
    const rivalId = await createAccount(co.browser, 'vendor', 'ProFlow Plumbing');
    const b = await sent(co, 'bid_request', { group: co.groups.demolition }, rivalId);
    for (const [s, costs] of [
      [a, ['60.00', '500.00']],
      [b, ['70.00', '450.00']],
    ] as const) {
      const ids = [...s.page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
      const res = await s.r.post(`/portal/documents/${s.id}/bid`, {
        versionHash: s.hash,
        [`cost.${ids[0]}`]: costs[0],
        [`cost.${ids[1]}`]: costs[1],
      });
      expect(res.status).toBe(303);
    }
    const ask = await co.browser.post(`/documents/${b.id}/accept-bid`);
    expect(ask.status).toBe(200);
    const asked = textOf(await ask.text());
    expect(asked).toContain('Accept ProFlow Plumbing’s bid?');
    expect(asked).toContain(
      `Its unit costs (${money(16 * 7000 + 45_000)} total) will be written into 2 budget items of Kitchen remodel`,
    );
    expect(asked).toContain('The other 1 bid on these items will be marked not selected.');
    expect(asked).toContain('Keep comparing');
    const bidRows = await db().select().from(bids).where(eq(bids.documentId, b.id));
    expect(bidRows.map((r) => r.status)).toEqual(['submitted']);
    const item = await db().query.costItems.findFirst({
      where: and(eq(costItems.jobId, co.jobId), eq(costItems.name, 'Remove cabinets')),
    });
    expect((await other.browser.post(`/documents/${b.id}/accept-bid`)).status).toBe(404);
    expect((await other.browser.post(`/documents/${b.id}/accept-bid`, { confirm: 'yes' })).status).toBe(404);
    expect((await co.browser.post('/documents/nosuchdocument/accept-bid')).status).toBe(404);
    expect((await co.browser.post(`/documents/${b.id}/accept-bid`, { confirm: 'nope' })).status).toBe(200);
    expect((await db().query.costItems.findFirst({ where: eq(costItems.id, item!.id) }))!.unitCost).toBe(
      item!.unitCost,
    );
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => co.browser.post(`/documents/${b.id}/accept-bid`, { confirm: 'yes' })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409, 409]);
    expect(await count(b.id, 'bid_accepted')).toBe(1);
    expect(await statusOf(b.id)).toBe('accepted');
    expect(await statusOf(a.id)).toBe('rejected');
    expect((await db().query.costItems.findFirst({ where: eq(costItems.id, item!.id) }))!.unitCost).toBe(7000);
    // Nothing left to accept: asking answers 409 too.
    expect((await co.browser.post(`/documents/${b.id}/accept-bid`)).status).toBe(409);
  });

  it('accept a bid: a confirmation is for the bid it showed; a newer bid from the vendor answers 409', async () => {
    const s = await sent(co, 'bid_request', { group: co.groups.demolition }, co.vendorId);
    const ids = [...s.page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    const bid = (a: string, b: string) =>
      s.r.post(`/portal/documents/${s.id}/bid`, { versionHash: s.hash, [`cost.${ids[0]}`]: a, [`cost.${ids[1]}`]: b });
    expect((await bid('60.00', '500.00')).status).toBe(303);
    const asked = await (await co.browser.post(`/documents/${s.id}/accept-bid`)).text();
    const shown = /name="bid" value="([a-z0-9.]+)"/.exec(asked)?.[1];
    expect(shown).toBeTruthy();
    // The vendor bids again (higher) before the contractor confirms what they were shown.
    expect((await bid('90.00', '900.00')).status).toBe(303);
    const item = await db().query.costItems.findFirst({
      where: and(eq(costItems.jobId, co.jobId), eq(costItems.name, 'Remove cabinets')),
    });
    const stale = await co.browser.post(`/documents/${s.id}/accept-bid`, { confirm: 'yes', bid: shown! });
    expect(stale.status).toBe(409);
    expect(textOf(await stale.text())).toContain('The vendor sent a new bid since you were asked');
    expect(await count(s.id, 'bid_accepted')).toBe(0);
    expect((await db().query.costItems.findFirst({ where: eq(costItems.id, item!.id) }))!.unitCost).toBe(
      item!.unitCost,
    );
    const again = await (await co.browser.post(`/documents/${s.id}/accept-bid`)).text();
    const newest = /name="bid" value="([a-z0-9.]+)"/.exec(again)![1];
    expect(newest).not.toBe(shown);
    expect(textOf(again)).toContain(`Its unit costs (${money(16 * 9000 + 90_000)} total)`);
    expect((await co.browser.post(`/documents/${s.id}/accept-bid`, { confirm: 'yes', bid: newest })).status).toBe(303);
    expect((await db().query.costItems.findFirst({ where: eq(costItems.id, item!.id) }))!.unitCost).toBe(9000);
  });

  it('remove a file: the contractor’s page asks "Remove plan.pdf?"; confirm removes it once', async () => {
    const s = await sent(co, 'estimate', { group: co.groups.demolition });
    const form = new FormData();
    form.append(
      'files',
      new File([new TextEncoder().encode('%PDF-1.4 plans')], 'plan.pdf', { type: 'application/pdf' }),
    );
    expect((await co.browser.postMultipart(`/documents/${s.id}/files`, form)).status).toBe(303);
    const [file] = await db().select().from(files).where(eq(files.documentId, s.id));
    const path = `/documents/${s.id}/files/${file.id}/remove`;
    const ask = await co.browser.post(path);
    expect(ask.status).toBe(200);
    const asked = await ask.text();
    expect(textOf(asked)).toContain('Remove plan.pdf? Everyone on this document will stop seeing it.');
    expect(asked).toContain(`action="${path}"`);
    expect(await env.FILES.head(file.r2Key)).not.toBeNull();
    expect((await other.browser.post(path)).status).toBe(404);
    expect((await other.browser.post(path, { confirm: 'yes' })).status).toBe(404);
    expect((await co.browser.post(`/documents/${s.id}/files/nosuchfile/remove`)).status).toBe(404);
    expect((await co.browser.post(`/documents/${s.id}/files/nosuchfile/remove`, { confirm: 'yes' })).status).toBe(404);
    const answers = await Promise.all(Array.from({ length: 3 }, () => co.browser.post(path, { confirm: 'yes' })));
    expect(answers.filter((r) => r.status === 303).length).toBe(1);
    expect(answers.filter((r) => r.status !== 303).every((r) => r.status === 404 || r.status === 409)).toBe(true);
    expect(await count(s.id, 'file_removed')).toBe(1);
    expect(await env.FILES.head(file.r2Key)).toBeNull();
  });

  it('revoke access: asks naming the contact and what stops; confirm revokes once; a mangled confirmation asks again', async () => {
    const account = `/accounts/${co.customerId}`;
    const contactId = co.customerContact.id;
    const path = `${account}/contacts/${contactId}/revoke`;
    const versionOf = async () =>
      (await db().query.contacts.findFirst({ where: eq(contacts.id, contactId) }))!.accessVersion;
    const before = await versionOf();
    const ask = await co.browser.post(path);
    expect(ask.status).toBe(200);
    const asked = await ask.text();
    expect(textOf(asked)).toContain(`Revoke ${co.customerContact.name}’s portal access?`);
    expect(textOf(asked)).toContain(`Every link and portal session ${co.customerContact.name}`);
    expect(asked).toContain(`name="version" value="${before}"`);
    expect(await versionOf()).toBe(before);
    const mangled = await co.browser.post(path, { confirm: 'yes', version: 'abc' });
    expect(mangled.status).toBe(422);
    expect(textOf(await mangled.text())).toContain('Nothing was changed; confirm again below.');
    expect(await versionOf()).toBe(before);
    expect((await other.browser.post(path)).status).toBe(404);
    expect((await other.browser.post(path, { confirm: 'yes', version: String(before) })).status).toBe(404);
    expect((await co.browser.post(`${account}/contacts/nosuchcontact/revoke`)).status).toBe(404);
    const revokes = () => db().$count(activity, and(eq(activity.orgId, co.orgId), eq(activity.action, 'link_revoked')));
    const logged = await revokes();
    const answers = await Promise.all(
      Array.from({ length: 3 }, () => co.browser.post(path, { confirm: 'yes', version: String(before) })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([303, 409, 409]);
    expect(await versionOf()).toBe(before + 1);
    expect(await revokes()).toBe(logged + 1);
    // A confirmation whose access moved on (here: a new email address since the question) asks again.
    const askedAt = await versionOf();
    const contact = (await db().query.contacts.findFirst({ where: eq(contacts.id, contactId) }))!;
    const edited = await co.browser.post(`${account}/contacts/${contact.id}`, {
      name: contact.name,
      email: 'dana.new@example.test',
      phone: contact.phone ?? '',
    });
    expect(edited.status).toBe(303);
    const afterEdit = await revokes(); // a new address revokes the old one's links, logged as such
    const stale = await co.browser.post(path, { confirm: 'yes', version: String(askedAt) });
    expect(stale.status).toBe(409);
    const text = textOf(await stale.text());
    expect(text).toContain('portal access changed since you were asked');
    expect(text).not.toContain('already revoked');
    expect(await revokes()).toBe(afterEdit);
    expect(await versionOf()).toBe(askedAt + 1); // the email change's own bump, nothing more
  });
});
