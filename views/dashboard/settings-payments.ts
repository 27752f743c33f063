import type { PaymentSettings } from '../../src/payments/connect';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { html } from '../html';
import { DashboardPage, type PageContext } from '../layout/page';

const yes = (on: boolean) => (on ? '✓' : '✗');

/** The connection's state in words, and the one thing to do about it. */
function Connection({
  ctx,
  s,
  available,
  isOwner,
}: {
  ctx: PageContext;
  s: PaymentSettings;
  available: boolean;
  isOwner: boolean;
}) {
  if (!available) return html`<p class="pay-state" data-state="off">Online payments are not set up on this server.</p>`;
  const connected = !!s.stripeAccountId && s.stripeStatus !== 'none';
  const button = (label: string) =>
    isOwner
      ? html`<form method="post" action="/settings/payments/connect">
          <${Csrf} token=${ctx.csrf} />
          <button class="btn primary" type="submit">${label}</button>
        </form>`
      : html`<p class="muted">Only the owner can connect Stripe.</p>`;
  if (!connected)
    return html`<p class="pay-state" data-state="none">
        <strong>Not connected.</strong> Connect your company’s own Stripe account to let customers pay invoices
        and deposits by card or bank account in the portal. Stripe pays the money out to your bank.
      </p>
      ${button('Connect Stripe')}`;
  if (s.stripeStatus === 'active')
    return html`<p class="pay-state" data-state="active">
      <strong>Active</strong> — card ${yes(s.stripeCard)} · US bank account (ACH) ${yes(s.stripeBank)}
    </p>`;
  if (s.stripeStatus === 'disabled')
    return html`<p class="pay-state" data-state="disabled">
      <strong>Disabled</strong> — see your Stripe dashboard.
    </p>`;
  return html`<p class="pay-state" data-state="pending">
      <strong>Pending verification</strong> — Stripe needs more details.
    </p>
    ${button('Continue setup')}`;
}

export function PaymentSettingsPage({
  ctx,
  settings,
  form,
  available,
  isOwner,
}: {
  ctx: PageContext;
  settings: PaymentSettings;
  form: FormState;
  /** Whether this server can talk to a payment processor at all. */
  available: boolean;
  isOwner: boolean;
}) {
  return html`<${DashboardPage} ctx=${ctx} title="Payments · Settings">
    <${PageHeader}
      title="Payments"
      sub=${html`<a href="/settings">Settings</a> · Let customers pay invoices and deposits online`}
    />
    <section class="card stack" aria-labelledby="stripe-h">
      <h2 id="stripe-h">Stripe</h2>
      <${Connection} ctx=${ctx} s=${settings} available=${available} isOwner=${isOwner} />
    </section>
    <section class="card stack" aria-labelledby="pay-defaults-h">
      <h2 id="pay-defaults-h">Defaults</h2>
      <${FormSummary} form=${form} />
      <form method="post" action="/settings/payments" class="stack" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Checkbox}
          form=${form}
          name="onlinePaymentDefault"
          label="Accept online payment on new invoices and deposit requests"
          hint="Each document can still be switched on or off in its editor."
        />
        <${Checkbox} form=${form} name="payOtherAmount" label="Let customers pay part of an invoice" />
        <div class="grid3">
          <${Field}
            form=${form}
            name="payMinimum"
            label="Smallest amount"
            inputmode="decimal"
            hint="The least a customer may pay when paying part of an invoice."
          />
        </div>
        <div><button class="btn primary" type="submit">Save payment settings</button></div>
      </form>
    </section>
  <//>`;
}
