import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/context';
import { notFound } from '../http/errors';

/**
 * The /dev pages (the mailbox, the simulated Stripe) answer only where the app is known to be local:
 * development and tests. A staging deploy with another ENVIRONMENT must not publish every email (and
 * its portal links), nor let anyone complete a payment.
 */
export const developmentOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.env.ENVIRONMENT !== 'development' && c.env.ENVIRONMENT !== 'test') notFound();
  return next();
};
