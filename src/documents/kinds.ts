import type { DocumentSubtype, DocumentType } from '../db/schema';
import { awaitsRecipient } from './status';

// What each kind of document is: who receives it, what it shows, how it is numbered, how it is
// named and what its recipient is asked to do. Everything that depends on the kind is a field
// here; code elsewhere reads the field instead of asking "is this an invoice?".

export interface Kind {
  type: DocumentType;
  subtype: DocumentSubtype | null;
  label: string; // "Change Order"
  plural: string; // "Change Orders"
  prefix: string; // "CO"
  side: 'customer' | 'vendor';
  amountColumn: 'price' | 'cost' | 'bid';
  dueLabel: string;
  /** Days from the issue date to the due date of a new draft; null leaves it empty. */
  dueDays: number | null;
  /**
   * What its due date means once sent (issue 16): 'expires' (approval is refused after it), 'bids_close' (bids are
   * refused after it), 'due' (unpaid after it is overdue), 'required_by' (shown, nothing refused), or null.
   */
  deadline: 'expires' | 'bids_close' | 'due' | 'required_by' | null;
  defaultRequireSignature: boolean;
  hasDeposit: boolean;
  hasPayments: boolean;
  /** The heading of its type in document lists, and the type's name in the list filter. */
  group: string;
  /** One line on the "what do you want to create" page. */
  blurb: string;
  /** What the recipient is asked to do (when no signature is required), on the portal home. */
  action: string;
  /** The button of the email that carries the portal link (when no signature is required). */
  emailButton: string;
  /** The status event the recipient's approval is (signed or not), or null if it is not approved that way. */
  approvalEvent: 'approve' | 'accept' | null;
  /** The terms a new draft starts with until the company sets its own for the kind in Settings. */
  defaultTerms: string;
}

// What the kinds of one type share: the three customer orders, the two vendor orders.
const customerOrder = {
  type: 'customer_order',
  side: 'customer',
  amountColumn: 'price',
  dueLabel: 'Valid until',
  dueDays: 30,
  deadline: 'expires',
  defaultRequireSignature: true,
  hasDeposit: true,
  hasPayments: false,
  group: 'Estimates, proposals and change orders',
  action: 'Approve',
  approvalEvent: 'approve',
} as const;
const vendorOrder = {
  type: 'vendor_order',
  side: 'vendor',
  amountColumn: 'cost',
  dueDays: null,
  deadline: 'required_by',
  defaultRequireSignature: true,
  hasDeposit: false,
  hasPayments: false,
  group: 'Purchase and work orders',
  action: 'Accept',
  approvalEvent: 'accept',
} as const;

export const KINDS: Kind[] = [
  {
    type: 'bid_request',
    subtype: null,
    label: 'Bid Request',
    plural: 'Bid Requests',
    prefix: 'BID',
    side: 'vendor',
    amountColumn: 'bid',
    dueLabel: 'Bids due',
    dueDays: 14,
    deadline: 'bids_close',
    defaultRequireSignature: false,
    hasDeposit: false,
    hasPayments: false,
    group: 'Bid requests',
    blurb: 'Ask vendors to price budget items.',
    action: 'Submit a bid',
    emailButton: 'Submit your bid',
    approvalEvent: null,
    defaultTerms: 'Price the quantities shown, including labor, materials and delivery. Bids hold for 30 days.',
  },
  {
    ...customerOrder,
    subtype: 'estimate',
    label: 'Estimate',
    plural: 'Estimates',
    prefix: 'EST',
    blurb: 'A priced estimate for the customer to approve.',
    emailButton: 'Review estimate',
    defaultTerms: 'Prices hold until the date shown. Work is scheduled once this estimate is approved.',
  },
  {
    ...customerOrder,
    subtype: 'proposal',
    label: 'Proposal',
    plural: 'Proposals',
    prefix: 'PRO',
    blurb: 'A proposal for the customer to sign.',
    emailButton: 'Review proposal',
    defaultTerms: 'Prices hold until the date shown. Work is scheduled once this proposal is approved.',
  },
  {
    ...customerOrder,
    subtype: 'change_order',
    label: 'Change Order',
    plural: 'Change Orders',
    prefix: 'CO',
    blurb: 'Added or changed scope; approved lines join the budget.',
    emailButton: 'Review change order',
    defaultTerms: 'Once approved, this change adjusts the contract price by the total shown.',
  },
  {
    type: 'customer_invoice',
    subtype: null,
    label: 'Invoice',
    plural: 'Invoices',
    prefix: 'INV',
    side: 'customer',
    amountColumn: 'price',
    dueLabel: 'Due',
    dueDays: 30,
    deadline: 'due',
    defaultRequireSignature: false,
    hasDeposit: true,
    hasPayments: true,
    group: 'Invoices',
    blurb: 'Bill the customer; track payments and balance.',
    // The step when it cannot be paid online; one that can says "Pay" (portal/wording.ts nextStepLabel).
    action: 'See how to pay',
    emailButton: 'View invoice',
    approvalEvent: null,
    defaultTerms: 'Payment is due by the due date shown.',
  },
  {
    ...vendorOrder,
    subtype: 'purchase_order',
    label: 'Purchase Order',
    plural: 'Purchase Orders',
    prefix: 'PO',
    dueLabel: 'Deliver by',
    blurb: 'Order materials from a vendor.',
    emailButton: 'Review purchase order',
    defaultTerms: 'Deliver to the job site by the date shown. Put this order number on your invoice.',
  },
  {
    ...vendorOrder,
    subtype: 'work_order',
    label: 'Work Order',
    plural: 'Work Orders',
    prefix: 'WO',
    dueLabel: 'Complete by',
    blurb: 'Hire a subcontractor for work.',
    emailButton: 'Review work order',
    defaultTerms: 'Complete the work by the date shown. Put this order number on your invoice.',
  },
  {
    type: 'bill',
    subtype: null,
    label: 'Bill',
    plural: 'Bills',
    prefix: 'BILL',
    side: 'vendor',
    amountColumn: 'cost',
    dueLabel: 'Due',
    dueDays: 30,
    deadline: null,
    defaultRequireSignature: false,
    hasDeposit: false,
    hasPayments: true,
    group: 'Bills',
    blurb: 'Record a vendor bill to approve and pay.',
    action: 'Review',
    emailButton: 'View bill',
    approvalEvent: null,
    defaultTerms: 'Paid by the due date shown once approved.',
  },
];

/** The order document lists show the types in: the customer's documents first, then the vendors'. */
const LIST_ORDER: DocumentType[] = ['customer_order', 'customer_invoice', 'bid_request', 'vendor_order', 'bill'];

export function kindOf(type: string, subtype: string | null): Kind | undefined {
  return KINDS.find((k) => k.type === type && k.subtype === (subtype || null));
}

/** The first kind of a type: what every kind of that type shares (side, group, approval). */
function kindOfType(type: string): Kind | undefined {
  return KINDS.find((k) => k.type === type);
}

export function kindKey(k: Pick<Kind, 'type' | 'subtype'>): string {
  return k.subtype ?? k.type;
}

export function kindByKey(key: string): Kind | undefined {
  return KINDS.find((k) => kindKey(k) === key);
}

/** The document types in list order, each with its group heading: the job page's sections, the list filter. */
export function typeGroups(): { type: DocumentType; label: string }[] {
  return LIST_ORDER.map((type) => ({ type, label: kindOfType(type)!.group }));
}

/** The event a recipient's approval is for this type, or null if the type is not approved by signing. */
export function approvalEvent(type: string): 'approve' | 'accept' | null {
  return kindOfType(type)?.approvalEvent ?? null;
}

/** Whether the recipient is asked to sign, not only to approve: orders that require a signature. */
export const asksSignature = (kind: Kind, requireSignature: boolean) => requireSignature && kind.approvalEvent !== null;

/** What the recipient is asked to do next, or null when nothing waits on them (a submitted bid waits on us). */
export function recipientAction(type: string, status: string, requireSignature: boolean): string | null {
  const kind = kindOfType(type);
  if (!kind || !awaitsRecipient(kind.type, status)) return null;
  if (kind.type === 'bid_request' && status === 'submitted') return null;
  return asksSignature(kind, requireSignature) ? 'Review and sign' : kind.action;
}

/** The label of the button in the email that carries the portal link. */
export function emailButtonLabel(kind: Kind, requireSignature: boolean): string {
  return asksSignature(kind, requireSignature) ? 'Review and sign' : kind.emailButton;
}

/** The terms a new draft of the kind starts with: the company's for the kind, else the kind's default. */
export function termsFor(kind: Kind, stored: string | null | undefined): string {
  return stored ?? kind.defaultTerms;
}

/** Settings' terms, one per kind, in groups: the customer's documents, then the vendors'. */
export function termsGroups(): { side: Kind['side']; label: string; kinds: (Kind & { key: string })[] }[] {
  const order = ['estimate', 'proposal', 'change_order', 'customer_invoice', 'purchase_order', 'work_order', 'bill'];
  const kinds = [...order, 'bid_request'].map((key) => ({ ...kindByKey(key)!, key }));
  return (['customer', 'vendor'] as const).map((side) => ({
    side,
    label: side === 'customer' ? 'Customer documents' : 'Vendor documents',
    kinds: kinds.filter((k) => k.side === side),
  }));
}

export function formatNumber(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(4, '0')}`;
}

export function displayNumber(number: string, version: number): string {
  return version > 1 ? `${number} rev ${version}` : number;
}

/** Issue 20: whether the kind's lines may be optional, alternates or allowances: orders a customer approves. */
export const offersChoices = (kind: Pick<Kind, 'side' | 'approvalEvent'>) =>
  kind.side === 'customer' && kind.approvalEvent !== null;
