import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts, costGroups, costItems, counters, jobs } from '../src/db/schema';
import { BASE, Browser, createAccount, createJob, db, location, signUp } from './helpers';
import { addGroup, addItem, itemFields } from './pages';

// Org A's data must be invisible and untouchable to org B: every id of A answers B with the
// 404 page, whether it is in the path or in a form field (422), and nothing of A changes.

type Ids = Awaited<ReturnType<typeof orgWithData>>;

async function orgWithData(company: string) {
  const { browser, orgId } = await signUp({ company });
  const customer = await createAccount(browser, 'customer', `${company} Secret Customer`);
  const vendor = await createAccount(browser, 'vendor', `${company} Secret Vendor`);
  const contact = (await db().query.contacts.findFirst({ where: eq(contacts.accountId, customer) }))!.id;
  const job = await createJob(browser, `${company} Secret Job`, customer);
  const group = await addGroup(browser, job, `${company} Secret Group`);
  const item = await addItem(browser, job, group, { name: `${company} Secret Item`, vendorAccountId: vendor });
  await addItem(browser, job, group, { name: `${company} Second Item` });
  const otherJob = await createJob(browser, `${company} Other Job`);
  return { browser, orgId, customer, vendor, contact, job, group, item, otherJob };
}

async function rowsOf(orgId: string) {
  return {
    jobs: await db().select().from(jobs).where(eq(jobs.orgId, orgId)).orderBy(jobs.id),
    groups: await db().select().from(costGroups).where(eq(costGroups.orgId, orgId)).orderBy(costGroups.id),
    items: await db().select().from(costItems).where(eq(costItems.orgId, orgId)).orderBy(costItems.id),
    accounts: await db().select().from(accounts).where(eq(accounts.orgId, orgId)).orderBy(accounts.id),
    contacts: await db().select().from(contacts).where(eq(contacts.orgId, orgId)).orderBy(contacts.id),
    counters: await db().select().from(counters).where(eq(counters.orgId, orgId)).orderBy(counters.name),
  };
}

interface Route {
  method: 'GET' | 'POST';
  path: (a: Ids, b: Ids) => string;
  form?: (a: Ids, b: Ids) => Record<string, string>;
}

const hacked = { name: 'Hacked', address: 'Nowhere', customerAccountId: '' };

/** Every dashboard route that takes an id of A. */
const routesOfA: [string, Route][] = [
  ['GET /jobs/:id', { method: 'GET', path: (a) => `/jobs/${a.job}` }],
  ['GET /jobs/:id/edit', { method: 'GET', path: (a) => `/jobs/${a.job}/edit` }],
  ['POST /jobs/:id', { method: 'POST', path: (a) => `/jobs/${a.job}`, form: () => hacked }],
  ['POST /jobs/:id/close', { method: 'POST', path: (a) => `/jobs/${a.job}/close` }],
  ['POST /jobs/:id/reopen', { method: 'POST', path: (a) => `/jobs/${a.job}/reopen` }],
  ['POST /jobs/:id/groups', { method: 'POST', path: (a) => `/jobs/${a.job}/groups`, form: () => ({ name: 'Hacked' }) }],
  ['GET /jobs/:id/groups/:gid/edit', { method: 'GET', path: (a) => `/jobs/${a.job}/groups/${a.group}/edit` }],
  [
    'POST /jobs/:id/groups/:gid',
    { method: 'POST', path: (a) => `/jobs/${a.job}/groups/${a.group}`, form: () => ({ name: 'Hacked' }) },
  ],
  [
    'POST /jobs/:id/groups/:gid/move',
    { method: 'POST', path: (a) => `/jobs/${a.job}/groups/${a.group}/move`, form: () => ({ direction: 'down' }) },
  ],
  ['GET /jobs/:id/items/new', { method: 'GET', path: (a) => `/jobs/${a.job}/items/new?group=${a.group}` }],
  [
    'POST /jobs/:id/items',
    { method: 'POST', path: (a) => `/jobs/${a.job}/items`, form: (a) => itemFields(a.group, { name: 'Hacked' }) },
  ],
  ['GET /jobs/:id/items/:iid/edit', { method: 'GET', path: (a) => `/jobs/${a.job}/items/${a.item}/edit` }],
  [
    'POST /jobs/:id/items/:iid',
    {
      method: 'POST',
      path: (a) => `/jobs/${a.job}/items/${a.item}`,
      form: (a) => itemFields(a.group, { name: 'Hacked' }),
    },
  ],
  [
    'POST /jobs/:id/items/:iid/move',
    { method: 'POST', path: (a) => `/jobs/${a.job}/items/${a.item}/move`, form: () => ({ direction: 'down' }) },
  ],
  ['POST /jobs/:id/items/:iid/delete', { method: 'POST', path: (a) => `/jobs/${a.job}/items/${a.item}/delete` }],
  ['POST /jobs/:id/groups/:gid/delete', { method: 'POST', path: (a) => `/jobs/${a.job}/groups/${a.group}/delete` }],
  ['GET /accounts/:id', { method: 'GET', path: (a) => `/accounts/${a.customer}` }],
  ['GET /accounts/:id?edit=:cid', { method: 'GET', path: (a) => `/accounts/${a.customer}?edit=${a.contact}` }],
  [
    'POST /accounts/:id',
    {
      method: 'POST',
      path: (a) => `/accounts/${a.customer}`,
      form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
    },
  ],
  [
    'POST /accounts/:id/contacts',
    {
      method: 'POST',
      path: (a) => `/accounts/${a.customer}/contacts`,
      form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
    },
  ],
  [
    'POST /accounts/:id/contacts/:cid',
    {
      method: 'POST',
      path: (a) => `/accounts/${a.customer}/contacts/${a.contact}`,
      form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
    },
  ],
];

/** A's child ids under a parent of B: the parent check alone must not let them through. */
const mixedRoutes: [string, Route][] = [
  ['GET B-job/groups/A-group/edit', { method: 'GET', path: (a, b) => `/jobs/${b.job}/groups/${a.group}/edit` }],
  [
    'POST B-job/groups/A-group',
    { method: 'POST', path: (a, b) => `/jobs/${b.job}/groups/${a.group}`, form: () => ({ name: 'Hacked' }) },
  ],
  [
    'POST B-job/groups/A-group/move',
    { method: 'POST', path: (a, b) => `/jobs/${b.job}/groups/${a.group}/move`, form: () => ({ direction: 'up' }) },
  ],
  ['POST B-job/groups/A-group/delete', { method: 'POST', path: (a, b) => `/jobs/${b.job}/groups/${a.group}/delete` }],
  ['GET B-job/items/A-item/edit', { method: 'GET', path: (a, b) => `/jobs/${b.job}/items/${a.item}/edit` }],
  [
    'POST B-job/items/A-item',
    {
      method: 'POST',
      path: (a, b) => `/jobs/${b.job}/items/${a.item}`,
      form: (_, b) => itemFields(b.group, { name: 'Hacked' }),
    },
  ],
  [
    'POST B-job/items/A-item/move',
    { method: 'POST', path: (a, b) => `/jobs/${b.job}/items/${a.item}/move`, form: () => ({ direction: 'up' }) },
  ],
  ['POST B-job/items/A-item/delete', { method: 'POST', path: (a, b) => `/jobs/${b.job}/items/${a.item}/delete` }],
  [
    'POST B-account/contacts/A-contact',
    {
      method: 'POST',
      path: (a, b) => `/accounts/${b.customer}/contacts/${a.contact}`,
      form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
    },
  ],
];

function send(browser: Browser, route: Route, a: Ids, b: Ids) {
  const path = route.path(a, b);
  return route.method === 'GET' ? browser.get(path) : browser.post(path, route.form?.(a, b) ?? {});
}

let a: Ids;
let b: Ids;
let before: Awaited<ReturnType<typeof rowsOf>>;

beforeAll(async () => {
  a = await orgWithData('Alpha');
  b = await orgWithData('Bravo');
  before = await rowsOf(a.orgId);
});

describe("another org's user", () => {
  it.each([...routesOfA, ...mixedRoutes])('gets the 404 page for %s', async (_, route) => {
    const res = await send(b.browser, route, a, b);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toContain('Page not found');
    expect(body).not.toContain('Alpha');
  });

  it('leaves every row of the first org as it was', async () => {
    expect(await rowsOf(a.orgId)).toEqual(before);
    expect(await db().$count(costGroups, eq(costGroups.name, 'Hacked'))).toBe(0);
    expect(await db().$count(costItems, eq(costItems.name, 'Hacked'))).toBe(0);
    expect(await db().$count(contacts, eq(contacts.name, 'Hacked'))).toBe(0);
  });

  it("cannot attach the first org's customer, vendor or group through form fields", async () => {
    const bBefore = await rowsOf(b.orgId);
    const newJob = await b.browser.post('/jobs', { name: 'Stolen customer', customerAccountId: a.customer });
    expect(newJob.status).toBe(422);
    const editJob = await b.browser.post(`/jobs/${b.job}`, { name: 'Bravo Secret Job', customerAccountId: a.customer });
    expect(editJob.status).toBe(422);
    const vendorItem = await b.browser.post(`/jobs/${b.job}/items`, itemFields(b.group, { vendorAccountId: a.vendor }));
    expect(vendorItem.status).toBe(422);
    const groupItem = await b.browser.post(`/jobs/${b.job}/items`, itemFields(a.group));
    expect(groupItem.status).toBe(422);
    const moveItem = await b.browser.post(
      `/jobs/${b.job}/items/${b.item}`,
      itemFields(a.group, { name: 'Bravo Secret Item' }),
    );
    expect(moveItem.status).toBe(422);
    expect(await rowsOf(b.orgId)).toEqual(bBefore);
    expect(await rowsOf(a.orgId)).toEqual(before);
  });

  it("does not see the first org's jobs, accounts or options in lists and forms", async () => {
    const pages = await Promise.all(
      [
        '/jobs',
        '/jobs?q=Secret',
        '/jobs?q=1',
        '/accounts',
        '/accounts?q=Secret',
        '/accounts?kind=vendor',
        '/jobs/new',
        `/jobs/${b.job}/items/new`,
        `/jobs/${b.job}`,
        '/',
      ].map(async (path) => {
        const res = await b.browser.get(path);
        expect(res.status, path).toBe(200);
        return res.text();
      }),
    );
    for (const body of pages) {
      expect(body).not.toContain('Alpha Secret');
      expect(body).not.toContain(a.job);
      expect(body).not.toContain(a.customer);
      expect(body).not.toContain(a.vendor);
    }
    expect(pages[1]).toContain('Bravo Secret Job');
    expect(pages[2]).toContain(b.job);
    expect(pages[4]).toContain('Bravo Secret Customer');
  });
});

describe('the owning org', () => {
  // The same table as the owner sees it, so a 404 above means "not yours", never "no such route".
  const expected = (route: Route) => (route.method === 'GET' ? 200 : 303);

  it.each(routesOfA)('reaches %s', async (name, route) => {
    // Deleting routes get their own data so the others still find theirs.
    const mine = name.endsWith('/delete') ? await orgWithData('Alpha') : a;
    const res = await send(mine.browser, route, mine, b);
    expect(res.status).toBe(expected(route));
  });

  it.each([
    ['/jobs/:other/groups/:gid/edit', (x: Ids) => `/jobs/${x.otherJob}/groups/${x.group}/edit`],
    ['/jobs/:other/items/:iid/edit', (x: Ids) => `/jobs/${x.otherJob}/items/${x.item}/edit`],
  ])('gets 404 for its own child id under the wrong job: %s', async (_, path) => {
    expect((await a.browser.get(path(a))).status).toBe(404);
  });

  it('gets 404 for its own contact under the wrong account', async () => {
    const res = await a.browser.post(`/accounts/${a.vendor}/contacts/${a.contact}`, {
      name: 'Moved',
      email: 'moved@example.test',
    });
    expect(res.status).toBe(404);
    expect((await db().query.contacts.findFirst({ where: eq(contacts.id, a.contact) }))!.name).not.toBe('Moved');
  });
});

describe('a signed-out browser', () => {
  const all = [...routesOfA, ...mixedRoutes];
  let snapshot: Awaited<ReturnType<typeof rowsOf>>;
  beforeAll(async () => {
    snapshot = await rowsOf(a.orgId);
  });

  it.each(all.filter(([, r]) => r.method === 'GET'))('is sent to sign in by GET %s', async (_, route) => {
    const res = await send(new Browser(), route, a, b);
    expect(res.status).toBe(303);
    const to = new URL(location(res), BASE);
    expect(to.pathname).toBe('/sign-in');
    expect(to.searchParams.get('next')).toBe(route.path(a, b));
  });

  it.each(all.filter(([, r]) => r.method === 'POST'))('is refused for POST %s', async (_, route) => {
    const withToken = await send(new Browser(), route, a, b);
    expect(withToken.status).toBe(401);
    const withoutToken = await new Browser().fetch(route.path(a, b), {
      method: 'POST',
      body: new URLSearchParams(route.form?.(a, b) ?? {}),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(withoutToken.status).toBe(403);
  });

  it('changes nothing', async () => {
    expect(await rowsOf(a.orgId)).toEqual(snapshot);
  });
});
