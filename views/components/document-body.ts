import { escapeHtml, html } from '../html';
import { calendarDate, money, percent, quantity } from '../format';
import type { ShownLine, ShownSnapshot } from '../../src/documents/display';
import { chosenSentence, lineMark, shownColumns } from '../line-marks';
import type { DocumentSnapshot } from '../../src/documents/snapshot';

// How a document reads on screen, for both sides: lines under group headings and the totals. A number
// the recipient's display hides is absent from their snapshot: its cell stays empty, its column unheaded.

type Columns = { quantity: boolean; unitAmount: boolean; total: string | null };

const BLANK_CELL =
  '<td class="num"><span class="blank-cell">' +
  '<span class="visually-hidden">To be filled in by the vendor</span></span></td>';

/**
 * The lines' rows, as the HTML inside the table's tbody: written as text (views/html.ts escapeHtml), the markup
 * preact made of the template they replaced (test/node/document-rows.test.mjs compares them).
 */
export function lineRowsHtml(doc: ShownSnapshot, cols: Columns): string {
  const m = (c: number | undefined) => (c === undefined ? '' : escapeHtml(money(c, doc.currency)));
  const bid = doc.amountColumn === 'bid';
  const span = 1 + (cols.quantity ? 2 : 0) + (cols.unitAmount ? 1 : 0);
  const mark = (l: ShownLine) => {
    const text = lineMark(doc, l);
    return text ? `<div class="small"><b>${escapeHtml(text)}</b></div>` : '';
  };
  let rows = '';
  for (const l of doc.lines) {
    if (l.kind === 'group') {
      rows += `<tr class="group-row"><th scope="rowgroup" colspan="${span}">${escapeHtml(l.name)}${mark(l)}</th>`;
      rows += `${cols.total ? `<td class="num">${m(l.subtotal)}</td>` : ''}</tr>`;
      continue;
    }
    rows += `<tr><td><span class="item-name">${escapeHtml(l.name)}</span>`;
    if (l.taxable && !bid) rows += ' <span class="pill" title="Taxable">Tax</span>';
    rows += mark(l);
    if (l.description) rows += `<div class="muted small pre">${escapeHtml(l.description)}</div>`;
    rows += '</td>';
    if (cols.quantity) {
      const q = l.quantity === undefined ? '' : quantity(l.quantity);
      rows += `<td class="num">${q}</td><td>${escapeHtml(l.unit ?? '')}</td>`;
    }
    if (bid) rows += BLANK_CELL;
    else {
      if (cols.unitAmount) rows += `<td class="num">${m(l.unitAmount)}</td>`;
      if (cols.total) rows += `<td class="num">${m(l.total)}</td>`;
    }
    rows += '</tr>';
  }
  return rows;
}

export function LinesTable({ doc }: { doc: ShownSnapshot }) {
  const bid = doc.amountColumn === 'bid';
  const amountLabel = doc.amountColumn === 'cost' ? 'Unit cost' : bid ? 'Your unit cost' : 'Unit price';
  const shown = shownColumns(doc);
  const cols = { quantity: shown.quantity, unitAmount: bid || shown.unitAmount, total: bid ? null : shown.total };
  return html`<div class="table-wrap"><table class="data doc-lines">
    <thead><tr>
      <th scope="col">Item</th>
      ${cols.quantity ? html`<th scope="col" class="num">Qty</th><th scope="col">Unit</th>` : null}
      ${cols.unitAmount ? html`<th scope="col" class="num">${amountLabel}</th>` : null}
      ${cols.total ? html`<th scope="col" class="num">${cols.total}</th>` : null}
    </tr></thead>
    <tbody dangerouslySetInnerHTML=${{ __html: lineRowsHtml(doc, cols) }}></tbody>
  </table></div>`;
}

/** Issue 20: a chosen snapshot says, by its totals, which options the customer chose. */
export function ChosenOptions({ doc }: { doc: Pick<DocumentSnapshot, 'chosen'> }) {
  const text = chosenSentence(doc);
  return text ? html`<p>${text}</p>` : null;
}

export function TotalsTable({ doc }: { doc: ShownSnapshot }) {
  if (doc.amountColumn === 'bid') return null;
  const m = (c: number) => money(c, doc.currency);
  const t = doc.totals;
  const depositLabel =
    doc.type === 'customer_invoice'
      ? 'Amount due now'
      : `Deposit${doc.deposit.kind === 'percent' ? ` (${percent(doc.deposit.value)})` : ''}`;
  return html`<table class="totals-table">
    <tbody>
      <tr><th scope="row">Subtotal</th><td class="num">${m(t.subtotal)}</td></tr>
      ${
        doc.taxRate > 0 || t.tax > 0
          ? html`<tr>
              <th scope="row">Tax (${percent(doc.taxRate)} on ${m(t.taxableSubtotal)})</th>
              <td class="num">${m(t.tax)}</td>
            </tr>`
          : null
      }
      <tr class="grand"><th scope="row">Total</th><td class="num">${m(t.total)}</td></tr>
      ${t.deposit > 0 ? html`<tr><th scope="row">${depositLabel}</th><td class="num">${m(t.deposit)}</td></tr>` : null}
      ${
        t.paid > 0
          ? html`<tr><th scope="row">Paid</th><td class="num">${m(-t.paid)}</td></tr>
              <tr class="grand"><th scope="row">Balance</th><td class="num">${m(t.balance)}</td></tr>`
          : null
      }
    </tbody>
  </table>`;
}

/** A change order's contract arithmetic, as it stood when the change order was sent. */
export function ContractSum({ doc }: { doc: ShownSnapshot }) {
  const c = doc.contract;
  if (!c) return null;
  const m = (cents: number) => money(cents, doc.currency);
  return html`<table class="totals-table contract-sum">
    <caption>The contract with this change</caption>
    <tbody>
      <tr><th scope="row">Original contract</th><td class="num">${m(c.original)}</td></tr>
      <tr>
        <th scope="row">Approved change orders (${c.approvedCount})</th>
        <td class="num">${m(c.approvedChanges)}</td>
      </tr>
      <tr><th scope="row">This change order</th><td class="num">${m(c.change)}</td></tr>
      <tr class="grand"><th scope="row">New contract total</th><td class="num">${m(c.newTotal)}</td></tr>
    </tbody>
  </table>`;
}

/** The date as sent, or, once an extension moved it (documents.deadline), the date now with the one sent. */
function dueDate(sent: string, now: string | null | undefined) {
  if (!now || now === sent) return calendarDate(sent);
  const how = now > sent ? 'extended' : 'moved';
  return html`${calendarDate(now)} <span class="muted">(${how} from ${calendarDate(sent)})</span>`;
}

/**
 * Dates, job and the two parties. A document goes from the company to its recipient, except a
 * bill: the vendor's bill to the company, so it reads from the vendor's side.
 */
export function DocumentFacts({ doc, deadline }: { doc: ShownSnapshot; deadline?: string | null }) {
  const recipient = [doc.preparedFor.contactName, doc.preparedFor.accountName].filter(Boolean).join(', ') || '—';
  const email = doc.preparedFor.email ? html`<br /><span class="muted">${doc.preparedFor.email}</span>` : null;
  const them = html`${recipient}${email}`;
  const us = doc.preparedBy.name ? `${doc.company.name} (${doc.preparedBy.name})` : doc.company.name;
  const bill = doc.type === 'bill';
  return html`<dl class="facts">
    <dt>From</dt><dd>${bill ? them : us}</dd>
    <dt>To</dt><dd>${bill ? us : them}</dd>
    <dt>Issued</dt><dd>${calendarDate(doc.issueDate)}</dd>
    ${doc.dueDate ? html`<dt>${doc.dueLabel}</dt><dd>${dueDate(doc.dueDate, deadline)}</dd>` : null}
    <dt>Job</dt><dd>${doc.job.name}</dd>
    ${doc.job.address ? html`<dt>Job site</dt><dd>${doc.job.address}</dd>` : null}
  </dl>`;
}
