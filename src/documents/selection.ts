import { documentTotals, type Deposit, type DocumentTotals } from '../budget/totals';
import { choiceShape, choiceSummary, includedLines, type Selection } from './choices';
import type { DocumentSnapshot, SnapshotLine } from './snapshot';

// Issue 20: what a customer's choice makes of a sent snapshot — the totals of a choice (the portal's
// "Your choices") and the snapshot of exactly the chosen lines that a choosing signature binds and seals.

const depositOf = (s: DocumentSnapshot): Deposit =>
  s.deposit.kind === 'percent'
    ? { kind: 'percent', rate: s.deposit.value }
    : s.deposit.kind === 'fixed'
      ? { kind: 'fixed', amount: s.deposit.value }
      : { kind: 'none' };

const amounts = (lines: readonly SnapshotLine[]) =>
  lines.map((l) => ({ kind: l.kind, quantity: l.quantity, unitAmount: l.unitAmount, taxable: l.taxable }));

/** The totals of the lines a choice includes: documentTotals, as every other total of the snapshot. */
export function chosenTotals(s: DocumentSnapshot, chosen: readonly string[]): DocumentTotals {
  return documentTotals(
    amounts(includedLines(s.lines, chosen)),
    s.taxRate,
    depositOf(s),
    s.payments.map((p) => p.amount),
  );
}

/**
 * The snapshot of exactly the chosen lines: only the included lines, their totals, a change order's
 * contract arithmetic with the chosen total, and which options were offered and chosen (`chosen`).
 */
export function selectedSnapshot(s: DocumentSnapshot, selection: Selection): DocumentSnapshot {
  const totals = chosenTotals(s, selection.chosen);
  const summary = choiceSummary(s.lines, selection.chosen);
  return {
    ...s,
    lines: includedLines(s.lines, selection.chosen),
    totals,
    ...(s.contract
      ? {
          contract: {
            ...s.contract,
            change: totals.total,
            newTotal: s.contract.original + s.contract.approvedChanges + totals.total,
          },
        }
      : {}),
    chosen: {
      by: selection.by,
      at: selection.at,
      optional: summary.optional.map((o) => ({ name: o.name, chosen: o.chosen })),
      sets: summary.sets,
    },
  };
}

/** One offered option as the portal shows it: what choosing it adds to the subtotal (and its taxable part). */
export interface OfferedOption {
  id: string;
  name: string;
  description: string;
  adds: number;
  addsTaxable: number;
}

/** The options a snapshot offers, with what each adds: optional lines, then each "choose one" set. */
export function offeredOptions(s: DocumentSnapshot) {
  const shape = choiceShape(s.lines);
  const byId = new Map(s.lines.map((l) => [l.id, l]));
  // Untaxed, the taxable part is 0: a hidden line's total must not reach the page's data attributes.
  const taxed = (items: SnapshotLine[]) =>
    s.taxRate > 0 ? items.filter((l) => l.taxable).reduce((sum, l) => sum + l.total, 0) : 0;
  const option = (id: string): OfferedOption => {
    // An item inside an offered group comes and goes with it (its own choice is 'required').
    const part = s.lines.filter((l) => l.id === id || (shape.groupOf.get(l.id) === id && !l.choice));
    const items = part.filter((l) => l.kind === 'item');
    const line = byId.get(id)!;
    return {
      id,
      name: line.name,
      description: line.description,
      adds: items.reduce((sum, l) => sum + l.total, 0),
      addsTaxable: taxed(items),
    };
  };
  const base = includedLines(s.lines, []).filter((l) => l.kind === 'item');
  return {
    any: shape.any,
    optional: shape.optional.map(option),
    sets: shape.sets.map((set) => ({ name: set.name, options: set.ids.map(option) })),
    base: {
      subtotal: base.reduce((sum, l) => sum + l.total, 0),
      taxable: taxed(base),
    },
  };
}

export type { Selection };
