import { DisplayFieldset } from '../components/display-fields';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, Select, type FormState } from '../components/form';
import { html } from '../html';
import { DashboardPage, type PageContext } from '../layout/page';
import { PlanFields } from './settings-reminders';

// Settings → Templates (issue 20): the list by kind, and one template's form.

export interface TemplateRow {
  id: string;
  name: string;
  isDefault: boolean;
  /** What it sets, in short parts: "Group subtotals only", "30% deposit", "No reminders". */
  summary: string[];
}

export interface TemplateKindRow {
  key: string;
  label: string;
  plural: string;
  templates: TemplateRow[];
}

export function TemplatesPage({
  ctx,
  groups,
}: {
  ctx: PageContext;
  groups: { label: string; kinds: TemplateKindRow[] }[];
}) {
  return html`<${DashboardPage} ctx=${ctx} title="Templates · Settings">
    <${PageHeader}
      title="Templates"
      sub=${html`<a href="/settings">Settings</a> · Where each new document starts: its intro, terms, footer,
        what the recipient sees, deposit, signature and reminders`}
    />
    <p class="muted">
      A new draft starts from its type’s default template. When a type has more than one, you pick on the step where
      you choose its budget items. A type without templates starts with the built-in terms.
    </p>
    ${groups.map(
      (g) => html`<section class="stack" aria-labelledby=${`tg-${g.label.replace(/\W+/g, '-')}`}>
        <h2 id=${`tg-${g.label.replace(/\W+/g, '-')}`}>${g.label}</h2>
        ${g.kinds.map((k) => html`<${KindTemplates} ctx=${ctx} kind=${k} />`)}
      </section>`,
    )}
  <//>`;
}

function KindTemplates({ ctx, kind }: { ctx: PageContext; kind: TemplateKindRow }) {
  const headingId = `tk-${kind.key}`;
  return html`<section class="card stack template-kind" aria-labelledby=${headingId}>
    <div class="label-row">
      <h3 id=${headingId}>${kind.plural}</h3>
      <a class="btn" href=${`/settings/templates/new?kind=${kind.key}`}
        >New template<span class="visually-hidden"> for ${kind.plural.toLowerCase()}</span></a
      >
    </div>
    ${
      kind.templates.length === 0
        ? html`<p class="muted">No templates yet: new ${kind.plural.toLowerCase()} start with the built-in terms.</p>`
        : html`<ul class="template-list">
            ${kind.templates.map(
              (t) => html`<li>
                <div>
                  <a href=${`/settings/templates/${t.id}`}>${t.name}</a>
                  ${t.isDefault ? html` <span class="badge">Default</span>` : null}
                  ${t.summary.length ? html`<p class="hint">${t.summary.join(' · ')}</p>` : null}
                </div>
                ${
                  t.isDefault
                    ? null
                    : html`<form method="post" action=${`/settings/templates/${t.id}/default`}>
                        <${Csrf} token=${ctx.csrf} />
                        <button class="btn" type="submit">
                          Make default<span class="visually-hidden"> for ${kind.plural.toLowerCase()}: ${t.name}</span>
                        </button>
                      </form>`
                }
              </li>`,
            )}
          </ul>`
    }
  </section>`;
}

export interface TemplateFormKind {
  key: string;
  label: string;
  plural: string;
  side: 'customer' | 'vendor';
  hasDeposit: boolean;
  /** An invoice's "deposit" is the amount due now. */
  isInvoice: boolean;
  asksSignature: boolean;
  hidesNumbers: boolean;
  /** The reminder fields that apply to the kind (the rest go as hidden zeros). */
  planFields: string[];
}

export function TemplateFormPage({
  ctx,
  kind,
  form,
  templateId,
}: {
  ctx: PageContext;
  kind: TemplateFormKind;
  form: FormState;
  /** The template edited; absent for a new one. */
  templateId?: string;
}) {
  const kindName = kind.label.toLowerCase();
  const title = templateId ? `Edit ${kindName} template` : `New ${kindName} template`;
  const action = templateId ? `/settings/templates/${templateId}` : '/settings/templates';
  const depositOptions = [
    { value: 'none', label: kind.isInvoice ? 'Full balance' : 'No deposit' },
    { value: 'percent', label: 'Percent of total' },
    { value: 'fixed', label: 'Fixed amount' },
  ];
  return html`<${DashboardPage} ctx=${ctx} title=${`${title} · Settings`}>
    <${PageHeader}
      title=${title}
      sub=${html`<a href="/settings">Settings</a> · <a href="/settings/templates">Templates</a>`}
    />
    <${FormSummary} form=${form} />
    <form method="post" action=${action} class="card stack" novalidate>
      <${Csrf} token=${ctx.csrf} />
      ${templateId ? null : html`<input type="hidden" name="kind" value=${kind.key} />`}
      <${Field} form=${form} name="name" label="Template name" required
        hint=${`What you pick when you make a new ${kindName}, e.g. “Bathroom remodel”.`} />
      <${Field} form=${form} name="description" label="Intro text" type="textarea"
        hint=${`Shown above the lines, as the ${kindName}’s description.`} />
      <${Field} form=${form} name="terms" label="Terms" type="textarea" />
      <${Field} form=${form} name="footer" label="Footer" type="textarea"
        hint="Left empty, the default footer from Settings is used." />
      ${kind.hidesNumbers ? html`<${DisplayFieldset} form=${form} side=${kind.side} />` : null}
      ${
        kind.hasDeposit
          ? html`<div class="grid2">
              <${Select} form=${form} name="depositKind" label=${kind.isInvoice ? 'Amount due' : 'Deposit'}
                options=${depositOptions} />
              <${Field} form=${form} name="depositValue" label="Percent or amount" inputmode="decimal" />
            </div>`
          : null
      }
      ${
        kind.asksSignature
          ? html`<${Checkbox} form=${form} name="requireSignature" label="Require a signature"
              hint=${`Off: the ${kind.side} approves with a button instead of signing.`} />`
          : null
      }
      <${TemplateReminders} form=${form} fields=${kind.planFields} />
      <${Checkbox} form=${form} name="isDefault" label=${`Start new ${kind.plural.toLowerCase()} from this template`}
        hint="The type’s default. Another template that was the default stops being it." />
      <div class="form-actions">
        <button class="btn primary" type="submit">Save template</button>
        <a class="btn" href="/settings/templates">Cancel</a>
      </div>
    </form>
    ${
      templateId
        ? html`<form method="post" action=${`/settings/templates/${templateId}/delete`} class="card stack">
            <${Csrf} token=${ctx.csrf} />
            <h2>Delete this template</h2>
            <p class="muted">Drafts made from it keep what they took from it.</p>
            <div><button class="btn danger" type="submit">Delete template</button></div>
          </form>`
        : null
    }
  <//>`;
}

/** Reminders: the company's settings at send (null), none, or the template's own days. */
function TemplateReminders({ form, fields }: { form: FormState; fields: string[] }) {
  const chosen = form.values.reminders || 'company';
  const error = form.errors.reminders;
  const radio = (value: string, label: string) =>
    html`<label class="radio"
      ><input type="radio" name="reminders" value=${value} checked=${chosen === value}
        aria-describedby=${error ? 'f-reminders-error' : undefined} />
      ${label}</label
    >`;
  return html`<fieldset class=${`reminders-choice ${error ? 'has-error' : ''}`} id="f-reminders">
    <legend>Reminders</legend>
    ${error ? html`<p class="error" id="f-reminders-error">${error}</p>` : null}
    ${radio('company', 'Use the company’s reminder settings')} ${radio('none', 'No reminders')}
    ${radio('custom', 'These reminders')}
    <div class="custom-plan">
      <${PlanFields} form=${form} only=${fields} />
    </div>
    <p class="hint">The send page proposes these; you can still change them for one document.</p>
  </fieldset>`;
}
