import { Hono } from 'hono';
import { emptyForm } from '../../views/components/form';
import { JobListPage } from '../../views/dashboard/jobs';
import { centsInput, quantityInput, rateInput } from '../../views/format';
import { html } from '../../views/html';
import { checksOwnSession, currentUser } from '../auth/session';
import { Refused } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { cleanText, readForm, type RawForm } from '../http/validate';
import * as budget from './actions';
import { checkGroup, checkItem, checkJob } from './budget';
import { groupFormPage, itemFormPage, jobFormPage, jobPageAfterMove, showJob } from './pages';
import { findGroup, findItem, findJob, listJobs } from './queries';
import { markupOf } from './totals';

// The contractor's jobs and budgets over HTTP: parse the form, call one action, render or redirect.

async function loadJob(c: AppContext) {
  const { org } = currentUser(c);
  const job = await findJob(c.get('db'), org.id, c.req.param('id') ?? '');
  if (!job) notFound();
  return { org, job };
}

/** The action's refusal of one field, as that field's error on the form it came from. */
async function onField<T>(
  work: () => Promise<T>,
  again: (errors: Record<string, string>) => Promise<Response>,
): Promise<T | Response> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Refused && err.field) return again({ [err.field]: err.message });
    throw err;
  }
}

const direction = (raw: RawForm) => (raw.direction === 'down' ? 'down' : 'up');

export const budgetRoutes = new Hono<AppEnv>()
  .get('/jobs', async (c) => {
    const { org } = currentUser(c);
    const q = cleanText(c.req.query('q') ?? '', false).slice(0, 100);
    const s = c.req.query('status');
    const status = s === 'open' || s === 'closed' ? s : null;
    const rows = await listJobs(c.get('db'), org.id, q, status);
    return render(c, html`<${JobListPage} ctx=${pageContext(c)} rows=${rows} q=${q} status=${status ?? ''} />`);
  })
  .get('/jobs/new', (c) => jobFormPage(c, emptyForm({ customerAccountId: c.req.query('customer') ?? '' })))
  .post('/jobs', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkJob(raw);
    const again = (errors: Record<string, string>) => jobFormPage(c, { values: raw, errors }, undefined, 422);
    if (!f.ok) return again(f.errors);
    const job = await onField(() => budget.createJob(c.get('db'), org.id, values), again);
    if (job instanceof Response) return job;
    return redirectWith(c, `/jobs/${job.id}`, `Job ${job.name} was created.`);
  })
  .get(
    '/jobs/:id',
    checksOwnSession((c) => showJob(c, c.req.param('id') ?? '')),
  )
  .get('/jobs/:id/edit', async (c) => {
    const { job } = await loadJob(c);
    return jobFormPage(
      c,
      emptyForm({ name: job.name, address: job.address, customerAccountId: job.customerAccountId ?? '' }),
      job,
    );
  })
  .post('/jobs/:id', async (c) => {
    const { org, job } = await loadJob(c);
    const raw = await readForm(c);
    const { f, values } = checkJob(raw);
    const again = (errors: Record<string, string>) => jobFormPage(c, { values: raw, errors }, job, 422);
    if (!f.ok) return again(f.errors);
    const done = await onField(() => budget.updateJob(c.get('db'), org.id, job.id, values), again);
    if (done instanceof Response) return done;
    return redirectWith(c, `/jobs/${job.id}`, 'Job saved.');
  })
  .post('/jobs/:id/close', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    await budget.setJobStatus(c.get('db'), org.id, jobId, 'closed');
    return redirectWith(c, `/jobs/${jobId}`, 'Job closed.');
  })
  .post('/jobs/:id/reopen', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    await budget.setJobStatus(c.get('db'), org.id, jobId, 'open');
    return redirectWith(c, `/jobs/${jobId}`, 'Job reopened.');
  })
  .post('/jobs/:id/groups', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    const raw = await readForm(c);
    const { f, values } = checkGroup(raw);
    if (!f.ok) return showJob(c, jobId, { values: raw, errors: f.errors }, 422);
    await budget.addCostGroup(c.get('db'), org.id, jobId, values);
    return redirectWith(c, `/jobs/${jobId}`, `Group ${values.name} added.`);
  })
  .get('/jobs/:id/groups/:groupId/edit', async (c) => {
    const { org, job } = await loadJob(c);
    const group = await findGroup(c.get('db'), org.id, job.id, c.req.param('groupId'));
    if (!group) notFound();
    return groupFormPage(c, job, group, emptyForm({ name: group.name }));
  })
  .post('/jobs/:id/groups/:groupId', async (c) => {
    const { org, job } = await loadJob(c);
    const group = await findGroup(c.get('db'), org.id, job.id, c.req.param('groupId'));
    if (!group) notFound();
    const raw = await readForm(c);
    const { f, values } = checkGroup(raw);
    if (!f.ok) return groupFormPage(c, job, group, { values: raw, errors: f.errors }, 422);
    await budget.renameCostGroup(c.get('db'), org.id, job.id, group.id, values);
    return redirectWith(c, `/jobs/${job.id}`, 'Group saved.');
  })
  .post('/jobs/:id/groups/:groupId/delete', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    const group = await budget.deleteCostGroup(c.get('db'), org.id, jobId, c.req.param('groupId'));
    return redirectWith(c, `/jobs/${jobId}`, `Group ${group.name} deleted.`);
  })
  .post('/jobs/:id/groups/:groupId/move', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    const groupId = c.req.param('groupId');
    await budget.moveCostGroup(c.get('db'), org.id, jobId, groupId, direction(await readForm(c)));
    return redirectWith(c, jobPageAfterMove(c, jobId, groupId));
  })
  .get('/jobs/:id/items/new', async (c) => {
    const { job } = await loadJob(c);
    const form = emptyForm({
      groupId: c.req.query('group') ?? '',
      costType: 'materials',
      quantity: '1',
      markup: '20',
      priceBy: 'markup',
    });
    return itemFormPage(c, job, form);
  })
  .post('/jobs/:id/items', async (c) => {
    const { org, job } = await loadJob(c);
    const raw = await readForm(c);
    const { f, values } = checkItem(raw);
    const again = (errors: Record<string, string>) => itemFormPage(c, job, { values: raw, errors }, undefined, 422);
    if (!f.ok) return again(f.errors);
    const added = await onField(() => budget.addCostItem(c.get('db'), org.id, job.id, values), again);
    if (added instanceof Response) return added;
    return redirectWith(c, `/jobs/${job.id}`, `${values.name} added to the budget.`);
  })
  .get('/jobs/:id/items/:itemId/edit', async (c) => {
    const { org, job } = await loadJob(c);
    const item = await findItem(c.get('db'), org.id, job.id, c.req.param('itemId'));
    if (!item) notFound();
    const markup = markupOf(item.unitCost, item.unitPrice);
    const form = emptyForm({
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
    });
    return itemFormPage(c, job, form, item.id);
  })
  .post('/jobs/:id/items/:itemId', async (c) => {
    const { org, job } = await loadJob(c);
    const itemId = c.req.param('itemId');
    const raw = await readForm(c);
    const { f, values } = checkItem(raw);
    const again = (errors: Record<string, string>) => itemFormPage(c, job, { values: raw, errors }, itemId, 422);
    if (!f.ok) {
      if (!(await findItem(c.get('db'), org.id, job.id, itemId))) notFound();
      return again(f.errors);
    }
    const saved = await onField(() => budget.updateCostItem(c.get('db'), org.id, job.id, itemId, values), again);
    if (saved instanceof Response) return saved;
    return redirectWith(c, `/jobs/${job.id}`, `${values.name} saved.`);
  })
  .post('/jobs/:id/items/:itemId/delete', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    const item = await budget.deleteCostItem(c.get('db'), org.id, jobId, c.req.param('itemId'));
    return redirectWith(c, `/jobs/${jobId}`, `${item.name} deleted.`);
  })
  .post('/jobs/:id/items/:itemId/move', async (c) => {
    const { org } = currentUser(c);
    const jobId = c.req.param('id');
    await budget.moveCostItem(c.get('db'), org.id, jobId, c.req.param('itemId'), direction(await readForm(c)));
    return redirectWith(c, jobPageAfterMove(c, jobId));
  });
