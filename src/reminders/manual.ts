import type { Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { reminders } from '../db/schema';
import { closedMessage, closedByDeadline } from '../deadlines/rules';
import { kindOf } from '../documents/kinds';
import { documentHead } from '../documents/queries';
import type { Env } from '../env';
import { Conflict, NotFound, TooMany } from '../errors';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { manualReminderState } from './queries';
import { goneReason, reminderStatements } from './send';

// "Remind now" (issue 16): the contractor's reminder by hand, at most one an hour per document, checked inside
// the document's room so two clicks at once are one email.

export const MANUAL_EVERY_MS = 3_600_000;

export interface RemindNowCommit extends RoomContext {
  actor: Actor & { side: 'contractor'; userId: string };
  now: number;
}

export interface RemindNowInput {
  orgId: string;
  timeZone: string;
  origin: string;
  documentId: string;
}

/** Sends the document's recipient a reminder now; answers who was reminded. */
export async function remindNow(
  env: Env,
  db: Db,
  actor: RemindNowCommit['actor'],
  input: RemindNowInput,
): Promise<{ to: string }> {
  const head = await documentHead(db, input.orgId, input.documentId);
  if (!head) throw new NotFound();
  const room: RoomContext = {
    orgId: input.orgId,
    documentId: head.id,
    jobId: head.jobId,
    timeZone: input.timeZone,
    origin: input.origin,
  };
  return throughRoom(documentRoom(env, head.id).remindNow({ ...room, actor, now: Date.now() }));
}

/** "2:14 PM" in the company's time zone. */
function clock(ms: number, timeZone: string) {
  return new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(new Date(ms));
}

export async function remindNowWrite(db: Db, env: Env, input: RemindNowCommit): Promise<RoomWrite<{ to: string }>> {
  const { now } = input;
  const { doc, last } = await manualReminderState(db, input.orgId, input.documentId);
  if (!doc) throw new NotFound();
  const d = doc.document;
  const label = (kindOf(d.type, d.subtype)?.label ?? 'document').toLowerCase();
  if (d.sentVersion === null)
    throw new Conflict(`This ${label} has not been sent yet, so there is nothing to remind about.`);
  const given = doc.linkGiven;
  const row = {
    kind: 'manual' as const,
    n: (last?.n ?? 0) + 1,
    version: d.sentVersion,
    contactId: doc.contact?.id ?? null,
  };
  const reason = goneReason(doc, { ...row, id: '', dueAt: now } as Parameters<typeof goneReason>[1], given, now);
  const names = doc.targets.map((t) => t.name);
  const who =
    names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (doc.contact?.name ?? 'the recipient');
  if (reason === 'void') throw new Conflict(`This ${label} is void, so no reminder was sent.`);
  if (reason === 'paid') throw new Conflict(`This ${label} is paid, so nothing waits on ${who}. No reminder was sent.`);
  if (reason === 'decided')
    throw new Conflict(`Nothing waits on ${who}: this ${label} is ${d.status}. No reminder was sent.`);
  if (reason === 'revoked') {
    throw new Conflict(
      `${who}'s portal access ended since this ${label} was sent (revoked, or a new email address), so a reminder ` +
        'would carry no working link. Use Resend to send them a fresh link.',
    );
  }
  if (reason === 'passed') {
    const message = closedByDeadline(d, doc.org.timeZone, now) ? closedMessage(d, doc.org.name) : '';
    throw new Conflict(`${message} Extend the date before reminding ${who}.`.trim());
  }
  if (reason) throw new Conflict(`Nothing waits on ${who} right now. No reminder was sent.`);
  if (last?.sentAt && now - last.sentAt < MANUAL_EVERY_MS) {
    const tz = doc.org.timeZone;
    throw new TooMany(
      `You reminded ${who} at ${clock(last.sentAt, tz)}. You can remind again after ` +
        `${clock(last.sentAt + MANUAL_EVERY_MS, tz)}.`,
    );
  }
  const activityId = createId();
  return {
    statements: [
      db.insert(reminders).values({
        id: createId(),
        orgId: input.orgId,
        documentId: d.id,
        ...row,
        dueAt: now,
        state: 'sent',
        sentAt: now,
        createdAt: now,
        updatedAt: now,
      }),
      ...(await reminderStatements(db, env, input, doc, row, activityId, now, input.actor)),
    ],
    activityId,
    event: { type: 'reminder' },
    result: { to: who },
  };
}
