import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_LINE_TOTAL,
  MAX_QUANTITY,
  MAX_UNIT_AMOUNT,
  QTY_SCALE,
  RATE_SCALE,
  budgetTotals,
  divRound,
  documentTotals,
  lineTotal,
  markupOf,
  marginRate,
  percentOf,
  priceFromMarkup,
  type BudgetLine,
  type Deposit,
  type DocumentLineAmounts,
} from '../src/budget/totals';
import { FormCheck, isValidIsoDate, parseDecimal } from '../src/http/validate';

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
      fc.property(fc.integer({ min: 1, max: 99_999 }), fc.integer({ min: 0, max: MAX_UNIT_AMOUNT }), (cost, price) => {
        expect(priceFromMarkup(cost, markupOf(cost, price)!)).toBe(price);
      }),
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
