import { buildApp } from './app';
import { database } from './db/client';
import type { Env } from './env';
import { deliverDueMail } from './mail/outbox';

export { DocumentRoom } from './rooms/document-room';

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    ctx.waitUntil(deliverDueMail(env, database(env.DB)));
  },
} satisfies ExportedHandler<Env>;
