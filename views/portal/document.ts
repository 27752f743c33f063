import { html, type Children } from '../html';
import { ChosenOptions, ContractSum, DocumentFacts, LinesTable, TotalsTable } from '../components/document-body';
import { calendarDate, fileSize, money } from '../format';
import { PortalPage, type PortalContext } from '../layout/portal';
import { HowToPay, Summary, type SummaryView } from './summary';
import type { RecipientSnapshot } from '../../src/documents/display';

// The recipient's document page, in reading order: the summary (what, how much, by when, what to
// do), what changed since last time, the document itself, then the decision (#decide), then the
// conversation and files. On a phone a bar at the bottom jumps to the decision.

export interface Attachment {
  id: string;
  name: string;
  size: number;
}

export interface PortalDocumentProps {
  ctx: PortalContext;
  doc: { id: string };
  /** Issue 20: the recipient's snapshot (documents/display.ts `recipientSnapshot`): hidden numbers are absent. */
  snapshot: RecipientSnapshot;
  summary: SummaryView;
  changes?: Children; // what changed since the recipient last saw it (portal/changes.ts)
  lines?: Children; // a bid request's lines with their inputs, instead of the lines table
  nextStep: Children; // the decision: sign/approve or decline, the bid, or what was decided
  pay?: Children; // paying online (views/portal/pay.ts), before any other way to pay
  payments: { amount: number; paidOn: string; method: string; reference: string }[];
  paymentInstructions: string;
  attachments?: Attachment[]; // files the contractor shared on the document
  below?: Children; // conversation and files
  scripts?: string[];
  styles?: string[]; // issue 20: /choices.css, on a document that offers choices only
}

const Size = ({ bytes }: { bytes: number }) => html`<span class="muted small">${fileSize(bytes)}</span>`;

function Payments({ s, payments }: { s: RecipientSnapshot; payments: PortalDocumentProps['payments'] }) {
  if (!payments.length) return html`<p class="muted">No payments recorded yet.</p>`;
  return html`<table class="data"><thead><tr><th>Date</th><th>Method</th><th class="num">Amount</th></tr></thead>
    <tbody>${payments.map(
      (p) => html`<tr>
        <td>${calendarDate(p.paidOn)}</td>
        <td class="ref">${p.method}${p.reference ? ` · ${p.reference}` : ''}</td>
        <td class="num">${money(p.amount, s.currency)}</td>
      </tr>`,
    )}</tbody></table>`;
}

export function PortalDocumentPage(p: PortalDocumentProps) {
  const s = p.snapshot;
  const base = `/portal/documents/${p.doc.id}`;
  const invoice = s.type === 'customer_invoice';
  const owed = invoice && s.totals.balance > 0;
  const attachments = p.attachments ?? [];
  // Phones: the next step stays one tap away at the bottom, in flow just above the decision.
  const step = p.summary.step;
  // A region of its own (always there, hidden when nothing waits): a live refresh updates it too.
  const bar = step
    ? html`<div data-region="bar" class="decide-bar"><a class="btn primary big" href="#decide">${step}</a></div>`
    : html`<div data-region="bar" hidden></div>`;
  return html`<${PortalPage} ctx=${p.ctx} title=${`${s.typeLabel} ${s.number}`} scripts=${p.scripts}
    styles=${p.styles}>
    <p class="crumbs"><a href="/portal">Your documents</a></p>
    <${Summary} s=${s} view=${p.summary} paymentInstructions=${p.paymentInstructions} />
    ${p.changes}
    <article id="document" data-region="document" class="card stack doc-view" aria-labelledby="doc-h">
      <${DocumentFacts} doc=${s} deadline=${p.summary.deadline} />
      ${s.description ? html`<div class="pre">${s.description}</div>` : null}
      ${p.lines ?? html`<${LinesTable} doc=${s} />`}
      <div class="totals-right"><${TotalsTable} doc=${s} /></div>
      <${ChosenOptions} doc=${s} />
      ${s.contract ? html`<div class="totals-right"><${ContractSum} doc=${s} /></div>` : null}
      ${s.terms ? html`<section><h2 class="h3">Terms</h2><div class="pre small">${s.terms}</div></section>` : null}
      ${s.footer ? html`<p class="muted small pre">${s.footer}</p>` : null}
      ${
        attachments.length
          ? html`<section aria-labelledby="attached-h">
              <h2 class="h3" id="attached-h">Attached by ${s.company.name}</h2>
              <ul class="attached">${attachments.map(
                (f) =>
                  html`<li><a href=${`${base}/files/${f.id}`} download>${f.name}</a> ${Size({ bytes: f.size })}</li>`,
              )}</ul>
            </section>`
          : null
      }
      <p><a class="btn" href=${`${base}.pdf`}>Download PDF</a></p>
    </article>
    ${bar}
    <section id="decide" data-region="decide" class="stack decide">
      ${p.nextStep} ${p.pay}
      ${
        invoice || s.type === 'bill'
          ? html`<section class="card stack" aria-labelledby="pay-h">
              ${
                owed
                  ? html`<${HowToPay}
                      instructions=${p.paymentInstructions}
                      company=${s.company.name}
                      id="pay-h"
                      heading=${p.pay ? 'Or pay another way' : undefined}
                    />
                      <h3>Payments</h3>`
                  : html`<h2 id="pay-h">${invoice ? 'Payments' : 'Payments to you'}</h2>`
              }
              <${Payments} s=${s} payments=${p.payments} />
            </section>`
          : null
      }
    </section>
    ${p.below}
  <//>`;
}
