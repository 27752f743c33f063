// Issue 17, part D, "Done means": one person with documents from two contractors. The demo seeds
// Bright Electric, whose customer is Oak & Stone's Arjun Patel too (the same address), with an estimate
// sent to him; Oak & Stone sends him one here. Each company's email to him has its own link. On a phone (390 px) he opens both in one browser, switches between
// the companies (each home in its own branding) and sees all of them on one page. A browser without a
// session is offered a new link by email. axe-core at 390 and 1280 px on each page; screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, BATH, createFromBudget, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const ARJUN = 'arjun.patel@example.test';
const OAK = 'Oak & Stone Builders';
const BRIGHT = 'Bright Electric';

describe('one person, two contractors, one portal', { timeout: 90_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;

  /** axe (and no sideways scrolling) at 390 and 1280 px on the page as it is, screenshots; back to the phone. */
  async function look(page, name) {
    for (const width of [390, 1280]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= width, `${name} fits ${width} px without scrolling sideways (${wide} px)`);
      await screenshot(page, `people-portal-${name}-${width}`);
    }
    await page.setViewportSize(PHONE.viewport);
  }

  const headerColour = (page) =>
    page.locator('header.portal-header').evaluate((h) => getComputedStyle(h).backgroundColor);

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('opens both links in one browser, switches between the companies, each in its own branding', async () => {
    // Oak & Stone sends Arjun an estimate (the bath job's customer); Bright Electric's came with the demo.
    const mail = await (await newContext(browser, app.base)).newPage();
    await signIn(mail);
    const { id, number } = await createFromBudget(mail, { job: BATH, groups: ['Demolition'] });
    await sendDraft(mail, id);
    const oak = await linkFromMail(mail, { to: ARJUN, subject: `${number} from ${OAK}` });
    const bright = await linkFromMail(mail, { to: ARJUN, subject: `from ${BRIGHT}` });

    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const phone = await context.newPage();
    const errors = watchErrors(phone);
    await phone.goto(oak);
    await phone.locator('header.portal-header').getByText(OAK).waitFor();
    assert.equal(await phone.locator('nav.company-switcher').count(), 0, 'one company: no switcher');
    await phone.goto(bright);
    const nav = phone.getByRole('navigation', { name: 'Your contractors' });
    await nav.waitFor();
    await phone.locator('header.portal-header').getByText(BRIGHT).waitFor();
    assert.equal(await nav.locator('[aria-current="page"]').textContent(), BRIGHT);
    await look(phone, 'document-bright');

    await Promise.all([phone.waitForURL(/\/portal\?company=/), nav.getByRole('link', { name: OAK }).click()]);
    await phone.getByRole('heading', { level: 1, name: `Documents from ${OAK}` }).waitFor();
    assert.equal(await headerColour(phone), 'rgb(47, 93, 80)', "Oak & Stone's colour");
    assert.equal(await phone.locator('main').getByText(BRIGHT).count(), 0, 'nothing of Bright Electric inside');
    await look(phone, 'home-oak');

    await Promise.all([phone.waitForURL(/\/portal\?company=/), nav.getByRole('link', { name: BRIGHT }).click()]);
    await phone.getByRole('heading', { level: 1, name: `Documents from ${BRIGHT}` }).waitFor();
    assert.equal(await headerColour(phone), 'rgb(138, 90, 0)', "Bright Electric's colour");
    assert.equal(await phone.locator('main').getByText(OAK).count(), 0, 'nothing of Oak & Stone inside');
    await look(phone, 'home-bright');

    await Promise.all([phone.waitForURL(/\/portal\/companies$/), nav.getByRole('link', { name: 'All' }).click()]);
    await phone.getByRole('heading', { level: 1, name: 'Your contractors' }).waitFor();
    const cards = phone.locator('.company-card');
    assert.equal(await cards.count(), 2);
    const colours = await cards.locator('a').evaluateAll((as) => as.map((a) => getComputedStyle(a).borderTopColor));
    assert.deepEqual(colours.sort(), ['rgb(138, 90, 0)', 'rgb(47, 93, 80)'], 'each card in its own colour');
    await look(phone, 'companies');
    assert.deepEqual(errors, [], 'no console errors');
  });

  test('a browser without a session is offered a link by email', async () => {
    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const page = await context.newPage();
    await page.goto('/portal');
    const form = page.locator('form#email-link');
    await look(page, 'sign-in');
    await form.getByLabel('Your email address').fill('nobody@example.test');
    await Promise.all([page.waitForURL(/\/p\/email-link$/), form.getByRole('button').click()]);
    await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
    await look(page, 'sign-in-sent');
  });
});
