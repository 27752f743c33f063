import { documentTotals, type Deposit } from '../src/budget/totals';
import type { DocumentSnapshot, SnapshotLine } from '../src/documents/snapshot';

// Snapshots built by hand for rendering tests: no database, totals from the one totals module.

export const NON_LATIN = 'Zürich – Ørsted — Señor Muñoz €1 — Дана Рейес — Παπαδόπουλος';

const TRADES = [
  'Demolition',
  'Framing',
  'Electrical rough-in',
  'Plumbing',
  'Drywall',
  'Finish carpentry',
  'Painting',
  'Flooring',
  'Roofing',
  'Cleanup',
];
const WORDS =
  'remove existing materials haul away supply install per plan and code including fasteners sealant trim labour equipment protection of adjacent finishes daily cleanup final inspection'.split(
    ' ',
  );

function description(i: number): string {
  if (i % 7 === 0) return '';
  const count = 6 + ((i * 37) % 60);
  const words = Array.from({ length: count }, (_, k) => WORDS[(i + k * 3) % WORDS.length]);
  if (i % 11 === 0) words.push(`— coordinate with ${NON_LATIN}`);
  return `${words.join(' ').replace(/^./, (c) => c.toUpperCase())}. ref-L${i}`; // the marker ends the row
}

/** `count` lines: a group heading every 20 lines, then items with descriptions of varied length. */
export function snapshotLines(count: number, bid = false): SnapshotLine[] {
  const lines: SnapshotLine[] = [];
  for (let i = 1; i <= count; i++) {
    if (i % 20 === 1) {
      lines.push({
        id: `g${i}`,
        kind: 'group',
        name: `${TRADES[Math.floor(i / 20) % TRADES.length]} — phase ${Math.floor(i / 20) + 1}`,
        description: '',
        quantity: 0,
        unit: '',
        unitAmount: 0,
        total: 0,
        taxable: false,
      });
      continue;
    }
    lines.push({
      id: `l${i}`,
      kind: 'item',
      name:
        i === 2
          ? 'First item: site survey and layout'
          : i === count
            ? 'Last item: final walkthrough'
            : `Item ${i} — ${TRADES[i % TRADES.length].toLowerCase()} work`,
      description: description(i),
      quantity: ((i * 7919) % 400) * 2500 + 10000,
      unit: ['ea', 'sq ft', 'lf', 'hr', 'ls'][i % 5],
      unitAmount: bid ? 0 : ((i * 104729) % 90000) + 1250,
      total: 0,
      taxable: i % 3 !== 0,
    });
  }
  return lines;
}

export function makeSnapshot(overrides: Partial<DocumentSnapshot> = {}): DocumentSnapshot {
  const base: DocumentSnapshot = {
    documentId: 'doc_test',
    type: 'customer_order',
    subtype: 'estimate',
    typeLabel: 'Estimate',
    number: 'EST-0004',
    version: 2,
    title: 'Kitchen and deck renovation',
    issueDate: '2026-03-02',
    dueDate: '2026-04-01',
    dueLabel: 'Valid until',
    description:
      'Full renovation of the kitchen and rear deck as discussed on site. Existing cabinets, counters and flooring are removed and disposed of; the deck is rebuilt on new footings.\n\nPermits are pulled by us; the owner provides access and power during working hours.',
    terms:
      'Prices valid for 30 days. A deposit is due on acceptance; progress invoices follow each phase and are due within 15 days.\n\nChanges to the scope are made only by a signed change order. Concealed conditions found during demolition are priced separately.',
    footer: 'Summit Ridge Builders LLC · License #CB-104233 · Thank you for your business.',
    side: 'customer',
    amountColumn: 'price',
    requireSignature: true,
    currency: 'USD',
    timeZone: 'America/Chicago',
    company: {
      name: 'Summit Ridge Builders',
      address: '410 Alder Street, Suite 2\nBoulder, CO 80302',
      phone: '(303) 555-0142',
      email: 'office@summitridge.example',
      brandColor: '#1f5f8b',
      logoKey: null,
      logoContentType: null,
    },
    job: { number: 27, name: 'Muñoz residence', address: '88 Ridge Road, Boulder, CO 80304' },
    preparedFor: {
      accountName: 'Muñoz Family Trust',
      contactName: 'Señor Muñoz',
      email: 'munoz@example.test',
      address: '88 Ridge Road\nBoulder, CO 80304',
    },
    preparedBy: { name: 'Dana Reyes', email: 'dana@summitridge.example' },
    taxRate: 8875,
    deposit: { kind: 'percent', value: 25000 },
    lines: snapshotLines(30),
    payments: [],
    totals: undefined as never,
  };
  return withTotals({ ...base, ...overrides });
}

/** Recomputes line totals and document totals the way buildSnapshot does. */
export function withTotals(s: DocumentSnapshot): DocumentSnapshot {
  const deposit: Deposit =
    s.deposit.kind === 'percent'
      ? { kind: 'percent', rate: s.deposit.value }
      : s.deposit.kind === 'fixed'
        ? { kind: 'fixed', amount: s.deposit.value }
        : { kind: 'none' };
  const totals = documentTotals(
    s.lines,
    s.taxRate,
    deposit,
    s.payments.map((p) => p.amount),
  );
  return { ...s, totals, lines: s.lines.map((l, i) => ({ ...l, total: totals.lineTotals[i] })) };
}
