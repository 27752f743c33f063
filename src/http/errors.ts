import type { ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { html } from '../../views/html';
import { ErrorPage } from '../../views/layout/page';
import type { AppEnv } from './context';
import { render } from './render';

export const notFoundMessage = 'We could not find that page. It may have been removed, or the link may be wrong.';

export function notFound(): never {
  throw new HTTPException(404, { message: notFoundMessage });
}

export const onNotFound: NotFoundHandler<AppEnv> = (c) =>
  render(c, html`<${ErrorPage} ctx=${{ nonce: c.get('nonce') ?? '' }} status=${404} message=${notFoundMessage} />`, 404);

// The one error page. Stack traces go to the log, never to the response.
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof HTTPException && err.status < 500) {
    const status = err.status as 400 | 403 | 404 | 409 | 422 | 429;
    const message = err.message || 'The request could not be accepted.';
    if (c.req.header('Accept')?.includes('application/json')) return c.json({ error: message }, status);
    return render(c, html`<${ErrorPage} ctx=${{ nonce: c.get('nonce') ?? '' }} status=${status} message=${message} />`, status);
  }
  console.error('unhandled error', c.req.method, c.req.path, err);
  return render(c, html`<${ErrorPage} ctx=${{ nonce: c.get('nonce') ?? '' }} status=${500} message="We hit a problem on our side. Nothing you entered was lost; please try again in a moment." />`, 500);
};
