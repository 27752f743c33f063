// Steps several browser tests share: a contractor makes a document from a job's budget and sends
// it, and the recipient's portal link is read from the development mailbox (/dev/mail).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseVars } from '../../scripts/dev-vars.mjs';
import { ROOT, sleep } from './harness.mjs';

export const KITCHEN = 'Kitchen remodel – 14 Elm Street';
export const BATH = 'Primary bath renovation – 230 Birch Lane';
export const DANA = { name: 'Dana Reyes', email: 'dana.reyes@example.test' };
export const PORTAL_LINK = /https?:\/\/\S+\/p\/[A-Za-z0-9_.-]+/;
/** A phone, as the portal's users mostly hold it. */
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

/**
 * On a signed-in contractor page: the job → New document → the kind (a regex on its card, e.g.
 * /^Estimate\b/) → ticks `groups` → "Create <kind>". Returns the draft's id and its number.
 */
export async function createFromBudget(page, { job = KITCHEN, kind = /^Estimate\b/, groups = [], create }) {
  await page.goto('/jobs');
  await page.getByRole('link', { name: job, exact: true }).click();
  await page.getByRole('link', { name: 'New document' }).first().click();
  // Ticking waits for the page's module script (public/select-items.js), which syncs every group box to
  // its items when it starts: a box ticked before it ran was unticked again under load.
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.getByRole('link', { name: kind }).click(),
  ]);
  for (const g of groups) await page.getByLabel(g, { exact: true }).check();
  await Promise.all([
    page.waitForURL(/\/documents\/[a-z0-9]+(\?|$)/),
    page.getByRole('button', { name: create ?? /^Create / }).click(),
  ]);
  const id = new URL(page.url()).pathname.split('/').pop();
  const number = /\b[A-Z]{2,4}-\d{4}\b/.exec(await page.getByRole('heading', { level: 1 }).innerText())?.[0];
  return { id, number };
}

/** From the draft editor of `id`: "Send to Customer/Vendor" → the send page → send. */
export async function sendDraft(page, id, button = /^Send to (Customer|Vendor)$/) {
  await page.goto(`/documents/${id}`);
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL(`**/documents/${id}/send`);
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/documents/${id}`),
    page.getByRole('button', { name: button }).click(),
  ]);
}

/**
 * The newest message in /dev/mail to `to` whose row mentions `subject`, polled (some mail is queued
 * after the answer): the first match of `pattern` in its plain-text body.
 */
export async function linkFromMail(page, { to, subject, pattern = PORTAL_LINK }) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    await page.goto('/dev/mail');
    const row = page.locator('table.mail-list tbody tr').filter({ hasText: to }).filter({ hasText: subject }).first();
    if (await row.count()) {
      await row.getByRole('link').click();
      // The message's text is what is read: its HTML preview's images need not finish loading.
      await page.waitForURL(/\/dev\/mail\/[a-z0-9]+$/, { waitUntil: 'domcontentloaded' });
      const text = await page.locator('details pre.mail-text').textContent();
      const link = pattern.exec(text)?.[0];
      assert.ok(link, `a link like ${pattern} in the mail to ${to}:\n${text}`);
      return link;
    }
    if (Date.now() > deadline) assert.fail(`no mail to ${to} about "${subject}" within 10 s`);
    await sleep(250);
  }
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const RULESETS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

/** axe-core's violations on the page as it is now, one line per failing node ('' when clean). Needs bypassCSP. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(
    async (runOnly) => (await window.axe.run(document, { runOnly, resultTypes: ['violations'] })).violations,
    RULESETS,
  );
  return violations
    .flatMap((v) =>
      v.nodes.map(
        (n) => `  ${v.id} (${v.impact}) ${JSON.stringify(n.target)}: ${v.help}\n    ${n.failureSummary ?? ''}`,
      ),
    )
    .join('\n');
}

/** Counts WebSockets that reached `open` (and are not closed), so a test can wait until a page listens. */
export const TRACK_SOCKETS = () => {
  window.__openSockets = 0;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('open', () => window.__openSockets++);
      this.addEventListener('close', () => window.__openSockets--);
    }
  };
};

// Issue 15: online payments through development's simulated Stripe (/dev/stripe).

/**
 * On a signed-in contractor page: an invoice of the kitchen job's `groups`, sent to Dana (the demo
 * company takes online payments, so "Accept online payment" starts on). Its id, number and portal link.
 */
export async function sentInvoice(page, { groups, job = KITCHEN, to = DANA.email }) {
  const { id, number } = await createFromBudget(page, { job, kind: /^Invoice\b/, groups });
  await sendDraft(page, id);
  const link = await linkFromMail(page, { to, subject: number });
  return { id, number, link };
}

/** Presses a portal "Pay …" button and lands on the simulated Checkout (the form's #pay carried along); its session id. */
export async function payOnline(page, button) {
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/dev/stripe/checkout/')), button.click()]);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

/**
 * Issue 20: the demo estimate that offers choices (an optional heated floor, a choice of three vanities, a tile
 * allowance), sent to Dana Reyes (src/dev/seed.ts seedChoicesDemo). The browser tests' apps start with nothing
 * sent; this asks the app's /dev/seed for it (with the dev secret, as scripts/dev.mjs does). Made once.
 */
export async function seedChoices(base) {
  const secret = parseVars(readFileSync(join(ROOT, '.dev.vars'), 'utf8')).PORTAL_TOKEN_SECRET;
  const signIn = await fetch(`${base}/sign-in`);
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
  const res = await fetch(`${base}/dev/seed?choices=1`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': cookie.split('=')[1] ?? '', 'x-dev-secret': secret },
  });
  assert.equal(res.status, 200, `the choices seed: ${res.status}`);
}
