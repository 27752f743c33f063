import type { FormCheck } from '../http/validate';
import { type DisplayOptions, displayModes } from './display';

// Issue 20: the display options as form fields, one reading for every form that sets them (a template in
// Settings, the draft editor). The fieldset that shows them is views/components/display-fields.ts.

/** The fields' names, as the fieldset writes them. */
export const DISPLAY_FIELDS = {
  mode: 'displayMode',
  unitPrices: 'showUnitPrices',
  quantities: 'showQuantities',
  lineTotals: 'showLineTotals',
} as const satisfies Record<keyof DisplayOptions, string>;

/** The form's display options; an unknown mode is refused on `displayMode`. */
export function checkDisplay(f: FormCheck): DisplayOptions {
  const raw = f.raw[DISPLAY_FIELDS.mode] ?? '';
  const mode = displayModes.find((m) => m === raw);
  if (!mode) f.fail(DISPLAY_FIELDS.mode, 'Choose how the lines are shown: itemized, group subtotals only or lump sum.');
  return {
    mode: mode ?? 'itemized',
    unitPrices: f.bool(DISPLAY_FIELDS.unitPrices),
    quantities: f.bool(DISPLAY_FIELDS.quantities),
    lineTotals: f.bool(DISPLAY_FIELDS.lineTotals),
  };
}

/** Options as the fieldset's form values. */
export function displayValues(d: DisplayOptions): Record<string, string> {
  const on = (v: boolean) => (v ? 'on' : '');
  return {
    [DISPLAY_FIELDS.mode]: d.mode,
    [DISPLAY_FIELDS.unitPrices]: on(d.unitPrices),
    [DISPLAY_FIELDS.quantities]: on(d.quantities),
    [DISPLAY_FIELDS.lineTotals]: on(d.lineTotals),
  };
}
