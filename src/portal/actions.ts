import { activityInsert } from '../conversation/activity';
import type { Db } from '../db/client';
import type { DocumentSnapshot } from '../documents/snapshot';
import type { Env } from '../env';
import { hitRateLimit } from '../http/rate-limit';
import { documentMail } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { portalLink, verifyPortalToken } from './links';
import { documentsVisibleTo, endedSession, freshLinkDocument, linkContact, linkDocument } from './queries';

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
  /** The link the recipient holds, expired or not; '' when asked from a portal session that ended. */
  token: string;
  /** The hash of the browser's portal cookie, when there is no link (an ended session's page). */
  sessionHash?: string;
  /** The document that page was opened at, if any: the new link opens it when it is still theirs. */
  documentId?: string;
  origin: string;
  ip: string;
  userAgent?: string;
}

/**
 * Who asks for a fresh link: the contact a genuine link names (expiry aside) with the access
 * version and document it names, or the contact of a portal session (ended or not) with the access
 * version it was opened with. Nothing for anything else.
 */
async function asker(env: Pick<Env, 'PORTAL_TOKEN_SECRET'>, db: Db, input: FreshLinkRequest) {
  if (input.token) {
    const result = await verifyPortalToken(env.PORTAL_TOKEN_SECRET, input.token);
    const claims = result.ok ? result.claims : (result.expired ?? null);
    if (!claims) return null;
    const contact = await linkContact(db, claims.contactId);
    return contact ? { contact, accessVersion: claims.accessVersion, documentId: claims.documentId, link: true } : null;
  }
  if (!input.sessionHash) return null;
  const session = await endedSession(db, input.sessionHash);
  if (!session) return null;
  return { contact: session.contact, accessVersion: session.sessionAccess, documentId: input.documentId, link: false };
}

/**
 * Emails a fresh link to the address on file when the old link was genuine (expiry aside), or the
 * browser's portal session was, and its contact was not revoked since: a revoked contact gets
 * nothing, only the contractor can give access back. Rate-limited per address and per document
 * and contact. Returns whether a mail was queued; the page says the same either way.
 */
export async function requestFreshLink(
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>,
  db: Db,
  input: FreshLinkRequest,
): Promise<boolean> {
  const byIp = await hitRateLimit(db, `fresh:ip:${input.ip}`, FRESH_PER_IP, HOUR);
  if (!byIp.allowed) return false;
  const who = await asker(env, db, input);
  if (!who || who.contact.accessVersion !== who.accessVersion) return false;
  const { contact } = who;
  // A link opens its own document only; a session's page asks for the one it showed, else the newest.
  let row = who.documentId ? await freshLinkDocument(db, contact, who.documentId) : undefined;
  if (!row && !who.link) {
    const [newest] = await documentsVisibleTo(db, contact, 1);
    row = newest ? await freshLinkDocument(db, contact, newest) : undefined;
  }
  if (!row?.snapshot) return false;
  const perDoc = await hitRateLimit(db, `fresh:doc:${row.document.id}:${contact.id}`, FRESH_PER_DOCUMENT, HOUR);
  if (!perDoc.allowed) return false;
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
