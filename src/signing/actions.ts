import { and, eq, isNull, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { bidTotal, lineTotal, MAX_LINE_TOTAL, MAX_UNIT_AMOUNT } from '../budget/totals';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import {
  bidLines,
  bids,
  contacts,
  costGroups,
  costItems,
  documentLines,
  documents,
  documentVersions,
  signatures,
} from '../db/schema';
import { checkChosen, choiceShape, parseSelection, type Selection } from '../documents/choices';
import { approvalEvent } from '../documents/kinds';
import { chunk } from '../documents/queries';
import type { DocumentSnapshot } from '../documents/snapshot';
import { canTransition, nextStatus } from '../documents/status';
import type { Env } from '../env';
import { Conflict, DomainError, NotFound, Refused } from '../errors';
import { deliverDueMail } from '../mail/outbox';
import { documentRoom, throughRoom, type RoomContext, type RoomResult, type RoomWrite } from '../rooms/client';
import { checkDeadline } from '../deadlines/rules';
import { refuseWhileFilesMissing } from '../documents/file-requests';
import { cancelStatement } from '../reminders/plan';
import { finalizeSignature } from './finalize';
import { allSigned, signersDue, signersOf, type SignatureFact } from '../documents/recipients';
import { linkStillGiven } from '../portal/queries';
import { portalLink } from '../portal/links';
import {
  approvalMail,
  approvalVerb,
  bidMail,
  declinedToOthers,
  declineMail,
  nextSignerMail,
  type Approver,
} from './mail';
import { CONSENT_VERSION, consentSha256 } from './consent';
import { checkEmailCode } from './email-code';
import { decided, STALE } from './decided';
import { deciderRefusal, signedCount, turnRefusal } from './people';
import {
  chosenItemLines,
  decisionState,
  documentHead,
  itemLinesOf,
  sentChoice,
  signedWithImage,
  type DecisionState,
} from './queries';
import { renderSnapshotPdf } from '../documents/pdf';
import { selectedSnapshot } from '../documents/selection';
import { sha256Hex } from '../http/crypto';

// The recipient's decisions (sign or approve, decline, bid) and the contractor's acceptance of a
// bid. Each has two halves: a plan the document's room runs in its queue (`signWrite` ...), which
// reads the state there and throws a domain error when the decision may not happen, and the verb
// the Worker calls (`sign` ...), which does what lies outside D1 and then asks the room.

export { STALE };
export const ALREADY_SIGNED = 'This document has already been signed.';
export const NO_COSTS = 'Enter a unit cost for at least one line (leave lines you do not bid on blank).';
const GONE = 'This document is no longer available.';
const MAX_REASON = 1000;

/** The recipient contact who decides, with where they decided from (for the certificate). */
export type RecipientActor = Actor & { side: 'recipient'; contactId: string };

/** Lets work outlive the response (the request's waitUntil); the verbs hand it sealing and mail. */
export type Defer = (work: Promise<unknown>) => void;

type Statement = BatchItem<'sqlite'>;

// Plans: run inside the room, one at a time per document.

async function stateFor(db: Db, input: RoomContext & { actor: RecipientActor }, gone = GONE) {
  const state = await decisionState(db, input.orgId, input.documentId, input.actor.contactId);
  if (!state) throw new Conflict(gone);
  return state;
}

/**
 * Issue 17: only a signer of the document decides (a copy, or a contact it is not sent to, is refused
 * with 422); a document without recipient rows is its one contact's, as before.
 */
function checkDecider(state: DecisionState) {
  const refusal = deciderRefusal(state.recipients, state.contact.id);
  if (refusal) throw new Refused(refusal);
}

/** The decisions as the people rules read them. */
const factsOf = (state: DecisionState): SignatureFact[] =>
  state.signatures.map((s) => ({ contactId: s.contactId, version: s.version, outcome: s.outcome }));

/** This contact's own approval (not a decline) of the sent version, if they gave one. */
const ownApproval = (state: DecisionState) =>
  state.signatures.find(
    (s) => s.versionId === state.version.id && s.contactId === state.contact.id && s.outcome !== 'declined',
  );

/** The recipient decides on the version they were shown: its PDF's hash, or the decision is refused as stale. */
function checkVersion(state: DecisionState, versionHash: string) {
  if (!/^[0-9a-f]{64}$/.test(versionHash) || versionHash !== state.version.pdfSha256) throw new Conflict(STALE);
}

/** The recipient may decline the version they were shown, while it still awaits their decision. */
function declinable(state: DecisionState, versionHash: string) {
  if (!approvalEvent(state.document.type)) throw new Refused('This document is not approved by signing.');
  checkDecider(state);
  checkVersion(state, versionHash);
  if (ownApproval(state)) throw new Conflict(ALREADY_SIGNED);
  if (!canTransition(state.document.type, state.document.status, 'decline'))
    throw new Conflict('This document is no longer awaiting your decision.');
}

/**
 * `value`, or NULL once the document has left the status and sent version the plan read. Written
 * into a NOT NULL column by the batch's first statement, it fails the whole batch instead of
 * committing a decision on a document that moved on outside the room; the verb answers STALE.
 */
function whileUnchanged(state: DecisionState, value: string) {
  const d = state.document;
  return sql<string>`(SELECT ${value} FROM documents WHERE id = ${d.id} AND status = ${d.status} AND sent_version = ${d.sentVersion})`;
}

/** The decision is made: the document's scheduled reminders have nothing left to chase. */
const decidedStatement = (db: Db, state: Decided, now: number) =>
  cancelStatement(db, { orgId: state.org.id, documentId: state.document.id }, 'decided', now);

export interface SignCommit extends RoomContext {
  actor: RecipientActor;
  versionHash: string;
  signerName: string;
  method: 'drawn' | 'typed';
  imageKey: string | null;
  consent: boolean;
  idempotencyKey: string;
  /** The earlier version's PDF hash whose changes the page showed the signer (portal/changes.ts), if any. */
  comparedTo?: string;
  /** Issue 18: the 6-digit code emailed to the signer, when the document asks for one (email-code.ts). */
  code?: string;
  /** Issue 20: the options the signer chose (ids of the sent version's optional and alternate lines). */
  chosen?: string[];
  /** Issue 20: what that choice made, rendered and put to R2 by the Worker when no choice was made yet. */
  selection?: RenderedSelection;
}

/** The snapshot and PDF of exactly the chosen lines (documents/selection.ts), as the verb put them to R2. */
export interface RenderedSelection {
  selection: Selection;
  snapshot: string;
  key: string;
  sha256: string;
  signatureBox: string | null;
}

export interface SignResult {
  signatureId: string;
  /** The signature image the signature points at (a retry's own upload is not it). */
  imageKey: string | null;
  /** A wrong emailed code: nothing signed, only the code's try counted (the verb answers 422 on `code`). */
  codeRefused?: string;
  /** Issue 20: the PDF of the version's selection the signature binds (a retry's or a loser's own is not it). */
  selectedKey?: string | null;
}

/** Issue 20: a signer's choice named options of another choice already made (or made meanwhile). */
export const CHOSEN_FIRST = (by: string) =>
  `${by} already chose the options of this document. Look at their choice again: you sign what they chose.`;

/** The choice a signature binds, from the plan's state: none, the one made before, or the one this signature makes. */
function bindChoice(db: Db, state: DecisionState, input: SignCommit) {
  const sent = JSON.parse(state.version.snapshot!) as DocumentSnapshot;
  if (!choiceShape(sent.lines).any) return { sha256: state.version.pdfSha256!, chosen: null, statements: [] };
  const made = parseSelection(state.version.selection);
  if (made) {
    const asked = input.chosen ? checkChosen(sent.lines, input.chosen) : null;
    if (asked && (!asked.ok || asked.chosen.join() !== made.chosen.join())) throw new Conflict(CHOSEN_FIRST(made.by));
    return {
      sha256: state.version.selectedPdfSha256!,
      chosen: made.chosen,
      key: state.version.selectedPdfKey,
      statements: [],
    };
  }
  const checked = checkChosen(sent.lines, input.chosen ?? []);
  if (!checked.ok) throw new Refused(checked.message, 'choose');
  const r = input.selection;
  // The Worker renders what it read: a choice made and gone again cannot happen, but never bind an unrendered one.
  if (!r || r.selection.chosen.join() !== checked.chosen.join()) throw new Conflict(STALE);
  const d = state.document;
  const update = db
    .update(documentVersions)
    .set({
      selection: JSON.stringify(r.selection),
      selectedSnapshot: r.snapshot,
      selectedPdfKey: r.key,
      selectedPdfSha256: r.sha256,
      selectedSignatureBox: r.signatureBox,
    })
    .where(and(eq(documentVersions.id, state.version.id), isNull(documentVersions.selection)));
  // NULL (the batch fails) unless this batch's update made the selection, on the status and version read.
  const sha256 = sql<string>`(SELECT v.selected_pdf_sha256 FROM document_versions v JOIN documents d
    ON d.id = v.document_id WHERE v.id = ${state.version.id} AND v.selected_pdf_key = ${r.key}
    AND d.status = ${d.status} AND d.sent_version = ${d.sentVersion})`;
  return { sha256, chosen: checked.chosen, key: r.key, statements: [update] };
}

/**
 * Issue 18: a contact is asked to consent (again) until they accepted the current disclosure: never
 * consented, or consented to an older version (or before versions were recorded).
 */
export const needsConsent = (contact: { esignConsentAt: number | null; esignConsentVersion: string | null }) =>
  !contact.esignConsentAt || contact.esignConsentVersion !== CONSENT_VERSION;

/** What a plan needs to make a portal link (the next signer's): the link secret. */
export type LinkEnv = Pick<Env, 'PORTAL_TOKEN_SECRET'>;

/**
 * One signer's approval (signed or not) of the sent version, with consent. The document moves to
 * approved (accepted) only in the batch of the signature that completes it (every signer signed):
 * that batch alone cancels the reminders, adds a change order's budget lines and emails the
 * contractor. Before that, in a set order, the next signer is emailed their own link.
 */
export async function signWrite(
  db: Db,
  input: SignCommit,
  now = Date.now(),
  env?: LinkEnv,
): Promise<RoomWrite<SignResult>> {
  if (!input.signerName.trim()) throw new Refused('Type your full legal name to sign.', 'name');
  const state = await stateFor(db, input);
  const again = remembered(state, input.idempotencyKey);
  if (again) return { statements: [], result: again };
  checkDecider(state);
  const event = approvalEvent(state.document.type);
  if (!event) throw new Refused('This document is not approved by signing.');
  checkVersion(state, input.versionHash);
  if (ownApproval(state)) throw new Conflict(ALREADY_SIGNED);
  // Before issue 17 one approval decided the document: with no recipient rows, any approval still does.
  if (
    !state.recipients.length &&
    state.signatures.some((s) => s.versionId === state.version.id && s.outcome !== 'declined')
  )
    throw new Conflict(ALREADY_SIGNED);
  if (!canTransition(state.document.type, state.document.status, event))
    throw new Conflict('This document is no longer awaiting a signature.');
  const version = state.version.version;
  const turn = turnRefusal(state.recipients, factsOf(state), version, state.document.signingOrder, state.contact.id);
  if (turn) throw new Conflict(turn);
  // The date is read here, inside the queue, at this moment: a page left open past it is refused too.
  checkDeadline(state.document, state.org.name, input.timeZone, now);
  refuseWhileFilesMissing(state.fileRequests); // issue 20: requested files come first
  const choice = bindChoice(db, state, input);
  const consenting = needsConsent(state.contact);
  if (consenting && !input.consent) {
    throw new Refused('Please read and agree to do business electronically before signing.', 'consent');
  }
  // Issue 18: the emailed code, checked last; a wrong one commits only its counted try.
  const code = await checkEmailCode(db, env, state, input.code, now);
  if (!code.ok) {
    const result = { signatureId: '', imageKey: input.imageKey, codeRefused: code.message, selectedKey: null };
    return { statements: code.statements, result };
  }
  const consent = consenting
    ? { version: CONSENT_VERSION, sha256: await consentSha256(state.org.name, state.org.email) }
    : { version: state.contact.esignConsentVersion, sha256: state.contact.esignConsentSha256 };
  const signatureId = createId();
  const activityId = createId();
  const signed = state.document.requireSignature;
  const verb = approvalVerb(signed, event);
  const facts = [...factsOf(state), { contactId: state.contact.id, version, outcome: verb }];
  const complete = allSigned(state.recipients, facts, version);
  const count = signedCount(state.recipients, facts, version);
  // Issue 20: the chosen lines only; a selection this batch makes is not in D1 yet, so it is passed.
  const lines =
    complete && state.document.subtype === 'change_order'
      ? await chosenItemLines(db, state.org.id, state.version.id, choice.chosen)
      : [];
  const base = { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, actor: input.actor };
  const statements: Statement[] = [
    ...choice.statements,
    db.insert(signatures).values({
      id: signatureId,
      orgId: state.org.id,
      documentId: state.document.id,
      versionId: state.version.id,
      version: state.version.version,
      contactId: state.contact.id,
      outcome: signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted',
      signerName: input.signerName,
      signerEmail: state.contact.email,
      method: input.method,
      imageKey: input.imageKey,
      consentAt: consenting ? now : (state.contact.esignConsentAt ?? now),
      consentVersion: consent.version,
      consentSha256: consent.sha256,
      identifiedBy: code.identifiedBy,
      emailCodeAt: code.emailCodeAt,
      signedAt: now,
      ip: input.actor.ip ?? '',
      userAgent: (input.actor.userAgent ?? '').slice(0, 500),
      unsignedPdfSha256: typeof choice.sha256 === 'string' ? whileUnchanged(state, choice.sha256) : choice.sha256,
      idempotencyKey: input.idempotencyKey,
      ...comparedWith(state, input.comparedTo),
    }),
  ];
  if (complete) statements.push(completeStatement(db, state, event, now));
  statements.push(...code.statements);
  if (consenting) {
    const given = { esignConsentAt: now, esignConsentVersion: consent.version, esignConsentSha256: consent.sha256 };
    statements.push(
      db.update(contacts).set(given).where(eq(contacts.id, state.contact.id)),
      activityInsert(db, { ...base, action: 'consented', data: { version: state.version.version }, at: now }),
    );
  }
  const data = {
    version: state.version.version,
    signer: input.signerName,
    method: input.method,
    sha256: typeof choice.sha256 === 'string' ? choice.sha256 : input.selection?.sha256,
    ...(count.of > 1 ? count : {}),
  };
  statements.push(activityInsert(db, { ...base, id: activityId, action: verb, data, at: now + 1 }));
  if (complete) {
    const mine = { name: input.signerName, email: state.contact.email };
    statements.push(
      ...completion(db, state, lines, now),
      ...approvalMail(db, state, input.origin, approversOf(state, mine), verb, signed),
    );
  } else {
    statements.push(...(await nextSignerStatements(db, state, facts, input, now, env)));
  }
  const part = count.of > 1 ? ` (${count.signed} of ${count.of})` : '';
  const told = { type: 'decision', say: `${verb[0].toUpperCase()}${verb.slice(1)} by ${input.signerName}${part}.` };
  const result = { signatureId, imageKey: input.imageKey, selectedKey: choice.key ?? null };
  return { statements, result, activityId, event: told };
}

/**
 * A resubmitted form (the same key, kept in its signature row): the first signature's answer again, read
 * in the queue, so a retry or a double click never signs twice. A refused form (a wrong code) signed
 * nothing and is not remembered: the same form with the right code must still sign.
 */
function remembered(state: DecisionState, key: string): SignResult | null {
  const first = state.signatures.find((s) => s.idempotencyKey === key && s.contactId === state.contact.id);
  if (!first) return null;
  const selectedKey = first.versionId === state.version.id ? state.version.selectedPdfKey : null;
  return { signatureId: first.id, imageKey: first.imageKey, selectedKey };
}

/**
 * The status move of a completed approval: only while the status is the one read and every signer
 * of the document has approved the sent version (read in SQL too), so two last signatures can never
 * both move it, and a partial one never does.
 */
export function completeStatement(db: Db, state: DecisionState, event: 'approve' | 'accept', now: number) {
  const d = state.document;
  const everyone = sql`NOT EXISTS (SELECT 1 FROM document_recipients r WHERE r.document_id = ${d.id}
    AND r.org_id = ${d.orgId} AND r.role = 'signer' AND NOT EXISTS (SELECT 1 FROM signatures s
    WHERE s.version_id = ${state.version.id} AND s.contact_id = r.contact_id AND s.outcome <> 'declined'))`;
  return db
    .update(documents)
    .set({ status: nextStatus(d.type, d.status, event), updatedAt: now })
    .where(and(eq(documents.id, d.id), eq(documents.status, d.status), everyone));
}

/** What happens once, with the approval that completes the document: reminders cancelled, a change order's budget. */
/** What a completion reads of the state: a recipient's approval's, or the contractor's record of one made offline. */
export type Decided = Pick<DecisionState, 'org' | 'document' | 'version'>;

export function completion(db: Db, state: Decided, lines: VersionLine[], now: number): Statement[] {
  return [decidedStatement(db, state, now), ...changeOrderToBudget(db, state, lines, now)];
}

/** The change order's item lines (issue 20: the chosen ones), read only when its approval completes. */
export const completionLines = (db: Db, state: DecisionState) =>
  state.document.subtype === 'change_order' ? chosenItemLines(db, state.org.id, state.version.id) : Promise.resolve([]);

/** Every signer's approval of the sent version, in signing order, as the contractor's email names them. */
export function approversOf(state: DecisionState, mine?: Approver): Approver[] {
  const approved = state.signatures.filter((s) => s.versionId === state.version.id && s.outcome !== 'declined');
  const named = (contactId: string) => {
    if (mine && contactId === state.contact.id) return mine;
    const s = approved.find((a) => a.contactId === contactId);
    return s ? { name: s.signerName, email: s.signerEmail } : null;
  };
  const signers = signersOf(state.recipients);
  if (!signers.length)
    return mine ? [mine] : approved.slice(0, 1).map((s) => ({ name: s.signerName, email: s.signerEmail }));
  return signers.map((r) => named(r.contactId)).filter((a): a is Approver => !!a);
}

/** The recipients (other than the decider) whose access is still what the latest send or resend gave them. */
async function stillGiven(db: Db, state: DecisionState) {
  const accountId = state.document.accountId;
  const others = state.recipients.filter((r) => r.contactId !== state.contact.id);
  if (!accountId) return new Set<string>();
  const given = await Promise.all(
    others.map((r) =>
      linkStillGiven(db, state.document, { id: r.contactId, accountId, accessVersion: r.accessVersion }),
    ),
  );
  return new Set(others.filter((_, i) => given[i]).map((r) => r.contactId));
}

/**
 * In a set order, the next signer's email with their own link, while the send's link is still theirs:
 * after a signature (`previous` is the signer) or after the contractor removed the signer whose turn it was.
 */
export async function nextSignerStatements(
  db: Db,
  state: DecisionState,
  facts: SignatureFact[],
  input: { origin: string; signerName: string | null },
  now: number,
  env?: LinkEnv,
): Promise<Statement[]> {
  if (state.document.signingOrder !== 'ordered' || !env) return [];
  const [next] = signersDue(state.recipients, facts, state.version.version, 'ordered');
  if (!next?.email || !state.document.accountId) return [];
  const contact = { id: next.contactId, accountId: state.document.accountId, accessVersion: next.accessVersion };
  if (!(await linkStillGiven(db, state.document, contact))) return [];
  const link = await portalLink(env, input.origin, contact, state.document.id, state.org.portalLinkDays);
  return [nextSignerMail(db, state, next, link, input.signerName, now)];
}

/**
 * The comparison the signer was shown, as the signature records it. The page shows the changes since
 * the newest earlier version this contact opened (version_views); the posted hash counts only when it
 * is that version's (read in the insert itself), so the certificate never states a comparison the
 * server did not show. Anything else records nothing.
 */
function comparedWith(state: DecisionState, comparedTo: string | undefined) {
  if (!comparedTo || !/^[0-9a-f]{64}$/.test(comparedTo)) return {};
  const shown = sql`(SELECT max(vv.version) FROM version_views vv WHERE vv.document_id = ${state.document.id}
    AND vv.contact_id = ${state.contact.id} AND vv.version < ${state.version.version})`;
  const where = sql`v.document_id = ${state.document.id} AND v.org_id = ${state.org.id} AND v.pdf_sha256 = ${comparedTo}
    AND v.sent_at IS NOT NULL AND v.version = ${shown}`;
  return {
    comparedToVersion: sql<number>`(SELECT v.version FROM document_versions v WHERE ${where} ORDER BY v.version DESC LIMIT 1)`,
    comparedToSha256: sql<string>`(SELECT v.pdf_sha256 FROM document_versions v WHERE ${where} ORDER BY v.version DESC LIMIT 1)`,
  };
}

type VersionLine = Awaited<ReturnType<typeof itemLinesOf>>[number];

/** An approved change order adds its lines to the job budget, in a group named after it. */
function changeOrderToBudget(db: Db, state: Decided, lines: VersionLine[], now: number): Statement[] {
  const items = lines.filter((l) => l.kind === 'item');
  if (state.document.subtype !== 'change_order' || !items.length) return [];
  const { org, document } = state;
  const groupId = createId();
  const name = `${document.number} ${state.version.title}`.slice(0, 120);
  const rows = items.map((l, i) => ({
    id: createId(),
    orgId: org.id,
    jobId: document.jobId,
    groupId,
    position: i + 1,
    name: l.name,
    description: l.description,
    costCode: l.costCode,
    costType: l.costType ?? 'other',
    quantity: l.quantity,
    unit: l.unit,
    unitCost: l.unitCost,
    unitPrice: l.unitPrice,
    taxable: l.taxable,
    createdAt: now,
    updatedAt: now,
  }));
  const position = sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_groups WHERE org_id = ${org.id} AND job_id = ${document.jobId})`;
  const system = { side: 'system', name: 'Contractor Portal' } as const;
  return [
    db.insert(costGroups).values({
      id: groupId,
      orgId: org.id,
      jobId: document.jobId,
      name,
      position,
      sourceDocumentId: document.id,
      createdAt: now,
    }),
    ...chunk(rows, 17).map((part) => db.insert(costItems).values(part)),
    activityInsert(db, {
      orgId: org.id,
      jobId: document.jobId,
      documentId: document.id,
      action: 'budget_updated',
      actor: system,
      data: { group: name, items: rows.length },
      at: now + 2,
    }),
  ];
}

/** Why a decline's reason cannot be taken (too long), or null; the route asks it before "Decline …?". */
export function declineReasonRefusal(reason: string): string | null {
  if (reason.length <= MAX_REASON) return null;
  const has = reason.length.toLocaleString('en-US');
  return `The reason can be at most ${MAX_REASON.toLocaleString('en-US')} characters; it has ${has}.`;
}

export interface DeclineCommit extends RoomContext {
  actor: RecipientActor;
  versionHash: string;
  reason: string;
}

/** The recipient declines the sent version, with a reason the contractor is emailed. */
export async function declineWrite(
  db: Db,
  input: DeclineCommit,
  now = Date.now(),
): Promise<RoomWrite<{ declined: true }>> {
  const refusal = declineReasonRefusal(input.reason);
  if (refusal) throw new Refused(refusal, 'reason');
  const state = await stateFor(db, input);
  declinable(state, input.versionHash);
  const activityId = createId();
  const base = { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, actor: input.actor };
  const statements: Statement[] = [
    db.insert(signatures).values({
      id: createId(),
      orgId: state.org.id,
      documentId: state.document.id,
      versionId: state.version.id,
      version: state.version.version,
      contactId: state.contact.id,
      outcome: 'declined',
      signerName: state.contact.name,
      signerEmail: state.contact.email,
      method: 'none',
      reason: input.reason,
      signedAt: now,
      ip: input.actor.ip ?? '',
      userAgent: (input.actor.userAgent ?? '').slice(0, 500),
      unsignedPdfSha256: whileUnchanged(state, state.version.pdfSha256!),
      sealedAt: now,
    }),
    db
      .update(documents)
      .set({ status: nextStatus(state.document.type, state.document.status, 'decline'), updatedAt: now })
      .where(and(eq(documents.id, state.document.id), eq(documents.status, state.document.status))),
    activityInsert(db, {
      ...base,
      id: activityId,
      action: 'declined',
      data: { version: state.version.version, reason: input.reason },
      at: now,
    }),
    decidedStatement(db, state, now),
    ...declineMail(db, state, input.origin, input.reason),
    ...declinedToOthers(db, state, await stillGiven(db, state), now),
  ];
  const event = { type: 'decision', say: `Declined by ${state.contact.name}.` };
  return { statements, result: { declined: true }, activityId, event };
}

/**
 * A vendor's unit cost against the budget item form's own limits (budget/budget.ts `checkItem`), in
 * its words: at most $10,000,000 a unit and $10 billion a line. Null when the budget would take it.
 */
export function costLineRefusal(name: string, quantity: number, unitCost: number): string | null {
  const label = `Unit cost for ${name}`;
  if (!Number.isSafeInteger(unitCost)) return `${label} must be a number with at most two decimals.`;
  if (unitCost < 0) return `${label} must be at least 0.`;
  if (unitCost > MAX_UNIT_AMOUNT) return `${label} must be at most ${(MAX_UNIT_AMOUNT / 100).toLocaleString('en-US')}.`;
  if (lineTotal(quantity, unitCost) > MAX_LINE_TOTAL)
    return `Quantity × unit cost for ${name} is larger than we can handle ($10 billion per item).`;
  return null;
}

export interface BidLineInput {
  lineId: string;
  /** Cents per unit; null where the vendor does not bid. */
  unitCost: number | null;
  note: string;
}

export interface BidCommit extends RoomContext {
  actor: RecipientActor;
  versionHash: string;
  note: string;
  lines: BidLineInput[];
}

/** The vendor's bid on the sent version (a second one revises it): one bid row per version, its lines replaced. */
export async function bidWrite(
  db: Db,
  input: BidCommit,
  now = Date.now(),
): Promise<RoomWrite<{ total: number; revised: boolean }>> {
  if (input.lines.every((l) => l.unitCost === null)) throw new Refused(NO_COSTS);
  const state = await stateFor(db, input, 'This request is no longer available.');
  checkDecider(state);
  if (state.document.type !== 'bid_request') throw new Refused('Only a bid request takes a bid.');
  checkVersion(state, input.versionHash);
  if (!canTransition(state.document.type, state.document.status, 'submit_bid'))
    throw new Conflict('Bids on this request are closed.');
  checkDeadline(state.document, state.org.name, input.timeZone, now);
  const snapshot = JSON.parse(state.version.snapshot!) as DocumentSnapshot;
  const requested = new Map(snapshot.lines.filter((l) => l.kind === 'item').map((l) => [l.id, l]));
  const seen = new Set<string>();
  for (const l of input.lines) {
    const line = requested.get(l.lineId);
    if (!line || seen.has(l.lineId))
      throw new Refused('This bid names a line the request does not have. Reload the page and try again.');
    seen.add(l.lineId);
    if (l.note.length > 500)
      throw new Refused(`The note for ${line.name} can be at most 500 characters.`, `note.${l.lineId}`);
    if (l.unitCost === null) continue;
    const refusal = costLineRefusal(line.name, line.quantity, l.unitCost);
    if (refusal) throw new Refused(refusal, `cost.${l.lineId}`);
  }
  if (input.note.length > 2000) throw new Refused('Notes can be at most 2,000 characters.', 'note');
  const total = bidTotal(
    input.lines.map((l) => ({ quantity: requested.get(l.lineId)!.quantity, unitCost: l.unitCost })),
  );
  const existing = state.bids.find((b) => b.versionId === state.version.id);
  const bidId = existing?.id ?? createId();
  const note = whileUnchanged(state, input.note);
  const lineRows = input.lines.map((l) => ({
    id: createId(),
    orgId: state.org.id,
    bidId,
    lineId: l.lineId,
    unitCost: l.unitCost,
    note: l.note,
  }));
  const activityId = createId();
  const base = { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, actor: input.actor };
  const statements: Statement[] = [
    existing
      ? db
          .update(bids)
          .set({ note, contactId: state.contact.id, submittedAt: now, updatedAt: now })
          .where(eq(bids.id, bidId))
      : db.insert(bids).values({
          id: bidId,
          orgId: state.org.id,
          documentId: state.document.id,
          versionId: state.version.id,
          contactId: state.contact.id,
          accountId: state.contact.accountId,
          note,
          status: 'submitted',
          submittedAt: now,
          updatedAt: now,
        }),
    db.delete(bidLines).where(eq(bidLines.bidId, bidId)),
    ...chunk(lineRows, 6).map((part) => db.insert(bidLines).values(part)),
    db
      .update(documents)
      .set({ status: nextStatus(state.document.type, state.document.status, 'submit_bid'), updatedAt: now })
      .where(and(eq(documents.id, state.document.id), eq(documents.status, state.document.status))),
    activityInsert(db, {
      ...base,
      id: activityId,
      action: 'bid_submitted',
      data: { version: state.version.version, total, revised: !!existing },
      at: now,
    }),
    decidedStatement(db, state, now),
    ...bidMail(db, state, input.origin, total, !!existing, input.note),
  ];
  const event = { type: 'decision', say: existing ? 'The bid was updated.' : 'The bid was submitted.' };
  return { statements, result: { total, revised: !!existing }, activityId, event };
}

export interface AcceptBidCommit extends RoomContext {
  actor: Actor;
  /** The bid as the contractor was shown it (`bidSeen`): another bid, or this one changed since, answers 409. */
  bidSeen?: string;
}

const NO_BID = 'There is no submitted bid to accept on this request.';

/** A bid as a confirmation names it: its id and when it was last submitted (a vendor's new bid updates the row). */
export const bidSeen = (bid: { id: string; submittedAt: number }) => `${bid.id}.${bid.submittedAt}`;

/**
 * Accepting a vendor's bid writes its unit costs and the vendor onto the budget items the request
 * was made from; other submitted bids on those items are marked not accepted. All one batch.
 */
export async function acceptBidWrite(
  db: Db,
  input: AcceptBidCommit,
  now = Date.now(),
): Promise<RoomWrite<{ items: number }>> {
  const { orgId, documentId, actor } = input;
  const [doc] = await db
    .select()
    .from(documents)
    .where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  if (!doc || doc.type !== 'bid_request') throw new NotFound();
  if (!canTransition(doc.type, doc.status, 'accept_bid')) throw new Conflict(NO_BID);
  const [bid] = await db
    .select()
    .from(bids)
    .where(and(eq(bids.orgId, orgId), eq(bids.documentId, documentId), eq(bids.status, 'submitted')))
    .orderBy(sql`${bids.submittedAt} DESC`)
    .limit(1);
  if (!bid) throw new Conflict(NO_BID);
  if (input.bidSeen !== undefined && input.bidSeen !== bidSeen(bid))
    throw new Conflict('The vendor sent a new bid since you were asked. Look at it again before accepting.');
  const rows = await db
    .select({
      unitCost: bidLines.unitCost,
      costItemId: documentLines.costItemId,
      item: { name: costItems.name, quantity: costItems.quantity },
    })
    .from(bidLines)
    .leftJoin(documentLines, eq(documentLines.id, bidLines.lineId))
    .leftJoin(costItems, and(eq(costItems.orgId, orgId), eq(costItems.id, documentLines.costItemId)))
    .where(eq(bidLines.bidId, bid.id));
  const priced = rows.filter(
    (r): r is typeof r & { unitCost: number; costItemId: string } => r.unitCost !== null && !!r.costItemId,
  );
  // The cost lands on the item as it is now (its quantity may have changed since the request was
  // sent): never a cost the budget form would refuse.
  for (const p of priced) {
    const refusal = p.item && costLineRefusal(p.item.name, p.item.quantity, p.unitCost);
    if (refusal) throw new Refused(refusal);
  }
  // Other open bid requests of the same job that priced any of these items.
  const sameItems = sql`EXISTS (SELECT 1 FROM bid_lines bl JOIN document_lines dl ON dl.id = bl.line_id WHERE bl.bid_id = ${bids.id}
    AND dl.cost_item_id IN (SELECT dl2.cost_item_id FROM bid_lines bl2 JOIN document_lines dl2 ON dl2.id = bl2.line_id WHERE bl2.bid_id = ${bid.id}))`;
  const rivals = priced.length
    ? await db
        .select({ documentId: documents.id, status: documents.status, bidId: bids.id })
        .from(documents)
        .innerJoin(bids, and(eq(bids.documentId, documents.id), eq(bids.status, 'submitted')))
        .where(
          and(
            eq(documents.orgId, orgId),
            eq(documents.jobId, doc.jobId),
            eq(documents.type, 'bid_request'),
            sql`${documents.id} <> ${documentId}`,
            sameItems,
          ),
        )
    : [];
  const activityId = createId();
  const statements: Statement[] = [
    db
      .update(bids)
      .set({ status: 'accepted', updatedAt: now })
      .where(and(eq(bids.id, bid.id), eq(bids.status, 'submitted'))),
    db
      .update(documents)
      .set({ status: nextStatus(doc.type, doc.status, 'accept_bid'), updatedAt: now })
      .where(and(eq(documents.id, doc.id), eq(documents.status, doc.status))),
    ...priced.map((p) =>
      db
        .update(costItems)
        .set({ unitCost: p.unitCost, vendorAccountId: bid.accountId, acceptedBidId: bid.id, updatedAt: now })
        .where(and(eq(costItems.orgId, orgId), eq(costItems.id, p.costItemId))),
    ),
    activityInsert(db, {
      id: activityId,
      orgId,
      jobId: doc.jobId,
      documentId: doc.id,
      action: 'bid_accepted',
      actor,
      data: { bidId: bid.id, items: priced.length },
      at: now,
    }),
    cancelStatement(db, { orgId, documentId: doc.id }, 'decided', now),
    // A rival lives in another room: its rows change only while they are as read here.
    ...rivals.flatMap((r) => [
      db
        .update(bids)
        .set({ status: 'not_accepted', updatedAt: now })
        .where(and(eq(bids.id, r.bidId), eq(bids.status, 'submitted'))),
      ...(canTransition('bid_request', r.status, 'reject_bid')
        ? [
            db
              .update(documents)
              .set({ status: nextStatus('bid_request', r.status, 'reject_bid'), updatedAt: now })
              .where(and(eq(documents.id, r.documentId), eq(documents.status, r.status))),
          ]
        : []),
      activityInsert(db, {
        orgId,
        jobId: doc.jobId,
        documentId: r.documentId,
        action: 'bid_not_accepted',
        actor,
        data: { acceptedOn: doc.number },
        at: now,
      }),
    ]),
  ];
  const event = { type: 'decision', say: 'The bid was accepted.' };
  return { statements, result: { items: priced.length }, activityId, event };
}

// Verbs: what the Worker calls. Each asks the document's room and answers its result or its domain error.

export interface SignInput extends RoomContext {
  versionHash: string;
  signerName: string;
  method: 'drawn' | 'typed';
  /** The drawn signature's PNG (checked by readSignatureImage), or null for a typed one. */
  image: Uint8Array | null;
  consent: boolean;
  /** The form's key: a resubmission of the same form gets the first answer, not a second signature. */
  idempotencyKey: string;
  /** Issue 18: the emailed code, when the document asks for one. */
  code?: string;
  /** Issue 20: the options chosen (absent: the document offers none, or the choice was made already). */
  chosen?: string[];
}

/**
 * Issue 20: the first choosing signature's snapshot and PDF of exactly the chosen lines, rendered by the
 * PDF Worker and put to R2 before the room is asked (as a send's PDF is). Null when there is nothing to
 * render: no choices offered, a choice made already, or a page of another version (the room says stale).
 */
async function renderSelection(
  env: Env,
  db: Db,
  actor: RecipientActor,
  input: SignInput,
  now: number,
): Promise<RenderedSelection | null> {
  // No choice posted: a page offering choices always posts one, so a sign without any costs no read here.
  if (!input.chosen) return null;
  const state = await decisionState(db, input.orgId, input.documentId, actor.contactId);
  if (!state) return null;
  const sent = state.version;
  if (!sent.snapshot || sent.selection || sent.pdfSha256 !== input.versionHash) return null;
  // Nothing is rendered for someone who may not sign now: the room refuses them with its own words.
  const order = state.document.signingOrder;
  if (deciderRefusal(state.recipients, state.contact.id)) return null;
  if (turnRefusal(state.recipients, factsOf(state), sent.version, order, state.contact.id)) return null;
  const snapshot = JSON.parse(sent.snapshot) as DocumentSnapshot;
  if (!choiceShape(snapshot.lines).any) return null;
  const checked = checkChosen(snapshot.lines, input.chosen ?? []);
  if (!checked.ok) throw new Refused(checked.message, 'choose');
  const selection: Selection = { chosen: checked.chosen, by: input.signerName, at: now };
  const chosen = selectedSnapshot(snapshot, selection);
  const pdf = await renderSnapshotPdf(env, chosen);
  const sha256 = await sha256Hex(pdf.bytes as Uint8Array<ArrayBuffer>);
  // Its own key per attempt: two signers choosing the same lines must not share (and delete) one object.
  const attempt = `${sha256.slice(0, 16)}-${createId().slice(0, 10)}`;
  const key = `org/${input.orgId}/doc/${input.documentId}/v${sent.version}-chosen-${attempt}.pdf`;
  await env.FILES.put(key, pdf.bytes, { httpMetadata: { contentType: 'application/pdf' }, customMetadata: { sha256 } });
  const signatureBox = pdf.signatureBoxes.length ? JSON.stringify(pdf.signatureBoxes) : null;
  return { selection, snapshot: JSON.stringify(chosen), key, sha256, signatureBox };
}

/**
 * Signs (or approves) for the recipient: the drawn image (and, choosing first, the PDF of the chosen
 * lines) goes to R2 first and is deleted again if the room refuses; the signed PDF is sealed after
 * the response.
 */
export async function sign(
  env: Env,
  db: Db,
  actor: RecipientActor,
  input: SignInput,
  defer: Defer,
): Promise<SignResult> {
  const { image, idempotencyKey, ...rest } = input;
  const selection = await renderSelection(env, db, actor, input, Date.now());
  const imageKey = image ? `org/${input.orgId}/doc/${input.documentId}/signature-${createId()}.png` : null;
  let result: SignResult;
  try {
    if (image && imageKey) await env.FILES.put(imageKey, image, { httpMetadata: { contentType: 'image/png' } });
    result = await decided(
      documentRoom(env, input.documentId).sign({
        ...rest,
        actor,
        imageKey,
        idempotencyKey: `${actor.contactId}:${idempotencyKey}`,
        ...(selection ? { selection } : {}),
      }),
    );
  } catch (err) {
    // A failure that is no refusal may come after the commit (the room's answer lost on its way back): an
    // image a signature points at, or a PDF the version points at, stays.
    const committed = !(err instanceof DomainError);
    const { orgId, documentId } = input;
    const imageKept = async (key: string) => committed && (await signedWithImage(db, orgId, documentId, key));
    const kept = async (key: string) =>
      committed && (await sentChoice(db, orgId, documentId).catch(() => null))?.selectedPdfKey === key;
    if (imageKey && !(await imageKept(imageKey))) await env.FILES.delete(imageKey);
    if (selection && !(await kept(selection.key))) await env.FILES.delete(selection.key);
    throw err;
  }
  // Someone chose first (the same options), a resubmitted form, a wrong code: this PDF is not the one.
  if (selection && result.selectedKey !== selection.key) await env.FILES.delete(selection.key);
  // A wrong emailed code: only its try was counted; the form comes back with the message on its field.
  if (result.codeRefused) {
    if (imageKey) await env.FILES.delete(imageKey);
    throw new Refused(result.codeRefused, 'code');
  }
  // A resubmitted form's answer is the first signature's, which points at the first request's image.
  if (imageKey && result.imageKey !== imageKey) await env.FILES.delete(imageKey);
  const sealing = finalizeSignature(env, db, result.signatureId, input.origin).then(() => deliverDueMail(env, db));
  defer(sealing.catch((err) => console.error('sealing', err)));
  return result;
}

function deliverLater(env: Env, db: Db, defer: Defer) {
  if (env.MAILCHANNELS_API_KEY) defer(deliverDueMail(env, db).catch((err) => console.error('mail delivery', err)));
}

export interface DeclineInput extends RoomContext {
  versionHash: string;
  reason: string;
}

/**
 * Before "Decline …?" is asked: the same checks the decline will make in the room (a read, nothing
 * written), so the question is never asked about a version the recipient was not shown.
 */
export async function checkDeclinable(db: Db, actor: RecipientActor, input: DeclineInput) {
  declinable(await stateFor(db, { ...input, actor }), input.versionHash);
}

export async function decline(env: Env, db: Db, actor: RecipientActor, input: DeclineInput, defer: Defer) {
  const result = await decided(documentRoom(env, input.documentId).decline({ ...input, actor }));
  deliverLater(env, db, defer);
  return result;
}

export interface BidInput extends RoomContext {
  versionHash: string;
  note: string;
  lines: BidLineInput[];
}

export async function submitBid(env: Env, db: Db, actor: RecipientActor, input: BidInput, defer: Defer) {
  const result = await decided(documentRoom(env, input.documentId).submitBid({ ...input, actor }));
  deliverLater(env, db, defer);
  return result;
}

export interface AcceptBidInput {
  orgId: string;
  documentId: string;
  timeZone: string;
  origin: string;
  bidSeen?: string;
}

/** The contractor accepts the newest submitted bid of one of the org's bid requests. */
export async function acceptBid(env: Env, db: Db, actor: Actor, input: AcceptBidInput) {
  const doc = await documentHead(db, input.orgId, input.documentId);
  if (!doc || doc.type !== 'bid_request') throw new NotFound();
  return decided(documentRoom(env, doc.id).acceptBid({ ...input, jobId: doc.jobId, actor }));
}
