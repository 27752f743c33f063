import type { LoadedDocument } from './queries';
import { buildSnapshot, type DocumentSnapshot } from './snapshot';

/** The snapshot of the document's current version (a draft, or the version last sent). */
export function snapshotOf(d: LoadedDocument, lines = d.lines, version = d.current): DocumentSnapshot {
  if (version.snapshot && version.state !== 'draft') return withPayments(JSON.parse(version.snapshot) as DocumentSnapshot, d.payments);
  return buildSnapshot({
    document: d.document,
    version,
    lines,
    payments: d.payments,
    org: d.org,
    job: d.job,
    account: d.account,
    preparedBy: d.creator,
  });
}

/** A frozen snapshot with today's payments: an invoice's balance moves after it was sent. */
export function withPayments(s: DocumentSnapshot, payments: { amount: number; paidOn: string; method: string; reference: string }[]): DocumentSnapshot {
  const paid = payments.reduce((a, p) => a + p.amount, 0);
  return { ...s, payments: payments.map(({ amount, paidOn, method, reference }) => ({ amount, paidOn, method, reference })), totals: { ...s.totals, paid, balance: s.totals.total - paid } };
}
