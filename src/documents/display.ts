// Issue 20: what the recipient is shown of a document's numbers. Stored as JSON on each version (and on
// each template), so a sent version keeps what it was sent with. Hidden numbers still drive every
// total; they are removed from what the recipient can reach (the recipient's snapshot, so the portal
// page, PDF, emails, live updates and certificate never hold them).

import { defaultChosen, includedLines } from './choices';
import type { DocumentSnapshot, SnapshotLine } from './snapshot';

export const displayModes = ['itemized', 'group_subtotals', 'lump_sum'] as const;
export type DisplayMode = (typeof displayModes)[number];

export interface DisplayOptions {
  /** 'itemized' (each line, with the columns below), 'group_subtotals' (groups' subtotals only), 'lump_sum'
   * (one total with the scope text). */
  mode: DisplayMode;
  /** In 'itemized': show each line's unit price (unit cost to vendors). */
  unitPrices: boolean;
  /** In 'itemized': show each line's quantity and unit. */
  quantities: boolean;
  /** In 'itemized': show each line's total. */
  lineTotals: boolean;
}

export const FULL_DISPLAY: DisplayOptions = Object.freeze({
  mode: 'itemized',
  unitPrices: true,
  quantities: true,
  lineTotals: true,
}) as DisplayOptions;

/** Stored JSON as options: anything missing or unreadable is shown (the pre-issue-20 document shows everything). */
export function parseDisplay(json: string | null | undefined): DisplayOptions {
  if (!json) return FULL_DISPLAY;
  try {
    const v = JSON.parse(json) as Partial<DisplayOptions>;
    return {
      mode: displayModes.includes(v.mode as DisplayMode) ? (v.mode as DisplayMode) : 'itemized',
      unitPrices: v.unitPrices !== false,
      quantities: v.quantities !== false,
      lineTotals: v.lineTotals !== false,
    };
  } catch {
    return FULL_DISPLAY;
  }
}

export const displayJson = (d: DisplayOptions) =>
  JSON.stringify({ mode: d.mode, unitPrices: d.unitPrices, quantities: d.quantities, lineTotals: d.lineTotals });

/** A snapshot line as a renderer reads it: a number the display hides is absent, never zero. */
export type ShownLine = Omit<SnapshotLine, 'quantity' | 'unit' | 'unitAmount' | 'total'> &
  Partial<Pick<SnapshotLine, 'quantity' | 'unit' | 'unitAmount' | 'total'>> & {
    /** On a group line: what its counted items add up to, where the recipient is shown it. */
    subtotal?: number;
    /** On a choice line of a recipient's snapshot: whether the totals count it (the preselection, or chosen). */
    included?: boolean;
  };

/** What the document renderers take: a full snapshot (the contractor's page) or a recipient's. */
export type ShownSnapshot = Omit<DocumentSnapshot, 'lines'> & { lines: ShownLine[] };

declare const recipientOnly: unique symbol;
/** A snapshot with the hidden numbers removed: the only kind a recipient's page or PDF is made from. */
export type RecipientSnapshot = ShownSnapshot & { readonly [recipientOnly]: true };

/** What the document shows: only customer documents hide numbers (a vendor prices or supplies every line). */
export function displayOf(s: Pick<DocumentSnapshot, 'display' | 'side' | 'amountColumn'>): DisplayOptions {
  return s.side === 'customer' && s.amountColumn === 'price' && s.display ? s.display : FULL_DISPLAY;
}

const full = (d: DisplayOptions) => d.mode === 'itemized' && d.unitPrices && d.quantities && d.lineTotals;

/**
 * The lines a snapshot counts in its totals: every line of a chosen snapshot (it holds only the chosen
 * ones), else the preselection's.
 */
export function countedLines<L extends ShownLine>(s: { lines: L[]; chosen?: unknown }): Set<L> {
  return new Set(s.chosen ? s.lines : includedLines(s.lines, defaultChosen(s.lines)));
}

/**
 * The snapshot a recipient is shown: every number its display hides removed from the lines, the totals
 * (subtotal, tax, total, deposit, balance, a change order's contract) kept. A line the customer chooses
 * (optional or alternate) and an allowance keep their own total whatever is hidden: the customer needs
 * an option's price to choose it, and an allowance is its amount. A group shows its subtotal in "group
 * subtotals", and when it is itself a choice. Lump sum: no line numbers besides those. Applying it
 * twice changes nothing (a group's subtotal, once set, is kept).
 */
export function recipientSnapshot(s: ShownSnapshot): RecipientSnapshot {
  const d = displayOf(s);
  if (full(d) && !s.lines.some((l) => l.choice)) return s as RecipientSnapshot;
  const counted = countedLines(s);
  const subtotals = new Map<ShownLine, number>();
  let group: ShownLine | null = null;
  for (const l of s.lines) {
    if (l.kind === 'group') group = l;
    // A choice group's subtotal is what choosing it adds: its required items, counted or not yet.
    else if (group && (counted.has(l) || (group.choice && !l.choice)))
      subtotals.set(group, (subtotals.get(group) ?? 0) + (l.total ?? 0));
  }
  const itemized = d.mode === 'itemized';
  const lines = s.lines.map((l): ShownLine => {
    const included = l.choice ? { included: counted.has(l) } : {};
    if (l.kind === 'group') {
      const { subtotal, ...rest } = l;
      const shown = d.mode === 'group_subtotals' || !!l.choice;
      return shown ? { ...rest, ...included, subtotal: subtotal ?? subtotals.get(l) ?? 0 } : { ...rest, ...included };
    }
    const { quantity, unit, unitAmount, total, ...rest } = l;
    const ownTotal = !!l.choice || !!l.allowance;
    return {
      ...rest,
      ...included,
      ...(itemized && d.quantities ? { quantity, unit } : {}),
      ...(itemized && d.unitPrices ? { unitAmount } : {}),
      ...((itemized && d.lineTotals) || ownTotal ? { total } : {}),
    };
  });
  // The totals' per-line list would repeat every hidden line total.
  const totals = full(d) ? s.totals : { ...s.totals, lineTotals: [] };
  return { ...s, display: d, lines, totals } as RecipientSnapshot;
}
