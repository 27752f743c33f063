// Issue 17, "Done means": two signers on phones and a countersignature, ending in one sealed PDF. The
// contractor sends an estimate to Dana and Sam (the send page's "Also send to", countersign ticked);
// each signs on a 390 px phone with their own link; the contractor's page says it waits for the
// countersignature, and the contractor countersigns at 1280 px; the sealed PDF is downloaded, pdfsig
// calls it valid over the whole document, and its certificate lists all three. axe on the countersign
// panel at 1280 and 390 px; screenshots of each state.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, linkFromMail, PHONE } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const SAM = { name: 'Sam Patel', email: 'sam.patel@example.test' };
const COUNTERSIGNER = 'Sam Carter';
const SIGNED_PDF = '/tmp/e2e-people-signed.pdf';
const hasPoppler = !spawnSync('pdfsig', ['-v']).error && !spawnSync('pdftotext', ['-v']).error;

describe('two signers on phones and a countersignature', { timeout: 150_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor, 1280 px

  /** axe at 1280 and 390 px on the page as it is, with screenshots; back to 1280. */
  async function look(page, name) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      await screenshot(page, `countersign-${name}-${width}`);
      // The panel and the signed record on their own, readable at a glance.
      await page.locator('section#countersign').evaluate((e) => e.scrollIntoView({ block: 'start' }));
      await screenshot(page, `countersign-${name}-${width}-top`, { fullPage: false });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
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

  test('both sign on phones, the contractor countersigns, one sealed PDF lists all three', async () => {
    const { id, number } = await createFromBudget(desk, { groups: ['Demolition'] });
    await desk.goto(`/documents/${id}`);
    await desk.getByRole('button', { name: /^Send to Customer$/ }).click();
    await desk.waitForURL(`**/documents/${id}/send`);
    await desk.getByLabel('Name (person 1)').fill(SAM.name);
    await desk.getByLabel('Email (person 1)').fill(SAM.email);
    await desk.getByLabel('Include person 1 as').selectOption('signer');
    await desk.getByLabel(/I countersign it after they sign/).check();
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      desk.getByRole('button', { name: /^Send to Customer$/ }).click(),
    ]);

    // Each signer opens their own link on a phone and signs (typed).
    const phones = [];
    for (const person of [DANA, SAM]) {
      const link = await linkFromMail(desk, { to: person.email, subject: number });
      const context = await newContext(browser, app.base, { ...PHONE, bypassCSP: true });
      const phone = await context.newPage();
      phones.push({ person, phone, errors: watchErrors(phone), link });
    }
    for (const { person, phone, link } of phones) {
      await phone.goto(link);
      const panel = phone.locator('section#sign');
      await panel.getByRole('heading', { level: 2, name: 'Review and sign' }).waitFor();
      const consent = panel.getByRole('checkbox');
      if (await consent.count()) await consent.check();
      await panel.getByLabel('Your full legal name').fill(person.name);
      await panel.getByLabel('Type it').check();
      await Promise.all([phone.waitForNavigation(), panel.getByRole('button', { name: 'Approve & sign' }).click()]);
      await phone.getByText('Thank you — your signature was recorded.').waitFor();
    }
    await screenshot(phones[1].phone, 'countersign-signer-done-390', { fullPage: false });
    await phones[1].phone.locator('#decide').scrollIntoViewIfNeeded();
    await screenshot(phones[1].phone, 'countersign-signer-decided-390', { fullPage: false });

    // The contractor's page waits for the countersignature: no "Finalizing" before it.
    await desk.goto(`/documents/${id}`);
    const panel = desk.locator('section#countersign');
    await panel.getByRole('heading', { level: 2, name: 'Countersign' }).waitFor();
    await desk.getByText('Waiting for your countersignature.').first().waitFor();
    assert.equal(await desk.getByText('Finalizing the signed PDF').count(), 0);
    await panel.scrollIntoViewIfNeeded();
    await look(desk, 'countersign');

    await panel.getByRole('checkbox', { name: /electronic signature is binding/ }).check();
    await panel.getByLabel('Your full name').fill(COUNTERSIGNER);
    await panel.getByLabel('Type it').check();
    await Promise.all([
      desk.waitForURL((u) => u.pathname === `/documents/${id}`),
      panel.getByRole('button', { name: 'Countersign' }).click(),
    ]);
    await desk
      .getByText(new RegExp(`Countersigned by ${COUNTERSIGNER} on `))
      .first()
      .waitFor();

    // Sealing runs after the response: poll until the download is there.
    const started = Date.now();
    const download = desk.getByRole('link', { name: 'Download the signed PDF' }).first();
    while (!(await download.isVisible())) {
      assert.ok(Date.now() - started < 30_000, 'the signed PDF was not ready within 30 s');
      await sleep(400);
      await desk.reload();
    }
    await desk.locator('section#countersign').scrollIntoViewIfNeeded();
    await look(desk, 'countersigned');
    const res = await desk.context().request.get(`/documents/${id}/signed.pdf`, { timeout: 30_000 });
    assert.equal(res.status(), 200);
    const pdf = await res.body();
    writeFileSync(SIGNED_PDF, pdf);
    for (const { errors } of phones) assert.deepEqual(errors, [], 'no script errors on the phones');

    if (!hasPoppler) {
      assert.ok(!process.env.CI, 'poppler-utils missing in CI');
      return;
    }
    const report = spawnSync('pdfsig', [SIGNED_PDF], { encoding: 'utf8' });
    assert.match(report.stdout, /Signature is Valid\./);
    assert.match(report.stdout, /Total document signed/);
    const text = execFileSync('pdftotext', [SIGNED_PDF, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    for (const name of [DANA.name, SAM.name, COUNTERSIGNER]) assert.ok(text.includes(name), `${name} in the PDF`);
    assert.ok(text.includes('Signer 1 of 2') && text.includes('Signer 2 of 2'), 'the certificate lists both signers');
    assert.ok(text.includes('Countersigned for'), 'the certificate lists the countersigner');
    execFileSync('pdftoppm', ['-png', '-r', '50', SIGNED_PDF, '/tmp/e2e-shots/countersign-signed-pdf']);
  });
});
