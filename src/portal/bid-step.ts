import { html } from '../../views/html';
import { centsInput } from '../../views/format';
import { BidFooter, BidIntro } from '../../views/portal/bid';
import { bidTotal } from '../budget/totals';
import type { PageErrors } from '../conversation/routes';
import type { DocumentSnapshot } from '../documents/snapshot';
import { canTransition } from '../documents/status';
import type { AppContext } from '../http/context';
import { portalViewer } from './session';

import type { Found } from './pages';

/** A bid request's step for the vendor: what they bid so far, and while bidding is open, the form. */
export function bidStep(c: AppContext, found: Found, snapshot: DocumentSnapshot, errors?: PageErrors) {
  const viewer = portalViewer(c);
  const d = found.document;
  const base = `/portal/documents/${d.id}`;
  const versionHash = found.version.pdfSha256 ?? '';
  const scripts = ['/live.js'];
  const open = canTransition(d.type, d.status, 'submit_bid');
  const mine = found.bid;
  const values = errors?.values ?? {};
  const costOf = (lineId: string) =>
    values[`cost.${lineId}`] ?? (mine ? (mine.lines.find((l) => l.lineId === lineId)?.unitCost ?? null) : null);
  const quantities = new Map(snapshot.lines.map((l) => [l.id, l.quantity]));
  const total = mine
    ? bidTotal(mine.lines.map((l) => ({ quantity: quantities.get(l.lineId) ?? 0, unitCost: l.unitCost })))
    : null;
  const intro = html`<${BidIntro} submitted=${mine ? { at: mine.submittedAt } : null} total=${total}
    currency=${snapshot.currency} timeZone=${viewer.org.timeZone} />`;
  if (!open) return { panel: intro, scripts };
  const bidInputs = (lineId: string) => {
    const cost = costOf(lineId);
    const note = values[`note.${lineId}`] ?? mine?.lines.find((l) => l.lineId === lineId)?.note ?? '';
    return html`<label class="visually-hidden" for=${`cost-${lineId}`}>Your unit cost</label>
      <input id=${`cost-${lineId}`} form="bid-form" name=${`cost.${lineId}`} class="num" inputmode="decimal"
        placeholder="No bid" value=${typeof cost === 'number' ? centsInput(cost) : (cost ?? '')} />
      <label class="visually-hidden" for=${`note-${lineId}`}>Note</label>
      <input id=${`note-${lineId}`} form="bid-form" name=${`note.${lineId}`} class="bid-note" placeholder="Note"
        maxlength="500" value=${note} />`;
  };
  const footer = html`<${BidFooter} csrf=${c.get('csrf')} versionHash=${versionHash}
    note=${values.note ?? mine?.note ?? ''} error=${errors?.bid} submitted=${!!mine} />`;
  const panel = html`${intro}<form id="bid-form" method="post" action=${`${base}/bid`} class="card">${footer}</form>`;
  return { panel, bidInputs, scripts };
}
