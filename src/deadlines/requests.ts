import { and, eq, isNull, sql } from 'drizzle-orm';
import { calendarDate } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { contacts, documents, orgs, users } from '../db/schema';
import { kindOf } from '../documents/kinds';
import type { Env } from '../env';
import { Conflict, NotFound } from '../errors';
import { brandOf } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { visibleTo } from '../portal/queries';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { closedByDeadline, deadlineEndsAt, deadlineRule } from './rules';

// The recipient of an expired estimate or a closed bid request asks for an update: one click on the
// portal page tells the document's creator (else the company's address) by email and on the timeline.
// At most one request per document a day; two clicks at once are one request, one email.

export const UPDATE_REQUEST_EVERY = 86_400_000;

export interface UpdateRequestCommit extends RoomContext {
  actor: Actor & { side: 'recipient'; contactId: string };
  now: number;
}

export interface UpdateRequestResult {
  /** False when this document's recipient already asked within the day: nothing new was written. */
  requested: boolean;
  /** When the request that stands was made. */
  at: number;
}

/**
 * When the recipient's request stands, or null: one made after the date closed the document (a request
 * from before an extension does not count) and less than a day ago, so the page offers no second one.
 */
export function standingRequest(
  doc: { deadline: string | null; updateRequestedAt: number | null },
  timeZone: string,
  now: number,
): number | null {
  const at = doc.updateRequestedAt;
  const ends = deadlineEndsAt(doc, timeZone);
  if (at === null || ends === null || at < ends || now - at >= UPDATE_REQUEST_EVERY) return null;
  return at;
}

/** Whether the recipient has asked since the date closed the document (however long ago): the page says so. */
export function askedSinceClosed(doc: { deadline: string | null; updateRequestedAt: number | null }, timeZone: string) {
  const ends = deadlineEndsAt(doc, timeZone);
  return doc.updateRequestedAt !== null && ends !== null && doc.updateRequestedAt >= ends;
}

async function requestState(db: Db, input: UpdateRequestCommit) {
  const [row] = await db
    .select({ document: documents, org: orgs, contact: contacts, creator: { name: users.name, email: users.email } })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .innerJoin(contacts, and(eq(contacts.orgId, input.orgId), eq(contacts.id, input.actor.contactId)))
    .leftJoin(users, eq(users.id, documents.createdBy))
    .where(
      and(
        eq(documents.orgId, input.orgId),
        eq(documents.id, input.documentId),
        visibleTo({ orgId: input.orgId, accountId: sql`${contacts.accountId}`, contactId: input.actor.contactId }),
      ),
    );
  return row;
}

/** The plan the room runs: re-reads visibility, the date and the last request inside the queue. */
export async function updateRequestWrite(
  db: Db,
  _env: Env,
  input: UpdateRequestCommit,
): Promise<RoomWrite<UpdateRequestResult>> {
  const { now } = input;
  const state = await requestState(db, input);
  if (!state) throw new NotFound();
  const d = state.document;
  if (!closedByDeadline(d, input.timeZone, now)) {
    throw new Conflict(
      deadlineRule(d) === 'bids_close'
        ? 'Bidding on this request is open: there is nothing to reopen.'
        : 'This document has not expired: you can still decide on it.',
    );
  }
  const standing = standingRequest(d, input.timeZone, now);
  if (standing !== null) return { statements: [], result: { requested: false, at: standing } };
  const name = `${kindOf(d.type, d.subtype)?.label ?? 'Document'} ${d.number}`;
  const who = state.contact.name || input.actor.name;
  const bids = deadlineRule(d) === 'bids_close';
  const subject = bids ? `${who} asked to reopen bidding on ${name}` : `${who} asked for an updated ${name}`;
  const to = state.creator?.email
    ? { name: state.creator.name, email: state.creator.email }
    : state.org.email
      ? { name: state.org.name, email: state.org.email }
      : null;
  const activityId = createId();
  const on = calendarDate(d.deadline);
  const asRead =
    d.updateRequestedAt === null
      ? isNull(documents.updateRequestedAt)
      : eq(documents.updateRequestedAt, d.updateRequestedAt);
  const statements = [
    // Conditional on the request the plan read: a write that somehow bypassed the room changes nothing twice.
    db
      .update(documents)
      .set({ updateRequestedAt: now })
      .where(and(eq(documents.id, d.id), eq(documents.orgId, input.orgId), asRead)),
    activityInsert(db, {
      id: activityId,
      orgId: input.orgId,
      jobId: d.jobId,
      documentId: d.id,
      action: 'update_requested',
      actor: input.actor,
      data: {},
      at: now,
    }),
    ...(to
      ? [
          queueMail(
            db,
            {
              orgId: input.orgId,
              documentId: d.id,
              kind: 'update_requested',
              to,
              fromName: 'Contractor Portal',
              replyTo: state.contact.email || null,
              subject,
              ...renderMail({
                brand: brandOf(state.org),
                heading: subject,
                paragraphs: [
                  bids
                    ? `Bids on ${name} closed on ${on}. ${who} would like to bid: reopen bidding with a new date.`
                    : `${name} expired on ${on}. ${who} would like an updated one: extend its date or revise it.`,
                  `Reply to this email to answer ${who} directly (${state.contact.email}).`,
                ],
                button: { label: `Open ${name}`, href: `${input.origin}/documents/${d.id}` },
              }),
            },
            now,
          ),
        ]
      : []),
  ];
  return {
    statements,
    result: { requested: true, at: now },
    activityId,
    event: { type: 'update_requested' },
  };
}

/** The verb the portal route calls: the room runs the plan in the document's queue. */
export async function askForUpdate(
  env: Env,
  actor: UpdateRequestCommit['actor'],
  room: RoomContext,
): Promise<UpdateRequestResult> {
  return throughRoom(documentRoom(env, room.documentId).askForUpdate({ ...room, actor, now: Date.now() }));
}
