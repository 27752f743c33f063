import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { orgs } from '../db/schema';
import { NotFound, Refused, Unavailable } from '../errors';
import { FormCheck, type RawForm } from '../http/validate';
import type { AccountState, PaymentGateway } from './gateway';

// The company's side of online payments: connecting its own Stripe account (Connect onboarding
// through Account Links), reading the account's state back, and the defaults new documents start
// with. The redirect back from Stripe proves nothing: the state is always asked of Stripe.

export const NOT_SET_UP = 'Online payments are not set up on this server.';

/**
 * The country a company's Stripe account is made in, from the currency it bills in. A euro company
 * could be in any of twenty countries: it is not guessed.
 */
const COUNTRY_OF: Record<string, string> = { USD: 'US', CAD: 'CA', GBP: 'GB', AUD: 'AU', NZD: 'NZ' };
export const NO_COUNTRY =
  'Connecting Stripe from here works for companies billing in US, Canadian, Australian or New Zealand dollars ' +
  'or pounds sterling. Ask us to connect a company billing in euros.';

/** The company's Stripe connection and payment defaults, as Settings → Payments shows them. */
export async function paymentSettings(db: Db, orgId: string) {
  const [org] = await db
    .select({
      email: orgs.email,
      currency: orgs.currency,
      stripeAccountId: orgs.stripeAccountId,
      stripeStatus: orgs.stripeStatus,
      stripeCard: orgs.stripeCard,
      stripeBank: orgs.stripeBank,
      onlinePaymentDefault: orgs.onlinePaymentDefault,
      payOtherAmount: orgs.payOtherAmount,
      payMinimum: orgs.payMinimum,
    })
    .from(orgs)
    .where(eq(orgs.id, orgId));
  if (!org) throw new NotFound();
  return org;
}
export type PaymentSettings = Awaited<ReturnType<typeof paymentSettings>>;

function gatewayOrRefuse(gateway: PaymentGateway | null): PaymentGateway {
  if (!gateway) throw new Unavailable(NOT_SET_UP);
  return gateway;
}

const links = (origin: string) => ({
  returnUrl: `${origin}/settings/payments/stripe/return`,
  refreshUrl: `${origin}/settings/payments/stripe/refresh`,
});

/**
 * "Connect Stripe": the company's connected account, made once, then a fresh onboarding link to send
 * the user to. Two clicks at once store one account: the id is written only while none is stored
 * (the loser reuses the winner's), and Stripe itself answers a repeated `account-<orgId>` with the
 * first account. Stripe unreachable: Unavailable, nothing stored.
 */
export async function connectStripe(
  db: Db,
  gatewayIn: PaymentGateway | null,
  input: { orgId: string; email: string; origin: string },
): Promise<string> {
  const gateway = gatewayOrRefuse(gatewayIn);
  const org = await paymentSettings(db, input.orgId);
  let account = org.stripeAccountId;
  if (!account) {
    const country = COUNTRY_OF[org.currency];
    if (!country) throw new Refused(NO_COUNTRY);
    const created = await gateway
      .createAccount({ orgId: input.orgId, email: input.email, country })
      .catch((err) => storedMeanwhile(db, input.orgId, err));
    const [won] = await db
      .update(orgs)
      .set({ stripeAccountId: created, stripeStatus: 'pending', stripeCard: false, stripeBank: false })
      .where(and(eq(orgs.id, input.orgId), isNull(orgs.stripeAccountId)))
      .returning({ account: orgs.stripeAccountId });
    account = won?.account ?? (await paymentSettings(db, input.orgId)).stripeAccountId;
    if (!account) throw new NotFound();
  }
  return gateway.onboardingLink({ account, ...links(input.origin) });
}

/**
 * A click whose account request failed while another click's was in flight (Stripe answers a
 * request that repeats an in-flight idempotency key with an error): the other click's account, once
 * it is stored; otherwise the error stands.
 */
async function storedMeanwhile(db: Db, orgId: string, err: unknown): Promise<string> {
  for (let i = 0; i < 6; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const { stripeAccountId } = await paymentSettings(db, orgId);
    if (stripeAccountId) return stripeAccountId;
  }
  throw err;
}

/** Stripe's refresh_url: the last link expired or was used; a new one for the stored account. */
export async function refreshStripeLink(db: Db, gatewayIn: PaymentGateway | null, orgId: string, origin: string) {
  const gateway = gatewayOrRefuse(gatewayIn);
  const { stripeAccountId } = await paymentSettings(db, orgId);
  if (!stripeAccountId) return null;
  return gateway.onboardingLink({ account: stripeAccountId, ...links(origin) });
}

/**
 * Stripe's return_url: the user left onboarding (finished or not). The account's state is read from
 * Stripe and stored; null when the company has no account (nothing to read).
 */
export async function returnFromStripe(
  db: Db,
  gatewayIn: PaymentGateway | null,
  orgId: string,
): Promise<AccountState | null> {
  const gateway = gatewayOrRefuse(gatewayIn);
  const { stripeAccountId } = await paymentSettings(db, orgId);
  if (!stripeAccountId) return null;
  const state = await gateway.account(stripeAccountId);
  await db
    .update(orgs)
    .set({ stripeStatus: state.status, stripeCard: state.card, stripeBank: state.bank })
    .where(and(eq(orgs.id, orgId), eq(orgs.stripeAccountId, stripeAccountId)));
  return state;
}

/** The notice after coming back from Stripe. */
export function returnNotice(state: AccountState): string {
  if (state.status === 'active') return 'You can take payments online.';
  if (state.status === 'disabled') return 'Stripe has disabled payments on your account. See your Stripe dashboard.';
  return 'Stripe is verifying your details.';
}

/** The largest "smallest amount" accepted: $1,000,000. */
const MAX_MINIMUM = 100_000_000;

export function checkPaymentDefaults(raw: RawForm) {
  const f = new FormCheck(raw);
  const values = {
    onlinePaymentDefault: f.bool('onlinePaymentDefault'),
    payOtherAmount: f.bool('payOtherAmount'),
    payMinimum: f.money('payMinimum', { label: 'Smallest amount', min: 0, max: MAX_MINIMUM }) ?? 0,
  };
  return { f, values };
}
export type PaymentDefaults = ReturnType<typeof checkPaymentDefaults>['values'];

/** Saves the defaults in one statement (two saves at once: the last one wins, whole). */
export async function updatePaymentDefaults(db: Db, orgId: string, values: PaymentDefaults) {
  const [row] = await db.update(orgs).set(values).where(eq(orgs.id, orgId)).returning({ id: orgs.id });
  if (!row) throw new NotFound();
}
