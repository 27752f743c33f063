import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../views/format';
import { documents, onlinePayments, orgs, payments } from '../src/db/schema';
import { nextStepLabel } from '../src/portal/wording';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { Browser, db, location } from './helpers';
import { editDraft, sentSnapshot, statusOf } from './portal-fixtures';
import { completedSession, connectStripe, deliver, fakeStripeForFile, stripeEvent } from './stripe-fake';

// Paying from the portal (issue 15, B): "Pay $X", "Pay another amount", the deposit after signing,
// and the page the customer comes back to from Stripe Checkout.

type Co = Awaited<ReturnType<typeof companyWithBudget>>;
let co: Co;
let account: string;
const stripe = fakeStripeForFile();

// One fake for the file: its session ids count from 1 per fake, and they are unique in D1.
beforeAll(async () => {
  co = await companyWithBudget();
  account = await connectStripe(co.orgId);
});

/** A sent invoice with online payment on (unless `online: false`), opened by its recipient. */
async function invoice(opts: { online?: boolean; fields?: Record<string, string> } = {}) {
  const sent = await sentToRecipient(co, 'customer_invoice', opts.fields ?? { all: '1' });
  await db()
    .update(documents)
    .set({ onlinePayment: opts.online ?? true })
    .where(eq(documents.id, sent.id));
  const total = (await sentSnapshot(sent.id)).totals.total;
  return { ...sent, total };
}

const pay = (r: Browser, id: string, fields: Record<string, string> = { amount: 'full' }) =>
  r.post(`/portal/documents/${id}`, { intent: 'pay', ...fields });
const rowsOf = (id: string) => db().select().from(onlinePayments).where(eq(onlinePayments.documentId, id));
const page = async (r: Browser, path: string) => (await r.get(path)).text();
const setOrg = (change: Partial<typeof orgs.$inferInsert>) =>
  db().update(orgs).set(change).where(eq(orgs.id, co.orgId));

describe('Pay the whole balance', () => {
  it('shows "Pay $X" and sends the customer to Checkout on the company’s account, with the document in metadata', async () => {
    const { id, r, total } = await invoice();
    const html = await page(r, `/portal/documents/${id}`);
    expect(html).toContain(`Pay ${money(total)}`);
    expect(html).toContain('href="#pay">Pay</a>');
    expect(html).toContain('Or pay another way');
    expect(html).not.toContain('Pay another amount'); // the company allows only the whole balance

    const res = await pay(r, id);
    expect(res.status).toBe(303);
    const [create] = stripe.created();
    expect(location(res)).toBe(`https://checkout.stripe.test/c/pay/${[...stripe.sessions.keys()].at(-1)}`);
    expect(create.account).toBe(account);
    const [row] = await rowsOf(id);
    expect(row).toMatchObject({ status: 'open', amount: total, currency: 'USD', purpose: 'invoice' });
    expect(create.idempotencyKey).toBe(`checkout-${row.id}`);
    const f = create.form;
    expect(f.get('line_items[0][price_data][unit_amount]')).toBe(String(total));
    expect(f.get('line_items[0][price_data][currency]')).toBe('usd');
    expect(f.get('line_items[0][price_data][product_data][name]')).toMatch(
      /^Invoice INV-\d{4} — Oak & Stone Builders$/,
    );
    expect(f.get('success_url')).toBe(`http://localhost/portal/documents/${id}?checkout={CHECKOUT_SESSION_ID}#pay`);
    expect(f.get('cancel_url')).toBe(`http://localhost/portal/documents/${id}#pay`);
    for (const [k, v] of Object.entries({
      orgId: co.orgId,
      documentId: id,
      version: '1',
      amount: String(total),
      currency: 'USD',
      purpose: 'invoice',
      paymentId: row.id,
    })) {
      expect(f.get(`metadata[${k}]`)).toBe(v);
      expect(f.get(`payment_intent_data[metadata][${k}]`)).toBe(v);
    }
    expect(Number(f.get('expires_at'))).toBeGreaterThan(Date.now() / 1000 + 3000);
  });

  it('two to five Pays at once make ONE Checkout session: every click goes to the same url', async () => {
    const { id, r } = await invoice();
    const all = await Promise.all([1, 2, 3, 4].map(() => pay(r, id)));
    expect(all.map((x) => x.status)).toEqual([303, 303, 303, 303]);
    expect(new Set(all.map(location)).size).toBe(1);
    expect(stripe.created()).toHaveLength(1);
    expect(await rowsOf(id)).toHaveLength(1);
  });

  it('Stripe down: 503 with the message in the pay form, nothing written', async () => {
    const { id, r } = await invoice();
    stripe.setDown(true);
    const res = await pay(r, id);
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toMatch(/class="form-summary" id="pay" role="alert"[^>]*>Online payment is not available right now/);
    expect(await rowsOf(id)).toHaveLength(0);
    stripe.setDown(false);
    expect((await pay(r, id)).status).toBe(303);
  });
});

describe('Pay another amount', () => {
  beforeAll(async () => {
    await setOrg({ payOtherAmount: true, payMinimum: 5000 });
  });
  afterAll(async () => {
    await setOrg({ payOtherAmount: false, payMinimum: 0 });
  });

  it('is a labelled amount with its limits; below the minimum, above the balance or not a number: 422, kept, nothing written', async () => {
    const { id, r, total } = await invoice();
    const html = await page(r, `/portal/documents/${id}`);
    expect(html).toContain('<label for="other-amount">Amount (USD)</label>');
    expect(html).toContain(`At least $50.00, at most ${money(total)}.`);
    const limits = `Enter at least $50.00 and at most ${money(total)}.`;
    for (const [typed, message, status] of [
      ['49.99', limits, 422],
      [((total + 1) / 100).toFixed(2), limits, 422],
      ['lots', 'Amount must be a number with at most two decimals.', 422],
      ['', 'Amount is required.', 422],
    ] as const) {
      const res = await pay(r, id, { amount: 'other', other_amount: typed });
      expect(res.status, typed).toBe(status);
      const body = await res.text();
      expect(body).toContain(message);
      expect(body).toContain(typed ? `value="${typed}"` : 'name="other_amount"');
      expect(body).toMatch(/<details class="pay-other" open/);
    }
    expect(stripe.calls).toHaveLength(0);
    expect(await rowsOf(id)).toHaveLength(0);
  });

  it('a different amount while one is open ends the old session: one open row, never two to pay', async () => {
    const { id, r, total } = await invoice();
    const first = await pay(r, id);
    const second = await pay(r, id, { amount: 'other', other_amount: '250.00' });
    expect(second.status).toBe(303);
    expect(location(second)).not.toBe(location(first));
    const expired = stripe.calls.filter((c) => c.path.endsWith('/expire'));
    expect(expired).toHaveLength(1);
    expect(expired[0].account).toBe(account);
    const rows = await rowsOf(id);
    expect(rows.map((p) => [p.amount, p.status]).sort()).toEqual([
      [25000, 'open'],
      [total, 'expired'],
    ]);
    // The same amount again reuses the open one.
    expect(location(await pay(r, id, { amount: 'other', other_amount: '250' }))).toBe(location(second));
    expect(stripe.created()).toHaveLength(2);
  });
});

describe('who may pay, and when', () => {
  it('only the whole balance when the company does not allow another amount (422)', async () => {
    const { id, r } = await invoice();
    const res = await pay(r, id, { amount: 'other', other_amount: '100.00' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('This invoice can only be paid in full online.');
    expect(await rowsOf(id)).toHaveLength(0);
  });

  it('no portal session: 404; another contact’s or org’s document: 404; nothing written', async () => {
    const { id } = await invoice();
    expect((await pay(new Browser(), id)).status).toBe(404);
    const other = await companyWithBudget({ company: 'Elsewhere Builders' });
    await connectStripe(other.orgId);
    const theirs = await sentToRecipient(other, 'customer_invoice');
    expect((await pay(theirs.r, id)).status).toBe(404);
    const mine = await invoice();
    expect((await pay(mine.r, theirs.id)).status).toBe(404);
    expect(stripe.calls).toHaveLength(0);
    expect(await rowsOf(id)).toHaveLength(0);
  });

  it('online payment off: no Pay button, "How to pay" stays, and a posted Pay answers 409', async () => {
    const { id, r } = await invoice({ online: false });
    const html = await page(r, `/portal/documents/${id}`);
    expect(html).not.toContain('name="intent" value="pay"');
    expect(html).toContain('How to pay');
    const res = await pay(r, id);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('This invoice can’t be paid online now.');
    expect(stripe.calls).toHaveLength(0);
  });

  it('a paid invoice: 409 "paid already", no button', async () => {
    const { id, r, total } = await invoice();
    const recorded = await co.browser.post(`/documents/${id}/payments`, {
      amount: (total / 100).toFixed(2),
      paidOn: '2026-11-20',
      method: 'Check',
      reference: '1001',
    });
    expect(recorded.status).toBe(303);
    expect(await statusOf(id)).toBe('paid');
    const res = await pay(r, id);
    expect(res.status).toBe(409);
    const html = await res.text();
    expect(html).toContain('This invoice is paid already.');
    expect(html).not.toContain('name="intent" value="pay"');
    expect(stripe.calls).toHaveLength(0);
  });

  it('a voided invoice is gone from the portal: 404', async () => {
    const { id, r } = await invoice();
    expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
    expect((await pay(r, id)).status).toBe(404);
    expect(stripe.calls).toHaveLength(0);
  });

  it('the next step says "Pay" only when online payment is offered', () => {
    expect(nextStepLabel('customer_invoice', 'sent', false, true)).toBe('Pay');
    expect(nextStepLabel('customer_invoice', 'partially_paid', false, true)).toBe('Pay');
    expect(nextStepLabel('customer_invoice', 'sent', false, false)).toBe('How to pay');
    expect(nextStepLabel('customer_invoice', 'sent', false)).toBe('How to pay');
    expect(nextStepLabel('customer_invoice', 'paid', false, true)).toBeNull();
  });

  it('portal home: "Pay →" only on an invoice that can be paid online now', async () => {
    const fresh = await companyWithBudget({ company: 'Home Check Builders' });
    await connectStripe(fresh.orgId);
    const online = await sentToRecipient(fresh, 'customer_invoice');
    await db().update(documents).set({ onlinePayment: true }).where(eq(documents.id, online.id));
    let home = await page(online.r, '/portal');
    expect(home).toContain('Pay →');
    await db().update(documents).set({ onlinePayment: false }).where(eq(documents.id, online.id));
    home = await page(online.r, '/portal');
    expect(home).not.toContain('Pay →');
    expect(home).toContain('See how to pay →');
  });
});

describe('coming back from Checkout', () => {
  it('open, processing, paid: the pay section says where the payment stands', async () => {
    const { id, r, total } = await invoice();
    const res = await pay(r, id);
    const session = stripe.sessions.get(location(res).split('/').at(-1)!)!;
    const back = `/portal/documents/${id}?checkout=${session.id}`;

    let html = await page(r, back);
    expect(html).toContain('Confirming your payment with Stripe… this page updates by itself.');
    expect(html).not.toContain('name="intent" value="pay"'); // nothing else to pay while it confirms

    const row = (await rowsOf(id))[0];
    await db().update(onlinePayments).set({ status: 'processing' }).where(eq(onlinePayments.id, row.id));
    html = await page(r, back);
    expect(html).toContain(
      `Payment processing: your bank payment of ${money(total)} was started. It usually takes 4 business days;`,
    );
    html = await page(r, `/portal/documents/${id}`);
    expect(html).toContain(`A bank payment of ${money(total)} is processing. It usually takes 4 business days.`);
    expect(html).not.toContain('name="intent" value="pay"');
    expect((await pay(r, id)).status).toBe(409);

    await db().update(onlinePayments).set({ status: 'succeeded' }).where(eq(onlinePayments.id, row.id));
    await co.browser.post(`/documents/${id}/payments`, {
      amount: (total / 100).toFixed(2),
      paidOn: '2026-11-20',
      method: 'Card',
      reference: 'pi_1',
    });
    html = await page(r, back);
    expect(html).toContain(`Paid — thank you. A receipt is on its way to ${co.customerContact.email}.`);
    expect(html).toMatch(/<p class="status done">Paid<\/p>/);
  });

  it('paid by card through the webhook: "Paid" on the page it comes back to', async () => {
    const { id, r } = await invoice();
    const res = await pay(r, id);
    const session = stripe.sessions.get(location(res).split('/').at(-1)!)!;
    const delivered = await deliver(stripeEvent('checkout.session.completed', completedSession(session), { account }));
    expect(delivered.status).toBe(200);
    const html = await page(r, `/portal/documents/${id}?checkout=${session.id}`);
    expect(html).toContain('Paid — thank you.');
    expect(html).toMatch(/<p class="status done">Paid<\/p>/);
  });

  it('a bank payment of part of it through the webhook: "Payment processing", only the rest payable', async () => {
    await setOrg({ payOtherAmount: true, payMinimum: 5000 });
    try {
      const { id, r, total } = await invoice();
      const res = await pay(r, id, { amount: 'other', other_amount: '100.00' });
      const session = stripe.sessions.get(location(res).split('/').at(-1)!)!;
      const delivered = await deliver(
        stripeEvent('checkout.session.completed', completedSession(session, { payment_status: 'unpaid' }), { account }),
      );
      expect(delivered.status).toBe(200);
      const html = await page(r, `/portal/documents/${id}?checkout=${session.id}`);
      expect(html).toContain('Payment processing: your bank payment of $100.00 was started.');
      expect(html).toContain(`Pay ${money(total - 10000)}`);
    } finally {
      await setOrg({ payOtherAmount: false, payMinimum: 0 });
    }
  });

  it('an unknown or another document’s session id shows nothing special', async () => {
    const a = await invoice();
    const b = await invoice();
    const res = await pay(b.r, b.id);
    const other = location(res).split('/').at(-1)!;
    for (const s of ['cs_nothing', other, '<script>']) {
      const got = await a.r.get(`/portal/documents/${a.id}?checkout=${encodeURIComponent(s)}`);
      expect(got.status).toBe(200);
      const html = await got.text();
      expect(html).not.toContain('Confirming your payment');
      expect(html).toContain(`Pay ${money(a.total)}`);
    }
  });
});

describe('the deposit after signing', () => {
  it('"Pay the $Y deposit now" on the confirmation; once paid, "Deposit of $Y paid on …"', async () => {
    const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    await editDraft(co.browser, id, (fields) => [
      ...fields.filter(([k]) => k !== 'depositKind' && k !== 'depositValue'),
      ['depositKind', 'percent'],
      ['depositValue', '30'],
    ]);
    const { link } = await sendDocument(co.browser, id);
    await db().update(documents).set({ onlinePayment: true }).where(eq(documents.id, id));
    const r = new Browser();
    await r.get(link);
    const before = await page(r, `/portal/documents/${id}`);
    expect(before).not.toContain('deposit now'); // not before it is approved
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(before)![1];
    const signed = await r.post(`/portal/documents/${id}`, {
      intent: 'sign',
      versionHash: hash,
      idempotencyKey: 'k-pay-dep-1',
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(signed.status).toBe(303);
    const deposit = (await sentSnapshot(id)).totals.deposit;
    const after = await page(r, location(signed));
    expect(after).toContain(`Pay the ${money(deposit)} deposit now`);

    const res = await pay(r, id);
    expect(res.status).toBe(303);
    const [create] = stripe.created();
    expect(create.form.get('metadata[purpose]')).toBe('deposit');
    expect(create.form.get('line_items[0][price_data][unit_amount]')).toBe(String(deposit));
    expect(create.form.get('line_items[0][price_data][product_data][name]')).toMatch(
      /^Deposit for Estimate EST-\d{4} — Oak & Stone Builders$/,
    );

    await db()
      .insert(payments)
      .values({
        id: `pay_dep_${id}`,
        orgId: co.orgId,
        documentId: id,
        amount: deposit,
        paidOn: '2026-12-02',
        method: 'Card',
        reference: 'pi_dep',
        recordedBy: 'stripe',
        createdAt: Date.now(),
      });
    const paid = await page(r, `/portal/documents/${id}`);
    expect(paid).toContain(`Deposit of ${money(deposit)} paid on Dec 2, 2026.`);
    expect(paid).not.toContain('deposit now');
  });
});
