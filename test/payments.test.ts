// Online payments on the contractor's side, and where they could charge twice or say something untrue.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { documents, onlinePayments, orgs, payments, users } from '../src/db/schema';
import { sameOriginReturn } from '../src/dev/stripe-routes';
import { MIN_CHARGE, payable } from '../src/payments/queries';
import { money } from '../views/format';
import { approvedWithDeposit, companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, db, location, signUp } from './helpers';
import { fieldError, inputValue, unescape } from './pages';
import { editDraft, sentSnapshot } from './portal-fixtures';
import { completedSession, connectStripe, deliver, fakeStripeForFile, stripeEvent } from './stripe-fake';

// One fake for the whole file, both parts (its account ids count up per fake, and
// orgs.stripe_account_id is unique): calls cleared before each test, the real fetch back after the file.
const stripe = fakeStripeForFile();

describe("the contractor's payments", () => {
  // The contractor's side of online payments (issue 15): Settings → Payments, the per-document switch,
  // the payments on the document page and the deposit paid online.

  const docRow = async (id: string) => (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;
  const visibleText = (body: string) => unescape(body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
  const usd = (cents: number) =>
    (cents < 0 ? '-$' : '$') + (Math.abs(cents) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 });
  const orgRow = async (id: string) => (await db().query.orgs.findFirst({ where: eq(orgs.id, id) }))!;

  describe('Settings → Payments: connecting Stripe', () => {
    it('shows "not connected" and connects once for two clicks at once, both sent to an onboarding link', async () => {
      const { browser, orgId } = await signUp();
      const page = await (await browser.get('/settings/payments')).text();
      expect(page).toContain('Not connected.');
      expect(page).toContain('action="/settings/payments/connect"');
      expect(page).toContain('Connect Stripe');
      expect(await (await browser.get('/settings')).text()).toContain('href="/settings/payments"');

      const both = await Promise.all([
        browser.post('/settings/payments/connect'),
        browser.post('/settings/payments/connect'),
      ]);
      const org = await orgRow(orgId);
      expect(org.stripeAccountId).toMatch(/^acct_test_/);
      expect(org.stripeStatus).toBe('pending');
      for (const res of both) {
        expect(res.status).toBe(303);
        expect(location(res)).toBe(`https://connect.stripe.test/setup/${org.stripeAccountId}`);
      }
      const creates = stripe.calls.filter((c) => c.method === 'POST' && c.path === '/v1/accounts');
      expect(new Set(creates.map((c) => c.idempotencyKey))).toEqual(new Set([`account-${orgId}`]));
      const links = stripe.calls.filter((c) => c.path === '/v1/account_links');
      expect(links.map((c) => c.form.get('account'))).toEqual([org.stripeAccountId, org.stripeAccountId]);
      expect(links[0]!.form.get('return_url')).toBe('http://localhost/settings/payments/stripe/return');
      expect(links[0]!.form.get('refresh_url')).toBe('http://localhost/settings/payments/stripe/refresh');

      // A later click reuses the account: no new one.
      const again = await browser.post('/settings/payments/connect');
      expect(location(again)).toBe(`https://connect.stripe.test/setup/${org.stripeAccountId}`);
      expect(stripe.calls.filter((c) => c.method === 'POST' && c.path === '/v1/accounts')).toHaveLength(creates.length);
      expect((await orgRow(orgId)).stripeAccountId).toBe(org.stripeAccountId);
      const pending = await (await browser.get('/settings/payments')).text();
      expect(pending).toContain('Pending verification');
      expect(pending).toContain('Continue setup');
    });

    it('refresh makes a new link; return reads the account from Stripe (active, pending, disabled)', async () => {
      const { browser, orgId } = await signUp();
      await browser.post('/settings/payments/connect');
      const account = (await orgRow(orgId)).stripeAccountId!;

      const linksBefore = stripe.calls.filter((c) => c.path === '/v1/account_links').length;
      const refresh = await browser.get('/settings/payments/stripe/refresh');
      expect(refresh.status).toBe(303);
      expect(location(refresh)).toBe(`https://connect.stripe.test/setup/${account}`);
      expect(stripe.calls.filter((c) => c.path === '/v1/account_links')).toHaveLength(linksBefore + 1);

      // Details not finished: still pending, whatever the redirect says.
      let back = await browser.get('/settings/payments/stripe/return');
      expect(back.status).toBe(303);
      expect(location(back)).toBe('/settings/payments');
      expect(await (await browser.get('/settings/payments')).text()).toContain('Stripe is verifying your details.');
      expect((await orgRow(orgId)).stripeStatus).toBe('pending');

      stripe.setAccount(account, { charges_enabled: true, details_submitted: true, card: 'active', bank: 'active' });
      back = await browser.get('/settings/payments/stripe/return');
      const active = await (await browser.get('/settings/payments')).text();
      expect(active).toContain('You can take payments online.');
      expect(active).toContain('<strong>Active</strong> — card ✓ · US bank account (ACH) ✓');
      expect(active).not.toContain('action="/settings/payments/connect"');
      expect(await orgRow(orgId)).toMatchObject({ stripeStatus: 'active', stripeCard: true, stripeBank: true });

      stripe.setAccount(account, { bank: 'inactive' });
      await browser.get('/settings/payments/stripe/return');
      expect(await (await browser.get('/settings/payments')).text()).toContain('card ✓ · US bank account (ACH) ✗');
      expect((await orgRow(orgId)).stripeBank).toBe(false);

      stripe.setAccount(account, { charges_enabled: false, disabled_reason: 'rejected.fraud' });
      await browser.get('/settings/payments/stripe/return');
      const disabled = await (await browser.get('/settings/payments')).text();
      expect(disabled).toContain('Stripe has disabled payments on your account.');
      expect(disabled).toContain('<strong>Disabled</strong> — see your Stripe dashboard.');
      expect((await orgRow(orgId)).stripeStatus).toBe('disabled');
    });

    it('Stripe down: a 503 page with the message, nothing stored', async () => {
      const { browser, orgId } = await signUp();
      stripe.setDown(true);
      const res = await browser.post('/settings/payments/connect');
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Online payment is not available right now.');
      expect(await orgRow(orgId)).toMatchObject({ stripeAccountId: null, stripeStatus: 'none' });
      stripe.setDown(false);
      await browser.post('/settings/payments/connect');
      const account = (await orgRow(orgId)).stripeAccountId;
      stripe.setDown(true);
      expect((await browser.get('/settings/payments/stripe/return')).status).toBe(503);
      expect((await browser.get('/settings/payments/stripe/refresh')).status).toBe(503);
      expect(await orgRow(orgId)).toMatchObject({ stripeAccountId: account, stripeStatus: 'pending' });
    });

    it('no session: sign-in; a member sees the state but only the owner connects', async () => {
      const anon = new Browser();
      for (const path of [
        '/settings/payments',
        '/settings/payments/stripe/refresh',
        '/settings/payments/stripe/return',
      ]) {
        const res = await anon.get(path);
        expect(res.status).toBe(303);
        expect(location(res)).toMatch(/^\/sign-in/);
      }
      const post = await anon.post('/settings/payments/connect');
      expect(post.status).toBe(401);
      expect(await post.text()).toContain('Your session has ended. Sign in again to continue.');
      expect((await anon.post('/settings/payments', { payMinimum: '5' })).status).toBe(401);

      const { browser, orgId, userId } = await signUp();
      await db().update(users).set({ role: 'member' }).where(eq(users.id, userId));
      const page = await (await browser.get('/settings/payments')).text();
      expect(page).toContain('Only the owner can connect Stripe.');
      expect(page).not.toContain('action="/settings/payments/connect"');
      expect((await browser.post('/settings/payments/connect')).status).toBe(403);
      expect((await browser.get('/settings/payments/stripe/return')).status).toBe(403);
      expect(await orgRow(orgId)).toMatchObject({ stripeAccountId: null, stripeStatus: 'none' });
      expect(stripe.calls).toHaveLength(0);
      // The defaults follow the company settings: a member may change them.
      expect((await browser.post('/settings/payments', { payMinimum: '5' })).status).toBe(303);
    });
  });

  describe('Settings → Payments: defaults', () => {
    it('saves the defaults; bad input answers 422 with the message on the field and the form kept', async () => {
      const { browser, orgId } = await signUp();
      const first = await (await browser.get('/settings/payments')).text();
      expect(first).toMatch(/name="onlinePaymentDefault" checked/);
      expect(inputValue(first, 'payMinimum')).toBe('0.00');

      for (const [value, message] of [
        ['-5', 'Smallest amount must be at least 0.'],
        ['ten', 'Smallest amount must be a number with at most two decimals.'],
        ['1000000.01', 'Smallest amount must be at most 1,000,000.'],
      ] as const) {
        const res = await browser.post('/settings/payments', { payOtherAmount: 'on', payMinimum: value });
        expect(res.status).toBe(422);
        const body = await res.text();
        expect(fieldError(body, 'payMinimum')).toBe(message);
        expect(inputValue(body, 'payMinimum')).toBe(value);
        expect(body).toMatch(/name="payOtherAmount" checked/);
      }
      expect(await orgRow(orgId)).toMatchObject({ onlinePaymentDefault: true, payOtherAmount: false, payMinimum: 0 });

      const both = await Promise.all([
        browser.post('/settings/payments', { payOtherAmount: 'on', payMinimum: '250.00' }),
        browser.post('/settings/payments', { payOtherAmount: 'on', payMinimum: '250.00' }),
      ]);
      expect(both.map((r) => r.status)).toEqual([303, 303]);
      expect(await orgRow(orgId)).toMatchObject({
        onlinePaymentDefault: false,
        payOtherAmount: true,
        payMinimum: 25_000,
      });
      const saved = await (await browser.get('/settings/payments')).text();
      expect(saved).toContain('Payment settings saved.');
      expect(inputValue(saved, 'payMinimum')).toBe('250.00');
      expect(saved).not.toMatch(/name="onlinePaymentDefault" checked/);
    });
  });

  describe('the "Accept online payment" switch', () => {
    it('a new invoice or deposit request starts from the company default; saving through the editor stores it', async () => {
      const co = await companyWithBudget();
      const invoice = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
      expect((await docRow(invoice)).onlinePayment).toBe(true);
      let editor = await (await co.browser.get(`/documents/${invoice}`)).text();
      expect(editor).toMatch(/name="onlinePayment" checked/);
      expect(editor).toContain('Accept online payment');
      expect(editor).toContain('Connect Stripe in Settings → Payments to take payments online.');

      await connectStripe(co.orgId);
      editor = await (await co.browser.get(`/documents/${invoice}`)).text();
      expect(editor).toContain('Customers can pay by card or bank account in the portal.');
      await editDraft(co.browser, invoice, (f) => f.filter(([k]) => k !== 'onlinePayment'));
      expect((await docRow(invoice)).onlinePayment).toBe(false);
      editor = await (await co.browser.get(`/documents/${invoice}`)).text();
      expect(editor).not.toMatch(/name="onlinePayment" checked/);
      await editDraft(co.browser, invoice, (f) => [...f, ['onlinePayment', 'on']]);
      expect((await docRow(invoice)).onlinePayment).toBe(true);

      const estimate = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
      expect((await docRow(estimate)).onlinePayment).toBe(true);

      // Switched off in settings: new drafts start off.
      await co.browser.post('/settings/payments', { payMinimum: '0' });
      const later = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
      expect((await docRow(later)).onlinePayment).toBe(false);
    });

    it('is not offered for bid requests or vendor orders, and a posted value is ignored there', async () => {
      const co = await companyWithBudget();
      for (const kind of ['bid_request', 'purchase_order']) {
        const id = await createDocument(co.browser, co.jobId, kind, { all: '1' });
        expect((await docRow(id)).onlinePayment).toBe(false);
        expect(await (await co.browser.get(`/documents/${id}`)).text()).not.toContain('name="onlinePayment"');
        await editDraft(co.browser, id, (f) => [...f, ['onlinePayment', 'on']]);
        expect((await docRow(id)).onlinePayment).toBe(false);
      }
    });
  });

  /** An online payment as the webhook leaves it (fixture), with the `payments` row it counted when it succeeded. */
  async function paidOnline(
    co: { orgId: string },
    documentId: string,
    o: {
      amount: number;
      status: 'open' | 'processing' | 'succeeded' | 'failed';
      method?: 'card' | 'us_bank_account';
      purpose?: 'invoice' | 'deposit';
      refunded?: number;
      flag?: string | null;
      paidOn?: string;
      counted?: boolean;
    },
  ) {
    const id = crypto.randomUUID();
    const now = Date.now();
    const counted = o.status === 'succeeded' && o.counted !== false;
    const paymentId = counted ? crypto.randomUUID() : null;
    if (paymentId) {
      await db()
        .insert(payments)
        .values({
          id: paymentId,
          orgId: co.orgId,
          documentId,
          amount: o.amount,
          paidOn: o.paidOn ?? '2026-12-02',
          method: o.method === 'us_bank_account' ? 'Bank account' : 'Card',
          reference: `pi_${id}`,
          recordedBy: 'stripe',
          createdAt: now,
        });
      if (o.refunded)
        await db()
          .insert(payments)
          .values({
            id: crypto.randomUUID(),
            orgId: co.orgId,
            documentId,
            amount: -o.refunded,
            paidOn: o.paidOn ?? '2026-12-02',
            method: 'Refund',
            reference: `re_${id}`,
            recordedBy: 'stripe',
            createdAt: now + 1,
          });
    }
    await db()
      .insert(onlinePayments)
      .values({
        id,
        orgId: co.orgId,
        documentId,
        version: 1,
        purpose: o.purpose ?? 'invoice',
        amount: o.amount,
        currency: 'USD',
        sessionId: `cs_test_${id}`,
        url: `https://checkout.stripe.test/c/pay/cs_test_${id}`,
        status: o.status,
        method: o.method ?? (o.status === 'open' ? null : 'card'),
        refunded: o.refunded ?? 0,
        flag: o.flag ?? null,
        paymentId,
        expiresAt: now + 3_600_000,
        createdAt: now,
        updatedAt: now,
      });
    return id;
  }

  describe('the sent document page: payments', () => {
    it('lists online payments and their state beside recorded payments; the balance counts both', async () => {
      const co = await companyWithBudget();
      await connectStripe(co.orgId);
      const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
      await sendDocument(co.browser, id);
      const total = (await sentSnapshot(id)).totals.total;
      await paidOnline(co, id, { amount: 120_000, status: 'succeeded', method: 'card' });
      await paidOnline(co, id, { amount: 60_000, status: 'processing', method: 'us_bank_account' });
      await paidOnline(co, id, { amount: 45_000, status: 'failed', method: 'us_bank_account' });
      await paidOnline(co, id, { amount: 50_000, status: 'succeeded', method: 'card', refunded: 30_000 });
      await paidOnline(co, id, { amount: 9_900, status: 'succeeded', method: 'card', flag: 'amount', counted: false });
      await paidOnline(co, id, { amount: 77_700, status: 'open' });
      expect(
        (
          await co.browser.post(`/documents/${id}/payments`, {
            amount: '100.00',
            paidOn: '2026-12-03',
            method: 'Check',
            reference: '1042',
          })
        ).status,
      ).toBe(303);

      const page = visibleText(await (await co.browser.get(`/documents/${id}`)).text());
      expect(page).toContain('Paid online');
      expect(page).toContain('Card · $1,200.00 · paid Dec 2');
      expect(page).toContain('Bank account · $600.00 · processing');
      expect(page).toContain('Bank account · $450.00 · failed');
      expect(page).toContain('Card · $500.00 · paid Dec 2 · refunded $300.00');
      expect(page).toContain('Card · $99.00 · paid Check this payment: The amount paid does not match the document.');
      expect(page).not.toContain('$777.00'); // an open Checkout session is no payment
      // The recorded table: the check, the card payments counted and the refund; the balance counts them all.
      expect(page).toContain('Check 1042 $100.00');
      const balance = total - 120_000 - 50_000 + 30_000 - 10_000;
      expect(page).toContain(`Balance ${usd(balance)}`);
    });

    it("another company's document answers 404", async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
      await sendDocument(co.browser, id);
      await paidOnline(co, id, { amount: 10_000, status: 'succeeded' });
      const other = await signUp();
      expect((await other.browser.get(`/documents/${id}`)).status).toBe(404);
    });
  });

  describe('a deposit paid online', () => {
    it('replaces the deposit invoice prompt; the deposit invoice is refused; home no longer asks for it', async () => {
      const co = await companyWithBudget();
      await connectStripe(co.orgId);
      const { id } = await approvedWithDeposit(co);
      expect((await docRow(id)).status).toBe('approved');
      const deposit = (await sentSnapshot(id)).totals.deposit;
      expect(deposit).toBeGreaterThan(0);

      const home = async () => visibleText(await (await co.browser.get('/')).text());
      expect(await home()).toContain('Approved, deposit invoice not created');
      let page = await (await co.browser.get(`/documents/${id}`)).text();
      expect(page).toContain(`action="/documents/${id}/deposit-invoice"`);

      // A bank debit of it still processing: not paid, but no invoice asks for it meanwhile (the action
      // refuses one), so neither the page nor home offers it; the page says the payment is on its way.
      await paidOnline(co, id, {
        amount: deposit,
        status: 'processing',
        purpose: 'deposit',
        method: 'us_bank_account',
      });
      expect(await home()).not.toContain('Approved, deposit invoice not created');
      page = await (await co.browser.get(`/documents/${id}`)).text();
      expect(visibleText(page)).toContain(`A bank payment of ${usd(deposit)} for the deposit is processing online.`);
      expect(page).not.toContain(`action="/documents/${id}/deposit-invoice"`);

      await paidOnline(co, id, { amount: deposit, status: 'succeeded', purpose: 'deposit', paidOn: '2026-12-02' });
      page = await (await co.browser.get(`/documents/${id}`)).text();
      expect(visibleText(page)).toContain(`Deposit of ${usd(deposit)} paid online on Dec 2, 2026.`);
      expect(page).not.toContain(`action="/documents/${id}/deposit-invoice"`);
      expect(visibleText(page)).toContain(`Card · ${usd(deposit)} · paid Dec 2`);
      expect(await home()).not.toContain('Approved, deposit invoice not created');

      const both = await Promise.all([
        co.browser.post(`/documents/${id}/deposit-invoice`),
        co.browser.post(`/documents/${id}/deposit-invoice`),
      ]);
      for (const res of both) {
        expect(res.status).toBe(409);
        expect(visibleText(await res.text())).toContain('The deposit was paid online on Dec 2, 2026.');
      }
      const invoices = await db()
        .select()
        .from(documents)
        .where(and(eq(documents.sourceDocumentId, id), eq(documents.type, 'customer_invoice')));
      expect(invoices).toHaveLength(0);
    });
  });
});

describe('payment edges', () => {
  // Where online payment could charge twice, or say something untrue, and what stops it (issue 15's
  // review): a session paid at Stripe whose webhook is late, a deposit asked for on the order and on its
  // invoice, a bank payment processing beside a recorded one, amounts below what Stripe can charge,
  // Stripe refusing a request, companies Stripe can't be connected for from here, a flagged payment.

  type Co = Awaited<ReturnType<typeof companyWithBudget>>;
  let co: Co;
  let account: string;

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
});
