import { desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { documents, onlinePayments, orgs } from '../db/schema';
import { kindOf } from '../documents/kinds';
import type { Env } from '../env';
import { Unavailable } from '../errors';
import { stripeSignature } from '../payments/gateway';

// Development's simulated Stripe (the pages are src/dev/stripe-routes.ts): what its checkout, its
// dashboard and its onboarding read, and the events they make. Each event is what Stripe would post
// to /webhooks/stripe for that step, signed exactly as Stripe signs it, so the real webhook runs.
//
// An event's id is derived from what it does (`evt_dev_completed_<session>`, `evt_dev_refund_<intent>_
// <refunded so far>`): the same button pressed twice is the same event delivered twice, which the
// webhook records once, as a retried Stripe delivery would be.

/** One online payment with what the simulator shows beside it: its company, account and document. */
export interface SimulatedPayment {
  payment: typeof onlinePayments.$inferSelect;
  org: { name: string; currency: string; timeZone: string; stripeAccountId: string | null };
  document: { number: string; type: string; subtype: string | null };
}

const simulatedSelect = (db: Db) =>
  db
    .select({
      payment: onlinePayments,
      org: { name: orgs.name, currency: orgs.currency, timeZone: orgs.timeZone, stripeAccountId: orgs.stripeAccountId },
      document: { number: documents.number, type: documents.type, subtype: documents.subtype },
    })
    .from(onlinePayments)
    .innerJoin(orgs, eq(orgs.id, onlinePayments.orgId))
    .innerJoin(documents, eq(documents.id, onlinePayments.documentId));

/** The online payment of a Checkout session, or null. Development only: any company's, by session id. */
export async function simulatedPayment(db: Db, sessionId: string): Promise<SimulatedPayment | null> {
  const [row] = await simulatedSelect(db).where(eq(onlinePayments.sessionId, sessionId)).limit(1);
  return row ?? null;
}

/** The online payment with this id (the dashboard's buttons name it), or null. */
export async function simulatedPaymentById(db: Db, id: string): Promise<SimulatedPayment | null> {
  const [row] = await simulatedSelect(db).where(eq(onlinePayments.id, id)).limit(1);
  return row ?? null;
}

/** Every online payment, newest first (the simulator's dashboard). */
export async function simulatedPayments(db: Db, limit = 100): Promise<SimulatedPayment[]> {
  return simulatedSelect(db).orderBy(desc(onlinePayments.createdAt), desc(onlinePayments.id)).limit(limit);
}

/** The company a connected account belongs to, for the simulated onboarding page. */
export async function simulatedAccount(db: Db, account: string) {
  const [row] = await db
    .select({ name: orgs.name, status: orgs.stripeStatus })
    .from(orgs)
    .where(eq(orgs.stripeAccountId, account))
    .limit(1);
  return row ?? null;
}

/** What the customer reads in Checkout: "Invoice INV-0004", "Deposit for Estimate EST-0002". */
export function checkoutDescription(p: SimulatedPayment) {
  const label = kindOf(p.document.type, p.document.subtype)?.label ?? 'Document';
  const named = `${label} ${p.document.number}`;
  return p.payment.purpose === 'deposit' ? `Deposit for ${named}` : named;
}

/** Where Stripe sends the customer back: the portal document (the success address names the session). */
export const successPath = (p: SimulatedPayment) =>
  `/portal/documents/${p.payment.documentId}?checkout=${encodeURIComponent(p.payment.sessionId)}#pay`;
export const cancelPath = (p: SimulatedPayment) => `/portal/documents/${p.payment.documentId}#pay`;

export type SimulatedMethod = 'card' | 'us_bank_account';

const idPart = (id: string) => id.replace(/^[a-z]+_(dev|test|live)_/, '').replace(/[^A-Za-z0-9]/g, '');
/** The PaymentIntent the session became: the one the webhook stored, else the one the checkout made. */
export const intentOf = (p: SimulatedPayment) => p.payment.paymentIntentId ?? `pi_dev_${idPart(p.payment.sessionId)}`;

/** The metadata the portal put on the session and its PaymentIntent (the webhook checks it). */
export function metadataOf(p: SimulatedPayment): Record<string, string> {
  const { payment } = p;
  return {
    orgId: payment.orgId,
    documentId: payment.documentId,
    version: String(payment.version),
    amount: String(payment.amount),
    currency: payment.currency.toUpperCase(),
    purpose: payment.purpose,
    paymentId: payment.id,
  };
}

export interface SimulatedEvent {
  id: string;
  object: 'event';
  api_version: string;
  type: string;
  account: string | null;
  livemode: false;
  created: number;
  pending_webhooks: number;
  request: { id: null; idempotency_key: null };
  data: { object: Record<string, unknown> };
}

function event(id: string, type: string, account: string | null, object: Record<string, unknown>): SimulatedEvent {
  return {
    id,
    object: 'event',
    api_version: '2026-10-28.endive',
    type,
    account,
    livemode: false,
    created: Math.floor(Date.now() / 1000),
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  };
}

function session(
  p: SimulatedPayment,
  state: { status: 'complete' | 'expired'; paymentStatus: 'paid' | 'unpaid'; method: SimulatedMethod | null },
) {
  const { payment } = p;
  return {
    id: payment.sessionId,
    object: 'checkout.session',
    mode: 'payment',
    status: state.status,
    payment_status: state.paymentStatus,
    amount_total: payment.amount,
    amount_subtotal: payment.amount,
    currency: payment.currency.toLowerCase(),
    client_reference_id: payment.documentId,
    metadata: metadataOf(p),
    payment_intent: state.status === 'expired' ? null : intentOf(p),
    payment_method_types: state.method ? [state.method] : ['card', 'us_bank_account'],
    expires_at: Math.floor(payment.expiresAt / 1000),
    livemode: false,
    url: null,
  };
}

/**
 * The customer finished the simulated Checkout: paid by card (`payment_status` 'paid'), or a bank
 * debit started (`payment_status` 'unpaid' until it succeeds or fails days later).
 */
export function checkoutCompleted(p: SimulatedPayment, method: SimulatedMethod) {
  const object = session(p, {
    status: 'complete',
    paymentStatus: method === 'card' ? 'paid' : 'unpaid',
    method,
  });
  return event(
    `evt_dev_completed_${idPart(p.payment.sessionId)}`,
    'checkout.session.completed',
    p.org.stripeAccountId,
    object,
  );
}

/** The bank debit's outcome. Succeeds and fails share one id: a debit ends one way, once. */
export function bankDebitEnded(p: SimulatedPayment, outcome: 'succeeded' | 'failed') {
  const object = session(p, {
    status: 'complete',
    paymentStatus: outcome === 'succeeded' ? 'paid' : 'unpaid',
    method: (p.payment.method as SimulatedMethod | null) ?? 'us_bank_account',
  });
  return event(
    `evt_dev_debit_${idPart(p.payment.sessionId)}`,
    `checkout.session.async_payment_${outcome}`,
    p.org.stripeAccountId,
    object,
  );
}

/** The session ran out unpaid. */
export function checkoutExpired(p: SimulatedPayment) {
  const object = session(p, { status: 'expired', paymentStatus: 'unpaid', method: null });
  return event(
    `evt_dev_expired_${idPart(p.payment.sessionId)}`,
    'checkout.session.expired',
    p.org.stripeAccountId,
    object,
  );
}

/** What is left to refund on a payment, in cents. */
export const refundable = (p: SimulatedPayment) => Math.max(0, p.payment.amount - p.payment.refunded);

/** The contractor refunded `amount` cents in Stripe's dashboard: `charge.refunded`, amount_refunded cumulative. */
export function chargeRefunded(p: SimulatedPayment, amount: number) {
  const intent = intentOf(p);
  const charge = `ch_dev_${idPart(intent)}`;
  const total = p.payment.refunded + amount;
  const currency = p.payment.currency.toLowerCase();
  const object = {
    id: charge,
    object: 'charge',
    payment_intent: intent,
    amount: p.payment.amount,
    amount_captured: p.payment.amount,
    amount_refunded: total,
    refunded: total >= p.payment.amount,
    currency,
    status: 'succeeded',
    paid: true,
    metadata: metadataOf(p),
    payment_method_details: { type: p.payment.method ?? 'card' },
    refunds: {
      object: 'list',
      data: [
        {
          id: `re_dev_${idPart(intent)}_${total}`,
          object: 'refund',
          amount,
          charge,
          payment_intent: intent,
          currency,
          status: 'succeeded',
        },
      ],
      has_more: false,
    },
    livemode: false,
  };
  return event(`evt_dev_refund_${idPart(intent)}_${total}`, 'charge.refunded', p.org.stripeAccountId, object);
}

/** The company finished onboarding (card and bank active) or left it for Stripe to verify (pending). */
export function accountUpdated(account: string, outcome: 'active' | 'pending') {
  const active = outcome === 'active';
  const capability = active ? 'active' : 'pending';
  const object = {
    id: account,
    object: 'account',
    type: 'standard',
    charges_enabled: active,
    payouts_enabled: active,
    details_submitted: true,
    capabilities: { card_payments: capability, us_bank_account_ach_payments: capability },
    requirements: {
      disabled_reason: null,
      currently_due: [],
      eventually_due: [],
      past_due: [],
      pending_verification: active ? [] : ['individual.verification.document'],
    },
    livemode: false,
  };
  return event(`evt_dev_account_${crypto.randomUUID().replaceAll('-', '')}`, 'account.updated', account, object);
}

/**
 * The request Stripe would make: the event's JSON to `/webhooks/stripe` on this origin, with a
 * `Stripe-Signature` from the first configured webhook secret (scripts/dev-vars.mjs makes one).
 */
export async function signedDelivery(
  env: Pick<Env, 'STRIPE_WEBHOOK_SECRET'>,
  origin: string,
  e: SimulatedEvent,
): Promise<Request> {
  const secret = (env.STRIPE_WEBHOOK_SECRET ?? '')
    .split(',')
    .map((s) => s.trim())
    .find(Boolean);
  if (!secret)
    throw new Unavailable(
      'The simulated Stripe needs STRIPE_WEBHOOK_SECRET to sign its webhooks. ' +
        'Run `npm run dev`, which adds one to .dev.vars.',
    );
  const body = JSON.stringify(e);
  return new Request(new URL('/webhooks/stripe', origin), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Stripe-Signature': await stripeSignature(body, secret),
      'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks) development simulator',
    },
    body,
  });
}
