import { html } from '../html';
import type { FormState } from './form';

// Issue 20: what the recipient is shown of the numbers, as one fieldset (names as src/documents/display-form.ts
// DISPLAY_FIELDS): a template in Settings, and the draft editor.

const MODES = [
  { value: 'itemized', label: 'Itemized', hint: 'Each line, with the columns ticked below.' },
  {
    value: 'group_subtotals',
    label: 'Group subtotals only',
    hint: 'Each group with its subtotal; the lines listed without numbers.',
  },
  { value: 'lump_sum', label: 'Lump sum', hint: 'One total; the lines listed as the scope, without numbers.' },
];

export function DisplayFieldset({
  form,
  legend = 'What the recipient sees',
  side = 'customer',
}: {
  form: FormState;
  legend?: string;
  side?: 'customer' | 'vendor';
}) {
  const chosen = form.values.displayMode || 'itemized';
  const error = form.errors.displayMode;
  const column = (name: string, label: string) => html`<label class="check"
    ><input type="checkbox" name=${name} checked=${form.values[name] === 'on'} /> ${label}</label
  >`;
  return html`<fieldset class=${`display-fields ${error ? 'has-error' : ''}`} id="f-displayMode">
    <legend>${legend}</legend>
    ${error ? html`<p class="error" id="f-displayMode-error">${error}</p>` : null}
    ${MODES.map(
      (m) => html`<div class="field checkbox">
        <label><input type="radio" name="displayMode" value=${m.value} checked=${m.value === chosen}
          aria-describedby=${`f-displayMode-${m.value}-hint`} /> ${m.label}</label>
        <p class="hint" id=${`f-displayMode-${m.value}-hint`}>${m.hint}</p>
      </div>`,
    )}
    <fieldset class="display-columns">
      <legend>Itemized: show each line’s</legend>
      ${column('showUnitPrices', side === 'vendor' ? 'Unit costs' : 'Unit prices')}
      ${column('showQuantities', 'Quantities')} ${column('showLineTotals', 'Line totals')}
    </fieldset>
  </fieldset>`;
}
