// Issue 14, "never send what you didn't mean to", in real Chromium: a new draft's title is asked
// for and suggested from the groups ticked; an edit followed by "Send to Customer" is saved and the
// send page shows the saved title, total and line count; leaving the editor with unsaved changes
// warns; Settings' terms per type land on an invoice. axe at 1280 and 390 px, with screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, KITCHEN } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

describe('the contractor never sends what they did not mean to', { timeout: 120_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let page;
  let errors;
  let draft; // the estimate made in the first test

  /** axe at 1280 and 390 px on the page as it is, with screenshots; back to 1280. */
  async function look(name) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      await screenshot(page, `send-${name}-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base, { bypassCSP: true });
    page = await context.newPage();
    errors = watchErrors(page);
    await signIn(page);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('a new draft asks for a title, suggested from the groups ticked and the kind', async () => {
    await page.goto('/jobs');
    await page.getByRole('link', { name: KITCHEN, exact: true }).click();
    await page.getByRole('link', { name: 'New document' }).first().click();
    // The page's module scripts (select-items.js, draft-title.js) run before DOMContentLoaded: a box ticked
    // before them was neither synced nor heard (under load, CI once saw the job's title stay).
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.getByRole('link', { name: /^Estimate\b/ }).click(),
    ]);
    const title = page.getByRole('textbox', { name: /^Title/ });
    assert.equal(await title.inputValue(), `${KITCHEN} — estimate`);
    await page.getByLabel('Cabinets & Counters', { exact: true }).check();
    assert.equal(await title.inputValue(), 'Cabinets & Counters — estimate');
    await look('new-draft');
    await Promise.all([
      page.waitForURL(/\/documents\/[a-z0-9]+(\?|$)/),
      page.getByRole('button', { name: 'Create estimate' }).click(),
    ]);
    draft = new URL(page.url()).pathname.split('/').pop();
    assert.equal(await page.getByRole('textbox', { name: /^Title/ }).inputValue(), 'Cabinets & Counters — estimate');
  });

  test('an edited title followed by "Send to Customer" is saved; the send page shows title, total and lines', async () => {
    await page.goto(`/documents/${draft}`);
    await look('editor');
    // Enter in a field saves (the form's default button); it never sends.
    await page.getByRole('textbox', { name: /^Title/ }).fill('Cabinets and counters — first pass');
    await Promise.all([page.waitForNavigation(), page.getByRole('textbox', { name: /^Title/ }).press('Enter')]);
    assert.equal(new URL(page.url()).pathname, `/documents/${draft}`);
    assert.equal(
      await page.getByRole('textbox', { name: /^Title/ }).inputValue(),
      'Cabinets and counters — first pass',
    );

    await page.getByRole('textbox', { name: /^Title/ }).fill('Cabinets and counters — revised');
    const total = (await page.locator('.totals-table tr.grand td').first().innerText()).trim();
    const lines = await page.locator('table.editor-lines tbody tr:not(.group-row):not(.new-line)').count();
    await Promise.all([
      page.waitForURL(`**/documents/${draft}/send`),
      page.getByRole('button', { name: 'Send to Customer' }).click(),
    ]);
    const facts = page.locator('dl.send-facts');
    assert.equal(await facts.locator('dt:text-is("Title") + dd').innerText(), 'Cabinets and counters — revised');
    assert.equal(await facts.locator('dt:text-is("Total") + dd').innerText(), total);
    assert.equal(await facts.locator('dt:text-is("Lines") + dd').innerText(), `${lines} lines`);
    await look('send-page');
  });

  test('leaving the editor with unsaved changes warns; a saved editor leaves quietly', async () => {
    await page.goto(`/documents/${draft}`);
    await page.getByRole('textbox', { name: /^Title/ }).click();
    await page.keyboard.type(' (not saved)');
    const dialog = page.waitForEvent('dialog');
    // The click returns once the dialog is answered, so it is not awaited before the dialog.
    const click = page.getByRole('link', { name: KITCHEN }).first().click({ noWaitAfter: true });
    const d = await dialog;
    assert.equal(d.type(), 'beforeunload');
    await d.dismiss();
    await click;
    await sleep(200);
    assert.equal(new URL(page.url()).pathname, `/documents/${draft}`);
    assert.match(await page.getByRole('textbox', { name: /^Title/ }).inputValue(), /\(not saved\)/);

    await page.goto(`/documents/${draft}`); // the same page, nothing typed
    let warned = false;
    page.on('dialog', (x) => {
      warned = true;
      x.accept();
    });
    await Promise.all([page.waitForURL(/\/jobs\//), page.getByRole('link', { name: KITCHEN }).first().click()]);
    assert.equal(warned, false, 'no warning without changes');
  });

  test('each type’s default template holds its terms; a new invoice starts with the invoice terms', async () => {
    // Issue 20: the terms per type live in each type's default template (Settings → Templates).
    await page.goto('/settings/templates');
    const invoiceTerms = 'Payment is due within 15 days of the invoice date.';
    const invoices = page.locator('section.template-kind', { has: page.getByRole('heading', { name: 'Invoices' }) });
    await Promise.all([
      page.waitForURL(/\/settings\/templates\/[a-z0-9]+$/),
      invoices.getByRole('link', { name: 'Standard' }).click(),
    ]);
    await page.getByLabel('Terms', { exact: true }).fill(invoiceTerms);
    await look('settings');
    await Promise.all([
      page.waitForURL(/\/settings\/templates(\?|#|$)/),
      page.getByRole('button', { name: 'Save template' }).click(),
    ]);
    await page.getByText('Template “Standard” saved.').waitFor();
    await page.goto('/jobs');
    await page.getByRole('link', { name: KITCHEN, exact: true }).click();
    await page.getByRole('link', { name: 'New document' }).first().click();
    await page.getByRole('link', { name: /^Invoice\b/ }).click();
    await page.getByLabel('Cabinets & Counters', { exact: true }).check();
    await Promise.all([
      page.waitForURL(/\/documents\/[a-z0-9]+(\?|$)/),
      page.getByRole('button', { name: 'Create invoice' }).click(),
    ]);
    assert.equal(await page.getByRole('textbox', { name: 'Terms', exact: true }).inputValue(), invoiceTerms);
    // Script errors only: the dev server may answer a resource 503 while it reloads edited sources.
    assert.deepEqual(
      errors.filter((e) => e.startsWith('pageerror')),
      [],
    );
  });
});
