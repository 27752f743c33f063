import { html } from '../html';
import { PageHeader } from '../components/form';
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

export function HomePage({
  ctx,
  jobs,
  counts,
  attention,
}: {
  ctx: PageContext;
  jobs: JobRow[];
  counts: { openJobs: number; customers: number; vendors: number };
  attention: FeedItem[];
}) {
  const greeting = `Good to see you, ${ctx.user?.name.split(' ')[0] ?? ''}`;
  return html`<${DashboardPage} ctx=${ctx} title="Home">
    <${PageHeader} title=${greeting}><a class="btn primary" href="/jobs/new">New job</a><//>
    <div class="kpis">
      <a class="kpi" href="/jobs?status=open">
        <span class="kpi-label">Open jobs</span><span class="kpi-value">${counts.openJobs}</span>
      </a>
      <a class="kpi" href="/accounts?kind=customer">
        <span class="kpi-label">Customers</span><span class="kpi-value">${counts.customers}</span>
      </a>
      <a class="kpi" href="/accounts?kind=vendor">
        <span class="kpi-label">Vendors</span><span class="kpi-value">${counts.vendors}</span>
      </a>
    </div>
    <section class="card stack attention" aria-labelledby="attention-h">
      <div class="section-head">
        <h2 id="attention-h">Needs your attention</h2>
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
