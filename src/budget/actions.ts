import { and, eq, exists, getTableName, notExists, sql } from 'drizzle-orm';
import { findAccount } from '../accounts/queries';
import type { Db } from '../db/client';
import { nextNumber } from '../db/counters';
import { createId } from '../db/ids';
import { costGroups, costItems, jobs } from '../db/schema';
import { Conflict, NotFound, Refused } from '../errors';
import { moveUpdates, type checkGroup, type checkItem, type checkJob } from './budget';
import { findItem, findJob, groupPositions, itemPositions } from './queries';

// The contractor's jobs and their budgets: named verbs over plain, already-parsed values (see
// ./budget.ts for the form checks). Each is scoped to the caller's org; a foreign or vanished id is
// NotFound, a reference that is not the caller's to use is Refused on its field.
//
// Concurrency: job numbers come from the org's counter (one atomic statement); a new group or item
// takes max(position) + 1 inside its INSERT; a move swaps two positions only while both still hold
// the positions it read (else it reads again); a delete deletes what is still there, so the second
// of two deletes finds nothing.

export type JobValues = ReturnType<typeof checkJob>['values'];
export type GroupValues = ReturnType<typeof checkGroup>['values'];
export type ItemValues = ReturnType<typeof checkItem>['values'];
export type Direction = 'up' | 'down';

const CHOOSE_CUSTOMER = 'Choose a customer from the list.';
const CHOOSE_VENDOR = 'Choose a vendor from the list.';
const CHOOSE_GROUP = 'Choose a group from the list.';

async function checkCustomer(db: Db, orgId: string, accountId: string | null) {
  if (!accountId) return;
  const account = await findAccount(db, orgId, accountId);
  if (account?.kind !== 'customer') throw new Refused(CHOOSE_CUSTOMER, 'customerAccountId');
}

async function jobOf(db: Db, orgId: string, jobId: string) {
  const job = await findJob(db, orgId, jobId);
  if (!job) throw new NotFound();
  return job;
}

/** A new open job with the org's next job number. */
export async function createJob(db: Db, orgId: string, values: JobValues) {
  await checkCustomer(db, orgId, values.customerAccountId);
  const id = createId();
  const now = Date.now();
  const number = await nextNumber(db, orgId, 'job');
  await db.insert(jobs).values({ id, orgId, number, ...values, createdAt: now, updatedAt: now });
  return { id, number, name: values.name };
}

export async function updateJob(db: Db, orgId: string, jobId: string, values: JobValues) {
  await checkCustomer(db, orgId, values.customerAccountId);
  const [row] = await db
    .update(jobs)
    .set({ ...values, updatedAt: Date.now() })
    .where(and(eq(jobs.orgId, orgId), eq(jobs.id, jobId)))
    .returning({ id: jobs.id });
  if (!row) throw new NotFound();
}

/** Closes or reopens a job; doing it twice is the same as once. */
export async function setJobStatus(db: Db, orgId: string, jobId: string, status: 'open' | 'closed') {
  const now = Date.now();
  const [row] = await db
    .update(jobs)
    .set({ status, closedAt: status === 'closed' ? sql`coalesce(${jobs.closedAt}, ${now})` : null, updatedAt: now })
    .where(and(eq(jobs.orgId, orgId), eq(jobs.id, jobId)))
    .returning({ id: jobs.id });
  if (!row) throw new NotFound();
}

/** A new cost group at the end of the job's budget. */
export async function addCostGroup(db: Db, orgId: string, jobId: string, values: GroupValues) {
  await jobOf(db, orgId, jobId);
  const id = createId();
  await db.insert(costGroups).values({
    id,
    orgId,
    jobId,
    name: values.name,
    position: sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_groups WHERE org_id = ${orgId} AND job_id = ${jobId})`,
    createdAt: Date.now(),
  });
  return { id };
}

export async function renameCostGroup(db: Db, orgId: string, jobId: string, groupId: string, values: GroupValues) {
  const [row] = await db
    .update(costGroups)
    .set({ name: values.name })
    .where(and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId), eq(costGroups.id, groupId)))
    .returning({ id: costGroups.id });
  if (!row) throw new NotFound();
}

/** Deletes a group and its items, in one batch. The second of two deletes is NotFound. */
export async function deleteCostGroup(db: Db, orgId: string, jobId: string, groupId: string) {
  const [, deleted] = await db.batch([
    db
      .delete(costItems)
      .where(and(eq(costItems.orgId, orgId), eq(costItems.jobId, jobId), eq(costItems.groupId, groupId))),
    db
      .delete(costGroups)
      .where(and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId), eq(costGroups.id, groupId)))
      .returning({ name: costGroups.name }),
  ]);
  if (!deleted[0]) throw new NotFound();
  return deleted[0];
}

async function vendorIsValid(db: Db, orgId: string, vendorAccountId: string | null) {
  if (!vendorAccountId) return;
  const vendor = await findAccount(db, orgId, vendorAccountId);
  if (vendor?.kind !== 'vendor') throw new Refused(CHOOSE_VENDOR, 'vendorAccountId');
}

const groupOfJob = (orgId: string, jobId: string, groupId: string) =>
  sql`(SELECT 1 FROM cost_groups g WHERE g.org_id = ${orgId} AND g.job_id = ${jobId} AND g.id = ${groupId})`;

const nextItemPosition = (orgId: string, groupId: string) =>
  sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_items WHERE org_id = ${orgId} AND group_id = ${groupId})`;

/**
 * A new item at the end of its group. The insert and the check that its group (still) belongs to
 * the job commit in one batch: an item never outlives its group, however the two requests race.
 */
export async function addCostItem(db: Db, orgId: string, jobId: string, values: ItemValues) {
  await jobOf(db, orgId, jobId);
  await vendorIsValid(db, orgId, values.vendorAccountId);
  const id = createId();
  const now = Date.now();
  const [, orphan] = await db.batch([
    db.insert(costItems).values({
      id,
      orgId,
      jobId,
      ...values,
      position: nextItemPosition(orgId, values.groupId),
      createdAt: now,
      updatedAt: now,
    }),
    db
      .delete(costItems)
      .where(and(eq(costItems.id, id), notExists(groupOfJob(orgId, jobId, values.groupId))))
      .returning({ id: costItems.id }),
  ]);
  if (orphan[0]) throw new Refused(CHOOSE_GROUP, 'groupId');
  return { id };
}

/** Saves an item; moved to another group, it goes to that group's end. */
export async function updateCostItem(db: Db, orgId: string, jobId: string, itemId: string, values: ItemValues) {
  const item = await findItem(db, orgId, jobId, itemId);
  if (!item) throw new NotFound();
  await vendorIsValid(db, orgId, values.vendorAccountId);
  const moved = values.groupId !== item.groupId;
  const [row] = await db
    .update(costItems)
    .set({ ...values, ...(moved ? { position: nextItemPosition(orgId, values.groupId) } : {}), updatedAt: Date.now() })
    .where(
      and(
        eq(costItems.orgId, orgId),
        eq(costItems.jobId, jobId),
        eq(costItems.id, item.id),
        exists(groupOfJob(orgId, jobId, values.groupId)),
      ),
    )
    .returning({ id: costItems.id });
  if (row) return;
  if (!(await findItem(db, orgId, jobId, itemId))) throw new NotFound();
  throw new Refused(CHOOSE_GROUP, 'groupId');
}

/** Deletes an item. The second of two deletes is NotFound. */
export async function deleteCostItem(db: Db, orgId: string, jobId: string, itemId: string) {
  const [row] = await db
    .delete(costItems)
    .where(and(eq(costItems.orgId, orgId), eq(costItems.jobId, jobId), eq(costItems.id, itemId)))
    .returning({ name: costItems.name });
  if (!row) throw new NotFound();
  return row;
}

const MOVE_ATTEMPTS = 10;

/**
 * Swaps an entry with its neighbour in one statement that runs only while both still hold the
 * positions that were read: a move that lost a race reads again, so every click moves once.
 */
async function move(
  db: Db,
  table: typeof costItems | typeof costGroups,
  orgId: string,
  id: string,
  direction: Direction,
  siblings: () => Promise<{ id: string; position: number }[]>,
) {
  const name = sql.identifier(getTableName(table));
  for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt++) {
    const read = await siblings();
    if (!read.some((s) => s.id === id)) throw new NotFound();
    const swap = moveUpdates(read, id, direction);
    if (swap.length !== 2) return; // already first or last
    const [a, b] = swap;
    const was = new Map(read.map((s) => [s.id, s.position]));
    const unchanged = sql`(SELECT count(*) FROM ${name} WHERE org_id = ${orgId}
      AND ((id = ${a.id} AND position = ${was.get(a.id)}) OR (id = ${b.id} AND position = ${was.get(b.id)}))) = 2`;
    // Counted by RETURNING: D1's `changes` counts the rows the table's triggers write too (migration 0018).
    const moved = await db.all<{ id: string }>(sql`UPDATE ${name}
      SET position = CASE id WHEN ${a.id} THEN ${a.position} ELSE ${b.position} END
      WHERE org_id = ${orgId} AND id IN (${a.id}, ${b.id}) AND ${unchanged} RETURNING id`);
    if (moved.length === 2) return;
  }
  throw new Conflict('The budget changed while you moved it. Look at it again and try once more.');
}

export async function moveCostGroup(db: Db, orgId: string, jobId: string, groupId: string, direction: Direction) {
  await move(db, costGroups, orgId, groupId, direction, () => groupPositions(db, orgId, jobId));
}

export async function moveCostItem(db: Db, orgId: string, jobId: string, itemId: string, direction: Direction) {
  await move(db, costItems, orgId, itemId, direction, () => itemPositions(db, orgId, jobId, itemId));
}
