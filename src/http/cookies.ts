import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { isLocal } from '../env';
import type { AppContext } from './context';

// The app's own cookies, named and shaped in one place. Wherever the app is not explicitly local
// they are Secure and carry the __Host- prefix: the browser then keeps them only when set over
// https by this exact host with Path=/ and no Domain, so a sibling subdomain (or a plain-http
// response) cannot plant or overwrite one. Locally (wrangler dev, tests: plain http) the names
// are the bare ones.

const NAMES = {
  session: 'cp_session', // the contractor's session (auth/session.ts)
  portal: 'cp_portal', // the recipient's session (portal/session.ts)
  csrf: 'cp_csrf', // the double-submit token (http/csrf.ts)
  flash: 'cp_flash', // the one-time banner after an action (http/flash.ts)
  device: 'cp_device', // a browser that signed in to an account before (auth/session.ts, auth/device.ts)
  bookmark: 'cp_bookmark', // where in the database this browser's last write reached (http/replicas.ts)
} as const;

export type CookieKind = keyof typeof NAMES;

/** Secure cookies everywhere except an explicit local environment. */
export const secureCookies = (c: Pick<AppContext, 'env'>) => !isLocal(c.env);

/** The name a cookie has for this request: `__Host-cp_…` when secure, `cp_…` locally. */
export function cookieName(c: Pick<AppContext, 'env'>, kind: CookieKind) {
  return secureCookies(c) ? `__Host-${NAMES[kind]}` : NAMES[kind];
}

export function readCookie(c: AppContext, kind: CookieKind): string | undefined {
  return getCookie(c, cookieName(c, kind));
}

/** HttpOnly, SameSite=Lax, Path=/, never a Domain; Secure unless local. */
export function writeCookie(c: AppContext, kind: CookieKind, value: string, maxAgeSeconds: number) {
  setCookie(c, cookieName(c, kind), value, {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: secureCookies(c),
    maxAge: maxAgeSeconds,
  });
}

export function dropCookie(c: AppContext, kind: CookieKind) {
  deleteCookie(c, cookieName(c, kind), {
    path: '/',
    httpOnly: true,
    sameSite: 'Lax',
    secure: secureCookies(c),
  });
}
