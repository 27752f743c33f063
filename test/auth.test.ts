import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { sessions, users } from '../src/db/schema';
import { Browser, PASSWORD, db, location, signUp, uniqueEmail } from './helpers';

describe('sign-up', () => {
  it('creates an organization and its owner, signed in', async () => {
    const { browser, email, orgId } = await signUp({ company: 'Oak & Stone' });
    const org = await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, orgId) });
    expect(org?.name).toBe('Oak & Stone');
    expect(org?.timeZone).toBe('America/Chicago');
    const user = await db().query.users.findFirst({ where: eq(users.email, email) });
    expect(user?.role).toBe('owner');
    expect(user?.passwordHash).toMatch(/^pbkdf2-sha256\$100000\$[\w-]+\$[\w-]+$/);
    const home = await browser.get('/');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Oak &amp; Stone');
  });

  it('refuses invalid input with 422, keeps the values and writes nothing', async () => {
    const browser = new Browser();
    const before = await db().$count(users);
    const res = await browser.post('/sign-up', {
      company: '',
      timeZone: 'Mars/Olympus',
      currency: 'XXX',
      name: 'A',
      email: 'not-an-email',
      password: 'short',
    });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain('Company name is required.');
    expect(body).toContain('Choose a time zone from the list.');
    expect(body).toContain('must be an email address');
    expect(body).toContain('at least 10 characters');
    expect(body).toContain('value="not-an-email"');
    expect(body).not.toContain('value="short"');
    expect(await db().$count(users)).toBe(before);
  });

  it('makes no second account with the same email, and does not say the email has one', async () => {
    const { email, orgId } = await signUp();
    const res = await new Browser().post('/sign-up', {
      company: 'Other',
      timeZone: 'UTC',
      currency: 'USD',
      name: 'B',
      email,
      password: PASSWORD,
    });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('Check your email to finish signing up');
    expect(page).not.toContain('already exists');
    const owners = await db().select().from(users).where(eq(users.email, email));
    expect(owners.map((u) => u.orgId)).toEqual([orgId]);
  });
});

describe('sign-in and sign-out', () => {
  it('signs in with the right password and starts a fresh session', async () => {
    const { email } = await signUp();
    const browser = new Browser();
    browser.cookies.set('cp_session', 'planted-by-an-attacker');
    const res = await browser.post('/sign-in', { email, password: PASSWORD, next: '/jobs' });
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/jobs');
    expect(browser.cookies.get('cp_session')).not.toBe('planted-by-an-attacker');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('cp_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect((await browser.get('/jobs')).status).toBe(200);
  });

  it('stores only the hash of the session token', async () => {
    const { browser, userId } = await signUp();
    const token = browser.cookies.get('cp_session')!;
    const rows = await db().select().from(sessions).where(eq(sessions.userId, userId));
    expect(rows).toHaveLength(1);
    expect(rows[0].id).not.toBe(token);
    expect(rows[0].id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not say whether the email exists', async () => {
    const { email } = await signUp();
    const wrong = await new Browser().post('/sign-in', { email, password: 'wrong password!' });
    const unknown = await new Browser().post('/sign-in', { email: uniqueEmail('nobody'), password: 'wrong password!' });
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    const a = (await wrong.text()).match(/<div class="form-summary"[\s\S]*?<\/div>/)?.[0];
    const b = (await unknown.text()).match(/<div class="form-summary"[\s\S]*?<\/div>/)?.[0];
    expect(a).toBeTruthy();
    expect(a).toBe(b);
  });

  it('rate limits repeated failures per email', async () => {
    const { email } = await signUp();
    let last: Response | undefined;
    for (let i = 0; i < 11; i++)
      last = await new Browser().post('/sign-in', { email, password: `wrong-${i}-password` });
    expect(last!.status).toBe(429);
    expect(await last!.text()).toContain('Too many sign-in attempts');
    const right = await new Browser().post('/sign-in', { email, password: PASSWORD });
    expect(right.status).toBe(429);
  });

  it('refuses a blank form without a 500', async () => {
    const res = await new Browser().post('/sign-in', {});
    expect(res.status).toBe(422);
  });

  it('signs out by deleting the session row', async () => {
    const { browser, userId } = await signUp();
    const res = await browser.post('/sign-out');
    expect(res.status).toBe(303);
    expect(await db().$count(sessions, eq(sessions.userId, userId))).toBe(0);
    const after = await browser.get('/jobs');
    expect(after.status).toBe(303);
    expect(location(after)).toContain('/sign-in');
  });

  it('ends an expired session', async () => {
    const { browser, userId } = await signUp();
    await db()
      .update(sessions)
      .set({ expiresAt: Date.now() - 1000 })
      .where(eq(sessions.userId, userId));
    const res = await browser.get('/');
    expect(res.status).toBe(303);
    expect(location(res)).toBe('/sign-in?next=%2F');
  });

  it('never follows an off-site next parameter', async () => {
    const { email } = await signUp();
    const res = await new Browser().post('/sign-in', { email, password: PASSWORD, next: '//evil.example/' });
    expect(location(res)).toBe('/');
  });
});

describe('CSRF', () => {
  it('refuses a post without the token', async () => {
    const { browser } = await signUp();
    const res = await browser.fetch('/jobs', {
      method: 'POST',
      body: new URLSearchParams({ name: 'x' }),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(403);
  });

  it('accepts Origin: null (sent under no-referrer) only when Sec-Fetch-Site says same-origin', async () => {
    const { browser } = await signUp();
    const same = await browser.post(
      '/jobs',
      { name: 'From the portal policy' },
      {
        headers: {
          Origin: 'null',
          'Sec-Fetch-Site': 'same-origin',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
      },
    );
    expect(same.status).toBe(303);
    const cross = await browser.post(
      '/jobs',
      { name: 'Forged' },
      {
        headers: {
          Origin: 'null',
          'Sec-Fetch-Site': 'cross-site',
          'Content-Type': 'application/x-www-form-urlencoded',
        },
      },
    );
    expect(cross.status).toBe(403);
    const unknown = await browser.post(
      '/jobs',
      { name: 'Forged' },
      { headers: { Origin: 'null', 'Content-Type': 'application/x-www-form-urlencoded' } },
    );
    expect(unknown.status).toBe(403);
  });

  it('refuses a post from another origin even with the token', async () => {
    const { browser } = await signUp();
    const res = await browser.post('/jobs', { name: 'x' }, { headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
  });
});

describe('security headers', () => {
  it('sends a strict CSP with a nonce and no inline script allowance', async () => {
    const res = await new Browser().get('/sign-in');
    const csp = res.headers.get('Content-Security-Policy')!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[\w-]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
  });

  it('shows the 404 page for unknown paths without details', async () => {
    const { browser } = await signUp();
    const res = await browser.get('/no/such/page');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page not found');
  });
});

describe('teammates', () => {
  it('the owner invites a teammate by email, who sets a password and signs in', async () => {
    const { browser, orgId } = await signUp();
    const email = uniqueEmail('mate');
    const res = await browser.post('/settings/team/invite', { name: 'Mate Person', email });
    expect(res.status).toBe(303);
    const mail = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, email) });
    expect(mail?.subject).toContain('invited you');
    const link = mail!.text.match(/http:\/\/localhost\/invite\/[\w-]+/)![0];
    const mate = new Browser();
    expect((await mate.get(link)).status).toBe(200);
    const weak = await mate.post(new URL(link).pathname, { name: 'Mate Person', password: 'short' });
    expect(weak.status).toBe(422);
    const joined = await mate.post(new URL(link).pathname, { name: 'Mate Person', password: PASSWORD });
    expect(joined.status).toBe(303);
    const user = await db().query.users.findFirst({ where: eq(users.email, email) });
    expect(user?.orgId).toBe(orgId);
    expect(user?.role).toBe('member');
    expect((await mate.get(link)).status).toBe(404);
    // A member may not invite.
    const denied = await mate.post('/settings/team/invite', { name: 'X', email: uniqueEmail('x') });
    expect(denied.status).toBe(403);
  });

  it('refuses a bad invite form', async () => {
    const { browser } = await signUp();
    const res = await browser.post('/settings/team/invite', { name: '', email: 'nope' });
    expect(res.status).toBe(422);
  });
});

describe('passwords', () => {
  it('hash with the stored parameters and compare', async () => {
    const { hashPassword, verifyPassword } = await import('../src/auth/passwords');
    const h = await hashPassword('s3cret-password', 1000);
    expect(h.startsWith('pbkdf2-sha256$1000$')).toBe(true);
    expect(await verifyPassword('s3cret-password', h)).toBe(true);
    expect(await verifyPassword('s3cret-passwore', h)).toBe(false);
    expect(await verifyPassword('x', null)).toBe(false);
    expect(env.ENVIRONMENT).toBe('test');
  });
});
