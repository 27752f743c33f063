import { and, eq, isNull } from 'drizzle-orm';
import { dateTime } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import { activityInsert } from '../conversation/activity';
import { describeEvent } from '../conversation/feed';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { contacts, documents, documentVersions, orgs, signatures, users } from '../db/schema';
import type { Env } from '../env';
import { NotFound } from '../errors';
import { sha256Hex } from '../http/crypto';
import { kindOf } from '../documents/kinds';
import { portalLink } from '../portal/links';
import { linkStillGiven } from '../portal/queries';
import { brandOf } from '../mail/documents';
import { queueMail, type OutgoingMail } from '../mail/outbox';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { loadPdfAssets, loadScriptFont } from '../pdf/assets';
import type { SignatureBox } from '../pdf/render';
import { buildSignedPdf } from './certificate';
import { versionTimeline } from './queries';
import { sealPdf } from './seal';

const CERTIFICATE_ACTIONS = new Set([
  'sent',
  'resent',
  'viewed',
  'consented',
  'signed',
  'approved',
  'accepted',
  'declined',
]);

/**
 * Makes the signed, sealed PDF of one signature. Safe to run again: a sealed signature is left
 * alone. A failure is recorded on the signature (the document shows "finalizing") and the
 * scheduled retry runs this again until it succeeds.
 */
export async function finalizeSignature(
  env: Env,
  db: Db,
  signatureId: string,
  origin: string,
): Promise<'sealed' | 'already' | 'failed'> {
  const [row] = await db
    .select({
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
      contact: contacts,
      creator: { name: users.name, email: users.email },
    })
    .from(signatures)
    .innerJoin(documentVersions, eq(documentVersions.id, signatures.versionId))
    .innerJoin(documents, eq(documents.id, signatures.documentId))
    .innerJoin(orgs, eq(orgs.id, signatures.orgId))
    .innerJoin(contacts, eq(contacts.id, signatures.contactId))
    .leftJoin(users, eq(users.id, documents.createdBy))
    .where(eq(signatures.id, signatureId));
  if (!row) return 'failed';
  const s = row.signature;
  if (s.sealedAt) return 'already';
  try {
    if (!env.SEAL_PRIVATE_KEY || !env.SEAL_CERTIFICATE)
      throw new Error('The sealing key (SEAL_PRIVATE_KEY, SEAL_CERTIFICATE) is not configured.');
    const unsigned = await env.FILES.get(row.version.pdfKey ?? '');
    if (!unsigned) throw new Error('The unsigned PDF of this version is missing from storage.');
    const unsignedBytes = new Uint8Array(await unsigned.arrayBuffer());
    if ((await sha256Hex(unsignedBytes)) !== s.unsignedPdfSha256)
      throw new Error('The stored PDF does not match the hash the signer was shown.');
    const image = s.imageKey ? await env.FILES.get(s.imageKey) : null;
    const snapshotCompany = {
      company: {
        name: row.org.name,
        address: row.org.address,
        phone: row.org.phone,
        email: row.org.email,
        brandColor: row.org.brandColor,
        logoKey: null,
        logoContentType: null,
      },
    };
    const [assets, script, timeline] = await Promise.all([
      loadPdfAssets(env, snapshotCompany),
      loadScriptFont(env),
      versionTimeline(db, row.document.id, row.version.sentAt ?? 0),
    ]);
    const kind = kindOf(row.document.type, row.document.subtype);
    const label = `${kind?.label ?? 'Document'} ${row.document.number}`;
    const events = timeline
      .filter((e) => CERTIFICATE_ACTIONS.has(e.action) && e.createdAt <= s.signedAt + 1000)
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
    const signed = await buildSignedPdf({
      unsignedPdf: unsignedBytes,
      unsignedSha256: s.unsignedPdfSha256,
      box: row.version.signatureBox ? (JSON.parse(row.version.signatureBox) as SignatureBox) : null,
      documentTitle: row.version.title,
      documentLabel: label,
      version: s.version,
      company: row.org.name,
      timeZone: row.org.timeZone,
      signer: {
        name: s.signerName,
        email: s.signerEmail,
        method: s.method,
        signedAt: s.signedAt,
        consentAt: s.consentAt,
        ip: s.ip,
        userAgent: s.userAgent,
      },
      image: image ? new Uint8Array(await image.arrayBuffer()) : null,
      comparedTo:
        s.comparedToVersion !== null && s.comparedToSha256
          ? { version: s.comparedToVersion, sha256: s.comparedToSha256 }
          : null,
      events,
      fonts: { regular: assets.font, bold: assets.boldFont, script },
    });
    const sealed = await sealPdf(signed, {
      privateKeyPem: env.SEAL_PRIVATE_KEY,
      certificatePem: env.SEAL_CERTIFICATE,
      name: row.org.name,
      reason: `${s.signerName} signed ${label}`,
      signingTime: new Date(s.signedAt),
    });
    const sha = await sha256Hex(sealed);
    const key = `org/${row.org.id}/doc/${row.document.id}/v${s.version}-signed-${sha.slice(0, 16)}.pdf`;
    await env.FILES.put(key, sealed, {
      httpMetadata: { contentType: 'application/pdf' },
      customMetadata: { sha256: sha },
    });
    // A contact revoked since the signature gets no link: only the contractor can give access back.
    const recipientLink = (await linkStillGiven(db, row.document, row.contact))
      ? await portalLink(env, origin, row.contact, row.document.id, row.org.portalLinkDays)
      : null;
    const mailTo = (to: { email: string; name: string }, href: string, button: string): OutgoingMail => {
      const m = renderMail({
        brand: brandOf(row.org),
        heading: `${label} is signed`,
        paragraphs: [
          `${s.signerName} signed ${label} on ${dateTime(s.signedAt, row.org.timeZone)}.`,
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
    const mails = [
      ...(recipientLink
        ? [mailTo({ email: row.contact.email, name: row.contact.name }, recipientLink, 'Download the signed PDF')]
        : []),
      ...(row.creator?.email
        ? [
            mailTo(
              { email: row.creator.email, name: row.creator.name ?? '' },
              `${origin}/documents/${row.document.id}`,
              'Open the document',
            ),
          ]
        : []),
    ];
    // Committed through the document's room: in order with its other writes, and its open pages are told.
    const outcome = await throughRoom(
      documentRoom(env, row.document.id).seal({
        orgId: row.org.id,
        documentId: row.document.id,
        jobId: row.document.jobId,
        timeZone: row.org.timeZone,
        origin,
        signatureId: s.id,
        sealedPdfKey: key,
        sealedPdfSha256: sha,
        mails,
      }),
    );
    if (!outcome.sealed) {
      // Another run sealed it first; its file stays (the same bytes make the same key).
      if (outcome.key !== key) await env.FILES.delete(key);
      return 'already';
    }
    return 'sealed';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error('sealing failed', signatureId, message);
    await db
      .update(signatures)
      .set({ sealError: message.slice(0, 500) })
      .where(and(eq(signatures.id, s.id), isNull(signatures.sealedAt)));
    return 'failed';
  }
}

export interface SealCommit extends RoomContext {
  signatureId: string;
  sealedPdfKey: string;
  sealedPdfSha256: string;
  /** The "is signed" notices, rendered by the Worker, queued in the same batch. */
  mails: OutgoingMail[];
}

/**
 * The room's plan for a sealed PDF: the signature points at it (unless a run before this one got
 * there first: then nothing is written, and the caller deletes its copy unless it is the same file),
 * the timeline says so, the notices are queued, and the document's open pages hear `sealed` (the
 * download replaces "Finalizing").
 */
export async function sealWrite(
  db: Db,
  input: SealCommit,
  now = Date.now(),
): Promise<RoomWrite<{ sealed: boolean; key: string | null }>> {
  const [row] = await db
    .select({ sealedAt: signatures.sealedAt, key: signatures.sealedPdfKey })
    .from(signatures)
    .where(
      and(
        eq(signatures.orgId, input.orgId),
        eq(signatures.documentId, input.documentId),
        eq(signatures.id, input.signatureId),
      ),
    );
  if (!row) throw new NotFound();
  if (row.sealedAt) return { statements: [], result: { sealed: false, key: row.key } };
  const activityId = createId();
  const sha = input.sealedPdfSha256;
  return {
    statements: [
      db
        .update(signatures)
        .set({ sealedPdfKey: input.sealedPdfKey, sealedPdfSha256: sha, sealedAt: now, sealError: null })
        .where(and(eq(signatures.id, input.signatureId), isNull(signatures.sealedAt))),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'sealed',
        actor: { side: 'system', name: 'Contractor Portal' },
        data: { sha256: sha, signatureId: input.signatureId },
        at: now,
      }),
      ...input.mails.map((m) => queueMail(db, m, now)),
    ],
    result: { sealed: true, key: input.sealedPdfKey },
    activityId,
    event: { type: 'sealed', say: 'The signed PDF is ready to download.' },
  };
}
