import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import {
  AcceptInvitePage,
  ResetPasswordPage,
  ResetRequestPage,
  ResetSentPage,
  SignInPage,
  SignUpPage,
  SignUpSentPage,
  VerifySignUpPage,
} from '../../views/dashboard/auth';
import { html } from '../../views/html';
import { DomainError } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { clientIp } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import {
  acceptInvite,
  completeSignUp,
  openInvite,
  openPasswordReset,
  openSignUp,
  requestPasswordReset,
  requestSignUp,
  resetPassword,
  signIn,
} from './actions';
import {
  checkAcceptInvite,
  checkEmail,
  checkNewPassword,
  checkSignIn,
  checkSignUp,
  COMMON_ZONES,
  CURRENCIES,
  safeNext,
} from './forms';
import { siteOf } from './mail';
import { endSession, knownUserIds, startSession } from './session';

// The currencies a company may choose (test/core.test.ts checks each formats).

/** An action's refusal of a field (or of the whole form, `_form`), as the form's error with its status. */
async function onField<T>(
  work: () => Promise<T>,
  again: (errors: Record<string, string>, status: 422 | 429) => Response,
): Promise<T | Response> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'too_many') return again({ _form: err.message }, 429);
    if (err instanceof DomainError && err.code === 'refused')
      return again({ [err.field ?? '_form']: err.message }, 422);
    throw err;
  }
}

const signUpPage = (c: AppContext, form: FormState, status: 200 | 422 | 429 = 200) =>
  render(
    c,
    html`<${SignUpPage} ctx=${pageContext(c)} form=${form} timeZones=${COMMON_ZONES} currencies=${CURRENCIES} />`,
    status,
  );

export const authRoutes = new Hono<AppEnv>()
  .get('/sign-in', (c) => {
    if (c.get('user')) return c.redirect('/', 303);
    return render(
      c,
      html`<${SignInPage} ctx=${pageContext(c)} form=${emptyForm()} next=${safeNext(c.req.query('next'))} />`,
    );
  })
  .post('/sign-in', async (c) => {
    const raw = await readForm(c);
    const { f, values } = checkSignIn(raw);
    const next = safeNext(raw.next);
    const again = (errors: Record<string, string>, status: 422 | 429 = 422) =>
      render(
        c,
        html`<${SignInPage} ctx=${pageContext(c)} form=${{ values: { email: raw.email ?? '' }, errors }}
          next=${next} />`,
        status,
      );
    if (!f.ok) return again(f.errors);
    const input = { ...values, ip: clientIp(c.req), knownUserIds: await knownUserIds(c) };
    const user = await onField(() => signIn(c.get('db'), input), again);
    if (user instanceof Response) return user;
    await startSession(c, user);
    return c.redirect(next, 303);
  })
  .get('/sign-up', (c) => signUpPage(c, emptyForm({ timeZone: 'America/New_York', currency: 'USD' })))
  .post('/sign-up', async (c) => {
    const raw = await readForm(c);
    const { f, values } = checkSignUp(raw);
    const { password: _pw, ...kept } = raw;
    const again = (errors: Record<string, string>, status: 422 | 429 = 422) =>
      signUpPage(c, { values: kept, errors }, status);
    if (!f.ok) return again(f.errors);
    // The same answer for an address with an account and one without: the email tells them apart.
    const done = await onField(
      () => requestSignUp(c.get('db'), { ...values, ip: clientIp(c.req) }, siteOf(c.env)),
      again,
    );
    if (done instanceof Response) return done;
    deliverSoon(c);
    return render(c, html`<${SignUpSentPage} ctx=${pageContext(c)} email=${values.email} />`);
  })
  .get('/sign-up/verify/:token', async (c) => {
    const token = c.req.param('token');
    const pending = await openSignUp(c.get('db'), token);
    return render(
      c,
      html`<${VerifySignUpPage} ctx=${pageContext(c)} form=${emptyForm()} token=${token} email=${pending.email}
        company=${pending.company} />`,
    );
  })
  .post('/sign-up/verify/:token', async (c) => {
    const user = await completeSignUp(c.get('db'), c.req.param('token'));
    await startSession(c, user);
    return redirectWith(c, '/', `Welcome to Contractor Portal, ${user.name}.`);
  })
  .get('/reset-password', (c) => render(c, html`<${ResetRequestPage} ctx=${pageContext(c)} form=${emptyForm()} />`))
  .post('/reset-password', async (c) => {
    const raw = await readForm(c);
    const { f, values } = checkEmail(raw);
    const again = (errors: Record<string, string>, status: 422 | 429 = 422) =>
      render(
        c,
        html`<${ResetRequestPage} ctx=${pageContext(c)} form=${{ values: { email: raw.email ?? '' }, errors }} />`,
        status,
      );
    if (!f.ok) return again(f.errors);
    // Whether the email has an account is looked up after the answer, so the answer cannot tell.
    const later = (work: Promise<unknown>) =>
      c.executionCtx.waitUntil(work.then(() => deliverSoon(c)).catch((err) => console.error('password reset', err)));
    const done = await onField(
      () => requestPasswordReset(c.get('db'), { ...values, ip: clientIp(c.req) }, siteOf(c.env), later),
      again,
    );
    if (done instanceof Response) return done;
    return render(c, html`<${ResetSentPage} ctx=${pageContext(c)} email=${values.email} />`);
  })
  .get('/reset-password/:token', async (c) => {
    const token = c.req.param('token');
    const user = await openPasswordReset(c.get('db'), token);
    return render(
      c,
      html`<${ResetPasswordPage} ctx=${pageContext(c)} form=${emptyForm()} token=${token} email=${user.email} />`,
    );
  })
  .post('/reset-password/:token', async (c) => {
    const token = c.req.param('token');
    const { email } = await openPasswordReset(c.get('db'), token);
    const { f, values } = checkNewPassword(await readForm(c));
    if (!f.ok)
      return render(
        c,
        html`<${ResetPasswordPage} ctx=${pageContext(c)} form=${{ values: {}, errors: f.errors }} token=${token}
          email=${email} />`,
        422,
      );
    const user = await resetPassword(c.get('db'), token, values.password);
    await startSession(c, user);
    return redirectWith(c, '/', 'Your password is changed. Every other device is signed out.');
  })
  .post('/sign-out', async (c) => {
    await endSession(c);
    return redirectWith(c, '/sign-in', 'You are signed out.');
  })
  .get('/invite/:token', async (c) => {
    const token = c.req.param('token');
    const { invite, orgName } = await openInvite(c.get('db'), token);
    return render(
      c,
      html`<${AcceptInvitePage} ctx=${pageContext(c)} form=${emptyForm({ name: invite.name })} orgName=${orgName}
        email=${invite.email} token=${token} />`,
    );
  })
  .post('/invite/:token', async (c) => {
    const token = c.req.param('token');
    const { invite, orgName } = await openInvite(c.get('db'), token);
    const raw = await readForm(c);
    const { f, values } = checkAcceptInvite(raw);
    const again = (errors: Record<string, string>) =>
      render(
        c,
        html`<${AcceptInvitePage} ctx=${pageContext(c)} form=${{ values: { name: raw.name ?? '' }, errors }}
          orgName=${orgName} email=${invite.email} token=${token} />`,
        422,
      );
    if (!f.ok) return again(f.errors);
    const user = await onField(() => acceptInvite(c.get('db'), token, values), again);
    if (user instanceof Response) return user;
    await startSession(c, user);
    return redirectWith(c, '/', `Welcome to ${user.orgName}, ${user.name}.`);
  });
