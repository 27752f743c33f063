import { activityInsert } from '../conversation/activity';
import type { Db } from '../db/client';
import type { DocumentSnapshot } from '../documents/snapshot';
import type { Env } from '../env';
import { hitRateLimit } from '../http/rate-limit';
import { documentMail } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { portalLink, verifyPortalToken } from './links';
import { signInMail, type SignInCompany } from '../mail/sign-in';
import { Refused } from '../errors';
import { sha256Hex } from '../http/crypto';
import {
  documentsVisibleTo,
  endedSession,
  freshLinkDocument,
  linkContact,
  linkDocument,
  linkStillGiven,
  signInCandidates,
} from './queries';

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
  const session = await endedSession(db, input.sessionHash, { addrDocument: input.documentId ?? '' });
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

const SIGN_IN_PER_IP = 5;
const SIGN_IN_PER_ADDRESS = 5;
const EMAIL = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[A-Za-z]{2,}$/;

/** The address the sign-in form was given, lower case; a clear refusal for the form otherwise. */
export function signInAddress(raw: string | undefined): string {
  const email = (raw ?? '').trim();
  if (!email) throw new Refused('Enter your email address.', 'email');
  if (email.length > 254) throw new Refused('That email address is too long.', 'email');
  if (!EMAIL.test(email)) throw new Refused('Enter an email address like name@example.com.', 'email');
  return email.toLowerCase();
}

/**
 * Counts a sign-in request against its limits (per network and per address, 5 an hour): the part of
 * "Email me a sign-in link" that runs before the answer, the same for every address.
 */
export async function admitSignInRequest(db: Db, email: string, ip: string) {
  const [byIp, byAddress] = await Promise.all([
    hitRateLimit(db, `signin:ip:${ip}`, SIGN_IN_PER_IP, HOUR),
    hitRateLimit(db, `signin:email:${await sha256Hex(email)}`, SIGN_IN_PER_ADDRESS, HOUR),
  ]);
  return byIp.allowed && byAddress.allowed;
}

/**
 * Emails the address one message with a link for each company it has documents from (visible, not
 * void, its access not revoked since it was last sent: `linkStillGiven`), each opening that company's
 * newest such document. Run after the answer (the page is the same either way); the mail belongs to no
 * company, so no contractor's records show it. Returns whether a mail was queued.
 */
export async function sendSignInLinks(
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>,
  db: Db,
  input: { email: string; origin: string; fromName: string },
): Promise<boolean> {
  const rows = await signInCandidates(db, input.email);
  const chosen = new Map<string, SignInCompany>();
  const asked = new Set<string>();
  for (const { contact, org, document } of rows) {
    if (chosen.has(org.id) || asked.has(`${contact.id}:${document.id}`)) continue;
    asked.add(`${contact.id}:${document.id}`);
    if (!(await linkStillGiven(db, document, contact))) continue;
    const link = await portalLink(env, input.origin, contact, document.id, org.portalLinkDays);
    chosen.set(org.id, { name: org.name, link, days: org.portalLinkDays });
  }
  if (!chosen.size) return false;
  const mail = signInMail([...chosen.values()]);
  await queueMail(db, { kind: 'sign-in-link', to: { email: input.email }, fromName: input.fromName, ...mail });
  return true;
}
