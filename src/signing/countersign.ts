import { and, desc, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { calendarDate } from '../../views/format';
import { activityInsert } from '../conversation/activity';
import { distinct, type Db } from '../db/client';
import { createId } from '../db/ids';
import { documents, documentVersions, offlineApprovals, signatures } from '../db/schema';
import type { ContractorActor } from '../documents/actions';
import { todayIn } from '../documents/drafts';
import { allSigned, recipientsStatement, type Recipient } from '../documents/recipients';
import { sentVersionJoin } from '../documents/queries';
import type { Env } from '../env';
import { Conflict, DomainError, NotFound, Refused } from '../errors';
import { sha256Hex } from '../http/crypto';
import { deliverDueMail } from '../mail/outbox';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import type { Defer } from './actions';
import { finalizeSignature } from './finalize';
import { documentHead } from './queries';

// Issue 17: the contractor's countersignature. After every signer signed a document that asks for
// it (`documents.countersign`), a user of the company signs in the dashboard; only then is the PDF
// sealed (once, listing every signer and the countersigner).

export const NOT_COUNTERSIGNED = 'This document does not ask for your countersignature.';
export const NOT_YET = 'Every signer has to sign before you countersign.';
export const STALE_COUNTERSIGN = 'This document changed since you opened it. Look at it again before countersigning.';
export const OFFLINE_NOT_COUNTERSIGNED =
  'This document was marked approved offline, so there is nothing to countersign or seal.';
export const NAME_NEEDED = 'Type your full name to countersign.';
export const CONSENT_NEEDED = 'Tick the box to agree that your electronic signature is binding.';

/**
 * Issue 18: the sentence the countersigner agrees to (views/dashboard/countersign-panel.ts prints it word
 * for word; a test holds them together) and its version: the countersignature row records both, as a
 * recipient's records the disclosure they accepted. Bump the version whenever the sentence changes.
 */
export const COUNTERSIGN_CONSENT = 'I agree that my electronic signature is binding, as a handwritten one would be.';
export const COUNTERSIGN_CONSENT_VERSION = 'countersign-2026-11-30';

export interface CountersignCommit extends RoomContext {
  actor: ContractorActor;
  versionHash: string;
  signerName: string;
  signerEmail: string;
  method: 'drawn' | 'typed';
  imageKey: string | null;
  consent: boolean;
}

type Statement = BatchItem<'sqlite'>;

/** The document, its sent version, its recipients and the version's signatures, read inside the room. */
async function countersignState(db: Db, orgId: string, documentId: string) {
  const [head, recipients, rows, recorded] = await db.batch([
    db
      .select(distinct({ document: documents, version: documentVersions }))
      .from(documents)
      .innerJoin(documentVersions, sentVersionJoin(orgId))
      .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId))),
    recipientsStatement(db, orgId, documentId),
    db
      .select()
      .from(signatures)
      .where(and(eq(signatures.orgId, orgId), eq(signatures.documentId, documentId)))
      .orderBy(desc(signatures.signedAt)),
    // Issue 20: an approval recorded offline decided the document; it is never sealed with a certificate.
    db
      .select({ versionId: offlineApprovals.versionId })
      .from(offlineApprovals)
      .where(and(eq(offlineApprovals.orgId, orgId), eq(offlineApprovals.documentId, documentId))),
  ]);
  if (!head[0]) return null;
  const { document, version } = head[0];
  const offline = recorded.some((o) => o.versionId === version.id);
  return { document, version, recipients: recipients as Recipient[], signatures: rows, offline };
}

/** "Already countersigned by Sam Carter on Dec 2, 2026." */
export const alreadyCountersigned = (name: string, at: number, timeZone: string) =>
  `Already countersigned by ${name} on ${calendarDate(todayIn(timeZone, at))}.`;

/**
 * The room's plan: the document asks for a countersignature, every signer signed its sent version
 * (the one the contractor was shown: its PDF's hash), nobody countersigned it yet, and the
 * countersigner typed their name and agreed. Writes the signature row (no contact; the user) and the
 * timeline line; sealing follows in the verb.
 */
export async function countersignWrite(
  db: Db,
  _env: Env,
  input: CountersignCommit,
  now = Date.now(),
): Promise<RoomWrite<{ signatureId: string; imageKey: string | null }>> {
  const state = await countersignState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const { document: doc, version } = state;
  if (!doc.countersign) throw new Conflict(NOT_COUNTERSIGNED);
  if (state.offline) throw new Conflict(OFFLINE_NOT_COUNTERSIGNED);
  const done = state.signatures.find((s) => s.versionId === version.id && s.outcome === 'countersigned');
  if (done) throw new Conflict(alreadyCountersigned(done.signerName, done.signedAt, input.timeZone));
  if (!/^[0-9a-f]{64}$/.test(input.versionHash) || input.versionHash !== version.pdfSha256)
    throw new Conflict(STALE_COUNTERSIGN);
  const signedByAll =
    (doc.status === 'approved' || doc.status === 'accepted') &&
    allSigned(state.recipients, state.signatures, version.version);
  if (!signedByAll) throw new Conflict(NOT_YET);
  if (!input.signerName.trim()) throw new Refused(NAME_NEEDED, 'name');
  if (!input.consent) throw new Refused(CONSENT_NEEDED, 'consent');
  const signatureId = createId();
  const activityId = createId();
  const actor = input.actor;
  // Still the version and status read above when the batch runs, or its NOT NULL hash fails it.
  // The PDF the customer signed: the chosen set's when they chose (issue 20), else the sent one.
  const unsigned = version.selectedPdfSha256 ?? version.pdfSha256;
  const hash = sql<string>`(SELECT coalesce(v.selected_pdf_sha256, v.pdf_sha256) FROM documents d
    JOIN document_versions v ON v.id = ${version.id} WHERE d.id = ${doc.id}
    AND d.status = ${doc.status} AND d.sent_version = ${doc.sentVersion} AND d.countersign = 1)`;
  const statements: Statement[] = [
    db.insert(signatures).values({
      id: signatureId,
      orgId: input.orgId,
      documentId: doc.id,
      versionId: version.id,
      version: version.version,
      contactId: null,
      userId: actor.userId,
      outcome: 'countersigned',
      signerName: input.signerName.trim().slice(0, 200),
      signerEmail: input.signerEmail,
      method: input.method,
      imageKey: input.imageKey,
      consentAt: now,
      consentVersion: COUNTERSIGN_CONSENT_VERSION,
      consentSha256: await sha256Hex(COUNTERSIGN_CONSENT),
      identifiedBy: 'account',
      signedAt: now,
      ip: actor.ip ?? '',
      userAgent: (actor.userAgent ?? '').slice(0, 500),
      unsignedPdfSha256: hash,
    }),
    activityInsert(db, {
      id: activityId,
      orgId: input.orgId,
      jobId: doc.jobId,
      documentId: doc.id,
      action: 'countersigned',
      actor,
      data: {
        version: version.version,
        signer: input.signerName.trim(),
        method: input.method,
        sha256: unsigned,
      },
      at: now,
    }),
  ];
  const told = { type: 'decision', say: `Countersigned by ${input.signerName.trim()}.` };
  return { statements, result: { signatureId, imageKey: input.imageKey }, activityId, event: told };
}

export interface CountersignInput {
  orgId: string;
  documentId: string;
  timeZone: string;
  origin: string;
  versionHash: string;
  signerName: string;
  signerEmail: string;
  method: 'drawn' | 'typed';
  /** The drawn signature's PNG (checked by readSignatureImage), or null for a typed one. */
  image: Uint8Array | null;
  consent: boolean;
}

/**
 * Countersigns for the signed-in user: the drawn image goes to R2 first and is deleted again if the
 * room refuses; the version is sealed after the response (finalizeSignature: once for everyone).
 */
export async function countersign(
  env: Env,
  db: Db,
  actor: ContractorActor,
  input: CountersignInput,
  defer: Defer,
): Promise<{ signatureId: string }> {
  const doc = await documentHead(db, input.orgId, input.documentId);
  if (!doc) throw new NotFound();
  const { image, ...rest } = input;
  const imageKey = image ? `org/${input.orgId}/doc/${doc.id}/countersignature-${createId()}.png` : null;
  if (image && imageKey) await env.FILES.put(imageKey, image, { httpMetadata: { contentType: 'image/png' } });
  let result: { signatureId: string; imageKey: string | null };
  try {
    result = await throughRoom(documentRoom(env, doc.id).countersign({ ...rest, jobId: doc.jobId, actor, imageKey }));
  } catch (err) {
    if (imageKey) await env.FILES.delete(imageKey);
    // The batch's guard (the document moved on outside the room) answers as a stale page.
    if (
      !(err instanceof DomainError) &&
      /NOT NULL constraint failed: signatures\.unsigned_pdf_sha256/.test(String(err))
    )
      throw new Conflict(STALE_COUNTERSIGN);
    throw err;
  }
  const sealing = finalizeSignature(env, db, result.signatureId, input.origin).then(() => deliverDueMail(env, db));
  defer(sealing.catch((err) => console.error('sealing', err)));
  return { signatureId: result.signatureId };
}
