import { html } from '../html';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, Select, type FormState } from '../components/form';
import { DashboardPage, type PageContext } from '../layout/page';

interface AccountRow {
  id: string;
  kind: string;
  name: string;
  email: string;
  phone: string;
  contactCount: number;
}

const kindLabel = (k: string) => (k === 'vendor' ? 'Vendor' : 'Customer');
const kindOptions = [
  { value: 'customer', label: 'Customer' },
  { value: 'vendor', label: 'Vendor' },
];

export function AccountListPage({
  ctx,
  rows,
  kind,
  q,
}: {
  ctx: PageContext;
  rows: AccountRow[];
  kind: string;
  q: string;
}) {
  const tab = (value: string, label: string) =>
    html`<a
      href=${`/accounts${value ? `?kind=${value}` : ''}`}
      aria-current=${kind === value ? 'page' : undefined}
    >${label}</a>`;
  const newHref = `/accounts/new${kind ? `?kind=${kind}` : ''}`;
  const newKind = kind === 'vendor' ? 'vendor' : 'customer';
  return html`<${DashboardPage} ctx=${ctx} title="Customers & Vendors">
    <${PageHeader} title="Customers & Vendors"><a class="btn primary" href=${newHref}>New ${newKind}</a><//>
    <nav class="tabs" aria-label="Filter">
      ${tab('', 'All')}${tab('customer', 'Customers')}${tab('vendor', 'Vendors')}
    </nav>
    <form class="search" method="get" action="/accounts" role="search">
      ${kind ? html`<input type="hidden" name="kind" value=${kind} />` : null}
      <label for="q" class="visually-hidden">Search by name or email</label>
      <input id="q" name="q" type="search" value=${q} placeholder="Search by name or email" />
      <button class="btn" type="submit">Search</button>
    </form>
    ${
      rows.length === 0
        ? html`<div class="empty"><p>${q ? `No accounts match “${q}”.` : 'No customers or vendors yet.'}</p></div>`
        : html`<div class="table-wrap"><table class="data">
          <thead><tr><th>Name</th><th>Kind</th><th>Email</th><th>Phone</th><th class="num">Contacts</th></tr></thead>
          <tbody>${rows.map(
            (r) =>
              html`<tr>
                <td><a href=${`/accounts/${r.id}`}>${r.name}</a></td>
                <td>${kindLabel(r.kind)}</td>
                <td>${r.email}</td>
                <td>${r.phone}</td>
                <td class="num">${r.contactCount}</td>
              </tr>`,
          )}</tbody>
        </table></div>`
    }
  <//>`;
}

function AccountFields({ form, withKind }: { form: FormState; withKind: boolean }) {
  return html`
    ${
      withKind
        ? html`<${Select} form=${form} name="kind" label="Kind" required options=${kindOptions} />`
        : html`<input type="hidden" name="kind" value=${form.values.kind} />`
    }
    <${Field} form=${form} name="name" label="Company or person name" required />
    <div class="grid2">
      <${Field} form=${form} name="email" label="Email" type="email" />
      <${Field} form=${form} name="phone" label="Phone" type="tel" />
    </div>
    <${Field} form=${form} name="address" label="Address" type="textarea" />
    <${Field} form=${form} name="notes" label="Notes" type="textarea" />`;
}

export function NewAccountPage({ ctx, form }: { ctx: PageContext; form: FormState }) {
  return html`<${DashboardPage} ctx=${ctx} title="New account">
    <${PageHeader} title=${form.values.kind === 'vendor' ? 'New vendor' : 'New customer'} />
    <${FormSummary} form=${form} />
    <form method="post" action="/accounts" class="card stack" novalidate>
      <${Csrf} token=${ctx.csrf} />
      <${AccountFields} form=${form} withKind=${true} />
      <fieldset>
        <legend>Primary contact</legend>
        <div class="grid3">
          <${Field} form=${form} name="contact_name" label="Contact name" />
          <${Field} form=${form} name="contact_email" label="Contact email" type="email" />
          <${Field} form=${form} name="contact_phone" label="Contact phone" type="tel" />
        </div>
      </fieldset>
      <div><button class="btn primary" type="submit">Save</button> <a class="btn" href="/accounts">Cancel</a></div>
    </form>
  <//>`;
}

interface ContactRow {
  id: string;
  name: string;
  email: string;
  phone: string;
  accessVersion: number;
}

export function AccountPage({
  ctx,
  account,
  contacts,
  form,
  contactForm,
  editing,
  visibility,
}: {
  ctx: PageContext;
  account: { id: string; kind: string; name: string };
  contacts: ContactRow[];
  form: FormState;
  contactForm: FormState;
  editing?: { id: string; form: FormState };
  /** Issue 17: the "each person sees only what was sent to them" form (`seesOwnOnly`). */
  visibility: FormState;
}) {
  return html`<${DashboardPage} ctx=${ctx} title=${account.name}>
    <${PageHeader} title=${account.name} sub=${kindLabel(account.kind)} />
    <section class="card stack" aria-labelledby="contacts-h">
      <h2 id="contacts-h">Contacts</h2>
      ${
        contacts.length === 0
          ? html`<p class="muted">No contacts yet. Documents are sent to a contact, so add one below.</p>`
          : html`<div class="table-wrap"><table class="data">
            <thead><tr>
              <th>Name</th><th>Email</th><th>Phone</th><th><span class="visually-hidden">Actions</span></th>
            </tr></thead>
            <tbody>${contacts.map((p) =>
              editing?.id === p.id
                ? html`<tr><td colspan="4">
                    <${FormSummary} form=${editing.form} />
                    <form method="post" action=${`/accounts/${account.id}/contacts/${p.id}`} class="grid3" novalidate>
                      <${Csrf} token=${ctx.csrf} />
                      <${Field} form=${editing.form} name="name" label="Name" required />
                      <${Field} form=${editing.form} name="email" label="Email" type="email" required />
                      <${Field} form=${editing.form} name="phone" label="Phone" type="tel" />
                      <div><button class="btn primary small" type="submit">Save contact</button></div>
                    </form>
                  </td></tr>`
                : html`<tr><td>${p.name}</td><td>${p.email}</td><td>${p.phone}</td>
                    <td class="row-actions"><a class="btn small" href=${`/accounts/${account.id}?edit=${p.id}`}>Edit</a>
                      <form
                        method="post"
                        action=${`/accounts/${account.id}/contacts/${p.id}/revoke`}
                        class="inline-form"
                      >
                        <${Csrf} token=${ctx.csrf} />
                        <button
                          class="btn small danger"
                          type="submit"
                          title="Every portal link and session of this contact stops working"
                        >Revoke portal access</button>
                      </form></td></tr>`,
            )}</tbody>
          </table></div>`
      }
      <details open=${Object.keys(contactForm.errors).length > 0}>
        <summary>Add a contact</summary>
        <${FormSummary} form=${contactForm} />
        <form method="post" action=${`/accounts/${account.id}/contacts`} class="grid3" novalidate>
          <${Csrf} token=${ctx.csrf} />
          <${Field} form=${contactForm} name="name" label="Name" required />
          <${Field} form=${contactForm} name="email" label="Email" type="email" required />
          <${Field} form=${contactForm} name="phone" label="Phone" type="tel" />
          <div><button class="btn primary small" type="submit">Add contact</button></div>
        </form>
      </details>
    </section>
    <section class="card stack" aria-labelledby="visibility-h">
      <h2 id="visibility-h">Who sees what</h2>
      <${FormSummary} form=${visibility} />
      <form method="post" action=${`/accounts/${account.id}/visibility`} class="stack" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Checkbox}
          form=${visibility}
          name="seesOwnOnly"
          label="Each person sees only what was sent to them"
          hint=${
            'Off, for a household: every contact here sees every document sent to any of them. ' +
            'On, for a company with several staff: each contact sees only the documents sent to them.'
          }
        />
        ${
          visibility.errors.seesOwnOnly
            ? html`<p class="error" id="f-seesOwnOnly-error">${visibility.errors.seesOwnOnly}</p>`
            : null
        }
        <div><button class="btn" type="submit">Save who sees what</button></div>
      </form>
    </section>
    <section class="card stack" aria-labelledby="details-h">
      <h2 id="details-h">Details</h2>
      <${FormSummary} form=${form} />
      <form method="post" action=${`/accounts/${account.id}`} class="stack" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${AccountFields} form=${form} withKind=${false} />
        <div><button class="btn" type="submit">Save details</button></div>
      </form>
    </section>
  <//>`;
}
