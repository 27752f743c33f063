// Issue 20, display options and line marks in real Chromium: the contractor picks "Group subtotals only" in
// the draft editor and sends; on a phone the homeowner's document shows each group's subtotal and the
// totals, no unit price, quantity or line total; the demo estimate offering choices reads its marks
// ("Allowance: … selected later", "Optional · …", "Option of Vanity · …"). axe-core at 390 and 1280 px on
// the editor's fieldset and both portal pages; screenshots of each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE, seedChoices, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

describe('what the customer sees of the numbers', { timeout: 240_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk;

  /** axe at 390 and 1280 px on the page as it is, with a screenshot of `selector` at each; back to 390. */
  async function look(page, name, selector) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      await page.locator(selector).evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await screenshot(page, `display-${name}-${width}`, { fullPage: false });
    }
    await page.setViewportSize(PHONE.viewport);
  }

  async function phone(link) {
    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(link);
    return { page, errors };
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
    desk = await context.newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('"Group subtotals only" in the editor: the phone shows subtotals and totals, no line numbers', async () => {
    const { id, number } = await createFromBudget(desk, { groups: ['Demolition', 'Cabinets & Counters'] });
    const fieldset = desk.getByRole('group', { name: 'How the lines are shown' });
    await fieldset.getByRole('radio', { name: 'Group subtotals only' }).check();
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      desk.getByRole('button', { name: 'Save draft' }).last().click(),
    ]);
    assert.equal(await fieldset.getByRole('radio', { name: 'Group subtotals only' }).isChecked(), true);
    await desk.setViewportSize({ width: 1280, height: 900 });
    for (const width of [390, 1280]) {
      await desk.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(desk), '', `axe on the editor at ${width} px`);
      await desk.locator('#display-h').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await screenshot(desk, `display-editor-${width}`, { fullPage: false });
    }
    await desk.setViewportSize({ width: 1280, height: 900 });
    await sendDraft(desk, id);
    const link = await linkFromMail(desk, { to: DANA.email, subject: number });

    const { page, errors } = await phone(link);
    const doc = page.locator('#document');
    await doc.waitFor();
    const headings = await doc.locator('table.doc-lines thead th').allTextContents();
    assert.deepEqual(
      headings.map((h) => h.trim()),
      ['Item', 'Amount'],
    );
    assert.ok((await doc.innerText()).includes('Total'));
    await look(page, 'subtotals', '#document');
    assert.deepEqual(errors, []);
  });

  test('the demo estimate offering choices reads its marks on a phone', async () => {
    // The demo estimate is sent to Dana by the seed: the newest estimate in her mailbox.
    await seedChoices(app.base);
    const link = await linkFromMail(desk, { to: DANA.email, subject: 'Estimate' });
    const { page, errors } = await phone(link);
    const doc = page.locator('#document');
    await doc.waitFor();
    const text = await doc.innerText();
    assert.match(text, /Allowance: \$[\d,.]+ for Tile, selected later/);
    assert.match(text, /Optional · (Included|Not included)/);
    assert.match(text, /Option of Vanity · Included/);
    await look(page, 'marks', '#document table.doc-lines');
    assert.deepEqual(errors, []);
  });
});
