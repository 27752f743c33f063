import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_UNIT_AMOUNT } from '../src/budget/totals';
import { contractorActor } from '../src/conversation/activity';
import { database } from '../src/db/client';
import { bidLines, bids, costItems, documents } from '../src/db/schema';
import { Refused } from '../src/errors';
import { acceptBid } from '../src/signing/actions';
import { Browser, db } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { addGroup, addItem, itemFields } from './pages';

// Finding 4: a bid is held to the budget item form's own limits (unit cost at most $10,000,000, a
// line at most $10 billion), in its words; accepting a bid never writes a cost the budget form would
// refuse, even when the item changed after the request was sent.

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Bid Bounds Co' });
});

/** A bid request for one item of `quantity` units, sent to the vendor; the vendor's browser, page and line. */
async function requestFor(name: string, quantity: string) {
  const groupId = await addGroup(co.browser, co.jobId, `${name} group`);
  const itemId = await addItem(co.browser, co.jobId, groupId, {
    name,
    quantity,
    unitCost: '1.00',
    vendorAccountId: co.vendorId,
  });
  const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: groupId });
  const { link } = await sendDocument(co.browser, id);
  const vendor = new Browser();
  expect((await vendor.get(link)).status).toBe(303);
  const page = await (await vendor.get(`/portal/documents/${id}`)).text();
  const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
  const line = /name="cost\.([a-z0-9]+)"/.exec(page)![1];
  const bid = (cost: string) =>
    vendor.post(`/portal/documents/${id}/bid`, { versionHash: hash, [`cost.${line}`]: cost, note: 'Firm price' });
  return { id, groupId, itemId, vendor, bid };
}

const item = async (id: string) => (await db().select().from(costItems).where(eq(costItems.id, id)))[0];
const bidCount = (documentId: string) => db().$count(bids, eq(bids.documentId, documentId));

describe('a bid is bounded like a budget item', () => {
  it('refuses a unit cost over the budget form’s maximum: 422, the form kept, nothing stored', async () => {
    const r = await requestFor('Rebar', '10');
    const res = await r.bid('10,000,000.01');
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Unit cost for Rebar must be at most 10,000,000.');
    expect(html).toContain('value="10,000,000.01"');
    expect(html).toContain('Firm price');
    expect(await bidCount(r.id)).toBe(0);
  });

  it('refuses $10,000,000 a unit on 1,000,000 units in the budget form’s words: 422, the form kept', async () => {
    const r = await requestFor('Slab', '1000000');
    const res = await r.bid('10000000');
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Quantity × unit cost for Slab is larger than we can handle ($10 billion per item).');
    expect(html).toContain('value="10000000"');
    expect(await bidCount(r.id)).toBe(0);
    // The budget form refuses the same line with the same limit.
    const budget = await co.browser.post(
      `/jobs/${co.jobId}/items/${r.itemId}`,
      itemFields(r.groupId, { name: 'Slab', quantity: '1000000', unitCost: '10000000', markup: '0' }),
    );
    expect(budget.status).toBe(422);
    expect(await budget.text()).toContain('larger than we can handle ($10 billion per item)');
    // At the limit it is taken.
    expect((await r.bid('10000')).status).toBe(303);
  });
});

describe('accepting a bid never writes a cost the budget form would refuse', () => {
  it('refuses (422) a bid whose cost would push the item past $10 billion since its quantity grew; nothing changes', async () => {
    const r = await requestFor('Footings', '1000');
    // 1,000 × $10,000,000 is exactly $10 billion: within the limit when bid.
    expect((await r.bid('10000000')).status).toBe(303);
    // The contractor then raises the item's quantity, which the budget form allows at its $1.00 cost.
    const grown = await co.browser.post(
      `/jobs/${co.jobId}/items/${r.itemId}`,
      itemFields(r.groupId, { name: 'Footings', quantity: '1000000', unitCost: '1.00', vendorAccountId: co.vendorId }),
    );
    expect(grown.status).toBe(303);
    const res = await co.browser.post(`/documents/${r.id}/accept-bid`, { confirm: 'yes' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain(
      'Quantity × unit cost for Footings is larger than we can handle ($10 billion per item).',
    );
    expect(await item(r.itemId)).toMatchObject({ unitCost: 100, quantity: 1_000_000 * 10_000, acceptedBidId: null });
    expect((await db().select().from(bids).where(eq(bids.documentId, r.id)))[0].status).toBe('submitted');
    expect((await db().query.documents.findFirst({ where: eq(documents.id, r.id) }))?.status).toBe('submitted');
    // Back within the limit, the same bid is accepted.
    await co.browser.post(
      `/jobs/${co.jobId}/items/${r.itemId}`,
      itemFields(r.groupId, { name: 'Footings', quantity: '1000', unitCost: '1.00', vendorAccountId: co.vendorId }),
    );
    expect((await co.browser.post(`/documents/${r.id}/accept-bid`, { confirm: 'yes' })).status).toBe(303);
    expect(await item(r.itemId)).toMatchObject({ unitCost: MAX_UNIT_AMOUNT, quantity: 1000 * 10_000 });
  });

  it('eight accepts at once of a bid past the limit: every one 422, the budget untouched', async () => {
    const r = await requestFor('Columns', '1000');
    expect((await r.bid('10000000')).status).toBe(303);
    await co.browser.post(
      `/jobs/${co.jobId}/items/${r.itemId}`,
      itemFields(r.groupId, { name: 'Columns', quantity: '2000', unitCost: '1.00', vendorAccountId: co.vendorId }),
    );
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        co.browser.post(`/documents/${r.id}/accept-bid`, { confirm: 'yes' }).then((res) => res.status),
      ),
    );
    expect(answers).toEqual(Array(8).fill(422));
    expect(await item(r.itemId)).toMatchObject({ unitCost: 100, acceptedBidId: null });
    expect((await db().query.documents.findFirst({ where: eq(documents.id, r.id) }))?.status).toBe('submitted');
  });

  it('acceptBid refuses a stored unit cost past the budget maximum (a bid from before the bounds)', async () => {
    const r = await requestFor('Piers', '1');
    expect((await r.bid('50.00')).status).toBe(303);
    const [bid] = await db().select().from(bids).where(eq(bids.documentId, r.id));
    await db()
      .update(bidLines)
      .set({ unitCost: MAX_UNIT_AMOUNT + 1 })
      .where(eq(bidLines.bidId, bid.id));
    const owner = contractorActor({ id: co.userId, name: 'Owner Person' });
    const input = { orgId: co.orgId, documentId: r.id, timeZone: 'America/Chicago', origin: 'http://localhost' };
    const err = await acceptBid(env, database(env.DB), owner, input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Refused);
    expect((err as Refused).message).toBe('Unit cost for Piers must be at most 10,000,000.');
    expect(await item(r.itemId)).toMatchObject({ unitCost: 100, acceptedBidId: null });
    expect(await db().$count(bids, and(eq(bids.documentId, r.id), eq(bids.status, 'submitted')))).toBe(1);
  });
});
