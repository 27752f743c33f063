import { buildApp } from './app';
import { openSession } from './db/client';
import type { Env } from './env';
import { deliverDueMail } from './mail/outbox';
import { unsealedSignatures } from './signing/queries';
import { finalizeSignature } from './signing/finalize';
import type { Db } from './db/client';
import { sendDailyDigests } from './digest/daily';
import { runReminders } from './reminders/run';

async function retrySealing(env: Env, db: Db) {
  for (const p of await unsealedSignatures(db)) await finalizeSignature(env, db, p.id, env.APP_ORIGIN);
}

export { DocumentRoom } from './rooms/document-room';

const app = buildApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    // The cron reads to write: each of its runs opens its own D1 session at the primary (issue 19).
    const primary = () => openSession(env.DB, 'first-primary');
    // A signed document never stays "finalizing": whatever failed to seal is sealed again here.
    ctx.waitUntil(retrySealing(env, primary()));
    // Reminders and digests queue their mail in the outbox first, so this run delivers it with the rest
    // (its session opened after theirs, at the primary: the rooms' commits are there).
    ctx.waitUntil(
      (async () => {
        const db = primary();
        await runReminders(env, db).catch((err) => console.error('reminders', err));
        await sendDailyDigests(env, db).catch((err) => console.error('daily digest', err));
        await deliverDueMail(env, primary());
      })(),
    );
  },
} satisfies ExportedHandler<Env>;
