import { html } from '../html';
import { Csrf } from '../components/form';
import { calendarDate, dateTime, money, quantity } from '../format';
import type { PageContext } from '../layout/page';

export interface DecisionView {
  id: string;
  outcome: string;
  signerName: string;
  signerEmail: string;
  method: string;
  signedAt: number;
  reason: string | null;
  sealedAt: number | null;
  sealError: string | null;
  version: number;
  ip: string;
  /** The drawn signature's image in R2 (served by /documents/:id/signatures/:sigId.png); null when typed. */
  imageKey: string | null;
}

interface BidView {
  total: number;
  note: string;
  submittedAt: number;
  status: string;
  currency: string;
  canAccept: boolean;
  jobId: string;
  lines: { name: string; quantity: number; unit: string; unitCost: number | null; note: string }[];
}

const outcomeLabel = (outcome: string) =>
  outcome === 'declined'
    ? 'Declined'
    : outcome === 'signed'
      ? 'Signed'
      : outcome === 'countersigned'
        ? 'Countersigned'
        : outcome === 'accepted'
          ? 'Accepted'
          : 'Approved';

/** A signature whose version is sealed into one signed PDF (issue 17: with every other signature of it). */
const isSigned = (outcome: string) => outcome === 'signed' || outcome === 'countersigned';

const bidStatusLabel = (status: string) =>
  status === 'accepted' ? 'accepted' : status === 'not_accepted' ? 'not accepted' : 'awaiting your decision';

export function DecisionsSection({
  ctx,
  docId,
  decisions,
  deposit,
  bid,
  waiting,
}: {
  ctx: PageContext;
  docId: string;
  decisions: DecisionView[];
  /**
   * Issue 17: what an unsealed signature of a version not ready to seal says instead of "Finalizing"
   * ("Waiting for your countersignature", "Waiting for Sam Patel to sign"), by version.
   */
  waiting?: Record<number, string>;
  /** `paidOnline`: the day the deposit was paid in full online (payments on the order), else null. */
  deposit: {
    amount: number;
    currency: string;
    invoiceId: string | null;
    paidOnline: string | null;
    /** A bank payment of the deposit started online and not settled (cents). */
    processing: number;
  } | null;
  bid: BidView | null;
}) {
  const tz = ctx.org?.timeZone ?? 'UTC';
  if (!decisions.length && !bid && !deposit) return null; // an order approved offline still asks for its deposit
  const depositAmount = deposit ? money(deposit.amount, deposit.currency) : '';
  const offered = new Set<number>();
  return html`<section class="card stack" aria-labelledby="decision-h">
    <h2 id="decision-h">${bid ? 'Bid' : 'Signatures and decisions'}</h2>
    ${decisions.map((d) => {
      // One download per sealed version: on its newest signature (the list is newest first).
      const firstOfVersion = !offered.has(d.version);
      offered.add(d.version);
      const label = outcomeLabel(d.outcome);
      const when = dateTime(d.signedAt, tz);
      const ip = d.ip ? ` · ${d.ip}` : '';
      const retrying = d.sealError ? ` (retrying: ${d.sealError})` : '';
      return html`<div class=${`outcome ${d.outcome}`}>
        <p><strong>${label} by ${d.signerName}</strong> (${d.signerEmail}) · rev ${d.version} · ${when}${ip}</p>
        ${signatureMark(docId, d)}
        ${d.reason ? html`<p class="pre">${d.reason}</p>` : null}
        ${
          isSigned(d.outcome) && firstOfVersion
            ? d.sealedAt
              ? html`<p><a class="btn" href=${`/documents/${docId}/signed.pdf`}>Download the signed PDF</a></p>`
              : waiting?.[d.version]
                ? html`<p class="muted">${waiting[d.version]}</p>`
                : html`<p class="muted">Finalizing the signed PDF…${retrying}</p>`
            : null
        }
      </div>`;
    })}
    ${
      deposit
        ? deposit.paidOnline
          ? html`<p class="deposit-paid">
              Deposit of <strong>${depositAmount}</strong> paid online on ${calendarDate(deposit.paidOnline)}.
            </p>`
          : deposit.invoiceId
            ? html`<p>Deposit invoice: <a href=${`/documents/${deposit.invoiceId}`}>open it</a>.</p>`
            : deposit.processing > 0
              ? html`<p>
                  A bank payment of <strong>${money(deposit.processing, deposit.currency)}</strong> for the deposit is
                  processing online.
                </p>`
              : html`<form method="post" action=${`/documents/${docId}/deposit-invoice`} class="inline-form">
            <${Csrf} token=${ctx.csrf} />
            <p>Approved with a deposit of <strong>${depositAmount}</strong>. <button class="btn primary"
              type="submit">Create the deposit invoice</button></p></form>`
        : null
    }
    ${bid ? bidSummary({ bid, docId, csrf: ctx.csrf, tz }) : null}
  </section>`;
}

/** The captured signature: the drawn image as a thumbnail, or the typed name in the script it was signed in. */
function signatureMark(docId: string, d: DecisionView) {
  if (d.outcome === 'declined') return null;
  if (d.imageKey)
    return html`<p class="signature-mark"><img
      src=${`/documents/${docId}/signatures/${d.id}.png`}
      alt=${`Signature of ${d.signerName}`}
      width="240"
      height="80"
    /></p>`;
  if (d.method === 'typed')
    return html`<p class="signature-mark typed"><span class="muted small">Typed signature</span>
      <span class="script">${d.signerName}</span></p>`;
  return null;
}

/** The bid part of DecisionsSection: a function, not a component, so it renders inline. */
function bidSummary({ bid, docId, csrf, tz }: { bid: BidView; docId: string; csrf: string; tz: string }) {
  const submittedAt = dateTime(bid.submittedAt, tz);
  const total = money(bid.total, bid.currency);
  return html`<p>Submitted ${submittedAt} · total <strong>${total}</strong> · ${bidStatusLabel(bid.status)}</p>
    <div class="table-wrap"><table class="data"><thead><tr>
      <th>Item</th><th class="num">Qty</th><th>Unit</th><th class="num">Unit cost</th><th>Note</th>
    </tr></thead>
      <tbody>${bid.lines.map(
        (l) => html`<tr><td>${l.name}</td><td class="num">${quantity(l.quantity)}</td><td>${l.unit}</td>
          <td class="num">${l.unitCost === null ? 'No bid' : money(l.unitCost, bid.currency)}</td>
          <td>${l.note}</td></tr>`,
      )}</tbody></table></div>
    ${bid.note ? html`<p class="pre">${bid.note}</p>` : null}
    <p>
      ${
        bid.canAccept
          ? html`<form method="post" action=${`/documents/${docId}/accept-bid`} class="inline-form">
            <${Csrf} token=${csrf} /><button class="btn primary" type="submit">Accept this bid</button>
          </form>`
          : null
      }
      <a class="btn" href=${`/jobs/${bid.jobId}/bids`}>Compare bids</a>
    </p>`;
}
