import { html } from '../html';
import { dateTime, money, quantity } from '../format';
import type { SnapshotLine } from '../../src/documents/snapshot';

// A bid request as the vendor fills it in: each line carries its own "Your unit cost" input and
// the line's total (public/bid.js keeps totals current while typing; without scripts they are the
// submitted bid's), and the decision at the end holds the running total, the notes and submit.

/** One requested line as the form shows it: what was typed (or bid), its total, and a refusal. */
export interface BidLineView {
  line: SnapshotLine;
  cost: string; // the input's value ('' = no bid)
  unitCost: number | null; // the same in cents, when it is one
  note: string;
  total: number | null; // cents; null = no bid (or not a number yet)
  error?: string;
}

const NO_BID = 'No bid';

export function BidLines({
  rows,
  groups,
  currency,
  editable,
}: {
  rows: BidLineView[];
  groups: SnapshotLine[]; // every line of the snapshot, in order: groups head the lines under them
  currency: string;
  editable: boolean;
}) {
  const byId = new Map(rows.map((r) => [r.line.id, r]));
  const m = (cents: number) => money(cents, currency);
  return html`<section class="bid-lines" aria-labelledby="bid-lines-h" data-bid-lines data-currency=${currency}>
    <h2 class="h3" id="bid-lines-h">${editable ? 'Price each line' : 'Your prices'}</h2>
    ${
      editable
        ? html`<p class="hint" id="bid-hint">
            Type your unit cost on each line you bid on. Leave it empty for “${NO_BID}”.
          </p>`
        : null
    }
    ${groups.map((g) => {
      if (g.kind === 'group') return html`<h3 class="bid-group">${g.name}</h3>`;
      const r = byId.get(g.id);
      if (!r) return null;
      const l = r.line;
      const qty = `${quantity(l.quantity)} ${l.unit}`.trim();
      const err = r.error ? `cost-${l.id}-error` : undefined;
      const noteId = `note-${l.id}`;
      return html`<div class="bid-line" data-qty=${l.quantity}>
        <p class="bid-what"><span class="item-name">${l.name}</span> <span class="bid-qty">${qty}</span></p>
        ${l.description ? html`<p class="muted small pre">${l.description}</p>` : null}
        ${
          editable
            ? html`<div class="bid-cost">
                  <label for=${`cost-${l.id}`}>Your unit cost<span class="visually-hidden"> for ${l.name}</span></label>
                  <input
                    id=${`cost-${l.id}`}
                    form="bid-form"
                    name=${`cost.${l.id}`}
                    class="num"
                    inputmode="decimal"
                    autocomplete="off"
                    value=${r.cost}
                    aria-invalid=${r.error ? 'true' : undefined}
                    aria-describedby=${err ? `${err} bid-hint` : 'bid-hint'}
                  />
                  ${r.error ? html`<p class="error" id=${err}>${r.error}</p>` : null}
                </div>`
            : html`<p class="bid-cost">Your unit cost <b>${r.unitCost === null ? NO_BID : m(r.unitCost)}</b></p>`
        }
        <p class="bid-sum">Line total <b data-line-total>${r.total === null ? NO_BID : m(r.total)}</b></p>
        ${
          editable
            ? html`<div class="bid-note">
                  <label for=${noteId}>Note<span class="visually-hidden"> for ${l.name}</span> (optional)</label>
                  <input id=${noteId} form="bid-form" name=${`note.${l.id}`} maxlength="500" value=${r.note} />
                </div>`
            : r.note
              ? html`<p class="small">Note: ${r.note}</p>`
              : null
        }
      </div>`;
    })}
  </section>`;
}

/** The decision at the end of a bid request: what was submitted, and while open the running total, notes, submit. */
export function BidDecision({
  action,
  csrf,
  versionHash,
  note,
  error,
  submitted,
  total,
  priced,
  lines,
  currency,
  timeZone,
  open,
}: {
  action: string; // "/portal/documents/:id#bid"
  csrf: string;
  versionHash: string;
  note: string;
  error?: string;
  submitted: { at: number; total: number } | null;
  total: number; // the running total of the lines with a valid cost, cents
  priced: number; // how many lines have one
  lines: number;
  currency: string;
  timeZone: string;
  open: boolean;
}) {
  const m = (cents: number) => money(cents, currency);
  const said = submitted
    ? html`<p>
        You submitted ${m(submitted.total)} on ${dateTime(submitted.at, timeZone)}.
        ${open ? ' You can change it below until a decision is made.' : ''}
      </p>`
    : open
      ? html`<p>Check your prices above, add any notes, then submit.</p>`
      : html`<p>Bids on this request are closed. You did not submit one.</p>`;
  const count = html`<span class="muted" data-bid-count>${priced} of ${lines} lines priced</span>`;
  const heading = html`<h2 id="bid-h">${open ? (submitted ? 'Update your bid' : 'Submit your bid') : 'Your bid'}</h2>`;
  if (!open)
    return html`<section class="card stack next-step" id="bid" aria-labelledby="bid-h">${heading}${said}</section>`;
  return html`<section class="card stack next-step" id="bid" aria-labelledby="bid-h">
    ${heading}${said}
    <form id="bid-form" method="post" action=${action} class="stack" novalidate>
      <input type="hidden" name="_csrf" value=${csrf} />
      <input type="hidden" name="intent" value="bid" />
      <input type="hidden" name="versionHash" value=${versionHash} />
      ${error ? html`<p class="form-summary" role="alert" tabindex="-1" data-focus-error>${error}</p>` : null}
      <p class="bid-total">Your bid total <strong data-bid-total>${priced ? m(total) : NO_BID}</strong> ${count}</p>
      <div class="field">
        <label for="bid-note">Notes for the contractor (optional)</label>
        <textarea id="bid-note" name="note" maxlength="2000" rows="3">${note}</textarea>
      </div>
      <div><button class="btn primary big" type="submit">${submitted ? 'Update bid' : 'Submit bid'}</button></div>
    </form>
  </section>`;
}
