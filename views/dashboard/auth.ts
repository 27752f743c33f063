import { html } from '../html';
import { Csrf, Field, FormSummary, Select, type FormState } from '../components/form';
import { PlainPage, type PageContext } from '../layout/page';

/** The one-card page of every step of signing in or up: the product's name, a heading, the step. */
function AccountCard({
  ctx,
  title,
  heading = title,
  children,
}: {
  ctx: PageContext;
  title: string;
  heading?: string;
  children?: unknown;
}) {
  return html`<${PlainPage} ctx=${ctx} title=${`${title} · Contractor Portal`}>
    <div class="card narrow">
      <p class="logo-word">Contractor Portal</p>
      <h1>${heading}</h1>
      ${children}
    </div>
  <//>`;
}

export function SignInPage({ ctx, form, next }: { ctx: PageContext; form: FormState; next: string }) {
  return html`<${AccountCard} ctx=${ctx} title="Sign in">
      ${ctx.notice ? html`<p class="notice" role="status">${ctx.notice}</p>` : null}
      <${FormSummary} form=${form} />
      <form method="post" action="/sign-in" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <input type="hidden" name="next" value=${next} />
        <${Field} form=${form} name="email" label="Email" type="email" autocomplete="username" required />
        <${Field}
          form=${form}
          name="password"
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          aside=${html`<a class="small" href="/reset-password">Forgot password?</a>`}
        />
        <button class="btn primary block" type="submit">Sign in</button>
      </form>
      <p class="muted">New here? <a href="/sign-up">Create a company account</a></p>
  <//>`;
}

export function SignUpPage({
  ctx,
  form,
  timeZones,
  currencies,
}: {
  ctx: PageContext;
  form: FormState;
  timeZones: string[];
  currencies: string[];
}) {
  return html`<${AccountCard} ctx=${ctx} title="Create your company" heading="Create your company account">
      <${FormSummary} form=${form} />
      <form method="post" action="/sign-up" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Field} form=${form} name="company" label="Company name" required autocomplete="organization" />
        <div class="grid2">
          <${Select}
            form=${form}
            name="timeZone"
            label="Time zone"
            required
            options=${timeZones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))}
          />
          <${Select}
            form=${form}
            name="currency"
            label="Currency"
            required
            options=${currencies.map((c) => ({ value: c, label: c }))}
          />
        </div>
        <${Field} form=${form} name="name" label="Your name" required autocomplete="name" />
        <${Field} form=${form} name="email" label="Email" type="email" required autocomplete="username" />
        <${Field}
          form=${form}
          name="password"
          label="Password"
          type="password"
          required
          autocomplete="new-password"
          hint="At least 10 characters."
        />
        <button class="btn primary block" type="submit">Create account</button>
      </form>
      <p class="muted">Already have an account? <a href="/sign-in">Sign in</a></p>
  <//>`;
}

export function AcceptInvitePage({
  ctx,
  form,
  orgName,
  email,
  token,
}: {
  ctx: PageContext;
  form: FormState;
  orgName: string;
  email: string;
  token: string;
}) {
  return html`<${PlainPage} ctx=${ctx} title=${`Join ${orgName}`}>
    <div class="card narrow">
      <h1>Join ${orgName}</h1>
      <p>You were invited as <strong>${email}</strong>. Choose your name and a password to finish.</p>
      <${FormSummary} form=${form} />
      <form method="post" action=${`/invite/${token}`} novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Field} form=${form} name="name" label="Your name" required autocomplete="name" />
        <${Field}
          form=${form}
          name="password"
          label="Password"
          type="password"
          required
          autocomplete="new-password"
          hint="At least 10 characters."
        />
        <button class="btn primary block" type="submit">Join and sign in</button>
      </form>
    </div>
  <//>`;
}

/** After a sign-up form: the same page whether the address has an account or not. */
export function SignUpSentPage({ ctx, email }: { ctx: PageContext; email: string }) {
  return html`<${AccountCard} ctx=${ctx} title="Check your email" heading="Check your email to finish signing up">
      <p>We sent an email to <strong>${email}</strong>. Open the link in it to confirm the address.</p>
      <p>
        The link works for 24 hours. If nothing arrives in a few minutes, look in your spam folder, or sign up
        again.
      </p>
      <p class="muted">Already have an account? <a href="/sign-in">Sign in</a></p>
  <//>`;
}

/** The page a sign-up link opens: a button, so that a mail scanner's visit does not use the link up. */
export function VerifySignUpPage({
  ctx,
  form,
  token,
  email,
  company,
}: {
  ctx: PageContext;
  form: FormState;
  token: string;
  email: string;
  company: string;
}) {
  return html`<${AccountCard} ctx=${ctx} title="Confirm your email">
      <p>Confirm <strong>${email}</strong> to finish creating the company account <strong>${company}</strong>.</p>
      <${FormSummary} form=${form} />
      <form method="post" action=${`/sign-up/verify/${token}`}>
        <${Csrf} token=${ctx.csrf} />
        <button class="btn primary block" type="submit">Confirm and sign in</button>
      </form>
  <//>`;
}

export function ResetRequestPage({ ctx, form }: { ctx: PageContext; form: FormState }) {
  return html`<${AccountCard} ctx=${ctx} title="Reset your password">
      <p>Enter the email you sign in with. We will email you a link to choose a new password.</p>
      <${FormSummary} form=${form} />
      <form method="post" action="/reset-password" novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Field} form=${form} name="email" label="Email" type="email" autocomplete="username" required />
        <button class="btn primary block" type="submit">Email me a link</button>
      </form>
      <p class="muted"><a href="/sign-in">Back to sign in</a></p>
  <//>`;
}

/** After a reset request: the same page whether the address has an account or not. */
export function ResetSentPage({ ctx, email }: { ctx: PageContext; email: string }) {
  return html`<${AccountCard} ctx=${ctx} title="Check your email">
      <p>If <strong>${email}</strong> has an account, we sent it a link to choose a new password.</p>
      <p>The link works once, for 1 hour. If nothing arrives in a few minutes, look in your spam folder.</p>
      <p class="muted"><a href="/sign-in">Back to sign in</a></p>
  <//>`;
}

export function ResetPasswordPage({
  ctx,
  form,
  token,
  email,
}: {
  ctx: PageContext;
  form: FormState;
  token: string;
  email: string;
}) {
  return html`<${AccountCard} ctx=${ctx} title="Choose a new password">
      <p>For <strong>${email}</strong>. Saving it signs you out on every other device.</p>
      <${FormSummary} form=${form} />
      <form method="post" action=${`/reset-password/${token}`} novalidate>
        <${Csrf} token=${ctx.csrf} />
        <${Field}
          form=${form}
          name="password"
          label="New password"
          type="password"
          required
          autocomplete="new-password"
          hint="At least 10 characters."
        />
        <button class="btn primary block" type="submit">Save and sign in</button>
      </form>
  <//>`;
}
