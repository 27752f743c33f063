import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { AcceptInvitePage, SignInPage, SignUpPage } from '../../views/dashboard/auth';
import { html } from '../../views/html';
import { DomainError } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { clientIp } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { readForm } from '../http/validate';
import { acceptInvite, openInvite, signIn, signUp } from './actions';
import { checkAcceptInvite, checkSignIn, checkSignUp, COMMON_ZONES, CURRENCIES, safeNext } from './forms';
import { endSession, startSession } from './session';

// The currencies a company may choose (test/format.test.ts checks each formats).

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

const signUpPage = (c: AppContext, form: FormState, status: 200 | 422 = 200) =>
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
    const user = await onField(() => signIn(c.get('db'), { ...values, ip: clientIp(c.req) }), again);
    if (user instanceof Response) return user;
    await startSession(c, user);
    return c.redirect(next, 303);
  })
  .get('/sign-up', (c) => signUpPage(c, emptyForm({ timeZone: 'America/New_York', currency: 'USD' })))
  .post('/sign-up', async (c) => {
    const raw = await readForm(c);
    const { f, values } = checkSignUp(raw);
    const { password: _pw, ...kept } = raw;
    const again = (errors: Record<string, string>) => signUpPage(c, { values: kept, errors }, 422);
    if (!f.ok) return again(f.errors);
    const user = await onField(() => signUp(c.get('db'), values), again);
    if (user instanceof Response) return user;
    await startSession(c, user);
    return redirectWith(c, '/', `Welcome to Contractor Portal, ${user.name}.`);
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
