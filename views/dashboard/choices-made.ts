import { html } from '../html';
import { money } from '../format';

// Issue 20: "Chosen by Dana Reyes" on the contractor's document page: which options the customer chose
// and the total those choices make (the page's own totals count the preselection).

export interface ChoicesMadeProps {
  by: string;
  /** When they chose, in the company's time zone ('' when unknown). */
  when: string;
  /** Chosen when signing in the portal, or recorded with an approval made offline. */
  how: 'signing' | 'offline';
  sets: { name: string; chosen: string }[];
  optional: { name: string; chosen: boolean }[];
  total: number;
  preselectedTotal: number;
  currency: string;
}

export function ChoicesMade(p: ChoicesMadeProps) {
  const how = p.how === 'signing' ? 'when signing' : 'recorded with the approval made offline';
  return html`<section class="card stack choices-made" aria-labelledby="choices-made-h">
    <h2 id="choices-made-h">Chosen by ${p.by || 'the customer'}</h2>
    <p class="muted small">${p.when ? `${p.when}, ` : ''}${how}.</p>
    <ul class="choices-made-list">
      ${p.sets.map((s) => html`<li>${s.name}: <strong>${s.chosen}</strong></li>`)}
      ${p.optional.map(
        (o) => html`<li>${o.name}: ${o.chosen ? html`<strong>Added</strong>` : html`<span>Not added</span>`}</li>`,
      )}
    </ul>
    <p>Total with these choices: <strong>${money(p.total, p.currency)}</strong>
      ${
        p.total === p.preselectedTotal
          ? null
          : html` <span class="muted small">(${money(p.preselectedTotal, p.currency)} as preselected)</span>`
      }</p>
  </section>`;
}
