// Issue 13, "Bids that read like a form" and "Live outcomes and what changed", in real Chromium on a
// phone: a bid's line totals and running total follow the typing; after signing, "Finalizing the
// signed PDF…" becomes the download without a reload; a payment and a void made by the contractor
// reach the open page; a revision shows what changed since the version last opened, and a form
// being filled in waits behind "Show the latest". axe-core at 390 and 1280 px on every state.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  axeViolations,
  createFromBudget,
  DANA,
  KITCHEN,
  linkFromMail,
  PHONE,
  sendDraft,
  TRACK_SOCKETS,
} from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const SUMMIT = 'marco@summitelectric.test';

/** Counts main-frame navigations from now on: a live update must make none. */
function watchNavigation(page) {
  const seen = { navigations: 0 };
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.navigations++;
  });
  return seen;
}

const listening = (page) => page.waitForFunction(() => window.__openSockets > 0, null, { timeout: 10_000 });

describe('live outcomes and what changed (phone)', { timeout: 420_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor's signed-in page

  async function send({ kind, groups, to = DANA.email }) {
    const { id, number } = await createFromBudget(desk, { job: KITCHEN, kind, groups });
    await sendDraft(desk, id);
    const link = await linkFromMail(desk, { to, subject: number });
    return { id, number, link };
  }

  /** The recipient's phone (bypassCSP: axe is injected), listening once the page is open. */
  async function phone(link) {
    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    await context.addInitScript(TRACK_SOCKETS);
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(link);
    return { context, page, errors };
  }

  /** axe at 390 and 1280 px on the page as it is (resized, not reloaded), screenshots of both; back to 390. */
  async function look(page, name, { firstScreen = false } = {}) {
    if (firstScreen) await screenshot(page, `live-${name}-390-first-screen`, { fullPage: false });
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      await screenshot(page, `live-${name}-${width}`);
    }
    await page.setViewportSize(PHONE.viewport);
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base);
    desk = await context.newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('a bid: each line total and the running total follow the typing; empty says "No bid"', async () => {
    const bid = await send({ kind: /^Bid Request\b/, groups: ['Electrical'], to: SUMMIT });
    const { context, page, errors } = await phone(bid.link);
    try {
      const circuits = page.getByLabel('Your unit cost for Kitchen circuits and panel work');
      const lights = page.getByLabel('Your unit cost for LED recessed lights, 6 in');
      const under = page.getByLabel('Your unit cost for Under-cabinet lighting');
      const lineOf = (name) => page.locator('.bid-line', { has: page.locator('.item-name', { hasText: name }) });
      const totalOf = (name) => lineOf(name).locator('[data-line-total]');
      const running = page.locator('[data-bid-total]');
      for (const name of ['Kitchen circuits', 'LED recessed lights', 'Under-cabinet lighting'])
        assert.equal(await totalOf(name).innerText(), 'No bid');
      assert.equal(await running.innerText(), 'No bid');
      assert.match(await page.locator('#bid-hint').innerText(), /Leave it empty for “No bid”/);
      // The input sits inside its line, after the name and quantity; the line's total follows it.
      const order = await lineOf('LED recessed lights').evaluate((line) =>
        ['.item-name', '.bid-qty', 'input', '[data-line-total]'].map(
          (s) => line.querySelector(s).getBoundingClientRect().top,
        ),
      );
      assert.deepEqual(
        [...order].sort((a, b) => a - b),
        order,
        `name, quantity, input, total: ${order}`,
      );

      await circuits.pressSequentially('4,25');
      // A comma only groups thousands, as the server reads it: "4,25" is not a number yet.
      assert.equal(await totalOf('Kitchen circuits').innerText(), 'Check this amount');
      await circuits.pressSequentially('0');
      assert.equal(await totalOf('Kitchen circuits').innerText(), '$4,250.00');
      await lights.pressSequentially('48.5');
      assert.equal(await totalOf('LED recessed lights').innerText(), '$485.00'); // 10 ea × $48.50
      assert.equal(await running.innerText(), '$4,735.00');
      assert.equal(await page.locator('[data-bid-count]').innerText(), '2 of 3 lines priced');
      await under.pressSequentially('12.345');
      assert.equal(await totalOf('Under-cabinet lighting').innerText(), 'Check this amount');
      assert.equal(await running.innerText(), '$4,735.00');
      await under.press('Backspace');
      assert.equal(await totalOf('Under-cabinet lighting').innerText(), '$172.76'); // 14 lf × $12.34
      assert.equal(await running.innerText(), '$4,907.76');
      await under.fill('');
      assert.equal(await totalOf('Under-cabinet lighting').innerText(), 'No bid');
      await look(page, 'bid-typing', { firstScreen: true });

      // Submit last: the saved bid shows every line's total, "No bid" where blank, and the total.
      await page.getByLabel('Notes for the contractor (optional)').fill('Panel labels included.');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Submit bid' }).click()]);
      await page.getByRole('heading', { level: 2, name: 'Update your bid' }).waitFor();
      assert.equal(await totalOf('Kitchen circuits').innerText(), '$4,250.00');
      assert.equal(await totalOf('Under-cabinet lighting').innerText(), 'No bid');
      assert.equal(await running.innerText(), '$4,735.00');
      assert.match(await page.locator('#bid').innerText(), /You submitted \$4,735\.00 on/);
      await look(page, 'bid-submitted');
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('after signing, "Finalizing the signed PDF…" becomes the download without a reload', async () => {
    const est = await send({ kind: /^Estimate\b/, groups: ['Plumbing'] });
    const { context, page, errors } = await phone(est.link);
    // A second tab on the document, open before the signature: it hears the decision and then the seal, live.
    const other = await context.newPage();
    const otherErrors = watchErrors(other);
    try {
      await other.goto(`/portal/documents/${est.id}`);
      await listening(other);
      const otherNav = watchNavigation(other);
      const sign = page.locator('section#sign');
      const consent = sign.getByRole('checkbox');
      if (await consent.count()) await consent.check();
      await sign.getByLabel('Type it').check();
      const landed = page.waitForResponse(
        (r) => r.request().isNavigationRequest() && r.request().method() === 'GET' && r.url().includes(est.id),
      );
      await Promise.all([page.waitForNavigation(), sign.getByRole('button', { name: /& sign$/ }).click()]);
      const nav = watchNavigation(page);
      const first = await (await landed).text();
      // The seal runs after the signature's answer and takes a few tens of ms here (issue 19 made it smaller):
      // the page after signing may arrive before it is recorded ("Finalizing…", then the download, live) or after
      // (the download at once). Either is right; the tab opened before signing always sees it happen live.
      const servedFinalizing = /Finalizing the signed PDF/.test(first);
      const outcome = page.locator('section.outcome');
      await page.evaluate(() => document.getElementById('decide').scrollIntoView());
      await screenshot(page, 'live-signed-now-390-first-screen', { fullPage: false }); // "Finalizing" if not sealed yet
      const download = outcome.getByRole('link', { name: 'Download the signed PDF' });
      await download.waitFor({ timeout: 20_000 });
      assert.equal(await outcome.getByText('Finalizing the signed PDF').count(), 0);
      assert.equal(nav.navigations, 0, 'no reload');
      if (servedFinalizing)
        assert.match(await page.getByRole('status').filter({ hasText: 'signed PDF is ready' }).innerText(), /ready/);
      const pdf = await page.request.get(await download.getAttribute('href'));
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      await look(page, 'signed-sealed', { firstScreen: true });
      assert.deepEqual(errors, []);

      // The tab open before signing: the sign form became the outcome, and then its download, without a reload.
      const otherOutcome = other.locator('section.outcome');
      await otherOutcome.getByRole('link', { name: 'Download the signed PDF' }).waitFor({ timeout: 20_000 });
      assert.match(await otherOutcome.innerText(), /Signed by Dana Reyes/);
      assert.equal(await other.locator('section#sign').count(), 0, 'the sign form is gone');
      assert.equal(otherNav.navigations, 0, 'no reload in the other tab');
      assert.deepEqual(otherErrors, []);

      // The state before sealing, exactly as it was served, held still (no scripts) for axe and screenshots;
      // the same markup the live update shows while a seal is made ("Finalizing…"), when this run was served it.
      if (!servedFinalizing)
        console.log('# the page after signing arrived sealed: its "Finalizing…" state was not served');
      const still = servedFinalizing ? await newContext(browser, app.base, { ...PHONE, bypassCSP: true }) : null;
      try {
        if (still) {
          await still.route('**/*.js', (route) => route.abort()); // the page's own scripts; axe is injected inline
          await still.route(`**/portal/documents/${est.id}`, (route) =>
            route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: first }),
          );
          const before = await still.newPage();
          await before.goto(`/portal/documents/${est.id}`);
          await before.locator('section.outcome').getByText('Finalizing the signed PDF').scrollIntoViewIfNeeded();
          await look(before, 'signed-finalizing', { firstScreen: true });
        }
      } finally {
        await still?.close();
      }
    } finally {
      await context.close();
    }
  });

  test('the contractor records a payment, then voids: the open invoice page shows both without a reload', async () => {
    const inv = await send({ kind: /^Invoice\b/, groups: ['Demolition'] });
    const { context, page, errors } = await phone(inv.link);
    try {
      await listening(page);
      const nav = watchNavigation(page);
      await desk.goto(`/documents/${inv.id}`);
      const pay = desk.locator('form[action$="/payments"]');
      await desk.locator('summary', { hasText: 'Record a payment' }).click();
      await pay.locator('input[name="amount"]').fill('250.00');
      await pay.locator('input[name="paidOn"]').fill('2026-01-15');
      await pay.locator('select[name="method"]').selectOption({ label: 'Check' });
      await pay.locator('input[name="reference"]').fill('1042');
      await Promise.all([desk.waitForNavigation(), desk.getByRole('button', { name: 'Record payment' }).click()]);
      await page.locator('#decide').getByText('Check · 1042').waitFor();
      assert.match(await page.locator('#summary').innerText(), /Paid so far\s+\$250\.00/);
      assert.match(await page.getByRole('status').filter({ hasText: 'A payment was recorded' }).innerText(), /payment/);
      assert.equal(nav.navigations, 0, 'no reload');
      await look(page, 'invoice-paid-live');

      // A second invoice, voided while open.
      const other = await send({ kind: /^Invoice\b/, groups: ['Framing & Drywall'] });
      const second = await context.newPage();
      const secondErrors = watchErrors(second);
      await second.goto(other.link);
      await listening(second);
      const nav2 = watchNavigation(second);
      await desk.goto(`/documents/${other.id}`);
      await Promise.all([desk.waitForNavigation(), desk.getByRole('button', { name: 'Void', exact: true }).click()]);
      // Issue 14: the contractor is asked first ("Void INV-…?"), then voids.
      await Promise.all([desk.waitForNavigation(), desk.getByRole('button', { name: /^Void INV-/ }).click()]);
      await second.getByText('This document was voided. It is no longer valid.').first().waitFor();
      assert.equal(nav2.navigations, 0, 'no reload');
      await look(second, 'invoice-voided-live');
      assert.deepEqual([...errors, ...secondErrors], []);
    } finally {
      await context.close();
    }
  });

  test('a revision shows what changed since the version last opened; a form being filled in waits', async () => {
    const est = await send({ kind: /^Estimate\b/, groups: ['Demolition'] });
    const { context, page, errors } = await phone(est.link);
    try {
      await listening(page);
      // The recipient starts filling in the form: that part must not be swept away by the update.
      const name = page.getByLabel('Your full legal name');
      await name.fill('Dana R');
      const nav = watchNavigation(page);

      await desk.goto(`/documents/${est.id}`);
      await Promise.all([desk.waitForNavigation(), desk.getByRole('button', { name: 'Revise' }).click()]);
      await desk.goto(`/documents/${est.id}`);
      const row = (text) => desk.locator('tr', { has: desk.locator(`input[value="${text}"]`) });
      await row('Remove existing cabinets and counters').locator('input[name^="amount."]').fill('95.00');
      await row('Floor tile removal').locator('input[name^="quantity."]').fill('200');
      await desk.getByLabel('Remove Dumpster rental, 20 yd').check();
      await desk.getByLabel('New line name').fill('Haul-away trip');
      await desk.getByLabel('New line quantity').fill('2');
      await desk.getByLabel('New line unit', { exact: true }).fill('ea');
      await desk.getByLabel('New line unit price').fill('350.00');
      await Promise.all([desk.waitForNavigation(), desk.getByRole('button', { name: 'Save draft' }).click()]);
      await sendDraft(desk, est.id);

      const changes = page.locator('#changes');
      await changes.waitFor({ timeout: 15_000 });
      const text = await changes.innerText();
      assert.match(text, /What changed since rev 1/);
      assert.match(text, /Added\s+Haul-away trip: 2 ea × \$350\.00 = \$700\.00/);
      assert.match(text, /Removed\s+Dumpster rental, 20 yd/);
      assert.match(text, /Changed\s+Remove existing cabinets and counters: unit price \$95\.00 \(was \$81\.25\)/);
      assert.match(text, /Changed\s+Floor tile removal: quantity 200 sq ft \(was 180 sq ft\)/);
      assert.match(text, /Total \$[\d,]+\.\d\d, (up|down) \$[\d,]+\.\d\d from \$[\d,]+\.\d\d\./);
      assert.match(await page.locator('#summary').innerText(), /rev 2/);
      // The form being filled in was kept, and says the document changed.
      assert.equal(await name.inputValue(), 'Dana R');
      const notice = page.locator('p.notice', { hasText: 'This document changed.' });
      await notice.waitFor();
      assert.equal(await page.locator('input[name="comparedTo"]').count(), 0, 'the old form is still shown');
      assert.equal(nav.navigations, 0, 'no reload');
      await look(page, 'revision-held', { firstScreen: true });
      await notice.getByRole('button', { name: 'Show the latest' }).click();
      await page.locator('input[name="comparedTo"]').waitFor({ state: 'attached' });
      assert.equal(await page.locator('p.notice', { hasText: 'This document changed.' }).count(), 0);
      await page.evaluate(() => window.scrollTo(0, 0));
      await look(page, 'revision-comparison', { firstScreen: true });

      // Signed after seeing it: the signature records the comparison.
      const sign = page.locator('section#sign');
      await sign.getByLabel('Your full legal name').fill('Dana Reyes');
      const consent = sign.getByRole('checkbox');
      if (await consent.count()) await consent.check();
      await sign.getByLabel('Type it').check();
      await Promise.all([page.waitForNavigation(), sign.getByRole('button', { name: /& sign$/ }).click()]);
      await page.getByRole('heading', { level: 2, name: /^Signed by / }).waitFor();
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
});
