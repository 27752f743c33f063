// Issue 17, part B: the portal's decision for several people, on phones, and the contractor's
// recipients panel. An estimate goes to Dana Reyes and Sam Patel (signers, any order) and Lee Chen (a
// copy); Sam signs first. Sam then reads that he waits for Dana, Dana sees the form with Sam's signature
// named, Lee reads that he has a copy. A second estimate, in a set order, shows Sam that Dana signs first.
// axe-core at 390 and 1280 px on each state; screenshots of each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const SAM = { name: 'Sam Patel', email: 'sam.patel.b17@example.test' };
const LEE = { name: 'Lee Chen', email: 'lee.chen.b17@example.test' };

describe('several signers on phones', { timeout: 180_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor, 1280 px

  /** axe (and no sideways scrolling) at 390 and 1280 px on the page as it is, screenshots; back to the phone. */
  async function look(page, name, widths = [390, 1280]) {
    for (const width of widths) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= width, `${name} fits ${width} px without scrolling sideways (${wide} px)`);
      await screenshot(page, `b17-people-${name}-${width}`);
    }
    await page.setViewportSize(PHONE.viewport);
  }

  /** From the draft's page: "Send to Customer" → the send page, people chosen by `choose` → send. */
  async function send(id, choose) {
    await desk.goto(`/documents/${id}`);
    await desk.getByRole('button', { name: 'Send to Customer' }).click();
    await desk.waitForURL(`**/documents/${id}/send`);
    await choose(desk);
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      desk.getByRole('button', { name: 'Send to Customer' }).click(),
    ]);
  }

  async function phoneAt(link) {
    const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const page = await context.newPage();
    page.setDefaultTimeout(45_000); // a busy machine's dev server can be slow to answer
    const errors = watchErrors(page);
    await page.goto(link);
    return { page, errors };
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base, { bypassCSP: true, viewport: { width: 1280, height: 900 } });
    desk = await context.newPage();
    desk.setDefaultTimeout(45_000);
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('each person reads where they stand; the contractor sees who signed', async () => {
    const a = await createFromBudget(desk, { groups: ['Demolition'] });
    await send(a.id, async (p) => {
      await p.getByLabel('Name (person 1)').fill(SAM.name);
      await p.getByLabel('Email (person 1)').fill(SAM.email);
      await p.getByLabel('Include person 1 as').selectOption('signer');
      await p.getByLabel('Name (person 2)').fill(LEE.name);
      await p.getByLabel('Email (person 2)').fill(LEE.email);
      await p.getByLabel('Include person 2 as').selectOption('copy');
    });
    const samLink = await linkFromMail(desk, { to: SAM.email, subject: a.number });
    const leeLink = await linkFromMail(desk, { to: LEE.email, subject: a.number });
    const danaLink = await linkFromMail(desk, { to: DANA.email, subject: a.number });

    // Sam signs first.
    const sam = await phoneAt(samLink);
    const panel = sam.page.locator('section#sign');
    await panel.getByRole('heading', { level: 2, name: 'Review and sign' }).waitFor();
    await panel.getByLabel('Type it').check();
    await panel.getByLabel('Your full legal name').fill(SAM.name);
    const consent = panel.getByRole('checkbox');
    if (await consent.count()) await consent.check();
    await Promise.all([sam.page.waitForNavigation(), panel.getByRole('button', { name: 'Approve & sign' }).click()]);
    await sam.page.getByText(/^You signed on [A-Z][a-z]{2} \d{1,2}\. Waiting for Dana Reyes\.$/).waitFor();
    await sam.page.getByText('Waiting for Dana Reyes', { exact: true }).waitFor();
    await look(sam.page, 'signed-waiting');

    // Dana: the form, with who signs and Sam's signature named.
    const dana = await phoneAt(danaLink);
    await dana.page.getByText(/^Dana Reyes and Sam Patel sign this estimate\. Sam Patel signed on /).waitFor();
    await dana.page.locator('section#sign').getByRole('button', { name: 'Approve & sign' }).waitFor();
    await look(dana.page, 'their-turn');

    // Lee: a copy, no form, the conversation still there.
    const lee = await phoneAt(leeLink);
    await lee.page.getByText('You’re receiving a copy; Dana Reyes and Sam Patel sign it.').waitFor();
    assert.equal(await lee.page.locator('section#sign').count(), 0, 'no form for a copy');
    await lee.page.getByLabel('Add a comment').waitFor();
    await look(lee.page, 'copy');

    // The contractor's recipients panel.
    await desk.goto(`/documents/${a.id}`);
    const people = desk.locator('section#recipients');
    await people.getByText('Signed', { exact: false }).first().waitFor();
    await people.getByRole('button', { name: 'Remove Lee Chen' }).waitFor();
    await look(desk, 'recipients-panel', [1280, 390]);
    await desk.setViewportSize({ width: 1280, height: 900 });

    // A second estimate in a set order: Sam (already a contact of the account) signs after Dana.
    const b = await createFromBudget(desk, { groups: ['Demolition'] });
    await send(b.id, async (p) => {
      await p.getByLabel(`${SAM.name} (${SAM.email})`).selectOption('signer');
      await p.getByLabel('In the order listed (each is emailed when the one before signs)').check();
    });
    await sam.page.goto(`/portal/documents/${b.id}`);
    await sam.page.getByText('Dana Reyes signs first; we’ll email you when it’s your turn.').waitFor();
    assert.equal(await sam.page.locator('section#sign').count(), 0, 'no form before his turn');
    await look(sam.page, 'not-their-turn');

    for (const p of [sam, dana, lee]) assert.deepEqual(p.errors, [], 'no script errors');
  });
});
