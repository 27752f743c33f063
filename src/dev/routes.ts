import { Hono } from 'hono';
import { html } from '../../views/html';
import { DevMailMessagePage, DevMailPage } from '../../views/dashboard/dev-mail';
import { isProduction } from '../env';
import type { AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { render } from '../http/render';
import { findOutboxMessage, listOutbox } from '../mail/outbox';
import { seedDemo } from '../db/seed';

// Development-only: the outbox as a mailbox, and the demo seed. Production answers 404.
export const devRoutes = new Hono<AppEnv>()
  .use('/dev/*', async (c, next) => {
    if (isProduction(c.env)) notFound();
    return next();
  })
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
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; frame-ancestors 'self'");
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.html(message.html.replace('<html>', '<html><head><base target="_top"></head>'));
  })
  .post('/dev/seed', async (c) => {
    // Called by scripts/dev.mjs with the dev secret; idempotent.
    if (c.req.header('X-Dev-Secret') !== c.env.PORTAL_TOKEN_SECRET) notFound();
    const result = await seedDemo(c.get('db'));
    return c.json(result);
  });
