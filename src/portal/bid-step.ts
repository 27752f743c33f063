import { html } from '../../views/html';
import { centsInput } from '../../views/format';
import { BidDecision, BidLines, type BidLineView } from '../../views/portal/bid';
import { bidTotal, lineTotal } from '../budget/totals';
import type { PageErrors } from '../conversation/routes';
import type { DocumentSnapshot } from '../documents/snapshot';
import { canTransition } from '../documents/status';
import type { AppContext } from '../http/context';
import { parseDecimal } from '../http/validate';
import { costLineRefusal } from '../signing/actions';
import { portalViewer } from './session';

import type { Found } from './pages';

/** What a typed unit cost means: cents, or the refusal the bid would get for it ('' is no bid). */
export function readCost(line: { name: string; quantity: number }, value: string) {
  if (!value.trim()) return { unitCost: null, error: undefined };
  const cents = parseDecimal(value, 2);
  const error =
    cents === null
      ? `Unit cost for ${line.name} must be a number with at most two decimals.`
      : (costLineRefusal(line.name, line.quantity, cents) ?? undefined);
  return error ? { unitCost: null, error } : { unitCost: cents, error: undefined };
}

/**
 * A bid request's lines for the vendor (inputs inside each line while bidding is open, their
 * prices once it closed) and the decision at the end: the running total, the notes and submit.
 * A refused bid shows every value as typed, with each line that cannot be taken marked.
 * `closed`: the bids-due date passed (deadlines/rules.ts closedByDeadline); the lines and any bid read only.
 */
export function bidStep(c: AppContext, found: Found, snapshot: DocumentSnapshot, errors?: PageErrors, closed = false) {
  const viewer = portalViewer(c);
  const d = found.document;
  const open = !closed && canTransition(d.type, d.status, 'submit_bid');
  const mine = found.bid;
  const values = errors?.values ?? {};
  const bidLine = (id: string) => mine?.lines.find((l) => l.lineId === id);
  const rows: BidLineView[] = snapshot.lines
    .filter((l) => l.kind === 'item')
    .map((line) => {
      const saved = bidLine(line.id);
      const note = values[`note.${line.id}`] ?? saved?.note ?? '';
      const typed = open ? values[`cost.${line.id}`] : undefined; // a refused form's value, kept as typed
      if (typed === undefined) {
        const unitCost = saved?.unitCost ?? null;
        const total = unitCost === null ? null : lineTotal(line.quantity, unitCost);
        return { line, cost: unitCost === null ? '' : centsInput(unitCost), unitCost, note, total };
      }
      const cost = typed;
      const read = readCost(line, cost);
      const total = read.unitCost === null ? null : lineTotal(line.quantity, read.unitCost);
      return { line, cost, unitCost: read.unitCost, note, total, error: read.error };
    });
  const priced = rows.filter((r) => r.unitCost !== null);
  const running = bidTotal(priced.map((r) => ({ quantity: r.line.quantity, unitCost: r.unitCost })));
  const submitted = mine
    ? {
        at: mine.submittedAt,
        total: bidTotal(
          snapshot.lines
            .filter((l) => l.kind === 'item')
            .map((l) => ({ quantity: l.quantity, unitCost: bidLine(l.id)?.unitCost ?? null })),
        ),
      }
    : null;
  const lines = html`<${BidLines} rows=${rows} groups=${snapshot.lines} currency=${snapshot.currency}
    editable=${open} />`;
  const panel = html`<${BidDecision}
    action=${`/portal/documents/${d.id}#bid`}
    csrf=${c.get('csrf')}
    versionHash=${found.version.pdfSha256 ?? ''}
    note=${values.note ?? mine?.note ?? ''}
    error=${errors?.bid}
    submitted=${submitted}
    total=${running}
    priced=${priced.length}
    lines=${rows.length}
    currency=${snapshot.currency}
    timeZone=${viewer.org.timeZone}
    open=${open}
  />`;
  return { panel, lines, scripts: open ? ['/live.js', '/bid.js'] : ['/live.js'] };
}
