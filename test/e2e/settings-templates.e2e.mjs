// Issue 20, part C, in real Chromium against the demo data: Settings → Templates lists each kind's
// templates; a new estimate template made the default is what the item step picks; choosing another in
// its "Template" select gives the draft that template's intro text. axe-core at 1280 and 390 px on each
// page, with screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { axeViolations } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, signIn, sleep, startApp, watchErrors } from './harness.mjs';

const JOB = 'demojobkitchen01';

describe('Settings → Templates, and a draft that starts from one', { timeout: 300_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  let desk;
  let errors;

  /** axe at 1280 and 390 px on the page as it is, with screenshots; back to 1280. */
  async function look(name) {
    for (const width of [1280, 390]) {
      await desk.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await sleep(100);
      assert.equal(await axeViolations(desk), '', `axe on ${name} at ${width} px`);
      await screenshot(desk, `templates-${name}-${width}`);
    }
    await desk.setViewportSize({ width: 1280, height: 900 });
  }

  const submit = (locator) => Promise.all([desk.waitForNavigation(), locator.click()]);

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
    const context = await newContext(browser, app.base, { viewport: { width: 1280, height: 900 }, bypassCSP: true });
    desk = await context.newPage();
    errors = watchErrors(desk);
    await signIn(desk);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
  });

  test('the list, a refused form, a new default, and the item step’s choice', async () => {
    await desk.goto('/settings');
    await submit(desk.getByRole('link', { name: 'Templates', exact: true }).first());
    await desk.getByRole('heading', { name: 'Estimates', level: 3 }).waitFor();
    assert.ok(await desk.getByText('Group subtotals only · 30% deposit').isVisible());
    await look('list');

    await submit(desk.getByRole('link', { name: 'New template for estimates' }));
    await submit(desk.getByRole('button', { name: 'Save template' }));
    await desk.getByText('Name is required.').waitFor();
    await look('refused');

    await desk.getByLabel('Template name').fill('Deck build');
    await desk.getByLabel('Intro text').fill('A new cedar deck off the kitchen, as listed below.');
    await desk.getByLabel('Lump sum').check();
    await desk.getByLabel('Start new estimates from this template').check();
    await submit(desk.getByRole('button', { name: 'Save template' }));
    await desk.getByText('Template “Deck build” saved.').waitFor();
    const deck = desk.getByRole('listitem').filter({ hasText: 'Deck build' });
    assert.ok(await deck.getByText('Default').isVisible());
    await look('saved');

    await desk.goto(`/jobs/${JOB}/documents/new?kind=estimate`);
    const choice = desk.getByLabel('Template');
    assert.equal(await choice.locator('option:checked').innerText(), 'Deck build (default)');
    await choice.selectOption({ label: 'Bathroom remodel' });
    await desk.getByLabel('Plumbing', { exact: true }).check();
    await look('select-items');
    await Promise.all([
      desk.waitForURL(/\/documents\/[a-z0-9]+(\?|$)/),
      desk.getByRole('button', { name: /^Create / }).click(),
    ]);
    assert.match(await desk.locator('textarea[name="description"]').inputValue(), /^Remove the existing bathroom/);

    await desk.goto('/settings/templates/demotemplatebath');
    await look('edit');
    await submit(desk.getByRole('button', { name: 'Delete template' }));
    await desk.getByRole('heading', { name: 'Delete the template “Bathroom remodel”?' }).waitFor();
    await look('delete-question');
    // The refused form answers 422 on purpose; anything else in the console is a fault.
    assert.deepEqual(
      errors.filter((e) => !/status of 422/.test(e)),
      [],
    );
  });
});
