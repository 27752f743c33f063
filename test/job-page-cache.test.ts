import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sessionJobPageQueries } from '../src/budget/queries';
import { prepared } from '../src/db/client';
import { endOfDay } from '../src/deadlines/time';
import { todayIn } from '../src/documents/drafts';
import { sha256Hex } from '../src/http/crypto';
import { forgetPages, heldPage, pageKey, PAGE_HELD_MS, pagesHeld } from '../src/http/page-cache';
import { cost, page, secondBrowser } from './held-pages';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db, location } from './helpers';
import { formFields, normalized, openLink } from './portal-fixtures';

// Issue 19: the contractor's job page, once rendered, is held per isolate and answered again while its stamp
// is unchanged (budget/pages.ts showJob, http/page-cache.ts): its job's and org's page_rev and its row of
// job_page_stamps, which triggers bump on every write to a row the page shows (migration 0018). These tests
// go through the routes a contractor and a recipient use, and check what would make a held page wrong: a
// change not shown, another person's page, a page no longer theirs, a token of another response, a day gone by.

const jobStampRev = (jobId: string) =>
  env.DB.prepare('SELECT rev FROM job_page_stamps WHERE job_id = ?').bind(jobId).first<number>('rev');

/** A held job page: loaded once (read and held), then answered from the session and its stamp. */
async function heldJob() {
  const co = await companyWithBudget();
  const path = `/jobs/${co.jobId}`;
  await page(co.browser, path); // the last item's "saved" notice, shown once: never held
  forgetPages();
  const cold = await cost(co.browser, path);
  expect(cold.status).toBe(200);
  expect(cold.trips, cold.log).toBe(1);
  expect(cold.statements[0], cold.log).toBeGreaterThan(5);
  return { co, path, cold };
}

describe('a job page is held while nothing it shows changes', () => {
  it('answers a held page from the session and its stamp alone, and reads again once anything changed', async () => {
    const { co, path, cold } = await heldJob();
    const held = await cost(co.browser, path);
    expect(held.trips, held.log).toBe(1);
    expect(held.statements, held.log).toEqual([2]); // the session, the stamp
    expect(normalized(held.html)).toBe(normalized(cold.html));

    // Changed behind the app's back with the stamp put back: the held page still says what it said.
    const before = await jobStampRev(co.jobId);
    await env.DB.prepare(
      "UPDATE cost_items SET name = 'Rewritten behind the stamp' WHERE job_id = ? AND name = 'Dumpster'",
    )
      .bind(co.jobId)
      .run();
    expect(await jobStampRev(co.jobId)).toBeGreaterThan(before!); // the trigger saw it
    await env.DB.prepare('UPDATE job_page_stamps SET rev = ? WHERE job_id = ?').bind(before, co.jobId).run();
    const still = await page(co.browser, path);
    expect(still.html).toContain('Dumpster');
    expect(still.html).not.toContain('Rewritten behind the stamp');

    // The customer opens a document sent to them: the view logged on the job's activity moves its stamp, and
    // the next load reads the page again (the stamp, then the page) with the view on it.
    const doc = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, doc);
    await page(co.browser, path); // the send's own notice, not held
    await page(co.browser, path);
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    await openLink(link);
    for (let i = 0; i < 100; i++) {
      const seen = await env.DB.prepare("SELECT 1 FROM activity WHERE document_id = ? AND action = 'viewed'")
        .bind(doc)
        .first();
      if (seen) break;
      await new Promise((done) => setTimeout(done, 20));
    }
    const changed = await cost(co.browser, path);
    expect(changed.trips, changed.log).toBe(2);
    expect(changed.statements[0], changed.log).toBe(2);
    expect(changed.html).toMatch(/viewed/i);
    expect(changed.html).toContain('Rewritten behind the stamp'); // read in full again
    expect((await cost(co.browser, path)).statements).toEqual([2]);
  });

  it("forgets a session's held pages on its own write: the next load reads in full in one round trip", async () => {
    const { co, path } = await heldJob();
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    const item = co.items.find((i) => i.name === 'Dumpster')!;
    const moved = await co.browser.post(`/jobs/${co.jobId}/items/${item.id}/move`, { direction: 'up' });
    expect(moved.status).toBe(303);
    const next = await cost(co.browser, path);
    expect(next.trips, next.log).toBe(1);
    expect(next.statements[0], next.log).toBeGreaterThan(5);
    const names = [...next.html.matchAll(/<span class="item-name">([^<]+)<\/span>/g)].map((m) => m[1]);
    expect(names.indexOf('Dumpster')).toBeLessThan(names.indexOf('Remove cabinets'));
  });

  it('shows every change the page shows on the next load, whoever made it', async () => {
    const { co, path } = await heldJob();
    const other = await secondBrowser(co.email); // its writes forget nothing of the first browser's pages
    const load = async () => {
      const res = await cost(co.browser, path);
      expect(res.status).toBe(200);
      return res;
    };
    expect((await load()).statements).toEqual([2]);

    // An item added.
    const added = await other.post(`/jobs/${co.jobId}/items`, {
      groupId: co.groups.electrical,
      name: 'Panel upgrade',
      costType: 'labor',
      quantity: '1',
      unit: 'ea',
      unitCost: '900.00',
      priceBy: 'markup',
      markup: '20',
    });
    expect(added.status).toBe(303);
    const withItem = await load();
    expect(withItem.trips).toBe(2);
    expect(withItem.html).toContain('Panel upgrade');

    // The vendor renamed: every item of theirs says so.
    const vendor = await other.post(`/accounts/${co.vendorId}`, { name: 'Summit Electric & Solar' });
    expect(vendor.status).toBe(303);
    expect((await load()).html).toContain('Summit Electric &amp; Solar');

    // The customer renamed: the page's heading says so.
    expect((await other.post(`/accounts/${co.customerId}`, { name: 'Reyes Family Trust' })).status).toBe(303);
    expect((await load()).html).toContain('Reyes Family Trust');

    // The job renamed.
    const form = formFields(await (await other.get(`/jobs/${co.jobId}/edit`)).text(), `/jobs/${co.jobId}`);
    const renamed = form.map(([k, v]) => [k, k === 'name' ? 'Maple Court kitchen' : v] as [string, string]);
    expect((await other.post(`/jobs/${co.jobId}`, Object.fromEntries(renamed))).status).toBe(303);
    expect((await load()).html).toContain('Maple Court kitchen');

    // A document created: listed under its type.
    const doc = await createDocument(other, co.jobId, 'estimate', { group: co.groups.demolition });
    expect((await load()).html).toContain(`/documents/${doc}`);

    // Its draft's lines repriced (their own table): the listed amount moves.
    const amount = (html: string) =>
      new RegExp(`href="/documents/${doc}"[\\s\\S]*?\\$([\\d,]+\\.\\d\\d)`).exec(html)?.[1];
    const was = amount((await load()).html);
    await env.DB.prepare('UPDATE document_lines SET unit_price = unit_price * 2 WHERE document_id = ?').bind(doc).run();
    const now = amount((await load()).html);
    expect(was).toBeTruthy();
    expect(now).not.toBe(was);

    // Its title changed (its version's row, which stamps the document: migration 0017).
    await env.DB.prepare("UPDATE document_versions SET title = 'Cabinet demolition, phase 2' WHERE document_id = ?")
      .bind(doc)
      .run();
    expect((await load()).html).toContain('Cabinet demolition, phase 2');

    // The company renamed in Settings (the session's own row: the viewer the page is rendered for).
    const settings = formFields(await (await other.get('/settings')).text(), '/settings');
    const company = settings.map(([k, v]) => [k, k === 'name' ? 'Oak & Stone Renovation' : v] as [string, string]);
    expect((await other.post('/settings', Object.fromEntries(company))).status).toBe(303);
    expect((await load()).html).toContain('Oak &amp; Stone Renovation');
    expect((await load()).statements).toEqual([2]);
  });

  it('gives the browser its own CSRF token and each response its own nonce, on the same page', async () => {
    const { co, path } = await heldJob();
    const a = await page(co.browser, path);
    const b = await page(co.browser, path);
    const nonceOf = (x: { res: Response }) => /'nonce-([^']+)'/.exec(x.res.headers.get('Content-Security-Policy')!)![1];
    for (const x of [a, b]) {
      // The page has no script of its own; a nonce it carried would be this response's.
      for (const m of x.html.matchAll(/nonce="([^"]+)"/g)) expect(m[1]).toBe(nonceOf(x));
      expect(x.html).not.toMatch(/~[A-Za-z0-9_-]{24}~/); // no sentinel left
      const csrf = [...x.html.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
      expect(csrf.length).toBeGreaterThan(1);
      expect(new Set(csrf)).toEqual(new Set([[...co.browser.cookies].find(([k]) => k.endsWith('csrf'))![1]]));
    }
    expect(nonceOf(a)).not.toBe(nonceOf(b));
    expect(normalized(b.html, nonceOf(b))).toBe(normalized(a.html, nonceOf(a)));
    // A form on the held page still works: its token is this browser's.
    const group = await co.browser.post(`/jobs/${co.jobId}/groups`, { name: 'Plumbing' });
    expect(group.status).toBe(303);
  });

  it('never answers another session, another company, a stranger or a signed-out browser from what it holds', async () => {
    const { co, path } = await heldJob();
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    expect(pagesHeld().pages).toBeGreaterThan(0);

    // The same contractor in another browser: its own session, read in full.
    const other = await secondBrowser(co.email);
    const theirs = await cost(other, path);
    expect(theirs.status).toBe(200);
    expect(theirs.statements[0]).toBeGreaterThan(5);

    // Another company's owner: the stranger's 404.
    const rival = await companyWithBudget({ company: 'Rival Builders' });
    const refused = await page(rival.browser, path);
    expect(refused.status).toBe(404);
    expect(refused.html).not.toContain('Remove cabinets');

    // No session: to the sign-in page, nothing of the job.
    const stranger = await new Browser().get(path);
    expect(stranger.status).toBe(303);
    expect(location(stranger)).toContain('/sign-in');

    // Signed out: the held page is never answered to its old cookie.
    const cookie = [...co.browser.cookies].find(([k]) => k.endsWith('session'))!;
    expect((await co.browser.post('/sign-out', {})).status).toBe(303);
    const replay = new Browser();
    replay.cookies.set(cookie[0], cookie[1]);
    const after = await replay.get(path);
    expect(after.status).toBe(303);
    expect(location(after)).toContain('/sign-in');
    expect(await after.text()).not.toContain('Remove cabinets');
  });

  it('holds each address apart, and never a page with an unknown query or a one-time notice', async () => {
    const { co, path } = await heldJob();
    const open = `${path}?group=${co.groups.electrical}`;
    await page(co.browser, open);
    expect((await cost(co.browser, open)).statements).toEqual([2]);
    expect((await cost(co.browser, path)).statements).toEqual([2]);
    // An unknown query is never answered from what is held, nor held.
    expect((await cost(co.browser, `${path}?utm=1`)).statements[0]).toBeGreaterThan(5);
    expect((await cost(co.browser, `${path}?utm=1`)).statements[0]).toBeGreaterThan(5);

    // A notice after a write shows once, and the next load does not show it again.
    const saved = await co.browser.post(`/jobs/${co.jobId}/groups`, { name: 'Finish carpentry' });
    expect(saved.status).toBe(303);
    const told = await page(co.browser, location(saved));
    const notice = /<p class="notice" role="status">([^<]+)</.exec(told.html)?.[1];
    expect(notice).toBeTruthy();
    expect((await page(co.browser, path)).html).not.toContain('class="notice"');
    expect((await page(co.browser, path)).html).not.toContain('class="notice"');
  });

  it('holds a page only until the company’s next midnight, at most PAGE_HELD_MS', async () => {
    const { co, path } = await heldJob();
    const key = pageKey(await sha256Hex([...co.browser.cookies].find(([k]) => k.endsWith('session'))![1]), path);
    const now = Date.now();
    const org = await db().query.orgs.findFirst({ where: (t, { eq }) => eq(t.id, co.orgId) });
    const midnight = endOfDay(todayIn(org!.timeZone, now), org!.timeZone);
    expect(heldPage(key, now)).toBeDefined();
    expect(heldPage(key, Math.min(midnight, now + PAGE_HELD_MS) + 1_000)).toBeUndefined(); // and forgotten
    expect((await cost(co.browser, path)).statements[0]).toBeGreaterThan(5);
  });

  it('agrees under concurrent loads, and an item added among them is on the next load', async () => {
    const { co, path } = await heldJob();
    const other = await secondBrowser(co.email);
    const loads = await Promise.all(Array.from({ length: 6 }, () => page(co.browser, path)));
    expect(loads.every((x) => x.status === 200)).toBe(true);
    expect(new Set(loads.map((x) => normalized(x.html))).size).toBe(1);
    const [added] = await Promise.all([
      other.post(`/jobs/${co.jobId}/items`, {
        groupId: co.groups.demolition,
        name: 'Haul-away',
        costType: 'other',
        quantity: '1',
        unit: 'ea',
        unitCost: '150.00',
        priceBy: 'markup',
        markup: '10',
      }),
      ...Array.from({ length: 5 }, () => page(co.browser, path)),
    ]);
    expect(added.status).toBe(303);
    expect((await page(co.browser, path)).html).toContain('Haul-away');
  });
});

describe('every table the job page reads stamps it (migration 0018)', () => {
  it('has a trigger on each table the page reads that bumps its job, or the job carries the stamp itself', async () => {
    const read = new Set<string>();
    for (const q of prepared(db(), sessionJobPageQueries))
      for (const m of q.getQuery().sql.matchAll(/\b(?:from|join)\s+"?([a-z_]+)"?/gi)) read.add(m[1].toLowerCase());
    const { results } = await env.DB.prepare(
      "SELECT tbl_name AS t, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%stamp%'",
    ).all<{ t: string; sql: string }>();
    // A trigger that bumps the job's stamp, or the document's page_rev (whose every change bumps its job's).
    const bumps = (sql: string) => sql.includes('job_page_stamps') || /UPDATE `documents` SET `page_rev`/.test(sql);
    const on = (t: string, event: string) =>
      results.some((r) => r.t === t && r.sql.includes(`AFTER ${event}`) && bumps(r.sql));
    // Read in the same batch as the stamp: the session's own rows. Carrying the stamp themselves: the job's and
    // the org's page_rev (migration 0017's triggers bump them on every update). Append-only: activity (0002).
    // An account's name is what the page shows of it (accounts are never deleted).
    const skip = new Set(['sessions', 'users', 'orgs', 'jobs', 'job_page_stamps', 'listed']);
    const only: Record<string, string[]> = { activity: ['INSERT'], accounts: ['UPDATE OF `name`'] };
    const missing: string[] = [];
    for (const t of read) {
      if (skip.has(t)) continue;
      for (const e of only[t] ?? ['INSERT', 'UPDATE', 'DELETE']) if (!on(t, e)) missing.push(`${t} ${e}`);
    }
    expect(read.size).toBeGreaterThan(8);
    expect(missing).toEqual([]);
    // And the document's own change bumps its job.
    expect(results.some((r) => r.t === 'documents' && r.sql.includes('AFTER UPDATE OF `page_rev`'))).toBe(true);
  });

  it('bumps the job of a comment, a payment and a line, and not another job', async () => {
    const co = await companyWithBudget();
    const otherJob = await env.DB.prepare(
      "INSERT INTO jobs (id, org_id, number, name, customer_account_id, created_at, updated_at) VALUES ('otherjob00000001', ?, 999, 'Deck', NULL, 0, 0) RETURNING id",
    )
      .bind(co.orgId)
      .first<string>('id');
    const doc = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    await sendDocument(co.browser, doc);
    const untouched = await jobStampRev(otherJob!);
    let rev = (await jobStampRev(co.jobId))!;
    const bumped = async () => {
      const now = (await jobStampRev(co.jobId))!;
      const moved = now > rev;
      rev = now;
      return moved;
    };
    expect((await co.browser.post(`/documents/${doc}/comments`, { body: 'Invoice attached.' })).status).toBe(303);
    expect(await bumped()).toBe(true);
    const paid = await co.browser.post(`/documents/${doc}/payments`, {
      amount: '100',
      paidOn: todayIn('UTC'),
      method: 'Check',
      reference: '1002',
    });
    expect(paid.status).toBe(303);
    expect(await bumped()).toBe(true);
    await env.DB.prepare('UPDATE document_lines SET name = name WHERE document_id = ?').bind(doc).run();
    expect(await bumped()).toBe(true);
    // An activity row of the document written without its job (a failed email's, mail/outbox.ts).
    await env.DB.prepare(
      `INSERT INTO activity (id, org_id, job_id, document_id, action, side, actor_name, created_at)
       VALUES ('mailfailedtest01', ?, NULL, ?, 'mail_failed', 'contractor', 'Mail', ?)`,
    )
      .bind(co.orgId, doc, Date.now())
      .run();
    expect(await bumped()).toBe(true);
    expect(await jobStampRev(otherJob!)).toBe(untouched);
  });
});
