// Issue 14, "A timeline worth reading", in real Chromium: on the contractor's page of a 120-line
// estimate the decision and the comment form come before the lines (first screen at 1280 px); the
// timeline reads newest first, a recipient's repeated views are one line with their addresses behind
// a closed "Details" (updated live when they look again), and past 50 entries "Older activity"
// pages on. axe-core at 1280 and 390 px on each state; screenshots of each.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, createFromBudget, KITCHEN, linkFromMail, PHONE, sendDraft } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const GROUP = 'Finish schedule';

describe("the contractor's document page: decision first, a timeline worth reading", {
  timeout: 120_000,
  skip: NO_BROWSER,
}, () => {
  let app;
  let browser;
  let deskContext;
  let desk;
  let doc; // the 120-line estimate: { id, number, link }
  let small; // a short one, for the timeline's states (axe reads it faster)

  /** A form post from the signed-in desk, as the page's own forms would send it. */
  async function post(path, form) {
    const csrf = (await deskContext.cookies()).find((c) => /cp_csrf$/.test(c.name))?.value;
    const res = await desk.request.post(path, {
      form: { _csrf: csrf, ...form },
      headers: { Origin: app.base },
      maxRedirects: 0,
      timeout: 30_000,
    });
    assert.ok(res.status() < 400, `${path}: ${res.status()} ${(await res.text()).slice(0, 300)}`);
    return res;
  }

  /** axe at 1280 and 390 px on the page as it is, with screenshots of the first screen; back to 1280. */
  async function look(page, name) {
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? PHONE.viewport.height : 900 });
      await sleep(100);
      assert.equal(await axeViolations(page), '', `axe on ${name} at ${width} px`);
      await screenshot(page, `timeline-${name}-${width}`, { fullPage: false });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  const entries = () => desk.locator('#timeline ol.timeline > li');

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    deskContext = await newContext(browser, app.base, { bypassCSP: true });
    desk = await deskContext.newPage();
    await signIn(desk);
    // A 120-line estimate: one group of 120 items on the kitchen job, posted as the budget's form does.
    await desk.goto('/jobs');
    await desk.getByRole('link', { name: KITCHEN, exact: true }).click();
    const jobId = new URL(desk.url()).pathname.split('/').pop();
    await post(`/jobs/${jobId}/groups`, { name: GROUP });
    await desk.goto(`/jobs/${jobId}/items/new`);
    const groupId = await desk.locator('select[name="groupId"] option', { hasText: GROUP }).getAttribute('value');
    // Twelve at a time: the dev server answers each from one local D1.
    for (let i = 0; i < 120; i += 12)
      await Promise.all(
        Array.from({ length: 12 }, (_, k) =>
          post(`/jobs/${jobId}/items`, {
            groupId,
            name: `Finish item ${String(i + k + 1).padStart(3, '0')}`,
            costType: 'materials',
            quantity: '2',
            unit: 'ea',
            unitCost: '40.00',
            priceBy: 'markup',
            markup: '20',
          }),
        ),
      );
    const { id, number } = await createFromBudget(desk, { groups: [GROUP] });
    await sendDraft(desk, id);
    doc = { id, number, link: await linkFromMail(desk, { to: 'dana.reyes@example.test', subject: number }) };
    const short = await createFromBudget(desk, { groups: ['Electrical'] });
    await sendDraft(desk, short.id);
    small = { ...short, link: await linkFromMail(desk, { to: 'dana.reyes@example.test', subject: short.number }) };
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('views collapse into one line, newest first, details closed, updated live', async () => {
    const phone = await newContext(browser, app.base, { ...PHONE });
    const reader = await phone.newPage();
    try {
      await reader.goto(small.link);
      // Seven more devices (a reload from the same one within 10 minutes is the same view).
      for (let i = 1; i < 8; i++) await reader.request.get(reader.url(), { headers: { 'User-Agent': `Tablet/${i}` } });
      // Eight views (each logged after its answer): wait until they are all in, then open the page.
      const page = () => desk.request.get(`/documents/${small.id}`).then((r) => r.text());
      for (let i = 0; i < 50 && !/viewed it 8 times/.test(await page()); i++) await sleep(100);
      await desk.goto(`/documents/${small.id}`);
      const errors = watchErrors(desk);
      const top = entries().first();
      assert.match(await top.innerText(), /^[\s\S]*Dana Reyes viewed it 8 times, last [A-Z][a-z]{2} \d{1,2}, \d{4}/);
      assert.equal(await entries().filter({ hasText: 'viewed it' }).count(), 1, 'one line for the eight views');
      assert.match(await entries().nth(1).innerText(), /sent rev 1 to Dana Reyes/);
      const seqs = await entries().evaluateAll((lis) => lis.map((li) => Number(li.dataset.seq)));
      assert.deepEqual(
        seqs,
        [...seqs].sort((a, b) => b - a),
        'newest first',
      );
      // The address and browser wait behind "Details".
      const details = top.locator('details');
      assert.equal(await details.getAttribute('open'), null);
      assert.equal(await top.getByText(/HeadlessChrome|Mozilla/).isVisible(), false);
      await screenshot(desk, 'timeline-views-closed-1280', { fullPage: false });
      await details.locator('summary').click();
      assert.match(await details.innerText(), /Mozilla\/5\.0/);
      await screenshot(desk, 'timeline-views-open-1280', { fullPage: false });
      await look(desk, 'views');

      // Dana looks again from her phone (the last view logged was another device's): the same line, now 9 times,
      // still the only one and at the top, no reload.
      await desk.evaluate(() => (window.__samePage = true));
      await reader.reload();
      await desk.waitForFunction(() => /9 times/.test(document.querySelector('#timeline li')?.textContent ?? ''));
      assert.equal(await entries().filter({ hasText: 'viewed it' }).count(), 1);
      assert.equal(await desk.evaluate(() => window.__samePage), true, 'updated in place');
      assert.deepEqual(errors, []);
    } finally {
      await phone.close();
    }
  });

  test('at 1280 px the decision and the comment form come before the 120 lines, within the first screen', async () => {
    // Dana signs, so the page has a decision to show.
    const phone = await newContext(browser, app.base, { ...PHONE });
    const reader = await phone.newPage();
    try {
      await reader.goto(doc.link);
      const panel = reader.locator('section#sign');
      const consent = panel.getByRole('checkbox', { name: /agree to use electronic records and signatures/ });
      if (await consent.count()) await consent.check();
      await panel.getByLabel('Type it').check();
      // The answer's HTML is what counts here; its subresources' load can wait behind the seal being made.
      const signedPage = reader.waitForNavigation({ waitUntil: 'domcontentloaded' });
      await Promise.all([signedPage, panel.getByRole('button', { name: /& sign$/ }).click()]);
      await reader.getByRole('heading', { level: 2, name: /^Signed by / }).waitFor();
    } finally {
      await phone.close();
    }
    await desk.setViewportSize({ width: 1280, height: 900 });
    await desk.goto(`/documents/${doc.id}`);
    const lines = desk.locator('table.doc-lines');
    assert.equal(await lines.locator('tbody tr').count(), 121, '120 lines under their group heading');
    const decision = desk.getByRole('heading', { level: 2, name: 'Signatures and decisions' });
    const comment = desk.getByLabel('Add a comment');
    const [d, c, t] = await Promise.all([decision.boundingBox(), comment.boundingBox(), lines.boundingBox()]);
    assert.ok(d.y + d.height < 900, `the decision is on the first screen (${d.y})`);
    assert.ok(c.y + c.height < 900, `the comment form is on the first screen (${c.y})`);
    assert.ok(t.y > c.y && t.y > d.y, 'the lines come after both');
    await screenshot(desk, 'timeline-signed-first-screen-1280', { fullPage: false });
    await look(desk, 'signed');
    // On a phone: one column, the decision before the conversation before the lines.
    await desk.setViewportSize({ width: 390, height: PHONE.viewport.height });
    const [pd, pc, pt] = await Promise.all([decision.boundingBox(), comment.boundingBox(), lines.boundingBox()]);
    assert.ok(pd.y < pc.y && pc.y < pt.y, 'decision, conversation, then the lines');
    const width = await desk.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 390, `no sideways scrolling (${width})`);
    await screenshot(desk, 'timeline-signed-390', { fullPage: false });
    await desk.setViewportSize({ width: 1280, height: 900 });
  });

  test('past 50 entries the timeline pages with "Older activity" (no script needed)', async () => {
    // Fifty comments from the desk: 50 entries, and the creation, the send and the views before them.
    for (let i = 0; i < 50; i += 10)
      await Promise.all(
        Array.from({ length: 10 }, (_, k) => post(`/documents/${small.id}/comments`, { body: `Note ${i + k + 1}` })),
      );
    const plain = await newContext(browser, app.base, { javaScriptEnabled: false, bypassCSP: true });
    await plain.addCookies(await deskContext.cookies());
    const page = await plain.newPage();
    try {
      await page.goto(`/documents/${small.id}`);
      const list = page.locator('#timeline ol.timeline > li');
      assert.equal(await list.count(), 50);
      const newest = await list.first().innerText();
      const older = page.getByRole('link', { name: 'Older activity' });
      await Promise.all([page.waitForNavigation(), older.click()]);
      assert.match(page.url(), /\?before=\d+#timeline$/);
      const rest = await list.allInnerTexts();
      assert.ok(rest.length >= 1 && rest.length < 50, `the rest on page two (${rest.length})`);
      assert.match(rest.at(-1), /created the draft/);
      assert.equal(await page.getByRole('link', { name: 'Older activity' }).count(), 0);
      await desk.goto(page.url());
      await look(desk, 'older');
      await page.getByRole('link', { name: 'Newest activity' }).click();
      await page.waitForURL((u) => !u.search);
      assert.equal(await list.first().innerText(), newest);
    } finally {
      await plain.close();
    }
  });
});
