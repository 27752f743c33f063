import { and, asc, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { costGroups, costItems, counters, jobs } from '../src/db/schema';
import { type Browser, createAccount, createJob, db, location, signUp } from './helpers';
import { addGroup, addItem, fieldError, inputValue, itemFields, selectedOption } from './pages';

const jobRow = (id: string) => db().query.jobs.findFirst({ where: eq(jobs.id, id) });
const itemRow = (id: string) => db().query.costItems.findFirst({ where: eq(costItems.id, id) });
const groupsOf = (jobId: string) =>
  db().select().from(costGroups).where(eq(costGroups.jobId, jobId)).orderBy(asc(costGroups.position));
const itemsOf = (groupId: string) =>
  db().select().from(costItems).where(eq(costItems.groupId, groupId)).orderBy(asc(costItems.position));

/** Text of each cell of the first table row that mentions `text`. */
function rowCells(body: string, text: string): string[] {
  // Rows only: what comes before the first <tr> (a banner naming the item, say) is not one.
  const row = body
    .split(/<tr[\s>]/)
    .slice(1)
    .find((r) => r.includes(text));
  if (!row) throw new Error(`no row mentions ${text}`);
  return [...row.split('</tr>')[0].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) =>
    m[1].replace(/<[^>]+>/g, '').trim(),
  );
}

/** Ids of the jobs linked from a job list, in order. */
const listedJobs = (body: string) => [...body.matchAll(/<td><a href="\/jobs\/([a-z0-9]+)">/g)].map((m) => m[1]);

async function jobPage(browser: Browser, jobId: string) {
  const res = await browser.get(`/jobs/${jobId}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('jobs', () => {
  it('numbers jobs per org: 1, 2, 3 in one org, and from 1 again in another', async () => {
    const a = await signUp();
    const ids = [
      await createJob(a.browser, 'First'),
      await createJob(a.browser, 'Second'),
      await createJob(a.browser, 'Third'),
    ];
    expect(await Promise.all(ids.map(async (id) => (await jobRow(id))!.number))).toEqual([1, 2, 3]);
    expect(await jobPage(a.browser, ids[2])).toContain('Job #0003');

    const b = await signUp();
    const other = await createJob(b.browser, 'Elsewhere');
    expect((await jobRow(other))!.number).toBe(1);
    const more = await Promise.all([1, 2, 3, 4].map((n) => createJob(b.browser, `Parallel ${n}`)));
    const numbers = await Promise.all(more.map(async (id) => (await jobRow(id))!.number));
    expect(numbers.sort()).toEqual([2, 3, 4, 5]);
    expect((await jobRow(ids[0]))!.orgId).toBe(a.orgId);
  });

  it('lists jobs and searches them by name and by number', async () => {
    const { browser } = await signUp();
    const deck = await createJob(browser, 'Deck build');
    const kitchen = await createJob(browser, 'Kitchen remodel');
    const fence = await createJob(browser, '100% cedar fence');
    const bath = await createJob(browser, 'Bath refresh');

    const all = await browser.get('/jobs');
    expect(all.status).toBe(200);
    expect(listedJobs(await all.text())).toEqual([bath, fence, kitchen, deck]);

    const search = async (q: string) =>
      listedJobs(await (await browser.get(`/jobs?q=${encodeURIComponent(q)}`)).text());
    expect(await search('deck')).toEqual([deck]);
    expect(await search('REMODEL')).toEqual([kitchen]);
    expect(await search('2')).toEqual([kitchen]);
    expect(await search('#0002')).toEqual([kitchen]);
    expect(await search('%')).toEqual([fence]);
    expect(await search('_')).toEqual([]);
    expect(await search('nothing like it')).toEqual([]);
    const none = await (await browser.get('/jobs?q=zzz')).text();
    expect(none).toContain('No jobs match “zzz”.');
    expect(inputValue(none, 'q')).toBe('zzz');
  });

  it('edits a job', async () => {
    const { browser } = await signUp();
    const customer = await createAccount(browser, 'customer', 'Reyes Household');
    const id = await createJob(browser, 'Deck build');
    const form = await (await browser.get(`/jobs/${id}/edit`)).text();
    expect(inputValue(form, 'name')).toBe('Deck build');
    expect(inputValue(form, 'address')).toBe('1 Main St');

    const res = await browser.post(`/jobs/${id}`, {
      name: 'Deck and stairs',
      address: '2 Side St\nUnit B',
      customerAccountId: customer,
    });
    expect(res.status).toBe(303);
    // The notice is a one-time flash (never in the URL): shown on the next page, not on a reload.
    expect(location(res)).toBe(`/jobs/${id}`);
    const row = await jobRow(id);
    expect(row).toMatchObject({
      name: 'Deck and stairs',
      address: '2 Side St\nUnit B',
      customerAccountId: customer,
      number: 1,
    });
    const page = await jobPage(browser, id);
    expect(page).toContain('<p class="notice" role="status">Job saved.</p>');
    expect(await jobPage(browser, id)).not.toContain('Job saved.');
    expect(page).toContain('Deck and stairs');
    expect(page).toContain(`<a href="/accounts/${customer}">Reyes Household</a>`);

    await browser.post(`/jobs/${id}`, { name: 'Deck and stairs', address: '', customerAccountId: '' });
    expect((await jobRow(id))!.customerAccountId).toBeNull();
  });

  it('renders what users type as text, never as markup', async () => {
    const { browser } = await signUp();
    const evil = '<img src=x onerror=alert(1)> & "quotes"';
    const id = await createJob(browser, evil);
    const group = await addGroup(browser, id, `${evil} group`);
    await addItem(browser, id, group, { name: `${evil} item`, description: '</textarea><script>alert(2)</script>' });
    const page = await jobPage(browser, id);
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<script>alert');
    expect(page).toContain('&lt;img src=x onerror=alert(1)> &amp; &quot;quotes&quot;');
    const list = await (await browser.get('/jobs')).text();
    expect(list).not.toContain('<img src=x');
  });

  it('closes and reopens a job', async () => {
    const { browser } = await signUp();
    const id = await createJob(browser, 'Porch');
    const closed = await browser.post(`/jobs/${id}/close`);
    expect(closed.status).toBe(303);
    const row = await jobRow(id);
    expect(row!.status).toBe('closed');
    expect(row!.closedAt).toBeGreaterThan(0);
    const page = await jobPage(browser, id);
    expect(page).toContain('Reopen job');
    expect(page).toContain(`action="/jobs/${id}/reopen"`);
    expect(listedJobs(await (await browser.get('/jobs?status=closed')).text())).toEqual([id]);
    expect(listedJobs(await (await browser.get('/jobs?status=open')).text())).toEqual([]);

    expect((await browser.post(`/jobs/${id}/reopen`)).status).toBe(303);
    expect(await jobRow(id)).toMatchObject({ status: 'open', closedAt: null });
    expect(listedJobs(await (await browser.get('/jobs?status=open')).text())).toEqual([id]);
  });
});

describe('the job page', () => {
  it('shows budget totals exactly, each line rounded once to the cent', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser, 'Rounding house');
    const framing = await addGroup(browser, job, 'Framing');
    const finish = await addGroup(browser, job, 'Finish');
    const tile = await addGroup(browser, job, 'Tile');
    const empty = await addGroup(browser, job, 'Landscaping');
    // 1.005 × $1.00 = 100.5¢ → $1.01 (floating point says 100.4999…); the price 1.005 × $1.20 = 120.6¢ → $1.21.
    const studs = await addItem(browser, job, framing, {
      name: 'Stud package',
      quantity: '1.005',
      unitCost: '1.00',
      markup: '20',
    });
    // 2.5 × 3¢ = 7.5¢ → 8¢, 2.5 × 5¢ = 12.5¢ → 13¢; the markup follows from the price: 66.667%.
    const nails = await addItem(browser, job, framing, {
      name: 'Nails',
      quantity: '2.5',
      unitCost: '0.03',
      priceBy: 'price',
      unitPrice: '0.05',
      markup: '',
    });
    // $19.99 + 12.345% = 2245.77655¢ → $22.46 a unit (the markup shown follows from that price: 12.356%); 3 units: $59.97 cost, $67.38 price.
    const paint = await addItem(browser, job, finish, {
      name: 'Paint',
      quantity: '3',
      unitCost: '19.99',
      markup: '12.345',
      taxable: 'on',
    });
    const floor = await addItem(browser, job, tile, {
      name: 'Floor tile',
      quantity: '1,234.5',
      unitCost: '1,000.00',
      priceBy: 'price',
      unitPrice: '1,100.00',
      markup: '',
    });

    expect(await itemRow(studs)).toMatchObject({ quantity: 10_050, unitCost: 100, unitPrice: 120 });
    expect(await itemRow(nails)).toMatchObject({ quantity: 25_000, unitCost: 3, unitPrice: 5 });
    expect(await itemRow(paint)).toMatchObject({ quantity: 30_000, unitCost: 1_999, unitPrice: 2_246, taxable: true });
    expect(await itemRow(floor)).toMatchObject({
      quantity: 12_345_000,
      unitCost: 100_000,
      unitPrice: 110_000,
      taxable: false,
    });

    const page = await jobPage(browser, job);
    // Item | Type | Qty | Unit | Unit cost | Markup | Unit price | Cost | Price | Vendor
    expect(rowCells(page, 'Stud package').slice(1, 9)).toEqual([
      'Materials',
      '1.005',
      'ea',
      '$1.00',
      '20%',
      '$1.20',
      '$1.01',
      '$1.21',
    ]);
    expect(rowCells(page, 'Nails').slice(2, 9)).toEqual(['2.5', 'ea', '$0.03', '66.667%', '$0.05', '$0.08', '$0.13']);
    expect(rowCells(page, 'Paint').slice(2, 9)).toEqual(['3', 'ea', '$19.99', '12.356%', '$22.46', '$59.97', '$67.38']);
    expect(rowCells(page, 'Paint')[0]).toBe('Paint Tax'); // the taxable pill
    expect(rowCells(page, 'Stud package')[0]).toBe('Stud package');
    expect(rowCells(page, 'Floor tile').slice(2, 9)).toEqual([
      '1,234.5',
      'ea',
      '$1,000.00',
      '10%',
      '$1,100.00',
      '$1,234,500.00',
      '$1,357,950.00',
    ]);
    expect(rowCells(page, '>Framing<').slice(0, 3)).toEqual(['Framing', '$1.09', '$1.34']);
    expect(rowCells(page, '>Finish<').slice(0, 3)).toEqual(['Finish', '$59.97', '$67.38']);
    expect(rowCells(page, '>Landscaping<').slice(0, 3)).toEqual(['Landscaping', '$0.00', '$0.00']);
    expect(rowCells(page, 'Job total')).toEqual(['Job total', '$1,234,561.06', '$1,358,018.72', 'Margin $123,457.66']);
    const bar = /<div class="totals-bar"[\s\S]*?<\/div>/.exec(page)![0].replace(/<[^>]+>/g, '');
    expect(bar).toContain('Cost $1,234,561.06');
    expect(bar).toContain('Price $1,358,018.72');
    expect(bar).toContain('Margin $123,457.66 (9.091%)');
    expect(empty).toBeTruthy();
  });

  it('shows an empty budget with zero totals', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser, 'Nothing yet');
    const page = await jobPage(browser, job);
    expect(page).toContain('No budget yet.');
    expect(/<div class="totals-bar"[\s\S]*?<\/div>/.exec(page)![0].replace(/<[^>]+>/g, '')).toContain('Margin $0.00');
  });
});

describe('cost groups', () => {
  it('adds, renames and reorders groups', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const a = await addGroup(browser, job, 'Alpha');
    const b = await addGroup(browser, job, 'Bravo');
    const c = await addGroup(browser, job, 'Charlie');
    expect((await groupsOf(job)).map((g) => [g.id, g.position])).toEqual([
      [a, 1],
      [b, 2],
      [c, 3],
    ]);

    const order = async () => {
      const page = await jobPage(browser, job);
      return ['Alpha', 'Bravo2', 'Bravo', 'Charlie']
        .filter((n) => page.includes(`colspan="7">${n}</th>`))
        .sort((x, y) => page.indexOf(`colspan="7">${x}<`) - page.indexOf(`colspan="7">${y}<`));
    };
    expect(await order()).toEqual(['Alpha', 'Bravo', 'Charlie']);

    expect((await browser.post(`/jobs/${job}/groups/${c}/move`, { direction: 'up' })).status).toBe(303);
    expect(await order()).toEqual(['Alpha', 'Charlie', 'Bravo']);
    expect((await browser.post(`/jobs/${job}/groups/${a}/move`, { direction: 'up' })).status).toBe(303);
    expect(await order()).toEqual(['Alpha', 'Charlie', 'Bravo']);
    await browser.post(`/jobs/${job}/groups/${a}/move`, { direction: 'down' });
    expect(await order()).toEqual(['Charlie', 'Alpha', 'Bravo']);
    await browser.post(`/jobs/${job}/groups/${b}/move`, { direction: 'down' });
    expect(await order()).toEqual(['Charlie', 'Alpha', 'Bravo']);
    expect((await groupsOf(job)).map((g) => g.id)).toEqual([c, a, b]);

    const edit = await browser.get(`/jobs/${job}/groups/${b}/edit`);
    expect(edit.status).toBe(200);
    expect(inputValue(await edit.text(), 'name')).toBe('Bravo');
    expect((await browser.post(`/jobs/${job}/groups/${b}`, { name: 'Bravo2' })).status).toBe(303);
    expect((await groupsOf(job)).map((g) => g.name)).toEqual(['Charlie', 'Alpha', 'Bravo2']);
  });

  it('deletes a group with its items and nothing else', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const keep = await addGroup(browser, job, 'Keep');
    const drop = await addGroup(browser, job, 'Drop');
    const kept = await addItem(browser, job, keep, { name: 'Kept item' });
    await addItem(browser, job, drop, { name: 'Gone one' });
    await addItem(browser, job, drop, { name: 'Gone two' });
    const edit = await (await browser.get(`/jobs/${job}/groups/${drop}/edit`)).text();
    expect(edit).toContain('also deletes its 2 items');

    const res = await browser.post(`/jobs/${job}/groups/${drop}/delete`);
    expect(res.status).toBe(303);
    expect((await groupsOf(job)).map((g) => g.id)).toEqual([keep]);
    expect(await itemsOf(drop)).toEqual([]);
    expect((await itemsOf(keep)).map((i) => i.id)).toEqual([kept]);
    const page = await jobPage(browser, job);
    expect(page).not.toContain('Gone one');
    expect(page).toContain('Kept item');
    expect((await browser.get(`/jobs/${job}/groups/${drop}/edit`)).status).toBe(404);
  });
});

describe('cost items', () => {
  it('prices an item by markup: the unit price is stored in cents', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const group = await addGroup(browser, job, 'Framing');
    const vendor = await createAccount(browser, 'vendor', 'Valley Lumber');
    const form = await (await browser.get(`/jobs/${job}/items/new?group=${group}`)).text();
    expect(selectedOption(form, 'groupId')).toBe(group);
    expect(form).toContain(`<option value="${vendor}">Valley Lumber</option>`);

    const id = await addItem(browser, job, group, {
      name: 'Joist hangers',
      description: 'Galvanized,\r\nbox of 50',
      costCode: '06-100',
      costType: 'materials',
      quantity: '12',
      unit: 'box',
      unitCost: '12.34',
      markup: '20',
      unitPrice: '999.99', // ignored: the price follows the markup
      taxable: 'on',
      vendorAccountId: vendor,
    });
    expect(await itemRow(id)).toMatchObject({
      name: 'Joist hangers',
      description: 'Galvanized,\nbox of 50',
      costCode: '06-100',
      costType: 'materials',
      quantity: 120_000,
      unit: 'box',
      unitCost: 1_234,
      unitPrice: 1_481, // 1480.8¢
      taxable: true,
      vendorAccountId: vendor,
      groupId: group,
      jobId: job,
      position: 1,
    });
    const page = await jobPage(browser, job);
    expect(rowCells(page, 'Joist hangers').slice(2, 10)).toEqual([
      '12',
      'box',
      '$12.34',
      '20.016%',
      '$14.81',
      '$148.08',
      '$177.72',
      'Valley Lumber',
    ]);
  });

  it('prices an item by unit price: the markup follows, and either one determines the other on edit', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const group = await addGroup(browser, job, 'Framing');
    const id = await addItem(browser, job, group, {
      name: 'Sheathing',
      quantity: '4',
      unitCost: '3.00',
      priceBy: 'price',
      unitPrice: '5.00',
      markup: '5',
    });
    expect(await itemRow(id)).toMatchObject({ unitCost: 300, unitPrice: 500 });

    const edit = await (await browser.get(`/jobs/${job}/items/${id}/edit`)).text();
    expect(inputValue(edit, 'markup')).toBe('66.667');
    expect(inputValue(edit, 'unitPrice')).toBe('5.00');
    expect(inputValue(edit, 'unitCost')).toBe('3.00');
    expect(inputValue(edit, 'quantity')).toBe('4');
    expect(edit).toMatch(/<input type="radio" name="priceBy" value="price" checked/);

    expect(
      (
        await browser.post(
          `/jobs/${job}/items/${id}`,
          itemFields(group, {
            name: 'Sheathing',
            quantity: '4',
            unitCost: '3.00',
            priceBy: 'markup',
            markup: '10',
            unitPrice: '5.00',
          }),
        )
      ).status,
    ).toBe(303);
    expect(await itemRow(id)).toMatchObject({ unitCost: 300, unitPrice: 330 });
    expect(rowCells(await jobPage(browser, job), 'Sheathing').slice(4, 9)).toEqual([
      '$3.00',
      '10%',
      '$3.30',
      '$12.00',
      '$13.20',
    ]);

    expect(
      (
        await browser.post(
          `/jobs/${job}/items/${id}`,
          itemFields(group, {
            name: 'Sheathing',
            quantity: '4',
            unitCost: '0',
            priceBy: 'price',
            unitPrice: '2.00',
            markup: '10',
          }),
        )
      ).status,
    ).toBe(303);
    expect(await itemRow(id)).toMatchObject({ unitCost: 0, unitPrice: 200 });
    expect(rowCells(await jobPage(browser, job), 'Sheathing').slice(4, 7)).toEqual(['$0.00', '—', '$2.00']);
    expect(inputValue(await (await browser.get(`/jobs/${job}/items/${id}/edit`)).text(), 'markup')).toBe('');

    expect(
      (
        await browser.post(
          `/jobs/${job}/items/${id}`,
          itemFields(group, { name: 'Sheathing', unitCost: '10.00', priceBy: 'markup', markup: '-100' }),
        )
      ).status,
    ).toBe(303);
    expect(await itemRow(id)).toMatchObject({ unitCost: 1_000, unitPrice: 0 });
  });

  it('edits every field of an item and moves it to another group of the job', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const first = await addGroup(browser, job, 'First');
    const second = await addGroup(browser, job, 'Second');
    await addItem(browser, job, second, { name: 'Already there' });
    const id = await addItem(browser, job, first, { name: 'Wanderer' });
    const res = await browser.post(`/jobs/${job}/items/${id}`, {
      name: 'Wanderer, renamed',
      groupId: second,
      description: 'Now described',
      costCode: '09-900',
      costType: 'labor',
      quantity: '0.0001',
      unit: 'hr',
      unitCost: '75',
      priceBy: 'price',
      unitPrice: '95.5',
    });
    expect(res.status).toBe(303);
    expect(await itemRow(id)).toMatchObject({
      name: 'Wanderer, renamed',
      groupId: second,
      position: 2,
      description: 'Now described',
      costCode: '09-900',
      costType: 'labor',
      quantity: 1,
      unit: 'hr',
      unitCost: 7_500,
      unitPrice: 9_550,
      taxable: false,
    });
    expect(await itemsOf(first)).toEqual([]);
  });

  it('moves items up and down within their group', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const group = await addGroup(browser, job, 'Framing');
    const one = await addItem(browser, job, group, { name: 'One' });
    const two = await addItem(browser, job, group, { name: 'Two' });
    const three = await addItem(browser, job, group, { name: 'Three' });
    const order = async () => (await itemsOf(group)).map((i) => i.name);
    const pageOrder = async () => {
      const page = await jobPage(browser, job);
      return ['One', 'Two', 'Three'].sort(
        (a, b) => page.indexOf(`item-name">${a}<`) - page.indexOf(`item-name">${b}<`),
      );
    };
    expect(await order()).toEqual(['One', 'Two', 'Three']);

    expect((await browser.post(`/jobs/${job}/items/${three}/move`, { direction: 'up' })).status).toBe(303);
    expect(await order()).toEqual(['One', 'Three', 'Two']);
    expect(await pageOrder()).toEqual(['One', 'Three', 'Two']);
    await browser.post(`/jobs/${job}/items/${one}/move`, { direction: 'down' });
    expect(await order()).toEqual(['Three', 'One', 'Two']);
    await browser.post(`/jobs/${job}/items/${three}/move`, { direction: 'up' });
    await browser.post(`/jobs/${job}/items/${two}/move`, { direction: 'down' });
    expect(await order()).toEqual(['Three', 'One', 'Two']);
    expect(await pageOrder()).toEqual(['Three', 'One', 'Two']);
  });

  it('deletes an item', async () => {
    const { browser } = await signUp();
    const job = await createJob(browser);
    const group = await addGroup(browser, job, 'Framing');
    const keep = await addItem(browser, job, group, { name: 'Keeper', unitCost: '1.00', markup: '0', quantity: '1' });
    const drop = await addItem(browser, job, group, { name: 'Dropper', unitCost: '5.00', markup: '0', quantity: '1' });
    expect(rowCells(await jobPage(browser, job), 'Job total')[1]).toBe('$6.00');
    const res = await browser.post(`/jobs/${job}/items/${drop}/delete`);
    expect(res.status).toBe(303);
    expect(await itemRow(drop)).toBeUndefined();
    expect((await itemsOf(group)).map((i) => i.id)).toEqual([keep]);
    expect(await jobPage(browser, job)).toContain('<p class="notice" role="status">Dropper deleted.</p>');
    const page = await jobPage(browser, job); // the banner was shown once
    expect(page).not.toContain('Dropper');
    expect(rowCells(page, 'Job total')[1]).toBe('$1.00');
    expect((await browser.get(`/jobs/${job}/items/${drop}/edit`)).status).toBe(404);
    expect((await browser.post(`/jobs/${job}/items/${drop}/delete`)).status).toBe(404);
  });
});

describe('validation', () => {
  async function fixture() {
    const { browser, orgId } = await signUp();
    const customer = await createAccount(browser, 'customer', 'Reyes Household');
    const vendor = await createAccount(browser, 'vendor', 'Valley Lumber');
    const job = await createJob(browser, 'Main job');
    const group = await addGroup(browser, job, 'Framing');
    const item = await addItem(browser, job, group, { name: 'Original item', vendorAccountId: vendor });
    const otherJob = await createJob(browser, 'Other job');
    const otherGroup = await addGroup(browser, otherJob, 'Other group');
    const counts = async () => ({
      jobs: await db().$count(jobs, eq(jobs.orgId, orgId)),
      groups: await db().$count(costGroups, eq(costGroups.orgId, orgId)),
      items: await db().$count(costItems, eq(costItems.orgId, orgId)),
    });
    return { browser, orgId, customer, vendor, job, group, item, otherJob, otherGroup, counts };
  }
  type Fixture = Awaited<ReturnType<typeof fixture>>;
  // One org for every case: each refused request must leave it exactly as it was.
  let shared: Fixture;
  beforeAll(async () => {
    shared = await fixture();
  });

  const tooLong = (n: number) => 'x'.repeat(n);

  const jobCases: [string, (f: Fixture) => Record<string, string>, string, string][] = [
    ['a missing name', () => ({ name: '   ', address: '9 Keep St' }), 'name', 'Job name is required.'],
    [
      'a name over 120 characters',
      () => ({ name: tooLong(121), address: '9 Keep St' }),
      'name',
      'Job name must be at most 120 characters.',
    ],
    [
      'an address over 300 characters',
      () => ({ name: 'Fine', address: tooLong(301) }),
      'address',
      'Address must be at most 300 characters.',
    ],
    [
      'a vendor as the customer',
      (f) => ({ name: 'Fine', address: '9 Keep St', customerAccountId: f.vendor }),
      'customerAccountId',
      'Choose a customer from the list.',
    ],
    [
      'a malformed customer id',
      () => ({ name: 'Fine', address: '9 Keep St', customerAccountId: "x' OR 1=1" }),
      'customerAccountId',
      'Choose a customer from the list.',
    ],
    [
      'an unknown customer id',
      () => ({ name: 'Fine', address: '9 Keep St', customerAccountId: 'abcdefghijklmnopqrstuvwx' }),
      'customerAccountId',
      'Choose a customer from the list.',
    ],
  ];

  it.each(jobCases)(
    'refuses a new job with %s: 422, message, values kept, nothing written',
    async (_, fields, field, message) => {
      const f = shared;
      const before = await f.counts();
      const counter = await db().query.counters.findFirst({
        where: and(eq(counters.orgId, f.orgId), eq(counters.name, 'job')),
      });
      const form = fields(f);
      const res = await f.browser.post('/jobs', form);
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, field)).toBe(message);
      expect(body).toContain('form-summary');
      if (form.name.length < 200) expect(inputValue(body, 'name')).toBe(form.name);
      if (field !== 'address') expect(inputValue(body, 'address')).toBe(form.address);
      expect(await f.counts()).toEqual(before);
      expect(
        await db().query.counters.findFirst({ where: and(eq(counters.orgId, f.orgId), eq(counters.name, 'job')) }),
      ).toEqual(counter);
    },
  );

  it.each(jobCases)('refuses a job edit with %s: 422, message, nothing changed', async (_, fields, field, message) => {
    const f = shared;
    const before = await jobRow(f.job);
    const res = await f.browser.post(`/jobs/${f.job}`, fields(f));
    expect(res.status).toBe(422);
    expect(fieldError(await res.text(), field)).toBe(message);
    expect(await jobRow(f.job)).toEqual(before);
  });

  it('refuses a group without a name, or with a long one, on add and on rename', async () => {
    const f = shared;
    const before = await f.counts();
    const blank = await f.browser.post(`/jobs/${f.job}/groups`, { name: '' });
    expect(blank.status).toBe(422);
    const body = await blank.text();
    expect(fieldError(body, 'name')).toBe('Group name is required.');
    expect(body).toContain('<details open');
    expect(body).toContain('Original item'); // the job page itself, re-rendered
    const long = await f.browser.post(`/jobs/${f.job}/groups`, { name: tooLong(121) });
    expect(long.status).toBe(422);
    expect(fieldError(await long.text(), 'name')).toBe('Group name must be at most 120 characters.');
    expect(await f.counts()).toEqual(before);

    const rename = await f.browser.post(`/jobs/${f.job}/groups/${f.group}`, { name: ' \t ' });
    expect(rename.status).toBe(422);
    expect(fieldError(await rename.text(), 'name')).toBe('Group name is required.');
    expect((await groupsOf(f.job))[0].name).toBe('Framing');
  });

  const itemCases: [string, (f: Fixture) => Record<string, string>, string, string][] = [
    ['a missing name', () => ({ name: '' }), 'name', 'Name is required.'],
    [
      'a quantity with 5 decimals',
      () => ({ quantity: '1.23456' }),
      'quantity',
      'Quantity must be a number with at most four decimals.',
    ],
    ['a missing quantity', () => ({ quantity: '' }), 'quantity', 'Quantity is required.'],
    [
      'a quantity in exponent notation',
      () => ({ quantity: '1e9' }),
      'quantity',
      'Quantity must be a number with at most four decimals.',
    ],
    ['an absurd quantity', () => ({ quantity: '1000000.0001' }), 'quantity', 'Quantity must be at most 1,000,000.'],
    ['a negative quantity', () => ({ quantity: '-1' }), 'quantity', 'Quantity must be at least 0.'],
    [
      'a cost with 3 decimals',
      () => ({ unitCost: '12.345' }),
      'unitCost',
      'Unit cost must be a number with at most two decimals.',
    ],
    ['a negative cost', () => ({ unitCost: '-0.01' }), 'unitCost', 'Unit cost must be at least 0.'],
    [
      'a cost that is not a number',
      () => ({ unitCost: 'NaN' }),
      'unitCost',
      'Unit cost must be a number with at most two decimals.',
    ],
    [
      'a decimal comma in the cost',
      () => ({ unitCost: '12,50' }),
      'unitCost',
      'Unit cost must be a number with at most two decimals.',
    ],
    [
      'a cost over $10 million',
      () => ({ unitCost: '10000000.01' }),
      'unitCost',
      'Unit cost must be at most 10,000,000.',
    ],
    [
      'a unit price with 3 decimals',
      () => ({ priceBy: 'price', unitPrice: '1.001' }),
      'unitPrice',
      'Unit price must be a number with at most two decimals.',
    ],
    ['a missing unit price', () => ({ priceBy: 'price', unitPrice: '' }), 'unitPrice', 'Unit price is required.'],
    [
      'a markup with 4 decimals',
      () => ({ markup: '20.0001' }),
      'markup',
      'Markup must be a number with at most three decimals.',
    ],
    ['a markup over 10,000%', () => ({ markup: '10000.001' }), 'markup', 'Markup must be at most 10,000%.'],
    ['a markup under -100%', () => ({ markup: '-100.001' }), 'markup', 'Markup must be at least -100%.'],
    [
      'a markup that makes the price too large',
      () => ({ unitCost: '10000000', markup: '0.001' }),
      'markup',
      'That markup makes the unit price larger than we can handle.',
    ],
    [
      'a line total over $10 billion',
      () => ({ quantity: '1000000', unitCost: '10000.01', markup: '0' }),
      'quantity',
      'Quantity × unit price is larger than we can handle ($10 billion per item).',
    ],
    ['an unknown cost type', () => ({ costType: 'magic' }), 'costType', 'Choose a cost type from the list.'],
    [
      'a description over 4,000 characters',
      () => ({ description: tooLong(4001) }),
      'description',
      'Description must be at most 4,000 characters.',
    ],
    [
      'a customer as the vendor',
      (f) => ({ vendorAccountId: f.customer }),
      'vendorAccountId',
      'Choose a vendor from the list.',
    ],
    ['a malformed vendor id', () => ({ vendorAccountId: '../x' }), 'vendorAccountId', 'Choose a vendor from the list.'],
    ['a group of another job', (f) => ({ groupId: f.otherGroup }), 'groupId', 'Choose a group from the list.'],
    ['no group', () => ({ groupId: '' }), 'groupId', 'Choose a group from the list.'],
  ];

  it.each(itemCases)(
    'refuses a new item with %s: 422, message, values kept, nothing written',
    async (_, fields, field, message) => {
      const f = shared;
      const before = await f.counts();
      const form = itemFields(f.group, { name: 'Refused item', ...fields(f) });
      const res = await f.browser.post(`/jobs/${f.job}/items`, form);
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, field)).toBe(message);
      for (const name of ['name', 'quantity', 'unitCost', 'markup', 'unitPrice'])
        if (form[name] !== undefined) expect(inputValue(body, name)).toBe(form[name]);
      if (form.description !== undefined) expect(inputValue(body, 'description')).toBe(form.description);
      expect(await f.counts()).toEqual(before);
    },
  );

  it.each(itemCases)(
    'refuses an item edit with %s: 422, message, nothing changed',
    async (_, fields, field, message) => {
      const f = shared;
      const before = await itemRow(f.item);
      const form = itemFields(f.group, { name: 'Changed item', ...fields(f) });
      const res = await f.browser.post(`/jobs/${f.job}/items/${f.item}`, form);
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, field)).toBe(message);
      expect(body).toContain(`action="/jobs/${f.job}/items/${f.item}"`);
      expect(await itemRow(f.item)).toEqual(before);
    },
  );

  it('refuses a 1 MB name with a 4xx, never a 500, and writes nothing', async () => {
    const f = shared;
    const before = await f.counts();
    const huge = 'x'.repeat(1024 * 1024);
    for (const [path, form] of [
      ['/jobs', { name: huge }],
      [`/jobs/${f.job}`, { name: huge }],
      [`/jobs/${f.job}/groups`, { name: huge }],
      [`/jobs/${f.job}/groups/${f.group}`, { name: huge }],
      [`/jobs/${f.job}/items`, itemFields(f.group, { name: huge })],
      [`/jobs/${f.job}/items/${f.item}`, itemFields(f.group, { name: huge })],
    ] as const) {
      const res = await f.browser.post(path, form);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    // Just under the body limit, the form itself answers.
    const big = await f.browser.post(`/jobs/${f.job}/items`, itemFields(f.group, { name: 'x'.repeat(900_000) }));
    expect(big.status).toBe(422);
    expect(fieldError(await big.text(), 'name')).toBe('Name must be at most 200 characters.');
    expect(await f.counts()).toEqual(before);
    expect((await itemRow(f.item))!.name).toBe('Original item');
  });

  it('answers odd requests without a 500', async () => {
    const f = shared;
    const before = await f.counts();
    const odd = [
      await f.browser.post('/jobs', { name: ['One', 'Two'] }),
      await f.browser.post(`/jobs/${f.job}/items`, { ...itemFields(f.group), quantity: ['1', '2'] }),
      await f.browser.post(`/jobs/${f.job}/items`, {}),
      await f.browser.post(`/jobs/${f.job}/groups/${f.group}/move`, { direction: 'sideways' }),
      await f.browser.post(`/jobs/${f.job}/groups/nosuchgroup0000/move`, { direction: 'up' }),
      await f.browser.post(`/jobs/${f.job}/items/nosuchitem00000/move`, { direction: 'up' }),
      await f.browser.get(`/jobs/${f.job}/items/new?group=${encodeURIComponent('"><script>')}`),
      await f.browser.get(`/jobs?q=${encodeURIComponent("'; DROP TABLE jobs; --")}`),
      await f.browser.get(`/jobs/${encodeURIComponent('%00')}`),
      await f.browser.get(`/jobs/${'a'.repeat(5000)}/items/${'b'.repeat(5000)}/edit`),
      await f.browser.fetch(`/jobs/${f.job}/groups`, {
        method: 'POST',
        body: JSON.stringify({ name: 'JSON group' }),
        headers: {
          'Content-Type': 'application/json',
          'X-CSRF-Token': await f.browser.csrf(),
          Origin: 'http://localhost',
        },
      }),
      await f.browser.fetch(`/jobs/${f.job}/groups`, {
        method: 'POST',
        body: 'name=%E0%A4%A&_csrf=x',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-CSRF-Token': await f.browser.csrf(),
          Origin: 'http://localhost',
        },
      }),
    ];
    for (const res of odd) expect(res.status).toBeLessThan(500);
    expect(odd[9].status).toBe(404);
    expect(odd[10].status).toBe(422); // a JSON body is not a form: nothing is read, the name is missing
    expect(odd[4].status).toBe(404);
    expect(odd[5].status).toBe(404);
    expect(await odd[6].text()).not.toContain('"><script>');
    expect((await f.counts()).jobs).toBe(before.jobs + 1); // the duplicated name keeps one value
    expect(before.items).toBe((await f.counts()).items - 1);
  });
});
