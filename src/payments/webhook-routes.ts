import { Hono } from 'hono';
import type Stripe from 'stripe';
import type { Db } from '../db/client';
import type { Env } from '../env';
import type { AppEnv } from '../http/context';
import { paymentGateway } from './dev-gateway';
import { documentRoom, throughRoom } from '../rooms/client';
import { accountUpdated, SESSION_EVENTS, webhookTarget } from './events';
import { verifiedEvent } from './gateway';

// Stripe's one webhook endpoint, for the platform and its connected accounts. Authenticated by the
// signature alone (no CSRF cookie, no session): a bad or stale one is a 400 and nothing is written.
// Each event about a payment is applied in its document's room, stored once by its id; a 200 tells
// Stripe to stop, a 500 (the batch did not commit) that it should retry.

export const WEBHOOK_PATH = '/webhooks/stripe';
export const WEBHOOK_BODY_CAP = {
  max: 256 * 1024,
  message: 'Webhook payloads are at most 256 KB.',
};

const ignored = { received: true, ignored: true };

/**
 * A charge.refunded whose PaymentIntent we have not stored: ours (its metadata names one of this
 * company's online payments, whose completion has not been applied yet) or the company's own other
 * business (every charge of a connected account reaches this endpoint).
 */
async function paymentNotRecordedYet(env: Env, db: Db, account: string, paymentIntentId: string) {
  const gateway = paymentGateway(env, db);
  const paymentId = gateway && (await gateway.paymentIdOf(account, paymentIntentId));
  return Boolean(paymentId && (await webhookTarget(db, account, { paymentId })));
}

export const webhookRoutes = new Hono<AppEnv>().post(WEBHOOK_PATH, async (c) => {
  if (!c.env.STRIPE_WEBHOOK_SECRET) return c.json({ error: 'Webhooks are not configured.' }, 503);
  const body = await c.req.text();
  const event = await verifiedEvent(c.env, body, c.req.header('Stripe-Signature') ?? '');
  if (!event) {
    console.warn('stripe webhook: invalid signature');
    return c.json({ error: 'Invalid signature' }, 400);
  }
  // A test-mode event at a live deployment (or the reverse) is never ours to apply.
  const live = /^(sk|rk)_live_/.test(c.env.STRIPE_SECRET_KEY ?? ''); // a secret or restricted live key
  if (event.livemode !== live) return c.json(ignored);
  const db = c.get('db');
  // Signed by Stripe, so well formed; still, a shape we do not know is ignored rather than a 500 retried for days.
  const data = (event as { data?: { object?: unknown } }).data?.object;
  if (!data || typeof data !== 'object') return c.json(ignored);
  const object = data as Record<string, unknown>;
  const account = event.account ?? null;
  if (event.type === 'account.updated') {
    if (typeof object.id !== 'string') return c.json(ignored);
    await accountUpdated(db, event as Stripe.AccountUpdatedEvent);
    return c.json({ received: true });
  }
  const bySession = (SESSION_EVENTS as readonly string[]).includes(event.type);
  if (!bySession && event.type !== 'charge.refunded') return c.json(ignored);
  const key = bySession ? object.id : object.payment_intent;
  if (typeof key !== 'string' || !account) return c.json(ignored);
  const target = await webhookTarget(db, account, bySession ? { sessionId: key } : { paymentIntentId: key });
  if (!target) {
    if (!bySession && (await paymentNotRecordedYet(c.env, db, account, key))) {
      // A refund of our payment whose completion is still in Stripe's retries: ignoring it would lose the
      // refund for good, so Stripe is asked to send it again later.
      return c.json({ error: 'The payment this refund belongs to is not recorded yet.' }, 503);
    }
    return c.json(ignored);
  }
  await throughRoom(
    documentRoom(c.env, target.documentId).stripeEvent({
      orgId: target.orgId,
      documentId: target.documentId,
      jobId: target.jobId,
      timeZone: target.timeZone,
      origin: c.env.APP_ORIGIN,
      event: { id: event.id, type: event.type, account, livemode: event.livemode, created: event.created, object },
    }),
  );
  return c.json({ received: true });
});
