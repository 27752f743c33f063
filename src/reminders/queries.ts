import { and, asc, desc, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  activity,
  contacts,
  documents,
  documentVersions,
  orgs,
  payments,
  reminders,
  signatures,
  versionViews,
} from '../db/schema';
import { approvalEvent } from '../documents/kinds';
import { moneySnapshot } from '../documents/queries';
import { recipientsStatement, signersDue, type Recipient } from '../documents/recipients';
import type { DocumentSnapshot } from '../documents/snapshot';

// The reminder engine's reads (issue 16): the due work of a run, and everything a reminder's plan checks inside
// the document's room, in one batch.

/** A document with reminders due: the rows the run found, where its room works (job, company time zone). */
export interface DueDocument {
  documentId: string;
  orgId: string;
  jobId: string;
  timeZone: string;
  reminderIds: string[];
}

/**
 * Documents with reminders due at `now`, the longest-waiting first, at most `limit` documents (each one room call).
 * One statement: the range of the (state, due_at) index, grouped by document.
 */
export async function dueDocuments(db: Db, now: number, limit: number): Promise<DueDocument[]> {
  const rows = await db
    .select({
      documentId: reminders.documentId,
      orgId: reminders.orgId,
      jobId: documents.jobId,
      timeZone: orgs.timeZone,
      ids: sql<string>`group_concat(${reminders.id})`,
      first: sql<number>`min(${reminders.dueAt})`,
    })
    .from(reminders)
    .innerJoin(documents, and(eq(documents.id, reminders.documentId), eq(documents.orgId, reminders.orgId)))
    .innerJoin(orgs, eq(orgs.id, reminders.orgId))
    .where(and(eq(reminders.state, 'scheduled'), lte(reminders.dueAt, now)))
    .groupBy(reminders.documentId)
    .orderBy(asc(sql`min(${reminders.dueAt})`))
    .limit(limit);
  return rows.map(({ ids, first: _first, ...r }) => ({ ...r, reminderIds: ids.split(',') }));
}

/**
 * What a reminder of a document is checked against: the document, its company, its contact, its sent version's
 * snapshot, its payments, its recipients, their decisions and who opened the sent version. Plain selects of one
 * table each (the contact, version and views found through the document's row in SQL), to go in one batch.
 */
function documentReads(db: Db, orgId: string, documentId: string) {
  const ofDoc = (column: 'contact_id' | 'sent_version') =>
    sql`(SELECT ${sql.raw(column)} FROM documents WHERE id = ${documentId} AND org_id = ${orgId})`;
  return [
    db
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db.select().from(orgs).where(eq(orgs.id, orgId)),
    db
      .select()
      .from(contacts)
      .where(and(eq(contacts.orgId, orgId), sql`${contacts.id} = ${ofDoc('contact_id')}`)),
    db
      // Issue 20: the chosen set's amounts once the customer chose (a reminder quotes what was chosen).
      .select({ snapshot: moneySnapshot() })
      .from(documentVersions)
      .where(
        and(
          eq(documentVersions.orgId, orgId),
          eq(documentVersions.documentId, documentId),
          sql`${documentVersions.version} = ${ofDoc('sent_version')}`,
        ),
      ),
    db
      .select({ paid: sql<number>`coalesce(sum(${payments.amount}), 0)` })
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.documentId, documentId))),
    // The latest send or resend: which contact and access version its link was given to.
    db
      .select({ data: activity.data })
      .from(activity)
      .where(and(eq(activity.documentId, documentId), inArray(activity.action, ['sent', 'resent'])))
      .orderBy(desc(activity.seq))
      .limit(1),
    // Issue 17: who it is sent to, who decided, and who opened the sent version: a reminder chases the signers
    // still due (or the one contact of an invoice, a bid request or a document sent before).
    recipientsStatement(db, orgId, documentId),
    db
      .select({ contactId: signatures.contactId, version: signatures.version, outcome: signatures.outcome })
      .from(signatures)
      .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId))),
    db
      .select({ contactId: versionViews.contactId })
      .from(versionViews)
      .where(and(eq(versionViews.documentId, documentId), sql`${versionViews.version} = ${ofDoc('sent_version')}`)),
  ] as const;
}

type Reads = ReturnType<typeof documentReads>;
type Rows<I extends number> = Awaited<Reads[I]>;

/** A person a reminder goes to, with their own link's access version. */
export interface ReminderTarget {
  id: string;
  name: string;
  email: string;
  accessVersion: number;
  /** They opened the sent version. */
  opened: boolean;
}

export interface ReminderDocument {
  document: Rows<0>[number];
  org: Rows<1>[number];
  /** The document's primary contact (its first signer). */
  contact: Rows<2>[number] | null;
  /**
   * Who a reminder goes to now (issue 17): the signers still due to sign (every one in any order, the next one
   * in a set order) — or the one contact of an invoice, a bid request, a vendor order — each only while their
   * link is still given. Empty: nobody can be reminded (revoked, or nothing waits on a person).
   */
  targets: ReminderTarget[];
  snapshot: DocumentSnapshot | null;
  /** Whether everyone it chases opened the sent version. */
  opened: boolean;
  /** What the sent version still asks to be paid (invoices; 0 for other kinds). */
  balance: number;
  /**
   * Whether a portal link may still go to someone it chases: portal/queries.ts `linkStillGiven`'s rule (sent, not
   * void, with the access the latest send or resend gave them), read in this batch.
   */
  linkGiven: boolean;
}

interface GivenLinks {
  contactId?: string;
  accessVersion?: number;
  recipients?: { contactId: string; accessVersion: number }[];
}

/** The latest send or resend gave `c` their link at the access version they have now. */
function givenTo(last: GivenLinks | null, c: { id: string; accessVersion: number }, primary: string | null) {
  if (!last) return false;
  if (last.recipients) return last.recipients.some((r) => r.contactId === c.id && r.accessVersion === c.accessVersion);
  return c.id === primary && (last.contactId ?? c.id) === c.id && (last.accessVersion ?? 1) === c.accessVersion;
}

function documentOf([docs, orgRows, people, versions, paid, given, recipients, decisions, seen]: [
  Rows<0>,
  Rows<1>,
  Rows<2>,
  Rows<3>,
  Rows<4>,
  Rows<5>,
  Rows<6>,
  Rows<7>,
  Rows<8>,
]): ReminderDocument | null {
  const document = docs[0];
  const org = orgRows[0];
  if (!document || !org) return null;
  const raw = versions[0]?.snapshot;
  const snapshot = raw ? (JSON.parse(raw) as DocumentSnapshot) : null;
  const sum = Number(paid[0]?.paid ?? 0);
  const balance = snapshot && document.type === 'customer_invoice' ? snapshot.totals.total - sum : 0;
  const contact = people[0] ?? null;
  const last = given[0] ? (JSON.parse(given[0].data ?? '{}') as GivenLinks) : null;
  const live = document.sentVersion !== null && document.status !== 'void';
  const opened = new Set(seen.map((v) => v.contactId));
  // Orders signed by several people chase the signers still due; everything else its one contact.
  const signing = approvalEvent(document.type) && recipients.length > 0 && document.sentVersion !== null;
  const chased: Pick<Recipient, 'contactId' | 'name' | 'email' | 'accessVersion'>[] = signing
    ? signersDue(recipients, decisions, document.sentVersion!, document.signingOrder)
    : contact && document.accountId === contact.accountId
      ? [{ contactId: contact.id, name: contact.name, email: contact.email, accessVersion: contact.accessVersion }]
      : [];
  const targets = live
    ? chased
        .map((r) => ({ id: r.contactId, name: r.name, email: r.email, accessVersion: r.accessVersion }))
        .filter((t) => givenTo(last, t, contact?.id ?? null))
        .map((t) => ({ ...t, opened: opened.has(t.id) }))
    : [];
  return {
    document,
    org,
    contact,
    targets,
    snapshot,
    opened: targets.length > 0 && targets.every((t) => t.opened),
    balance,
    linkGiven: targets.length > 0,
  };
}

/** The due rows a run handed to the room, read again with their document (inside the room's queue). */
export async function dueReminderState(db: Db, orgId: string, documentId: string, ids: string[]) {
  const [rows, ...reads] = await db.batch([
    db
      .select()
      .from(reminders)
      .where(and(eq(reminders.orgId, orgId), eq(reminders.documentId, documentId), inArray(reminders.id, ids))),
    ...documentReads(db, orgId, documentId),
  ]);
  return { doc: documentOf(reads), rows };
}

/** The document for a reminder by hand, with its last manual reminder (any version). */
export async function manualReminderState(db: Db, orgId: string, documentId: string) {
  const [last, ...reads] = await db.batch([
    db
      .select({ n: reminders.n, sentAt: reminders.sentAt })
      .from(reminders)
      .where(and(eq(reminders.orgId, orgId), eq(reminders.documentId, documentId), eq(reminders.kind, 'manual')))
      .orderBy(desc(reminders.n))
      .limit(1),
    ...documentReads(db, orgId, documentId),
  ]);
  return { doc: documentOf(reads), last: last[0] ?? null };
}
