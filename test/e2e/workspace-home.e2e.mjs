// Issue 14, engineer B, in real Chromium against the demo data: home is a work queue with money
// at the top (empty says so; a sent estimate waits with its amount; signed, it leaves the queue and
// counts as approved); the signed record reads "Signed by Dana Reyes (dana.reyes@example.test)"
// with the drawn signature as a thumbnail; void, accept a bid, remove a file and revoke access ask
// first and say what will happen. axe-core at 1280 and 390 px on each state, with screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, KITCHEN, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const SUMMIT = 'marco@summitelectric.test';

describe('the contractor’s workspace: what needs doing, signed records, confirmations', {
  timeout: 300_000,
  skip: NO_BROWSER,
}, () => {
  let app;
  let browser;
  let desk;
  let deskContext;
  let errors;
  const sent = {};

  /** axe at 1280 and 390 px on the page as it is (resized, not reloaded), with screenshots; back to 1280. */
  async function look(name) {
    for (const width of [1280, 390]) {
      await desk.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(desk), '', `axe on ${name} at ${width} px`);
      await screenshot(desk, `home-${name}-${width}`);
    }
    await desk.setViewportSize({ width: 1280, height: 900 });
  }

  /** Creates a document from the budget, sends it and reads its portal link from the mailbox. */
  async function send(name, { kind, groups, to = DANA.email }) {
    const { id, number } = await createFromBudget(desk, { job: KITCHEN, kind, groups });
    await sendDraft(desk, id);
    const link = await linkFromMail(desk, { to, subject: number });
    sent[name] = { id, number, link };
    return sent[name];
  }

  /** Clicks a submit and waits for the page it leads to. */
  const submit = (locator) => Promise.all([desk.waitForNavigation(), locator.click()]);

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    deskContext = await newContext(browser, app.base, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
    desk = await deskContext.newPage();
    errors = watchErrors(desk);
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('home: nothing waiting says so; a sent estimate waits with its amount; signed, it leaves', async () => {
    await desk.goto('/');
    const queue = desk.locator('section.queue');
    await queue.getByText('Nothing waiting on you.').waitFor();
    assert.match(await desk.locator('.figures').innerText(), /Awaiting signature\s+\$0\.00/i);
    await look('empty');

    const est = await send('estimate', { kind: /^Estimate\b/, groups: ['Demolition'] });
    await desk.goto('/');
    const waiting = desk.locator('#queue-awaiting');
    const item = waiting.locator('li').filter({ hasText: est.number });
    await item.waitFor();
    const itemText = await item.innerText();
    assert.match(itemText, /Dana Reyes/);
    assert.match(itemText, /\$[\d,]+\.\d\d/);
    assert.match(itemText, /waiting since today for signature/);
    const amount = /\$[\d,]+\.\d\d/.exec(itemText)[0];
    assert.match(await desk.locator('.figures').innerText(), new RegExp(`Awaiting signature\\s+\\${amount}`, 'i'));
    await look('queue');
    await submit(item.getByRole('link', { name: new RegExp(est.number) }).first());
    assert.equal(new URL(desk.url()).pathname, `/documents/${est.id}`);

    // Dana signs with the mouse on a phone.
    const phone = await newContext(browser, app.base, PHONE);
    try {
      const portal = await phone.newPage();
      await portal.goto(est.link);
      const panel = portal.locator('section#sign');
      const consent = panel.getByRole('checkbox', { name: /agree to use electronic records and signatures/ });
      if (await consent.count()) await consent.check();
      await panel.getByLabel('Your full legal name').fill(DANA.name);
      await panel.getByLabel('Draw it').check();
      const canvas = panel.locator('[data-signature-pad] canvas');
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
      await portal.mouse.move(...at(0.1, 0.7));
      await portal.mouse.down();
      for (const [x, y] of [
        [0.2, 0.25],
        [0.35, 0.7],
        [0.5, 0.3],
        [0.7, 0.65],
        [0.9, 0.4],
      ])
        await portal.mouse.move(...at(x, y), { steps: 6 });
      await portal.mouse.up();
      await Promise.all([portal.waitForNavigation(), panel.getByRole('button', { name: /& sign$/ }).click()]);
      await portal.getByRole('heading', { level: 2, name: /^Signed by / }).waitFor();
    } finally {
      await phone.close();
    }

    // The signed record: the signer by name and email, the signature as a visible thumbnail.
    await desk.goto(`/documents/${est.id}`);
    const record = desk.locator('.outcome.signed');
    assert.match(await record.innerText(), /^Signed by Dana Reyes \(dana\.reyes@example\.test\)/);
    const thumb = record.getByRole('img', { name: 'Signature of Dana Reyes' });
    await thumb.waitFor({ state: 'visible' });
    await desk.waitForFunction((el) => el.complete && el.naturalWidth > 0, await thumb.elementHandle(), {
      timeout: 5_000,
    });
    const size = await thumb.boundingBox();
    assert.ok(
      size.width >= 100 && size.height >= 30,
      `the thumbnail is big enough to read (${size.width}×${size.height})`,
    );
    await look('signed-record');

    // Signed leaves the queue; the estimate counts as approved this month.
    await desk.goto('/');
    assert.equal(await desk.locator('#queue-awaiting li').filter({ hasText: est.number }).count(), 0);
    assert.match(await desk.locator('.figures').innerText(), new RegExp(`Approved this month\\s+\\${amount}`, 'i'));
    assert.deepEqual(errors, []);
  });

  test('void, accept a bid, remove a file and revoke access each ask first, and Keep keeps', async () => {
    // Remove a file: the contractor's own upload on an invoice sent to Dana.
    const inv = await send('invoice', { kind: /^Invoice\b/, groups: ['Demolition'] });
    await desk.goto(`/documents/${inv.id}`);
    const files = desk.locator('section.files');
    await files.getByLabel(/Share files/).setInputFiles({
      name: 'plan.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n%e2e\n'),
    });
    await submit(files.getByRole('button', { name: 'Upload' }));
    await submit(files.getByRole('button', { name: 'Remove plan.pdf' }));
    const box = files.locator('.confirm-box');
    await box.getByText('Remove plan.pdf?').waitFor();
    assert.ok(await box.isVisible(), 'the question is on screen where the files are');
    await look('confirm-remove');
    await submit(box.getByRole('link', { name: 'Keep' }));
    await files.getByRole('link', { name: 'plan.pdf' }).waitFor();
    await submit(files.getByRole('button', { name: 'Remove plan.pdf' }));
    await submit(files.locator('.confirm-box').getByRole('button', { name: 'Remove' }));
    await files.getByText('No files shared yet.').waitFor();

    // Void: the invoice, once its file question is done.
    await desk.goto(`/documents/${inv.id}`);
    await submit(desk.getByRole('button', { name: 'Void', exact: true }));
    await desk.getByRole('heading', { level: 1, name: `Void ${inv.number}?` }).waitFor();
    await desk.getByText('Dana Reyes’s link stops showing it').waitFor();
    await look('confirm-void');
    await submit(desk.getByRole('link', { name: `Keep ${inv.number}` }));
    assert.equal(new URL(desk.url()).pathname, `/documents/${inv.id}`);
    assert.doesNotMatch(await desk.getByRole('heading', { level: 1 }).innerText(), /Void/);
    await submit(desk.getByRole('button', { name: 'Void', exact: true }));
    await submit(desk.getByRole('button', { name: `Void ${inv.number}` }));
    assert.match(await desk.getByRole('heading', { level: 1 }).innerText(), /Void/);

    // Accept a bid: Summit prices the electrical bid request.
    const bid = await send('bid', { kind: /^Bid Request\b/, groups: ['Electrical'], to: SUMMIT });
    const vendor = await newContext(browser, app.base, PHONE);
    try {
      const page = await vendor.newPage();
      await page.goto(bid.link);
      await page.getByLabel('Your unit cost for Kitchen circuits and panel work').fill('4250');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Submit bid' }).click()]);
    } finally {
      await vendor.close();
    }
    await desk.goto('/');
    const bids = desk.locator('#queue-bids li').filter({ hasText: /bid on Kitchen remodel/ });
    assert.match(await bids.innerText(), /Summit Electric LLC \$4,250\.00/);
    await submit(bids.getByRole('link', { name: /Compare bids/ }));
    await desk.goto(`/documents/${bid.id}`);
    await submit(desk.getByRole('button', { name: 'Accept this bid' }));
    await desk.getByRole('heading', { level: 1, name: 'Accept Summit Electric LLC’s bid?' }).waitFor();
    assert.match(
      await desk.locator('.confirm-page').innerText(),
      /Its unit costs \(\$4,250\.00 total\) will be written into 1 budget item of Kitchen remodel/,
    );
    await look('confirm-accept');
    await submit(desk.getByRole('link', { name: 'Keep comparing' }));
    assert.equal(new URL(desk.url()).pathname.endsWith('/bids'), true);
    await desk.goto(`/documents/${bid.id}`);
    await submit(desk.getByRole('button', { name: 'Accept this bid' }));
    await submit(desk.getByRole('button', { name: 'Accept Summit Electric LLC’s bid' }));
    await desk
      .getByText(/Bid accepted/)
      .first()
      .waitFor();

    // Revoke access: Dana's, from the customer's page.
    await desk.goto('/accounts?kind=customer');
    await desk.getByRole('link', { name: /Reyes/ }).first().click();
    await desk.waitForURL(/\/accounts\/[a-z0-9]+$/);
    const account = desk.url();
    const row = desk.locator('tr').filter({ hasText: DANA.email });
    await submit(row.getByRole('button', { name: 'Revoke portal access' }));
    await desk.getByRole('heading', { level: 1, name: 'Revoke Dana Reyes’s portal access?' }).waitFor();
    await look('confirm-revoke');
    await submit(desk.getByRole('link', { name: 'Keep Dana Reyes’s access' }));
    assert.equal(desk.url(), account);
    await submit(row.getByRole('button', { name: 'Revoke portal access' }));
    await submit(desk.getByRole('button', { name: 'Revoke access' }));
    await desk.getByText('Portal access of Dana Reyes was revoked.').waitFor();
    assert.deepEqual(errors, []);
  });
});
