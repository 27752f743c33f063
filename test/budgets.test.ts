import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchItem } from 'drizzle-orm/batch';
import { viewWrite } from '../src/conversation/actions';
import { database } from '../src/db/client';
import { orgs } from '../src/db/schema';
import { forgetPages } from '../src/http/page-cache';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { money } from '../views/format';
import { callWorker, countingD1, countTrips, formPost, withRoomD1 } from './bindings';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, createJob, db } from './helpers';
import { addGroup, addItem } from './pages';
import { addRecipients, versionHashFor } from './people-fixtures';
import { gzipSize, openLink } from './portal-fixtures';

// Issue 7, "Budgets enforced by tests". Deterministic, so tests rather than benchmarks.
//
// D1 round trips are counted by calling the Worker's fetch handler with a wrapped DB binding
// (test/bindings.ts): every first/all/run/raw of a prepared statement is one trip, every
// db.batch() is one trip however many statements it holds, and work the request hands to
// waitUntil counts too. The DocumentRoom (a Durable Object) gets its own, real env: the writes
// it makes for a comment or a logged view are the room's own D1 use and are not counted in the
// request's budget; a separate test below counts it inside the room (one batch per comment).
//
// Every budget runs against two data sizes and must give the SAME count at both: a query per
// comment, per line, per document or per item (N+1) fails the test at any size.

// The issue's budgets, except where the code does better and the test holds it there: the portal
// pages check the session inside their own batch of reads (requirePortalWith), one round trip; so do
// the contractor's job and document pages since issue 19 (requireUserWith).
const BUDGET = {
  portalDocument: 1,
  portalHome: 1,
  portalJob: 1,
  jobPage: 1,
  contractorDocument: 1,
  postComment: 2,
} as const;

/**
 * A portal page read in full, nothing held (http/page-cache.ts). A held page costs one trip too (the session
 * and its stamp); one held before a change, two: the stamp, then the page (test/page-cache.test.ts).
 */
function cold<T>(load: () => Promise<T>) {
  forgetPages();
  return load();
}

const KB = 1024;
const measured: Record<string, unknown> = {};

const textFile = (name: string, body = `notes for ${name}\n`) => new File([body], name, { type: 'text/plain' });

async function upload(browser: Browser, path: string, names: string[]) {
  const form = new FormData();
  for (const name of names) form.append('files', textFile(name));
  const res = await browser.postMultipart(path, form);
  if (res.status !== 303) throw new Error(`upload ${path}: ${res.status} ${(await res.text()).slice(0, 500)}`);
}

async function comment(browser: Browser, path: string, body: string) {
  const res = await browser.post(path, { body });
  if (res.status !== 303) throw new Error(`comment ${path}: ${res.status} ${(await res.text()).slice(0, 500)}`);
}

/** A sent estimate with `n` comments and `n` files, half from each side. */
async function conversationOn(contractor: Browser, recipient: Browser, documentId: string, n: number) {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0)
      await comment(contractor, `/documents/${documentId}/comments`, `Contractor note ${i + 1}: the schedule holds.`);
    else
      await comment(
        recipient,
        `/portal/documents/${documentId}/comments`,
        `Customer question ${i + 1}: can we change the finish?`,
      );
  }
  const names = Array.from({ length: n }, (_, i) => `spec-sheet-${i + 1}.txt`);
  const half = Math.ceil(n / 2);
  for (let i = 0; i < half; i += 20)
    await upload(contractor, `/documents/${documentId}/files`, names.slice(i, Math.min(i + 20, half)));
  for (let i = half; i < n; i += 20)
    await upload(recipient, `/portal/documents/${documentId}/files`, names.slice(i, Math.min(i + 20, n)));
}

interface Size {
  label: string;
  contractor: Browser;
  recipient: Browser;
  jobId: string;
  documentId: string;
  items: number;
  lines: number;
  comments: number;
  files: number;
  portalDocuments: number;
}

let small: Size;
let large: Size;

async function smallSize(): Promise<Size> {
  const co = await companyWithBudget({ company: 'Small Budget Builders' });
  await addItem(co.browser, co.jobId, co.groups.demolition, { name: 'Haul away' });
  const documentId = await createDocument(co.browser, co.jobId, 'estimate', { item: [co.items[0].id, co.items[1].id] });
  const { link } = await sendDocument(co.browser, documentId);
  const invoice = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.electrical });
  await sendDocument(co.browser, invoice);
  const { browser: recipient } = await openLink(link);
  await conversationOn(co.browser, recipient, documentId, 2);
  return {
    label: 'small',
    contractor: co.browser,
    recipient,
    jobId: co.jobId,
    documentId,
    items: 5,
    lines: 2,
    comments: 2,
    files: 2,
    portalDocuments: 2,
  };
}

async function largeSize(): Promise<Size> {
  const co = await companyWithBudget({ company: 'Large Budget Builders' });
  const jobId = await createJob(co.browser, 'Whole house renovation', co.customerId);
  const groups: string[] = [];
  for (const name of ['Site work', 'Framing', 'Electrical', 'Plumbing', 'Finishes', 'Exterior'])
    groups.push(await addGroup(co.browser, jobId, name));
  for (let i = 0; i < 120; i++) {
    await addItem(co.browser, jobId, groups[i % groups.length], {
      name: `Line item ${i + 1} — materials and labour`,
      quantity: String(1 + (i % 9)),
      unitCost: `${(i * 13.37 + 10).toFixed(2)}`,
    });
  }
  const documentId = await createDocument(co.browser, jobId, 'estimate', { all: '1' });
  const { link } = await sendDocument(co.browser, documentId);
  // Fourteen more documents to the same customer contact, across both of its jobs.
  const kinds = ['estimate', 'customer_invoice', 'proposal'];
  for (let i = 0; i < 14; i++) {
    const onBig = i % 2 === 0;
    const id = await createDocument(
      co.browser,
      onBig ? jobId : co.jobId,
      kinds[i % kinds.length],
      onBig ? { group: groups[i % groups.length] } : { group: co.groups.demolition },
    );
    await sendDocument(co.browser, id);
  }
  const { browser: recipient } = await openLink(link);
  await conversationOn(co.browser, recipient, documentId, 40);
  return {
    label: 'large',
    contractor: co.browser,
    recipient,
    jobId,
    documentId,
    items: 120,
    lines: 120,
    comments: 40,
    files: 40,
    portalDocuments: 15,
  };
}

beforeAll(async () => {
  [small, large] = [await smallSize(), await largeSize()];
  // The fixtures are what they claim to be.
  for (const s of [small, large]) {
    const items = await db().query.costItems.findMany({ where: (t, { eq }) => eq(t.jobId, s.jobId) });
    expect(items, s.label).toHaveLength(s.items);
    const comments = await db().query.comments.findMany({ where: (t, { eq }) => eq(t.documentId, s.documentId) });
    expect(comments, s.label).toHaveLength(s.comments);
    const files = await db().query.files.findMany({ where: (t, { eq }) => eq(t.documentId, s.documentId) });
    expect(files, s.label).toHaveLength(s.files);
  }
}, 600_000);

/** Runs one route at both sizes: same count at each, within the budget. */
async function budget(
  name: keyof typeof BUDGET,
  request: (s: Size) => Promise<{ res: Response; trips: number; log: string }>,
  expectStatus: number,
) {
  const counts: Record<string, number> = {};
  for (const s of [small, large]) {
    const { res, trips, log } = await request(s);
    expect(res.status, `${name} (${s.label}): ${(await res.clone().text()).slice(0, 300)}`).toBe(expectStatus);
    counts[s.label] = trips;
    expect(trips, `${name} (${s.label}): the counting binding was not used`).toBeGreaterThan(0);
    expect(
      trips,
      `${name} (${s.label}) made ${trips} D1 round trips, budget ${BUDGET[name]}:\n${log}`,
    ).toBeLessThanOrEqual(BUDGET[name]);
  }
  measured[name] = counts;
  console.log(`D1 round trips, ${name}: small ${counts.small}, large ${counts.large} (budget ${BUDGET[name]})`);
  expect(counts.large, `${name}: the count grows with the data (N+1)`).toBe(counts.small);
}

describe('D1 round trips per request', () => {
  it('the counter counts a batch as one trip and each statement run as one', async () => {
    const counter = countingD1();
    const d = database(counter.d1);
    await d.batch([
      d.query.orgs.findMany({ limit: 1 }),
      d.query.users.findMany({ limit: 1 }),
      d.query.jobs.findMany({ limit: 1 }),
    ]);
    expect(counter.count).toBe(1);
    await d.query.orgs.findFirst();
    await d.select().from(orgs).limit(1);
    await d.select().from(orgs).limit(1).get();
    expect(counter.count).toBe(4);
    expect(counter.calls.map((c) => c.kind)).toEqual([
      'batch',
      expect.any(String),
      expect.any(String),
      expect.any(String),
    ]);
  });

  it(`portal document page ≤ ${BUDGET.portalDocument} (2 vs 120 lines, 2 vs 40 comments and files)`, async () => {
    await budget(
      'portalDocument',
      (s) => cold(() => countTrips(s.recipient, `/portal/documents/${s.documentId}`)),
      200,
    );
  });

  it(`portal document page, held ≤ ${BUDGET.portalDocument} (the session and its stamp)`, async () => {
    await budget(
      'portalDocument',
      async (s) => {
        const path = `/portal/documents/${s.documentId}`;
        // Read and held (each call waits for its logged view): the next load is the held page's.
        await callWorker(s.recipient, path, {});
        await callWorker(s.recipient, path, {});
        return countTrips(s.recipient, path);
      },
      200,
    );
  });

  it(`portal home ≤ ${BUDGET.portalHome} (a contact with 2 vs 15 documents)`, async () => {
    await budget(
      'portalHome',
      async (s) => {
        const r = await cold(() => countTrips(s.recipient, '/portal'));
        const rows = ((await r.res.clone().text()).match(/href="\/portal\/documents\/[a-z0-9]+"/g) ?? []).length;
        expect(rows, s.label).toBeGreaterThanOrEqual(s.portalDocuments);
        return r;
      },
      200,
    );
  });

  it(`portal job page ≤ ${BUDGET.portalHome} (the same list, one job)`, async () => {
    await budget('portalJob', (s) => cold(() => countTrips(s.recipient, `/portal/jobs/${s.jobId}`)), 200);
  });

  it(`dashboard job page ≤ ${BUDGET.jobPage} (5 vs 120 budget items)`, async () => {
    await budget('jobPage', (s) => countTrips(s.contractor, `/jobs/${s.jobId}`), 200);
  });

  it(`contractor document page ≤ ${BUDGET.contractorDocument} (2 vs 40 comments and files, its timeline)`, async () => {
    await budget('contractorDocument', (s) => countTrips(s.contractor, `/documents/${s.documentId}`), 200);
  });

  it(`posting a comment ≤ ${BUDGET.postComment}, from either side (the room's own D1 batch excluded)`, async () => {
    await budget(
      'postComment',
      async (s) =>
        countTrips(
          s.contractor,
          `/documents/${s.documentId}/comments`,
          await formPost(s.contractor, { body: 'Counted comment from the office.' }),
        ),
      303,
    );
    const contractorSide = measured.postComment;
    await budget(
      'postComment',
      async (s) =>
        countTrips(
          s.recipient,
          `/portal/documents/${s.documentId}/comments`,
          await formPost(s.recipient, { body: 'Counted comment from the customer.' }),
        ),
      303,
    );
    measured.postComment = { contractor: contractorSide, recipient: measured.postComment };
  });

  it("the room's own D1 use for a comment is one batch, at either size (measured inside the DocumentRoom)", async () => {
    const counts: Record<string, number> = {};
    for (const s of [small, large]) {
      const counter = countingD1();
      const res = await withRoomD1(s.documentId, counter.d1, async () =>
        callWorker(
          s.contractor,
          `/documents/${s.documentId}/comments`,
          await formPost(s.contractor, { body: 'Counted inside the room.' }),
        ),
      );
      expect(res.status).toBe(303);
      counts[s.label] = counter.count;
      expect(counter.count, `room D1 trips (${s.label}):\n${counter.describe()}`).toBeLessThanOrEqual(1);
    }
    measured.roomComment = counts;
    console.log(`D1 round trips inside the DocumentRoom for a comment: small ${counts.small}, large ${counts.large}`);
    expect(counts.large).toBe(counts.small);
  });

  it('a comment from the portal: the Worker 1 round trip (the guard reads the document with the session)', async () => {
    const documentId = await createDocument(small.contractor, small.jobId, 'estimate', { all: '1' });
    const { browser } = await openLink((await sendDocument(small.contractor, documentId)).link);
    const worker = countingD1();
    const path = `/portal/documents/${documentId}/comments`;
    const res = await callWorker(browser, path, await formPost(browser, { body: 'Counted from the portal.' }), {
      DB: worker.d1,
    });
    expect(res.status).toBe(303);
    expect(worker.count, `the Worker's trips:\n${worker.describe()}`).toBe(1);
    const [batch] = worker.calls;
    expect(batch.kind).toBe('batch');
    expect(
      batch.sql.some((q) => /^select .* from "documents" inner join "orgs"/.test(q)),
      worker.describe(),
    ).toBe(true);
    const stored = await db().query.comments.findMany({ where: (t, { eq }) => eq(t.documentId, documentId) });
    expect(stored.map((c) => c.body)).toEqual(['Counted from the portal.']);
    // Someone else's document at the same address is the stranger's 404, from the same one trip.
    const other = await createDocument(small.contractor, small.jobId, 'estimate', { all: '1' });
    const refused = await callWorker(
      browser,
      `/portal/documents/${other}/comments`,
      await formPost(browser, { body: 'x' }),
    );
    expect(refused.status).toBe(404);
  });

  it('a signature and its seal: the Worker 2 round trips, the room 3, with one signer or three (no read per signer)', async () => {
    // The Worker: the session with the document's check (1: the portal guard's batch reads the addressed
    // document with the session, portal/session.ts admitPortalSession), and
    // the seal's reads in one batch (signing/finalize.ts sealReadQueries). The room: its state and the
    // signature (a read batch, a write batch), then the seal, decided in its own batch (no check read before it:
    // signing/finalize.ts sealWrite). The seal runs in the
    // request's waitUntil, which callWorker waits for: it is counted, and it must have sealed.
    const counts: Record<string, { worker: number; room: number }> = {};
    for (const [label, more] of [
      ['one signer', []],
      [
        'three signers',
        [
          { name: 'Second Signer', email: 'second.signer@example.test' },
          { name: 'Third Signer', email: 'third.signer@example.test' },
        ],
      ],
    ] as const) {
      const documentId = await createDocument(small.contractor, small.jobId, 'estimate', { all: '1' });
      const { browser: first } = await openLink((await sendDocument(small.contractor, documentId)).link);
      const others = more.length ? await addRecipients(documentId, [...more], { contractor: small.contractor }) : [];
      const signers = [first, ...others.map((o) => o.browser)];
      const form = async (b: Browser, i: number) => ({
        versionHash: await versionHashFor(b, documentId),
        idempotencyKey: `budget-${i}`,
        name: `Signer ${i + 1}`,
        method: 'typed',
        consent: 'yes',
      });
      for (const [i, b] of signers.slice(0, -1).entries()) {
        const res = await b.post(`/portal/documents/${documentId}/sign`, await form(b, i));
        expect(res.status, (await res.text()).slice(0, 300)).toBe(303);
      }
      const last = signers.at(-1)!;
      const fields = await form(last, signers.length - 1);
      const worker = countingD1();
      const room = countingD1();
      const res = await withRoomD1(documentId, room.d1, async () =>
        callWorker(last, `/portal/documents/${documentId}/sign`, await formPost(last, fields), { DB: worker.d1 }),
      );
      expect(res.status).toBe(303);
      const rows = await db().query.signatures.findMany({ where: (t, { eq }) => eq(t.documentId, documentId) });
      expect(rows, label).toHaveLength(signers.length);
      expect(
        rows.every((r) => r.sealedAt && r.sealedPdfKey),
        `${label}: every signature sealed: ${JSON.stringify(rows.map((r) => r.sealError))}`,
      ).toBe(true);
      // The notices the seal queued: each signer (their link still theirs) and the document's creator.
      const notices = await db().query.outbox.findMany({
        where: (o, { and, eq }) => and(eq(o.documentId, documentId), eq(o.kind, 'signed')),
      });
      const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, documentId) });
      const creator = await db().query.users.findFirst({ where: (u, { eq }) => eq(u.id, doc!.createdBy!) });
      expect(notices.map((n) => n.toEmail).sort(), label).toEqual(
        [...rows.map((r) => r.signerEmail), creator!.email].sort(),
      );
      counts[label] = { worker: worker.count, room: room.count };
      expect(worker.count, `the Worker's trips (${label}):\n${worker.describe()}`).toBeLessThanOrEqual(2);
      expect(room.count, `the room's trips (${label}):\n${room.describe()}`).toBeLessThanOrEqual(3);
    }
    measured.signAndSeal = counts;
    console.log(`D1 round trips for a signature and its seal: ${JSON.stringify(counts)}`);
    expect(counts['three signers']).toEqual(counts['one signer']);
  }, 90_000);

  it("the room's view write is prepared (a view builds no query) and is one batch in the room", async () => {
    const doc = (await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, small.documentId) }))!;
    const input = {
      orgId: doc.orgId,
      jobId: doc.jobId,
      documentId: doc.id,
      type: doc.type,
      status: doc.status,
      contactId: doc.contactId!,
      name: 'Counted Viewer',
      ip: '203.0.113.9',
      userAgent: 'vitest',
      version: doc.sentVersion!,
      timeZone: 'UTC',
      origin: 'http://localhost',
    };
    const real = database(env.DB);
    const built: string[] = [];
    const watched = new Proxy(real, {
      get(target, key) {
        if (typeof key === 'string' && /^(select|insert|update|delete|query|with)$/.test(key)) built.push(key);
        return Reflect.get(target, key);
      },
    });
    const first = await viewWrite(watched, input);
    const second = await viewWrite(watched, { ...input, version: undefined });
    expect(built, 'query builders called for a view').toEqual([]);
    expect(second.statements.length).toBeLessThan(first.statements.length);
    // Committed as the room commits: one batch. The row is the view, at the next timeline position.
    await real.batch(first.statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
    const row = await db().query.activity.findFirst({ where: (a, { eq }) => eq(a.id, first.activityId!) });
    const last = await db().query.activity.findMany({ where: (a, { eq }) => eq(a.documentId, doc.id) });
    expect(row).toMatchObject({
      action: 'viewed',
      side: 'recipient',
      actorName: 'Counted Viewer',
      contactId: doc.contactId,
      ip: '203.0.113.9',
      userAgent: 'vitest',
      jobId: doc.jobId,
      seq: Math.max(...last.map((a) => a.seq ?? 0)),
    });
    // Through the room, as a portal page load logs it: one D1 batch.
    const counter = countingD1();
    const res = await withRoomD1(doc.id, counter.d1, () =>
      callWorker(small.recipient, `/portal/documents/${doc.id}`, {}),
    );
    expect(res.status).toBe(200);
    // Its last view by primary key (a second load at the same moment is the same view), then the one batch.
    expect(counter.count, `room D1 trips for a view:\n${counter.describe()}`).toBe(2);
    expect(counter.calls[0].sql.join(' ')).toMatch(/join "version_views"/i);
    expect(counter.calls[1].sql.some((s) => /insert into "activity"/i.test(s))).toBe(true);
    // The same device loading the page again: the page's own batch read the view, so the room is not called.
    const again = countingD1();
    const reload = await withRoomD1(doc.id, again.d1, () =>
      callWorker(small.recipient, `/portal/documents/${doc.id}`, {}),
    );
    expect(reload.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(again.count, `room D1 trips for a reload:\n${again.describe()}`).toBe(0);
  });
});

async function assetGzip(path: string) {
  const res = await env.ASSETS.fetch(new Request(`https://assets.local${path}`));
  expect(res.status, path).toBe(200);
  const text = await res.text();
  return { bytes: new TextEncoder().encode(text).byteLength, gzip: await gzipSize(text) };
}

describe('page weight and no-JavaScript rendering', () => {
  // Issue 13: ≤ 15 KB gzipped for a 120-line document, here with 40 comments and 40 files besides.
  it('the portal page of a 120-line estimate (with 40 comments and 40 files) is ≤ 15 KB gzipped', async () => {
    const res = await callWorker(large.recipient, `/portal/documents/${large.documentId}`, {});
    expect(res.status).toBe(200);
    const html = await res.text();
    const size = await gzipSize(html);
    measured.portalPage = { html: html.length, gzip: size };
    console.log(
      `portal document page, 120 lines + 40 comments + 40 files: ${html.length} bytes of HTML, ${size} bytes (${(size / KB).toFixed(1)} KB) gzipped`,
    );
    expect(size).toBeLessThanOrEqual(15 * KB);
  });

  it('renders its content with JavaScript disabled: lines, totals, comments and files are in the HTML; scripts only enhance', async () => {
    const res = await callWorker(large.recipient, `/portal/documents/${large.documentId}`, {});
    const html = await res.text();
    const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, large.documentId) });
    const version = await db().query.documentVersions.findFirst({
      where: (v, { and, eq }) => and(eq(v.documentId, large.documentId), eq(v.version, doc!.sentVersion!)),
    });
    const snapshot = JSON.parse(version!.snapshot!) as DocumentSnapshot;

    // Every line by name, and the totals, are in the server-rendered HTML.
    const items = snapshot.lines.filter((l) => l.kind === 'item');
    expect(items).toHaveLength(120);
    for (const line of items) expect(html).toContain(line.name);
    expect(snapshot.totals.total).toBeGreaterThan(0);
    expect(html).toContain(money(snapshot.totals.total, snapshot.currency));
    expect(html).toContain(money(snapshot.totals.subtotal, snapshot.currency));
    // So are the conversation and the files, and the forms work as plain posts.
    expect(html).toContain('Customer question 40: can we change the finish?');
    expect(html).toContain('spec-sheet-40.txt');
    expect(html).toMatch(
      new RegExp(`<form[^>]*method="post"[^>]*action="/portal/documents/${large.documentId}#comment-form"`),
    );
    expect(html).toMatch(new RegExp(`<form[^>]*method="post"[^>]*action="/portal/documents/${large.documentId}#sign"`));

    // The only scripts are external ES modules from this origin, each with the response's CSP nonce.
    const nonce = /'nonce-([A-Za-z0-9_-]+)'/.exec(res.headers.get('Content-Security-Policy') ?? '')?.[1];
    expect(nonce).toBeTruthy();
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\btype="module"/);
      expect(attrs).toMatch(/\bsrc="\/[^/"][^"]*"/);
      expect(attrs).toContain(`nonce="${nonce}"`);
      expect(body.trim()).toBe('');
    }
    expect((html.match(/<script\b/g) ?? []).length).toBe(scripts.length);
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline event handlers
    expect(html).not.toMatch(/javascript:/i);
  });

  // Issue 13: ≤ 15 KB of CSS and JS, gzipped, for what a portal page loads: each page's stylesheets
  // and scripts, found in the page itself, with the modules those scripts import.
  it("each portal page's CSS and JS together are ≤ 15 KB gzipped", async () => {
    const co = await companyWithBudget({ company: 'Bid Weight Builders' });
    const bidId = await createDocument(co.browser, co.jobId, 'bid_request', { group: co.groups.electrical });
    const vendor = (await openLink((await sendDocument(co.browser, bidId)).link)).browser;
    const pages: [string, Browser, string][] = [
      ['estimate to sign', large.recipient, `/portal/documents/${large.documentId}`],
      ['bid request', vendor, `/portal/documents/${bidId}`],
      ['portal home', large.recipient, '/portal'],
    ];
    const sizes = new Map<string, number>();
    const sizeOf = async (path: string) => {
      if (!sizes.has(path)) {
        if (path === '/brand.css') {
          const css = await (await callWorker(new Browser(), '/brand.css?c=1f5f8b', {})).text();
          sizes.set(path, await gzipSize(css));
        } else sizes.set(path, (await assetGzip(path)).gzip);
      }
      return sizes.get(path)!;
    };
    const report: string[] = [];
    for (const [name, browser, path] of pages) {
      const res = await callWorker(browser, path, {});
      expect(res.status, name).toBe(200);
      const html = await res.text();
      const assets = new Set<string>();
      for (const m of html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="(\/[^"?]*)(?:\?[^"]*)?"[^>]*>/g))
        if (/\.(css|js)$/.test(m[1])) assets.add(m[1]);
      for (const asset of [...assets].filter((a) => a.endsWith('.js'))) {
        const js = await (await env.ASSETS.fetch(new Request(`https://assets.local${asset}`))).text();
        for (const m of js.matchAll(/from\s+'(\/[^']+)'/g)) assets.add(m[1]);
      }
      expect([...assets], name).toContain('/app.css');
      expect([...assets], `${name} never loads the dashboard's stylesheet`).not.toContain('/dashboard.css');
      let total = 0;
      for (const asset of assets) total += await sizeOf(asset);
      report.push(`${name}: ${[...assets].join(' + ')} = ${total} B`);
      expect(total, `${name}: ${[...assets].join(', ')}`).toBeLessThanOrEqual(15 * KB);
    }
    measured.assets = Object.fromEntries(sizes);
    console.log(
      `portal CSS + JS, gzipped (${[...sizes].map(([p, n]) => `${p} ${n} B`).join(', ')}):\n${report.join('\n')}`,
    );
  });
});
