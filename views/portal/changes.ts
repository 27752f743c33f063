import { html } from '../html';
import { calendarDate, money, percent, quantity } from '../format';
import type { LineChange, LineState, OtherChange, VersionChanges } from '../../src/portal/changes';

// What changed since the version the recipient last opened, shown right after the summary and
// before they decide. Plain sentences, "now … (was …)", so it reads the same aloud and on a phone.

const MAX_SHOWN = 60;

const added = (numbers: string) => (numbers.trim() ? `: ${numbers.trim()}` : '');
const removed = (numbers: string) => (numbers.trim() ? ` (was ${numbers.trim()})` : '');

function Line({ c, m, unitLabel }: { c: LineChange; m: (cents: number) => string; unitLabel: string | null }) {
  // Issue 20: a number the recipient's display hides is absent from both versions, so never written.
  const qty = (l: LineState) => (l.quantity === undefined ? '' : `${quantity(l.quantity)} ${l.unit ?? ''}`.trim());
  const amount = (l: LineState) => {
    if (!unitLabel) return '';
    const unit = l.unitAmount === undefined ? '' : ` × ${m(l.unitAmount)}`;
    const total = l.total === undefined ? '' : ` = ${m(l.total)}`;
    return l.quantity === undefined ? (l.total === undefined ? '' : ` ${m(l.total)}`) : `${unit}${total}`;
  };
  const was = (now: string, before: string) => (before ? `${now} (was ${before})` : now);
  if (c.kind === 'added')
    return html`<li><b class="badge approved">Added</b> ${c.after.name}${added(qty(c.after) + amount(c.after))}</li>`;
  if (c.kind === 'removed')
    return html`<li>
      <b class="badge declined">Removed</b> ${c.before.name}${removed(qty(c.before) + amount(c.before))}
    </li>`;
  const { before: b, after: a, fields } = c;
  const parts: string[] = [];
  if (fields.includes('name')) parts.push(`renamed from “${b.name}”`);
  const cents = (v: number | undefined) => (v === undefined ? '' : m(v));
  if ((fields.includes('quantity') || fields.includes('unit')) && qty(a)) parts.push(was(`quantity ${qty(a)}`, qty(b)));
  if (unitLabel && fields.includes('unitAmount') && a.unitAmount !== undefined)
    parts.push(was(`${unitLabel} ${m(a.unitAmount)}`, cents(b.unitAmount)));
  if (unitLabel && fields.includes('total') && a.total !== undefined)
    parts.push(was(`line total ${m(a.total)}`, cents(b.total)));
  if (fields.includes('taxable')) parts.push(a.taxable ? 'now taxable' : 'no longer taxable');
  if (fields.includes('choice') || (fields.includes('choiceSet') && a.choice === 'alternate')) parts.push(offered(a));
  if (fields.includes('allowance')) parts.push(a.allowance ? 'now an allowance' : 'no longer an allowance');
  if (fields.includes('preselected') && a.choice !== 'required')
    parts.push(a.preselected ? 'now included by default' : 'now not included by default');
  if (fields.includes('group')) parts.push(`moved from ${b.group ?? 'the top'}`);
  if (fields.includes('description')) parts.push('description changed');
  if (!parts.length) return null;
  return html`<li><b class="badge submitted">Changed</b> ${a.name}: ${parts.join('; ')}</li>`;
}

/** Issue 20: "now optional", "now an option of Vanity", "now required". */
const offered = (l: LineState) =>
  l.choice === 'optional'
    ? 'now optional'
    : l.choice === 'alternate'
      ? `now an option of ${l.choiceSet}`
      : 'now required';

const day = (iso: string | null) => (iso ? calendarDate(iso) : 'none');

function otherText(o: OtherChange, m: (cents: number) => string): string {
  switch (o.field) {
    case 'title':
      return `Title: “${o.after}” (was “${o.before}”)`;
    case 'group':
      return `Section “${o.before}” is now “${o.after}”`;
    case 'dueDate':
      return `${o.label}: ${day(o.after)} (was ${day(o.before)})`;
    case 'taxRate':
      return `Tax rate ${percent(o.after)} (was ${percent(o.before)})`;
    case 'deposit':
      return `Deposit ${m(o.after)} (was ${m(o.before)})`;
    case 'description':
      return 'The description changed';
    case 'terms':
      return 'The terms changed';
  }
}

export function ChangesSince({ c, currency }: { c: VersionChanges; currency: string }) {
  const m = (cents: number) => money(cents, currency);
  const unitLabel = c.amountColumn === 'price' ? 'unit price' : c.amountColumn === 'cost' ? 'unit cost' : null;
  const t = c.total;
  const lines = c.count.added + c.count.removed + c.count.changed;
  let shown = 0;
  const groups = c.groups.map((g) => {
    const items = g.changes.slice(0, Math.max(0, MAX_SHOWN - shown));
    shown += items.length;
    if (!items.length) return null;
    return html`${g.group ? html`<h3 class="chg-group">${g.group}</h3>` : null}
      <ul class="chg-list">${items.map((x) => html`<${Line} c=${x} m=${m} unitLabel=${unitLabel} />`)}</ul>`;
  });
  const [now, diff, was] = [m(t.after), m(Math.abs(t.difference)), m(t.before)];
  const totalText =
    t.difference === 0
      ? html`The total is unchanged at <strong>${now}</strong>.`
      : html`Total <strong>${now}</strong>, ${t.difference > 0 ? 'up' : 'down'} <strong>${diff}</strong> from ${was}.`;
  return html`<section id="changes" data-region="changes" class="card stack since" aria-labelledby="changes-h">
    <h2 id="changes-h">What changed since rev ${c.from}</h2>
    <p>
      This is rev ${c.to}. Rev ${c.from} is the version you last opened;
      ${lines ? ` ${lines} ${lines === 1 ? 'line' : 'lines'} changed:` : ' none of its lines changed.'}
    </p>
    ${unitLabel ? html`<p class="chg-total">${totalText}</p>` : null}
    ${groups}
    ${
      lines > shown
        ? html`<p class="muted">
          …and ${lines - shown} more: every line is in the document below.</p>`
        : null
    }
    ${c.other.length ? html`<ul class="chg-list">${c.other.map((o) => html`<li>${otherText(o, m)}</li>`)}</ul>` : null}
  </section>`;
}
