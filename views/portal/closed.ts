import { html } from '../html';
import { Csrf } from '../components/form';

// The decision of a document its date closed (issue 16): an expired estimate, proposal or change order, or
// a bid request past its bids-due date. In place of the sign or bid form: what happened, and one button
// that asks the company for an update (a posted form: works without scripts).

export interface ClosedPanelProps {
  action: string; // "/portal/documents/:id#decide"
  csrf: string;
  heading: string; // "Expired", "Bidding closed"
  message: string; // deadlines/rules.ts closedMessage
  ask: string; // "Ask for an update", "Ask to reopen bidding"
  askedOn: string | null; // "You asked Oak & Stone for an update on Nov 29."
  canAsk: boolean; // no request within the day
  /** A sign or bid refused at the date (a page left open across it), or a refused request: announced, focused. */
  error?: string;
  /** The refused form's anchor ("sign", "bid"): without scripts the browser focuses the message by it. */
  errorId?: string;
}

export function ClosedPanel(p: ClosedPanelProps) {
  return html`<section class="card stack next-step closed-box" aria-labelledby="closed-h">
    <h2 id="closed-h">${p.heading}</h2>
    ${
      p.error
        ? html`<p class="form-summary" id=${p.errorId} role="alert" tabindex="-1" data-focus-error>${p.error}</p>`
        : null
    }
    ${p.error === p.message ? null : html`<p class="closed-message">${p.message}</p>`}
    ${p.askedOn ? html`<p class="muted">${p.askedOn}</p>` : null}
    ${
      p.canAsk
        ? html`<form method="post" action=${p.action}>
            <${Csrf} token=${p.csrf} />
            <input type="hidden" name="intent" value="ask_update" />
            <button class="btn primary big" type="submit">${p.ask}</button>
          </form>`
        : null
    }
  </section>`;
}
