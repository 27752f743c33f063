import { html } from '../html';
import { Checkbox, Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { DashboardPage, type PageContext } from '../layout/page';

export function SettingsPage({
  ctx,
  form,
  logoForm,
  hasLogo,
}: {
  ctx: PageContext;
  form: FormState;
  logoForm: FormState;
  hasLogo: boolean;
}) {
  return html`<${DashboardPage} ctx=${ctx} title="Settings">
    <${PageHeader}
      title="Settings"
      sub="Your company details appear on every document, email and portal page."
    ><a class="btn" href="/settings/account">Your account</a> <a class="btn" href="/settings/team">Team</a>${' '}<a
        class="btn"
        href="/settings/payments"
        >Payments</a>${' '}<a class="btn" href="/settings/reminders">Reminders</a>${' '}<a
        class="btn"
        href="/settings/templates"
        >Templates</a
      ><//>
    <${FormSummary} form=${form} />
    <form method="post" action="/settings" class="card stack" novalidate>
      <${Csrf} token=${ctx.csrf} />
      <h2>Company</h2>
      <${Field} form=${form} name="name" label="Company name" required />
      <div class="grid2">
        <${Field} form=${form} name="email" label="Email" type="email" />
        <${Field} form=${form} name="phone" label="Phone" type="tel" />
      </div>
      <${Field} form=${form} name="address" label="Address" type="textarea" />
      <div class="grid3">
        <${Field}
          form=${form}
          name="brandColor"
          label="Brand colour"
          type="color"
          hint="Used on documents, emails and the portal."
        />
        <${Field} form=${form} name="defaultTaxRate" label="Default tax rate %" inputmode="decimal" />
        <${Field} form=${form} name="portalLinkDays" label="Portal links last (days)" inputmode="numeric" />
      </div>
      <h2>Documents</h2>
      <p class="muted">
        Each type’s terms, intro and what the recipient sees are in <a href="/settings/templates">Templates</a>; a new
        draft starts from its type’s default template, and you can still change it on the draft.
      </p>
      <${Field} form=${form} name="defaultFooter" label="Default footer" type="textarea" />
      <${Field}
        form=${form}
        name="paymentInstructions"
        label="Payment instructions (shown on invoices)"
        type="textarea"
      />
      <${Checkbox}
        form=${form}
        name="countersignDefault"
        label="Ask me to countersign customer orders before they are sealed"
        hint="The send page’s countersign box starts from this; you can change it for each document."
      />
      <${Checkbox}
        form=${form}
        name="emailCodeDefault"
        label="Ask signers for a code emailed to them before they sign"
        hint="For documents your customers and vendors sign or approve. The send page’s box starts from this."
      />
      <div><button class="btn primary" type="submit">Save settings</button></div>
    </form>
    <section class="card stack" aria-labelledby="logo-h">
      <h2 id="logo-h">Logo</h2>
      ${
        hasLogo
          ? html`<p><img class="logo-preview" src="/settings/logo" alt="Current logo" /></p>`
          : html`<p class="muted">No logo yet.</p>`
      }
      <${FormSummary} form=${logoForm} />
      <form
        method="post"
        action=${`/settings/logo?_csrf=${encodeURIComponent(ctx.csrf)}`}
        enctype="multipart/form-data"
        class="search"
        novalidate
      >
        <div class=${`field ${logoForm.errors.logo ? 'has-error' : ''}`}>
          <label for="f-logo">PNG or JPEG, up to 1 MB</label>
          <input
            id="f-logo"
            name="logo"
            type="file"
            accept="image/png,image/jpeg"
            required
            aria-describedby=${logoForm.errors.logo ? 'f-logo-error' : undefined}
          />
          ${logoForm.errors.logo ? html`<p class="error" id="f-logo-error">${logoForm.errors.logo}</p>` : null}
        </div>
        <button class="btn" type="submit">Upload logo</button>
      </form>
    </section>
  <//>`;
}

interface Member {
  id: string;
  name: string;
  email: string;
  role: string;
}
interface Pending {
  id: string;
  name: string;
  email: string;
}

export function TeamPage({
  ctx,
  members,
  pending,
  form,
  isOwner,
}: {
  ctx: PageContext;
  members: Member[];
  pending: Pending[];
  form: FormState;
  isOwner: boolean;
}) {
  return html`<${DashboardPage} ctx=${ctx} title="Team">
    <${PageHeader}
      title="Team"
      sub=${html`<a href="/settings">Settings</a> · People who can sign in to ${ctx.org?.name}`}
    />
    <div class="table-wrap"><table class="data">
      <thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead>
      <tbody>
        ${members.map(
          (m) => html`<tr>
            <td>${m.name}</td><td>${m.email}</td><td>${m.role === 'owner' ? 'Owner' : 'Member'}</td>
          </tr>`,
        )}
        ${pending.map(
          (p) => html`<tr>
            <td>${p.name}</td><td>${p.email}</td><td><span class="badge sent">Invited</span></td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    ${
      isOwner
        ? html`<section class="card stack" aria-labelledby="invite-h">
          <h2 id="invite-h">Invite a teammate</h2>
          <p class="muted">They get an email with a link to set their password. The link works for 7 days.</p>
          <${FormSummary} form=${form} />
          <form method="post" action="/settings/team/invite" class="grid3" novalidate>
            <${Csrf} token=${ctx.csrf} />
            <${Field} form=${form} name="name" label="Name" required />
            <${Field} form=${form} name="email" label="Email" type="email" required />
            <div><button class="btn primary" type="submit">Send invite</button></div>
          </form>
        </section>`
        : html`<p class="muted">Only the owner can invite teammates.</p>`
    }
  <//>`;
}
