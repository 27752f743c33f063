// The workspace home and its timeline.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Action, activityInsert, type Actor } from '../src/conversation/activity';
import {
  activity,
  bids,
  contacts,
  costItems,
  documents,
  documentVersions,
  files,
  orgs,
  signatures,
} from '../src/db/schema';
import { todayIn } from '../src/documents/drafts';
import { monthStart, zonedMidnight } from '../src/home/queries';
import { dateTime, money } from '../views/format';
import { countTrips } from './bindings';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, createAccount, db, location, signUp, viaEdge } from './helpers';
import { inkPng } from './hostile';
import { unescape } from './pages';
import { editDraft, sentSnapshot } from './portal-fixtures';

describe('the workspace home', () => {
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
        s.r.post(`/portal/documents/${s.id}/bid`, {
          versionHash: s.hash,
          [`cost.${ids[0]}`]: a,
          [`cost.${ids[1]}`]: b,
        });
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
      expect((await co.browser.post(`/documents/${s.id}/accept-bid`, { confirm: 'yes', bid: newest })).status).toBe(
        303,
      );
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
      expect((await co.browser.post(`/documents/${s.id}/files/nosuchfile/remove`, { confirm: 'yes' })).status).toBe(
        404,
      );
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
      const revokes = () =>
        db().$count(activity, and(eq(activity.orgId, co.orgId), eq(activity.action, 'link_revoked')));
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
});

// Issue 14, "A timeline worth reading": the contractor's document page shows its timeline newest
// first, repeated views collapsed into one line per recipient (network details behind a toggle),
// paged past 50 entries with "Older activity"; live updates keep the collapsed line current.
describe('the workspace timeline', () => {
  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let timeZone: string;

  beforeAll(async () => {
    co = await companyWithBudget();
    timeZone = (await db().query.orgs.findFirst({ where: eq(orgs.id, co.orgId) }))!.timeZone;
  });

  const IPHONE =
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile Safari';
  const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36';

  async function sentEstimate() {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(co.browser, id);
    return { id, link };
  }

  /** Appends timeline rows as the room would (the next seq each), at the given times. */
  async function add(documentId: string, events: { action: Action; actor?: Actor; at: number; data?: object }[]) {
    for (const e of events) {
      await activityInsert(db(), {
        orgId: co.orgId,
        jobId: co.jobId,
        documentId,
        action: e.action,
        actor: e.actor ?? { side: 'contractor', name: 'Owner' },
        data: e.data as Record<string, unknown>,
        at: e.at,
      });
    }
  }

  const dana = (ip = '203.0.113.7', userAgent = IPHONE): Actor => ({
    side: 'recipient',
    contactId: co.customerContact.id,
    name: 'Dana Reyes',
    ip,
    userAgent,
  });

  /** The timeline's entries on a page: each <li> of the timeline list, in page order. */
  function timeline(body: string) {
    const list = /<ol class="timeline"[^>]*>([\s\S]*?)<\/ol>/.exec(body);
    expect(list, 'a timeline on the page').not.toBeNull();
    return [...list![1].matchAll(/<li\b[\s\S]*?<\/li>/g)].map((m) => m[0]);
  }
  const text = (s: string) =>
    s
      .replace(/<details[\s\S]*?<\/details>/g, '')
      .replace(/<[^>]+>/g, '')
      .replace(/\s+/g, ' ')
      .trim();
  const seqOf = (li: string) => Number(/data-seq="(\d+)"/.exec(li)?.[1]);

  describe('the document timeline reads newest first, repeated views as one line', () => {
    it('orders entries newest first and collapses each run of views per recipient, details closed', async () => {
      const { id } = await sentEstimate();
      const t = Date.now() - 3_600_000;
      await add(id, [
        { action: 'viewed', actor: dana(), at: t },
        { action: 'viewed', actor: dana('198.51.100.4', DESKTOP), at: t + 60_000 },
        { action: 'viewed', actor: dana(), at: t + 120_000 },
        { action: 'commented', actor: dana(), at: t + 180_000, data: { excerpt: 'Can we start in March?' } },
        { action: 'viewed', actor: dana(), at: t + 240_000 },
        { action: 'viewed', actor: dana(), at: t + 300_000 },
      ]);
      const res = await co.browser.get(`/documents/${id}`);
      expect(res.status).toBe(200);
      const items = timeline(await res.text());
      const seqs = items.map(seqOf);
      expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
      expect(text(items[0])).toContain(`Dana Reyes viewed it 2 times, last ${dateTime(t + 300_000, timeZone)}`);
      expect(text(items[1])).toContain('Dana Reyes commented');
      expect(text(items[2])).toContain(`Dana Reyes viewed it 3 times, last ${dateTime(t + 120_000, timeZone)}`);
      expect(text(items[3])).toMatch(/sent rev 1 to/);
      expect(items.filter((li) => /viewed it/.test(li))).toHaveLength(2);
      // Network details sit behind a closed "Details" toggle, never as a row of their own.
      const details = /<details\b([^>]*)>([\s\S]*?)<\/details>/.exec(items[2])!;
      expect(details[1]).not.toMatch(/\bopen\b/);
      expect(details[2]).toMatch(/<summary[^>]*>Details<\/summary>/);
      expect(details[2]).toContain('203.0.113.7');
      expect(details[2]).toContain('198.51.100.4');
      expect(details[2]).toContain('Mobile Safari');
      for (const li of items) expect(text(li)).not.toContain('Mozilla');
      // The summary above the document still counts every view.
      const again = await (await co.browser.get(`/documents/${id}`)).text();
      expect(again).toMatch(/Viewed by Dana Reyes · 5 times/);
    });

    it('a view seen live replaces its collapsed line: same entry key, the new count, added at the top', async () => {
      const { id, link } = await sentEstimate();
      const res = await co.browser.fetch(`/documents/${id}/live`, { headers: { Upgrade: 'websocket' } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      ws.accept();
      const heard: { type: string; timeline?: string }[] = [];
      ws.addEventListener('message', (m) => {
        if (typeof m.data === 'string' && m.data !== 'pong') heard.push(JSON.parse(m.data));
      });
      const recipient = new Browser();
      const opened = await recipient.get(link);
      const page = opened.headers.get('Location')!;
      const views = () => heard.filter((e) => e.type === 'viewed');
      // From two devices: a reload from the same one within 10 minutes is the view already logged.
      for (let n = 1; n <= 2; n++) {
        expect((await recipient.fetch(page, viaEdge(`198.51.100.${n}`))).status).toBe(200);
        for (let i = 0; i < 100 && views().length < n; i++) await new Promise((r) => setTimeout(r, 20));
      }
      ws.close();
      expect(views()).toHaveLength(2);
      const [first, second] = views().map((e) => e.timeline!);
      const key = (s: string) => /data-entry="([^"]+)"/.exec(s)?.[1];
      expect(key(first)).toBeTruthy();
      expect(key(second)).toBe(key(first));
      expect(text(second)).toMatch(/viewed it 2 times, last/);
      expect(seqOf(second)).toBeGreaterThan(seqOf(first));
      // The page renders the same line with the same key.
      const items = timeline(await (await co.browser.get(`/documents/${id}`)).text());
      expect(key(items[0])).toBe(key(second));
      expect(text(items[0])).toBe(text(second));
    });
  });

  describe('a live timeline line is in the company’s currency', () => {
    it('a payment recorded in a euro company reads € on the open page, as on the page itself', async () => {
      const eu = await companyWithBudget({ company: 'Euro Builders', currency: 'EUR' });
      const id = await createDocument(eu.browser, eu.jobId, 'customer_invoice', { group: eu.groups.demolition });
      await sendDocument(eu.browser, id);
      const res = await eu.browser.fetch(`/documents/${id}/live`, { headers: { Upgrade: 'websocket' } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      ws.accept();
      const lines: string[] = [];
      ws.addEventListener('message', (m) => {
        if (typeof m.data !== 'string' || m.data === 'pong') return;
        const e = JSON.parse(m.data) as { timeline?: string };
        if (e.timeline?.includes('recorded a payment')) lines.push(e.timeline);
      });
      const paid = await eu.browser.post(`/documents/${id}/payments`, {
        amount: '100.00',
        paidOn: '2026-11-02',
        method: 'Check',
        reference: '1001',
      });
      expect(paid.status).toBe(303);
      for (let i = 0; i < 100 && lines.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
      ws.close();
      expect(lines).toHaveLength(1);
      expect(text(lines[0])).toContain('recorded a payment of €100.00');
      const page = timeline(await (await eu.browser.get(`/documents/${id}`)).text());
      expect(text(page[0])).toContain('recorded a payment of €100.00');
    });
  });

  describe('the timeline is paged past 50 entries', () => {
    let id: string;
    let before: number;

    beforeAll(async () => {
      ({ id } = await sentEstimate());
      before = timeline(await (await co.browser.get(`/documents/${id}`)).text()).length;
    });

    /** Comments from the contractor, one entry each, until the timeline holds `total` entries. */
    async function fillTo(total: number, shown: number) {
      const t = Date.now();
      await add(
        id,
        Array.from({ length: total - shown }, (_, i) => ({
          action: 'commented' as const,
          at: t + i,
          data: { excerpt: `Note ${shown + i}` },
        })),
      );
    }

    it('shows all 50 without "Older activity"; at 51 shows the newest 50 and pages to the oldest', async () => {
      await fillTo(50, before);
      let body = await (await co.browser.get(`/documents/${id}`)).text();
      expect(timeline(body)).toHaveLength(50);
      expect(body).not.toContain('Older activity');

      await fillTo(51, 50);
      body = await (await co.browser.get(`/documents/${id}`)).text();
      const first = timeline(body);
      expect(first).toHaveLength(50);
      const link = /<a[^>]*href="([^"]*before=(\d+)[^"]*)"[^>]*>Older activity<\/a>/.exec(body);
      expect(link).not.toBeNull();
      expect(Number(link![2])).toBe(seqOf(first[49]));
      const older = await co.browser.get(link![1].replace(/&amp;/g, '&'));
      expect(older.status).toBe(200);
      const olderBody = await older.text();
      const rest = timeline(olderBody);
      expect(rest).toHaveLength(1);
      expect(text(rest[0])).toMatch(/created the draft/);
      expect(seqOf(rest[0])).toBeLessThan(seqOf(first[49]));
      expect(olderBody).not.toContain('Older activity');
      expect(olderBody).toMatch(new RegExp(`<a[^>]*href="/documents/${id}#timeline"[^>]*>Newest activity</a>`));
    });

    it('a bad "before" shows the first page (never an error)', async () => {
      const first = timeline(await (await co.browser.get(`/documents/${id}`)).text()).map(seqOf);
      for (const bad of ['abc', '0', '-3', '1.5', '1e2', '99999999999999999999', '%00', '']) {
        const res = await co.browser.get(`/documents/${id}?before=${bad}`);
        expect(res.status, bad).toBe(200);
        expect(timeline(await res.text()).map(seqOf), bad).toEqual(first);
      }
    });

    it("another org's document answers 404 with or without a page", async () => {
      const other = await signUp({ company: 'Elsewhere Builders' });
      for (const q of ['', '?before=3', '?before=abc'])
        expect((await other.browser.get(`/documents/${id}${q}`)).status).toBe(404);
    });
  });

  describe('the activity feed', () => {
    it('reads newest first', async () => {
      const body = await (await co.browser.get('/activity')).text();
      const times = [...body.matchAll(/<time datetime="([^"]+)"/g)].map((m) => Date.parse(m[1]));
      expect(times.length).toBeGreaterThan(3);
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });
  });
});
