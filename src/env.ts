import type { DocumentRoom } from './rooms/document-room';

export interface Env {
  DB: D1Database;
  FILES: R2Bucket;
  ASSETS: Fetcher;
  DOCUMENT_ROOM: DurableObjectNamespace<DocumentRoom>;
  ENVIRONMENT: string; // "production", "development" (from .dev.vars) or "test"
  APP_NAME: string;
  APP_ORIGIN: string; // where links in emails sent outside a request (retries, digests) point
  MAIL_FROM: string;
  DKIM_DOMAIN: string;
  DKIM_SELECTOR: string;
  DKIM_PRIVATE_KEY?: string;
  MAILCHANNELS_API_KEY?: string;
  PORTAL_TOKEN_SECRET: string;
  SEAL_PRIVATE_KEY?: string;
  SEAL_CERTIFICATE?: string;
}

export const isProduction = (env: Env) => env.ENVIRONMENT === 'production';
