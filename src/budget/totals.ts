// The one pure module for money math. Money is integer cents; quantities are integer
// ten-thousandths; rates are thousandths of a percent (8.875% = 8875, so 100% = 100000).
// Every division rounds once, half away from zero, on exact BigInt arithmetic.

export const QTY_SCALE = 10_000;
export const RATE_SCALE = 100_000; // 100% in thousandths of a percent
export const MAX_QUANTITY = 1_000_000 * QTY_SCALE; // a million units
export const MAX_UNIT_AMOUNT = 1_000_000_000; // $10,000,000.00 per unit
export const MAX_LINE_TOTAL = 1_000_000_000_000; // $10,000,000,000.00: keeps 1,000 lines exactly representable

/** Divides exactly and rounds half away from zero. */
export function divRound(numerator: bigint, denominator: bigint): number {
  const result = Number(divRoundExact(numerator, denominator));
  return result === 0 ? 0 : result; // never -0
}

/** divRound without leaving BigInt: for sums that may pass 2^53 before they are checked. */
export function divRoundExact(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let q = n / d;
  if ((n % d) * 2n >= d) q += 1n;
  return negative ? -q : q;
}

/** Cents as a number, only when exact: a sum past 2^53 throws rather than comes back rounded. */
export function exactCents(cents: bigint): number {
  if (cents > BigInt(Number.MAX_SAFE_INTEGER) || cents < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${cents} cents is past what a number holds exactly`);
  }
  return Number(cents);
}

export function lineTotal(quantity: number, unitAmount: number): number {
  return divRound(BigInt(quantity) * BigInt(unitAmount), BigInt(QTY_SCALE));
}

export function priceFromMarkup(unitCost: number, markup: number): number {
  return divRound(BigInt(unitCost) * BigInt(RATE_SCALE + markup), BigInt(RATE_SCALE));
}

/** Markup of a price over its cost, in thousandths of a percent; null when the cost is zero. */
export function markupOf(unitCost: number, unitPrice: number): number | null {
  if (unitCost === 0) return null;
  return divRound(BigInt(unitPrice - unitCost) * BigInt(RATE_SCALE), BigInt(unitCost));
}

export function percentOf(amount: number, rate: number): number {
  return divRound(BigInt(amount) * BigInt(rate), BigInt(RATE_SCALE));
}

/** Margin as thousandths of a percent of the price; null when the price is zero. */
export function marginRate(cost: number, price: number): number | null {
  if (price === 0) return null;
  return divRound(BigInt(price - cost) * BigInt(RATE_SCALE), BigInt(price));
}

export interface BudgetLine {
  groupId: string;
  quantity: number;
  unitCost: number;
  unitPrice: number;
}

export interface Rollup {
  cost: number;
  price: number;
  margin: number;
  marginRate: number | null;
}

/** A group's or a job's cost and price with their margin. */
export function rollup(cost: number, price: number): Rollup {
  return { cost, price, margin: price - cost, marginRate: marginRate(cost, price) };
}

/** Totals per group and for the whole job: each line rounded once, sums exact. */
export function budgetTotals(items: BudgetLine[]): { groups: Map<string, Rollup>; job: Rollup } {
  const sums = new Map<string, { cost: number; price: number }>();
  let cost = 0;
  let price = 0;
  for (const item of items) {
    const c = lineTotal(item.quantity, item.unitCost);
    const p = lineTotal(item.quantity, item.unitPrice);
    const g = sums.get(item.groupId) ?? { cost: 0, price: 0 };
    g.cost += c;
    g.price += p;
    sums.set(item.groupId, g);
    cost += c;
    price += p;
  }
  const groups = new Map<string, Rollup>();
  for (const [id, g] of sums) groups.set(id, rollup(g.cost, g.price));
  return { groups, job: rollup(cost, price) };
}

export interface DocumentLineAmounts {
  kind: 'item' | 'group';
  quantity: number;
  unitAmount: number; // price for customer-facing documents, cost for vendor-facing ones
  taxable: boolean;
}

export type Deposit = { kind: 'none' } | { kind: 'percent'; rate: number } | { kind: 'fixed'; amount: number };

export interface DocumentTotals {
  subtotal: number;
  taxableSubtotal: number;
  tax: number;
  total: number;
  deposit: number;
  paid: number;
  balance: number;
  lineTotals: number[];
}

export function documentTotals(
  lines: DocumentLineAmounts[],
  taxRate: number,
  deposit: Deposit,
  payments: number[] = [],
): DocumentTotals {
  let subtotal = 0;
  let taxableSubtotal = 0;
  const lineTotals = lines.map((l) => {
    if (l.kind === 'group') return 0;
    const t = lineTotal(l.quantity, l.unitAmount);
    subtotal += t;
    if (l.taxable) taxableSubtotal += t;
    return t;
  });
  return { ...summedTotals(subtotal, taxableSubtotal, taxRate, deposit, payments), lineTotals };
}

/** A document's totals from its lines' sums (each line rounded once, as lineTotal does); no per-line totals. */
export function summedTotals(
  subtotal: number,
  taxableSubtotal: number,
  taxRate: number,
  deposit: Deposit,
  payments: readonly number[] = [],
): Omit<DocumentTotals, 'lineTotals'> {
  const tax = percentOf(taxableSubtotal, taxRate);
  const total = subtotal + tax;
  const depositAmount =
    deposit.kind === 'percent'
      ? percentOf(total, deposit.rate)
      : deposit.kind === 'fixed'
        ? Math.min(deposit.amount, Math.max(total, 0))
        : 0;
  return {
    subtotal,
    taxableSubtotal,
    tax,
    total,
    deposit: depositAmount,
    ...paymentTotals(total, payments),
  };
}

/** What was paid and what is left of a total: the one place the balance is computed. */
export function paymentTotals(total: number, payments: readonly number[]): { paid: number; balance: number } {
  const paid = payments.reduce((a, b) => a + b, 0);
  return { paid, balance: total - paid };
}

/** What the customer is asked to pay now: the deposit while one is due (at most the balance), else the balance. */
export function amountDue(totals: Pick<DocumentTotals, 'deposit' | 'balance'>): number {
  return totals.deposit > 0 ? Math.min(totals.deposit, totals.balance) : totals.balance;
}

/** One line of a bid: the requested quantity and the vendor's unit cost, null where they did not bid. */
export interface BidLineAmount {
  quantity: number;
  unitCost: number | null;
}

/** A bid's total in exact cents: each priced line rounded once (half away from zero), summed without rounding. */
export function bidTotalCents(lines: readonly BidLineAmount[]): bigint {
  let sum = 0n;
  for (const l of lines) {
    if (l.unitCost !== null) sum += divRoundExact(BigInt(l.quantity) * BigInt(l.unitCost), BigInt(QTY_SCALE));
  }
  return sum;
}

/**
 * A bid's total in cents: the number every page, email and activity shows. Exact, or a RangeError
 * past 2^53 (a bid line is capped at MAX_LINE_TOTAL and a document at 1,000 lines, so a bid that
 * was accepted never gets there).
 */
export function bidTotal(lines: readonly BidLineAmount[]): number {
  return exactCents(bidTotalCents(lines));
}
