import { and, eq, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { activityInsert } from '../conversation/activity';
import type { ContractorActor } from '../documents/actions';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { contacts, documentRecipients, documents } from '../db/schema';
import { approvalEvent } from '../documents/kinds';
import { allSigned, signersDue, signersOf, type SignatureFact } from '../documents/recipients';
import { checkDeadline } from '../deadlines/rules';
import { refuseCompletionWhileFilesMissing } from '../documents/file-requests';
import { canTransition } from '../documents/status';
import type { Env } from '../env';
import { Conflict, NotFound, Refused } from '../errors';
import { deliverDueMail } from '../mail/outbox';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import {
  approversOf,
  completeStatement,
  completion,
  completionLines,
  nextSignerStatements,
  type Defer,
} from './actions';
import { finalizeSignature } from './finalize';
import { approvalMail, approvalVerb } from './mail';
import { decisionState } from './queries';

// Issue 17: the contractor takes a recipient off a sent document (one who has not signed its
// sent version), through the document's room, so a signature racing it is either recorded first
// (and the removal refused) or refused cleanly ("You are not asked to sign this document").

export interface RemoveRecipientCommit extends RoomContext {
  actor: ContractorActor;
  contactId: string;
}

export interface RemoveResult {
  /** False when the contact was no longer a recipient (a second click): nothing was written. */
  removed: boolean;
  name: string;
  /** The removal completed the document (everyone left had signed): the signature to seal from. */
  completedBy: string | null;
}

type Statement = BatchItem<'sqlite'>;

/** The room's plan: reads the recipients and signatures inside the queue; 409 once the contact signed. */
export async function removeRecipientWrite(
  db: Db,
  env: Env,
  input: RemoveRecipientCommit,
  now = Date.now(),
): Promise<RoomWrite<RemoveResult>> {
  const [[doc], [contact]] = await db.batch([
    db
      .select({ contactId: documents.contactId, accountId: documents.accountId, sentVersion: documents.sentVersion })
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db
      .select({ id: contacts.id, name: contacts.name, accountId: contacts.accountId })
      .from(contacts)
      .where(and(eq(contacts.orgId, input.orgId), eq(contacts.id, input.contactId))),
  ]);
  if (!doc || !contact || contact.accountId !== doc.accountId) throw new NotFound();
  if (doc.sentVersion === null || !doc.contactId)
    throw new Conflict('This document has not been sent; choose its recipients when you send it.');
  // Read as the primary recipient sees it: the document, its sent version, every decision and recipient.
  const state = await decisionState(db, input.orgId, input.documentId, doc.contactId);
  if (!state) throw new NotFound();
  if (state.document.status === 'void') throw new Conflict('This document is void.');
  const me = state.recipients.find((r) => r.contactId === input.contactId);
  if (!me) return { statements: [], result: { removed: false, name: contact.name, completedBy: null } };
  const version = state.version;
  const facts: SignatureFact[] = state.signatures.map((s) => ({
    contactId: s.contactId,
    version: s.version,
    outcome: s.outcome,
  }));
  const mine = state.signatures.find(
    (s) => s.versionId === version.id && s.contactId === me.contactId && s.outcome !== 'declined',
  );
  if (mine) throw new Conflict(`${me.name} has signed; revise the document to change who signs.`);
  const signers = signersOf(state.recipients);
  if (me.role === 'signer' && signers.length === 1)
    throw new Refused(`${me.name} is the only signer; void or revise the document instead.`);
  if (me.contactId === doc.contactId)
    throw new Refused(`${me.name} is the document's main recipient; revise the document to change who signs.`);
  const left = state.recipients.filter((r) => r.contactId !== me.contactId);
  const event = approvalEvent(state.document.type);
  const decidedAlready = facts.some((f) => f.version === version.version && f.outcome === 'declined');
  const complete =
    me.role === 'signer' &&
    !!event &&
    !decidedAlready &&
    canTransition(state.document.type, state.document.status, event) &&
    allSigned(left, facts, version.version);
  // Completing an approval is a decision like a signature: not once the date closed it (extend it first).
  if (complete) checkDeadline(state.document, state.org.name, input.timeZone, now);
  // Issue 20: nor while a required file is missing (the signer's decision waits on it too).
  if (complete) refuseCompletionWhileFilesMissing(state.fileRequests);
  const activityId = createId();
  const base = { orgId: input.orgId, jobId: state.document.jobId, documentId: state.document.id, actor: input.actor };
  const statements: Statement[] = [
    // Only while they have not signed the sent version (the room serializes; this holds without it too).
    db.delete(documentRecipients).where(
      and(
        eq(documentRecipients.orgId, input.orgId),
        eq(documentRecipients.documentId, state.document.id),
        eq(documentRecipients.contactId, me.contactId),
        sql`NOT EXISTS (SELECT 1 FROM signatures s WHERE s.version_id = ${version.id}
            AND s.contact_id = ${me.contactId} AND s.outcome <> 'declined')`,
      ),
    ),
    activityInsert(db, {
      ...base,
      id: activityId,
      action: 'recipient_removed',
      data: { contact: `${me.name} <${me.email}>`, role: me.role, version: version.version },
      at: now,
    }),
  ];
  let completedBy: string | null = null;
  const wasTheirTurn = signersDue(state.recipients, facts, version.version, 'ordered')[0]?.contactId === me.contactId;
  // Only while the document still awaits its signers: one approved offline asks nobody to sign.
  const awaiting = !event || canTransition(state.document.type, state.document.status, event);
  if (!complete && awaiting && me.role === 'signer' && state.document.signingOrder === 'ordered' && wasTheirTurn) {
    // It was their turn: the next signer is emailed now, as a signature would have done.
    const last = state.signatures.find((s) => s.versionId === version.id && s.contactId && s.outcome !== 'declined');
    const rest = { ...state, recipients: left };
    statements.push(
      ...(await nextSignerStatements(
        db,
        rest,
        facts,
        { origin: input.origin, signerName: last?.signerName ?? null },
        now,
        env,
      )),
    );
  }
  if (complete && event) {
    // Everyone left has signed: the document is approved now, as the last signature would have made it.
    const rest = { ...state, recipients: left };
    const verb = approvalVerb(state.document.requireSignature, event);
    statements.push(
      completeStatement(db, rest, event, now),
      ...completion(db, rest, await completionLines(db, rest), now),
      ...approvalMail(db, rest, input.origin, approversOf(rest), verb, state.document.requireSignature),
    );
    completedBy =
      state.signatures.find((s) => s.versionId === version.id && s.contactId && s.outcome !== 'declined')?.id ?? null;
  }
  const say = completedBy ? `${me.name} was removed; every signer has signed.` : `${me.name} was removed.`;
  return {
    statements,
    activityId,
    result: { removed: true, name: me.name, completedBy },
    event: { type: 'recipients', say },
  };
}

export interface RemoveRecipientInput {
  orgId: string;
  documentId: string;
  contactId: string;
  timeZone: string;
  origin: string;
}

/**
 * The contractor removes a recipient: through the room; then their open portal page is closed when
 * the document is no longer theirs to see, and a removal that completed the approval is sealed from
 * the same entry point a signature uses (`finalizeSignature`; the cron retries it if it fails).
 */
export async function removeRecipient(
  env: Env,
  db: Db,
  actor: ContractorActor,
  input: RemoveRecipientInput,
  defer: Defer,
): Promise<RemoveResult> {
  const [doc] = await db
    .select({ jobId: documents.jobId })
    .from(documents)
    .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId)));
  if (!doc) throw new NotFound();
  const room = documentRoom(env, input.documentId);
  const result = await throughRoom(room.removeRecipient({ ...input, jobId: doc.jobId, actor }));
  if (result.removed) await room.closeRecipients(input.documentId, input.contactId);
  if (result.completedBy) {
    const sealing = finalizeSignature(env, db, result.completedBy, input.origin).then(() => deliverDueMail(env, db));
    defer(sealing.catch((err) => console.error('sealing', err)));
  }
  return result;
}
