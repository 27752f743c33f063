import { asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { costGroups, costItems, jobs } from '../src/db/schema';
import { Browser, createJob, db, signUp } from './helpers';
import { addGroup, addItem, itemFields } from './pages';

// Issue 11, "writes that hold under double clicks and races", for the budget: N concurrent
// requests through the Worker, and the exact outcome asserted. No request answers a 5xx.

const N = 8;

let browser: Browser;
let orgId: string;

beforeAll(async () => {
  ({ browser, orgId } = await signUp({ company: 'Racing Builders' }));
});

const all = <T>(n: number, make: (i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: n }, (_, i) => make(i)));
const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();
const itemsOf = (groupId: string) =>
  db().select().from(costItems).where(eq(costItems.groupId, groupId)).orderBy(asc(costItems.position));
const groupsOf = (jobId: string) =>
  db().select().from(costGroups).where(eq(costGroups.jobId, jobId)).orderBy(asc(costGroups.position));

function noServerErrors(responses: Response[]) {
  for (const r of responses) expect(r.status, `a request answered ${r.status}`).toBeLessThan(500);
}

describe(`${N} concurrent budget writes`, () => {
  it(`${N} "Create job" posts make ${N} jobs with ${N} distinct, consecutive numbers`, async () => {
    const before = await db().select().from(jobs).where(eq(jobs.orgId, orgId));
    const responses = await all(N, (i) => browser.post('/jobs', { name: `Raced job ${i}`, address: '' }));
    noServerErrors(responses);
    expect(statuses(responses)).toEqual(Array(N).fill(303));
    const after = await db().select().from(jobs).where(eq(jobs.orgId, orgId));
    const made = after.filter((j) => !before.some((b) => b.id === j.id));
    expect(made).toHaveLength(N);
    const numbers = made.map((j) => j.number).sort((x, y) => x - y);
    const first = Math.max(0, ...before.map((j) => j.number)) + 1;
    expect(numbers).toEqual(Array.from({ length: N }, (_, i) => first + i));
  });

  it(`${N} "Add group" posts make ${N} groups at positions 1..${N}`, async () => {
    const jobId = await createJob(browser, 'Group race');
    const responses = await all(N, (i) => browser.post(`/jobs/${jobId}/groups`, { name: `Group ${i}` }));
    noServerErrors(responses);
    expect(statuses(responses)).toEqual(Array(N).fill(303));
    expect((await groupsOf(jobId)).map((g) => g.position)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it(`${N} "Add item" posts to one group make ${N} items at distinct positions after the existing one`, async () => {
    const jobId = await createJob(browser, 'Item race');
    const groupId = await addGroup(browser, jobId, 'Framing');
    await addItem(browser, jobId, groupId, { name: 'Already there' });
    const responses = await all(N, (i) =>
      browser.post(`/jobs/${jobId}/items`, itemFields(groupId, { name: `Raced item ${i}` })),
    );
    noServerErrors(responses);
    expect(statuses(responses)).toEqual(Array(N).fill(303));
    const items = await itemsOf(groupId);
    expect(items).toHaveLength(N + 1);
    expect(items.map((i) => i.position)).toEqual(Array.from({ length: N + 1 }, (_, i) => i + 1));
    expect(items[0].name).toBe('Already there');
  });

  it(`deleting one item ${N} times at once: one deletion, ${N - 1} times the 404, never a 5xx`, async () => {
    const jobId = await createJob(browser, 'Delete race');
    const groupId = await addGroup(browser, jobId, 'Demolition');
    const doomed = await addItem(browser, jobId, groupId, { name: 'Doomed item' });
    const kept = await addItem(browser, jobId, groupId, { name: 'Kept item' });
    const responses = await all(N, () => browser.post(`/jobs/${jobId}/items/${doomed}/delete`));
    noServerErrors(responses);
    expect(statuses(responses)).toEqual([303, ...Array(N - 1).fill(404)]);
    expect((await itemsOf(groupId)).map((i) => i.id)).toEqual([kept]);
  });

  it(`deleting one group ${N} times at once: one deletion (its items with it), the others 404`, async () => {
    const jobId = await createJob(browser, 'Group delete race');
    const doomed = await addGroup(browser, jobId, 'Doomed group');
    const kept = await addGroup(browser, jobId, 'Kept group');
    await addItem(browser, jobId, doomed, { name: 'Goes too' });
    const responses = await all(N, () => browser.post(`/jobs/${jobId}/groups/${doomed}/delete`));
    noServerErrors(responses);
    expect(statuses(responses)).toEqual([303, ...Array(N - 1).fill(404)]);
    expect((await groupsOf(jobId)).map((g) => g.id)).toEqual([kept]);
    expect(await itemsOf(doomed)).toEqual([]);
  });

  it(`${N} "Move down" clicks on the first item move it once per accepted click, positions stay distinct`, async () => {
    const jobId = await createJob(browser, 'Move race');
    const groupId = await addGroup(browser, jobId, 'Finishes');
    const ids: string[] = [];
    for (let i = 0; i < N + 2; i++) ids.push(await addItem(browser, jobId, groupId, { name: `Line ${i}` }));
    const responses = await all(N, () => browser.post(`/jobs/${jobId}/items/${ids[0]}/move`, { direction: 'down' }));
    noServerErrors(responses);
    for (const r of responses) expect([303, 409]).toContain(r.status);
    const moved = responses.filter((r) => r.status === 303).length;
    const items = await itemsOf(groupId);
    expect(new Set(items.map((i) => i.position)).size).toBe(items.length);
    expect(items.map((i) => i.id).indexOf(ids[0])).toBe(moved);
    // The others kept their order around it.
    expect(items.map((i) => i.id).filter((id) => id !== ids[0])).toEqual(ids.slice(1));
  });

  it(`${N} concurrent moves of different items and groups keep every position distinct and every entry present`, async () => {
    const jobId = await createJob(browser, 'Shuffle race');
    const groups = [
      await addGroup(browser, jobId, 'One'),
      await addGroup(browser, jobId, 'Two'),
      await addGroup(browser, jobId, 'Three'),
    ];
    const ids: string[] = [];
    for (let i = 0; i < N; i++) ids.push(await addItem(browser, jobId, groups[0], { name: `Shuffled ${i}` }));
    const responses = await Promise.all([
      ...ids.map((id, i) => browser.post(`/jobs/${jobId}/items/${id}/move`, { direction: i % 2 ? 'up' : 'down' })),
      ...groups.map((g, i) => browser.post(`/jobs/${jobId}/groups/${g}/move`, { direction: i % 2 ? 'up' : 'down' })),
    ]);
    noServerErrors(responses);
    for (const r of responses) expect([303, 409]).toContain(r.status);
    const items = await itemsOf(groups[0]);
    expect(items.map((i) => i.id).sort()).toEqual([...ids].sort());
    expect(new Set(items.map((i) => i.position)).size).toBe(N);
    const after = await groupsOf(jobId);
    expect(after.map((g) => g.id).sort()).toEqual([...groups].sort());
    expect(new Set(after.map((g) => g.position)).size).toBe(groups.length);
  });

  it(`${N} items added while their group is deleted: each item is added or refused, none outlives its group`, async () => {
    const jobId = await createJob(browser, 'Orphan race');
    const groupId = await addGroup(browser, jobId, 'Vanishing');
    const [deleted, ...added] = await Promise.all([
      browser.post(`/jobs/${jobId}/groups/${groupId}/delete`),
      ...Array.from({ length: N }, (_, i) =>
        browser.post(`/jobs/${jobId}/items`, itemFields(groupId, { name: `Late item ${i}` })),
      ),
    ]);
    noServerErrors([deleted, ...added]);
    expect(deleted.status).toBe(303);
    for (const r of added) expect([303, 422]).toContain(r.status);
    expect(await db().select().from(costItems).where(eq(costItems.jobId, jobId))).toEqual([]);
  });
});
