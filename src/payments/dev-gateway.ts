import { createId } from '@paralleldrive/cuid2';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { orgs } from '../db/schema';
import type { Env } from '../env';
import { type PaymentGateway, stripeGateway } from './gateway';

// Development without Stripe keys: a simulated processor. Accounts and sessions get `_dev_` ids and
// the customer is sent to the Worker's own /dev/stripe pages (src/dev/stripe-routes.ts), which
// complete, fail or refund a payment by posting a webhook signed exactly as Stripe signs one to
// /webhooks/stripe, so everything after Checkout runs the real path.

export function devGateway(db: Db): PaymentGateway {
  return {
    async createAccount() {
      return `acct_dev_${createId()}`;
    },
    async onboardingLink({ account, returnUrl }) {
      const origin = new URL(returnUrl).origin;
      return `${origin}/dev/stripe/onboard/${account}?return=${encodeURIComponent(returnUrl)}`;
    },
    async account(account) {
      // The simulated account is whatever its last (simulated) account.updated said.
      const [org] = await db
        .select({ status: orgs.stripeStatus, card: orgs.stripeCard, bank: orgs.stripeBank })
        .from(orgs)
        .where(eq(orgs.stripeAccountId, account));
      const status = org?.status && org.status !== 'none' ? org.status : 'pending';
      return { status, card: org?.card ?? false, bank: org?.bank ?? false };
    },
    async createCheckout(r) {
      const id = `cs_dev_${createId()}`;
      return { id, url: `${new URL(r.successUrl).origin}/dev/stripe/checkout/${id}` };
    },
    async paymentIdOf() {
      // The simulator refunds only payments it completed through the webhook: never one unknown here.
      return null;
    },
    async expireCheckout() {
      return 'expired' as const;
    },
  };
}

/**
 * The processor this deployment talks to: Stripe when STRIPE_SECRET_KEY is set, development's
 * simulated one when it is not, and none (no online payments) anywhere else.
 */
export function paymentGateway(env: Pick<Env, 'STRIPE_SECRET_KEY' | 'ENVIRONMENT'>, db: Db): PaymentGateway | null {
  if (env.STRIPE_SECRET_KEY) return stripeGateway(env);
  return env.ENVIRONMENT === 'development' ? devGateway(db) : null;
}

/** Whether webhooks can be verified here: a secret is set (development's is made by scripts/dev-vars.mjs). */
export const webhooksConfigured = (env: Pick<Env, 'STRIPE_WEBHOOK_SECRET'>) => Boolean(env.STRIPE_WEBHOOK_SECRET);
