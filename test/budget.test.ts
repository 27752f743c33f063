// The job budget: its pages and forms, its actions, concurrent edits, the totals' arithmetic and the money properties.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { env } from 'cloudflare:workers';
import { and, asc, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUp as signUpFromAuthActions } from '../src/auth/actions';
import * as budget from '../src/budget/actions';
import {
  amountDue,
  type BidLineAmount,
  bidTotal,
  bidTotalCents,
  type BudgetLine,
  budgetTotals,
  type Deposit,
  divRound,
  type DocumentLineAmounts,
  documentTotals,
  lineTotal,
  marginRate,
  markupOf,
  MAX_LINE_TOTAL,
  MAX_QUANTITY,
  MAX_UNIT_AMOUNT,
  paymentTotals,
  percentOf,
  priceFromMarkup,
  QTY_SCALE,
  RATE_SCALE,
} from '../src/budget/totals';
import { database } from '../src/db/client';
import { createId } from '../src/db/ids';
import {
  accounts,
  activity,
  bidLines,
  bids,
  costGroups,
  costItems,
  counters,
  documentLines,
  jobs,
} from '../src/db/schema';
import { MAX_LINES } from '../src/documents/drafts';
import { NotFound, Refused } from '../src/errors';
import { FormCheck, isValidIsoDate, parseDecimal } from '../src/http/validate';
import { money } from '../views/format';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, createAccount, createJob, db, location, signUp, uniqueEmail } from './helpers';
import { addGroup, addItem, fieldError, inputValue, itemFields, selectedOption } from './pages';
import { editDraft } from './portal-fixtures';

describe("the job budget's pages and forms", () => {
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
      expect(await itemRow(paint)).toMatchObject({
        quantity: 30_000,
        unitCost: 1_999,
        unitPrice: 2_246,
        taxable: true,
      });
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
      expect(rowCells(page, 'Paint').slice(2, 9)).toEqual([
        '3',
        'ea',
        '$19.99',
        '12.356%',
        '$22.46',
        '$59.97',
        '$67.38',
      ]);
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
      expect(rowCells(page, 'Job total')).toEqual([
        'Job total',
        '$1,234,561.06',
        '$1,358,018.72',
        'Margin $123,457.66',
      ]);
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
      const drop = await addItem(browser, job, group, {
        name: 'Dropper',
        unitCost: '5.00',
        markup: '0',
        quantity: '1',
      });
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

    it.each(jobCases)(
      'refuses a job edit with %s: 422, message, nothing changed',
      async (_, fields, field, message) => {
        const f = shared;
        const before = await jobRow(f.job);
        const res = await f.browser.post(`/jobs/${f.job}`, fields(f));
        expect(res.status).toBe(422);
        expect(fieldError(await res.text(), field)).toBe(message);
        expect(await jobRow(f.job)).toEqual(before);
      },
    );

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
      [
        'a malformed vendor id',
        () => ({ vendorAccountId: '../x' }),
        'vendorAccountId',
        'Choose a vendor from the list.',
      ],
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
});

describe("the budget's actions", () => {
  const signUp = signUpFromAuthActions;
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
});

describe('budget edits racing', () => {
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
});

describe('line and document totals', () => {
  /** Rounds n/d half away from zero on the exact rational, as a BigInt: the reference the module must match. */
  function roundRef(n: bigint, d: bigint): bigint {
    const negative = n < 0n !== d < 0n;
    const an = n < 0n ? -n : n;
    const ad = d < 0n ? -d : d;
    const q = (2n * an + ad) / (2n * ad);
    return negative ? -q : q;
  }

  const isNegativeZero = (x: number) => Object.is(x, -0);

  const quantityArb = fc.integer({ min: 0, max: MAX_QUANTITY });
  const unitArb = fc.integer({ min: 0, max: MAX_UNIT_AMOUNT });
  const markupArb = fc.integer({ min: -RATE_SCALE, max: 10_000_000 });

  describe('divRound', () => {
    it('rounds half away from zero on both sides of zero', () => {
      expect(divRound(5n, 10n)).toBe(1);
      expect(divRound(-5n, 10n)).toBe(-1);
      expect(divRound(5n, -10n)).toBe(-1);
      expect(divRound(-5n, -10n)).toBe(1);
      expect(divRound(15n, 10n)).toBe(2);
      expect(divRound(-15n, 10n)).toBe(-2);
      expect(divRound(14n, 10n)).toBe(1);
      expect(divRound(-14n, 10n)).toBe(-1);
      expect(divRound(149_999n, 100_000n)).toBe(1);
      expect(divRound(150_000n, 100_000n)).toBe(2);
    });

    it('never returns -0', () => {
      expect(Object.is(divRound(-1n, 3n), 0)).toBe(true);
      expect(Object.is(divRound(0n, -7n), 0)).toBe(true);
      expect(Object.is(divRound(-4n, 10n), 0)).toBe(true);
    });

    it('refuses division by zero', () => {
      expect(() => divRound(1n, 0n)).toThrow(RangeError);
    });

    it('matches the exact BigInt reference for any numerator and denominator', () => {
      fc.assert(
        fc.property(
          fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
          fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).filter((d) => d !== 0n),
          (n, d) => {
            const got = divRound(n, d);
            expect(got).toBe(Number(roundRef(n, d)));
            expect(isNegativeZero(got)).toBe(false);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('is exact at the halfway point for every small denominator', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 1_000_000 }),
          fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
          (d, q) => {
            // (2q+1)/2 is exactly half-way between q and q+1.
            const den = 2n * BigInt(d);
            const num = (2n * q + 1n) * BigInt(d);
            expect(divRound(num, den)).toBe(Number(q >= 0n ? q + 1n : q));
          },
        ),
      );
    });
  });

  describe('lineTotal', () => {
    it('rounds the exact product once, where floating point would not', () => {
      // 1.005 × $1.00 = 100.5 cents; 1.005 * 100 in floating point is 100.49999999999999.
      expect(Math.round(1.005 * 100)).toBe(100);
      expect(lineTotal(10_050, 100)).toBe(101);
      expect(lineTotal(5_000, 1)).toBe(1); // 0.5 × 1¢
      expect(lineTotal(4_999, 1)).toBe(0);
      expect(lineTotal(15_000, 333)).toBe(500); // 499.5¢
      expect(lineTotal(12_345, 6_789)).toBe(8_381); // 8381.0205¢
      expect(lineTotal(5_000, -1)).toBe(-1);
      expect(Object.is(lineTotal(1, -1), 0)).toBe(true);
      expect(lineTotal(0, MAX_UNIT_AMOUNT)).toBe(0);
    });

    it('equals the BigInt reference across the whole allowed range', () => {
      fc.assert(
        fc.property(quantityArb, unitArb, (q, u) => {
          const got = lineTotal(q, u);
          expect(got).toBe(Number(roundRef(BigInt(q) * BigInt(u), BigInt(QTY_SCALE))));
          expect(Number.isSafeInteger(got)).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });

    it('is exact at the maximum quantity and unit amount', () => {
      expect(lineTotal(MAX_QUANTITY, MAX_UNIT_AMOUNT)).toBe(1_000_000_000_000_000);
      const q = MAX_QUANTITY - 1;
      const u = MAX_UNIT_AMOUNT - 1;
      expect(lineTotal(q, u)).toBe(Number(roundRef(BigInt(q) * BigInt(u), 10_000n)));
      expect(lineTotal(q, u)).toBe(999_999_998_900_000); // 9,999,999,999 × 999,999,999 / 10⁴ = 999,999,998,900,000.0001
    });
  });

  describe('markup and price', () => {
    it('prices from a markup, rounding the cents once', () => {
      expect(priceFromMarkup(1_000, 20_000)).toBe(1_200);
      expect(priceFromMarkup(1_999, 12_345)).toBe(2_246); // 2245.77655¢
      expect(priceFromMarkup(1_234, 20_000)).toBe(1_481); // 1480.8¢
      expect(priceFromMarkup(5, 10_000)).toBe(6); // 5.5¢
      expect(priceFromMarkup(1_000, -RATE_SCALE)).toBe(0);
      expect(priceFromMarkup(0, 50_000)).toBe(0);
      expect(priceFromMarkup(MAX_UNIT_AMOUNT, 10_000_000)).toBe(101_000_000_000);
    });

    it('derives the markup of a price, null at zero cost', () => {
      expect(markupOf(1_000, 1_200)).toBe(20_000);
      expect(markupOf(3, 5)).toBe(66_667);
      expect(markupOf(1_234, 1_481)).toBe(20_016);
      expect(markupOf(1_000, 900)).toBe(-10_000);
      expect(markupOf(1_000, 0)).toBe(-RATE_SCALE);
      expect(markupOf(0, 500)).toBeNull();
      expect(Object.is(markupOf(1_000, 1_000), 0)).toBe(true);
    });

    it('a price survives markupOf then priceFromMarkup exactly while the unit cost is under $1,000', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 99_999 }),
          fc.integer({ min: 0, max: MAX_UNIT_AMOUNT }),
          (cost, price) => {
            expect(priceFromMarkup(cost, markupOf(cost, price)!)).toBe(price);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('above that, a price comes back within the precision of a thousandth of a percent', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: MAX_UNIT_AMOUNT }),
          fc.integer({ min: 0, max: MAX_UNIT_AMOUNT }),
          (cost, price) => {
            const back = priceFromMarkup(cost, markupOf(cost, price)!);
            expect(Math.abs(back - price)).toBeLessThanOrEqual(cost / 200_000 + 0.5);
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('a markup survives priceFromMarkup then markupOf exactly once the unit cost is over $1,000', () => {
      fc.assert(
        fc.property(fc.integer({ min: 100_001, max: MAX_UNIT_AMOUNT }), markupArb, (cost, markup) => {
          expect(markupOf(cost, priceFromMarkup(cost, markup))).toBe(markup);
        }),
        { numRuns: 2000 },
      );
    });

    it('priceFromMarkup matches the BigInt reference and never returns -0', () => {
      fc.assert(
        fc.property(unitArb, markupArb, (cost, markup) => {
          const p = priceFromMarkup(cost, markup);
          expect(p).toBe(Number(roundRef(BigInt(cost) * BigInt(RATE_SCALE + markup), BigInt(RATE_SCALE))));
          expect(isNegativeZero(p)).toBe(false);
          const m = markupOf(cost, p);
          if (m !== null) expect(isNegativeZero(m)).toBe(false);
        }),
      );
    });
  });

  const budgetLineArb = fc.record({
    groupId: fc.constantFrom('g1', 'g2', 'g3', 'g4'),
    quantity: quantityArb,
    unitCost: unitArb,
    unitPrice: unitArb,
  });
  // Realistic-size lines whose sums stay far below 2^53 even for 60 of them at the maxima.
  const budgetLinesArb = fc.array(budgetLineArb, { maxLength: 60 });

  describe('budgetTotals', () => {
    it('sums lines rounded once each, per group and for the job', () => {
      const items: BudgetLine[] = [
        { groupId: 'a', quantity: 15_000, unitCost: 1, unitPrice: 3 }, // 1.5¢ → 2, 4.5¢ → 5
        { groupId: 'a', quantity: 15_000, unitCost: 1, unitPrice: 3 },
        { groupId: 'b', quantity: 10_050, unitCost: 100, unitPrice: 120 }, // 100.5¢ → 101, 120.6¢ → 121
      ];
      const t = budgetTotals(items);
      // Rounding the summed quantity instead (3 × 1¢) would give 3, not 4.
      expect(t.groups.get('a')).toEqual({ cost: 4, price: 10, margin: 6, marginRate: 60_000 });
      expect(t.groups.get('b')).toEqual({ cost: 101, price: 121, margin: 20, marginRate: 16_529 });
      expect(t.job).toEqual({ cost: 105, price: 131, margin: 26, marginRate: 19_847 });
    });

    it('has no groups and zero totals without items, with no margin rate', () => {
      const t = budgetTotals([]);
      expect(t.groups.size).toBe(0);
      expect(t.job).toEqual({ cost: 0, price: 0, margin: 0, marginRate: null });
    });

    it('group sums equal the job sum, margin is price minus cost, and the job equals the sum of line totals', () => {
      fc.assert(
        fc.property(budgetLinesArb, (items) => {
          const t = budgetTotals(items);
          let cost = 0;
          let price = 0;
          for (const g of t.groups.values()) {
            cost += g.cost;
            price += g.price;
            expect(g.margin).toBe(g.price - g.cost);
            expect(g.marginRate).toBe(marginRate(g.cost, g.price));
          }
          expect(cost).toBe(t.job.cost);
          expect(price).toBe(t.job.price);
          expect(t.job.margin).toBe(t.job.price - t.job.cost);
          expect(t.job.cost).toBe(items.reduce((s, i) => s + lineTotal(i.quantity, i.unitCost), 0));
          expect(t.job.price).toBe(items.reduce((s, i) => s + lineTotal(i.quantity, i.unitPrice), 0));
          expect(new Set(t.groups.keys())).toEqual(new Set(items.map((i) => i.groupId)));
          for (const [id, g] of t.groups) {
            const mine = items.filter((i) => i.groupId === id);
            expect(g.cost).toBe(
              Number(mine.reduce((s, i) => s + roundRef(BigInt(i.quantity) * BigInt(i.unitCost), 10_000n), 0n)),
            );
          }
          for (const r of [t.job, ...t.groups.values()])
            for (const v of Object.values(r)) if (typeof v === 'number') expect(isNegativeZero(v)).toBe(false);
        }),
        { numRuns: 500 },
      );
    });

    it('does not depend on the order of the lines', () => {
      fc.assert(
        fc.property(budgetLinesArb, (items) => {
          const forward = budgetTotals(items);
          const backward = budgetTotals([...items].reverse());
          expect(backward.job).toEqual(forward.job);
          for (const [id, g] of forward.groups) expect(backward.groups.get(id)).toEqual(g);
        }),
        { numRuns: 200 },
      );
    });

    it('stays exact for 1,000 lines at the maximum line total', () => {
      expect(Number.isSafeInteger(1000 * MAX_LINE_TOTAL)).toBe(true);
      // MAX_LINE_TOTAL = 100,000,000 units × $100.00 each.
      const line = { groupId: 'g', quantity: 100_000_000 * QTY_SCALE, unitCost: 10_000, unitPrice: 10_000 };
      expect(lineTotal(line.quantity, line.unitCost)).toBe(MAX_LINE_TOTAL);
      const items: BudgetLine[] = Array.from({ length: 1000 }, (_, i) => ({
        ...line,
        groupId: `g${i % 7}`,
        unitCost: i % 2 ? 9_999 : 10_000,
      }));
      const t = budgetTotals(items);
      const exactCost = items.reduce((s, i) => s + roundRef(BigInt(i.quantity) * BigInt(i.unitCost), 10_000n), 0n);
      expect(BigInt(t.job.cost)).toBe(exactCost);
      expect(t.job.price).toBe(1000 * MAX_LINE_TOTAL);
      expect(BigInt(t.job.margin)).toBe(BigInt(t.job.price) - exactCost);
      expect(Number.isSafeInteger(t.job.price)).toBe(true);
    });
  });

  const docLineArb: fc.Arbitrary<DocumentLineAmounts> = fc.record({
    kind: fc.constantFrom('item' as const, 'item' as const, 'group' as const),
    quantity: quantityArb,
    unitAmount: fc.integer({ min: 0, max: 10_000_000 }),
    taxable: fc.boolean(),
  });
  const depositArb: fc.Arbitrary<Deposit> = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.record({ kind: fc.constant('percent' as const), rate: fc.integer({ min: 0, max: RATE_SCALE }) }),
    fc.record({ kind: fc.constant('fixed' as const), amount: fc.integer({ min: 0, max: 10 ** 13 }) }),
  );

  describe('documentTotals', () => {
    const lines: DocumentLineAmounts[] = [
      { kind: 'group', quantity: 0, unitAmount: 999_999, taxable: true },
      { kind: 'item', quantity: 10_000, unitAmount: 10_000, taxable: true }, // $100.00 taxable
      { kind: 'item', quantity: 20_000, unitAmount: 2_500, taxable: false }, // $50.00 not taxable
    ];

    it('taxes only the taxable subtotal, rounding the tax once', () => {
      const t = documentTotals(lines, 8_875, { kind: 'none' });
      expect(t.lineTotals).toEqual([0, 10_000, 5_000]);
      expect(t.subtotal).toBe(15_000);
      expect(t.taxableSubtotal).toBe(10_000);
      expect(t.tax).toBe(888); // 8.875% of $100.00 = 887.5¢
      expect(t.total).toBe(15_888);
      expect(t.deposit).toBe(0);
      expect(t.paid).toBe(0);
      expect(t.balance).toBe(15_888);
    });

    it('takes a percent deposit of the total, and a fixed deposit no larger than the total', () => {
      expect(documentTotals(lines, 8_875, { kind: 'percent', rate: 30_000 }).deposit).toBe(4_766); // 4766.4¢
      expect(documentTotals(lines, 8_875, { kind: 'fixed', amount: 5_000 }).deposit).toBe(5_000);
      expect(documentTotals(lines, 8_875, { kind: 'fixed', amount: 1_000_000 }).deposit).toBe(15_888);
      expect(documentTotals([], 8_875, { kind: 'fixed', amount: 1_000 }).deposit).toBe(0);
    });

    it('subtracts payments from the total for the balance', () => {
      const t = documentTotals(lines, 8_875, { kind: 'none' }, [5_000, 888]);
      expect(t.paid).toBe(5_888);
      expect(t.balance).toBe(10_000);
      const over = documentTotals(lines, 0, { kind: 'none' }, [20_000]);
      expect(over.balance).toBe(-5_000);
    });

    it('has zero totals, not -0, for an empty document', () => {
      const t = documentTotals([], 8_875, { kind: 'percent', rate: 50_000 });
      for (const v of [t.subtotal, t.taxableSubtotal, t.tax, t.total, t.deposit, t.paid, t.balance])
        expect(Object.is(v, 0)).toBe(true);
    });

    it('holds its identities for any document', () => {
      fc.assert(
        fc.property(
          fc.array(docLineArb, { maxLength: 40 }),
          fc.integer({ min: 0, max: 50_000 }),
          depositArb,
          fc.array(fc.integer({ min: 0, max: 10 ** 11 }), { maxLength: 4 }),
          (ls, rate, deposit, payments) => {
            const t = documentTotals(ls, rate, deposit, payments);
            const items = ls.map((l) => (l.kind === 'group' ? 0 : lineTotal(l.quantity, l.unitAmount)));
            expect(t.lineTotals).toEqual(items);
            expect(t.subtotal).toBe(items.reduce((a, b) => a + b, 0));
            expect(t.taxableSubtotal).toBe(ls.reduce((s, l, i) => s + (l.taxable ? items[i] : 0), 0));
            expect(t.taxableSubtotal).toBeLessThanOrEqual(t.subtotal);
            expect(t.tax).toBe(percentOf(t.taxableSubtotal, rate));
            expect(t.tax).toBe(Number(roundRef(BigInt(t.taxableSubtotal) * BigInt(rate), BigInt(RATE_SCALE))));
            expect(t.total).toBe(t.subtotal + t.tax);
            expect(t.paid).toBe(payments.reduce((a, b) => a + b, 0));
            expect(t.balance + t.paid).toBe(t.total);
            if (deposit.kind === 'none') expect(t.deposit).toBe(0);
            if (deposit.kind === 'percent') expect(t.deposit).toBe(percentOf(t.total, deposit.rate));
            if (deposit.kind === 'fixed') expect(t.deposit).toBe(Math.min(deposit.amount, t.total));
            expect(t.deposit).toBeLessThanOrEqual(t.total);
            for (const v of [
              t.subtotal,
              t.taxableSubtotal,
              t.tax,
              t.total,
              t.deposit,
              t.paid,
              t.balance,
              ...t.lineTotals,
            ]) {
              expect(isNegativeZero(v)).toBe(false);
              expect(Number.isSafeInteger(v)).toBe(true);
            }
          },
        ),
        { numRuns: 500 },
      );
    });

    it('stays exact for 1,000 taxable lines at the maximum line total with the maximum tax rate', () => {
      const line: DocumentLineAmounts = {
        kind: 'item',
        quantity: 100_000_000 * QTY_SCALE,
        unitAmount: 10_000,
        taxable: true,
      };
      const odd: DocumentLineAmounts = { ...line, unitAmount: 9_999 };
      const ls = Array.from({ length: 1000 }, (_, i) => (i % 3 ? line : odd));
      const t = documentTotals(ls, 50_000, { kind: 'percent', rate: 33_333 }, [1]);
      const subtotal = ls.reduce((s, l) => s + roundRef(BigInt(l.quantity) * BigInt(l.unitAmount), 10_000n), 0n);
      const tax = roundRef(subtotal * 50_000n, 100_000n);
      expect(BigInt(t.subtotal)).toBe(subtotal);
      expect(BigInt(t.tax)).toBe(tax);
      expect(BigInt(t.total)).toBe(subtotal + tax);
      expect(BigInt(t.deposit)).toBe(roundRef((subtotal + tax) * 33_333n, 100_000n));
      expect(BigInt(t.balance)).toBe(subtotal + tax - 1n);
      expect(Number.isSafeInteger(t.total)).toBe(true);
    });
  });

  describe('parseDecimal', () => {
    it.each([
      ['1,234.56', 2, 123_456],
      ['$1,234.56', 2, 123_456],
      ['  12.5 ', 2, 1_250],
      ['12', 2, 1_200],
      ['.5', 2, 50],
      ['+7', 2, 700],
      ['-3.25', 2, -325],
      ['1,000,000', 0, 1_000_000],
      ['1.5', 4, 15_000],
      ['0.0001', 4, 1],
      ['8.875', 3, 8_875],
      ['9999999999999.99', 2, 999_999_999_999_999],
    ])('reads %j at %i places as %i', (input, places, expected) => {
      expect(parseDecimal(input, places)).toBe(expected);
    });

    it('reads "-0" as plain 0', () => {
      expect(Object.is(parseDecimal('-0', 2), 0)).toBe(true);
      expect(Object.is(parseDecimal('-0.00', 2), 0)).toBe(true);
    });

    it.each([
      ['1.234', 2],
      ['1.23456', 4],
      ['1e309', 2],
      ['1e3', 0],
      ['NaN', 2],
      ['Infinity', 2],
      ['-Infinity', 2],
      ['9007199254740993', 0],
      ['9007199254740993', 2],
      ['99999999999999.99', 2],
      ['', 2],
      ['.', 2],
      ['-', 2],
      ['--5', 2],
      ['1.2.3', 2],
      ['0x10', 0],
      ['１２', 0],
      ['12,50', 2],
      ['1,23', 2],
      ['1,2345.00', 2],
      [',5', 2],
    ])('refuses %j at %i places', (input, places) => {
      expect(parseDecimal(input, places)).toBeNull();
    });

    it('reads back any amount written with or without thousands separators', () => {
      fc.assert(
        fc.property(fc.integer({ min: -(10 ** 15 - 1), max: 10 ** 15 - 1 }), fc.boolean(), (cents, grouped) => {
          const abs = Math.abs(cents);
          const whole = Math.floor(abs / 100);
          const text = `${cents < 0 ? '-' : ''}${grouped ? whole.toLocaleString('en-US') : String(whole)}.${String(abs % 100).padStart(2, '0')}`;
          expect(parseDecimal(text, 2)).toBe(cents === 0 ? 0 : cents);
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('isValidIsoDate', () => {
    it.each([
      ['2026-02-28', true],
      ['2024-02-29', true],
      ['2026-12-31', true],
      ['2026-02-30', false],
      ['2023-02-29', false],
      ['2026-13-01', false],
      ['2026-00-10', false],
      ['2026-04-31', false],
      ['2026-1-01', false],
      ['26-01-01', false],
      ['1899-12-31', false],
      ['2026-01-01T00:00', false],
      ['', false],
    ])('%j is %s', (input, valid) => {
      expect(isValidIsoDate(input)).toBe(valid);
    });
  });

  describe('FormCheck numbers', () => {
    it('reads money in cents, with a message per problem', () => {
      const f = new FormCheck({ a: '12.34', b: '1.234', c: '-1', d: '10000000.01', e: '', g: 'abc' });
      expect(f.money('a', { label: 'Unit cost', required: true, min: 0, max: MAX_UNIT_AMOUNT })).toBe(1_234);
      expect(f.money('b', { label: 'Unit cost', min: 0 })).toBeNull();
      f.money('c', { label: 'Unit cost', min: 0 });
      f.money('d', { label: 'Unit cost', max: MAX_UNIT_AMOUNT });
      expect(f.money('e', { label: 'Unit price', required: true })).toBeNull();
      f.money('g', { label: 'Unit cost' });
      expect(f.money('missing', { label: 'Optional' })).toBeNull();
      expect(f.errors).toEqual({
        b: 'Unit cost must be a number with at most two decimals.',
        c: 'Unit cost must be at least 0.',
        d: 'Unit cost must be at most 10,000,000.',
        e: 'Unit price is required.',
        g: 'Unit cost must be a number with at most two decimals.',
      });
      expect(f.ok).toBe(false);
    });

    it('reads quantities in ten-thousandths', () => {
      const f = new FormCheck({ a: '2.5', b: '1.23456', c: '1000000.0001', d: '-1' });
      expect(f.quantity('a', { label: 'Quantity', required: true, min: 0, max: MAX_QUANTITY })).toBe(25_000);
      f.quantity('b', { label: 'Quantity', min: 0, max: MAX_QUANTITY });
      f.quantity('c', { label: 'Quantity', min: 0, max: MAX_QUANTITY });
      f.quantity('d', { label: 'Quantity', min: 0, max: MAX_QUANTITY });
      expect(f.errors).toEqual({
        b: 'Quantity must be a number with at most four decimals.',
        c: 'Quantity must be at most 1,000,000.',
        d: 'Quantity must be at least 0.',
      });
    });

    it('reads rates in thousandths of a percent', () => {
      const f = new FormCheck({ a: '8.875', b: '8.8755', c: '50.001', d: '-101' });
      expect(f.rate('a', { label: 'Tax rate', min: 0, max: 50_000 })).toBe(8_875);
      f.rate('b', { label: 'Tax rate', min: 0, max: 50_000 });
      f.rate('c', { label: 'Tax rate', min: 0, max: 50_000 });
      f.rate('d', { label: 'Markup', min: -100_000 });
      expect(f.errors).toEqual({
        b: 'Tax rate must be a number with at most three decimals.',
        c: 'Tax rate must be at most 50%.',
        d: 'Markup must be at least -100%.',
      });
    });

    it('is ok when every field is', () => {
      const f = new FormCheck({ a: '1' });
      f.money('a', { label: 'A', required: true });
      f.quantity('a', { label: 'A', required: true });
      f.rate('a', { label: 'A', required: true });
      expect(f.ok).toBe(true);
    });
  });
});

describe('money properties', () => {
  // Money in one place: every bid total, amount due and balance comes from src/budget/totals.ts,
  // exact in BigInt and rounded once per line, half away from zero.

  /** n/d rounded half away from zero on the exact rational: the reference the module must match. */
  function roundRef(n: bigint, d: bigint): bigint {
    const negative = n < 0n !== d < 0n;
    const an = n < 0n ? -n : n;
    const ad = d < 0n ? -d : d;
    const q = (2n * an + ad) / (2n * ad);
    return negative ? -q : q;
  }

  /** The bid total by definition: each priced line's exact product rounded once, the rounded cents summed exactly. */
  const reference = (lines: BidLineAmount[]) =>
    lines.reduce(
      (sum, l) =>
        l.unitCost === null ? sum : sum + roundRef(BigInt(l.quantity) * BigInt(l.unitCost), BigInt(QTY_SCALE)),
      0n,
    );

  /** The float formula bids used before: what the module replaces. */
  const floatTotal = (lines: BidLineAmount[]) =>
    lines.reduce((sum, l) => sum + (l.unitCost === null ? 0 : Math.round((l.quantity * l.unitCost) / 10_000)), 0);

  const costArb = fc.option(fc.integer({ min: 0, max: MAX_UNIT_AMOUNT }), { nil: null, freq: 4 });
  const lineArb = fc.record({ quantity: fc.integer({ min: 0, max: MAX_QUANTITY }), unitCost: costArb });
  const bidArb = fc.array(lineArb, { maxLength: 40 });
  /** Lines a bid may hold: a document's quantities, unit costs, and the per-line cap. */
  const acceptedLineArb = lineArb.filter(
    (l) => l.unitCost === null || lineTotal(l.quantity, l.unitCost) <= MAX_LINE_TOTAL,
  );

  describe('bidTotal', () => {
    it('equals the exact BigInt sum of the half-away-from-zero rounded line totals', () => {
      fc.assert(
        fc.property(bidArb, (lines) => {
          expect(bidTotalCents(lines)).toBe(reference(lines));
          const exact = reference(lines);
          if (exact <= BigInt(Number.MAX_SAFE_INTEGER)) expect(bidTotal(lines)).toBe(Number(exact));
        }),
        { numRuns: 2000 },
      );
    });

    it('is the sum of lineTotal over the priced lines (the same rounding as every document line)', () => {
      fc.assert(
        fc.property(fc.array(acceptedLineArb, { maxLength: 60 }), (lines) => {
          expect(bidTotal(lines)).toBe(
            lines.reduce((sum, l) => sum + (l.unitCost === null ? 0 : lineTotal(l.quantity, l.unitCost)), 0),
          );
        }),
        { numRuns: 1000 },
      );
    });

    it('never loses precision past 2^53 cents: exact in BigInt, and a number only when exact', () => {
      const huge = fc.record({
        quantity: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        unitCost: fc.option(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
      });
      fc.assert(
        fc.property(fc.array(huge, { minLength: 1, maxLength: 20 }), (lines) => {
          const exact = reference(lines);
          expect(bidTotalCents(lines)).toBe(exact);
          const safe = exact <= BigInt(Number.MAX_SAFE_INTEGER) && exact >= -BigInt(Number.MAX_SAFE_INTEGER);
          if (safe) expect(BigInt(bidTotal(lines))).toBe(exact);
          else expect(() => bidTotal(lines)).toThrow(RangeError);
        }),
        { numRuns: 1000 },
      );
    });

    it('where floats go wrong, it does not: a line past 2^53 before dividing, and a sum that passes it', () => {
      // 1,000,000 units at $9,999,999.98: the product is far past 2^53 before it is divided.
      const big = [
        { quantity: MAX_QUANTITY, unitCost: MAX_UNIT_AMOUNT - 1 },
        { quantity: 3, unitCost: 1 },
      ];
      expect(bidTotalCents(big)).toBe(999_999_999_000_000n);
      expect(bidTotal(big)).toBe(999_999_999_000_000);
      // A line the old form accepted (900,062 units at $9,953,672.57): the float is a cent off.
      const line = [{ quantity: 9_000_622_893, unitCost: 995_367_257 }];
      expect(bidTotal(line)).toBe(895_892_532_029_681);
      expect(floatTotal(line)).toBe(895_892_532_029_682);
      // Ten lines at the highest line total the old code accepted pass 2^53 in sum: exact, or refused.
      const past = Array.from({ length: 10 }, () => ({ quantity: MAX_QUANTITY, unitCost: MAX_UNIT_AMOUNT }));
      expect(bidTotalCents(past)).toBe(10n * 10n ** 15n);
      expect(() => bidTotal(past)).toThrow(RangeError);
    });

    it('a bid the actions accept (capped lines, at most MAX_LINES of them) always has an exact number total', () => {
      const worst = Array.from({ length: MAX_LINES }, () => ({ quantity: 10_000, unitCost: MAX_LINE_TOTAL }));
      expect(bidTotal(worst)).toBe(MAX_LINES * MAX_LINE_TOTAL);
      expect(Number.isSafeInteger(MAX_LINES * MAX_LINE_TOTAL)).toBe(true);
    });

    it('rounds half away from zero, symmetrically for negatives (floats round half toward +∞)', () => {
      expect(bidTotal([{ quantity: 5_000, unitCost: 1 }])).toBe(1);
      expect(bidTotal([{ quantity: 5_000, unitCost: -1 }])).toBe(-1);
      expect(floatTotal([{ quantity: 5_000, unitCost: -1 }])).toBe(0); // Math.round(-0.5) is -0: half toward +∞
      expect(bidTotal([{ quantity: 15_000, unitCost: -333 }])).toBe(-500);
      fc.assert(
        fc.property(bidArb, (lines) => {
          const negated = lines.map((l) => ({ ...l, unitCost: l.unitCost === null ? null : -l.unitCost }));
          expect(bidTotalCents(negated)).toBe(-bidTotalCents(lines));
          expect(Object.is(bidTotal([]), 0)).toBe(true);
        }),
        { numRuns: 1000 },
      );
    });

    it('lines without a cost count nothing, and the order of lines does not matter', () => {
      fc.assert(
        fc.property(bidArb, fc.array(fc.integer({ min: 0, max: MAX_QUANTITY }), { maxLength: 10 }), (lines, blanks) => {
          const withBlanks = [...lines, ...blanks.map((quantity) => ({ quantity, unitCost: null }))];
          expect(bidTotalCents(withBlanks)).toBe(bidTotalCents(lines));
          expect(bidTotalCents([...lines].reverse())).toBe(bidTotalCents(lines));
        }),
      );
    });
  });

  describe('balance and amount due', () => {
    const centsArb = fc.integer({ min: 0, max: 10 ** 13 });

    it('the balance is the total less what was paid, and paid is their exact sum', () => {
      fc.assert(
        fc.property(centsArb, fc.array(centsArb, { maxLength: 20 }), (total, payments) => {
          const { paid, balance } = paymentTotals(total, payments);
          expect(BigInt(paid)).toBe(payments.reduce((a, p) => a + BigInt(p), 0n));
          expect(paid + balance).toBe(total);
        }),
      );
    });

    it('amount due is the deposit while one is due, never more than the balance, else the balance', () => {
      fc.assert(
        fc.property(centsArb, centsArb, fc.array(centsArb, { maxLength: 5 }), (unitPrice, fixed, payments) => {
          const lines = [{ kind: 'item' as const, quantity: QTY_SCALE, unitAmount: unitPrice, taxable: false }];
          const t = documentTotals(lines, 0, { kind: 'fixed', amount: fixed }, payments);
          const due = amountDue(t);
          expect(t.balance).toBe(t.total - t.paid);
          if (t.deposit > 0) expect(due).toBe(Math.min(t.deposit, t.balance));
          else expect(due).toBe(t.balance);
          expect(amountDue({ ...t, deposit: 0 })).toBe(t.balance);
        }),
      );
    });
  });

  describe('one bid, one total: the email, the activity and every page agree', () => {
    let co: Awaited<ReturnType<typeof companyWithBudget>>;
    let id: string;
    let vendor: Browser;
    let hash: string;
    let lineIds: string[];

    beforeAll(async () => {
      co = await companyWithBudget({ company: 'Money Builders' });
      id = await createDocument(co.browser, co.jobId, 'bid_request', { all: '1' });
      await editDraft(co.browser, id, (f) =>
        f.map(([k, v]) => [k, k === 'accountId' ? co.vendorId : k === 'contactId' ? co.vendorContact.id : v]),
      );
      const { link } = await sendDocument(co.browser, id);
      vendor = new Browser();
      await vendor.get(link);
      const page = await (await vendor.get(`/portal/documents/${id}`)).text();
      hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
      lineIds = [...page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    });

    it('for any unit costs, the bid total is bidTotal of the lines, in the email, the activity, the compare page, the document page and the portal', async () => {
      const quantities = new Map(
        (await db().select().from(documentLines).where(eq(documentLines.documentId, id))).map((l) => [
          l.id,
          l.quantity,
        ]),
      );
      expect(lineIds.length).toBeGreaterThanOrEqual(3);
      const costs = fc.array(fc.option(fc.integer({ min: 0, max: MAX_UNIT_AMOUNT }), { nil: null, freq: 3 }), {
        minLength: lineIds.length,
        maxLength: lineIds.length,
      });
      await fc.assert(
        fc.asyncProperty(
          costs.filter((c) => c.some((x) => x !== null)),
          async (unitCosts) => {
            const fields: Record<string, string> = { versionHash: hash };
            lineIds.forEach(
              (lineId, i) => (fields[`cost.${lineId}`] = unitCosts[i] === null ? '' : (unitCosts[i]! / 100).toFixed(2)),
            );
            const res = await vendor.post(`/portal/documents/${id}/bid`, fields);
            expect(res.status).toBe(303);
            const expected = bidTotal(
              lineIds.map((lineId, i) => ({ quantity: quantities.get(lineId)!, unitCost: unitCosts[i] })),
            );
            const shown = money(expected, 'USD');

            const [bid] = await db().select().from(bids).where(eq(bids.documentId, id));
            const stored = await db().select().from(bidLines).where(eq(bidLines.bidId, bid.id));
            expect(bidTotal(stored.map((l) => ({ quantity: quantities.get(l.lineId)!, unitCost: l.unitCost })))).toBe(
              expected,
            );
            const events = await db().select().from(activity).where(eq(activity.documentId, id));
            const last = events
              .filter((e) => e.action === 'bid_submitted')
              .sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0))[0];
            expect(JSON.parse(last.data!).total).toBe(expected);
            const mails = await db().query.outbox.findMany({
              where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'decision')),
              orderBy: (o, { desc }) => desc(o.createdAt),
            });
            expect(mails[0].text).toContain(`totals ${shown}.`);
            expect(await (await co.browser.get(`/jobs/${co.jobId}/bids`)).text()).toContain(shown);
            expect(await (await co.browser.get(`/documents/${id}`)).text()).toContain(shown);
            expect(await (await vendor.get(`/portal/documents/${id}`)).text()).toContain(shown);
          },
        ),
        { numRuns: 6 },
      );
    });
  });
});
