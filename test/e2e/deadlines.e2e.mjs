// Issue 16, "Done means": an expired estimate refuses a signature on a phone. Dana opens an estimate
// before its valid-until date; the date passes while the page is open (moved through the development
// helper /dev/documents/:id/deadline); "Approve & sign" is refused with the message where the form was.
// Opened again, the page says it expired, offers "Ask for an update" and no signature pad; asking says
// when she asked and the button goes. axe-core at 390 and 1280 px on each state; screenshots of each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

describe('an expired estimate on a phone', { timeout: 90_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor, 1280 px

  /** axe (and no sideways scrolling) at 390 and 1280 px on the page as it is, screenshots; back to the phone. */
  async function look(page, name) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= width, `${name} fits ${width} px without scrolling sideways (${wide} px)`);
      await screenshot(page, `deadlines-${name}-${width}`);
    }
    await page.setViewportSize(PHONE.viewport);
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    desk = await (await newContext(browser, app.base)).newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('signing after the date is refused on the open page; the expired page asks for an update', async () => {
    const { id, number } = await createFromBudget(desk, { groups: ['Demolition'] });
    await sendDraft(desk, id);
    const link = await linkFromMail(desk, { to: DANA.email, subject: number });

    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const phone = await context.newPage();
    const errors = watchErrors(phone);
    await phone.goto(link);
    const panel = phone.locator('section#sign');
    await panel.getByRole('heading', { level: 2, name: 'Review and sign' }).waitFor();

    // The valid-until date passes while the page is open.
    await desk.goto(`/dev/documents/${id}/deadline`);
    await desk.getByLabel('Deadline (YYYY-MM-DD)').fill('2026-01-05');
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      desk.getByRole('button', { name: 'Move deadline' }).click(),
    ]);

    await panel.getByLabel('Type it').check();
    const consent = panel.getByRole('checkbox');
    if (await consent.count()) await consent.check();
    await Promise.all([phone.waitForNavigation(), panel.getByRole('button', { name: 'Approve & sign' }).click()]);
    const message = 'This estimate expired on Jan 5, 2026 — ask Oak & Stone Builders for an updated one.';
    const alert = phone.getByRole('alert').filter({ hasText: message });
    await alert.waitFor();
    await phone.waitForFunction(() => document.activeElement?.hasAttribute('data-focus-error'), null, {
      timeout: 5_000,
    });
    assert.equal(await phone.locator('[data-signature-pad]').count(), 0, 'no signature pad once expired');
    assert.equal(await phone.getByRole('button', { name: 'Approve & sign' }).count(), 0);
    await phone.getByText('Expired Jan 5', { exact: true }).waitFor();
    await look(phone, 'refused');

    // Opened again: it says it expired, and offers one thing to do.
    await phone.goto(`/portal/documents/${id}`);
    await phone.getByText(message).waitFor();
    assert.equal(await phone.locator('[data-signature-pad]').count(), 0);
    assert.equal(await phone.locator('.decide-bar:visible').count(), 0, 'no "Review & sign" bar on a phone');
    await look(phone, 'expired');

    await Promise.all([phone.waitForNavigation(), phone.getByRole('button', { name: 'Ask for an update' }).click()]);
    await phone.getByText(/^You asked Oak & Stone Builders for an update on [A-Z][a-z]{2} \d{1,2}\.$/).waitFor();
    await phone.getByText('Oak & Stone Builders was asked for an update.', { exact: false }).waitFor();
    assert.equal(await phone.getByRole('button', { name: 'Ask for an update' }).count(), 0, 'asked once a day');
    await look(phone, 'asked');
    // The refused sign's page is answered 422 on purpose: the browser logs that status, nothing else.
    const unexpected = errors.filter((e) => !/status of 422/.test(e));
    assert.deepEqual(unexpected, [], 'no script errors on the portal pages');

    await context.close();
  });
});
