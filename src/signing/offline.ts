import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { activityInsert } from '../conversation/activity';
import { checkUpload } from '../conversation/files';
import { distinct, type Db } from '../db/client';
import { createId } from '../db/ids';
import {
  documentLines,
  documents,
  documentVersions,
  files,
  offlineApprovals,
  offlineMethods,
  orgs,
} from '../db/schema';
import type { OfflineMethod } from '../db/schema';
import type { ContractorActor } from '../documents/actions';
import { checkChosen, choiceShape, includedLines, parseSelection, type Selection } from '../documents/choices';
import { selectedSnapshot } from '../documents/selection';
import type { DocumentSnapshot } from '../documents/snapshot';
import { todayIn } from '../documents/drafts';
import { closedByDeadline } from '../deadlines/rules';
import { approvalEvent, kindOf } from '../documents/kinds';
import { sentVersionJoin } from '../documents/queries';
import { canTransition, nextStatus } from '../documents/status';
import type { Env } from '../env';
import { Conflict, DomainError, NotFound, Refused } from '../errors';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import { completion } from './actions';
import { expiredOffline, offlineLabel, offlinePortalLabel } from './offline-words';

// Issue 20, part E: "Mark as approved". The contractor records an approval the recipient gave outside the
// portal (on paper, by phone, in person, by email). It is never a signature: its own row, no sealed PDF, no
// certificate, nothing /verify knows; it decides the whole document (every signer), with a completing
// approval's effect: reminders cancelled, a change order's chosen lines added to the budget.

export const NOT_AWAITING = 'This document is no longer awaiting a decision, so it cannot be marked approved.';
export const STALE_OFFLINE = 'This document changed since you opened it. Look at it again before marking it approved.';
const NAME_MAX = 200;
const NOTE_MAX = 2000;

type Statement = BatchItem<'sqlite'>;

/** The scan as the Worker put it to R2 before asking the room. */
export interface ScanUpload {
  id: string;
  r2Key: string;
  name: string;
  contentType: string;
  size: number;
}

export interface OfflineApprovalCommit extends RoomContext {
  actor: ContractorActor;
  /** The sent version's PDF hash the page showed: an approval is of the version the contractor was looking at. */
  versionHash: string;
  approverName: string;
  method: OfflineMethod;
  approvedOn: string;
  note: string;
  /** The chosen optional and alternate lines, when the document offers choices. */
  chosen: string[];
  scan: ScanUpload | null;
}

/** What the form refuses before anything is stored, by field; null when it can go to the room. */
export function offlineInputRefusal(
  input: Pick<OfflineApprovalCommit, 'approverName' | 'method' | 'approvedOn' | 'note' | 'timeZone'>,
  now = Date.now(),
): Refused | null {
  const name = input.approverName.trim();
  if (!name) return new Refused('Enter the name of the person who approved it.', 'approverName');
  if (name.length > NAME_MAX) return new Refused(`The name can be at most ${NAME_MAX} characters.`, 'approverName');
  if (!(offlineMethods as readonly string[]).includes(input.method))
    return new Refused('Choose how it was approved: on paper, by phone, in person or by email.', 'method');
  if (input.approvedOn > todayIn(input.timeZone, now))
    return new Refused('The approval date cannot be in the future.', 'approvedOn');
  if (input.note.length > NOTE_MAX)
    return new Refused(`The note can be at most ${NOTE_MAX.toLocaleString('en-US')} characters.`, 'note');
  return null;
}

/** The document, its sent version and company, read inside the room. */
async function offlineState(db: Db, orgId: string, documentId: string) {
  const [head] = await db
    .select(distinct({ document: documents, version: documentVersions, org: orgs }))
    .from(documents)
    .innerJoin(documentVersions, sentVersionJoin(orgId))
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  if (!head) return null;
  const [lines, recorded] = await db.batch([
    db
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.orgId, orgId), eq(documentLines.versionId, head.version.id)))
      .orderBy(asc(documentLines.position)),
    db
      .select()
      .from(offlineApprovals)
      .where(and(eq(offlineApprovals.orgId, orgId), eq(offlineApprovals.documentId, documentId)))
      .orderBy(desc(offlineApprovals.version))
      .limit(1),
  ]);
  return { ...head, lines, recorded: recorded[0] ?? null };
}

/**
 * The version's choice and its snapshot of exactly the chosen lines (no PDF: nothing is sealed), as a choosing
 * signature makes them, so every reader of the money (deposit, payments, lists, contract) counts the chosen set.
 */
function choiceWrite(db: Db, version: typeof documentVersions.$inferSelect, selection: Selection | null) {
  if (!selection || !version.snapshot) return [];
  const snapshot = selectedSnapshot(JSON.parse(version.snapshot) as DocumentSnapshot, selection);
  return [
    db
      .update(documentVersions)
      .set({ selection: JSON.stringify(selection), selectedSnapshot: JSON.stringify(snapshot) })
      .where(and(eq(documentVersions.id, version.id), isNull(documentVersions.selection))),
  ];
}

/**
 * The room's plan: the sent version the page showed is still awaiting its recipient's decision, nobody
 * recorded one yet, the date is on or after the send, and the options chosen are a valid choice. One batch:
 * the row, the scan's file row, the status move, the completion (reminders, a change order's budget) and
 * the timeline line; open pages are told, so a portal page drops its sign panel.
 */
export async function offlineApprovalWrite(
  db: Db,
  input: OfflineApprovalCommit,
  now = Date.now(),
): Promise<RoomWrite<{ approvalId: string }>> {
  const refusal = offlineInputRefusal(input, now);
  if (refusal) throw refusal;
  const state = await offlineState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const { document: doc, version, org } = state;
  const event = approvalEvent(doc.type);
  if (!event) throw new NotFound();
  if (state.recorded?.versionId === version.id) {
    const said = offlineLabel(state.recorded, event);
    throw new Conflict(`Already recorded: ${said}.`);
  }
  if (!canTransition(doc.type, doc.status, event)) throw new Conflict(NOT_AWAITING);
  if (!/^[0-9a-f]{64}$/.test(input.versionHash) || input.versionHash !== version.pdfSha256)
    throw new Conflict(STALE_OFFLINE);
  // The date closed the decision (as it does a signer's, and a removal's): extend it first.
  if (closedByDeadline(doc, input.timeZone, now))
    throw new Refused(
      expiredOffline(kindOf(doc.type, doc.subtype)?.label ?? 'Document', doc.deadline, event),
      'approvedOn',
    );
  const sentOn = todayIn(input.timeZone, version.sentAt ?? now);
  if (input.approvedOn < sentOn)
    throw new Refused('The approval date cannot be before the document was sent.', 'approvedOn');
  let chosen: string[] = [];
  const offers = choiceShape(state.lines).any;
  if (offers) {
    const checked = checkChosen(state.lines, input.chosen);
    if (!checked.ok) throw new Refused(checked.message, 'chosen');
    // A signer who signed before chose for everyone (signing/actions.ts bindChoice): the record says the same.
    const made = parseSelection(version.selection);
    if (made && made.chosen.join() !== checked.chosen.join())
      throw new Refused(`${made.by} already chose the options when signing; record the same choice.`, 'chosen');
    chosen = checked.chosen;
  }
  const approverName = input.approverName.trim();
  const selection: Selection = { chosen, by: approverName, at: now };
  const id = createId();
  const activityId = createId();
  const base = { orgId: org.id, jobId: doc.jobId, documentId: doc.id, actor: input.actor };
  // Still the status and sent version read here when the batch runs, or the NOT NULL name fails it.
  const named = sql<string>`(SELECT ${approverName} FROM documents WHERE id = ${doc.id} AND status = ${doc.status}
    AND sent_version = ${doc.sentVersion})`;
  const scan = input.scan;
  const statements: Statement[] = [
    db.insert(offlineApprovals).values({
      id,
      orgId: org.id,
      documentId: doc.id,
      versionId: version.id,
      version: version.version,
      approverName: named,
      method: input.method,
      approvedOn: input.approvedOn,
      note: input.note,
      scanFileId: scan?.id ?? null,
      selection: offers ? JSON.stringify(selection) : null,
      recordedBy: input.actor.userId,
      recordedByName: input.actor.name,
      recordedAt: now,
    }),
    ...(scan
      ? [
          db.insert(files).values({
            ...scan,
            orgId: org.id,
            documentId: doc.id,
            side: 'contractor',
            userId: input.actor.userId,
            uploaderName: input.actor.name,
            createdAt: now,
          }),
        ]
      : []),
    ...choiceWrite(db, version, offers && !parseSelection(version.selection) ? selection : null),
    // The whole document is decided, whoever of its signers signed: no "every signer" condition here.
    db
      .update(documents)
      .set({ status: nextStatus(doc.type, doc.status, event), updatedAt: now })
      .where(and(eq(documents.id, doc.id), eq(documents.status, doc.status))),
    activityInsert(db, {
      ...base,
      id: activityId,
      action: 'approved_offline',
      data: {
        version: version.version,
        approver: approverName,
        method: input.method,
        on: input.approvedOn,
        recordedBy: input.actor.name,
        ...(event === 'accept' ? { accepted: true } : {}),
        ...(offers ? { chosen: chosen.length } : {}),
        ...(scan ? { scan: scan.name } : {}),
      },
      at: now,
    }),
    // Only the chosen lines reach a change order's budget (choices.ts includedLines).
    ...completion(db, state, offers ? includedLines(state.lines, chosen) : state.lines, now),
  ];
  const facts = { approverName, method: input.method, approvedOn: input.approvedOn, recordedByName: input.actor.name };
  const told = { type: 'decision', say: `${offlinePortalLabel(facts, org.name, event)}.` };
  return { statements, result: { approvalId: id }, activityId, event: told };
}

export interface OfflineApprovalInput extends Omit<OfflineApprovalCommit, 'actor' | 'scan' | 'jobId'> {
  /** The scan as posted, or null; checked like a shared file (type by content, the company's size limit). */
  scan: File | null;
}

/** Enough of a file to tell its format (checkUpload looks at most this far). */
const SNIFF_BYTES = 8192;

/** A scan must be a PDF or an image: what a signed printout or a photo of one is. */
const SCAN_TYPES = /^(application\/pdf|image\/(png|jpeg|gif|webp|heic|tiff))$/;

/** The posted scan checked before anything is stored; its upload, or the refusal on the `scan` field. */
async function checkedScan(scan: File, maxBytes: number) {
  if (scan.size > maxBytes)
    throw new Refused(
      `${scan.name || 'The scan'} is larger than ${maxBytes / 1024 / 1024} MB, the most we accept.`,
      'scan',
    );
  const head = new Uint8Array(await scan.slice(0, SNIFF_BYTES).arrayBuffer());
  const check = checkUpload(scan.name, head, maxBytes);
  if (!check.ok) throw new Refused(check.error, 'scan');
  if (!SCAN_TYPES.test(check.contentType)) throw new Refused('The scan must be a PDF or an image (photo).', 'scan');
  return check;
}

/**
 * Records an approval made offline for the signed-in contractor: the input checked, the scan put to R2, then
 * the room; a refusal deletes the scan again (as sendDocument does with its PDF).
 */
export async function recordOfflineApproval(env: Env, db: Db, actor: ContractorActor, input: OfflineApprovalInput) {
  const refusal = offlineInputRefusal(input);
  if (refusal) throw refusal;
  const [doc] = await db
    .select({ id: documents.id, jobId: documents.jobId, type: documents.type, maxUploadMb: orgs.maxUploadMb })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId)));
  if (!doc || !approvalEvent(doc.type)) throw new NotFound();
  const { scan: posted, ...rest } = input;
  let scan: ScanUpload | null = null;
  if (posted) {
    const check = await checkedScan(posted, doc.maxUploadMb * 1024 * 1024);
    const id = createId();
    const r2Key = `org/${input.orgId}/doc/${doc.id}/${id}`;
    await env.FILES.put(r2Key, posted, { httpMetadata: { contentType: check.contentType } });
    scan = { id, r2Key, name: check.name, contentType: check.contentType, size: posted.size };
  }
  try {
    return await throughRoom(documentRoom(env, doc.id).approveOffline({ ...rest, jobId: doc.jobId, actor, scan }));
  } catch (err) {
    // No orphan object when nothing was recorded; a failure that is no refusal may come after the commit.
    const kept = async (id: string) =>
      !(err instanceof DomainError) &&
      !!(await db
        .select({ id: files.id })
        .from(files)
        .where(and(eq(files.orgId, input.orgId), eq(files.id, id)))
        .then(
          (rows) => rows[0],
          () => null,
        ));
    if (scan && !(await kept(scan.id))) await env.FILES.delete(scan.r2Key);
    // The batch's guard (the document moved on outside the room) answers as a stale page.
    if (
      !(err instanceof DomainError) &&
      /NOT NULL constraint failed: offline_approvals\.approver_name/.test(String(err))
    )
      throw new Conflict(STALE_OFFLINE);
    if (!(err instanceof DomainError) && /UNIQUE constraint failed: offline_approvals/.test(String(err)))
      throw new Conflict('An approval was already recorded for this version.');
    throw err;
  }
}
