import { beforeAll } from 'vitest';
import { companyWithBudget } from './fixtures';
import { db, uniqueEmail } from './helpers';
import { type FieldKind, type Form, rotation, type Target, Visitor, watchWrites, sweepSuite } from './hostile';
import { PNG } from './portal-fixtures';
import { fakeStripe } from './stripe-fake';

// The hostile-input sweep over customers, vendors and their contacts, and the company settings.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let v: Visitor;
let spareContact: string;
let templates = 0;
/** Issue 20: a template to edit and make the default, and templates to delete one by one. */
let template: string;
let deletions: ReturnType<typeof rotation<string>>;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Sweep Settings Co' });
  v = Visitor.from(co.browser);
  await v.post(`/accounts/${co.customerId}/contacts`, { name: 'Spare Contact', email: uniqueEmail('spare') });
  spareContact = (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.name, 'Spare Contact') }))!.id;
  fakeStripe();
  for (const name of ['Sweep edited', ...Array.from({ length: 16 }, (_, i) => `Sweep doomed ${i}`)]) {
    const res = await v.post('/settings/templates', { ...templateForm(), name });
    if (res.status !== 303) throw new Error(`template ${name}: ${res.status}`);
  }
  const made = await db().query.documentTemplates.findMany({ where: (t, { eq }) => eq(t.orgId, co.orgId) });
  template = made.find((t) => t.name === 'Sweep edited')!.id;
  deletions = rotation(made.filter((t) => t.name.startsWith('Sweep doomed')).map((t) => t.id));
  await watchWrites();
}, 60_000);

const CONTACT: Record<string, FieldKind> = { name: 'text', email: 'email', phone: 'text' };
const as = () => v;
const account = () => `/accounts/${co.customerId}`;
const contact = () => ({ name: 'Dana Reyes', email: uniqueEmail('contact'), phone: '555-0100' });

/** A template's form as Settings → Templates posts it; the name is the caller's. */
const templateForm = (): Form => ({
  description: 'Intro',
  terms: 'Net 30',
  footer: 'Thanks',
  displayMode: 'group_subtotals',
  depositKind: 'percent',
  depositValue: '25',
  reminders: 'custom',
  remind_unopened: '3',
  remind_undecided: '7',
  remind_before: '2',
  remind_overdue_every: '0',
  remind_overdue_max: '0',
  kind: 'estimate',
});
const TEMPLATE: Record<string, FieldKind> = {
  name: 'text',
  description: 'text',
  terms: 'text',
  footer: 'text',
  displayMode: 'choice',
  depositKind: 'choice',
  depositValue: 'number',
  requireSignature: 'flag',
  reminders: 'choice',
  remind_unopened: 'number',
  isDefault: 'flag',
};

const targets: Target[] = [
  { name: 'GET /accounts', method: 'GET', as, path: () => '/accounts', fields: { kind: 'choice', q: 'text' } },
  { name: 'GET /accounts/new', method: 'GET', as, path: () => '/accounts/new', fields: { kind: 'choice' } },
  {
    name: 'POST /accounts',
    method: 'POST',
    as,
    path: () => '/accounts',
    fields: {
      kind: 'choice',
      name: 'text',
      email: 'email',
      phone: 'text',
      address: 'text',
      notes: 'text',
      contact_name: 'text',
      contact_email: 'email',
      contact_phone: 'text',
    },
    valid: () => ({
      kind: 'vendor',
      name: 'Sweep Vendor',
      email: 'ap@example.test',
      phone: '555-0101',
      address: '3 Elm St',
      notes: 'Net 30',
      contact_name: 'Pat Vendor',
      contact_email: uniqueEmail('vendor'),
      contact_phone: '',
    }),
  },
  {
    name: 'GET /accounts/:id',
    method: 'GET',
    as,
    path: account,
    pathWith: (id) => `/accounts/${id}`,
    fields: { edit: 'id' },
  },
  {
    name: 'POST /accounts/:id/visibility',
    method: 'POST',
    as,
    path: () => `${account()}/visibility`,
    pathWith: (id) => `/accounts/${id}/visibility`,
    fields: { seesOwnOnly: 'flag' },
    valid: () => ({ seesOwnOnly: '' }),
  },
  {
    name: 'POST /accounts/:id',
    method: 'POST',
    as,
    path: account,
    pathWith: (id) => `/accounts/${id}`,
    fields: { name: 'text', email: 'email', phone: 'text', address: 'text', notes: 'text', kind: 'choice' },
    valid: () => ({
      name: 'Reyes Household',
      email: 'reyes@example.test',
      phone: '555-0102',
      address: '4 Pine St',
      notes: '',
    }),
  },
  {
    name: 'POST /accounts/:id/contacts',
    method: 'POST',
    as,
    path: () => `${account()}/contacts`,
    pathWith: (id) => `/accounts/${id}/contacts`,
    fields: CONTACT,
    valid: contact,
  },
  {
    name: 'POST /accounts/:id/contacts/:contactId',
    method: 'POST',
    as,
    path: () => `${account()}/contacts/${co.customerContact.id}`,
    pathWith: (id) => `${account()}/contacts/${id}`,
    fields: CONTACT,
    valid: contact,
  },
  {
    name: 'POST /accounts/:id/contacts/:contactId/revoke',
    method: 'POST',
    as,
    path: () => `${account()}/contacts/${spareContact}/revoke`,
    pathWith: (id) => `${account()}/contacts/${id}/revoke`,
    valid: () => ({ confirm: 'yes' }), // asked first without it (issue 14)
    runs: 5,
  },
  {
    name: 'POST /settings',
    method: 'POST',
    as,
    path: () => '/settings',
    fields: {
      name: 'text',
      email: 'email',
      phone: 'text',
      address: 'text',
      brandColor: 'text',
      defaultTaxRate: 'number',
      portalLinkDays: 'number',
      defaultFooter: 'text',
      paymentInstructions: 'text',
    },
    valid: () => ({
      name: 'Sweep Settings Co',
      email: 'office@example.test',
      phone: '555-0103',
      address: '5 Main St',
      brandColor: '#1f5f8b',
      defaultTaxRate: '8.25',
      portalLinkDays: '90',
      defaultFooter: 'Thanks',
      paymentInstructions: 'Check',
    }),
  },
  {
    name: 'GET /settings/templates/new',
    method: 'GET',
    as,
    path: () => '/settings/templates/new',
    fields: { kind: 'choice' },
    valid: () => ({ kind: 'estimate' }),
  },
  {
    name: 'POST /settings/templates',
    method: 'POST',
    as,
    path: () => '/settings/templates',
    fields: {
      kind: 'choice',
      name: 'text',
      description: 'text',
      terms: 'text',
      footer: 'text',
      displayMode: 'choice',
      depositKind: 'choice',
      depositValue: 'number',
      reminders: 'choice',
      remind_unopened: 'number',
    },
    // Each valid form names a new template: a second one of a name is refused (422) by design.
    valid: () => ({
      kind: 'estimate',
      name: `Sweep template ${++templates}`,
      description: 'Intro',
      terms: 'Net 30',
      footer: 'Thanks',
      displayMode: 'group_subtotals',
      depositKind: 'percent',
      depositValue: '25',
      reminders: 'custom',
      remind_unopened: '3',
      remind_undecided: '7',
      remind_before: '2',
      remind_overdue_every: '0',
      remind_overdue_max: '0',
    }),
  },
  { name: 'GET /settings/templates', method: 'GET', as, path: () => '/settings/templates', runs: 5 },
  {
    name: 'GET /settings/templates/:id',
    method: 'GET',
    as,
    path: () => `/settings/templates/${template}`,
    pathWith: (id) => `/settings/templates/${id}`,
    runs: 5,
  },
  {
    name: 'POST /settings/templates/:id',
    method: 'POST',
    as,
    path: () => `/settings/templates/${template}`,
    pathWith: (id) => `/settings/templates/${id}`,
    fields: TEMPLATE,
    valid: () => ({ ...templateForm(), name: 'Sweep edited', requireSignature: 'on' }),
  },
  {
    // Making the default twice leaves it the default: every valid form is accepted.
    name: 'POST /settings/templates/:id/default',
    method: 'POST',
    as,
    path: () => `/settings/templates/${template}/default`,
    pathWith: (id) => `/settings/templates/${id}/default`,
    runs: 5,
  },
  {
    name: 'POST /settings/templates/:id/delete',
    method: 'POST',
    as,
    path: () => `/settings/templates/${deletions.current()}/delete`,
    pathWith: (id) => `/settings/templates/${id}/delete`,
    valid: () => ({ confirm: 'yes' }), // asked first without it
    afterSuccess: () => deletions.next(),
    once: true,
    runs: 5,
  },
  {
    name: 'POST /settings/logo',
    method: 'POST',
    as,
    path: () => '/settings/logo',
    multipart: true,
    fields: { logo: 'file' },
    files: () => ({ logo: new File([PNG], 'logo.png', { type: 'image/png' }) }),
    overLimit: 2 * 1024 * 1024 + 64 * 1024,
  },
  {
    name: 'POST /settings/team/invite',
    method: 'POST',
    as,
    path: () => '/settings/team/invite',
    fields: { name: 'text', email: 'email' },
    valid: () => ({ name: 'New Member', email: uniqueEmail('member') }),
  },
  // Settings → Payments (issue 15). Connect talks to Stripe, faked at the HTTP boundary for this file.
  {
    name: 'POST /settings/payments',
    method: 'POST',
    as,
    path: () => '/settings/payments',
    fields: { onlinePaymentDefault: 'flag', payOtherAmount: 'flag', payMinimum: 'number' },
    valid: () => ({ onlinePaymentDefault: 'on', payOtherAmount: 'on', payMinimum: '25.00' }),
  },
  { name: 'POST /settings/payments/connect', method: 'POST', as, path: () => '/settings/payments/connect', runs: 5 },
  // Settings → Reminders (issue 16): the company's defaults and the user's own digest switch.
  {
    name: 'POST /settings/reminders',
    method: 'POST',
    as,
    path: () => '/settings/reminders',
    fields: {
      remindersOn: 'flag',
      remind_unopened: 'number',
      remind_undecided: 'number',
      remind_before: 'number',
      remind_overdue_every: 'number',
      remind_overdue_max: 'number',
    },
    valid: () => ({
      remindersOn: 'on',
      remind_unopened: '3',
      remind_undecided: '7',
      remind_before: '3',
      remind_overdue_every: '7',
      remind_overdue_max: '3',
    }),
  },
  {
    name: 'POST /settings/reminders/digest',
    method: 'POST',
    as,
    path: () => '/settings/reminders/digest',
    fields: { daily_digest: 'flag' },
    valid: () => ({ daily_digest: 'on' }),
  },
];

sweepSuite('accounts and settings', 'accounts and settings', targets, 120_000);
