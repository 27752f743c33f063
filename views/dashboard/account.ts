import { html } from '../html';
import { Csrf, Field, FormSummary, PageHeader, type FormState } from '../components/form';
import { dateTime } from '../format';
import { DashboardPage, type PageContext } from '../layout/page';

export interface SessionRow {
  device: string;
  createdAt: number;
  lastSeenAt: number;
  current: boolean;
}

/** The signed-in person's own account: their email, their password, the devices signed in. */
export function AccountPage({
  ctx,
  email,
  emailForm,
  sessions,
}: {
  ctx: PageContext;
  email: string;
  emailForm: FormState;
  sessions: SessionRow[];
}) {
  const zone = ctx.org?.timeZone ?? 'UTC';
  return html`<${DashboardPage} ctx=${ctx} title="Your account">
    <${PageHeader}
      title="Your account"
      sub=${html`<a href="/settings">Settings</a> · How you sign in, and where you are signed in`}
    />
    <section class="card stack" aria-labelledby="email-h">
      <h2 id="email-h">Email</h2>
      <p>You sign in as <strong>${email}</strong>.</p>
      <p class="muted">
        To change it, enter the new address and your password. We email the new address a link to confirm, and
        tell this one. Your email changes only when the link is opened while you are signed in.
      </p>
      <${FormSummary} form=${emailForm} />
      <form method="post" action="/settings/account/email" class="grid3" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Field} form=${emailForm} name="email" label="New email" type="email" required autocomplete="email" />
        <${Field}
          form=${emailForm}
          name="password"
          label="Current password"
          type="password"
          required
          autocomplete="current-password"
        />
        <div><button class="btn primary" type="submit">Change email</button></div>
      </form>
    </section>
    <section class="card stack" aria-labelledby="password-h">
      <h2 id="password-h">Password</h2>
      <p class="muted">We email you a link to choose a new password. Saving it signs out every other device.</p>
      <form method="post" action="/reset-password">
        <${Csrf} token=${ctx.csrf} />
        <input type="hidden" name="email" value=${email} />
        <button class="btn" type="submit">Email me a link to change my password</button>
      </form>
    </section>
    <section class="card stack" aria-labelledby="sessions-h">
      <h2 id="sessions-h">Where you are signed in</h2>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Devices signed in"><table class="data wrap">
        <thead><tr><th>Device</th><th>Signed in</th><th>Last seen</th></tr></thead>
        <tbody>
          ${sessions.map(
            (s) => html`<tr>
              <td>${s.device}${s.current ? html` <span class="badge sent">This device</span>` : null}</td>
              <td>${dateTime(s.createdAt, zone)}</td>
              <td>${s.current ? 'Now' : dateTime(s.lastSeenAt, zone)}</td>
            </tr>`,
          )}
        </tbody>
      </table></div>
      <p class="muted">Lost a device, or signed in somewhere you should not have? Sign out there from here.</p>
      <div class="actions">
        <form method="post" action="/settings/account/sign-out-others">
          <${Csrf} token=${ctx.csrf} />
          <button class="btn" type="submit">Sign out everywhere else</button>
        </form>
        <form method="post" action="/settings/account/sign-out-everywhere">
          <${Csrf} token=${ctx.csrf} />
          <button class="btn" type="submit">Sign out everywhere</button>
        </form>
      </div>
    </section>
  <//>`;
}

/** The page an email-change link opens: a button, so that a mail scanner's visit changes nothing. */
export function ConfirmEmailChangePage({
  ctx,
  token,
  current,
  email,
}: {
  ctx: PageContext;
  token: string;
  current: string;
  email: string;
}) {
  return html`<${DashboardPage} ctx=${ctx} title="Confirm your new email">
    <${PageHeader} title="Confirm your new email" sub=${html`<a href="/settings/account">Your account</a>`} />
    <section class="card stack">
      <p>You will sign in as <strong>${email}</strong> instead of <strong>${current}</strong>.</p>
      <form method="post" action=${`/settings/account/email/${token}`}>
        <${Csrf} token=${ctx.csrf} />
        <button class="btn primary" type="submit">Use this email</button>
      </form>
    </section>
  <//>`;
}
