// Accessibility in real Chromium against `wrangler dev`: axe-core (WCAG 2.0/2.1 A and AA, and its
// best practices) on the states the account forms lead to (sign-up sent and its emailed link,
// password reset sent and its emailed link) and on the portal document opened from its emailed
// link, each at 390 and 1280 px wide with a full-page screenshot (a11y-<page>-<width>.png). Every
// dashboard page itself (sign-in, sign-up and reset included) is swept by a11y-dashboard.e2e.mjs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { createFromBudget, DANA, linkFromMail } from './flows.mjs';
import { launchBrowser, newContext, NO_BROWSER, screenshot, SHOTS, signIn, startApp } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const RULESETS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
const WIDTHS = [390, 1280];
const HEIGHT = { 390: 844, 1280: 900 };

const NEWCOMER = { company: 'Axe Check Renovations', name: 'Alex Axe', email: 'alex.axe@example.test' };

/** One line per failing node: rule, impact, the element and the rule's help. */
function describeViolations(violations) {
  return violations.flatMap((v) =>
    v.nodes.map((n) => `  ${v.id} (${v.impact}) ${JSON.stringify(n.target)}: ${v.help}\n    ${n.failureSummary ?? ''}`),
  );
}

describe('accessibility (axe-core) and screenshots in real Chromium', { timeout: 120_000, skip: NO_BROWSER }, () => {
  let app;
  let browser;
  const written = []; // screenshot paths
  const found = []; // "page @ width" and its violations, reported once at the end of each test

  before(async () => {
    [app, browser] = await Promise.all([startApp(), launchBrowser()]);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await app?.stop();
    if (written.length) console.log(`a11y screenshots:\n${written.join('\n')}`);
  });

  /** The app's CSP allows only its own scripts with a nonce; axe is injected, so these contexts bypass it. */
  const axeContext = (options = {}) => newContext(browser, app.base, { bypassCSP: true, ...options });

  /**
   * The page as loaded now, at each width (resized, never reloaded: a POST's answer or a one-time
   * flash stays on screen): axe's violations are collected, then a full-page screenshot is saved.
   */
  async function check(page, name) {
    await page.addScriptTag({ content: AXE });
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: HEIGHT[width] });
      const violations = await page.evaluate(
        async (runOnly) => (await window.axe.run(document, { runOnly, resultTypes: ['violations'] })).violations,
        RULESETS,
      );
      if (violations.length)
        found.push(`${name} @ ${width}px (${page.url()}):\n${describeViolations(violations).join('\n')}`);
      written.push(await screenshot(page, `a11y-${name}-${width}`));
    }
  }

  const assertClean = () => {
    const report = found.splice(0).join('\n');
    if (report) assert.fail(`axe found violations:\n${report}`);
  };

  test('signed out: sign-up sent and its emailed link, password reset sent and its emailed link', {
    timeout: 60_000,
  }, async () => {
    const context = await axeContext();
    try {
      const page = await context.newPage();
      await page.goto('/sign-up');
      await page.getByLabel('Company name').fill(NEWCOMER.company);
      await page.getByLabel('Your name').fill(NEWCOMER.name);
      await page.getByLabel('Email').fill(NEWCOMER.email);
      await page.getByLabel('Password').fill('a-long-enough-password-2026');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Create account' }).click()]);
      await page.getByRole('heading', { level: 1, name: 'Check your email to finish signing up' }).waitFor();
      await check(page, 'sign-up-sent');

      const verify = await linkFromMail(page, {
        to: NEWCOMER.email,
        subject: 'Finish signing up',
        pattern: /https?:\/\/\S+\/sign-up\/verify\/[A-Za-z0-9_-]+/,
      });
      await page.goto(verify);
      await page.getByRole('heading', { level: 1, name: 'Confirm your email' }).waitFor();
      await check(page, 'sign-up-verify');

      await page.goto('/reset-password');
      await page.getByLabel('Email').fill('demo@oakandstone.test');
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Email me a link' }).click()]);
      await page.getByRole('heading', { level: 1, name: 'Check your email' }).waitFor();
      await check(page, 'reset-password-sent');

      const reset = await linkFromMail(page, {
        to: 'demo@oakandstone.test',
        subject: 'Reset your',
        pattern: /https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]+/,
      });
      await page.goto(reset);
      await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
      await check(page, 'reset-password-form');
    } finally {
      await context.close();
    }
    assertClean();
  });

  test('the portal document opened from its emailed link', { timeout: 60_000 }, async () => {
    const context = await axeContext();
    const recipient = await axeContext();
    try {
      const page = await context.newPage();
      await signIn(page);
      const { id, number } = await createFromBudget(page, { groups: ['Cabinets & Counters'] });
      await page.goto(`/documents/${id}/send`);
      await Promise.all([
        page.waitForURL((u) => u.pathname === `/documents/${id}`),
        page.getByRole('button', { name: 'Send to Customer' }).click(),
      ]);
      const link = await linkFromMail(page, { to: DANA.email, subject: number });
      const portal = await recipient.newPage();
      await portal.goto(link);
      assert.equal(new URL(portal.url()).pathname, `/portal/documents/${id}`);
      await portal.getByRole('heading', { level: 1, name: /Estimate/ }).waitFor();
      await check(portal, 'portal-document');
    } finally {
      await recipient.close();
      await context.close();
    }
    assertClean();
  });
});

process.on('exit', () => {
  if (process.exitCode) console.error(`screenshots: ${SHOTS}`);
});
