// Issue 20, part E, in real Chromium: the contractor records an approval made on paper, with a scan, at
// 1280 px ("Mark as approved" on the document page); the homeowner's portal page at 390 px says it was
// marked approved and recorded by the contractor, with no sign panel. axe-core at both widths on each
// state; screenshots of each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const SCAN = Buffer.from('%PDF-1.4\n% the signed printout\n%%EOF\n');

describe('an approval made offline, recorded by the contractor', { timeout: 180_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk;
  let doc; // { id, number, link }

  /** axe at 1280 and 390 px on the page as it is, with screenshots; back to `width`. */
  async function look(page, name, width = 1280) {
    for (const w of [1280, 390]) {
      await page.setViewportSize({ width: w, height: w === 390 ? PHONE.viewport.height : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${w} px`);
      await screenshot(page, `offline-${name}-${w}`, { fullPage: true });
    }
    await page.setViewportSize({ width, height: width === 390 ? PHONE.viewport.height : 900 });
  }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base, { bypassCSP: true });
    desk = await context.newPage();
    await signIn(desk);
    const { id, number } = await createFromBudget(desk, { groups: ['Electrical'] });
    await sendDraft(desk, id);
    doc = { id, number, link: await linkFromMail(desk, { to: DANA.email, subject: number }) };
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('the contractor records a paper approval with a scan; the portal on a phone shows who recorded it', async () => {
    await desk.goto(`/documents/${doc.id}`);
    const errors = watchErrors(desk);
    const panel = desk.locator('#offline-approval');
    await panel.getByText('Mark as approved').click();
    await look(desk, 'form');
    // A name left empty is refused on its field, the rest kept.
    await panel.getByLabel('Who approved it').fill('');
    await panel.getByLabel('On paper (signed printout)').check();
    await Promise.all([
      desk.waitForLoadState('domcontentloaded'),
      panel.getByRole('button', { name: 'Record the approval' }).click(),
    ]);
    await desk.waitForSelector('#f-approverName-error');
    assert.match(await desk.locator('#f-approverName-error').innerText(), /is required/);
    await look(desk, 'refused');
    await panel.getByLabel('Who approved it').fill(DANA.name);
    await panel.getByLabel('Note (optional)').fill('Signed the printout at the kitchen table.');
    await panel
      .getByLabel(/Scan or photo/)
      .setInputFiles({ name: 'approval.pdf', mimeType: 'application/pdf', buffer: SCAN });
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${doc.id}`),
      panel.getByRole('button', { name: 'Record the approval' }).click(),
    ]);
    const recorded = desk.locator('#offline-approval');
    assert.match(
      await recorded.innerText(),
      /Approved on paper by Dana Reyes on [A-Z][a-z]{2} \d{1,2}, \d{4} — recorded by /,
    );
    assert.match(await recorded.innerText(), /not signed electronically/i);
    assert.equal(await recorded.getByRole('link', { name: /Download the scan/ }).count(), 1);
    assert.match(await desk.locator('#timeline').innerText(), /recorded that Dana Reyes approved it on paper/);
    await look(desk, 'recorded');
    // The refused form's page is answered 422 on purpose: the browser logs that status, nothing else.
    assert.deepEqual(
      errors.filter((e) => !/status of 422/.test(e)),
      [],
    );

    const phone = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
    const reader = await phone.newPage();
    try {
      await reader.goto(doc.link);
      const decide = reader.locator('#decide');
      assert.match(await decide.innerText(), /Marked approved by Oak & Stone[^(]*\(recorded by [^)]+\): on paper, /);
      assert.equal(await reader.locator('#sign').count(), 0, 'no sign panel');
      assert.match(await reader.locator('#summary').innerText(), /Marked approved by Oak & Stone/);
      await look(reader, 'portal', 390);
      await screenshot(reader, 'offline-portal-decide-390', { fullPage: false });
      // The portal home's list says it too, in the same words as the summary.
      await reader.goto('/portal');
      const item = reader.locator(`li.portal-doc:has(a[href="/portal/documents/${doc.id}"])`);
      assert.match(await item.innerText(), /Marked approved by Oak & Stone/);
      await look(reader, 'portal-home', 390);
    } finally {
      await phone.close();
    }
  });
});
