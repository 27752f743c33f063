import { createId } from '../db/ids';
import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { html } from '../../views/html';
import { emptyForm, type FormState } from '../../views/components/form';
import { AccountListPage, AccountPage, NewAccountPage } from '../../views/dashboard/accounts';
import { currentUser } from '../auth/session';
import { accounts, contacts } from '../db/schema';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { cleanText, readForm } from '../http/validate';
import { ACCOUNT_KINDS, checkAccount, checkContact } from './accounts';
import { getAccountWithContacts, listAccounts, type AccountKind } from './queries';

const stringValues = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v == null ? '' : String(v)]));

async function showAccount(c: AppContext, accountId: string, forms: { form?: FormState; contactForm?: FormState; editing?: { id: string; form: FormState } } = {}, status: 200 | 422 = 200) {
  const { org } = currentUser(c);
  const found = await getAccountWithContacts(c.get('db'), org.id, accountId);
  if (!found) notFound();
  const editId = forms.editing?.id ?? c.req.query('edit');
  const editContact = found.contacts.find((p) => p.id === editId);
  const editing = forms.editing ?? (editContact ? { id: editContact.id, form: emptyForm(stringValues(editContact)) } : undefined);
  return render(
    c,
    html`<${AccountPage} ctx=${pageContext(c)} account=${found.account} contacts=${found.contacts}
      form=${forms.form ?? emptyForm(stringValues(found.account))} contactForm=${forms.contactForm ?? emptyForm()} editing=${editing} />`,
    status,
  );
}

export const accountRoutes = new Hono<AppEnv>()
  .get('/accounts', async (c) => {
    const { org } = currentUser(c);
    const kindParam = c.req.query('kind') ?? '';
    const kind = (ACCOUNT_KINDS as readonly string[]).includes(kindParam) ? (kindParam as AccountKind) : null;
    const q = cleanText(c.req.query('q') ?? '', false).slice(0, 100);
    const rows = await listAccounts(c.get('db'), org.id, kind, q);
    return render(c, html`<${AccountListPage} ctx=${pageContext(c)} rows=${rows} kind=${kind ?? ''} q=${q} />`);
  })
  .get('/accounts/new', (c) => {
    currentUser(c);
    const kind = c.req.query('kind') === 'vendor' ? 'vendor' : 'customer';
    return render(c, html`<${NewAccountPage} ctx=${pageContext(c)} form=${emptyForm({ kind })} />`);
  })
  .post('/accounts', async (c) => {
    const { org } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkAccount(raw);
    const wantsContact = !!(raw.contact_name?.trim() || raw.contact_email?.trim());
    const contact = checkContact(raw, 'contact_');
    if (wantsContact) Object.assign(f.errors, contact.f.errors, f.errors);
    if (!f.ok || !values.kind) return render(c, html`<${NewAccountPage} ctx=${pageContext(c)} form=${{ values: raw, errors: f.errors }} />`, 422);
    const now = Date.now();
    const id = createId();
    const db = c.get('db');
    await db.batch([
      db.insert(accounts).values({ id, orgId: org.id, ...values, kind: values.kind, createdAt: now, updatedAt: now }),
      ...(wantsContact ? [db.insert(contacts).values({ id: createId(), orgId: org.id, accountId: id, ...contact.values, createdAt: now })] : []),
    ]);
    return redirectWith(c, `/accounts/${id}`, `${values.name} was added.`);
  })
  .get('/accounts/:id', (c) => showAccount(c, c.req.param('id')))
  .post('/accounts/:id', async (c) => {
    const { org } = currentUser(c);
    const id = c.req.param('id');
    const db = c.get('db');
    const existing = await db.query.accounts.findFirst({ where: and(eq(accounts.orgId, org.id), eq(accounts.id, id)) });
    if (!existing) notFound();
    const raw = { ...(await readForm(c)), kind: existing.kind };
    const { f, values } = checkAccount(raw);
    if (!f.ok) return showAccount(c, id, { form: { values: raw, errors: f.errors } }, 422);
    const { kind: _kind, ...changes } = values;
    await db.update(accounts).set({ ...changes, updatedAt: Date.now() }).where(and(eq(accounts.orgId, org.id), eq(accounts.id, id)));
    return redirectWith(c, `/accounts/${id}`, 'Details saved.');
  })
  .post('/accounts/:id/contacts', async (c) => {
    const { org } = currentUser(c);
    const id = c.req.param('id');
    const db = c.get('db');
    const existing = await db.query.accounts.findFirst({ where: and(eq(accounts.orgId, org.id), eq(accounts.id, id)) });
    if (!existing) notFound();
    const raw = await readForm(c);
    const { f, values } = checkContact(raw);
    if (!f.ok) return showAccount(c, id, { contactForm: { values: raw, errors: f.errors } }, 422);
    await db.insert(contacts).values({ id: createId(), orgId: org.id, accountId: id, ...values, createdAt: Date.now() });
    return redirectWith(c, `/accounts/${id}`, `${values.name} was added.`);
  })
  .post('/accounts/:id/contacts/:contactId', async (c) => {
    const { org } = currentUser(c);
    const { id, contactId } = c.req.param();
    const db = c.get('db');
    const where = and(eq(contacts.orgId, org.id), eq(contacts.accountId, id), eq(contacts.id, contactId));
    const existing = await db.query.contacts.findFirst({ where });
    if (!existing) notFound();
    const raw = await readForm(c);
    const { f, values } = checkContact(raw);
    if (!f.ok) return showAccount(c, id, { editing: { id: contactId, form: { values: raw, errors: f.errors } } }, 422);
    await db.update(contacts).set(values).where(where);
    return redirectWith(c, `/accounts/${id}`, 'Contact saved.');
  });
