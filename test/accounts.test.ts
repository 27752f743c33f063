import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { accounts, contacts } from '../src/db/schema';
import { type Browser, createAccount, db, location, signUp } from './helpers';
import { fieldError, formHtml, inputValue, selectedOption } from './pages';

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

  const good = { kind: 'customer', name: 'New Customer', email: 'new@example.test', phone: '', address: '', notes: '' };
  const newAccountCases: [string, Record<string, string>, string, string][] = [
    ['a missing name', { ...good, name: '' }, 'name', 'Name is required.'],
    ['a name over 120 characters', { ...good, name: 'n'.repeat(121) }, 'name', 'Name must be at most 120 characters.'],
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
    ['a phone over 40 characters', { ...good, phone: '5'.repeat(41) }, 'phone', 'Phone must be at most 40 characters.'],
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
