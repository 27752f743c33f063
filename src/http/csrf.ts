import type { MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { readCappedBody } from './body';
import type { AppEnv } from './context';
import { readCookie, writeCookie } from './cookies';
import { constantTimeEqualText, randomToken } from './crypto';

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
  if (!sent || !constantTimeEqualText(sent, token)) throw new HTTPException(403, { message: csrfMessage });
  return next();
};

const csrfMessage = 'This form has expired or did not come from this site. Go back, reload the page and try again.';
