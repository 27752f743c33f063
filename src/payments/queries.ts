import { and, desc, eq, sql } from 'drizzle-orm';
import { distinct, type Db } from '../db/client';
import { contacts, documents, documentVersions, onlinePayments, orgs, payments } from '../db/schema';
import { moneySnapshot } from '../documents/queries';
import type { DocumentSnapshot } from '../documents/snapshot';
import { canTransition } from '../documents/status';

// What a payment (online or recorded) is checked against: the document, its sent version's frozen
// totals, the company's Stripe connection, the money counted so far and every online payment. One
// batch; the room reads it inside its queue, the portal and the contractor's pages to show it.

export type OnlinePayment = typeof onlinePayments.$inferSelect;

export async function paymentState(db: Db, orgId: string, documentId: string) {
  const [head, paid, online] = await db.batch([
    db
      // distinct(): D1's batch keys rows by column name, so the joined tables' id/name/email would collapse.
      .select(
        distinct({
          document: documents,
          // Issue 20: once the customer chose, the chosen set's money (deposit, total).
          snapshot: moneySnapshot(),
          org: {
            id: orgs.id,
            name: orgs.name,
            email: orgs.email,
            brandColor: orgs.brandColor,
            address: orgs.address,
            phone: orgs.phone,
            portalLinkDays: orgs.portalLinkDays,
            currency: orgs.currency,
            timeZone: orgs.timeZone,
            stripeAccountId: orgs.stripeAccountId,
            stripeStatus: orgs.stripeStatus,
            stripeCard: orgs.stripeCard,
            stripeBank: orgs.stripeBank,
            payOtherAmount: orgs.payOtherAmount,
            payMinimum: orgs.payMinimum,
          },
          contact: {
            id: contacts.id,
            name: contacts.name,
            email: contacts.email,
            accountId: contacts.accountId,
            accessVersion: contacts.accessVersion,
          },
        }),
      )
      .from(documents)
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .leftJoin(
        documentVersions,
        and(
          eq(documentVersions.orgId, orgId),
          eq(documentVersions.documentId, documents.id),
          eq(documentVersions.version, documents.sentVersion),
        ),
      )
      .leftJoin(contacts, and(eq(contacts.orgId, orgId), eq(contacts.id, documents.contactId)))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db
      .select({ paid: sql<number>`coalesce(sum(${payments.amount}), 0)` })
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.documentId, documentId))),
    db
      .select()
      .from(onlinePayments)
      .where(and(eq(onlinePayments.orgId, orgId), eq(onlinePayments.documentId, documentId)))
      .orderBy(desc(onlinePayments.createdAt)),
  ]);
  const row = head[0];
  if (!row) return null;
  return {
    document: row.document,
    snapshot: row.snapshot ? (JSON.parse(row.snapshot) as DocumentSnapshot) : null,
    org: row.org,
    contact: row.contact?.id ? row.contact : null,
    /** Net money counted on the document: recorded and online payments less refunds, in cents. */
    paid: Number(paid[0]?.paid ?? 0),
    online,
  };
}
export type PaymentState = NonNullable<Awaited<ReturnType<typeof paymentState>>>;

/** The least Stripe charges (cents), in every currency a company can use. */
export const MIN_CHARGE = 50;

export interface Payable {
  purpose: 'invoice' | 'deposit';
  /** What the customer can pay now: the balance (or the deposit left) less bank payments still processing. */
  due: number;
  /** Bank payments started and not yet succeeded or failed. */
  processing: number;
  /** The least "Pay another amount" accepts; equal to `due` when only the whole amount may be paid. */
  minimum: number;
  /** Whether "Pay another amount" is offered. */
  other: boolean;
}

/** What `payable` reads: a PaymentState, or the same facts from a page's own batch (the portal's). */
export interface PayableFacts {
  document: Pick<PaymentState['document'], 'type' | 'status' | 'onlinePayment'>;
  snapshot: { totals: Pick<DocumentSnapshot['totals'], 'total' | 'deposit'> } | null;
  org: Pick<PaymentState['org'], 'stripeStatus' | 'stripeAccountId' | 'payOtherAmount' | 'payMinimum'>;
  paid: number;
  online: Pick<OnlinePayment, 'status' | 'amount'>[];
}

/**
 * What the customer may pay online on this document now, or null when no online payment is offered
 * (switched off for the document, the company not connected or not active, nothing to pay for, void).
 * An invoice's payable is its balance; an approved order's, its deposit not yet paid. The amount is
 * the sent version's frozen figure, never the draft's.
 */
export function payable(state: PayableFacts): Payable | null {
  const { document: doc, snapshot, org } = state;
  if (!doc.onlinePayment || org.stripeStatus !== 'active' || !org.stripeAccountId || !snapshot) return null;
  const processing = state.online.filter((p) => p.status === 'processing').reduce((sum, p) => sum + p.amount, 0);
  let purpose: Payable['purpose'];
  let owed: number;
  if (doc.type === 'customer_invoice' && canTransition(doc.type, doc.status, 'pay_partial')) {
    purpose = 'invoice';
    owed = snapshot.totals.total - state.paid;
  } else if (doc.type === 'customer_order' && doc.status === 'approved' && snapshot.totals.deposit > 0) {
    purpose = 'deposit';
    owed = snapshot.totals.deposit - state.paid;
  } else return null;
  // Stripe charges at least about 50 cents (USD, CAD, EUR, AUD, NZD; 30p): less is paid another way.
  const left = Math.max(0, owed - processing);
  const due = left < MIN_CHARGE ? 0 : left;
  const other = purpose === 'invoice' && org.payOtherAmount && due > 0;
  const minimum = other ? Math.min(Math.max(org.payMinimum, MIN_CHARGE), due) : due;
  return { purpose, due, processing, minimum, other };
}
