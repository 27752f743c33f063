// Issue 19, in real Chromium: a budget of more items than a page (src/budget/queries.ts BUDGET_PAGE) shows
// its groups folded to their totals, a group opens to its items and folds again, a move in the open group
// comes back to it, and axe-core finds nothing on either state at 1280 and 390 px (screenshots of both).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations, PHONE } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, startApp } from './harness.mjs';

const GROUPS = ['Site work', 'Concrete', 'Framing', 'Roofing', 'Windows & doors', 'Plumbing', 'Electrical'];
const PER_GROUP = 40; // 280 items: past the page of 250
const WIDTHS = [
  ['1280', { viewport: { width: 1280, height: 900 } }],
  ['390', PHONE],
];

describe('a big budget on the job page', { timeout: 400_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let jobId;
  const groupIds = {};

  /** A form post as the signed-in contractor's browser makes it, not followed: its Location. */
  async function post(context, path, form) {
    const token = (await context.cookies()).find((c) => /csrf$/.test(c.name))?.value;
    const res = await context.request.post(path, {
      form: { _csrf: token, ...form },
      headers: { Origin: app.base },
      maxRedirects: 0,
    });
    assert.equal(res.status(), 303, `POST ${path} answers ${res.status()}`);
    return res.headers().location;
  }

  before(async () => {
    app = await startApp();
    browser = await launchBrowser();
    const context = await newContext(browser, app.base);
    const page = await context.newPage();
    await signIn(page);
    jobId = (await post(context, '/jobs', { name: 'Riverside clinic', address: '9 Mill Road' })).split('/').pop();
    for (const name of GROUPS) await post(context, `/jobs/${jobId}/groups`, { name });
    const html = await (await context.request.get(`/jobs/${jobId}`)).text();
    for (const [, id, name] of html.matchAll(
      /href="\/jobs\/[a-z0-9]+\/groups\/([a-z0-9]+)\/edit">Edit<span[^>]*> ([^<]+)</g,
    ))
      groupIds[name.replace('&amp;', '&')] = id;
    const items = GROUPS.flatMap((group) =>
      Array.from({ length: PER_GROUP }, (_, i) => ({
        groupId: groupIds[group],
        name: `${group} item ${i + 1}`,
        costType: 'materials',
        quantity: String(1 + (i % 7) + (i % 3) * 0.25),
        unit: 'ea',
        unitCost: (12.35 + i * 3.17).toFixed(2),
        priceBy: 'markup',
        markup: '18.5',
      })),
    );
    for (let i = 0; i < items.length; i += 4)
      await Promise.all(items.slice(i, i + 4).map((item) => post(context, `/jobs/${jobId}/items`, item)));
    await context.close();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  for (const [label, options] of WIDTHS) {
    test(`at ${label} px: folded, one group opened and folded again, a move comes back to it; axe is clean`, async () => {
      const context = await newContext(browser, app.base, { ...options, bypassCSP: true });
      const page = await context.newPage();
      await signIn(page);
      await page.goto(`/jobs/${jobId}`);
      await page.getByText(`This budget has ${GROUPS.length * PER_GROUP} items`).waitFor();
      assert.equal(await page.locator('table.budget a[href$="/edit"][href*="/items/"]').count(), 0);
      assert.equal(await page.locator('table.budget tr.group-row').count(), GROUPS.length);
      assert.equal(await axeViolations(page), '', 'axe on the folded budget');
      await screenshot(page, `job-page-scale-folded-${label}`);

      await Promise.all([
        page.waitForURL(
          (u) => u.searchParams.get('group') === groupIds.Framing && u.hash === `#group-${groupIds.Framing}`,
        ),
        page.getByRole('link', { name: `Show ${PER_GROUP} items in Framing` }).click(),
      ]);
      const framing = page.locator(`#group-${groupIds.Framing}`);
      await framing.getByText('Framing item 40').waitFor();
      assert.equal(await page.locator('table.budget a[href*="/items/"][href$="/edit"]').count(), PER_GROUP);
      assert.equal(await page.getByText('Concrete item 1', { exact: true }).count(), 0);
      assert.equal(await axeViolations(page), '', 'axe with a group open');
      await screenshot(page, `job-page-scale-open-${label}`);

      const before = page.url();
      const order = await framing.locator('.item-name').allTextContents();
      const moved = order[5];
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
        page.getByRole('button', { name: `Move ${moved} up` }).click(),
      ]);
      assert.equal(page.url(), before, 'the move comes back to the open group');
      assert.equal((await framing.locator('.item-name').allTextContents())[4], moved);
      // Put back for the other width.
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
        page.getByRole('button', { name: `Move ${moved} down` }).click(),
      ]);
      assert.deepEqual(await framing.locator('.item-name').allTextContents(), order);

      await Promise.all([
        page.waitForURL((u) => !u.searchParams.has('group')),
        page.getByRole('link', { name: 'Hide items of Framing' }).click(),
      ]);
      assert.equal(await page.locator('table.budget a[href*="/items/"][href$="/edit"]').count(), 0);
      await context.close();
    });
  }
});
