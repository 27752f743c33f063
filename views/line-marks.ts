import { money } from './format';
import type { ShownLine, ShownSnapshot } from '../src/documents/display';

// Issue 20: how a line reads beside its numbers on the portal page and in the PDF (one wording for both):
// which columns the document's display shows, a choice line's or an allowance's mark, and a chosen
// snapshot's sentence of what was chosen.

/**
 * The columns shown, from the numbers the lines carry (a recipient's snapshot lacks the hidden ones; the
 * contractor's has them all): a column no line fills has no heading; "Amount" where only some lines have one.
 */
export function shownColumns(s: ShownSnapshot) {
  const items = s.lines.filter((l) => l.kind === 'item');
  const every = (has: (l: ShownLine) => boolean) => items.length > 0 && items.every(has);
  const some = s.lines.some((l) => l.total !== undefined || l.subtotal !== undefined);
  return {
    quantity: items.some((l) => l.quantity !== undefined),
    unitAmount: items.some((l) => l.unitAmount !== undefined),
    total: every((l) => l.total !== undefined) ? 'Total' : some ? 'Amount' : null,
  };
}

/** "Optional · Included", "Option of Vanity · Not included", "Allowance: $3,000.00 for Tile, selected later". */
export function lineMark(s: Pick<ShownSnapshot, 'currency'>, line: ShownLine): string | null {
  const included = line.included === undefined ? '' : line.included ? ' · Included' : ' · Not included';
  if (line.choice === 'optional') return `Optional${included}`;
  if (line.choice === 'alternate') return `Option of ${line.choiceSet || line.name}${included}`;
  if (line.allowance && line.total !== undefined)
    return `Allowance: ${money(line.total, s.currency)} for ${line.name}, selected later`;
  return null;
}

/** "Options chosen by Dana Reyes: Heated floor; Vanity: Oak vanity. Not chosen: Towel warmer." or null. */
export function chosenSentence(s: Pick<ShownSnapshot, 'chosen'>): string | null {
  const c = s.chosen;
  if (!c) return null;
  const chosen = [
    ...c.optional.filter((o) => o.chosen).map((o) => o.name),
    ...c.sets.map((set) => `${set.name}: ${set.chosen}`),
  ];
  const not = c.optional.filter((o) => !o.chosen).map((o) => o.name);
  const by = c.by ? ` by ${c.by}` : '';
  const notChosen = not.length ? ` Not chosen: ${not.join('; ')}.` : '';
  return `Options chosen${by}: ${chosen.length ? chosen.join('; ') : 'none'}.${notChosen}`;
}

/** The contractor's reminder of what the customer was shown ("The customer sees group subtotals only."), or null. */
export function displaySentence(d: ShownSnapshot['display']): string | null {
  if (!d) return null;
  if (d.mode === 'group_subtotals') return 'The customer sees each group’s subtotal and the totals, no line numbers.';
  if (d.mode === 'lump_sum') return 'The customer sees one total, with the lines as the scope and no line numbers.';
  const hidden = [!d.unitPrices && 'unit prices', !d.quantities && 'quantities', !d.lineTotals && 'line totals'];
  const names = hidden.filter((h): h is string => !!h);
  return names.length ? `The customer does not see the ${names.join(', ').replace(/, ([^,]*)$/, ' or $1')}.` : null;
}
