import type { Handler, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { batchPrepared, prepared, type Prepared, type Rows } from '../db/client';
import type { AppContext, AppEnv, OrgSummary, SignedInUser } from '../http/context';
import { dropCookie, readCookie, writeCookie } from '../http/cookies';
import { randomToken, sha256Hex } from '../http/crypto';
import { forgetSession } from '../http/page-cache';
import { selfCheckingPages } from '../http/self-checking';
import { deviceCookieUser, deviceCookieValue } from './device';
import {
  deleteSession,
  findSession,
  insertSession,
  SESSION_DAYS,
  signedIn,
  touchSession,
  userSessionQuery,
} from './queries';

const HOUR = 3_600_000;
const DEVICE_DAYS = 365;
/** Each request's session hash (currentSessionHash), computed once. */
const hashes = new WeakMap<AppContext, Promise<string | null>>();

export async function startSession(c: AppContext, user: { id: string; orgId: string }) {
  // Always a fresh token at sign-in, so a planted cookie can never become a signed-in session.
  const old = readCookie(c, 'session');
  if (old) await deleteSession(c.get('db'), await sha256Hex(old));
  const token = randomToken(32);
  await insertSession(c.get('db'), await sha256Hex(token), user, c.req.header('User-Agent') ?? '');
  writeCookie(c, 'session', token, SESSION_DAYS * 86_400);
  hashes.delete(c);
  // This browser is now a known device of the user: others' failed sign-ins do not slow it down.
  writeCookie(c, 'device', await deviceCookieValue(c.env.PORTAL_TOKEN_SECRET, user.id), DEVICE_DAYS * 86_400);
}

/**
 * The hash of this browser's session token (the sessions page marks its own row with it; a held page's key,
 * http/page-cache.ts), or null: hashed once per request.
 */
export function currentSessionHash(c: AppContext): Promise<string | null> {
  let hash = hashes.get(c);
  if (!hash) {
    const token = sessionToken(c);
    hashes.set(c, (hash = token ? sha256Hex(token) : Promise.resolve(null)));
  }
  return hash;
}

/** The users this browser is known to have signed in as: its device cookie's, its live session's. */
export async function knownUserIds(c: AppContext): Promise<string[]> {
  const ids = [await deviceCookieUser(c.env.PORTAL_TOKEN_SECRET, readCookie(c, 'device')), c.get('user')?.id];
  return ids.filter((id): id is string => !!id);
}

/** Only forgets this browser's session cookie (its row is already gone: "sign out everywhere"). */
export function dropSessionCookie(c: AppContext) {
  dropCookie(c, 'session');
}

export async function endSession(c: AppContext) {
  const token = readCookie(c, 'session');
  if (token) await deleteSession(c.get('db'), await sha256Hex(token));
  dropCookie(c, 'session');
  hashes.delete(c);
}

const touched = new WeakSet<AppContext>();

/** The session's user and org for this request, and the sliding expiry when it is due. */
function admitUser(
  c: AppContext,
  hash: string,
  found: { lastSeenAt: number | null; user: SignedInUser; org: OrgSummary },
) {
  c.set('user', found.user);
  c.set('org', found.org);
  // Last seen and the sliding expiry, written at most once an hour per session (once per request: a held page
  // whose stamp moved checks the session twice).
  if (Date.now() - (found.lastSeenAt ?? 0) < HOUR || touched.has(c)) return;
  touched.add(c);
  c.executionCtx.waitUntil(touchSession(c.get('db'), hash));
}

function sessionToken(c: AppContext) {
  const token = readCookie(c, 'session');
  return token && token.length <= 100 ? token : null;
}

// Issue 19: a dashboard GET page marked with checksOwnSession() reads the session inside its own batch
// of reads (requireUserWith), so the page costs one D1 round trip. loadUser skips its read for such a
// request only; requireUser then lets it through to its handler and, after it, answers the sign-in
// redirect whatever the handler returned unless the handler admitted a user. A page that forgets to
// check shows nothing; every other route keeps the middleware's own check.
const selfChecking = selfCheckingPages();
const deferred = new WeakSet<AppContext>();

/** Marks a dashboard GET page that checks the contractor's session itself, in its own batch (requireUserWith). */
export const checksOwnSession = selfChecking.mark;

/** Loads the contractor's session when there is one; never refuses. */
export const loadUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = sessionToken(c);
  if (token) {
    if (c.req.method === 'GET' && selfChecking.handles(c)) {
      deferred.add(c);
      return next();
    }
    const hash = (await currentSessionHash(c))!;
    const found = await findSession(c.get('db'), hash);
    if (found) admitUser(c, hash, found);
    if (!found || c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    await next();
    // Its own write changed what its pages show: they are read afresh, in one round trip (http/page-cache.ts).
    forgetSession(hash);
    return;
  }
  return next();
};

const sessionEnded = () => new HTTPException(401, { message: 'Your session has ended. Sign in again to continue.' });

const signInPath = (c: AppContext) =>
  `/sign-in?next=${encodeURIComponent(c.req.path + (new URL(c.req.url).search || ''))}`;

function signInAgain(c: AppContext) {
  if (c.req.method === 'GET') return c.redirect(signInPath(c), 303);
  throw sessionEnded();
}

/** Dashboard routes: a contractor session or a trip to the sign-in page. */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('user') && !deferred.has(c)) return signInAgain(c);
  await next();
  if (c.get('user') || c.req.method !== 'GET' || c.res.status >= 500) return;
  // The page's own check found no live session: nothing it read, rendered or set survives.
  c.res = undefined;
  c.res = new Response(null, { status: 303, headers: { Location: signInPath(c) } });
};

/**
 * The dashboard's session check inside a page's batch: the session lookup runs first, then the page's
 * queries, scoped in SQL by the session's org (queries.ts sessionOrgId), so nothing is read for a
 * stranger. No live session: the rows are dropped and the request answers as requireUser would.
 */
export async function requireUserWith<const T extends readonly Prepared[]>(
  c: AppContext,
  queries: T,
  values: Record<string, unknown>,
) {
  const hash = await currentSessionHash(c);
  if (!hash) throw sessionEnded();
  const db = c.get('db');
  const [session, ...rows] = await batchPrepared(db, [prepared(db, userSessionQuery), ...queries] as const, {
    ...values,
    sessionHash: hash,
    now: Date.now(),
  });
  if (!session[0]) {
    // Signed out (or expired) since the middleware looked, or never signed in: requireUser answers.
    c.set('user', undefined);
    c.set('org', undefined);
    throw sessionEnded();
  }
  admitUser(c, hash, { lastSeenAt: session[0].lastSeenAt, ...signedIn(session[0]) });
  return rows as unknown as { -readonly [K in keyof T]: Rows<T[K]> };
}

export function currentUser(c: AppContext) {
  const user = c.get('user');
  const org = c.get('org');
  if (!user || !org) throw new HTTPException(401, { message: 'Sign in to continue.' });
  return { user, org };
}

export function requireOwner(c: AppContext) {
  const { user } = currentUser(c);
  if (user.role !== 'owner') throw new HTTPException(403, { message: 'Only the account owner can do this.' });
}
