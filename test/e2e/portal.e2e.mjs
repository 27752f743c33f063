// Real Chromium against `wrangler dev`: sending a document, the email link, the portal (issue 4),
// live comments between the contractor's tabs and the recipient's page (issue 5), and the portal
// document page without JavaScript.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { parseVars } from '../../scripts/dev-vars.mjs';
import {
  launchBrowser,
  newContext,
  ROOT,
  screenshot,
  SHOTS,
  NO_BROWSER,
  signIn,
  startApp,
  watchErrors,
} from './harness.mjs';
import { TRACK_SOCKETS } from './flows.mjs';

const KITCHEN = 'Kitchen remodel – 14 Elm Street';
const BATH = 'Primary bath renovation – 230 Birch Lane';
const DANA = { name: 'Dana Reyes', email: 'dana.reyes@example.test' };

const liveConnected = (page) => page.waitForFunction(() => window.__openSockets > 0, null, { timeout: 10_000 });

/** Counts main-frame navigations and load events from now on. */
function watchNavigation(page) {
  const seen = { navigations: 0, loads: 0 };
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) seen.navigations++;
  });
  page.on('load', () => seen.loads++);
  return seen;
}

const moneyText = (s) => s.replace(/\s+/g, ' ').trim();

describe('portal and live conversation in real Chromium', { timeout: 240_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let contractor; // the contractor's browser context, signed in
  let desk; // a page of it
  const sent = {}; // what scenario 1 made: { id, number, total, link }

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    contractor = await newContext(browser, app.base);
    await contractor.addInitScript(TRACK_SOCKETS);
    desk = await contractor.newPage();
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  /** New document → Estimate → one group → Create; returns the draft's id and number from the editor. */
  async function createEstimate(page, jobName, group) {
    await page.goto('/jobs');
    await page.getByRole('link', { name: jobName, exact: true }).click();
    await page.getByRole('link', { name: 'New document' }).first().click();
    await page.getByRole('link', { name: /^Estimate\b/ }).click();
    await page.getByLabel(group, { exact: true }).check();
    await Promise.all([
      page.waitForURL(/\/documents\/[a-z0-9]+(\?|$)/),
      page.getByRole('button', { name: 'Create estimate' }).click(),
    ]);
    const id = new URL(page.url()).pathname.split('/').pop();
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    const number = /\bEST-\d{4}\b/.exec(heading)?.[0];
    assert.ok(number, `the editor heading names the estimate number: ${heading}`);
    return { id, number };
  }

  /** From the draft editor: Send to Customer → the confirmation page → Send. */
  async function send(page, id, to = DANA) {
    await page.goto(`/documents/${id}`);
    await page.getByRole('button', { name: 'Send to Customer' }).click();
    await page.waitForURL(`**/documents/${id}/send`);
    assert.equal(await page.getByRole('textbox', { name: 'Name', exact: true }).inputValue(), to.name);
    assert.equal(await page.getByRole('textbox', { name: 'Email', exact: true }).inputValue(), to.email);
    await Promise.all([
      page.waitForURL((u) => u.pathname === `/documents/${id}`),
      page.getByRole('button', { name: 'Send to Customer' }).click(),
    ]);
    await page.getByText(`Sent to ${to.name} (${to.email}).`).waitFor();
  }

  /**
   * The newest message in /dev/mail whose subject matches: open it, read the portal link from the
   * plain-text body (in a <details>) and from the HTML body, and require both to agree.
   */
  async function portalLinkFromMail(page, subject, { not } = {}) {
    await page.goto('/dev/mail');
    const row = page.locator('table.mail-list tbody tr').filter({ hasText: subject }).first();
    await row.getByRole('link').click();
    await page.waitForURL(/\/dev\/mail\/[a-z0-9]+$/);
    const text = await page.locator('details pre.mail-text').textContent();
    const fromText = /https?:\/\/\S+\/p\/[A-Za-z0-9_.-]+/.exec(text)?.[0];
    assert.ok(fromText, `a portal link in the text body:\n${text}`);
    const body = await (await page.request.get(`${page.url()}/html`)).text();
    const fromHtml = [...body.matchAll(/href="([^"]*\/p\/[A-Za-z0-9_.-]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    assert.ok(fromHtml.includes(fromText), `the HTML body links to the same portal link (${fromHtml.join(', ')})`);
    assert.notEqual(fromText, not, 'a new link, not the one sent before');
    // The link names the app's own origin, so it works when clicked.
    assert.equal(new URL(fromText).port, String(app.port));
    return fromText;
  }

  /** The expired-link page's button: a plain form post that answers with the confirmation (issue 13 wording). */
  async function askForFreshLink(page) {
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.getByRole('button', { name: 'Email me a new link' }).click(),
    ]);
    const text = (await page.locator('main').innerText()).slice(0, 300);
    assert.equal(response?.status(), 200, `"Email me a new link" answered ${response?.status()}: ${text}`);
    await page.getByRole('status').filter({ hasText: 'We are emailing a new link to d•••@example.test' }).waitFor();
  }

  test('scenario 1: send an estimate, open the emailed link in a fresh browser, portal home, expired link', {
    timeout: 120_000,
  }, async () => {
    const page = desk;
    const errors = watchErrors(page);

    // A second job of the same customer, so the portal home has documents from two jobs.
    await page.goto('/jobs');
    await page.getByRole('link', { name: BATH, exact: true }).click();
    await page.getByRole('link', { name: 'Edit job' }).click();
    await page.getByLabel('Customer').selectOption({ label: 'Reyes Household' });
    await Promise.all([
      page.waitForURL((u) => !u.pathname.endsWith('/edit')),
      page.getByRole('button', { name: 'Save job' }).click(),
    ]);
    const other = await createEstimate(page, BATH, 'Plumbing');
    await send(page, other.id);

    // The estimate under test, on the kitchen job.
    const est = await createEstimate(page, KITCHEN, 'Cabinets & Counters');
    assert.notEqual(est.number, other.number);
    // The editor shows where it will go.
    const preparedFor = page.locator('.prepared-for');
    await preparedFor.waitFor();
    assert.match(await preparedFor.innerText(), new RegExp(`${DANA.name}.*${DANA.email.replace(/\./g, '\\.')}`));
    sent.total = moneyText(await page.locator('.totals-table tr.grand td').first().innerText());
    assert.match(sent.total, /^\$\d[\d,]*\.\d\d$/);
    await screenshot(page, '1-editor');

    await send(page, est.id);
    await page.getByText(`sent rev 1 to ${DANA.name} (${DANA.email})`).waitFor();
    Object.assign(sent, est);

    sent.link = await portalLinkFromMail(page, `Estimate ${est.number} from Oak & Stone Builders`);
    assert.deepEqual(errors, [], 'no script errors on the contractor pages');

    // The recipient: a fresh browser context, no cookies.
    const recipient = await newContext(browser, app.base, {
      viewport: { width: 360, height: 780 },
      isMobile: true,
      hasTouch: true,
    });
    try {
      const portal = await recipient.newPage();
      const portalErrors = watchErrors(portal);
      const response = await portal.goto(sent.link);
      const url = new URL(portal.url());
      assert.equal(url.pathname, `/portal/documents/${est.id}`);
      assert.equal(url.search, '', 'the token left the address bar');
      assert.ok(!portal.url().includes('/p/'), 'no token in the URL');
      const redirect = await response.request().redirectedFrom()?.response();
      assert.ok(redirect, 'the link answered with a redirect');
      assert.equal(await redirect.headerValue('referrer-policy'), 'no-referrer');
      assert.ok(
        (await recipient.cookies()).some((c) => c.name === 'cp_portal' && c.httpOnly),
        'a portal session cookie, HttpOnly',
      );

      await portal.getByRole('heading', { level: 1, name: new RegExp(`Estimate ${est.number}`) }).waitFor();
      assert.match(await portal.locator('.totals-table').innerText(), new RegExp(sent.total.replace(/[$.]/g, '\\$&')));
      // Readable at 360 px: nothing forces the page wider than the screen.
      const overflow = await portal.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the portal document page scrolls sideways at 360 px by ${overflow}px`);
      await screenshot(portal, '2-portal-document-360');

      // Portal home: every document sent to the account, once. Both estimates wait on the customer, so
      // both are under "Waiting for you", each naming its job (issue 13: no second listing by job).
      await Promise.all([
        portal.waitForURL((u) => u.pathname === '/portal'),
        portal.getByRole('link', { name: 'Your documents' }).click(),
      ]);
      await portal.getByRole('heading', { level: 1, name: 'Documents from Oak & Stone Builders' }).waitFor();
      const waiting = portal
        .locator('section')
        .filter({ has: portal.getByRole('heading', { level: 2, name: 'Waiting for you' }) });
      for (const [job, doc] of [
        [KITCHEN, est],
        [BATH, other],
      ]) {
        assert.equal(await portal.locator('.portal-list li').filter({ hasText: doc.number }).count(), 1, doc.number);
        const row = waiting.locator('.portal-list li').filter({ hasText: doc.number });
        assert.equal(await row.count(), 1, `${doc.number} waits on the customer`);
        assert.match(await row.innerText(), new RegExp(job), `${doc.number} names ${job}`);
      }
      await screenshot(portal, '3-portal-home-360');
      await portal.setViewportSize({ width: 1280, height: 900 });
      await screenshot(portal, '3-portal-home-desktop');
      assert.deepEqual(portalErrors, [], 'no script errors in the portal');
    } finally {
      await recipient.close();
    }

    // A tampered link (one character of the signature changed): not one of ours, so a plain page that
    // names nobody and says what to do (issue 13), with no button that could never send anything.
    const [head, payload, signature] = new URL(sent.link).pathname.slice(3).split('.');
    const i = Math.floor(signature.length / 2);
    const tampered = `${head}.${payload}.${signature.slice(0, i)}${signature[i] === 'A' ? 'B' : 'A'}${signature.slice(i + 1)}`;
    const stranger = await newContext(browser, app.base);
    try {
      const p = await stranger.newPage();
      const res = await p.goto(`/p/${tampered}`);
      assert.equal(res.status(), 403);
      await p.getByRole('heading', { level: 1, name: 'This link does not work' }).waitFor();
      await p.getByText('ask the person who sent you the document to send it again').waitFor();
      assert.equal(await p.getByRole('button', { name: 'Email me a new link' }).count(), 0);
      await screenshot(p, '4-link-tampered');
      assert.equal(
        (await stranger.cookies()).filter((c) => c.name === 'cp_portal').length,
        0,
        'a tampered link starts no session',
      );
    } finally {
      await stranger.close();
    }

    // A genuine link that ran out (signed with the dev secret, expired ten days ago): the company's page
    // with the address on file masked, and the button emails a fresh link there, which works.
    const secret = parseVars(readFileSync(join(ROOT, '.dev.vars'), 'utf8')).PORTAL_TOKEN_SECRET;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ doc: claims.doc, av: claims.av })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(claims.iss)
      .setAudience(claims.aud)
      .setSubject(claims.sub)
      .setJti('e2e-expired-link')
      .setIssuedAt(now - 100 * 86_400)
      .setExpirationTime(now - 10 * 86_400)
      .sign(new TextEncoder().encode(secret));
    const late = await newContext(browser, app.base);
    try {
      const p = await late.newPage();
      const res = await p.goto(`/p/${expired}`);
      assert.equal(res.status(), 403);
      await p.getByRole('heading', { level: 1, name: 'This link has expired' }).waitFor();
      await p.getByText('d•••@example.test', { exact: true }).waitFor();
      await screenshot(p, '4-link-expired');
      await askForFreshLink(p);
    } finally {
      await late.close();
    }
    const fresh = await portalLinkFromMail(page, est.number, { not: sent.link });
    const renewed = await newContext(browser, app.base);
    try {
      const p = await renewed.newPage();
      await p.goto(fresh);
      assert.equal(new URL(p.url()).pathname, `/portal/documents/${est.id}`);
      await p.getByRole('heading', { level: 1, name: new RegExp(`Estimate ${est.number}`) }).waitFor();
    } finally {
      await renewed.close();
    }
  });

  test('scenario 2: comments appear live in the other side and in a second tab, without reloading', {
    timeout: 90_000,
  }, async () => {
    assert.ok(sent.link, 'scenario 1 sent the estimate');
    const tabA = desk;
    const tabB = await contractor.newPage();
    const recipient = await newContext(browser, app.base);
    await recipient.addInitScript(TRACK_SOCKETS);
    try {
      const portal = await recipient.newPage();
      await portal.goto(sent.link);
      assert.equal(new URL(portal.url()).pathname, `/portal/documents/${sent.id}`);
      await Promise.all([tabA.goto(`/documents/${sent.id}`), tabB.goto(`/documents/${sent.id}`)]);
      const errors = [tabA, tabB, portal].map(watchErrors);
      await Promise.all([tabA, tabB, portal].map(liveConnected));
      const docUrls = [tabA.url(), tabB.url(), portal.url()];
      const navs = [tabA, tabB, portal].map(watchNavigation);

      // From the portal: the recipient's comment reaches both contractor tabs and the timeline.
      const fromPortal = `Can the cabinets be delivered before the 12th? (e2e ${Date.now()})`;
      await portal.getByLabel('Add a comment').fill(fromPortal);
      await portal.getByRole('button', { name: 'Post comment' }).click();
      for (const p of [portal, tabA, tabB]) {
        await p.locator('[data-thread] li').filter({ hasText: fromPortal }).waitFor({ timeout: 10_000 });
      }
      for (const p of [tabA, tabB]) {
        const entry = p.locator('[data-timeline] li').filter({ hasText: fromPortal.slice(0, 40) });
        await entry.waitFor({ timeout: 10_000 });
        assert.match(await entry.innerText(), /Dana Reyes\s+commented/);
      }
      assert.equal(await portal.getByLabel('Add a comment').inputValue(), '', 'the box is cleared after posting');

      // From the contractor's first tab: the reply reaches the portal and the second tab.
      const fromDesk = `Yes — we will deliver on the 10th. (e2e ${Date.now()})`;
      await tabA.getByLabel('Add a comment').fill(fromDesk);
      await tabA.getByRole('button', { name: 'Post comment' }).click();
      for (const p of [tabA, tabB, portal]) {
        await p.locator('[data-thread] li').filter({ hasText: fromDesk }).waitFor({ timeout: 10_000 });
      }

      // Each comment exactly once on each page, in order, and nobody navigated or reloaded.
      for (const [i, p] of [tabA, tabB, portal].entries()) {
        const texts = await p.locator('[data-thread] li .comment-body').allInnerTexts();
        assert.deepEqual(
          texts.filter((t) => t === fromPortal || t === fromDesk),
          [fromPortal, fromDesk],
          `thread of page ${i}`,
        );
        assert.equal(p.url(), docUrls[i], `page ${i} kept its address`);
        assert.deepEqual(navs[i], { navigations: 0, loads: 0 }, `page ${i} did not navigate or reload`);
      }
      const reply = portal.locator('[data-thread] li').filter({ hasText: fromDesk });
      assert.match(
        await reply.locator('.comment-meta').innerText(),
        /Sam Carter\s+Oak & Stone Builders/,
        'the reply names its author and side',
      );
      await screenshot(tabB, '5-contractor-second-tab');
      await screenshot(portal, '6-portal-conversation');
      assert.deepEqual(errors.flat(), [], 'no script errors');
    } finally {
      await tabB.close();
      await recipient.close();
    }
  });

  test('the portal document page reads without JavaScript, and a comment posts as a plain form', {
    timeout: 60_000,
  }, async () => {
    assert.ok(sent.link, 'scenario 1 sent the estimate');
    const noJs = await newContext(browser, app.base, {
      javaScriptEnabled: false,
      viewport: { width: 360, height: 780 },
    });
    try {
      const page = await noJs.newPage();
      await page.goto(sent.link);
      assert.equal(new URL(page.url()).pathname, `/portal/documents/${sent.id}`);
      await page.getByRole('heading', { level: 1, name: new RegExp(`Estimate ${sent.number}`) }).waitFor();
      const lines = page.locator('table.doc-lines tbody tr');
      assert.equal(await lines.count(), 4, 'the group heading and its three items');
      for (const item of ['Shaker cabinets, painted maple', 'Cabinet installation', 'Quartz countertops, 3 cm']) {
        assert.equal(await lines.filter({ hasText: item }).count(), 1, `${item} is shown`);
      }
      const totals = await page.locator('.totals-table').innerText();
      assert.match(totals, /Subtotal/);
      assert.match(totals, new RegExp(`Total\\s+${sent.total.replace(/[$.]/g, '\\$&')}`));
      assert.ok(await page.getByRole('link', { name: 'Download PDF' }).isVisible());

      const body = `Posted without JavaScript (e2e ${Date.now()})`;
      await page.getByLabel('Add a comment').fill(body);
      const [posted] = await Promise.all([
        page.waitForNavigation(),
        page.getByRole('button', { name: 'Post comment' }).click(),
      ]);
      assert.equal(
        new URL(page.url()).pathname,
        `/portal/documents/${sent.id}`,
        `the form post redirects back to the document (${posted?.status()}: ${(await page.locator('main').innerText()).slice(0, 300)})`,
      );
      await page.locator('[data-thread] li').filter({ hasText: body }).waitFor();
      await screenshot(page, '7-portal-document-no-js-360');
    } finally {
      await noJs.close();
    }
  });

  test("the budget's ↑/↓ buttons move an item through the page's one move form", { timeout: 60_000 }, async () => {
    await desk.goto('/jobs');
    await desk.getByRole('link', { name: KITCHEN, exact: true }).click();
    const names = () => desk.locator('table.budget .item-name').allInnerTexts();
    const before = await names();
    const second = before[1];
    assert.ok(second, 'the kitchen budget has at least two items');
    await Promise.all([
      desk.waitForNavigation(),
      desk.getByRole('button', { name: `Move ${second} up`, exact: true }).click(),
    ]);
    assert.match(new URL(desk.url()).pathname, /^\/jobs\/[a-z0-9]+$/, 'back on the job page');
    const after = await names();
    assert.deepEqual(after.slice(0, 2), [before[1], before[0]], 'the second item is now first');
    await Promise.all([
      desk.waitForNavigation(),
      desk.getByRole('button', { name: `Move ${second} down`, exact: true }).click(),
    ]);
    assert.deepEqual(await names(), before, 'and back down again');
  });
});

process.on('exit', () => {
  if (process.exitCode) console.error(`screenshots: ${SHOTS}`);
});
