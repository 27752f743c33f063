import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { AccountListPage, AccountPage, NewAccountPage } from '../../views/dashboard/accounts';
import { ConfirmPage, type Confirmation } from '../../views/dashboard/confirm';
import { html } from '../../views/html';
import { currentUser } from '../auth/session';
import { contractorActor } from '../conversation/activity';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { cleanText, readForm } from '../http/validate';
import { ACCOUNT_KINDS, checkAccount, checkContact } from './accounts';
import { addContact, createAccount, revokeContact, setSeesOwnOnly, updateAccount, updateContact } from './actions';
import { contactOfAccount, getAccountWithContacts, listAccounts, type AccountKind } from './queries';

const stringValues = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v == null ? '' : String(v)]));

interface AccountForms {
  form?: FormState;
  contactForm?: FormState;
  editing?: { id: string; form: FormState };
  visibility?: FormState;
}

/** The account's page; with a refused form, that form shows what was typed and why. */
async function showAccount(c: AppContext, accountId: string, forms: AccountForms = {}, status: 200 | 422 = 200) {
  const { org } = currentUser(c);
  const found = await getAccountWithContacts(c.get('db'), org.id, accountId);
  if (!found) notFound();
  const editId = forms.editing?.id ?? c.req.query('edit');
  const editContact = found.contacts.find((p) => p.id === editId);
  if (forms.editing && !editContact) notFound();
  const editing =
    forms.editing ?? (editContact ? { id: editContact.id, form: emptyForm(stringValues(editContact)) } : undefined);
  return render(
    c,
    html`<${AccountPage} ctx=${pageContext(c)} account=${found.account} contacts=${found.contacts}
      form=${forms.form ?? emptyForm(stringValues(found.account))} contactForm=${forms.contactForm ?? emptyForm()}
      editing=${editing}
      visibility=${forms.visibility ?? emptyForm({ seesOwnOnly: found.account.seesOwnOnly ? 'on' : '' })} />`,
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
    const { f, kind, values } = checkAccount(raw);
    const wantsContact = !!(raw.contact_name?.trim() || raw.contact_email?.trim());
    const contact = checkContact(raw, 'contact_');
    if (wantsContact) Object.assign(f.errors, contact.f.errors, f.errors);
    if (!f.ok || !kind)
      return render(
        c,
        html`<${NewAccountPage} ctx=${pageContext(c)} form=${{ values: raw, errors: f.errors }} />`,
        422,
      );
    const { id } = await createAccount(c.get('db'), {
      orgId: org.id,
      kind,
      account: values,
      contact: wantsContact ? contact.values : null,
    });
    return redirectWith(c, `/accounts/${id}`, `${values.name} was added.`);
  })
  .get('/accounts/:id', (c) => showAccount(c, c.req.param('id')))
  .post('/accounts/:id', async (c) => {
    const { org } = currentUser(c);
    const accountId = c.req.param('id');
    const raw = await readForm(c);
    const { f, values } = checkAccount(raw, true);
    if (!f.ok) return showAccount(c, accountId, { form: { values: raw, errors: f.errors } }, 422);
    await updateAccount(c.get('db'), { orgId: org.id, accountId, account: values });
    return redirectWith(c, `/accounts/${accountId}`, 'Details saved.');
  })
  .post('/accounts/:id/visibility', async (c) => {
    const { org } = currentUser(c);
    const accountId = c.req.param('id');
    const raw = await readForm(c);
    const choice = raw.seesOwnOnly ?? '';
    if (choice !== 'on' && choice !== '') {
      const form = emptyForm({ seesOwnOnly: '' });
      form.errors.seesOwnOnly = 'Choose whether each person sees only what was sent to them.';
      return showAccount(c, accountId, { visibility: form }, 422);
    }
    const seesOwnOnly = choice === 'on';
    await setSeesOwnOnly(c.env, c.get('db'), { orgId: org.id, accountId, seesOwnOnly });
    const said = seesOwnOnly
      ? 'Each person now sees only what was sent to them.'
      : 'Everyone at this account now sees every document sent to any of them.';
    return redirectWith(c, `/accounts/${accountId}`, said);
  })
  .post('/accounts/:id/contacts', async (c) => {
    const { org } = currentUser(c);
    const accountId = c.req.param('id');
    const raw = await readForm(c);
    const { f, values } = checkContact(raw);
    if (!f.ok) return showAccount(c, accountId, { contactForm: { values: raw, errors: f.errors } }, 422);
    await addContact(c.get('db'), { orgId: org.id, accountId, contact: values });
    return redirectWith(c, `/accounts/${accountId}`, `${values.name} was added.`);
  })
  .post('/accounts/:id/contacts/:contactId', async (c) => {
    const { user, org } = currentUser(c);
    const { id: accountId, contactId } = c.req.param();
    const raw = await readForm(c);
    const { f, values } = checkContact(raw);
    if (!f.ok)
      return showAccount(c, accountId, { editing: { id: contactId, form: { values: raw, errors: f.errors } } }, 422);
    const { revoked } = await updateContact(c.env, c.get('db'), contractorActor(user), {
      orgId: org.id,
      accountId,
      contactId,
      contact: values,
    });
    const notice = revoked
      ? `Contact saved. The email changed, so the links sent to the old address stopped working; ` +
        `sending ${values.name} a document gives them a new link.`
      : 'Contact saved.';
    return redirectWith(c, `/accounts/${accountId}`, notice);
  })
  .post('/accounts/:id/contacts/:contactId/revoke', async (c) => {
    const { user, org } = currentUser(c);
    const { id: accountId, contactId } = c.req.param();
    const form = await readForm(c);
    const badVersion = form.version !== undefined && !/^[0-9]{1,9}$/.test(form.version);
    const version = form.version === undefined || badVersion ? undefined : Number(form.version);
    if (form.confirm !== 'yes' || badVersion) {
      // Asks first (nothing written); a confirmation whose version is not one we gave asks again.
      const contact = await contactOfAccount(c.get('db'), org.id, accountId, contactId);
      if (!contact) notFound();
      const question = revokeQuestion(accountId, contact);
      if (badVersion) question.error = 'That confirmation could not be read. Nothing was changed; confirm again below.';
      const page = html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${question} />`;
      return render(c, page, badVersion ? 422 : 200);
    }
    const actor = contractorActor(user);
    const input = { orgId: org.id, accountId, contactId, version };
    const { name, already } = await revokeContact(c.env, c.get('db'), actor, input);
    if (already) {
      // Their access moved on since the question (a revoke, e.g. a second click, or a new email
      // address): ask again about the access they have now rather than say what we can't know.
      const contact = await contactOfAccount(c.get('db'), org.id, accountId, contactId);
      if (!contact) notFound();
      const question = revokeQuestion(accountId, contact);
      question.error =
        `${name}’s portal access changed since you were asked (it was just revoked, or their email address ` +
        'changed). Nothing more was changed; revoke it as it is now, or keep it.';
      return render(c, html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${question} />`, 409);
    }
    const notice =
      `Portal access of ${name} was revoked. Every link and session they had stopped working; ` +
      'sending them a document gives them a new link.';
    return redirectWith(c, `/accounts/${accountId}`, notice);
  });

/** "Revoke Dana Reyes's portal access?": what revoking ends, asked about the access they have now. */
function revokeQuestion(
  accountId: string,
  contact: { id: string; name: string; email: string; accessVersion: number },
): Confirmation {
  return {
    question: `Revoke ${contact.name}’s portal access?`,
    consequences: [
      `Every link and portal session ${contact.name} (${contact.email}) has stops working at once, ` +
        'and any document page they have open closes.',
      'Sending them a document later gives them a new link.',
    ],
    action: `/accounts/${accountId}/contacts/${contact.id}/revoke`,
    actionLabel: 'Revoke access',
    fields: { version: String(contact.accessVersion) },
    keepHref: `/accounts/${accountId}`,
    keepLabel: `Keep ${contact.name}’s access`,
    danger: true,
  };
}
