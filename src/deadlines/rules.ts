import { calendarDate } from '../../views/format';
import type { DocumentSubtype, DocumentType } from '../db/schema';
import { kindOf, type Kind } from '../documents/kinds';
import { canTransition } from '../documents/status';
import { Refused } from '../errors';
import { endOfDay, todayIn } from './time';

// What a document's date means (issue 16), read in one place: an estimate past its valid-until date is
// expired and cannot be approved; a bid request past its bids-due date takes no more bids; an invoice
// unpaid after its due date is overdue; a vendor order's required-by date is shown and refuses nothing.
// A date is a whole day in the company's time zone: it holds until that day ends there.

export interface DeadlineDocument {
  type: DocumentType | string;
  subtype: DocumentSubtype | string | null;
  status: string;
  /** `documents.deadline`: the date that counts now (the sent version's, or an extension's). */
  deadline: string | null;
}

export type DeadlineRule = NonNullable<Kind['deadline']>;

export function deadlineRule(doc: Pick<DeadlineDocument, 'type' | 'subtype'>): DeadlineRule | null {
  return kindOf(doc.type, doc.subtype)?.deadline ?? null;
}

/** The instant the document's deadline has passed (the end of its day in the company's zone), or null. */
export function deadlineEndsAt(doc: Pick<DeadlineDocument, 'deadline'>, timeZone: string): number | null {
  return doc.deadline ? endOfDay(doc.deadline, timeZone) : null;
}

/** Whether the recipient still has the decision the deadline closes: approve or accept an order, bid on a request. */
export function awaitsDecision(doc: Pick<DeadlineDocument, 'type' | 'status'>): boolean {
  const type = doc.type as DocumentType;
  return (
    canTransition(type, doc.status, 'approve') ||
    canTransition(type, doc.status, 'accept') ||
    canTransition(type, doc.status, 'submit_bid')
  );
}

/**
 * Closed by its date: an estimate, proposal or change order past its valid-until date (expired), or a bid
 * request past its bids-due date, while the decision is still the recipient's to make.
 */
export function closedByDeadline(doc: DeadlineDocument, timeZone: string, now = Date.now()): boolean {
  const rule = deadlineRule(doc);
  if (rule !== 'expires' && rule !== 'bids_close') return false;
  const ends = deadlineEndsAt(doc, timeZone);
  return ends !== null && now >= ends && awaitsDecision(doc);
}

/** An invoice unpaid after its due date (the due day itself is not overdue). */
export function isOverdue(doc: DeadlineDocument, balance: number, timeZone: string, now = Date.now()): boolean {
  if (deadlineRule(doc) !== 'due' || !doc.deadline || balance <= 0) return false;
  if (doc.status === 'draft' || doc.status === 'void' || doc.status === 'paid') return false;
  return doc.deadline < todayIn(timeZone, now);
}

const labelOf = (doc: Pick<DeadlineDocument, 'type' | 'subtype'>) => kindOf(doc.type, doc.subtype)?.label ?? 'Document';

/**
 * What the recipient is told when the date closed the decision: "This estimate expired on Dec 28, 2026 — ask
 * Oak & Stone for an updated one." / "Bids on this request closed on Dec 28, 2026 — ask Oak & Stone to reopen it."
 */
export function closedMessage(doc: DeadlineDocument, company: string): string {
  const on = calendarDate(doc.deadline);
  if (deadlineRule(doc) === 'bids_close') {
    return `Bids on this request closed on ${on} — ask ${company} to reopen bidding.`;
  }
  return `This ${labelOf(doc).toLowerCase()} expired on ${on} — ask ${company} for an updated one.`;
}

/** Thrown by a sign, approval, acceptance or bid the date has closed: 422 with the message above. */
export class DeadlinePassed extends Refused {}

/** Refuses the decision when the date closed it, read at this moment in the company's time zone. */
export function checkDeadline(doc: DeadlineDocument, company: string, timeZone: string, now = Date.now()) {
  if (closedByDeadline(doc, timeZone, now)) throw new DeadlinePassed(closedMessage(doc, company));
}

/**
 * Why a draft cannot go out with its date, or null: a valid-until, bids-due or due date already past in the
 * company's time zone (today is still fine: it holds until the day ends). Names the editor's field.
 */
export function pastDeadlineRefusal(
  doc: Pick<DeadlineDocument, 'type' | 'subtype'>,
  dueDate: string | null,
  timeZone: string,
  now = Date.now(),
): Refused | null {
  const rule = deadlineRule(doc);
  if (!dueDate || (rule !== 'expires' && rule !== 'bids_close' && rule !== 'due')) return null;
  if (dueDate >= todayIn(timeZone, now)) return null;
  const label = kindOf(doc.type, doc.subtype)?.dueLabel ?? 'Due';
  return new Refused(
    `${label} ${calendarDate(dueDate)} has already passed. Choose a later date before sending.`,
    'dueDate',
  );
}
