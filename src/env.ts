import type { PdfService } from './pdf/worker';
import type { DocumentRoom } from './rooms/document-room';

export interface Env {
  DB: D1Database;
  FILES: R2Bucket;
  ASSETS: Fetcher;
  DOCUMENT_ROOM: DurableObjectNamespace<DocumentRoom>;
  /** The PDF Worker (src/pdf/worker.ts): pdf-lib and fontkit, over RPC (issue 19). */
  PDF: Service<PdfService>;
  ENVIRONMENT: string; // "development" (scripts/dev.mjs), "test" (vitest) or anything else: a deployment
  APP_NAME: string;
  APP_ORIGIN: string; // the app's one address: every emailed link names it; deployments serve no other host
  MAIL_FROM: string;
  DKIM_DOMAIN: string;
  DKIM_SELECTOR: string;
  DKIM_PRIVATE_KEY?: string;
  MAILCHANNELS_API_KEY?: string;
  PORTAL_TOKEN_SECRET: string;
  /** The sealing key, PKCS#8 PEM (RSA 2048/3072/4096, EC P-256/P-384); absent when SEAL_SIGNER_URL signs. */
  SEAL_PRIVATE_KEY?: string;
  /** The sealing certificate, PEM, the signer's first, then its chain. */
  SEAL_CERTIFICATE?: string;
  /** Issue 18: a remote signing service (HTTPS) that signs the seal's digest with a key kept in hardware. */
  SEAL_SIGNER_URL?: string;
  /** Its credential, sent as `Authorization: Bearer …`. */
  SEAL_SIGNER_TOKEN?: string;
  /** Issue 18: an RFC 3161 timestamp authority; when set, every seal carries its timestamp or is not made. */
  TSA_URL?: string;
  /** Optional `Authorization` header value for the timestamp authority. */
  TSA_AUTHORIZATION?: string;
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

/** This machine, by name or address. */
export const isLoopback = (hostname: string) => hostname === 'localhost' || hostname === '127.0.0.1';

/** Plain http to this machine, allowed only locally: a development stand-in for an https service. */
export const localPlainHttp = (env: { ENVIRONMENT?: string }, url: URL) =>
  isLocal({ ENVIRONMENT: env.ENVIRONMENT ?? '' }) && url.protocol === 'http:' && isLoopback(url.hostname);
