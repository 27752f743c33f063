import type { DocumentType } from '../db/schema';
import { Conflict } from '../errors';

// The status machine of every document type, in one place. Each entry: from status, on event,
// to status. Anything not listed is refused with a message that says what is possible.

export type DocEvent =
  | 'send'
  | 'view'
  | 'approve'
  | 'decline'
  | 'accept'
  | 'submit_bid'
  | 'accept_bid'
  | 'reject_bid'
  | 'pay_partial'
  | 'pay_full'
  | 'refund_partial'
  | 'refund_full'
  | 'void'
  | 'approve_bill';

type Machine = Record<string, Partial<Record<DocEvent, string>>>;

const machines: Record<DocumentType, Machine> = {
  customer_order: {
    draft: { send: 'sent' },
    sent: { send: 'sent', view: 'viewed', approve: 'approved', decline: 'declined' },
    viewed: { send: 'sent', view: 'viewed', approve: 'approved', decline: 'declined' },
    declined: { send: 'sent', view: 'declined' },
    approved: { view: 'approved' },
  },
  vendor_order: {
    draft: { send: 'sent' },
    sent: { send: 'sent', view: 'viewed', accept: 'accepted', decline: 'declined' },
    viewed: { send: 'sent', view: 'viewed', accept: 'accepted', decline: 'declined' },
    declined: { send: 'sent', view: 'declined' },
    accepted: { view: 'accepted' },
  },
  bid_request: {
    draft: { send: 'sent' },
    sent: { send: 'sent', view: 'viewed', submit_bid: 'submitted' },
    viewed: { send: 'sent', view: 'viewed', submit_bid: 'submitted' },
    submitted: { view: 'submitted', submit_bid: 'submitted', accept_bid: 'accepted', reject_bid: 'rejected' },
    accepted: { view: 'accepted' },
    rejected: { view: 'rejected' },
  },
  customer_invoice: {
    draft: { send: 'sent', void: 'void' },
    sent: { send: 'sent', view: 'viewed', pay_partial: 'partially_paid', pay_full: 'paid', void: 'void' },
    viewed: { send: 'sent', view: 'viewed', pay_partial: 'partially_paid', pay_full: 'paid', void: 'void' },
    // A refund gives money back: partly, the invoice is partially paid; wholly, it is unpaid (sent) again.
    partially_paid: {
      view: 'partially_paid',
      pay_partial: 'partially_paid',
      pay_full: 'paid',
      refund_partial: 'partially_paid',
      refund_full: 'sent',
    },
    paid: { view: 'paid', refund_partial: 'partially_paid', refund_full: 'sent' },
    void: {},
  },
  bill: {
    received: { send: 'received', view: 'received', approve_bill: 'approved', void: 'void' },
    approved: { send: 'approved', view: 'approved', pay_partial: 'partially_paid', pay_full: 'paid' },
    partially_paid: { view: 'partially_paid', pay_partial: 'partially_paid', pay_full: 'paid' },
    paid: { view: 'paid' },
    void: {},
  },
};

export const initialStatus = (type: DocumentType) => (type === 'bill' ? 'received' : 'draft');

export const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  sent: 'Sent',
  viewed: 'Viewed',
  approved: 'Approved',
  declined: 'Declined',
  accepted: 'Accepted',
  submitted: 'Bid submitted',
  rejected: 'Not accepted',
  partially_paid: 'Partially paid',
  paid: 'Paid',
  void: 'Void',
  received: 'Received',
};

const EVENT_LABELS: Record<DocEvent, string> = {
  send: 'send',
  view: 'view',
  approve: 'approve',
  decline: 'decline',
  accept: 'accept',
  submit_bid: 'submit a bid on',
  accept_bid: 'accept the bid on',
  reject_bid: 'reject the bid on',
  pay_partial: 'record a payment on',
  pay_full: 'record a payment on',
  refund_partial: 'refund a payment on',
  refund_full: 'refund a payment on',
  void: 'void',
  approve_bill: 'approve',
};

export function statusesOf(type: DocumentType): string[] {
  return Object.keys(machines[type]);
}

export function canTransition(type: DocumentType, status: string, event: DocEvent): boolean {
  return machines[type][status]?.[event] !== undefined;
}

/** A transition the machine does not allow: the document moved on, so the answer is 409. */
export class IllegalTransition extends Conflict {}

export function nextStatus(type: DocumentType, status: string, event: DocEvent): string {
  const to = machines[type][status]?.[event];
  if (to === undefined) {
    throw new IllegalTransition(
      `You cannot ${EVENT_LABELS[event]} a document that is ${(STATUS_LABELS[status] ?? status).toLowerCase()}.`,
    );
  }
  return to;
}

/** The recipient still has something to do: sign, submit a bid, accept, pay. */
export function awaitsRecipient(type: DocumentType, status: string): boolean {
  return (
    canTransition(type, status, 'approve') ||
    canTransition(type, status, 'accept') ||
    canTransition(type, status, 'submit_bid') ||
    (type === 'customer_invoice' && canTransition(type, status, 'pay_partial'))
  );
}
