// Issue 20, part A1, in real Chromium: the contractor marks lines of a draft estimate as the customer's
// choices (an optional group, a "choose one" set, an allowance); a set of one line is refused with its
// message on the field and the form kept; the sent estimate of the demo (the choices seed) shows its
// choice lines; once Dana chose and signed on her phone, the contractor's page says "Chosen by Dana
// Reyes" with the total those choices make. axe at 1280 and 390 px on each state; screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE, seedChoices } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp } from './harness.mjs';

const TITLE = 'Kitchen cabinets, vanity and floor — your options';

describe('customer choices on the contractor’s side', { timeout: 180_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk;

  /** axe and a screenshot at 1280 and 390 px of the page as it is; back to 1280. */
  async function look(page, name) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      await screenshot(page, `choices-contractor-${name}-${width}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    await seedChoices(app.base);
    const context = await newContext(browser, app.base, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
    desk = await context.newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('marks an optional group, refuses a set of one line with its message, then saves', async () => {
    await createFromBudget(desk, { groups: ['Cabinets & Counters', 'Finishes'] });
    const line = (name) =>
      desk.locator('table.editor-lines tbody tr').filter({ has: desk.locator(`[value="${name}"]`) });
    // A save answers the editor again (422) or redirects to it: the same address, so wait for the post's answer.
    const save = async () => {
      const posted = desk.waitForResponse((r) => r.request().method() === 'POST', { timeout: 90_000 });
      await desk.getByRole('button', { name: 'Save draft' }).click();
      await posted;
      await desk.waitForLoadState('domcontentloaded', { timeout: 90_000 });
    };

    await line('Finishes').getByLabel('Customer’s choice').selectOption('optional');
    await line('Finishes').getByLabel('Preselected').check();
    const counter = line('Quartz countertops, 3 cm');
    await counter.getByLabel('Customer’s choice').selectOption('alternate');
    await counter.getByLabel('Choose-one set').fill('Countertop');
    await line('Porcelain floor tile').getByLabel('Allowance').check();
    await save();
    const message = '“Countertop” has only this line: a choose-one set needs two or more lines';
    await desk.getByText(message).waitFor({ timeout: 90_000 });
    assert.equal(await counter.getByLabel('Choose-one set').inputValue(), 'Countertop', 'the set name is kept');
    assert.equal(await line('Finishes').getByLabel('Customer’s choice').inputValue(), 'optional');
    await look(desk, 'refused');

    await counter.getByLabel('Customer’s choice').selectOption('optional');
    await save();
    await desk.getByText('Draft saved.').waitFor({ timeout: 90_000 });
    assert.equal(await counter.getByLabel('Customer’s choice').inputValue(), 'optional');
    assert.equal(await counter.getByLabel('Choose-one set').isVisible(), false, 'a set name only for an alternate');
    assert.ok(await line('Porcelain floor tile').getByLabel('Allowance').isChecked());
    await look(desk, 'editor');
  });

  test('the demo estimate shows its choice lines; once Dana chose and signed, who chose what', async () => {
    await desk.goto('/documents');
    await desk.locator('tr', { hasText: TITLE }).getByRole('link').first().click();
    const number = /\b[A-Z]{2,4}-\d{4}\b/.exec(await desk.getByRole('heading', { level: 1 }).innerText())?.[0];
    assert.ok(number, 'the demo estimate has a number');
    const estimate = desk.url();
    await desk.locator('table.doc-lines').getByText('Heated floor').first().waitFor();
    await look(desk, 'sent');

    const link = await linkFromMail(desk, { to: DANA.email, subject: number });
    const phone = await (await newContext(browser, app.base, { ...PHONE, bypassCSP: true })).newPage();
    await phone.goto(link);
    const choices = phone.locator('section#choices');
    await choices.getByRole('radio', { name: /Floating walnut vanity/ }).check();
    await choices.getByRole('checkbox', { name: /Heated floor/ }).check();
    const panel = phone.locator('section#sign');
    const consent = panel.getByRole('checkbox');
    if (await consent.count()) await consent.check();
    await panel.getByLabel('Your full legal name').fill(DANA.name);
    await panel.getByLabel('Type it').check();
    await Promise.all([phone.waitForNavigation(), panel.getByRole('button', { name: 'Approve & sign' }).click()]);
    await phone.getByText('Thank you — your signature was recorded.').waitFor();

    await desk.goto(estimate);
    const made = desk.locator('section.choices-made');
    await made.getByRole('heading', { level: 2, name: `Chosen by ${DANA.name}` }).waitFor();
    assert.match(await made.innerText(), /Vanity: Floating walnut vanity, 48 in/);
    assert.match(await made.innerText(), /Heated floor: Added/);
    assert.match(await made.innerText(), /Total with these choices: \$[\d,]+\.\d\d/);
    await look(desk, 'chosen');
  });
});
