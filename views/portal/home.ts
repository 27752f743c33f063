import { html } from '../html';
import { PageLinks } from '../components/pages';
import { calendarDate, money } from '../format';
import { PortalPage, scopedBrandCss, type PortalCompany, type PortalContext } from '../layout/portal';

// The recipient's list of documents: what waits on them first, then everything else by job. Each
// document appears once.

export interface PortalRow {
  id: string;
  number: string;
  title: string;
  typeLabel: string;
  status: string; // in the recipient's words: "Awaiting your signature", "Due Dec 28", "Paid"
  tone: string; // waiting | done | stop | info
  amountLabel: string; // "Total" or "Amount due"
  amount: number | null;
  currency: string;
  sentAt: number;
  issueDate: string;
  action: string | null; // "Review and sign", "Submit a bid", "Accept", "See how to pay"
  jobId: string;
  jobName: string;
  jobAddress: string;
}

function Row({ r, showJob }: { r: PortalRow; showJob?: boolean }) {
  return html`<li class=${`portal-doc${r.action ? ' needs-action' : ''}`}>
    <a href=${`/portal/documents/${r.id}`}>
      <span class="portal-doc-title">
        <strong>${r.typeLabel} ${r.number}</strong> <span class="muted">${r.title}</span>
      </span>
      <span class="portal-doc-meta">
        <span class=${`status ${r.tone}`}>${r.status}</span>
        ${
          r.amount !== null ? html`<span>${r.amountLabel} <strong>${money(r.amount, r.currency)}</strong></span>` : null
        }
        <span class="muted">${showJob && r.jobName !== r.title ? r.jobName : calendarDate(r.issueDate)}</span>
      </span>
      ${r.action ? html`<span class="portal-doc-action">${r.action} →</span>` : null}
    </a>
  </li>`;
}

/** A long list's paging links: the page after this one, and the way back to the first. */
export interface ListPages {
  earlier: string | null;
  newest: string | null;
}

export function PortalHomePage({
  ctx,
  rows,
  job,
  pages,
}: {
  ctx: PortalContext;
  rows: PortalRow[];
  job?: { name: string; address: string };
  pages?: ListPages;
}) {
  const waiting = rows.filter((r) => r.action);
  const jobs = new Map<string, { name: string; address: string; rows: PortalRow[] }>();
  for (const r of rows) {
    if (r.action) continue;
    const j = jobs.get(r.jobId) ?? { name: r.jobName, address: r.jobAddress, rows: [] };
    j.rows.push(r);
    jobs.set(r.jobId, j);
  }
  const others = waiting.length ? 'Other documents' : 'Documents';
  return html`<${PortalPage} ctx=${ctx} title=${job ? job.name : 'Your documents'}>
    <h1>${job ? job.name : `Documents from ${ctx.org.name}`}</h1>
    ${
      job
        ? html`<p class="muted">${job.address} · <a href="/portal">All your documents</a></p>`
        : html`<p class="muted">Everything ${ctx.org.name} has sent you: what waits on you first, then by job.</p>`
    }
    ${
      waiting.length
        ? html`<section aria-labelledby="waiting-h" class="stack">
            <h2 id="waiting-h">Waiting for you</h2>
            <ul class="portal-list">${waiting.map((r) => html`<${Row} r=${r} showJob=${!job} />`)}</ul>
          </section>`
        : null
    }
    ${rows.length === 0 ? html`<div class="empty"><p>Nothing here yet.</p></div>` : null}
    ${[...jobs].map(
      ([id, j]) => html`<section class="stack" aria-labelledby=${`job-${id}`}>
        <h2 id=${`job-${id}`}>
          ${job ? others : html`<a href=${`/portal/jobs/${id}`}>${j.name}</a>`}
        </h2>
        ${!job && j.address ? html`<p class="muted small">${j.address}</p>` : null}
        <ul class="portal-list">${j.rows.map((r) => html`<${Row} r=${r} />`)}</ul>
      </section>`,
    )}
    <${PageLinks} pages=${pages} what="documents" />
  <//>`;
}

/** One company on the person's companies page (issue 17): its documents, and how many wait on them. */
export interface CompanyCard extends PortalCompany {
  documents: number;
  waiting: number;
}

const NOTHING_WAITS = 'Nothing waits for you';
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Every company the person has documents from, each card in that company's own colour and logo,
 * linking to that company's home. The person's own page: no company's header around it.
 */
export function PortalCompaniesPage({
  ctx,
  companies,
  current,
}: {
  ctx: PortalContext;
  companies: CompanyCard[];
  current: string;
}) {
  const styles = companies.map((co, i) => scopedBrandCss(co.brandColor, i));
  return html`<${PortalPage} ctx=${ctx} title="Your contractors" neutral=${true} styles=${styles}>
    <h1>Your contractors</h1>
    <p class="muted">Each company's documents open on its own page.</p>
    <ul class="company-cards">
      ${companies.map(
        (co, i) => html`<li class=${`company-card co-${i}`}>
          <a href=${`/portal?company=${co.id}`} aria-current=${co.id === current ? 'true' : undefined}>
            <span class="company-card-head">
              ${co.hasLogo ? html`<img src=${`/portal/logo?company=${co.id}`} alt="" class="brand-logo" />` : null}
              <strong>${co.name}</strong>
            </span>
            <span class="company-card-counts">
              <span class=${co.waiting ? 'status waiting' : 'muted'}>
                ${co.waiting ? `${plural(co.waiting, 'document waits', 'documents wait')} for you` : NOTHING_WAITS}
              </span>
              <span class="muted">${plural(co.documents, 'document', 'documents')}</span>
            </span>
          </a>
        </li>`,
      )}
    </ul>
  <//>`;
}
