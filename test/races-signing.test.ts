import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { bidTotal } from '../src/budget/totals';
import { activity, bidLines, bids, costItems, documentLines, documents, signatures } from '../src/db/schema';
import { createAccount, db } from './helpers';
import { companyWithBudget, sentToRecipient } from './fixtures';

// Concurrent decisions through the Worker: N requests at the same moment, and the exact outcome.

const N = 8;

let co: Awaited<ReturnType<typeof companyWithBudget>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Race Builders' });
});

/** A document sent to the customer (or a vendor), opened in the recipient's browser: its id, that browser, the page's version hash. */
async function sentTo(kind: string, fields?: Record<string, string>, vendorId?: string) {
  const { id, r, page, hash } = await sentToRecipient(co, kind, fields, vendorId);
  const lineIds = [...page.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
  return { id, r, hash, lineIds };
}

const actions = (id: string, action: string) =>
  db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, action)));
const statusOf = async (id: string) => (await db().query.documents.findFirst({ where: eq(documents.id, id) }))?.status;

describe(`${N} at once`, () => {
  it('Approve & sign: one signature, the others 409 "already signed", one signed event and one email', async () => {
    const { id, r, hash } = await sentTo('estimate');
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        r.post(`/portal/documents/${id}/sign`, {
          versionHash: hash,
          idempotencyKey: `race-sign-${i}`,
          name: 'Dana Reyes',
          method: 'typed',
          consent: 'yes',
        }),
      ),
    );
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([303, ...Array(N - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(await a.text()).toContain('already been signed');
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
    expect(await actions(id, 'signed')).toBe(1);
    expect(await actions(id, 'consented')).toBe(1);
    const mails = await db().query.outbox.findMany({
      where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'decision')),
    });
    expect(mails).toHaveLength(1);
    expect(await statusOf(id)).toBe('approved');
  });

  it('the same form submitted N times (one idempotency key): every answer is the one signature', async () => {
    const { id, r, hash } = await sentTo('proposal', { group: co.groups.demolition });
    const answers = await Promise.all(
      Array.from({ length: N }, () =>
        r.post(`/portal/documents/${id}/sign`, {
          versionHash: hash,
          idempotencyKey: 'race-same-key',
          name: 'Dana Reyes',
          method: 'typed',
          consent: 'yes',
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(303));
    expect(await db().$count(signatures, eq(signatures.documentId, id))).toBe(1);
    expect(await actions(id, 'signed')).toBe(1);
  });

  it('decline and sign at once: exactly one decision stands, every other answer is 409, never a 5xx', async () => {
    const { id, r, hash } = await sentTo('change_order', { group: co.groups.demolition });
    const groupsBefore = await actions(id, 'budget_updated');
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        i % 2
          ? r.post(`/portal/documents/${id}/decline`, { versionHash: hash, reason: `No, ${i}`, confirm: 'yes' })
          : r.post(`/portal/documents/${id}/sign`, {
              versionHash: hash,
              idempotencyKey: `race-mixed-${i}`,
              name: 'Dana Reyes',
              method: 'typed',
              consent: 'yes',
            }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(N - 1);
    const rows = await db().select().from(signatures).where(eq(signatures.documentId, id));
    expect(rows).toHaveLength(1);
    const winner = statuses.indexOf(303);
    const signed = winner % 2 === 0;
    expect(rows[0].outcome).toBe(signed ? 'signed' : 'declined');
    expect(await statusOf(id)).toBe(signed ? 'approved' : 'declined');
    expect((await actions(id, 'signed')) + (await actions(id, 'declined'))).toBe(1);
    // A change order's lines reach the budget only with its approval, and only once.
    expect(await actions(id, 'budget_updated')).toBe(groupsBefore + (signed ? 1 : 0));
  });

  it('a vendor submits the bid N times: one bid row, its lines from one submission, every answer 303, never a 5xx', async () => {
    const { id, r, hash, lineIds } = await sentTo('bid_request', { group: co.groups.demolition }, co.vendorId);
    expect(lineIds.length).toBe(2);
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        r.post(`/portal/documents/${id}/bid`, {
          versionHash: hash,
          [`cost.${lineIds[0]}`]: `${60 + i}.00`,
          [`cost.${lineIds[1]}`]: `${500 + i}.00`,
          note: `Try ${i}`,
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(N).fill(303));
    const rows = await db().select().from(bids).where(eq(bids.documentId, id));
    expect(rows).toHaveLength(1);
    const lines = await db().select().from(bidLines).where(eq(bidLines.bidId, rows[0].id));
    expect(lines.map((l) => l.lineId).sort()).toEqual([...lineIds].sort());
    // Both lines and the note come from the same submission i.
    const i = Number(rows[0].note.replace('Try ', ''));
    const byLine = new Map(lines.map((l) => [l.lineId, l.unitCost]));
    expect(byLine.get(lineIds[0])).toBe((60 + i) * 100);
    expect(byLine.get(lineIds[1])).toBe((500 + i) * 100);
    expect(await actions(id, 'bid_submitted')).toBe(N);
    // The newest event's total is the stored bid's.
    const events = (
      await db()
        .select()
        .from(activity)
        .where(and(eq(activity.documentId, id), eq(activity.action, 'bid_submitted')))
    ).sort((a, b) => a.seq! - b.seq!);
    const quantities = new Map(
      (await db().select().from(documentLines).where(eq(documentLines.documentId, id))).map((l) => [l.id, l.quantity]),
    );
    const total = bidTotal(lines.map((l) => ({ quantity: quantities.get(l.lineId)!, unitCost: l.unitCost })));
    expect(JSON.parse(events.at(-1)!.data!).total).toBe(total);
    expect(events.map((e) => JSON.parse(e.data!).revised)).toEqual([false, ...Array(N - 1).fill(true)]);
    expect(await statusOf(id)).toBe('submitted');
  });

  it('the contractor accepts the bid N times: one acceptance, the budget written once, one event, the rival closed once', async () => {
    const a = await sentTo('bid_request', { group: co.groups.electrical }, co.vendorId);
    const rivalId = await createAccount(co.browser, 'vendor', 'Rival Electric');
    const b = await sentTo('bid_request', { group: co.groups.electrical }, rivalId);
    expect(
      (
        await a.r.post(`/portal/documents/${a.id}/bid`, {
          versionHash: a.hash,
          [`cost.${a.lineIds[0]}`]: '4000',
          [`cost.${a.lineIds[1]}`]: '45',
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await b.r.post(`/portal/documents/${b.id}/bid`, {
          versionHash: b.hash,
          [`cost.${b.lineIds[0]}`]: '4100',
          [`cost.${b.lineIds[1]}`]: '44',
        })
      ).status,
    ).toBe(303);
    const answers = await Promise.all(
      Array.from({ length: N }, () => co.browser.post(`/documents/${a.id}/accept-bid`, { confirm: 'yes' })),
    );
    expect(answers.map((x) => x.status).sort()).toEqual([303, ...Array(N - 1).fill(409)]);
    for (const x of answers.filter((y) => y.status === 409))
      expect(await x.text()).toContain('There is no submitted bid to accept on this request.');
    expect(await statusOf(a.id)).toBe('accepted');
    expect(await statusOf(b.id)).toBe('rejected');
    const [accepted] = await db().select().from(bids).where(eq(bids.documentId, a.id));
    expect(accepted.status).toBe('accepted');
    expect((await db().select().from(bids).where(eq(bids.documentId, b.id)))[0].status).toBe('not_accepted');
    const items = await db()
      .select()
      .from(costItems)
      .where(and(eq(costItems.groupId, co.groups.electrical), eq(costItems.acceptedBidId, accepted.id)));
    expect(items.map((i) => i.unitCost).sort((x, y) => x - y)).toEqual([4_500, 400_000]);
    expect(new Set(items.map((i) => i.updatedAt)).size).toBe(1);
    expect(await actions(a.id, 'bid_accepted')).toBe(1);
    expect(await actions(b.id, 'bid_not_accepted')).toBe(1);
  });
});
