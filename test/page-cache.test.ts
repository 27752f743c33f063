import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { prepared } from '../src/db/client';
import { todayIn } from '../src/documents/drafts';
import { endOfDay } from '../src/deadlines/time';
import { sha256Hex } from '../src/http/crypto';
import { forgetPages, heldPage, holdPagesAtMost, pageKey, PAGE_HELD_MS, pagesHeld } from '../src/http/page-cache';
import { sessionDocumentQueries, sessionListQueries } from '../src/portal/queries';
import { callWorker, countingD1 } from './bindings';
import { cost, page } from './held-pages';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, db } from './helpers';
import { formFields, normalized, openLink } from './portal-fixtures';

// Issue 19: a portal page (a document, the home list, a job's list) once rendered is held per isolate and
// answered again while its stamp is unchanged (src/http/page-cache.ts); triggers bump the stamp on every
// write to a row the page shows (migration 0017). These tests go through the routes a contractor and a
// recipient use, and check what would make a held page wrong: a change not shown, another person's page,
// a page no longer theirs, a token of another response, a day gone by.

/** A sent estimate opened by its recipient: the contractor's and the recipient's browsers. */
async function sentEstimate(title = 'Kitchen demolition') {
  const co = await companyWithBudget();
  const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
  const { link } = await sendDocument(co.browser, id);
  const { browser: r } = await openLink(link);
  // The view the first load logs (through the room, after the response) lands before the test goes on.
  for (let i = 0; i < 100; i++) {
    const seen = await env.DB.prepare('SELECT 1 FROM version_views WHERE document_id = ?').bind(id).first();
    if (seen) break;
    await new Promise((done) => setTimeout(done, 20));
  }
  return { co, id, r, link, title };
}

/** The key the recipient's pages are held under in this isolate. */
async function keyOf(b: Browser, address: string) {
  const cookie = [...b.cookies].find(([k]) => k.endsWith('portal'))![1];
  return pageKey(await sha256Hex(cookie), address);
}

/** Rewrites a comment behind the app's back and puts its document's stamp back: a change no stamp records. */
async function rewriteUnstamped(documentId: string, body: string, to: string) {
  const rev = () =>
    env.DB.prepare('SELECT page_rev FROM documents WHERE id = ?').bind(documentId).first<number>('page_rev');
  const before = await rev();
  await env.DB.prepare('UPDATE comments SET body = ? WHERE document_id = ? AND body = ?')
    .bind(to, documentId, body)
    .run();
  expect(await rev()).toBeGreaterThan(before!); // the trigger saw it
  await env.DB.prepare('UPDATE documents SET page_rev = ? WHERE id = ?').bind(before, documentId).run();
  expect(await rev()).toBe(before);
}

describe('a portal document page is held while nothing it shows changes', () => {
  it('answers a held page from the session and its stamp alone, and reads again once anything changed', async () => {
    const { co, id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    forgetPages(); // nothing held in this isolate: the next load is cold
    const cold = await cost(r, path);
    expect(cold.status).toBe(200);
    expect(cold.trips).toBe(1);
    expect(cold.statements[0], cold.log).toBeGreaterThan(3);
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Tile arrives Monday.' })).status).toBe(303);
    // A page held before the comment: one more round trip reads the page again, and the comment is on it.
    const changed = await cost(r, path);
    expect(changed.trips, changed.log).toBe(2);
    expect(changed.statements[0], changed.log).toBe(3);
    expect(changed.html).toContain('Tile arrives Monday.');
    const held = await cost(r, path);
    expect(held.trips, held.log).toBe(1);
    expect(held.statements, held.log).toEqual([3]); // the session, its companies, the stamp
    const noKey = (h: string) => normalized(h).replace(/name="idempotencyKey" value="[^"]+"/, '');
    expect(noKey(held.html)).toBe(noKey(changed.html));

    // Changed behind the app's back with the stamp put back: the held page still says what it said.
    await rewriteUnstamped(id, 'Tile arrives Monday.', 'Rewritten behind the stamp');
    expect((await page(r, path)).html).toContain('Tile arrives Monday.');

    // The recipient's own comment: its session's pages are forgotten (portal/guard.ts), so the next load reads
    // in full in one round trip (the rewrite too), and is held again.
    expect((await r.post(`${path}/comments`, { body: 'Monday works.' })).status).toBe(303);
    const again = await cost(r, path);
    expect(again.trips, again.log).toBe(1);
    expect(again.statements[0], again.log).toBeGreaterThan(3);
    expect(again.html).toContain('Monday works.');
    expect(again.html).toContain('Rewritten behind the stamp');
    expect((await cost(r, path)).statements).toEqual([3]);
  });

  it('shows every change a recipient can see on the next load', async () => {
    const { co, id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    const load = async () => (await page(r, path)).html;
    await load();
    await load();

    // The recipient's own comment, through the portal.
    expect((await r.post(`${path}/comments`, { body: 'Can we start on the 3rd?' })).status).toBe(303);
    expect(await load()).toContain('Can we start on the 3rd?');

    // The company renamed in Settings (the session's own row: the viewer it is rendered for).
    const settings = formFields(await (await co.browser.get('/settings')).text(), '/settings');
    const company = settings.map(([k, v]) => [k, k === 'name' ? 'Oak & Stone Renovation' : v] as [string, string]);
    expect((await co.browser.post('/settings', Object.fromEntries(company))).status).toBe(303);
    expect(await load()).toContain('Oak &amp; Stone Renovation');

    // The recipient renamed by the contractor (the session's own row).
    const contact = co.customerContact;
    const named = await co.browser.post(`/accounts/${co.customerId}/contacts/${contact.id}`, {
      name: 'Dana Reyes',
      email: contact.email,
      phone: '',
    });
    expect(named.status).toBe(303);
    expect(await load()).toContain('Dana Reyes');

    // A new date to decide by.
    const doc = await db().query.documents.findFirst({ where: (t, { eq }) => eq(t.id, id) });
    const moved = await co.browser.post(`/documents/${id}/deadline`, {
      deadline: '2031-04-30',
      seen: doc!.deadline ?? '',
    });
    expect(moved.status).toBe(303);
    expect(await load()).toContain('Apr 30, 2031');

    // Revised and sent again: the new version.
    expect((await co.browser.post(`/documents/${id}/revise`, {})).status).toBe(303);
    await sendDocument(co.browser, id);
    expect(await load()).toContain('(rev 2)');
  });

  it('keeps a page held across a view logged from another device, and logs that view once', async () => {
    const { id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path); // the first view moved the status: read once more
    expect((await cost(r, path)).statements).toEqual([3]);
    const views = () =>
      env.DB.prepare("SELECT count(*) AS n FROM activity WHERE document_id = ? AND action = 'viewed'")
        .bind(id)
        .first<number>('n');
    const before = await views();
    // Another device: a view to log, which changes nothing the page shows.
    const phone = { headers: { 'User-Agent': 'Mozilla/5.0 (iPhone) page-cache test' } };
    const counter = countingD1();
    const res = await callWorker(r, path, phone, { DB: counter.d1 });
    expect(res.status).toBe(200);
    expect(counter.calls.map((x) => x.sql.length)).toEqual([3]);
    expect(await views()).toBe(before! + 1);
    // The view it logged is the held page's last: a reload from that device logs nothing more.
    expect((await callWorker(r, path, phone)).status).toBe(200);
    expect(await views()).toBe(before! + 1);
    expect((await cost(r, path)).statements).toEqual([3]);
  });

  it('never holds a page showing a one-time message, nor answers one from what it holds', async () => {
    const { id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path);
    await page(r, path);
    const form = new FormData();
    form.append('files', new File([new Uint8Array([77, 90, 0, 0])], 'tool.exe', { type: 'application/octet-stream' }));
    const refused = await r.postMultipart(`${path}/files`, form);
    expect(refused.status).toBe(303);
    const told = await page(r, path);
    expect(told.html).toMatch(/role="alert"[^>]*>[^<]*(\.exe|file type|isn’t|not accepted|can’t)/i);
    const message = /role="alert"[^>]*>([^<]+)</.exec(told.html)![1];
    const next = await page(r, path);
    expect(next.html).not.toContain(message);
    expect((await page(r, path)).html).not.toContain(message);
  });

  it('reads the stamp through the visibility rule: a page no longer theirs is a 404 even with the stamp put back', async () => {
    const { id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path);
    expect((await cost(r, path)).statements).toEqual([3]);
    const rev = await env.DB.prepare('SELECT page_rev FROM documents WHERE id = ?').bind(id).first<number>('page_rev');
    await env.DB.prepare("UPDATE documents SET status = 'void' WHERE id = ?").bind(id).run();
    await env.DB.prepare('UPDATE documents SET page_rev = ? WHERE id = ?').bind(rev, id).run();
    const gone = await page(r, path);
    expect(gone.status).toBe(404);
    expect(gone.html).not.toContain('Demolition');
  });

  it('answers 404 to a revoked contact and to a stranger, however recently the page was held', async () => {
    const { co, id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path);
    await page(r, path);
    expect(pagesHeld().pages).toBeGreaterThan(0);
    // Another browser, no session: the stranger's 404.
    const stranger = await page(new Browser(), path);
    expect(stranger.status).toBe(404);
    expect(stranger.html).not.toContain('Kitchen');
    // The contractor revokes the recipient's access: its session no longer lets it in.
    const contact = await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.id, co.customerContact.id) });
    const revoked = await co.browser.post(`/accounts/${co.customerId}/contacts/${contact!.id}/revoke`, {
      confirm: 'yes',
    });
    expect(revoked.status).toBe(303);
    const after = await page(r, path);
    expect(after.status).toBe(404);
    expect(after.html).not.toContain('Demolition');
  });

  it('gives each response its own nonce and form key, the browser its own CSRF token, and the same page', async () => {
    const { id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path);
    const a = await page(r, path);
    const b = await page(r, path);
    const live = await r.fetch(path, { headers: { 'X-Live-Refresh': '1' } });
    const c = { html: await live.text(), res: live };
    const nonceOf = (x: { res: Response }) => /'nonce-([^']+)'/.exec(x.res.headers.get('Content-Security-Policy')!)![1];
    const keyOf = (html: string) => /name="idempotencyKey" value="([^"]+)"/.exec(html)?.[1];
    for (const x of [a, b, c]) {
      expect(x.html).toContain(`nonce="${nonceOf(x)}"`);
      expect(x.html).not.toMatch(/~[A-Za-z0-9_-]{24}~/); // no sentinel left
      const csrf = [...x.html.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
      expect(csrf.length).toBeGreaterThan(0);
      expect(new Set(csrf)).toEqual(new Set([[...r.cookies].find(([k]) => k.endsWith('csrf'))![1]]));
    }
    expect(nonceOf(a)).not.toBe(nonceOf(b));
    expect(keyOf(a.html)).toBeTruthy();
    expect(keyOf(a.html)).not.toBe(keyOf(b.html));
    const strip = (x: { html: string; res: Response }) =>
      normalized(x.html, nonceOf(x)).replace(/name="idempotencyKey" value="[^"]+"/, '');
    expect(strip(b)).toBe(strip(a));
    expect(strip(c)).toBe(strip(a)); // live.js's refresh is the same page
  });

  it('holds a page only until the company’s next midnight (a list, its noon UTC), at most PAGE_HELD_MS', async () => {
    const { id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path);
    await page(r, path);
    const key = await keyOf(r, id);
    const now = Date.now();
    const org = await db().query.orgs.findFirst();
    const midnight = endOfDay(todayIn(org!.timeZone, now), org!.timeZone);
    expect(heldPage(key, now)).toBeDefined();
    const bound = Math.min(midnight, now + PAGE_HELD_MS);
    expect(heldPage(key, bound + 1_000)).toBeUndefined(); // and forgotten
    expect(heldPage(key, now)).toBeUndefined();
    const read = await cost(r, path);
    expect(read.statements.length).toBe(1);
    expect(read.statements[0]).toBeGreaterThan(3);

    // A list also turns with its own date, UTC−12's, at noon UTC.
    await page(r, '/portal');
    const list = await keyOf(r, '/portal');
    const at = Date.now();
    const day = 86_400_000;
    const noon = Math.floor((at - day / 2) / day) * day + day + day / 2;
    expect(heldPage(list, at)).toBeDefined();
    expect(heldPage(list, Math.min(noon, midnight, at + PAGE_HELD_MS) + 1_000)).toBeUndefined();
  });

  it('keeps what it holds under its budget: a page over it is not held', async () => {
    const { id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    try {
      holdPagesAtMost(1_000);
      await page(r, path);
      const again = await cost(r, path);
      expect(again.statements[0]).toBeGreaterThan(3);
      expect(pagesHeld().chars).toBeLessThanOrEqual(1_000);
    } finally {
      holdPagesAtMost(8_000_000);
    }
  });

  it('agrees under concurrent loads, and a comment posted among them is on the next load', async () => {
    const { co, id, r } = await sentEstimate();
    const path = `/portal/documents/${id}`;
    await page(r, path);
    const cold = await Promise.all(Array.from({ length: 6 }, () => page(r, path)));
    const bodies = new Set(cold.map((x) => normalized(x.html).replace(/name="idempotencyKey" value="[^"]+"/, '')));
    expect(cold.every((x) => x.status === 200)).toBe(true);
    expect(bodies.size).toBe(1);
    const [posted] = await Promise.all([
      co.browser.post(`/documents/${id}/comments`, { body: 'Cabinets ship Friday.' }),
      ...Array.from({ length: 5 }, () => page(r, path)),
    ]);
    expect(posted.status).toBe(303);
    expect((await page(r, path)).html).toContain('Cabinets ship Friday.');
  });
});

describe('the portal lists are held while nothing on them changes', () => {
  it('answers a held home from its stamp, and shows a new document, a payment and a renamed job', async () => {
    const { co, r } = await sentEstimate();
    await page(r, '/portal');
    const held = await cost(r, '/portal');
    expect(held.statements, held.log).toEqual([3]);

    // A new document sent to the account shows on the next load.
    const invoice = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
    await sendDocument(co.browser, invoice);
    const listed = await cost(r, '/portal');
    expect(listed.trips).toBe(2);
    expect(listed.html).toContain(`/portal/documents/${invoice}`);
    const due = /Amount due[\s\S]{0,200}?\$([\d,]+\.\d\d)/.exec(listed.html)?.[1];
    expect(due).toBeTruthy();

    // A payment recorded on it: the amount due moves.
    const paid = await co.browser.post(`/documents/${invoice}/payments`, {
      amount: '100',
      paidOn: todayIn('UTC'),
      method: 'Check',
      reference: '1002',
    });
    expect(paid.status).toBe(303);
    const after = (await page(r, '/portal')).html;
    const dueAfter = /Amount due[\s\S]{0,200}?\$([\d,]+\.\d\d)/.exec(after)?.[1];
    expect(Number(dueAfter!.replace(/,/g, ''))).toBeCloseTo(Number(due!.replace(/,/g, '')) - 100, 2);

    // The job renamed: a job's list and the home say so.
    await page(r, `/portal/jobs/${co.jobId}`);
    const job = formFields(await (await co.browser.get(`/jobs/${co.jobId}/edit`)).text(), `/jobs/${co.jobId}`);
    const renamed = job.map(([k, v]) => [k, k === 'name' ? 'Maple Court addition' : v] as [string, string]);
    expect((await co.browser.post(`/jobs/${co.jobId}`, Object.fromEntries(renamed))).status).toBe(303);
    expect((await page(r, '/portal')).html).toContain('Maple Court addition');
    expect((await page(r, `/portal/jobs/${co.jobId}`)).html).toContain('Maple Court addition');
  });

  it('never answers a list with a query it does not know from what it holds', async () => {
    const { r } = await sentEstimate();
    await page(r, '/portal');
    await page(r, '/portal');
    const other = await cost(r, '/portal?utm=1');
    expect(other.statements[0]).toBeGreaterThan(3);
  });
});

describe('every table a portal page reads stamps it (migration 0017)', () => {
  it('has triggers on each table the document page and the lists read', async () => {
    const d = db();
    const statements = [...prepared(d, sessionDocumentQueries), ...prepared(d, sessionListQueries)];
    const read = new Set<string>();
    for (const q of statements)
      for (const m of q.getQuery().sql.matchAll(/\b(?:from|join)\s+"?([a-z_]+)"?/gi)) read.add(m[1].toLowerCase());
    const { results } = await env.DB.prepare(
      "SELECT tbl_name AS t, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%stamp%'",
    ).all<{ t: string; sql: string }>();
    const on = (t: string, event: string) => results.some((r) => r.t === t && r.sql.includes(`AFTER ${event}`));
    // Read live in the same batch as the stamp: the session's own rows.
    const live = new Set(['portal_sessions', 'portal_session_contacts']);
    // Carrying a stamp of their own (their rows' presence is read with it): an update bumps it. A contact's or
    // a user's name is shown (a recipient, who waived a file): an update or a delete bumps what shows it.
    const only: Record<string, string[]> = {
      documents: ['UPDATE'],
      jobs: ['UPDATE'],
      orgs: ['UPDATE'],
      accounts: ['UPDATE'],
      contacts: ['UPDATE', 'DELETE'],
      users: ['UPDATE', 'DELETE'],
    };
    const missing: string[] = [];
    for (const t of read) {
      if (live.has(t) || t === 'list_viewer' || t === 'page') continue; // the session's rows; a CTE and a subquery
      const events = only[t] ?? ['INSERT', 'UPDATE', 'DELETE'];
      for (const e of events) if (!on(t, e)) missing.push(`${t} ${e}`);
    }
    expect(read.size).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('bumps the document and its account on a comment, and not another document of the account', async () => {
    const a = await sentEstimate();
    const other = await createDocument(a.co.browser, a.co.jobId, 'estimate', { group: a.co.groups.electrical });
    await sendDocument(a.co.browser, other);
    const otherRev = () =>
      env.DB.prepare('SELECT page_rev FROM documents WHERE id = ?').bind(other).first<number>('page_rev');
    const untouched = await otherRev();
    const revs = async () =>
      env.DB.prepare(
        'SELECT d.page_rev AS doc, a.page_rev AS account FROM documents d JOIN accounts a ON a.id = d.account_id WHERE d.id = ?',
      )
        .bind(a.id)
        .first<{ doc: number; account: number }>();
    const before = await revs();
    expect((await a.co.browser.post(`/documents/${a.id}/comments`, { body: 'Noted.' })).status).toBe(303);
    const after = await revs();
    expect(after!.doc).toBeGreaterThan(before!.doc);
    expect(after!.account).toBeGreaterThan(before!.account);
    expect(await otherRev()).toBe(untouched);
  });
});
