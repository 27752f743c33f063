import { Hono } from 'hono';
import { html } from '../../views/html';
import { DevMailMessagePage, DevMailPage } from '../../views/dashboard/dev-mail';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { render } from '../http/render';
import { findOutboxMessage, listOutbox } from '../mail/outbox';
import { developmentOnly } from './only';
import { seedChoicesDemo, seedDemo, seedPeopleDemo, seedSecondCompany } from './seed';
import { seedBench, seedBenchSigning } from './bench-seed';
import { sendDailyDigests } from '../digest/daily';
import { runReminders } from '../reminders/run';
import { readForm } from '../http/validate';
import { takeFlash } from '../http/flash';
import { redirectWith } from '../http/render';

const DAY = 86_400_000;

async function mailbox(c: AppContext, notice?: string, status: 200 | 422 = 200) {
  const messages = await listOutbox(c.get('db'), 100);
  const page = html`<${DevMailPage} nonce=${c.get('nonce')} csrf=${c.get('csrf')} notice=${notice}
    messages=${messages} />`;
  return render(c, page, status);
}

// Development-only: the outbox as a mailbox, and the demo seed. Anywhere but development and tests answers 404.
export const devRoutes = new Hono<AppEnv>()
  .use('/dev/*', developmentOnly)
  .get('/dev/mail', async (c) => {
    return mailbox(c, takeFlash(c));
  })
  // What the cron does every 5 minutes (reminders, then digests), now or as if some days had passed, so the
  // reminder and digest emails can be seen here without waiting. Each reminder and digest still goes once.
  .post('/dev/scheduled', async (c) => {
    const days = Number((await readForm(c)).days ?? '0');
    if (!Number.isInteger(days) || days < 0 || days > 60) {
      return mailbox(c, 'Days ahead must be a whole number from 0 to 60.', 422);
    }
    const at = Date.now() + days * DAY;
    const db = c.get('db');
    const reminders = await runReminders(c.env, db, at);
    const digests = await sendDailyDigests(c.env, db, at);
    const when = days ? `as of ${days} day${days === 1 ? '' : 's'} from now` : 'now';
    return redirectWith(
      c,
      '/dev/mail',
      `Ran the scheduled work ${when}: reminders for ${reminders.documents} document(s), ${digests.sent} digest(s).`,
    );
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
    // Issue 17: an estimate sent to both Patels, waiting on their signatures and the countersignature
    // (asked for by `npm run dev`; the browser tests start with nothing sent).
    if (result.created && c.req.query('people') === '1') await seedPeopleDemo(c.env, c.get('db'), c.env.APP_ORIGIN);
    // Issue 20: Dana Reyes's estimate with options to choose (`npm run dev`, and a browser test that asks);
    // its own one-time key makes it once.
    if (c.req.query('people') === '1' || c.req.query('choices') === '1')
      await seedChoicesDemo(c.env, c.get('db'), c.env.APP_ORIGIN);
    // Issue 17, part D: Bright Electric, whose customer is Arjun Patel too: the portal's company switcher.
    // Its own check makes it once, also in a state seeded before it existed.
    await seedSecondCompany(c.env, c.get('db'), c.env.APP_ORIGIN);
    return c.json(result);
  })
  .post('/dev/bench-seed', async (c) => {
    // Called by scripts/bench.mjs with the dev secret, against its own state folder.
    if (c.req.header('X-Dev-Secret') !== c.env.PORTAL_TOKEN_SECRET) notFound();
    const origin = c.env.APP_ORIGIN;
    if (c.req.query('part') === 'signing')
      return c.json(await seedBenchSigning(c.env, c.get('db'), origin, Number(c.req.query('count') ?? 50)));
    return c.json(await seedBench(c.env, c.get('db'), origin, Number(c.req.query('scale') ?? 1)));
  });
