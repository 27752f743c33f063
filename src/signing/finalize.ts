import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { dateTime } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import { ACTIVITY_REFUSED, activityInsert } from '../conversation/activity';
import { describeEvent } from '../conversation/feed';
import { allPrepared, batchPrepared, database, distinct, prepared, prepareEach, type Db } from '../db/client';
import { createId } from '../db/ids';
import { contacts, documents, documentVersions, orgs, signatures, users } from '../db/schema';
import type { Env } from '../env';
import { Conflict, domainError, NotFound } from '../errors';
import { sha256Hex } from '../http/crypto';
import { kindOf } from '../documents/kinds';
import { chosenSentence } from '../../views/line-marks';
import type { DocumentSnapshot } from '../documents/snapshot';
import { COUNTERSIGN_STATEMENT, signingStatement } from '../../views/portal/statement';
import { portalLink } from '../portal/links';
import { givenBySend, linkStillGiven } from '../portal/queries';
import { brandOf } from '../mail/documents';
import { queueMail, type OutgoingMail } from '../mail/outbox';
import { documentRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { parseSignatureBoxes, type SignatureBox } from '../pdf/boxes';
import { readyToSeal, recipientsStatement, type Recipient } from '../documents/recipients';
import type { CertificateFacts } from './certificate';
import { listOf } from './countersign-present';
import { Turns } from '../turns';
import { type Timeline, versionTimelineStatement } from './queries';
import { describeCertificate, sealSignerFromEnv, sealWith } from './seal-cms';
import { timestampAuthorityFromEnv } from './timestamp';

const CERTIFICATE_ACTIONS = new Set([
  'sent',
  'resent',
  'viewed',
  'consented',
  'signed',
  'approved',
  'accepted',
  'declined',
  'countersigned',
]);

type SignatureRow = typeof signatures.$inferSelect;

/** A version's signatures in the certificate's order: signers in signing order (then by time), countersigner last. */
function inSigningOrder(rows: SignatureRow[], recipients: Recipient[]) {
  const position = new Map(recipients.map((r) => [r.contactId, r.position]));
  const rank = (r: SignatureRow) =>
    r.outcome === 'countersigned' ? Number.MAX_SAFE_INTEGER : (position.get(r.contactId ?? '') ?? 1e9);
  return [...rows].sort((a, b) => rank(a) - rank(b) || a.signedAt - b.signedAt);
}

/**
 * Each signature's block. The PDF was drawn at send with one block per signer in signing order, each
 * captioned with that signer's name, so a signature goes in the block of its signer's position (kept
 * when another signer is removed), never the next free one; the countersignature in its own block.
 */
function boxesFor(ordered: SignatureRow[], boxes: SignatureBox[], recipients: Recipient[]) {
  const signerBoxes = boxes.filter((b) => !b.countersign);
  const counterBox = boxes.find((b) => b.countersign) ?? null;
  const position = new Map(recipients.map((r) => [r.contactId, r.position]));
  return ordered.map((r) => {
    if (r.outcome === 'countersigned') return counterBox;
    const at = position.get(r.contactId ?? '') ?? (signerBoxes.length === 1 ? 1 : 0);
    return signerBoxes[at - 1] ?? null;
  });
}

// Seals take turns per page-Worker isolate (../turns). A seal runs after its signature's response, in a
// waitUntil that lives about 30 s: a burst sealing side by side would all finish late, and past that limit
// every one would be cut off. In turns the first finish first; a seal whose turn has not come in 20 s is not
// started: it is recorded as failed, and the cron's retry (index.ts `retrySealing`) seals it. No turn is
// held past 35 s, a little longer than a waitUntil can live.
const sealTurns = new Turns({ maxWaitMs: 20_000, heldAtMostMs: 35_000 });

// Everything a seal reads, in one prepared batch (db/client.ts `prepared`, one D1 round trip) keyed by the
// signature alone: its org, document and version are found by primary key inside each statement, so no
// read waits for another. The signature with its version, document, org and creator; who the version is
// sent to; the version's signature rows; its part of the timeline (since it was sent: the certificate's
// events and sender, and the last send, which says whose link is still given); the signers' contacts.
const sealReadQueries = (db: Db) => {
  const signatureId = sql.placeholder('signatureId');
  const ofSignature = (column: 'org_id' | 'document_id' | 'version_id') =>
    sql`(SELECT k.${sql.raw(column)} FROM signatures k WHERE k.id = ${signatureId})`;
  const orgId = ofSignature('org_id');
  const versionId = ofSignature('version_id');
  return prepareEach([
    db
      .select(
        // Joined tables' columns of the same name (id, org_id …): each its own alias in the batch's rows.
        distinct({
          signature: signatures,
          version: documentVersions,
          document: documents,
          // The columns sealing uses, not the whole row: D1 answers at most 100 columns per result.
          org: {
            id: orgs.id,
            name: orgs.name,
            address: orgs.address,
            phone: orgs.phone,
            email: orgs.email,
            brandColor: orgs.brandColor,
            currency: orgs.currency,
            timeZone: orgs.timeZone,
            portalLinkDays: orgs.portalLinkDays,
          },
          creator: { name: users.name, email: users.email },
        }),
      )
      .from(signatures)
      .innerJoin(documentVersions, eq(documentVersions.id, signatures.versionId))
      .innerJoin(documents, eq(documents.id, signatures.documentId))
      .innerJoin(orgs, eq(orgs.id, signatures.orgId))
      .leftJoin(users, eq(users.id, documents.createdBy))
      // Issue 20: a version approved offline is never sealed (no certificate for a decision made on paper).
      .where(
        and(
          eq(signatures.id, signatureId),
          sql`NOT EXISTS (SELECT 1 FROM offline_approvals o WHERE o.version_id = ${signatures.versionId})`,
        ),
      ),
    recipientsStatement(db, orgId, ofSignature('document_id')),
    db
      .select()
      .from(signatures)
      .where(
        and(
          eq(signatures.orgId, orgId),
          eq(signatures.documentId, ofSignature('document_id')),
          eq(signatures.versionId, versionId),
        ),
      ),
    versionTimelineStatement(
      db,
      orgId,
      ofSignature('document_id'),
      sql`COALESCE((SELECT v.sent_at FROM document_versions v WHERE v.id = ${versionId}), 0)`,
    ),
    db
      .select()
      .from(contacts)
      .where(
        and(
          // `+`: the org is a check on the few rows found by id, not an index to walk the company's contacts with.
          eq(sql`+${contacts.orgId}`, orgId),
          inArray(
            contacts.id,
            sql`(SELECT s.contact_id FROM signatures s WHERE s.version_id = ${versionId} AND s.contact_id IS NOT NULL)`,
          ),
        ),
      ),
  ] as const);
};

/**
 * Seals the version a signature belongs to, once it is ready (issue 17: every signer signed and,
 * when the document asks for it, the contractor countersigned): one PDF with every signature in its
 * block and a certificate listing each signer, and every signature row of the version pointing at
 * it. Safe to run again and at once: a sealed version is left alone. A version still waiting for a
 * signature answers 'waiting' and records nothing. A failure is recorded on the version's signatures
 * (the document shows "finalizing") and the scheduled retry runs this again until it succeeds.
 */
export async function finalizeSignature(
  env: Env,
  db: Db,
  signatureId: string,
  origin: string,
): Promise<'sealed' | 'already' | 'waiting' | 'failed'> {
  const [[row], recipientRows, versionRows, timeline, contactRows] = await batchPrepared(
    db,
    prepared(db, sealReadQueries),
    { signatureId },
  );
  if (!row) return 'failed';
  // distinct()'s aliased columns are not nulled as a left join's missing row: no creator is null here.
  if (!row.creator?.email) row.creator = null;
  const s = row.signature;
  if (s.sealedAt) return 'already';
  const orgId = row.org.id;
  const recipients = recipientRows as Recipient[];
  if (!readyToSeal(row.document, recipients, versionRows, s.version)) return 'waiting';
  const ordered = inSigningOrder(
    versionRows.filter((r) => r.outcome !== 'declined'),
    recipients,
  );
  if (ordered.some((r) => r.sealedAt)) return 'already';
  try {
    const signer = sealSignerFromEnv(env);
    if (!signer)
      throw new Error('The sealing key is not configured (SEAL_CERTIFICATE, and SEAL_PRIVATE_KEY or SEAL_SIGNER_URL).');
    // One seal at a time per isolate (sealTurns): one whose turn is too long in coming fails here, for the retry.
    return await sealTurns.run(
      async () => {
        const sealCertificate = await describeCertificate(signer.certificatePem);
        // Issue 20: a version whose customer chose is signed and sealed as exactly the chosen lines.
        const chosen = row.version.selection ? selectedParts(row.version) : null;
        const unsigned = await env.FILES.get((chosen ? row.version.selectedPdfKey : row.version.pdfKey) ?? '');
        if (!unsigned) throw new Error('The unsigned PDF of this version is missing from storage.');
        const unsignedBytes = new Uint8Array(await unsigned.arrayBuffer());
        const unsignedSha = await sha256Hex(unsignedBytes);
        if (ordered.some((r) => r.unsignedPdfSha256 !== unsignedSha))
          throw new Error('The stored PDF does not match the hash the signer was shown.');
        const images = await Promise.all(
          ordered.map(async (r) => {
            const image = r.imageKey ? await env.FILES.get(r.imageKey) : null;
            return image ? new Uint8Array(await image.arrayBuffer()) : null;
          }),
        );
        const kind = kindOf(row.document.type, row.document.subtype);
        const label = `${kind?.label ?? 'Document'} ${row.document.number}`;
        const lastAt = Math.max(...ordered.map((r) => r.signedAt));
        const events = timeline
          .filter((e) => CERTIFICATE_ACTIONS.has(e.action) && e.createdAt <= lastAt + 1000)
          .map((e) => {
            const d = describeEvent(e, row.org.currency);
            return {
              at: e.createdAt,
              action: d.text,
              actor: e.actorName,
              ip: e.ip,
              userAgent: e.userAgent,
              detail: d.detail,
            };
          });
        const boxes = boxesFor(
          ordered,
          parseSignatureBoxes(chosen ? row.version.selectedSignatureBox : row.version.signatureBox),
          recipients,
        );
        const facts: CertificateFacts = {
          origin,
          sender: senderOf(timeline, s.version),
          seal: { ...sealCertificate, timestampedBy: env.TSA_URL ? new URL(env.TSA_URL).host : null },
        };
        // The sentence each signer agreed to, word for word as the portal's sign panel printed it.
        const statement = signingStatement({
          verb: kind?.approvalEvent === 'accept' ? 'Accept' : 'Approve',
          requireSignature: row.document.requireSignature,
          docLabel: label,
          version: s.version,
        });
        // pdf-lib's work is the PDF Worker's (env.PDF); the seal's signature is made here, with this Worker's key.
        const input = {
          unsignedPdf: unsignedBytes,
          unsignedSha256: unsignedSha,
          documentTitle: row.version.title,
          documentLabel: label,
          version: s.version,
          company: row.org.name,
          timeZone: row.org.timeZone,
          signers: ordered.map((r, i) => ({
            role: r.outcome === 'countersigned' ? 'countersigner' : 'signer',
            name: r.signerName,
            email: r.signerEmail,
            method: r.method,
            signedAt: r.signedAt,
            consentAt: r.consentAt,
            ip: r.ip,
            userAgent: r.userAgent,
            unsignedSha256: r.unsignedPdfSha256,
            image: images[i],
            comparedTo:
              r.comparedToVersion !== null && r.comparedToSha256
                ? { version: r.comparedToVersion, sha256: r.comparedToSha256 }
                : null,
            box: boxes[i],
            recordId: r.id,
            identifiedBy: r.identifiedBy,
            emailCodeAt: r.emailCodeAt,
            consentVersion: r.consentVersion,
            consentSha256: r.consentSha256,
            statement: r.outcome === 'countersigned' ? COUNTERSIGN_STATEMENT : statement,
          })),
          events,
          facts,
          ...(chosen?.options ? { options: chosen.options } : {}),
        } satisfies Parameters<Env['PDF']['signedPdf']>[0];
        const names = ordered.map((r) => r.signerName);
        const sealed = await sealWith(
          {
            signer,
            timestamp: timestampAuthorityFromEnv(env),
            certify: true,
            name: row.org.name,
            reason: `${listOf(names)} signed ${label}`,
            signingTime: new Date(lastAt),
          },
          // The signatures, the certificate and the seal's placeholder: one PDF Worker call, one save.
          async (fields, contentsLength, digestMethod) =>
            (await env.PDF.signedPdf(input, { fields, contentsLength, digestMethod })) as Uint8Array<ArrayBuffer>,
        );
        const sha = await sha256Hex(sealed);
        const key = `org/${orgId}/doc/${row.document.id}/v${s.version}-signed-${sha.slice(0, 16)}.pdf`;
        await env.FILES.put(key, sealed, {
          httpMetadata: { contentType: 'application/pdf' },
          customMetadata: { sha256: sha },
        });
        const mails = await signedMails(env, db, row, ordered, contactRows, timeline, label, origin);
        const outcome = await committedSeal(env, {
          orgId,
          documentId: row.document.id,
          jobId: row.document.jobId,
          timeZone: row.org.timeZone,
          origin,
          signatureId: s.id,
          versionId: s.versionId,
          signatureIds: ordered.map((r) => r.id),
          sealedPdfKey: key,
          sealedPdfSha256: sha,
          sealCertificateSha256: sealCertificate.sha256,
          mails,
        });
        if (!outcome.sealed) {
          // Another run sealed it first; its file stays (the same bytes make the same key).
          if (outcome.key !== key) await env.FILES.delete(key);
          return 'already';
        }
        return 'sealed';
      },
      () => {
        throw new Error('Too many seals at once: this one waited too long for its turn; the retry seals it.');
      },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error('sealing failed', signatureId, message);
    await db
      .update(signatures)
      .set({ sealError: message.slice(0, 500) })
      .where(
        and(
          eq(signatures.versionId, s.versionId),
          isNull(signatures.sealedAt),
          inArray(
            signatures.id,
            ordered.map((r) => r.id),
          ),
        ),
      );
    return 'failed';
  }
}

/** The chosen options in the certificate's words, from the version's snapshot of exactly the chosen lines. */
function selectedParts(version: { selectedSnapshot: string | null }) {
  const snapshot = version.selectedSnapshot ? (JSON.parse(version.selectedSnapshot) as DocumentSnapshot) : null;
  // The same sentence the chosen PDF's body prints (views/line-marks.ts): one wording of a choice.
  return { options: snapshot ? chosenSentence(snapshot) : null };
}

/**
 * Who sent the version, from where and when: the first 'sent' row of the version (a resend of it
 * when that row is not in the timeline), with the sending user's address.
 */
function senderOf(timeline: Timeline, version: number) {
  const sentVersion = (data: string | null) => {
    try {
      return (JSON.parse(data ?? '{}') as { version?: number }).version;
    } catch {
      return undefined;
    }
  };
  const send =
    timeline.find((e) => e.action === 'sent' && sentVersion(e.data) === version) ??
    timeline.find((e) => e.action === 'sent' || e.action === 'resent');
  if (!send) return null;
  return { name: send.actorName, email: send.userEmail, ip: send.ip, at: send.createdAt };
}

/**
 * The "is signed" notices: each signer whose link is still theirs gets one with their own link (a
 * contact revoked since gets none: only the contractor can give access back), and the creator one.
 */
async function signedMails(
  env: Env,
  db: Db,
  row: {
    document: typeof documents.$inferSelect;
    org: { id: string; name: string; portalLinkDays: number; timeZone: string } & Parameters<typeof brandOf>[0];
    creator: { name: string | null; email: string | null } | null;
  },
  ordered: SignatureRow[],
  contactRows: (typeof contacts.$inferSelect)[],
  timeline: Timeline,
  label: string,
  origin: string,
): Promise<OutgoingMail[]> {
  const byId = new Map(contactRows.map((c) => [c.id, c]));
  const people = ordered.flatMap((r) => byId.get(r.contactId ?? '') ?? []);
  // The document's last send is in the version's timeline (the version's own send starts it); read apart
  // only when it is not (a timeline without its send row).
  const lastSend = timeline.filter((e) => e.action === 'sent' || e.action === 'resent').at(-1);
  const given = (contact: (typeof people)[number]) =>
    lastSend ? givenBySend(lastSend.data, row.document, contact) : linkStillGiven(db, row.document, contact);
  const names = listOf(ordered.map((r) => r.signerName));
  const lastAt = Math.max(...ordered.map((r) => r.signedAt));
  const mailTo = (to: { email: string; name: string }, href: string, button: string): OutgoingMail => {
    const m = renderMail({
      brand: brandOf(row.org),
      heading: `${label} is signed`,
      paragraphs: [
        ordered.length > 1
          ? `${names} signed ${label}; the last signature was on ${dateTime(lastAt, row.org.timeZone)}.`
          : `${names} signed ${label} on ${dateTime(lastAt, row.org.timeZone)}.`,
        'The signed PDF, with its signature certificate and digital seal, is ready to download.',
      ],
      button: { label: button, href },
    });
    return {
      orgId: row.org.id,
      documentId: row.document.id,
      kind: 'signed',
      to,
      fromName: row.org.name,
      subject: `Signed: ${label} from ${row.org.name}`,
      ...m,
    };
  };
  const mails: OutgoingMail[] = [];
  for (const contact of people) {
    if (!(await given(contact))) continue;
    const link = await portalLink(env, origin, contact, row.document.id, row.org.portalLinkDays);
    // Read before the seal's turn and its PDF: a revoke or new address committed since fails the room's batch
    // (queueMail `whileAccess`), and the cron's retry reads them again, instead of mailing the old address.
    mails.push({
      ...mailTo({ email: contact.email, name: contact.name }, link, 'Download the signed PDF'),
      whileAccess: { contactId: contact.id, accessVersion: contact.accessVersion },
    });
  }
  if (row.creator?.email)
    mails.push(
      mailTo(
        { email: row.creator.email, name: row.creator.name ?? '' },
        `${origin}/documents/${row.document.id}`,
        'Open the document',
      ),
    );
  return mails;
}

export interface SealCommit extends RoomContext {
  /** The signature whose finalize made the file (kept in the 'sealed' activity's data). */
  signatureId: string;
  /** The version sealed: every signature of it named in `signatureIds` points at the one file. */
  versionId: string;
  signatureIds: string[];
  sealedPdfKey: string;
  sealedPdfSha256: string;
  /** The SHA-256 of the certificate that sealed it (issue 18): /verify knows the seal after a key rotation. */
  sealCertificateSha256: string;
  /** The "is signed" notices, rendered by the Worker, queued in the same batch. */
  mails: OutgoingMail[];
}

/**
 * The room's plan for a sealed PDF, decided in SQL in its one batch (no read before it): the 'sealed' line is
 * written only while the signature is the version's and no signature of the version is sealed yet; otherwise
 * the whole batch fails (activity.ts `onlyIf`) and `committedSeal` reads who sealed it. Written, every
 * signature of the version points at the file, the notices are queued, and the document's open pages hear
 * `sealed` (the download replaces "Finalizing").
 */
export function sealWrite(db: Db, input: SealCommit, now = Date.now()): RoomWrite<{ sealed: boolean; key: string }> {
  const activityId = createId();
  const sha = input.sealedPdfSha256;
  const ofVersion = sql`s.org_id = ${input.orgId} AND s.document_id = ${input.documentId}
    AND s.version_id = ${input.versionId} AND s.outcome <> 'declined'`;
  const unsealed = sql`EXISTS (SELECT 1 FROM signatures s WHERE s.id = ${input.signatureId} AND ${ofVersion})
    AND NOT EXISTS (SELECT 1 FROM signatures s WHERE ${ofVersion} AND s.sealed_at IS NOT NULL)`;
  return {
    statements: [
      // First: its condition reads the version as it is before this batch.
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'sealed',
        actor: { side: 'system', name: 'Contractor Portal' },
        data: { sha256: sha, signatureId: input.signatureId },
        at: now,
        onlyIf: unsealed,
      }),
      db
        .update(signatures)
        .set({
          sealedPdfKey: input.sealedPdfKey,
          sealedPdfSha256: sha,
          sealCertificateSha256: input.sealCertificateSha256,
          sealedAt: now,
          sealError: null,
        })
        .where(
          and(
            eq(signatures.orgId, input.orgId),
            eq(signatures.versionId, input.versionId),
            inArray(signatures.id, input.signatureIds),
            isNull(signatures.sealedAt),
          ),
        ),
      ...input.mails.map((m) => queueMail(db, m, now)),
    ],
    result: { sealed: true, key: input.sealedPdfKey },
    activityId,
    event: { type: 'sealed', say: 'The signed PDF is ready to download.' },
    refused: (err) => (ACTIVITY_REFUSED.test(String(err)) ? new Conflict(SEALED_FIRST) : null),
  };
}

/** A seal's commit that its condition refused: the version was sealed first, or the signature is not the version's. */
const SEALED_FIRST = 'This version was sealed first, or the signature is not one of its signatures.';

// Who sealed a version, read only when a seal's commit was refused (a run before this one got there first).
const sealedYetQuery = (db: Db) =>
  db
    .select({ sealedAt: signatures.sealedAt, key: signatures.sealedPdfKey })
    .from(signatures)
    .where(
      and(
        eq(signatures.orgId, sql.placeholder('orgId')),
        eq(signatures.documentId, sql.placeholder('documentId')),
        eq(signatures.versionId, sql.placeholder('versionId')),
        sql`${signatures.outcome} <> 'declined'`,
      ),
    )
    .prepare();

/**
 * Commits a seal through the document's room: in order with its other writes, and its open pages are told.
 * Refused (sealed meanwhile), the file that won, read from the primary; `sealed: false` then, and the caller
 * deletes its own copy unless it is that file. A signature that is not the version's is NotFound (its file
 * deleted).
 */
async function committedSeal(env: Env, commit: SealCommit): Promise<{ sealed: boolean; key: string | null }> {
  const answer = await documentRoom(env, commit.documentId).seal(commit);
  if (answer.ok) return answer.value;
  if (answer.error.message !== SEALED_FIRST) throw domainError(answer.error);
  const primary = database(env.DB);
  const { orgId, documentId, versionId } = commit;
  const rows = await allPrepared(primary, prepared(primary, sealedYetQuery), { orgId, documentId, versionId });
  const done = rows.find((r) => r.sealedAt);
  if (done) return { sealed: false, key: done.key };
  // Not one of the version's signatures: nothing points at the file made for it.
  await env.FILES.delete(commit.sealedPdfKey);
  throw new NotFound();
}
