import { html } from '../html';
import { dateTime, money } from '../format';

// A bid request's form for the vendor: what they submitted, and the form's footer.

export function BidIntro({
  submitted,
  total,
  currency,
  timeZone,
}: {
  submitted: { at: number } | null;
  total: number | null;
  currency: string;
  timeZone: string;
}) {
  const totaling = total !== null ? html`, totaling <strong>${money(total, currency)}</strong>` : null;
  return html`<section class="card stack next-step" aria-labelledby="bid-h">
    <h2 id="bid-h">${submitted ? 'Your bid' : 'Submit your bid'}</h2>
    ${
      submitted
        ? html`<p>
            Submitted ${dateTime(submitted.at, timeZone)}${totaling}. You can revise it below until a decision is made.
          </p>`
        : html`<p>Enter your unit cost for each line below (leave a line blank for “no bid”), then submit.</p>`
    }
  </section>`;
}

export function BidFooter({
  csrf,
  versionHash,
  note,
  error,
  submitted,
}: {
  csrf: string;
  versionHash: string;
  note: string;
  error?: string;
  submitted: boolean;
}) {
  return html`<div class="stack bid-footer">
    <input type="hidden" name="_csrf" value=${csrf} />
    <input type="hidden" name="versionHash" value=${versionHash} />
    ${error ? html`<p class="form-summary" role="alert">${error}</p>` : null}
    <div class="field">
      <label for="bid-note">Notes for the contractor (optional)</label>
      <textarea id="bid-note" name="note" maxlength="2000" rows="3">${note}</textarea>
    </div>
    <div><button class="btn primary big" type="submit">${submitted ? 'Update bid' : 'Submit bid'}</button></div>
  </div>`;
}
