// Issue 20, part D, in Chromium: the contractor asks for a W-9 when sending; on a phone the customer sees
// the checklist first, the sign button waiting on it, uploads the W-9 into its slot and then signs. The
// contractor's page shows the slot filled. axe-core at 390 and 1280 px on each page; screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

describe('requested files', { timeout: 120_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;

  /** axe (and no sideways scrolling) at 390 and 1280 px on the page as it is, screenshots. */
  async function look(page, name, back = PHONE.viewport) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= width, `${name} fits ${width} px without scrolling sideways (${wide} px)`);
      await screenshot(page, `requested-files-${name}-${width}`, { fullPage: true });
    }
    await page.setViewportSize(back);
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('asked for at send, uploaded from a phone into its slot, then signed', async () => {
    const desk = await (await newContext(browser, app.base, { bypassCSP: true })).newPage();
    const deskErrors = watchErrors(desk);
    await signIn(desk);
    const { id, number } = await createFromBudget(desk, { groups: ['Demolition'] });
    await desk.goto(`/documents/${id}/send`);
    await desk.getByRole('checkbox', { name: 'W-9 (required)' }).check();
    await desk.getByLabel('Other file 1', { exact: true }).fill('Proof of homeowner insurance');
    await desk.getByLabel('Other file 1 is').selectOption('optional');
    await look(desk, 'send', { width: 1280, height: 900 });
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      desk.getByRole('button', { name: /^Send to Customer$/ }).click(),
    ]);
    const panel = desk.locator('#requested-files');
    await panel.getByText('Needed before they can sign').waitFor();

    const link = await linkFromMail(desk, { to: DANA.email, subject: number });
    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const phone = await context.newPage();
    const errors = watchErrors(phone);
    await phone.goto(link);
    const checklist = phone.locator('#requested-files');
    await checklist.getByRole('heading', { name: /needs from you$/ }).waitFor();
    const sign = phone.locator('section#sign');
    await sign.getByText('Upload the requested file first: W-9.').waitFor();
    assert.ok(await sign.getByRole('button', { name: 'Approve & sign' }).isDisabled(), 'signing waits for the W-9');
    await look(phone, 'portal-needed');

    await checklist
      .getByLabel(/^File for W-9/)
      .setInputFiles({ name: 'w9.pdf', mimeType: 'application/pdf', buffer: PDF });
    await Promise.all([
      phone.waitForURL(/#requested-files$/),
      checklist.getByRole('button', { name: 'Upload W-9' }).click(),
    ]);
    await checklist.getByText(/Uploaded by Dana Reyes on/).waitFor();
    await look(phone, 'portal-uploaded');

    await sign.getByRole('checkbox', { name: /agree to use electronic records and signatures/ }).check();
    await sign.getByText('Type it').click();
    await Promise.all([phone.waitForURL(/#decide$/), sign.getByRole('button', { name: 'Approve & sign' }).click()]);
    await phone.getByRole('heading', { name: /^Signed by/ }).waitFor();

    await desk.goto(`/documents/${id}`);
    await desk
      .locator('#requested-files')
      .getByText(/Uploaded by Dana Reyes on/)
      .waitFor();
    await desk.getByText('uploaded W-9 (w9.pdf)').first().waitFor();
    await look(desk, 'contractor', { width: 1280, height: 900 });
    assert.deepEqual(errors, [], 'no console errors on the phone');
    assert.deepEqual(deskErrors, [], 'no console errors on the contractor’s pages');
  });
});
