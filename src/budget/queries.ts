import { and, asc, desc, eq, or, sql, type SQL } from 'drizzle-orm';
import { type batchPrepared, distinct, prepareEach, type Db, type Param } from '../db/client';
import { sessionOrgId } from '../auth/queries';
import { containsText } from '../accounts/queries';
import { accounts, costGroups, costItems, jobs, orgs } from '../db/schema';
import { assembleDocumentList, documentListStatements } from '../documents/queries';
import { feedStatement } from '../conversation/feed-queries';
import { lineTotalSql } from './totals-sql';

export async function listJobs(db: Db, orgId: string, q: string, status: 'open' | 'closed' | null) {
  const conditions = [eq(jobs.orgId, orgId)];
  if (status) conditions.push(eq(jobs.status, status));
  if (q) {
    const asNumber = /^\d{1,9}$/.test(q.replace(/^#/, '')) ? Number(q.replace(/^#/, '')) : -1;
    conditions.push(or(containsText(jobs.name, q), eq(jobs.number, asNumber))!);
  }
  return db
    .select({
      id: jobs.id,
      number: jobs.number,
      name: jobs.name,
      address: jobs.address,
      status: jobs.status,
      updatedAt: jobs.updatedAt,
      customer: accounts.name,
    })
    .from(jobs)
    .leftJoin(accounts, and(eq(accounts.id, jobs.customerAccountId), eq(accounts.orgId, orgId)))
    .where(and(...conditions))
    .orderBy(desc(jobs.number))
    .limit(500);
}

export async function findJob(db: Db, orgId: string, jobId: string) {
  return db.query.jobs.findFirst({ where: and(eq(jobs.orgId, orgId), eq(jobs.id, jobId)) });
}

/**
 * A budget of more items than this shows its groups with their totals, items folded; an open group shows
 * this many of its items at a time. The ×1 benchmark's 200-item job keeps its whole table.
 */
export const BUDGET_PAGE = 250;

/**
 * Everything the job page shows (budget, documents, recent activity), scoped by the contractor's session in
 * SQL (auth/queries.ts sessionOrgId): one batch with the session check (auth/session.ts requireUserWith),
 * placeholders `jobId`, and `groupId`, `afterPosition`, `afterId` for the open group's page of items.
 */
export const sessionJobPageQueries = (db: Db) => {
  const orgId = sessionOrgId();
  const jobId = sql.placeholder('jobId');
  return prepareEach([
    jobStampStatement(db, orgId, jobId),
    jobStatement(db, orgId, jobId),
    groupSumsStatement(db, orgId, jobId),
    smallBudgetItemsStatement(db, orgId, jobId),
    openGroupItemsStatement(db, orgId, jobId),
    ...documentListStatements(db, orgId, { jobId }),
    feedStatement(db, orgId, { jobId }, 15),
  ]);
};

/** A held job page's check (http/page-cache.ts): its stamp, in one batch with the session (requireUserWith). */
export const sessionJobStampQueries = (db: Db) =>
  prepareEach([jobStampStatement(db, sessionOrgId(), sql.placeholder('jobId'))]);

type JobPageRows = Awaited<ReturnType<typeof batchPrepared<ReturnType<typeof sessionJobPageQueries>>>>;

/** The job page from its batch's rows, or null when the session's org has no such job. */
export function assembleJobPage([stamp, job, groups, items, openItems, rows, sums, lines, paid, feed]: JobPageRows) {
  if (!job[0] || !stamp[0]) return null;
  const customer = job[0].customer?.id ? job[0].customer : null;
  const documents = assembleDocumentList(rows, sums, lines, paid);
  const page = { job: job[0].job, customer, groups, items, openItems, documents, feed: feed.slice(0, 15) };
  return { ...page, stamp: stamp[0].stamp };
}

/**
 * The job page's stamp: its job's and org's `page_rev` (migration 0017) and its row of `job_page_stamps`,
 * which triggers bump on every write to its budget, its documents and their lines, its activity and the
 * accounts it names (migration 0018). Read through the job's org: another org's job has none.
 */
function jobStampStatement(db: Db, orgId: Param | SQL, jobId: Param) {
  const rev = sql`coalesce((SELECT s.rev FROM job_page_stamps s WHERE s.job_id = ${jobs.id}), 0)`;
  return db
    .select({ stamp: sql<string>`${jobs.pageRev} || '.' || ${orgs.pageRev} || '.' || ${rev}` })
    .from(jobs)
    .innerJoin(orgs, eq(orgs.id, jobs.orgId))
    .where(and(eq(jobs.orgId, orgId), eq(jobs.id, jobId)));
}

/** The job and its budget, in one batch. */
export async function getJobWithBudget(db: Db, orgId: string, jobId: string) {
  const [job, groups, items, vendors] = await db.batch(budgetStatements(db, orgId, jobId));
  return assembleBudget(job, groups, items, vendors);
}

// What the budget's readers use of an item; every column read is mapped 200 times on a big budget.
const budgetItemColumns = {
  id: costItems.id,
  groupId: costItems.groupId,
  position: costItems.position,
  name: costItems.name,
  description: costItems.description,
  costCode: costItems.costCode,
  costType: costItems.costType,
  quantity: costItems.quantity,
  unit: costItems.unit,
  unitCost: costItems.unitCost,
  unitPrice: costItems.unitPrice,
  taxable: costItems.taxable,
  vendorAccountId: costItems.vendorAccountId,
};

function jobStatement(db: Db, orgId: Param | SQL, jobId: Param) {
  return db
    .select(distinct({ job: jobs, customer: { id: accounts.id, name: accounts.name } }))
    .from(jobs)
    .leftJoin(accounts, and(eq(accounts.id, jobs.customerAccountId), eq(accounts.orgId, orgId)))
    .where(and(eq(jobs.orgId, orgId), eq(jobs.id, jobId)));
}

function itemsSelect(db: Db, orgId: Param | SQL) {
  return (
    db
      // Plain columns (their names are unique here; only the vendor's name needs an alias): drizzle
      // maps an aliased field several times slower, which on a 200-item budget was ~10 ms a page.
      .select({ ...budgetItemColumns, vendorName: sql<string | null>`${accounts.name}`.as('vendor_name') })
      .from(costItems)
      .leftJoin(accounts, and(eq(accounts.id, costItems.vendorAccountId), eq(accounts.orgId, orgId)))
  );
}

function budgetStatements(db: Db, orgId: Param | SQL, jobId: Param) {
  return [
    jobStatement(db, orgId, jobId),
    db
      .select()
      .from(costGroups)
      .where(and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId)))
      .orderBy(asc(costGroups.position)),
    itemsSelect(db, orgId)
      .where(and(eq(costItems.orgId, orgId), eq(costItems.jobId, jobId)))
      .orderBy(asc(costItems.position)),
    db
      .select({ id: accounts.id, name: accounts.name })
      .from(accounts)
      .where(and(eq(accounts.orgId, orgId), eq(accounts.kind, 'vendor')))
      .orderBy(asc(sql`lower(${accounts.name})`)),
  ] as const;
}

/** The job's groups in order, each with its item count and its cost and price totals summed in SQL. */
function groupSumsStatement(db: Db, orgId: Param | SQL, jobId: Param) {
  return db
    .select({
      id: costGroups.id,
      name: costGroups.name,
      itemCount: sql<number>`count(${costItems.id})`.mapWith(Number).as('item_count'),
      cost: sql<number>`coalesce(sum(${lineTotalSql(costItems.quantity, costItems.unitCost)}), 0)`
        .mapWith(Number)
        .as('cost_total'),
      price: sql<number>`coalesce(sum(${lineTotalSql(costItems.quantity, costItems.unitPrice)}), 0)`
        .mapWith(Number)
        .as('price_total'),
    })
    .from(costGroups)
    .leftJoin(
      costItems,
      and(
        eq(costItems.orgId, costGroups.orgId),
        eq(costItems.jobId, costGroups.jobId),
        eq(costItems.groupId, costGroups.id),
      ),
    )
    .where(and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId)))
    .groupBy(costGroups.id)
    .orderBy(asc(costGroups.position));
}

/**
 * Every item of a job of at most BUDGET_PAGE items, none of a bigger one. Its size is known by counting at
 * most BUDGET_PAGE + 1 of its index entries, so a big job costs the same few hundred entries however big.
 */
function smallBudgetItemsStatement(db: Db, orgId: Param | SQL, jobId: Param) {
  const limit = sql.raw(String(BUDGET_PAGE + 1));
  const small = sql`(SELECT count(*) FROM (SELECT 1 FROM cost_items n WHERE n.org_id = ${orgId}
    AND n.job_id = ${jobId} LIMIT ${limit})) <= ${sql.raw(String(BUDGET_PAGE))}`;
  return itemsSelect(db, orgId)
    .where(and(eq(costItems.orgId, orgId), eq(costItems.jobId, jobId), small))
    .orderBy(asc(costItems.position));
}

/**
 * One page of the open group's items (a big budget's `?group=`): after the cursor (position, id), one more
 * than a page so the page knows there is a next. An empty `groupId` reads nothing.
 */
function openGroupItemsStatement(db: Db, orgId: Param | SQL, jobId: Param) {
  const after = sql`(${costItems.position}, ${costItems.id}) > (${sql.placeholder('afterPosition')}, ${sql.placeholder('afterId')})`;
  return itemsSelect(db, orgId)
    .where(
      and(
        eq(costItems.orgId, orgId),
        eq(costItems.jobId, jobId),
        eq(costItems.groupId, sql.placeholder('groupId')),
        after,
      ),
    )
    .orderBy(asc(costItems.position), asc(costItems.id))
    .limit(BUDGET_PAGE + 1);
}

type Rows<T> = T extends { then(onfulfilled?: (value: infer R) => unknown): unknown } ? R : never;
type BudgetStatements = ReturnType<typeof budgetStatements>;

function assembleBudget(
  job: Rows<BudgetStatements[0]>,
  groups: Rows<BudgetStatements[1]>,
  items: Rows<BudgetStatements[2]>,
  vendors: Rows<BudgetStatements[3]>,
) {
  if (!job[0]) return null;
  return { job: job[0].job, customer: job[0].customer?.id ? job[0].customer : null, groups, items, vendors };
}

export async function findGroup(db: Db, orgId: string, jobId: string, groupId: string) {
  return db.query.costGroups.findFirst({
    where: and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId), eq(costGroups.id, groupId)),
  });
}

export async function findItem(db: Db, orgId: string, jobId: string, itemId: string) {
  return db.query.costItems.findFirst({
    where: and(eq(costItems.orgId, orgId), eq(costItems.jobId, jobId), eq(costItems.id, itemId)),
  });
}

/** The job's groups in order, with their positions (for a move). */
export async function groupPositions(db: Db, orgId: string, jobId: string) {
  return db
    .select({ id: costGroups.id, position: costGroups.position })
    .from(costGroups)
    .where(and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId)));
}

/** The items of the group an item is in now, with their positions (for a move); none when the item is gone. */
export async function itemPositions(db: Db, orgId: string, jobId: string, itemId: string) {
  const groupOfItem = sql`(SELECT i.group_id FROM cost_items i WHERE i.org_id = ${orgId} AND i.job_id = ${jobId} AND i.id = ${itemId})`;
  return db
    .select({ id: costItems.id, position: costItems.position })
    .from(costItems)
    .where(and(eq(costItems.orgId, orgId), eq(costItems.jobId, jobId), eq(costItems.groupId, groupOfItem)));
}

/** What the item form offers: the job's groups and the org's vendors, in one batch. */
export async function itemFormOptions(db: Db, orgId: string, jobId: string) {
  const [groups, vendors] = await db.batch([
    db
      .select({ id: costGroups.id, name: costGroups.name })
      .from(costGroups)
      .where(and(eq(costGroups.orgId, orgId), eq(costGroups.jobId, jobId)))
      .orderBy(costGroups.position),
    db
      .select({ id: accounts.id, name: accounts.name })
      .from(accounts)
      .where(and(eq(accounts.orgId, orgId), eq(accounts.kind, 'vendor')))
      .orderBy(accounts.name),
  ]);
  return { groups, vendors };
}

/** How many items a group holds (its edit page warns before a delete). */
export async function groupItemCount(db: Db, orgId: string, groupId: string) {
  return db.$count(costItems, and(eq(costItems.orgId, orgId), eq(costItems.groupId, groupId)));
}
