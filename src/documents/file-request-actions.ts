import { and, eq, isNull, sql } from 'drizzle-orm';
import { activityInsert } from '../conversation/activity';
import { fileWrite, type FileCommit } from '../conversation/actions';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { activity, documentRecipients, documents, fileRequests } from '../db/schema';
import type { Env } from '../env';
import { Conflict, NotFound, Refused } from '../errors';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { andList } from '../signing/people';
import type { ContractorActor, Scope } from './actions';
import { slotInserts, slotNameRefusal, tooManySlots, type SlotInput } from './file-requests';
import { documentHead } from './queries';

// Issue 20, part D: the room's plans for requested files. Filling a slot is a shared file and the
// slot's fill in one batch; waiving, adding and removing slots are the contractor's. Each reads the
// slot inside the queue, so an upload and a waive of one slot, or two uploads, are one after the other.

export const NOT_ON_DOCUMENT = 'Only the people this document was sent to can upload the files it asks for.';

export type SlotFillCommit = FileCommit & { slotId: string };
export interface SlotCommit extends RoomContext {
  actor: ContractorActor;
  slotId: string;
}
export interface SlotsAddCommit extends RoomContext {
  actor: ContractorActor;
  slots: SlotInput[];
}

async function slotOf(db: Db, input: RoomContext & { slotId: string }) {
  const [slot] = await db
    .select()
    .from(fileRequests)
    .where(
      and(
        eq(fileRequests.orgId, input.orgId),
        eq(fileRequests.documentId, input.documentId),
        eq(fileRequests.id, input.slotId),
      ),
    );
  if (!slot) throw new NotFound();
  return slot;
}

/** A removed slot's name, from the timeline line its removal wrote ("The file" when it is not found). */
async function removedSlotName(db: Db, input: RoomContext & { slotId: string }) {
  const [row] = await db
    .select({ slot: sql<string>`json_extract(${activity.data}, '$.slot')` })
    .from(activity)
    .where(
      and(
        eq(activity.orgId, input.orgId),
        eq(activity.documentId, input.documentId),
        eq(activity.action, 'file_request_removed'),
        sql`json_extract(${activity.data}, '$.slotId') = ${input.slotId}`,
      ),
    )
    .limit(1);
  return row?.slot || 'The file';
}

/** Still open: neither filled nor waived (the batch's guard; the queue already ordered the writes). */
const open = (id: string) => and(eq(fileRequests.id, id), isNull(fileRequests.fileId), isNull(fileRequests.waivedAt));

/**
 * A recipient's file into a slot: only someone the document is sent to (a signer or a copy; the
 * one contact of a document without recipient rows), only while the slot is open. A second upload
 * into a filled slot is refused, and its file deleted by the Worker: the slot holds one file.
 */
export async function slotFillWrite(db: Db, input: SlotFillCommit): Promise<RoomWrite<{ id: string }>> {
  const [slots, docs, people] = await db.batch([
    db
      .select()
      .from(fileRequests)
      .where(
        and(
          eq(fileRequests.orgId, input.orgId),
          eq(fileRequests.documentId, input.documentId),
          eq(fileRequests.id, input.slotId),
        ),
      ),
    db
      .select({ contactId: documents.contactId })
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db
      .select({ contactId: documentRecipients.contactId })
      .from(documentRecipients)
      .where(and(eq(documentRecipients.orgId, input.orgId), eq(documentRecipients.documentId, input.documentId))),
  ]);
  const slot = slots[0];
  const who = input.actor.contactId;
  if (!docs[0] || input.actor.side !== 'recipient' || !who) throw new NotFound();
  const onDocument = people.length ? people.some((p) => p.contactId === who) : docs[0].contactId === who;
  if (!onDocument) throw new Refused(NOT_ON_DOCUMENT, 'upload');
  // The contractor removed the slot while the form was open: said in the files section ('files'), not a 404 page.
  if (!slot)
    throw new Refused(
      `${await removedSlotName(db, input)} is no longer asked for, so your file was not added.`,
      'files',
    );
  if (slot.fileId) throw new Refused(`${slot.name} was uploaded already, so your file was not added.`, 'upload');
  if (slot.waivedAt) throw new Refused(`${slot.name} is no longer needed, so your file was not added.`, 'upload');
  const shared = fileWrite(db, { ...input, file: { ...input.file, slot: slot.name } });
  const now = Date.now();
  return {
    ...shared,
    statements: [
      ...shared.statements,
      db.update(fileRequests).set({ fileId: input.file.id, filledBy: who, filledAt: now }).where(open(slot.id)),
    ],
    event: { ...shared.event!, say: `${slot.name} was uploaded.` },
  };
}

/** The contractor waives an open required slot: the decision no longer waits on it. A second click writes nothing. */
export async function slotWaiveWrite(db: Db, input: SlotCommit): Promise<RoomWrite<{ name: string }>> {
  const slot = await slotOf(db, input);
  if (slot.fileId) throw new Conflict(`${slot.name} was uploaded meanwhile, so there is nothing to waive.`);
  if (slot.waivedAt) return { statements: [], result: { name: slot.name } };
  if (!slot.required) throw new Refused(`${slot.name} is optional: nothing waits on it.`);
  const now = Date.now();
  const activityId = createId();
  return {
    statements: [
      db.update(fileRequests).set({ waivedBy: input.actor.userId, waivedAt: now }).where(open(slot.id)),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'file_request_waived',
        actor: input.actor,
        data: { slot: slot.name },
        at: now,
      }),
    ],
    activityId,
    event: { type: 'file_request', say: `${slot.name} is no longer needed.` },
    result: { name: slot.name },
  };
}

/** The contractor asks for more files on a sent document (the send asks for the first ones). */
export async function slotsAddWrite(db: Db, input: SlotsAddCommit): Promise<RoomWrite<{ names: string[] }>> {
  const [docs, slots] = await db.batch([
    db
      .select({ status: documents.status, sentVersion: documents.sentVersion })
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db
      .select({ name: fileRequests.name })
      .from(fileRequests)
      .where(and(eq(fileRequests.orgId, input.orgId), eq(fileRequests.documentId, input.documentId))),
  ]);
  const doc = docs[0];
  if (!doc) throw new NotFound();
  if (doc.status === 'void' || doc.sentVersion === null)
    throw new Conflict('Files can be asked for once the document is sent, and not after it is void.');
  const taken = slots.map((s) => s.name);
  for (const s of input.slots) {
    const refusal = slotNameRefusal(s.name, taken);
    if (refusal) throw new Refused(refusal, 'slotName');
    taken.push(s.name);
  }
  const tooMany = tooManySlots(taken.length);
  if (tooMany) throw new Refused(tooMany, 'slotName');
  const now = Date.now();
  const activityId = createId();
  const names = input.slots.map((s) => s.name);
  return {
    statements: [
      ...slotInserts(db, { ...input, userId: input.actor.userId, now }, input.slots),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'file_requested',
        actor: input.actor,
        data: { names },
        at: now,
      }),
    ],
    activityId,
    event: { type: 'file_request', say: `Asked for ${andList(names)}.` },
    result: { names },
  };
}

/** The contractor stops asking for a file; an uploaded one stays on record (remove the file first). */
export async function slotRemoveWrite(db: Db, input: SlotCommit): Promise<RoomWrite<{ name: string }>> {
  const slot = await slotOf(db, input);
  if (slot.fileId) throw new Conflict(`${slot.name} was uploaded, so it stays on the list.`);
  const now = Date.now();
  const activityId = createId();
  return {
    statements: [
      db
        .delete(fileRequests)
        .where(and(eq(fileRequests.orgId, input.orgId), eq(fileRequests.id, slot.id), isNull(fileRequests.fileId))),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'file_request_removed',
        actor: input.actor,
        data: { slot: slot.name, slotId: slot.id },
        at: now,
      }),
    ],
    activityId,
    event: { type: 'file_request', say: `${slot.name} is no longer asked for.` },
    result: { name: slot.name },
  };
}

// The contractor's verbs: each finds the document in their org (404 otherwise) and asks its room.

export interface SlotInputOf extends Scope {
  documentId: string;
}

async function roomFor(db: Db, scope: SlotInputOf): Promise<RoomContext> {
  const head = await documentHead(db, scope.orgId, scope.documentId);
  if (!head) throw new NotFound();
  const { orgId, timeZone, origin } = scope;
  return { orgId, documentId: head.id, jobId: head.jobId, timeZone, origin };
}

export async function waiveRequestedFile(
  env: Env,
  db: Db,
  actor: ContractorActor,
  input: SlotInputOf & { slotId: string },
) {
  const room = await roomFor(db, input);
  return throughRoom(documentRoom(env, room.documentId).waiveSlot({ ...room, actor, slotId: input.slotId }));
}

export async function removeRequestedFile(
  env: Env,
  db: Db,
  actor: ContractorActor,
  input: SlotInputOf & { slotId: string },
) {
  const room = await roomFor(db, input);
  return throughRoom(documentRoom(env, room.documentId).removeSlot({ ...room, actor, slotId: input.slotId }));
}

export async function askForFiles(
  env: Env,
  db: Db,
  actor: ContractorActor,
  input: SlotInputOf & { slots: SlotInput[] },
) {
  const room = await roomFor(db, input);
  return throughRoom(documentRoom(env, room.documentId).addSlots({ ...room, actor, slots: input.slots }));
}
