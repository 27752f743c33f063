// Issue 18, part D, in real Chromium: an estimate sent with "Ask signers for a code emailed to them
// before they sign"; on a phone the signer asks for the code, reads it from the development mailbox,
// types it and signs. axe over the sign panel with the code at 390 and 1280 px, before and after the
// code was sent; screenshots of both.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, startApp, watchErrors } from './harness.mjs';

const GROUP = 'Cabinets & Counters';

describe('an emailed code before signing, on a phone', { timeout: 120_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor, signed in

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    desk = await (await newContext(browser, app.base)).newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('send with the box ticked; ask for the code, type it from the email, sign', async () => {
    const { id, number } = await createFromBudget(desk, { groups: [GROUP] });
    await desk.goto(`/documents/${id}/send`);
    const box = desk.getByLabel('Ask signers for a code emailed to them before they sign');
    await box.check();
    await box.scrollIntoViewIfNeeded();
    await screenshot(desk, 'email-code-send-box-1280', { fullPage: false });
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      desk.getByRole('button', { name: /^Send to Customer$/ }).click(),
    ]);
    const link = await linkFromMail(desk, { to: DANA.email, subject: number });

    const phone = await (await newContext(browser, app.base, { ...PHONE, bypassCSP: true })).newPage();
    const errors = watchErrors(phone);
    await phone.goto(link);
    await phone.waitForURL(/\/portal\/documents\//);
    const panel = phone.locator('section.next-step');
    await assert.doesNotReject(panel.getByText('We’ll email a 6-digit code to d***@example.test.').waitFor());
    await panel.scrollIntoViewIfNeeded();
    assert.equal(await axeViolations(phone), '', 'axe at 390 px: the sign panel with the code');
    await screenshot(phone, 'email-code-390', { fullPage: false });

    await Promise.all([
      phone.waitForURL(/#sign-code$/),
      panel.getByRole('button', { name: 'Email me a code' }).click(),
    ]);
    await assert.doesNotReject(panel.getByText(/We emailed a 6-digit code to d\*\*\*@example\.test/).waitFor());
    const sentAt390 = await axeViolations(phone);
    assert.equal(sentAt390, '', 'axe at 390 px: after the code was sent');
    await screenshot(phone, 'email-code-sent-390', { fullPage: false });

    const said = await linkFromMail(desk, { to: DANA.email, subject: 'Your code for', pattern: /is (\d{6})\./ });
    const code = /\d{6}/.exec(said)[0];
    await phone.getByLabel('6-digit code').fill(code);
    await phone.getByLabel('Your full legal name').fill('Dana Maria Reyes');
    await phone.getByLabel('Type it').check();
    const consent = phone.getByLabel(/I agree to use electronic records/);
    if (await consent.count()) await consent.check();

    await phone.setViewportSize({ width: 1280, height: 900 });
    await panel.scrollIntoViewIfNeeded();
    assert.equal(await axeViolations(phone), '', 'axe at 1280 px: the sign panel with the code typed');
    await screenshot(phone, 'email-code-1280', { fullPage: false });

    await phone.getByRole('button', { name: 'Approve & sign' }).click();
    await phone.waitForURL(/#decide$/).catch(async (err) => {
      await screenshot(phone, 'email-code-failed');
      throw err;
    });
    await assert.doesNotReject(phone.getByText('Thank you — your signature was recorded.').waitFor());
    await screenshot(phone, 'email-code-signed-1280', { fullPage: false });
    // Settings: the default the send page's box starts from.
    await desk.goto('/settings');
    const fallback = desk.getByLabel('Ask signers for a code emailed to them before they sign');
    await fallback.scrollIntoViewIfNeeded();
    await screenshot(desk, 'email-code-settings-1280', { fullPage: false });
    assert.deepEqual(errors, []);
  });
});
