import { and, eq } from 'drizzle-orm';
import { HTTPException } from 'hono/http-exception';
import type { Db } from '../db/client';
import { contacts, documents, documentVersions } from '../db/schema';
import type { Env } from '../env';
import { sha256Hex } from '../http/crypto';
import { activityInsert, type Actor } from '../conversation/activity';
import { documentMail } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { signPortalToken } from '../portal/links';
import { snapshotOf } from './documents';
import type { Kind } from './kinds';
import { renderSnapshotPdf } from './pdf';
import type { LoadedDocument } from './queries';
import { buildSnapshot } from './snapshot';
import { IllegalTransition, nextStatus } from './status';

export interface SendInput {
  name: string;
  email: string;
  message: string;
  origin: string;
}

export async function portalLink(env: Env, origin: string, contact: { id: string; accessVersion: number }, documentId: string, days: number) {
  const token = await signPortalToken(env.PORTAL_TOKEN_SECRET, { contactId: contact.id, documentId, accessVersion: contact.accessVersion }, days);
  return `${origin}/p/${token}`;
}

/**
 * Freezes the draft version (snapshot, PDF in R2, its SHA-256), makes it what the recipient sees,
 * logs it and writes the email to the outbox — all D1 rows in one batch. The PDF goes to R2 first;
 * if the batch fails the object is deleted, so nothing is half-written.
 */
export async function sendDocument(env: Env, db: Db, d: LoadedDocument, kind: Kind, actor: Actor, input: SendInput) {
  if (d.current.state !== 'draft') throw new HTTPException(409, { message: 'This version was already sent. Use Resend to email a fresh link, or Revise to change it.' });
  if (!d.contact || !d.account) throw new HTTPException(422, { message: `Choose who this ${kind.label.toLowerCase()} is prepared for before sending.` });
  let status: string;
  try {
    status = nextStatus(d.document.type, d.document.status, 'send');
  } catch (err) {
    if (err instanceof IllegalTransition) throw new HTTPException(409, { message: err.message });
    throw err;
  }
  const now = Date.now();
  const version = { ...d.current, preparedForName: input.name, preparedForEmail: input.email };
  const snapshot = buildSnapshot({ document: d.document, version, lines: d.lines, payments: d.payments, org: d.org, job: d.job, account: d.account, preparedBy: d.creator });
  const pdf = await renderSnapshotPdf(env, snapshot);
  const sha = await sha256Hex(pdf.bytes as Uint8Array<ArrayBuffer>);
  const key = `org/${d.org.id}/doc/${d.document.id}/v${version.version}-${sha.slice(0, 16)}.pdf`;
  await env.FILES.put(key, pdf.bytes, { httpMetadata: { contentType: 'application/pdf' }, customMetadata: { sha256: sha } });

  const contact = { id: d.contact.id, accessVersion: d.contact.accessVersion };
  const link = await portalLink(env, input.origin, contact, d.document.id, d.org.portalLinkDays);
  const mail = documentMail(snapshot, { link, message: input.message, recipientName: input.name, linkDays: d.org.portalLinkDays });
  const previous = d.versions.find((v) => v.state === 'sent');
  try {
    await db.batch([
      db
        .update(documentVersions)
        .set({ state: 'sent', snapshot: JSON.stringify(snapshot), pdfKey: key, pdfSha256: sha, signatureBox: pdf.signatureBox ? JSON.stringify(pdf.signatureBox) : null, sentAt: now, sentBy: actor.userId ?? null, preparedForName: input.name, preparedForEmail: input.email, updatedAt: now })
        .where(and(eq(documentVersions.orgId, d.org.id), eq(documentVersions.id, d.current.id), eq(documentVersions.state, 'draft'))),
      ...(previous ? [db.update(documentVersions).set({ state: 'superseded', updatedAt: now }).where(and(eq(documentVersions.orgId, d.org.id), eq(documentVersions.id, previous.id)))] : []),
      db.update(documents).set({ status, sentVersion: version.version, sentAt: now, updatedAt: now }).where(and(eq(documents.orgId, d.org.id), eq(documents.id, d.document.id))),
      ...(input.name !== d.contact.name || input.email !== d.contact.email
        ? [db.update(contacts).set({ name: input.name, email: input.email }).where(and(eq(contacts.orgId, d.org.id), eq(contacts.id, d.contact.id)))]
        : []),
      activityInsert(db, {
        orgId: d.org.id,
        jobId: d.job.id,
        documentId: d.document.id,
        action: 'sent',
        actor,
        data: { version: version.version, to: `${input.name} <${input.email}>`, sha256: sha },
        at: now,
      }),
      queueMail(db, { orgId: d.org.id, documentId: d.document.id, kind: 'document', to: { email: input.email, name: input.name }, fromName: d.org.name, replyTo: d.org.email || null, ...mail }, now),
    ]);
  } catch (err) {
    await env.FILES.delete(key);
    throw err;
  }
  return { snapshot, sha, key, status };
}

/** A fresh link to the version the recipient already has. */
export async function resendDocument(env: Env, db: Db, d: LoadedDocument, actor: Actor, origin: string) {
  if (d.document.sentVersion === null || !d.contact) throw new HTTPException(409, { message: 'This document has not been sent yet.' });
  // A voided document is hidden from the portal: a fresh link to it would only open the expired-link page.
  if (d.document.status === 'void') throw new HTTPException(409, { message: 'This document was voided, so its link no longer opens. Nothing was sent.' });
  const sent = d.versions.find((v) => v.version === d.document.sentVersion)!;
  const snapshot = snapshotOf(d, d.lines, sent);
  const link = await portalLink(env, origin, d.contact, d.document.id, d.org.portalLinkDays);
  const mail = documentMail(snapshot, { link, recipientName: d.contact.name, resend: true, linkDays: d.org.portalLinkDays });
  await db.batch([
    activityInsert(db, { orgId: d.org.id, jobId: d.job.id, documentId: d.document.id, action: 'resent', actor, data: { to: `${d.contact.name} <${d.contact.email}>` } }),
    queueMail(db, { orgId: d.org.id, documentId: d.document.id, kind: 'document', to: { email: d.contact.email, name: d.contact.name }, fromName: d.org.name, replyTo: d.org.email || null, ...mail }),
  ]);
}
