import { html } from '../html';
import { Csrf, PageHeader } from '../components/form';
import { money, quantity } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';

export interface BidColumn {
  documentId: string;
  number: string;
  vendor: string;
  status: string;
  total: number;
  canAccept: boolean;
  costs: Map<string, number | null>;
}

export function CompareBidsPage({
  ctx,
  job,
  items,
  columns,
}: {
  ctx: PageContext;
  job: { id: string; name: string };
  items: { id: string; name: string; quantity: number; unit: string; budgetCost: number }[];
  columns: BidColumn[];
}) {
  const cur = ctx.org?.currency ?? 'USD';
  const jobHref = `/jobs/${job.id}`;
  const sub = html`<a href=${jobHref}>${job.name}</a> · unit costs from each vendor for the same budget items`;
  return html`<${DashboardPage} ctx=${ctx} title="Compare bids">
    <${PageHeader} title="Compare bids" sub=${sub} />
    ${
      columns.length === 0
        ? html`<div class="empty"><p>No bids submitted on this job yet.</p></div>`
        : html`<div class="table-wrap" role="region" aria-label="Bids side by side" tabindex="0">
          <table class="data compare">
          <thead><tr><th scope="col">Item</th><th scope="col" class="num">Qty</th>
            <th scope="col" class="num">Budget unit cost</th>${columns.map((c) => {
              const vendor = html`<a href=${`/documents/${c.documentId}`}>${c.vendor}</a>`;
              return html`<th scope="col" class="num bid-col">${vendor}<br />
                <span class="muted small">${c.number} · ${c.status}</span></th>`;
            })}</tr></thead>
          <tbody>${items.map((i) => {
            const offers = columns.map((c) => c.costs.get(i.id)).filter((v): v is number => typeof v === 'number');
            const best = offers.length ? Math.min(...offers) : null;
            return html`<tr><th scope="row" class="item-col">${i.name}</th>
              <td class="num">${quantity(i.quantity)} ${i.unit}</td>
              <td class="num">${money(i.budgetCost, cur)}</td>
              ${columns.map((c) => {
                const v = c.costs.get(i.id);
                const isBest = v !== undefined && v !== null && v === best;
                const cost = v === undefined ? '' : v === null ? 'No bid' : money(v, cur);
                return html`<td class=${`num ${isBest ? 'best' : ''}`}>${cost}</td>`;
              })}</tr>`;
          })}</tbody>
          <tfoot><tr class="totals"><th scope="row" colspan="3">Bid total</th>${columns.map(
            (c) => html`<td class="num">${money(c.total, cur)}</td>`,
          )}</tr>
            <tr><td colspan="3"></td>${columns.map((c) => {
              const accept = c.canAccept
                ? html`<form method="post" action=${`/documents/${c.documentId}/accept-bid`}>
                  <${Csrf} token=${ctx.csrf} /><button class="btn small primary" type="submit">Accept</button>
                </form>`
                : '';
              return html`<td class="num">${accept}</td>`;
            })}</tr></tfoot>
        </table></div>`
    }
  <//>`;
}
