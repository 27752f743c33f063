import { createId } from '../db/ids';
import { and, asc, eq, inArray, lte, sql } from 'drizzle-orm';
import { activityInsert } from '../conversation/activity';
import type { Db } from '../db/client';
import { outbox } from '../db/schema';
import type { Env } from '../env';
import { sendViaMailChannels } from './mailchannels';

export interface OutgoingMail {
  /** A fixed id makes a second queueing of the same message nothing (with onConflictDoNothing). */
  id?: string;
  orgId?: string | null;
  documentId?: string | null;
  kind: string;
  to: { email: string; name?: string };
  fromName: string;
  replyTo?: string | null;
  subject: string;
  html: string;
  text: string;
  /**
   * Queue it only while the contact's portal access is still this one: a revoke or a new address committed
   * since the plan read it makes the address NULL, which fails the whole batch instead of mailing them.
   */
  whileAccess?: { contactId: string; accessVersion: number };
}

export const MAX_ATTEMPTS = 8;
const LEASE_MS = 5 * 60_000;

/** The insert for one message, to be committed in the same batch as the change that caused it. */
export function queueMail(db: Db, mail: OutgoingMail, now = Date.now()) {
  return db.insert(outbox).values({
    id: mail.id ?? createId(),
    orgId: mail.orgId ?? null,
    documentId: mail.documentId ?? null,
    kind: mail.kind,
    toEmail: mail.whileAccess
      ? sql<string>`(SELECT email FROM contacts WHERE id = ${mail.whileAccess.contactId}
          AND access_version = ${mail.whileAccess.accessVersion} AND email = ${mail.to.email})`
      : mail.to.email,
    toName: mail.to.name ?? '',
    fromName: mail.fromName,
    replyTo: mail.replyTo ?? null,
    subject: mail.subject,
    html: mail.html,
    text: mail.text,
    status: 'queued',
    nextAttemptAt: now,
    createdAt: now,
  });
}

export function retryDelay(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 6 * 3_600_000);
}

/**
 * Delivers queued messages that are due. Each is claimed with a lease first (one UPDATE), so two
 * deliverers running at once never send the same message twice. Without an API key (local
 * development) nothing is sent: the outbox is the mailbox.
 */
export async function deliverDueMail(
  env: Env,
  db: Db,
  now = Date.now(),
  limit = 25,
): Promise<{ sent: number; failed: number }> {
  if (!env.MAILCHANNELS_API_KEY) return { sent: 0, failed: 0 };
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.status, 'queued'), lte(outbox.nextAttemptAt, now)))
    .orderBy(asc(outbox.createdAt))
    .limit(limit);
  const claimed = await db
    .update(outbox)
    .set({ nextAttemptAt: now + LEASE_MS, attempts: sql`${outbox.attempts} + 1` })
    .where(and(inArray(outbox.id, due), eq(outbox.status, 'queued'), lte(outbox.nextAttemptAt, now)))
    .returning();
  let sent = 0;
  let failed = 0;
  for (const msg of claimed) {
    const result = await sendViaMailChannels(env, msg);
    if (result.ok) {
      sent++;
      // A signing code lives only as its HMAC (issue 18): once delivered, its email's body is blanked.
      const body = msg.kind === 'signing_code' ? { text: '', html: '' } : {};
      await db
        .update(outbox)
        .set({ status: 'sent', sentAt: Date.now(), lastError: null, ...body })
        .where(eq(outbox.id, msg.id));
    } else {
      failed++;
      const giveUp = msg.attempts >= MAX_ATTEMPTS;
      const error = result.error.slice(0, 1000);
      const update = db
        .update(outbox)
        .set({
          status: giveUp ? 'failed' : 'queued',
          lastError: error,
          nextAttemptAt: Date.now() + retryDelay(msg.attempts),
        })
        .where(eq(outbox.id, msg.id));
      // Given up: the contractor sees on the document's activity that this email never arrived.
      if (giveUp && msg.orgId)
        await db.batch([
          update,
          activityInsert(db, {
            orgId: msg.orgId,
            documentId: msg.documentId,
            action: 'mail_failed',
            actor: { side: 'system', name: 'Email' },
            data: { to: `${msg.toName} <${msg.toEmail}>`, subject: msg.subject, error },
          }),
        ]);
      else await update;
    }
  }
  return { sent, failed };
}

export async function listOutbox(db: Db, limit = 50) {
  return db.select().from(outbox).orderBy(sql`${outbox.createdAt} DESC`).limit(limit);
}

export async function findOutboxMessage(db: Db, id: string) {
  return db.query.outbox.findFirst({ where: eq(outbox.id, id) });
}
