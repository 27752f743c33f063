import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  inArray,
  isNotNull,
  isNull,
  ne,
  or,
  sql,
  type AnyColumn,
  type SQL,
} from 'drizzle-orm';
import { slotsStatement } from './file-requests';
import { alias } from 'drizzle-orm/sqlite-core';
import { batchPrepared, distinct, prepareEach, prepared, type Db, type Param } from '../db/client';
import { sessionOrgId } from '../auth/queries';
import { heldSnapshot, heldVersion, holdSent, type HeldSnapshot } from './sent-snapshots';
import { offlineApprovalJson } from '../signing/offline-queries';
import { totalsFor, totalsFromSums } from './snapshot';
import { lineTotalSql } from '../budget/totals-sql';
import { includedLines, parseSelection } from './choices';
import { recipientsStatement } from './recipients';
import { TIMELINE_PAGE, timelineStatement, viewCountsStatement } from '../conversation/feed-queries';
import { commentPaging, commentsStatement, NEWEST_COMMENTS } from '../conversation/comment-queries';
import {
  accounts,
  bidLines,
  bids,
  comments,
  contacts,
  documentLines,
  documents,
  documentTemplates,
  documentVersions,
  files,
  jobs,
  onlinePayments,
  orgs,
  payments,
  reminders,
  signatures,
  users,
  type DocumentType,
} from '../db/schema';

/** Rows per multi-row insert: D1 binds at most 100 parameters per statement. */
export function chunk<T>(rows: T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(100 / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

// Every column of a line row is bound on insert (defaults included), so the count follows the table.
export const LINE_COLUMNS = Object.keys(getTableColumns(documentLines)).length;

/** Which page of a document's timeline (`before`) and comments (`comments`) to show; none: the newest. */
export interface DocumentPage {
  before?: number;
  comments?: { at: number; id: string };
}

/**
 * The document with everything its page needs, in one round trip: the document and its job,
 * account and contact; every version's header; the current version's lines while it is a draft;
 * payments; the org.
 */
export async function getDocument(db: Db, orgId: string, documentId: string, page: DocumentPage = {}) {
  const held = heldSnapshot(documentId);
  const values = { orgId, ...documentPageValues(documentId, page, held) };
  return assembleDocument(await batchPrepared(db, prepared(db, documentPageQueries), values), page, held);
}

/**
 * The placeholders of the document page's queries (documentPageQueries, sessionDocumentPageQueries), with
 * the sent snapshot the isolate holds (`heldSnapshot(documentId)`, taken before the read).
 */
export function documentPageValues(documentId: string, page: DocumentPage, held: HeldSnapshot | undefined) {
  const comments = page.comments ?? NEWEST_COMMENTS;
  // No `before`: every timeline entry is before the largest position there is.
  const before = page.before ?? 2_147_483_647;
  return { documentId, before, commentsAt: comments.at, commentsId: comments.id, heldVersion: heldVersion(held) };
}

// A version's snapshots as the document page reads them. None of a superseded version: its PDF is stored
// and its lines are rows (compare, the history), so what the page reads stays one snapshot, not one per
// revision (a superseded version was never approved: approving leaves no way to revise). Nor the sent
// snapshot of the version the isolate holds (documents/sent-snapshots.ts); its chosen snapshot, a
// customer's choice made later, is always read. Drafts have neither.
const SUPERSEDED = sql`${documentVersions.state} = 'superseded'`;
const pageSnapshot = sql<string | null>`CASE WHEN ${documentVersions.id} = ${sql.placeholder('heldVersion')}
  OR ${SUPERSEDED} THEN NULL ELSE ${documentVersions.snapshot} END`;
const pageSelectedSnapshot = sql<string | null>`CASE WHEN ${SUPERSEDED} THEN NULL
  ELSE ${documentVersions.selectedSnapshot} END`;

// The page's reads, built once (db/client.ts prepared): scoped by an org id given, or in SQL by the
// contractor's session (auth/queries.ts sessionOrgId) so they run in one batch with the session check.
const documentPageStatements = (db: Db, orgId: Param | SQL) => {
  const documentId = sql.placeholder('documentId');
  return prepareEach([
    db
      .select(
        distinct({
          document: documents,
          job: {
            id: jobs.id,
            number: jobs.number,
            name: jobs.name,
            address: jobs.address,
            customerAccountId: jobs.customerAccountId,
          },
          account: { id: accounts.id, name: accounts.name, kind: accounts.kind, address: accounts.address },
          contact: {
            id: contacts.id,
            name: contacts.name,
            email: contacts.email,
            accessVersion: contacts.accessVersion,
          },
          creator: { name: users.name, email: users.email },
          // Issue 20: the approval made offline, if one was recorded (signing/offline-queries.ts).
          offline: offlineApprovalJson(orgId),
        }),
      )
      .from(documents)
      .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
      .leftJoin(accounts, and(eq(accounts.id, documents.accountId), eq(accounts.orgId, orgId)))
      .leftJoin(contacts, and(eq(contacts.id, documents.contactId), eq(contacts.orgId, orgId)))
      .leftJoin(users, and(eq(users.id, documents.createdBy), eq(users.orgId, orgId)))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db
      .select({
        ...getTableColumns(documentVersions),
        snapshot: pageSnapshot,
        selectedSnapshot: pageSelectedSnapshot,
      })
      .from(documentVersions)
      .where(and(eq(documentVersions.orgId, orgId), eq(documentVersions.documentId, documentId)))
      .orderBy(desc(documentVersions.version)),
    currentLines(db, orgId, documentId, true),
    db
      .select()
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.documentId, documentId)))
      .orderBy(asc(payments.paidOn), asc(payments.createdAt)),
    db.select().from(orgs).where(eq(orgs.id, orgId)),
    // The newest page of comments, or the page before `page.comments` (conversation/comment-queries.ts).
    commentsStatement(db, orgId, documentId, { at: sql.placeholder('commentsAt'), id: sql.placeholder('commentsId') }),
    db
      .select()
      .from(files)
      .where(and(eq(files.orgId, orgId), eq(files.documentId, documentId), isNull(files.removedAt)))
      .orderBy(asc(files.createdAt)),
    timelineStatement(db, orgId, documentId, { before: sql.placeholder('before') }),
    db
      .select()
      .from(signatures)
      .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId)))
      .orderBy(desc(signatures.signedAt)),
    db
      .select(distinct({ bid: bids, line: bidLines }))
      .from(bids)
      .leftJoin(bidLines, eq(bidLines.bidId, bids.id))
      .where(and(eq(bids.orgId, orgId), eq(bids.documentId, documentId)))
      .orderBy(desc(bids.submittedAt)),
    viewCountsStatement(db, orgId, documentId),
    // Online payments past Checkout (an open or expired session is not a payment), with the day one was counted.
    db
      .select({
        id: onlinePayments.id,
        amount: onlinePayments.amount,
        status: onlinePayments.status,
        method: onlinePayments.method,
        refunded: onlinePayments.refunded,
        flag: onlinePayments.flag,
        createdAt: onlinePayments.createdAt,
        paidOn: payments.paidOn,
      })
      .from(onlinePayments)
      .leftJoin(payments, and(eq(payments.orgId, orgId), eq(payments.id, onlinePayments.paymentId)))
      .where(
        and(
          eq(onlinePayments.orgId, orgId),
          eq(onlinePayments.documentId, documentId),
          inArray(onlinePayments.status, ['processing', 'succeeded', 'failed']),
        ),
      )
      .orderBy(asc(onlinePayments.createdAt)),
    // The deposit invoice made from this order, if any: the decision section offers one or links it.
    depositInvoiceStatement(db, orgId, documentId),
    // Its reminders (issue 16): the "Deadline & reminders" panel shows the scheduled and the sent ones.
    db
      .select({
        kind: reminders.kind,
        state: reminders.state,
        dueAt: reminders.dueAt,
        sentAt: reminders.sentAt,
        version: reminders.version,
      })
      .from(reminders)
      .where(and(eq(reminders.orgId, orgId), eq(reminders.documentId, documentId)))
      .orderBy(asc(reminders.dueAt)),
    // Who it is sent to (issue 17): signers in order, then copies.
    recipientsStatement(db, orgId, documentId),
    // The files asked of the recipient (issue 20, part D) and their state.
    slotsStatement(db, orgId, documentId),
    // The page's stamp (documents/pages.ts openDocument), read in the same transaction as what it stamps.
    documentStampStatement(db, orgId, documentId),
  ]);
};

/**
 * The contractor's document page's stamp (http/page-cache.ts): the document's, its job's, its org's and its
 * account's `page_rev` (migration 0017) and its job's row of `job_page_stamps` (migrations 0018, 0019: its
 * lines, its activity, its reminders, its contacts, its creator). Read through the session's org.
 */
function documentStampStatement(db: Db, orgId: Param | SQL, documentId: Param) {
  const rev = sql`coalesce((SELECT s.rev FROM job_page_stamps s WHERE s.job_id = ${documents.jobId}), 0)`;
  const account = sql`coalesce(${accounts.pageRev}, '-')`;
  return db
    .select({
      stamp: sql<string>`${documents.pageRev} || '.' || ${jobs.pageRev} || '.' || ${orgs.pageRev} || '.' ||
        ${account} || '.' || ${rev}`,
    })
    .from(documents)
    .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .leftJoin(accounts, and(eq(accounts.id, documents.accountId), eq(accounts.orgId, orgId)))
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
}

/** A held document page's check: its stamp, in one batch with the session (requireUserWith). */
export const sessionDocumentStampQueries = (db: Db) =>
  prepareEach([documentStampStatement(db, sessionOrgId(), sql.placeholder('documentId'))]);

const documentPageQueries = (db: Db) => documentPageStatements(db, sql.placeholder('orgId'));

/** The document page's reads scoped by the contractor's session, for requireUserWith; values: documentPageValues. */
export const sessionDocumentPageQueries = (db: Db) => documentPageStatements(db, sessionOrgId());

type DocumentPageRows = Awaited<ReturnType<typeof batchPrepared<ReturnType<typeof documentPageQueries>>>>;

/** The document page from its batch's rows (either query set), or null when the org has no such document. */
export function assembleDocument(rows: DocumentPageRows, page: DocumentPage, held: HeldSnapshot | undefined) {
  const [
    head,
    versions,
    draftLines,
    paid,
    org,
    thread,
    shared,
    entries,
    decisions,
    bidRows,
    views,
    online,
    invoice,
    chase,
    people,
    slots,
    stamp,
  ] = rows;
  if (!head[0] || !org[0] || !stamp[0]) return null;
  const timeline = entries.slice(0, TIMELINE_PAGE);
  const current = versions.find((v) => v.version === head[0].document.currentVersion)!;
  // The sent version's snapshot: the one the isolate holds when the read left it NULL, else the one read (now held).
  const sent = versions.find((v) => v.version === head[0].document.sentVersion);
  if (sent) sent.snapshot = holdSent(head[0].document.id, sent.id, sent.snapshot, held)?.text ?? null;
  return {
    ...head[0],
    account: head[0].account?.id ? head[0].account : null,
    contact: head[0].contact?.id ? head[0].contact : null,
    creator: head[0].creator?.name ? head[0].creator : { name: '', email: '' },
    versions,
    current,
    /** The current version's lines while it is a draft, else none: a sent version's are its snapshot's. */
    draftLines,
    payments: paid,
    online,
    depositInvoiceId: invoice[0]?.id ?? null,
    reminders: chase,
    recipients: people,
    fileRequests: slots,
    org: org[0],
    stamp: stamp[0].stamp,
    ...commentPaging(thread, !!page.comments),
    files: shared,
    /** The newest timeline entries (from `page.before` on), newest first; `older` pages past them. */
    timeline,
    older: entries.length > TIMELINE_PAGE ? timeline[timeline.length - 1].seq : null,
    newer: page.before !== undefined,
    views,
    signatures: decisions,
    bids: [...new Map(bidRows.map((r) => [r.bid.id, r.bid])).values()].map((b) => ({
      ...b,
      lines: bidRows.filter((r) => r.bid.id === b.id && r.line?.id).map((r) => r.line!),
    })),
  };
}
export type LoadedDocument = NonNullable<Awaited<ReturnType<typeof getDocument>>>;

/** A version's snapshot JSON (null for a draft): for what the document page's batch leaves out. */
export async function getVersionSnapshot(db: Db, orgId: string, versionId: string) {
  const [row] = await db
    .select({ snapshot: documentVersions.snapshot })
    .from(documentVersions)
    .where(and(eq(documentVersions.orgId, orgId), eq(documentVersions.id, versionId)));
  return row?.snapshot ?? null;
}

export async function getVersionLines(db: Db, orgId: string, versionId: string) {
  return db
    .select()
    .from(documentLines)
    .where(and(eq(documentLines.orgId, orgId), eq(documentLines.versionId, versionId)))
    .orderBy(asc(documentLines.position));
}

export interface DocumentListFilter {
  jobId?: Param;
  type?: string;
  status?: string;
  /** A page after this (updated at, id): the documents changed before it. */
  before?: { at: number; id: string };
}

/** Documents with their current version's totals (from the totals module), in one batch. */
export async function listDocuments(db: Db, orgId: string, filter: DocumentListFilter, limit = 300) {
  const [rows, sums, lines, paid] = await db.batch(documentListStatements(db, orgId, filter, limit));
  return assembleDocumentList(rows, sums, lines, paid);
}

/** Documents the list page shows at once; "Earlier documents" pages past them (issue 19). */
export const DOCUMENTS_PAGE = 50;

/** `?before=` of the documents list: `<time>_<id>`; anything else (garbage, huge, negative) is the first page. */
export function documentsBefore(value: string | undefined): { at: number; id: string } | undefined {
  const m = /^(\d{1,15})_([a-z0-9]{8,40})$/.exec(value ?? '');
  return m ? { at: Number(m[1]), id: m[2] } : undefined;
}

/**
 * One page of the documents list, most recently changed first, after `filter.before` (a (updated at,
 * id) cursor, never OFFSET), and the cursor of the next page (null on the last).
 */
export async function documentsPage(db: Db, orgId: string, filter: DocumentListFilter) {
  const listed = await listDocuments(db, orgId, filter, DOCUMENTS_PAGE + 1);
  const rows = listed.slice(0, DOCUMENTS_PAGE);
  const last = rows.at(-1);
  return { rows, next: listed.length > DOCUMENTS_PAGE && last ? `${last.updatedAt}_${last.id}` : null };
}

/** The sum of a version's items' totals by one amount column (each line rounded once), of its taxable ones. */
const itemSum = (amount: typeof documentLines.unitPrice | typeof documentLines.unitCost, taxable = false) =>
  sql<number>`coalesce(sum(CASE WHEN ${documentLines.kind} = 'item'${taxable ? sql` AND ${documentLines.taxable}` : sql``}
    THEN ${lineTotalSql(documentLines.quantity, amount)} END), 0)`.mapWith(Number);

/** Whether a version has a line the recipient may leave out or pick (totalsFor counts its preselection). */
const offersChoice = (versionId: AnyColumn) =>
  sql`EXISTS (SELECT 1 FROM document_lines c WHERE c.version_id = ${versionId} AND c.choice <> 'required')`;

/** The four reads behind a document list, to run in a caller's batch with other reads. */
export function documentListStatements(db: Db, orgId: Param | SQL, filter: DocumentListFilter, limit = 300) {
  const conditionsOn = (d: typeof documents) => {
    const conditions: SQL[] = [eq(d.orgId, orgId)];
    if (filter.jobId) conditions.push(eq(d.jobId, filter.jobId));
    if (filter.type) conditions.push(eq(d.type, filter.type as never));
    if (filter.status) conditions.push(eq(d.status, filter.status));
    const at = filter.before;
    // A row value: SQLite seeks documents_org_updated to it (a range), where an OR of the two cases cannot.
    if (at) conditions.push(sql`(${d.updatedAt}, ${d.id}) < (${at.at}, ${at.id})`);
    return and(...conditions)!;
  };
  // The lines and payments of the listed documents only (issue 19): never of every document of the org.
  const listed = alias(documents, 'listed');
  const page = db
    .select({ id: listed.id })
    .from(listed)
    .where(conditionsOn(listed as never))
    .orderBy(desc(listed.updatedAt), desc(listed.id))
    .limit(limit);
  const where = and(conditionsOn(documents), inArray(documents.id, page));
  return [
    db
      .select(
        distinct({
          id: documents.id,
          type: documents.type,
          subtype: documents.subtype,
          number: documents.number,
          status: documents.status,
          currentVersion: documents.currentVersion,
          sentVersion: documents.sentVersion,
          sentAt: documents.sentAt,
          updatedAt: documents.updatedAt,
          jobId: documents.jobId,
          jobName: jobs.name,
          jobNumber: jobs.number,
          accountName: accounts.name,
          title: documentVersions.title,
          issueDate: documentVersions.issueDate,
          dueDate: documentVersions.dueDate,
          deadline: documents.deadline,
          // Issue 20: approved outside the portal (the list says "Approved offline").
          offline: sql<number>`EXISTS (SELECT 1 FROM offline_approvals o WHERE o.org_id = ${orgId}
            AND o.document_id = ${documents.id})`,
          taxRate: documentVersions.taxRate,
          depositKind: documentVersions.depositKind,
          depositValue: documentVersions.depositValue,
          // Issue 20: the customer's choice, whose lines make the amounts (as its selected snapshot's).
          selection: documentVersions.selection,
        }),
      )
      .from(documents)
      .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
      .innerJoin(
        documentVersions,
        and(eq(documentVersions.documentId, documents.id), eq(documentVersions.version, documents.currentVersion)),
      )
      .leftJoin(accounts, and(eq(accounts.id, documents.accountId), eq(accounts.orgId, orgId)))
      .where(conditionsOn(documents))
      .orderBy(desc(documents.updatedAt), desc(documents.id))
      .limit(limit),
    // Each listed document's items summed, by price and by cost (issue 19: the job page read every line of
    // the job's documents, 300 of them, to total them). Enough for the totals of a version offering no choice.
    db
      .select({
        documentId: documents.id,
        price: itemSum(documentLines.unitPrice),
        priceTaxable: itemSum(documentLines.unitPrice, true),
        cost: itemSum(documentLines.unitCost),
        costTaxable: itemSum(documentLines.unitCost, true),
      })
      .from(documentLines)
      .innerJoin(documentVersions, eq(documentVersions.id, documentLines.versionId))
      .innerJoin(
        documents,
        and(eq(documents.id, documentVersions.documentId), eq(documents.currentVersion, documentVersions.version)),
      )
      .where(where)
      .groupBy(documents.id),
    db
      // The lines of the listed documents whose totals depend on choices (documents/choices.ts): a version
      // with a choice line, or with the customer's choice made. Plain columns, all distinct names.
      .select({
        documentId: documents.id,
        id: sql<string>`${documentLines.id}`.as('line_id'),
        name: documentLines.name,
        kind: documentLines.kind,
        quantity: documentLines.quantity,
        unitCost: documentLines.unitCost,
        unitPrice: documentLines.unitPrice,
        taxable: documentLines.taxable,
        // Issue 20: a draft's total counts its preselection, as its snapshot will.
        choice: documentLines.choice,
        choiceSet: documentLines.choiceSet,
        preselected: documentLines.preselected,
      })
      .from(documentLines)
      .innerJoin(documentVersions, eq(documentVersions.id, documentLines.versionId))
      .innerJoin(
        documents,
        and(eq(documents.id, documentVersions.documentId), eq(documents.currentVersion, documentVersions.version)),
      )
      .where(and(where, or(isNotNull(documentVersions.selection), offersChoice(documentVersions.id))))
      .orderBy(asc(documentLines.position)),
    db
      .select({ documentId: payments.documentId, amount: payments.amount })
      .from(payments)
      .innerJoin(documents, eq(documents.id, payments.documentId))
      .where(and(eq(payments.orgId, orgId), where)),
  ] as const;
}

type ListStatements = ReturnType<typeof documentListStatements>;
type Rows<T> = T extends { then(onfulfilled?: (value: infer R) => unknown): unknown } ? R : never;

export function assembleDocumentList(
  rows: Rows<ListStatements[0]>,
  sums: Rows<ListStatements[1]>,
  lines: Rows<ListStatements[2]>,
  paid: Rows<ListStatements[3]>,
) {
  const sumsByDoc = new Map(sums.map((s) => [s.documentId, s]));
  const linesByDoc = groupBy(lines, (l) => l.documentId);
  const paidByDoc = groupBy(paid, (p) => p.documentId);
  const none = { price: 0, priceTaxable: 0, cost: 0, costTaxable: 0 };
  return rows.map((r) => {
    const amounts = (paidByDoc.get(r.id) ?? []).map((p) => p.amount);
    const chosen = linesByDoc.get(r.id);
    if (!chosen) return { ...r, totals: totalsFromSums(r, sumsByDoc.get(r.id) ?? none, amounts) };
    const { lineTotals: _perLine, ...totals } = totalsFor(r, chosenLines(chosen, r.selection), amounts);
    return { ...r, totals };
  });
}

/** The lines a customer's choice includes, as plain lines (the totals then count all of them); else all. */
function chosenLines<L extends Parameters<typeof includedLines>[0][number]>(lines: L[], selection: string | null) {
  const chosen = parseSelection(selection)?.chosen;
  return chosen ? includedLines(lines, chosen).map((l) => ({ ...l, choice: null })) : lines;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

export async function recipientChoices(db: Db, orgId: string, kind: 'customer' | 'vendor') {
  const rows = await db
    .select({
      accountId: accounts.id,
      accountName: accounts.name,
      contactId: contacts.id,
      contactName: contacts.name,
      contactEmail: contacts.email,
    })
    .from(accounts)
    .leftJoin(contacts, and(eq(contacts.accountId, accounts.id), eq(contacts.orgId, orgId)))
    .where(and(eq(accounts.orgId, orgId), eq(accounts.kind, kind)))
    .orderBy(asc(sql`lower(${accounts.name})`), asc(contacts.name));
  const byAccount = new Map<
    string,
    { id: string; name: string; contacts: { id: string; name: string; email: string }[] }
  >();
  for (const r of rows) {
    const a = byAccount.get(r.accountId) ?? { id: r.accountId, name: r.accountName, contacts: [] };
    if (r.contactId) a.contacts.push({ id: r.contactId, name: r.contactName!, email: r.contactEmail! });
    byAccount.set(r.accountId, a);
  }
  return [...byAccount.values()];
}

/** Enough of a document to send a write to its room: its id and job, its kind, status and number. */
export async function documentHead(db: Db, orgId: string, documentId: string) {
  const [row] = await db
    .select({
      id: documents.id,
      jobId: documents.jobId,
      type: documents.type,
      subtype: documents.subtype,
      status: documents.status,
      number: documents.number,
    })
    .from(documents)
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  return row ?? null;
}

/**
 * The current version's lines, as a statement for a batch. `draftOnly`: none once it is sent — a sent
 * version's lines are its snapshot's (issue 19: the page no longer reads a 120-line order's rows twice).
 */
function currentLines(db: Db, orgId: Param | SQL, documentId: Param, draftOnly = false) {
  const draft = draftOnly ? sql` AND v.state = 'draft'` : sql``;
  return db
    .select()
    .from(documentLines)
    .where(
      and(
        eq(documentLines.orgId, orgId),
        eq(documentLines.documentId, documentId),
        sql`${documentLines.versionId} = (SELECT v.id FROM document_versions v JOIN documents d ON d.id = v.document_id AND d.current_version = v.version WHERE d.id = ${documentId} AND d.org_id = ${orgId}${draft})`,
      ),
    )
    .orderBy(asc(documentLines.position));
}

/**
 * A document as a write sees it, in one batch: the row (with its account's name and the org's
 * currency), every version, the current version's lines and the payments. Lean: no conversation.
 */
export async function documentState(db: Db, orgId: string, documentId: string) {
  const [head, versions, lines, paid] = await db.batch([
    db
      .select(distinct({ document: documents, accountName: accounts.name, currency: orgs.currency }))
      .from(documents)
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .leftJoin(accounts, and(eq(accounts.id, documents.accountId), eq(accounts.orgId, orgId)))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db
      .select()
      .from(documentVersions)
      .where(and(eq(documentVersions.orgId, orgId), eq(documentVersions.documentId, documentId)))
      .orderBy(desc(documentVersions.version)),
    currentLines(db, orgId, documentId),
    db
      .select({ amount: payments.amount })
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.documentId, documentId))),
  ]);
  const row = head[0];
  const current = row && versions.find((v) => v.version === row.document.currentVersion);
  if (!row || !current) return null;
  return {
    document: row.document,
    accountName: row.accountName,
    currency: row.currency,
    versions,
    current,
    lines,
    paid: paid.map((p) => p.amount),
  };
}
export type DocumentState = NonNullable<Awaited<ReturnType<typeof documentState>>>;

/**
 * What a deposit invoice is made from, in one batch: the order, its sent version, the org's
 * defaults, the contact, and the deposit invoice if one was made already.
 */
export async function depositState(db: Db, orgId: string, documentId: string) {
  const [head, versions, org, contact, invoice, paid, processing] = await db.batch([
    db
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db
      .select({ version: documentVersions.version, snapshot: moneySnapshot() })
      .from(documentVersions)
      .innerJoin(
        documents,
        and(eq(documents.id, documentVersions.documentId), eq(documents.sentVersion, documentVersions.version)),
      )
      .where(and(eq(documentVersions.orgId, orgId), eq(documentVersions.documentId, documentId))),
    db
      .select({
        timeZone: orgs.timeZone,
        terms: documentTemplates.terms,
        templateFooter: documentTemplates.footer,
        defaultFooter: orgs.defaultFooter,
        onlinePaymentDefault: orgs.onlinePaymentDefault,
      })
      .from(orgs)
      .leftJoin(documentTemplates, defaultTemplateOf('customer_invoice'))
      .where(eq(orgs.id, orgId)),
    db
      .select({ name: contacts.name, email: contacts.email })
      .from(contacts)
      .innerJoin(documents, eq(documents.contactId, contacts.id))
      .where(and(eq(contacts.orgId, orgId), eq(documents.id, documentId))),
    depositInvoiceStatement(db, orgId, documentId),
    db
      .select({ amount: payments.amount, paidOn: payments.paidOn })
      .from(payments)
      .where(and(eq(payments.orgId, orgId), eq(payments.documentId, documentId))),
    db
      .select({ amount: onlinePayments.amount })
      .from(onlinePayments)
      .where(
        and(
          eq(onlinePayments.orgId, orgId),
          eq(onlinePayments.documentId, documentId),
          eq(onlinePayments.status, 'processing'),
        ),
      ),
  ]);
  if (!head[0] || !org[0]) return null;
  return {
    document: head[0],
    version: versions[0] ?? null,
    org: org[0],
    contact: contact[0] ?? null,
    invoiceId: invoice[0]?.id ?? null,
    /** Money counted on the order: its deposit paid online. */
    payments: paid,
    /** A bank payment of the deposit started online and not settled yet (cents). */
    processing: processing.reduce((sum, p) => sum + p.amount, 0),
  };
}

/** Joins an org to its default template of the kind (its key), if it has one. */
const defaultTemplateOf = (kindKey: string) =>
  and(eq(documentTemplates.orgId, orgs.id), eq(documentTemplates.kind, kindKey), eq(documentTemplates.isDefault, true));

/**
 * The org's settings a new draft of the kind (its key) starts from, with the template it starts from:
 * `templateId` undefined is the kind's default template, null none, an id that template (of this org and
 * kind only). `template` is null when there is none (an id of another org or kind finds none).
 */
export async function draftDefaults(db: Db, orgId: string, kindKey: string, templateId?: string | null) {
  const which =
    templateId === undefined
      ? defaultTemplateOf(kindKey)
      : and(
          eq(documentTemplates.orgId, orgs.id),
          eq(documentTemplates.kind, kindKey),
          eq(documentTemplates.id, templateId ?? ''),
        );
  const [row] = await db
    .select({
      timeZone: orgs.timeZone,
      footer: orgs.defaultFooter,
      taxRate: orgs.defaultTaxRate,
      onlinePayment: orgs.onlinePaymentDefault,
      template: documentTemplates,
    })
    .from(orgs)
    .leftJoin(documentTemplates, which)
    .where(eq(orgs.id, orgId));
  return row ?? null;
}

/** The document made by the item step's post carrying this one-time key, if one was. */
export async function documentByRequestKey(db: Db, orgId: string, requestKey: string) {
  const [row] = await db
    .select({ id: documents.id, number: documents.number })
    .from(documents)
    .where(and(eq(documents.orgId, orgId), eq(documents.requestKey, requestKey)));
  return row ?? null;
}

/** Whether another document of the type already has this number. */
export async function numberTaken(db: Db, orgId: string, type: DocumentType, number: string, exceptId = '') {
  const [row] = await db
    .select({ id: documents.id })
    .from(documents)
    .where(
      and(
        eq(documents.orgId, orgId),
        eq(documents.type, type),
        eq(documents.number, number),
        ne(documents.id, exceptId),
      ),
    )
    .limit(1);
  return !!row;
}

/** Joins a document to the version its recipient sees (its sent version), in the org. */
export const sentVersionJoin = (orgId: Param | SQL) =>
  and(
    eq(documentVersions.orgId, orgId),
    eq(documentVersions.documentId, documents.id),
    eq(documentVersions.version, documents.sentVersion),
  );

/** A version's money (issue 20): the chosen set's snapshot once its customer chose, else the sent snapshot. */
export const moneySnapshot = () =>
  sql<string | null>`coalesce(${documentVersions.selectedSnapshot}, ${documentVersions.snapshot})`;

/** The invoice made for an order's deposit, if there is one. */
export function depositInvoiceStatement(db: Db, orgId: Param | SQL, sourceDocumentId: Param) {
  return db
    .select({ id: documents.id })
    .from(documents)
    .where(
      and(
        eq(documents.orgId, orgId),
        eq(documents.sourceDocumentId, sourceDocumentId),
        eq(documents.type, 'customer_invoice'),
      ),
    )
    .limit(1);
}

/** The org's jobs, newest first, for the documents list's job filter. */
export async function jobOptions(db: Db, orgId: string) {
  return db.select({ id: jobs.id, name: jobs.name }).from(jobs).where(eq(jobs.orgId, orgId)).orderBy(desc(jobs.number));
}

/**
 * A job's contract so far, for a change order being sent: the totals of its approved estimates and
 * proposals (the original contract) and of its approved change orders other than `exceptId`, each
 * as its signed version states it. Issue 20: a version whose customer chose (signing or offline)
 * counts the chosen total, its chosen snapshot's.
 */
export async function contractSoFar(db: Db, orgId: string, jobId: string, exceptId: string) {
  const rows = await db
    .select({
      subtype: documents.subtype,
      total: sql<number>`json_extract(${moneySnapshot()}, '$.totals.total')`,
    })
    .from(documents)
    .innerJoin(documentVersions, sentVersionJoin(orgId))
    .where(
      and(
        eq(documents.orgId, orgId),
        eq(documents.jobId, jobId),
        eq(documents.type, 'customer_order'),
        eq(documents.status, 'approved'),
        ne(documents.id, exceptId),
      ),
    )
    .orderBy(asc(documents.sentAt));
  const totals = (change: boolean) =>
    rows.filter((r) => (r.subtype === 'change_order') === change).map((r) => Number(r.total) || 0);
  return { original: totals(false), approvedChanges: totals(true) };
}

/** What the question needs: the document's number, kind and status, and who its link went to. */
export async function voidable(db: Db, orgId: string, documentId: string) {
  const [row] = await db
    .select({
      id: documents.id,
      type: documents.type,
      number: documents.number,
      status: documents.status,
      sentVersion: documents.sentVersion,
      contactName: contacts.name,
    })
    .from(documents)
    .leftJoin(contacts, and(eq(contacts.id, documents.contactId), eq(contacts.orgId, orgId)))
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  return row ?? null;
}

/**
 * The contacts of a document's account, by name (issue 17): the send page offers them, and the send
 * matches its rows to them.
 */
export async function accountContacts(db: Db, orgId: string, accountId: string, limit?: number) {
  const rows = db
    .select({ id: contacts.id, name: contacts.name, email: contacts.email, accessVersion: contacts.accessVersion })
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.accountId, accountId)))
    .orderBy(asc(contacts.name));
  // The send page lists the first `limit`; a send resolves its people against every contact of the account.
  return limit ? rows.limit(limit) : rows;
}
