import { html } from '../html';
import { PageHeader } from '../components/form';
import { money } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import { jobNumber } from './jobs';
import { FeedList, type FeedItem } from './activity';

interface JobRow {
  id: string;
  number: number;
  name: string;
  customer: string | null;
  status: string;
}

/** One thing waiting on the contractor: what, who, how much, how long, and the link to act on it. */
export interface QueueItem {
  what: string;
  who: string;
  /** Cents, or null where there is no one amount (bids list theirs in `offers`). */
  amount: number | null;
  offers?: { vendor: string; total: number }[];
  when: string;
  href: string;
  action: string;
}

export interface QueueGroup {
  id: string;
  title: string;
  items: QueueItem[];
}

/** The money at the top of home, in cents. */
export interface HomeFigures {
  awaitingSignature: number;
  approvedThisMonth: number;
  unpaid: number;
  overdue: number;
}

function Figure({ label, cents, currency, href }: { label: string; cents: number; currency: string; href?: string }) {
  const body = html`<span class="kpi-label">${label}</span><span class="kpi-value">${money(cents, currency)}</span>`;
  return href ? html`<a class="kpi" href=${href}>${body}</a>` : html`<div class="kpi">${body}</div>`;
}

function Item({ item, currency }: { item: QueueItem; currency: string }) {
  return html`<li class="queue-item">
    <div class="queue-main">
      <a class="queue-what" href=${item.href}>${item.what}</a>
      <span class="queue-who">${item.who}</span>
      ${
        item.offers
          ? html`<span class="queue-offers">${item.offers
              .map((o) => `${o.vendor} ${money(o.total, currency)}`)
              .join(' · ')}</span>`
          : null
      }
    </div>
    <div class="queue-side">
      ${item.amount !== null ? html`<strong class="queue-amount">${money(item.amount, currency)}</strong>` : null}
      <span class="queue-when">${item.when}</span>
      <a class="btn small" href=${item.href}>${item.action}<span class="visually-hidden">: ${item.what}</span></a>
    </div>
  </li>`;
}

export function HomePage({
  ctx,
  jobs,
  figures,
  queue,
  attention,
}: {
  ctx: PageContext;
  jobs: JobRow[];
  figures: HomeFigures;
  queue: QueueGroup[];
  attention: FeedItem[];
}) {
  const greeting = `Good to see you, ${ctx.user?.name.split(' ')[0] ?? ''}`;
  const currency = ctx.org?.currency ?? 'USD';
  const waiting = queue.reduce((n, g) => n + g.items.length, 0);
  const shown = (id: string) => queue.some((g) => g.id === id);
  return html`<${DashboardPage} ctx=${ctx} title="Home">
    <${PageHeader} title=${greeting}><a class="btn primary" href="/jobs/new">New job</a><//>
    <section aria-labelledby="figures-h">
      <h2 id="figures-h" class="visually-hidden">Money</h2>
      <div class="kpis figures">
        <${Figure}
          label="Awaiting signature"
          cents=${figures.awaitingSignature}
          currency=${currency}
          href=${shown('awaiting') ? '#queue-awaiting' : undefined}
        />
        <${Figure} label="Approved this month" cents=${figures.approvedThisMonth} currency=${currency} />
        <${Figure}
          label="Invoiced, unpaid"
          cents=${figures.unpaid}
          currency=${currency}
          href="/documents?type=customer_invoice"
        />
        <${Figure}
          label="Overdue"
          cents=${figures.overdue}
          currency=${currency}
          href=${shown('overdue') ? '#queue-overdue' : undefined}
        />
      </div>
    </section>
    <section class="card stack queue" aria-labelledby="queue-h">
      <h2 id="queue-h">Needs doing${waiting ? html` <span class="count">${waiting}</span>` : null}</h2>
      ${
        queue.length === 0
          ? html`<p class="queue-empty">Nothing waiting on you.</p>`
          : queue.map(
              (g) => html`<div class="queue-group" id=${`queue-${g.id}`}>
                <h3>${g.title} <span class="count">${g.items.length}</span></h3>
                <ul class="queue-list">
                  ${g.items.map((item) => html`<${Item} item=${item} currency=${currency} />`)}
                </ul>
              </div>`,
            )
      }
    </section>
    <section class="card stack attention" aria-labelledby="attention-h">
      <div class="section-head">
        <h2 id="attention-h">What your customers and vendors did lately</h2>
        <a class="btn small" href="/activity?side=recipient">All customer & vendor activity</a>
      </div>
      <${FeedList}
        items=${attention}
        timeZone=${ctx.org?.timeZone ?? 'UTC'}
        empty="Nothing new from your customers and vendors in the last 30 days."
      />
    </section>
    <section class="card stack" aria-labelledby="recent-h">
      <h2 id="recent-h">Open jobs</h2>
      ${
        jobs.length === 0
          ? html`<p class="muted">No open jobs. <a href="/jobs/new">Create a job</a> to start a budget.</p>`
          : html`<div class="table-wrap"><table class="data">
            <thead><tr><th>Number</th><th>Job</th><th>Customer</th></tr></thead>
            <tbody>${jobs.map(
              (j) => html`<tr>
                <td>${jobNumber(j.number)}</td>
                <td><a href=${`/jobs/${j.id}`}>${j.name}</a></td>
                <td>${j.customer ?? ''}</td>
              </tr>`,
            )}</tbody>
          </table></div>`
      }
    </section>
  <//>`;
}
