import { createId } from '../db/ids';
import { and, eq, sql } from 'drizzle-orm';
import { renderMail } from '../../views/mail/message';
import { money } from '../../views/format';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { bidLines, bids, contacts, costGroups, costItems, documents, signatures, type costTypes } from '../db/schema';
import { chunk } from '../documents/queries';
import { kindOf } from '../documents/kinds';
import type { DocumentSnapshot } from '../documents/snapshot';
import { canTransition, nextStatus } from '../documents/status';
import { brandOf } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import type { DecisionState } from './queries';

export type Refusal = { ok: false; code: 'stale' | 'already' | 'closed' | 'invalid'; message: string };

export const STALE = 'This document was revised; please review the new version.';
export const ALREADY_SIGNED = 'This document has already been signed.';

export interface SignRequest {
  versionHash: string;
  signerName: string;
  method: 'drawn' | 'typed';
  imageKey: string | null;
  consent: boolean;
  idempotencyKey: string;
  actor: Actor;
  origin: string;
}

/** The event a recipient's approval is for this type, or null if the type is not approved by signing. */
export function approvalEvent(type: string): 'approve' | 'accept' | null {
  return type === 'customer_order' ? 'approve' : type === 'vendor_order' ? 'accept' : null;
}

export function checkVersion(state: DecisionState, versionHash: string): Refusal | null {
  if (!/^[0-9a-f]{64}$/.test(versionHash) || versionHash !== state.version.pdfSha256) return { ok: false, code: 'stale', message: STALE };
  return null;
}

function contractorMail(db: Db, state: DecisionState, subject: string, heading: string, paragraphs: string[], origin: string, quote?: string) {
  if (!state.creator?.email) return [];
  const mail = renderMail({ brand: brandOf(state.org), heading, paragraphs, quote, button: { label: 'Open the document', href: `${origin}/documents/${state.document.id}` } });
  return [queueMail(db, { orgId: state.org.id, documentId: state.document.id, kind: 'decision', to: { email: state.creator.email, name: state.creator.name ?? '' }, fromName: state.org.name, subject, ...mail })];
}

function label(state: DecisionState) {
  return `${kindOf(state.document.type, state.document.subtype)?.label ?? 'Document'} ${state.document.number}`;
}

/** Rows that record one approval (signed or not), in one batch; null with a refusal when it may not happen. */
export function approvalStatements(db: Db, state: DecisionState, req: SignRequest, now: number, lines: VersionLine[] = []): { refusal: Refusal } | { signatureId: string; activityId: string; statements: ReturnType<typeof activityInsert>[] } {
  const event = approvalEvent(state.document.type);
  if (!event) return { refusal: { ok: false, code: 'invalid', message: 'This document is not approved by signing.' } };
  const stale = checkVersion(state, req.versionHash);
  if (stale) return { refusal: stale };
  if (state.signatures.some((s) => s.versionId === state.version.id && s.outcome !== 'declined')) return { refusal: { ok: false, code: 'already', message: ALREADY_SIGNED } };
  if (!canTransition(state.document.type, state.document.status, event)) return { refusal: { ok: false, code: 'closed', message: 'This document is no longer awaiting a signature.' } };
  if (!state.contact.esignConsentAt && !req.consent) return { refusal: { ok: false, code: 'invalid', message: 'Please read and agree to do business electronically before signing.' } };
  const status = nextStatus(state.document.type, state.document.status, event);
  const signatureId = createId();
  const activityId = createId();
  const signed = state.document.requireSignature;
  const outcome = signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted';
  const consentAt = state.contact.esignConsentAt ?? now;
  const base = { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, actor: req.actor };
  const statements = [
    db.insert(signatures).values({
      id: signatureId,
      orgId: state.org.id,
      documentId: state.document.id,
      versionId: state.version.id,
      version: state.version.version,
      contactId: state.contact.id,
      outcome,
      signerName: req.signerName,
      signerEmail: state.contact.email,
      method: req.method,
      imageKey: req.imageKey,
      consentAt,
      signedAt: now,
      ip: req.actor.ip ?? '',
      userAgent: (req.actor.userAgent ?? '').slice(0, 500),
      unsignedPdfSha256: state.version.pdfSha256!,
      idempotencyKey: req.idempotencyKey,
    }),
    db.update(documents).set({ status, updatedAt: now }).where(and(eq(documents.id, state.document.id), eq(documents.status, state.document.status))),
    ...(state.contact.esignConsentAt
      ? []
      : [
          db.update(contacts).set({ esignConsentAt: now }).where(eq(contacts.id, state.contact.id)),
          activityInsert(db, { ...base, action: 'consented', data: { version: state.version.version }, at: now }),
        ]),
    activityInsert(db, { ...base, id: activityId, action: signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted', data: { version: state.version.version, signer: req.signerName, method: req.method, sha256: state.version.pdfSha256 }, at: now + 1 }),
    ...changeOrderToBudget(db, state, lines, now),
    ...contractorMail(
      db,
      state,
      `${label(state)} was ${signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted'} by ${req.signerName}`,
      `${req.signerName} ${signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted'} ${label(state)}`,
      [`${state.contact.name} (${state.contact.email}) ${signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted'} revision ${state.version.version} of ${label(state)}.`, signed ? 'The signed PDF with its signature certificate follows as soon as it is sealed.' : ''].filter(Boolean),
      req.origin,
    ),
  ];
  return { signatureId, activityId, statements: statements as ReturnType<typeof activityInsert>[] };
}

type VersionLine = { kind: 'item' | 'group'; name: string; description: string; costCode: string; costType: (typeof costTypes)[number] | null; quantity: number; unit: string; unitCost: number; unitPrice: number; taxable: boolean };

/** An approved change order adds its lines to the job budget, in a group named after it. */
function changeOrderToBudget(db: Db, state: DecisionState, lines: VersionLine[], now: number) {
  if (state.document.subtype !== 'change_order') return [];
  const items = lines.filter((l) => l.kind === 'item');
  if (!items.length) return [];
  const groupId = createId();
  const name = `${state.document.number} ${state.version.title}`.slice(0, 120);
  const rows = items.map((l, i) => ({
    id: createId(),
    orgId: state.org.id,
    jobId: state.document.jobId,
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
  return [
    db.insert(costGroups).values({ id: groupId, orgId: state.org.id, jobId: state.document.jobId, name, position: sql`(SELECT coalesce(max(position), 0) + 1 FROM cost_groups WHERE org_id = ${state.org.id} AND job_id = ${state.document.jobId})`, sourceDocumentId: state.document.id, createdAt: now }),
    ...chunk(rows, 17).map((part) => db.insert(costItems).values(part)),
    activityInsert(db, { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, action: 'budget_updated', actor: { side: 'system', name: 'Contractor Portal' }, data: { group: name, items: rows.length }, at: now + 2 }),
  ];
}

export function declineStatements(db: Db, state: DecisionState, req: { versionHash: string; reason: string; actor: Actor; origin: string }, now: number): { refusal: Refusal } | { activityId: string; statements: ReturnType<typeof activityInsert>[] } {
  const stale = checkVersion(state, req.versionHash);
  if (stale) return { refusal: stale };
  const activityId = createId();
  if (!canTransition(state.document.type, state.document.status, 'decline')) return { refusal: { ok: false, code: 'closed', message: 'This document is no longer awaiting your decision.' } };
  const base = { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, actor: req.actor };
  const statements = [
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
      reason: req.reason,
      signedAt: now,
      ip: req.actor.ip ?? '',
      userAgent: (req.actor.userAgent ?? '').slice(0, 500),
      unsignedPdfSha256: state.version.pdfSha256!,
      sealedAt: now,
    }),
    db.update(documents).set({ status: nextStatus(state.document.type, state.document.status, 'decline'), updatedAt: now }).where(and(eq(documents.id, state.document.id), eq(documents.status, state.document.status))),
    activityInsert(db, { ...base, id: activityId, action: 'declined', data: { version: state.version.version, reason: req.reason }, at: now }),
    ...contractorMail(db, state, `${label(state)} was declined by ${state.contact.name}`, `${state.contact.name} declined ${label(state)}`, [`${state.contact.name} (${state.contact.email}) declined revision ${state.version.version}. Their reason:`], req.origin, req.reason || '(no reason given)'),
  ];
  return { activityId, statements: statements as ReturnType<typeof activityInsert>[] };
}

export interface BidRequestInput {
  versionHash: string;
  note: string;
  lines: { lineId: string; unitCost: number | null; note: string }[];
  actor: Actor;
  origin: string;
}

export function bidStatements(db: Db, state: DecisionState, req: BidRequestInput, now: number): { refusal: Refusal } | { activityId: string; statements: ReturnType<typeof activityInsert>[]; total: number } {
  const stale = checkVersion(state, req.versionHash);
  if (stale) return { refusal: stale };
  if (!canTransition(state.document.type, state.document.status, 'submit_bid')) return { refusal: { ok: false, code: 'closed', message: 'Bids on this request are closed.' } };
  const existing = state.bids.find((b) => b.versionId === state.version.id);
  const bidId = existing?.id ?? createId();
  const snapshot = JSON.parse(state.version.snapshot!) as DocumentSnapshot;
  const quantities = new Map(snapshot.lines.map((l) => [l.id, l.quantity]));
  const total = req.lines.reduce((sum, l) => sum + (l.unitCost === null ? 0 : Math.round(((quantities.get(l.lineId) ?? 0) * l.unitCost) / 10_000)), 0);
  const base = { orgId: state.org.id, jobId: state.document.jobId, documentId: state.document.id, actor: req.actor };
  const activityId = createId();
  const lineRows = req.lines.map((l) => ({ id: createId(), orgId: state.org.id, bidId, lineId: l.lineId, unitCost: l.unitCost, note: l.note }));
  const statements = [
    existing
      ? db.update(bids).set({ note: req.note, contactId: state.contact.id, submittedAt: now, updatedAt: now }).where(eq(bids.id, bidId))
      : db.insert(bids).values({ id: bidId, orgId: state.org.id, documentId: state.document.id, versionId: state.version.id, contactId: state.contact.id, accountId: state.contact.accountId, note: req.note, status: 'submitted', submittedAt: now, updatedAt: now }),
    db.delete(bidLines).where(eq(bidLines.bidId, bidId)),
    ...chunk(lineRows, 6).map((part) => db.insert(bidLines).values(part)),
    db.update(documents).set({ status: nextStatus(state.document.type, state.document.status, 'submit_bid'), updatedAt: now }).where(eq(documents.id, state.document.id)),
    activityInsert(db, { ...base, id: activityId, action: 'bid_submitted', data: { version: state.version.version, total, revised: !!existing }, at: now }),
    ...contractorMail(db, state, `${existing ? 'Revised bid' : 'Bid'} on ${label(state)} from ${state.contact.name}`, `${state.contact.name} ${existing ? 'revised their bid' : 'submitted a bid'}`, [`The bid on ${label(state)} totals ${money(total, state.org.currency)}.`], req.origin, req.note || undefined),
  ];
  return { activityId, statements: statements as ReturnType<typeof activityInsert>[], total };
}


/**
 * Accepting a vendor's bid writes its unit costs and the vendor onto the budget items the request
 * was made from; other submitted bids on those items are marked not accepted. All one batch.
 */
export async function acceptBidStatements(db: Db, orgId: string, documentId: string, actor: Actor, now: number) {
  const [doc] = await db.select().from(documents).where(and(eq(documents.orgId, orgId), eq(documents.id, documentId)));
  if (!doc || doc.type !== 'bid_request') return { refusal: { ok: false, code: 'invalid', message: 'Only a bid request has a bid to accept.' } as Refusal };
  if (!canTransition(doc.type, doc.status, 'accept_bid')) return { refusal: { ok: false, code: 'closed', message: 'There is no submitted bid to accept on this request.' } as Refusal };
  const [bid] = await db.select().from(bids).where(and(eq(bids.orgId, orgId), eq(bids.documentId, documentId), eq(bids.status, 'submitted'))).orderBy(sql`${bids.submittedAt} DESC`).limit(1);
  if (!bid) return { refusal: { ok: false, code: 'closed', message: 'There is no submitted bid to accept on this request.' } as Refusal };
  const rows = await db
    .select({ unitCost: bidLines.unitCost, costItemId: sql<string | null>`(SELECT dl.cost_item_id FROM document_lines dl WHERE dl.id = ${bidLines.lineId})` })
    .from(bidLines)
    .where(eq(bidLines.bidId, bid.id));
  const priced = rows.filter((r): r is { unitCost: number; costItemId: string } => r.unitCost !== null && !!r.costItemId);
  const itemIds = priced.map((r) => r.costItemId);
  // Other open bid requests of the same job that priced any of these items.
  const rivals = itemIds.length
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
            sql`EXISTS (SELECT 1 FROM bid_lines bl JOIN document_lines dl ON dl.id = bl.line_id WHERE bl.bid_id = ${bids.id} AND dl.cost_item_id IN (SELECT dl2.cost_item_id FROM bid_lines bl2 JOIN document_lines dl2 ON dl2.id = bl2.line_id WHERE bl2.bid_id = ${bid.id}))`,
          ),
        )
    : [];
  const statements = [
    db.update(bids).set({ status: 'accepted', updatedAt: now }).where(eq(bids.id, bid.id)),
    db.update(documents).set({ status: nextStatus(doc.type, doc.status, 'accept_bid'), updatedAt: now }).where(and(eq(documents.id, doc.id), eq(documents.status, doc.status))),
    ...priced.map((p) => db.update(costItems).set({ unitCost: p.unitCost, vendorAccountId: bid.accountId, acceptedBidId: bid.id, updatedAt: now }).where(and(eq(costItems.orgId, orgId), eq(costItems.id, p.costItemId)))),
    activityInsert(db, { orgId, jobId: doc.jobId, documentId: doc.id, action: 'bid_accepted', actor, data: { bidId: bid.id, items: priced.length }, at: now }),
    ...rivals.flatMap((r) => [
      db.update(bids).set({ status: 'not_accepted', updatedAt: now }).where(eq(bids.id, r.bidId)),
      db.update(documents).set({ status: canTransition('bid_request', r.status, 'reject_bid') ? nextStatus('bid_request', r.status, 'reject_bid') : r.status, updatedAt: now }).where(eq(documents.id, r.documentId)),
      activityInsert(db, { orgId, jobId: doc.jobId, documentId: r.documentId, action: 'bid_not_accepted', actor, data: { acceptedOn: doc.number }, at: now }),
    ]),
  ];
  return { statements: statements as ReturnType<typeof activityInsert>[], items: priced.length };
}
