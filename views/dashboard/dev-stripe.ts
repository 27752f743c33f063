import { html } from '../html';
import { Csrf, PageHeader } from '../components/form';
import { dateTime, money } from '../format';
import { Document } from '../layout/page';
import type { SimulatedPayment } from '../../src/dev/stripe-sim';

// Development's simulated Stripe (src/dev/stripe-routes.ts): a hosted Checkout, the dashboard where a
// bank debit ends or a payment is refunded, and Connect onboarding. Each says plainly it is not Stripe.

function DevBanner() {
  return html`<p class="dev-stripe-banner" role="note">
    <strong>Development only.</strong> Nothing here talks to Stripe or moves money: each button posts the webhook
    Stripe would send, signed as Stripe signs it.
  </p>`;
}

/** Why a session can no longer be paid, in words. */
const CLOSED: Record<string, string> = {
  succeeded: 'It was paid.',
  processing: 'Its bank payment is processing.',
  failed: 'Its bank payment failed.',
  expired: 'It expired.',
};

export interface DevCheckoutProps {
  nonce: string;
  csrf: string;
  payment: SimulatedPayment;
  description: string;
  cancelHref: string;
  /** The session is no longer open (paid, processing, failed or expired): nothing can be paid here. */
  closed?: boolean;
  /** What went wrong delivering the webhook, shown above the buttons. */
  error?: string;
}

export function DevCheckoutPage(p: DevCheckoutProps) {
  const { payment: pay, org } = p.payment;
  const amount = money(pay.amount, pay.currency);
  return html`<${Document} title="Simulated Stripe Checkout" nonce=${p.nonce} bodyClass="plain">
    <main id="main" class="plain-main dev-stripe">
      <div class="card dev-checkout">
        <p class="dev-stripe-kicker">Simulated Stripe Checkout — development only</p>
        <p class="dev-checkout-company">${org.name}</p>
        <h1>${p.description}</h1>
        <p class="dev-checkout-amount"><span class="visually-hidden">Amount: </span>${amount}</p>
        ${
          p.closed
            ? html`<div class="form-summary" role="alert">
                <p><strong>This checkout session is no longer open.</strong></p>
                <p>${CLOSED[pay.status] ?? 'It is closed.'} Go back to the document to see where the payment stands.</p>
              </div>
              <p><a class="btn" href=${p.cancelHref}>Back to the document</a></p>`
            : html`${
                p.error
                  ? html`<div class="form-summary" role="alert" tabindex="-1" data-focus-error>
                      <p>${p.error}</p>
                    </div>`
                  : null
              }
              <form method="post" action=${`/dev/stripe/checkout/${encodeURIComponent(pay.sessionId)}`} class="stack">
                <${Csrf} token=${p.csrf} />
                <button type="submit" name="method" value="card" class="btn primary big block">Pay by card</button>
                <button type="submit" name="method" value="us_bank_account" class="btn big block">
                  Pay by bank account (takes days)
                </button>
              </form>
              <p><a href=${p.cancelHref}>Cancel and go back</a></p>`
        }
      </div>
      <${DevBanner} />
    </main>
  <//>`;
}

const BADGE: Record<string, string> = {
  open: 'sent',
  processing: 'viewed',
  succeeded: 'paid',
  failed: 'declined',
  expired: 'void',
};

const METHOD: Record<string, string> = { card: 'Card', us_bank_account: 'Bank account' };

/** A refund amount that was refused, kept in its row's form. */
export interface RefundRefusal {
  paymentId: string;
  value: string;
  message: string;
}

function StepForm({
  id,
  csrf,
  step,
  label,
  danger,
}: {
  id: string;
  csrf: string;
  step: string;
  label: string;
  danger?: boolean;
}) {
  return html`<form method="post" action=${`/dev/stripe/payments/${id}`}>
    <${Csrf} token=${csrf} />
    <input type="hidden" name="step" value=${step} />
    <button type="submit" class=${danger ? 'btn small danger' : 'btn small'}>${label}</button>
  </form>`;
}

function RefundPart({ p, csrf, refusal }: { p: SimulatedPayment; csrf: string; refusal?: RefundRefusal }) {
  const id = p.payment.id;
  const field = `refund-${id}`;
  const error = refusal?.paymentId === id ? refusal : undefined;
  return html`<form method="post" action=${`/dev/stripe/payments/${id}`} class="dev-refund-part">
    <${Csrf} token=${csrf} />
    <input type="hidden" name="step" value="refund_part" />
    <div class=${error ? 'field has-error' : 'field'}>
      <label for=${field}>Refund amount</label>
      <input
        id=${field}
        name="amount"
        inputmode="decimal"
        autocomplete="off"
        value=${error?.value ?? ''}
        aria-invalid=${error ? 'true' : undefined}
        aria-describedby=${error ? `${field}-error` : undefined}
      />
      ${error ? html`<p class="error" id=${`${field}-error`} role="alert">${error.message}</p>` : null}
    </div>
    <button type="submit" class="btn small">Refund part</button>
  </form>`;
}

function Steps({ p, csrf, refusal }: { p: SimulatedPayment; csrf: string; refusal?: RefundRefusal }) {
  const { payment: pay } = p;
  const id = pay.id;
  const left = pay.amount - pay.refunded;
  if (pay.status === 'open')
    return html`<div class="actions"><${StepForm} id=${id} csrf=${csrf} step="expire" label="Expire" /></div>`;
  if (pay.status === 'processing')
    return html`<div class="actions">
      <${StepForm} id=${id} csrf=${csrf} step="succeed" label="Bank debit succeeds" />
      <${StepForm} id=${id} csrf=${csrf} step="fail" label="Bank debit fails" danger />
    </div>`;
  if (pay.status === 'succeeded' && left > 0)
    return html`<div class="actions">
      <${StepForm} id=${id} csrf=${csrf} step="refund" label=${`Refund ${money(left, pay.currency)}`} danger />
      <${RefundPart} p=${p} csrf=${csrf} refusal=${refusal} />
    </div>`;
  return html`<span class="muted small">Nothing to simulate</span>`;
}

/** Its status, how it was paid, what was refunded and any flag, each its own item (spaced by CSS). */
function PaymentState({ p }: { p: SimulatedPayment }) {
  const { payment: pay } = p;
  const m = (cents: number) => money(cents, pay.currency);
  return html`<div class="dev-state">
    <span class=${`badge ${BADGE[pay.status] ?? 'draft'}`}>${pay.status}</span>
    ${pay.method ? html`<span class="muted small">${METHOD[pay.method] ?? pay.method}</span>` : null}
    ${pay.refunded ? html`<span class="muted small">refunded ${m(pay.refunded)}</span>` : null}
    ${pay.flag ? html`<span class="badge declined">flagged: ${pay.flag}</span>` : null}
  </div>`;
}

export interface DevStripeProps {
  nonce: string;
  csrf: string;
  payments: (SimulatedPayment & { description: string })[];
  /** What the webhook answered to the last step (a flash). */
  notice?: string;
  refusal?: RefundRefusal;
}

export function DevStripePage(p: DevStripeProps) {
  return html`<${Document} title="Simulated Stripe" nonce=${p.nonce} bodyClass="plain">
    <main id="main" class="plain-main wide dev-stripe">
      <p><a href="/dev/mail">Development mailbox</a></p>
      <${PageHeader}
        title="Simulated Stripe"
        sub="Every online payment, newest first. End a bank debit, refund a payment or expire a checkout."
      />
      ${p.notice ? html`<p class="notice" role="status">${p.notice}</p>` : null}
      ${
        p.refusal
          ? html`<div class="form-summary" role="alert" tabindex="-1" data-focus-error>
              <p>${p.refusal.message}</p>
            </div>`
          : null
      }
      <${DevBanner} />
      ${
        p.payments.length === 0
          ? html`<div class="empty"><p>No online payments yet. Press “Pay” on an invoice in the portal.</p></div>`
          : html`<div class="table-wrap"><table class="data wrap dev-payments">
            <thead>
              <tr><th>Started (UTC)</th><th>Company</th><th>For</th><th>Amount</th><th>Status</th><th>Simulate</th></tr>
            </thead>
            <tbody>${p.payments.map(
              (row) => html`<tr id=${`payment-${row.payment.id}`}>
                <td>${dateTime(row.payment.createdAt, 'UTC')}</td>
                <td>${row.org.name}</td>
                <td>
                  ${row.description}
                  <span class="muted small mono dev-session">${row.payment.sessionId}</span>
                </td>
                <td class="num">${money(row.payment.amount, row.payment.currency)}</td>
                <td><${PaymentState} p=${row} /></td>
                <td><${Steps} p=${row} csrf=${p.csrf} refusal=${p.refusal} /></td>
              </tr>`,
            )}</tbody>
          </table></div>`
      }
    </main>
  <//>`;
}

export interface DevOnboardProps {
  nonce: string;
  csrf: string;
  account: string;
  company: string;
  status: string;
  returnTo: string;
}

export function DevOnboardPage(p: DevOnboardProps) {
  return html`<${Document} title="Simulated Stripe onboarding" nonce=${p.nonce} bodyClass="plain">
    <main id="main" class="plain-main dev-stripe">
      <div class="card dev-checkout">
        <p class="dev-stripe-kicker">Simulated Stripe onboarding — development only</p>
        <h1>Set up payments for ${p.company}</h1>
        <p>
          Stripe would ask for the business’s details and bank account here.
          ${' '}Account <span class="mono">${p.account}</span> is <strong>${p.status}</strong> now.
        </p>
        <form method="post" action=${`/dev/stripe/onboard/${encodeURIComponent(p.account)}`} class="stack">
          <${Csrf} token=${p.csrf} />
          <input type="hidden" name="return" value=${p.returnTo} />
          <button type="submit" name="outcome" value="active" class="btn primary big block">
            Finish setup (card and bank account active)
          </button>
          <button type="submit" name="outcome" value="pending" class="btn big block">Leave it pending</button>
        </form>
      </div>
      <${DevBanner} />
    </main>
  <//>`;
}
