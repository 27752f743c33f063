import type { DocumentSubtype, DocumentType } from '../db/schema';
import { documentTotals, lineTotal, summedTotals, type Deposit, type DocumentTotals } from '../budget/totals';
import { kindOf, type Kind } from './kinds';
import { includedLines, defaultChosen, type ChoiceLine } from './choices';
import { parseDisplay, type DisplayOptions } from './display';

/**
 * Everything a recipient sees of one version of a document, as plain data. Frozen as JSON when a
 * version is sent; built from the draft's rows for drafts. The PDF, the portal page and the
 * emails all render from this one shape.
 */
export interface DocumentSnapshot {
  documentId: string;
  type: DocumentType;
  subtype: DocumentSubtype | null;
  typeLabel: string; // "Estimate", "Change Order", "Purchase Order", "Bid Request", "Invoice", "Bill"
  number: string; // "EST-0004"
  version: number;
  title: string;
  issueDate: string; // YYYY-MM-DD
  dueDate: string | null; // due date (invoices, bills) or expiry (orders, bid requests)
  dueLabel: string; // "Due", "Valid until", "Bids due"
  description: string;
  terms: string;
  footer: string;
  side: 'customer' | 'vendor';
  amountColumn: 'price' | 'cost' | 'bid'; // bid = quantities shown, cost columns left for the vendor
  requireSignature: boolean;
  /**
   * Issue 17: the signers, in signing order (one signature block each in the PDF), and whether the
   * contractor countersigns (a "Countersigned by" block). Absent in snapshots sent before: one block.
   */
  signers?: { name: string }[];
  countersign?: boolean;
  currency: string;
  timeZone: string;
  company: {
    name: string;
    address: string;
    phone: string;
    email: string;
    brandColor: string;
    logoKey: string | null;
    logoContentType: string | null;
  };
  job: { number: number; name: string; address: string };
  preparedFor: { accountName: string; contactName: string; email: string; address: string };
  preparedBy: { name: string; email: string };
  taxRate: number; // thousandths of a percent
  deposit: { kind: 'none' | 'percent' | 'fixed'; value: number };
  lines: SnapshotLine[];
  payments: { amount: number; paidOn: string; method: string; reference: string }[];
  totals: DocumentTotals;
  /** A change order's contract arithmetic as it stood when it was sent (what the document states). */
  contract?: ContractSum;
  /** Issue 20: what the recipient is shown of the numbers; absent in snapshots sent before (all shown). */
  display?: DisplayOptions;
  /**
   * Issue 20: set only on the snapshot of exactly the chosen lines, made when a choice is signed or
   * recorded: which options were offered and which chosen (the certificate and PDF say so).
   */
  chosen?: {
    by: string;
    at: number;
    optional: { name: string; chosen: boolean }[];
    sets: { name: string; chosen: string }[];
  };
}

/** Original contract + approved changes + this change = the new contract total, in cents. */
export interface ContractSum {
  original: number; // the job's approved estimates and proposals
  approvedChanges: number; // change orders approved before this one
  approvedCount: number;
  change: number; // this change order's total
  newTotal: number;
}

/** What a change order's snapshot is told about the job's contract so far. */
export interface ContractSoFar {
  original: number[];
  approvedChanges: number[];
}

/** The contract arithmetic of a change order whose total is `change`. */
export function contractSum(soFar: ContractSoFar, change: number): ContractSum {
  const original = soFar.original.reduce((a, b) => a + b, 0);
  const approvedChanges = soFar.approvedChanges.reduce((a, b) => a + b, 0);
  return {
    original,
    approvedChanges,
    approvedCount: soFar.approvedChanges.length,
    change,
    newTotal: original + approvedChanges + change,
  };
}

export interface SnapshotLine {
  id: string;
  kind: 'item' | 'group';
  name: string;
  description: string;
  quantity: number; // ten-thousandths
  unit: string;
  unitAmount: number; // cents: price or cost by amountColumn; 0 for bid requests
  total: number; // cents, from the totals module
  taxable: boolean;
  /** Issue 20: absent on required lines and in snapshots sent before (documents/choices.ts). */
  choice?: 'optional' | 'alternate';
  choiceSet?: string;
  preselected?: boolean;
  allowance?: boolean;
}

export interface SnapshotSource {
  document: {
    id: string;
    type: DocumentType;
    subtype: DocumentSubtype | null;
    number: string;
    requireSignature: boolean;
  };
  version: {
    version: number;
    title: string;
    issueDate: string;
    dueDate: string | null;
    description: string;
    terms: string;
    footer: string;
    taxRate: number;
    depositKind: 'none' | 'percent' | 'fixed';
    depositValue: number;
    preparedForName: string;
    preparedForEmail: string;
    /** Issue 20: the version's display options (JSON); only a customer document hides numbers. */
    display?: string | null;
  };
  lines: {
    id: string;
    kind: 'item' | 'group';
    name: string;
    description: string;
    quantity: number;
    unit: string;
    unitCost: number;
    unitPrice: number;
    taxable: boolean;
    choice?: 'required' | 'optional' | 'alternate';
    choiceSet?: string;
    preselected?: boolean;
    allowance?: boolean;
  }[];
  payments: { amount: number; paidOn: string; method: string; reference: string }[];
  org: {
    name: string;
    address: string;
    phone: string;
    email: string;
    brandColor: string;
    logoKey: string | null;
    logoContentType: string | null;
    currency: string;
    timeZone: string;
  };
  job: { number: number; name: string; address: string };
  account: { name: string; address: string } | null;
  preparedBy: { name: string; email: string };
  /** For a change order being sent: the job's approved totals, read when it is sent. */
  contract?: ContractSoFar | null;
}

type AmountLine = ChoiceLine & { quantity: number; unitCost: number; unitPrice: number; taxable: boolean };
type TotalsVersion = {
  type: DocumentType;
  subtype: DocumentSubtype | null;
  taxRate: number;
  depositKind: 'none' | 'percent' | 'fixed';
  depositValue: number;
};

/** A line's amount as its document shows it: price to customers, cost to vendors, none on a bid request. */
export function amountOf(kind: Kind, line: Pick<AmountLine, 'unitCost' | 'unitPrice'>): number {
  return kind.amountColumn === 'price' ? line.unitPrice : kind.amountColumn === 'cost' ? line.unitCost : 0;
}

/**
 * The totals of one version, wherever they are shown: lists, pages, PDFs, emails. Issue 20: they count the
 * lines the contractor's preselection includes (each line still has its own total); a customer's choice
 * is totalled from the sent snapshot (documents/selection.ts).
 */
export function totalsFor(v: TotalsVersion, all: AmountLine[], paid: number[]): DocumentTotals {
  const kind = kindOf(v.type, v.subtype)!;
  const lines = all.some((l) => l.choice && l.choice !== 'required') ? includedLines(all, defaultChosen(all)) : all;
  return documentTotals(
    lines.map((l) => ({ kind: l.kind, quantity: l.quantity, unitAmount: amountOf(kind, l), taxable: l.taxable })),
    kind.amountColumn === 'bid' ? 0 : v.taxRate,
    depositOf(kind, v),
    paid,
  );
}

/** A version's items summed in SQL (documents/queries.ts `lineSums`), by price and by cost, each rounded once. */
export interface LineSums {
  price: number;
  priceTaxable: number;
  cost: number;
  costTaxable: number;
}

/**
 * totalsFor from a version's line sums, without reading its lines: the same numbers for a version that offers
 * no choice (every line counts; a version with choices or a customer's choice is totalled from its lines).
 */
export function totalsFromSums(v: TotalsVersion, sums: LineSums, paid: number[]) {
  const kind = kindOf(v.type, v.subtype)!;
  // The sums by the kind's amount column, picked as a line's amount is.
  const subtotal = amountOf(kind, { unitPrice: sums.price, unitCost: sums.cost });
  const taxable = amountOf(kind, { unitPrice: sums.priceTaxable, unitCost: sums.costTaxable });
  return summedTotals(subtotal, taxable, kind.amountColumn === 'bid' ? 0 : v.taxRate, depositOf(kind, v), paid);
}

function depositOf(kind: Kind, v: TotalsVersion): Deposit {
  if (!kind.hasDeposit) return { kind: 'none' };
  if (v.depositKind === 'percent') return { kind: 'percent', rate: v.depositValue };
  return v.depositKind === 'fixed' ? { kind: 'fixed', amount: v.depositValue } : { kind: 'none' };
}

/** The one way a version becomes what the recipient sees. */
export function buildSnapshot(s: SnapshotSource): DocumentSnapshot {
  const kind = kindOf(s.document.type, s.document.subtype)!;
  const totals = totalsFor(
    { ...s.document, ...s.version },
    s.lines,
    s.payments.map((p) => p.amount),
  );
  const own = (l: (typeof s.lines)[number]) => (l.kind === 'group' ? 0 : lineTotal(l.quantity, amountOf(kind, l)));
  return {
    documentId: s.document.id,
    type: s.document.type,
    subtype: s.document.subtype,
    typeLabel: kind.label,
    number: s.document.number,
    version: s.version.version,
    title: s.version.title,
    issueDate: s.version.issueDate,
    dueDate: s.version.dueDate,
    dueLabel: kind.dueLabel,
    description: s.version.description,
    terms: s.version.terms,
    footer: s.version.footer,
    side: kind.side,
    amountColumn: kind.amountColumn,
    requireSignature: s.document.requireSignature,
    currency: s.org.currency,
    timeZone: s.org.timeZone,
    company: {
      name: s.org.name,
      address: s.org.address,
      phone: s.org.phone,
      email: s.org.email,
      brandColor: s.org.brandColor,
      logoKey: s.org.logoKey,
      logoContentType: s.org.logoContentType,
    },
    job: s.job,
    preparedFor: {
      accountName: s.account?.name ?? '',
      contactName: s.version.preparedForName,
      email: s.version.preparedForEmail,
      address: s.account?.address ?? '',
    },
    preparedBy: s.preparedBy,
    taxRate: kind.amountColumn === 'bid' ? 0 : s.version.taxRate,
    deposit: kind.hasDeposit
      ? { kind: s.version.depositKind, value: s.version.depositValue }
      : { kind: 'none', value: 0 },
    lines: s.lines.map((l) => ({
      id: l.id,
      kind: l.kind,
      name: l.name,
      description: l.description,
      quantity: l.quantity,
      unit: l.unit,
      unitAmount: amountOf(kind, l),
      total: own(l),
      taxable: l.taxable,
      ...(l.choice && l.choice !== 'required'
        ? { choice: l.choice, choiceSet: l.choiceSet ?? '', preselected: !!l.preselected }
        : {}),
      ...(l.allowance ? { allowance: true } : {}),
    })),
    payments: s.payments,
    totals,
    ...(kind.side === 'customer' && kind.amountColumn === 'price' ? { display: parseDisplay(s.version.display) } : {}),
    // Only against a contract the job has (an approved estimate or proposal): never "Original contract $0.00".
    ...(kind.subtype === 'change_order' && s.contract?.original.length
      ? { contract: contractSum(s.contract, totals.total) }
      : {}),
  };
}
