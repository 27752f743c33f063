import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { money } from '../views/format';
import {
  amountDue,
  bidTotal,
  bidTotalCents,
  documentTotals,
  lineTotal,
  MAX_LINE_TOTAL,
  MAX_QUANTITY,
  MAX_UNIT_AMOUNT,
  paymentTotals,
  QTY_SCALE,
  type BidLineAmount,
} from '../src/budget/totals';
import { MAX_LINES } from '../src/documents/drafts';
import { activity, bidLines, bids, documentLines } from '../src/db/schema';
import { Browser, db } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { editDraft } from './portal-fixtures';

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
      (await db().select().from(documentLines).where(eq(documentLines.documentId, id))).map((l) => [l.id, l.quantity]),
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
