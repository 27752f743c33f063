import type { MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { eq } from 'drizzle-orm';
import { portalSessions } from '../db/schema';
import { isProduction } from '../env';
import type { AppContext, AppEnv, PortalViewer } from '../http/context';
import { randomToken, sha256Hex } from '../http/crypto';
import { notFound } from '../http/errors';
import { batchPrepared, prepared, type Prepared, type Rows } from '../db/client';
import { findPortalSession, sessionQuery, type PortalSessionRow } from './queries';

// The recipient's session: its own cookie, separate from the contractor's, 30 days sliding.
export const PORTAL_COOKIE = 'cp_portal';
const DAYS = 30;
const DAY = 86_400_000;

function setPortalCookie(c: AppContext, token: string) {
  setCookie(c, PORTAL_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'Lax', secure: isProduction(c.env), maxAge: DAYS * 86_400 });
}

export async function startPortalSession(c: AppContext, contact: { id: string; orgId: string; accessVersion: number }) {
  const db = c.get('db');
  const old = getCookie(c, PORTAL_COOKIE);
  const token = randomToken(32);
  const now = Date.now();
  // A new id every time a link is opened: a planted cookie never becomes someone's session.
  const oldHash = old && old.length <= 100 ? await sha256Hex(old) : '';
  await db.batch([
    db.insert(portalSessions).values({ id: await sha256Hex(token), orgId: contact.orgId, contactId: contact.id, accessVersion: contact.accessVersion, expiresAt: now + DAYS * DAY, createdAt: now }),
    db.delete(portalSessions).where(eq(portalSessions.id, oldHash)),
  ]);
  setPortalCookie(c, token);
}

async function sessionHash(c: AppContext) {
  const token = getCookie(c, PORTAL_COOKIE);
  if (!token || token.length > 100) notFound();
  return sha256Hex(token);
}

/** Lets the session's contact in (or answers 404), sliding the session's expiry once a day. */
function admit(c: AppContext, hash: string, found: PortalSessionRow | undefined) {
  if (!found) notFound();
  const { logoKey, ...org } = found.org;
  c.set('portal', { contactId: found.contact.id, orgId: org.id, accountId: found.contact.accountId, name: found.contact.name, email: found.contact.email, esignConsentAt: found.contact.esignConsentAt, org: { ...org, hasLogo: !!logoKey } });
  if (found.expiresAt - Date.now() < (DAYS - 1) * DAY) {
    c.executionCtx.waitUntil(c.get('db').update(portalSessions).set({ expiresAt: Date.now() + DAYS * DAY }).where(eq(portalSessions.id, hash)));
    setPortalCookie(c, getCookie(c, PORTAL_COOKIE)!);
  }
}

/** Portal pages: a valid portal session or the same 404 a stranger gets. Never the contractor's session. */
export const requirePortal: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A page that already checked the session in its own batch (requirePortalWith) is not asked twice.
  if (c.get('portal')) return next();
  const hash = await sessionHash(c);
  admit(c, hash, await findPortalSession(c.get('db'), hash));
  return next();
};

/**
 * The same check as requirePortal for a page that reads in one round trip: the session lookup
 * runs first in the page's batch, and the page's queries take the viewer from it in SQL
 * (portalSessionViewer), so nothing is read for a stranger.
 */
export async function requirePortalWith<const T extends readonly Prepared[]>(c: AppContext, queries: T, values: Record<string, unknown>) {
  const db = c.get('db');
  const hash = await sessionHash(c);
  const [session, ...rows] = await batchPrepared(db, [prepared(db, sessionQuery), ...queries] as const, { ...values, sessionHash: hash, now: Date.now() });
  admit(c, hash, session[0]);
  return rows as unknown as { -readonly [K in keyof T]: Rows<T[K]> };
}

export function portalViewer(c: AppContext): PortalViewer {
  const viewer = c.get('portal');
  if (!viewer) notFound();
  return viewer;
}
