import { env, exports } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, beforeEach, vi } from 'vitest';
import { orgs } from '../src/db/schema';
import { stripeSignature } from '../src/payments/gateway';
import { BASE, db } from './helpers';

// The Stripe API faked at the HTTP boundary (like the mail API): the official SDK runs for real,
// its requests to api.stripe.com are answered here. Everything else goes to the real fetch.
// Webhooks are delivered to the app signed exactly as Stripe signs them.

export interface StripeCall {
  method: string;
  path: string;
  account: string | null;
  idempotencyKey: string | null;
  form: URLSearchParams;
}

interface FakeAccount {
  id: string;
  charges_enabled: boolean;
  details_submitted: boolean;
  disabled_reason: string | null;
  card: 'active' | 'inactive' | 'pending';
  bank: 'active' | 'inactive' | 'pending';
}

export function fakeStripe() {
  const realFetch = globalThis.fetch;
  const calls: StripeCall[] = [];
  const accounts = new Map<string, FakeAccount>();
  const sessions = new Map<string, Record<string, unknown>>();
  const idempotent = new Map<string, Response>();
  let down = false;
  let n = 0;

  const account = (a: FakeAccount) => ({
    id: a.id,
    object: 'account',
    charges_enabled: a.charges_enabled,
    details_submitted: a.details_submitted,
    payouts_enabled: a.charges_enabled,
    capabilities: { card_payments: a.card, us_bank_account_ach_payments: a.bank },
    requirements: { disabled_reason: a.disabled_reason, currently_due: [], past_due: [] },
  });
  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const notFound = (message: string) =>
    json({ error: { type: 'invalid_request_error', message, code: 'resource_missing' } }, 404);

  function answer(req: Request, path: string, form: URLSearchParams): Response {
    if (req.method === 'POST' && path === '/v1/accounts') {
      const a: FakeAccount = {
        id: `acct_test_${++n}`,
        charges_enabled: false,
        details_submitted: false,
        disabled_reason: null,
        card: 'inactive',
        bank: 'inactive',
      };
      accounts.set(a.id, a);
      return json(account(a));
    }
    const accountMatch = /^\/v1\/accounts\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && accountMatch) {
      const a = accounts.get(accountMatch[1]!);
      return a ? json(account(a)) : notFound('No such account');
    }
    if (req.method === 'POST' && path === '/v1/account_links') {
      return json({
        object: 'account_link',
        url: `https://connect.stripe.test/setup/${form.get('account')}`,
        expires_at: Math.floor(Date.now() / 1000) + 300,
      });
    }
    if (req.method === 'POST' && path === '/v1/checkout/sessions') {
      const id = `cs_test_${++n}`;
      const metadata: Record<string, string> = {};
      form.forEach((v, k) => {
        const m = /^metadata\[(.+)\]$/.exec(k);
        if (m) metadata[m[1]!] = v;
      });
      const session = {
        id,
        object: 'checkout.session',
        url: `https://checkout.stripe.test/c/pay/${id}`,
        status: 'open',
        payment_status: 'unpaid',
        amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
        currency: form.get('line_items[0][price_data][currency]'),
        customer_email: form.get('customer_email'),
        success_url: form.get('success_url'),
        cancel_url: form.get('cancel_url'),
        expires_at: Number(form.get('expires_at')),
        metadata,
      };
      sessions.set(id, session);
      return json(session);
    }
    const intent = /^\/v1\/payment_intents\/pi_for_([^/]+)$/.exec(path);
    if (req.method === 'GET' && intent) {
      const s = sessions.get(intent[1]!);
      if (!s) return notFound('No such payment_intent');
      return json({ id: `pi_for_${s.id}`, object: 'payment_intent', metadata: s.metadata });
    }
    const one = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && one) {
      const s = sessions.get(one[1]!);
      return s ? json(s) : notFound('No such checkout.session');
    }
    const expire = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path);
    if (req.method === 'POST' && expire) {
      const s = sessions.get(expire[1]!);
      if (!s) return notFound('No such checkout.session');
      if (s.status !== 'open')
        return json({ error: { type: 'invalid_request_error', message: 'Only open sessions can be expired' } }, 400);
      s.status = 'expired';
      return json(s);
    }
    return notFound(`The fake has no ${req.method} ${path}`);
  }

  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    if (url.host !== 'api.stripe.com') return realFetch(input as RequestInfo, init);
    if (down) throw new TypeError('Network connection lost.');
    const form = new URLSearchParams(req.method === 'GET' ? url.search : await req.text());
    const call: StripeCall = {
      method: req.method,
      path: url.pathname,
      account: req.headers.get('stripe-account'),
      idempotencyKey: req.headers.get('idempotency-key'),
      form,
    };
    calls.push(call);
    // Stripe answers a repeated idempotency key with the first answer.
    const key = call.idempotencyKey && `${call.account}:${call.idempotencyKey}`;
    if (key && idempotent.has(key)) return idempotent.get(key)!.clone();
    const res = answer(req, url.pathname, form);
    if (key) idempotent.set(key, res.clone());
    return res;
  });

  return {
    calls,
    sessions,
    spy,
    /** Stripe unreachable (every call fails as a network error) until set back. */
    setDown(value: boolean) {
      down = value;
    },
    /** What the next `GET /v1/accounts/:id` answers for an account: active, or some other state. */
    setAccount(id: string, change: Partial<Omit<FakeAccount, 'id'>>) {
      const a = accounts.get(id) ?? {
        id,
        charges_enabled: false,
        details_submitted: false,
        disabled_reason: null,
        card: 'inactive' as const,
        bank: 'inactive' as const,
      };
      accounts.set(id, { ...a, ...change });
    },
    /** The Checkout sessions created, in order. */
    created: () => calls.filter((c) => c.method === 'POST' && c.path === '/v1/checkout/sessions'),
  };
}
export type FakeStripe = ReturnType<typeof fakeStripe>;

/**
 * One fake for a whole test file (its ids count from 1 per fake, and they are unique in D1): calls
 * cleared and Stripe reachable again before each test, the real fetch back after the file.
 */
export function fakeStripeForFile(): FakeStripe {
  const stripe = fakeStripe();
  beforeEach(() => {
    stripe.calls.length = 0;
    stripe.setDown(false);
  });
  afterAll(() => stripe.spy.mockRestore());
  return stripe;
}

/** Test setup: the org's Stripe connection is active (as an account.updated webhook would leave it). */
export async function connectStripe(orgId: string, change: Partial<typeof orgs.$inferInsert> = {}) {
  const account = `acct_test_${orgId}`;
  await db()
    .update(orgs)
    .set({ stripeAccountId: account, stripeStatus: 'active', stripeCard: true, stripeBank: true, ...change })
    .where(eq(orgs.id, orgId));
  return account;
}

export interface EventOptions {
  id?: string;
  account?: string | null;
  livemode?: boolean;
  created?: number;
}

/** A Stripe event as Stripe posts it: `{ id, object: 'event', type, account, livemode, created, data: { object } }`. */
export function stripeEvent(type: string, object: Record<string, unknown>, opts: EventOptions = {}) {
  return {
    id: opts.id ?? `evt_test_${crypto.randomUUID().replaceAll('-', '')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    type,
    account: opts.account ?? null,
    livemode: opts.livemode ?? false,
    created: opts.created ?? Math.floor(Date.now() / 1000),
    data: { object },
  };
}

/**
 * The checkout.session object of a session the fake created, as a completed (or failed) one:
 * `payment_status` 'paid' (card) or 'unpaid' (bank debit processing).
 */
export function completedSession(
  session: Record<string, unknown>,
  change: { payment_status?: 'paid' | 'unpaid' | 'no_payment_required'; status?: string; method?: string } = {},
) {
  return {
    ...session,
    status: change.status ?? 'complete',
    payment_status: change.payment_status ?? 'paid',
    payment_intent: `pi_for_${session.id}`,
    payment_method_types: [change.method ?? (change.payment_status === 'unpaid' ? 'us_bank_account' : 'card')],
  };
}

/** Posts an event to the webhook endpoint, signed with the test secret (or `secret`) at `at` (unix seconds). */
export async function deliver(
  event: unknown,
  opts: { secret?: string; at?: number; body?: string; signature?: string } = {},
) {
  const body = opts.body ?? JSON.stringify(event);
  const signature = opts.signature ?? (await stripeSignature(body, opts.secret ?? env.STRIPE_WEBHOOK_SECRET!, opts.at));
  return exports.default.fetch(
    new Request(`${BASE}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
    }),
  );
}
