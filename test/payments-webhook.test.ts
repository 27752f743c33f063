import { env, exports } from 'cloudflare:workers';
import { and, eq, sql } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activity, documents, onlinePayments, orgs, outbox, payments, stripeEvents } from '../src/db/schema';
import { callWorker } from './bindings';
import { approvedWithDeposit, companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { money } from '../views/format';
import { BASE, Browser, db } from './helpers';
import { sentSnapshot, statusOf } from './portal-fixtures';
import { completedSession, connectStripe, deliver, type FakeStripe, fakeStripe, stripeEvent } from './stripe-fake';

// The webhook and what each Stripe event does: verified, stored once, applied in the document's room.

type Co = Awaited<ReturnType<typeof companyWithBudget>>;
let co: Co;
let account: string;
let stripe: FakeStripe;

beforeAll(async () => {
  co = await companyWithBudget();
  account = await connectStripe(co.orgId);
});
beforeEach(() => {
  stripe = fakeStripe();
});
afterEach(() => {
  stripe.spy.mockRestore();
});

let n = 0;

/** A sent invoice (all of the budget) and its sent total. */
async function sentInvoice(fields: Record<string, string> = { all: '1' }) {
  const id = await createDocument(co.browser, co.jobId, 'customer_invoice', fields);
  await sendDocument(co.browser, id);
  return { id, total: (await sentSnapshot(id)).totals.total };
}

/**
 * An open online payment as the portal's Pay starts it (its row, and the Checkout session Stripe
 * holds for it): setup written directly, the way the pay route writes it.
 */
async function openPayment(
  documentId: string,
  amount: number,
  opts: { purpose?: 'invoice' | 'deposit'; currency?: string; orgId?: string } = {},
) {
  const doc = await db().query.documents.findFirst({ where: eq(documents.id, documentId) });
  const id = `op_test_${++n}_${crypto.randomUUID().slice(0, 8)}`;
  const sessionId = `cs_test_${id}`;
  const now = Date.now();
  const currency = opts.currency ?? 'USD';
  await db()
    .insert(onlinePayments)
    .values({
      id,
      orgId: opts.orgId ?? co.orgId,
      documentId,
      version: doc!.sentVersion!,
      contactId: doc!.contactId,
      purpose: opts.purpose ?? 'invoice',
      amount,
      currency,
      sessionId,
      url: `https://checkout.stripe.test/c/pay/${sessionId}`,
      status: 'open',
      expiresAt: now + 3_600_000,
      createdAt: now,
      updatedAt: now,
    });
  const metadata = {
    orgId: opts.orgId ?? co.orgId,
    documentId,
    version: String(doc!.sentVersion),
    amount: String(amount),
    currency,
    purpose: opts.purpose ?? 'invoice',
    paymentId: id,
  };
  const session = {
    id: sessionId,
    object: 'checkout.session',
    status: 'open',
    payment_status: 'unpaid',
    amount_total: amount,
    currency: currency.toLowerCase(),
    metadata,
  };
  return { id, session };
}

const onlineRow = async (id: string) => db().query.onlinePayments.findFirst({ where: eq(onlinePayments.id, id) });
const paymentsOf = (documentId: string) =>
  db().select().from(payments).where(eq(payments.documentId, documentId)).orderBy(payments.createdAt);
const netPaid = async (documentId: string) => (await paymentsOf(documentId)).reduce((s, p) => s + p.amount, 0);
const actions = async (documentId: string) =>
  (await db().select().from(activity).where(eq(activity.documentId, documentId)).orderBy(activity.seq))
    .map((a) => a.action)
    .filter((a) => a.startsWith('payment_'));
const mailsOf = (documentId: string, kind: string) =>
  db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.documentId, documentId), eq(outbox.kind, kind)));
const eventCount = async () => (await db().select({ n: sql<number>`count(*)` }).from(stripeEvents))[0]!.n;

/** Delivers an event from the company's account and expects Stripe to be told it was received. */
async function send(type: string, object: Record<string, unknown>, opts: Parameters<typeof stripeEvent>[2] = {}) {
  const event = stripeEvent(type, object, { account, ...opts });
  const res = await deliver(event);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ received: true });
  return event;
}

const paid = (session: Record<string, unknown>) => completedSession(session, { payment_status: 'paid' });
const bankStarted = (session: Record<string, unknown>) => completedSession(session, { payment_status: 'unpaid' });

describe('POST /webhooks/stripe: card payments', () => {
  it('a card payment of the whole balance: paid, counted once, on the timeline, receipt and notice sent', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const event = await send('checkout.session.completed', paid(p.session));

    expect(await statusOf(id)).toBe('paid');
    const rows = await paymentsOf(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      amount: total,
      method: 'Card',
      reference: `pi_for_${p.session.id}`,
      recordedBy: 'stripe',
    });
    expect(rows[0]!.paidOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await onlineRow(p.id)).toMatchObject({
      status: 'succeeded',
      method: 'card',
      paymentIntentId: `pi_for_${p.session.id}`,
      paymentId: rows[0]!.id,
      flag: null,
    });
    expect(await actions(id)).toEqual(['payment_received']);
    const [receipt] = await mailsOf(id, 'payment_receipt');
    expect(receipt?.toEmail).toBe(co.customerContact.email);
    expect(receipt?.subject).toMatch(
      /^Payment received — \$[\d,]+\.\d\d for Invoice INV-\d{4} from Oak & Stone Builders$/,
    );
    expect(receipt?.text).toContain('Balance left');
    expect(receipt?.text).toMatch(/http:\/\/localhost\/p\/[\w.-]+/);
    const [notice] = await mailsOf(id, 'payment_notice');
    expect(notice?.toEmail).toBe(co.email);
    expect(notice?.subject).toMatch(new RegExp(`^${co.customerContact.name} paid \\$[\\d,]+\\.\\d\\d on INV-\\d{4}$`));

    // The contractor's document page shows the line.
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toContain('paid $');
    expect(page).toMatch(/paid \$[\d,]+\.\d\d by card/);

    // The same event again changes nothing.
    const again = await deliver(event);
    expect(again.status).toBe(200);
    expect(await paymentsOf(id)).toHaveLength(1);
    expect(await actions(id)).toEqual(['payment_received']);
    expect(await mailsOf(id, 'payment_receipt')).toHaveLength(1);
    // Nothing here calls Stripe.
    expect(stripe.calls).toEqual([]);
  });

  it('through the portal’s Pay: the session Checkout completes is counted, and the customer’s page says Paid', async () => {
    const sent = await sentToRecipient(co, 'customer_invoice', { all: '1' });
    await db().update(documents).set({ onlinePayment: true }).where(eq(documents.id, sent.id));
    const total = (await sentSnapshot(sent.id)).totals.total;
    const res = await sent.r.post(`/portal/documents/${sent.id}`, { intent: 'pay', amount: 'full' });
    expect(res.status).toBe(303);
    const [created] = stripe.created();
    expect(created?.account).toBe(account);
    const session = [...stripe.sessions.values()].at(-1)!;
    await send('checkout.session.completed', paid(session));
    expect(await statusOf(sent.id)).toBe('paid');
    expect(await netPaid(sent.id)).toBe(total);
    expect(await actions(sent.id)).toEqual(['payment_received']);
    const portal = await (await sent.r.get(`/portal/documents/${sent.id}`)).text();
    expect(portal).toContain('Paid');
  });

  it('open pages hear it live: the contractor’s gets the timeline line, the customer’s a sentence to announce', async () => {
    const sent = await sentToRecipient(co, 'customer_invoice', { all: '1' });
    const total = (await sentSnapshot(sent.id)).totals.total;
    const listen = async (browser: Browser, path: string) => {
      const res = await browser.fetch(path, { headers: { Upgrade: 'websocket' } });
      expect(res.status).toBe(101);
      const ws = res.webSocket!;
      ws.accept();
      const events: { type: string; timeline?: string; say?: string }[] = [];
      ws.addEventListener('message', (m) => {
        if (typeof m.data === 'string' && m.data !== 'pong') events.push(JSON.parse(m.data));
      });
      return { ws, events };
    };
    const ours = await listen(co.browser, `/documents/${sent.id}/live`);
    const theirs = await listen(sent.r, `/portal/documents/${sent.id}/live`);
    const p = await openPayment(sent.id, total);
    await send('checkout.session.completed', paid(p.session));
    await expect.poll(() => ours.events.some((e) => e.type === 'payment'), { timeout: 5000 }).toBe(true);
    expect(ours.events.find((e) => e.type === 'payment')?.timeline).toMatch(/paid \$[\d,]+\.\d\d by card/);
    await expect.poll(() => theirs.events.some((e) => e.type === 'payment'), { timeout: 5000 }).toBe(true);
    expect(theirs.events.find((e) => e.type === 'payment')?.say).toMatch(
      /^Your payment of \$[\d,]+\.\d\d was received\.$/,
    );
    ours.ws.close();
    theirs.ws.close();
  });

  it('a partial payment, then the rest: partially paid, then paid', async () => {
    const { id, total } = await sentInvoice();
    const first = await openPayment(id, 10_000);
    await send('checkout.session.completed', paid(first.session));
    expect(await statusOf(id)).toBe('partially_paid');
    expect(await netPaid(id)).toBe(10_000);
    const rest = await openPayment(id, total - 10_000);
    await send('checkout.session.completed', paid(rest.session));
    expect(await statusOf(id)).toBe('paid');
    expect(await netPaid(id)).toBe(total);
    const receipts = await mailsOf(id, 'payment_receipt');
    expect(receipts.map((m) => /Balance left: (\S+)/.exec(m.text)?.[1]).sort()).toEqual([
      '$0.00',
      money(total - 10_000, 'USD'),
    ]);
  });

  it('two deliveries of one event at the same moment count it once', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const event = stripeEvent('checkout.session.completed', paid(p.session), { account });
    const results = await Promise.all([deliver(event), deliver(event), deliver(event)]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await paymentsOf(id)).toHaveLength(1);
    expect(await actions(id)).toEqual(['payment_received']);
    expect(await statusOf(id)).toBe('paid');
  });

  it('an expired session: the row is expired, nothing on the timeline', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    await send('checkout.session.expired', { ...p.session, status: 'expired' });
    expect((await onlineRow(p.id))?.status).toBe('expired');
    expect(await actions(id)).toEqual([]);
    expect(await statusOf(id)).toBe('sent');
  });
});

describe('POST /webhooks/stripe: bank payments', () => {
  it('processing is not money; the debit succeeding days later is', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    await send('checkout.session.completed', bankStarted(p.session));
    expect(await onlineRow(p.id)).toMatchObject({ status: 'processing', method: 'us_bank_account' });
    expect(await statusOf(id)).toBe('sent');
    expect(await paymentsOf(id)).toHaveLength(0);
    expect(await actions(id)).toEqual(['payment_processing']);
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(/started a bank payment of \$[\d,]+\.\d\d \(processing\)/);
    expect(await mailsOf(id, 'payment_receipt')).toHaveLength(0);

    await send('checkout.session.async_payment_succeeded', { ...bankStarted(p.session), payment_status: 'paid' });
    expect(await statusOf(id)).toBe('paid');
    const rows = await paymentsOf(id);
    expect(rows).toMatchObject([{ amount: total, method: 'Bank account', reference: `pi_for_${p.session.id}` }]);
    expect(await onlineRow(p.id)).toMatchObject({ status: 'succeeded', method: 'us_bank_account' });
    expect(await actions(id)).toEqual(['payment_processing', 'payment_received']);
    expect(await mailsOf(id, 'payment_receipt')).toHaveLength(1);
  });

  it('a failed bank debit: failed, nothing counted, the customer and the company told', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    await send('checkout.session.completed', bankStarted(p.session));
    await send('checkout.session.async_payment_failed', bankStarted(p.session));
    expect((await onlineRow(p.id))?.status).toBe('failed');
    expect(await statusOf(id)).toBe('sent');
    expect(await paymentsOf(id)).toHaveLength(0);
    expect(await actions(id)).toEqual(['payment_processing', 'payment_failed']);
    const [toCustomer] = await mailsOf(id, 'payment_failed');
    expect(toCustomer?.toEmail).toBe(co.customerContact.email);
    expect(toCustomer?.text).toContain("didn't go through — nothing was taken");
    expect(await mailsOf(id, 'payment_failed_notice')).toMatchObject([{ toEmail: co.email }]);
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(/the bank debit of \$[\d,]+\.\d\d failed/);
  });
});

describe('POST /webhooks/stripe: refunds', () => {
  it('a partial refund, then the rest: negative payments, partially paid, then unpaid again', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const done = paid(p.session);
    await send('checkout.session.completed', done);
    const charge = { id: `ch_${p.id}`, object: 'charge', payment_intent: done.payment_intent, amount: total };
    await send('charge.refunded', { ...charge, amount_refunded: 30_000 });
    expect(await statusOf(id)).toBe('partially_paid');
    expect(await netPaid(id)).toBe(total - 30_000);
    expect((await paymentsOf(id)).at(-1)).toMatchObject({ amount: -30_000, method: 'Refund', reference: charge.id });
    expect((await onlineRow(p.id))?.refunded).toBe(30_000);

    const full = await send('charge.refunded', { ...charge, amount_refunded: total });
    expect(await statusOf(id)).toBe('sent');
    expect(await netPaid(id)).toBe(0);
    expect(await actions(id)).toEqual(['payment_received', 'payment_refunded', 'payment_refunded']);
    expect(await mailsOf(id, 'payment_refund')).toHaveLength(2);
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toContain('reported that $300.00 was refunded');
    // A replay of the last refund changes nothing.
    await deliver(full);
    expect(await paymentsOf(id)).toHaveLength(3);
  });
});

describe('POST /webhooks/stripe: deposits', () => {
  it('the deposit paid on an approved estimate is a payment on the estimate, which stays approved', async () => {
    const { id } = await approvedWithDeposit(co);
    expect(await statusOf(id)).toBe('approved');
    const deposit = (await sentSnapshot(id)).totals.deposit;
    expect(deposit).toBeGreaterThan(0);
    const p = await openPayment(id, deposit, { purpose: 'deposit' });
    await send('checkout.session.completed', paid(p.session));
    expect(await statusOf(id)).toBe('approved');
    expect(await paymentsOf(id)).toMatchObject([{ amount: deposit, method: 'Card' }]);
    expect(await actions(id)).toEqual(['payment_received']);
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(/paid the \$[\d,]+\.\d\d deposit by card/);
    const [receipt] = await mailsOf(id, 'payment_receipt');
    expect(receipt?.text).toContain('the deposit on Estimate EST-');
  });
});

describe('POST /webhooks/stripe: what does not match is flagged, not counted', () => {
  it('an amount that does not match: succeeded and flagged, no payment', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    await send('checkout.session.completed', { ...paid(p.session), amount_total: total - 100 });
    expect(await onlineRow(p.id)).toMatchObject({ status: 'succeeded', flag: 'amount', paymentId: null });
    expect(await paymentsOf(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('sent');
    expect(await actions(id)).toEqual(['payment_flagged']);
    const [notice] = await mailsOf(id, 'payment_flagged');
    expect(notice?.toEmail).toBe(co.email);
    expect(notice?.text).toContain('check it in Stripe before counting it');
    const page = await (await co.browser.get(`/documents/${id}`)).text();
    expect(page).toMatch(/flagged a payment of \$[\d,]+\.\d\d/);
    expect(page).toContain('check it in Stripe before counting it');
  });

  it('a currency that does not match: flagged', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    await send('checkout.session.completed', { ...paid(p.session), currency: 'eur' });
    expect(await onlineRow(p.id)).toMatchObject({ status: 'succeeded', flag: 'currency' });
    expect(await paymentsOf(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('sent');
  });

  it('metadata naming another payment: flagged', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const forged = { ...paid(p.session), metadata: { ...p.session.metadata, version: '99' } };
    await send('checkout.session.completed', forged);
    expect(await onlineRow(p.id)).toMatchObject({ status: 'succeeded', flag: 'metadata' });
    expect(await paymentsOf(id)).toHaveLength(0);
  });

  it('paid after the invoice was voided: recorded and flagged for a refund', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const voided = await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' });
    expect(voided.status).toBe(303);
    await send('checkout.session.completed', paid(p.session));
    expect(await onlineRow(p.id)).toMatchObject({ status: 'succeeded', flag: 'void', paymentId: null });
    expect(await paymentsOf(id)).toHaveLength(0);
    expect(await statusOf(id)).toBe('void');
    const [notice] = await mailsOf(id, 'payment_flagged');
    expect(notice?.text).toContain('paid after the invoice was voided: refund it in Stripe');
    // Its refund is logged and changes no balance.
    await send('charge.refunded', { id: 'ch_void', payment_intent: `pi_for_${p.session.id}`, amount_refunded: total });
    expect((await onlineRow(p.id))?.refunded).toBe(total);
    expect(await paymentsOf(id)).toHaveLength(0);
  });

  it('more than is owed: counted up to the balance, the excess flagged', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total + 5_000);
    await send('checkout.session.completed', paid(p.session));
    expect(await statusOf(id)).toBe('paid');
    expect(await paymentsOf(id)).toMatchObject([{ amount: total }]);
    expect(await onlineRow(p.id)).toMatchObject({ status: 'succeeded', flag: 'overpaid' });
    expect(await actions(id)).toEqual(['payment_received', 'payment_flagged']);
    const [notice] = await mailsOf(id, 'payment_flagged');
    expect(notice?.text).toContain('Overpaid by $50.00: refund the difference in Stripe');
    // Refunding the excess changes no balance; refunding more gives counted money back.
    const pi = `pi_for_${p.session.id}`;
    await send('charge.refunded', { id: 'ch_over', payment_intent: pi, amount_refunded: 5_000 });
    expect(await netPaid(id)).toBe(total);
    expect(await statusOf(id)).toBe('paid');
    await send('charge.refunded', { id: 'ch_over', payment_intent: pi, amount_refunded: 15_000 });
    expect(await netPaid(id)).toBe(total - 10_000);
    expect(await statusOf(id)).toBe('partially_paid');
  });
});

describe('POST /webhooks/stripe: what is refused or ignored', () => {
  async function untouched(id: string, paymentId: string, events: number) {
    expect((await onlineRow(paymentId))?.status).toBe('open');
    expect(await paymentsOf(id)).toHaveLength(0);
    expect(await actions(id)).toEqual([]);
    expect(await eventCount()).toBe(events);
  }

  it('a forged, stale, tampered or missing signature: 400, nothing written', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const event = stripeEvent('checkout.session.completed', paid(p.session), { account });
    const before = await eventCount();
    const forged = await deliver(event, { secret: 'whsec_someone_else' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('Invalid signature');
    const stale = await deliver(event, { at: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(400);
    const body = JSON.stringify(event);
    const { stripeSignature } = await import('../src/payments/gateway');
    const signature = await stripeSignature(body, env.STRIPE_WEBHOOK_SECRET!);
    const tampered = await deliver(event, {
      body: body.replace(`"amount_total":${total}`, '"amount_total":1'),
      signature,
    });
    expect(tampered.status).toBe(400);
    const missing = await exports.default.fetch(
      new Request(`${BASE}/webhooks/stripe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expect(missing.status).toBe(400);
    await untouched(id, p.id, before);
  });

  it('an event from another company’s account, an unknown session, the other mode: 200 and ignored', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const other = await companyWithBudget({ company: 'Elsewhere Renovations' });
    const otherAccount = await connectStripe(other.orgId);
    const before = await eventCount();
    for (const event of [
      stripeEvent('checkout.session.completed', paid(p.session), { account: otherAccount }),
      stripeEvent('checkout.session.completed', paid(p.session), { account: null }),
      stripeEvent('checkout.session.completed', paid({ ...p.session, id: 'cs_test_unknown' }), { account }),
      stripeEvent('checkout.session.completed', paid(p.session), { account, livemode: true }),
      stripeEvent('charge.refunded', { id: 'ch_x', payment_intent: 'pi_unknown', amount_refunded: 100 }, { account }),
      stripeEvent('invoice.paid', { id: 'in_1' }, { account }),
    ]) {
      const res = await deliver(event);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ received: true });
    }
    await untouched(id, p.id, before);
  });

  it('without a webhook secret configured: 503; a live deployment ignores a test-mode event', async () => {
    const { id, total } = await sentInvoice();
    const p = await openPayment(id, total);
    const event = stripeEvent('checkout.session.completed', paid(p.session), { account });
    const body = JSON.stringify(event);
    const { stripeSignature } = await import('../src/payments/gateway');
    const init = async () => ({
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': await stripeSignature(body, env.STRIPE_WEBHOOK_SECRET!),
      },
      body,
    });
    const before = await eventCount();
    const off = await callWorker(new Browser(), '/webhooks/stripe', await init(), { STRIPE_WEBHOOK_SECRET: '' });
    expect(off.status).toBe(503);
    const live = await callWorker(new Browser(), '/webhooks/stripe', await init(), { STRIPE_SECRET_KEY: 'sk_live_x' });
    expect(live.status).toBe(200);
    await untouched(id, p.id, before);
  });

  it('needs no CSRF cookie or session, and a body over 256 KB is refused', async () => {
    const big = 'x'.repeat(300 * 1024);
    const res = await exports.default.fetch(
      new Request(`${BASE}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
        body: big,
      }),
    );
    expect(res.status).toBe(413);
  });
});

describe('POST /webhooks/stripe: account.updated', () => {
  it('moves the company’s connection to what Stripe reports: active, then disabled; a replay changes nothing', async () => {
    const mine = await companyWithBudget({ company: 'Connect Test Co' });
    const acct = await connectStripe(mine.orgId, { stripeStatus: 'pending', stripeCard: false, stripeBank: false });
    const accountObject = (change: Record<string, unknown>) => ({
      id: acct,
      object: 'account',
      charges_enabled: true,
      details_submitted: true,
      capabilities: { card_payments: 'active', us_bank_account_ach_payments: 'active' },
      requirements: { disabled_reason: null },
      ...change,
    });
    const org = async () => db().query.orgs.findFirst({ where: eq(orgs.id, mine.orgId) });
    const active = await send('account.updated', accountObject({}), { account: acct });
    expect(await org()).toMatchObject({ stripeStatus: 'active', stripeCard: true, stripeBank: true });
    await send(
      'account.updated',
      accountObject({
        charges_enabled: false,
        capabilities: { card_payments: 'inactive', us_bank_account_ach_payments: 'inactive' },
        requirements: { disabled_reason: 'rejected.fraud' },
      }),
      { account: acct },
    );
    expect(await org()).toMatchObject({ stripeStatus: 'disabled', stripeCard: false, stripeBank: false });
    // The earlier event delivered again (Stripe retries) does not undo the later one.
    expect((await deliver(active)).status).toBe(200);
    expect(await org()).toMatchObject({ stripeStatus: 'disabled' });
  });
});
