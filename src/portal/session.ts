import { batchPrepared, prepared, type Prepared, type Rows } from '../db/client';
import type { AppContext, PortalViewer } from '../http/context';
import { readCookie, writeCookie } from '../http/cookies';
import { randomToken, sha256Hex } from '../http/crypto';
import { notFound } from '../http/errors';
import {
  extendPortalSession,
  findPortalSession,
  insertPortalSession,
  PORTAL_SESSION_DAYS,
  sessionQuery,
  type PortalSessionRow,
} from './queries';

// The recipient's session: its own cookie, separate from the contractor's, 30 days sliding.
// Who may pass is decided in one place, the portal's guard (./guard.ts); these are its parts.
const DAY = 86_400_000;

/**
 * The cookie outlives the session by far: once the session has ended (30 days without a visit, or
 * a revoke) it still tells the portal whose it was, so the page can say so in the company's
 * branding and offer a new link by email (portal/ended.ts). It grants nothing after the session.
 */
export const PORTAL_COOKIE_DAYS = 365;

function setPortalCookie(c: AppContext, token: string) {
  writeCookie(c, 'portal', token, PORTAL_COOKIE_DAYS * 86_400);
}

export async function startPortalSession(c: AppContext, contact: { id: string; orgId: string; accessVersion: number }) {
  const old = readCookie(c, 'portal');
  const token = randomToken(32);
  // A new id every time a link is opened: a planted cookie never becomes someone's session.
  const oldHash = old && old.length <= 100 ? await sha256Hex(old) : '';
  await insertPortalSession(c.get('db'), await sha256Hex(token), oldHash, contact);
  setPortalCookie(c, token);
}

const hashes = new WeakMap<AppContext, string>();

/** The hash of the request's portal cookie; no cookie (or a silly one) is the stranger's 404. */
export async function sessionHash(c: AppContext) {
  const known = hashes.get(c);
  if (known) return known;
  const token = readCookie(c, 'portal');
  if (!token || token.length > 100) notFound();
  const hash = await sha256Hex(token);
  hashes.set(c, hash);
  return hash;
}

/** Lets the session's contact in (or answers 404), sliding the session's expiry once a day. */
function admit(c: AppContext, hash: string, found: PortalSessionRow | undefined) {
  if (!found) notFound();
  const { logoKey, ...org } = found.org;
  const { contact } = found;
  c.set('portal', {
    contactId: contact.id,
    orgId: org.id,
    accountId: contact.accountId,
    name: contact.name,
    email: contact.email,
    accessVersion: contact.accessVersion,
    esignConsentAt: contact.esignConsentAt,
    org: { ...org, hasLogo: !!logoKey },
  });
  if (found.expiresAt - Date.now() < (PORTAL_SESSION_DAYS - 1) * DAY) {
    c.executionCtx.waitUntil(extendPortalSession(c.get('db'), hash));
    setPortalCookie(c, readCookie(c, 'portal')!);
  }
}

/** Looks the session up on its own (one round trip) and admits its contact, or answers 404. */
export async function admitPortalSession(c: AppContext) {
  if (c.get('portal')) return;
  const hash = await sessionHash(c);
  admit(c, hash, await findPortalSession(c.get('db'), hash));
}

/**
 * The same check for a page that reads in one round trip: the session lookup runs first in the
 * page's batch, and the page's queries take the viewer from it in SQL (portalSessionViewer), so
 * nothing is read for a stranger. Such a page's handler is marked with checksOwnSession().
 */
export async function requirePortalWith<const T extends readonly Prepared[]>(
  c: AppContext,
  queries: T,
  values: Record<string, unknown>,
) {
  const db = c.get('db');
  const hash = await sessionHash(c);
  const [session, ...rows] = await batchPrepared(db, [prepared(db, sessionQuery), ...queries] as const, {
    ...values,
    sessionHash: hash,
    now: Date.now(),
  });
  admit(c, hash, session[0]);
  return rows as unknown as { -readonly [K in keyof T]: Rows<T[K]> };
}

/** The admitted recipient; anywhere the guard let nobody in, the same 404 a stranger gets. */
export function portalViewer(c: AppContext): PortalViewer {
  const viewer = c.get('portal');
  if (!viewer) notFound();
  return viewer;
}
