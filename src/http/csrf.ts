import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { readCappedBody } from './body';
import type { AppContext, AppEnv } from './context';
import { readCookie, writeCookie } from './cookies';
import { base64url, constantTimeEqualText, randomToken } from './crypto';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

// Double-submit token (cookie must equal the form field, an upload form's `?_csrf=` or the
// X-CSRF-Token header) plus an Origin check, so a forged cross-site post fails even if a token leaked.
export const csrf: MiddlewareHandler<AppEnv> = async (c, next) => {
  let token = readCookie(c, 'csrf');
  if (!token || !/^[A-Za-z0-9_-]{20,64}$/.test(token)) {
    token = randomToken(24);
    writeCookie(c, 'csrf', token, 60 * 60 * 24 * 365);
    if (!SAFE.has(c.req.method)) throw new HTTPException(403, { message: csrfMessage });
  }
  c.set('csrf', token);
  siteTokens.set(c, token);
  const origin = c.req.header('Origin');
  // A WebSocket handshake is a GET that carries cookies: browsers always send its Origin, so a
  // page of another site (even a sibling subdomain, which SameSite=Lax lets through) is refused.
  if (
    c.req.header('Upgrade')?.toLowerCase() === 'websocket' &&
    origin !== undefined &&
    origin !== new URL(c.req.url).origin
  ) {
    throw new HTTPException(403, { message: csrfMessage });
  }
  if (SAFE.has(c.req.method)) return next();

  const site = c.req.header('Sec-Fetch-Site');
  // Under Referrer-Policy: no-referrer (the portal) browsers send `Origin: null` with a form post;
  // then Sec-Fetch-Site, which a page cannot forge, must say the post came from this origin.
  const foreign = origin === 'null' ? site !== 'same-origin' : !!origin && origin !== new URL(c.req.url).origin;
  if (foreign || site === 'cross-site') {
    throw new HTTPException(403, { message: csrfMessage });
  }
  let sent = c.req.header('X-CSRF-Token');
  if (!sent) {
    const type = (c.req.header('Content-Type') ?? '').toLowerCase();
    // An upload's body is never read before its sender is known: its form carries the token in
    // its action URL (`?_csrf=`), a script in the header. Only a small form's body (capped at
    // 1 MB, http/body.ts) is read for its `_csrf` field.
    if (type.startsWith('multipart/form-data')) sent = c.req.query('_csrf');
    else if (type.startsWith('application/x-www-form-urlencoded')) {
      const field = (await readCappedBody(c))['_csrf'];
      if (typeof field === 'string') sent = field;
    }
  }
  if (!sent) throw new HTTPException(403, { message: csrfMessage });
  if (isPortalPath(c.req.path) && !constantTimeEqualText(sent, token)) {
    // A portal form's token names its company (issue 17); the guard checks it is the company addressed.
    const orgId = sent.slice(0, sent.indexOf('.'));
    if (!/^[a-z0-9]{1,40}$/.test(orgId) || !constantTimeEqualText(sent, await portalCsrfToken(token, orgId)))
      throw new HTTPException(403, { message: csrfMessage });
    portalCsrfCompany.set(c, orgId);
  } else if (!constantTimeEqualText(sent, token)) throw new HTTPException(403, { message: csrfMessage });
  // The cookie's own token names no company: past here a stranger still gets the portal's 404, and
  // an admitted viewer's write is refused by the guard (checkPortalCsrfCompany).
  else if (isPortalPath(c.req.path)) portalCsrfCompany.set(c, '');
  return next();
};

const isPortalPath = (path: string) => path === '/portal' || path.startsWith('/portal/');

const siteTokens = new WeakMap<AppContext, string>();
const portalCsrfCompany = new WeakMap<AppContext, string>();

/**
 * The browser's own token (its CSRF cookie) for a form that posts outside /portal (a public form,
 * the dashboard), even on a portal page whose `csrf` is its company's.
 */
export function siteCsrf(c: AppContext): string {
  return siteTokens.get(c) ?? c.get('csrf') ?? '';
}

/**
 * A portal page's token (issue 17): `<orgId>.<HMAC-SHA256(cookie token, 'portal:' + orgId)>`, bound to
 * the browser's CSRF cookie and to the company whose page carries it, so a token from one contractor's
 * page never passes on another's.
 */
export async function portalCsrfToken(cookieToken: string, orgId: string): Promise<string> {
  const enc = new TextEncoder();
  const key = await crypto.subtle.importKey('raw', enc.encode(cookieToken), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await crypto.subtle.sign('HMAC', key, enc.encode(`portal:${orgId}`));
  return `${orgId}.${base64url(new Uint8Array(mac))}`;
}

/**
 * A portal write whose token names another company than the one its address is in is the csrf 403;
 * so is the cookie's own token (naming none) once the session holds several companies — with one,
 * there is no other company to cross into, and its pages carry that token as before. The csrf
 * middleware above runs before every route of the app and records the token it checked; a request
 * it never saw (an app built without it) has nothing to compare.
 */
export function checkPortalCsrfCompany(c: AppContext, orgId: string, companies: number) {
  if (SAFE.has(c.req.method)) return;
  const named = portalCsrfCompany.get(c);
  if (named === undefined || named === orgId || (named === '' && companies <= 1)) return;
  throw new HTTPException(403, { message: csrfMessage });
}

const csrfMessage = 'This form has expired or did not come from this site. Go back, reload the page and try again.';
