import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { budgetGroupHtml } from '../../views/dashboard/budget.ts';
import { money, percent, quantity } from '../../views/format.ts';
import { html } from '../../views/html.ts';

// Issue 19: the job page's budget rows are written as text (views/dashboard/budget.ts
// budgetGroupHtml) instead of vnodes rendered by preact. The markup must be the one the vnodes made:
// the reference below is the template the page used before, rendered by preact-render-to-string.

const MOVE_FORM = 'budget-move';
const costTypeLabel = {
  labor: 'Labor',
  materials: 'Materials',
  subcontractor: 'Subcontractor',
  equipment: 'Equipment',
  other: 'Other',
};

function MoveButtons({ action, label }) {
  return html`<button class="btn small" form=${MOVE_FORM} formaction=${action} name="direction" value="up"
      aria-label=${`Move ${label} up`} title="Move up">↑</button>
    <button class="btn small" form=${MOVE_FORM} formaction=${action} name="direction" value="down"
      aria-label=${`Move ${label} down`} title="Move down">↓</button>`;
}

/** The tbody of one group as the job page rendered it before issue 19 (its inner HTML). */
function reference(job, g, m) {
  const out = renderToString(html`<tbody>
                <tr class="group-row">
                  <th scope="rowgroup" colspan="7">${g.name}</th>
                  <td class="num">${m(g.totals.cost)}</td><td class="num">${m(g.totals.price)}</td>
                  <td class="row-actions" colspan="2">
                    <a class="btn small primary" href=${`/jobs/${job.id}/items/new?group=${g.id}`}
                      >Add item<span class="visually-hidden"> to ${g.name}</span></a>
                    <${MoveButtons} action=${`/jobs/${job.id}/groups/${g.id}/move`} label=${g.name} />
                    <a class="btn small" href=${`/jobs/${job.id}/groups/${g.id}/edit`}
                      >Edit<span class="visually-hidden"> ${g.name}</span></a>
                  </td>
                </tr>
                ${
                  g.items.length === 0
                    ? html`<tr><td colspan="11" class="muted">No items in this group yet.</td></tr>`
                    : null
                }
                ${g.items.map((i) => {
                  const code = i.costCode ? html` <span class="pill">${i.costCode}</span>` : null;
                  const tax = i.taxable ? html` <span class="pill" title="Taxable">Tax</span>` : null;
                  return html`<tr>
                    <td><span class="item-name">${i.name}</span>${code}${tax}
                      ${i.description ? html`<div class="muted small">${i.description}</div>` : null}</td>
                    <td>${costTypeLabel[i.costType] ?? i.costType}</td>
                    <td class="num">${quantity(i.quantity)}</td><td>${i.unit}</td>
                    <td class="num">${m(i.unitCost)}</td>
                    <td class="num">${i.markup === null ? '—' : percent(i.markup)}</td>
                    <td class="num">${m(i.unitPrice)}</td>
                    <td class="num">${m(i.costTotal)}</td><td class="num">${m(i.priceTotal)}</td>
                    <td>${i.vendorName ?? ''}</td>
                    <td class="row-actions">
                      <${MoveButtons} action=${`/jobs/${job.id}/items/${i.id}/move`} label=${i.name} />
                      <a class="btn small" href=${`/jobs/${job.id}/items/${i.id}/edit`}>Edit</a>
                    </td>
                  </tr>`;
                })}
              </tbody>`);
  return out.replace(/^<tbody>/, '').replace(/<\/tbody>$/, '');
}

const item = (n, over = {}) => ({
  id: `item${n}`,
  groupId: 'g1',
  name: `Item ${n}`,
  description: '',
  costCode: '',
  costType: 'labor',
  quantity: 12_500,
  unit: 'hr',
  unitCost: 4_550,
  unitPrice: 5_233,
  markup: 15_000,
  taxable: false,
  vendorName: null,
  costTotal: 5_688,
  priceTotal: 6_541,
  ...over,
});

describe('budget rows written as text', () => {
  const job = { id: 'job1' };
  const totals = { cost: 1_234_567, price: -98_765, margin: 0, marginRate: null };

  it('are the markup the vnodes made, escaped the same, for every kind of item', () => {
    const tricky = 'Doors & "frames" <oak> — 2\u00a0×\u00a04 ’s';
    const items = [
      item(1),
      item(2, {
        name: tricky,
        description: 'Deliver <b>Mon</b> & "Tue"',
        costCode: '06-100 & <x>',
        taxable: true,
        vendorName: 'Lumber & Co "best"',
        markup: null,
        costType: 'materials',
        unit: 'sq "ft"',
        quantity: -123_456_789,
        unitCost: -5,
      }),
      item(3, { costType: 'custom<type>', taxable: true, description: 'x' }),
    ];
    const groups = [
      { id: 'g1', name: 'Framing & "trim" <2>', items, totals },
      { id: 'g2', name: 'Empty', items: [], totals },
    ];
    for (const currency of ['USD', 'EUR', 'JPY']) {
      const m = (c) => money(c, currency);
      for (const g of groups) expect(budgetGroupHtml(job.id, g, m)).toBe(reference(job, g, m));
    }
    expect(budgetGroupHtml(job.id, groups[0], money)).toContain('Doors &amp; &quot;frames&quot; &lt;oak>');
  });

  it('render a 2,000-item budget several times faster than the vnodes did', () => {
    const items = Array.from({ length: 2_000 }, (_, n) =>
      item(n, { description: n % 3 ? '' : 'Includes delivery.', costCode: '06-100', taxable: n % 2 === 0 }),
    );
    const g = { id: 'g1', name: 'Big', items, totals };
    const time = (f) => {
      f();
      let best = Number.POSITIVE_INFINITY;
      for (let k = 0; k < 2; k++) {
        const t = performance.now();
        f();
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    const text = time(() => budgetGroupHtml(job.id, g, money));
    const vnodes = time(() => reference(job, g, money));
    console.log(`2,000 budget rows: text ${text.toFixed(1)} ms, vnodes ${vnodes.toFixed(1)} ms`);
    expect(text * 2).toBeLessThan(vnodes);
  });
});
