import { html } from '../html';
import { Csrf, Field, FormSummary, PageHeader, Select, type FormState } from '../components/form';
import { dateTime } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';

interface JobRow {
  id: string;
  number: number;
  name: string;
  address: string;
  status: string;
  customer: string | null;
  updatedAt: number;
}
export const jobNumber = (n: number) => `#${String(n).padStart(4, '0')}`;

export function JobListPage({ ctx, rows, q, status }: { ctx: PageContext; rows: JobRow[]; q: string; status: string }) {
  const tab = (value: string, label: string) =>
    html`<a
      href=${`/jobs${value ? `?status=${value}` : ''}`}
      aria-current=${status === value ? 'page' : undefined}
    >${label}</a>`;
  const emptyText = q ? `No jobs match “${q}”.` : 'No jobs yet. Create your first job to start a budget.';
  return html`<${DashboardPage} ctx=${ctx} title="Jobs">
    <${PageHeader} title="Jobs"><a class="btn primary" href="/jobs/new">New job</a><//>
    <nav class="tabs" aria-label="Filter">${tab('', 'All')}${tab('open', 'Open')}${tab('closed', 'Closed')}</nav>
    <form class="search" method="get" action="/jobs" role="search">
      ${status ? html`<input type="hidden" name="status" value=${status} />` : null}
      <label for="q" class="visually-hidden">Search by job name or number</label>
      <input id="q" name="q" type="search" value=${q} placeholder="Search by name or number" />
      <button class="btn" type="submit">Search</button>
    </form>
    ${
      rows.length === 0
        ? html`<div class="empty"><p>${emptyText}</p></div>`
        : html`<div class="table-wrap"><table class="data">
          <thead><tr>
            <th>Number</th><th>Name</th><th>Customer</th><th>Address</th><th>Status</th><th>Updated</th>
          </tr></thead>
          <tbody>${rows.map(
            (r) => html`<tr>
              <td>${jobNumber(r.number)}</td>
              <td><a href=${`/jobs/${r.id}`}>${r.name}</a></td>
              <td>${r.customer ?? ''}</td>
              <td>${r.address}</td>
              <td><span class=${`badge ${r.status}`}>${r.status === 'open' ? 'Open' : 'Closed'}</span></td>
              <td>${ctx.org ? dateTime(r.updatedAt, ctx.org.timeZone) : ''}</td>
            </tr>`,
          )}</tbody>
        </table></div>`
    }
  <//>`;
}

export function JobFormPage({
  ctx,
  form,
  customers,
  job,
}: {
  ctx: PageContext;
  form: FormState;
  customers: { id: string; name: string }[];
  job?: { id: string; number: number; name: string };
}) {
  const action = job ? `/jobs/${job.id}` : '/jobs';
  const submitLabel = job ? 'Save job' : 'Create job';
  const cancelHref = job ? `/jobs/${job.id}` : '/jobs';
  return html`<${DashboardPage} ctx=${ctx} title=${job ? `Edit ${job.name}` : 'New job'}>
    <${PageHeader}
      title=${job ? `Edit job ${jobNumber(job.number)}` : 'New job'}
      sub=${job ? undefined : 'The job number is assigned when you save.'}
    />
    <${FormSummary} form=${form} />
    <form method="post" action=${action} class="card stack" novalidate>
      <${Csrf} token=${ctx.csrf} />
      <${Field} form=${form} name="name" label="Job name" required placeholder="Kitchen remodel – 14 Elm St" />
      <${Select}
        form=${form}
        name="customerAccountId"
        label="Customer"
        empty="— No customer yet —"
        options=${customers.map((a) => ({ value: a.id, label: a.name }))}
      />
      <${Field} form=${form} name="address" label="Job site address" type="textarea" />
      <div>
        <button class="btn primary" type="submit">${submitLabel}</button> <a class="btn" href=${cancelHref}>Cancel</a>
      </div>
    </form>
  <//>`;
}
