import { Hono, type Handler, type MiddlewareHandler } from 'hono';
import { NotFound } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { selfCheckingPages } from '../http/self-checking';
import { portalRefusal } from './ended';
import { forgetSession } from '../http/page-cache';
import { admitPortalSession, sessionHash } from './session';

// The one guard of the recipient's side. Every route that serves a recipient is mounted inside
// the `/portal` sub-app portalApp() builds, behind this middleware:
//
//   - no portal cookie: the stranger's 404, before any handler runs;
//   - a write, or a read whose handler does not check the session itself: the session is looked
//     up (one round trip) and its contact admitted, or the same 404; a write at a document's address
//     reads that document as the viewer may see it in the same batch (session.ts addressedDocument);
//   - a GET page marked with checksOwnSession(): the page checks the session inside its own batch
//     of reads (requirePortalWith), so the page still costs one round trip (two when the isolate held
//     the page and it changed since: its stamp, then the page, http/page-cache.ts);
//   - after the handler: a request whose viewer was never admitted answers the 404 page, whatever
//     the handler returned. A route that forgets the check shows nothing; mount order is moot. An
//     admitted write forgets the pages held for its session (http/page-cache.ts): they changed.
//
// A session holds one person's companies (issue 17); the viewer admitted is the session's contact for
// the company the address is in (session.ts `portalAddress`), and a write's CSRF token must name that
// company (http/csrf.ts `portalCsrfToken`: another company's token is the csrf 403).
//
// Every 404 of the portal is its own (portal/ended.ts `portalRefusal`): the ended page of the
// browser's portal session, in its company's branding, when that session has ended; otherwise one
// plain page that names nobody. No /portal address falls through to the contractor's sign-in.

const selfChecking = selfCheckingPages();

/** Marks a GET page that admits the viewer itself, in the same batch as its reads (requirePortalWith). */
export const checksOwnSession = selfChecking.mark;

const reads = new Set(['GET', 'HEAD']);

export const portalGuard: MiddlewareHandler<AppEnv> = async (c, next) => {
  try {
    await sessionHash(c);
    const selfChecked = reads.has(c.req.method) && selfChecking.handles(c);
    if (!selfChecked) await admitPortalSession(c);
  } catch (err) {
    if (err instanceof NotFound) return portalRefusal(c);
    throw err;
  }
  await next();
  // Its own write changed what its pages show: they are read afresh, in one round trip (http/page-cache.ts).
  if (!reads.has(c.req.method) && c.get('portal')) forgetSession(await sessionHash(c));
  if (c.res.status >= 500 || (c.get('portal') && c.res.status !== 404)) return;
  // Nothing the unadmitted handler set (body, headers, cookies) survives; an admitted viewer's 404 is the portal's too.
  const page = await portalRefusal(c);
  c.res = undefined;
  c.res = new Response(page.body, {
    status: 404,
    headers: { 'Content-Type': page.headers.get('Content-Type') ?? 'text/html; charset=UTF-8' },
  });
};

/**
 * The recipient's side of the app, mounted at `/portal`: the guard first, then every route given,
 * then the 404 for any other /portal address (it never reaches the dashboard's sign-in redirect).
 */
export function portalApp(...routes: Hono<AppEnv>[]) {
  const portal = new Hono<AppEnv>();
  portal.use('*', portalGuard);
  for (const r of routes) portal.route('/', r);
  portal.all('*', () => notFound());
  return portal;
}
