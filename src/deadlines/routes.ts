import { Hono } from 'hono';
import { calendarDate } from '../../views/format';
import { contractor, deadlineRefused } from '../documents/pages';
import { Conflict, Refused } from '../errors';
import type { AppEnv } from '../http/context';
import { redirectWith } from '../http/render';
import { readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { extendDeadline } from './actions';

// The contractor's deadline form: extend an estimate's valid-until date, or reopen bidding until a new date.

export const deadlineRoutes = new Hono<AppEnv>().post('/documents/:id/deadline', async (c) => {
  const { actor, scope } = contractor(c);
  const raw = await readForm(c);
  const documentId = c.req.param('id');
  const deadline = (raw.deadline ?? '').trim();
  try {
    await extendDeadline(c.env, c.get('db'), actor, { ...scope, documentId, deadline, seen: raw.seen ?? '' });
  } catch (err) {
    // Refused (a bad date, 422) or Conflict (the date moved meanwhile, 409): the panel again, the typed date kept.
    if ((err instanceof Refused || err instanceof Conflict) && err.field === 'deadline') {
      return deadlineRefused(c, { deadline }, { deadline: err.message }, err instanceof Conflict ? 409 : 422);
    }
    throw err;
  }
  deliverSoon(c);
  return redirectWith(c, `/documents/${documentId}#deadline`, `The date is now ${calendarDate(deadline)}.`);
});
