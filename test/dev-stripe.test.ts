import { env } from 'cloudflare:workers';
import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activity, documents, onlinePayments, orgs, payments, stripeEvents } from '../src/db/schema';
import { DEMO_ORG_ID, seedDemo } from '../src/dev/seed';
import { sameOriginReturn } from '../src/dev/stripe-routes';
import { checkoutCompleted, signedDelivery, simulatedPayment } from '../src/dev/stripe-sim';
import { verifiedEvent } from '../src/payments/gateway';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, Browser, db, location } from './helpers';
import { Visitor } from './hostile';
import { sentSnapshot, statusOf } from './portal-fixtures';
import { connectStripe, type FakeStripe, fakeStripe } from './stripe-fake';

// Development's simulated Stripe (/dev/stripe): its checkout, dashboard and onboarding deliver
// webhooks signed as Stripe signs them to the real POST /webhooks/stripe, which applies them.

type Co = Awaited<ReturnType<typeof companyWithBudget>>;
let co: Co;
let account: string;
let stripe: FakeStripe;
/** The simulator is a development tool: anyone may open it where it exists (like /dev/mail). */
const dev = new Browser();

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Simulated Builders' });
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
async function sentInvoice() {
  const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
  await db().update(documents).set({ onlinePayment: true }).where(eq(documents.id, id));
  await sendDocument(co.browser, id);
  return { id, total: (await sentSnapshot(id)).totals.total };
}

/** An open Checkout session for `amount` of the invoice, as the portal's Pay leaves it (written directly). */
async function openSession(documentId: string, amount: number) {
  const doc = await db().query.documents.findFirst({ where: eq(documents.id, documentId) });
  const id = `op_dev_${++n}_${crypto.randomUUID().slice(0, 8)}`;
  const sessionId = `cs_dev_sim${n}${crypto.randomUUID().slice(0, 8)}`;
  const now = Date.now();
  await db()
    .insert(onlinePayments)
    .values({
      id,
      orgId: co.orgId,
      documentId,
      version: doc!.sentVersion!,
      contactId: doc!.contactId,
      purpose: 'invoice',
      amount,
      currency: 'USD',
      sessionId,
      url: `${BASE}/dev/stripe/checkout/${sessionId}`,
      status: 'open',
      expiresAt: now + 3_600_000,
      createdAt: now + n, // newest first in the list
      updatedAt: now,
    });
  return { id, sessionId };
}

const row = async (id: string) => (await db().query.onlinePayments.findFirst({ where: eq(onlinePayments.id, id) }))!;
const paid = async (documentId: string) =>
  Number(
    (
      await db()
        .select({ sum: sql<number>`coalesce(sum(${payments.amount}), 0)` })
        .from(payments)
        .where(eq(payments.documentId, documentId))
    )[0].sum,
  );
const paymentRows = (documentId: string) => db().$count(payments, eq(payments.documentId, documentId));
const actions = async (documentId: string) =>
  (await db().select({ action: activity.action }).from(activity).where(eq(activity.documentId, documentId))).map(
    (a) => a.action,
  );

const checkout = (sessionId: string, method: string) => dev.post(`/dev/stripe/checkout/${sessionId}`, { method });
const step = (paymentId: string, fields: Record<string, string>) =>
  dev.post(`/dev/stripe/payments/${paymentId}`, fields);

describe('the simulated checkout', () => {
  it('shows the company, what is paid and the amount, clearly labelled as development only', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    const res = await dev.get(`/dev/stripe/checkout/${s.sessionId}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Simulated Stripe Checkout — development only');
    expect(page).toContain('Simulated Builders');
    const number = (await db().query.documents.findFirst({ where: eq(documents.id, inv.id) }))!.number;
    expect(page).toContain(`Invoice ${number}`);
    expect(page).toContain(`$${(inv.total / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`);
    expect(page).toMatch(/<button[^>]*value="card"[^>]*>Pay by card<\/button>/);
    expect(page).toMatch(/value="us_bank_account"[^>]*>\s*Pay by bank account \(takes days\)/);
    expect(page).toContain(`href="/portal/documents/${inv.id}#pay">Cancel and go back</a>`);
    expect(page).toMatch(/name="_csrf"/);
  });

  it('by card: the webhook marks the invoice paid, and the customer goes back to the document', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    const res = await checkout(s.sessionId, 'card');
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/portal/documents/${inv.id}?checkout=${s.sessionId}#pay`);
    expect(await statusOf(inv.id)).toBe('paid');
    expect(await paid(inv.id)).toBe(inv.total);
    expect(await row(s.id)).toMatchObject({ status: 'succeeded', method: 'card' });
    expect(await actions(inv.id)).toContain('payment_received');
    // The event it delivered is stored once, by the id the simulator gave it.
    expect(await db().$count(stripeEvents, eq(stripeEvents.account, account))).toBeGreaterThan(0);

    // The session is closed now: its page says so, and paying it again does nothing.
    const again = await dev.get(`/dev/stripe/checkout/${s.sessionId}`);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('This checkout session is no longer open');
    expect((await checkout(s.sessionId, 'card')).status).toBe(409);
    expect(await paid(inv.id)).toBe(inv.total);
    expect(await paymentRows(inv.id)).toBe(1);
  });

  it('by bank: processing, then "Bank debit succeeds" on the dashboard pays it', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    expect(location(await checkout(s.sessionId, 'us_bank_account'))).toBe(
      `/portal/documents/${inv.id}?checkout=${s.sessionId}#pay`,
    );
    expect(await row(s.id)).toMatchObject({ status: 'processing', method: 'us_bank_account' });
    expect(await statusOf(inv.id)).not.toBe('paid');
    expect(await paid(inv.id)).toBe(0);

    const list = await (await dev.get('/dev/stripe')).text();
    const mine = list.slice(list.indexOf(`id="payment-${s.id}"`));
    expect(mine).toContain('Bank debit succeeds');
    expect(mine).toContain('Bank debit fails');

    const res = await step(s.id, { step: 'succeed' });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(`/dev/stripe#payment-${s.id}`);
    expect(await row(s.id)).toMatchObject({ status: 'succeeded' });
    expect(await statusOf(inv.id)).toBe('paid');
    expect(await paid(inv.id)).toBe(inv.total);
    // The dashboard shows what the webhook answered, once.
    const after = await dev.get('/dev/stripe');
    expect(await after.text()).toMatch(/checkout\.session\.async_payment_succeeded: the webhook answered 200/);
    expect(await (await dev.get('/dev/stripe')).text()).not.toContain('the webhook answered');
  });

  it('by bank: "Bank debit fails" fails it, and nothing is paid', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    await checkout(s.sessionId, 'us_bank_account');
    expect((await step(s.id, { step: 'fail' })).status).toBe(303);
    expect(await row(s.id)).toMatchObject({ status: 'failed' });
    expect(await statusOf(inv.id)).toBe('sent');
    expect(await paid(inv.id)).toBe(0);
    expect(await actions(inv.id)).toContain('payment_failed');
    // A debit ends once: "succeeds" after "fails" sends nothing.
    expect((await step(s.id, { step: 'succeed' })).status).toBe(409);
    expect(await paid(inv.id)).toBe(0);
  });

  it('refunds: part, then the rest (charge.refunded with the cumulative amount)', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    await checkout(s.sessionId, 'card');
    const list = await (await dev.get('/dev/stripe')).text();
    const mine = list.slice(list.indexOf(`id="payment-${s.id}"`));
    expect(mine).toContain(`Refund $${(inv.total / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`);
    expect(mine).toMatch(/<label for="refund-[^"]+">Refund amount<\/label>/);

    expect((await step(s.id, { step: 'refund_part', amount: '10.00' })).status).toBe(303);
    expect(await row(s.id)).toMatchObject({ refunded: 1000 });
    expect(await paid(inv.id)).toBe(inv.total - 1000);
    expect(await statusOf(inv.id)).toBe('partially_paid');
    expect(await actions(inv.id)).toContain('payment_refunded');

    expect((await step(s.id, { step: 'refund' })).status).toBe(303);
    expect(await row(s.id)).toMatchObject({ refunded: inv.total });
    expect(await paid(inv.id)).toBe(0);
    expect(await statusOf(inv.id)).toBe('sent');
    // Nothing is left to refund.
    expect((await step(s.id, { step: 'refund' })).status).toBe(409);
  });

  it('a refund amount that is not money, or more than is left, is refused with the form kept', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    await checkout(s.sessionId, 'card');
    for (const [amount, message] of [
      ['ten', 'Refund amount must be a number with at most two decimals.'],
      ['', 'Refund amount is required.'],
      [String(inv.total), 'Refund amount must be at most'],
      ['0', 'Refund amount must be at least'],
    ]) {
      const res = await step(s.id, { step: 'refund_part', amount });
      expect(res.status, amount).toBe(422);
      const page = await res.text();
      expect(page).toContain(message);
      expect(page).toMatch(amount ? `value="${amount}"` : /name="amount"[^>]*value[ />]/);
      expect(page).toMatch(/aria-invalid="true"/);
    }
    expect(await row(s.id)).toMatchObject({ refunded: 0 });
    expect(await paid(inv.id)).toBe(inv.total);
  });

  it('"Expire" ends an open session', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    expect((await step(s.id, { step: 'expire' })).status).toBe(303);
    expect(await row(s.id)).toMatchObject({ status: 'expired' });
    expect((await dev.get(`/dev/stripe/checkout/${s.sessionId}`)).status).toBe(409);
    expect(await paid(inv.id)).toBe(0);
  });

  it('its webhooks verify with the real verifiedEvent (and not with another secret)', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    const p = (await simulatedPayment(db(), s.sessionId))!;
    const event = checkoutCompleted(p, 'card');
    const req = await signedDelivery(env, BASE, event);
    expect(new URL(req.url).pathname).toBe('/webhooks/stripe');
    const body = await req.text();
    const signature = req.headers.get('Stripe-Signature')!;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const verified = await verifiedEvent(env, body, signature);
    expect(verified?.id).toBe(event.id);
    expect(verified).toMatchObject({
      type: 'checkout.session.completed',
      account,
      livemode: false,
      data: {
        object: {
          id: s.sessionId,
          object: 'checkout.session',
          status: 'complete',
          payment_status: 'paid',
          amount_total: inv.total,
          currency: 'usd',
          payment_method_types: ['card'],
          metadata: {
            orgId: co.orgId,
            documentId: inv.id,
            version: '1',
            amount: String(inv.total),
            currency: 'USD',
            purpose: 'invoice',
            paymentId: s.id,
          },
        },
      },
    });
    expect(String((verified!.data.object as { payment_intent: string }).payment_intent)).toMatch(/^pi_dev_/);
    expect(await verifiedEvent({ ...env, STRIPE_WEBHOOK_SECRET: 'whsec_other' }, body, signature)).toBeNull();
    // Development has no Stripe secret key (its absence selects the simulator): webhooks verify without one.
    expect((await verifiedEvent({ ...env, STRIPE_SECRET_KEY: undefined }, body, signature))?.id).toBe(event.id);
  });

  it('a session that does not exist is 404; a method that is not offered is refused, nothing paid', async () => {
    expect((await dev.get('/dev/stripe/checkout/cs_dev_nope')).status).toBe(404);
    expect((await checkout('cs_dev_nope', 'card')).status).toBe(404);
    expect((await step('op_nope', { step: 'expire' })).status).toBe(404);
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    const res = await checkout(s.sessionId, 'bitcoin');
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Choose how to pay: by card or by bank account.');
    expect((await step(s.id, { step: 'explode' })).status).toBe(422);
    expect(await row(s.id)).toMatchObject({ status: 'open' });
  });

  it('two "Pay by card" at once pay once; two identical refunds at once refund once', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    const answers = await Promise.all([checkout(s.sessionId, 'card'), checkout(s.sessionId, 'card')]);
    for (const a of answers) expect([303, 409]).toContain(a.status);
    expect(await paymentRows(inv.id)).toBe(1);
    expect(await paid(inv.id)).toBe(inv.total);

    await Promise.all([
      step(s.id, { step: 'refund_part', amount: '5.00' }),
      step(s.id, { step: 'refund_part', amount: '5.00' }),
    ]);
    expect(await row(s.id)).toMatchObject({ refunded: 500 });
    expect(await paid(inv.id)).toBe(inv.total - 500);
  });

  it('two "Bank debit succeeds" at once count the payment once', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    await checkout(s.sessionId, 'us_bank_account');
    await Promise.all([step(s.id, { step: 'succeed' }), step(s.id, { step: 'succeed' })]);
    expect(await paymentRows(inv.id)).toBe(1);
    expect(await paid(inv.id)).toBe(inv.total);
  });

  it('forms without the CSRF token are refused', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    const stranger = new Browser();
    const res = await stranger.fetch(`/dev/stripe/checkout/${s.sessionId}`, {
      method: 'POST',
      body: new URLSearchParams({ method: 'card' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: BASE },
    });
    expect(res.status).toBe(403);
    expect(await row(s.id)).toMatchObject({ status: 'open' });
  });
});

describe('simulated onboarding', () => {
  async function pendingCompany() {
    const other = await companyWithBudget({ company: 'Onboarding Builders' });
    const acct = `acct_dev_sim${crypto.randomUUID().slice(0, 8)}`;
    await db().update(orgs).set({ stripeAccountId: acct, stripeStatus: 'pending' }).where(eq(orgs.id, other.orgId));
    return { orgId: other.orgId, acct };
  }
  const orgOf = async (orgId: string) => (await db().query.orgs.findFirst({ where: eq(orgs.id, orgId) }))!;

  it('"Finish setup" makes the account active with card and bank, then goes back', async () => {
    const { orgId, acct } = await pendingCompany();
    const back = '/settings/payments/stripe/return';
    const page = await dev.get(`/dev/stripe/onboard/${acct}?return=${encodeURIComponent(`${BASE}${back}`)}`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain('Simulated Stripe onboarding — development only');
    expect(text).toContain('Onboarding Builders');
    expect(text).toContain(`name="return" value="${back}"`);
    const res = await dev.post(`/dev/stripe/onboard/${acct}`, { outcome: 'active', return: back });
    expect(res.status).toBe(303);
    expect(location(res)).toBe(back);
    expect(await orgOf(orgId)).toMatchObject({ stripeStatus: 'active', stripeCard: true, stripeBank: true });
  });

  it('"Leave it pending" keeps it pending', async () => {
    const { orgId, acct } = await pendingCompany();
    const res = await dev.post(`/dev/stripe/onboard/${acct}`, { outcome: 'pending', return: '/settings/payments' });
    expect(res.status).toBe(303);
    expect(await orgOf(orgId)).toMatchObject({ stripeStatus: 'pending', stripeCard: false, stripeBank: false });
  });

  it('a return address on another origin is not followed', async () => {
    const { acct } = await pendingCompany();
    for (const evil of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const res = await dev.post(`/dev/stripe/onboard/${acct}`, { outcome: 'active', return: evil });
      expect(location(res), evil).toBe('/settings/payments');
    }
    const page = await (await dev.get(`/dev/stripe/onboard/${acct}?return=https%3A%2F%2Fevil.example%2F`)).text();
    expect(page).toContain('name="return" value="/settings/payments"');
    expect(sameOriginReturn('/settings/payments?from=stripe#top', BASE)).toBe('/settings/payments?from=stripe#top');
    expect(sameOriginReturn(`${BASE}/a?b=1`, BASE)).toBe('/a?b=1');
  });

  it('an unknown account is 404; an outcome not offered is refused and changes nothing', async () => {
    expect((await dev.get('/dev/stripe/onboard/acct_dev_nobody')).status).toBe(404);
    expect((await dev.post('/dev/stripe/onboard/acct_dev_nobody', { outcome: 'active' })).status).toBe(404);
    const { orgId, acct } = await pendingCompany();
    expect((await dev.post(`/dev/stripe/onboard/${acct}`, { outcome: 'rich' })).status).toBe(422);
    expect(await orgOf(orgId)).toMatchObject({ stripeStatus: 'pending' });
  });
});

describe('only in development and tests', () => {
  it('every simulated Stripe page is 404 elsewhere, and completes nothing', async () => {
    const inv = await sentInvoice();
    const s = await openSession(inv.id, inv.total);
    for (const ENVIRONMENT of ['production', 'staging', '']) {
      const v = new Visitor({ ...env, ENVIRONMENT });
      for (const path of ['/dev/stripe', `/dev/stripe/checkout/${s.sessionId}`, `/dev/stripe/onboard/${account}`])
        expect((await v.get(path)).status, `${ENVIRONMENT} ${path}`).toBe(404);
      expect((await v.post(`/dev/stripe/checkout/${s.sessionId}`, { method: 'card' })).status, ENVIRONMENT).toBe(404);
      expect((await v.post(`/dev/stripe/payments/${s.id}`, { step: 'expire' })).status, ENVIRONMENT).toBe(404);
      expect((await v.post(`/dev/stripe/onboard/${account}`, { outcome: 'active' })).status, ENVIRONMENT).toBe(404);
    }
    expect(await row(s.id)).toMatchObject({ status: 'open' });
    expect(await paid(inv.id)).toBe(0);
    expect((await new Visitor().get('/dev/stripe')).status).toBe(200);
  });
});

describe('the demo company', () => {
  it('is connected to the simulated account, card and bank active, online payment on by default', async () => {
    await seedDemo(db());
    const demo = async () => (await db().query.orgs.findFirst({ where: eq(orgs.id, DEMO_ORG_ID) }))!;
    expect(await demo()).toMatchObject({
      stripeAccountId: 'acct_dev_demo',
      stripeStatus: 'active',
      stripeCard: true,
      stripeBank: true,
      onlinePaymentDefault: true,
    });
    // A demo seeded before online payments existed is connected on the next run; nothing else changes.
    await db().update(orgs).set({ stripeAccountId: null, stripeStatus: 'none' }).where(eq(orgs.id, DEMO_ORG_ID));
    expect(await seedDemo(db())).toEqual({ created: false });
    expect(await demo()).toMatchObject({ stripeAccountId: 'acct_dev_demo', stripeStatus: 'active' });
    // One connected since (another state) is left as it is.
    await db().update(orgs).set({ stripeStatus: 'disabled' }).where(eq(orgs.id, DEMO_ORG_ID));
    await seedDemo(db());
    expect(await demo()).toMatchObject({ stripeStatus: 'disabled' });
  });
});
