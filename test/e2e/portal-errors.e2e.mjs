// Issue 13, "Errors in place, nothing lost", in real Chromium on a phone against `wrangler dev`: a
// refused form comes back on the document's own address with its message in view and focused and
// every value kept (JavaScript off and on; a drawn signature survives a server refusal); the
// browser stops a sign without consent or drawing before posting; reopening a form's address lands
// on the document; an ended session shows the company's page with the masked address, and "Email
// me a new link" mails a link that works. axe-core clean at 390 and 1280 px on every state made.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, DANA, KITCHEN, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, ROOT, screenshot, signIn, startApp, watchErrors } from './harness.mjs';

const GROUP = 'Cabinets & Counters';
const LEGAL_NAME = 'Dana Maria Reyes';
const WIDTHS = { 390: 844, 1280: 900 };

describe('errors in place on a phone', { timeout: 300_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor's page, signed in
  const doc = {}; // { id, number, link }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    desk = await (await newContext(browser, app.base)).newPage();
    await signIn(desk);
    Object.assign(doc, await createFromBudget(desk, { job: KITCHEN, kind: /^Estimate\b/, groups: [GROUP] }));
    await sendDraft(desk, doc.id);
    doc.link = await linkFromMail(desk, { to: DANA.email, subject: doc.number });
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  const phone = (options = {}) => newContext(browser, app.base, { ...PHONE, bypassCSP: true, ...options });
  const path = () => `/portal/documents/${doc.id}`;

  /**
   * The first screen at 390 px as it is, then axe at 390 and 1280 px (resized, never reloaded) with
   * full-page screenshots; back to the phone. axe needs scripts: a page shown without them is
   * checked as a copy of its HTML loaded at the same origin in a page with scripts.
   */
  async function clean(page, name, { scripts = true } = {}) {
    // The first screen as the recipient landed on it, before any resizing moves the scroll.
    await screenshot(page, `b13-${name}-390-first`, { fullPage: false });
    let audited = page;
    let copy;
    if (!scripts) {
      copy = await phone();
      audited = await copy.newPage();
      await audited.goto('/robots.txt');
      await audited.setContent(await page.content(), { waitUntil: 'load' });
    }
    try {
      for (const [width, height] of Object.entries(WIDTHS)) {
        await audited.setViewportSize({ width: Number(width), height });
        await page.setViewportSize({ width: Number(width), height });
        const found = await axeViolations(audited);
        assert.equal(found, '', `axe on ${name} at ${width} px:\n${found}`);
        await screenshot(page, `b13-${name}-${width}`);
      }
    } finally {
      await copy?.close();
    }
    await page.setViewportSize({ width: 390, height: 844 });
  }

  /** The element's box lies within the viewport, and it has the focus. */
  async function inViewAndFocused(page, locator, what) {
    const box = await locator.boundingBox();
    const view = page.viewportSize();
    assert.ok(box, `${what} is rendered`);
    // (A fragment's scroll can leave it a fraction of a pixel above the top.)
    assert.ok(box.y >= -1 && box.y + box.height <= view.height, `${what} is on screen (y ${box.y}, h ${box.height})`);
    assert.ok(await locator.evaluate((el) => el === document.activeElement), `${what} has the focus`);
  }

  test('JavaScript off: a refused sign and an empty comment come back at the document, in view, focused, values kept', {
    timeout: 90_000,
  }, async () => {
    const context = await phone({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(doc.link);
      assert.equal(new URL(page.url()).pathname, path());
      const panel = page.locator('form[data-sign-form]');
      await panel.getByLabel('Your full legal name').fill(LEGAL_NAME);
      const posts = [];
      page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
      // The browser's own check (the box is required) stops it first, even without scripts.
      await panel.getByRole('button', { name: /Approve & sign/ }).click();
      await page.waitForTimeout(300);
      assert.deepEqual(posts, [], 'an unticked consent box is not posted');
      // A browser that does not check forms (turned off here) reaches the server, which refuses it.
      await page.evaluate(() => {
        document.querySelector('form[data-sign-form]').noValidate = true;
      });
      const [res] = await Promise.all([
        page.waitForNavigation(),
        panel.getByRole('button', { name: /Approve & sign/ }).click(),
      ]);
      assert.equal(res.status(), 422, 'the refusal answers 422');
      const url = new URL(page.url());
      assert.equal(url.pathname, path(), 'at the document’s own address');
      assert.equal(url.hash, '#sign');
      const error = panel.locator('[data-focus-error]').first();
      assert.match(await error.innerText(), /agree to do business electronically/);
      await inViewAndFocused(page, error, 'the sign refusal');
      assert.equal(await panel.getByLabel('Your full legal name').inputValue(), LEGAL_NAME, 'the name is kept');
      await clean(page, 'sign-refused-nojs', { scripts: false });

      // An empty comment: refused in the comment form, in view, focused.
      const form = page.locator('form[data-comment-form]');
      await form.scrollIntoViewIfNeeded();
      const [posted] = await Promise.all([
        page.waitForNavigation(),
        form.getByRole('button', { name: 'Post comment' }).click(),
      ]);
      assert.equal(posted.status(), 422);
      assert.equal(new URL(page.url()).pathname, path());
      assert.equal(new URL(page.url()).hash, '#comment-form');
      // The refusal carries the form's anchor, so the browser itself focuses it (no script needed).
      const commentError = form.locator('#comment-form');
      assert.equal(await commentError.innerText(), 'Write a comment before posting.');
      await inViewAndFocused(page, commentError, 'the comment refusal');
      await clean(page, 'comment-refused-nojs', { scripts: false });

      // Reopening a form's address (here /sign by GET: a reload of the old address) lands on the document.
      await page.goto(`${path()}/sign`);
      assert.equal(new URL(page.url()).pathname, path());
      assert.equal(new URL(page.url()).hash, '#sign');
      await page.getByRole('heading', { level: 1 }).first().waitFor();
    } finally {
      await context.close();
    }
  });

  test('JavaScript on: consent and an empty pad are stopped before posting; a drawn signature survives a refusal', {
    timeout: 90_000,
  }, async () => {
    const context = await phone();
    try {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(doc.link);
      const posts = [];
      page.on('request', (r) => r.method() === 'POST' && posts.push(r.url()));
      const panel = page.locator('form[data-sign-form]');
      await panel.getByLabel('Your full legal name').fill(LEGAL_NAME);
      await panel.getByLabel('Draw it').check();
      const canvas = panel.locator('[data-signature-pad] canvas');
      await canvas.waitFor({ state: 'visible' });
      const submit = panel.getByRole('button', { name: /Approve & sign/ });

      // Neither consent nor a drawing: the browser says so and sends nothing.
      await submit.click();
      await page.waitForTimeout(300);
      assert.deepEqual(posts, [], 'no POST without consent');
      const consent = panel.getByRole('checkbox');
      await consent.check();
      await submit.click();
      await page.waitForTimeout(300);
      assert.deepEqual(posts, [], 'no POST with an empty pad');

      // Draw, then force a refusal the browser cannot foresee: the page was shown for an older version.
      await canvas.scrollIntoViewIfNeeded();
      const box = await canvas.boundingBox();
      await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * 0.6);
      await page.mouse.down();
      for (let i = 1; i <= 12; i++)
        await page.mouse.move(box.x + box.width * (0.15 + i * 0.055), box.y + box.height * (0.6 - (i % 4) * 0.08));
      await page.mouse.up();
      await page.evaluate(() => {
        document.querySelector('form[data-sign-form] input[name="versionHash"]').value = '0'.repeat(64);
      });
      const [res] = await Promise.all([page.waitForNavigation(), submit.click()]);
      assert.equal(res.status(), 409, 'the stale version is refused');
      assert.equal(posts.length, 1, 'one POST, to the document');
      assert.equal(new URL(posts[0]).pathname, path());
      const error = panel.locator('[data-focus-error]').first();
      await error.waitFor();
      await page.waitForTimeout(200);
      await inViewAndFocused(page, error, 'the sign refusal');
      assert.equal(await panel.getByLabel('Your full legal name').inputValue(), LEGAL_NAME);
      assert.ok(await panel.getByLabel('Draw it').isChecked(), '"Draw it" is still chosen');
      const kept = await panel.locator('[data-signature-data]').inputValue();
      assert.match(kept, /^data:image\/png;base64,/, 'the drawing came back in the form');
      await page.waitForFunction(() => {
        const c = document.querySelector('[data-signature-pad] canvas');
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < px.length; i += 4) if (px[i]) return true;
        return false;
      });
      await clean(page, 'sign-refused-drawn');
      // The 409 itself is logged by Chromium as a failed resource; nothing else may be.
      assert.deepEqual(
        errors.filter((e) => !/status of 409/.test(e)),
        [],
        'no script errors',
      );
    } finally {
      await context.close();
    }
  });

  test('files: a refused upload comes back in the files section; Remove asks first, Keep keeps, Remove removes', {
    timeout: 90_000,
  }, async () => {
    const context = await phone();
    try {
      const page = await context.newPage();
      await page.goto(doc.link);
      const files = page.locator('section.files');
      await files.scrollIntoViewIfNeeded();
      // Nothing chosen: the server refuses and sends the page back to its files, the message there.
      await Promise.all([page.waitForURL(/#files$/), files.getByRole('button', { name: 'Upload' }).click()]);
      const error = files.locator('[data-focus-error]');
      assert.equal(await error.innerText(), 'Choose one or more files to upload.');
      await page.waitForTimeout(200);
      await inViewAndFocused(page, error, 'the upload refusal');
      assert.equal(await page.locator('.notice').count(), 0, 'not a banner');
      await clean(page, 'upload-refused');

      await files.getByLabel(/Share files/).setInputFiles({
        name: 'plan.pdf',
        mimeType: 'application/pdf',
        buffer: Buffer.from('%PDF-1.4\n%e2e\n'),
      });
      await Promise.all([page.waitForURL(/#files-h$/), files.getByRole('button', { name: 'Upload' }).click()]);
      await files.getByRole('link', { name: 'plan.pdf' }).waitFor();
      const ask = async () => {
        await Promise.all([page.waitForNavigation(), files.getByRole('button', { name: 'Remove plan.pdf' }).click()]);
        const box = files.locator('.confirm-box');
        await box.getByText('Remove plan.pdf?').waitFor();
        await page.waitForTimeout(200);
        await inViewAndFocused(page, box, 'the removal question');
        return box;
      };
      let box = await ask();
      await box.getByText('Everyone on this document will stop seeing it.').waitFor();
      await clean(page, 'remove-confirm');
      await Promise.all([page.waitForNavigation(), box.getByRole('link', { name: 'Keep' }).click()]);
      assert.equal(await files.locator('.confirm-box').count(), 0);
      await files.getByRole('link', { name: 'plan.pdf' }).waitFor();
      box = await ask();
      await Promise.all([page.waitForNavigation(), box.getByRole('button', { name: 'Remove' }).click()]);
      await files.getByText('No files shared yet.').waitFor();
    } finally {
      await context.close();
    }
  });

  test('an ended session: the company’s page, the masked address, and "Email me a new link" sends one that works', {
    timeout: 120_000,
  }, async () => {
    const context = await phone();
    try {
      const page = await context.newPage();
      await page.goto(doc.link);
      assert.equal(new URL(page.url()).pathname, path());
      // The session lapses (30 days without a visit), as the server sees it: its row's expiry is past.
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/wrangler/bin/wrangler.js'),
          'd1',
          'execute',
          'DB',
          '--local',
          '--persist-to',
          app.state,
          '--command',
          'UPDATE portal_sessions SET expires_at = 0',
        ],
        { cwd: ROOT, stdio: 'pipe', env: { ...process.env, CI: 'true' } },
      );
      const res = await page.goto(path());
      assert.equal(res.status(), 404);
      await page.getByRole('heading', { level: 1, name: 'This page has expired' }).waitFor();
      const body = await page.locator('body').innerText();
      assert.match(body, /Oak & Stone Builders/);
      assert.match(body, /d•••@example\.test/, 'the address on file, masked');
      assert.doesNotMatch(body, /dana\.reyes@example\.test/);
      assert.doesNotMatch(body, /Page not found|Sign in/);
      assert.equal(
        await page.locator('a[href="/"], a[href^="/sign-in"]').count(),
        0,
        'no way to the contractor’s sign-in',
      );
      await clean(page, 'ended-session');

      const [answer] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Email me a new link' }).click(),
      ]);
      assert.equal(answer.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
      await page.getByRole('status').filter({ hasText: 'd•••@example.test' }).waitFor();
      await clean(page, 'ended-sent');

      const fresh = await linkFromMail(desk, { to: DANA.email, subject: doc.number });
      assert.notEqual(fresh, doc.link, 'a new link');
      const renewed = await phone();
      try {
        const p = await renewed.newPage();
        await p.goto(fresh);
        assert.equal(new URL(p.url()).pathname, path());
      } finally {
        await renewed.close();
      }
    } finally {
      await context.close();
    }
  });
});
