import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { documents, onlinePayments, orgs, payments } from '../src/db/schema';
import { sameOriginReturn } from '../src/dev/stripe-routes';
import { MIN_CHARGE, payable } from '../src/payments/queries';
import { money } from '../views/format';
import { approvedWithDeposit, companyWithBudget, sentToRecipient } from './fixtures';
import { Browser, db, location, signUp } from './helpers';
import { sentSnapshot } from './portal-fixtures';
import { completedSession, connectStripe, deliver, fakeStripeForFile, stripeEvent } from './stripe-fake';

// Where online payment could charge twice, or say something untrue, and what stops it (issue 15's
// review): a session paid at Stripe whose webhook is late, a deposit asked for on the order and on its
// invoice, a bank payment processing beside a recorded one, amounts below what Stripe can charge,
// Stripe refusing a request, companies Stripe can't be connected for from here, a flagged payment.

type Co = Awaited<ReturnType<typeof companyWithBudget>>;
let co: Co;
let account: string;
const stripe = fakeStripeForFile();

beforeAll(async () => {
  co = await companyWithBudget();
  account = await connectStripe(co.orgId);
});

async function invoice() {
  const sent = await sentToRecipient(co, 'customer_invoice', { all: '1' });
  await db().update(documents).set({ onlinePayment: true }).where(eq(documents.id, sent.id));
  return { ...sent, total: (await sentSnapshot(sent.id)).totals.total };
}
const pay = (r: Browser, id: string, fields: Record<string, string> = { amount: 'full' }) =>
  r.post(`/portal/documents/${id}`, { intent: 'pay', ...fields });
const sessionOf = (res: Response) => stripe.sessions.get(location(res).split('/').at(-1)!)!;
const setOrg = (change: Partial<typeof orgs.$inferInsert>) =>
  db().update(orgs).set(change).where(eq(orgs.id, co.orgId));

describe('never two charges for one balance', () => {
  it('a session paid at Stripe whose webhook is late: another amount is refused (409), no second session', async () => {
    await setOrg({ payOtherAmount: true, payMinimum: 5000 });
    try {
      const { id, r } = await invoice();
      const first = sessionOf(await pay(r, id, { amount: 'other', other_amount: '100.00' }));
      first.status = 'complete'; // paid in another tab; Stripe's event is still on its way
      const again = await pay(r, id);
      expect(again.status).toBe(409);
      expect(await again.text()).toContain('Your payment of $100.00 is being confirmed.');
      expect(stripe.created()).toHaveLength(1);
      const rows = await db().select().from(onlinePayments).where(eq(onlinePayments.documentId, id));
      expect(rows.map((p) => p.status)).toEqual(['open']);
      // The late event still counts it once.
      const res = await deliver(stripeEvent('checkout.session.completed', completedSession(first), { account }));
      expect(res.status).toBe(200);
      const paid = await db().select().from(payments).where(eq(payments.documentId, id));
      expect(paid.map((p) => p.amount)).toEqual([10_000]);
    } finally {
      await setOrg({ payOtherAmount: false, payMinimum: 0 });
    }
  });

  it('a bank payment processing: "Record payment" takes at most the rest, and says why', async () => {
    const { id, r, total } = await invoice();
    const session = sessionOf(await pay(r, id));
    await deliver(
      stripeEvent('checkout.session.completed', completedSession(session, { payment_status: 'unpaid' }), { account }),
    );
    const res = await co.browser.post(`/documents/${id}/payments`, {
      amount: (total / 100).toFixed(2),
      paidOn: '2026-11-20',
      method: 'Check',
      reference: '1001',
    });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain(
      `A bank payment of ${money(total)} is processing online, so at most $0.00 can be recorded now.`,
    );
    expect(html).toContain('value="1001"'); // the form is kept
    expect(await db().select().from(payments).where(eq(payments.documentId, id))).toHaveLength(0);
  });

  it('a deposit asked for by its own invoice is no longer offered on the order; one processing blocks the invoice', async () => {
    const estimate = () => approvedWithDeposit(co, { online: true });

    const a = await estimate();
    expect(await (await a.r.get(`/portal/documents/${a.id}`)).text()).toContain('deposit now');
    const made = await co.browser.post(`/documents/${a.id}/deposit-invoice`, {});
    expect(made.status).toBe(303);
    expect(await (await a.r.get(`/portal/documents/${a.id}`)).text()).not.toContain('deposit now');
    expect((await pay(a.r, a.id)).status).toBe(409);

    const b = await estimate();
    const session = sessionOf(await pay(b.r, b.id));
    await deliver(
      stripeEvent('checkout.session.completed', completedSession(session, { payment_status: 'unpaid' }), { account }),
    );
    const refused = await co.browser.post(
      `/documents/${b.id}/deposit-invoice`,
      {},
      { headers: { Accept: 'application/json' } },
    );
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(
      /^A bank payment of \$[\d,.]+ for this deposit is processing online\./,
    );
    const invoices = await db().select().from(documents).where(eq(documents.sourceDocumentId, b.id));
    expect(invoices).toHaveLength(0);
  });
});

describe('what Stripe cannot charge', () => {
  const facts = (due: number, processing = 0) => ({
    document: { type: 'customer_invoice' as const, status: 'sent', onlinePayment: true },
    snapshot: { totals: { total: due, deposit: 0 } },
    org: { stripeStatus: 'active' as const, stripeAccountId: 'acct_x', payOtherAmount: true, payMinimum: 0 },
    paid: 0,
    online: processing ? [{ status: 'processing' as const, amount: processing }] : [],
  });

  it('less than Stripe’s minimum charge is not offered online; "another amount" starts at it', () => {
    expect(payable(facts(MIN_CHARGE - 20))?.due).toBe(0);
    expect(payable(facts(10_000, 10_000 - 30))?.due).toBe(0);
    expect(payable(facts(10_000))).toMatchObject({ due: 10_000, minimum: MIN_CHARGE, other: true });
  });

  it('Stripe refusing the session (not an outage): 422 "can’t be paid online", nothing written', async () => {
    const { id, r } = await invoice();
    stripe.spy.mockImplementationOnce(
      async () =>
        new Response(JSON.stringify({ error: { type: 'invalid_request_error', message: 'Amount too small' } }), {
          status: 400,
          headers: { 'content-type': 'application/json' },
        }),
    );
    const res = await pay(r, id);
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This can’t be paid online. Nothing was charged.');
    expect(await db().select().from(onlinePayments).where(eq(onlinePayments.documentId, id))).toHaveLength(0);
  });
});

describe('connecting and coming back', () => {
  it('a company billing in euros is told it can’t connect from here; no account is made', async () => {
    const owner = await signUp({ currency: 'EUR' });
    const res = await owner.browser.post('/settings/payments/connect', {});
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Connecting Stripe from here works for companies billing in US');
    expect(stripe.calls.filter((c) => c.path === '/v1/accounts')).toHaveLength(0);
  });

  it('the simulated onboarding goes back only to this origin, never to "//elsewhere"', () => {
    const origin = 'http://127.0.0.1:8787';
    expect(sameOriginReturn('/settings/payments?x=1', origin)).toBe('/settings/payments?x=1');
    for (const bad of ['http://127.0.0.1:8787//evil.test', '//evil.test', 'https://evil.test/', '/\\evil.test'])
      expect(sameOriginReturn(bad, origin), bad).toBe('/settings/payments');
  });
});

describe('what the customer is told', () => {
  it('a payment flagged (paid after the invoice was voided) is never "Paid — thank you"', async () => {
    const { id, r } = await invoice();
    const session = sessionOf(await pay(r, id));
    await db().update(documents).set({ status: 'void' }).where(eq(documents.id, id));
    await deliver(stripeEvent('checkout.session.completed', completedSession(session), { account }));
    await db().update(documents).set({ status: 'sent' }).where(eq(documents.id, id));
    const html = await (await r.get(`/portal/documents/${id}?checkout=${session.id}`)).text();
    expect(html).not.toContain('Paid — thank you');
    expect(html).toContain('We received your payment of');
  });
});

describe('a refund reported before its payment', () => {
  it('is answered 503 (Stripe sends it again) while the payment is not recorded, then applied once', async () => {
    const { id, r, total } = await invoice();
    const session = sessionOf(await pay(r, id));
    const refund = stripeEvent(
      'charge.refunded',
      {
        id: `ch_${session.id}`,
        object: 'charge',
        payment_intent: `pi_for_${session.id}`,
        amount: total,
        amount_refunded: 500,
      },
      { account },
    );
    const early = await deliver(refund);
    expect(early.status).toBe(503);
    expect(await db().select().from(payments).where(eq(payments.documentId, id))).toHaveLength(0);

    expect(
      (await deliver(stripeEvent('checkout.session.completed', completedSession(session), { account }))).status,
    ).toBe(200);
    expect((await deliver(refund)).status).toBe(200);
    const rows = await db().select().from(payments).where(eq(payments.documentId, id));
    expect(rows.map((p) => p.amount).sort((a, b) => a - b)).toEqual([-500, total]);
  });

  it('a refund of the company’s other business (not our payment) is ignored with 200', async () => {
    const res = await deliver(
      stripeEvent(
        'charge.refunded',
        { id: 'ch_other', object: 'charge', payment_intent: 'pi_elsewhere', amount: 1000, amount_refunded: 1000 },
        { account },
      ),
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ignored?: boolean }).ignored).toBe(true);
  });
});
