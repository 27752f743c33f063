import { createId } from '../db/ids';
import { and, eq, sql } from 'drizzle-orm';
import { Hono } from 'hono';
import { html } from '../../views/html';
import { emptyForm, type FormState } from '../../views/components/form';
import { GroupFormPage, ItemFormPage, JobPage } from '../../views/dashboard/budget';
import { JobFormPage, JobListPage } from '../../views/dashboard/jobs';
import { centsInput, quantityInput, rateInput } from '../../views/format';
import { accountOptions, findAccount } from '../accounts/queries';
import { currentUser } from '../auth/session';
import { nextNumber } from '../db/counters';
import { costGroups, costItems, jobs } from '../db/schema';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { cleanText, readForm } from '../http/validate';
import { checkGroup, checkItem, checkJob, moveUpdates } from './budget';
import { findGroup, findItem, findJob, getJobPage, listJobs } from './queries';
import { FeedList } from '../../views/dashboard/activity';
import { feedItems } from '../conversation/feed-routes';
import { budgetTotals, lineTotal, markupOf } from './totals';
import { listRow } from '../documents/routes';
import { JobDocumentsSection } from '../../views/dashboard/documents';

const KIND_GROUPS = [
  { type: 'customer_order', label: 'Estimates, proposals and change orders' },
  { type: 'customer_invoice', label: 'Invoices' },
  { type: 'bid_request', label: 'Bid requests' },
  { type: 'vendor_order', label: 'Purchase and work orders' },
  { type: 'bill', label: 'Bills' },
];

type Status = 200 | 422;

export async function showJob(c: AppContext, jobId: string, groupForm: FormState = emptyForm(), status: Status = 200) {
  const { org } = currentUser(c);
  const data = await getJobPage(c.get('db'), org.id, jobId);
  if (!data) notFound();
  const docs = data.documents;
  const totals = budgetTotals(data.items);
  const groups = data.groups.map((g) => ({
    id: g.id,
    name: g.name,
    totals: totals.groups.get(g.id) ?? { cost: 0, price: 0, margin: 0, marginRate: null },
    items: data.items
      .filter((i) => i.groupId === g.id)
      .map((i) => ({ ...i, markup: markupOf(i.unitCost, i.unitPrice), costTotal: lineTotal(i.quantity, i.unitCost), priceTotal: lineTotal(i.quantity, i.unitPrice) })),
  }));
  const ctx = pageContext(c);
  const rows = docs.map(listRow);
  const docGroups = KIND_GROUPS.map((g) => ({ label: g.label, rows: rows.filter((r) => r.type === g.type) })).filter((g) => g.rows.length);
  const documents = html`<${JobDocumentsSection} ctx=${ctx} jobId=${jobId} groups=${docGroups} />
    <section class="card stack" aria-labelledby="job-activity-h">
      <div class="section-head"><h2 id="job-activity-h">Recent activity</h2><a class="btn small" href=${`/activity?job=${jobId}`}>All activity</a></div>
      <${FeedList} items=${feedItems(data.feed, org.currency)} timeZone=${org.timeZone} empty="Nothing has happened on this job yet." />
    </section>`;
  return render(c, html`<${JobPage} ctx=${ctx} job=${data.job} customer=${data.customer} groups=${groups} totals=${totals.job} groupForm=${groupForm} documents=${documents} />`, status);
}

async function loadJob(c: AppContext) {
  const { org } = currentUser(c);
  const job = await findJob(c.get('db'), org.id, c.req.param('id') ?? '');
  if (!job) notFound();
  return { org, job };
}

async function customerIsValid(c: AppContext, orgId: string, accountId: string | null) {
  if (!accountId) return true;
  const account = await findAccount(c.get('db'), orgId, accountId);
  return account?.kind === 'customer';
}

async function itemFormPage(c: AppContext, job: { id: string; number: number; name: string }, form: FormState, itemId?: string, status: Status = 200) {
  const { org } = currentUser(c);
  const db = c.get('db');
  const [groups, vendors] = await db.batch([
    db.select({ id: costGroups.id, name: costGroups.name }).from(costGroups).where(and(eq(costGroups.orgId, org.id), eq(costGroups.jobId, job.id))).orderBy(costGroups.position),
    db.query.accounts.findMany({ columns: { id: true, name: true }, where: (a, { and, eq }) => and(eq(a.orgId, org.id), eq(a.kind, 'vendor')), orderBy: (a) => a.name }),
  ]);
  return render(c, html`<${ItemFormPage} ctx=${pageContext(c)} job=${job} form=${form} groups=${groups} vendors=${vendors} itemId=${itemId} />`, status);
}

async function itemRefsAreValid(c: AppContext, orgId: string, jobId: string, values: { groupId: string; vendorAccountId: string | null }, errors: Record<string, string>) {
  const db = c.get('db');
  if (values.groupId && !(await findGroup(db, orgId, jobId, values.groupId))) errors.groupId = 'Choose a group from the list.';
  if (values.vendorAccountId) {
    const vendor = await findAccount(db, orgId, values.vendorAccountId);
    if (vendor?.kind !== 'vendor') errors.vendorAccountId = 'Choose a vendor from the list.';
  }
}

export const budgetRoutes = new Hono<AppEnv>()
  .get('/jobs', async (c) => {
    const { org } = currentUser(c);
    const q = cleanText(c.req.query('q') ?? '', false).slice(0, 100);
    const s = c.req.query('status');
    const status = s === 'open' || s === 'closed' ? s : null;
    const rows = await listJobs(c.get('db'), org.id, q, status);
    return render(c, html`<${JobListPage} ctx=${pageContext(c)} rows=${rows} q=${q} status=${status ?? ''} />`);
  })
  .get('/jobs/new', async (c) => {
    const { org } = currentUser(c);
    const customers = await accountOptions(c.get('db'), org.id, 'customer');
    return render(c, html`<${JobFormPage} ctx=${pageContext(c)} form=${emptyForm({ customerAccountId: c.req.query('customer') ?? '' })} customers=${customers} />`);
  })
  .post('/jobs', async (c) => {
    const { org } = currentUser(c);
    const db = c.get('db');
    const raw = await readForm(c);
    const { f, values } = checkJob(raw);
    if (f.ok && !(await customerIsValid(c, org.id, values.customerAccountId))) f.fail('customerAccountId', 'Choose a customer from the list.');
    if (!f.ok) {
      const customers = await accountOptions(db, org.id, 'customer');
      return render(c, html`<${JobFormPage} ctx=${pageContext(c)} form=${{ values: raw, errors: f.errors }} customers=${customers} />`, 422);
    }
    const id = createId();
    const now = Date.now();
    const number = await nextNumber(db, org.id, 'job');
    await db.insert(jobs).values({ id, orgId: org.id, number, ...values, createdAt: now, updatedAt: now });
    return redirectWith(c, `/jobs/${id}`, `Job ${values.name} was created.`);
  })
  .get('/jobs/:id', (c) => showJob(c, c.req.param('id')))
  .get('/jobs/:id/edit', async (c) => {
    const { org, job } = await loadJob(c);
    const customers = await accountOptions(c.get('db'), org.id, 'customer');
    return render(c, html`<${JobFormPage} ctx=${pageContext(c)} form=${emptyForm({ name: job.name, address: job.address, customerAccountId: job.customerAccountId ?? '' })} customers=${customers} job=${job} />`);
  })
  .post('/jobs/:id', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const raw = await readForm(c);
    const { f, values } = checkJob(raw);
    if (f.ok && !(await customerIsValid(c, org.id, values.customerAccountId))) f.fail('customerAccountId', 'Choose a customer from the list.');
    if (!f.ok) {
      const customers = await accountOptions(db, org.id, 'customer');
      return render(c, html`<${JobFormPage} ctx=${pageContext(c)} form=${{ values: raw, errors: f.errors }} customers=${customers} job=${job} />`, 422);
    }
    await db.update(jobs).set({ ...values, updatedAt: Date.now() }).where(and(eq(jobs.orgId, org.id), eq(jobs.id, job.id)));
    return redirectWith(c, `/jobs/${job.id}`, 'Job saved.');
  })
  .post('/jobs/:id/close', async (c) => {
    const { org, job } = await loadJob(c);
    const now = Date.now();
    await c.get('db').update(jobs).set({ status: 'closed', closedAt: now, updatedAt: now }).where(and(eq(jobs.orgId, org.id), eq(jobs.id, job.id)));
    return redirectWith(c, `/jobs/${job.id}`, 'Job closed.');
  })
  .post('/jobs/:id/reopen', async (c) => {
    const { org, job } = await loadJob(c);
    await c.get('db').update(jobs).set({ status: 'open', closedAt: null, updatedAt: Date.now() }).where(and(eq(jobs.orgId, org.id), eq(jobs.id, job.id)));
    return redirectWith(c, `/jobs/${job.id}`, 'Job reopened.');
  })
  .post('/jobs/:id/groups', async (c) => {
    const { org, job } = await loadJob(c);
    const raw = await readForm(c);
    const { f, values } = checkGroup(raw);
    if (!f.ok) return showJob(c, job.id, { values: raw, errors: f.errors }, 422);
    const db = c.get('db');
    const now = Date.now();
    await db.insert(costGroups).values({
      id: createId(),
      orgId: org.id,
      jobId: job.id,
      name: values.name,
      position: sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_groups WHERE org_id = ${org.id} AND job_id = ${job.id})`,
      createdAt: now,
    });
    return redirectWith(c, `/jobs/${job.id}`, `Group ${values.name} added.`);
  })
  .get('/jobs/:id/groups/:groupId/edit', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const group = await findGroup(db, org.id, job.id, c.req.param('groupId'));
    if (!group) notFound();
    const count = await db.$count(costItems, and(eq(costItems.orgId, org.id), eq(costItems.groupId, group.id)));
    return render(c, html`<${GroupFormPage} ctx=${pageContext(c)} job=${job} group=${group} form=${emptyForm({ name: group.name })} itemCount=${count} />`);
  })
  .post('/jobs/:id/groups/:groupId', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const group = await findGroup(db, org.id, job.id, c.req.param('groupId'));
    if (!group) notFound();
    const raw = await readForm(c);
    const { f, values } = checkGroup(raw);
    if (!f.ok) {
      const count = await db.$count(costItems, and(eq(costItems.orgId, org.id), eq(costItems.groupId, group.id)));
      return render(c, html`<${GroupFormPage} ctx=${pageContext(c)} job=${job} group=${group} form=${{ values: raw, errors: f.errors }} itemCount=${count} />`, 422);
    }
    await db.update(costGroups).set({ name: values.name }).where(and(eq(costGroups.orgId, org.id), eq(costGroups.id, group.id)));
    return redirectWith(c, `/jobs/${job.id}`, 'Group saved.');
  })
  .post('/jobs/:id/groups/:groupId/delete', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const group = await findGroup(db, org.id, job.id, c.req.param('groupId'));
    if (!group) notFound();
    await db.batch([
      db.delete(costItems).where(and(eq(costItems.orgId, org.id), eq(costItems.groupId, group.id))),
      db.delete(costGroups).where(and(eq(costGroups.orgId, org.id), eq(costGroups.id, group.id))),
    ]);
    return redirectWith(c, `/jobs/${job.id}`, `Group ${group.name} deleted.`);
  })
  .post('/jobs/:id/groups/:groupId/move', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const raw = await readForm(c);
    const direction = raw.direction === 'down' ? 'down' : 'up';
    const siblings = await db.select({ id: costGroups.id, position: costGroups.position }).from(costGroups).where(and(eq(costGroups.orgId, org.id), eq(costGroups.jobId, job.id)));
    if (!siblings.some((s) => s.id === c.req.param('groupId'))) notFound();
    const updates = moveUpdates(siblings, c.req.param('groupId'), direction);
    const [first, ...rest] = updates.map((u) => db.update(costGroups).set({ position: u.position }).where(and(eq(costGroups.orgId, org.id), eq(costGroups.id, u.id))));
    if (first) await db.batch([first, ...rest]);
    return redirectWith(c, `/jobs/${job.id}`);
  })
  .get('/jobs/:id/items/new', async (c) => {
    const { job } = await loadJob(c);
    return itemFormPage(c, job, emptyForm({ groupId: c.req.query('group') ?? '', costType: 'materials', quantity: '1', markup: '20', priceBy: 'markup' }));
  })
  .post('/jobs/:id/items', async (c) => {
    const { org, job } = await loadJob(c);
    const raw = await readForm(c);
    const { f, values } = checkItem(raw);
    if (f.ok) await itemRefsAreValid(c, org.id, job.id, values, f.errors);
    if (!f.ok) return itemFormPage(c, job, { values: raw, errors: f.errors }, undefined, 422);
    const now = Date.now();
    await c.get('db').insert(costItems).values({
      id: createId(),
      orgId: org.id,
      jobId: job.id,
      ...values,
      position: sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_items WHERE org_id = ${org.id} AND group_id = ${values.groupId})`,
      createdAt: now,
      updatedAt: now,
    });
    return redirectWith(c, `/jobs/${job.id}`, `${values.name} added to the budget.`);
  })
  .get('/jobs/:id/items/:itemId/edit', async (c) => {
    const { org, job } = await loadJob(c);
    const item = await findItem(c.get('db'), org.id, job.id, c.req.param('itemId'));
    if (!item) notFound();
    const markup = markupOf(item.unitCost, item.unitPrice);
    return itemFormPage(
      c,
      job,
      emptyForm({
        name: item.name,
        description: item.description,
        costCode: item.costCode,
        costType: item.costType,
        quantity: quantityInput(item.quantity),
        unit: item.unit,
        unitCost: centsInput(item.unitCost),
        unitPrice: centsInput(item.unitPrice),
        markup: markup === null ? '' : rateInput(markup),
        priceBy: 'price',
        taxable: item.taxable ? 'on' : '',
        vendorAccountId: item.vendorAccountId ?? '',
        groupId: item.groupId,
      }),
      item.id,
    );
  })
  .post('/jobs/:id/items/:itemId', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const item = await findItem(db, org.id, job.id, c.req.param('itemId'));
    if (!item) notFound();
    const raw = await readForm(c);
    const { f, values } = checkItem(raw);
    if (f.ok) await itemRefsAreValid(c, org.id, job.id, values, f.errors);
    if (!f.ok) return itemFormPage(c, job, { values: raw, errors: f.errors }, item.id, 422);
    const moved = values.groupId !== item.groupId;
    await db
      .update(costItems)
      .set({
        ...values,
        ...(moved ? { position: sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_items WHERE org_id = ${org.id} AND group_id = ${values.groupId})` } : {}),
        updatedAt: Date.now(),
      })
      .where(and(eq(costItems.orgId, org.id), eq(costItems.id, item.id)));
    return redirectWith(c, `/jobs/${job.id}`, `${values.name} saved.`);
  })
  .post('/jobs/:id/items/:itemId/delete', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const item = await findItem(db, org.id, job.id, c.req.param('itemId'));
    if (!item) notFound();
    await db.delete(costItems).where(and(eq(costItems.orgId, org.id), eq(costItems.id, item.id)));
    return redirectWith(c, `/jobs/${job.id}`, `${item.name} deleted.`);
  })
  .post('/jobs/:id/items/:itemId/move', async (c) => {
    const { org, job } = await loadJob(c);
    const db = c.get('db');
    const item = await findItem(db, org.id, job.id, c.req.param('itemId'));
    if (!item) notFound();
    const raw = await readForm(c);
    const siblings = await db.select({ id: costItems.id, position: costItems.position }).from(costItems).where(and(eq(costItems.orgId, org.id), eq(costItems.groupId, item.groupId)));
    const updates = moveUpdates(siblings, item.id, raw.direction === 'down' ? 'down' : 'up');
    const [first, ...rest] = updates.map((u) => db.update(costItems).set({ position: u.position }).where(and(eq(costItems.orgId, org.id), eq(costItems.id, u.id))));
    if (first) await db.batch([first, ...rest]);
    return redirectWith(c, `/jobs/${job.id}`);
  });
