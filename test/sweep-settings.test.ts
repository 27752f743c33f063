import { beforeAll } from 'vitest';
import { companyWithBudget } from './fixtures';
import { db, uniqueEmail } from './helpers';
import { type FieldKind, type Target, Visitor, watchWrites, sweepSuite } from './hostile';
import { PNG } from './portal-fixtures';
import { fakeStripe } from './stripe-fake';

// The hostile-input sweep over customers, vendors and their contacts, and the company settings.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let v: Visitor;
let spareContact: string;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Sweep Settings Co' });
  v = Visitor.from(co.browser);
  await v.post(`/accounts/${co.customerId}/contacts`, { name: 'Spare Contact', email: uniqueEmail('spare') });
  spareContact = (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.name, 'Spare Contact') }))!.id;
  fakeStripe();
  await watchWrites();
}, 60_000);

const CONTACT: Record<string, FieldKind> = { name: 'text', email: 'email', phone: 'text' };
const as = () => v;
const account = () => `/accounts/${co.customerId}`;
const contact = () => ({ name: 'Dana Reyes', email: uniqueEmail('contact'), phone: '555-0100' });

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
      'terms.estimate': 'text',
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
      'terms.estimate': 'Net 30',
      defaultFooter: 'Thanks',
      paymentInstructions: 'Check',
    }),
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
