import { html } from '../html';
import { Csrf, Field, FormSummary, Select, type FormState } from '../components/form';
import { PlainPage, type PageContext } from '../layout/page';

export function SignInPage({ ctx, form, next }: { ctx: PageContext; form: FormState; next: string }) {
  return html`<${PlainPage} ctx=${ctx} title="Sign in · Contractor Portal">
    <div class="card narrow">
      <p class="logo-word">Contractor Portal</p>
      <h1>Sign in</h1>
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
        />
        <button class="btn primary block" type="submit">Sign in</button>
      </form>
      <p class="muted">New here? <a href="/sign-up">Create a company account</a></p>
    </div>
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
  return html`<${PlainPage} ctx=${ctx} title="Create your company · Contractor Portal">
    <div class="card narrow">
      <p class="logo-word">Contractor Portal</p>
      <h1>Create your company account</h1>
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
    </div>
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
