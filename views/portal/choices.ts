import { html } from '../html';
import { dateTime, money } from '../format';
import type { OfferedOption } from '../../src/documents/selection';

// Issue 20: "Your choices", before the sign panel of an estimate, proposal or change order that offers
// options: a checkbox per optional line or group, a radio group per "choose one" set, and the total of
// the current choice. The boxes belong to the sign form (form="sign-form"), so a signature binds what
// is ticked; without scripts "Update total" posts them to /choose, which answers the address of the choice;
// public/choices.js updates the total as boxes are ticked. Once someone chose, it is read only.

export interface ChoiceTotals {
  subtotal: number;
  tax: number;
  total: number;
  deposit: number;
}

export interface ChoicesProps {
  action: string; // "/portal/documents/:id" (the GET form's address; "#choices" is added)
  currency: string;
  optional: OfferedOption[];
  sets: { name: string; options: OfferedOption[] }[];
  chosen: string[];
  totals: ChoiceTotals;
  /** What the island computes from: the required lines' subtotal and taxable part, the rate and deposit rule. */
  base: { subtotal: number; taxable: number; taxRate: number; depositKind: string; depositValue: number };
  /** The choice in the address could not be taken: the message, shown with the boxes as they were sent. */
  error?: string;
  /** The document was revised while the recipient chose: the choice starts again from the contractor's. */
  restarted?: string;
  /** Made already (the first signer chose): who and when; the section is read only. */
  madeBy?: { name: string; at: number; timeZone: string } | null;
  /** Whether the recipient signs here (the sign form follows and carries the choice). */
  signs: boolean;
}

const adds = (o: OfferedOption, currency: string) =>
  html`<span class="muted small">adds ${money(o.adds, currency)}</span>`;

function TotalLines({ p }: { p: ChoicesProps }) {
  const m = (cents: number) => money(cents, p.currency);
  // Rows follow the document's rules, not this choice's amounts: the island fills them as boxes are ticked.
  const taxed = p.base.taxRate > 0;
  const label = p.madeBy ? 'Total as chosen' : 'Total with these choices';
  return html`<dl class="choice-totals" aria-live="polite">
    ${taxed ? html`<div><dt>Subtotal</dt><dd data-choice-subtotal>${m(p.totals.subtotal)}</dd></div>` : null}
    ${taxed ? html`<div><dt>Tax</dt><dd data-choice-tax>${m(p.totals.tax)}</dd></div>` : null}
    <div class="choice-total"><dt>${label}</dt><dd data-choice-total>${m(p.totals.total)}</dd></div>
    ${
      p.base.depositKind !== 'none'
        ? html`<div><dt>Deposit</dt><dd data-choice-deposit>${m(p.totals.deposit)}</dd></div>`
        : null
    }
  </dl>`;
}

function Made({ p }: { p: ChoicesProps }) {
  const by = p.madeBy!;
  const picked = new Set(p.chosen);
  const words = [
    ...p.optional.map((o) => `${o.name}: ${picked.has(o.id) ? 'added' : 'not added'}`),
    ...p.sets.map((s) => `${s.name}: ${s.options.find((o) => picked.has(o.id))?.name ?? ''}`),
  ];
  return html`<section class="card stack choices" id="choices" aria-labelledby="choices-h">
    <h2 id="choices-h">Chosen by ${by.name}</h2>
    <p class="muted small">${dateTime(by.at, by.timeZone)}${p.signs ? ' · you sign this choice' : ''}</p>
    <ul>${words.map((w) => html`<li>${w}</li>`)}</ul>
    <${TotalLines} p=${p} />
  </section>`;
}

export function ChoicesPanel(p: ChoicesProps) {
  if (p.madeBy) return html`<${Made} p=${p} />`;
  const picked = new Set(p.chosen);
  const data = (o: OfferedOption) => ({ 'data-adds': String(o.adds), 'data-adds-taxable': String(o.addsTaxable) });
  const address = `${p.action}#choices`;
  // Signing here, the ticks are the sign form's own inputs: the signature binds exactly what is ticked, scripts
  // or not. "Update total" posts them to /choose, which answers the address of the choice (no other checks).
  const owner = p.signs ? { form: 'sign-form' } : {};
  const update = p.signs
    ? html`<button class="btn" type="submit" form="sign-form" formaction=${`${p.action}/choose`} formnovalidate>
        Update total
      </button>`
    : html`<button class="btn" type="submit">Update total</button>`;
  const body = html`
    ${
      p.optional.length
        ? html`<fieldset>
            <legend>Options you can add</legend>
            ${p.optional.map(
              (o) => html`<label class="check">
                <input
                  type="checkbox"
                  name="choose"
                  value=${o.id}
                  checked=${picked.has(o.id)}
                  ...${data(o)}
                  ...${owner}
                />
                <span>${o.name} ${adds(o, p.currency)}</span>
              </label>`,
            )}
          </fieldset>`
        : null
    }
    ${p.sets.map(
      (s, i) => html`<fieldset>
        <legend>${s.name} (choose one)</legend>
        ${s.options.map(
          (o) => html`<label class="check">
            <input
              type="radio"
              name=${`choose-${i}`}
              value=${o.id}
              checked=${picked.has(o.id)}
              ...${data(o)}
              ...${owner}
            />
            <span>${o.name} <span class="muted small">${money(o.adds, p.currency)}</span></span>
          </label>`,
        )}
      </fieldset>`,
    )}
    <${TotalLines} p=${p} />
    <noscript>
      <p class="small muted">After changing a choice, press “Update total” to see its total.</p>
    </noscript>
    <div data-choices-update>${update}</div>
    ${p.signs ? html`<input type="hidden" form="sign-form" name="choices" value="1" />` : null}`;
  return html`<section
    class="card stack choices"
    id=${p.error ? undefined : 'choices'}
    aria-labelledby="choices-h"
    data-choices
    data-currency=${p.currency}
    data-base-subtotal=${p.base.subtotal}
    data-base-taxable=${p.base.taxable}
    data-tax-rate=${p.base.taxRate}
    data-deposit-kind=${p.base.depositKind}
    data-deposit-value=${p.base.depositValue}
  >
    <h2 id="choices-h">Your choices</h2>
    <p>Pick what you want included. The total below changes with your choices, and you sign for exactly them.</p>
    ${p.restarted ? html`<p class="notice" role="status">${p.restarted}</p>` : null}
    ${
      p.error
        ? html`<p class="form-summary" id="choices" role="alert" tabindex="-1" data-focus-error>${p.error}</p>`
        : null
    }
    ${
      p.signs
        ? html`<div class="stack">${body}</div>`
        : html`<form method="get" action=${address} class="stack">${body}</form>`
    }
  </section>`;
}
