import { count, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { env } from 'cloudflare:workers';
import { benchShape, seedBench, seedBenchSigning } from '../src/dev/bench-seed';
import { DEMO_EMAIL, DEMO_ORG_ID, DEMO_PASSWORD, seedDemo } from '../src/dev/seed';
import { Conflict } from '../src/errors';
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
} from '../src/db/schema';
import readme from '../README.md?raw';
import { Browser, db, location } from './helpers';

const tables = { orgs, users, accounts, contacts, jobs, costGroups, costItems, counters };

async function rowCounts() {
  const out: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) out[name] = await db().$count(table);
  return out;
}

describe('seedDemo', () => {
  let afterFirst: Record<string, number>;

  beforeAll(async () => {
    const first = await seedDemo(db());
    expect(first).toEqual({ created: true });
    afterFirst = await rowCounts();
  });

  it('running it again duplicates nothing', async () => {
    expect(await seedDemo(db())).toEqual({ created: false });
    expect(await seedDemo(db())).toEqual({ created: false });
    expect(await rowCounts()).toEqual(afterFirst);
  });

  it('creates one company with its owner', async () => {
    expect(await db().$count(orgs, eq(orgs.id, DEMO_ORG_ID))).toBe(1);
    const owner = await db().query.users.findFirst({ where: eq(users.email, DEMO_EMAIL) });
    expect(owner).toMatchObject({ orgId: DEMO_ORG_ID, role: 'owner' });
    expect(owner!.passwordHash).toMatch(/^pbkdf2-sha256\$100000\$/);
  });

  it('has at least two customers and two vendors, each with a contact', async () => {
    const rows = await db()
      .select({
        kind: accounts.kind,
        id: accounts.id,
        contacts: sql<number>`(SELECT count(*) FROM contacts c WHERE c.account_id = "accounts"."id")`,
      })
      .from(accounts)
      .where(eq(accounts.orgId, DEMO_ORG_ID));
    expect(rows.filter((r) => r.kind === 'customer').length).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.kind === 'vendor').length).toBeGreaterThanOrEqual(2);
    for (const r of rows) expect(r.contacts, r.id).toBeGreaterThanOrEqual(1);
    const orphans = await db()
      .select({ n: count() })
      .from(contacts)
      .where(
        sql`${contacts.orgId} = ${DEMO_ORG_ID} AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = ${contacts.accountId} AND a.org_id = ${contacts.orgId})`,
      );
    expect(orphans[0].n).toBe(0);
  });

  it('has two jobs, each with at least 15 items across several groups, consistently linked', async () => {
    const demoJobs = await db().select().from(jobs).where(eq(jobs.orgId, DEMO_ORG_ID)).orderBy(jobs.number);
    expect(demoJobs.map((j) => j.number)).toEqual([1, 2]);
    for (const job of demoJobs) {
      const customer = await db().query.accounts.findFirst({ where: eq(accounts.id, job.customerAccountId!) });
      expect(customer).toMatchObject({ orgId: DEMO_ORG_ID, kind: 'customer' });
      const groups = await db().select().from(costGroups).where(eq(costGroups.jobId, job.id));
      const items = await db().select().from(costItems).where(eq(costItems.jobId, job.id));
      expect(groups.length).toBeGreaterThanOrEqual(3);
      expect(items.length).toBeGreaterThanOrEqual(15);
      const groupIds = new Set(groups.map((g) => g.id));
      for (const item of items) {
        expect(groupIds.has(item.groupId), item.name).toBe(true);
        expect(item.orgId).toBe(DEMO_ORG_ID);
        expect(item.unitPrice).toBeGreaterThanOrEqual(item.unitCost);
        if (item.vendorAccountId)
          expect((await db().query.accounts.findFirst({ where: eq(accounts.id, item.vendorAccountId) }))!.kind).toBe(
            'vendor',
          );
      }
      for (const g of groups)
        expect(
          items.some((i) => i.groupId === g.id),
          g.name,
        ).toBe(true);
    }
  });
});

describe('the demo contractor', () => {
  beforeAll(async () => {
    await seedDemo(db());
  });

  it('is the one the README names', () => {
    expect(readme).toContain(DEMO_EMAIL);
    expect(readme).toContain(DEMO_PASSWORD);
  });

  it('signs in through the form and works with the demo jobs', async () => {
    const browser = new Browser();
    const res = await browser.post('/sign-in', { email: DEMO_EMAIL, password: DEMO_PASSWORD });
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/');

    const list = await browser.get('/jobs');
    expect(list.status).toBe(200);
    const body = await list.text();
    const demoJobs = await db().select().from(jobs).where(eq(jobs.orgId, DEMO_ORG_ID));
    for (const job of demoJobs) expect(body).toContain(`href="/jobs/${job.id}"`);

    const job = demoJobs[0];
    const page = await browser.get(`/jobs/${job.id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const items = await db().select().from(costItems).where(eq(costItems.jobId, job.id));
    for (const item of items) expect(html).toContain(`href="/jobs/${job.id}/items/${item.id}/edit"`);
    expect(html).toContain(job.name.replace(/&/g, '&amp;'));

    // ...and edits its budget: a new item, and the next job number continues after the seeded ones.
    const group = (await db().select().from(costGroups).where(eq(costGroups.jobId, job.id)))[0];
    const added = await browser.post(`/jobs/${job.id}/items`, {
      name: 'Demo edit',
      groupId: group.id,
      costType: 'labor',
      quantity: '2',
      unitCost: '50',
      priceBy: 'markup',
      markup: '25',
    });
    expect(added.status).toBe(303);
    expect(await db().query.costItems.findFirst({ where: eq(costItems.name, 'Demo edit') })).toMatchObject({
      jobId: job.id,
      unitPrice: 6_250,
    });
    const next = await browser.post('/jobs', { name: 'Third demo job' });
    expect(next.status).toBe(303);
    expect((await db().query.jobs.findFirst({ where: eq(jobs.name, 'Third demo job') }))!.number).toBe(3);
  });

  it('is refused with a wrong password', async () => {
    const res = await new Browser().post('/sign-in', { email: DEMO_EMAIL, password: `${DEMO_PASSWORD}x` });
    expect(res.status).toBe(422);
  });
});

describe('the benchmark seed', () => {
  it("at scale 10 is issue 19's ×10 company", () => {
    expect(benchShape(10)).toMatchObject({
      jobs: 300,
      bigBudgetItems: 2_000,
      portalDocs: 400,
      comments: 600,
      activityRows: 10_000,
      orderLines: 120,
    });
    expect(benchShape()).toMatchObject({ jobs: 30, bigBudgetItems: 200, portalDocs: 40, comments: 60 });
  });

  it('sends every portal document through the real send path, and refuses to run twice', async () => {
    const data = await seedBench(env, db(), 'http://localhost');
    expect(data).toMatchObject({ email: 'bench@bench.test', portalDocuments: 40 });
    expect(data.portalLink).toMatch(/^\/p\//);
    const sent = await db().select().from(documents).where(eq(documents.orgId, 'benchorg00000001'));
    expect(sent.filter((d) => d.sentVersion === 1)).toHaveLength(40);
    const order = await db().query.documentVersions.findFirst({ where: eq(documentVersions.documentId, data.orderId) });
    expect(order).toMatchObject({ state: 'sent', pdfSha256: data.orderSha256 });
    expect(await env.FILES.head(order!.pdfKey!)).not.toBeNull();
    expect(await db().$count(comments, eq(comments.documentId, data.orderId))).toBe(60);
    expect(await db().$count(files, eq(files.documentId, data.orderId))).toBe(12);
    // Issue 19: the company's history is 1,000 activity rows at scale 1 (10,000 at ×10).
    expect(await db().$count(activity, eq(activity.orgId, 'benchorg00000001'))).toBe(1_000);
    expect(data.counts).toMatchObject({
      jobs: 30,
      bigBudgetItems: 200,
      portalJobs: 8,
      comments: 60,
      activityRows: 1_000,
    });
    await expect(seedBench(env, db(), 'http://localhost')).rejects.toBeInstanceOf(Conflict);

    const signing = await seedBenchSigning(env, db(), 'http://localhost', 3);
    expect(signing.documents).toHaveLength(3);
    for (const d of signing.documents) {
      const v = await db().query.documentVersions.findFirst({ where: eq(documentVersions.documentId, d.id) });
      expect(v).toMatchObject({ state: 'sent', pdfSha256: d.sha256 });
    }
  }, 180_000);
});
