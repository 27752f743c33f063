import type { VNode } from 'preact';
import type { PageContext } from '../../views/layout/page';
import { renderPage } from '../../views/html';
import type { AppContext } from './context';
import { setFlash, takeFlash } from './flash';
import { Refused } from '../errors';

/**
 * What every dashboard page's layout needs. The banner is the page's own `notice` or this request's
 * one-time flash (http/flash.ts), never text from the URL.
 */
export function pageContext(c: AppContext, notice?: string): PageContext {
  const org = c.get('org');
  const user = c.get('user');
  return {
    csrf: c.get('csrf') ?? '',
    nonce: c.get('nonce') ?? '',
    path: c.req.path,
    user: user && { name: user.name, email: user.email, role: user.role },
    org,
    notice: notice ?? takeFlash(c),
  };
}

const utf8 = new TextEncoder();

export function render(
  c: AppContext,
  page: VNode | VNode[],
  status: 200 | 201 | 400 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503 = 200,
) {
  return htmlResponse(c, renderPage(page), status);
}

/** A page already rendered (a held one, http/page-cache.ts). */
export function htmlResponse(c: AppContext, body: string, status: Parameters<typeof render>[2] = 200) {
  return c.body(utf8.encode(body), status, { 'Content-Type': 'text/html; charset=UTF-8' });
}

/** Post/redirect/get with a short notice shown once on the next page (a signed flash cookie, http/flash.ts). */
export function redirectWith(c: AppContext, to: string, notice?: string) {
  if (notice) setFlash(c, notice);
  return c.redirect(to, 303);
}

/**
 * Runs an action whose `Refused` may name a field: that refusal renders the form again (`again`) with the message
 * on its field; any other error goes on to the one error page. Null: the action succeeded.
 */
export async function refusedOnField(
  work: () => Promise<unknown>,
  again: (errors: Record<string, string>) => Response | Promise<Response>,
): Promise<Response | null> {
  try {
    await work();
    return null;
  } catch (err) {
    if (err instanceof Refused && err.field) return again({ [err.field]: err.message });
    throw err;
  }
}
