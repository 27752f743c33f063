import { desc, eq } from 'drizzle-orm';
import { buildApp } from '../src/app';
import { beforeAll, expect, it } from 'vitest';
import { onlinePayments, orgs, outbox, portalSessions, signatures } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { db, PASSWORD, uniqueEmail } from './helpers';
import { openPortal, rotation, type Target, Visitor, watchWrites, sweepSuite } from './hostile';
import { tokenOf } from './portal-fixtures';
import account from './sweep-account.test.ts?raw';
import budget from './sweep-budget.test.ts?raw';
import documents from './sweep-documents.test.ts?raw';
import portal from './sweep-portal.test.ts?raw';
import settings from './sweep-settings.test.ts?raw';

// The hostile-input sweep over what answers without a contractor session: signing in and up,
// invitations, portal links, the fresh-link form, the public verify page, the dev mailbox.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let owner: Visitor;
let invites: ReturnType<typeof rotation<string>>;
let link: string;
let mailId: string;
let docId: string;
/** A sealed file's record (issue 18: /verify/:record), a signature row standing for a sealed one. */
let record: string;
let ended: Visitor;
const stranger = new Visitor();
const signingIn = new Visitor();
const signingUp = new Visitor();
const invitee = new Visitor();

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Sweep Public Co' });
  owner = Visitor.from(co.browser);
  const tokens: string[] = [];
  for (let i = 0; i < 12; i++) {
    const email = uniqueEmail('invitee');
    const res = await owner.post('/settings/team/invite', { name: `Invitee ${i}`, email });
    if (res.status !== 303) throw new Error(`invite: ${res.status}`);
    const [mail] = await db().select().from(outbox).where(eq(outbox.toEmail, email)).orderBy(desc(outbox.createdAt));
    tokens.push(/\/invite\/([\w-]+)/.exec(mail.text)![1]);
  }
  invites = rotation(tokens);
  const id = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
  ({ link } = await sendDocument(owner, id));
  docId = id;
  // A sealed file's record on a document of its own (a draft: nothing else here looks at it).
  const sealedDoc = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
  record = `sweeprecord${Date.now().toString(36)}`;
  await db()
    .insert(signatures)
    .values({
      id: record,
      orgId: co.orgId,
      documentId: sealedDoc,
      versionId: `${sealedDoc}v1`,
      version: 1,
      contactId: co.customerContact.id,
      outcome: 'signed',
      signerName: 'Sweep Signer',
      signerEmail: co.customerContact.email,
      method: 'typed',
      signedAt: Date.now(),
      unsignedPdfSha256: 'e'.repeat(64),
      sealedPdfSha256: 'f'.repeat(64),
      sealedPdfKey: 'sweep/none.pdf',
      sealedAt: Date.now(),
    });
  mailId = (await db().select({ id: outbox.id }).from(outbox).orderBy(desc(outbox.createdAt)).limit(1))[0].id;
  // A browser whose portal session ended (issue 13): it may ask for a new link without one.
  ended = await openPortal(link);
  await db()
    .update(portalSessions)
    .set({ expiresAt: Date.now() - 1000 })
    .where(eq(portalSessions.id, await sha256Hex(ended.cookies.get('cp_portal')!)));
  // Development's simulated Stripe (issue 15): the company on a dev account, an open Checkout session.
  await db().update(orgs).set({ stripeAccountId: devAccount, stripeStatus: 'pending' }).where(eq(orgs.id, co.orgId));
  const now = Date.now();
  const open = (n: string) => ({
    id: `${devPaymentId}${n}`,
    orgId: co.orgId,
    documentId: id,
    version: 1,
    purpose: 'deposit' as const,
    amount: 1000,
    currency: 'USD',
    sessionId: `${devSession}${n}`,
    url: `http://localhost/dev/stripe/checkout/${devSession}${n}`,
    status: 'open' as const,
    expiresAt: now + 3_600_000,
    createdAt: now,
    updatedAt: now,
  });
  await db()
    .insert(onlinePayments)
    .values([open(''), open('-2')]);
  await watchWrites();
}, 60_000);
const devAccount = 'acct_dev_sweeppublic';
const devSession = 'cs_dev_sweeppublic';
const devPaymentId = 'op_dev_sweeppublic';

const targets: Target[] = [
  { name: 'GET /sign-in', method: 'GET', as: () => stranger, path: () => '/sign-in', fields: { next: 'text' } },
  {
    name: 'POST /sign-in',
    method: 'POST',
    as: () => signingIn,
    path: () => '/sign-in',
    fields: { email: 'email', password: 'password', next: 'text' },
    valid: () => ({ email: co.email, password: PASSWORD, next: '/jobs' }),
  },
  {
    name: 'POST /sign-up',
    method: 'POST',
    as: () => signingUp,
    path: () => '/sign-up',
    fields: {
      company: 'text',
      timeZone: 'choice',
      currency: 'choice',
      name: 'text',
      email: 'email',
      password: 'password',
    },
    valid: () => ({
      company: 'Sweep Signup Co',
      timeZone: 'America/Chicago',
      currency: 'USD',
      name: 'New Owner',
      email: uniqueEmail('signup'),
      password: PASSWORD,
    }),
  },
  { name: 'POST /sign-out', method: 'POST', as: () => stranger, path: () => '/sign-out', runs: 5 },
  {
    name: 'GET /invite/:token',
    method: 'GET',
    as: () => stranger,
    path: () => `/invite/${invites.current()}`,
    pathWith: (id) => `/invite/${id}`,
  },
  {
    name: 'POST /invite/:token',
    method: 'POST',
    as: () => invitee,
    path: () => `/invite/${invites.current()}`,
    pathWith: (id) => `/invite/${id}`,
    fields: { name: 'text', password: 'password' },
    valid: () => ({ name: 'Invited Person', password: PASSWORD }),
    afterSuccess: () => invites.next(),
  },
  { name: 'GET /brand.css', method: 'GET', as: () => stranger, path: () => '/brand.css', fields: { c: 'text' } },
  {
    name: 'GET /brand/:orgId/logo',
    method: 'GET',
    as: () => stranger,
    path: () => `/brand/${co.orgId}/logo`,
    pathWith: (id) => `/brand/${id}/logo`,
    once: true, // the company has no logo: 404 is its answer
    runs: 5,
  },
  {
    name: 'GET /p/:token',
    method: 'GET',
    as: () => stranger,
    path: () => link,
    pathWith: (id) => `/p/${id}`,
    once: true,
  },
  {
    name: 'POST /p/fresh-link',
    method: 'POST',
    as: () => stranger,
    path: () => '/p/fresh-link',
    fields: { token: 'token', document: 'id' },
    valid: () => ({ token: tokenOf(link) }),
  },
  {
    name: 'POST /p/fresh-link (from an ended portal session)',
    method: 'POST',
    as: () => ended,
    path: () => '/p/fresh-link',
    fields: { token: 'token', document: 'id' },
    valid: () => ({ document: docId }),
  },
  {
    name: 'POST /p/email-link',
    method: 'POST',
    as: () => stranger,
    path: () => '/p/email-link',
    fields: { email: 'email' },
    valid: () => ({ email: uniqueEmail('nobody') }),
  },
  {
    name: 'POST /verify',
    method: 'POST',
    as: () => stranger,
    path: () => '/verify',
    multipart: true,
    overLimit: 0,
    fields: { sha256: 'text', file: 'file' },
    valid: () => ({ sha256: 'a'.repeat(64) }),
  },
  {
    name: 'GET /verify/:record',
    method: 'GET',
    as: () => stranger,
    path: () => `/verify/${record}`,
    pathWith: (id) => `/verify/${id}`,
  },
  {
    name: 'POST /verify/:record',
    method: 'POST',
    as: () => stranger,
    path: () => `/verify/${record}`,
    pathWith: (id) => `/verify/${id}`,
    multipart: true,
    overLimit: 0,
    fields: { file: 'file' },
    valid: () => ({}),
  },
  {
    name: 'GET /dev/mail/:id',
    method: 'GET',
    as: () => stranger,
    path: () => `/dev/mail/${mailId}`,
    pathWith: (id) => `/dev/mail/${id}`,
  },
  {
    name: 'GET /dev/mail/:id/html',
    method: 'GET',
    as: () => stranger,
    path: () => `/dev/mail/${mailId}/html`,
    pathWith: (id) => `/dev/mail/${id}/html`,
  },
  { name: 'POST /dev/seed', method: 'POST', as: () => stranger, path: () => '/dev/seed', once: true, runs: 5 },
  {
    name: 'GET /dev/stripe/checkout/:sessionId',
    method: 'GET',
    as: () => stranger,
    path: () => `/dev/stripe/checkout/${devSession}`,
    pathWith: (id) => `/dev/stripe/checkout/${id}`,
  },
  {
    name: 'POST /dev/stripe/checkout/:sessionId',
    method: 'POST',
    as: () => stranger,
    path: () => `/dev/stripe/checkout/${devSession}`,
    pathWith: (id) => `/dev/stripe/checkout/${id}`,
    fields: { method: 'choice' },
    valid: () => ({ method: 'us_bank_account' }),
    once: true, // the session is paid by the first valid form
  },
  {
    name: 'POST /dev/stripe/payments/:id',
    method: 'POST',
    as: () => stranger,
    path: () => `/dev/stripe/payments/${devPaymentId}-2`,
    pathWith: (id) => `/dev/stripe/payments/${id}`,
    fields: { step: 'choice', amount: 'number' },
    valid: () => ({ step: 'expire' }),
    once: true, // the session is expired by the first valid form
  },
  {
    name: 'GET /dev/stripe/onboard/:account',
    method: 'GET',
    as: () => stranger,
    path: () => `/dev/stripe/onboard/${devAccount}`,
    pathWith: (id) => `/dev/stripe/onboard/${id}`,
    fields: { return: 'text' },
  },
  {
    name: 'POST /dev/stripe/onboard/:account',
    method: 'POST',
    as: () => stranger,
    path: () => `/dev/stripe/onboard/${devAccount}`,
    pathWith: (id) => `/dev/stripe/onboard/${id}`,
    fields: { outcome: 'choice', return: 'text' },
    valid: () => ({ outcome: 'pending', return: '/settings/payments' }),
  },
  {
    name: 'GET /dev/documents/:id/deadline',
    method: 'GET',
    as: () => owner,
    path: () => `/dev/documents/${docId}/deadline`,
    pathWith: (id) => `/dev/documents/${id}/deadline`,
  },
  {
    name: 'POST /dev/documents/:id/deadline',
    method: 'POST',
    as: () => owner,
    path: () => `/dev/documents/${docId}/deadline`,
    pathWith: (id) => `/dev/documents/${id}/deadline`,
    fields: { deadline: 'text' },
    valid: () => ({ deadline: '2099-01-01' }),
    runs: 10,
  },
  {
    name: 'POST /dev/scheduled',
    method: 'POST',
    as: () => stranger,
    path: () => '/dev/scheduled',
    fields: { days: 'text' },
    valid: () => ({ days: '0' }),
    runs: 10,
  },
  {
    name: 'POST /dev/bench-seed',
    method: 'POST',
    as: () => stranger,
    path: () => '/dev/bench-seed',
    once: true,
    runs: 5,
  },
];

sweepSuite('public routes', 'public routes', targets, 120_000);

/** Routes that read nothing from the request but the session: the sweep has nothing to send them. */
const NO_INPUT = [
  'GET /healthz',
  'GET /robots.txt',
  'GET /',
  'GET /sign-up',
  'GET /verify',
  'GET /dev/mail',
  'GET /dev/stripe',
  'GET /settings',
  'GET /settings/logo',
  'GET /settings/team',
  'GET /settings/payments',
  'GET /settings/payments/stripe/refresh',
  'GET /settings/payments/stripe/return',
  'GET /settings/reminders',
  'GET /reset-password',
  'GET /settings/account',
];

it('the sweep covers every route of the app that takes input', async () => {
  const self = (await import('./sweep-public.test.ts?raw')).default;
  const tables = [self, account, budget, documents, portal, settings].join('\n');
  const routes = [
    ...new Set(
      buildApp()
        .routes.filter((r) => r.method !== 'ALL')
        .map(
          (r) =>
            `${r.method} ${r.path
              .replace(/\/versions\/:file\{[^}]*\}/, '/versions/:n.pdf')
              .replace(/\/:file\{[^}]*\.(pdf|png)\}/, '/:id.$1')
              .replace(/\/:id\{[^}]*\}/, '/:id')
              .replace(/\/:slotId\{[^/]*\}/, '/:slotId')}`,
        ),
    ),
  ];
  const missing = routes.filter(
    (r) => !NO_INPUT.includes(r) && !tables.includes(`name: '${r}'`) && !tables.includes(`name: '${r} (`),
  );
  expect(missing).toEqual([]);
  expect(routes.length).toBeGreaterThan(90);
});

// Stripe's webhook takes no form and no CSRF token (its signature is its authentication), so it is
// swept here by hand rather than by the form sweep: unsigned, signed garbage and odd shapes.
it('POST /webhooks/stripe: hostile bodies, signed or not, never a 500 and nothing written', async () => {
  const target = { name: 'POST /webhooks/stripe (hostile bodies)' };
  const { deliver, stripeEvent } = await import('./stripe-fake');
  const before = await db().select().from(outbox);
  const unsigned = ['', '{"body": ', 'a=%E0%A4%A&b=%', JSON.stringify(stripeEvent('charge.refunded', {}))];
  for (const body of unsigned) {
    const res = await stranger.fetch('/webhooks/stripe', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': 't=1,v1=abc' },
    });
    expect(res.status, `${target.name}: ${JSON.stringify(body)}`).toBe(400);
  }
  const odd: unknown[] = [
    { id: 'evt_odd_1', type: 'checkout.session.completed', livemode: false, account: 'acct_x' },
    { id: 'evt_odd_2', type: 'checkout.session.completed', livemode: false, data: { object: null } },
    stripeEvent('checkout.session.completed', { id: 42, metadata: null, amount_total: 'x' }, { account: 'acct_x' }),
    stripeEvent('charge.refunded', { payment_intent: ['pi'], amount_refunded: '1e308' }, { account: 'acct_x' }),
    stripeEvent('account.updated', { id: { $ne: null }, capabilities: 'x' }, { account: 'acct_x' }),
    stripeEvent('\u202e\u0000 🏗', { id: 'cs_x' }, { account: 'acct_x' }),
  ];
  for (const event of odd) {
    const res = await deliver(event);
    expect(res.status, `${target.name}: ${JSON.stringify(event)}`).toBe(200);
  }
  expect(await db().select().from(outbox)).toHaveLength(before.length);
});
