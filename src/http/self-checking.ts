import type { Handler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppContext, AppEnv } from './context';

/**
 * A set of GET pages that check their viewer themselves, inside the page's own batch of reads (one D1
 * round trip): the contractor's (auth/session.ts requireUserWith) and the portal's (portal/guard.ts
 * requirePortalWith). `mark` wraps such a handler where it is mounted; `handles(c)` tells the guard
 * middleware whether the route about to answer this request is one of them, so it skips its own read.
 */
export function selfCheckingPages() {
  const marked = new WeakSet<Handler<AppEnv>>();
  return {
    mark<H extends Handler<AppEnv>>(handler: H): H {
      marked.add(handler);
      return handler;
    },
    /** Whether the handler that will answer (the first matched route after this middleware) is marked. */
    handles(c: AppContext): boolean {
      const handler = matchedRoutes(c)
        .slice(c.req.routeIndex + 1)
        .find((r) => r.method !== 'ALL')?.handler;
      return !!handler && marked.has(handler as Handler<AppEnv>);
    },
  };
}
