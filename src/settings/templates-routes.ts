import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { ConfirmPage } from '../../views/dashboard/confirm';
import { TemplateFormPage, TemplatesPage, type TemplateFormKind } from '../../views/dashboard/settings-templates';
import { centsInput, money, percent, rateInput } from '../../views/format';
import { html } from '../../views/html';
import { currentUser } from '../auth/session';
import { parseDisplay } from '../documents/display';
import { hidesNumbers } from '../documents/drafts';
import { displayValues } from '../documents/display-form';
import { type Kind, termsGroups } from '../documents/kinds';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, refusedOnField, render } from '../http/render';
import { readForm } from '../http/validate';
import { isNoReminders, NO_REMINDERS, parsePlan, planKeysFor } from '../reminders/plan';
import { PLAN_FIELDS, planValues } from './reminders';
import {
  asksForSignature,
  checkTemplate,
  createTemplate,
  deleteTemplate,
  findTemplate,
  listTemplates,
  makeDefault,
  type Template,
  templateKind,
  updateTemplate,
} from './templates';

// Settings → Templates (issue 20): whoever may change the company's settings, like Settings itself; every
// template read or written is the signed-in user's org's (another org's id is a 404).

const MODE_WORDS = { itemized: 'Itemized', group_subtotals: 'Group subtotals only', lump_sum: 'Lump sum' } as const;

/** What a template sets, in short parts for the list. */
function summary(t: Template, kind: Kind, currency: string): string[] {
  const out: string[] = [];
  if (hidesNumbers(kind)) {
    const d = parseDisplay(t.display);
    const hidden = [!d.unitPrices && 'unit prices', !d.quantities && 'quantities', !d.lineTotals && 'line totals'];
    const hides = hidden.filter(Boolean);
    out.push(d.mode === 'itemized' && hides.length ? `Itemized, hides ${hides.join(', ')}` : MODE_WORDS[d.mode]);
  }
  if (t.depositKind === 'percent') out.push(`${percent(t.depositValue)} deposit`);
  if (t.depositKind === 'fixed') out.push(`${money(t.depositValue, currency)} deposit`);
  if (asksForSignature(kind)) out.push(t.requireSignature ? 'Signature required' : 'Approve without signing');
  const plan = parsePlan(t.reminderPlan);
  out.push(!plan ? 'Company reminders' : isNoReminders(plan) ? 'No reminders' : 'Its own reminders');
  return out;
}

function formKind(kind: Kind & { key: string }): TemplateFormKind {
  return {
    key: kind.key,
    label: kind.label,
    plural: kind.plural,
    side: kind.side,
    hasDeposit: kind.hasDeposit,
    isInvoice: kind.type === 'customer_invoice',
    asksSignature: asksForSignature(kind),
    hidesNumbers: hidesNumbers(kind),
    planFields: planKeysFor(kind).map((k) => PLAN_FIELDS[k]),
  };
}

/** A template's form values; a new one starts from the kind's built-in terms and full display. */
function templateValues(kind: Kind, t: Template | null): Record<string, string> {
  const plan = parsePlan(t?.reminderPlan);
  const depositValue =
    t?.depositKind === 'percent'
      ? rateInput(t.depositValue)
      : t?.depositKind === 'fixed'
        ? centsInput(t.depositValue)
        : '';
  return {
    name: t?.name ?? '',
    description: t?.description ?? '',
    terms: t ? t.terms : kind.defaultTerms,
    footer: t?.footer ?? '',
    ...displayValues(parseDisplay(t?.display)),
    depositKind: t?.depositKind ?? 'none',
    depositValue,
    requireSignature: (t ? t.requireSignature : kind.defaultRequireSignature) ? 'on' : '',
    reminders: !plan ? 'company' : isNoReminders(plan) ? 'none' : 'custom',
    ...planValues(plan ?? NO_REMINDERS),
    isDefault: t?.isDefault ? 'on' : '',
  };
}

async function listPage(c: AppContext) {
  const { org } = currentUser(c);
  const rows = await listTemplates(c.get('db'), org.id);
  const groups = termsGroups().map((g) => ({
    label: g.label,
    kinds: g.kinds.map((k) => ({
      key: k.key,
      label: k.label,
      plural: k.plural,
      templates: rows
        .filter((t) => t.kind === k.key)
        .map((t) => ({ id: t.id, name: t.name, isDefault: t.isDefault, summary: summary(t, k, org.currency) })),
    })),
  }));
  return render(c, html`<${TemplatesPage} ctx=${pageContext(c)} groups=${groups} />`);
}

function formPage(
  c: AppContext,
  kind: Kind & { key: string },
  form: FormState,
  templateId?: string,
  status: 200 | 422 = 200,
) {
  return render(
    c,
    html`<${TemplateFormPage} ctx=${pageContext(c)} kind=${formKind(kind)} form=${form} templateId=${templateId} />`,
    status,
  );
}

/** The template of the address, in the signed-in user's org, with its kind; 404 otherwise. */
async function loadTemplate(c: AppContext) {
  const { org } = currentUser(c);
  const template = await findTemplate(c.get('db'), org.id, c.req.param('id') ?? '');
  const kind = template && templateKind(template.kind);
  if (!template || !kind) notFound();
  return { template, kind };
}

export const templateSettingsRoutes = new Hono<AppEnv>()
  .get('/settings/templates', (c) => listPage(c))
  .get('/settings/templates/new', (c) => {
    const kind = templateKind(c.req.query('kind'));
    if (!kind) notFound();
    return formPage(c, kind, emptyForm(templateValues(kind, null)));
  })
  .post('/settings/templates', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const kind = templateKind(raw.kind);
    if (!kind) notFound();
    const { f, values } = checkTemplate(raw, kind);
    const again = (errors: Record<string, string>) => formPage(c, kind, { values: raw, errors }, undefined, 422);
    if (!f.ok) return again(f.errors);
    const refused = await refusedOnField(() => createTemplate(c.get('db'), org.id, kind.key, values), again);
    return refused ?? redirectWith(c, '/settings/templates', `Template “${values.name}” saved.`);
  })
  .get('/settings/templates/:id', async (c) => {
    const { template, kind } = await loadTemplate(c);
    return formPage(c, kind, emptyForm(templateValues(kind, template)), template.id);
  })
  .post('/settings/templates/:id', async (c) => {
    const { org } = currentUser(c);
    const { template, kind } = await loadTemplate(c);
    const raw = await readForm(c);
    const { f, values } = checkTemplate(raw, kind);
    const again = (errors: Record<string, string>) => formPage(c, kind, { values: raw, errors }, template.id, 422);
    if (!f.ok) return again(f.errors);
    const refused = await refusedOnField(() => updateTemplate(c.get('db'), org.id, template.id, values), again);
    return refused ?? redirectWith(c, '/settings/templates', `Template “${values.name}” saved.`);
  })
  .post('/settings/templates/:id/default', async (c) => {
    const { org } = currentUser(c);
    const made = await makeDefault(c.get('db'), org.id, c.req.param('id'));
    const kind = templateKind(made.kind);
    const plural = kind?.plural.toLowerCase() ?? 'documents';
    return redirectWith(c, '/settings/templates', `New ${plural} now start from “${made.name}”.`);
  })
  .post('/settings/templates/:id/delete', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    if (raw.confirm !== 'yes') {
      const { template, kind } = await loadTemplate(c);
      const plural = kind.plural.toLowerCase();
      const confirm = {
        question: `Delete the template “${template.name}”?`,
        consequences: [
          template.isDefault
            ? `New ${plural} will start with the built-in terms until you make another template the default.`
            : `It will no longer be offered for new ${plural}.`,
          'Drafts already made from it keep what they took from it. Deleting can’t be undone.',
        ],
        action: `/settings/templates/${template.id}/delete`,
        actionLabel: 'Delete template',
        keepHref: `/settings/templates/${template.id}`,
        keepLabel: 'Keep it',
        danger: true,
      };
      return render(c, html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${confirm} />`);
    }
    const gone = await deleteTemplate(c.get('db'), org.id, c.req.param('id'));
    return redirectWith(c, '/settings/templates', `Template “${gone.name}” deleted.`);
  });
