import { html } from '../html';
import { PageHeader, Select } from '../components/form';
import { dateTime } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import type { EventView } from '../components/conversation';

export interface FeedItem extends EventView {
  documentId: string | null;
  documentLabel: string | null; // "Estimate EST-0004"
  jobId: string | null;
  jobName: string | null;
}

export function FeedList({ items, timeZone, empty }: { items: FeedItem[]; timeZone: string; empty: string }) {
  if (!items.length) return html`<p class="muted">${empty}</p>`;
  return html`<ol class="timeline feed">${items.map(
    (e) => html`<li class=${`event ${e.side} ${e.action}`}>
      <time datetime=${new Date(e.createdAt).toISOString()}>${dateTime(e.createdAt, timeZone)}</time>
      <span>
        <strong>${e.actorName}</strong> ${e.text}
        ${e.documentId ? html` on <a href=${`/documents/${e.documentId}`}>${e.documentLabel}</a>` : null}
        ${
          e.jobName && e.jobId
            ? html` <span class="muted">· <a href=${`/jobs/${e.jobId}`}>${e.jobName}</a></span>`
            : null
        }
      </span>
      ${e.detail ? html`<span class="muted small pre">${e.detail}</span>` : null}
    </li>`,
  )}</ol>`;
}

const sideOptions = [
  { value: 'contractor', label: 'Your team' },
  { value: 'recipient', label: 'Customers & vendors' },
];

export function ActivityPage({
  ctx,
  items,
  filters,
  jobs,
  actions,
  next,
}: {
  ctx: PageContext;
  items: FeedItem[];
  filters: Record<string, string>;
  jobs: { id: string; name: string }[];
  actions: { value: string; label: string }[];
  next: string | null;
}) {
  const form = { values: filters, errors: {} };
  const query = (extra: Record<string, string>) => {
    const params = Object.fromEntries(Object.entries({ ...filters, ...extra }).filter(([, v]) => v));
    return `/activity?${new URLSearchParams(params)}`;
  };
  return html`<${DashboardPage} ctx=${ctx} title="Activity">
    <${PageHeader} title="Activity" sub="Everything you and your customers and vendors did, newest first." />
    <form method="get" action="/activity" class="filters">
      <${Select}
        form=${form}
        name="job"
        label="Job"
        empty="All jobs"
        options=${jobs.map((j) => ({ value: j.id, label: j.name }))}
      />
      <${Select} form=${form} name="action" label="Action" empty="Any action" options=${actions} />
      <${Select} form=${form} name="side" label="Who" empty="Both sides" options=${sideOptions} />
      <div><button class="btn" type="submit">Filter</button></div>
    </form>
    <section class="card">
      <${FeedList} items=${items} timeZone=${ctx.org?.timeZone ?? 'UTC'} empty="Nothing matches these filters." />
    </section>
    ${next ? html`<p><a class="btn" href=${query({ before: next })}>Older activity</a></p>` : null}
  <//>`;
}
