import { and, asc, desc, eq, getTableColumns, gte, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { BidColumn } from '../../views/dashboard/compare-bids';
import { bidTotal } from '../budget/totals';
import { findJob } from '../budget/queries';
import { allPrepared, batchPrepared, distinct, prepared, prepareEach, type Db, type Param } from '../db/client';
import {
  accounts,
  activity,
  bidLines,
  bids,
  contacts,
  costItems,
  documentLines,
  documentRecipients,
  documents,
  documentVersions,
  jobs,
  orgs,
  signatures,
  users,
} from '../db/schema';
import { choiceShape, defaultChosen, includedLines, parseSelection } from '../documents/choices';
import { kindOf } from '../documents/kinds';
import type { Env } from '../env';
import { canTransition, STATUS_LABELS } from '../documents/status';
import { sentVersionJoin } from '../documents/queries';
import { slotsStatement } from '../documents/file-requests';
import { recipientsStatement } from '../documents/recipients';
import { visibleTo } from '../portal/queries';

/**
 * What a decision needs to know, in one batch: the document, its sent version, the contact, prior
 * decisions and who the document is sent to (issue 17: signers in order, then copies).
 */
export async function decisionState(db: Db, orgId: string, documentId: string, contactId: string) {
  const [head, contact, prior, bid, people, slots] = await batchPrepared(db, prepared(db, decisionStateQueries), {
    orgId,
    documentId,
    contactId,
  });
  if (!head[0] || !contact[0]) return null;
  return { ...head[0], contact: contact[0], signatures: prior, bids: bid, recipients: people, fileRequests: slots };
}

// Prepared once per isolate (db/client.ts `prepared`): every sign, decline and bid reads it, and building
// its SQL (three tables' columns in the first statement) was over a third of the drizzle time of
// `npm run bench`'s sign run.
const decisionStateQueries = (db: Db) => {
  const orgId = sql.placeholder('orgId');
  const documentId = sql.placeholder('documentId');
  return prepareEach([
    db
      .select(
        distinct({
          document: documents,
          version: documentVersions,
          org: orgs,
          creator: { name: users.name, email: users.email },
        }),
      )
      .from(documents)
      .innerJoin(documentVersions, sentVersionJoin(orgId))
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .leftJoin(users, eq(users.id, documents.createdBy))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    db
      .select()
      .from(contacts)
      .where(and(eq(contacts.orgId, orgId), eq(contacts.id, sql.placeholder('contactId')))),
    db
      .select()
      .from(signatures)
      .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId)))
      .orderBy(desc(signatures.signedAt)),
    db
      .select()
      .from(bids)
      .where(and(eq(bids.orgId, orgId), eq(bids.documentId, documentId)))
      .orderBy(desc(bids.submittedAt)),
    recipientsStatement(db, orgId, documentId),
    // Issue 20: the requested files, whose missing ones hold a decision back (documents/file-requests.ts).
    slotsStatement(db, orgId, documentId),
  ] as const);
};
export type DecisionState = NonNullable<Awaited<ReturnType<typeof decisionState>>>;

export async function itemLinesOf(db: Db, orgId: string, versionId: string) {
  return db
    .select()
    .from(documentLines)
    .where(and(eq(documentLines.orgId, orgId), eq(documentLines.versionId, versionId)))
    .orderBy(asc(documentLines.position));
}

/**
 * Issue 20: the item lines an approval of the version puts in the budget, in order: of a document with
 * choices, only those the choice includes — `chosen` when the caller holds it (a choice this batch makes),
 * else the version's stored selection, else the contractor's preselection. One round trip.
 */
export async function chosenItemLines(db: Db, orgId: string, versionId: string, chosen?: readonly string[] | null) {
  const [lines, version] = await db.batch([
    db
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.orgId, orgId), eq(documentLines.versionId, versionId)))
      .orderBy(asc(documentLines.position)),
    db
      .select({ selection: documentVersions.selection })
      .from(documentVersions)
      .where(and(eq(documentVersions.orgId, orgId), eq(documentVersions.id, versionId))),
  ]);
  const picked = chosen ?? parseSelection(version[0]?.selection)?.chosen ?? defaultChosen(lines);
  const included = choiceShape(lines).any ? includedLines(lines, picked) : lines;
  return included.filter((l) => l.kind === 'item');
}

/**
 * Versions ready to seal whose sealed PDF is not made yet, one signature of each: the scheduled retry
 * finishes them. Ready (issue 17) is decided here in SQL, so a version still waiting for a signer or
 * the countersignature costs the cron nothing: its document is approved or accepted (every signer
 * signed) and, when it asks for one, the version has its countersignature.
 */
export async function unsealedSignatures(db: Db, limit = 20) {
  const countersigned = sql`EXISTS (SELECT 1 FROM signatures cs WHERE cs.version_id = ${signatures.versionId}
    AND cs.outcome = 'countersigned')`;
  return db
    .select({ id: sql<string>`min(${signatures.id})`, documentId: signatures.documentId })
    .from(signatures)
    .innerJoin(documents, and(eq(documents.id, signatures.documentId), eq(documents.orgId, signatures.orgId)))
    .where(
      and(
        isNull(signatures.sealedAt),
        sql`${signatures.outcome} <> 'declined'`,
        sql`${documents.status} IN ('approved', 'accepted')`,
        eq(documents.sentVersion, signatures.version),
        sql`(${documents.countersign} = 0 OR ${countersigned})`,
        // Issue 20: a version approved outside the portal is never sealed (one signer's signature stays as it is).
        sql`NOT EXISTS (SELECT 1 FROM offline_approvals o WHERE o.version_id = ${signatures.versionId})`,
      ),
    )
    .groupBy(signatures.versionId, signatures.documentId)
    .limit(limit);
}

/** The version's part of the timeline, for the certificate page: the document's activity since `since`, in order. */
export const versionTimelineStatement = (
  db: Db,
  orgId: Param | SQL,
  documentId: Param | SQL,
  since: Param<number> | SQL,
) =>
  db
    .select({ ...getTableColumns(activity), userEmail: users.email })
    .from(activity)
    .leftJoin(users, eq(users.id, activity.userId))
    // `+`: the document's rows in order (activity_doc_seq), not the company's since a date (activity_org_time).
    .where(and(eq(activity.orgId, orgId), eq(activity.documentId, documentId), gte(sql`+${activity.createdAt}`, since)))
    .orderBy(asc(activity.seq));

export type Timeline = Awaited<ReturnType<typeof versionTimelineStatement>>;

// Prepared once per isolate (db/client.ts `prepared`): every decision (sign, decline, bid, pay) reads it first.
const recipientDocumentQuery = (db: Db) =>
  db
    .select({
      id: documents.id,
      jobId: documents.jobId,
      type: documents.type,
      requireSignature: documents.requireSignature,
      sentVersion: documents.sentVersion,
    })
    .from(documents)
    .where(
      and(
        visibleTo({
          orgId: sql.placeholder('orgId'),
          accountId: sql.placeholder('accountId'),
          contactId: sql.placeholder('contactId'),
        }),
        eq(documents.id, sql.placeholder('documentId')),
      ),
    )
    .prepare();

/** A sent document the portal viewer may decide on: what the decision routes need to find its room. */
export async function recipientDocument(
  db: Db,
  viewer: { orgId: string; accountId: string; contactId: string },
  documentId: string,
) {
  const [doc] = await allPrepared(db, prepared(db, recipientDocumentQuery), {
    orgId: viewer.orgId,
    accountId: viewer.accountId,
    contactId: viewer.contactId,
    documentId,
  });
  return doc;
}

/** The item lines of the version the recipient was sent: what a bid prices. */
export async function sentItemLines(db: Db, orgId: string, documentId: string) {
  return db
    .select({ id: documentLines.id, name: documentLines.name })
    .from(documentLines)
    .innerJoin(documentVersions, eq(documentVersions.id, documentLines.versionId))
    .innerJoin(
      documents,
      and(eq(documents.id, documentVersions.documentId), eq(documents.sentVersion, documentVersions.version)),
    )
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId), eq(documentLines.kind, 'item')))
    .orderBy(asc(documentLines.position));
}

/** A document of the org, as much of it as a contractor's decision needs to reach its room. */
export async function documentHead(db: Db, orgId: string, documentId: string) {
  const [doc] = await db
    .select({ id: documents.id, jobId: documents.jobId, type: documents.type, status: documents.status })
    .from(documents)
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  return doc;
}

/** The newest sealed PDF of a document of the org, from R2, with the name it downloads as; null if none is sealed. */
export async function sealedPdf(env: Pick<Env, 'FILES'>, db: Db, orgId: string, documentId: string) {
  const [row] = await db
    .select({ key: signatures.sealedPdfKey, version: signatures.version, number: documents.number })
    .from(signatures)
    .innerJoin(documents, eq(documents.id, signatures.documentId))
    .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId), isNotNull(signatures.sealedPdfKey)))
    .orderBy(desc(signatures.sealedAt))
    .limit(1);
  const obj = row?.key ? await env.FILES.get(row.key) : null;
  if (!row || !obj) return null;
  const fileName = `${row.number}${row.version > 1 ? `-rev${row.version}` : ''}-signed.pdf`.replace(
    /[^A-Za-z0-9._-]/g,
    '_',
  );
  return { body: obj.body, fileName };
}

// ---- /verify (issue 18): what the public verify page may say. Never scoped to an org: a file or a
// hash is its own proof of access. Only the document's label, the company and who signed and when.

/** The signatures sealed into one file, found by the sealed file's SHA-256 or by one of its record ids. */
function sealedRows(db: Db, where: { sha256: string } | { record: string }) {
  const file = sql`${signatures.sealedPdfSha256}`;
  const match =
    'sha256' in where
      ? eq(signatures.sealedPdfSha256, where.sha256)
      : sql`${file} = (SELECT s.sealed_pdf_sha256 FROM signatures s WHERE s.id = ${where.record})`;
  return db
    .select(
      distinct({
        id: signatures.id,
        number: documents.number,
        type: documents.type,
        subtype: documents.subtype,
        version: signatures.version,
        company: orgs.name,
        name: signatures.signerName,
        outcome: signatures.outcome,
        signedAt: signatures.signedAt,
        sealedAt: signatures.sealedAt,
        sha256: signatures.sealedPdfSha256,
      }),
    )
    .from(signatures)
    .innerJoin(documents, and(eq(documents.id, signatures.documentId), eq(documents.orgId, signatures.orgId)))
    .innerJoin(orgs, eq(orgs.id, signatures.orgId))
    .where(and(match, isNotNull(signatures.sealedPdfSha256), sql`${signatures.outcome} <> 'declined'`))
    .orderBy(asc(signatures.signedAt));
}

/**
 * The document whose unsigned PDF (the hash the certificate page prints) has this SHA-256, once sealed:
 * its label and company only. Anyone holding the unsigned file (a removed recipient, a forward) has
 * that hash, so it says no more than the unsigned file does: not who signed, nor when.
 */
function unsignedRows(db: Db, sha256: string) {
  return db
    .select(
      distinct({
        number: documents.number,
        type: documents.type,
        subtype: documents.subtype,
        version: signatures.version,
        company: orgs.name,
      }),
    )
    .from(signatures)
    .innerJoin(documents, and(eq(documents.id, signatures.documentId), eq(documents.orgId, signatures.orgId)))
    .innerJoin(orgs, eq(orgs.id, signatures.orgId))
    .where(
      and(
        eq(signatures.unsignedPdfSha256, sha256),
        isNotNull(signatures.sealedPdfSha256),
        sql`${signatures.outcome} <> 'declined'`,
      ),
    )
    .limit(1);
}

/** What /verify says of an unsigned PDF's hash: the document's label and company, nothing of its signing. */
export interface UnsignedDocument {
  number: string;
  typeLabel: string;
  version: number;
  company: string;
}

function asUnsigned(rows: Awaited<ReturnType<typeof unsignedRows>>): UnsignedDocument | null {
  const [first] = rows;
  if (!first) return null;
  const typeLabel = kindOf(first.type, first.subtype)?.label ?? '';
  return { number: first.number, typeLabel, version: first.version, company: first.company };
}

type SealedRow = Awaited<ReturnType<typeof sealedRows>>[number];

/** A sealed file as /verify states it: the document, the company, who signed (and countersigned) and when. */
export interface SealedRecord {
  /** The first signature's id: the record /verify/:record shows. */
  record: string;
  number: string;
  typeLabel: string;
  version: number;
  company: string;
  sealedAt: number;
  sha256: string;
  signers: { name: string; signedAt: number; countersigned: boolean }[];
}

function asRecord(rows: SealedRow[]): SealedRecord | null {
  const [first] = rows;
  if (!first) return null;
  return {
    record: first.id,
    number: first.number,
    typeLabel: kindOf(first.type, first.subtype)?.label ?? '',
    version: first.version,
    company: first.company,
    sealedAt: Math.max(...rows.map((r) => r.sealedAt ?? 0)),
    sha256: first.sha256 ?? '',
    signers: rows.map((r) => ({ name: r.name, signedAt: r.signedAt, countersigned: r.outcome === 'countersigned' })),
  };
}

/** What the public verify page may say about a sealed file: the document, the company and who signed. Nothing else. */
export async function sealedBy(db: Db, sha256: string) {
  return asRecord(await sealedRows(db, { sha256 }));
}

/** The sealed file of a record id (any signature sealed into it), or null: unknown, declined or not sealed yet. */
export async function sealedRecord(db: Db, record: string) {
  return asRecord(await sealedRows(db, { record }));
}

/**
 * Everything /verify looks up for one check, in one batch: the file's SHA-256 as a sealed file and as
 * an unsigned PDF, the SHA-256 of the part a seal covers (a file with bytes appended after its seal),
 * and whether a certificate we no longer configure sealed anything here (a rotated key). The
 * certificate query runs only when asked (`certificateSha256` set): its column has no index.
 */
export async function verifyLookup(db: Db, q: { sha256: string; coveredSha256?: string; certificateSha256?: string }) {
  const askCertificate = q.certificateSha256 ? 1 : 0;
  const [sealed, unsigned, covered, certificate] = await db.batch([
    sealedRows(db, { sha256: q.sha256 }),
    unsignedRows(db, q.sha256),
    sealedRows(db, { sha256: q.coveredSha256 ?? q.sha256 }),
    db
      .select({ id: signatures.id })
      .from(signatures)
      .where(and(sql`${askCertificate} = 1`, eq(signatures.sealCertificateSha256, q.certificateSha256 ?? '')))
      .limit(1),
  ]);
  return {
    sealed: asRecord(sealed),
    unsigned: asUnsigned(unsigned),
    covered: q.coveredSha256 ? asRecord(covered) : null,
    storedCertificate: certificate.length > 0,
  };
}

/**
 * The job's bids side by side: per bid request with a bid, its newest bid's unit cost per budget
 * item and its total (bidTotal, the same cents the email and the document page state).
 */
export async function bidComparison(db: Db, orgId: string, jobId: string) {
  const job = await findJob(db, orgId, jobId);
  if (!job) return null;
  const [requests, items, lines, offers] = await db.batch([
    db
      .select(distinct({ id: documents.id, number: documents.number, status: documents.status, vendor: accounts.name }))
      .from(documents)
      .leftJoin(accounts, eq(accounts.id, documents.accountId))
      .where(and(eq(documents.orgId, orgId), eq(documents.jobId, job.id), eq(documents.type, 'bid_request')))
      .orderBy(asc(documents.number)),
    db
      .select()
      .from(costItems)
      .where(and(eq(costItems.orgId, orgId), eq(costItems.jobId, job.id)))
      .orderBy(asc(costItems.position)),
    db
      .select(
        distinct({ id: documentLines.id, costItemId: documentLines.costItemId, quantity: documentLines.quantity }),
      )
      .from(documentLines)
      .innerJoin(documents, eq(documents.id, documentLines.documentId))
      .where(and(eq(documents.orgId, orgId), eq(documents.jobId, job.id), eq(documents.type, 'bid_request'))),
    db
      .select(distinct({ bid: bids, line: bidLines }))
      .from(bids)
      .innerJoin(bidLines, eq(bidLines.bidId, bids.id))
      .innerJoin(documents, eq(documents.id, bids.documentId))
      .where(and(eq(bids.orgId, orgId), eq(documents.jobId, job.id)))
      .orderBy(desc(bids.submittedAt)),
  ]);
  const lineOf = new Map(lines.map((l) => [l.id, l]));
  const columns: BidColumn[] = [];
  for (const r of requests) {
    const newest = offers.find((o) => o.bid.documentId === r.id)?.bid.id;
    if (!newest) continue;
    const mine = offers
      .filter((o) => o.bid.id === newest)
      .map((o) => ({ ...o.line, requested: lineOf.get(o.line.lineId) }));
    const costs = new Map<string, number | null>();
    for (const l of mine) if (l.requested?.costItemId) costs.set(l.requested.costItemId, l.unitCost);
    const total = bidTotal(mine.map((l) => ({ quantity: l.requested?.quantity ?? 0, unitCost: l.unitCost })));
    const status = STATUS_LABELS[r.status] ?? r.status;
    columns.push({
      documentId: r.id,
      number: r.number,
      vendor: r.vendor ?? '—',
      status,
      total,
      canAccept: canTransition('bid_request', r.status, 'accept_bid'),
      costs,
    });
  }
  const compared = items
    .filter((i) => columns.some((col) => col.costs.has(i.id)))
    .map((i) => ({ id: i.id, name: i.name, quantity: i.quantity, unit: i.unit, budgetCost: i.unitCost }));
  return { job, items: compared, columns };
}

/**
 * What accepting a bid request's newest bid will do, for the question asked first: the vendor, the
 * job, the bid's total (bidTotal), how many budget items get its unit costs, and how many rival bids
 * (other requests of the job that priced any of those items) will be marked not selected. One batch.
 */
export async function bidAcceptance(db: Db, orgId: string, documentId: string) {
  const newest = sql`(SELECT b.id FROM bids b WHERE b.org_id = ${orgId} AND b.document_id = ${documentId}
    AND b.status = 'submitted' ORDER BY b.submitted_at DESC LIMIT 1)`;
  const [head, lines, rivals] = await db.batch([
    db
      .select(
        distinct({
          id: documents.id,
          number: documents.number,
          status: documents.status,
          jobId: documents.jobId,
          jobName: jobs.name,
          vendor: accounts.name,
          // the bid as shown (signing/actions.ts bidSeen): its id and when it was last submitted
          bidSeen: sql<string | null>`(SELECT b.id || '.' || b.submitted_at FROM bids b WHERE b.id = ${newest})`,
        }),
      )
      .from(documents)
      .innerJoin(jobs, and(eq(jobs.id, documents.jobId), eq(jobs.orgId, orgId)))
      .leftJoin(accounts, and(eq(accounts.id, documents.accountId), eq(accounts.orgId, orgId)))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId), eq(documents.type, 'bid_request'))),
    db
      .select({
        unitCost: bidLines.unitCost,
        quantity: documentLines.quantity,
        costItemId: documentLines.costItemId,
      })
      .from(bidLines)
      .innerJoin(documentLines, and(eq(documentLines.id, bidLines.lineId), eq(documentLines.orgId, orgId)))
      .where(and(eq(bidLines.orgId, orgId), sql`${bidLines.bidId} = ${newest}`)),
    db
      .select({ count: sql<number>`count(DISTINCT d.id)` })
      .from(sql`documents d JOIN bids b ON b.org_id = d.org_id AND b.document_id = d.id AND b.status = 'submitted'`)
      .where(
        sql`d.org_id = ${orgId} AND d.type = 'bid_request' AND d.id <> ${documentId}
          AND d.job_id = (SELECT job_id FROM documents WHERE id = ${documentId} AND org_id = ${orgId})
          AND EXISTS (SELECT 1 FROM bid_lines bl JOIN document_lines dl ON dl.id = bl.line_id WHERE bl.bid_id = b.id
            AND dl.cost_item_id IN (SELECT dl2.cost_item_id FROM bid_lines bl2 JOIN document_lines dl2
              ON dl2.id = bl2.line_id WHERE bl2.bid_id = ${newest}))`,
      ),
  ]);
  if (!head[0]) return null;
  const priced = lines.filter((l) => l.unitCost !== null && l.costItemId);
  return {
    ...head[0],
    hasBid: lines.length > 0,
    total: bidTotal(lines.map((l) => ({ quantity: l.quantity, unitCost: l.unitCost }))),
    items: new Set(priced.map((l) => l.costItemId)).size,
    rivals: priced.length ? (rivals[0]?.count ?? 0) : 0,
  };
}

/** A drawn signature's image on a document of the org, from R2; null if none (a typed signature has none). */
export async function signatureImage(
  env: Pick<Env, 'FILES'>,
  db: Db,
  orgId: string,
  documentId: string,
  signatureId: string,
) {
  const [row] = await db
    .select({ key: signatures.imageKey })
    .from(signatures)
    .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId), eq(signatures.id, signatureId)));
  const obj = row?.key ? await env.FILES.get(row.key) : null;
  return obj ? obj.body : null;
}

/**
 * Whether a signature of the document points at the drawn image `imageKey` (one committed though its answer
 * was lost); false when that cannot be read either.
 */
export async function signedWithImage(db: Db, orgId: string, documentId: string, imageKey: string) {
  const rows = await db
    .select({ id: signatures.id })
    .from(signatures)
    .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId), eq(signatures.imageKey, imageKey)))
    .limit(1)
    .catch(() => []);
  return rows.length > 0;
}

/**
 * A recipient of one of the org's documents, for the "Remove …?" question: their name and role,
 * the document's number and whether they signed its sent version. Undefined when not a recipient.
 */
export async function recipientToRemove(db: Db, orgId: string, documentId: string, contactId: string) {
  const [row] = await db
    .select({
      documentId: documents.id,
      contactId: contacts.id,
      number: documents.number,
      name: contacts.name,
      role: documentRecipients.role,
      signed: sql<number>`EXISTS (SELECT 1 FROM signatures s JOIN document_versions v ON v.id = s.version_id
        WHERE s.document_id = ${documents.id} AND v.version = ${documents.sentVersion}
        AND s.contact_id = ${contacts.id} AND s.outcome <> 'declined')`,
    })
    .from(documentRecipients)
    .innerJoin(documents, and(eq(documents.id, documentRecipients.documentId), eq(documents.orgId, orgId)))
    .innerJoin(contacts, and(eq(contacts.id, documentRecipients.contactId), eq(contacts.orgId, orgId)))
    .where(
      and(
        eq(documentRecipients.orgId, orgId),
        eq(documentRecipients.documentId, documentId),
        eq(documentRecipients.contactId, contactId),
      ),
    );
  return row;
}

/** Issue 20: the sent version's snapshot and the choice made on it, if any: what a choosing signature renders from. */
export async function sentChoice(db: Db, orgId: string, documentId: string) {
  const [row] = await db
    .select({
      id: documentVersions.id,
      version: documentVersions.version,
      snapshot: documentVersions.snapshot,
      pdfSha256: documentVersions.pdfSha256,
      selection: documentVersions.selection,
      selectedPdfKey: documentVersions.selectedPdfKey,
    })
    .from(documents)
    .innerJoin(documentVersions, sentVersionJoin(orgId))
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  return row;
}
