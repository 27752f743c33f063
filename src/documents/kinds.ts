import type { DocumentSubtype, DocumentType } from '../db/schema';

// What each of the five document types is: who receives it, what it shows, how it is numbered.

export interface Kind {
  type: DocumentType;
  subtype: DocumentSubtype | null;
  label: string; // "Change Order"
  prefix: string; // "CO"
  side: 'customer' | 'vendor';
  amountColumn: 'price' | 'cost' | 'bid';
  dueLabel: string;
  defaultRequireSignature: boolean;
  hasDeposit: boolean;
  hasPayments: boolean;
  action: string; // what the recipient is asked to do, shown on the portal home
}

export const KINDS: Kind[] = [
  { type: 'bid_request', subtype: null, label: 'Bid Request', prefix: 'BID', side: 'vendor', amountColumn: 'bid', dueLabel: 'Bids due', defaultRequireSignature: false, hasDeposit: false, hasPayments: false, action: 'Submit a bid' },
  { type: 'customer_order', subtype: 'estimate', label: 'Estimate', prefix: 'EST', side: 'customer', amountColumn: 'price', dueLabel: 'Valid until', defaultRequireSignature: true, hasDeposit: true, hasPayments: false, action: 'Review and sign' },
  { type: 'customer_order', subtype: 'proposal', label: 'Proposal', prefix: 'PRO', side: 'customer', amountColumn: 'price', dueLabel: 'Valid until', defaultRequireSignature: true, hasDeposit: true, hasPayments: false, action: 'Review and sign' },
  { type: 'customer_order', subtype: 'change_order', label: 'Change Order', prefix: 'CO', side: 'customer', amountColumn: 'price', dueLabel: 'Valid until', defaultRequireSignature: true, hasDeposit: true, hasPayments: false, action: 'Review and sign' },
  { type: 'customer_invoice', subtype: null, label: 'Invoice', prefix: 'INV', side: 'customer', amountColumn: 'price', dueLabel: 'Due', defaultRequireSignature: false, hasDeposit: true, hasPayments: true, action: 'Pay' },
  { type: 'vendor_order', subtype: 'purchase_order', label: 'Purchase Order', prefix: 'PO', side: 'vendor', amountColumn: 'cost', dueLabel: 'Deliver by', defaultRequireSignature: true, hasDeposit: false, hasPayments: false, action: 'Accept' },
  { type: 'vendor_order', subtype: 'work_order', label: 'Work Order', prefix: 'WO', side: 'vendor', amountColumn: 'cost', dueLabel: 'Complete by', defaultRequireSignature: true, hasDeposit: false, hasPayments: false, action: 'Accept' },
  { type: 'bill', subtype: null, label: 'Bill', prefix: 'BILL', side: 'vendor', amountColumn: 'cost', dueLabel: 'Due', defaultRequireSignature: false, hasDeposit: false, hasPayments: true, action: 'Review' },
];

export function kindOf(type: string, subtype: string | null): Kind | undefined {
  return KINDS.find((k) => k.type === type && k.subtype === (subtype || null));
}

export function kindKey(k: Pick<Kind, 'type' | 'subtype'>): string {
  return k.subtype ?? k.type;
}

export function kindByKey(key: string): Kind | undefined {
  return KINDS.find((k) => kindKey(k) === key);
}

export function formatNumber(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}

export function displayNumber(number: string, version: number): string {
  return version > 1 ? `${number} rev ${version}` : number;
}
