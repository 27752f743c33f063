import { Hono } from 'hono';
import { emptyForm, type FormState } from '../../views/components/form';
import { AccountPage, ConfirmEmailChangePage } from '../../views/dashboard/account';
import { html } from '../../views/html';
import {
  confirmEmailChange,
  openEmailChange,
  requestEmailChange,
  signOutEverywhere,
  signOutOthers,
} from '../auth/actions';
import { describeDevice } from '../auth/device';
import { checkEmailChange } from '../auth/forms';
import { siteOf } from '../auth/mail';
import { listSessions } from '../auth/queries';
import { currentSessionHash, currentUser, dropSessionCookie } from '../auth/session';
import { Refused } from '../errors';
import type { AppContext, AppEnv } from '../http/context';
import { pageContext, redirectWith, render } from '../http/render';
import { readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';

// The signed-in person's own account (a dashboard page, behind requireUser): change the email
// (confirmed by a link to the new address, while signed in), the devices signed in, sign out
// everywhere else or everywhere.

async function accountPage(c: AppContext, emailForm: FormState = emptyForm(), status: 200 | 422 = 200) {
  const { user } = currentUser(c);
  const [rows, mine] = await Promise.all([listSessions(c.get('db'), user.id), currentSessionHash(c)]);
  const sessions = rows
    .map((s) => ({
      device: describeDevice(s.userAgent),
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt ?? s.createdAt,
      current: s.id === mine,
    }))
    .sort((a, b) => Number(b.current) - Number(a.current));
  return render(
    c,
    html`<${AccountPage} ctx=${pageContext(c)} email=${user.email} emailForm=${emailForm} sessions=${sessions} />`,
    status,
  );
}

export const userAccountRoutes = new Hono<AppEnv>()
  .get('/settings/account', (c) => accountPage(c))
  .post('/settings/account/email', async (c) => {
    const { user } = currentUser(c);
    const raw = await readForm(c);
    const { f, values } = checkEmailChange(raw);
    const again = (errors: Record<string, string>) =>
      accountPage(c, { values: { email: raw.email ?? '' }, errors }, 422);
    if (!f.ok) return again(f.errors);
    try {
      await requestEmailChange(c.get('db'), { userId: user.id }, values, siteOf(c.env));
    } catch (err) {
      if (err instanceof Refused && err.field) return again({ [err.field]: err.message });
      throw err;
    }
    deliverSoon(c);
    return redirectWith(
      c,
      '/settings/account',
      `We emailed ${values.email} a link. Your email changes when you open it while signed in.`,
    );
  })
  .get('/settings/account/email/:token', async (c) => {
    const { user } = currentUser(c);
    const token = c.req.param('token');
    const { email } = await openEmailChange(c.get('db'), { userId: user.id }, token);
    return render(
      c,
      html`<${ConfirmEmailChangePage} ctx=${pageContext(c)} token=${token} current=${user.email} email=${email} />`,
    );
  })
  .post('/settings/account/email/:token', async (c) => {
    const { user } = currentUser(c);
    const { email } = await confirmEmailChange(c.get('db'), { userId: user.id }, c.req.param('token'));
    return redirectWith(c, '/settings/account', `You now sign in as ${email}.`);
  })
  .post('/settings/account/sign-out-others', async (c) => {
    const { user } = currentUser(c);
    await signOutOthers(c.get('db'), { userId: user.id }, (await currentSessionHash(c)) ?? '');
    return redirectWith(c, '/settings/account', 'You are signed out on every other device.');
  })
  .post('/settings/account/sign-out-everywhere', async (c) => {
    const { user } = currentUser(c);
    await signOutEverywhere(c.get('db'), { userId: user.id });
    dropSessionCookie(c);
    return redirectWith(c, '/sign-in', 'You are signed out everywhere.');
  });
