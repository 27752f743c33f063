import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { AppContext, AppEnv } from '../http/context';
import { dropCookie, readCookie, writeCookie } from '../http/cookies';
import { randomToken, sha256Hex } from '../http/crypto';
import { deviceCookieUser, deviceCookieValue } from './device';
import { deleteSession, findSession, insertSession, SESSION_DAYS, touchSession } from './queries';

const HOUR = 3_600_000;
const DEVICE_DAYS = 365;

export async function startSession(c: AppContext, user: { id: string; orgId: string }) {
  // Always a fresh token at sign-in, so a planted cookie can never become a signed-in session.
  const old = readCookie(c, 'session');
  if (old) await deleteSession(c.get('db'), await sha256Hex(old));
  const token = randomToken(32);
  await insertSession(c.get('db'), await sha256Hex(token), user, c.req.header('User-Agent') ?? '');
  writeCookie(c, 'session', token, SESSION_DAYS * 86_400);
  // This browser is now a known device of the user: others' failed sign-ins do not slow it down.
  writeCookie(c, 'device', await deviceCookieValue(c.env.PORTAL_TOKEN_SECRET, user.id), DEVICE_DAYS * 86_400);
}

/** The hash of this browser's session token (the sessions page marks its own row with it), or null. */
export async function currentSessionHash(c: AppContext): Promise<string | null> {
  const token = readCookie(c, 'session');
  return token && token.length <= 100 ? sha256Hex(token) : null;
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
}

/** Loads the contractor's session when there is one; never refuses. */
export const loadUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = readCookie(c, 'session');
  if (token && token.length <= 100) {
    const hash = await sha256Hex(token);
    const found = await findSession(c.get('db'), hash);
    if (found) {
      c.set('user', found.user);
      c.set('org', found.org);
      // Last seen and the sliding expiry, written at most once an hour per session.
      if (Date.now() - (found.lastSeenAt ?? 0) >= HOUR) c.executionCtx.waitUntil(touchSession(c.get('db'), hash));
    }
  }
  return next();
};

/** Dashboard routes: a contractor session or a trip to the sign-in page. */
export const requireUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('user')) {
    if (c.req.method === 'GET') {
      const back = c.req.path + (new URL(c.req.url).search || '');
      return c.redirect(`/sign-in?next=${encodeURIComponent(back)}`, 303);
    }
    throw new HTTPException(401, { message: 'Your session has ended. Sign in again to continue.' });
  }
  return next();
};

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
