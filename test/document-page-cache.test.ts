import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { prepared } from '../src/db/client';
import { todayIn } from '../src/documents/drafts';
import { sessionDocumentPageQueries } from '../src/documents/queries';
import { sha256Hex } from '../src/http/crypto';
import { forgetPages, heldPage, pageKey } from '../src/http/page-cache';
import { relativeTime, relativeTimeTurns } from '../views/format';
import { cost, page, secondBrowser } from './held-pages';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db, location } from './helpers';
import { formFields, normalized, openLink } from './portal-fixtures';

// Issue 19: the contractor's page of a sent document is held per isolate as the job page is
// (documents/pages.ts openDocument, http/page-cache.ts), its stamp the document's, job's, org's and account's
// page_rev and its job's row of job_page_stamps (migrations 0017–0019). These tests go through the routes a
// contractor and a recipient use, and check what would make a held page wrong.

/** A sent estimate whose page the contractor has loaded once since its notice: the next load is held. */
async function heldDocument() {
  const co = await companyWithBudget();
  const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  const { link } = await sendDocument(co.browser, id);
  const path = `/documents/${id}`;
  await page(co.browser, path); // the send's one-time notice: never held
  forgetPages();
  const cold = await cost(co.browser, path);
  expect(cold.status).toBe(200);
  expect(cold.trips, cold.log).toBe(1);
  expect(cold.statements[0], cold.log).toBeGreaterThan(10);
  return { co, id, link, path, cold };
}

describe("the contractor's document page is held while nothing it shows changes", () => {
  it('answers a held page from the session and its stamp alone, and reads again once anything changed', async () => {
    const { co, id, link, path, cold } = await heldDocument();
    const held = await cost(co.browser, path);
    expect(held.trips, held.log).toBe(1);
    expect(held.statements, held.log).toEqual([2]); // the session, the stamp
    expect(normalized(held.html)).toBe(normalized(cold.html));

    // The customer opens it and comments in the portal: the next load reads the page again with both.
    const { browser: r } = await openLink(link);
    expect(
      (await r.post(`/portal/documents/${id}/comments`, { body: 'Can the dumpster go on the left?' })).status,
    ).toBe(303);
    const changed = await cost(co.browser, path);
    expect(changed.trips, changed.log).toBe(2);
    expect(changed.statements[0]).toBe(2);
    expect(changed.html).toContain('Can the dumpster go on the left?');
    expect((await cost(co.browser, path)).statements).toEqual([2]);
  });

  it('shows every change the page shows on the next load, whoever made it', async () => {
    const { co, id, path } = await heldDocument();
    const other = await secondBrowser(co.email);
    const load = async () => {
      const res = await cost(co.browser, path);
      expect(res.status).toBe(200);
      return res;
    };
    expect((await load()).statements).toEqual([2]);

    // A teammate's comment.
    expect((await other.post(`/documents/${id}/comments`, { body: 'Dumpster booked for Tuesday.' })).status).toBe(303);
    expect((await load()).html).toContain('Dumpster booked for Tuesday.');

    // The recipient renamed (the document's contact).
    const contact = co.customerContact;
    const named = await other.post(`/accounts/${co.customerId}/contacts/${contact.id}`, {
      name: 'Dana Reyes-Okafor',
      email: contact.email,
      phone: '',
    });
    expect(named.status).toBe(303);
    expect((await load()).html).toContain('Dana Reyes-Okafor');

    // Its job renamed.
    const form = formFields(await (await other.get(`/jobs/${co.jobId}/edit`)).text(), `/jobs/${co.jobId}`);
    const renamed = form.map(([k, v]) => [k, k === 'name' ? 'Maple Court kitchen' : v] as [string, string]);
    expect((await other.post(`/jobs/${co.jobId}`, Object.fromEntries(renamed))).status).toBe(303);
    expect((await load()).html).toContain('Maple Court kitchen');

    // A reminder sent now by the teammate: the page lists it.
    const reminded = await other.post(`/documents/${id}/remind`, {});
    expect(reminded.status).toBe(303);
    const row = await env.DB.prepare('SELECT count(*) AS n FROM reminders WHERE document_id = ?')
      .bind(id)
      .first<number>('n');
    expect(row).toBeGreaterThan(0);
    expect((await load()).trips).toBe(2);

    // The company renamed in Settings (the session's own row: the viewer it is rendered for).
    const settings = formFields(await (await other.get('/settings')).text(), '/settings');
    const company = settings.map(([k, v]) => [k, k === 'name' ? 'Oak & Stone Renovation' : v] as [string, string]);
    expect((await other.post('/settings', Object.fromEntries(company))).status).toBe(303);
    expect((await load()).html).toContain('Oak &amp; Stone Renovation');
    expect((await load()).statements).toEqual([2]);
  });

  it("forgets a session's held pages on its own write, and never holds a draft's editor", async () => {
    const { co, id, path } = await heldDocument();
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    const paid = await co.browser.post(`/documents/${id}/comments`, { body: 'Noted.' });
    expect(paid.status).toBe(303);
    const next = await cost(co.browser, path);
    expect(next.trips, next.log).toBe(1);
    expect(next.statements[0]).toBeGreaterThan(10);

    const draft = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.electrical });
    const editor = `/documents/${draft}`;
    await page(co.browser, editor);
    for (let i = 0; i < 2; i++) expect((await cost(co.browser, editor)).statements[0]).toBeGreaterThan(10);
  });

  it('never answers another session, another company, a stranger or a signed-out browser from what it holds', async () => {
    const { co, path } = await heldDocument();
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    const other = await secondBrowser(co.email);
    expect((await cost(other, path)).statements[0]).toBeGreaterThan(10);
    const rival = await companyWithBudget({ company: 'Rival Builders' });
    const refused = await page(rival.browser, path);
    expect(refused.status).toBe(404);
    expect(refused.html).not.toContain('Remove cabinets');
    const stranger = await new Browser().get(path);
    expect(stranger.status).toBe(303);
    expect(location(stranger)).toContain('/sign-in');
    const cookie = [...co.browser.cookies].find(([k]) => k.endsWith('session'))!;
    expect((await co.browser.post('/sign-out', {})).status).toBe(303);
    const replay = new Browser();
    replay.cookies.set(cookie[0], cookie[1]);
    const after = await replay.get(path);
    expect(after.status).toBe(303);
    expect(await after.text()).not.toContain('Remove cabinets');
  });

  it('agrees under concurrent loads, and a payment recorded among them is on the next load', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    await sendDocument(co.browser, id);
    const path = `/documents/${id}`;
    await page(co.browser, path);
    const other = await secondBrowser(co.email);
    const loads = await Promise.all(Array.from({ length: 6 }, () => page(co.browser, path)));
    expect(loads.every((x) => x.status === 200)).toBe(true);
    expect(new Set(loads.map((x) => normalized(x.html))).size).toBe(1);
    const [paid] = await Promise.all([
      other.post(`/documents/${id}/payments`, {
        amount: '123.45',
        paidOn: todayIn('UTC'),
        method: 'Check',
        reference: 'CHK-5531',
      }),
      ...Array.from({ length: 5 }, () => page(co.browser, path)),
    ]);
    expect(paid.status).toBe(303);
    expect((await page(co.browser, path)).html).toContain('CHK-5531');
  });
});

describe("what a held document page's time and state bound", () => {
  it("holds a page showing a view only until its 'last … ago' turns", async () => {
    const { co, link, path } = await heldDocument();
    await openLink(link);
    for (let i = 0; i < 100; i++) {
      if ((await page(co.browser, path)).html.includes('Viewed by')) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    await page(co.browser, path);
    const key = pageKey(await sha256Hex([...co.browser.cookies].find(([k]) => k.endsWith('session'))![1]), path);
    const held = heldPage(key);
    expect(held).toBeDefined();
    expect(held!.until - Date.now()).toBeLessThanOrEqual(60_000); // "just now" turns within the minute
  });

  it('finds the instant each relative time turns', () => {
    const now = Date.UTC(2026, 11, 1, 12);
    for (const ago of [
      0, 1_000, 59_400, 61_000, 3_599_000, 3_600_000, 7_300_000, 86_399_000, 86_400_000, 400_000_000,
    ]) {
      const at = now - ago;
      const turn = relativeTimeTurns(at, now);
      expect(turn).toBeGreaterThan(now);
      expect(relativeTime(at, turn - 1)).toBe(relativeTime(at, now));
      expect(relativeTime(at, turn)).not.toBe(relativeTime(at, now));
    }
  });

  it('forgets a held page once its document is a draft again: the editor reads in one round trip', async () => {
    const { co, id, path } = await heldDocument();
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    const other = await secondBrowser(co.email);
    expect((await other.post(`/documents/${id}/revise`, {})).status).toBe(303);
    const first = await cost(co.browser, path);
    // The stamp moved: the page read again, the draft's editor (which reads its recipients' choices apart).
    expect(first.trips, first.log).toBe(3);
    expect(first.statements[0]).toBe(2);
    expect(first.html).toContain('name="title"');
    const next = await cost(co.browser, path);
    expect(next.trips, next.log).toBe(2); // no stamp first: nothing held for it any more
    expect(next.statements[0]).toBeGreaterThan(10);
  });
});

describe('every table the document page reads stamps it (migrations 0017–0019)', () => {
  it('has a trigger on each table the page reads that bumps its document or its job', async () => {
    const read = new Set<string>();
    for (const q of prepared(db(), sessionDocumentPageQueries))
      for (const m of q.getQuery().sql.matchAll(/\b(?:from|join)\s+"?([a-z_]+)"?/gi)) read.add(m[1].toLowerCase());
    const { results } = await env.DB.prepare(
      "SELECT tbl_name AS t, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%stamp%'",
    ).all<{ t: string; sql: string }>();
    const bumps = (sql: string) => sql.includes('job_page_stamps') || /UPDATE `documents` SET `page_rev`/.test(sql);
    const on = (t: string, event: string) =>
      results.some((r) => r.t === t && r.sql.includes(`AFTER ${event}`) && bumps(r.sql));
    // The session's rows; the stamps' own tables (documents, jobs, orgs, accounts: page_rev on any update).
    const skip = new Set(['sessions', 'documents', 'jobs', 'orgs', 'accounts', 'job_page_stamps']);
    // Append-only: activity. Users are named (the creator): a rename or a delete.
    const only: Record<string, string[]> = { activity: ['INSERT'], users: ['UPDATE OF `name`', 'DELETE'] };
    const missing: string[] = [];
    for (const t of read) {
      if (skip.has(t)) continue;
      for (const e of only[t] ?? ['INSERT', 'UPDATE', 'DELETE']) if (!on(t, e)) missing.push(`${t} ${e}`);
    }
    expect(read.size).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  });
});
