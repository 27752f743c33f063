import { and, asc, eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchPrepared, distinct, prepareEach, prepared, type Db } from '../src/db/client';
import { accounts, costItems, jobs, orgs } from '../src/db/schema';
import { db } from './helpers';
import { companyWithBudget } from './fixtures';

// batchPrepared() maps flat selections itself and leaves nested ones to drizzle: whatever it maps,
// the rows must be exactly what drizzle's own db.batch() gives for the same queries.
const orgId = sql.placeholder('orgId');
const jobId = sql.placeholder('jobId');

function statements(d: Db, org: typeof orgId | string, job: typeof jobId | string) {
  return [
    // Flat: text, integer, boolean and enum columns, a nullable column, an aliased SQL value from a left join.
    d
      .select({
        id: costItems.id,
        name: costItems.name,
        quantity: costItems.quantity,
        taxable: costItems.taxable,
        costType: costItems.costType,
        vendorAccountId: costItems.vendorAccountId,
        vendorName: sql<string | null>`${accounts.name}`.as('vendor_name'),
      })
      .from(costItems)
      .leftJoin(accounts, and(eq(accounts.id, costItems.vendorAccountId), eq(accounts.orgId, org)))
      .where(and(eq(costItems.orgId, org), eq(costItems.jobId, job)))
      .orderBy(asc(costItems.position)),
    // A whole table (every column, timestamps and all).
    d
      .select()
      .from(jobs)
      .where(and(eq(jobs.orgId, org), eq(jobs.id, job))),
    // Nested with a left join that has no row: drizzle turns the joined object to null (plain
    // columns only, so no distinct(): the column names here do not collide).
    d
      .select({ job: { id: jobs.id }, customer: { name: accounts.name, kind: accounts.kind } })
      .from(jobs)
      .leftJoin(accounts, and(eq(accounts.id, sql`'no such account'`), eq(accounts.orgId, org)))
      .where(and(eq(jobs.orgId, org), eq(jobs.id, job))),
    // Nested with the joined row present.
    d
      .select(distinct({ job: { id: jobs.id }, org: { id: orgs.id, name: orgs.name, maxUploadMb: orgs.maxUploadMb } }))
      .from(jobs)
      .innerJoin(orgs, eq(orgs.id, jobs.orgId))
      .where(and(eq(jobs.orgId, org), eq(jobs.id, job))),
  ] as const;
}

const compare = (d: Db) => prepareEach(statements(d, orgId, jobId));

describe('batchPrepared', () => {
  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  beforeAll(async () => {
    co = await companyWithBudget();
  });

  it("maps every kind of selection exactly as drizzle's db.batch() does", async () => {
    const d = db();
    const ours = await batchPrepared(d, prepared(d, compare), { orgId: co.orgId, jobId: co.jobId });
    const theirs = await d.batch(statements(d, co.orgId, co.jobId));
    expect(ours).toEqual(theirs);
    // The fixture covers what the comparison is about.
    const [items, job, withoutCustomer, withOrg] = ours;
    expect(items).toHaveLength(4);
    expect(items.map((i) => typeof i.taxable)).toEqual(['boolean', 'boolean', 'boolean', 'boolean']);
    expect(items.some((i) => i.vendorName === null) && items.some((i) => i.vendorName === 'Summit Electric')).toBe(
      true,
    );
    expect(job[0].id).toBe(co.jobId);
    expect(withoutCustomer[0].customer).toBeNull();
    expect(withOrg[0].org.name).toBe('Oak & Stone Builders');
  });

  it('runs a prepared query again with other values, and reads nothing for values that match nothing', async () => {
    const d = db();
    const other = await companyWithBudget({ company: 'Second Co' });
    const [mine] = await batchPrepared(d, prepared(d, compare), { orgId: co.orgId, jobId: co.jobId });
    const [theirs] = await batchPrepared(d, prepared(d, compare), { orgId: other.orgId, jobId: other.jobId });
    expect(new Set(mine.map((i) => i.id))).toEqual(new Set(co.items.map((i) => i.id)));
    expect(new Set(theirs.map((i) => i.id))).toEqual(new Set(other.items.map((i) => i.id)));
    const crossed = await batchPrepared(d, prepared(d, compare), { orgId: co.orgId, jobId: other.jobId });
    expect(crossed.map((rows) => rows.length)).toEqual([0, 0, 0, 0]);
  });
});
