import { html, type Children } from '../html';
import { DocumentFacts, LinesTable, TotalsTable } from '../components/document-body';
import { calendarDate, money } from '../format';
import { PortalPage, type PortalContext } from '../layout/portal';
import type { DocumentSnapshot } from '../../src/documents/snapshot';

export interface PortalDocumentProps {
  ctx: PortalContext;
  doc: { id: string; status: string; statusLabel: string };
  snapshot: DocumentSnapshot;
  nextStep: Children; // the one unmistakable next step, when there is one
  bidInputs?: (lineId: string) => unknown;
  payments: { amount: number; paidOn: string; method: string; reference: string }[];
  paymentInstructions: string;
  below?: Children; // conversation and files
  scripts?: string[];
}

export function PortalDocumentPage({
  ctx,
  doc,
  snapshot,
  nextStep,
  bidInputs,
  payments,
  paymentInstructions,
  below,
  scripts,
}: PortalDocumentProps) {
  const s = snapshot;
  const invoice = s.type === 'customer_invoice';
  const amountDue = s.totals.deposit > 0 ? Math.min(s.totals.deposit, s.totals.balance) : s.totals.balance;
  return html`<${PortalPage} ctx=${ctx} title=${`${s.typeLabel} ${s.number}`} scripts=${scripts}>
    <p class="crumbs"><a href="/portal">Your documents</a></p>
    <div class="doc-head">
      <h1>${s.typeLabel} ${s.number}${s.version > 1 ? html` <span class="muted">rev ${s.version}</span>` : null}</h1>
      <span class=${`badge ${doc.status}`}>${doc.statusLabel}</span>
    </div>
    <p class="doc-title">${s.title}</p>
    ${
      invoice && s.totals.balance > 0
        ? html`<div class="amount-due">
            <span>Amount due</span><strong>${money(amountDue, s.currency)}</strong>
            ${s.dueDate ? html`<span class="muted">by ${calendarDate(s.dueDate)}</span>` : null}
          </div>`
        : null
    }
    ${nextStep}
    <article class="card stack doc-view">
      <${DocumentFacts} doc=${s} />
      ${s.description ? html`<div class="pre">${s.description}</div>` : null}
      <${LinesTable} doc=${s} bidInputs=${bidInputs} />
      <div class="totals-right"><${TotalsTable} doc=${s} /></div>
      ${s.terms ? html`<section><h2 class="h3">Terms</h2><div class="pre small">${s.terms}</div></section>` : null}
      ${s.footer ? html`<p class="muted small pre">${s.footer}</p>` : null}
    </article>
    ${
      invoice
        ? html`<section class="card stack" aria-labelledby="pay-h">
          <h2 id="pay-h">Payments</h2>
          ${
            payments.length
              ? html`<table class="data"><thead><tr><th>Date</th><th>Method</th><th class="num">Amount</th></tr></thead>
                <tbody>${payments.map(
                  (p) => html`<tr>
                    <td>${calendarDate(p.paidOn)}</td>
                    <td>${p.method}${p.reference ? ` · ${p.reference}` : ''}</td>
                    <td class="num">${money(p.amount, s.currency)}</td>
                  </tr>`,
                )}</tbody></table>`
              : html`<p class="muted">No payments recorded yet.</p>`
          }
          ${paymentInstructions ? html`<h3>How to pay</h3><p class="pre">${paymentInstructions}</p>` : null}
        </section>`
        : null
    }
    <p><a class="btn" href=${`/portal/documents/${doc.id}.pdf`}>Download PDF</a></p>
    ${below}
  <//>`;
}

const FRESH_LINK_SENT =
  'If this link came from us, a fresh one is on its way to the address the document was sent to. ' +
  'It can take a few minutes to arrive.';
const LINK_EXPIRED =
  'Links to documents stop working after a while, or when the sender replaces them. ' +
  'We can email a fresh link to the address this document was sent to.';

export function LinkProblemPage({
  ctx,
  token,
  sent,
}: {
  ctx: { nonce: string; csrf: string };
  token: string;
  sent?: boolean;
}) {
  return html`<${PortalPlain} ctx=${ctx} title="This link has expired">
    <div class="card narrow stack">
      <h1>This link has expired</h1>
      ${
        sent
          ? html`<p role="status">${FRESH_LINK_SENT}</p>`
          : html`<p>${LINK_EXPIRED}</p>
            <form method="post" action="/p/fresh-link">
              <input type="hidden" name="_csrf" value=${ctx.csrf} />
              <input type="hidden" name="token" value=${token} />
              <button class="btn primary" type="submit">Email me a fresh link</button>
            </form>`
      }
    </div>
  <//>`;
}

function PortalPlain({ ctx, title, children }: { ctx: { nonce: string }; title: string; children: Children }) {
  return html`<html lang="en"><head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <meta name="robots" content="noindex" />
      <title>${title}</title>
      <link rel="stylesheet" href="/app.css" />
    </head>
    <body class="plain portal"><main id="main" class="plain-main">${children}</main></body></html>`;
}
