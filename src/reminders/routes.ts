import { Hono } from 'hono';
import { contractor } from '../documents/pages';
import type { AppEnv } from '../http/context';
import { redirectWith } from '../http/render';
import { remindNow } from './manual';

// "Remind now" (issue 16): the form on the contractor's document page posts here (CSRF checked by the app).

export const reminderRoutes = new Hono<AppEnv>().post('/documents/:id/remind', async (c) => {
  const { actor, scope } = contractor(c);
  const documentId = c.req.param('id');
  const { to } = await remindNow(c.env, c.get('db'), actor, { ...scope, documentId });
  return redirectWith(c, `/documents/${documentId}`, `Reminder sent to ${to}.`);
});
