import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { comments, files } from '../db/schema';
import type { Env } from '../env';
import { domainError, NotFound, Refused, TooMany } from '../errors';
import { hitRateLimit } from '../http/rate-limit';
import { lastView, repeatsView, viewedFrom, viewMoves, viewStatements, type ViewInput } from '../portal/views';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { activityInsert, type Actor } from './activity';
import { checkUpload, mayRemoveFile } from './files';
import { reopenSlotOf } from '../documents/file-requests';
import { commentItemHtml, fileItemHtml } from './present';

// The conversation on a sent document: comments, shared files, views. Every write commits in the
// document's room (the plans below), so the timeline's order is the order things happened.

export const MAX_COMMENT = 5000;
export const MAX_FILES_PER_REQUEST = 20;
/** Enough of a file to tell its format (checkUpload looks at most this far). */
const SNIFF_BYTES = 8192;
const UPLOADS_PER_HOUR = 60;

/** Who writes to which document, already authorized like that side's document page. */
export interface ConversationTarget {
  room: RoomContext;
  actor: Actor;
  /** How the author is labelled beside their comment: the company's name, or "customer"/"vendor". */
  sideLabel: string;
  maxBytes: number;
}

export type CommentCommit = RoomContext & { actor: Actor; sideLabel: string; body: string };
export type FileCommit = RoomContext & {
  actor: Actor;
  /** `slot`: the requested file it fills (issue 20), named on the timeline and beside the file. */
  file: { id: string; r2Key: string; name: string; contentType: string; size: number; slot?: string };
};
export type FileRemovalCommit = RoomContext & { actor: Actor; fileId: string };
export type ViewCommit = RoomContext & Omit<ViewInput, 'activityId'>;

export function commentWrite(db: Db, input: CommentCommit): RoomWrite<{ id: string; createdAt: number }> {
  const now = Date.now();
  const id = createId();
  const activityId = createId();
  const { actor } = input;
  const comment = {
    id,
    side: actor.side,
    authorName: actor.name,
    sideLabel: input.sideLabel,
    body: input.body,
    createdAt: now,
  };
  return {
    statements: [
      db.insert(comments).values({
        id,
        orgId: input.orgId,
        documentId: input.documentId,
        side: actor.side,
        userId: actor.userId ?? null,
        contactId: actor.contactId ?? null,
        authorName: actor.name,
        body: input.body,
        createdAt: now,
      }),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'commented',
        actor,
        data: { commentId: id, excerpt: input.body.slice(0, 140) },
        at: now,
      }),
    ],
    activityId,
    event: { type: 'comment', html: () => commentItemHtml(comment, input.timeZone) },
    notify: actor.side === 'contractor' ? 'recipient' : 'contractor',
    result: { id, createdAt: now },
  };
}

export function fileWrite(db: Db, input: FileCommit): RoomWrite<{ id: string }> {
  const now = Date.now();
  const activityId = createId();
  const { actor, file: f } = input;
  const row = {
    id: f.id,
    name: f.name,
    size: f.size,
    contentType: f.contentType,
    uploaderName: actor.name,
    side: actor.side,
    contactId: actor.contactId ?? null,
    createdAt: now,
  };
  return {
    statements: [
      db.insert(files).values({
        ...row,
        orgId: input.orgId,
        documentId: input.documentId,
        r2Key: f.r2Key,
        userId: actor.userId ?? null,
      }),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'file_added',
        actor,
        data: { fileId: f.id, name: f.name, size: f.size, ...(f.slot ? { slot: f.slot } : {}) },
        at: now,
      }),
    ],
    activityId,
    event: {
      type: 'file_added',
      fileId: f.id,
      html: (audience) => fileItemHtml({ ...row, slot: f.slot }, audience, input.documentId, input.timeZone),
    },
    result: { id: f.id },
  };
}

export async function fileRemovalWrite(db: Db, input: FileRemovalCommit): Promise<RoomWrite<{ r2Key: string }>> {
  const [file] = await db
    .select()
    .from(files)
    .where(
      and(
        eq(files.orgId, input.orgId),
        eq(files.documentId, input.documentId),
        eq(files.id, input.fileId),
        isNull(files.removedAt),
      ),
    );
  // A file someone else shared answers like one that is not there.
  if (!file || !mayRemoveFile(input.actor, file)) throw new NotFound();
  const now = Date.now();
  const activityId = createId();
  return {
    statements: [
      db
        .update(files)
        .set({ removedAt: now })
        .where(and(eq(files.id, file.id), isNull(files.removedAt))),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: input.jobId,
        documentId: input.documentId,
        action: 'file_removed',
        actor: input.actor,
        data: { fileId: file.id, name: file.name },
        at: now,
      }),
      reopenSlotOf(db, input.orgId, file.id),
    ],
    activityId,
    event: { type: 'file_removed', fileId: file.id },
    result: { r2Key: file.r2Key },
  };
}

export async function viewWrite(db: Db, input: ViewCommit): Promise<RoomWrite<null>> {
  // A second load from the same device soon after (or at the same moment) is the view already logged, unless the
  // view moves the status (an invoice refunded back to sent on the same version).
  const now = await lastView(db, input);
  const moves = !!now && viewMoves(input.type, now.status);
  if (!moves && repeatsView(now, viewedFrom(input), Date.now())) return { statements: [], result: null };
  const activityId = createId();
  return {
    // Prepared once (portal/views.ts); with the sent version it also cancels the "not opened" reminder.
    statements: viewStatements(db, { ...input, activityId }),
    activityId,
    event: { type: 'viewed' },
    result: null,
  };
}

/** A comment from either side, cleaned and checked, committed in the document's room. */
export async function postComment(env: Env, target: ConversationTarget, body: string) {
  if (!body) throw new Refused('Write a comment before posting.', 'comment');
  if (body.length > MAX_COMMENT) {
    throw new Refused(
      `A comment can be at most ${MAX_COMMENT.toLocaleString('en-US')} characters; ` +
        `this one has ${body.length.toLocaleString('en-US')}.`,
      'comment',
    );
  }
  const room = documentRoom(env, target.room.documentId);
  const result = await room.comment({ ...target.room, actor: target.actor, sideLabel: target.sideLabel, body });
  if (!result.ok) throw domainError(result.error);
  return { ...result.value, seq: result.seq };
}

/**
 * Who an upload counts against: per contractor user, or per recipient contact and address — never one bucket for
 * every org.
 */
function uploader(target: ConversationTarget) {
  const { actor, room } = target;
  return actor.side === 'contractor'
    ? `contractor:${room.orgId}:${actor.userId ?? ''}`
    : `recipient:${actor.contactId}:${actor.ip ?? ''}`;
}

/**
 * Shares files on a document. Every file is checked before any is stored, so a refused upload
 * stores nothing; each goes to R2 first, then its row through the room, and a row that could not
 * be written takes its object with it.
 */
export async function shareFiles(env: Env, db: Db, target: ConversationTarget, list: File[], slotId?: string) {
  const limit = await hitRateLimit(db, `upload:${uploader(target)}`, UPLOADS_PER_HOUR, 3_600_000);
  if (!limit.allowed) throw new TooMany('Too many uploads in the last hour. Try again later.');
  if (!list.length) throw new Refused('Choose one or more files to upload.', 'upload');
  if (list.length > MAX_FILES_PER_REQUEST)
    throw new Refused(`Upload at most ${MAX_FILES_PER_REQUEST} files at a time.`, 'upload');
  if (slotId && list.length > 1) throw new Refused('Upload one file for each requested file.', 'upload');
  const checked = [];
  for (const file of list) {
    if (file.size > target.maxBytes)
      throw new Refused(
        `${file.name || 'A file'} is larger than ${target.maxBytes / 1024 / 1024} MB, the most we accept per file.`,
        'upload',
      );
    // The format is told by its first bytes; the file itself is not copied (the request's body is
    // already in memory once, under its cap) but handed to R2 as it is.
    const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
    const check = checkUpload(file.name, head, target.maxBytes);
    if (!check.ok) throw new Refused(check.error, 'upload');
    checked.push({ file, ...check });
  }
  const stored = [];
  const room = documentRoom(env, target.room.documentId);
  for (const f of checked) {
    const id = createId();
    const r2Key = `org/${target.room.orgId}/doc/${target.room.documentId}/${id}`;
    await env.FILES.put(r2Key, f.file, { httpMetadata: { contentType: f.contentType } });
    try {
      const commit = {
        ...target.room,
        actor: target.actor,
        file: { id, r2Key, name: f.name, contentType: f.contentType, size: f.file.size },
      };
      // Issue 20: into a requested file's slot, in the same room write as the shared file.
      await throughRoom(slotId ? room.fillSlot({ ...commit, slotId }) : room.attachFile(commit));
    } catch (err) {
      await env.FILES.delete(r2Key); // no orphan object when the row could not be written
      throw err;
    }
    stored.push({ id, name: f.name });
  }
  return stored;
}

/** Removes a shared file if this actor may; the row says removed first, so a failed delete leaves no visible file. */
export async function removeFile(env: Env, target: ConversationTarget, fileId: string) {
  const { r2Key } = await throughRoom(
    documentRoom(env, target.room.documentId).removeFile({ ...target.room, actor: target.actor, fileId }),
  );
  await env.FILES.delete(r2Key);
}

/** Logs that the recipient looked at the document; the first look moves it to viewed. */
export async function recordView(env: Env, view: ViewCommit) {
  await throughRoom(documentRoom(env, view.documentId).viewed(view));
}
