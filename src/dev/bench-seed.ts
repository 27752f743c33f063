import { createId } from '../db/ids';
import { and, count, eq, max, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { hashPassword } from '../auth/passwords';
import { priceFromMarkup } from '../budget/totals';
import { activityInsert, type Actor } from '../conversation/activity';
import { addDays, lineInserts, linesFromBudget, todayIn } from '../documents/drafts';
import { formatNumber, kindByKey, type Kind } from '../documents/kinds';
import { chunk, getDocument } from '../documents/queries';
import { sendDocument, type ContractorActor } from '../documents/actions';
import { portalLink } from '../portal/links';
import { initialStatus } from '../documents/status';
import type { BudgetGroup, BudgetItem } from '../documents/drafts';
import type { Env } from '../env';
import { Conflict } from '../errors';
import type { Db } from '../db/client';
import {
  accounts,
  activity,
  comments,
  contacts,
  costGroups,
  costItems,
  counters,
  documents,
  documentVersions,
  files,
  jobs,
  orgs,
  users,
  costTypes,
} from '../db/schema';

// Development only: the dataset `npm run bench` measures (scripts/bench.mjs), built in its own
// state folder, at scale 1 (today's company) or a multiple of it (`--scale 10`: the ×10 company of
// issue 19: 300 jobs, a 2,000-item budget, 400 documents for one portal contact, 600 comments on
// one document, 10,000 activity rows). Budgets, drafts, comments, files and the older activity
// (views of the portal documents) are inserted directly in chunked batches; every document the
// recipient sees is sent through sendDocument, so each has its snapshot, its PDF in R2 and that
// PDF's hash, exactly as a real send leaves them (400 sends take about half a minute, so even ×10
// needs no shortcut).

const BENCH_ORG_ID = 'benchorg00000001';
const BENCH_EMAIL = 'bench@bench.test';
const BENCH_PASSWORD = 'bench-load-test-2026';
const USER_ID = 'benchuser0000001';
const PORTAL_ACCOUNT = 'benchacctportal1';
const PORTAL_CONTACT = 'benchcontportal1';
const SIGNER_ACCOUNT = 'benchacctsigner1';
const SIGNER_CONTACT = 'benchcontsigner1';

/**
 * The dataset at a scale (1 = today's, 10 = ten times it): what grows with a company's history
 * grows with the scale; the 120-line order and its 12 files stay as they are.
 */
export function benchShape(scale = 1) {
  const s = Math.max(1, Math.min(20, Math.floor(scale) || 1));
  return {
    scale: s,
    jobs: 30 * s,
    bigBudgetGroups: 10 * s,
    bigBudgetItems: 200 * s,
    orderLines: 120,
    comments: 60 * s,
    files: 12,
    portalDocs: 40 * s,
    portalJobs: 8 * s,
    /** Activity rows of the company once seeded (before the signing part adds its own). */
    activityRows: 1_000 * s,
  };
}
export type BenchShape = ReturnType<typeof benchShape>;

const job = (n: number) => `benchjob${String(n).padStart(8, '0')}`;
// Jobs 21–30 carry the documents prepared for the signing benchmark, for their own customer.
const SIGNING_JOBS = Array.from({ length: 10 }, (_, i) => 21 + i);
/** The portal contact's jobs: the first ones that are not the signing jobs (1–8 at scale 1). */
const portalJobNumbers = (shape: BenchShape) =>
  Array.from({ length: shape.jobs }, (_, i) => i + 1)
    .filter((n) => !SIGNING_JOBS.includes(n))
    .slice(0, shape.portalJobs);

type Item = BudgetItem;
type Group = BudgetGroup;

/** Runs statements in batches of `size`: one round trip each, D1 applies them in order. */
async function runBatches(db: Db, statements: BatchItem<'sqlite'>[], size = 80) {
  for (let i = 0; i < statements.length; i += size) {
    const [first, ...rest] = statements.slice(i, i + size);
    await db.batch([first, ...rest]);
  }
}

const TRADES = [
  'Site work',
  'Concrete',
  'Framing',
  'Roofing',
  'Windows & doors',
  'Plumbing',
  'Electrical',
  'HVAC',
  'Insulation',
  'Drywall',
  'Cabinets',
  'Flooring',
  'Tile',
  'Painting',
  'Finish carpentry',
];

const ITEM_KINDS = ['labor', 'materials package', 'subcontract', 'equipment rental', 'allowance'];

function budget(db: Db, jobId: string, groupCount: number, perGroup: number, now: number) {
  const groups: (Group & { position: number })[] = [];
  const items: (Item & { position: number })[] = [];
  for (let g = 0; g < groupCount; g++) {
    const groupId = `${jobId}g${String(g + 1).padStart(3, '0')}`;
    groups.push({
      id: groupId,
      name: TRADES[g % TRADES.length] + (g >= TRADES.length ? ` ${Math.floor(g / TRADES.length) + 1}` : ''),
      position: g + 1,
    });
    for (let i = 0; i < perGroup; i++) {
      const n = items.length + 1;
      const unitCost = 1_500 + ((n * 7_919) % 250_000);
      items.push({
        id: `${jobId}i${String(n).padStart(4, '0')}`,
        groupId,
        position: n,
        name: `${groups[g].name} item ${i + 1}: ${ITEM_KINDS[n % ITEM_KINDS.length]}`,
        description:
          n % 3 === 0 ? 'Includes delivery, installation and clean-up of the work area at the end of each day.' : '',
        costCode: `${String(2 + (g % 30)).padStart(2, '0')}-${String(100 + i * 10)}`,
        costType: costTypes[n % costTypes.length],
        quantity: (1 + (n % 40)) * 10_000 + (n % 4) * 2_500,
        unit: ['hr', 'ea', 'sq ft', 'lf', 'ls'][n % 5],
        unitCost,
        unitPrice: priceFromMarkup(unitCost, (15 + (n % 20)) * 1000),
        taxable: n % 2 === 0,
        vendorAccountId: null,
      });
    }
  }
  const statements: BatchItem<'sqlite'>[] = [
    ...chunk(groups, 7).map((part) =>
      db.insert(costGroups).values(part.map((g) => ({ ...g, orgId: BENCH_ORG_ID, jobId, createdAt: now }))),
    ),
    ...chunk(items, 17).map((part) =>
      db
        .insert(costItems)
        .values(part.map((i) => ({ ...i, orgId: BENCH_ORG_ID, jobId, createdAt: now, updatedAt: now }))),
    ),
  ];
  return { groups, items, statements };
}

interface Draft {
  id: string;
  kind: Kind;
  statements: BatchItem<'sqlite'>[];
}

function draft(
  db: Db,
  o: {
    jobId: string;
    kind: Kind;
    number: string;
    title: string;
    accountId: string;
    contactId: string;
    contactName: string;
    contactEmail: string;
    requireSignature: boolean;
    groups: Group[];
    items: Item[];
    chosen: Set<string>;
    issueDate: string;
    now: number;
  },
): Draft {
  const id = createId();
  const versionId = createId();
  const lines = linesFromBudget(o.groups, o.items, o.chosen);
  return {
    id,
    kind: o.kind,
    statements: [
      db.insert(documents).values({
        id,
        orgId: BENCH_ORG_ID,
        jobId: o.jobId,
        type: o.kind.type,
        subtype: o.kind.subtype,
        number: o.number,
        status: initialStatus(o.kind.type),
        accountId: o.accountId,
        contactId: o.contactId,
        requireSignature: o.requireSignature,
        currentVersion: 1,
        createdBy: USER_ID,
        createdAt: o.now,
        updatedAt: o.now,
      }),
      db.insert(documentVersions).values({
        id: versionId,
        orgId: BENCH_ORG_ID,
        documentId: id,
        version: 1,
        state: 'draft',
        title: o.title.slice(0, 200),
        issueDate: o.issueDate,
        dueDate: addDays(o.issueDate, 30),
        terms: 'Prices valid for 30 days.',
        footer: 'Bench Builders · benchmark data',
        taxRate: o.kind.amountColumn === 'price' ? 8_250 : 0,
        preparedForName: o.contactName,
        preparedForEmail: o.contactEmail,
        createdAt: o.now,
        updatedAt: o.now,
      }),
      ...lineInserts(db, BENCH_ORG_ID, id, versionId, lines),
      activityInsert(db, {
        orgId: BENCH_ORG_ID,
        jobId: o.jobId,
        documentId: id,
        seq: 1,
        action: 'created',
        actor: ACTOR,
        data: { number: o.number, type: o.kind.label, lines: lines.length },
        at: o.now,
      }),
    ],
  };
}

const ACTOR: ContractorActor = { side: 'contractor', userId: USER_ID, name: 'Bench Owner' };

/** Sends a draft the way the Send button does (the documents' sendDocument, through the room). */
async function send(env: Env, db: Db, documentId: string, origin: string) {
  const d = await getDocument(db, BENCH_ORG_ID, documentId);
  if (!d || !d.contact) throw new Error(`bench seed: document ${documentId} did not load`);
  const { name, email } = d.contact;
  return sendDocument(env, db, ACTOR, {
    orgId: BENCH_ORG_ID,
    timeZone: d.org.timeZone,
    origin,
    documentId,
    name,
    email,
    message: '',
  });
}

/** Bumps a per-org counter by `n` in one statement and returns the first of the n new values. */
async function reserveNumbers(db: Db, name: string, n: number): Promise<number> {
  const row = await db
    .insert(counters)
    .values({ orgId: BENCH_ORG_ID, name, value: n })
    .onConflictDoUpdate({ target: [counters.orgId, counters.name], set: { value: sql`${counters.value} + ${n}` } })
    .returning({ value: counters.value })
    .get();
  return row.value - n + 1;
}

const PNG_1X1 = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='),
  (ch) => ch.charCodeAt(0),
);

/**
 * The benchmark company: 30 jobs (job 1 with a 200-item budget), a portal contact with 40 sent
 * documents across jobs 1–8 — among them a 120-line order with 60 comments and 12 files — a
 * 120-line draft and 1,000 activity rows; `scale` multiplies all but the order's lines and files.
 * Refuses (409) when the company already exists: start from an empty state folder.
 */
export async function seedBench(env: Env, db: Db, origin: string, scale = 1) {
  const BENCH_SHAPE = benchShape(scale);
  const portalJobs = portalJobNumbers(BENCH_SHAPE);
  const existing = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, BENCH_ORG_ID));
  if (existing.length) throw new Conflict('The benchmark data already exists; start from an empty state folder.');
  const now = Date.now();
  const issueDate = todayIn('America/Chicago', now);
  const base: BatchItem<'sqlite'>[] = [
    db.insert(orgs).values({
      id: BENCH_ORG_ID,
      name: 'Bench Builders',
      timeZone: 'America/Chicago',
      currency: 'USD',
      address: '1 Load Test Way\nAustin, TX 78701',
      phone: '(512) 555-0100',
      email: 'office@bench.test',
      brandColor: '#7a3e1d',
      defaultTaxRate: 8_250,
      createdAt: now,
    }),
    db.insert(users).values({
      id: USER_ID,
      orgId: BENCH_ORG_ID,
      email: BENCH_EMAIL,
      name: 'Bench Owner',
      role: 'owner',
      passwordHash: await hashPassword(BENCH_PASSWORD),
      createdAt: now,
    }),
    db.insert(accounts).values([
      {
        id: PORTAL_ACCOUNT,
        orgId: BENCH_ORG_ID,
        kind: 'customer',
        name: 'Morgan Household',
        email: 'pat.morgan@example.test',
        createdAt: now,
        updatedAt: now,
      },
      {
        id: SIGNER_ACCOUNT,
        orgId: BENCH_ORG_ID,
        kind: 'customer',
        name: 'Signer Holdings',
        email: 'sig@example.test',
        createdAt: now,
        updatedAt: now,
      },
      {
        id: 'benchacctvendor1',
        orgId: BENCH_ORG_ID,
        kind: 'vendor',
        name: 'Loadtest Lumber',
        email: 'orders@lumber.test',
        createdAt: now,
        updatedAt: now,
      },
    ]),
    db.insert(contacts).values([
      {
        id: PORTAL_CONTACT,
        orgId: BENCH_ORG_ID,
        accountId: PORTAL_ACCOUNT,
        name: 'Pat Morgan',
        email: 'pat.morgan@example.test',
        createdAt: now,
      },
      {
        id: SIGNER_CONTACT,
        orgId: BENCH_ORG_ID,
        accountId: SIGNER_ACCOUNT,
        name: 'Sig Nguyen',
        email: 'sig@example.test',
        createdAt: now,
      },
      {
        id: 'benchcontvendor1',
        orgId: BENCH_ORG_ID,
        accountId: 'benchacctvendor1',
        name: 'Val Ortiz',
        email: 'val@lumber.test',
        createdAt: now,
      },
    ]),
  ];
  const budgets = new Map<number, { groups: Group[]; items: Item[] }>();
  for (let n = 1; n <= BENCH_SHAPE.jobs; n++) {
    const customer = portalJobs.includes(n) ? PORTAL_ACCOUNT : SIGNING_JOBS.includes(n) ? SIGNER_ACCOUNT : null;
    base.push(
      db.insert(jobs).values({
        id: job(n),
        orgId: BENCH_ORG_ID,
        number: n,
        name: `Job ${n} – ${TRADES[n % TRADES.length]} at ${100 + n} Main Street`,
        address: `${100 + n} Main Street, Austin, TX 78701`,
        customerAccountId: customer,
        createdAt: now - (BENCH_SHAPE.jobs - n) * 86_400_000,
        updatedAt: now,
      }),
    );
    const b =
      n === 1
        ? budget(db, job(n), BENCH_SHAPE.bigBudgetGroups, BENCH_SHAPE.bigBudgetItems / BENCH_SHAPE.bigBudgetGroups, now)
        : budget(db, job(n), 3, 4, now);
    base.push(...b.statements);
    budgets.set(n, b);
  }
  base.push(db.insert(counters).values({ orgId: BENCH_ORG_ID, name: 'job', value: BENCH_SHAPE.jobs }));
  await runBatches(db, base);

  // The portal contact's 40 documents (× scale), five per job on jobs 1–8 (and on, skipping the
  // signing jobs); the first is the 120-line order.
  const kinds = ['estimate', 'proposal', 'change_order', 'customer_invoice'].map((k) => kindByKey(k)!);
  const plan: { n: number; kind: Kind; chosen: Set<string>; title: string }[] = [];
  const big = budgets.get(1)!;
  // Six groups of 19 items under their six headings: 120 lines.
  const bigChosen = new Set(
    big.groups.slice(0, 6).flatMap((g) =>
      big.items
        .filter((i) => i.groupId === g.id)
        .slice(0, 19)
        .map((i) => i.id),
    ),
  );
  for (const n of portalJobs) {
    const b = budgets.get(n)!;
    for (let k = 0; k < BENCH_SHAPE.portalDocs / BENCH_SHAPE.portalJobs; k++) {
      const kind = n === 1 && k === 0 ? kinds[0] : kinds[(n + k) % kinds.length];
      const chosen =
        n === 1 && k === 0
          ? bigChosen
          : new Set(
              b.items
                .filter((_, i) => (i + k) % 3 !== 0)
                .slice(0, 8)
                .map((i) => i.id),
            );
      plan.push({ n, kind, chosen, title: `${kind.label} ${k + 1} – job ${n}` });
    }
  }
  const numbers = new Map<string, number>();
  const nextFor = (kind: Kind) => {
    const v = (numbers.get(kind.prefix) ?? 0) + 1;
    numbers.set(kind.prefix, v);
    return formatNumber(kind.prefix, v);
  };
  const portal = {
    contactId: PORTAL_CONTACT,
    accountId: PORTAL_ACCOUNT,
    contactName: 'Pat Morgan',
    contactEmail: 'pat.morgan@example.test',
  };
  const drafts = plan.map((p) =>
    draft(db, {
      ...portal,
      jobId: job(p.n),
      kind: p.kind,
      number: nextFor(p.kind),
      title: p.title,
      requireSignature: p.kind.defaultRequireSignature,
      groups: budgets.get(p.n)!.groups,
      items: budgets.get(p.n)!.items,
      chosen: p.chosen,
      issueDate,
      now,
    }),
  );
  const draftKind = kindByKey('proposal')!;
  const draftDoc = draft(db, {
    ...portal,
    jobId: job(1),
    kind: draftKind,
    number: nextFor(draftKind),
    title: 'Proposal – 120-line draft',
    requireSignature: true,
    groups: big.groups,
    items: big.items,
    chosen: bigChosen,
    issueDate,
    now,
  });
  await runBatches(db, [...drafts.flatMap((d) => d.statements), ...draftDoc.statements], 40);
  await runBatches(
    db,
    [...numbers].map(([prefix, value]) =>
      db.insert(counters).values({ orgId: BENCH_ORG_ID, name: `doc:${prefix}`, value }),
    ),
  );

  for (const d of drafts) await send(env, db, d.id, origin);

  // The big order's conversation: 60 comments (× scale) from both sides and 12 files, each with its activity
  // row at the next timeline position (created = 1, sent = 2).
  const order = drafts[0];
  const conversation: BatchItem<'sqlite'>[] = [];
  const recipient: Actor = {
    side: 'recipient',
    contactId: PORTAL_CONTACT,
    name: 'Pat Morgan',
    ip: '127.0.0.1',
    userAgent: 'bench-seed',
  };
  let seq = 2;
  let commentsMade = 0;
  let filesMade = 0;
  const start = Date.now();
  for (let i = 0; commentsMade < BENCH_SHAPE.comments || filesMade < BENCH_SHAPE.files; i++) {
    const at = start + i * 1000;
    const actor = i % 2 === 0 ? ACTOR : recipient;
    const fileTurn = i % 6 === 5 && filesMade < BENCH_SHAPE.files;
    if (fileTurn || commentsMade >= BENCH_SHAPE.comments) {
      const fileId = createId();
      const png = filesMade % 2 === 0;
      const name = png ? `site-photo-${filesMade + 1}.png` : `notes-${filesMade + 1}.txt`;
      const bytes = png ? PNG_1X1 : new TextEncoder().encode(`Site notes ${filesMade + 1}\n`.repeat(40));
      const r2Key = `org/${BENCH_ORG_ID}/doc/${order.id}/${fileId}`;
      await env.FILES.put(r2Key, bytes, { httpMetadata: { contentType: png ? 'image/png' : 'text/plain' } });
      conversation.push(
        db.insert(files).values({
          id: fileId,
          orgId: BENCH_ORG_ID,
          documentId: order.id,
          r2Key,
          name,
          contentType: png ? 'image/png' : 'text/plain',
          size: bytes.byteLength,
          side: actor.side,
          userId: actor.userId ?? null,
          contactId: actor.contactId ?? null,
          uploaderName: actor.name,
          createdAt: at,
        }),
        activityInsert(db, {
          orgId: BENCH_ORG_ID,
          jobId: job(1),
          documentId: order.id,
          seq: ++seq,
          action: 'file_added',
          actor,
          data: { fileId, name, size: bytes.byteLength },
          at,
        }),
      );
      filesMade++;
    } else {
      const id = createId();
      const said =
        actor.side === 'contractor'
          ? 'We can start the rough-in on Monday if the selections are confirmed.'
          : 'Could you confirm the cabinet finish and the lead time on the counters?';
      const body = `Comment ${commentsMade + 1}: ${said}`;
      conversation.push(
        db.insert(comments).values({
          id,
          orgId: BENCH_ORG_ID,
          documentId: order.id,
          side: actor.side,
          userId: actor.userId ?? null,
          contactId: actor.contactId ?? null,
          authorName: actor.name,
          body,
          createdAt: at,
        }),
        activityInsert(db, {
          orgId: BENCH_ORG_ID,
          jobId: job(1),
          documentId: order.id,
          seq: ++seq,
          action: 'commented',
          actor,
          data: { commentId: id, excerpt: body.slice(0, 140) },
          at,
        }),
      );
      commentsMade++;
    }
  }
  await runBatches(db, conversation);
  const activityRows = await fillActivity(db, BENCH_SHAPE, drafts.slice(1), now);

  const [sent] = await db
    .select({ sha: documentVersions.pdfSha256 })
    .from(documentVersions)
    .where(and(eq(documentVersions.documentId, order.id), eq(documentVersions.version, 1)));
  return {
    email: BENCH_EMAIL,
    password: BENCH_PASSWORD,
    jobId: job(1),
    orderId: order.id,
    orderSha256: sent?.sha ?? null,
    draftId: draftDoc.id,
    portalDocuments: drafts.length,
    shape: BENCH_SHAPE,
    counts: {
      jobs: BENCH_SHAPE.jobs,
      bigBudgetItems: BENCH_SHAPE.bigBudgetItems,
      portalDocuments: drafts.length,
      portalJobs: portalJobs.length,
      orderLines: BENCH_SHAPE.orderLines,
      comments: commentsMade,
      files: filesMade,
      activityRows,
    },
    portalLink: new URL(await portalLink(env, origin, { id: PORTAL_CONTACT, accessVersion: 1 }, order.id, 30)).pathname,
  };
}

const BROWSER_AGENT =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/18.1 Mobile/15E148 Safari/604.1';

/**
 * The company's older history up to `shape.activityRows` activity rows: the portal contact's views
 * of its documents (the order's timeline is left to its conversation), each at its document's next
 * timeline position, spread over the past year. Returns the company's activity row count.
 */
async function fillActivity(db: Db, shape: BenchShape, docs: Draft[], now: number) {
  const [{ n }] = await db.select({ n: count() }).from(activity).where(eq(activity.orgId, BENCH_ORG_ID));
  const missing = shape.activityRows - n;
  if (missing <= 0 || docs.length === 0) return n;
  const seqRows = await db
    .select({ documentId: activity.documentId, seq: max(activity.seq) })
    .from(activity)
    .where(eq(activity.orgId, BENCH_ORG_ID))
    .groupBy(activity.documentId);
  const seqs = new Map(seqRows.map((r) => [r.documentId, r.seq ?? 0]));
  const jobOf = new Map<string, string>();
  for (const d of await db
    .select({ id: documents.id, jobId: documents.jobId })
    .from(documents)
    .where(eq(documents.orgId, BENCH_ORG_ID)))
    jobOf.set(d.id, d.jobId);
  const rows: (typeof activity.$inferInsert)[] = [];
  for (let i = 0; i < missing; i++) {
    const d = docs[i % docs.length];
    const seq = (seqs.get(d.id) ?? 0) + 1;
    seqs.set(d.id, seq);
    rows.push({
      id: createId(),
      orgId: BENCH_ORG_ID,
      jobId: jobOf.get(d.id) ?? null,
      documentId: d.id,
      seq,
      action: 'viewed',
      side: 'recipient',
      userId: null,
      contactId: PORTAL_CONTACT,
      actorName: 'Pat Morgan',
      ip: `203.0.113.${(i % 250) + 1}`,
      userAgent: BROWSER_AGENT,
      data: null,
      createdAt: now - 365 * 86_400_000 + Math.floor((i * 365 * 86_400_000) / missing),
    });
  }
  await runBatches(
    db,
    chunk(rows, 14).map((part) => db.insert(activity).values(part)),
  );
  return n + missing;
}

/**
 * `count` more sent estimates (no signature required: approving is a typed name) for the signing
 * benchmark, each for the signer contact, spread over jobs 21–30. Returns each id with the hash a
 * signature must name, and a portal link that signs the signer in.
 */
export async function seedBenchSigning(env: Env, db: Db, origin: string, count: number) {
  const [org] = await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, BENCH_ORG_ID));
  if (!org) throw new Conflict('Seed the benchmark company first.');
  const n = Math.max(1, Math.min(100, Math.floor(count)));
  const kind = kindByKey('estimate')!;
  const first = await reserveNumbers(db, `doc:${kind.prefix}`, n);
  const now = Date.now();
  const issueDate = todayIn('America/Chicago', now);
  const signer = {
    contactId: SIGNER_CONTACT,
    accountId: SIGNER_ACCOUNT,
    contactName: 'Sig Nguyen',
    contactEmail: 'sig@example.test',
  };
  const groupsByJob = new Map<string, { groups: Group[]; items: Item[] }>();
  const drafts: Draft[] = [];
  for (let i = 0; i < n; i++) {
    const jobId = job(SIGNING_JOBS[(first + i) % SIGNING_JOBS.length]);
    if (!groupsByJob.has(jobId)) {
      const [groupRows, itemRows] = await db.batch([
        db
          .select({ id: costGroups.id, name: costGroups.name })
          .from(costGroups)
          .where(and(eq(costGroups.orgId, BENCH_ORG_ID), eq(costGroups.jobId, jobId)))
          .orderBy(costGroups.position),
        db
          .select()
          .from(costItems)
          .where(and(eq(costItems.orgId, BENCH_ORG_ID), eq(costItems.jobId, jobId)))
          .orderBy(costItems.position),
      ]);
      groupsByJob.set(jobId, { groups: groupRows, items: itemRows });
    }
    const b = groupsByJob.get(jobId)!;
    drafts.push(
      draft(db, {
        ...signer,
        jobId,
        kind,
        number: formatNumber(kind.prefix, first + i),
        title: `Estimate for approval ${first + i}`,
        requireSignature: false,
        groups: b.groups,
        items: b.items,
        chosen: new Set(b.items.slice(0, 3).map((it) => it.id)),
        issueDate,
        now,
      }),
    );
  }
  await runBatches(
    db,
    drafts.flatMap((d) => d.statements),
    40,
  );
  const out: { id: string; sha256: string }[] = [];
  for (const d of drafts) {
    const { sha } = await send(env, db, d.id, origin);
    out.push({ id: d.id, sha256: sha });
  }
  return {
    documents: out,
    portalLink: new URL(await portalLink(env, origin, { id: SIGNER_CONTACT, accessVersion: 1 }, out[0].id, 30))
      .pathname,
  };
}
