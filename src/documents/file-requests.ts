import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db, Param } from '../db/client';
import { createId } from '../db/ids';
import { fileRequests, files, users } from '../db/schema';
import { Refused } from '../errors';
import type { FormCheck } from '../http/validate';
import { andList } from '../signing/people';

// Issue 20, part D: the files a contractor asks the recipient for ("W-9", "Certificate of insurance"),
// each a named slot of the document (kept across resends and revisions). A required slot holds back
// signing, approving and accepting until it is filled or the contractor waives it: `missingFiles` is
// that rule, read inside the room by the decision's plan and by both sides' pages.

export const MAX_SLOTS = 10;
export const MAX_SLOT_NAME = 80;
/** One tap on the send page. */
export const SLOT_SUGGESTIONS = ['Certificate of insurance', 'W-9', 'Signed lien waiver'];
/** Blank "other file" rows on the send page: enough without JavaScript (more can be added later). */
export const SLOT_ROWS = 3;

export interface SlotInput {
  name: string;
  required: boolean;
}

/** A slot as the pages and plans read it (slotsStatement). */
export interface Slot {
  id: string;
  name: string;
  required: boolean;
  position: number;
  fileId: string | null;
  fileName: string | null;
  filledByName: string | null;
  filledAt: number | null;
  waivedAt: number | null;
  waivedByName: string | null;
}

/** Required slots neither filled nor waived: what holds a decision back. */
export const missingFiles = (slots: Pick<Slot, 'name' | 'required' | 'fileId' | 'waivedAt'>[]) =>
  slots.filter((s) => s.required && !s.fileId && !s.waivedAt).map((s) => s.name);

/** "Upload the requested file first: W-9." — the refusal and the portal's sign panel say the same. */
export const missingFilesSentence = (names: string[]) =>
  `Upload the requested ${names.length === 1 ? 'file' : 'files'} first: ${andList(names)}.`;

/** The document's slots in order, with who filled (the file's uploader) or waived each. One statement for a batch. */
export const slotsStatement = (db: Db, orgId: Param | SQL | string, documentId: Param | string, visible?: SQL) =>
  db
    .select({
      id: fileRequests.id,
      name: fileRequests.name,
      required: fileRequests.required,
      position: fileRequests.position,
      fileId: fileRequests.fileId,
      // Aliased: three tables have a `name`, and a batch's rows are keyed by column name.
      fileName: sql<string | null>`${files.name}`.as('slot_file_name'),
      filledByName: files.uploaderName,
      filledAt: fileRequests.filledAt,
      waivedAt: fileRequests.waivedAt,
      waivedByName: sql<string | null>`${users.name}`.as('slot_waived_by'),
    })
    .from(fileRequests)
    .leftJoin(files, and(eq(files.id, fileRequests.fileId), eq(files.orgId, fileRequests.orgId)))
    .leftJoin(users, and(eq(users.id, fileRequests.waivedBy), eq(users.orgId, fileRequests.orgId)))
    .where(and(eq(fileRequests.orgId, orgId), eq(fileRequests.documentId, documentId), visible))
    .orderBy(asc(fileRequests.position));

/**
 * The decision's gate, called by the plans inside the room's queue (sign, approve, accept): refused,
 * naming the files, while a required slot is neither filled nor waived.
 */
export function refuseWhileFilesMissing(slots: Parameters<typeof missingFiles>[0]) {
  const missing = missingFiles(slots);
  if (missing.length) throw new Refused(missingFilesSentence(missing));
}

/** The contractor's side of the gate: removing the last unsigned signer would complete the decision. */
export function refuseCompletionWhileFilesMissing(slots: Parameters<typeof missingFiles>[0]) {
  const missing = missingFiles(slots);
  if (missing.length) throw new Refused(`Waive or wait for the requested files first: ${andList(missing)}.`);
}

const sameName = (a: string, b: string) => a.toLocaleLowerCase('en-US') === b.toLocaleLowerCase('en-US');

/** Why a new slot's name cannot be taken (blank, too long, asked for already), or null. */
export function slotNameRefusal(name: string, taken: string[]): string | null {
  if (!name) return 'Name the file you need, like “W-9”.';
  if (name.length > MAX_SLOT_NAME) return `A file’s name can be at most ${MAX_SLOT_NAME} characters.`;
  if (taken.some((t) => sameName(t, name))) return `${name} is asked for already.`;
  return null;
}

/** At most MAX_SLOTS per document, counting those it has. */
export const tooManySlots = (count: number) =>
  count > MAX_SLOTS ? `Ask for at most ${MAX_SLOTS} files on one document.` : null;

/**
 * The send page's "Files you need from them": the ticked suggestions (`filePick.N`) and the filled
 * rows (`fileSlot.N.name`, `fileSlot.N.required`: required | optional). Blank rows are left out; each
 * bad name is marked on its row, too many on the whole (`fileSlots`). `taken`: the document's slots.
 */
export function checkSlots(f: FormCheck, taken: string[]): SlotInput[] {
  const out: SlotInput[] = [];
  const names = [...taken];
  SLOT_SUGGESTIONS.forEach((name, i) => {
    if (!f.bool(`filePick.${i}`) || names.some((t) => sameName(t, name))) return;
    names.push(name);
    out.push({ name, required: true });
  });
  const rows = Object.keys(f.raw)
    .map((k) => /^fileSlot\.(\d{1,2})\.name$/.exec(k)?.[1])
    .filter((n): n is string => !!n)
    .sort((a, b) => Number(a) - Number(b));
  for (const n of rows) {
    const field = `fileSlot.${n}.name`;
    const name = f.text(field, { label: 'File name', max: 10_000 });
    if (!name) continue;
    const refusal = slotNameRefusal(name, names);
    if (refusal) f.fail(field, refusal);
    names.push(name);
    out.push({ name, required: f.raw[`fileSlot.${n}.required`] !== 'optional' });
  }
  const tooMany = tooManySlots(taken.length + out.length);
  if (tooMany) f.fail('fileSlots', tooMany);
  return out;
}

/** New slots against the document's own (a send of a document that asks for some already): refused on the whole. */
export function checkNewSlots(taken: string[], slots: SlotInput[]) {
  const names = [...taken];
  for (const s of slots) {
    const refusal = slotNameRefusal(s.name, names) ?? tooManySlots(names.length + 1);
    if (refusal) throw new Refused(refusal, 'fileSlots');
    names.push(s.name);
  }
}

/**
 * New slots after the document's others, for a room write's batch (its plan checked the names and
 * the count inside the queue: `checkNewSlots`); a name taken meanwhile is skipped by the unique index.
 */
export function slotInserts(
  db: Db,
  at: { orgId: string; documentId: string; userId: string; now: number },
  slots: SlotInput[],
) {
  return slots.map((s) =>
    db
      .insert(fileRequests)
      .values({
        id: createId(),
        orgId: at.orgId,
        documentId: at.documentId,
        name: s.name,
        required: s.required,
        position: sql`(SELECT coalesce(max(position), 0) + 1 FROM file_requests WHERE org_id = ${at.orgId} AND document_id = ${at.documentId})`,
        createdBy: at.userId,
        createdAt: at.now,
      })
      .onConflictDoNothing(),
  );
}

/** The names of the document's slots, read inside the room before new ones are added. */
export async function slotNames(db: Db, orgId: string, documentId: string) {
  const rows = await db
    .select({ name: fileRequests.name })
    .from(fileRequests)
    .where(and(eq(fileRequests.orgId, orgId), eq(fileRequests.documentId, documentId)));
  return rows.map((r) => r.name);
}

/** A removed file that filled a slot opens the slot again: what the checklist shows stays true. */
export const reopenSlotOf = (db: Db, orgId: string, fileId: string) =>
  db
    .update(fileRequests)
    .set({ fileId: null, filledBy: null, filledAt: null })
    .where(and(eq(fileRequests.orgId, orgId), eq(fileRequests.fileId, fileId)));
