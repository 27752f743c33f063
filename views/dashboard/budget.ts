import { escapeHtml, html, type Children } from '../html';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, Select, type FormState } from '../components/form';
import { groupDigits, money, percent, quantity } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import { jobNumber } from './jobs';

export interface BudgetItemView {
  id: string;
  groupId: string;
  name: string;
  description: string;
  costCode: string;
  costType: string;
  quantity: number;
  unit: string;
  unitCost: number;
  unitPrice: number;
  markup: number | null;
  taxable: boolean;
  vendorName: string | null;
  costTotal: number;
  priceTotal: number;
}
export interface Rollup {
  cost: number;
  price: number;
  margin: number;
  marginRate: number | null;
}
export interface BudgetGroupView {
  id: string;
  name: string;
  items: BudgetItemView[];
  totals: Rollup;
  /** All the group's items, shown or not (a folded budget shows the open group's only). */
  itemCount?: number;
}

/** A budget of more items than a page: every group folded to its totals, one open a page of items at a time. */
export interface BudgetFold {
  itemCount: number;
  openGroupId: string | null;
  /** Where the open group's page of items starts (`?after=`), null for its first items. */
  after: string | null;
  /** Where the open group's next page starts (`?after=`), when there is one. */
  next: string | null;
}

export interface JobPageProps {
  ctx: PageContext;
  job: { id: string; number: number; name: string; address: string; status: string };
  customer: { id: string; name: string } | null;
  groups: BudgetGroupView[];
  totals: Rollup;
  fold?: BudgetFold;
  groupForm: FormState;
  documents?: Children;
}

const costTypeLabel: Record<string, string> = {
  labor: 'Labor',
  materials: 'Materials',
  subcontractor: 'Subcontractor',
  equipment: 'Equipment',
  other: 'Other',
};

// Every row's ↑/↓ submit the one "budget-move" form (the form attribute) to the row's own move
// route (formaction): no form and CSRF field to render per row of a 200-item budget.
const MOVE_FORM = 'budget-move';

// A job's budget can be thousands of rows of a dozen cells each, so each group's rows are written as text
// (views/html.ts escapeHtml): the same markup preact wrote, checked against it in test/node/budget-rows.test.mjs.

function moveButtonsHtml(action: string, label: string): string {
  const at = `form="${MOVE_FORM}" formaction="${escapeHtml(action)}" name="direction"`;
  return (
    `<button class="btn small" ${at} value="up" aria-label="${escapeHtml(`Move ${label} up`)}" ` +
    'title="Move up">↑</button>' +
    `<button class="btn small" ${at} value="down" aria-label="${escapeHtml(`Move ${label} down`)}" ` +
    'title="Move down">↓</button>'
  );
}

function itemRowHtml(jobId: string, i: BudgetItemView, m: (cents: number) => string, back = ''): string {
  const name = escapeHtml(i.name);
  const code = i.costCode ? ` <span class="pill">${escapeHtml(i.costCode)}</span>` : '';
  const tax = i.taxable ? ' <span class="pill" title="Taxable">Tax</span>' : '';
  const description = i.description ? `<div class="muted small">${escapeHtml(i.description)}</div>` : '';
  const item = escapeHtml(`/jobs/${jobId}/items/${i.id}`);
  return (
    `<tr><td><span class="item-name">${name}</span>${code}${tax}${description}</td>` +
    `<td>${escapeHtml(costTypeLabel[i.costType] ?? i.costType)}</td>` +
    `<td class="num">${quantity(i.quantity)}</td><td>${escapeHtml(i.unit)}</td>` +
    `<td class="num">${escapeHtml(m(i.unitCost))}</td>` +
    `<td class="num">${i.markup === null ? '—' : percent(i.markup)}</td>` +
    `<td class="num">${escapeHtml(m(i.unitPrice))}</td>` +
    `<td class="num">${escapeHtml(m(i.costTotal))}</td><td class="num">${escapeHtml(m(i.priceTotal))}</td>` +
    `<td>${escapeHtml(i.vendorName ?? '')}</td>` +
    `<td class="row-actions">${moveButtonsHtml(`${item}/move${back}`, i.name)}` +
    `<a class="btn small" href="${item}/edit">Edit</a></td>` +
    '</tr>'
  );
}

function groupHeadHtml(jobId: string, g: BudgetGroupView, m: (cents: number) => string, back = ''): string {
  const name = escapeHtml(g.name);
  const group = escapeHtml(`/jobs/${jobId}/groups/${g.id}`);
  return (
    `<tr class="group-row"><th scope="rowgroup" colspan="7">${name}</th>` +
    `<td class="num">${escapeHtml(m(g.totals.cost))}</td><td class="num">${escapeHtml(m(g.totals.price))}</td>` +
    '<td class="row-actions" colspan="2">' +
    `<a class="btn small primary" href="${escapeHtml(`/jobs/${jobId}/items/new?group=${g.id}`)}">Add item` +
    `<span class="visually-hidden"> to ${name}</span></a>` +
    moveButtonsHtml(`/jobs/${jobId}/groups/${g.id}/move${back}`, g.name) +
    `<a class="btn small" href="${group}/edit">Edit<span class="visually-hidden"> ${name}</span></a></td></tr>`
  );
}

const EMPTY_GROUP = '<tr><td colspan="11" class="muted">No items in this group yet.</td></tr>';

/** One group of the budget table: its heading row and its items' rows, as the HTML inside its tbody. */
export function budgetGroupHtml(jobId: string, g: BudgetGroupView, m: (cents: number) => string): string {
  const head = groupHeadHtml(jobId, g, m);
  if (g.items.length === 0) return `${head}${EMPTY_GROUP}`;
  let rows = head;
  for (const i of g.items) rows += itemRowHtml(jobId, i, m);
  return rows;
}

// groupDigits, not toLocaleString: a fresh ICU formatter per call was a fifth of a 2,000-item job page's CPU.
const itemsWord = (n: number) => `${groupDigits(n)} item${n === 1 ? '' : 's'}`;

/**
 * One group of a folded budget: its heading row, then its count and margin with a link that opens it (or
 * folds it again); an open group's page of items follows, with links to its next and first items.
 */
function foldedGroupHtml(jobId: string, g: BudgetGroupView, m: (cents: number) => string, fold: BudgetFold): string {
  const count = g.itemCount ?? g.items.length;
  // A move comes back to this page of this group (budget/pages.ts jobPageAfterMove).
  const back = `?group=${fold.openGroupId ?? ''}${fold.openGroupId && fold.after ? `&after=${fold.after}` : ''}`;
  const head = groupHeadHtml(jobId, g, m, back);
  if (count === 0) return `${head}${EMPTY_GROUP}`;
  const open = fold.openGroupId === g.id;
  const name = escapeHtml(g.name);
  const anchor = `#group-${g.id}`;
  const here = `/jobs/${jobId}?group=${g.id}`;
  const link = (href: string, text: string, hidden: string) =>
    `<a href="${escapeHtml(href)}">${text}<span class="visually-hidden"> ${hidden}</span></a>`;
  const toggle = open
    ? `${link(`/jobs/${jobId}${anchor}`, 'Hide items', `of ${name}`)} · ${itemsWord(count)}`
    : link(here + anchor, `Show ${itemsWord(count)}`, `in ${name}`);
  const rate = g.totals.marginRate === null ? '' : ` (${percent(g.totals.marginRate)})`;
  let rows =
    `${head}<tr class="group-summary"><td colspan="11">${toggle}` +
    ` · Margin ${escapeHtml(m(g.totals.margin))}${rate}</td></tr>`;
  if (!open) return rows;
  for (const i of g.items) rows += itemRowHtml(jobId, i, m, back);
  const pages = [
    fold.after ? link(here + anchor, 'First items', `of ${name}`) : '',
    fold.next ? link(`${here}&after=${fold.next}${anchor}`, 'Next items', `of ${name}`) : '',
  ].filter(Boolean);
  if (!g.items.length) pages.unshift('No more items in this group.');
  if (pages.length) rows += `<tr class="group-summary"><td colspan="11">${pages.join(' · ')}</td></tr>`;
  return rows;
}

export function JobPage({ ctx, job, customer, groups, totals, fold, groupForm, documents }: JobPageProps) {
  const cur = ctx.org?.currency ?? 'USD';
  const m = (c: number) => money(c, cur);
  const closed = job.status === 'closed';
  const rate = totals.marginRate !== null ? percent(totals.marginRate) : null;
  const heading = html`${job.name} <span class=${`badge ${job.status}`}>${closed ? 'Closed' : 'Open'}</span>`;
  const customerLink = customer ? html` · <a href=${`/accounts/${customer.id}`}>${customer.name}</a>` : '';
  const address = job.address ? ` · ${job.address}` : '';
  return html`<${DashboardPage} ctx=${ctx} title=${job.name}>
    <${PageHeader} title=${heading} sub=${html`Job ${jobNumber(job.number)}${customerLink}${address}`}>
      <a class="btn" href=${`/jobs/${job.id}/edit`}>Edit job</a>
      <form method="post" action=${`/jobs/${job.id}/${closed ? 'reopen' : 'close'}`} class="inline-form">
        <${Csrf} token=${ctx.csrf} /><button class="btn" type="submit">${closed ? 'Reopen job' : 'Close job'}</button>
      </form>
      ${documents ? html`<a class="btn primary" href=${`/jobs/${job.id}/documents/new`}>New document</a>` : null}
    <//>
    <div class="kpis">
      <div class="kpi"><span class="kpi-label">Cost</span><span class="kpi-value">${m(totals.cost)}</span></div>
      <div class="kpi"><span class="kpi-label">Price</span><span class="kpi-value">${m(totals.price)}</span></div>
      <div class="kpi"><span class="kpi-label">Margin</span>
        <span class="kpi-value">${m(totals.margin)}${rate !== null ? html` <small>(${rate})</small>` : null}</span>
      </div>
    </div>
    <section aria-labelledby="budget-h" class="stack">
      <h2 id="budget-h">Budget</h2>
      ${
        fold
          ? html`<p>
            This budget has ${itemsWord(fold.itemCount)}, so it shows each group with its totals. Open a group to see,
            add, move or edit its items.
          </p>`
          : null
      }
      ${groups.length > 0 ? html`<p class="scroll-hint">Swipe the table sideways for prices and actions.</p>` : null}
      ${
        groups.length === 0
          ? html`<div class="empty">
            <p>No budget yet. Add a cost group (for example “Demolition” or “Framing”), then its items.</p>
          </div>`
          : null
      }
      ${
        groups.length > 0
          ? html`<div class="table-wrap" role="region" aria-label="Budget table" tabindex="0">
            <table class="data budget">
            <thead><tr>
              <th scope="col">Item</th><th scope="col">Type</th><th scope="col" class="num">Qty</th>
              <th scope="col">Unit</th><th scope="col" class="num">Unit cost</th><th scope="col" class="num">Markup</th>
              <th scope="col" class="num">Unit price</th><th scope="col" class="num">Cost</th>
              <th scope="col" class="num">Price</th><th scope="col">Vendor</th>
              <th scope="col"><span class="visually-hidden">Actions</span></th>
            </tr></thead>
            ${groups.map((g) => {
              if (!fold)
                return html`<tbody dangerouslySetInnerHTML=${{ __html: budgetGroupHtml(job.id, g, m) }}></tbody>`;
              const rows = { __html: foldedGroupHtml(job.id, g, m, fold) };
              return html`<tbody id=${`group-${g.id}`} dangerouslySetInnerHTML=${rows}></tbody>`;
            })}
            <tfoot><tr class="totals"><th scope="row" colspan="7">Job total</th>
              <td class="num">${m(totals.cost)}</td><td class="num">${m(totals.price)}</td>
              <td colspan="2">Margin ${m(totals.margin)}</td></tr></tfoot>
          </table></div>
          <form id=${MOVE_FORM} method="post" action=${`/jobs/${job.id}`} hidden><${Csrf} token=${ctx.csrf} /></form>`
          : null
      }
      <details open=${Object.keys(groupForm.errors).length > 0}>
        <summary>Add a cost group</summary>
        <${FormSummary} form=${groupForm} />
        <form method="post" action=${`/jobs/${job.id}/groups`} class="search" novalidate>
          <${Csrf} token=${ctx.csrf} />
          <${Field} form=${groupForm} name="name" label="Group name" required />
          <button class="btn primary" type="submit">Add group</button>
        </form>
      </details>
    </section>
    ${documents ?? null}
    <div class="totals-bar" aria-label="Budget totals">
      <span>Cost <strong>${m(totals.cost)}</strong></span>
      <span>Price <strong>${m(totals.price)}</strong></span>
      <span>Margin <strong>${m(totals.margin)}</strong>${rate !== null ? ` (${rate})` : ''}</span>
    </div>
  <//>`;
}

export function ItemFormPage({
  ctx,
  job,
  form,
  groups,
  vendors,
  itemId,
}: {
  ctx: PageContext;
  job: { id: string; number: number; name: string };
  form: FormState;
  groups: { id: string; name: string }[];
  vendors: { id: string; name: string }[];
  itemId?: string;
}) {
  const types = Object.entries(costTypeLabel).map(([value, label]) => ({ value, label }));
  const groupOptions = groups.map((g) => ({ value: g.id, label: g.name }));
  const vendorOptions = vendors.map((v) => ({ value: v.id, label: v.name }));
  const title = itemId ? 'Edit cost item' : 'New cost item';
  const action = itemId ? `/jobs/${job.id}/items/${itemId}` : `/jobs/${job.id}/items`;
  const byPrice = form.values.priceBy === 'price';
  return html`<${DashboardPage} ctx=${ctx} title=${title} scripts=${['/budget-item.js']}>
    <${PageHeader} title=${title}
      sub=${html`<a href=${`/jobs/${job.id}`}>${job.name}</a> · Job ${jobNumber(job.number)}`} />
    <${FormSummary} form=${form} />
    <form method="post" action=${action} class="card stack" novalidate data-item-form>
      <${Csrf} token=${ctx.csrf} />
      <div class="grid2">
        <${Field} form=${form} name="name" label="Name" required />
        <${Select} form=${form} name="groupId" label="Group" required options=${groupOptions} />
      </div>
      <${Field} form=${form} name="description" label="Description" type="textarea" />
      <div class="grid3">
        <${Field} form=${form} name="costCode" label="Cost code" placeholder="06-100" />
        <${Select} form=${form} name="costType" label="Cost type" required options=${types} />
        <${Select} form=${form} name="vendorAccountId" label="Vendor" empty="— None —" options=${vendorOptions} />
      </div>
      <div class="grid3">
        <${Field} form=${form} name="quantity" label="Quantity" required inputmode="decimal" hint="Up to 4 decimals." />
        <${Field} form=${form} name="unit" label="Unit" placeholder="sq ft, hr, ea" />
        <${Field} form=${form} name="unitCost" label="Unit cost" required inputmode="decimal" />
      </div>
      <fieldset>
        <legend>Price</legend>
        <div class="radio-row">
          <label><input type="radio" name="priceBy" value="markup" checked=${!byPrice} /> Set by markup %</label>
          <label><input type="radio" name="priceBy" value="price" checked=${byPrice} /> Set unit price</label>
        </div>
        <div class="grid2">
          <${Field} form=${form} name="markup" label="Markup %" inputmode="decimal"
            hint="The price is the cost plus this markup." />
          <${Field} form=${form} name="unitPrice" label="Unit price" inputmode="decimal"
            hint="The markup follows from the price." />
        </div>
      </fieldset>
      <${Checkbox} form=${form} name="taxable" label="Taxable" />
      <div class="form-actions">
        <button class="btn primary" type="submit">${itemId ? 'Save item' : 'Add item'}</button>
        <a class="btn" href=${`/jobs/${job.id}`}>Cancel</a>
      </div>
    </form>
    ${
      itemId
        ? html`<form method="post" action=${`/jobs/${job.id}/items/${itemId}/delete`} class="danger-zone">
          <${Csrf} token=${ctx.csrf} />
          <button class="btn danger" type="submit">Delete this item</button>
        </form>`
        : null
    }
  <//>`;
}

export function GroupFormPage({
  ctx,
  job,
  group,
  form,
  itemCount,
}: {
  ctx: PageContext;
  job: { id: string; name: string };
  group: { id: string; name: string };
  form: FormState;
  itemCount: number;
}) {
  const jobHref = `/jobs/${job.id}`;
  const consequence = itemCount
    ? `Deleting this group also deletes its ${itemCount} item${itemCount === 1 ? '' : 's'}.`
    : 'This group has no items.';
  return html`<${DashboardPage} ctx=${ctx} title="Edit group">
    <${PageHeader} title="Edit cost group" sub=${html`<a href=${jobHref}>${job.name}</a>`} />
    <${FormSummary} form=${form} />
    <form method="post" action=${`/jobs/${job.id}/groups/${group.id}`} class="card stack" novalidate>
      <${Csrf} token=${ctx.csrf} />
      <${Field} form=${form} name="name" label="Group name" required />
      <div><button class="btn primary" type="submit">Save group</button> <a class="btn" href=${jobHref}>Cancel</a></div>
    </form>
    <form method="post" action=${`/jobs/${job.id}/groups/${group.id}/delete`} class="danger-zone">
      <${Csrf} token=${ctx.csrf} />
      <p>${consequence}</p>
      <button class="btn danger" type="submit">Delete group</button>
    </form>
  <//>`;
}
