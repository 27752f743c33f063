import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { documentTypes, type DocumentType } from '../src/db/schema';
import {
  awaitsRecipient,
  canTransition,
  IllegalTransition,
  initialStatus,
  nextStatus,
  STATUS_LABELS,
  statusesOf,
  type DocEvent,
} from '../src/documents/status';

const EVENTS: DocEvent[] = [
  'send',
  'view',
  'approve',
  'decline',
  'accept',
  'submit_bid',
  'accept_bid',
  'reject_bid',
  'pay_partial',
  'pay_full',
  'void',
  'approve_bill',
];

/** Runs events from the initial status; returns every status passed through. */
function walk(type: DocumentType, events: DocEvent[]): string[] {
  const seen = [initialStatus(type)];
  for (const e of events) seen.push(nextStatus(type, seen.at(-1)!, e));
  return seen;
}

function refusal(type: DocumentType, status: string, event: DocEvent): string {
  try {
    nextStatus(type, status, event);
  } catch (err) {
    expect(err).toBeInstanceOf(IllegalTransition);
    return (err as Error).message;
  }
  throw new Error(`${type}: ${status} --${event}--> was allowed`);
}

describe('document status machine', () => {
  it('starts drafts as draft and bills as received', () => {
    expect(documentTypes.map((t) => [t, initialStatus(t)])).toEqual([
      ['bid_request', 'draft'],
      ['customer_order', 'draft'],
      ['customer_invoice', 'draft'],
      ['vendor_order', 'draft'],
      ['bill', 'received'],
    ]);
  });

  it('runs the happy path of each type', () => {
    expect(walk('customer_order', ['send', 'view', 'approve'])).toEqual(['draft', 'sent', 'viewed', 'approved']);
    expect(walk('customer_order', ['send', 'decline', 'send', 'approve'])).toEqual([
      'draft',
      'sent',
      'declined',
      'sent',
      'approved',
    ]);
    expect(walk('vendor_order', ['send', 'accept'])).toEqual(['draft', 'sent', 'accepted']);
    expect(walk('vendor_order', ['send', 'view', 'decline'])).toEqual(['draft', 'sent', 'viewed', 'declined']);
    expect(walk('bid_request', ['send', 'view', 'submit_bid', 'submit_bid', 'accept_bid'])).toEqual([
      'draft',
      'sent',
      'viewed',
      'submitted',
      'submitted',
      'accepted',
    ]);
    expect(walk('bid_request', ['send', 'submit_bid', 'reject_bid'])).toEqual([
      'draft',
      'sent',
      'submitted',
      'rejected',
    ]);
    expect(walk('customer_invoice', ['send', 'view', 'pay_partial', 'pay_partial', 'pay_full'])).toEqual([
      'draft',
      'sent',
      'viewed',
      'partially_paid',
      'partially_paid',
      'paid',
    ]);
    expect(walk('customer_invoice', ['send', 'pay_full'])).toEqual(['draft', 'sent', 'paid']);
    expect(walk('customer_invoice', ['void'])).toEqual(['draft', 'void']);
    expect(walk('customer_invoice', ['send', 'view', 'void'])).toEqual(['draft', 'sent', 'viewed', 'void']);
    expect(walk('bill', ['approve_bill', 'pay_partial', 'pay_full'])).toEqual([
      'received',
      'approved',
      'partially_paid',
      'paid',
    ]);
    expect(walk('bill', ['void'])).toEqual(['received', 'void']);
  });

  it('refuses illegal transitions with a message that names the action and the status', () => {
    expect(refusal('customer_order', 'draft', 'void')).toBe('You cannot void a document that is draft.');
    expect(refusal('customer_order', 'approved', 'decline')).toBe('You cannot decline a document that is approved.');
    expect(refusal('customer_order', 'approved', 'send')).toBe('You cannot send a document that is approved.');
    expect(refusal('customer_order', 'draft', 'approve')).toBe('You cannot approve a document that is draft.');
    expect(refusal('vendor_order', 'accepted', 'decline')).toBe('You cannot decline a document that is accepted.');
    expect(refusal('vendor_order', 'sent', 'approve')).toBe('You cannot approve a document that is sent.');
    expect(refusal('bid_request', 'draft', 'submit_bid')).toBe('You cannot submit a bid on a document that is draft.');
    expect(refusal('bid_request', 'sent', 'accept_bid')).toBe('You cannot accept the bid on a document that is sent.');
    expect(refusal('bid_request', 'rejected', 'submit_bid')).toBe(
      'You cannot submit a bid on a document that is not accepted.',
    );
    expect(refusal('customer_invoice', 'draft', 'pay_partial')).toBe(
      'You cannot record a payment on a document that is draft.',
    );
    expect(refusal('customer_invoice', 'paid', 'pay_partial')).toBe(
      'You cannot record a payment on a document that is paid.',
    );
    expect(refusal('customer_invoice', 'partially_paid', 'void')).toBe(
      'You cannot void a document that is partially paid.',
    );
    expect(refusal('customer_invoice', 'void', 'send')).toBe('You cannot send a document that is void.');
    expect(refusal('bill', 'received', 'pay_full')).toBe('You cannot record a payment on a document that is received.');
    expect(refusal('bill', 'approved', 'approve_bill')).toBe('You cannot approve a document that is approved.');
    expect(refusal('bill', 'paid', 'void')).toBe('You cannot void a document that is paid.');
    // A status the type does not have (or a made-up one) is refused too, never crashes.
    expect(refusal('bill', 'draft', 'send')).toBe('You cannot send a document that is draft.');
    expect(refusal('customer_order', 'nonsense', 'send')).toBe('You cannot send a document that is nonsense.');
  });

  it('keeps canTransition and nextStatus in agreement, and every target is a status of the type', () => {
    for (const type of documentTypes) {
      const statuses = statusesOf(type);
      for (const status of [...statuses, 'nonsense']) {
        for (const event of EVENTS) {
          const allowed = canTransition(type, status, event);
          if (allowed) expect(statuses).toContain(nextStatus(type, status, event));
          else expect(() => nextStatus(type, status, event)).toThrow(IllegalTransition);
        }
      }
    }
  });

  it('labels every status and reaches every status from the initial one', () => {
    for (const type of documentTypes) {
      const statuses = statusesOf(type);
      expect(statuses).toContain(initialStatus(type));
      for (const s of statuses) expect(STATUS_LABELS[s], s).toBeTruthy();
      const reached = new Set([initialStatus(type)]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const s of [...reached])
          for (const e of EVENTS)
            if (canTransition(type, s, e) && !reached.has(nextStatus(type, s, e))) {
              reached.add(nextStatus(type, s, e));
              grew = true;
            }
      }
      expect([...reached].sort(), type).toEqual([...statuses].sort());
    }
  });

  it('keeps final statuses final', () => {
    const finals: [DocumentType, string][] = [
      ['customer_order', 'approved'],
      ['vendor_order', 'accepted'],
      ['bid_request', 'accepted'],
      ['bid_request', 'rejected'],
      ['customer_invoice', 'paid'],
      ['customer_invoice', 'void'],
      ['bill', 'paid'],
      ['bill', 'void'],
    ];
    for (const [type, status] of finals) {
      for (const e of EVENTS)
        if (canTransition(type, status, e)) expect(nextStatus(type, status, e), `${type} ${status} ${e}`).toBe(status);
    }
  });

  it('tells when the recipient still has something to do', () => {
    expect(awaitsRecipient('customer_order', 'draft')).toBe(false);
    expect(awaitsRecipient('customer_order', 'sent')).toBe(true);
    expect(awaitsRecipient('customer_order', 'viewed')).toBe(true);
    expect(awaitsRecipient('customer_order', 'approved')).toBe(false);
    expect(awaitsRecipient('customer_order', 'declined')).toBe(false);
    expect(awaitsRecipient('vendor_order', 'sent')).toBe(true);
    expect(awaitsRecipient('vendor_order', 'accepted')).toBe(false);
    expect(awaitsRecipient('bid_request', 'viewed')).toBe(true);
    expect(awaitsRecipient('bid_request', 'submitted')).toBe(true); // a bid can be resubmitted
    expect(awaitsRecipient('bid_request', 'accepted')).toBe(false);
    expect(awaitsRecipient('customer_invoice', 'sent')).toBe(true);
    expect(awaitsRecipient('customer_invoice', 'partially_paid')).toBe(true);
    expect(awaitsRecipient('customer_invoice', 'draft')).toBe(false);
    expect(awaitsRecipient('customer_invoice', 'paid')).toBe(false);
    expect(awaitsRecipient('customer_invoice', 'void')).toBe(false);
    // Paying a bill is the contractor's job, not the vendor's.
    expect(awaitsRecipient('bill', 'approved')).toBe(false);
    expect(awaitsRecipient('bill', 'received')).toBe(false);
  });

  it('never leaves its statuses and never moves a refused document, whatever events arrive', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...documentTypes),
        fc.array(fc.constantFrom(...EVENTS), { maxLength: 40 }),
        (type, events) => {
          const statuses = statusesOf(type);
          let status = initialStatus(type);
          let money = false; // a payment was recorded
          for (const e of events) {
            const before = status;
            try {
              status = nextStatus(type, status, e);
            } catch (err) {
              expect(err).toBeInstanceOf(IllegalTransition);
              expect(status).toBe(before);
              continue;
            }
            expect(statuses).toContain(status);
            if (e === 'pay_partial' || e === 'pay_full') money = true;
            // Once money was recorded the document can no longer be voided or go back to unpaid.
            if (money) expect(['partially_paid', 'paid']).toContain(status);
            if (before === 'void' || before === 'paid') expect(status).toBe(before);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
