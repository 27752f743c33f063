import { and, asc, desc, eq, sql, type SQL } from 'drizzle-orm';
import { paymentTotals } from '../budget/totals';
import { ATTENTION_ACTIONS, feedStatement } from '../conversation/feed-queries';
import { distinct, type Db } from '../db/client';
import {
  accounts,
  bidLines,
  bids,
  comments,
  contacts,
  documentLines,
  documents,
  documentVersions,
  jobs,
} from '../db/schema';
import { todayIn, zonedMidnight } from '../deadlines/time';
import { moneySnapshot, sentVersionJoin } from '../documents/queries';

const ATTENTION_DAYS = 30;
const HOME_ROWS = 12;
const QUEUE_ROWS = 200;

// The dashboard home is the contractor's work queue: what waits on them, each item one click from
// its action, and the money in each state. One D1 batch for the whole page, every read org-scoped.

export { zonedMidnight };

/**
 * A customer's or vendor's comment that waits on the contractor: the newest word on its document, with no
 * contractor comment since (home's queue and the daily digest ask the same).
 */
export function awaitingAnswer(orgId: string) {
  return and(
    eq(comments.orgId, orgId),
    eq(comments.side, 'recipient'),
    sql`NOT EXISTS (SELECT 1 FROM comments c2 WHERE c2.org_id = ${orgId} AND c2.document_id = "comments"."document_id"
      AND c2.side = 'contractor' AND c2.created_at >= "comments"."created_at")`,
    sql`NOT EXISTS (SELECT 1 FROM comments c3 WHERE c3.org_id = ${orgId} AND c3.document_id = "comments"."document_id"
      AND c3.side = 'recipient' AND (c3.created_at > "comments"."created_at"
        OR (c3.created_at = "comments"."created_at" AND c3.id > "comments"."id")))`,
  );
}

/** The first instant of the company's current month, in its time zone. */
export function monthStart(timeZone: string, now = Date.now()): number {
  return zonedMidnight(`${todayIn(timeZone, now).slice(0, 8)}01`, timeZone);
}

/** What both the queue and the figures read of a document, as its sent version states it, in the org. */
function amounts(orgId: string) {
  return {
    total: sql<number>`coalesce(json_extract(${moneySnapshot()}, '$.totals.total'), 0)`,
    deposit: sql<number>`coalesce(json_extract(${moneySnapshot()}, '$.totals.deposit'), 0)`,
    paid: sql<number>`(SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.org_id = ${orgId}
      AND p.document_id = "documents"."id")`,
    // A signature's time, or (issue 20) when an approval made offline was recorded: the same decision to the queue.
    decidedAt: sql<number | null>`nullif(max(coalesce((SELECT max(s.signed_at) FROM signatures s
      WHERE s.org_id = ${orgId} AND s.document_id = "documents"."id"), 0), coalesce((SELECT max(o.recorded_at)
      FROM offline_approvals o WHERE o.org_id = ${orgId} AND o.document_id = "documents"."id"), 0)), 0)`,
  };
}

/**
 * The documents the queue and the figures are made of: orders waiting on their recipient or declined,
 * approved orders decided this month or still without their deposit invoice, and unpaid invoices.
 * Amounts are the sent version's frozen totals (what the recipient saw), payments summed beside them.
 */
function queueDocuments(db: Db, orgId: string, since: number, today: string) {
  const { total, deposit, paid, decidedAt } = amounts(orgId);
  // The deposit-invoice action's own rule (documents/queries.ts depositInvoiceStatement): any invoice made
  // from the order, void or not, so an item never stays after its action has nothing left to do.
  const hasDepositInvoice = sql<number>`EXISTS (SELECT 1 FROM documents x WHERE x.org_id = ${orgId}
    AND x.source_document_id = "documents"."id" AND x.type = 'customer_invoice')`;
  // Nor while a bank payment of the deposit is processing online (the action refuses then too).
  const depositProcessing = sql<number>`EXISTS (SELECT 1 FROM online_payments o WHERE o.org_id = ${orgId}
    AND o.document_id = "documents"."id" AND o.status = 'processing')`;
  return db
    .select(
      distinct({
        id: documents.id,
        type: documents.type,
        subtype: documents.subtype,
        number: documents.number,
        status: documents.status,
        sentAt: documents.sentAt,
        updatedAt: documents.updatedAt,
        jobId: documents.jobId,
        jobName: jobs.name,
        accountName: accounts.name,
        contactName: contacts.name,
        title: documentVersions.title,
        /** The date that counts now (issue 16): expiry, bids closing, an invoice's due date. */
        deadline: documents.deadline,
        total,
        deposit,
        paid,
        hasDepositInvoice,
        depositProcessing,
        decidedAt,
      }),
    )
    .from(documents)
    .innerJoin(documentVersions, sentVersionJoin(orgId))
    .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
    .leftJoin(accounts, and(eq(accounts.id, documents.accountId), eq(accounts.orgId, orgId)))
    .leftJoin(contacts, and(eq(contacts.id, documents.contactId), eq(contacts.orgId, orgId)))
    .where(
      and(
        eq(documents.orgId, orgId),
        sql`(
          (${documents.type} IN ('customer_order', 'vendor_order') AND ${documents.status} IN ('sent', 'viewed', 'declined'))
          OR (${documents.type} = 'customer_order' AND ${documents.status} = 'approved'
            AND (${decidedAt} >= ${since} OR (${deposit} > 0 AND NOT ${hasDepositInvoice} AND ${paid} < ${deposit}
              AND NOT ${depositProcessing})))
          OR (${documents.type} = 'customer_invoice' AND ${documents.status} IN ('sent', 'viewed', 'partially_paid'))
          OR (${documents.type} = 'bid_request' AND ${documents.status} IN ('sent', 'viewed')
            AND ${documents.deadline} < ${today})
        )`,
      ),
    )
    .orderBy(asc(documents.sentAt))
    .limit(QUEUE_ROWS);
}

/**
 * The money figures over every document of the org, not the capped list: the same rules as the
 * queue (awaiting = sent or viewed customer orders not expired; approved this month by their signature's time;
 * unpaid and overdue = the balance of sent invoices, overdue once their due day is before today).
 */
function moneyFigures(db: Db, orgId: string, since: number, today: string) {
  const { total, paid, decidedAt } = amounts(orgId);
  const balance = sql`(${total} - ${paid})`;
  const order = (...statuses: string[]) =>
    sql`${documents.type} = 'customer_order' AND ${documents.status} IN (${sql.join(statuses, sql`, `)})`;
  const unpaid = sql`${documents.type} = 'customer_invoice'
    AND ${documents.status} IN ('sent', 'viewed', 'partially_paid')`;
  const sum = (when: SQL, amount: SQL) => sql<number>`coalesce(sum(CASE WHEN ${when} THEN ${amount} END), 0)`;
  return db
    .select({
      // An expired estimate awaits no one: it is in the queue's "Expired" group, not in this figure.
      awaitingSignature: sum(
        sql`${order('sent', 'viewed')} AND (${documents.deadline} IS NULL OR ${documents.deadline} >= ${today})`,
        total,
      ),
      approvedThisMonth: sum(sql`${order('approved')} AND ${decidedAt} >= ${since}`, total),
      unpaid: sum(unpaid, balance),
      overdue: sum(sql`${unpaid} AND ${documents.deadline} < ${today} AND ${balance} > 0`, balance),
    })
    .from(documents)
    .innerJoin(documentVersions, sentVersionJoin(orgId))
    .where(eq(documents.orgId, orgId));
}

/** Bid requests with a submitted bid not yet decided: each bid's lines, for its total. */
function submittedBids(db: Db, orgId: string) {
  return db
    .select(
      distinct({
        bidId: bids.id,
        documentId: documents.id,
        number: documents.number,
        jobId: documents.jobId,
        jobName: jobs.name,
        vendor: accounts.name,
        submittedAt: bids.submittedAt,
        unitCost: bidLines.unitCost,
        quantity: documentLines.quantity,
      }),
    )
    .from(bids)
    .innerJoin(
      documents,
      and(
        eq(documents.id, bids.documentId),
        eq(documents.orgId, orgId),
        eq(documents.type, 'bid_request'),
        eq(documents.status, 'submitted'),
      ),
    )
    .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
    .leftJoin(accounts, and(eq(accounts.id, bids.accountId), eq(accounts.orgId, orgId)))
    .innerJoin(bidLines, and(eq(bidLines.orgId, orgId), eq(bidLines.bidId, bids.id)))
    .innerJoin(documentLines, and(eq(documentLines.orgId, orgId), eq(documentLines.id, bidLines.lineId)))
    .where(
      and(
        eq(bids.orgId, orgId),
        eq(bids.status, 'submitted'),
        // only each request's newest bid (the one Accept takes), so the row cap never cuts a bid's lines
        sql`${bids.id} = (SELECT b2.id FROM bids b2 WHERE b2.org_id = ${orgId} AND b2.document_id = ${bids.documentId}
          AND b2.status = 'submitted' ORDER BY b2.submitted_at DESC LIMIT 1)`,
      ),
    )
    .orderBy(desc(bids.submittedAt))
    .limit(QUEUE_ROWS * 5);
}

/** Comments from a customer or vendor that are the newest word on their document: the contractor owes a reply. */
function unansweredComments(db: Db, orgId: string) {
  return db
    .select(
      distinct({
        id: comments.id,
        documentId: comments.documentId,
        authorName: comments.authorName,
        body: comments.body,
        createdAt: comments.createdAt,
        number: documents.number,
        type: documents.type,
        subtype: documents.subtype,
        jobName: jobs.name,
      }),
    )
    .from(comments)
    .innerJoin(
      documents,
      and(eq(documents.id, comments.documentId), eq(documents.orgId, orgId), sql`${documents.status} <> 'void'`),
    )
    .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
    .where(awaitingAnswer(orgId))
    .orderBy(asc(comments.createdAt))
    .limit(QUEUE_ROWS);
}

/** The dashboard home in one batch: the queue's documents, bids and comments, open jobs, and what recipients did. */
export async function homePage(db: Db, orgId: string, timeZone: string, now = Date.now()) {
  const since = monthStart(timeZone, now);
  const [docs, figures, bidRows, waitingComments, openJobs, attention] = await db.batch([
    queueDocuments(db, orgId, since, todayIn(timeZone, now)),
    moneyFigures(db, orgId, since, todayIn(timeZone, now)),
    submittedBids(db, orgId),
    unansweredComments(db, orgId),
    db
      .select(
        distinct({ id: jobs.id, number: jobs.number, name: jobs.name, status: jobs.status, customer: accounts.name }),
      )
      .from(jobs)
      .leftJoin(accounts, and(eq(accounts.id, jobs.customerAccountId), eq(accounts.orgId, orgId)))
      .where(and(eq(jobs.orgId, orgId), eq(jobs.status, 'open')))
      .orderBy(desc(jobs.updatedAt))
      .limit(10),
    feedStatement(
      db,
      orgId,
      { side: 'recipient', actions: ATTENTION_ACTIONS, since: now - ATTENTION_DAYS * 86_400_000 },
      HOME_ROWS,
    ),
  ]);
  return {
    docs: docs.map((d) => ({ ...d, balance: paymentTotals(Number(d.total), [Number(d.paid)]).balance })),
    figures: {
      awaitingSignature: Number(figures[0]?.awaitingSignature ?? 0),
      approvedThisMonth: Number(figures[0]?.approvedThisMonth ?? 0),
      unpaid: Number(figures[0]?.unpaid ?? 0),
      overdue: Number(figures[0]?.overdue ?? 0),
    },
    bids: bidRows,
    comments: waitingComments,
    openJobs,
    attention: attention.slice(0, HOME_ROWS),
  };
}
export type HomeData = Awaited<ReturnType<typeof homePage>>;
