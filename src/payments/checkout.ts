import { createId } from '@paralleldrive/cuid2';
import { and, eq } from 'drizzle-orm';
import { money } from '../../views/format';
import type { Db } from '../db/client';
import { onlinePayments } from '../db/schema';
import type { Env } from '../env';
import { Conflict, NotFound, Refused, Unavailable } from '../errors';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { recipientDocument } from '../signing/queries';
import type { PaymentGateway } from './gateway';
import { payable, paymentState, type PaymentState } from './queries';

// Starting an online payment: the portal's "Pay $X" / "Pay another amount" / "Pay the $Y deposit
// now". Runs in the document's room (documentRoom(env, id).checkout), so two clicks at once see
// each other: the second reuses the first's open Checkout session instead of making a second charge.

export interface CheckoutCommit extends RoomContext {
  contactId: string;
  /** Cents the customer chose; null for the whole amount due. */
  amount: number | null;
  /** Where Checkout sends the customer back: the portal document page. */
  returnUrl: string;
}

export interface CheckoutResult {
  url: string;
  reused: boolean;
}

/** The words a customer reads when online payment is not available (the gateway's own message). */
export const PAY_UNAVAILABLE = 'Online payment is not available right now. Please try again in a few minutes.';

/** A session this close to its end is not handed out again: the customer needs time to pay. */
const REUSE_MARGIN_MS = 5 * 60_000;
/** How long a Checkout session stays open (Stripe allows 30 minutes to 24 hours). */
const SESSION_MS = 60 * 60_000;

/** Why nothing can be paid online on this document now, in the customer's words. */
function notPayable(state: PaymentState): string {
  const doc = state.document;
  if (doc.type === 'customer_invoice' && doc.status === 'paid') return 'This invoice is paid already.';
  if (state.online.some((p) => p.status === 'processing'))
    return 'A bank payment is processing for what is owed. Nothing else can be paid now.';
  if (doc.type === 'customer_order') return 'This deposit can’t be paid online now.';
  return 'This invoice can’t be paid online now.';
}

/** The room's plan: the amount checked against what is owed now, one open Checkout session at a time. */
export async function checkoutWrite(
  db: Db,
  gateway: PaymentGateway | null,
  input: CheckoutCommit,
): Promise<RoomWrite<CheckoutResult>> {
  const state = await paymentState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const owed = payable(state);
  if (!owed || owed.due <= 0) throw new Conflict(notPayable(state));
  if (!gateway || !state.org.stripeAccountId) throw new Unavailable(PAY_UNAVAILABLE);
  const currency = (state.snapshot?.currency ?? state.org.currency).toUpperCase();
  let amount = owed.due;
  if (input.amount !== null) {
    if (!owed.other) throw new Refused('This invoice can only be paid in full online.', 'other_amount');
    if (!Number.isSafeInteger(input.amount) || input.amount < owed.minimum || input.amount > owed.due) {
      const range = `at least ${money(owed.minimum, currency)} and at most ${money(owed.due, currency)}`;
      throw new Refused(`Enter ${range}.`, 'other_amount');
    }
    amount = input.amount;
  }
  const doc = state.document;
  const version = doc.sentVersion ?? 0;
  const now = Date.now();
  const open = state.online.filter((p) => p.status === 'open' && p.expiresAt > now);
  const same = open.find(
    (p) =>
      p.expiresAt > now + REUSE_MARGIN_MS && p.purpose === owed.purpose && p.amount === amount && p.version === version,
  );
  if (same) return { statements: [], result: { url: same.url, reused: true } };
  // Any other open session is ended first: at most one can be paid, never two charges for one balance.
  const account = state.org.stripeAccountId;
  for (const p of open) {
    if ((await gateway.expireCheckout(account, p.sessionId)) === 'complete') {
      // Paid at Stripe a moment ago, its webhook not here yet: a second payment would charge twice.
      throw new Conflict(
        `Your payment of ${money(p.amount, currency)} is being confirmed. This page shows it when it is.`,
      );
    }
  }
  const id = createId();
  const label = `${state.snapshot?.typeLabel ?? 'Invoice'} ${doc.number}`;
  const description =
    owed.purpose === 'deposit' ? `Deposit for ${label} — ${state.org.name}` : `${label} — ${state.org.name}`;
  const metadata = {
    orgId: input.orgId,
    documentId: doc.id,
    version: String(version),
    amount: String(amount),
    currency,
    purpose: owed.purpose,
    paymentId: id,
  };
  const expiresAt = now + SESSION_MS;
  const session = await gateway.createCheckout({
    account,
    amount,
    currency,
    description,
    customerEmail: state.contact?.email || null,
    metadata,
    successUrl: `${input.returnUrl}?checkout={CHECKOUT_SESSION_ID}#pay`,
    cancelUrl: `${input.returnUrl}#pay`,
    expiresAt: Math.floor(expiresAt / 1000),
    idempotencyKey: `checkout-${id}`,
  });
  const expired = open.map((p) =>
    db
      .update(onlinePayments)
      .set({ status: 'expired', updatedAt: now })
      .where(
        and(eq(onlinePayments.orgId, input.orgId), eq(onlinePayments.id, p.id), eq(onlinePayments.status, 'open')),
      ),
  );
  return {
    statements: [
      ...expired,
      db.insert(onlinePayments).values({
        id,
        orgId: input.orgId,
        documentId: doc.id,
        version,
        contactId: input.contactId,
        purpose: owed.purpose,
        amount,
        currency,
        sessionId: session.id,
        url: session.url,
        status: 'open',
        expiresAt,
        createdAt: now,
        updatedAt: now,
      }),
    ],
    result: { url: session.url, reused: false },
  };
}

export interface CheckoutViewer {
  orgId: string;
  accountId: string;
  contactId: string;
  org: { timeZone: string };
}

/**
 * The customer's "Pay": a Checkout session's url to send them to, for a document they may see (else
 * 404). Refused (the amount), Conflict (nothing to pay online now) or Unavailable (Stripe down).
 */
export async function startCheckout(
  env: Env,
  db: Db,
  viewer: CheckoutViewer,
  input: { documentId: string; amount: number | null },
): Promise<CheckoutResult> {
  const doc = await recipientDocument(db, viewer, input.documentId);
  if (!doc) throw new NotFound();
  const commit: CheckoutCommit = {
    orgId: viewer.orgId,
    documentId: doc.id,
    jobId: doc.jobId,
    timeZone: viewer.org.timeZone,
    origin: env.APP_ORIGIN,
    contactId: viewer.contactId,
    amount: input.amount,
    returnUrl: `${env.APP_ORIGIN}/portal/documents/${doc.id}`,
  };
  return throughRoom(documentRoom(env, doc.id).checkout(commit));
}
