import { and, asc, desc, eq, exists, gt, inArray, isNotNull, isNull, ne, sql, type SQL } from 'drizzle-orm';
import { slotsStatement } from '../documents/file-requests';
import { offlineApprovalJson, offlineApprovedOn } from '../signing/offline-queries';
import { alias, type SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { batchPrepared, distinct, prepareEach, prepared, type Db, type Param, type Rows } from '../db/client';
import {
  accounts,
  activity,
  bidLines,
  bids,
  comments,
  contacts,
  documentRecipients,
  documents,
  documentTypes,
  documentVersions,
  type DocumentType,
  files,
  jobs,
  onlinePayments,
  OPEN_STATUSES,
  orgs,
  payments,
  portalSessionContacts,
  portalSessions,
  signatures,
} from '../db/schema';
import { moneySnapshot, sentVersionJoin } from '../documents/queries';
import type { DocumentSnapshot } from '../documents/snapshot';
import { heldSnapshot, heldVersion, holdSent, type HeldSnapshot } from '../documents/sent-snapshots';
import { awaitsRecipient, statusesOf } from '../documents/status';
import { KINDS } from '../documents/kinds';
import { awaitsDecision } from '../deadlines/rules';
import { commentPaging, commentsStatement, NEWEST_COMMENTS } from '../conversation/comment-queries';

/**
 * Which of the session's companies a request is in (issue 17), as SQL over the session row: the org of
 * the document (`addrDocument`) or job (`addrJob`) the address names, else the company asked for
 * (`?company=`, `addrCompany`), else the session's company of the last link opened while it still
 * counts, else the newest one that does. Whether the session holds that company is the caller's join.
 */
function addressedOrg(sessionId: SQL | SQLiteColumn) {
  return sql`COALESCE(
    (SELECT ad.org_id FROM documents ad WHERE ad.id = ${sql.placeholder('addrDocument')}),
    (SELECT aj.org_id FROM jobs aj WHERE aj.id = ${sql.placeholder('addrJob')}),
    NULLIF(${sql.placeholder('addrCompany')}, ''),
    (SELECT ac.org_id FROM portal_session_contacts ac
      JOIN contacts act ON act.id = ac.contact_id AND act.org_id = ac.org_id AND act.access_version = ac.access_version
      WHERE ac.session_id = ${sessionId}
      ORDER BY ac.org_id = (SELECT ao.org_id FROM portal_sessions ao WHERE ao.id = ac.session_id) DESC, ac.created_at DESC
      LIMIT 1))`;
}

/** What a request's address says about its company: the placeholders addressedOrg() reads. */
export interface PortalAddress {
  addrDocument: string;
  addrJob: string;
  addrCompany: string;
}

export const sessionQuery = (db: Db) =>
  db
    // Distinct aliases: it also runs inside a page's batch (requirePortalWith).
    .select(
      distinct({
        expiresAt: portalSessions.expiresAt,
        contact: {
          id: contacts.id,
          accountId: contacts.accountId,
          name: contacts.name,
          email: contacts.email,
          accessVersion: contacts.accessVersion,
          esignConsentAt: contacts.esignConsentAt,
          esignConsentVersion: contacts.esignConsentVersion,
        },
        org: {
          id: orgs.id,
          name: orgs.name,
          brandColor: orgs.brandColor,
          logoKey: orgs.logoKey,
          timeZone: orgs.timeZone,
          currency: orgs.currency,
          address: orgs.address,
          phone: orgs.phone,
          email: orgs.email,
          paymentInstructions: orgs.paymentInstructions,
        },
      }),
    )
    .from(portalSessions)
    .innerJoin(
      portalSessionContacts,
      and(
        eq(portalSessionContacts.sessionId, portalSessions.id),
        eq(portalSessionContacts.orgId, addressedOrg(portalSessions.id)),
      ),
    )
    // A company counts only while its contact's access is the one the session was given.
    .innerJoin(
      contacts,
      and(
        eq(contacts.id, portalSessionContacts.contactId),
        eq(contacts.orgId, portalSessionContacts.orgId),
        eq(contacts.accessVersion, portalSessionContacts.accessVersion),
      ),
    )
    .innerJoin(orgs, eq(orgs.id, portalSessionContacts.orgId))
    .where(
      and(eq(portalSessions.id, sql.placeholder('sessionHash')), gt(portalSessions.expiresAt, sql.placeholder('now'))),
    )
    .prepare();

export type PortalSessionRow = Rows<ReturnType<typeof sessionQuery>>[number];

/** Every company a live session holds (its contact's access unchanged): the portal's switcher. */
export const sessionCompaniesQuery = (db: Db) =>
  db
    .select(
      distinct({
        id: orgs.id,
        name: orgs.name,
        brandColor: orgs.brandColor,
        logoKey: orgs.logoKey,
      }),
    )
    .from(portalSessionContacts)
    .innerJoin(portalSessions, eq(portalSessions.id, portalSessionContacts.sessionId))
    .innerJoin(
      contacts,
      and(
        eq(contacts.id, portalSessionContacts.contactId),
        eq(contacts.orgId, portalSessionContacts.orgId),
        eq(contacts.accessVersion, portalSessionContacts.accessVersion),
      ),
    )
    .innerJoin(orgs, eq(orgs.id, portalSessionContacts.orgId))
    .where(
      and(eq(portalSessions.id, sql.placeholder('sessionHash')), gt(portalSessions.expiresAt, sql.placeholder('now'))),
    )
    .orderBy(asc(portalSessionContacts.createdAt), asc(orgs.id))
    .prepare();

export type SessionCompanyRow = Rows<ReturnType<typeof sessionCompaniesQuery>>[number];

/** Where the session's contact for the address's company is read from (the FROM of a subquery). */
const sessionContact = () => sql`FROM portal_sessions s
    JOIN portal_session_contacts sc ON sc.session_id = s.id AND sc.org_id = ${addressedOrg(sql`s.id`)}
    JOIN contacts ct ON ct.id = sc.contact_id AND ct.org_id = sc.org_id AND ct.access_version = sc.access_version
    WHERE s.id = ${sql.placeholder('sessionHash')} AND s.expires_at > ${sql.placeholder('now')}`;

/**
 * The viewer's contact, org and account as SQL, read from the session in the same statement, for
 * the company the request's address is in: for queries that run in one batch with the session lookup
 * (requirePortalWith). No valid session, or a company it does not hold, no rows.
 */
export function portalSessionViewer() {
  const held = sessionContact();
  return {
    contactId: sql`(SELECT ct.id ${held})`,
    orgId: sql`(SELECT ct.org_id ${held})`,
    accountId: sql`(SELECT ct.account_id ${held})`,
  };
}

/**
 * The document a request's address names (`/portal/documents/:id/…`), if the session's viewer may see it: what
 * a write on it (a decision, a comment, a file) needs to reach its room, read in the guard's batch with the
 * session (issue 19: a signature's Worker trips 3 → 2, a comment's 2 → 1).
 */
const addressedDocumentQuery = (db: Db) =>
  db
    .select({
      id: documents.id,
      jobId: documents.jobId,
      type: documents.type,
      subtype: documents.subtype,
      requireSignature: documents.requireSignature,
      sentVersion: documents.sentVersion,
      maxUploadMb: orgs.maxUploadMb,
    })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(visibleTo(portalSessionViewer()), eq(documents.id, sql.placeholder('addrDocument'))))
    .prepare();

export type AddressedDocument = Rows<ReturnType<typeof addressedDocumentQuery>>[number];

/**
 * The portal session with its contact and org for the address's company, and every company it holds; with
 * `withDocument` and a document's address, that document as its viewer may see it (null: not theirs, or none),
 * in the same batch.
 */
export async function findPortalSession(
  db: Db,
  sessionHash: string,
  address: PortalAddress,
  now = Date.now(),
  withDocument = false,
) {
  const values = { sessionHash, now, ...address };
  if (!withDocument || !address.addrDocument) {
    const [[found], companies] = await batchPrepared(
      db,
      [prepared(db, sessionQuery), prepared(db, sessionCompaniesQuery)] as const,
      values,
    );
    return { found, companies, document: undefined };
  }
  const [[found], companies, [document]] = await batchPrepared(
    db,
    [prepared(db, sessionQuery), prepared(db, sessionCompaniesQuery), prepared(db, addressedDocumentQuery)] as const,
    values,
  );
  return { found, companies, document: document ?? null };
}

/** Who is looking: values, named placeholders, or SQL that reads them from the session. */
type Viewer = { orgId: Param | SQL; accountId: Param | SQL; contactId: Param | SQL };

/** The documents table, or an alias of it. */
type DocumentsTable = Record<'id' | 'orgId' | 'accountId' | 'sentVersion' | 'status', SQLiteColumn>;

/**
 * THE visibility rule of the portal, written once: a document is visible to a contact when it is
 * in their org, addressed to their account, sent, and not void — and, when the account is set to
 * "each person sees only what was sent to them" (`accounts.sees_own_only`, issue 17), when the contact
 * is one of its recipients (`document_recipients`). Over `documents` it is the condition of a query on
 * documents; over an alias it is the body of visibleDocument()'s EXISTS.
 */
export function visibleTo(viewer: Viewer, d: DocumentsTable = documents) {
  return and(
    eq(d.orgId, viewer.orgId),
    eq(d.accountId, viewer.accountId),
    isNotNull(d.sentVersion),
    ne(d.status, 'void'),
    sql`(NOT EXISTS (SELECT 1 FROM accounts own_a WHERE own_a.id = ${d.accountId} AND own_a.sees_own_only = 1)
      OR EXISTS (SELECT 1 FROM document_recipients own_r WHERE own_r.document_id = ${d.id} AND own_r.contact_id = ${viewer.contactId}))`,
  )!;
}

/** A contact row as the viewer of THE rule. */
export const viewerOf = (contact: Contact): Viewer => ({
  orgId: contact.orgId,
  accountId: contact.accountId,
  contactId: contact.id,
});

const other = alias(documents, 'visible_document');

/** The same rule as a condition on another table's rows: EXISTS (the document, visible to the viewer). */
export function visibleDocument(db: Db, viewer: Viewer, documentId: Param) {
  return exists(
    db
      .select({ one: sql`1` })
      .from(other)
      .where(and(eq(other.id, documentId), visibleTo(viewer, other))),
  );
}

/** Documents a portal list (home, a job) shows at once; "Earlier documents" pages past them. */
export const PORTAL_LIST_PAGE = 50;

/** A name from the code (a document type or status), written into SQL as a literal: never a value from a request. */
function word(name: string) {
  if (!/^[a-z_]+$/.test(name)) throw new Error(`not a type or status name: ${name}`);
  return sql.raw(`'${name}'`);
}

/** Whether every kind of a type has a date that closes the recipient's decision (expires, bids close). */
const closesByDate = (type: DocumentType) =>
  KINDS.filter((k) => k.type === type).every((k) => k.deadline === 'expires' || k.deadline === 'bids_close');

/** The list's document columns waitsSql reads: the documents table or an alias of it. */
type ListDocument = Record<
  'id' | 'orgId' | 'type' | 'status' | 'deadline' | 'sentVersion' | 'signingOrder',
  SQLiteColumn
>;

/** Whether `contact` (SQL) approved the document's sent version (documents/recipients.ts `signedBy`). */
const approvedSent = (d: ListDocument, contact: SQL, as: string) => {
  const [s, v] = [sql.raw(`${as}s`), sql.raw(`${as}v`)];
  return sql`EXISTS (SELECT 1 FROM signatures ${s} JOIN document_versions ${v} ON ${v}.id = ${s}.version_id
    WHERE ${s}.org_id = ${d.orgId} AND ${s}.document_id = ${d.id} AND ${v}.version = ${d.sentVersion}
      AND ${s}.contact_id = ${contact} AND ${s}.outcome NOT IN ('declined', 'countersigned'))`;
};

/**
 * Whether the viewer may decide on the document now (issue 17, portal/decide-people.ts `peopleOnPage`), as
 * SQL: a document without recipient rows is its one contact's; else the viewer (the session's contact in
 * the document's org: one bound value) is one of its signers and, in a set order, no signer before them is
 * still to sign (unless someone declined: then nobody's turn is waited for). A copy, someone it is not sent
 * to, or a signer before their turn waits on nobody. Never narrower than the presenter: a signer who signed
 * already still counts here (the presenter drops the action).
 */
function mayDecideSql(d: ListDocument) {
  const me = sql.raw('wme.contact_id');
  const before = sql.raw('wb.contact_id');
  const declined = sql`EXISTS (SELECT 1 FROM signatures wds JOIN document_versions wdv ON wdv.id = wds.version_id
    WHERE wds.org_id = ${d.orgId} AND wds.document_id = ${d.id} AND wdv.version = ${d.sentVersion} AND wds.outcome = 'declined')`;
  return sql`(NOT EXISTS (SELECT 1 FROM document_recipients wr WHERE wr.document_id = ${d.id})
    OR EXISTS (SELECT 1 FROM portal_session_contacts wsc
      JOIN document_recipients wme ON wme.document_id = ${d.id} AND wme.contact_id = wsc.contact_id AND wme.role = 'signer'
      WHERE wsc.session_id = ${sql.placeholder('sessionHash')} AND wsc.org_id = ${d.orgId}
        AND (${d.signingOrder} <> 'ordered' OR ${approvedSent(d, me, 'wm')} OR ${declined}
          OR NOT EXISTS (SELECT 1 FROM document_recipients wb WHERE wb.document_id = ${d.id} AND wb.role = 'signer'
            AND wb.position < wme.position AND NOT ${approvedSent(d, before, 'wb')}))))`;
}

/** The statuses in which a document of `type` waits on its recipient in a list (a bid already in waits on nobody). */
const listWaitingStatuses = (type: DocumentType) =>
  statusesOf(type).filter((s) => awaitsRecipient(type, s) && !(type === 'bid_request' && s === 'submitted'));

/** Every status in which some document waits in a list, sorted: what `documents_org_account_open` must hold. */
export const listOpenStatuses = () => [...new Set(documentTypes.flatMap(listWaitingStatuses))].sort();

/**
 * Whether a document waits on its recipient (sign, bid, accept, pay: documents/status.ts
 * `awaitsRecipient`), as SQL: the status machine's pairs, written out once as literals (no bound
 * values: a list statement stays far below D1's 100). A decision its date closed (deadlines/rules.ts
 * `closedByDeadline`: an expired estimate, bids closed) waits on nobody: `listToday` is the earliest
 * date anywhere on Earth now, so whatever is open in the company's zone is counted as waiting here, and
 * the presenter drops the action of one that closed earlier in the day there. Nor does a decision that is
 * not the viewer's now (mayDecideSql; an invoice is paid by whoever holds it). The list puts these first.
 */
function waitsSql(d: ListDocument) {
  const pairs = (closing: boolean) =>
    documentTypes.flatMap((type) => {
      const statuses = listWaitingStatuses(type).filter(
        (s) => closing === (closesByDate(type) && awaitsDecision({ type, status: s })),
      );
      const pair = sql`(${d.type} = ${word(type)} AND ${d.status} IN (${sql.join(statuses.map(word), sql`, `)}))`;
      return statuses.length ? [pair] : [];
    });
  const any = (conditions: SQL[]) => (conditions.length ? sql.join(conditions, sql` OR `) : sql`0`);
  const open = sql`(${d.deadline} IS NULL OR ${d.deadline} >= ${sql.placeholder('listToday')})`;
  return sql<number>`(CASE WHEN NOT (${any(pairs(false))} OR ((${any(pairs(true))}) AND ${open})) THEN 0
    WHEN ${d.type} = 'customer_invoice' OR ${mayDecideSql(d)} THEN 1 ELSE 0 END)`;
}

/** A place in a portal list: (waits on them, sent at, id); the list is that order, descending. */
export interface PortalListCursor {
  waits: number;
  at: number;
  id: string;
}

/** The first page's cursor: before every document. */
const LIST_START: PortalListCursor = { waits: 2, at: Number.MAX_SAFE_INTEGER, id: '' };

/** `?before=` of a portal list: `<0|1>_<time>_<id>`; anything else (garbage, huge, negative) is the first page. */
export function portalListBefore(value: string | undefined): PortalListCursor | undefined {
  const m = /^([01])_(\d{1,15})_([a-z0-9]{8,40})$/.exec(value ?? '');
  return m ? { waits: Number(m[1]), at: Number(m[2]), id: m[3] } : undefined;
}

/**
 * The placeholders of a page of a portal list: after `before`, or the first; `listToday`, the date at
 * UTC-12 (the last place a day ends), is the earliest "today" of any company's zone.
 */
export const portalListValues = (before?: PortalListCursor, now = Date.now()) => {
  const at = before ?? LIST_START;
  const listToday = new Date(now - 12 * 3_600_000).toISOString().slice(0, 10);
  return { listWaits: at.waits, listAt: at.at, listId: at.id, listToday };
};

// Every document sent to the account (or to it on one job), one page at a time (what waits on them
// first, then newest sent first, keyed by a (waits, sent at, id) cursor, never OFFSET), with its sent
// version's header, what is paid and processing, its decisions and its recipients: one statement, whose
// page of ids comes from index walks (below), and each follow-up is an indexed lookup per document on the
// page, its rows as JSON, in the listed document's org: the viewer's, by the visibility rule.
// The viewer comes from the session in SQL: it runs in the session's batch.
function listStatements(db: Db, jobId?: Param) {
  const viewer = portalSessionViewer();
  const visible = (d: DocumentsTable & { jobId: SQLiteColumn }, who: Viewer = viewer) =>
    jobId ? and(visibleTo(who, d), eq(d.jobId, jobId))! : visibleTo(who, d);
  // The page's ids with their place, in list order: what waits on the viewer (newest sent first), then the
  // rest (the same), each walked down `documents_org_account_sent` from the cursor (a range on the index) and
  // stopped at a page. A walk passes over the documents of the other kind (whether one waits is worked out only
  // for those in a waiting status), so a page costs a page plus what it passes over. The second walk runs only
  // when the first leaves the page short. A job's list walks the job's documents (`documents_org_job`) and
  // sorts them: `+account_id` keeps SQLite off the account's walk, which would read the account's whole
  // history to find one job's few documents. The viewer is read from the session once for both walks.
  const listed = alias(documents, 'listed');
  const walked = jobId
    ? {
        id: listed.id,
        orgId: listed.orgId,
        accountId: sql`+${listed.accountId}` as unknown as SQLiteColumn,
        sentVersion: listed.sentVersion,
        status: listed.status,
        jobId: listed.jobId,
      }
    : listed;
  const pageRows = sql.raw(String(PORTAL_LIST_PAGE + 1)); // a literal: the statement's bound values stay few
  const pageViewer = {
    orgId: sql`(SELECT org_id FROM list_viewer)`,
    accountId: sql`(SELECT account_id FROM list_viewer)`,
    contactId: sql`(SELECT contact_id FROM list_viewer)`,
  };
  const [listWaits, listAt, listId] = [
    sql.placeholder('listWaits'),
    sql.placeholder('listAt'),
    sql.placeholder('listId'),
  ];
  const walk = (waits: 0 | 1) => {
    const w = sql.raw(String(waits));
    // Walk w starts after the cursor when the cursor is in it, at its top when the cursor is in the walk before.
    const from = sql`(CASE WHEN ${listWaits} > ${w} THEN ${sql.raw(String(2 ** 53))} ELSE ${listAt} END,
      CASE WHEN ${listWaits} > ${w} THEN '' ELSE ${listId} END)`;
    // What waits is among the open documents (`documents_org_account_open`, whose condition this names as written).
    const open = waits ? sql`${listed.status} IN (${sql.join(OPEN_STATUSES.map(word), sql`, `)}) AND ` : sql``;
    return sql`SELECT ${listed.id} AS page_id, ${w} AS page_waits FROM ${documents} ${sql.raw('"listed"')}
      WHERE ${open}${visible(walked, pageViewer)} AND ${listWaits} >= ${w} AND ${waitsSql(listed as never)} = ${w}
        AND (${listed.sentAt}, ${listed.id}) < ${from}
      ORDER BY ${listed.sentAt} DESC, ${listed.id} DESC LIMIT ${pageRows}`;
  };
  const page = sql`(WITH list_viewer AS (SELECT ct.id AS contact_id, ct.org_id AS org_id, ct.account_id AS account_id
      ${sessionContact()})
    SELECT * FROM (${walk(1)}) UNION ALL SELECT * FROM (${walk(0)}) LIMIT ${pageRows}) ${sql.raw('"page"')}`;
  const onPage = { id: sql<string>`"page"."page_id"`, waits: sql<number>`"page"."page_waits"` };
  const paid = sql<number>`(SELECT coalesce(sum(lp.amount), 0) FROM payments lp
    WHERE lp.org_id = ${documents.orgId} AND lp.document_id = ${documents.id})`;
  // Bank payments still processing: not money yet, but not payable again (payments/queries.ts `payable`).
  const processing = sql<number>`(SELECT coalesce(sum(lo.amount), 0) FROM online_payments lo
    WHERE lo.org_id = ${documents.orgId} AND lo.document_id = ${documents.id} AND lo.status = 'processing')`;
  // The decisions on the sent version, newest first, for the recipient's status words ("Signed by you on …").
  const decided = sql<string>`(SELECT json_group_array(json_object('outcome', ls.outcome,
      'signerName', ls.signer_name, 'signedAt', ls.signed_at, 'contactId', ls.contact_id))
    FROM (SELECT s.outcome, s.signer_name, s.signed_at, s.contact_id FROM signatures s
      JOIN document_versions sv ON sv.id = s.version_id AND sv.version = ${documents.sentVersion}
      WHERE s.org_id = ${documents.orgId} AND s.document_id = ${documents.id} ORDER BY s.signed_at DESC) ls)`;
  // Who it is sent to (issue 17): the viewer's place among its signers and copies, for the status words.
  const people = sql<string>`(SELECT json_group_array(json_object('contactId', lr.contact_id, 'role', lr.role,
      'position', lr.position, 'name', lr.name))
    FROM (SELECT r.contact_id, r.role, r.position, rc.name FROM document_recipients r
      JOIN contacts rc ON rc.id = r.contact_id
      WHERE r.org_id = ${documents.orgId} AND r.document_id = ${documents.id} ORDER BY r.position) lr)`;
  return prepareEach([
    listStampStatement(db),
    db
      .select(
        distinct({
          id: documents.id,
          type: documents.type,
          subtype: documents.subtype,
          number: documents.number,
          status: documents.status,
          sentVersion: documents.sentVersion,
          sentAt: documents.sentAt,
          signingOrder: documents.signingOrder,
          deadline: documents.deadline, // the date that counts now (issue 16): Expired, Bids closed, Overdue
          jobId: jobs.id,
          jobName: jobs.name,
          jobNumber: jobs.number,
          jobAddress: jobs.address,
          // What a row shows of its snapshot (the chosen set's once the customer chose, issue 20), as one JSON
          // array read in one parse: never its lines, tens of KB on a big order, for eight fields.
          summary: sql<string | null>`json_extract(${moneySnapshot()}, ${sql.raw(LIST_SUMMARY_PATHS)})`,
          onlinePayment: documents.onlinePayment,
          stripeStatus: orgs.stripeStatus,
          stripeAccountId: orgs.stripeAccountId,
          waits: sql<number>`${onPage.waits}`.mapWith(Number),
          // Issue 20: the date of an approval the contractor recorded as made offline, for "Marked approved".
          offlineOn: offlineApprovedOn(viewer.orgId),
          paid: paid.mapWith(Number),
          processing: processing.mapWith(Number),
          decided,
          people,
        }),
      )
      .from(page)
      .crossJoin(documents)
      .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, viewer.orgId)))
      .innerJoin(documentVersions, sentVersionJoin(viewer.orgId))
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .where(and(eq(documents.id, onPage.id), visible(documents)))
      .orderBy(desc(onPage.waits), desc(documents.sentAt), desc(documents.id)),
  ]);
}

/**
 * The stamp of the viewer's portal lists (http/page-cache.ts): their account's `page_rev`, which any change
 * to one of its documents or their jobs bumps, and their org's (migration 0017). The viewer from the session.
 */
const listStampStatement = (db: Db) => {
  const viewer = portalSessionViewer();
  return db
    .select({ stamp: sql<string>`${accounts.pageRev} || '.' || ${orgs.pageRev}` })
    .from(accounts)
    .innerJoin(orgs, eq(orgs.id, accounts.orgId))
    .where(and(eq(accounts.id, viewer.accountId), eq(accounts.orgId, viewer.orgId)));
};

/** The lists' stamp alone: all a list held by this isolate needs to be served again. */
export const sessionListStampQueries = (db: Db) => prepareEach([listStampStatement(db)]);

export const sessionListQueries = (db: Db) => listStatements(db);
export const sessionJobListQueries = (db: Db) => listStatements(db, sql.placeholder('jobId'));

type ListRows = Awaited<ReturnType<typeof batchPrepared<ReturnType<typeof sessionListQueries>>>>;

/** A portal list's page (at most a page of rows, in list order) and the cursor of the page after it, or null. */
export function portalListPage<T extends { waits: number; sentAt: number | null; id: string }>(listed: T[]) {
  const rows = listed.slice(0, PORTAL_LIST_PAGE);
  const last = rows.at(-1);
  const next = listed.length > PORTAL_LIST_PAGE && last ? `${last.waits}_${last.sentAt ?? 0}_${last.id}` : null;
  return { rows, next };
}

/** What a portal list row reads of its document's snapshot (listStatements `summary`). */
export interface ListSummary {
  title: string;
  typeLabel: string;
  requireSignature: boolean;
  amountColumn: DocumentSnapshot['amountColumn'];
  currency: string;
  issueDate: string;
  totals: { total: number; deposit: number };
}

const LIST_SUMMARY_FIELDS = [
  'title',
  'typeLabel',
  'requireSignature',
  'amountColumn',
  'currency',
  'issueDate',
  'totals.total',
  'totals.deposit',
] as const;
const LIST_SUMMARY_PATHS = LIST_SUMMARY_FIELDS.map((f) => `'$.${f}'`).join(', ');

function listSummary(json: string | null): ListSummary {
  const [title, typeLabel, requireSignature, amountColumn, currency, issueDate, total, deposit] = JSON.parse(
    json ?? '[]',
  ) as [string, string, boolean, ListSummary['amountColumn'], string, string, number | null, number | null];
  const totals = { total: total ?? 0, deposit: deposit ?? 0 };
  return { title, typeLabel, requireSignature: !!requireSignature, amountColumn, currency, issueDate, totals };
}

type ListDecision = Pick<typeof signatures.$inferSelect, 'outcome' | 'signerName' | 'signedAt' | 'contactId'>;
type ListRecipient = Pick<typeof documentRecipients.$inferSelect, 'contactId' | 'role' | 'position'> & {
  name: string;
};

export function assemblePortalList([stamp, rows]: ListRows) {
  return { stamp: stamp[0]?.stamp ?? null, rows: listRows(rows) };
}

function listRows(rows: ListRows[1]) {
  return rows.map(({ decided, people, summary, ...r }) => {
    const signatures = (JSON.parse(decided ?? '[]') as ListDecision[]).map((d) => ({ ...d, documentId: r.id }));
    const recipients = (JSON.parse(people ?? '[]') as ListRecipient[]).map((p) => ({ ...p, documentId: r.id }));
    return { ...r, summary: listSummary(summary), decision: signatures[0] ?? null, signatures, recipients };
  });
}

/**
 * The stamp of the document's page (http/page-cache.ts), read through the visibility rule (no row, not
 * the viewer's): its document's, job's and org's `page_rev`, which triggers bump (migration 0017).
 */
const stampStatement = (db: Db, viewer: Viewer) =>
  db
    .select({ stamp: sql<string>`${documents.pageRev} || '.' || ${jobs.pageRev} || '.' || ${orgs.pageRev}` })
    .from(documents)
    .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, viewer.orgId)))
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(visibleTo(viewer), eq(documents.id, sql.placeholder('documentId'))));

/** The stamp alone, the viewer from the session: all a page held by this isolate needs to be served again. */
export const sessionStampQueries = (db: Db) => prepareEach([stampStatement(db, portalSessionViewer())]);

// One document as its recipient sees it: head, sent version, payments, thread, files, decisions,
// the bid. Rows of other tables are read only when the document itself is visible to the account.
// First the page's stamp (http/page-cache.ts), read in the same transaction as what it stamps.
function documentStatements(db: Db, viewer: Viewer & { contactId: Param | SQL }) {
  const documentId = sql.placeholder('documentId');
  const visible = visibleDocument(db, viewer, documentId);
  const commentCursor = { at: sql.placeholder('commentsAt'), id: sql.placeholder('commentsId') };
  return prepareEach([
    stampStatement(db, viewer),
    db
      .select(
        distinct({
          document: documents,
          job: { id: jobs.id, name: jobs.name, number: jobs.number },
          maxUploadMb: orgs.maxUploadMb,
          // Issue 20: an approval the contractor recorded as made offline (signing/offline-queries.ts).
          offline: offlineApprovalJson(viewer.orgId),
          // The last view logged of the sent version from this contact (portal/views.ts `repeatsView`).
          lastView: sql<string | null>`(SELECT json_object('at', lv.last_viewed_at, 'from', lv.last_viewed_from)
            FROM version_views lv WHERE lv.document_id = ${documents.id} AND lv.contact_id = ${viewer.contactId}
              AND lv.version = ${documents.sentVersion} AND lv.org_id = ${documents.orgId})`,
          // What online payment the company offers (payments/queries.ts `payable`).
          stripe: {
            accountId: orgs.stripeAccountId,
            status: orgs.stripeStatus,
            payOtherAmount: orgs.payOtherAmount,
            payMinimum: orgs.payMinimum,
          },
          version: {
            id: documentVersions.id,
            version: documentVersions.version,
            // NULL for the version whose snapshot the isolate holds (documents/sent-snapshots.ts).
            snapshot: sql<string | null>`CASE WHEN ${documentVersions.id} = ${sql.placeholder('heldVersion')}
              THEN NULL ELSE ${documentVersions.snapshot} END`,
            pdfKey: documentVersions.pdfKey,
            pdfSha256: documentVersions.pdfSha256,
            sentAt: documentVersions.sentAt,
            // Issue 20: the choice made on it (the first signer's), and its snapshot of exactly the chosen lines.
            selection: documentVersions.selection,
            selectedSnapshot: documentVersions.selectedSnapshot,
          },
        }),
      )
      .from(documents)
      .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, viewer.orgId)))
      .innerJoin(documentVersions, sentVersionJoin(viewer.orgId))
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .where(and(visibleTo(viewer), eq(documents.id, documentId))),
    db
      .select()
      .from(payments)
      .where(and(eq(payments.orgId, viewer.orgId), eq(payments.documentId, documentId), visible))
      .orderBy(asc(payments.paidOn)),
    // The newest page of comments, or the page before `?comments=` (conversation/comment-queries.ts).
    commentsStatement(db, viewer.orgId, documentId, commentCursor, visible),
    db
      .select()
      .from(files)
      .where(and(eq(files.orgId, viewer.orgId), eq(files.documentId, documentId), isNull(files.removedAt), visible))
      .orderBy(asc(files.createdAt)),
    db
      .select()
      .from(signatures)
      .where(and(eq(signatures.orgId, viewer.orgId), eq(signatures.documentId, documentId), visible))
      .orderBy(desc(signatures.signedAt)),
    db
      .select(distinct({ bid: bids, line: bidLines }))
      .from(bids)
      .leftJoin(bidLines, eq(bidLines.bidId, bids.id))
      .where(
        and(
          eq(bids.orgId, viewer.orgId),
          eq(bids.documentId, documentId),
          sql`${bids.versionId} = (SELECT v.id FROM document_versions v JOIN documents d ON d.id = v.document_id AND v.version = d.sent_version WHERE d.id = ${documentId})`,
          visible,
        ),
      ),
    // The newest earlier version this contact opened: what a revision is compared with (portal/changes.ts).
    db
      .select({
        version: documentVersions.version,
        pdfSha256: documentVersions.pdfSha256,
        snapshot: documentVersions.snapshot,
      })
      .from(documentVersions)
      .where(
        and(
          eq(documentVersions.orgId, viewer.orgId),
          eq(documentVersions.documentId, documentId),
          sql`${documentVersions.version} = (SELECT max(vv.version) FROM version_views vv JOIN documents d ON d.id = vv.document_id WHERE vv.document_id = ${documentId} AND vv.contact_id = ${viewer.contactId} AND vv.version < d.sent_version)`,
          visible,
        ),
      ),
    // Its online payments, newest first: what is processing, and where a payment just made stands.
    db
      .select()
      .from(onlinePayments)
      .where(and(eq(onlinePayments.orgId, viewer.orgId), eq(onlinePayments.documentId, documentId), visible))
      .orderBy(desc(onlinePayments.createdAt)),
    // Who it is sent to (issue 17): the other signers' names and turns, never their addresses.
    db
      .select({
        contactId: documentRecipients.contactId,
        role: documentRecipients.role,
        position: documentRecipients.position,
        name: contacts.name,
      })
      .from(documentRecipients)
      .innerJoin(contacts, eq(contacts.id, documentRecipients.contactId))
      .where(and(eq(documentRecipients.orgId, viewer.orgId), eq(documentRecipients.documentId, documentId), visible))
      .orderBy(sql`${documentRecipients.role} = 'copy'`, asc(documentRecipients.position)),
    // The files the contractor asks of the recipient (issue 20, part D): the checklist before the decision.
    slotsStatement(db, viewer.orgId, documentId, visible),
  ]);
}

const documentQueries = (db: Db) =>
  documentStatements(db, {
    orgId: sql.placeholder('orgId'),
    accountId: sql.placeholder('accountId'),
    contactId: sql.placeholder('contactId'),
  });
/** The same reads with the viewer taken from the session, for the batch that looks it up. */
export const sessionDocumentQueries = (db: Db) => documentStatements(db, portalSessionViewer());

type DocumentRows = Awaited<ReturnType<typeof batchPrepared<ReturnType<typeof documentQueries>>>>;

/**
 * The batch's rows as the page uses them, with the sent version's snapshot parsed (`sent`): the one `held`
 * when the batch was given its id, else the one read. Null when the document is not the viewer's.
 */
export function assemblePortalDocument(rows: DocumentRows, documentId: string, held: HeldSnapshot | undefined) {
  const found = assembleRows(rows.slice(1) as unknown as DataRows);
  if (!found) return null;
  // The column is NULL when held: the page has `sent`, and never the column.
  const { snapshot, ...version } = found.version;
  const sent = holdSent(documentId, version.id, snapshot, held);
  return sent && { ...found, version, sent: sent.snapshot, stamp: stampOf(rows)! };
}

/** The stamp the batch read: null when the document is not the viewer's (then nothing else was read). */
export const stampOf = (rows: DocumentRows) => rows[0][0]?.stamp ?? null;

type DataRows = DocumentRows extends readonly [unknown, ...infer R] ? R : never;

function assembleRows([head, paid, thread, shared, decisions, bidRows, seen, online, people, slots]: DataRows) {
  if (!head[0]) return null;
  const bid = bidRows[0]?.bid?.id
    ? { ...bidRows[0].bid, lines: bidRows.filter((r) => r.line?.id).map((r) => r.line!) }
    : null;
  const lastSeen = seen[0] ?? null;
  return {
    ...head[0],
    payments: paid,
    ...commentPaging(thread, false),
    files: shared,
    signatures: decisions,
    bid,
    lastSeen,
    online,
    recipients: people,
    fileRequests: slots,
  };
}

/** The placeholders of a page of comments: before `before`, or the newest. */
export const commentValues = (before?: { at: number; id: string }) => ({
  commentsAt: (before ?? NEWEST_COMMENTS).at,
  commentsId: (before ?? NEWEST_COMMENTS).id,
});

/** One document as its recipient sees it, in one batch; its comments the newest page, or those before `comments`. */
export async function portalDocument(
  db: Db,
  viewer: { orgId: string; accountId: string; contactId: string },
  documentId: string,
  comments?: { at: number; id: string },
) {
  const held = heldSnapshot(documentId);
  return assemblePortalDocument(
    await batchPrepared(db, prepared(db, documentQueries), {
      orgId: viewer.orgId,
      accountId: viewer.accountId,
      contactId: viewer.contactId,
      documentId,
      heldVersion: heldVersion(held),
      ...commentValues(comments),
    }),
    documentId,
    held,
  );
}

/** The contact a link names, with the access version the link must match. */
export async function linkContact(db: Db, contactId: string) {
  const [contact] = await db.select().from(contacts).where(eq(contacts.id, contactId));
  return contact;
}

type Contact = { id: string; orgId: string; accountId: string };

/** The document a link opens, when it is (still) visible to the link's contact. */
export async function linkDocument(db: Db, contact: Contact, documentId: string) {
  const [doc] = await db
    .select({ id: documents.id })
    .from(documents)
    .where(and(visibleTo(viewerOf(contact)), eq(documents.id, documentId)));
  return doc;
}

/**
 * The contacts among `contactIds` to whom the document is still visible (THE rule above, with each
 * contact's own org and account), with their current access version. A contact who is missing
 * may no longer see it; one whose version differs from a socket's was revoked since it opened.
 */
export async function recipientAccess(db: Db, documentId: string, contactIds: string[]) {
  if (!contactIds.length) return [];
  return db
    .select({ id: contacts.id, accessVersion: contacts.accessVersion })
    .from(contacts)
    .innerJoin(
      documents,
      and(
        eq(documents.id, documentId),
        visibleTo({
          orgId: sql`${contacts.orgId}`,
          accountId: sql`${contacts.accountId}`,
          contactId: sql`${contacts.id}`,
        }),
      ),
    )
    .where(inArray(contacts.id, contactIds));
}

/** The documents a contact's account can see, newest sent first: the rooms that may hold their live pages. */
export async function documentsVisibleTo(db: Db, contact: Contact, limit: number) {
  const rows = await db
    .select({ id: documents.id })
    .from(documents)
    .where(visibleTo(viewerOf(contact)))
    .orderBy(desc(documents.sentAt))
    .limit(limit);
  return rows.map((r) => r.id);
}

/**
 * Whether a recipient may be emailed a portal link to the document now (a comment digest, a
 * notice): the document is still theirs to see (sent to their account, not void) and their access
 * is what the contractor last sent or resent them. A revoke or a new email address since then
 * moved their access version on: no link goes until the contractor sends or resends to them. A
 * send recorded before sends named the access version counts as the first version; one recorded
 * before issue 17 (no `recipients` list) gave a link to its one contact.
 */
export async function linkStillGiven(
  db: Db,
  doc: { id: string; status: string; sentVersion: number | null; accountId: string | null },
  contact: { id: string; accountId: string; accessVersion: number },
) {
  if (doc.sentVersion === null || doc.status === 'void' || doc.accountId !== contact.accountId) return false;
  const [last] = await db
    .select({ data: activity.data })
    .from(activity)
    .where(and(eq(activity.documentId, doc.id), inArray(activity.action, ['sent', 'resent'])))
    .orderBy(desc(activity.seq))
    .limit(1);
  return !!last && givenBySend(last.data, doc, contact);
}

/**
 * linkStillGiven's rule, on the document's last 'sent' or 'resent' row (its `data`) already read: the
 * document is sent, not void, still the contact's company's, and that send named the contact at the
 * access version their link names.
 */
export function givenBySend(
  lastSendData: string | null,
  doc: { status: string; sentVersion: number | null; accountId: string | null },
  contact: { id: string; accountId: string; accessVersion: number },
) {
  if (doc.sentVersion === null || doc.status === 'void' || doc.accountId !== contact.accountId) return false;
  const given = JSON.parse(lastSendData ?? '{}') as {
    contactId?: string;
    accessVersion?: number;
    recipients?: { contactId: string; accessVersion: number }[];
  };
  // Issue 17: a send to several people names each of them, at the access version their link names.
  if (Array.isArray(given.recipients)) {
    return given.recipients.some((r) => r.contactId === contact.id && r.accessVersion === contact.accessVersion);
  }
  return (given.contactId ?? contact.id) === contact.id && (given.accessVersion ?? 1) === contact.accessVersion;
}

/** What a fresh link's email is built from: the document, its sent snapshot and the org that sends it. */
export async function freshLinkDocument(db: Db, contact: Contact, documentId: string) {
  const [row] = await db
    // Issue 20: once the customer chose, the email quotes the chosen total.
    .select({ document: documents, snapshot: moneySnapshot(), org: orgs })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .innerJoin(documentVersions, sentVersionJoin(contact.orgId))
    .where(and(visibleTo(viewerOf(contact)), eq(documents.id, documentId)));
  return row;
}

/** The org's logo as its R2 key and type, for the portal's header. */
export async function orgLogo(db: Db, orgId: string) {
  return db.query.orgs.findFirst({ columns: { logoKey: true, logoContentType: true }, where: eq(orgs.id, orgId) });
}

/** The sent version's PDF of a document the viewer sees: once the customer chose (issue 20), the chosen lines'. */
export async function portalPdf(db: Db, viewer: Viewer, documentId: string) {
  const pdfKey = sql<string | null>`coalesce(${documentVersions.selectedPdfKey}, ${documentVersions.pdfKey})`;
  const [row] = await db
    .select({ number: documents.number, version: documentVersions.version, pdfKey })
    .from(documents)
    .innerJoin(documentVersions, sentVersionJoin(viewer.orgId))
    .where(and(visibleTo(viewer), eq(documents.id, documentId)));
  return row;
}

export const PORTAL_SESSION_DAYS = 30;
const DAY = 86_400_000;

type SessionContact = { id: string; orgId: string; accessVersion: number; email: string };

/**
 * The same person's session takes the link's company (issue 17): when the browser's session `oldHash`
 * is live and its person is the link's (`email`, lower case), the session moves to `nextHash` (a new
 * cookie) with every company it held, this company's contact replacing any of the same org. A link
 * opened at the same moment with the same old cookie finds that move made (the next hash is derived
 * from the old cookie) and adds its company to it while it is under a minute old. One batch: 'moved'
 * when this request moved the live session (its response gives the browser the new cookie), 'joined'
 * when it only added its company to a move made already — that answer never hands out the cookie, so
 * whoever holds an old cookie (a planted one, a stolen one) never obtains the session it moved to —
 * and null when the session is not this person's.
 */
export async function joinPortalSession(
  db: Db,
  nextHash: string,
  oldHash: string,
  contact: SessionContact,
  now = Date.now(),
) {
  const email = contact.email.trim().toLowerCase();
  const expiresAt = now + PORTAL_SESSION_DAYS * DAY;
  const d1 = db.$client;
  // Each write after the first runs only when the first made (or refreshed) the next session in this batch.
  const moved = 'EXISTS (SELECT 1 FROM portal_sessions n WHERE n.id = ?1 AND n.expires_at = ?6 AND n.email = ?5)';
  const values = [nextHash, contact.orgId, contact.id, contact.accessVersion, email, expiresAt, now, oldHash];
  const statements = [
    // Whether the browser's own session was live and this person's when the batch began.
    'SELECT 1 AS one FROM portal_sessions WHERE id = ?8 AND expires_at > ?7 AND email = ?5',
    `INSERT INTO portal_sessions (id, org_id, contact_id, access_version, email, expires_at, created_at)
      SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
      WHERE ?5 <> '' AND (
        EXISTS (SELECT 1 FROM portal_sessions o WHERE o.id = ?8 AND o.expires_at > ?7 AND o.email = ?5)
        OR EXISTS (SELECT 1 FROM portal_sessions n WHERE n.id = ?1 AND n.expires_at > ?7 AND n.email = ?5
          AND n.created_at > ?7 - 60000))
      ON CONFLICT (id) DO UPDATE SET org_id = excluded.org_id, contact_id = excluded.contact_id,
        access_version = excluded.access_version, expires_at = excluded.expires_at`,
    `INSERT INTO portal_session_contacts (session_id, org_id, contact_id, access_version, created_at)
      SELECT ?1, org_id, contact_id, access_version, created_at FROM portal_session_contacts
      WHERE session_id = ?8 AND ${moved}
      ON CONFLICT (session_id, org_id) DO NOTHING`,
    `INSERT INTO portal_session_contacts (session_id, org_id, contact_id, access_version, created_at)
      SELECT ?1, ?2, ?3, ?4, ?7 WHERE ${moved}
      ON CONFLICT (session_id, org_id) DO UPDATE SET contact_id = excluded.contact_id,
        access_version = excluded.access_version`,
    `DELETE FROM portal_session_contacts WHERE session_id = ?8 AND ?8 <> ?1 AND ${moved}`,
    `DELETE FROM portal_sessions WHERE id = ?8 AND ?8 <> ?1 AND ${moved}`,
    `SELECT 1 AS one WHERE ${moved}`,
  ];
  // The statements share one list of values (SQLite's ?N names each by position); each binds up to its highest N.
  const bound = (q: string) => values.slice(0, Math.max(...[...q.matchAll(/\?(\d)/g)].map((m) => Number(m[1]))));
  const results = await d1.batch(statements.map((q) => d1.prepare(q).bind(...bound(q))));
  if (!(results.at(-1)?.results ?? []).length) return null;
  return (results[0]?.results ?? []).length > 0 ? 'moved' : 'joined';
}

/** A new portal session for one person, holding the link's company, replacing the one the browser had (if any). */
export async function insertPortalSession(
  db: Db,
  hash: string,
  oldHash: string,
  contact: SessionContact,
  now = Date.now(),
) {
  await db.batch([
    db.insert(portalSessions).values({
      id: hash,
      orgId: contact.orgId,
      contactId: contact.id,
      accessVersion: contact.accessVersion,
      email: contact.email.trim().toLowerCase(),
      expiresAt: now + PORTAL_SESSION_DAYS * DAY,
      createdAt: now,
    }),
    db.insert(portalSessionContacts).values({
      sessionId: hash,
      orgId: contact.orgId,
      contactId: contact.id,
      accessVersion: contact.accessVersion,
      createdAt: now,
    }),
    db.delete(portalSessionContacts).where(eq(portalSessionContacts.sessionId, oldHash)),
    db.delete(portalSessions).where(eq(portalSessions.id, oldHash)),
  ]);
}

/** Slides a portal session's expiry. */
export async function extendPortalSession(db: Db, hash: string, now = Date.now()) {
  await db
    .update(portalSessions)
    .set({ expiresAt: now + PORTAL_SESSION_DAYS * DAY })
    .where(eq(portalSessions.id, hash));
}

// Who an ended link or session belonged to, for the ended page.

const brandColumns = {
  orgId: orgs.id,
  name: orgs.name,
  brandColor: orgs.brandColor,
  logoKey: orgs.logoKey,
  phone: orgs.phone,
  email: orgs.email,
};

/**
 * A portal session by its hash whatever became of it (expired, or its contact's access moved on),
 * with the contact and org of the company the address is in (the document's, the job's, `?company=`)
 * when the session holds it, else of the last link's: what the ended page may say.
 * Rows are only deleted when the same browser opens a new link (and so holds a new cookie).
 */
export async function endedSession(db: Db, hash: string, address: Partial<PortalAddress> = {}) {
  // The address's company when the session holds it, else the last link's (an ended session's page is its own).
  const org = sql`COALESCE(
    (SELECT h.org_id FROM portal_session_contacts h WHERE h.session_id = ${portalSessions.id} AND h.org_id IN (
      (SELECT ad.org_id FROM documents ad WHERE ad.id = ${address.addrDocument ?? ''}),
      (SELECT aj.org_id FROM jobs aj WHERE aj.id = ${address.addrJob ?? ''}),
      ${address.addrCompany ?? ''})),
    ${portalSessions.orgId})`;
  const [row] = await db
    .select({
      expiresAt: portalSessions.expiresAt,
      sessionAccess: portalSessionContacts.accessVersion,
      contact: contacts,
      brand: brandColumns,
    })
    .from(portalSessions)
    .innerJoin(
      portalSessionContacts,
      and(eq(portalSessionContacts.sessionId, portalSessions.id), eq(portalSessionContacts.orgId, org)),
    )
    .innerJoin(
      contacts,
      and(eq(contacts.id, portalSessionContacts.contactId), eq(contacts.orgId, portalSessionContacts.orgId)),
    )
    .innerJoin(orgs, eq(orgs.id, portalSessionContacts.orgId))
    .where(eq(portalSessions.id, hash));
  return row;
}

/** A link's contact with their org's brand, for the page an unusable (but genuine) link shows. */
export async function contactBrand(db: Db, contactId: string) {
  const [row] = await db
    .select({ contact: contacts, brand: brandColumns })
    .from(contacts)
    .innerJoin(orgs, eq(orgs.id, contacts.orgId))
    .where(eq(contacts.id, contactId));
  return row;
}

/**
 * "Email me a sign-in link" (issue 17): every contact with this address (any case) and the documents
 * each may see now (THE rule, with the contact's own org and account), newest first, with what the
 * link and its email need. The caller keeps, per company, the newest whose link is still given.
 */
export async function signInCandidates(db: Db, email: string, limit = 60) {
  return db
    .select({
      contact: {
        id: contacts.id,
        orgId: contacts.orgId,
        accountId: contacts.accountId,
        name: contacts.name,
        email: contacts.email,
        accessVersion: contacts.accessVersion,
      },
      org: { id: orgs.id, name: orgs.name, brandColor: orgs.brandColor, portalLinkDays: orgs.portalLinkDays },
      document: {
        id: documents.id,
        status: documents.status,
        sentVersion: documents.sentVersion,
        accountId: documents.accountId,
      },
    })
    .from(contacts)
    .innerJoin(orgs, eq(orgs.id, contacts.orgId))
    .innerJoin(
      documents,
      visibleTo({
        orgId: sql`${contacts.orgId}`,
        accountId: sql`${contacts.accountId}`,
        contactId: sql`${contacts.id}`,
      }),
    )
    .where(eq(sql`lower(${contacts.email})`, email))
    .orderBy(desc(documents.sentAt))
    .limit(limit);
}

/**
 * What the person's companies page lists (issue 17): each company the session holds with the
 * documents its contact may see now (type, status, deadline: what waits on them is counted from
 * these), read in the session's batch.
 */
export const sessionCompanyDocumentsQuery = (db: Db) =>
  db
    .select(
      distinct({
        orgId: portalSessionContacts.orgId,
        id: documents.id,
        type: documents.type,
        subtype: documents.subtype,
        status: documents.status,
        requireSignature: documents.requireSignature,
        deadline: documents.deadline,
        timeZone: orgs.timeZone,
      }),
    )
    .from(portalSessionContacts)
    .innerJoin(portalSessions, eq(portalSessions.id, portalSessionContacts.sessionId))
    .innerJoin(
      contacts,
      and(
        eq(contacts.id, portalSessionContacts.contactId),
        eq(contacts.orgId, portalSessionContacts.orgId),
        eq(contacts.accessVersion, portalSessionContacts.accessVersion),
      ),
    )
    .innerJoin(
      documents,
      visibleTo({
        orgId: sql`${contacts.orgId}`,
        accountId: sql`${contacts.accountId}`,
        contactId: sql`${contacts.id}`,
      }),
    )
    .innerJoin(orgs, eq(orgs.id, contacts.orgId))
    .where(
      and(eq(portalSessions.id, sql.placeholder('sessionHash')), gt(portalSessions.expiresAt, sql.placeholder('now'))),
    )
    .prepare();
