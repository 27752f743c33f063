import { env } from 'cloudflare:workers';
import { and, eq, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activity,
  costGroups,
  costItems,
  documents,
  documentVersions,
  outbox,
  payments,
  signatures,
} from '../src/db/schema';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { type Browser, db, location } from './helpers';
import { editDraft, openLink } from './portal-fixtures';
import { unescape } from './pages';

// Issue 11: two clients at the same moment. Each case fires N ≥ 8 requests at once through the
// Worker and asserts the exact outcome: one send, one revision, payments never above the balance,
// one deposit invoice, one void, and a send racing a signature ends one way or the other, never both.

const N = 8;
type Company = Awaited<ReturnType<typeof companyWithBudget>>;
let co: Company;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Race Builders' });
});

const textOf = async (res: Response) => unescape((await res.text()).replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const all = <T>(n: number, fire: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => fire(i)));
const statusesOf = (answers: Response[]) => answers.map((a) => a.status).sort();
const count = (
  table: typeof outbox | typeof activity | typeof payments | typeof documentVersions | typeof signatures,
  where: SQL | undefined,
) => db().$count(table, where);
const objects = async (documentId: string) =>
  (await env.FILES.list({ prefix: `org/${co.orgId}/doc/${documentId}/` })).objects.map((o) => o.key);
const rowOf = async (id: string) => (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;

/** The send form as the page fills it in. */
const sendForm = () => ({ name: co.customerContact.name, email: co.customerContact.email, message: 'Our latest.' });

describe('concurrent sends of one draft', () => {
  it(`${N} sends: one succeeds; one email, one "sent" event, one PDF; the rest answer 409`, async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const answers = await all(N, () => co.browser.post(`/documents/${id}/send`, sendForm()));
    expect(statusesOf(answers)).toEqual([303, ...Array(N - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409))
      expect(await textOf(a)).toContain('This version was already sent.');
    expect(await count(outbox, eq(outbox.documentId, id))).toBe(1);
    expect(await count(activity, and(eq(activity.documentId, id), eq(activity.action, 'sent')))).toBe(1);
    const [v1] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, id));
    expect(v1.state).toBe('sent');
    // The losers' PDFs were deleted; the one left is the one the version points at.
    expect(await objects(id)).toEqual([v1.pdfKey]);
  });
});

describe('concurrent revises', () => {
  it(`${N} revises: exactly one new version; the rest answer 409, never a 5xx`, async () => {
    const id = await createDocument(co.browser, co.jobId, 'proposal', { group: co.groups.electrical });
    await sendDocument(co.browser, id);
    const answers = await all(N, () => co.browser.post(`/documents/${id}/revise`));
    expect(statusesOf(answers)).toEqual([303, ...Array(N - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409))
      expect(await textOf(a)).toContain('A draft revision already exists; edit it instead.');
    expect(await count(documentVersions, eq(documentVersions.documentId, id))).toBe(2);
    expect(await count(activity, and(eq(activity.documentId, id), eq(activity.action, 'revised')))).toBe(1);
    expect(await rowOf(id)).toMatchObject({ currentVersion: 2, sentVersion: 1 });
  });
});

describe('concurrent payments', () => {
  async function sentInvoice() {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
    await sendDocument(co.browser, id);
    const snapshot = JSON.parse(
      (await db().query.documentVersions.findFirst({ where: eq(documentVersions.documentId, id) }))!.snapshot!,
    );
    return { id, total: snapshot.totals.total as number };
  }
  const pay = (id: string, cents: number) =>
    co.browser.post(`/documents/${id}/payments`, {
      amount: (cents / 100).toFixed(2),
      paidOn: '2026-03-02',
      method: 'ACH',
      reference: '',
    });
  const paidOn = async (id: string) =>
    (await db().select({ amount: payments.amount }).from(payments).where(eq(payments.documentId, id))).map(
      (p) => p.amount,
    );

  it(`${N} payments of the whole balance: one is recorded, the rest are refused (the invoice is paid)`, async () => {
    const { id, total } = await sentInvoice();
    const answers = await all(N, () => pay(id, total));
    expect(statusesOf(answers)).toEqual([303, ...Array(N - 1).fill(422)]);
    for (const a of answers.filter((x) => x.status === 422))
      expect(await textOf(a)).toContain('A payment can be recorded once the invoice is sent and not paid.');
    expect(await paidOn(id)).toEqual([total]);
    expect((await rowOf(id)).status).toBe('paid');
    expect(await count(activity, and(eq(activity.documentId, id), eq(activity.action, 'payment_recorded')))).toBe(1);
  });

  it(`${N} payments of a third of the total: three are recorded, never more than the total`, async () => {
    const { id, total } = await sentInvoice();
    const third = Math.floor(total / 3);
    const answers = await all(N, () => pay(id, third));
    expect(statusesOf(answers)).toEqual([303, 303, 303, ...Array(N - 3).fill(422)]);
    const left = total - 3 * third;
    for (const a of answers.filter((x) => x.status === 422))
      expect(await textOf(a)).toContain(`The payment is more than the balance of $${(left / 100).toFixed(2)}.`);
    const paid = await paidOn(id);
    expect(paid).toEqual([third, third, third]);
    expect(paid.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(total);
    expect((await rowOf(id)).status).toBe(third * 3 === total ? 'paid' : 'partially_paid');
  });
});

describe('concurrent deposit invoices', () => {
  it(`${N} clicks on "Create the deposit invoice" make one invoice; every click lands on it`, async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (f) => [
      ...f.filter(([k]) => k !== 'depositKind' && k !== 'depositValue'),
      ['depositKind', 'percent'],
      ['depositValue', '30'],
    ]);
    await sendDocument(co.browser, id);
    // Approved as a signature leaves it: the race is between the clicks.
    await db().update(documents).set({ status: 'approved' }).where(eq(documents.id, id));
    const answers = await all(N, () => co.browser.post(`/documents/${id}/deposit-invoice`));
    expect(statusesOf(answers)).toEqual(Array(N).fill(303));
    const invoices = await db()
      .select()
      .from(documents)
      .where(and(eq(documents.sourceDocumentId, id), eq(documents.type, 'customer_invoice')));
    expect(invoices).toHaveLength(1);
    expect(new Set(answers.map((a) => location(a).split('?')[0]))).toEqual(new Set([`/documents/${invoices[0].id}`]));
  });
});

describe('concurrent status changes', () => {
  it(`${N} voids: one is logged, the rest answer 409`, async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    await sendDocument(co.browser, id);
    const answers = await all(N, () => co.browser.post(`/documents/${id}/void`, { confirm: 'yes' }));
    expect(statusesOf(answers)).toEqual([303, ...Array(N - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409))
      expect(await textOf(a)).toContain('You cannot void a document that is void.');
    expect(await count(activity, and(eq(activity.documentId, id), eq(activity.action, 'voided')))).toBe(1);
  });

  it(`${N} bill approvals: one is logged, the rest answer 409`, async () => {
    const id = await createDocument(co.browser, co.jobId, 'bill', {
      item: co.items.find((i) => i.name === 'Kitchen circuits')!.id,
    });
    const answers = await all(N, () => co.browser.post(`/documents/${id}/approve-bill`));
    expect(statusesOf(answers)).toEqual([303, ...Array(N - 1).fill(409)]);
    expect(await count(activity, and(eq(activity.documentId, id), eq(activity.action, 'approved')))).toBe(1);
    expect((await rowOf(id)).status).toBe('approved');
  });

  it(`${N} payments racing a void of the same invoice: either it is void with no payment, or paid and not void`, async () => {
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    await sendDocument(co.browser, id);
    const total = JSON.parse(
      (await db().query.documentVersions.findFirst({ where: eq(documentVersions.documentId, id) }))!.snapshot!,
    ).totals.total as number;
    const answers = await all(N, (i) =>
      i % 2
        ? co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })
        : co.browser.post(`/documents/${id}/payments`, {
            amount: (total / 100).toFixed(2),
            paidOn: '2026-03-02',
            method: 'Check',
          }),
    );
    expect(answers.every((a) => a.status < 500)).toBe(true);
    const { status } = await rowOf(id);
    const paid = await count(payments, eq(payments.documentId, id));
    if (status === 'void') expect(paid).toBe(0);
    else expect([status, paid]).toEqual(['paid', 1]);
  });
});

describe('a send racing a signature', () => {
  /** A change order whose revision 1 the customer has open, and whose revision 2 the contractor is about to send. */
  async function changeOrderUnderRevision() {
    const id = await createDocument(co.browser, co.jobId, 'change_order', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: customer, html } = await openLink(link);
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(html)![1];
    expect((await co.browser.post(`/documents/${id}/revise`)).status).toBe(303);
    return { id, customer, hash };
  }

  const sign = (customer: Browser, id: string, hash: string, key: string) =>
    customer.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: key,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
  const budgetGroupsOf = (id: string) => db().select().from(costGroups).where(eq(costGroups.sourceDocumentId, id));

  // The signatures start a little later each round, so some rounds are won by the send and some by the signature.
  const outcomes: string[] = [];
  afterAll(() => console.info(`send vs sign: ${outcomes.join(', ')}`));
  for (const delay of [0, 40, 120, 300]) {
    it(`${N / 2} sends of rev 2 and ${N / 2} signatures of rev 1 (signing ${delay} ms later): one outcome, never both`, async () => {
      const { id, customer, hash } = await changeOrderUnderRevision();
      const itemsBefore = await db().$count(costItems, eq(costItems.jobId, co.jobId));
      const sends = all(N / 2, () => co.browser.post(`/documents/${id}/send`, sendForm()));
      const signs = new Promise<Response[]>((resolve) =>
        setTimeout(() => resolve(all(N / 2, (i) => sign(customer, id, hash, `race-${delay}-${i}`))), delay),
      );
      const [sent, signed] = await Promise.all([sends, signs]);
      const sentOk = sent.filter((a) => a.status === 303);
      const signedOk = signed.filter((a) => a.status === 303);
      expect(
        [...sent, ...signed].every((a) => a.status === 303 || a.status === 409),
        JSON.stringify(statusesOf([...sent, ...signed])),
      ).toBe(true);
      const doc = await rowOf(id);
      const sigs = await db().select().from(signatures).where(eq(signatures.documentId, id));
      const groups = await budgetGroupsOf(id);
      outcomes.push(`${delay} ms: ${signedOk.length ? 'signature won' : 'send won'}`);
      if (signedOk.length) {
        // The signature won: revision 1 is signed once, its lines joined the budget once, revision 2 was not sent.
        expect(sentOk).toHaveLength(0);
        for (const a of sent) expect(await textOf(a)).toContain('This version was just signed');
        expect(doc).toMatchObject({ status: 'approved', sentVersion: 1, currentVersion: 2 });
        expect(sigs.map((s) => [s.version, s.outcome])).toEqual([[1, 'signed']]);
        expect(groups).toHaveLength(1);
        expect(await db().$count(costItems, eq(costItems.jobId, co.jobId))).toBe(itemsBefore + 2);
        expect(await count(outbox, and(eq(outbox.documentId, id), eq(outbox.kind, 'document')))).toBe(1);
      } else {
        // The send won: revision 2 is what the customer has; every signature of revision 1 was refused as stale.
        expect(sentOk).toHaveLength(1);
        for (const a of signed)
          expect(await textOf(a)).toContain('This document was revised; please review the new version.');
        expect(doc).toMatchObject({ status: 'sent', sentVersion: 2, currentVersion: 2 });
        expect(sigs).toEqual([]);
        expect(groups).toEqual([]);
        expect(await db().$count(costItems, eq(costItems.jobId, co.jobId))).toBe(itemsBefore);
        expect(await count(outbox, and(eq(outbox.documentId, id), eq(outbox.kind, 'document')))).toBe(2);
      }
      // Never a signature on a version that is no longer the one sent.
      for (const s of sigs) expect(s.version).toBe(doc.sentVersion);
      // Whatever won, the losing sends left no PDF behind.
      const versions = await db().select().from(documentVersions).where(eq(documentVersions.documentId, id));
      expect((await objects(id)).filter((k) => !k.includes('-signed-')).sort()).toEqual(
        versions.flatMap((v) => (v.pdfKey ? [v.pdfKey] : [])).sort(),
      );
    });
  }
});
