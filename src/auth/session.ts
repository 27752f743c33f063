import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { isProduction } from '../env';
import type { AppContext, AppEnv } from '../http/context';
import { randomToken, sha256Hex } from '../http/crypto';
import { deleteSession, extendSession, findSession, insertSession, SESSION_DAYS } from './queries';

export const SESSION_COOKIE = 'cp_session';
const DAY = 86_400_000;

export async function startSession(c: AppContext, user: { id: string; orgId: string }) {
  // Always a fresh token at sign-in, so a planted cookie can never become a signed-in session.
  const old = getCookie(c, SESSION_COOKIE);
  if (old) await deleteSession(c.get('db'), await sha256Hex(old));
  const token = randomToken(32);
  await insertSession(c.get('db'), await sha256Hex(token), user);
  setCookie(c, SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: isProduction(c.env),
    maxAge: SESSION_DAYS * 86_400,
  });
}

export async function endSession(c: AppContext) {
  const token = getCookie(c, SESSION_COOKIE);
  if (token) await deleteSession(c.get('db'), await sha256Hex(token));
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: isProduction(c.env) });
}

/** Loads the contractor's session when there is one; never refuses. */
export const loadUser: MiddlewareHandler<AppEnv> = async (c, next) => {
  const token = getCookie(c, SESSION_COOKIE);
  if (token && token.length <= 100) {
    const hash = await sha256Hex(token);
    const found = await findSession(c.get('db'), hash);
    if (found) {
      c.set('user', found.user);
      c.set('org', found.org);
      // Sliding expiry, written at most about once a day per session.
      if (found.expiresAt - Date.now() < (SESSION_DAYS - 1) * DAY)
        c.executionCtx.waitUntil(extendSession(c.get('db'), hash));
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
