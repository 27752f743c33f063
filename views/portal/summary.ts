import { html } from '../html';
import { calendarDate, money } from '../format';
import type { DocumentSnapshot } from '../../src/documents/snapshot';

// The top of a portal document, on the first screen of a phone: whose document it is, what it
// costs, by when, where it stands in the recipient's words, and the one thing to do next.

export interface SummaryView {
  status: { text: string; tone: string };
  parties: string; // "Estimate from Oak & Stone Builders to you"
  step: string | null; // "Review & sign", "How to pay"… (a link to #decide), or null when nothing waits
  amountDue: number; // what an invoice asks for now (budget/totals.ts amountDue)
  /** `documents.deadline`: the date that counts now (an extension moves it), shown instead of the version's. */
  deadline?: string | null;
}

function Figure({ label, value, big }: { label: string; value: string; big?: boolean }) {
  return html`<div class=${big ? 'figure big' : 'figure'}><dt>${label}</dt><dd>${value}</dd></div>`;
}

export function HowToPay({
  instructions,
  company,
  id,
  heading = 'How to pay',
}: {
  instructions: string;
  company: string;
  id?: string;
  heading?: string;
}) {
  return html`<div class="how-to-pay">
    <h2 class="h3" id=${id}>${heading}</h2>
    <p class="pre">${instructions || `Contact ${company} to arrange payment.`}</p>
  </div>`;
}

export function Summary({
  s,
  view,
  paymentInstructions,
}: {
  s: DocumentSnapshot;
  view: SummaryView;
  paymentInstructions: string;
}) {
  const m = (cents: number) => money(cents, s.currency);
  const t = s.totals;
  const invoice = s.type === 'customer_invoice';
  const figures: unknown[] = [];
  if (invoice) {
    const due = view.amountDue;
    if (t.balance > 0) figures.push(html`<${Figure} label="Amount due" value=${m(due)} big />`);
    if (t.balance === 0 || due !== t.total) figures.push(html`<${Figure} label="Invoice total" value=${m(t.total)} />`);
    if (t.paid > 0) figures.push(html`<${Figure} label="Paid so far" value=${m(t.paid)} />`);
  } else if (s.amountColumn !== 'bid') {
    figures.push(html`<${Figure} label="Total" value=${m(t.total)} big />`);
    if (t.paid > 0) figures.push(html`<${Figure} label="Still owed" value=${m(t.balance)} />`);
    if (t.deposit > 0) {
      const label = t.paid >= t.deposit ? 'Deposit paid' : 'Deposit due on approval';
      figures.push(html`<${Figure} label=${label} value=${m(t.deposit)} />`);
    }
    if (s.contract) figures.push(html`<${Figure} label="New contract total" value=${m(s.contract.newTotal)} />`);
  }
  // An invoice's or a bid request's status already says when ("Due Dec 28", "Bids due Dec 28").
  const date = view.deadline === undefined ? s.dueDate : view.deadline;
  if (date && !invoice && s.type !== 'bid_request')
    figures.push(html`<${Figure} label=${s.dueLabel} value=${calendarDate(date)} />`);
  const rev = s.version > 1 ? html` <span class="muted">rev ${s.version}</span>` : null;
  return html`<section id="summary" data-region="summary" class="card summary" aria-labelledby="doc-h">
    <p class="parties">${view.parties}</p>
    <h1 id="doc-h">${s.typeLabel} ${s.number}${rev}</h1>
    ${s.title ? html`<p class="doc-title">${s.title}</p>` : null}
    <p class=${`status ${view.status.tone}`}>${view.status.text}</p>
    ${figures.length ? html`<dl class="figures">${figures}</dl>` : null}
    ${
      invoice && t.balance > 0 && view.step !== 'Pay'
        ? html`<${HowToPay} instructions=${paymentInstructions} company=${s.company.name} />`
        : null
    }
    ${
      // An invoice says how to pay right here (and, paid online, goes to its Pay button); elsewhere the
      // one next step (on phones: the bottom bar).
      view.step && (!invoice || view.step === 'Pay')
        ? html`<p class="step">
            <a class="btn primary big" href=${invoice ? '#pay' : '#decide'}>${view.step}</a>
          </p>`
        : null
    }
  </section>`;
}
