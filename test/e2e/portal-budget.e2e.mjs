// Issue 13, "Budgets": in real Chromium on a phone, the signing script shifts nothing (CLS < 0.01),
// the script font is fetched only once the typed signature is shown, and with JavaScript off every
// portal form still does its job: comment, upload, sign (typed), decline (after confirming), bid.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFromBudget, DANA, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

/** Sums every layout shift not caused by input, from the first paint on (buffered). */
const WATCH_SHIFTS = () => {
  window.__cls = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__cls += entry.value;
  }).observe({ type: 'layout-shift', buffered: true });
};

describe('portal budgets in real Chromium', { timeout: 180_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let link; // the recipient's link to a sent estimate that asks for a signature
  let contractor;
  let desk;

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    contractor = await newContext(browser, app.base);
    desk = await contractor.newPage();
    await signIn(desk);
    link = await send({ groups: ['Cabinets & Counters', 'Electrical'] });
  });

  /** Makes a document from the Kitchen budget, sends it, and returns the recipient's link. */
  async function send({ kind = /^Estimate\b/, groups, to = DANA.email }) {
    const { id, number } = await createFromBudget(desk, { kind, groups });
    await sendDraft(desk, id);
    return linkFromMail(desk, { to, subject: number });
  }

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('no layout shift from the signing script, with the decision on screen (CLS < 0.01)', async () => {
    const context = await newContext(browser, app.base, PHONE);
    try {
      await context.addInitScript(WATCH_SHIFTS);
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(link);
      const url = new URL(page.url());
      // Opened at its decision, so the signing form (where sign.js works) is in the viewport while it loads.
      await page.goto(`${url.pathname}#decide`);
      await page.waitForLoadState('load');
      await page.locator('[data-signature-pad] canvas').waitFor({ state: 'visible' });
      await sleep(500);
      const cls = await page.evaluate(() => window.__cls);
      await screenshot(page, 'budget-decide-390', { fullPage: false });
      assert.ok(cls < 0.01, `cumulative layout shift ${cls} ≥ 0.01`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });

  test('the script font is fetched only when the typed signature is shown', async () => {
    const context = await newContext(browser, app.base, PHONE);
    try {
      const page = await context.newPage();
      const fonts = [];
      page.on('request', (r) => {
        if (/\/fonts\/DancingScript/.test(r.url())) fonts.push(r.url());
      });
      await page.goto(link);
      await page.waitForLoadState('load');
      await page.locator('[data-signature-pad] canvas').waitFor({ state: 'attached' });
      await sleep(300);
      assert.deepEqual(fonts, [], 'drawing is the default with JavaScript: no script font yet');
      await page.locator('input[name="method"][value="typed"]').check();
      await page.locator('[data-typed-preview]').waitFor({ state: 'visible' });
      const deadline = Date.now() + 5_000;
      while (!fonts.length && Date.now() < deadline) await sleep(100);
      assert.equal(fonts.length, 1, 'the typed preview fetches the script font once');
    } finally {
      await context.close();
    }
  });

  test('JavaScript off: comment, upload, sign typed, decline after confirming, and bid all work', {
    timeout: 120_000,
  }, async () => {
    const toSign = await send({ groups: ['Plumbing'] });
    const toDecline = await send({ groups: ['Finishes'] });
    const bid = await send({ kind: /^Bid Request\b/, groups: ['Electrical'], to: 'marco@summitelectric.test' });
    const context = await newContext(browser, app.base, { ...PHONE, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      const fonts = [];
      page.on('request', (r) => {
        if (/\/fonts\/DancingScript/.test(r.url())) fonts.push(r.url());
      });
      await page.goto(toSign);

      // A comment, posted as a plain form: back on the document, the comment in the thread.
      await page.getByLabel('Add a comment').fill('Can the sink go in before the counters?');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Post comment' }).click()]);
      await page.locator('.thread').getByText('Can the sink go in before the counters?').waitFor();

      // A file, uploaded as a plain multipart form.
      const file = join(tmpdir(), 'no-js-photo-notes.txt');
      writeFileSync(file, 'Photos of the sink wall.\n');
      await page.getByLabel(/Share files/).setInputFiles(file);
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Upload' }).click()]);
      await page.getByText('no-js-photo-notes.txt').first().waitFor();

      // The typed signature is the one shown without scripts: its font comes with it (noscript.css).
      assert.ok(fonts.length >= 1, 'the script font is fetched for the typed signature shown without scripts');
      await page.getByLabel(/I agree to use electronic records/).check();
      await page.getByLabel('Your full legal name').fill('Dana Reyes');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Approve & sign' }).click()]);
      await page
        .getByRole('heading', { name: /Approved by Dana Reyes|Signed by Dana Reyes/ })
        .first()
        .waitFor();
      await screenshot(page, 'budget-nojs-signed-390');

      // Decline: the first press asks, "Yes, decline" decides.
      await page.goto(toDecline);
      await page.getByText('Decline instead').click();
      await page.getByLabel(/^Reason/).fill('We will wait until spring.');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Decline', exact: true }).click()]);
      await page.getByRole('button', { name: 'Yes, decline' }).waitFor();
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Yes, decline' }).click()]);
      await page
        .getByText(/Declined/)
        .first()
        .waitFor();
      await page.getByText('We will wait until spring.').first().waitFor();

      // A bid: one line priced, the rest "No bid"; submitted, the totals come from the server.
      await page.goto(bid);
      await page.getByLabel('Your unit cost for Kitchen circuits and panel work').fill('4250');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Submit bid' }).click()]);
      assert.match(await page.locator('#bid').innerText(), /You submitted \$4,250\.00 on/);
      await screenshot(page, 'budget-nojs-bid-390');
    } finally {
      await context.close();
    }
  });
});
