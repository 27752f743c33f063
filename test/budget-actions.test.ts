import { env } from 'cloudflare:workers';
import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUp } from '../src/auth/actions';
import * as budget from '../src/budget/actions';
import { database } from '../src/db/client';
import { createId } from '../src/db/ids';
import { accounts, costGroups, costItems, jobs } from '../src/db/schema';
import { NotFound, Refused } from '../src/errors';
import { uniqueEmail } from './helpers';

// The budget's actions at the query level: no HTTP, the database and plain values in, a result or
// a domain error out. The forms' own checks are test/budget.test.ts; these are the rules the
// actions keep whoever calls them.

const db = () => database(env.DB);

async function company(name = 'Action Builders') {
  const owner = await signUp(db(), {
    company: name,
    timeZone: 'UTC',
    currency: 'USD',
    name: 'Owner',
    email: uniqueEmail('actions'),
    password: 'correct horse battery',
  });
  const account = async (kind: 'customer' | 'vendor', accountName: string) => {
    const id = createId();
    await db()
      .insert(accounts)
      .values({ id, orgId: owner.orgId, kind, name: accountName, createdAt: Date.now(), updatedAt: Date.now() });
    return id;
  };
  return {
    orgId: owner.orgId,
    customer: await account('customer', 'Reyes Household'),
    vendor: await account('vendor', 'Summit Electric'),
  };
}

const item = (groupId: string, fields: Partial<budget.ItemValues> = {}): budget.ItemValues => ({
  name: 'Framing lumber',
  description: '',
  costCode: '',
  costType: 'materials',
  quantity: 10_000,
  unit: 'ea',
  unitCost: 1_000,
  unitPrice: 1_250,
  taxable: false,
  vendorAccountId: null,
  groupId,
  ...fields,
});

async function refusal(work: Promise<unknown>) {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the action was expected to refuse').toBeInstanceOf(Error);
  return err as Error & { field?: string };
}

const itemsOf = (groupId: string) =>
  db().select().from(costItems).where(eq(costItems.groupId, groupId)).orderBy(asc(costItems.position));
const groupsOf = (jobId: string) =>
  db().select().from(costGroups).where(eq(costGroups.jobId, jobId)).orderBy(asc(costGroups.position));

let a: Awaited<ReturnType<typeof company>>;
let b: Awaited<ReturnType<typeof company>>;

beforeAll(async () => {
  a = await company('Action Builders');
  b = await company('Other Action Homes');
});

describe('jobs', () => {
  it('createJob numbers jobs per org, from 1, and keeps the customer', async () => {
    const first = await budget.createJob(db(), a.orgId, {
      name: 'Deck',
      address: '1 Main St',
      customerAccountId: a.customer,
    });
    const second = await budget.createJob(db(), a.orgId, { name: 'Porch', address: '', customerAccountId: null });
    const other = await budget.createJob(db(), b.orgId, { name: 'Shed', address: '', customerAccountId: null });
    expect(second.number).toBe(first.number + 1);
    expect(other.number).toBe(1);
    const row = await db().query.jobs.findFirst({ where: eq(jobs.id, first.id) });
    expect(row).toMatchObject({ orgId: a.orgId, name: 'Deck', customerAccountId: a.customer, status: 'open' });
  });

  it('createJob and updateJob refuse a customer that is a vendor or of another org, on its field', async () => {
    for (const customerAccountId of [a.vendor, b.customer, 'nosuchaccount0000000000']) {
      const err = await refusal(budget.createJob(db(), a.orgId, { name: 'Refused', address: '', customerAccountId }));
      expect(err).toBeInstanceOf(Refused);
      expect(err.field).toBe('customerAccountId');
      expect(err.message).toBe('Choose a customer from the list.');
    }
    expect(
      await db().query.jobs.findFirst({ where: and(eq(jobs.orgId, a.orgId), eq(jobs.name, 'Refused')) }),
    ).toBeUndefined();
    const job = await budget.createJob(db(), a.orgId, { name: 'Kept', address: '', customerAccountId: null });
    expect(
      await refusal(
        budget.updateJob(db(), a.orgId, job.id, { name: 'Changed', address: '', customerAccountId: a.vendor }),
      ),
    ).toBeInstanceOf(Refused);
    expect((await db().query.jobs.findFirst({ where: eq(jobs.id, job.id) }))!.name).toBe('Kept');
  });

  it("another org's job is NotFound for every verb, and nothing changes", async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Private', address: '', customerAccountId: null });
    const group = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'Scope' });
    const line = await budget.addCostItem(db(), a.orgId, job.id, item(group.id));
    const attempts = [
      () => budget.updateJob(db(), b.orgId, job.id, { name: 'Stolen', address: '', customerAccountId: null }),
      () => budget.setJobStatus(db(), b.orgId, job.id, 'closed'),
      () => budget.addCostGroup(db(), b.orgId, job.id, { name: 'Stolen' }),
      () => budget.renameCostGroup(db(), b.orgId, job.id, group.id, { name: 'Stolen' }),
      () => budget.deleteCostGroup(db(), b.orgId, job.id, group.id),
      () => budget.moveCostGroup(db(), b.orgId, job.id, group.id, 'down'),
      () => budget.addCostItem(db(), b.orgId, job.id, item(group.id)),
      () => budget.updateCostItem(db(), b.orgId, job.id, line.id, item(group.id, { name: 'Stolen' })),
      () => budget.moveCostItem(db(), b.orgId, job.id, line.id, 'down'),
      () => budget.deleteCostItem(db(), b.orgId, job.id, line.id),
    ];
    for (const attempt of attempts) expect(await refusal(attempt())).toBeInstanceOf(NotFound);
    expect((await db().query.jobs.findFirst({ where: eq(jobs.id, job.id) }))!).toMatchObject({
      name: 'Private',
      status: 'open',
    });
    expect((await groupsOf(job.id)).map((g) => g.name)).toEqual(['Scope']);
    expect((await itemsOf(group.id)).map((i) => i.name)).toEqual(['Framing lumber']);
  });

  it('closing twice keeps the first closing time; reopening clears it', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Closing', address: '', customerAccountId: null });
    await budget.setJobStatus(db(), a.orgId, job.id, 'closed');
    const closed = (await db().query.jobs.findFirst({ where: eq(jobs.id, job.id) }))!;
    await new Promise((r) => setTimeout(r, 5));
    await budget.setJobStatus(db(), a.orgId, job.id, 'closed');
    const again = (await db().query.jobs.findFirst({ where: eq(jobs.id, job.id) }))!;
    expect(again.status).toBe('closed');
    expect(again.closedAt).toBe(closed.closedAt);
    await budget.setJobStatus(db(), a.orgId, job.id, 'open');
    expect((await db().query.jobs.findFirst({ where: eq(jobs.id, job.id) }))!).toMatchObject({
      status: 'open',
      closedAt: null,
    });
  });
});

describe('groups and items', () => {
  it('groups and items go to the end of their list, in the order they were added', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Order', address: '', customerAccountId: null });
    const g1 = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'First' });
    const g2 = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'Second' });
    expect((await groupsOf(job.id)).map((g) => [g.id, g.position])).toEqual([
      [g1.id, 1],
      [g2.id, 2],
    ]);
    await budget.addCostItem(db(), a.orgId, job.id, item(g1.id, { name: 'One' }));
    await budget.addCostItem(db(), a.orgId, job.id, item(g1.id, { name: 'Two', vendorAccountId: a.vendor }));
    await budget.addCostItem(db(), a.orgId, job.id, item(g2.id, { name: 'Elsewhere' }));
    expect((await itemsOf(g1.id)).map((i) => [i.name, i.position, i.vendorAccountId])).toEqual([
      ['One', 1, null],
      ['Two', 2, a.vendor],
    ]);
    expect((await itemsOf(g2.id)).map((i) => [i.name, i.position])).toEqual([['Elsewhere', 1]]);
  });

  it('an item refuses a group of another job and a vendor that is not one, and writes nothing', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Refs', address: '', customerAccountId: null });
    const mine = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'Mine' });
    const otherJob = await budget.createJob(db(), a.orgId, { name: 'Other', address: '', customerAccountId: null });
    const theirs = await budget.addCostGroup(db(), a.orgId, otherJob.id, { name: 'Theirs' });
    const cases: [budget.ItemValues, string, string][] = [
      [item(theirs.id), 'groupId', 'Choose a group from the list.'],
      [item('nosuchgroup000000000000'), 'groupId', 'Choose a group from the list.'],
      [item(mine.id, { vendorAccountId: a.customer }), 'vendorAccountId', 'Choose a vendor from the list.'],
      [item(mine.id, { vendorAccountId: b.vendor }), 'vendorAccountId', 'Choose a vendor from the list.'],
    ];
    for (const [values, field, message] of cases) {
      const err = await refusal(budget.addCostItem(db(), a.orgId, job.id, values));
      expect(err).toBeInstanceOf(Refused);
      expect([err.field, err.message]).toEqual([field, message]);
    }
    expect(await db().select().from(costItems).where(eq(costItems.jobId, job.id))).toEqual([]);
    expect(await itemsOf(theirs.id)).toEqual([]);
  });

  it('updateCostItem saves the values; moved to another group it goes to its end; a foreign group is refused', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Update', address: '', customerAccountId: null });
    const g1 = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'One' });
    const g2 = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'Two' });
    const x = await budget.addCostItem(db(), a.orgId, job.id, item(g1.id, { name: 'X' }));
    await budget.addCostItem(db(), a.orgId, job.id, item(g2.id, { name: 'Y' }));
    await budget.updateCostItem(db(), a.orgId, job.id, x.id, item(g1.id, { name: 'X2', unitCost: 2_000 }));
    expect((await itemsOf(g1.id)).map((i) => [i.name, i.unitCost, i.position])).toEqual([['X2', 2_000, 1]]);
    await budget.updateCostItem(db(), a.orgId, job.id, x.id, item(g2.id, { name: 'X3' }));
    expect((await itemsOf(g2.id)).map((i) => [i.name, i.position])).toEqual([
      ['Y', 1],
      ['X3', 2],
    ]);
    const otherJob = await budget.createJob(db(), a.orgId, { name: 'Else', address: '', customerAccountId: null });
    const foreign = await budget.addCostGroup(db(), a.orgId, otherJob.id, { name: 'Foreign' });
    const err = await refusal(
      budget.updateCostItem(db(), a.orgId, job.id, x.id, item(foreign.id, { name: 'Moved away' })),
    );
    expect([err.constructor, err.field]).toEqual([Refused, 'groupId']);
    expect((await itemsOf(g2.id)).map((i) => i.name)).toEqual(['Y', 'X3']);
  });

  it('moves swap an entry with its neighbour; at either end nothing changes', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Moves', address: '', customerAccountId: null });
    const g = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'G' });
    const ids: string[] = [];
    for (const name of ['A', 'B', 'C'])
      ids.push((await budget.addCostItem(db(), a.orgId, job.id, item(g.id, { name }))).id);
    const names = async () => (await itemsOf(g.id)).map((i) => i.name);
    await budget.moveCostItem(db(), a.orgId, job.id, ids[0], 'down');
    expect(await names()).toEqual(['B', 'A', 'C']);
    await budget.moveCostItem(db(), a.orgId, job.id, ids[2], 'up');
    expect(await names()).toEqual(['B', 'C', 'A']);
    await budget.moveCostItem(db(), a.orgId, job.id, ids[1], 'up'); // already first
    await budget.moveCostItem(db(), a.orgId, job.id, ids[0], 'down'); // already last
    expect(await names()).toEqual(['B', 'C', 'A']);

    const g2 = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'G2' });
    await budget.moveCostGroup(db(), a.orgId, job.id, g2.id, 'up');
    expect((await groupsOf(job.id)).map((x) => x.name)).toEqual(['G2', 'G']);
  });

  it('a delete removes what is there; the second delete of the same thing is NotFound', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Deletes', address: '', customerAccountId: null });
    const g = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'Doomed' });
    const keep = await budget.addCostGroup(db(), a.orgId, job.id, { name: 'Kept' });
    const x = await budget.addCostItem(db(), a.orgId, job.id, item(keep.id, { name: 'Single' }));
    await budget.addCostItem(db(), a.orgId, job.id, item(g.id, { name: 'Goes with its group' }));
    expect(await budget.deleteCostItem(db(), a.orgId, job.id, x.id)).toEqual({ name: 'Single' });
    expect(await refusal(budget.deleteCostItem(db(), a.orgId, job.id, x.id))).toBeInstanceOf(NotFound);
    expect(await budget.deleteCostGroup(db(), a.orgId, job.id, g.id)).toEqual({ name: 'Doomed' });
    expect(await refusal(budget.deleteCostGroup(db(), a.orgId, job.id, g.id))).toBeInstanceOf(NotFound);
    expect(await db().select().from(costItems).where(eq(costItems.jobId, job.id))).toEqual([]);
    expect((await groupsOf(job.id)).map((x) => x.name)).toEqual(['Kept']);
  });

  it('an item added to a group deleted at the same moment is refused, never left without its group', async () => {
    const job = await budget.createJob(db(), a.orgId, { name: 'Orphans', address: '', customerAccountId: null });
    for (let round = 0; round < 5; round++) {
      const g = await budget.addCostGroup(db(), a.orgId, job.id, { name: `Round ${round}` });
      const results = await Promise.allSettled([
        ...Array.from({ length: 4 }, (_, i) =>
          budget.addCostItem(db(), a.orgId, job.id, item(g.id, { name: `Item ${i}` })),
        ),
        budget.deleteCostGroup(db(), a.orgId, job.id, g.id),
      ]);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(Refused);
    }
    const groups = new Set((await groupsOf(job.id)).map((g) => g.id));
    const items = await db().select().from(costItems).where(eq(costItems.jobId, job.id));
    expect(items.filter((i) => !groups.has(i.groupId))).toEqual([]);
  });
});
