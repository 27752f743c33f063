import { calendarDate, money } from '../../views/format';
import { paymentTotals } from '../budget/totals';
import type { DocumentType } from '../db/schema';
import { closedByDeadline, isOverdue } from '../deadlines/rules';
import { kindOf } from './kinds';
import type { DocumentState, LoadedDocument } from './queries';
import { buildSnapshot, totalsFor, type ContractSoFar, type DocumentSnapshot } from './snapshot';
import { STATUS_LABELS } from './status';

/** The snapshot of the document's current version (a draft, or the version last sent). */
export function snapshotOf(
  d: LoadedDocument,
  lines: Parameters<typeof buildSnapshot>[0]['lines'] = d.draftLines,
  version = d.current,
  contract: ContractSoFar | null = null,
): DocumentSnapshot {
  if (version.snapshot && version.state !== 'draft')
    return withPayments(JSON.parse(version.snapshot) as DocumentSnapshot, d.payments);
  return buildSnapshot({
    document: d.document,
    version,
    lines,
    payments: d.payments,
    org: d.org,
    job: d.job,
    account: d.account,
    preparedBy: d.creator,
    contract,
  });
}

/** The document's money (issue 20): its chosen set's snapshot once its customer chose, else snapshotOf. */
export function moneyOf(d: LoadedDocument): DocumentSnapshot {
  const chosen = d.current.state !== 'draft' ? d.current.selectedSnapshot : null;
  return chosen ? withPayments(JSON.parse(chosen) as DocumentSnapshot, d.payments) : snapshotOf(d);
}

/** The draft as it would go out, addressed to the name and email on the send form; a change order with its contract. */
export function draftSnapshot(
  d: LoadedDocument,
  name: string,
  email: string,
  contract: ContractSoFar | null = null,
): DocumentSnapshot {
  const version = { ...d.current, state: 'draft' as const, preparedForName: name, preparedForEmail: email };
  return snapshotOf(d, d.draftLines, version, contract);
}

/** A frozen snapshot with today's payments: an invoice's balance moves after it was sent. */
export function withPayments(
  s: DocumentSnapshot,
  payments: { amount: number; paidOn: string; method: string; reference: string }[],
): DocumentSnapshot {
  const paid = paymentTotals(
    s.totals.total,
    payments.map((p) => p.amount),
  );
  return {
    ...s,
    payments: payments.map(({ amount, paidOn, method, reference }) => ({ amount, paidOn, method, reference })),
    totals: { ...s.totals, ...paid },
  };
}

/** What is still owed on the document's current version: its total (frozen once sent) less every payment. */
export function balanceOf(state: Pick<DocumentState, 'document' | 'current' | 'lines' | 'paid'>): number {
  const v = state.current;
  const total =
    v.snapshot && v.state !== 'draft'
      ? (JSON.parse(v.snapshot) as DocumentSnapshot).totals.total
      : totalsFor({ ...state.document, ...v }, state.lines, []).total;
  return paymentTotals(total, state.paid).balance;
}

/** A row of a document list (job page, /documents): the kind's label, the status's label, which amount it shows. */
export function listRow<
  T extends {
    type: DocumentType;
    subtype: string | null;
    status: string;
    deadline: string | null;
    dueDate: string | null;
    sentVersion: number | null;
    totals: { balance: number };
    /** Issue 20: an approval recorded as made offline. */
    offline?: number | boolean;
  },
>(r: T, timeZone: string, now = Date.now()) {
  const kind = kindOf(r.type, r.subtype)!;
  // The date that counts once sent is the document's own (moved by an extension); it shows what it closed.
  const closed = closedByDeadline(r, timeZone, now);
  const overdue = !closed && isOverdue(r, r.totals.balance, timeZone, now);
  return {
    ...r,
    dueDate: r.sentVersion !== null ? (r.deadline ?? r.dueDate) : r.dueDate,
    kindLabel: kind.label,
    statusLabel: closed
      ? kind.deadline === 'bids_close'
        ? 'Bids closed'
        : 'Expired'
      : overdue
        ? 'Overdue'
        : `${STATUS_LABELS[r.status] ?? r.status}${r.offline ? ' offline' : ''}`,
    statusClass: closed ? 'expired' : overdue ? 'overdue' : r.status,
    amountShown: kind.amountColumn,
  };
}

/** Why a payment was refused for being larger than what is still owed. */
/** Why a deposit invoice waits: a bank payment of the deposit is processing online. */
export function depositProcessingRefusal(amount: number, currency: string): string {
  return (
    `A bank payment of ${money(amount, currency)} for this deposit is processing online. ` +
    'Make a deposit invoice only if it fails.'
  );
}

/** A recorded payment that, with a bank payment still processing online, would pay more than is owed. */
export function overpaymentWhileProcessing(balance: number, processing: number, currency: string): string {
  const most = money(Math.max(0, balance - processing), currency);
  const started = money(processing, currency);
  return `A bank payment of ${started} is processing online, so at most ${most} can be recorded now.`;
}

export function overpayment(balance: number, currency: string): string {
  return `The payment is more than the balance of ${money(balance, currency)}.`;
}

/**
 * The day an order's deposit was paid in full online (its payments: online payments are the only
 * money counted on an order), or null while less than the deposit has been paid.
 */
export function depositPaidOn(payments: { amount: number; paidOn: string }[], deposit: number): string | null {
  if (deposit <= 0 || payments.length === 0) return null;
  const paid = payments.reduce((sum, p) => sum + p.amount, 0);
  if (paid < deposit) return null;
  return payments.reduce((last, p) => (p.paidOn > last ? p.paidOn : last), payments[0]!.paidOn);
}

export const depositPaidRefusal = (paidOn: string) =>
  `The deposit was paid online on ${calendarDate(paidOn)}. There is nothing left to invoice.`;
