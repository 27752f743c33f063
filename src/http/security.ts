import type { Handler, MiddlewareHandler } from 'hono';
import { isLocal } from '../env';
import type { AppEnv } from './context';
import { randomToken } from './crypto';

// Strict CSP: scripts only from our origin or with this response's nonce; no inline styles. The policy
// around the nonce is joined once per isolate, not per response.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'nonce-\u0000'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  // Pay and Connect Stripe post here and are redirected on to Stripe: browsers apply form-action to
  // the redirect of a form's submission, so Stripe's hosted Checkout and onboarding are allowed.
  "form-action 'self' https://checkout.stripe.com https://connect.stripe.com",
  "frame-ancestors 'none'",
]
  .join('; ')
  .split('\u0000');

export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  const nonce = randomToken(16);
  c.set('nonce', nonce);
  await next();
  if (c.res.status === 101) return; // a WebSocket handshake carries no page
  const h = c.res.headers;
  // A route that needs a different policy (the dev mailbox's email frame) sets its own.
  if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', CSP[0] + nonce + CSP[1]);
  h.set('X-Content-Type-Options', 'nosniff');
  if (!h.has('X-Frame-Options')) h.set('X-Frame-Options', 'DENY');
  h.set('Referrer-Policy', c.req.path.startsWith('/p') ? 'no-referrer' : 'same-origin');
  h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  h.set('Cross-Origin-Opener-Policy', 'same-origin');
  if (!isLocal(c.env)) h.set('Strict-Transport-Security', 'max-age=63072000; includeSubDomains');
  // Nothing here is for search engines: documents, portal pages, expired-link pages.
  h.set('X-Robots-Tag', 'noindex');
  if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
};

/**
 * A deployment answers only for APP_ORIGIN's host: anything built from the request's address (a
 * redirect, a same-origin check) then names the app itself, never a Host header an attacker chose.
 * Locally (wrangler dev on any port, tests) every host is served.
 */
export const appHostOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!isLocal(c.env) && new URL(c.req.url).host !== new URL(c.env.APP_ORIGIN).host) {
    return c.text('This address is not served here.', 421);
  }
  return next();
};

/** No crawling at all: every page is someone's document or a sign-in form. */
export const robotsTxt: Handler<AppEnv> = (c) =>
  c.text('User-agent: *\nDisallow: /\n', 200, { 'Cache-Control': 'public, max-age=86400' });
