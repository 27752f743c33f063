import { html } from '../html';
import { calendarDate, money } from '../format';

// Paying online from the portal (#pay): "Pay $X", "Pay another amount" within the company's
// minimum and the balance, or the deposit after approving. Each button posts a plain form to the
// document (intent=pay) and the Worker sends the customer on to Stripe Checkout. Coming back
// (?checkout=<session>), the panel says where that payment stands; the room's 'payment' event
// refreshes this region (public/live.js) when it moves on.

export interface PayOffer {
  purpose: 'invoice' | 'deposit';
  due: number; // what can be paid now (the balance or deposit left, less bank payments processing)
  processing: number; // bank payments started and not settled
  minimum: number;
  other: boolean; // "Pay another amount" is offered
}

export interface PayReturn {
  status: 'open' | 'processing' | 'succeeded' | 'failed' | 'expired';
  amount: number;
  /** Paid, but not counted as it was (another amount, a void document): the company checks it. */
  flagged?: boolean;
}

export interface PayPanelProps {
  action: string; // "/portal/documents/:id#pay"
  csrf: string;
  currency: string;
  offer: PayOffer | null;
  /** The payment the customer just came back from (the success_url's session), if it is theirs. */
  returned?: PayReturn | null;
  /** Where the receipt goes, when it is this viewer (the document's contact); null: "by email". */
  email: string | null;
  error?: string;
  values?: Record<string, string>;
  /** An approved order's deposit, once paid: "Deposit of $Y paid on Dec 2". */
  depositPaid?: { amount: number; paidOn: string } | null;
}

const Refusal = ({ text }: { text?: string }) =>
  text ? html`<p class="form-summary" id="pay" role="alert" tabindex="-1" data-focus-error>${text}</p>` : null;

function Returned({ r, currency, email }: { r: PayReturn; currency: string; email: string | null }) {
  const m = money(r.amount, currency);
  switch (r.status) {
    case 'open':
      return html`<p class="pay-state" role="status">
        Confirming your payment with Stripe… this page updates by itself.
      </p>`;
    case 'processing':
      return html`<p class="pay-state" role="status">
        Payment processing: your bank payment of ${m} was started. It usually takes 4 business days; we’ll email you.
      </p>`;
    case 'succeeded':
      if (r.flagged)
        return html`<p class="pay-state" role="status">
          We received your payment of ${m}. The company is checking it and will be in touch.
        </p>`;
      return html`<p class="pay-state done" role="status">
        Paid — thank you. A receipt is on its way ${email ? `to ${email}` : 'by email'}.
      </p>`;
    case 'failed':
      return html`<p class="pay-state stop" role="status">Your bank payment of ${m} did not go through.</p>`;
    default:
      return null;
  }
}

/** The online payment panel; null when there is nothing to offer or say. */
export function PayPanel(p: PayPanelProps) {
  const o = p.offer;
  const m = (cents: number) => money(cents, p.currency);
  const returned = p.returned ? html`<${Returned} r=${p.returned} currency=${p.currency} email=${p.email} />` : null;
  const processing =
    o && o.processing > 0 && p.returned?.status !== 'processing'
      ? html`<p class="pay-state">
          A bank payment of ${m(o.processing)} is processing. It usually takes 4 business days.
        </p>`
      : null;
  // While the payment just made is being confirmed, nothing else is offered (one payment at a time).
  const canPay = !!o && o.due > 0 && p.returned?.status !== 'open';
  const paidDeposit = p.depositPaid
    ? html`<p class="pay-state done">
        Deposit of ${m(p.depositPaid.amount)} paid on ${calendarDate(p.depositPaid.paidOn)}.
      </p>`
    : null;
  if (!canPay && !returned && !processing && !p.error && !paidDeposit) return null;
  const deposit = o?.purpose === 'deposit' || !!paidDeposit;
  const v = p.values ?? {};
  const hidden = html`<input type="hidden" name="_csrf" value=${p.csrf} />
    <input type="hidden" name="intent" value="pay" />`;
  const full = o?.purpose === 'deposit' ? `Pay the ${m(o.due)} deposit now` : `Pay ${m(o?.due ?? 0)}`;
  return html`<section class="card stack pay" id=${p.error ? undefined : 'pay'} aria-labelledby="pay-online-h">
    <h2 id="pay-online-h">${deposit ? 'Deposit' : 'Pay online'}</h2>
    ${returned} ${processing} ${paidDeposit}
    <${Refusal} text=${p.error} />
    ${
      canPay
        ? html`<form method="post" action=${p.action}>
            ${hidden}
            <input type="hidden" name="amount" value="full" />
            <button class="btn primary big" type="submit">${full}</button>
          </form>`
        : null
    }
    ${
      canPay && o!.other
        ? html`<details class="pay-other" open=${v.amount === 'other'}>
            <summary>Pay another amount</summary>
            <form method="post" action=${p.action} class="stack">
              ${hidden}
              <input type="hidden" name="amount" value="other" />
              <div class="field">
                <label for="other-amount">Amount (${p.currency})</label>
                <input
                  id="other-amount"
                  name="other_amount"
                  inputmode="decimal"
                  autocomplete="off"
                  aria-describedby="other-amount-hint"
                  value=${v.other_amount ?? ''}
                />
                <p class="hint" id="other-amount-hint">At least ${m(o!.minimum)}, at most ${m(o!.due)}.</p>
              </div>
              <div><button class="btn" type="submit">Pay this amount</button></div>
            </form>
          </details>`
        : null
    }
    ${canPay ? html`<p class="small muted">Card or US bank account, through Stripe’s secure checkout.</p>` : null}
  </section>`;
}
