import { activityInsert } from '../conversation/activity';
import type { Db } from '../db/client';
import type { DocumentSnapshot } from '../documents/snapshot';
import type { Env } from '../env';
import { hitRateLimit } from '../http/rate-limit';
import { documentMail } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { portalLink, verifyPortalToken } from './links';
import { freshLinkDocument, linkContact, linkDocument } from './queries';

// What a recipient does before they have a session: open a link, ask for a fresh one. Every way a
// link can fail answers the same (null, or nothing sent), so a forged or stale link learns nothing.

const HOUR = 3_600_000;
const FRESH_PER_IP = 10;
const FRESH_PER_DOCUMENT = 3;

/**
 * The contact and document a link opens: a genuine, unexpired token whose contact still has the
 * access version it names, for a document sent to their account and not void. Otherwise null.
 */
export async function openPortalLink(env: Pick<Env, 'PORTAL_TOKEN_SECRET'>, db: Db, token: string) {
  const result = await verifyPortalToken(env.PORTAL_TOKEN_SECRET, token);
  if (!result.ok) return null;
  const { claims } = result;
  const contact = await linkContact(db, claims.contactId);
  if (!contact || contact.accessVersion !== claims.accessVersion) return null;
  const doc = await linkDocument(db, contact, claims.documentId);
  return doc ? { contact, documentId: doc.id } : null;
}

export interface FreshLinkRequest {
  /** The link the recipient holds, expired or not. */
  token: string;
  origin: string;
  ip: string;
  userAgent?: string;
}

/**
 * Emails a fresh link to the address on file when the old one was genuine (expiry aside) and its
 * contact was not revoked: a revoked contact gets nothing, only the contractor can give access
 * back. Rate-limited per address and per document. Returns whether a mail was queued; the page
 * says the same either way.
 */
export async function requestFreshLink(
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>,
  db: Db,
  input: FreshLinkRequest,
): Promise<boolean> {
  const byIp = await hitRateLimit(db, `fresh:ip:${input.ip}`, FRESH_PER_IP, HOUR);
  if (!byIp.allowed) return false;
  const result = await verifyPortalToken(env.PORTAL_TOKEN_SECRET, input.token);
  const claims = result.ok ? result.claims : (result.expired ?? null);
  if (!claims) return false;
  const perDoc = await hitRateLimit(db, `fresh:doc:${claims.documentId}:${claims.contactId}`, FRESH_PER_DOCUMENT, HOUR);
  if (!perDoc.allowed) return false;
  const contact = await linkContact(db, claims.contactId);
  if (!contact || contact.accessVersion !== claims.accessVersion) return false;
  const row = await freshLinkDocument(db, contact, claims.documentId);
  if (!row?.snapshot) return false;
  const { document, org } = row;
  const snapshot = JSON.parse(row.snapshot) as DocumentSnapshot;
  const link = await portalLink(env, input.origin, contact, document.id, org.portalLinkDays);
  const mail = documentMail(snapshot, {
    link,
    recipientName: contact.name,
    resend: true,
    linkDays: org.portalLinkDays,
  });
  const to = { email: contact.email, name: contact.name };
  const actor = {
    side: 'recipient' as const,
    contactId: contact.id,
    name: contact.name,
    ip: input.ip,
    userAgent: input.userAgent,
  };
  await db.batch([
    queueMail(db, {
      orgId: contact.orgId,
      documentId: document.id,
      kind: 'fresh-link',
      to,
      fromName: org.name,
      replyTo: org.email || null,
      ...mail,
    }),
    activityInsert(db, {
      orgId: contact.orgId,
      jobId: document.jobId,
      documentId: document.id,
      action: 'link_requested',
      actor,
    }),
  ]);
  return true;
}
