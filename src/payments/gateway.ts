import Stripe from 'stripe';
import type { StripeStatus } from '../db/schema';
import type { Env } from '../env';
import { Refused, Unavailable } from '../errors';

// The one door to the payment processor. Everything Stripe is called for goes through a
// PaymentGateway: the real one (the official SDK over fetch, Connect direct charges on the company's
// own account) when STRIPE_SECRET_KEY is set, development's simulated one (payments/dev-gateway.ts)
// when it is not. Tests use the real one with the Stripe API faked at the HTTP boundary.

/** A connected account as the product shows it. */
export interface AccountState {
  status: Exclude<StripeStatus, 'none'>;
  card: boolean;
  bank: boolean;
}

export interface CheckoutRequest {
  /** The company's connected account: the charge is theirs (a direct charge). */
  account: string;
  amount: number;
  /** ISO 4217, lower or upper case. */
  currency: string;
  /** What the customer reads in Checkout: "Invoice INV-0004", "Deposit for Estimate EST-0002". */
  description: string;
  customerEmail: string | null;
  /** Checked again by the webhook against the document: orgId, documentId, version, amount, purpose, paymentId. */
  metadata: Record<string, string>;
  successUrl: string;
  cancelUrl: string;
  /** Unix seconds; Stripe allows 30 minutes to 24 hours. */
  expiresAt: number;
  idempotencyKey: string;
}

export interface CheckoutSession {
  id: string;
  url: string;
}

export interface PaymentGateway {
  /** A new connected account for the company (Stripe collects its details, the company owns it). */
  createAccount(input: { orgId: string; email: string; country: string }): Promise<string>;
  /** A single-use onboarding address; send the user there at once, never store it. */
  onboardingLink(input: { account: string; returnUrl: string; refreshUrl: string }): Promise<string>;
  account(account: string): Promise<AccountState>;
  createCheckout(input: CheckoutRequest): Promise<CheckoutSession>;
  /** Our online payment's id a PaymentIntent carries in its metadata (`paymentId`), or null. */
  paymentIdOf(account: string, paymentIntentId: string): Promise<string | null>;
  /**
   * Ends an open session so it can no longer be paid. 'complete' when it was paid already (its webhook
   * not here yet): the caller must not offer a second payment; an expired one is left as it is.
   */
  expireCheckout(account: string, sessionId: string): Promise<'expired' | 'complete'>;
}

const REFUSED = 'This can’t be paid online. Nothing was charged. Please pay another way, or ask the company for help.';
const DOWN = 'Online payment is not available right now. Nothing was charged. Please try again in a few minutes.';

/**
 * Stripe's answer to the SDK's error classes: a request Stripe refuses (an amount below its minimum, an
 * account that may not charge) can't be paid online at all, and says so; network trouble and Stripe's
 * own 5xx are "not available, try again".
 */
function unavailable(err: unknown): never {
  if (err instanceof Stripe.errors.StripeInvalidRequestError || err instanceof Stripe.errors.StripePermissionError) {
    console.error('stripe refused', err.type, err.statusCode, err.message);
    throw new Refused(REFUSED);
  }
  if (err instanceof Stripe.errors.StripeError) {
    console.error('stripe error', err.type, err.statusCode, err.message);
    throw new Unavailable(DOWN);
  }
  throw err;
}

/** The state the product shows for an account: active only when Stripe lets it charge. */
export function accountState(a: Stripe.Account): AccountState {
  const reason = a.requirements?.disabled_reason;
  const status = a.charges_enabled && !reason ? 'active' : reason && a.details_submitted ? 'disabled' : 'pending';
  return {
    status,
    card: a.capabilities?.card_payments === 'active',
    bank: a.capabilities?.us_bank_account_ach_payments === 'active',
  };
}

/** The SDK client, made per request: its fetch is looked up at call time (a test's fetch stub is seen). */
export function stripeClient(env: Pick<Env, 'STRIPE_SECRET_KEY' | 'ENVIRONMENT'>) {
  return new Stripe(env.STRIPE_SECRET_KEY ?? '', {
    httpClient: Stripe.createFetchHttpClient((input, init) => fetch(input, init)),
    maxNetworkRetries: env.ENVIRONMENT === 'test' ? 0 : 1,
    timeout: 15_000,
    appInfo: { name: 'contractor-portal' },
  });
}

export function stripeGateway(env: Pick<Env, 'STRIPE_SECRET_KEY' | 'ENVIRONMENT'>): PaymentGateway {
  const stripe = stripeClient(env);
  return {
    async createAccount({ orgId, email, country }) {
      const account = await stripe.accounts
        .create(
          {
            controller: {
              stripe_dashboard: { type: 'full' },
              fees: { payer: 'account' },
              losses: { payments: 'stripe' },
              requirement_collection: 'stripe',
            },
            country,
            ...(email ? { email } : {}),
            capabilities: { card_payments: { requested: true }, us_bank_account_ach_payments: { requested: true } },
            metadata: { orgId },
          },
          { idempotencyKey: `account-${orgId}` },
        )
        .catch(unavailable);
      return account.id;
    },
    async onboardingLink({ account, returnUrl, refreshUrl }) {
      const link = await stripe.accountLinks
        .create({ account, type: 'account_onboarding', return_url: returnUrl, refresh_url: refreshUrl })
        .catch(unavailable);
      return link.url;
    },
    async account(account) {
      return accountState(await stripe.accounts.retrieve(account).catch(unavailable));
    },
    async createCheckout(r) {
      const session = await stripe.checkout.sessions
        .create(
          {
            mode: 'payment',
            line_items: [
              {
                quantity: 1,
                price_data: {
                  currency: r.currency.toLowerCase(),
                  unit_amount: r.amount,
                  product_data: { name: r.description },
                },
              },
            ],
            allowed_payment_method_types: ['card', 'us_bank_account'],
            payment_method_options: { us_bank_account: { verification_method: 'automatic' } },
            client_reference_id: r.metadata.documentId,
            ...(r.customerEmail ? { customer_email: r.customerEmail } : {}),
            metadata: r.metadata,
            payment_intent_data: { metadata: r.metadata, description: r.description },
            success_url: r.successUrl,
            cancel_url: r.cancelUrl,
            expires_at: r.expiresAt,
          },
          { stripeAccount: r.account, idempotencyKey: r.idempotencyKey },
        )
        .catch(unavailable);
      if (!session.url) throw new Unavailable(DOWN);
      return { id: session.id, url: session.url };
    },
    async paymentIdOf(account, paymentIntentId) {
      try {
        const intent = await stripe.paymentIntents.retrieve(paymentIntentId, {}, { stripeAccount: account });
        return intent.metadata?.paymentId ?? null;
      } catch (err) {
        if (err instanceof Stripe.errors.StripeInvalidRequestError) return null; // not this account's
        unavailable(err);
      }
    },
    async expireCheckout(account, sessionId) {
      try {
        await stripe.checkout.sessions.expire(sessionId, {}, { stripeAccount: account });
        return 'expired';
      } catch (err) {
        // Not open any more: expired, or completed (paid) with its webhook still on its way.
        if (!(err instanceof Stripe.errors.StripeInvalidRequestError)) unavailable(err);
        const session = await stripe.checkout.sessions
          .retrieve(sessionId, {}, { stripeAccount: account })
          .catch(unavailable);
        return session.status === 'complete' ? 'complete' : 'expired';
      }
    },
  };
}

/** Verifies a webhook's signature and age (5 minutes) against each configured secret; null when none matches. */
export async function verifiedEvent(
  env: Pick<Env, 'STRIPE_WEBHOOK_SECRET' | 'STRIPE_SECRET_KEY' | 'ENVIRONMENT'>,
  body: string,
  signature: string,
): Promise<Stripe.Event | null> {
  const secrets = (env.STRIPE_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Stripe.webhooks needs no API key: development has none (its absence selects the simulated Stripe).
  for (const secret of secrets) {
    try {
      return await Stripe.webhooks.constructEventAsync(body, signature, secret, 300, stripeCrypto);
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) throw err;
    }
  }
  return null;
}

const stripeCrypto = Stripe.createSubtleCryptoProvider();

/** Signs a payload exactly as Stripe signs a webhook (`t=<unix>,v1=<hex HMAC-SHA256 of "t.payload">`). */
export async function stripeSignature(payload: string, secret: string, at = Math.floor(Date.now() / 1000)) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${at}.${payload}`)));
  return `t=${at},v1=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
