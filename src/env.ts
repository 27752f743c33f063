import type { DocumentRoom } from './rooms/document-room';

export interface Env {
  DB: D1Database;
  FILES: R2Bucket;
  ASSETS: Fetcher;
  DOCUMENT_ROOM: DurableObjectNamespace<DocumentRoom>;
  ENVIRONMENT: string; // "development" (scripts/dev.mjs), "test" (vitest) or anything else: a deployment
  APP_NAME: string;
  APP_ORIGIN: string; // the app's one address: every emailed link names it; deployments serve no other host
  MAIL_FROM: string;
  DKIM_DOMAIN: string;
  DKIM_SELECTOR: string;
  DKIM_PRIVATE_KEY?: string;
  MAILCHANNELS_API_KEY?: string;
  PORTAL_TOKEN_SECRET: string;
  SEAL_PRIVATE_KEY?: string;
  SEAL_CERTIFICATE?: string;
  /** The platform's Stripe secret key (Connect). Absent: no online payments (development: a simulated checkout). */
  STRIPE_SECRET_KEY?: string;
  /** The Connect webhook endpoint's signing secret(s), comma-separated when more than one endpoint posts here. */
  STRIPE_WEBHOOK_SECRET?: string;
}

/**
 * Only an explicitly local environment (wrangler dev, tests) runs over plain http: no Secure or
 * __Host- cookies, no HSTS, any Host. Everything else ("production", "staging", a typo, nothing)
 * is treated as a deployment and gets all of them.
 */
export const isLocal = (env: Pick<Env, 'ENVIRONMENT'>) =>
  env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test';
