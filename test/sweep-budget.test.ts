import { beforeAll } from 'vitest';
import { companyWithBudget } from './fixtures';
import { addGroup, addItem, itemFields } from './pages';
import { type FieldKind, type Target, Visitor, watchWrites, sweepSuite } from './hostile';

// The hostile-input sweep over jobs, their budget and the activity feed (see test/hostile.ts).

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let v: Visitor;
let spare: { group: string; item: string };

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Sweep Budget Co' });
  v = Visitor.from(co.browser);
  const group = await addGroup(v, co.jobId, 'Spare group');
  const item = await addItem(v, co.jobId, co.groups.demolition, { name: 'Spare item' });
  spare = { group, item };
  await watchWrites();
}, 60_000);

const ITEM: Record<string, FieldKind> = {
  name: 'text',
  description: 'text',
  costCode: 'text',
  costType: 'choice',
  quantity: 'number',
  unit: 'text',
  unitCost: 'number',
  priceBy: 'choice',
  markup: 'number',
  unitPrice: 'number',
  taxable: 'flag',
  vendorAccountId: 'id',
  groupId: 'id',
};
const JOB: Record<string, FieldKind> = { name: 'text', address: 'text', customerAccountId: 'id' };
const as = () => v;
const job = () => `/jobs/${co.jobId}`;

const targets: Target[] = [
  { name: 'GET /jobs', method: 'GET', as, path: () => '/jobs', fields: { q: 'text', status: 'choice' } },
  { name: 'GET /jobs/new', method: 'GET', as, path: () => '/jobs/new', fields: { customer: 'id' } },
  {
    name: 'POST /jobs',
    method: 'POST',
    as,
    path: () => '/jobs',
    fields: JOB,
    valid: () => ({ name: 'Sweep job', address: '1 Main St', customerAccountId: co.customerId }),
  },
  { name: 'GET /jobs/:id', method: 'GET', as, path: job, pathWith: (id) => `/jobs/${id}` },
  { name: 'GET /jobs/:id/edit', method: 'GET', as, path: () => `${job()}/edit`, pathWith: (id) => `/jobs/${id}/edit` },
  {
    name: 'POST /jobs/:id',
    method: 'POST',
    as,
    path: job,
    pathWith: (id) => `/jobs/${id}`,
    fields: JOB,
    valid: () => ({ name: 'Kitchen remodel', address: '2 Oak Ave', customerAccountId: co.customerId }),
  },
  {
    name: 'POST /jobs/:id/close',
    method: 'POST',
    as,
    path: () => `${job()}/close`,
    pathWith: (id) => `/jobs/${id}/close`,
    runs: 5,
  },
  {
    name: 'POST /jobs/:id/reopen',
    method: 'POST',
    as,
    path: () => `${job()}/reopen`,
    pathWith: (id) => `/jobs/${id}/reopen`,
    runs: 5,
  },
  {
    name: 'POST /jobs/:id/groups',
    method: 'POST',
    as,
    path: () => `${job()}/groups`,
    pathWith: (id) => `/jobs/${id}/groups`,
    fields: { name: 'text' },
    valid: () => ({ name: 'Sweep group' }),
  },
  {
    name: 'GET /jobs/:id/groups/:groupId/edit',
    method: 'GET',
    as,
    path: () => `${job()}/groups/${co.groups.electrical}/edit`,
    pathWith: (id) => `${job()}/groups/${id}/edit`,
  },
  {
    name: 'POST /jobs/:id/groups/:groupId',
    method: 'POST',
    as,
    path: () => `${job()}/groups/${co.groups.electrical}`,
    pathWith: (id) => `${job()}/groups/${id}`,
    fields: { name: 'text' },
    valid: () => ({ name: 'Electrical' }),
  },
  {
    name: 'POST /jobs/:id/groups/:groupId/move',
    method: 'POST',
    as,
    path: () => `${job()}/groups/${co.groups.electrical}/move`,
    pathWith: (id) => `${job()}/groups/${id}/move`,
    fields: { direction: 'choice' },
    valid: () => ({ direction: 'up' }),
  },
  {
    name: 'GET /jobs/:id/items/new',
    method: 'GET',
    as,
    path: () => `${job()}/items/new`,
    pathWith: (id) => `/jobs/${id}/items/new`,
    fields: { group: 'id' },
  },
  {
    name: 'POST /jobs/:id/items',
    method: 'POST',
    as,
    path: () => `${job()}/items`,
    pathWith: (id) => `/jobs/${id}/items`,
    fields: ITEM,
    valid: () => itemFields(co.groups.electrical, { name: 'Sweep item', vendorAccountId: co.vendorId }),
  },
  {
    name: 'GET /jobs/:id/items/:itemId/edit',
    method: 'GET',
    as,
    path: () => `${job()}/items/${co.items[0].id}/edit`,
    pathWith: (id) => `${job()}/items/${id}/edit`,
  },
  {
    name: 'POST /jobs/:id/items/:itemId',
    method: 'POST',
    as,
    path: () => `${job()}/items/${co.items[0].id}`,
    pathWith: (id) => `${job()}/items/${id}`,
    fields: ITEM,
    valid: () => itemFields(co.items[0].groupId, { name: 'Remove cabinets' }),
  },
  {
    name: 'POST /jobs/:id/items/:itemId/move',
    method: 'POST',
    as,
    path: () => `${job()}/items/${co.items[0].id}/move`,
    pathWith: (id) => `${job()}/items/${id}/move`,
    fields: { direction: 'choice' },
    valid: () => ({ direction: 'down' }),
  },
  {
    name: 'POST /jobs/:id/items/:itemId/delete',
    method: 'POST',
    as,
    path: () => `${job()}/items/${spare.item}/delete`,
    pathWith: (id) => `${job()}/items/${id}/delete`,
    runs: 5,
    once: true,
  },
  {
    name: 'POST /jobs/:id/groups/:groupId/delete',
    method: 'POST',
    as,
    path: () => `${job()}/groups/${spare.group}/delete`,
    pathWith: (id) => `${job()}/groups/${id}/delete`,
    runs: 5,
    once: true,
  },
  { name: 'GET /jobs/:id/bids', method: 'GET', as, path: () => `${job()}/bids`, pathWith: (id) => `/jobs/${id}/bids` },
  {
    name: 'GET /activity',
    method: 'GET',
    as,
    path: () => '/activity',
    fields: { job: 'id', action: 'choice', side: 'choice', before: 'token' },
  },
];

sweepSuite('jobs and budget', 'jobs and budget', targets, 120_000);
