import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createExecutionContext,
  runDurableObjectAlarm,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import type { Env } from '../src/env';
import worker from '../src/index';
import { eq } from 'drizzle-orm';
import { COMMENTS_PAGE } from '../src/conversation/comment-queries';
import { createId } from '../src/db/ids';
import {
  comments as schemaComments,
  contacts,
  documentRecipients,
  documents,
  documentVersions,
  OPEN_STATUSES,
} from '../src/db/schema';
import { chunk, DOCUMENTS_PAGE } from '../src/documents/queries';
import { listOpenStatuses, PORTAL_LIST_PAGE } from '../src/portal/queries';
import { forgetPages } from '../src/http/page-cache';
import { Browser, db, viaEdge } from './helpers';
import { callWorker, formPost, withRoomD1 } from './bindings';
import { companyWithBudget, createDocument, sendDocument, sentToRecipient } from './fixtures';
import { openLink } from './portal-fixtures';

// Issue 19, "costs that don't grow with history": every hot query uses an index. The SQL is what
// the real code sends: each hot request below runs through the Worker (or the document's room) with a
// D1 binding that records every statement and its values, and each one is asked for its plan
// (`EXPLAIN QUERY PLAN`) against this migrated database. A plan that reads a table that grows with
// history from end to end (`SCAN documents`, `SCAN c USING INDEX …`) fails, with the plan in the
// message. A new hot page or write is one line in HOT; a new query on a listed page is covered as it is.

/**
 * Tables whose full scan is allowed, and why: none today. Every table grows with history (documents,
 * versions, lines, comments, files, activity, signatures, views, outbox, payments, …) or with the
 * number of companies, people and visitors (orgs, users, contacts, accounts, jobs, sessions, portal
 * sessions, rate_limits, counters and org_terms: a few rows per company, but per company). A table
 * that really stays a fixed size would be named here with its reason. A scan of a subquery's or a
 * window's rows (`SCAN timeline_rows`, `SCAN (subquery-3)`) is of what an indexed search found, not of a table.
 */
const FIXED: Record<string, string> = {};

interface Recorded {
  sql: string;
  params: unknown[];
}

/** A D1 binding that passes everything to the real one and remembers each statement run, with its values. */
function recordingD1(real: D1Database = env.DB) {
  const seen: Recorded[] = [];
  const statement = (stmt: D1PreparedStatement, sql: string, params: unknown[]): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => statement(stmt.bind(...values), sql, values),
      first: (column?: string) => {
        seen.push({ sql, params });
        return column === undefined ? stmt.first() : stmt.first(column);
      },
      all: () => (seen.push({ sql, params }), stmt.all()),
      run: () => (seen.push({ sql, params }), stmt.run()),
      raw: (options?: { columnNames?: boolean }) => (seen.push({ sql, params }), stmt.raw(options as never)),
      real: stmt,
      sql,
      params,
    };
    return wrapped as unknown as D1PreparedStatement;
  };
  const unwrap = (s: D1PreparedStatement) => (s as unknown as { real?: D1PreparedStatement }).real ?? s;
  const database = (d1: D1Database | D1DatabaseSession): D1Database =>
    ({
      prepare: (sql: string) => statement(d1.prepare(sql), sql, []),
      batch: (statements: D1PreparedStatement[]) => {
        for (const s of statements) {
          const w = s as unknown as { sql?: string; params?: unknown[] };
          if (w.sql) seen.push({ sql: w.sql, params: w.params ?? [] });
        }
        return d1.batch(statements.map(unwrap));
      },
      exec: (sql: string) => (d1 as D1Database).exec(sql),
      dump: () => (d1 as D1Database).dump(),
      withSession: (constraint?: string) => database((d1 as D1Database).withSession(constraint as never)),
      // A session's position (the Sessions API): what the real session reached; the binding itself has none.
      getBookmark: () => ('getBookmark' in d1 ? d1.getBookmark() : null),
    }) as unknown as D1Database;
  return { d1: database(real), seen };
}

interface Plan {
  id: number;
  parent: number;
  detail: string;
}

async function planRows(q: Recorded): Promise<Plan[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${q.sql}`)
    .bind(...q.params)
    .all<Plan>();
  return results;
}

async function planOf(q: Recorded): Promise<string[]> {
  return (await planRows(q)).map((r) => r.detail);
}

// A search that only the company narrows ("SEARCH r USING INDEX document_recipients_contact (org_id=?)") reads
// the company's whole history: inside a correlated subquery once per outer row (the portal list's recipients
// did), and anywhere when the statement names the one document it wants (both document pages' recipients did)
// or the one job (the job page's documents walked the company's by documents_org_updated to find the job's).
const ORG_ONLY = /^SEARCH (\S+) USING (?:COVERING )?INDEX \S+ \(org_id=\?\)$/;

/** The plan lines that walk a growing table by the company alone where a narrower key was at hand. */
function orgWalks(q: Recorded, plan: Plan[]): string[] {
  const named = aliases(q.sql);
  const parents = new Map(plan.map((r) => [r.id, r]));
  const correlated = (r: Plan): boolean => {
    for (let p = parents.get(r.parent); p; p = parents.get(p.parent)) if (/^CORRELATED /.test(p.detail)) return true;
    return false;
  };
  return plan
    .filter((r) => {
      const m = ORG_ONLY.exec(r.detail.trim());
      if (!m) return false;
      const name = m[1].toLowerCase();
      const table = named.get(name) ?? name;
      if (!tables.has(table) || table in FIXED) return false;
      // One document or job named by a value or by a subquery's (`= (SELECT document_id FROM signatures …)`).
      const oneDocument = new RegExp(`"?${name}"?\\."?document_id"? = (?:\\?|\\(SELECT)`, 'i').test(q.sql);
      // A statement about one job (a job page's documents) that walks the company's rows to find the job's.
      const oneJob = new RegExp(`"?${name}"?\\."?job_id"? = (?:\\?|\\(SELECT)`, 'i').test(q.sql);
      return correlated(r) || oneDocument || oneJob;
    })
    .map((r) => r.detail);
}

// The table (or alias) a plan line scans: "SCAN documents", "SCAN d USING INDEX x", "SCAN c USING COVERING INDEX y".
// A partial index (CREATE INDEX … WHERE sealed_at IS NULL) holds only the rows still pending, not the
// history: reading it whole is allowed.
const SCAN = /^SCAN (\S+)(?: USING (?:COVERING )?INDEX (\S+))?$/;

/** Which tables an alias names in a statement: "FROM documents ad" or "JOIN contacts AS act". */
function aliases(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:from|join)\s+"?(\w+)"?(?:\s+(?:as\s+)?"?(\w+)"?)?/gi)) {
    const table = m[1].toLowerCase();
    out.set(table, table);
    const alias = m[2]?.toLowerCase();
    if (alias && !/^(on|where|left|inner|join|cross|order|group|limit|using|natural)$/.test(alias))
      out.set(alias, table);
  }
  return out;
}

let tables: Set<string>;
let partial: Set<string>;

/** The plan lines that read a growing table whole. */
function fullScans(q: Recorded, plan: string[]): string[] {
  const named = aliases(q.sql);
  return plan.filter((line) => {
    const m = SCAN.exec(line.trim());
    if (!m || (m[2] && partial.has(m[2]))) return false;
    const table = named.get(m[1].toLowerCase()) ?? m[1].toLowerCase();
    return tables.has(table) && !(table in FIXED);
  });
}

interface Fixture {
  link: string;
  contractor: Browser;
  recipient: Browser;
  jobId: string;
  groupId: string;
  documentId: string;
}

let f: Fixture;

/** A hot request: its name, and how to make it (every statement it sends is checked). */
type Hot = [name: string, run: (f: Fixture, d1: D1Database, seen: Recorded[]) => Promise<Response | unknown>];

/** A request that must succeed (a page, or a form's redirect): a refused one would check the wrong statements. */
async function ok(res: Promise<Response>) {
  const answer = await res;
  expect(answer.status, (await answer.clone().text()).slice(0, 300)).toBeLessThan(400);
  return answer;
}

// Every page read in full: nothing held (http/page-cache.ts), whose stamp statement is in the full batch too.
const page = (who: 'contractor' | 'recipient', path: (f: Fixture) => string) => (f: Fixture, d1: D1Database) => {
  forgetPages();
  return ok(callWorker(f[who], path(f), {}, { DB: d1 }));
};

const HOT: Hot[] = [
  ['home', page('contractor', () => '/')],
  ['activity feed', page('contractor', () => '/activity')],
  ['activity feed, an older page', page('contractor', () => '/activity?before=1700000000000_zzzzzzzzzzzz')],
  ['documents list', page('contractor', () => '/documents')],
  ['jobs list', page('contractor', () => '/jobs')],
  ['templates settings', page('contractor', () => '/settings/templates')],
  [
    'a new estimate’s item step (its template choices)',
    page('contractor', (f) => `/jobs/${f.jobId}/documents/new?kind=estimate`),
  ],
  ['job page', page('contractor', (f) => `/jobs/${f.jobId}`)],
  // A group opened on a big budget, a later page of it: the same statements, with the group and cursor bound.
  ['job page, a group open', page('contractor', (f) => `/jobs/${f.jobId}?group=${f.groupId}`)],
  [
    'job page, a group’s later items',
    page('contractor', (f) => `/jobs/${f.jobId}?group=${f.groupId}&after=1_a0000000`),
  ],
  ['contractor document page', page('contractor', (f) => `/documents/${f.documentId}`)],
  ['contractor document page, older timeline', page('contractor', (f) => `/documents/${f.documentId}?before=2`)],
  ['portal home', page('recipient', () => '/portal')],
  ['portal job page', page('recipient', (f) => `/portal/jobs/${f.jobId}`)],
  [
    'portal document page (and its logged view, in the room)',
    // From a device not seen yet: the same device soon after is the view already logged, and no room call.
    (f, d1) => ok(callWorker(f.recipient, `/portal/documents/${f.documentId}`, viaEdge('198.51.100.99'), { DB: d1 })),
  ],
  [
    'portal document page, earlier comments',
    page('recipient', (f) => `/portal/documents/${f.documentId}?comments=1_a0000000`),
  ],
  ['portal home, a later page', page('recipient', () => '/portal?before=0_1700000000000_zzzzzzzzzzzz')],
  ['portal companies', page('recipient', () => '/portal/companies')],
  ['activity feed, filtered', page('contractor', (f) => `/activity?job=${f.jobId}&action=commented&side=recipient`)],
  ['a portal link opened', (f, d1) => ok(callWorker(new Browser(), f.link, {}, { DB: d1 }))],
  [
    'a comment from the contractor (the room)',
    async (f, d1) =>
      ok(
        callWorker(
          f.contractor,
          `/documents/${f.documentId}/comments`,
          await formPost(f.contractor, { body: 'Noted.' }),
          {
            DB: d1,
          },
        ),
      ),
  ],
  [
    'a comment from the recipient (the room)',
    async (f, d1) =>
      ok(
        callWorker(
          f.recipient,
          `/portal/documents/${f.documentId}/comments`,
          await formPost(f.recipient, { body: 'Thanks.' }),
          { DB: d1 },
        ),
      ),
  ],
  [
    'a signature and its seal (the room, then the seal’s reads)',
    async (_f, d1, seen) => {
      // A company and document of its own (a signature is made once; the paging tests count f's documents):
      // its room writes through the recording binding too.
      const { id, r, hash } = await sentToRecipient(
        await companyWithBudget({ company: 'Plan Check Signing' }),
        'estimate',
      );
      const form = { versionHash: hash, idempotencyKey: 'plan-1', name: 'Dana Reyes', method: 'typed', consent: 'yes' };
      await withRoomD1(id, d1, async () =>
        ok(callWorker(r, `/portal/documents/${id}/sign`, await formPost(r, form), { DB: d1 })),
      );
      expect(
        seen.some((q) => /update "signatures" set "sealed_pdf_key"/i.test(q.sql)),
        'the seal was committed through the recording binding',
      ).toBe(true);
      // Nothing a signature or its seal reads walks the company's rows, keyed by a subquery or not.
      for (const q of seen) {
        const walks = (await planOf(q)).filter((line) => ORG_ONLY.test(line.trim()));
        expect(walks, q.sql.replace(/\s+/g, ' ').slice(0, 400)).toEqual([]);
      }
    },
  ],
  [
    "the comment digest (the room's alarm)",
    async (f, d1) => {
      // Due now: no digest sent on this document yet, and one pending for each side.
      await env.DB.prepare(
        'UPDATE documents SET notified_contractor_at = NULL, notified_recipient_at = NULL WHERE id = ?',
      )
        .bind(f.documentId)
        .run();
      const stub = env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(f.documentId));
      await runInDurableObject(stub, async (_room, state) => {
        await state.storage.put({ 'pending:contractor': true, 'pending:recipient': true });
        await state.storage.delete(['cursor:contractor', 'cursor:recipient']);
        await state.storage.setAlarm(Date.now() + 60_000);
      });
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      return d1;
    },
  ],
  [
    'the cron: sealing retries, reminders, digests, mail',
    async (_f, d1) => {
      const ctx = createExecutionContext();
      await worker.scheduled!(
        { cron: '*/5 * * * *', scheduledTime: Date.now() } as never,
        { ...env, DB: d1 } as Env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    },
  ],
];

beforeAll(async () => {
  const co = await companyWithBudget({ company: 'Plan Check Builders' });
  const documentId = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
  const { link } = await sendDocument(co.browser, documentId);
  const { browser: recipient } = await openLink(link);
  const group = await db().query.costGroups.findFirst({ where: (g, { eq }) => eq(g.jobId, co.jobId) });
  f = { link, contractor: co.browser, recipient, jobId: co.jobId, groupId: group!.id, documentId };
  const { results } = await env.DB.prepare(
    `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'
      AND name NOT LIKE 'd1_%'`,
  ).all<{ name: string }>();
  tables = new Set(results.map((r) => r.name));
  const indexes = await env.DB.prepare(
    `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`,
  ).all<{
    name: string;
    sql: string;
  }>();
  partial = new Set(indexes.results.filter((i) => /\bwhere\b/i.test(i.sql)).map((i) => i.name));
}, 120_000);

describe('query plans of hot requests', () => {
  for (const [name, run] of HOT) {
    it(`${name}: no full scan of a growing table, no per-row walk of the company's, at most 64 values bound`, async () => {
      const rec = recordingD1();
      await withRoomD1(f.documentId, rec.d1, () => run(f, rec.d1, rec.seen));
      expect(rec.seen.length, `${name} sent no statement through the recording binding`).toBeGreaterThan(0);
      if (/logged view/.test(name))
        expect(
          rec.seen.some((q) => /insert into "activity"/i.test(q.sql)),
          'the view was logged in the room',
        ).toBe(true);
      const found: string[] = [];
      for (const q of rec.seen) {
        // D1 refuses a statement with more than 100 bound values: a hot one stays well below.
        expect(q.params.length, `${name}: ${q.sql.replace(/\s+/g, ' ').slice(0, 300)}`).toBeLessThanOrEqual(64);
        const rows = await planRows(q);
        const plan = rows.map((r) => r.detail);
        if (fullScans(q, plan).length || orgWalks(q, rows).length)
          found.push(`${q.sql.replace(/\s+/g, ' ')}\nplan:\n  ${plan.join('\n  ')}`);
      }
      expect(
        found,
        `${name}: ${found.length} statement(s) scan a growing table whole:\n\n${found.join('\n\n')}`,
      ).toEqual([]);
    });
  }
});

// Issue 19: pages that would grow with history show one page at a time, keyed by a cursor (never OFFSET).

const THREAD = /<ol class="thread"[^>]*>([\s\S]*?)<\/ol>/;
const unamp = (s: string) => s.replace(/&amp;/g, '&');

/** The comment ids a page's thread shows, in order, and its "Earlier comments" link. */
function threadOf(body: string) {
  const list = THREAD.exec(body)?.[1] ?? '';
  const ids = [...list.matchAll(/data-id="([a-z0-9]+)"/g)].map((m) => m[1]);
  const earlier = /href="([^"]*\?comments=[^"]+)"[^>]*>Earlier comments</.exec(body)?.[1];
  return { ids, earlier: earlier && unamp(earlier), live: /<ol class="thread"[^>]*data-thread/.test(body) };
}

/** The portal documents a list page shows, and its "Earlier documents" link. */
function portalListOf(body: string) {
  const ids = [...body.matchAll(/<li class="portal-doc[^"]*">\s*<a href="\/portal\/documents\/([a-z0-9]+)"/g)].map(
    (m) => m[1],
  );
  const earlier = /href="([^"]+)"[^>]*>Earlier documents</.exec(body)?.[1];
  return { ids, earlier: earlier && unamp(earlier) };
}

async function page200(browser: Browser, path: string) {
  const res = await browser.get(path);
  const body = await res.text();
  expect(res.status, `${path}: ${body.slice(0, 300)}`).toBe(200);
  return body;
}

describe('paging: costs that do not grow with history', () => {
  const comments: { id: string; createdAt: number }[] = [];
  const extraDocuments: { id: string; waits: boolean }[] = [];
  let other: { browser: Browser; documentId: string; recipient: Browser };

  beforeAll(async () => {
    const d = db();
    const [doc] = await d.select().from(documents).where(eq(documents.id, f.documentId));
    // 61 comments, four sharing one time where the newest page ends (the 50th and 51st from the end among them).
    const base = Date.UTC(2026, 0, 5, 9);
    const rows = Array.from({ length: 61 }, (_, i) => ({
      id: createId(),
      orgId: doc.orgId,
      documentId: doc.id,
      side: (i % 2 ? 'recipient' : 'contractor') as 'recipient' | 'contractor',
      authorName: i % 2 ? 'Dana Reyes' : 'Pat Builder',
      body: `Paged comment ${i + 1}`,
      createdAt: i >= 9 && i <= 12 ? base + 9 * 60_000 : base + i * 60_000,
    }));
    for (const part of chunk(rows, 8)) await d.insert(schemaComments).values(part);
    comments.push(...rows.map((r) => ({ id: r.id, createdAt: r.createdAt })));
    // 55 more documents sent to the same customer: 30 waiting on them, 25 approved (some sent later than those waiting).
    const [version] = await d.select().from(documentVersions).where(eq(documentVersions.documentId, doc.id));
    for (let i = 0; i < 55; i++) {
      const waits = i < 30;
      const id = createId();
      const sentAt = base + (waits ? i : i + 100) * 3_600_000;
      await d.batch([
        d.insert(documents).values({
          ...doc,
          id,
          number: `PG-${1000 + i}`,
          requestKey: null,
          status: waits ? 'sent' : 'approved',
          sentAt,
          updatedAt: sentAt,
        }),
        d.insert(documentVersions).values({ ...version, id: createId(), documentId: id }),
      ]);
      extraDocuments.push({ id, waits });
    }
    // Another company with its own sent document and comment: its cursors must reveal nothing of this one.
    const co = await companyWithBudget({ company: 'Other Paging Builders' });
    const otherDoc = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const sent = await sendDocument(co.browser, otherDoc);
    other = { browser: co.browser, documentId: otherDoc, recipient: (await openLink(sent.link)).browser };
  }, 120_000);

  for (const side of ['contractor', 'recipient'] as const) {
    const path = () => (side === 'contractor' ? `/documents/${f.documentId}` : `/portal/documents/${f.documentId}`);
    const who = () => (side === 'contractor' ? f.contractor : f.recipient);

    it(`${side}'s document page: the newest ${COMMENTS_PAGE} comments, then "Earlier comments" with the rest, no gaps or duplicates`, async () => {
      const first = threadOf(await page200(who(), path()));
      // Every comment of the document: these and any the requests above posted.
      const every = await db()
        .select({ id: schemaComments.id, createdAt: schemaComments.createdAt })
        .from(schemaComments)
        .where(eq(schemaComments.documentId, f.documentId));
      expect(every.length).toBeGreaterThan(COMMENTS_PAGE + 10);
      const byTime = [...every].sort((a, b) => b.createdAt - a.createdAt || (b.id < a.id ? -1 : 1));
      expect(first.ids).toHaveLength(COMMENTS_PAGE);
      // Oldest first on the page, and the newest comments are the ones shown.
      expect(first.ids).toEqual(
        byTime
          .slice(0, COMMENTS_PAGE)
          .map((c) => c.id)
          .reverse(),
      );
      expect(first.live, 'the newest page is where live comments arrive').toBe(true);
      expect(first.earlier, 'the newest page links to the earlier comments').toBeTruthy();
      const earlierBody = await page200(who(), first.earlier!.replace(/#.*$/, ''));
      const earlier = threadOf(earlierBody);
      expect(earlier.live, 'an earlier page takes no live comments (they belong after the newest)').toBe(false);
      expect(earlier.earlier).toBeFalsy();
      expect(earlierBody).toContain('>Newest comments<');
      const all = [...earlier.ids, ...first.ids];
      expect(new Set(all).size, 'no comment twice').toBe(all.length);
      expect(new Set(all), 'every comment once').toEqual(new Set(every.map((c) => c.id)));
    });

    it(`${side}'s document page: a bad comments cursor shows the newest page, never a 500`, async () => {
      const newest = threadOf(await page200(who(), path())).ids;
      for (const bad of [
        'garbage',
        '-5_abcdefgh',
        '99999999999999999999_abcdefgh',
        '1_' + 'z'.repeat(60),
        '%00',
        '1_ABC',
      ]) {
        const shown = threadOf(await page200(who(), `${path()}?comments=${encodeURIComponent(bad)}`));
        expect(shown.ids, bad).toEqual(newest);
      }
      // A cursor before every comment: an earlier page with none, still a page.
      expect(threadOf(await page200(who(), `${path()}?comments=1_aaaaaaaa`)).ids).toEqual([]);
    });
  }

  it("another company's cursor reveals nothing: its document stays 404, ours shows only our comments", async () => {
    const cursor = `${comments[30].createdAt}_${comments[30].id}`;
    const res = await other.browser.get(`/documents/${f.documentId}?comments=${cursor}`);
    expect(res.status).toBe(404);
    const portal = await other.recipient.get(`/portal/documents/${f.documentId}?comments=${cursor}`);
    expect(portal.status).toBe(404);
    const own = threadOf(await page200(other.browser, `/documents/${other.documentId}?comments=${cursor}`));
    expect(own.ids.filter((id) => comments.some((c) => c.id === id))).toEqual([]);
  });

  it('portal home: what waits first, a page at a time, "Earlier documents" has the rest', async () => {
    const first = portalListOf(await page200(f.recipient, '/portal'));
    expect(first.ids).toHaveLength(PORTAL_LIST_PAGE);
    const waiting = [f.documentId, ...extraDocuments.filter((x) => x.waits).map((x) => x.id)];
    expect(first.ids.slice(0, waiting.length).sort(), 'every document waiting on them is on the first page').toEqual(
      waiting.sort(),
    );
    expect(first.earlier).toMatch(/^\/portal\?company=[a-z0-9]+&before=/);
    const second = portalListOf(await page200(f.recipient, first.earlier!));
    expect(second.earlier).toBeFalsy();
    const all = [...first.ids, ...second.ids];
    expect(new Set(all).size, 'no document twice').toBe(all.length);
    expect(new Set(all)).toEqual(new Set([f.documentId, ...extraDocuments.map((x) => x.id)]));
    // The exact order across both pages: what waits first, then newest sent first, ties by id (descending).
    const { results: sentRows } = await env.DB.prepare(
      `SELECT id, sent_at FROM documents WHERE id IN (${all.map(() => '?').join(', ')})`,
    )
      .bind(...all)
      .all<{ id: string; sent_at: number }>();
    const sent = new Map(sentRows.map((r) => [r.id, r.sent_at]));
    const waits = new Set(waiting);
    const byId = (a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0);
    const listOrder = (a: string, b: string) =>
      Number(waits.has(b)) - Number(waits.has(a)) || sent.get(b)! - sent.get(a)! || byId(a, b);
    expect(all).toEqual([...all].sort(listOrder));
    // A bad cursor is the first page.
    for (const bad of ['nonsense', '2_1_abcdefgh', '1_-4_abcdefgh', '1_99999999999999999999_abcdefgh']) {
      expect(portalListOf(await page200(f.recipient, `/portal?before=${encodeURIComponent(bad)}`)).ids, bad).toEqual(
        first.ids,
      );
    }
    // Another company's recipient with this cursor sees only their own documents.
    const theirs = portalListOf(await page200(other.recipient, `/portal?before=${first.earlier!.split('before=')[1]}`));
    expect(theirs.ids.filter((id) => all.includes(id))).toEqual([]);
  });

  it('portal job page: paged the same way', async () => {
    const first = portalListOf(await page200(f.recipient, `/portal/jobs/${f.jobId}`));
    expect(first.ids).toHaveLength(PORTAL_LIST_PAGE);
    expect(first.earlier).toMatch(new RegExp(`^/portal/jobs/${f.jobId}\\?before=`));
    const second = portalListOf(await page200(f.recipient, first.earlier!));
    expect(new Set([...first.ids, ...second.ids]).size).toBe(56);
  });

  it('the documents list: a page at a time, newest change first, filters kept in "Earlier documents"', async () => {
    const ids = (body: string) => [...body.matchAll(/<td><a href="\/documents\/([a-z0-9]+)">/g)].map((m) => m[1]);
    const firstBody = await page200(f.contractor, `/documents?jobId=${f.jobId}`);
    const first = ids(firstBody);
    expect(first).toHaveLength(DOCUMENTS_PAGE);
    const earlier = unamp(/href="([^"]+)"[^>]*>Earlier documents</.exec(firstBody)?.[1] ?? '');
    expect(earlier).toMatch(new RegExp(`^/documents\\?jobId=${f.jobId}&before=`));
    const second = ids(await page200(f.contractor, earlier));
    const all = [...first, ...second];
    expect(new Set(all).size, 'no document twice').toBe(all.length);
    expect(all).toHaveLength(56);
    for (const bad of ['x', '-1_abcdefgh', '99999999999999999999_abcdefgh'])
      expect(ids(await page200(f.contractor, `/documents?before=${encodeURIComponent(bad)}`)), bad).toHaveLength(
        DOCUMENTS_PAGE,
      );
  });
});

describe('earlier pages seek their index', () => {
  // A cursor written as a row value, `(created_at, id) < (?, ?)`, is a range on the index; the OR of its two
  // cases is not (SQLite reads from the document's first comment and filters).
  for (const [name, path, index] of [
    ['comments', (x: Fixture) => `/documents/${x.documentId}?comments=1700000000000_zzzzzzzz`, 'comments_doc_time'],
    ['the documents list', () => '/documents?before=1700000000000_zzzzzzzz', 'documents_org_updated'],
  ] as const) {
    it(`${name}: an earlier page is a range on ${index}`, async () => {
      const rec = recordingD1();
      await page('contractor', path)(f, rec.d1);
      const plans = await Promise.all(rec.seen.map(planOf));
      const ranged = plans.flat().filter((line) => line.includes(index) && /\(\w+,id\)<\(\?,\?\)/.test(line));
      expect(ranged, plans.map((p) => p.join('\n  ')).join('\n\n')).not.toEqual([]);
    });
  }
});

describe("portal lists walk from the cursor, not through the account's history", () => {
  // What waits on them (down documents_org_account_open: only open documents), then the rest (down
  // documents_org_account_sent), each in list order (sent_at, id) from the cursor (a range on the index) and
  // stopped at a page, never read whole and sorted; a job's list walks the job's own documents
  // (documents_org_job), never the account's (portal/queries.ts listStatements).
  const home = ['documents_org_account_open', 'documents_org_account_sent'];
  for (const [name, path, indexes] of [
    ['portal home', () => '/portal', home],
    ['portal home, an earlier page', () => '/portal?before=0_1700000000000_zzzzzzzz', home],
    ['a portal job page', (x: Fixture) => `/portal/jobs/${x.jobId}`, ['documents_org_job', 'documents_org_job']],
  ] as const) {
    const byJob = indexes[0] === 'documents_org_job';
    it(`${name}: walks on ${indexes.join(' then ')}${byJob ? ' by its job' : ' from the cursor, neither sorted'}`, async () => {
      const rec = recordingD1();
      await page('recipient', path)(f, rec.d1);
      const list = rec.seen.filter((q) => /page_waits/.test(q.sql));
      expect(list, 'the list statement').toHaveLength(1);
      const rows = await planRows(list[0]);
      const shown = rows.map((r) => `${r.id} ${r.parent} ${r.detail}`).join('\n  ');
      const walks = rows.filter((r) => r.detail.startsWith('SEARCH listed '));
      expect(
        walks.map((w) => /USING INDEX (\S+)/.exec(w.detail)?.[1]),
        shown,
      ).toEqual(indexes);
      for (const w of walks)
        expect(w.detail, shown).toContain(byJob ? 'job_id=?' : 'account_id=? AND (sent_at,id)<(?,?)');
      const walkParents = new Set(walks.map((w) => w.parent));
      const sorted = rows.filter((r) => walkParents.has(r.parent) && /TEMP B-TREE/.test(r.detail));
      if (!byJob) expect(sorted, shown).toEqual([]);
    });
  }

  it('documents_org_account_open holds every status in which a document waits on its recipient', async () => {
    expect([...OPEN_STATUSES]).toEqual(listOpenStatuses());
    const index = await env.DB.prepare(
      "SELECT sql FROM sqlite_master WHERE name = 'documents_org_account_open'",
    ).first<{
      sql: string;
    }>();
    expect(index?.sql).toContain(`status IN (${OPEN_STATUSES.map((s) => `'${s}'`).join(', ')})`);
  });
});

describe('portal lists: what the recipient can act on is on the first page', () => {
  type Later = 'expired' | 'not theirs';
  const scenarios = {} as Record<Later, { recipient: Browser; actionable: string; jobId: string }>;

  /**
   * A company whose recipient has one estimate to approve, sent 30 days ago, and 55 estimates sent after
   * it that ask nothing of them now: expired long ago, or (issue 17) a copy for them / someone else's turn first.
   */
  async function buried(later: Later) {
    const co = await companyWithBudget({ company: `Buried ${later} Builders` });
    const actionable = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(co.browser, actionable);
    const recipient = (await openLink(link)).browser;
    const d = db();
    const sentAt = Date.now() - 30 * 86_400_000;
    await d.update(documents).set({ sentAt }).where(eq(documents.id, actionable));
    const [doc] = await d.select().from(documents).where(eq(documents.id, actionable));
    const [version] = await d.select().from(documentVersions).where(eq(documentVersions.documentId, actionable));
    const [me] = await d.select().from(contacts).where(eq(contacts.id, doc.contactId!));
    const other = { ...me, id: createId(), name: 'Sam Patel', email: `sam-${me.id}@example.com` };
    await d.insert(contacts).values(other);
    for (const part of chunk(
      Array.from({ length: 55 }, (_, i) => i),
      11,
    )) {
      await d.batch(
        part.flatMap((i) => {
          const id = createId();
          const at = sentAt + (i + 1) * 3_600_000;
          const row = { ...doc, id, number: `B-${i}`, requestKey: null, sentAt: at, updatedAt: at };
          const copy = i % 2 === 0;
          return [
            later === 'expired'
              ? d.insert(documents).values({ ...row, deadline: '2020-01-01' })
              : d.insert(documents).values({ ...row, deadline: null, signingOrder: copy ? 'any' : 'ordered' }),
            d.insert(documentVersions).values({ ...version, id: createId(), documentId: id }),
            ...(later === 'expired'
              ? []
              : [
                  d.insert(documentRecipients).values([
                    {
                      orgId: doc.orgId,
                      documentId: id,
                      contactId: other.id,
                      role: 'signer',
                      position: 0,
                      createdAt: at,
                    },
                    {
                      orgId: doc.orgId,
                      documentId: id,
                      contactId: me.id,
                      role: copy ? 'copy' : 'signer',
                      position: 1,
                      createdAt: at,
                    },
                  ]),
                ]),
          ];
        }) as never,
      );
    }
    scenarios[later] = { recipient, actionable, jobId: co.jobId };
  }

  beforeAll(async () => {
    await buried('expired');
    await buried('not theirs');
  }, 120_000);

  for (const later of ['expired', 'not theirs'] as const) {
    for (const [where, path] of [
      ['portal home', () => '/portal'],
      ['portal job page', () => `/portal/jobs/${scenarios[later].jobId}`],
    ] as const) {
      it(`${where}: an estimate to approve is under "Waiting for you" on page 1, however many ${later} ones came after`, async () => {
        const { recipient, actionable } = scenarios[later];
        const body = await page200(recipient, path());
        expect(portalListOf(body).ids).toHaveLength(PORTAL_LIST_PAGE);
        const waiting = /<section aria-labelledby="waiting-h"[\s\S]*?<\/section>/.exec(body)?.[0] ?? '';
        expect(waiting, 'a "Waiting for you" section').toContain('Waiting for you');
        expect(waiting).toContain(`/portal/documents/${actionable}"`);
      });
    }
  }
});
