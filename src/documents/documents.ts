import { money } from '../../views/format';
import { paymentTotals } from '../budget/totals';
import type { DocumentType } from '../db/schema';
import { kindOf } from './kinds';
import type { DocumentState, LoadedDocument } from './queries';
import { buildSnapshot, totalsFor, type ContractSoFar, type DocumentSnapshot } from './snapshot';
import { STATUS_LABELS } from './status';

/** The snapshot of the document's current version (a draft, or the version last sent). */
export function snapshotOf(
  d: LoadedDocument,
  lines: Parameters<typeof buildSnapshot>[0]['lines'] = d.lines,
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

/** The draft as it would go out, addressed to the name and email on the send form; a change order with its contract. */
export function draftSnapshot(
  d: LoadedDocument,
  name: string,
  email: string,
  contract: ContractSoFar | null = null,
): DocumentSnapshot {
  const version = { ...d.current, state: 'draft' as const, preparedForName: name, preparedForEmail: email };
  return snapshotOf(d, d.lines, version, contract);
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
export function listRow<T extends { type: DocumentType; subtype: string | null; status: string }>(r: T) {
  const kind = kindOf(r.type, r.subtype)!;
  return {
    ...r,
    kindLabel: kind.label,
    statusLabel: STATUS_LABELS[r.status] ?? r.status,
    amountShown: kind.amountColumn,
  };
}

/** Why a payment was refused for being larger than what is still owed. */
export function overpayment(balance: number, currency: string): string {
  return `The payment is more than the balance of ${money(balance, currency)}.`;
}
