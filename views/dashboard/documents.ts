import { html, type Children } from '../html';
import { Csrf, Field, FormSummary, PageHeader, Select, type FormState } from '../components/form';
import { ContractSum, DocumentFacts, LinesTable, TotalsTable } from '../components/document-body';
import { PageLinks } from '../components/pages';
import { displaySentence } from '../line-marks';
import { calendarDate, dateTime, money } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import { jobNumber } from './jobs';
import type { DocumentSnapshot } from '../../src/documents/snapshot';
import type { Kind } from '../../src/documents/kinds';
import type { DocumentTotals } from '../../src/budget/totals';

export const statusBadge = (status: string, label: string) => html`<span class=${`badge ${status}`}>${label}</span>`;

export interface SentPageProps {
  ctx: PageContext;
  doc: {
    id: string;
    number: string;
    status: string;
    statusLabel: string;
    /** The date that counts now (an extension moves it past the one the version was sent with). */
    deadline?: string | null;
    sentVersion: number;
    currentVersion: number;
    hasDraftRevision: boolean;
  };
  kind: Kind;
  job: { id: string; name: string; number: number };
  snapshot: DocumentSnapshot;
  actions: Children;
  payments: Children;
  history: Children;
  extra?: Children;
  /** The "Deadline & reminders" panel (views/dashboard/deadline-panel.ts), near the decision. */
  deadline?: Children;
  /** Issue 17: who it is sent to (recipients-panel.ts) and the countersignature (countersign-panel.ts). */
  people?: Children;
  views?: string[];
  /** The conversation's sections: the comment thread, the shared files, the timeline. */
  thread?: Children;
  files?: Children;
  timeline?: Children;
}

export function SentDocumentPage({
  ctx,
  doc,
  kind,
  job,
  snapshot,
  actions,
  payments,
  history,
  extra,
  deadline,
  people,
  views = [],
  thread,
  files,
  timeline,
}: SentPageProps) {
  const rev = doc.sentVersion > 1 ? ` rev ${doc.sentVersion}` : '';
  const badge = statusBadge(doc.status, doc.statusLabel);
  return html`<${DashboardPage} ctx=${ctx} title=${`${kind.label} ${doc.number}`} scripts=${['/live.js']}>
    <div class="live-region" data-region="head">
    <${PageHeader} title=${html`${kind.label} ${doc.number}${rev} ${badge}`}
      sub=${html`<a href=${`/jobs/${job.id}`}>${job.name}</a> · Job ${jobNumber(job.number)} · ${snapshot.title}`}>
      ${actions}
    <//>
    </div>
    ${
      doc.hasDraftRevision
        ? html`<p class="notice">Revision ${doc.currentVersion} is a draft. <a href=${`/documents/${doc.id}`}
            >Continue editing it</a>; the recipient keeps seeing revision ${doc.sentVersion} until you send it.</p>`
        : null
    }
    ${
      views.length
        ? html`<ul class="view-summary">${views.map((v) => html`<li>${v}</li>`)}</ul>`
        : html`<p class="muted">Not viewed yet.</p>`
    }
    <div class="doc-layout">
    <div class="doc-main stack">
    <div class="live-region" data-region="decision">${extra}${people}</div>
    ${deadline}
    <div class="live-region" data-region="payments">${payments}</div>
    ${thread}
    <article class="card stack doc-view" aria-labelledby="doc-lines-h">
      <h2 id="doc-lines-h">${kind.label} ${doc.number}${rev}</h2>
      <${DocumentFacts} doc=${snapshot} deadline=${doc.deadline} />
      ${snapshot.description ? html`<div class="pre">${snapshot.description}</div>` : null}
      ${displaySentence(snapshot.display) ? html`<p class="muted">${displaySentence(snapshot.display)}</p>` : null}
      <${LinesTable} doc=${snapshot} />
      <div class="totals-right"><${TotalsTable} doc=${snapshot} /></div>
      ${snapshot.contract ? html`<div class="totals-right"><${ContractSum} doc=${snapshot} /></div>` : null}
      ${
        snapshot.terms
          ? html`<div>
              <h2 class="h3">Terms</h2><div class="pre small">${snapshot.terms}</div>
            </div>`
          : null
      }
    </article>
    ${history}
    </div>
    <div class="doc-side stack">
    ${files}
    ${timeline}
    </div>
    </div>
  <//>`;
}

interface VersionRow {
  version: number;
  state: string;
  sentAt: number | null;
  pdfSha256: string | null;
}

export function VersionHistory({ ctx, docId, versions }: { ctx: PageContext; docId: string; versions: VersionRow[] }) {
  const tz = ctx.org?.timeZone ?? 'UTC';
  const sent = versions.filter((v) => v.state !== 'draft');
  return html`<section class="card stack" aria-labelledby="versions-h">
    <h2 id="versions-h">Versions</h2>
    <div class="table-wrap"><table class="data">
      <thead><tr>
        <th>Version</th><th>State</th><th>Sent</th><th>PDF SHA-256</th>
        <th><span class="visually-hidden">Links</span></th>
      </tr></thead>
      <tbody>${versions.map((v) => {
        const state = v.state === 'draft' ? 'Draft' : v.state === 'sent' ? 'Current' : 'Superseded';
        const sha = v.pdfSha256 ? `${v.pdfSha256.slice(0, 16)}…` : '—';
        const compareHref = `/documents/${docId}/compare?from=${v.version - 1}&to=${v.version}`;
        return html`<tr>
          <td>rev ${v.version}</td><td>${state}</td>
          <td>${v.sentAt ? dateTime(v.sentAt, tz) : '—'}</td><td class="mono small">${sha}</td>
          <td class="row-actions"><a class="btn small" href=${`/documents/${docId}/versions/${v.version}.pdf`}>PDF</a>
            ${
              v.version > 1
                ? html`<a class="btn small" href=${compareHref}>Changes from rev ${v.version - 1}</a>`
                : null
            }</td>
        </tr>`;
      })}</tbody>
    </table></div>
    ${sent.length === 0 ? html`<p class="muted">Not sent yet.</p>` : null}
  </section>`;
}

export interface LineChange {
  kind: 'added' | 'removed' | 'changed';
  name: string;
  before?: string;
  after?: string;
  fields?: string[];
}

export function ComparePage({
  ctx,
  doc,
  kind,
  from,
  to,
  changes,
  before,
  after,
  currency,
}: {
  ctx: PageContext;
  doc: { id: string; number: string };
  kind: Kind;
  from: number;
  to: number;
  changes: LineChange[];
  before: DocumentTotals;
  after: DocumentTotals;
  currency: string;
}) {
  const m = (c: number) => money(c, currency);
  const row = (label: string, a: number, b: number) => {
    const change = b - a === 0 ? '—' : `${b - a > 0 ? '+' : ''}${m(b - a)}`;
    return html`<tr><th scope="row">${label}</th><td class="num">${m(a)}</td><td class="num">${m(b)}</td>
      <td class="num">${change}</td></tr>`;
  };
  return html`<${DashboardPage} ctx=${ctx} title=${`Changes in ${doc.number}`}>
    <${PageHeader} title=${`${kind.label} ${doc.number}: rev ${from} → rev ${to}`}
      sub=${html`<a href=${`/documents/${doc.id}`}>Back to the document</a>`} />
    <section class="card stack">
      <h2>Lines</h2>
      ${
        changes.length === 0
          ? html`<p class="muted">No line changed.</p>`
          : html`<ul class="changes">${changes.map((c) => {
              const badge = c.kind === 'added' ? 'approved' : c.kind === 'removed' ? 'declined' : 'sent';
              const label = c.kind === 'added' ? 'Added' : c.kind === 'removed' ? 'Removed' : 'Changed';
              const was = c.before ? html` <span class="muted">was ${c.before}</span>` : null;
              const now = c.after ? html` <span>now ${c.after}</span>` : null;
              const fields = c.fields?.length ? html` <span class="muted small">(${c.fields.join(', ')})</span>` : null;
              return html`<li class=${`change ${c.kind}`}>
                <span class="badge ${badge}">${label}</span> <strong>${c.name}</strong>
                ${was}${now}${fields}</li>`;
            })}</ul>`
      }
      <h2>Totals</h2>
      <table class="data"><thead><tr>
        <th scope="col">Amount</th><th class="num">rev ${from}</th><th class="num">rev ${to}</th>
        <th class="num">Change</th>
      </tr></thead>
        <tbody>
          ${row('Subtotal', before.subtotal, after.subtotal)}
          ${row('Tax', before.tax, after.tax)}
          ${row('Total', before.total, after.total)}
        </tbody></table>
    </section>
  <//>`;
}

interface ListRow {
  id: string;
  type: string;
  subtype: string | null;
  number: string;
  status: string;
  currentVersion: number;
  sentVersion: number | null;
  accountName: string | null;
  title: string;
  issueDate: string;
  dueDate: string | null;
  jobId: string;
  jobName: string;
  sentAt: number | null;
  totals: DocumentTotals;
  kindLabel: string;
  statusLabel: string;
  /** The badge's look: the status, or 'expired' / 'overdue' when the date closed it. */
  statusClass?: string;
  amountShown: 'price' | 'cost' | 'bid';
}

export function DocumentsTable({ ctx, rows, showJob }: { ctx: PageContext; rows: ListRow[]; showJob: boolean }) {
  const cur = ctx.org?.currency ?? 'USD';
  if (rows.length === 0) return html`<div class="empty"><p>No documents yet.</p></div>`;
  return html`<div class="table-wrap"><table class="data">
    <thead><tr>
      <th>Number</th><th>Type</th><th>Title</th>${showJob ? html`<th>Job</th>` : null}<th>Recipient</th><th>Status</th>
      <th class="num">Total</th><th>Issued</th><th>Due</th>
    </tr></thead>
    <tbody>${rows.map((r) => {
      const rev = r.currentVersion > 1 ? html` <span class="muted small">rev ${r.currentVersion}</span>` : null;
      const hasDraft = r.sentVersion !== null && r.currentVersion > r.sentVersion;
      const draft = hasDraft ? html` <span class="pill">revision draft</span>` : null;
      return html`<tr>
        <td><a href=${`/documents/${r.id}`}>${r.number}</a>${rev}</td>
        <td>${r.kindLabel}</td><td>${r.title}</td>
        ${showJob ? html`<td><a href=${`/jobs/${r.jobId}`}>${r.jobName}</a></td>` : null}
        <td>${r.accountName ?? '—'}</td><td>${statusBadge(r.statusClass ?? r.status, r.statusLabel)}${draft}</td>
        <td class="num">${r.amountShown === 'bid' ? '—' : money(r.totals.total, cur)}</td>
        <td>${calendarDate(r.issueDate)}</td><td>${calendarDate(r.dueDate)}</td>
      </tr>`;
    })}</tbody>
  </table></div>`;
}

export function JobDocumentsSection({
  ctx,
  jobId,
  groups,
}: {
  ctx: PageContext;
  jobId: string;
  groups: { label: string; rows: ListRow[] }[];
}) {
  const newDocument = html`<strong>New document</strong>`;
  return html`<section class="stack" aria-labelledby="docs-h">
    <div class="section-head"><h2 id="docs-h">Documents</h2>
      <a class="btn small" href=${`/jobs/${jobId}/documents/new`}>New document</a></div>
    ${
      groups.length === 0
        ? html`<div class="empty"><p>
          No documents for this job yet. Use ${newDocument} to package budget items into an estimate, order or invoice.
        </p></div>`
        : null
    }
    ${groups.map((g) => html`<h3>${g.label}</h3><${DocumentsTable} ctx=${ctx} rows=${g.rows} showJob=${false} />`)}
  </section>`;
}

export function DocumentListPage({
  ctx,
  rows,
  filters,
  jobs,
  types,
  statuses,
  pages,
}: {
  ctx: PageContext;
  rows: ListRow[];
  filters: { type: string; status: string; jobId: string };
  jobs: { id: string; name: string }[];
  types: { value: string; label: string }[];
  statuses: { value: string; label: string }[];
  /** The list's paging links (issue 19): the next page, and back to the first. */
  pages?: { earlier: string | null; newest: string | null };
}) {
  const form = { values: filters as Record<string, string>, errors: {} };
  const jobOptions = jobs.map((j) => ({ value: j.id, label: j.name }));
  return html`<${DashboardPage} ctx=${ctx} title="Documents">
    <${PageHeader} title="Documents" sub="Everything you have drafted, sent and received, across jobs." />
    <form method="get" action="/documents" class="filters">
      <${Select} form=${form} name="type" label="Type" empty="All types" options=${types} />
      <${Select} form=${form} name="status" label="Status" empty="Any status" options=${statuses} />
      <${Select} form=${form} name="jobId" label="Job" empty="All jobs" options=${jobOptions} />
      <div><button class="btn" type="submit">Filter</button></div>
    </form>
    <${DocumentsTable} ctx=${ctx} rows=${rows} showJob=${true} />
    <${PageLinks} pages=${pages} what="documents" />
  <//>`;
}

interface PaymentRow {
  id: string;
  amount: number;
  paidOn: string;
  method: string;
  reference: string;
}

/** An online payment past Checkout, as the contractor's document page lists it. */
export interface OnlinePaymentRow {
  id: string;
  amount: number;
  status: string;
  method: string | null;
  refunded: number;
  flag: string | null;
  /** The day it was counted (its payments row), once it succeeded. */
  paidOn: string | null;
}

const FLAG_MESSAGES: Record<string, string> = {
  amount: 'The amount paid does not match the document. It was not counted; check it in Stripe.',
  currency: 'It was paid in another currency than the document. It was not counted; check it in Stripe.',
  void: 'It was paid on a void document. Refund it from your Stripe dashboard.',
  overpaid: 'It paid more than the balance. Refund the difference from your Stripe dashboard.',
};
const flagMessage = (flag: string) => FLAG_MESSAGES[flag] ?? 'It needs a look in your Stripe dashboard.';

function onlineState(p: OnlinePaymentRow, currency: string): string {
  if (p.status === 'processing') return 'processing';
  if (p.status === 'failed') return 'failed';
  const paid = p.paidOn ? `paid ${calendarDate(p.paidOn).replace(/, \d{4}$/, '')}` : 'paid';
  if (p.refunded >= p.amount) return `${paid} · refunded`;
  return p.refunded > 0 ? `${paid} · refunded ${money(p.refunded, currency)}` : paid;
}

/** The online payments (card or bank account, through Stripe) with where each stands. */
function OnlinePayments({ rows, currency }: { rows: OnlinePaymentRow[]; currency: string }) {
  if (rows.length === 0) return null;
  return html`<div class="online-payments">
    <h3>Paid online</h3>
    <ul>
      ${rows.map((p) => {
        const method = p.method === 'us_bank_account' ? 'Bank account' : p.method === 'card' ? 'Card' : 'Online';
        const tone = p.flag ? 'flagged' : p.status;
        return html`<li class=${`online-payment ${tone}`}>
          <span>${method} · ${money(p.amount, currency)} · ${onlineState(p, currency)}</span>
          ${
            p.flag
              ? html`<p class="pay-flag" role="note">
                  <strong>Check this payment:</strong> ${flagMessage(p.flag)}
                </p>`
              : null
          }
        </li>`;
      })}
    </ul>
  </div>`;
}

export function PaymentsSection({
  ctx,
  docId,
  rows,
  online = [],
  form,
  canRecord,
  balance,
  currency,
  recorded = true,
}: {
  ctx: PageContext;
  docId: string;
  rows: PaymentRow[];
  online?: OnlinePaymentRow[];
  form: FormState;
  canRecord: boolean;
  balance: number;
  currency: string;
  /** Whether the kind keeps recorded payments and a balance (an order's deposit paid online does not). */
  recorded?: boolean;
}) {
  const methodOptions = ['Check', 'ACH', 'Card', 'Cash', 'Wire', 'Other'].map((m) => ({ value: m, label: m }));
  return html`<section class="card stack" aria-labelledby="payments-h">
    <h2 id="payments-h">Payments</h2>
    <${OnlinePayments} rows=${online} currency=${currency} />
    ${
      !recorded
        ? null
        : rows.length === 0
          ? html`<p class="muted">No payments recorded.</p>`
          : html`<div class="table-wrap"><table class="data">
          <thead><tr><th>Date</th><th>Method</th><th>Reference</th><th class="num">Amount</th></tr></thead>
          <tbody>${rows.map(
            (p) => html`<tr><td>${calendarDate(p.paidOn)}</td><td>${p.method}</td><td>${p.reference}</td>
              <td class="num">${money(p.amount, currency)}</td></tr>`,
          )}</tbody>
          <tfoot><tr class="totals">
            <th colspan="3">Balance</th><td class="num">${money(balance, currency)}</td>
          </tr></tfoot>
        </table></div>`
    }
    ${canRecord ? null : html`<${FormSummary} form=${form} />`}
    ${
      canRecord
        ? html`<details open=${Object.keys(form.errors).length > 0}>
          <summary>Record a payment</summary>
          <${FormSummary} form=${form} />
          <form method="post" action=${`/documents/${docId}/payments`} class="grid3" novalidate>
            <${Csrf} token=${ctx.csrf} />
            <${Field} form=${form} name="amount" label="Amount" required inputmode="decimal" />
            <${Field} form=${form} name="paidOn" label="Date" type="date" required />
            <${Select} form=${form} name="method" label="Method" required options=${methodOptions} />
            <${Field} form=${form} name="reference" label="Reference" placeholder="Check #1042" />
            <div><button class="btn primary" type="submit">Record payment</button></div>
          </form>
        </details>`
        : null
    }
  </section>`;
}
