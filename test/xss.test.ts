import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { contacts, costGroups, costItems, files, outbox } from '../src/db/schema';
import { createDocument, sendDocument } from './fixtures';
import { createAccount, db, PASSWORD, signUp, uniqueEmail } from './helpers';
import { openPortal, pdfFile, uploadFile, versionHashOf, Visitor } from './hostile';
import { editDraft } from './portal-fixtures';

// Markup stored through every text field either side can write must come back as text: on every
// page and in every email that shows it, and when a refused form echoes it back.

/** Every payload at once, within the 120 characters most names allow. */
const P =
  'javascript:alert(1)"><img src=x onerror=alert(1)><script>alert(1)</script></textarea><svg onload=alert(1)>{{7*7}}\u202e';
/** For fields of at most 100 characters (a payment reference). */
const P100 = '"><img src=x onerror=alert(1)><script>alert(1)</script></textarea><svg onload=alert(1)>';
/** For fields of at most 40 (phone, cost code) and 20 (unit). */
const P40 = '"><img src=x onerror=alert(1)>';
const P20 = '"><svg/onload=x>';
/** A name spoofed with a right-to-left override: shows as "Reyes Invoice.pdf" but ends in exe. */
const SPOOF = 'Reyes Invoice\u202efdp.exe';

/** Markup that would run: raw payload tags, event-handler attributes on real tags, javascript: URLs; and, stored, a bidi override. */
function unsafeMarkup(page: string, { stored = true } = {}): string[] {
  const found: string[] = [];
  if (/<script>alert/i.test(page)) found.push('raw <script>');
  if (/<img src=x/i.test(page)) found.push('raw <img src=x>');
  if (/<svg[\s/]+onload/i.test(page)) found.push('raw <svg onload>');
  for (const m of page.matchAll(/<[a-zA-Z][\w-]*((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const attrs = m[1].replace(/"[^"]*"|'[^']*'/g, '""');
    const handler = /(?:^|[\s/])on[a-z]+\s*=/i.exec(attrs);
    if (handler) found.push(`event handler in ${m[0].slice(0, 80)}`);
    if (/\b(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(m[0]))
      found.push(`javascript: URL in ${m[0].slice(0, 80)}`);
  }
  if (stored && page.includes('\u202e')) found.push('right-to-left override character');
  return found;
}

let owner: Visitor;
let customer: Visitor;
let vendor: Visitor;
const ids: Record<string, string> = {};
const pages: { side: 'dashboard' | 'portal'; path: string }[] = [];

beforeAll(async () => {
  const signedUp = await signUp({ company: P, name: P });
  owner = Visitor.from(signedUp.browser);

  // The account basics (issue 12): a session signed in with a hostile User-Agent, an email change
  // waiting for its link (and one to an address that has an account), a sign-up of a company named
  // with markup waiting for its link, the owner's address signed up again, a password-reset link.
  const linkTo = async (email: string, kind: string) => {
    const mails = await db().select().from(outbox).where(eq(outbox.toEmail, email));
    const mail = mails.filter((m) => m.kind === kind).sort((a, b) => b.createdAt - a.createdAt)[0];
    return /http:\/\/localhost(\/[\w/-]+)/.exec(mail.text)![1];
  };
  const hostileDevice = { headers: { 'User-Agent': P100 } };
  expect(
    (await new Visitor().post('/sign-in', { email: signedUp.email, password: PASSWORD }, hostileDevice)).status,
  ).toBe(303);
  const moved = uniqueEmail('xss-moved');
  expect((await owner.post('/settings/account/email', { email: moved, password: PASSWORD })).status).toBe(303);
  ids.emailChange = await linkTo(moved, 'email-change-confirm');
  const other = await signUp({ company: 'Other xss co' });
  expect((await owner.post('/settings/account/email', { email: other.email, password: PASSWORD })).status).toBe(303);
  const pendingEmail = uniqueEmail('xss-pending');
  const signUpForm = { company: P, timeZone: 'UTC', currency: 'USD', name: P, password: PASSWORD };
  expect((await new Visitor().post('/sign-up', { ...signUpForm, email: pendingEmail })).status).toBe(200);
  ids.signUp = await linkTo(pendingEmail, 'sign-up-verify');
  expect((await new Visitor().post('/sign-up', { ...signUpForm, email: signedUp.email })).status).toBe(200);
  expect((await new Visitor().post('/reset-password', { email: signedUp.email })).status).toBe(200);
  ids.reset = await linkTo(signedUp.email, 'password-reset');
  const settings = await owner.post('/settings', {
    name: P,
    email: 'office@example.test',
    phone: P40,
    address: P,
    brandColor: '#1f5f8b',
    defaultTaxRate: '5',
    portalLinkDays: '90',
    'terms.estimate': P,
    'terms.customer_invoice': P,
    defaultFooter: P,
    paymentInstructions: P,
  });
  expect(settings.status).toBe(303);
  expect((await owner.post('/settings/team/invite', { name: P, email: uniqueEmail('xss-member') })).status).toBe(303);

  ids.customer = await createAccount(owner, 'customer', 'Temp customer');
  ids.vendor = await createAccount(owner, 'vendor', 'Temp vendor');
  for (const id of [ids.customer, ids.vendor]) {
    expect(
      (await owner.post(`/accounts/${id}`, { name: P, email: 'acct@example.test', phone: P40, address: P, notes: P }))
        .status,
    ).toBe(303);
    const contact = (await db().query.contacts.findFirst({ where: eq(contacts.accountId, id) }))!;
    expect(
      (await owner.post(`/accounts/${id}/contacts/${contact.id}`, { name: P, email: contact.email, phone: P40 }))
        .status,
    ).toBe(303);
  }
  const job = await owner.post('/jobs', { name: P, address: P, customerAccountId: ids.customer });
  expect(job.status).toBe(303);
  ids.job = job.headers.get('Location')!.split('/jobs/')[1].split('?')[0];
  expect((await owner.post(`/jobs/${ids.job}/groups`, { name: P })).status).toBe(303);
  ids.group = (await db().query.costGroups.findFirst({ where: eq(costGroups.jobId, ids.job) }))!.id;
  const item = {
    groupId: ids.group,
    name: P,
    description: P,
    costCode: P40,
    costType: 'materials',
    quantity: '2',
    unit: P20,
    unitCost: '10.00',
    priceBy: 'markup',
    markup: '20',
    vendorAccountId: ids.vendor,
  };
  expect((await owner.post(`/jobs/${ids.job}/items`, item)).status).toBe(303);
  ids.item = (await db().query.costItems.findFirst({ where: eq(costItems.jobId, ids.job) }))!.id;

  // A customer order with every text field written, sent with a personal message.
  const dressed = (f: [string, string][]) =>
    f.map(([k, v]): [string, string] => [
      k,
      k.endsWith('._new')
        ? v
        : /^(title|description|terms|footer)$|^(name|description)\./.test(k)
          ? P
          : /^unit\./.test(k)
            ? P20
            : v,
    ]);
  ids.estimate = await createDocument(owner, ids.job, 'estimate', { all: '1' });
  await editDraft(owner, ids.estimate, dressed);
  const estimate = await sendDocument(owner, ids.estimate, { name: P, message: P });
  ids.declined = await createDocument(owner, ids.job, 'proposal', { all: '1' });
  await editDraft(owner, ids.declined, dressed);
  await sendDocument(owner, ids.declined, { name: P, message: P });
  ids.invoice = await createDocument(owner, ids.job, 'customer_invoice', { all: '1' });
  await editDraft(owner, ids.invoice, dressed);
  await sendDocument(owner, ids.invoice, { name: P });
  expect(
    (
      await owner.post(`/documents/${ids.invoice}/payments`, {
        amount: '1.00',
        paidOn: '2026-01-15',
        method: 'Check',
        reference: P100,
      })
    ).status,
  ).toBe(303);
  ids.bid = await createDocument(owner, ids.job, 'bid_request', { all: '1' });
  await editDraft(owner, ids.bid, dressed);
  const bid = await sendDocument(owner, ids.bid, { name: P, message: P });
  ids.draft = await createDocument(owner, ids.job, 'estimate', { all: '1' });
  await editDraft(owner, ids.draft, dressed);
  expect((await owner.post(`/documents/${ids.estimate}/revise`)).status).toBe(303);

  // The conversation, from both sides: comments and file names.
  expect(
    (
      await owner.post(`/documents/${ids.estimate}/comments`, {
        body: `${P}\nhttps://example.test/a"onmouseover="alert(1)`,
      })
    ).status,
  ).toBe(303);
  await uploadFile(owner, `/documents/${ids.estimate}`, pdfFile(`x"><img src=x onerror=alert(1)>${SPOOF}.pdf`));
  customer = await openPortal(estimate.link);
  expect((await customer.post(`/portal/documents/${ids.estimate}/comments`, { body: P })).status).toBe(303);
  ids.customerFile = await uploadFile(customer, `/portal/documents/${ids.estimate}`, pdfFile(`${SPOOF}'&"<b>.pdf`));

  // The recipients' decisions: a signature, a decline reason, a bid with notes.
  const signed = await customer.post(`/portal/documents/${ids.estimate}/sign`, {
    versionHash: await versionHashOf(customer, ids.estimate),
    idempotencyKey: 'xss-sign-1',
    name: P,
    method: 'typed',
    consent: 'yes',
  });
  expect(signed.status).toBe(303);
  const declined = await customer.post(`/portal/documents/${ids.declined}/decline`, {
    versionHash: await versionHashOf(customer, ids.declined),
    reason: P,
    confirm: 'yes',
  });
  expect(declined.status).toBe(303);
  vendor = await openPortal(bid.link);
  const bidPage = await (await vendor.get(`/portal/documents/${ids.bid}`)).text();
  const lines = [...bidPage.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
  const bidForm = Object.fromEntries(
    lines.flatMap((l) => [
      [`cost.${l}`, '9.00'],
      [`note.${l}`, P],
    ]),
  );
  const submitted = await vendor.post(`/portal/documents/${ids.bid}/bid`, {
    versionHash: await versionHashOf(vendor, ids.bid),
    note: P,
    ...bidForm,
  });
  expect(submitted.status).toBe(303);

  const dashboard = (path: string) => pages.push({ side: 'dashboard', path });
  const portal = (path: string) => pages.push({ side: 'portal', path });
  for (const path of [
    '/',
    '/jobs',
    `/jobs/${ids.job}`,
    `/jobs/${ids.job}/edit`,
    `/jobs/${ids.job}/groups/${ids.group}/edit`,
    `/jobs/${ids.job}/items/${ids.item}/edit`,
    `/jobs/${ids.job}/items/new`,
    `/jobs/${ids.job}/bids`,
    `/jobs/${ids.job}/documents/new?kind=estimate`,
  ])
    dashboard(path);
  for (const path of [
    '/accounts',
    `/accounts/${ids.customer}`,
    `/accounts/${ids.vendor}`,
    '/documents',
    '/activity',
    '/settings',
    '/settings/team',
    '/settings/account',
    ids.emailChange,
    ids.signUp,
    '/dev/mail',
  ])
    dashboard(path);
  for (const id of [ids.estimate, ids.declined, ids.invoice, ids.bid, ids.draft]) dashboard(`/documents/${id}`);
  for (const path of [
    `/documents/${ids.draft}/send`,
    `/documents/${ids.draft}/send/preview?name=${encodeURIComponent(P)}&message=${encodeURIComponent(P)}`,
    `/documents/${ids.estimate}/compare?from=1&to=2`,
  ])
    dashboard(path);
  for (const path of [
    '/portal',
    `/portal/jobs/${ids.job}`,
    `/portal/documents/${ids.estimate}`,
    `/portal/documents/${ids.declined}`,
    `/portal/documents/${ids.invoice}`,
  ])
    portal(path);
}, 120_000);

describe('stored markup comes back escaped', () => {
  it('on every dashboard and portal page that shows it', async () => {
    const problems: string[] = [];
    for (const { side, path } of [...pages, { side: 'portal' as const, path: `/portal/documents/${ids.bid}` }]) {
      const visitor = side === 'dashboard' ? owner : path.includes(ids.bid) ? vendor : customer;
      const res = await visitor.get(path);
      const page = await res.text();
      if (res.status !== 200) problems.push(`${path}: ${res.status}`);
      for (const p of unsafeMarkup(page)) problems.push(`${path}: ${p}`);
      // Not vacuous: the payload is on the page, as text.
      if (!page.includes('&lt;img src=x onerror=alert(1)>') && !page.includes('&lt;svg/onload=x>'))
        problems.push(`${path}: the payload is not shown`);
    }
    expect(problems).toEqual([]);
    expect(pages.length).toBeGreaterThan(25);
  });

  it('in every email: the html is escaped, the subject and text are plain', async () => {
    const mails = await db().select().from(outbox);
    const mine = mails.filter((m) => m.fromName.includes('alert(1)'));
    expect(mine.length).toBeGreaterThanOrEqual(6); // invite, three documents sent, comments, decisions, bid
    const problems: string[] = [];
    for (const m of mine) {
      for (const p of unsafeMarkup(m.html)) problems.push(`${m.kind} to ${m.toEmail}: ${p}`);
      if (!m.html.includes('&lt;script>alert(1)&lt;/script>') && !m.html.includes('&lt;img src=x'))
        problems.push(`${m.kind}: the payload is not shown`);
      if (/[\r\n]/.test(m.subject)) problems.push(`${m.kind}: a line break in the subject`);
      const page = await (await owner.get(`/dev/mail/${m.id}`)).text();
      for (const p of unsafeMarkup(page)) problems.push(`/dev/mail/${m.id}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('in every account email: sign-up, password reset, email change', async () => {
    const kinds = [
      'sign-up-verify',
      'sign-up-existing',
      'password-reset',
      'email-change-confirm',
      'email-change-notice',
      'email-change-taken',
    ];
    const mails = (await db().select().from(outbox)).filter(
      (m) => kinds.includes(m.kind) && m.text.includes('alert(1)'),
    );
    expect([...new Set(mails.map((m) => m.kind))].sort()).toEqual([...kinds].sort());
    const problems: string[] = [];
    for (const m of mails) {
      for (const p of unsafeMarkup(m.html)) problems.push(`${m.kind} to ${m.toEmail}: ${p}`);
      if (!m.html.includes('&lt;script>alert(1)&lt;/script>') && !m.html.includes('&lt;img src=x'))
        problems.push(`${m.kind}: the payload is not shown`);
      if (/[\r\n]/.test(m.subject)) problems.push(`${m.kind}: a line break in the subject`);
    }
    expect(problems).toEqual([]);
  });

  it('when a refused form or a link echoes it back', async () => {
    const problems: string[] = [];
    const check = async (label: string, res: Response) => {
      const page = await res.text();
      if (res.status >= 500) problems.push(`${label}: ${res.status}`);
      // What a person typed comes back in the form as typed (bidi controls included) — as text.
      for (const p of unsafeMarkup(page, { stored: false })) problems.push(`${label}: ${p}`);
    };
    const stranger = new Visitor();
    await check('POST /sign-in', await stranger.post('/sign-in', { email: P, password: P, next: P }));
    await check(
      'POST /sign-up',
      await stranger.post('/sign-up', { company: P, name: P, email: P, password: 'short', timeZone: P, currency: P }),
    );
    await check('GET /sign-in?next', await stranger.get(`/sign-in?next=${encodeURIComponent('javascript:alert(1)')}`));
    await check('GET /p/:token', await stranger.get(`/p/${encodeURIComponent(P)}`));
    await check('POST /p/fresh-link', await stranger.post('/p/fresh-link', { token: P }));
    await check('POST /verify', await stranger.post('/verify', { sha256: P }));
    await check('POST /reset-password', await stranger.post('/reset-password', { email: P }));
    await check('GET /reset-password/:token (unknown)', await stranger.get(`/reset-password/${encodeURIComponent(P)}`));
    await check('POST /reset-password/:token (too short)', await stranger.post(ids.reset, { password: P.slice(0, 8) }));
    await check('GET /sign-up/verify/:token (unknown)', await stranger.get(`/sign-up/verify/${encodeURIComponent(P)}`));
    await check('POST /settings/account/email', await owner.post('/settings/account/email', { email: P, password: P }));
    await check(
      'GET /settings/account/email/:token (unknown)',
      await owner.get(`/settings/account/email/${encodeURIComponent(P)}`),
    );
    await check('POST /jobs', await owner.post('/jobs', { name: P, address: P, customerAccountId: P }));
    await check(
      'POST /jobs/:id/items',
      await owner.post(`/jobs/${ids.job}/items`, {
        groupId: ids.group,
        name: P,
        description: P,
        unit: P,
        quantity: P,
        unitCost: P,
        markup: P,
      }),
    );
    await check(
      'POST /accounts',
      await owner.post('/accounts', { kind: 'customer', name: P, email: P, contact_name: P, contact_email: P }),
    );
    await check('POST /settings', await owner.post('/settings', { name: P, brandColor: P, portalLinkDays: P }));
    await check(
      'POST /documents/:id',
      await owner.post(`/documents/${ids.draft}`, { title: P, number: P, issueDate: P }),
    );
    await check(
      'POST /documents/:id/send',
      await owner.post(`/documents/${ids.draft}/send`, { name: P, email: P, message: P }),
    );
    await check('GET /jobs?q', await owner.get(`/jobs?q=${encodeURIComponent(P)}`));
    await check('GET /accounts?q', await owner.get(`/accounts?q=${encodeURIComponent(P)}`));
    await check('GET /?notice', await owner.get(`/?notice=${encodeURIComponent(P)}`));
    await check(
      'GET /portal/documents/:id?notice',
      await customer.get(`/portal/documents/${ids.invoice}?notice=${encodeURIComponent(P)}`),
    );
    await check(
      'POST /portal/documents/:id/comments (too long)',
      await customer.post(`/portal/documents/${ids.invoice}/comments`, { body: P.repeat(50) }),
    );
    await check(
      'POST /portal/documents/:id/decline (too long)',
      await customer.post(`/portal/documents/${ids.invoice}/decline`, { reason: P.repeat(10) }),
    );
    expect(problems).toEqual([]);
  });

  it('a file name cannot break out of the download header or spoof its extension', async () => {
    const res = await customer.get(`/portal/documents/${ids.estimate}/files/${ids.customerFile}`);
    expect(res.status).toBe(200);
    const disposition = res.headers.get('Content-Disposition')!;
    expect(disposition).not.toMatch(/[\r\n\u202e]/);
    expect(disposition.match(/filename=/g)).toHaveLength(1);
    expect(disposition).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''[^\s;"]+$/);
    const [row] = await db().select().from(files).where(eq(files.id, ids.customerFile));
    expect(row.name).toMatch(/^Reyes Invoicefdp\.exe'&/);
    expect(row.name).not.toMatch(/[\u202e<>"]/);
  });

  it('{{7*7}} stays literal text: nothing evaluates templates', async () => {
    const page = await (await owner.get(`/jobs/${ids.job}`)).text();
    expect(page).toContain('{{7*7}}');
    expect(page).not.toMatch(/>\s*49\s*</);
  });

  it('a signer can still sign and a recipient can still comment in a right-to-left script', async () => {
    const page = await (await customer.get(`/portal/documents/${ids.estimate}`)).text();
    expect(page).toContain('&lt;script>alert(1)&lt;/script>');
    expect(
      (await customer.post(`/portal/documents/${ids.estimate}/comments`, { body: 'שלום, مرحبا — זה בסדר' })).status,
    ).toBe(303);
    expect(await (await customer.get(`/portal/documents/${ids.estimate}`)).text()).toContain('שלום, مرحبا — זה בסדר');
  });
});
