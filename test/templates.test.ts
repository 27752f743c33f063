import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { documents, documentTemplates, documentVersions, orgTerms } from '../src/db/schema';
import { parseDisplay } from '../src/documents/display';
import { parsePlan } from '../src/reminders/plan';
import { Browser, db, signUp } from './helpers';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { fieldError, inputValue, selectedOption } from './pages';

// Issue 20, part C: Settings → Templates, and a new draft that starts from one.

/** A whole valid template form; `change` overrides fields. */
const templateForm = (change: Record<string, string> = {}): Record<string, string> => ({
  kind: 'estimate',
  name: 'Kitchen standard',
  description: 'We rebuild your kitchen as described below.',
  terms: 'A 30% deposit is due at signing.',
  footer: 'Licensed and insured',
  displayMode: 'itemized',
  showUnitPrices: 'on',
  showQuantities: 'on',
  showLineTotals: 'on',
  depositKind: 'none',
  depositValue: '',
  requireSignature: 'on',
  reminders: 'company',
  remind_unopened: '0',
  remind_undecided: '0',
  remind_before: '0',
  remind_overdue_every: '0',
  remind_overdue_max: '0',
  ...change,
});

const templatesOf = (orgId: string) =>
  db().select().from(documentTemplates).where(eq(documentTemplates.orgId, orgId)).orderBy(documentTemplates.name);

async function templateId(orgId: string, name: string, kind = 'estimate') {
  const [row] = await db()
    .select({ id: documentTemplates.id })
    .from(documentTemplates)
    .where(and(eq(documentTemplates.orgId, orgId), eq(documentTemplates.kind, kind), eq(documentTemplates.name, name)));
  return row!.id;
}

/** Creates a template through the form and answers its id. */
async function createTemplate(browser: Browser, orgId: string, change: Record<string, string> = {}) {
  const form = templateForm(change);
  const res = await browser.post('/settings/templates', form);
  if (res.status !== 303) throw new Error(`create template: ${res.status} ${(await res.text()).slice(0, 1500)}`);
  return templateId(orgId, form.name, form.kind);
}

const versionOf = async (id: string) =>
  (await db().query.documentVersions.findFirst({ where: eq(documentVersions.documentId, id) }))!;
const documentOf = async (id: string) => (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;

describe('Settings → Templates', () => {
  it('lists every kind, creates, edits, makes default and deletes a template through the pages', async () => {
    const { browser, orgId } = await signUp();
    const settings = await (await browser.get('/settings')).text();
    expect(settings).toContain('href="/settings/templates"');
    expect(settings).not.toContain('name="terms.estimate"');

    const empty = await (await browser.get('/settings/templates')).text();
    for (const plural of ['Estimates', 'Proposals', 'Change Orders', 'Invoices', 'Purchase Orders', 'Work Orders'])
      expect(empty).toContain(`>${plural}</h3>`);
    expect(empty).toContain('href="/settings/templates/new?kind=bid_request"');

    const blank = await (await browser.get('/settings/templates/new?kind=estimate')).text();
    expect(inputValue(blank, 'terms')).toBe(
      'Prices hold until the date shown. Work is scheduled once this estimate is approved.',
    );
    expect(blank).toMatch(/<label[^>]*for="f-name"/);
    expect((await browser.get('/settings/templates/new?kind=spaceship')).status).toBe(404);

    const id = await createTemplate(browser, orgId, {
      name: 'Bathroom remodel',
      displayMode: 'group_subtotals',
      showUnitPrices: '',
      depositKind: 'percent',
      depositValue: '30',
      isDefault: 'on',
    });
    const [row] = await templatesOf(orgId);
    expect(row).toMatchObject({
      id,
      kind: 'estimate',
      name: 'Bathroom remodel',
      description: 'We rebuild your kitchen as described below.',
      terms: 'A 30% deposit is due at signing.',
      footer: 'Licensed and insured',
      depositKind: 'percent',
      depositValue: 30_000,
      requireSignature: true,
      reminderPlan: null,
      isDefault: true,
    });
    expect(parseDisplay(row.display)).toEqual({
      mode: 'group_subtotals',
      unitPrices: false,
      quantities: true,
      lineTotals: true,
    });
    const list = await (await browser.get('/settings/templates')).text();
    expect(list).toContain('Template “Bathroom remodel” saved.');
    expect(list).toContain(`href="/settings/templates/${id}">Bathroom remodel</a>`);
    expect(list).toContain('Group subtotals only · 30% deposit · Signature required · Company reminders');

    const edit = await (await browser.get(`/settings/templates/${id}`)).text();
    expect(inputValue(edit, 'name')).toBe('Bathroom remodel');
    expect(inputValue(edit, 'depositValue')).toBe('30');
    expect(edit).toMatch(/value="group_subtotals"[^>]*checked/);
    const saved = await browser.post(
      `/settings/templates/${id}`,
      templateForm({ name: 'Bath', requireSignature: '', reminders: 'none', isDefault: 'on' }),
    );
    expect(saved.status).toBe(303);
    expect((await templatesOf(orgId))[0]).toMatchObject({ name: 'Bath', requireSignature: false, isDefault: true });
    expect(parsePlan((await templatesOf(orgId))[0].reminderPlan)).toEqual({
      unopenedDays: 0,
      undecidedDays: 0,
      beforeDays: 0,
      overdueEvery: 0,
      overdueMax: 0,
    });

    const other = await createTemplate(browser, orgId, { name: 'Kitchen' });
    expect((await browser.post(`/settings/templates/${other}/default`)).status).toBe(303);
    expect((await templatesOf(orgId)).map((t) => [t.name, t.isDefault])).toEqual([
      ['Bath', false],
      ['Kitchen', true],
    ]);
    expect(await (await browser.get('/settings/templates')).text()).toContain(
      'New estimates now start from “Kitchen”.',
    );

    const ask = await browser.post(`/settings/templates/${other}/delete`);
    expect(ask.status).toBe(200);
    const question = await ask.text();
    expect(question).toContain('Delete the template “Kitchen”?');
    expect(question).toContain('New estimates will start with the built-in terms');
    expect(await templatesOf(orgId)).toHaveLength(2);
    const gone = await browser.post(`/settings/templates/${other}/delete`, { confirm: 'yes' });
    expect(gone.status).toBe(303);
    expect((await templatesOf(orgId)).map((t) => t.name)).toEqual(['Bath']);
    expect((await browser.get(`/settings/templates/${other}`)).status).toBe(404);
  });

  describe('bad input keeps the form and writes nothing', () => {
    let browser: Browser;
    let orgId: string;
    beforeAll(async () => {
      ({ browser, orgId } = await signUp());
      await createTemplate(browser, orgId, { name: 'Taken' });
    });

    it.each([
      ['no name', { name: '  ' }, 'name', 'Name is required.'],
      ['a name too long', { name: 'n'.repeat(81) }, 'name', 'Name must be at most 80 characters.'],
      ['terms too long', { terms: 't'.repeat(10_001) }, 'terms', 'Terms must be at most 10,000 characters.'],
      ['a footer too long', { footer: 'f'.repeat(1001) }, 'footer', 'Footer must be at most 1,000 characters.'],
      ['a deposit over 100%', { depositKind: 'percent', depositValue: '150' }, 'depositValue', /at most 100%/],
      ['a deposit that is no number', { depositKind: 'fixed', depositValue: 'lots' }, 'depositValue', /a number/],
      ['a deposit kind not offered', { depositKind: 'half' }, 'depositKind', 'Choose a deposit from the list.'],
      ['a display mode not offered', { displayMode: 'fancy' }, 'displayMode', /Choose how the lines are shown/],
      [
        'reminder days over the limit',
        { reminders: 'custom', remind_unopened: '400' },
        'remind_unopened',
        /at most 60/,
      ],
      [
        'a duplicate name in the kind',
        { name: 'Taken' },
        'name',
        'There is already a estimate template named “Taken”.',
      ],
    ])('refuses %s with 422 and its message, every value kept', async (_, change, field, message) => {
      const before = await templatesOf(orgId);
      const form = templateForm({ name: 'Fresh', ...change });
      const res = await browser.post('/settings/templates', form);
      expect(res.status).toBe(422);
      const body = await res.text();
      if (typeof message === 'string') expect(fieldError(body, field)).toBe(message);
      else expect(fieldError(body, field)).toMatch(message);
      expect(inputValue(body, 'description')).toBe(form.description);
      if (field !== 'name') expect(inputValue(body, 'name')).toBe('Fresh');
      expect(await templatesOf(orgId)).toEqual(before);
    });

    it('refuses a rename onto another template’s name with 422, the edit kept', async () => {
      const id = await createTemplate(browser, orgId, { name: 'Second' });
      const res = await browser.post(`/settings/templates/${id}`, templateForm({ name: 'Taken', terms: 'Typed' }));
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(fieldError(body, 'name')).toMatch(/already a estimate template named “Taken”/);
      expect(inputValue(body, 'terms')).toBe('Typed');
      expect((await templatesOf(orgId)).map((t) => t.name)).toEqual(['Second', 'Taken']);
    });

    it('takes the same name in another kind', async () => {
      await createTemplate(browser, orgId, { kind: 'proposal', name: 'Taken' });
      expect(
        (await templatesOf(orgId))
          .filter((t) => t.name === 'Taken')
          .map((t) => t.kind)
          .sort(),
      ).toEqual(['estimate', 'proposal']);
    });

    it('answers a kind that is not offered with 404', async () => {
      expect((await browser.post('/settings/templates', templateForm({ kind: 'spaceship' }))).status).toBe(404);
    });
  });

  describe('another company and a signed-out browser', () => {
    it('cannot read, edit, make default, delete or use another company’s template', async () => {
      const a = await signUp();
      const id = await createTemplate(a.browser, a.orgId, { name: 'Ours' });
      const b = await companyWithBudget();
      expect((await b.browser.get(`/settings/templates/${id}`)).status).toBe(404);
      expect((await b.browser.post(`/settings/templates/${id}`, templateForm({ name: 'Theirs' }))).status).toBe(404);
      expect((await b.browser.post(`/settings/templates/${id}/default`)).status).toBe(404);
      expect((await b.browser.post(`/settings/templates/${id}/delete`)).status).toBe(404);
      expect((await b.browser.post(`/settings/templates/${id}/delete`, { confirm: 'yes' })).status).toBe(404);
      expect(await (await b.browser.get('/settings/templates')).text()).not.toContain('Ours');

      const before = await db().$count(documents, eq(documents.orgId, b.orgId));
      const res = await b.browser.post(`/jobs/${b.jobId}/documents`, { kind: 'estimate', all: '1', templateId: id });
      expect(res.status).toBe(422);
      expect(fieldError(await res.text(), 'templateId')).toBe('Choose a template from the list.');
      expect(await db().$count(documents, eq(documents.orgId, b.orgId))).toBe(before);
      expect(await templatesOf(a.orgId)).toMatchObject([{ name: 'Ours', isDefault: false }]);
    });

    it('refuses a template of another kind for a new draft', async () => {
      const co = await companyWithBudget();
      const invoiceTemplate = await createTemplate(co.browser, co.orgId, { kind: 'customer_invoice', name: 'Net 15' });
      const res = await co.browser.post(`/jobs/${co.jobId}/documents`, {
        kind: 'estimate',
        all: '1',
        templateId: invoiceTemplate,
      });
      expect(res.status).toBe(422);
      expect(fieldError(await res.text(), 'templateId')).toBe('Choose a template from the list.');
    });

    it('sends a signed-out browser to sign in, and refuses its writes', async () => {
      const { browser, orgId } = await signUp();
      const id = await createTemplate(browser, orgId);
      const stranger = new Browser();
      expect((await stranger.get('/settings/templates')).status).toBe(303);
      expect((await stranger.get(`/settings/templates/${id}`)).status).toBe(303);
      expect((await stranger.post('/settings/templates', templateForm({ name: 'Sneaky' }))).status).toBe(401);
      expect((await stranger.post(`/settings/templates/${id}/default`)).status).toBe(401);
      expect((await stranger.post(`/settings/templates/${id}/delete`, { confirm: 'yes' })).status).toBe(401);
      expect((await templatesOf(orgId)).map((t) => t.name)).toEqual(['Kitchen standard']);
    });
  });

  describe('at the same moment', () => {
    it('many “make default” clicks on different templates leave exactly one default', async () => {
      const { browser, orgId } = await signUp();
      const ids = [];
      for (const name of ['A', 'B', 'C']) ids.push(await createTemplate(browser, orgId, { name }));
      const answers = await Promise.all(
        [...ids, ...ids].map((id) => browser.post(`/settings/templates/${id}/default`)),
      );
      expect(answers.map((r) => r.status)).toEqual([303, 303, 303, 303, 303, 303]);
      expect((await templatesOf(orgId)).filter((t) => t.isDefault)).toHaveLength(1);
    });

    it('saves ticking “default” at once on two templates leave one default', async () => {
      const { browser, orgId } = await signUp();
      const a = await createTemplate(browser, orgId, { name: 'A' });
      const b = await createTemplate(browser, orgId, { name: 'B' });
      const answers = await Promise.all([
        browser.post(`/settings/templates/${a}`, templateForm({ name: 'A', isDefault: 'on' })),
        browser.post(`/settings/templates/${b}`, templateForm({ name: 'B', isDefault: 'on' })),
        browser.post('/settings/templates', templateForm({ name: 'C', isDefault: 'on' })),
      ]);
      expect(answers.map((r) => r.status)).toEqual([303, 303, 303]);
      expect((await templatesOf(orgId)).filter((t) => t.isDefault)).toHaveLength(1);
    });

    it('creates with one name at once make one template; the others get the name’s message, not a 500', async () => {
      const { browser, orgId } = await signUp();
      const answers = await Promise.all(
        [1, 2, 3].map((n) => browser.post('/settings/templates', templateForm({ name: 'Same', terms: `Terms ${n}` }))),
      );
      expect(answers.map((r) => r.status).sort()).toEqual([303, 422, 422]);
      for (const r of answers.filter((a) => a.status === 422))
        expect(fieldError(await r.text(), 'name')).toBe('There is already a estimate template named “Same”.');
      expect(await templatesOf(orgId)).toHaveLength(1);
    });
  });
});

describe('a new draft starts from a template', () => {
  it('takes the kind’s default template, with no choice offered when it is the only one', async () => {
    const co = await companyWithBudget();
    const id = await createTemplate(co.browser, co.orgId, {
      displayMode: 'lump_sum',
      depositKind: 'fixed',
      depositValue: '500',
      requireSignature: '',
      footer: '',
      isDefault: 'on',
    });
    const step = await (await co.browser.get(`/jobs/${co.jobId}/documents/new?kind=estimate`)).text();
    expect(step).not.toContain('name="templateId"');
    const doc = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const v = await versionOf(doc);
    expect(v).toMatchObject({
      description: 'We rebuild your kitchen as described below.',
      terms: 'A 30% deposit is due at signing.',
      depositKind: 'fixed',
      depositValue: 50_000,
    });
    expect(parseDisplay(v.display).mode).toBe('lump_sum');
    expect(await documentOf(doc)).toMatchObject({ templateId: id, requireSignature: false });
    // An empty footer in the template is the company's footer.
    const org = await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) });
    expect(v.footer).toBe(org!.defaultFooter);
    // Another kind without templates: the built-in defaults, as before.
    const invoice = await createDocument(co.browser, co.jobId, 'customer_invoice', { all: '1' });
    expect((await versionOf(invoice)).terms).toBe('Payment is due by the due date shown.');
    expect((await documentOf(invoice)).templateId).toBeNull();
  });

  it('takes the template chosen on the item step, or none', async () => {
    const co = await companyWithBudget();
    await createTemplate(co.browser, co.orgId, { name: 'Standard', terms: 'Standard terms.', isDefault: 'on' });
    const bath = await createTemplate(co.browser, co.orgId, {
      name: 'Bathroom remodel',
      description: 'Bathroom intro.',
      terms: 'Bathroom terms.',
      displayMode: 'group_subtotals',
    });
    const step = await (await co.browser.get(`/jobs/${co.jobId}/documents/new?kind=estimate`)).text();
    expect(step).toMatch(/<label for="f-templateId">Template/);
    expect(step).toContain('>Standard (default)</option>');
    expect(selectedOption(step, 'templateId')).toBe(await templateId(co.orgId, 'Standard'));

    const chosen = await createDocument(co.browser, co.jobId, 'estimate', { all: '1', templateId: bath });
    expect(await versionOf(chosen)).toMatchObject({ description: 'Bathroom intro.', terms: 'Bathroom terms.' });
    expect(parseDisplay((await versionOf(chosen)).display).mode).toBe('group_subtotals');
    expect((await documentOf(chosen)).templateId).toBe(bath);

    const none = await createDocument(co.browser, co.jobId, 'estimate', { all: '1', templateId: '' });
    expect(await versionOf(none)).toMatchObject({
      description: '',
      terms: 'Prices hold until the date shown. Work is scheduled once this estimate is approved.',
      depositKind: 'none',
    });
    expect((await documentOf(none)).templateId).toBeNull();
  });

  it('a refused item step keeps the template chosen', async () => {
    const co = await companyWithBudget();
    await createTemplate(co.browser, co.orgId, { name: 'Standard', isDefault: 'on' });
    const bath = await createTemplate(co.browser, co.orgId, { name: 'Bathroom remodel' });
    const res = await co.browser.post(`/jobs/${co.jobId}/documents`, { kind: 'estimate', templateId: bath });
    expect(res.status).toBe(422);
    expect(selectedOption(await res.text(), 'templateId')).toBe(bath);
  });
});

describe('the template’s reminders are what the send proposes', () => {
  const plan = { reminders: 'custom', remind_unopened: '2', remind_undecided: '5', remind_before: '1' };

  it('proposes the template’s own days, and a send as proposed keeps them', async () => {
    const co = await companyWithBudget();
    await createTemplate(co.browser, co.orgId, { ...plan, isDefault: 'on' });
    const doc = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const page = await (await co.browser.get(`/documents/${doc}/send`)).text();
    expect(page).toMatch(/value="custom"[^>]*checked/);
    expect(inputValue(page, 'remind_unopened')).toBe('2');
    expect(inputValue(page, 'remind_undecided')).toBe('5');
    expect(inputValue(page, 'remind_before')).toBe('1');
    await sendDocument(co.browser, doc, {
      reminders: 'custom',
      remind_unopened: '2',
      remind_undecided: '5',
      remind_before: '1',
      remind_overdue_every: '0',
      remind_overdue_max: '0',
    });
    expect(parsePlan((await documentOf(doc)).reminderPlan)).toMatchObject({
      unopenedDays: 2,
      undecidedDays: 5,
      beforeDays: 1,
    });
  });

  it('proposes none for a template without reminders, and the company’s for one that says so', async () => {
    const co = await companyWithBudget();
    const quiet = await createTemplate(co.browser, co.orgId, { name: 'Quiet', reminders: 'none' });
    await createTemplate(co.browser, co.orgId, { name: 'Company', reminders: 'company' });
    const a = await createDocument(co.browser, co.jobId, 'estimate', { all: '1', templateId: quiet });
    const b = await createDocument(co.browser, co.jobId, 'estimate', { all: '1', templateId: '' });
    expect(await (await co.browser.get(`/documents/${a}/send`)).text()).toMatch(/value="none"[^>]*checked/);
    expect(await (await co.browser.get(`/documents/${b}/send`)).text()).toMatch(/value="company"[^>]*checked/);
  });
});

describe('migration 0011 turns each kind’s terms into its default template', () => {
  it('makes a default “Standard” template of each org_terms row, once', async () => {
    const co = await companyWithBudget();
    await db()
      .insert(orgTerms)
      .values([
        { orgId: co.orgId, kind: 'estimate', terms: 'Old estimate terms.' },
        { orgId: co.orgId, kind: 'purchase_order', terms: 'Old PO terms.' },
        { orgId: co.orgId, kind: 'bill', terms: 'Old bill terms.' },
      ]);
    const insert = env.TEST_MIGRATIONS.flatMap((m) => m.queries).find((q) => q.includes('FROM `org_terms`'));
    expect(insert).toBeDefined();
    await env.DB.prepare(insert!).run();
    await env.DB.prepare(insert!).run(); // a second run finds each kind's template and adds nothing
    const rows = await templatesOf(co.orgId);
    expect(rows.map((t) => [t.kind, t.name, t.terms, t.isDefault, t.requireSignature]).sort()).toEqual([
      ['bill', 'Standard', 'Old bill terms.', true, false],
      ['estimate', 'Standard', 'Old estimate terms.', true, true],
      ['purchase_order', 'Standard', 'Old PO terms.', true, true],
    ]);
    expect(rows[0].id).toMatch(/^[0-9a-f]{24}$/);
    expect(rows[0].createdAt).toBeGreaterThan(Date.now() - 60_000);
    // Readers read the template now: a new estimate takes its terms.
    const doc = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    expect((await versionOf(doc)).terms).toBe('Old estimate terms.');
    const list = await (await co.browser.get('/settings/templates')).text();
    expect(list.match(/>Standard<\/a> <span class="badge">Default<\/span>/g)).toHaveLength(3);
  });
});
