// Real Chromium against `wrangler dev` (issue 6): a signature drawn with the mouse survives a resize,
// Approve & sign, the sealed PDF carries the drawing and its certificate (checked with poppler), the
// verify page answers for the sealed file and for a changed copy, and the signing panel at 360 px.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  launchBrowser,
  newContext,
  screenshot,
  SHOTS,
  NO_BROWSER,
  signIn,
  sleep,
  startApp,
  watchErrors,
} from './harness.mjs';

const KITCHEN = 'Kitchen remodel – 14 Elm Street';
const GROUP = 'Cabinets & Counters';
const DANA = { name: 'Dana Reyes', email: 'dana.reyes@example.test' };
const LEGAL_NAME = 'Dana Maria Reyes';
const SIGNED_PDF = '/tmp/e2e-signed.pdf';
const SEAL_TIMEOUT = 30_000;

/** Is a poppler tool on PATH? In CI it must be (.ci/run installs poppler-utils). */
function hasTool(name) {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Ink on the canvas: how many pixels are painted, and their bounding box as fractions of the canvas. */
const canvasInk = (canvas) =>
  canvas.evaluate((c) => {
    const { width, height } = c;
    const px = c.getContext('2d').getImageData(0, 0, width, height).data;
    let count = 0;
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let i = 3; i < px.length; i += 4) {
      if (px[i] === 0) continue;
      count++;
      const p = (i - 3) / 4;
      const x = p % width;
      const y = (p - x) / width;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
    return {
      count,
      cssWidth: c.offsetWidth,
      box: count ? { left: x0 / width, right: x1 / width, top: y0 / height, bottom: y1 / height } : null,
    };
  });

describe('drawn signature, sealed PDF and verify page in real Chromium', { timeout: 300_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk; // the contractor's page, signed in
  const sent = {}; // { id, number, link }
  let pdf; // the downloaded signed PDF (Buffer)

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const contractor = await newContext(browser, app.base);
    desk = await contractor.newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('the contractor sends an estimate that requires a signature; at 360 px the signing panel is usable', {
    timeout: 90_000,
  }, async () => {
    const page = desk;
    const errors = watchErrors(page);
    await page.goto('/jobs');
    await page.getByRole('link', { name: KITCHEN, exact: true }).click();
    await page.getByRole('link', { name: 'New document' }).first().click();
    await page.getByRole('link', { name: /^Estimate\b/ }).click();
    await page.getByLabel(GROUP, { exact: true }).check();
    await Promise.all([
      page.waitForURL(/\/documents\/[a-z0-9]+(\?|$)/),
      page.getByRole('button', { name: 'Create estimate' }).click(),
    ]);
    sent.id = new URL(page.url()).pathname.split('/').pop();
    sent.number = /\bEST-\d{4}\b/.exec(await page.getByRole('heading', { level: 1 }).innerText())?.[0];
    assert.ok(sent.number, 'the editor names the estimate number');
    assert.ok(
      await page.getByLabel('Require signature').isChecked(),
      '"Require signature" is on by default for an estimate',
    );

    await page.getByRole('button', { name: 'Send to Customer' }).click();
    await page.waitForURL(`**/documents/${sent.id}/send`);
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/documents/${sent.id}`),
      page.getByRole('button', { name: 'Send to Customer' }).click(),
    ]);
    await page.getByText(`Sent to ${DANA.name} (${DANA.email}).`).waitFor();

    // The portal link, from the email in /dev/mail (text body).
    await page.goto('/dev/mail');
    await page
      .locator('table.mail-list tbody tr')
      .filter({ hasText: `Estimate ${sent.number}` })
      .first()
      .getByRole('link')
      .click();
    await page.waitForURL(/\/dev\/mail\/[a-z0-9]+$/);
    const text = await page.locator('details pre.mail-text').textContent();
    sent.link = /https?:\/\/\S+\/p\/[A-Za-z0-9_.-]+/.exec(text)?.[0];
    assert.ok(sent.link, `a portal link in the email:\n${text}`);
    assert.match(text, /Review and sign/, 'the email asks the customer to review and sign');
    assert.deepEqual(errors, [], 'no script errors on the contractor pages');

    // A phone: the panel fits the screen and the canvas is there to draw on.
    const phone = await newContext(browser, app.base, {
      viewport: { width: 360, height: 780 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const portal = await phone.newPage();
      const portalErrors = watchErrors(portal);
      await portal.goto(sent.link);
      assert.equal(new URL(portal.url()).pathname, `/portal/documents/${sent.id}`);
      const panel = portal.locator('section#sign');
      await panel.getByRole('heading', { level: 2, name: 'Review and sign' }).waitFor();
      assert.ok(await panel.getByLabel('Draw it').isChecked(), 'with scripts, drawing is the default');
      const canvas = panel.locator('[data-signature-pad] canvas');
      await canvas.waitFor({ state: 'visible' });
      const viewportWidth = 360;
      for (const [what, locator] of [
        ['the canvas', canvas],
        ['Clear', panel.getByRole('button', { name: 'Clear' })],
        ['Approve & sign', panel.getByRole('button', { name: 'Approve & sign' })],
        ['the name field', panel.getByLabel('Your full legal name')],
        ['the consent checkbox', panel.getByRole('checkbox')],
      ]) {
        await locator.scrollIntoViewIfNeeded();
        const box = await locator.boundingBox();
        assert.ok(box && box.width > 0 && box.height > 0, `${what} is visible at 360 px`);
        assert.ok(
          box.x >= 0 && box.x + box.width <= viewportWidth,
          `${what} lies within the 360-px screen (x ${box.x.toFixed(1)}, width ${box.width.toFixed(1)})`,
        );
      }
      const canvasBox = await canvas.boundingBox();
      assert.ok(
        canvasBox.width >= 250 && canvasBox.height >= 120,
        `the canvas is big enough to sign on (${canvasBox.width}×${canvasBox.height})`,
      );
      const overflow = await portal.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways at 360 px by ${overflow}px`);

      // The lines table fits too: no sideways scrolling inside it, every Total on screen.
      const wrap = portal.locator('.table-wrap:has(table.doc-lines)');
      const inner = await wrap.evaluate((el) => el.scrollWidth - el.clientWidth);
      assert.ok(inner <= 0, `the lines table scrolls sideways inside its box by ${inner}px at 360 px`);
      const totals = portal.locator('table.doc-lines tbody tr:not(.group-row) td:last-child');
      assert.ok((await totals.count()) >= 1, 'item rows with a total');
      for (const box of await totals.evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().toJSON()))) {
        assert.ok(box.right <= viewportWidth && box.width > 0, `a Total cell is on screen (right edge ${box.right})`);
      }
      await screenshot(portal, 's1-portal-document-360');
      await wrap.screenshot({ path: join(SHOTS, 's1-lines-360.png') });
      await panel.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: join(SHOTS, 's1-sign-panel-360.png') });
      assert.deepEqual(portalErrors, [], 'no script errors in the portal at 360 px');
    } finally {
      await phone.close();
    }
  });

  test('draw with the mouse, resize without losing the drawing, Approve & sign, download the sealed PDF', {
    timeout: 120_000,
  }, async () => {
    assert.ok(sent.link, 'the first test sent the estimate');
    const recipient = await newContext(browser, app.base, { viewport: { width: 1000, height: 900 } });
    try {
      const portal = await recipient.newPage();
      const errors = watchErrors(portal);
      await portal.goto(sent.link);
      const panel = portal.locator('section#sign');
      await panel.getByRole('heading', { level: 2, name: 'Review and sign' }).waitFor();

      await panel.getByRole('checkbox', { name: /agree to use electronic records and signatures/ }).check();
      await panel.getByLabel('Your full legal name').fill(LEGAL_NAME);
      await panel.getByLabel('Draw it').check();
      const canvas = panel.locator('[data-signature-pad] canvas');
      await canvas.scrollIntoViewIfNeeded();
      const blank = await canvasInk(canvas);
      assert.equal(blank.count, 0, 'the pad starts blank');

      // A signature with the mouse: a few strokes across the canvas, each in several steps.
      const box = await canvas.boundingBox();
      const at = (fx, fy) => [box.x + box.width * fx, box.y + box.height * fy];
      const strokes = [
        [
          [0.1, 0.7],
          [0.16, 0.25],
          [0.22, 0.7],
          [0.3, 0.3],
          [0.38, 0.65],
          [0.46, 0.35],
        ],
        [
          [0.5, 0.6],
          [0.58, 0.3],
          [0.64, 0.62],
          [0.72, 0.4],
          [0.8, 0.6],
          [0.9, 0.45],
        ],
        [
          [0.15, 0.8],
          [0.5, 0.85],
          [0.85, 0.78],
        ],
      ];
      for (const stroke of strokes) {
        await portal.mouse.move(...at(...stroke[0]));
        await portal.mouse.down();
        for (const p of stroke.slice(1)) await portal.mouse.move(...at(...p), { steps: 6 });
        await portal.mouse.up();
      }
      const drawn = await canvasInk(canvas);
      assert.ok(drawn.count > 200, `the mouse drew on the canvas (${drawn.count} painted pixels)`);
      assert.ok(
        drawn.box.left < 0.15 && drawn.box.right > 0.85,
        `the drawing spans the canvas (${JSON.stringify(drawn.box)})`,
      );

      // Narrower screen: the canvas shrinks and redraws the same signature, scaled.
      await portal.setViewportSize({ width: 700, height: 900 });
      await portal.waitForFunction(
        (w) => document.querySelector('[data-signature-pad] canvas').offsetWidth !== w,
        drawn.cssWidth,
        { timeout: 5_000 },
      );
      await sleep(100); // let the resize handler run after layout
      const resized = await canvasInk(canvas);
      assert.ok(
        resized.cssWidth < drawn.cssWidth,
        `the canvas got narrower (${drawn.cssWidth} → ${resized.cssWidth} CSS px)`,
      );
      assert.ok(resized.count > 100, `the drawing survived the resize (${resized.count} painted pixels)`);
      for (const side of ['left', 'right']) {
        assert.ok(
          Math.abs(resized.box[side] - drawn.box[side]) < 0.05,
          `the drawing keeps its shape: ${side} edge ${drawn.box[side].toFixed(3)} → ${resized.box[side].toFixed(3)}`,
        );
      }
      await panel.screenshot({ path: join(SHOTS, 's2-signature-drawn-700.png') });

      // Back to the same page, whose banner is a one-time flash (nothing in the URL).
      const [signed] = await Promise.all([
        portal.waitForNavigation(),
        panel.getByRole('button', { name: 'Approve & sign' }).click(),
      ]);
      assert.equal(new URL(signed.url()).pathname, `/portal/documents/${sent.id}`);
      assert.equal(new URL(portal.url()).search, '', 'no notice in the address');
      await portal.getByText('Thank you — your signature was recorded.').waitFor();
      await portal.getByRole('heading', { level: 2, name: `Signed by ${LEGAL_NAME}` }).waitFor();

      // Sealing runs right after the response (waitUntil): poll the page until the download appears.
      const started = Date.now();
      const download = portal.getByRole('link', { name: 'Download the signed PDF' });
      while (!(await download.isVisible())) {
        assert.ok(Date.now() - started < SEAL_TIMEOUT, `the signed PDF was not ready within ${SEAL_TIMEOUT / 1000} s`);
        await sleep(500);
        await portal.reload();
      }
      console.log(`# sealed PDF ready ${Date.now() - started} ms after signing`);
      await screenshot(portal, 's3-portal-signed');
      const href = await download.getAttribute('href');
      const res = await recipient.request.get(href);
      assert.equal(res.status(), 200);
      assert.match(res.headers()['content-type'] ?? '', /application\/pdf/);
      pdf = await res.body();
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      writeFileSync(SIGNED_PDF, pdf);
      assert.deepEqual(errors, [], 'no script errors while signing');
    } finally {
      await recipient.close();
    }
  });

  test('the sealed PDF carries the drawn signature, the name and the certificate (poppler)', {
    timeout: 60_000,
  }, (t) => {
    assert.ok(pdf, 'the previous test downloaded the signed PDF');
    const missing = ['pdftoppm', 'pdftotext', 'pdfimages'].filter((tool) => !hasTool(tool));
    if (missing.length) {
      assert.ok(!process.env.CI, `${missing.join(', ')} missing in CI (.ci/run installs poppler-utils)`);
      t.skip(`${missing.join(', ')} not installed (apt-get install poppler-utils); PDF checks skipped`);
      return;
    }
    const pages = execFileSync('pdftotext', ['-layout', SIGNED_PDF, '-'], { encoding: 'utf8' })
      .split('\f')
      .slice(0, -1);
    const certificate = pages.findIndex((p) => p.includes('Signature certificate'));
    assert.ok(certificate > 0, 'a "Signature certificate" page after the document');
    const signaturePage = pages.findIndex((p, i) => i < certificate && /acceptance/i.test(p) && /Printed name/.test(p));
    assert.ok(signaturePage >= 0, 'the document has a signature block');
    assert.ok(
      pages[signaturePage].includes(LEGAL_NAME),
      `the printed name on the signature page:\n${pages[signaturePage]}`,
    );
    assert.ok(
      pages[certificate].includes(LEGAL_NAME) && pages[certificate].includes(DANA.email),
      'the certificate names the signer',
    );
    assert.match(pages[certificate], /Method: drawn signature/);
    assert.ok(pages[certificate].includes(sent.number), 'the certificate names the document');

    // pdfimages -list: "page num type width height ..." — the drawn PNG on the signature page and the certificate.
    const images = execFileSync('pdfimages', ['-list', SIGNED_PDF], { encoding: 'utf8' })
      .split('\n')
      .slice(2)
      .filter(Boolean)
      .map((row) => row.trim().split(/\s+/))
      .map(([page, , type, width, height]) => ({
        page: Number(page),
        type,
        width: Number(width),
        height: Number(height),
      }));
    const onPage = (n) => images.filter((i) => i.page === n && i.type === 'image');
    assert.ok(
      onPage(signaturePage + 1).length >= 1,
      `an image in the signature block (page ${signaturePage + 1}): ${JSON.stringify(images)}`,
    );
    assert.ok(onPage(certificate + 1).length >= 1, `the signature image on the certificate (page ${certificate + 1})`);

    // Ink in the signature box: the box is the 42 pt above the "Signature" label's rule, 300 pt wide
    // (src/pdf/render.ts). Render just that region in grey at 72 dpi (1 px = 1 pt) and count dark pixels.
    const bbox = execFileSync(
      'pdftotext',
      ['-bbox', '-f', String(signaturePage + 1), '-l', String(signaturePage + 1), SIGNED_PDF, '-'],
      { encoding: 'utf8' },
    );
    const label = [...bbox.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>Signature<\/word>/g)].pop(); // the block comes last
    assert.ok(label, 'the "Signature" label under the signature line');
    const [x, y] = [Math.round(Number(label[1])) + 2, Math.round(Number(label[2])) - 44];
    const pgm = execFileSync('pdftoppm', [
      '-gray',
      '-r',
      '72',
      '-f',
      String(signaturePage + 1),
      '-l',
      String(signaturePage + 1),
      '-x',
      String(x),
      '-y',
      String(y),
      '-W',
      '296',
      '-H',
      '38',
      SIGNED_PDF,
    ]);
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 40).toString('latin1'));
    assert.ok(header, 'pdftoppm -gray wrote a PGM');
    const ink = pgm.subarray(header[0].length).filter((v) => v < 160).length;
    assert.ok(ink >= 40, `the drawn signature is visible inside the signature box (${ink} dark pixels at 72 dpi)`);

    // Rendered pages, to look at.
    mkdirSync(SHOTS, { recursive: true });
    const prefix = join(SHOTS, 's4-signed-pdf');
    for (const old of readdirSync(SHOTS).filter((f) => f.startsWith('s4-signed-pdf-'))) rmSync(join(SHOTS, old));
    execFileSync('pdftoppm', ['-png', '-r', '60', SIGNED_PDF, prefix]);
    const rendered = readdirSync(SHOTS).filter((f) => f.startsWith('s4-signed-pdf-') && f.endsWith('.png'));
    assert.equal(rendered.length, pages.length, 'one PNG per page');
    console.log(
      `# signed PDF: ${pages.length} pages, signature block on page ${signaturePage + 1}, certificate on page ${certificate + 1}; PNGs in ${SHOTS}/s4-signed-pdf-*.png`,
    );
  });

  test('the verify page: the sealed file is verified, a copy with one byte changed is not', {
    timeout: 60_000,
  }, async () => {
    assert.ok(pdf, 'the signing test downloaded the signed PDF');
    const stranger = await newContext(browser, app.base);
    try {
      const page = await stranger.newPage();
      const check = async (buffer, name) => {
        await page.goto('/verify');
        await page.getByLabel('Signed PDF').setInputFiles({ name, mimeType: 'application/pdf', buffer });
        const [response] = await Promise.all([
          page.waitForNavigation(),
          page.getByRole('button', { name: 'Verify' }).click(),
        ]);
        assert.equal(response?.status(), 200, `verify answered ${response?.status()}`);
      };

      await check(pdf, 'signed.pdf');
      const verified = page.getByRole('status').filter({ hasText: 'Verified.' });
      await verified.waitFor();
      const facts = await verified.innerText();
      assert.ok(facts.includes(sent.number), `the verified document's number: ${facts}`);
      assert.ok(facts.includes(LEGAL_NAME), 'the signer');
      assert.match(facts, /Oak & Stone Builders/);
      await screenshot(page, 's5-verify-ok');

      const changed = Buffer.from(pdf);
      const i = Math.floor(changed.length / 2);
      changed[i] ^= 0x01;
      await check(changed, 'signed-changed.pdf');
      await page.getByRole('alert').filter({ hasText: 'Sealed by us, but changed' }).waitFor();
      assert.equal(await page.getByText('Verified.').count(), 0);
      await screenshot(page, 's5-verify-changed');
    } finally {
      await stranger.close();
    }
  });
});

process.on('exit', () => {
  if (process.exitCode) console.error(`screenshots: ${SHOTS}`);
});
