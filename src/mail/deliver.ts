import type { AppContext } from '../http/context';
import { deliverDueMail } from './outbox';

/** Delivery happens after the response; what fails stays queued for the scheduled retry. */
export function deliverSoon(c: AppContext) {
  if (!c.env.MAILCHANNELS_API_KEY) return;
  c.executionCtx.waitUntil(deliverDueMail(c.env, c.get('db')).catch((err) => console.error('mail delivery', err)));
}
