import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { html } from '../../views/html';
import { ErrorPage } from '../../views/layout/page';
import { DomainError, NOT_FOUND_MESSAGE, NotFound, STATUS_OF } from '../errors';
import type { AppEnv } from './context';
import { render } from './render';

export function notFound(): never {
  throw new NotFound();
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  render(
    c,
    html`<${ErrorPage} ctx=${{ nonce: c.get('nonce') ?? '' }} status=${404} message=${NOT_FOUND_MESSAGE} />`,
    404,
  );

/** The status a thrown error answers with, when it is one we expected (a domain error or a middleware's 4xx). */
function expected(err: Error): { status: 400 | 403 | 404 | 409 | 413 | 422 | 429 | 503; message: string } | null {
  if (err instanceof DomainError) return { status: STATUS_OF[err.code], message: err.message };
  if (err instanceof HTTPException && err.status < 500)
    return { status: err.status as 400, message: err.message || 'The request could not be accepted.' };
  return null;
}

/**
 * Where the error page sends a person back to: a recipient to the document they were on (or their
 * documents), never to the contractor's sign-in; anyone else to the home page.
 */
function backFrom(path: string) {
  const doc = /^\/portal\/documents\/([a-z0-9]+)(?:\/|$)/.exec(path)?.[1];
  if (doc) return { href: `/portal/documents/${doc}`, label: 'Back to the document' };
  if (path === '/portal' || path.startsWith('/portal/')) return { href: '/portal', label: 'Your documents' };
  return undefined;
}

// The one error page. Stack traces go to the log, never to the response.
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const known = expected(err);
  if (known) {
    if (c.req.header('Accept')?.includes('application/json')) return c.json({ error: known.message }, known.status);
    return render(
      c,
      html`<${ErrorPage} ctx=${{ nonce: c.get('nonce') ?? '' }} status=${known.status} message=${known.message}
        back=${backFrom(c.req.path)} />`,
      known.status,
    );
  }
  console.error('unhandled error', c.req.method, c.req.path, err);
  return render(
    c,
    html`<${ErrorPage}
      ctx=${{ nonce: c.get('nonce') ?? '' }}
      status=${500}
      message="We hit a problem on our side. Nothing you entered was lost; please try again in a moment."
    />`,
    500,
  );
};
