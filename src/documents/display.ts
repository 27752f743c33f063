// Issue 20: what the recipient is shown of a document's numbers. Stored as JSON on each version (and on
// each template), so a sent version keeps what it was sent with. Hidden numbers still drive every
// total; they are removed from what the recipient can reach (the recipient's snapshot, so the portal
// page, PDF, emails, live updates and certificate never hold them).

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
