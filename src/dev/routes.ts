import { Hono } from 'hono';
import { html } from '../../views/html';
import { DevMailMessagePage, DevMailPage } from '../../views/dashboard/dev-mail';
import type { AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { render } from '../http/render';
import { findOutboxMessage, listOutbox } from '../mail/outbox';
import { developmentOnly } from './only';
import { seedDemo } from './seed';
import { seedBench, seedBenchSigning } from './bench-seed';

// Development-only: the outbox as a mailbox, and the demo seed. Anywhere but development and tests answers 404.
export const devRoutes = new Hono<AppEnv>()
  .use('/dev/*', developmentOnly)
  .get('/dev/mail', async (c) => {
    const messages = await listOutbox(c.get('db'), 100);
    return render(c, html`<${DevMailPage} nonce=${c.get('nonce')} messages=${messages} />`);
  })
  .get('/dev/mail/:id', async (c) => {
    const message = await findOutboxMessage(c.get('db'), c.req.param('id'));
    if (!message) notFound();
    return render(c, html`<${DevMailMessagePage} nonce=${c.get('nonce')} message=${message} />`);
  })
  .get('/dev/mail/:id/html', async (c) => {
    const message = await findOutboxMessage(c.get('db'), c.req.param('id'));
    if (!message) notFound();
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'self'",
    );
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.html(message.html.replace('<html>', '<html><head><base target="_top"></head>'));
  })
  .post('/dev/seed', async (c) => {
    // Called by scripts/dev.mjs with the dev secret; idempotent.
    if (c.req.header('X-Dev-Secret') !== c.env.PORTAL_TOKEN_SECRET) notFound();
    const result = await seedDemo(c.get('db'));
    return c.json(result);
  })
  .post('/dev/bench-seed', async (c) => {
    // Called by scripts/bench.mjs with the dev secret, against its own state folder.
    if (c.req.header('X-Dev-Secret') !== c.env.PORTAL_TOKEN_SECRET) notFound();
    const origin = c.env.APP_ORIGIN;
    if (c.req.query('part') === 'signing')
      return c.json(await seedBenchSigning(c.env, c.get('db'), origin, Number(c.req.query('count') ?? 50)));
    return c.json(await seedBench(c.env, c.get('db'), origin));
  });
