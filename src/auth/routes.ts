import { createId } from '../db/ids';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { html } from '../../views/html';
import { AcceptInvitePage, SignInPage, SignUpPage } from '../../views/dashboard/auth';
import { emptyForm } from '../../views/components/form';
import { invites, orgs, users } from '../db/schema';
import type { AppEnv } from '../http/context';
import { sha256Hex } from '../http/crypto';
import { clientIp, hitRateLimit } from '../http/rate-limit';
import { pageContext, redirectWith, render } from '../http/render';
import { CONTROL, FormCheck, readForm } from '../http/validate';
import { hashPassword, verifyPassword } from './passwords';
import { findOpenInvite, findUserByEmail } from './queries';
import { endSession, startSession } from './session';

export const CURRENCIES = ['USD', 'CAD', 'EUR', 'GBP', 'AUD', 'NZD'] as const;
const COMMON_ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Phoenix', 'America/Los_Angeles', 'America/Anchorage', 'Pacific/Honolulu', 'America/Toronto', 'America/Vancouver', 'Europe/London', 'Europe/Dublin', 'Europe/Berlin', 'Australia/Sydney', 'Pacific/Auckland', 'UTC'];

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0 && zone.length < 64;
  } catch {
    return false;
  }
}

/** A path on this site. Browsers drop tabs and line breaks from a URL, so "/\t/evil.example" would become "//evil.example": refuse them all. */
function safeNext(next: string | undefined): string {
  return next && /^\/(?![/\\])/.test(next) && !/[\u0000-\u0020\u007f\\]/.test(next) ? next : '/';
}

const SIGN_IN_FAILED = 'That email and password do not match an account. Check them and try again.';

export const authRoutes = new Hono<AppEnv>()
  .get('/sign-in', (c) => {
    if (c.get('user')) return c.redirect('/', 303);
    return render(c, html`<${SignInPage} ctx=${pageContext(c)} form=${emptyForm()} next=${safeNext(c.req.query('next'))} />`);
  })
  .post('/sign-in', async (c) => {
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const email = f.email('email', { label: 'Email', required: true });
    // Read the way sign-up and invitations stored it (control characters dropped), or such a password never matches.
    const password = (raw.password ?? '').replace(CONTROL, '');
    if (!password) f.fail('password', 'Password is required.');
    const next = safeNext(raw.next);
    const again = (status: 401 | 422 | 429, message?: string) => {
      const form = { values: { email: raw.email ?? '' }, errors: message ? { ...f.errors, _form: message } : f.errors };
      return render(c, html`<${SignInPage} ctx=${pageContext(c)} form=${form} next=${next} />`, status === 401 ? 422 : status);
    };
    if (!f.ok) return again(422);
    const db = c.get('db');
    const [byEmail, byIp] = await Promise.all([
      hitRateLimit(db, `signin:email:${email}`, 10, 15 * 60_000),
      hitRateLimit(db, `signin:ip:${clientIp(c.req)}`, 50, 15 * 60_000),
    ]);
    if (!byEmail.allowed || !byIp.allowed) return again(429, 'Too many sign-in attempts. Wait 15 minutes and try again.');
    const user = await findUserByEmail(db, email);
    const valid = await verifyPassword(password, user?.passwordHash ?? null);
    if (!user || !valid) return again(401, SIGN_IN_FAILED);
    await startSession(c, user);
    return c.redirect(next, 303);
  })
  .get('/sign-up', (c) =>
    render(c, html`<${SignUpPage} ctx=${pageContext(c)} form=${emptyForm({ timeZone: 'America/New_York', currency: 'USD' })} timeZones=${COMMON_ZONES} currencies=${CURRENCIES} />`),
  )
  .post('/sign-up', async (c) => {
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const company = f.text('company', { label: 'Company name', required: true, max: 120 });
    const timeZone = f.text('timeZone', { label: 'Time zone', required: true, max: 64 });
    if (timeZone && !isTimeZone(timeZone)) f.fail('timeZone', 'Choose a time zone from the list.');
    const currency = f.choice('currency', CURRENCIES, { label: 'Currency' });
    const name = f.text('name', { label: 'Your name', required: true, max: 120 });
    const email = f.email('email', { label: 'Email', required: true });
    const password = f.password('password', { label: 'Password' });
    const db = c.get('db');
    if (f.ok && (await findUserByEmail(db, email))) f.fail('email', 'An account with this email already exists. Sign in instead.');
    if (!f.ok || !currency) {
      const { password: _pw, ...values } = raw;
      return render(c, html`<${SignUpPage} ctx=${pageContext(c)} form=${{ values, errors: f.errors }} timeZones=${COMMON_ZONES} currencies=${CURRENCIES} />`, 422);
    }
    const now = Date.now();
    const orgId = createId();
    const userId = createId();
    await db.batch([
      db.insert(orgs).values({ id: orgId, name: company, timeZone, currency, email, createdAt: now }),
      db.insert(users).values({ id: userId, orgId, email, name, role: 'owner', passwordHash: await hashPassword(password), createdAt: now }),
    ]);
    await startSession(c, { id: userId, orgId });
    return redirectWith(c, '/', `Welcome to Contractor Portal, ${name}.`);
  })
  .post('/sign-out', async (c) => {
    await endSession(c);
    return redirectWith(c, '/sign-in', 'You are signed out.');
  })
  .get('/invite/:token', async (c) => {
    const found = await findOpenInvite(c.get('db'), await sha256Hex(c.req.param('token')));
    if (!found) throw new HTTPException(404, { message: 'This invitation has expired or was already used. Ask the account owner for a new one.' });
    return render(c, html`<${AcceptInvitePage} ctx=${pageContext(c)} form=${emptyForm({ name: found.invite.name })} orgName=${found.orgName} email=${found.invite.email} token=${c.req.param('token')} />`);
  })
  .post('/invite/:token', async (c) => {
    const db = c.get('db');
    const token = c.req.param('token');
    const found = await findOpenInvite(db, await sha256Hex(token));
    if (!found) throw new HTTPException(404, { message: 'This invitation has expired or was already used. Ask the account owner for a new one.' });
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const name = f.text('name', { label: 'Your name', required: true, max: 120 });
    const password = f.password('password', { label: 'Password' });
    if (f.ok && (await findUserByEmail(db, found.invite.email))) f.fail('_form', 'An account with this email already exists. Sign in instead.');
    if (!f.ok) {
      return render(c, html`<${AcceptInvitePage} ctx=${pageContext(c)} form=${{ values: { name: raw.name ?? '' }, errors: f.errors }} orgName=${found.orgName} email=${found.invite.email} token=${token} />`, 422);
    }
    const now = Date.now();
    const userId = createId();
    await db.batch([
      db.insert(users).values({ id: userId, orgId: found.invite.orgId, email: found.invite.email, name, role: 'member', passwordHash: await hashPassword(password), createdAt: now }),
      db.update(invites).set({ acceptedAt: now }).where(eq(invites.id, found.invite.id)),
    ]);
    await startSession(c, { id: userId, orgId: found.invite.orgId });
    return redirectWith(c, '/', `Welcome to ${found.orgName}, ${name}.`);
  });
