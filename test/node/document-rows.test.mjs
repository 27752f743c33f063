import { renderToString } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { lineRowsHtml } from '../../views/components/document-body.ts';
import { money, quantity } from '../../views/format.ts';
import { html } from '../../views/html.ts';
import { lineMark, shownColumns } from '../../views/line-marks.ts';

// Issue 19: a document's lines (both document pages) are written as text (views/components/document-body.ts
// lineRowsHtml) instead of vnodes rendered by preact. The markup must be the one the vnodes made: the reference
// below is the template the pages used before, rendered by preact-render-to-string.

function reference(doc, cols) {
  const m = (c) => (c === undefined ? '' : money(c, doc.currency));
  const bid = doc.amountColumn === 'bid';
  const span = 1 + (cols.quantity ? 2 : 0) + (cols.unitAmount ? 1 : 0);
  const mark = (l) => {
    const text = lineMark(doc, l);
    return text ? html`<div class="small"><b>${text}</b></div>` : null;
  };
  const out = renderToString(
    html`<tbody>${doc.lines.map((l) =>
      l.kind === 'group'
        ? html`<tr class="group-row">
            <th scope="rowgroup" colspan=${span}>${l.name}${mark(l)}</th>
            ${cols.total ? html`<td class="num">${m(l.subtotal)}</td>` : null}
          </tr>`
        : html`<tr>
            <td>
              <span class="item-name">${l.name}</span>
              ${l.taxable && !bid ? html` <span class="pill" title="Taxable">Tax</span>` : null}
              ${mark(l)}
              ${l.description ? html`<div class="muted small pre">${l.description}</div>` : null}
            </td>
            ${
              cols.quantity
                ? html`<td class="num">${l.quantity === undefined ? '' : quantity(l.quantity)}</td><td>${l.unit}</td>`
                : null
            }
            ${
              bid
                ? html`<td class="num"><span class="blank-cell"
                  ><span class="visually-hidden">To be filled in by the vendor</span></span
                ></td>`
                : html`${cols.unitAmount ? html`<td class="num">${m(l.unitAmount)}</td>` : null}
                  ${cols.total ? html`<td class="num">${m(l.total)}</td>` : null}`
            }
          </tr>`,
    )}</tbody>`,
  );
  return out.replace(/^<tbody>/, '').replace(/<\/tbody>$/, '');
}

const tricky = 'Doors & "frames" <oak> — 2\u00a0×\u00a04 ’s';
const line = (n, over = {}) => ({
  id: `l${n}`,
  kind: 'item',
  name: `Line ${n}`,
  description: '',
  quantity: 12_500,
  unit: 'ea',
  unitAmount: 4_550,
  total: 5_688,
  taxable: false,
  ...over,
});
const lines = [
  { ...line(0), kind: 'group', name: 'Site & "prep" <1>', subtotal: 12_345 },
  line(1),
  line(2, { name: tricky, description: 'Two\nlines & <b>bold</b> "q"', taxable: true, unit: 'sq "ft"', total: -5 }),
  line(3, { choice: 'optional', included: true, preselected: true }),
  line(4, { choice: 'alternate', choiceSet: 'Vanity & "sink"', included: false }),
  line(5, { choice: 'alternate', choiceSet: '', name: 'Oak <top>' }),
  line(6, { allowance: true, total: 300_000, name: 'Tile & grout' }),
  { ...line(7), kind: 'group', name: 'Optional group', choice: 'optional', included: false, subtotal: 0 },
  line(8, { quantity: -123_456_789, unitAmount: -1 }),
];
/** A recipient's snapshot with some numbers hidden: absent from its lines (src/documents/display.ts). */
const hide = (keys) => lines.map((l) => Object.fromEntries(Object.entries(l).filter(([k]) => !keys.includes(k))));

describe('document lines written as text', () => {
  it('are the markup the vnodes made, for every kind of line, column set and amount', () => {
    const docs = [];
    for (const currency of ['USD', 'EUR', 'JPY'])
      for (const amountColumn of ['price', 'cost', 'bid'])
        for (const shown of [lines, hide(['quantity', 'unit']), hide(['unitAmount']), hide(['total', 'subtotal'])])
          docs.push({ currency, amountColumn, lines: shown });
    docs.push({ currency: 'USD', amountColumn: 'price', lines: hide(['quantity', 'unit', 'unitAmount', 'total']) });
    docs.push({ currency: 'USD', amountColumn: 'price', lines: [] });
    for (const doc of docs) {
      const bid = doc.amountColumn === 'bid';
      const shown = shownColumns(doc);
      const cols = { quantity: shown.quantity, unitAmount: bid || shown.unitAmount, total: bid ? null : shown.total };
      expect(lineRowsHtml(doc, cols), JSON.stringify({ ...doc, lines: doc.lines.length })).toBe(reference(doc, cols));
    }
  });
});
