import { html, type Children } from '../html';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, Select, type FormState } from '../components/form';
import { DisplayFieldset } from '../components/display-fields';
import { money, quantity } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';
import { statusBadge } from './documents';
import { jobNumber } from './jobs';
import type { Kind } from '../../src/documents/kinds';
import type { DocumentTotals } from '../../src/budget/totals';

export function ChooseKindPage({
  ctx,
  job,
  kinds,
}: {
  ctx: PageContext;
  job: { id: string; name: string; number: number };
  kinds: (Kind & { key: string; blurb: string })[];
}) {
  return html`<${DashboardPage} ctx=${ctx} title="New document">
    <${PageHeader} title="New document"
      sub=${html`<a href=${`/jobs/${job.id}`}>${job.name}</a> · Job ${jobNumber(job.number)}`} />
    <ul class="kind-grid">
      ${kinds.map((k) => {
        const to = k.side === 'customer' ? 'To a customer' : 'To a vendor';
        return html`<li><a class="kind-card" href=${`/jobs/${job.id}/documents/new?kind=${k.key}`}>
          <strong>${k.label}</strong><span class="muted small">${to} · ${k.prefix}-0000</span><span>${k.blurb}</span>
        </a></li>`;
      })}
    </ul>
  <//>`;
}

interface SelectGroup {
  id: string;
  name: string;
  items: {
    id: string;
    name: string;
    quantity: number;
    unit: string;
    unitCost: number;
    unitPrice: number;
    vendorName: string | null;
  }[];
}

export function SelectItemsPage({
  ctx,
  job,
  kind,
  kindKey,
  groups,
  error,
  selected,
  form,
  requestKey,
  templates = [],
}: {
  ctx: PageContext;
  job: { id: string; name: string; number: number };
  kind: Kind;
  kindKey: string;
  groups: SelectGroup[];
  error?: string;
  selected: Set<string>;
  /** The title field: suggested from the job, the choice and the kind, or as typed; its error. */
  form: FormState;
  /** A one-time key: the form posted twice (a double click) makes one draft. */
  requestKey: string;
  /** Issue 20: the kind's templates, the default first; chosen in a select unless the one there is the default. */
  templates?: { id: string; name: string; isDefault: boolean }[];
}) {
  const cur = ctx.org?.currency ?? 'USD';
  const showPrice = kind.amountColumn === 'price';
  const jobHref = `/jobs/${job.id}`;
  const kindName = kind.label.toLowerCase();
  const titleHint = `What the ${kind.side} sees in the email and on the ${kindName}, e.g. “Cabinets and counters”.`;
  return html`<${DashboardPage} ctx=${ctx} title=${`New ${kind.label}`}
    scripts=${['/select-items.js', '/draft-title.js']}>
    <${PageHeader} title=${`New ${kindName}`}
      sub=${html`<a href=${jobHref}>${job.name}</a> · Choose the budget items it contains.`} />
    ${error ? html`<div class="form-summary" role="alert"><strong>${error}</strong></div>` : null}
    ${
      groups.length === 0
        ? html`<div class="empty">
          <p>This job has no budget items yet. <a href=${jobHref}>Add some to the budget</a> first.</p>
        </div>`
        : html`<form method="post" action=${`/jobs/${job.id}/documents`} class="stack" data-select-items
          data-title-job=${job.name} data-title-kind=${kindName} novalidate>
          <${Csrf} token=${ctx.csrf} />
          <input type="hidden" name="kind" value=${kindKey} />
          <input type="hidden" name="requestKey" value=${requestKey} />
          <label class="select-all"><input type="checkbox" name="all" value="1" data-select-all /> Select all</label>
          <div class="table-wrap"><table class="data">
            <thead><tr>
              <th scope="col"><span class="visually-hidden">Include</span></th><th scope="col">Item</th>
              <th scope="col" class="num">Qty</th><th scope="col">Unit</th>
              <th scope="col" class="num">${showPrice ? 'Unit price' : 'Unit cost'}</th><th scope="col">Vendor</th>
            </tr></thead>
            ${groups.map(
              (g) => html`<tbody data-group=${g.id}>
                <tr class="group-row">
                  <td><input type="checkbox" name="group" value=${g.id} id=${`g-${g.id}`} data-select-group /></td>
                  <th colspan="5" scope="rowgroup"><label for=${`g-${g.id}`}>${g.name}</label></th>
                </tr>
                ${g.items.map(
                  (i) => html`<tr>
                    <td><input type="checkbox" name="item" value=${i.id} id=${`i-${i.id}`}
                      checked=${selected.has(i.id)} /></td>
                    <td><label for=${`i-${i.id}`}>${i.name}</label></td>
                    <td class="num">${quantity(i.quantity)}</td><td>${i.unit}</td>
                    <td class="num">${money(showPrice ? i.unitPrice : i.unitCost, cur)}</td>
                    <td>${i.vendorName ?? ''}</td>
                  </tr>`,
                )}
              </tbody>`,
            )}
          </table></div>
          <${Field} form=${form} name="title" label="Title" required hint=${titleHint} class="title-field" />
          ${
            templates.length > 1 || (templates.length === 1 && !templates[0]!.isDefault) || form.errors.templateId
              ? html`<${Select} form=${form} name="templateId" label="Template"
                  options=${[
                    ...templates.map((t) => ({ value: t.id, label: t.isDefault ? `${t.name} (default)` : t.name })),
                    { value: '', label: 'None: the built-in terms' },
                  ]} />`
              : null
          }
          <div class="form-actions">
            <button class="btn primary" type="submit">Create ${kindName}</button> <a class="btn"
              href=${jobHref}>Cancel</a>
          </div>
        </form>`
    }
  <//>`;
}

export interface EditorLine {
  id: string;
  kind: 'item' | 'group';
  name: string;
  description: string;
  quantity: string;
  unit: string;
  amount: string;
  taxable: boolean;
  total: number | null;
}

/**
 * Issue 20: a line's "Customer's choice" (Required, Optional, Alternate of a choose-one set, Preselected)
 * and, on items, Allowance. `:has()` in dashboard.css shows the set name only for an alternate.
 */
function LineChoiceFields({ line, form }: { line: Pick<EditorLine, 'id' | 'kind' | 'name'>; form: FormState }) {
  const { id, kind } = line;
  const v = form.values;
  const err = (name: string) =>
    form.errors[name] ? html`<p class="error" id=${`e-${name}`}>${form.errors[name]}</p>` : null;
  const invalid = (name: string) => (form.errors[name] ? 'true' : undefined);
  const choice = v[`choice.${id}`] || 'required';
  const options = [
    ['required', 'Required'],
    ['optional', 'Optional'],
    ['alternate', 'Alternate (choose one)'],
  ];
  return html`<div class="line-choice">
    <label class="small" for=${`f-choice.${id}`}>Customer’s choice</label>
    <select id=${`f-choice.${id}`} name=${`choice.${id}`} aria-invalid=${invalid(`choice.${id}`)}>
      ${options.map(([value, label]) => html`<option value=${value} selected=${choice === value}>${label}</option>`)}
    </select>${err(`choice.${id}`)}
    <span class="choice-set">
      <label class="small" for=${`f-choiceSet.${id}`}>Choose-one set</label>
      <input id=${`f-choiceSet.${id}`} name=${`choiceSet.${id}`} value=${v[`choiceSet.${id}`] ?? ''}
        placeholder="e.g. Vanity" maxlength="60" aria-invalid=${invalid(`choiceSet.${id}`)} />
    </span>${err(`choiceSet.${id}`)}
    <label class="small choice-pre"><input type="checkbox" name=${`preselected.${id}`}
      checked=${v[`preselected.${id}`] === 'on'} aria-invalid=${invalid(`preselected.${id}`)} /> Preselected</label>
    ${err(`preselected.${id}`)}
    ${
      kind === 'item'
        ? html`<label class="small"><input type="checkbox" name=${`allowance.${id}`}
            checked=${v[`allowance.${id}`] === 'on'} /> Allowance</label>`
        : null
    }
  </div>`;
}

/** What the choice fields mean, once above the lines of a customer order. */
const CHOICES_HINT =
  'Customer’s choice: an Optional line or group is added only if the customer ticks it (Preselected: ticked ' +
  'to start with). Alternates with the same set name are one “choose one” (Preselected: the one they start ' +
  'from). Totals count the required and preselected lines. An Allowance is an amount for something ' +
  'selected later, such as tile.';

export interface EditorProps {
  ctx: PageContext;
  doc: { id: string; number: string; status: string; statusLabel: string; version: number };
  kind: Kind;
  job: { id: string; name: string; number: number };
  form: FormState;
  lines: EditorLine[];
  recipients: { id: string; name: string; contacts: { id: string; name: string; email: string }[] }[];
  totals: DocumentTotals;
  payments: Children;
  history: Children;
  below?: Children;
  revisionOf?: number | null;
  /** The "Accept online payment" switch, for kinds that take online payment: whether Stripe is connected. */
  onlinePayment?: { connected: boolean } | null;
  /** Issue 20: whether its lines may be optional, alternates or allowances (kinds.ts `offersChoices`). */
  choices?: boolean;
}

export function DraftEditorPage({
  ctx,
  doc,
  kind,
  job,
  form,
  lines,
  recipients,
  totals,
  payments,
  history,
  below,
  revisionOf,
  onlinePayment,
  choices = false,
}: EditorProps) {
  const cur = ctx.org?.currency ?? 'USD';
  const v = form.values;
  const account = recipients.find((r) => r.id === v.accountId);
  const contact = account?.contacts.find((p) => p.id === v.contactId);
  const amountLabel = kind.amountColumn === 'price' ? 'Unit price' : 'Unit cost';
  const bid = kind.amountColumn === 'bid';
  const err = (name: string) =>
    form.errors[name] ? html`<p class="error" id=${`e-${name}`}>${form.errors[name]}</p>` : null;
  const cell = (name: string, label: string, opts: { num?: boolean; textarea?: boolean } = {}) => {
    const id = `f-${name}`;
    const invalid = form.errors[name] ? 'true' : undefined;
    return opts.textarea
      ? html`<label class="visually-hidden" for=${id}>${label}</label>
          <textarea id=${id} name=${name} rows="1" aria-invalid=${invalid}>${v[name] ?? ''}</textarea>${err(name)}`
      : html`<label class="visually-hidden" for=${id}>${label}</label>
          <input id=${id} name=${name} value=${v[name] ?? ''} class=${opts.num ? 'num' : ''}
            inputmode=${opts.num ? 'decimal' : undefined} aria-invalid=${invalid} />${err(name)}`;
  };
  const recipientLabel = kind.side === 'customer' ? 'Customer' : 'Vendor';
  const kindName = kind.label.toLowerCase();
  const rev = doc.version > 1 ? ` rev ${doc.version}` : '';
  const badge = statusBadge('draft', doc.version > 1 ? `Draft revision` : 'Draft');
  const revisionNotice = revisionOf
    ? `This is revision ${doc.version}, a draft. ` +
      `The ${kind.side} still sees revision ${revisionOf} until you send this one.`
    : null;
  const invoice = kind.type === 'customer_invoice';
  const depositOptions = [
    { value: 'none', label: invoice ? 'Full balance' : 'No deposit' },
    { value: 'percent', label: 'Percent of total' },
    { value: 'fixed', label: 'Fixed amount' },
  ];
  const accountOptions = recipients.map((r) => ({ value: r.id, label: r.name }));
  const contactOptions = recipients.flatMap((r) =>
    r.contacts.map((p) => ({ value: p.id, label: `${p.name} (${r.name})` })),
  );
  const sendTo = contact ? html`<strong>${contact.name}</strong> at <strong>${contact.email}</strong>` : null;
  const signatureHint = kind.side === 'customer' ? 'The customer signs to approve.' : 'The vendor signs to accept.';
  // Enter in a field presses the form's first submit button in document order: an invisible (not
  // display:none, which some browsers skip) "Save draft" comes before the header's "Send to …" (which
  // belongs to the form through form="editor").
  return html`<${DashboardPage} ctx=${ctx} title=${`${kind.label} ${doc.number}`}
    scripts=${revisionOf ? ['/live.js', '/unsaved.js'] : ['/unsaved.js']}>
    <button type="submit" form="editor" class="visually-hidden" tabindex="-1" aria-hidden="true">Save draft</button>
    <${PageHeader} title=${html`${kind.label} ${doc.number}${rev} ${badge}`}
      sub=${html`<a href=${`/jobs/${job.id}`}>${job.name}</a> · Job ${jobNumber(job.number)}`}>
      <a class="btn" href=${`/documents/${doc.id}.pdf`}>Preview PDF</a>
      <button class="btn primary" type="submit" form="editor" name="then" value="send">
        Send to ${recipientLabel}</button>
    <//>
    ${revisionNotice ? html`<p class="notice">${revisionNotice}</p>` : null}
    <${FormSummary} form=${form} />
    <form method="post" action=${`/documents/${doc.id}`} class="stack editor" id="editor" novalidate
      data-unsaved="You have unsaved changes to this draft.">
      <${Csrf} token=${ctx.csrf} />
      <section class="card stack" aria-labelledby="details-h">
        <h2 id="details-h">Details</h2>
        <div class="grid3">
          <${Field} form=${form} name="title" label="Title" required />
          <${Field} form=${form} name="number" label="Number" required
            hint="Unique among your ${kind.label.toLowerCase()}s." />
          <${Field} form=${form} name="issueDate" label="Issue date" type="date" required />
        </div>
        <div class="grid3">
          <${Field} form=${form} name="dueDate" label=${kind.dueLabel} type="date" />
          ${bid ? null : html`<${Field} form=${form} name="taxRate" label="Tax rate %" inputmode="decimal" />`}
          ${
            kind.hasDeposit
              ? html`<div class="deposit">
                <${Select} form=${form} name="depositKind" label=${invoice ? 'Amount due' : 'Deposit'}
                  options=${depositOptions} />
                <${Field} form=${form} name="depositValue" label="Percent or amount" inputmode="decimal" />
              </div>`
              : null
          }
        </div>
        <${Field} form=${form} name="description" label=${bid ? 'Scope of work' : 'Description or scope'}
          type="textarea" />
      </section>
      <section class="card stack" aria-labelledby="recipient-h">
        <h2 id="recipient-h">Prepared for</h2>
        <div class="grid2">
          <${Select} form=${form} name="accountId" label=${recipientLabel} empty="— Choose —"
            options=${accountOptions} />
          <${Select} form=${form} name="contactId" label="Contact" empty="— Choose —" options=${contactOptions} />
        </div>
        ${
          contact
            ? html`<p class="prepared-for">Will be sent to ${sendTo}. Check the address before sending.</p>`
            : html`<p class="muted">
                Choose the contact who receives this ${kindName}; their email is shown here so you can check it.</p>`
        }
        <${Checkbox} form=${form} name="requireSignature" label="Require signature" hint=${signatureHint} />
        ${
          onlinePayment
            ? html`<${Checkbox}
                form=${form}
                name="onlinePayment"
                label="Accept online payment"
                hint=${
                  onlinePayment.connected
                    ? 'Customers can pay by card or bank account in the portal. Applies to every revision.'
                    : 'Connect Stripe in Settings → Payments to take payments online.'
                }
              />`
            : null
        }
      </section>
      <section class="card stack" aria-labelledby="lines-h">
        <h2 id="lines-h">Lines</h2>
        ${choices ? html`<p class="muted small">${CHOICES_HINT}</p>` : null}
        <div class="table-wrap"><table class="data editor-lines">
          <thead><tr>
            <th scope="col">Item and description</th><th scope="col" class="num">Qty</th><th scope="col">Unit</th>
            ${
              bid
                ? null
                : html`<th scope="col" class="num">${amountLabel}</th><th scope="col">Tax</th>
                  <th scope="col" class="num">Total</th>`
            }
            <th scope="col">Order</th><th scope="col">Remove</th>
          </tr></thead>
          <tbody>
            ${lines.map(
              (l) => html`<tr class=${l.kind === 'group' ? 'group-row' : ''}>
              <td>
                <input type="hidden" name="line" value=${l.id} />
                ${cell(`name.${l.id}`, l.kind === 'group' ? 'Group heading' : 'Line name')}
                ${l.kind === 'item' ? cell(`description.${l.id}`, 'Description', { textarea: true }) : null}
                ${choices ? html`<${LineChoiceFields} line=${l} form=${form} />` : null}
              </td>
              ${
                l.kind === 'item'
                  ? html`<td>${cell(`quantity.${l.id}`, 'Quantity', { num: true })}</td>
                  <td>${cell(`unit.${l.id}`, 'Unit')}</td>
                  ${
                    bid
                      ? null
                      : html`<td>${cell(`amount.${l.id}`, amountLabel, { num: true })}</td>
                    <td><label class="visually-hidden" for=${`t-${l.id}`}>Taxable</label>
                      <input type="checkbox" id=${`t-${l.id}`} name=${`taxable.${l.id}`}
                        checked=${v[`taxable.${l.id}`] === 'on'} /></td>
                    <td class="num">${l.total === null ? '' : money(l.total, cur)}</td>`
                  }`
                  : html`<td colspan=${bid ? 2 : 5} class="muted small">Group heading</td>`
              }
              <td class="row-actions">
                <button class="btn small" type="submit" name="move" value=${`up:${l.id}`}
                  aria-label=${`Move ${l.name} up`}>↑</button>
                <button class="btn small" type="submit" name="move" value=${`down:${l.id}`}
                  aria-label=${`Move ${l.name} down`}>↓</button>
              </td>
              <td><label class="visually-hidden" for=${`r-${l.id}`}>Remove ${l.name}</label>
                <input type="checkbox" id=${`r-${l.id}`} name=${`remove.${l.id}`} value="1" /></td>
            </tr>`,
            )}
            <tr class="new-line">
              <td>
                <input type="hidden" name="line" value="_new" />
                <label for="f-kind._new" class="small">Add</label>
                <select id="f-kind._new" name="kind._new"><option value="item">Line item</option>
                  <option value="group" selected=${v['kind._new'] === 'group'}>Group heading</option></select>
                ${cell('name._new', 'New line name')}
                ${cell('description._new', 'New line description', { textarea: true })}
              </td>
              <td>${cell('quantity._new', 'New line quantity', { num: true })}</td>
              <td>${cell('unit._new', 'New line unit')}</td>
              ${
                bid
                  ? null
                  : html`<td>${cell('amount._new', `New line ${amountLabel.toLowerCase()}`, { num: true })}</td>
                    <td><label class="visually-hidden" for="t-new">New line taxable</label>
                      <input type="checkbox" id="t-new" name="taxable._new" /></td><td></td>`
              }
              <td colspan="2" class="muted small">Fill in to add a line that is not in the budget.</td>
            </tr>
          </tbody>
        </table></div>
        ${
          bid
            ? html`<p class="muted">Bid requests show quantities; the vendor fills in their costs in the portal.</p>`
            : html`<div class="totals-right">
                <${TotalsFromDraft} totals=${totals} currency=${cur} taxRate=${v.taxRate} />
              </div>`
        }
      </section>
      ${
        v.displayMode === undefined
          ? null
          : html`<section class="card stack" aria-labelledby="display-h">
              <h2 id="display-h">What the customer sees</h2>
              <p class="muted">Hidden numbers still make up the totals, which the customer always sees.
                Optional items, alternates and allowances always show their own amount.</p>
              <${DisplayFieldset} form=${form} legend="How the lines are shown" />
            </section>`
      }
      <section class="card stack" aria-labelledby="terms-h">
        <h2 id="terms-h">Terms and footer</h2>
        <${Field} form=${form} name="terms" label="Terms" type="textarea" />
        <${Field} form=${form} name="footer" label="Footer" type="textarea" />
      </section>
      <div class="form-actions sticky-actions">
        <button class="btn primary" type="submit">Save draft</button>
      </div>
    </form>
    ${payments}
    ${below}
    ${history}
  <//>`;
}

function TotalsFromDraft({
  totals,
  currency,
  taxRate,
}: {
  totals: DocumentTotals;
  currency: string;
  taxRate?: string;
}) {
  const m = (c: number) => money(c, currency);
  return html`<table class="totals-table"><tbody>
    <tr><th scope="row">Subtotal</th><td class="num">${m(totals.subtotal)}</td></tr>
    <tr><th scope="row">Tax${taxRate ? ` (${taxRate}%)` : ''}</th><td class="num">${m(totals.tax)}</td></tr>
    <tr class="grand"><th scope="row">Total</th><td class="num">${m(totals.total)}</td></tr>
    ${
      totals.deposit > 0
        ? html`<tr><th scope="row">Deposit / due now</th><td class="num">${m(totals.deposit)}</td></tr>`
        : null
    }
    ${
      totals.paid > 0
        ? html`<tr><th scope="row">Paid</th><td class="num">${m(-totals.paid)}</td></tr>
          <tr class="grand"><th scope="row">Balance</th><td class="num">${m(totals.balance)}</td></tr>`
        : null
    }
  </tbody></table>`;
}
