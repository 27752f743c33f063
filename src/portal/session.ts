import { batchPrepared, prepared, type Prepared, type Rows } from '../db/client';
import type { AppContext, PortalViewer } from '../http/context';
import { readCookie, writeCookie } from '../http/cookies';
import { base64url, randomToken, sha256Hex } from '../http/crypto';
import { checkPortalCsrfCompany, portalCsrfToken, siteCsrf } from '../http/csrf';
import { notFound } from '../http/errors';
import {
  extendPortalSession,
  findPortalSession,
  insertPortalSession,
  joinPortalSession,
  PORTAL_SESSION_DAYS,
  sessionCompaniesQuery,
  sessionQuery,
  type AddressedDocument,
  type PortalAddress,
  type PortalSessionRow,
  type SessionCompanyRow,
} from './queries';

// The recipient's session: its own cookie, separate from the contractor's, 30 days sliding. A
// session is one person (issue 17): it holds one contact per company whose link they opened.
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

/** The cookie a session moves to when its person opens another link: derived, so two links opened at once agree. */
async function nextToken(secret: string, old: string) {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  return base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`portal-session:${old}`))));
}

/**
 * Opening a link: when the browser's live session is the same person (the link's contact has its
 * email, any case), the link's company joins it under a new cookie; otherwise a new session for
 * this person replaces the old one (someone else on a shared computer).
 */
export async function startPortalSession(
  c: AppContext,
  contact: { id: string; orgId: string; accessVersion: number; email: string },
) {
  const db = c.get('db');
  const old = readCookie(c, 'portal');
  // A new id every time a link is opened: a planted cookie never becomes someone's session.
  const oldHash = old && old.length <= 100 ? await sha256Hex(old) : '';
  if (old && oldHash) {
    const next = await nextToken(c.env.PORTAL_TOKEN_SECRET, old);
    const joined = await joinPortalSession(db, await sha256Hex(next), oldHash, contact);
    // Only the request that moved the live session hands out its new cookie; a link opened at the same
    // moment adds its company and answers without one (the browser takes the cookie from the other answer).
    if (joined === 'moved') return setPortalCookie(c, next);
    if (joined === 'joined') return;
  }
  const token = randomToken(32);
  await insertPortalSession(db, await sha256Hex(token), oldHash, contact);
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

const ID = /^[a-z0-9]{1,40}$/;

/**
 * Which company the request is in, by its address: a document's or a job's own, else `?company=`,
 * else (all empty) the session's last link's. Read in SQL with the session (queries.ts addressedOrg).
 */
export function portalAddress(c: AppContext): PortalAddress {
  const path = c.req.path;
  const doc = /^\/portal\/documents\/([a-z0-9]{1,40})(?:[./]|$)/.exec(path)?.[1] ?? '';
  const job = doc ? '' : (/^\/portal\/jobs\/([a-z0-9]{1,40})(?:\/|$)/.exec(path)?.[1] ?? '');
  const company = c.req.query('company') ?? '';
  return { addrDocument: doc, addrJob: job, addrCompany: !doc && !job && ID.test(company) ? company : '' };
}

/**
 * Lets the session's contact for the address's company in (or answers 404), sliding the session's
 * expiry once a day. When the session holds several companies, from then on the request's CSRF token
 * is that company's, and a write must carry it.
 */
async function admit(c: AppContext, hash: string, found: PortalSessionRow | undefined, held: SessionCompanyRow[]) {
  if (!found) notFound();
  if (c.get('portal')) return; // a second batch of the same request (a held page's stamp moved): admitted once
  checkPortalCsrfCompany(c, found.org.id, held.length);
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
    esignConsentVersion: contact.esignConsentVersion,
    org: { ...org, hasLogo: !!logoKey },
    companies: held.map(({ logoKey, ...o }) => ({ ...o, hasLogo: !!logoKey })),
  });
  // Several companies: each page's forms carry that company's own token.
  if (held.length > 1) c.set('csrf', await portalCsrfToken(siteCsrf(c), org.id));
  if (found.expiresAt - Date.now() < (PORTAL_SESSION_DAYS - 1) * DAY) {
    c.executionCtx.waitUntil(extendPortalSession(c.get('db'), hash));
    setPortalCookie(c, readCookie(c, 'portal')!);
  }
}

const addressed = new WeakMap<AppContext, { id: string; document: AddressedDocument | null }>();

/**
 * Looks the session up on its own (one round trip) and admits its contact, or answers 404. A write at a
 * document's address (a decision, a comment, a file) reads that document as the viewer may see it in the same
 * batch (`addressedDocument`); a read there (a download, the live socket) reads what it needs itself.
 */
export async function admitPortalSession(c: AppContext) {
  if (c.get('portal')) return;
  const hash = await sessionHash(c);
  const address = portalAddress(c);
  const write = c.req.method !== 'GET' && c.req.method !== 'HEAD';
  const { found, companies, document } = await findPortalSession(c.get('db'), hash, address, Date.now(), write);
  await admit(c, hash, found, companies);
  if (document !== undefined) addressed.set(c, { id: address.addrDocument, document });
}

/**
 * The document `id` as the admitted viewer may see it (null: not theirs), when the guard read it with the
 * session; undefined when it did not (then the route reads it itself).
 */
export function addressedDocument(c: AppContext, id: string): AddressedDocument | null | undefined {
  const read = addressed.get(c);
  return read && read.id === id ? read.document : undefined;
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
  const [session, companies, ...rows] = await batchPrepared(
    db,
    [prepared(db, sessionQuery), prepared(db, sessionCompaniesQuery), ...queries] as const,
    { ...values, ...portalAddress(c), sessionHash: hash, now: Date.now() },
  );
  await admit(c, hash, session[0], companies);
  return rows as unknown as { -readonly [K in keyof T]: Rows<T[K]> };
}

/** The admitted recipient; anywhere the guard let nobody in, the same 404 a stranger gets. */
export function portalViewer(c: AppContext): PortalViewer {
  const viewer = c.get('portal');
  if (!viewer) notFound();
  return viewer;
}
