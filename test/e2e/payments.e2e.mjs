// Issue 15, "Done means": a customer on a phone pays an invoice through development's simulated
// Stripe Checkout and sees "Paid"; the contractor's open document page shows the payment live. A bank
// payment shows "Payment processing" until /dev/stripe says the debit succeeded, then "Paid" live.
// Everything after Checkout is the real webhook (signed as Stripe signs it). axe-core at 390 and
// 1280 px on each state; screenshots of each. Also the portal's pay section state by state: "Pay another
// amount" refused, a bank payment processing beside a card payment, and an approved estimate's "Pay the
// $Y deposit now".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  axeViolations,
  createFromBudget,
  DANA,
  linkFromMail,
  PHONE,
  payOnline,
  sendDraft,
  sentInvoice,
  TRACK_SOCKETS,
} from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const listening = (page) => page.waitForFunction(() => window.__openSockets > 0, null, { timeout: 10_000 });

/** Counts main-frame navigations from now on: a live update must make none. */
function watchNavigation(page) {
  const seen = { navigations: 0 };
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.navigations++;
  });
  return seen;
}

describe('paying an invoice online (phone → simulated Checkout → live)', { timeout: 120_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor's signed-in page, 1280 px

  /** axe (and no sideways scrolling) at 390 and 1280 px on the page as it is (resized, not reloaded), screenshots; back to `back`. */
  async function look(page, name, back = PHONE.viewport) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= width, `${name} fits ${width} px without scrolling sideways (${wide} px)`);
      await screenshot(page, `pay-${name}-${width}`);
    }
    await page.setViewportSize(back);
  }

  /** The customer's phone (bypassCSP: axe is injected), listening once the page is open. */
  async function phone(link) {
    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    await context.addInitScript(TRACK_SOCKETS);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(link);
    return { context, page, errors };
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base, { bypassCSP: true });
    await context.addInitScript(TRACK_SOCKETS);
    desk = await context.newPage();
    await signIn(desk);
    // The company lets customers pay part of an invoice, at least $50.
    await desk.goto('/settings/payments');
    await desk.getByLabel('Let customers pay part of an invoice').check();
    await desk.getByLabel('Smallest amount').fill('50.00');
    await desk.getByRole('button', { name: 'Save payment settings' }).click();
    await desk.waitForLoadState();
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('by card: "Pay $X" → Checkout → "Paid" on the phone, and live on the contractor page', async () => {
    const inv = await sentInvoice(desk, { groups: ['Demolition'] });
    await desk.goto(`/documents/${inv.id}`);
    await listening(desk);
    const deskNav = watchNavigation(desk);
    const { context, page, errors } = await phone(inv.link);
    try {
      const pay = page.getByRole('button', { name: /^Pay \$[\d,]+\.\d\d$/ });
      await pay.scrollIntoViewIfNeeded();
      const amount = /\$[\d,]+\.\d\d/.exec(await pay.innerText())[0];
      await look(page, 'portal-offer');

      const checkout = await payOnline(page, pay);
      assert.match(await page.locator('body').innerText(), /Simulated Stripe Checkout — development only/);
      assert.match(await page.locator('h1').innerText(), new RegExp(`^Invoice ${inv.number}$`));
      assert.equal(await page.locator('.dev-checkout-amount').textContent(), `Amount: ${amount}`);
      await look(page, 'checkout');

      await Promise.all([
        page.waitForURL(
          (u) => u.pathname === `/portal/documents/${inv.id}` && u.searchParams.get('checkout') === checkout,
        ),
        page.getByRole('button', { name: 'Pay by card' }).click(),
      ]);
      assert.match(await page.locator('#summary').innerText(), /\bPaid\b/);
      assert.match(await page.locator('#pay').innerText(), /Paid — thank you/);
      await look(page, 'portal-paid');

      // The contractor's open page: the payment arrives on the timeline, the status turns "Paid" and
      // the payment is listed, all without a reload.
      const line = desk.locator('#timeline').getByText(new RegExp(`paid ${amount.replace('$', '\\$')}`));
      await line.first().waitFor({ timeout: 10_000 });
      const heading = desk.getByRole('heading', { level: 1 });
      await desk.waitForFunction(() => /\bPaid\b/.test(document.querySelector('h1')?.textContent ?? ''), null, {
        timeout: 10_000,
      });
      assert.match(await heading.innerText(), new RegExp(inv.number));
      await desk
        .locator('[data-region="payments"]')
        .getByText(/Card · /)
        .first()
        .waitFor({ timeout: 10_000 });
      assert.equal(deskNav.navigations, 0, 'the contractor page was not reloaded');
      await screenshot(desk, 'pay-contractor-live-1280');
      assert.deepEqual(errors, []);

      // The paid session's Checkout opened again: it says it is closed.
      const closed = await page.goto(`/dev/stripe/checkout/${checkout}`);
      assert.equal(closed.status(), 409);
      assert.match(await page.getByRole('alert').innerText(), /This checkout session is no longer open/);
      await look(page, 'checkout-closed');
    } finally {
      await context.close();
    }
  });

  test('another amount refused, a bank payment processing beside a card payment, then "Paid" live', async () => {
    const inv = await sentInvoice(desk, { groups: ['Framing & Drywall'] });
    const { context, page, errors } = await phone(inv.link);
    try {
      const pay = page.locator('section.pay');
      await pay.getByRole('button', { name: /^Pay \$[\d,]+\.\d\d$/ }).waitFor();
      await pay.getByText('Pay another amount').click();
      await look(page, 'portal-invoice');

      await pay.getByLabel('Amount (USD)').fill('10');
      await Promise.all([page.waitForNavigation(), pay.getByRole('button', { name: 'Pay this amount' }).click()]);
      await page
        .getByRole('alert')
        .filter({ hasText: /^Enter at least \$50\.00 and at most/ })
        .waitFor();
      assert.equal(await page.getByLabel('Amount (USD)').inputValue(), '10');
      await look(page, 'portal-refused');

      await page.getByLabel('Amount (USD)').fill('100.00');
      const bank = await payOnline(page, page.getByRole('button', { name: 'Pay this amount' }));
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('checkout') === bank),
        page.getByRole('button', { name: 'Pay by bank account (takes days)' }).click(),
      ]);
      await page.getByText(/^Payment processing: your bank payment of \$100\.00 was started\./).waitFor();
      assert.doesNotMatch(await page.locator('#summary').innerText(), /\bPaid\b/);
      await look(page, 'portal-processing');

      const card = await payOnline(page, page.locator('section.pay').getByRole('button', { name: /^Pay \$/ }));
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('checkout') === card),
        page.getByRole('button', { name: 'Pay by card' }).click(),
      ]);
      await page.getByText(`Paid — thank you. A receipt is on its way to ${DANA.email}.`).waitFor();
      // The bank debit is still processing: partly paid, nothing left to pay online.
      assert.match(await page.locator('#summary .status').innerText(), /^Partly paid/);
      await page.getByText('A bank payment of $100.00 is processing. It usually takes 4 business days.').waitFor();
      assert.equal(await page.locator('section.pay form').count(), 0);
      await look(page, 'portal-card-paid');
      await listening(page);
      const nav = watchNavigation(page);

      // The simulator's dashboard (the contractor's browser, at 1280 px): the debit succeeds days later.
      await desk.goto('/dev/stripe');
      const row = desk.locator('tr', { hasText: bank });
      await row.getByRole('button', { name: 'Bank debit succeeds' }).waitFor();
      await look(desk, 'dev-dashboard', { width: 1280, height: 900 });
      await Promise.all([desk.waitForNavigation(), row.getByRole('button', { name: 'Bank debit succeeds' }).click()]);
      assert.match(
        await desk.getByRole('status').innerText(),
        /checkout\.session\.async_payment_succeeded: the webhook answered 200/,
      );

      // The phone's open page says "Paid" by itself.
      await page.locator('#summary .status', { hasText: /^Paid$/ }).waitFor({ timeout: 10_000 });
      assert.equal(nav.navigations, 0, 'the portal page was not reloaded');
      await look(page, 'portal-bank-paid');
      // The refused amount's page is a 422 (the browser logs that status); nothing else went wrong.
      assert.deepEqual(
        errors.filter((e) => !/status of 422/.test(e)),
        [],
      );
    } finally {
      await context.close();
    }
  });

  test('an approved estimate with a deposit: "Pay the $Y deposit now" on the confirmation', async () => {
    const { id, number } = await createFromBudget(desk, { kind: /^Estimate\b/, groups: ['Electrical'] });
    await desk.getByLabel('Deposit', { exact: true }).selectOption({ label: 'Percent of total' });
    await desk.getByLabel('Percent or amount').fill('25');
    await desk.getByRole('button', { name: 'Save draft' }).click();
    await desk.waitForLoadState();
    await sendDraft(desk, id);
    const { context, page, errors } = await phone(await linkFromMail(desk, { to: DANA.email, subject: number }));
    try {
      const sign = page.locator('section#sign');
      const consent = sign.getByRole('checkbox', { name: /agree to use electronic records and signatures/ });
      if (await consent.count()) await consent.check();
      await sign.getByLabel('Type it').check();
      await Promise.all([page.waitForNavigation(), sign.getByRole('button', { name: /& sign$/ }).click()]);
      const deposit = page.getByRole('button', { name: /^Pay the \$[\d,]+\.\d\d deposit now$/ });
      await deposit.waitFor();
      await look(page, 'portal-deposit');
      const checkout = await payOnline(page, deposit);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('checkout') === checkout),
        page.getByRole('button', { name: 'Pay by card' }).click(),
      ]);
      await page
        .getByText(/^Deposit of \$[\d,]+\.\d\d paid on /)
        .first()
        .waitFor();
      await look(page, 'portal-deposit-paid');
      assert.deepEqual(errors, []);

      // The simulated onboarding a company is sent to by "Connect Stripe" (looked at, not pressed).
      await desk.goto('/dev/stripe/onboard/acct_dev_demo?return=%2Fsettings%2Fpayments');
      await desk.getByRole('button', { name: 'Finish setup (card and bank account active)' }).waitFor();
      await look(desk, 'dev-onboard', { width: 1280, height: 900 });
    } finally {
      await context.close();
    }
  });
});
