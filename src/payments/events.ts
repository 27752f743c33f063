import { and, eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { BatchItem } from 'drizzle-orm/batch';
import { money } from '../../views/format';
import { activityInsert, type Action, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { documents, onlinePayments, orgs, payments, stripeEvents, users } from '../db/schema';
import { todayIn } from '../documents/drafts';
import { canTransition, nextStatus } from '../documents/status';
import type { Env } from '../env';
import type { RoomContext, RoomEvent, RoomWrite } from '../rooms/client';
import { cancelStatement } from '../reminders/plan';
import { accountState } from './gateway';
import { failedMails, flagMail, type PaymentMailContext, receivedMails, refundMail } from './mail';
import { type OnlinePayment, type PaymentState, paymentState } from './queries';

// Applying a verified Stripe event to the document it is about, in that document's room. Every
// event is stored once by its id in the same batch as what it changed, so a replay (or a second
// delivery at the same moment, queued behind the first) changes nothing. The money model: a
// `payments` row only when the money succeeded, a negative one for a refund; a bank debit that is
// still processing is not money yet.

/** The part of a verified Stripe event the room needs (plain data: it crosses the RPC boundary). */
export interface StripeEventCommit extends RoomContext {
  event: {
    id: string;
    type: string;
    account: string | null;
    livemode: boolean;
    created: number;
    /** event.data.object, as Stripe sent it. */
    object: Record<string, unknown>;
  };
}

/** The session events the room applies; charge.refunded is the fifth. */
export const SESSION_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
] as const;

type Applied = RoomWrite<{ applied: boolean }>;

/**
 * The document an event is about: the online payment with that session (or PaymentIntent), of the
 * company whose connected account the event came from. Null for anything else (another account's
 * session, one we never made).
 */
export async function webhookTarget(
  db: Db,
  account: string,
  key: { sessionId: string } | { paymentIntentId: string } | { paymentId: string },
) {
  const [row] = await db
    .select({ orgId: orgs.id, documentId: documents.id, jobId: documents.jobId, timeZone: orgs.timeZone })
    .from(onlinePayments)
    .innerJoin(orgs, and(eq(orgs.id, onlinePayments.orgId), eq(orgs.stripeAccountId, account)))
    .innerJoin(documents, and(eq(documents.orgId, onlinePayments.orgId), eq(documents.id, onlinePayments.documentId)))
    .where(
      'sessionId' in key
        ? eq(onlinePayments.sessionId, key.sessionId)
        : 'paymentId' in key
          ? eq(onlinePayments.id, key.paymentId)
          : eq(onlinePayments.paymentIntentId, key.paymentIntentId),
    )
    .limit(1);
  return row ?? null;
}

/**
 * account.updated: the company's connection as Stripe now reports it, stored with the event in one
 * batch. A replay finds its event row and changes nothing (the update runs only when the insert did).
 */
export async function accountUpdated(db: Db, event: Stripe.AccountUpdatedEvent) {
  const account = event.data.object;
  const state = accountState(account);
  await db.batch([
    db
      .update(orgs)
      .set({ stripeStatus: state.status, stripeCard: state.card, stripeBank: state.bank })
      .where(
        and(
          eq(orgs.stripeAccountId, account.id),
          sql`NOT EXISTS (SELECT 1 FROM ${stripeEvents} WHERE ${stripeEvents.id} = ${event.id})`,
        ),
      ),
    db
      .insert(stripeEvents)
      .values({ id: event.id, type: event.type, account: event.account ?? account.id, receivedAt: Date.now() })
      .onConflictDoNothing(),
  ]);
}

const STRIPE: Actor = { side: 'system', name: 'Stripe' };

/** What one event changes besides its own stripe_events row. */
interface Change {
  statements: BatchItem<'sqlite'>[];
  activityId?: string;
  say?: string;
  /** The emails it sends, queued in the same batch. */
  mails?: Promise<BatchItem<'sqlite'>[]>[];
}

/** The state an event is applied to, read inside the room's queue. */
interface Ctx extends PaymentMailContext {
  /** Cents the payment added to the balance when it succeeded (its payments row); 0 when it added none. */
  applied: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);

/** 'card' or 'us_bank_account': the one method the session allowed, else what the event type implies. */
function methodOf(object: Record<string, unknown>, type: string): 'card' | 'us_bank_account' {
  const types = Array.isArray(object.payment_method_types) ? object.payment_method_types : [];
  if (types.length === 1 && (types[0] === 'card' || types[0] === 'us_bank_account')) return types[0];
  return type === 'checkout.session.completed' ? 'card' : 'us_bank_account';
}

export const methodLabel = (method: string | null) => (method === 'us_bank_account' ? 'Bank account' : 'Card');

/** What the payment is owed against: the invoice's balance, or the order's deposit not yet paid. */
function owedOf(state: PaymentState, purpose: OnlinePayment['purpose']) {
  const totals = state.snapshot?.totals;
  if (!totals) return 0;
  return Math.max(0, (purpose === 'deposit' ? totals.deposit : totals.total) - state.paid);
}

export async function stripeEventWrite(
  db: Db,
  input: StripeEventCommit,
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>,
): Promise<Applied> {
  const { event } = input;
  const [seen, creator] = await db.batch([
    db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id)),
    db
      .select({ name: users.name, email: users.email })
      .from(documents)
      .innerJoin(users, eq(users.id, documents.createdBy))
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
  ]);
  if (seen.length) return { statements: [], result: { applied: false } };
  const now = Date.now();
  const record = db
    .insert(stripeEvents)
    .values({ id: event.id, type: event.type, account: event.account, receivedAt: now });
  const state = await paymentState(db, input.orgId, input.documentId);
  const object = event.object;
  const row =
    state &&
    (event.type === 'charge.refunded'
      ? state.online.find((p) => p.paymentIntentId && p.paymentIntentId === str(object.payment_intent))
      : state.online.find((p) => p.sessionId === str(object.id)));
  if (!state || !row) return { statements: [record], result: { applied: false } };

  let applied = 0;
  if (event.type === 'charge.refunded' && row.paymentId) {
    const [counted] = await db
      .select({ amount: payments.amount })
      .from(payments)
      .where(and(eq(payments.orgId, input.orgId), eq(payments.id, row.paymentId)));
    applied = counted?.amount ?? 0;
  }
  const ctx: Ctx = { db, env, state, row, origin: input.origin, creator: creator[0] ?? null, now, applied };
  let change: Change | null = null;
  if (event.type === 'checkout.session.completed' && object.payment_status === 'paid')
    change = succeeded(ctx, input, methodOf(object, event.type));
  else if (event.type === 'checkout.session.async_payment_succeeded')
    change = succeeded(ctx, input, methodOf(object, event.type));
  else if (event.type === 'checkout.session.completed' && object.payment_status === 'unpaid')
    change = processing(ctx, input);
  else if (event.type === 'checkout.session.async_payment_failed') change = failed(ctx, input);
  else if (event.type === 'checkout.session.expired') change = expired(ctx);
  else if (event.type === 'charge.refunded') change = refunded(ctx, input);
  if (!change) return { statements: [record], result: { applied: false } };
  const mails = await Promise.all(change.mails ?? []);
  const ev: RoomEvent | undefined = change.say ? { type: 'payment', say: change.say } : undefined;
  return {
    statements: [record, ...change.statements, ...mails.flat()],
    activityId: change.activityId,
    event: ev,
    result: { applied: true },
  };
}

/** The online payment's row, moved on only from the status (and refunded total) it was read with. */
function rowUpdate(ctx: Ctx, set: Partial<typeof onlinePayments.$inferInsert>) {
  const { db, row } = ctx;
  return db
    .update(onlinePayments)
    .set({ ...set, updatedAt: ctx.now })
    .where(
      and(
        eq(onlinePayments.orgId, row.orgId),
        eq(onlinePayments.id, row.id),
        eq(onlinePayments.status, row.status),
        eq(onlinePayments.refunded, row.refunded),
      ),
    );
}

function activity(ctx: Ctx, action: Action, actor: Actor, data: Record<string, unknown>) {
  const id = createId();
  const doc = ctx.state.document;
  const statement = activityInsert(ctx.db, {
    id,
    orgId: doc.orgId,
    jobId: doc.jobId,
    documentId: doc.id,
    action,
    actor,
    data,
    at: ctx.now,
  });
  return { id, statement };
}

/** The customer who paid, as the timeline names them (the contact on the document). */
function payer(ctx: Ctx): Actor {
  const contact = ctx.state.contact;
  return contact ? { side: 'recipient', contactId: contact.id, name: contact.name } : STRIPE;
}

/** Why a succeeded payment is not counted as is, checked against the row and the document; null when it is fine. */
function mismatch(ctx: Ctx, object: Record<string, unknown>) {
  const { row, state } = ctx;
  const currency = state.org.currency;
  const meta = (object.metadata ?? {}) as Record<string, unknown>;
  const got = num(object.amount_total);
  const gotCurrency = str(object.currency).toLowerCase();
  const ours = money(row.amount, currency);
  const check = 'check it in Stripe before counting it.';
  if (
    meta.paymentId !== row.id ||
    meta.documentId !== row.documentId ||
    meta.version !== String(row.version) ||
    meta.amount !== String(row.amount)
  )
    return {
      flag: 'metadata',
      message: `Stripe's record of this payment of ${ours} does not match this document: ${check}`,
    };
  if (got !== row.amount) {
    const theirs = Number.isNaN(got) ? 'an unknown amount' : money(got, currency);
    return { flag: 'amount', message: `Stripe reported ${theirs} but this payment was for ${ours}: ${check}` };
  }
  if (gotCurrency !== row.currency.toLowerCase() || gotCurrency !== currency.toLowerCase()) {
    const theirs = gotCurrency.toUpperCase() || 'an unknown currency';
    return {
      flag: 'currency',
      message: `Stripe reported the payment in ${theirs} but this document is in ${currency.toUpperCase()}: ${check}`,
    };
  }
  if (state.document.status === 'void') {
    const what = state.document.type === 'customer_invoice' ? 'invoice' : 'document';
    return { flag: 'void', message: `${ours} was paid after the ${what} was voided: refund it in Stripe.` };
  }
  return null;
}

/** The money arrived (card at completion, bank debit when it succeeded): counted up to what is still owed. */
function succeeded(ctx: Ctx, input: StripeEventCommit, method: 'card' | 'us_bank_account'): Change | null {
  const { db, row, state } = ctx;
  // An expired row too: a session paid in the moment it was being ended is still money taken.
  if (row.status !== 'open' && row.status !== 'processing' && row.status !== 'expired') return null;
  const object = input.event.object;
  const paymentIntentId = str(object.payment_intent) || row.paymentIntentId;
  const currency = state.org.currency;
  const bad = mismatch(ctx, object);
  if (bad) {
    const flagged = activity(ctx, 'payment_flagged', STRIPE, {
      amount: row.amount,
      flag: bad.flag,
      message: bad.message,
      purpose: row.purpose,
    });
    return {
      statements: [rowUpdate(ctx, { status: 'succeeded', method, paymentIntentId, flag: bad.flag }), flagged.statement],
      activityId: flagged.id,
      mails: [flagMail(ctx, bad.message)],
    };
  }
  const owed = owedOf(state, row.purpose);
  const applied = Math.min(row.amount, owed);
  const excess = row.amount - applied;
  const doc = state.document;
  const statements: BatchItem<'sqlite'>[] = [];
  const paymentId = applied > 0 ? createId() : null;
  const paidOn = todayIn(state.org.timeZone, ctx.now);
  if (paymentId)
    statements.push(
      db.insert(payments).values({
        id: paymentId,
        orgId: doc.orgId,
        documentId: doc.id,
        amount: applied,
        paidOn,
        method: methodLabel(method),
        reference: paymentIntentId ?? '',
        recordedBy: 'stripe',
        createdAt: ctx.now,
      }),
    );
  statements.push(
    rowUpdate(ctx, {
      status: 'succeeded',
      method,
      paymentIntentId,
      paymentId,
      flag: excess > 0 ? 'overpaid' : null,
    }),
  );
  const event = applied === owed ? 'pay_full' : 'pay_partial';
  if (applied > 0 && row.purpose === 'invoice' && canTransition(doc.type, doc.status, event)) {
    const status = nextStatus(doc.type, doc.status, event);
    statements.push(
      db
        .update(documents)
        .set({ status, updatedAt: ctx.now })
        .where(and(eq(documents.orgId, doc.orgId), eq(documents.id, doc.id), eq(documents.status, doc.status))),
    );
    // Paid in full online: its reminders stop (issue 16).
    if (status === 'paid')
      statements.push(cancelStatement(db, { orgId: doc.orgId, documentId: doc.id }, 'paid', ctx.now));
  }
  const received = activity(ctx, 'payment_received', payer(ctx), {
    amount: row.amount,
    method: methodLabel(method),
    purpose: row.purpose,
  });
  statements.push(received.statement);
  const mails = [receivedMails(ctx, { method: methodLabel(method), paidOn, balance: owed - applied })];
  if (excess > 0) {
    const message = `Overpaid by ${money(excess, currency)}: refund the difference in Stripe.`;
    statements.push(
      activity(ctx, 'payment_flagged', STRIPE, { amount: row.amount, flag: 'overpaid', message, purpose: row.purpose })
        .statement,
    );
    mails.push(flagMail(ctx, message));
  }
  return {
    statements,
    activityId: received.id,
    mails,
    say: `Your payment of ${money(row.amount, currency)} was received.`,
  };
}

/** A bank debit started: not money yet, only less that can be paid now. */
function processing(ctx: Ctx, input: StripeEventCommit): Change | null {
  const { row, state } = ctx;
  if (row.status !== 'open' && row.status !== 'expired') return null;
  const paymentIntentId = str(input.event.object.payment_intent) || null;
  const started = activity(ctx, 'payment_processing', payer(ctx), {
    amount: row.amount,
    method: methodLabel('us_bank_account'),
    purpose: row.purpose,
  });
  return {
    statements: [
      rowUpdate(ctx, { status: 'processing', method: 'us_bank_account', paymentIntentId }),
      started.statement,
    ],
    activityId: started.id,
    say: `Your bank payment of ${money(row.amount, state.org.currency)} is processing.`,
  };
}

/** The bank debit failed: nothing was counted, so nothing to undo. */
function failed(ctx: Ctx, input: StripeEventCommit): Change | null {
  const { row, state } = ctx;
  if (row.status !== 'open' && row.status !== 'processing') return null;
  const paymentIntentId = str(input.event.object.payment_intent) || row.paymentIntentId;
  const amount = money(row.amount, state.org.currency);
  const reason = `The bank debit of ${amount} failed.`;
  const logged = activity(ctx, 'payment_failed', STRIPE, { amount: row.amount, purpose: row.purpose, reason });
  return {
    mails: [failedMails(ctx)],
    statements: [
      rowUpdate(ctx, { status: 'failed', method: row.method ?? 'us_bank_account', paymentIntentId }),
      logged.statement,
    ],
    activityId: logged.id,
    say: `Your bank payment of ${amount} didn't go through. Nothing was taken.`,
  };
}

/** The session ran out unpaid: not news to anyone. */
function expired(ctx: Ctx): Change | null {
  if (ctx.row.status !== 'open') return null;
  return { statements: [rowUpdate(ctx, { status: 'expired' })] };
}

/**
 * Money given back in Stripe. `amount_refunded` is the charge's total so far; what changes the
 * balance is the part of the new refund that had been counted (an overpayment's excess and a flagged
 * payment were never counted, so their refund is only logged).
 */
function refunded(ctx: Ctx, input: StripeEventCommit): Change | null {
  const { db, row, state } = ctx;
  const object = input.event.object;
  const total = Math.min(num(object.amount_refunded), row.amount);
  if (row.status !== 'succeeded' || !(total > row.refunded)) return null;
  const delta = total - row.refunded;
  // The excess over what was applied is refunded first: it was never counted.
  const excess = row.amount - ctx.applied;
  const countedDelta = Math.max(0, total - excess) - Math.max(0, row.refunded - excess);
  const doc = state.document;
  const statements: BatchItem<'sqlite'>[] = [rowUpdate(ctx, { refunded: total })];
  if (countedDelta > 0) {
    statements.push(
      db.insert(payments).values({
        id: createId(),
        orgId: doc.orgId,
        documentId: doc.id,
        amount: -countedDelta,
        paidOn: todayIn(state.org.timeZone, ctx.now),
        method: 'Refund',
        reference: str(object.id) || row.paymentIntentId || '',
        recordedBy: 'stripe',
        createdAt: ctx.now,
      }),
    );
    const event = state.paid - countedDelta <= 0 ? 'refund_full' : 'refund_partial';
    if (row.purpose === 'invoice' && canTransition(doc.type, doc.status, event))
      statements.push(
        db
          .update(documents)
          .set({ status: nextStatus(doc.type, doc.status, event), updatedAt: ctx.now })
          .where(and(eq(documents.orgId, doc.orgId), eq(documents.id, doc.id), eq(documents.status, doc.status))),
      );
  }
  const logged = activity(ctx, 'payment_refunded', STRIPE, {
    amount: delta,
    refundedTotal: total,
    purpose: row.purpose,
  });
  statements.push(logged.statement);
  return {
    statements,
    activityId: logged.id,
    mails: [refundMail(ctx, delta)],
    say: `${money(delta, state.org.currency)} of your payment was refunded.`,
  };
}
