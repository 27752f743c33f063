// Customers, vendors and their contacts; then the account side's races.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { signUp as signUpAction } from '../src/auth/actions';
import { database } from '../src/db/client';
import { accounts, activity, contacts, outbox, users } from '../src/db/schema';
import { Refused } from '../src/errors';
import { openPortalLink, requestFreshLink } from '../src/portal/actions';
import { signPortalToken } from '../src/portal/links';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Browser, createAccount, db, location, PASSWORD, signUp, uniqueEmail } from './helpers';
import { fieldError, formHtml, inputValue, selectedOption } from './pages';
import { PNG, SECRET } from './portal-fixtures';

describe('customers, vendors and contacts', () => {
  const accountRow = (id: string) => db().query.accounts.findFirst({ where: eq(accounts.id, id) });
  const contactsOf = (accountId: string) =>
    db().select().from(contacts).where(eq(contacts.accountId, accountId)).orderBy(contacts.name);

  /** Account ids linked from the list page, in order. */
  const listed = (body: string) => [...body.matchAll(/<td><a href="\/accounts\/([a-z0-9]+)">/g)].map((m) => m[1]);

  describe('customers and vendors', () => {
    it('creates a customer with its primary contact', async () => {
      const { browser, orgId } = await signUp();
      const form = await (await browser.get('/accounts/new?kind=customer')).text();
      expect(selectedOption(form, 'kind')).toBe('customer');
      const res = await browser.post('/accounts', {
        kind: 'customer',
        name: '  Reyes Household ',
        email: 'Dana.Reyes@Example.TEST',
        phone: '(720) 555-0186',
        address: '14 Elm Street\r\nDenver, CO 80206',
        notes: 'Prefers email.',
        contact_name: 'Dana Reyes',
        contact_email: 'dana@example.test',
        contact_phone: '720 555 0186',
      });
      expect(res.status).toBe(303);
      const id = location(res).split('/accounts/')[1].split('?')[0];
      expect(await accountRow(id)).toMatchObject({
        orgId,
        kind: 'customer',
        name: 'Reyes Household',
        email: 'dana.reyes@example.test',
        phone: '(720) 555-0186',
        address: '14 Elm Street\nDenver, CO 80206',
        notes: 'Prefers email.',
      });
      expect(await contactsOf(id)).toMatchObject([
        { orgId, name: 'Dana Reyes', email: 'dana@example.test', phone: '720 555 0186', accessVersion: 1 },
      ]);
      const page = await (await browser.get(location(res))).text();
      expect(page).toContain('Reyes Household');
      expect(page).toContain('dana@example.test');
      expect(page).toContain('Reyes Household was added.');
    });

    it('creates a vendor without a contact', async () => {
      const { browser } = await signUp();
      const res = await browser.post('/accounts', {
        kind: 'vendor',
        name: 'Valley Lumber',
        contact_name: '',
        contact_email: '  ',
      });
      expect(res.status).toBe(303);
      const id = location(res).split('/accounts/')[1].split('?')[0];
      expect((await accountRow(id))!.kind).toBe('vendor');
      expect(await contactsOf(id)).toEqual([]);
      expect(await (await browser.get(`/accounts/${id}`)).text()).toContain('No contacts yet.');
    });

    it('lists, filters by kind and searches by name or email', async () => {
      const { browser } = await signUp();
      const reyes = await createAccount(browser, 'customer', 'Reyes Household');
      const patel = await createAccount(browser, 'customer', 'patel family');
      const lumber = await createAccount(browser, 'vendor', 'Valley Lumber');
      const percent = await createAccount(browser, 'vendor', '100% Electric');
      await browser.post(`/accounts/${lumber}`, { name: 'Valley Lumber', email: 'orders@valley.test' });

      const list = async (query: string) => {
        const res = await browser.get(`/accounts${query}`);
        expect(res.status).toBe(200);
        return listed(await res.text());
      };
      expect(await list('')).toEqual([percent, patel, reyes, lumber]); // by name, ignoring case
      expect(await list('?kind=customer')).toEqual([patel, reyes]);
      expect(await list('?kind=vendor')).toEqual([percent, lumber]);
      expect(await list('?kind=nonsense')).toEqual([percent, patel, reyes, lumber]);
      expect(await list('?q=REYES')).toEqual([reyes]);
      expect(await list('?q=orders%40valley')).toEqual([lumber]);
      expect(await list('?q=%25')).toEqual([percent]);
      expect(await list('?q=_')).toEqual([]);
      expect(await list('?kind=customer&q=valley')).toEqual([]);
      const body = await (await browser.get('/accounts')).text();
      expect(body).toMatch(/Reyes Household<\/a><\/td><td>Customer<\/td>/);
      expect(body).toMatch(
        /Valley Lumber<\/a><\/td><td>Vendor<\/td><td>orders@valley.test<\/td><td><\/td><td class="num">1<\/td>/,
      );
    });

    it('edits an account, keeping its kind', async () => {
      const { browser } = await signUp();
      const id = await createAccount(browser, 'customer', 'Reyes Household');
      const form = await (await browser.get(`/accounts/${id}`)).text();
      expect(inputValue(formHtml(form, `/accounts/${id}`), 'email')).toBe('acct@example.test');
      const res = await browser.post(`/accounts/${id}`, {
        kind: 'vendor',
        name: 'Reyes Family',
        email: 'family@example.test',
        phone: '555',
        address: 'A\nB',
        notes: 'Gate code 1234',
      });
      expect(res.status).toBe(303);
      expect(await accountRow(id)).toMatchObject({
        kind: 'customer',
        name: 'Reyes Family',
        email: 'family@example.test',
        phone: '555',
        address: 'A\nB',
        notes: 'Gate code 1234',
      });
      const page = await (await browser.get(`/accounts/${id}`)).text();
      expect(inputValue(formHtml(page, `/accounts/${id}`), 'notes')).toBe('Gate code 1234');
      expect(page).toContain('<p class="sub">Customer</p>');
    });
  });

  describe('contacts', () => {
    it('adds and edits contacts of an account', async () => {
      const { browser, orgId } = await signUp();
      const id = await createAccount(browser, 'vendor', 'Summit Electric');
      const added = await browser.post(`/accounts/${id}/contacts`, {
        name: 'Marco Ruiz',
        email: 'MARCO@summit.test',
        phone: '720-555-0134',
      });
      expect(added.status).toBe(303);
      const marco = (await contactsOf(id)).find((p) => p.name === 'Marco Ruiz')!;
      expect(marco).toMatchObject({ orgId, accountId: id, email: 'marco@summit.test', phone: '720-555-0134' });

      const editing = await (await browser.get(`/accounts/${id}?edit=${marco.id}`)).text();
      expect(editing).toContain(`action="/accounts/${id}/contacts/${marco.id}"`);
      expect(inputValue(formHtml(editing, `/accounts/${id}/contacts/${marco.id}`), 'email')).toBe('marco@summit.test');

      const saved = await browser.post(`/accounts/${id}/contacts/${marco.id}`, {
        name: 'Marco A. Ruiz',
        email: 'marco.ruiz@summit.test',
        phone: '',
      });
      expect(saved.status).toBe(303);
      expect(await db().query.contacts.findFirst({ where: eq(contacts.id, marco.id) })).toMatchObject({
        name: 'Marco A. Ruiz',
        email: 'marco.ruiz@summit.test',
        phone: '',
        accountId: id,
      });
      expect((await contactsOf(id)).map((p) => p.name)).toEqual(['Marco A. Ruiz', 'Summit Electric Contact']);
      const page = await (await browser.get(`/accounts/${id}`)).text();
      expect(page).toContain('marco.ruiz@summit.test');
    });

    it('answers 404 for a contact of another account, even in the same org', async () => {
      const { browser } = await signUp();
      const one = await createAccount(browser, 'customer', 'One');
      const two = await createAccount(browser, 'customer', 'Two');
      const contact = (await contactsOf(one))[0];
      const res = await browser.post(`/accounts/${two}/contacts/${contact.id}`, {
        name: 'Moved',
        email: 'moved@example.test',
      });
      expect(res.status).toBe(404);
      expect(await db().query.contacts.findFirst({ where: eq(contacts.id, contact.id) })).toEqual(contact);
      expect((await browser.get('/accounts/nosuchaccount00000')).status).toBe(404);
      expect(
        (await browser.post('/accounts/nosuchaccount00000/contacts', { name: 'X', email: 'x@example.test' })).status,
      ).toBe(404);
    });
  });

  describe('validation', () => {
    let browser: Browser;
    let orgId: string;
    let account: string;
    let contact: string;
    const counts = async () => ({
      accounts: await db().$count(accounts, eq(accounts.orgId, orgId)),
      contacts: await db().$count(contacts, eq(contacts.orgId, orgId)),
    });

    beforeAll(async () => {
      ({ browser, orgId } = await signUp());
      account = await createAccount(browser, 'customer', 'Steady Customer');
      contact = (await contactsOf(account))[0].id;
    });

    const good = {
      kind: 'customer',
      name: 'New Customer',
      email: 'new@example.test',
      phone: '',
      address: '',
      notes: '',
    };
    const newAccountCases: [string, Record<string, string>, string, string][] = [
      ['a missing name', { ...good, name: '' }, 'name', 'Name is required.'],
      [
        'a name over 120 characters',
        { ...good, name: 'n'.repeat(121) },
        'name',
        'Name must be at most 120 characters.',
      ],
      [
        'a bad email',
        { ...good, email: 'dana at example' },
        'email',
        'Email must be an email address like name@example.com.',
      ],
      [
        'an email without a domain',
        { ...good, email: 'dana@localhost' },
        'email',
        'Email must be an email address like name@example.com.',
      ],
      [
        'an email with markup',
        { ...good, email: '<a>@example.test' },
        'email',
        'Email must be an email address like name@example.com.',
      ],
      [
        'a phone over 40 characters',
        { ...good, phone: '5'.repeat(41) },
        'phone',
        'Phone must be at most 40 characters.',
      ],
      [
        'notes over 2,000 characters',
        { ...good, notes: 'x'.repeat(2001) },
        'notes',
        'Notes must be at most 2,000 characters.',
      ],
      ['an unknown kind', { ...good, kind: 'partner' }, 'kind', 'Choose a kind from the list.'],
      ['a contact without an email', { ...good, contact_name: 'Dana' }, 'contact_email', 'Contact email is required.'],
      [
        'a contact with a bad email',
        { ...good, contact_name: 'Dana', contact_email: 'dana@' },
        'contact_email',
        'Contact email must be an email address like name@example.com.',
      ],
      [
        'a contact email without a name',
        { ...good, contact_email: 'dana@example.test' },
        'contact_name',
        'Contact name is required.',
      ],
    ];

    it.each(newAccountCases)(
      'refuses a new account with %s: 422, message, values kept, nothing written',
      async (_, form, field, message) => {
        const before = await counts();
        const res = await browser.post('/accounts', form);
        expect(res.status).toBe(422);
        const body = await res.text();
        expect(fieldError(body, field)).toBe(message);
        expect(body).toContain('form-summary');
        if (form.name.length <= 120) expect(inputValue(body, 'name')).toBe(form.name);
        if (form.contact_email) expect(inputValue(body, 'contact_email')).toBe(form.contact_email);
        expect(inputValue(body, 'email')).toBe(form.email);
        expect(await counts()).toEqual(before);
      },
    );

    it('refuses an account edit with a bad email or no name, changing nothing', async () => {
      const before = await accountRow(account);
      const bad = await browser.post(`/accounts/${account}`, { name: 'Renamed', email: 'nope' });
      expect(bad.status).toBe(422);
      const body = await bad.text();
      expect(fieldError(body, 'email')).toBe('Email must be an email address like name@example.com.');
      const details = formHtml(body, `/accounts/${account}`);
      expect(inputValue(details, 'email')).toBe('nope');
      expect(inputValue(details, 'name')).toBe('Renamed');
      const blank = await browser.post(`/accounts/${account}`, { name: '', email: '' });
      expect(blank.status).toBe(422);
      expect(fieldError(await blank.text(), 'name')).toBe('Name is required.');
      expect(await accountRow(account)).toEqual(before);
    });

    it.each([
      ['no name', { name: '', email: 'ok@example.test' }, 'name', 'Contact name is required.'],
      ['no email', { name: 'Ok', email: '' }, 'email', 'Contact email is required.'],
      [
        'a bad email',
        { name: 'Ok', email: 'ok@@example.test' },
        'email',
        'Contact email must be an email address like name@example.com.',
      ],
      [
        'a long phone',
        { name: 'Ok', email: 'ok@example.test', phone: '1'.repeat(41) },
        'phone',
        'Contact phone must be at most 40 characters.',
      ],
    ])('refuses a contact with %s on add and on edit, writing nothing', async (_, form, field, message) => {
      const before = await counts();
      const contactBefore = await db().query.contacts.findFirst({ where: eq(contacts.id, contact) });
      const add = await browser.post(`/accounts/${account}/contacts`, form);
      expect(add.status).toBe(422);
      const addBody = await add.text();
      expect(addBody).toContain(message);
      expect(addBody).toContain('<details open');
      const edit = await browser.post(`/accounts/${account}/contacts/${contact}`, form);
      expect(edit.status).toBe(422);
      const editBody = await edit.text();
      expect(editBody).toContain(message);
      expect(editBody).toContain(`action="/accounts/${account}/contacts/${contact}"`);
      expect(fieldError(editBody, field)).toBe(message);
      expect(await counts()).toEqual(before);
      expect(
        await db().query.contacts.findFirst({ where: and(eq(contacts.id, contact), eq(contacts.orgId, orgId)) }),
      ).toEqual(contactBefore);
    });

    it('refuses a 1 MB name with a 4xx, never a 500', async () => {
      const before = await counts();
      const res = await browser.post('/accounts', { ...good, name: 'x'.repeat(1024 * 1024) });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await counts()).toEqual(before);
    });
  });
});

describe('account races', () => {
  // Issue 11 for the account side: sign-up, invitations, the logo and the portal's links, as actions
  // (no HTTP) and as N concurrent requests through the Worker, with the exact outcome asserted.

  const N = 8;
  const DAY = 86_400_000;
  const all = <T>(n: number, make: (i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: n }, (_, i) => make(i)));
  const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();

  describe('sign-up and invitations', () => {
    it('signUp refuses an email already in use, on its field', async () => {
      const email = uniqueEmail('taken');
      const input = {
        company: 'First Co',
        timeZone: 'UTC',
        currency: 'USD' as const,
        name: 'First',
        email,
        password: PASSWORD,
      };
      await signUpAction(database(env.DB), input);
      const err = await signUpAction(database(env.DB), { ...input, company: 'Second Co' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Refused);
      expect((err as Refused).field).toBe('email');
    });

    it(`${N} sign-ups with one email at once: the same answer, five links (the address's limit), one account`, async () => {
      const email = uniqueEmail('double');
      const responses = await all(N, (i) =>
        new Browser().post('/sign-up', {
          company: `Racer ${i}`,
          timeZone: 'UTC',
          currency: 'USD',
          name: `Racer ${i}`,
          email,
          password: PASSWORD,
        }),
      );
      expect(statuses(responses)).toEqual([...Array(5).fill(200), ...Array(N - 5).fill(429)]);
      for (const r of responses.filter((r) => r.status === 200))
        expect(await r.text()).toContain('Check your email to finish signing up');
      const mails = await db().select().from(outbox).where(eq(outbox.toEmail, email));
      expect(mails).toHaveLength(5);
      // Every link used at once: one account, never a 5xx.
      const links = mails.map((m) => /http:\/\/localhost(\/sign-up\/verify\/[\w-]+)/.exec(m.text)![1]);
      const used = await Promise.all(links.map((link) => new Browser().post(link)));
      expect(statuses(used)).toEqual([303, 404, 404, 404, 404].sort());
      expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
    });

    it(`one invitation accepted ${N} times at once makes one member, never a 5xx`, async () => {
      const owner = await signUp();
      const email = uniqueEmail('invitee');
      expect((await owner.browser.post('/settings/team/invite', { name: 'Invitee', email })).status).toBe(303);
      const mail = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, email) });
      const path = new URL(mail!.text.match(/http:\/\/localhost\/invite\/[\w-]+/)![0]).pathname;
      const responses = await all(N, () => new Browser().post(path, { name: 'Invitee', password: PASSWORD }));
      const codes = statuses(responses);
      expect(codes.filter((s) => s === 303)).toHaveLength(1);
      for (const s of codes) expect([303, 404, 422]).toContain(s);
      const members = await db().select().from(users).where(eq(users.email, email));
      expect(members.map((m) => [m.orgId, m.role])).toEqual([[owner.orgId, 'member']]);
    });
  });

  describe('the company logo', () => {
    it(`${N} logo uploads at once leave exactly one logo object, the one the org points at`, async () => {
      const owner = await signUp();
      const responses = await all(N, () => {
        const form = new FormData();
        form.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
        return owner.browser.postMultipart('/settings/logo', form);
      });
      for (const r of responses) expect([303, 409]).toContain(r.status);
      expect(responses.some((r) => r.status === 303)).toBe(true);
      const org = await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, owner.orgId) });
      const objects = (await env.FILES.list({ prefix: `org/${owner.orgId}/logo/` })).objects.map((o) => o.key);
      expect(objects).toEqual([org!.logoKey]);
    });
  });

  describe('portal link actions', () => {
    it('openPortalLink opens a genuine link, and nothing for an expired or forged one or a voided document', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
      await sendDocument(co.browser, id);
      const d = database(env.DB);
      const contact = co.customerContact;
      const token = (days: number, now = Date.now()) =>
        signPortalToken(SECRET(), { contactId: contact.id, documentId: id, accessVersion: 1 }, days, now);
      expect(await openPortalLink(env, d, await token(90))).toMatchObject({
        documentId: id,
        contact: { id: contact.id },
      });
      expect(await openPortalLink(env, d, await token(90, Date.now() - 91 * DAY))).toBeNull();
      expect(await openPortalLink(env, d, 'garbage')).toBeNull();
      expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
      expect(await openPortalLink(env, d, await token(90))).toBeNull();
    });

    it('requestFreshLink queues one email for a genuine expired link; a revoked contact gets nothing', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      await sendDocument(co.browser, id);
      const d = database(env.DB);
      const contact = co.customerContact;
      const expired = await signPortalToken(
        SECRET(),
        { contactId: contact.id, documentId: id, accessVersion: 1 },
        90,
        Date.now() - 91 * DAY,
      );
      const input = { token: expired, origin: 'http://localhost', ip: '198.51.100.7', userAgent: 'test' };
      const mailsOf = async () =>
        (await d.select().from(outbox).where(eq(outbox.documentId, id))).filter((m) => m.kind === 'fresh-link');
      expect(await requestFreshLink(env, d, input)).toBe(true);
      expect(await mailsOf()).toHaveLength(1);
      expect((await mailsOf())[0].toEmail).toBe(contact.email);
      const asked = await d.select().from(activity).where(eq(activity.documentId, id));
      expect(asked.filter((a) => a.action === 'link_requested')).toHaveLength(1);

      const revoked = await co.browser.post(`/accounts/${co.customerId}/contacts/${contact.id}/revoke`, {
        confirm: 'yes',
      });
      expect(revoked.status).toBe(303);
      expect(await requestFreshLink(env, d, { ...input, ip: '198.51.100.8' })).toBe(false);
      expect(await mailsOf()).toHaveLength(1);
    });
  });
});
