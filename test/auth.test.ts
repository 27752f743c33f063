// Signing up and in, the security of sign-in, and the sign-in page.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accountTokens, orgs, outbox, sessions, users } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { Browser, db, location, PASSWORD, signUp, uniqueEmail } from './helpers';
import { stateChanges, storeState, Visitor, watchWrites } from './hostile';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { Hono } from 'hono';
import { checksOwnSession, loadUser, requireUser } from '../src/auth/session';
import { database } from '../src/db/client';
import type { AppEnv } from '../src/http/context';

describe('signing up and in', () => {
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
      const unknown = await new Browser().post('/sign-in', {
        email: uniqueEmail('nobody'),
        password: 'wrong password!',
      });
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
});

describe('the security of sign-in', () => {
  // Issue 12, the account side: sign-up that proves the address and tells nobody who has an account
  // (finding 6), sign-in that slows an attacker without locking the owner out (finding 10), and the
  // basics: password reset by email, the list of one's sessions, sign out everywhere, email change.

  const N = 8;
  const HOUR = 3_600_000;
  /** A request from a client address, through the edge (only then is CF-Connecting-IP believed). */
  const from = (ip: string) => ({ headers: { 'CF-Connecting-IP': ip }, cf: { colo: 'TST' } }) as RequestInit;
  const all = <T>(n: number, make: (i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: n }, (_, i) => make(i)));
  const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();

  // Each test starts with no rate-limit counts, so a test is limited only where it means to be.
  beforeEach(async () => {
    await env.DB.exec('DELETE FROM rate_limits');
  });

  /** The newest message to an address (of a kind), from the outbox. */
  async function mailTo(email: string, kind?: string) {
    const rows = await db()
      .select()
      .from(outbox)
      .where(kind ? and(eq(outbox.toEmail, email), eq(outbox.kind, kind)) : eq(outbox.toEmail, email))
      .orderBy(desc(outbox.createdAt));
    return rows[0];
  }

  async function mailsTo(email: string) {
    return db().select().from(outbox).where(eq(outbox.toEmail, email));
  }

  /** The path of the link to `prefix` in a message's text. */
  function linkIn(mail: { text: string } | undefined, prefix: string): string {
    const m = new RegExp(`http://localhost(${prefix}/[\\w-]+)`).exec(mail?.text ?? '');
    if (!m) throw new Error(`no ${prefix} link in ${mail?.text}`);
    return m[1];
  }

  /** The page as a person reads it: the main content, without per-response tokens. */
  function visible(page: string): string {
    const main = /<main[\s\S]*<\/main>/.exec(page)?.[0] ?? page;
    return main
      .replace(/name="_csrf" value="[^"]*"/g, '')
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }

  const signUpForm = (email: string, extra: Record<string, string> = {}) => ({
    company: 'Verify Builders',
    timeZone: 'America/Chicago',
    currency: 'USD',
    name: 'Vera Owner',
    email,
    password: PASSWORD,
    ...extra,
  });

  describe('finding 6: sign-up proves the address and reveals nothing', () => {
    it('answers a new address and an existing one with the same page', async () => {
      const existing = await signUp();
      const fresh = uniqueEmail('fresh');
      const a = await new Visitor().post('/sign-up', signUpForm(existing.email), from('198.51.100.1'));
      const b = await new Visitor().post('/sign-up', signUpForm(fresh), from('198.51.100.2'));
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      const pageA = visible(await a.text()).replace(existing.email, 'EMAIL');
      const pageB = visible(await b.text()).replace(fresh, 'EMAIL');
      expect(pageA).toContain('Check your email to finish signing up');
      expect(pageA).toBe(pageB);
      expect(pageA).not.toMatch(/already (exists|has|in use|taken)/i);
    });

    it('emails the owner of an existing address instead, and makes nothing', async () => {
      const existing = await signUp();
      const orgsBefore = await db().$count(orgs);
      const v = new Visitor();
      expect((await v.post('/sign-up', signUpForm(existing.email, { company: 'Squatter Co' }))).status).toBe(200);
      const mail = await mailTo(existing.email, 'sign-up-existing');
      expect(mail.subject).toMatch(/sign up/i);
      expect(mail.text).toContain('http://localhost/sign-in');
      expect(mail.text).toContain('http://localhost/reset-password');
      expect(await db().$count(orgs)).toBe(orgsBefore);
      expect(v.cookies.has('cp_session')).toBe(false);
    });

    it('a new address gets no account and no session until the emailed link is used', async () => {
      const email = uniqueEmail('pending');
      const v = new Visitor();
      const res = await v.post('/sign-up', signUpForm(email));
      expect(res.status).toBe(200);
      expect(v.cookies.has('cp_session')).toBe(false);
      expect(await db().query.users.findFirst({ where: eq(users.email, email) })).toBeUndefined();
      // The password works nowhere yet.
      const early = await new Visitor().post('/sign-in', { email, password: PASSWORD });
      expect(early.status).toBe(422);
      expect(await early.text()).toContain('open the link we emailed you');

      const mail = await mailTo(email, 'sign-up-verify');
      const path = linkIn(mail, '/sign-up/verify');
      const token = path.split('/').pop()!;
      // Stored only as its hash, for a day at most.
      const row = await db().query.accountTokens.findFirst({ where: eq(accountTokens.id, await sha256Hex(token)) });
      expect(row?.kind).toBe('sign_up');
      expect(row!.expiresAt - row!.createdAt).toBeLessThanOrEqual(24 * HOUR);
      expect(row?.data).not.toContain(PASSWORD);
      expect(await db().$count(accountTokens, eq(accountTokens.id, token))).toBe(0);

      // Opening the link only shows a button (a mail scanner's GET uses nothing up).
      const page = await v.get(path);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(email);
      expect(await db().query.users.findFirst({ where: eq(users.email, email) })).toBeUndefined();
      const done = await v.post(path);
      expect(done.status).toBe(303);
      const user = await db().query.users.findFirst({ where: eq(users.email, email) });
      expect(user?.role).toBe('owner');
      expect((await db().query.orgs.findFirst({ where: eq(orgs.id, user!.orgId) }))?.name).toBe('Verify Builders');
      expect((await v.get('/')).status).toBe(200);
      // Used once.
      expect((await new Visitor().post(path)).status).toBe(404);
      expect((await new Visitor().get(path)).status).toBe(404);
      expect((await new Visitor().post('/sign-in', { email, password: PASSWORD })).status).toBe(303);
    });

    it('an expired link, an unknown one and one of another kind make nothing', async () => {
      const email = uniqueEmail('expired');
      await new Visitor().post('/sign-up', signUpForm(email));
      const path = linkIn(await mailTo(email, 'sign-up-verify'), '/sign-up/verify');
      const hash = await sha256Hex(path.split('/').pop()!);
      await db()
        .update(accountTokens)
        .set({ expiresAt: Date.now() - 1000 })
        .where(eq(accountTokens.id, hash));
      // A password-reset token is not a sign-up token.
      const owner = await signUp();
      await new Visitor().post('/reset-password', { email: owner.email });
      const reset = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      await watchWrites();
      const before = await storeState();
      expect((await new Visitor().get(path)).status).toBe(404);
      expect((await new Visitor().post(path)).status).toBe(404);
      expect((await new Visitor().post('/sign-up/verify/not-a-real-token-at-all-xxxxxxxxxxxxxxxxxx')).status).toBe(404);
      expect((await new Visitor().post(`/sign-up/verify/${reset.split('/').pop()}`)).status).toBe(404);
      expect(stateChanges(before, await storeState())).toEqual([]);
      expect(await db().query.users.findFirst({ where: eq(users.email, email) })).toBeUndefined();
    });

    it(`one link used ${N} times at once makes one account; others are told it was used`, async () => {
      const email = uniqueEmail('race');
      await new Visitor().post('/sign-up', signUpForm(email));
      const path = linkIn(await mailTo(email, 'sign-up-verify'), '/sign-up/verify');
      const responses = await all(N, () => new Visitor().post(path));
      const codes = statuses(responses);
      expect(codes.filter((s) => s === 303)).toHaveLength(1);
      for (const s of codes) expect([303, 404, 422]).toContain(s);
      expect(await db().select().from(users).where(eq(users.email, email))).toHaveLength(1);
      expect(await db().$count(orgs, eq(orgs.email, email))).toBe(1);
    });

    it('two sign-ups for one address: the first link used wins, the other then makes nothing', async () => {
      const email = uniqueEmail('twice');
      await new Visitor().post('/sign-up', signUpForm(email, { company: 'First Co' }));
      const first = linkIn(await mailTo(email, 'sign-up-verify'), '/sign-up/verify');
      await new Visitor().post('/sign-up', signUpForm(email, { company: 'Second Co' }));
      const second = linkIn(await mailTo(email, 'sign-up-verify'), '/sign-up/verify');
      expect(second).not.toBe(first);
      expect((await new Visitor().post(second)).status).toBe(303);
      expect((await new Visitor().post(first)).status).toBe(404);
      const user = await db().query.users.findFirst({ where: eq(users.email, email) });
      expect((await db().query.orgs.findFirst({ where: eq(orgs.id, user!.orgId) }))?.name).toBe('Second Co');
    });

    it('is rate-limited per address (the same answer for any address) and per client address', async () => {
      const email = uniqueEmail('limited');
      for (let i = 0; i < 5; i++)
        expect((await new Visitor().post('/sign-up', signUpForm(email), from(`198.51.100.${10 + i}`))).status).toBe(
          200,
        );
      const limited = await new Visitor().post('/sign-up', signUpForm(email), from('198.51.100.20'));
      expect(limited.status).toBe(429);
      expect(await limited.text()).toContain('Too many sign-up attempts');
      expect(await mailsTo(email)).toHaveLength(5);
      // An existing address is limited the same way.
      const existing = await signUp();
      for (let i = 0; i < 5; i++)
        await new Visitor().post('/sign-up', signUpForm(existing.email), from('198.51.100.30'));
      expect((await new Visitor().post('/sign-up', signUpForm(existing.email), from('198.51.100.31'))).status).toBe(
        429,
      );

      await env.DB.exec('DELETE FROM rate_limits');
      const v = new Visitor();
      for (let i = 0; i < 20; i++)
        expect((await v.post('/sign-up', signUpForm(uniqueEmail('bot')), from('198.51.100.40'))).status).toBe(200);
      const bot = await v.post('/sign-up', signUpForm(uniqueEmail('bot')), from('198.51.100.40'));
      expect(bot.status).toBe(429);
    }, 60_000);

    it('a refused form still says what to fix and makes nothing', async () => {
      const before = await db().$count(accountTokens);
      const res = await new Visitor().post('/sign-up', signUpForm('not-an-email', { password: 'short' }));
      expect(res.status).toBe(422);
      const body = await res.text();
      expect(body).toContain('must be an email address');
      expect(body).toContain('at least 10 characters');
      expect(await db().$count(accountTokens)).toBe(before);
    });

    it('inviting an address that has an account answers like any other invitation', async () => {
      const owner = await signUp();
      const other = await signUp();
      const inviter = Visitor.from(owner.browser);
      const taken = await inviter.post('/settings/team/invite', { name: 'Someone', email: other.email });
      const free = await inviter.post('/settings/team/invite', { name: 'Someone', email: uniqueEmail('free') });
      expect(taken.status).toBe(303);
      expect(free.status).toBe(303);
      const mail = await mailTo(other.email, 'invite');
      const path = linkIn(mail, '/invite');
      const accepted = await new Visitor().post(path, { name: 'Someone', password: PASSWORD });
      expect(accepted.status).toBe(422);
      expect((await db().query.users.findFirst({ where: eq(users.email, other.email) }))?.orgId).toBe(other.orgId);
    });
  });

  describe('finding 10: failures slow an attacker down and never lock the owner out', () => {
    const attack = async (email: string, n: number, ip = '203.0.113.66') => {
      const attacker = new Visitor();
      const codes: number[] = [];
      for (let i = 0; i < n; i++)
        codes.push((await attacker.post('/sign-in', { email, password: `guess-${i}-password` }, from(ip))).status);
      return codes;
    };

    it('after 12 wrong passwords the attacker gets 429, and the owner on a known device signs in', async () => {
      const owner = await signUp();
      // The owner's browser signed in before (sign-up's link did): it is a known device. Sign out first.
      const device = Visitor.from(owner.browser);
      expect((await device.post('/sign-out')).status).toBe(303);
      const codes = await attack(owner.email, 12);
      expect(codes.slice(0, 5)).toEqual([422, 422, 422, 422, 422]);
      expect(codes.slice(5)).toEqual(Array(7).fill(429));
      const right = await device.post('/sign-in', { email: owner.email, password: PASSWORD }, from('192.0.2.7'));
      expect(right.status).toBe(303);
      expect((await device.get('/jobs')).status).toBe(200);
      // The attacker is still slowed, even with the right password from a device it was never signed in on.
      const guess = await new Visitor().post(
        '/sign-in',
        { email: owner.email, password: PASSWORD },
        from('203.0.113.66'),
      );
      expect(guess.status).toBe(429);
      expect(await guess.text()).toContain('Too many sign-in attempts');
    });

    it('a browser with a session of that user signs in again whatever the failures', async () => {
      const owner = await signUp();
      const signedIn = Visitor.from(owner.browser);
      signedIn.cookies.delete('cp_device'); // only the session says it is the owner's
      await attack(owner.email, 10);
      expect((await signedIn.post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(303);
    });

    it('a device cookie of another user, or a forged one, is not a known device', async () => {
      const owner = await signUp();
      const other = await signUp();
      const device = Visitor.from(other.browser);
      await attack(owner.email, 6);
      expect((await device.post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(429);
      const forged = new Visitor();
      const real = device.cookies.get('cp_device')!;
      expect(real).toBeTruthy();
      forged.cookies.set('cp_device', real.replace(/^[^.]+/, owner.userId));
      expect((await forged.post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(429);
    });

    it('the delay grows with each failure and passes: then the right password works from anywhere', async () => {
      const owner = await signUp();
      await attack(owner.email, 5);
      const key = `signin:email:${owner.email}`;
      const row = async () =>
        (await env.DB.prepare('SELECT window_start, count FROM rate_limits WHERE key = ?').bind(key).first<{
          window_start: number;
          count: number;
        }>())!;
      const first = await new Visitor().post('/sign-in', { email: owner.email, password: 'still wrong!!' });
      expect(first.status).toBe(429);
      // Wind the clock on past the first delay (1 second): one more try, then a longer wait.
      await env.DB.prepare('UPDATE rate_limits SET window_start = window_start - 1500 WHERE key = ?').bind(key).run();
      expect((await attack(owner.email, 1))[0]).toBe(422);
      const { count } = await row();
      expect(count).toBe(6);
      await env.DB.prepare('UPDATE rate_limits SET window_start = window_start - 1500 WHERE key = ?').bind(key).run();
      expect((await attack(owner.email, 1))[0]).toBe(429); // the second delay is 2 seconds
      await env.DB.prepare('UPDATE rate_limits SET window_start = window_start - 3000 WHERE key = ?').bind(key).run();
      const owner2 = new Visitor();
      expect((await owner2.post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(303);
      // Success starts the count again.
      expect(await env.DB.prepare('SELECT 1 FROM rate_limits WHERE key = ?').bind(key).first()).toBeNull();
    });

    it(`${N} guesses at once get no more tries than ${N} one after another`, async () => {
      const owner = await signUp();
      const responses = await all(N, (i) =>
        new Visitor().post('/sign-in', { email: owner.email, password: `parallel-${i}-guess` }),
      );
      expect(statuses(responses)).toEqual([...Array(5).fill(422), ...Array(3).fill(429)]);
    });

    it('an unknown email is slowed exactly like a known one', async () => {
      const nobody = uniqueEmail('nobody');
      const codes = await attack(nobody, 7);
      expect(codes).toEqual([422, 422, 422, 422, 422, 429, 429]);
    });

    it('one client address is limited across emails (50 in 15 minutes)', async () => {
      const v = new Visitor();
      for (let i = 0; i < 50; i++)
        expect(
          (
            await v.post(
              '/sign-in',
              { email: `nobody${i}@example.test`, password: 'wrong password!' },
              from('203.0.113.9'),
            )
          ).status,
        ).toBe(422);
      expect(
        (await v.post('/sign-in', { email: 'x@example.test', password: 'wrong password!' }, from('203.0.113.9')))
          .status,
      ).toBe(429);
    }, 60_000);
  });

  describe('password reset', () => {
    const request = (v: Visitor, email: string, ip = '198.51.100.50') => v.post('/reset-password', { email }, from(ip));

    it('answers the same for any address and emails only an account', async () => {
      const owner = await signUp();
      const nobody = uniqueEmail('nobody');
      const page = await new Visitor().get('/reset-password');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('for="f-email"');
      const a = await request(new Visitor(), owner.email);
      const b = await request(new Visitor(), nobody);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      expect(visible(await a.text()).replace(owner.email, 'EMAIL')).toBe(
        visible(await b.text()).replace(nobody, 'EMAIL'),
      );
      expect(await mailsTo(nobody)).toHaveLength(0);
      const mail = await mailTo(owner.email, 'password-reset');
      const token = linkIn(mail, '/reset-password').split('/').pop()!;
      const row = await db().query.accountTokens.findFirst({ where: eq(accountTokens.id, await sha256Hex(token)) });
      expect(row?.kind).toBe('password_reset');
      expect(row?.userId).toBe(owner.userId);
      expect(row!.expiresAt - row!.createdAt).toBe(HOUR);
    });

    it('sets a new password, ends every other session, signs this browser in; the link works once', async () => {
      const owner = await signUp();
      const elsewhere = Visitor.from(owner.browser);
      const v = new Visitor();
      await request(v, owner.email);
      const path = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      const form = await v.get(path);
      expect(form.status).toBe(200);
      expect(await form.text()).toContain('autocomplete="new-password"');
      const weak = await v.post(path, { password: 'short' });
      expect(weak.status).toBe(422);
      expect(await weak.text()).toContain('at least 10 characters');
      const done = await v.post(path, { password: 'a brand new password' });
      expect(done.status).toBe(303);
      expect((await v.get('/jobs')).status).toBe(200);
      expect((await elsewhere.get('/jobs')).status).toBe(303);
      expect(await db().$count(sessions, eq(sessions.userId, owner.userId))).toBe(1);
      expect((await new Visitor().post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(422);
      expect(
        (await new Visitor().post('/sign-in', { email: owner.email, password: 'a brand new password' })).status,
      ).toBe(303);
      expect((await new Visitor().post(path, { password: 'yet another password' })).status).toBe(404);
      expect((await new Visitor().get(path)).status).toBe(404);
    });

    it('an expired link, another kind of link and a made-up one change nothing', async () => {
      const owner = await signUp();
      await request(new Visitor(), owner.email);
      const path = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      await db()
        .update(accountTokens)
        .set({ expiresAt: Date.now() - 1 })
        .where(eq(accountTokens.id, await sha256Hex(path.split('/').pop()!)));
      const email = uniqueEmail('pending');
      await new Visitor().post('/sign-up', signUpForm(email));
      const signUpToken = linkIn(await mailTo(email, 'sign-up-verify'), '/sign-up/verify')
        .split('/')
        .pop();
      await watchWrites();
      const before = await storeState();
      expect((await new Visitor().post(path, { password: 'a brand new password' })).status).toBe(404);
      expect(
        (await new Visitor().post(`/reset-password/${signUpToken}`, { password: 'a brand new password' })).status,
      ).toBe(404);
      expect((await new Visitor().post('/reset-password/x', { password: 'a brand new password' })).status).toBe(404);
      expect(stateChanges(before, await storeState())).toEqual([]);
      expect((await new Visitor().post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(303);
    });

    it('a newer link replaces an older one', async () => {
      const owner = await signUp();
      await request(new Visitor(), owner.email);
      const older = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      await request(new Visitor(), owner.email);
      const newer = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      expect((await new Visitor().post(newer, { password: 'a brand new password' })).status).toBe(303);
      expect((await new Visitor().post(older, { password: 'an older link password' })).status).toBe(404);
    });

    it(`one link used ${N} times at once sets one password`, async () => {
      const owner = await signUp();
      await request(new Visitor(), owner.email);
      const path = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      const responses = await all(N, (i) => new Visitor().post(path, { password: `racing password ${i}` }));
      const codes = statuses(responses);
      expect(codes).toEqual([303, ...Array(N - 1).fill(404)]);
      const winner = responses.findIndex((r) => r.status === 303);
      expect(
        (await new Visitor().post('/sign-in', { email: owner.email, password: `racing password ${winner}` })).status,
      ).toBe(303);
      expect(await db().$count(sessions, eq(sessions.userId, owner.userId))).toBe(2);
    });

    it('is rate-limited: three emails per address an hour (same answer past that), 20 requests per client address', async () => {
      const owner = await signUp();
      const codes: number[] = [];
      for (let i = 0; i < 5; i++)
        codes.push((await request(new Visitor(), owner.email, `198.51.100.${60 + i}`)).status);
      expect(codes).toEqual([200, 200, 200, 200, 200]);
      expect((await mailsTo(owner.email)).filter((m) => m.kind === 'password-reset')).toHaveLength(3);
      await env.DB.exec('DELETE FROM rate_limits');
      const v = new Visitor();
      for (let i = 0; i < 20; i++) expect((await request(v, uniqueEmail('nobody'), '198.51.100.70')).status).toBe(200);
      const limited = await request(v, owner.email, '198.51.100.70');
      expect(limited.status).toBe(429);
    });

    it('a malformed address is refused on its field and nothing is written', async () => {
      await watchWrites();
      const before = await storeState();
      const res = await request(new Visitor(), 'not an email');
      expect(res.status).toBe(422);
      expect(await res.text()).toContain('must be an email address');
      expect(stateChanges(before, await storeState())).toEqual([]);
    });

    it(`${N} requests for one address at once send exactly three links`, async () => {
      const owner = await signUp();
      const responses = await all(N, (i) => request(new Visitor(), owner.email, `198.51.100.${80 + i}`));
      expect(statuses(responses)).toEqual(Array(N).fill(200));
      expect((await mailsTo(owner.email)).filter((m) => m.kind === 'password-reset')).toHaveLength(3);
      expect(await db().$count(accountTokens, eq(accountTokens.userId, owner.userId))).toBe(3);
    });

    it('a reset also lets the owner in past an attacker’s failures', async () => {
      const owner = await signUp();
      const attacker = new Visitor();
      for (let i = 0; i < 8; i++) await attacker.post('/sign-in', { email: owner.email, password: `guess ${i} guess` });
      const v = new Visitor();
      await request(v, owner.email);
      const path = linkIn(await mailTo(owner.email, 'password-reset'), '/reset-password');
      expect((await v.post(path, { password: 'a brand new password' })).status).toBe(303);
      expect((await v.post('/sign-out')).status).toBe(303);
      expect((await v.post('/sign-in', { email: owner.email, password: 'a brand new password' })).status).toBe(303);
    });
  });

  describe('sessions: the list, sign out everywhere else, sign out everywhere', () => {
    const CHROME =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
    const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
    const IPHONE =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

    async function signedIn(email: string, ua: string) {
      const v = new Visitor();
      const res = await v.post('/sign-in', { email, password: PASSWORD }, { headers: { 'User-Agent': ua } });
      expect(res.status).toBe(303);
      return v;
    }

    it('lists this user’s sessions with device and last seen, this one marked; nobody else’s', async () => {
      const owner = await signUp();
      const other = await signUp();
      await signedIn(owner.email, FIREFOX);
      await signedIn(owner.email, IPHONE);
      await signedIn(other.email, CHROME);
      const me = await signedIn(owner.email, CHROME);
      const res = await me.get('/settings/account');
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('Firefox on Linux');
      expect(page).toContain('Safari on iPhone');
      expect(page).toContain('Chrome on Windows');
      expect(page).toContain('This device');
      expect((page.match(/<tr/g) ?? []).length - 1).toBe(4); // the sign-up's session, three sign-ins
      expect(page).toContain(owner.email);
      expect(page).not.toContain(other.email);
    });

    it('last seen is written at most once an hour per session', async () => {
      const owner = await signUp();
      const v = Visitor.from(owner.browser);
      const hash = await sha256Hex(v.cookies.get('cp_session')!);
      const seen = async () => (await db().query.sessions.findFirst({ where: eq(sessions.id, hash) }))!.lastSeenAt!;
      const tenMinutesAgo = Date.now() - 10 * 60_000;
      await db().update(sessions).set({ lastSeenAt: tenMinutesAgo }).where(eq(sessions.id, hash));
      await v.get('/jobs');
      expect(await seen()).toBe(tenMinutesAgo);
      const twoHoursAgo = Date.now() - 2 * HOUR;
      await db().update(sessions).set({ lastSeenAt: twoHoursAgo }).where(eq(sessions.id, hash));
      await v.get('/jobs');
      expect(await seen()).toBeGreaterThan(Date.now() - 60_000);
    });

    it('sign out everywhere else ends the others and keeps this one', async () => {
      const owner = await signUp();
      const a = await signedIn(owner.email, FIREFOX);
      const b = await signedIn(owner.email, IPHONE);
      const bystander = await signUp();
      const res = await b.post('/settings/account/sign-out-others');
      expect(res.status).toBe(303);
      expect((await b.get('/jobs')).status).toBe(200);
      expect((await a.get('/jobs')).status).toBe(303);
      expect((await Visitor.from(owner.browser).get('/jobs')).status).toBe(303);
      expect(await db().$count(sessions, eq(sessions.userId, owner.userId))).toBe(1);
      expect((await Visitor.from(bystander.browser).get('/jobs')).status).toBe(200);
    });

    it('sign out everywhere ends every session, this one too', async () => {
      const owner = await signUp();
      const a = await signedIn(owner.email, FIREFOX);
      const res = await a.post('/settings/account/sign-out-everywhere');
      expect(res.status).toBe(303);
      expect(location(res)).toMatch(/^\/sign-in/);
      expect(await db().$count(sessions, eq(sessions.userId, owner.userId))).toBe(0);
      expect((await Visitor.from(owner.browser).get('/jobs')).status).toBe(303);
    });

    it('without a session both are refused and change nothing', async () => {
      const owner = await signUp();
      await watchWrites();
      const before = await storeState();
      const stranger = new Visitor();
      expect((await stranger.post('/settings/account/sign-out-others')).status).toBe(401);
      expect((await stranger.post('/settings/account/sign-out-everywhere')).status).toBe(401);
      const forged = new Visitor();
      forged.cookies.set('cp_session', 'a'.repeat(43));
      expect((await forged.post('/settings/account/sign-out-everywhere')).status).toBe(401);
      expect(stateChanges(before, await storeState())).toEqual([]);
      expect((await Visitor.from(owner.browser).get('/jobs')).status).toBe(200);
    });

    it(`${N} sign-outs everywhere at once: every session ends, never a 5xx`, async () => {
      const owner = await signUp();
      const a = await signedIn(owner.email, FIREFOX);
      const responses = await all(N, () => a.post('/settings/account/sign-out-everywhere'));
      for (const r of responses) expect([303, 401]).toContain(r.status);
      expect(responses.filter((r) => r.status === 303).length).toBeGreaterThanOrEqual(1);
      expect(await db().$count(sessions, eq(sessions.userId, owner.userId))).toBe(0);
    });

    it(`${N} sign-outs of the others at once from two devices leave exactly one of them`, async () => {
      const owner = await signUp();
      const a = await signedIn(owner.email, FIREFOX);
      const b = await signedIn(owner.email, CHROME);
      const responses = await all(N, (i) => (i % 2 ? a : b).post('/settings/account/sign-out-others'));
      for (const r of responses) expect([303, 401]).toContain(r.status);
      expect(await db().$count(sessions, eq(sessions.userId, owner.userId))).toBe(1);
      const alive = [(await a.get('/jobs')).status, (await b.get('/jobs')).status].sort();
      expect(alive).toEqual([200, 303]);
    });
  });

  describe('email change', () => {
    async function requestChange(v: Visitor, email: string, password = PASSWORD) {
      return v.post('/settings/account/email', { email, password });
    }

    it('needs the current password; confirms to the new address, tells the old; changes only once confirmed', async () => {
      const owner = await signUp();
      const v = Visitor.from(owner.browser);
      const next = uniqueEmail('new');
      const wrong = await requestChange(v, next, 'not my password');
      expect(wrong.status).toBe(422);
      expect(await wrong.text()).toContain('That password is not right');
      expect(await mailsTo(next)).toHaveLength(0);
      const bad = await requestChange(v, 'nope');
      expect(bad.status).toBe(422);

      const res = await requestChange(v, next);
      expect(res.status).toBe(303);
      const confirm = await mailTo(next, 'email-change-confirm');
      const notice = await mailTo(owner.email, 'email-change-notice');
      expect(notice.text).toContain(next);
      expect(notice.text).toContain('http://localhost/reset-password');
      expect((await db().query.users.findFirst({ where: eq(users.id, owner.userId) }))?.email).toBe(owner.email);

      const path = linkIn(confirm, '/settings/account/email');
      const page = await v.get(path);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(next);
      expect((await v.post(path)).status).toBe(303);
      expect((await db().query.users.findFirst({ where: eq(users.id, owner.userId) }))?.email).toBe(next);
      expect((await v.post(path)).status).toBe(404);
      expect((await new Visitor().post('/sign-in', { email: next, password: PASSWORD })).status).toBe(303);
      expect((await new Visitor().post('/sign-in', { email: owner.email, password: PASSWORD })).status).toBe(422);
    });

    it('the link works only for its own account, signed in, before it expires', async () => {
      const owner = await signUp();
      const other = await signUp();
      const v = Visitor.from(owner.browser);
      const next = uniqueEmail('new');
      await requestChange(v, next);
      const path = linkIn(await mailTo(next, 'email-change-confirm'), '/settings/account/email');
      const signedOut = await new Visitor().get(path);
      expect(signedOut.status).toBe(303);
      expect(location(signedOut)).toMatch(/^\/sign-in\?next=/);
      await watchWrites();
      const before = await storeState();
      const intruder = Visitor.from(other.browser);
      expect((await intruder.get(path)).status).toBe(404);
      expect((await intruder.post(path)).status).toBe(404);
      expect((await new Visitor().post(path)).status).toBe(401);
      await db()
        .update(accountTokens)
        .set({ expiresAt: Date.now() - 1 })
        .where(eq(accountTokens.id, await sha256Hex(path.split('/').pop()!)));
      const afterExpiry = await storeState();
      expect((await v.post(path)).status).toBe(404);
      expect(stateChanges(before, afterExpiry).filter((c) => !c.includes('row write'))).toEqual([]);
      expect(stateChanges(afterExpiry, await storeState())).toEqual([]);
      expect((await db().query.users.findFirst({ where: eq(users.id, owner.userId) }))?.email).toBe(owner.email);
    });

    it('an address that has an account gets the same answer; it is told, and nothing changes', async () => {
      const owner = await signUp();
      const other = await signUp();
      const v = Visitor.from(owner.browser);
      const res = await requestChange(v, other.email);
      expect(res.status).toBe(303);
      const mail = await mailTo(other.email, 'email-change-taken');
      expect(mail.text).toMatch(/already/);
      expect(await mailTo(other.email, 'email-change-confirm')).toBeUndefined();
      expect((await db().query.users.findFirst({ where: eq(users.id, owner.userId) }))?.email).toBe(owner.email);
    });

    it(`one link confirmed ${N} times at once changes the email once`, async () => {
      const owner = await signUp();
      const v = Visitor.from(owner.browser);
      const next = uniqueEmail('race');
      await requestChange(v, next);
      const path = linkIn(await mailTo(next, 'email-change-confirm'), '/settings/account/email');
      const responses = await all(N, () => v.post(path));
      expect(statuses(responses)).toEqual([303, ...Array(N - 1).fill(404)]);
      expect((await db().query.users.findFirst({ where: eq(users.id, owner.userId) }))?.email).toBe(next);
    });

    it('without a session nothing is asked for', async () => {
      const owner = await signUp();
      await watchWrites();
      const before = await storeState();
      const res = await new Visitor().post('/settings/account/email', { email: uniqueEmail('x'), password: PASSWORD });
      expect(res.status).toBe(401);
      expect(stateChanges(before, await storeState())).toEqual([]);
      expect(owner.email).toBeTruthy();
    });

    it(`${N} requests at once: five links (the account's limit), the rest 429`, async () => {
      const owner = await signUp();
      const v = Visitor.from(owner.browser);
      const responses = await all(N, () => requestChange(v, uniqueEmail('burst')));
      expect(statuses(responses)).toEqual([...Array(5).fill(303), ...Array(N - 5).fill(429)]);
      expect(
        await db().$count(
          accountTokens,
          and(eq(accountTokens.userId, owner.userId), eq(accountTokens.kind, 'email_change')),
        ),
      ).toBe(5);
    });

    it('is rate-limited per account: five requests an hour', async () => {
      const owner = await signUp();
      const v = Visitor.from(owner.browser);
      for (let i = 0; i < 5; i++) expect((await requestChange(v, uniqueEmail('many'))).status).toBe(303);
      expect((await requestChange(v, uniqueEmail('many'))).status).toBe(429);
    });
  });
});

describe('the sign-in page fits', () => {
  // Issue 14, "Pages that fit": sign-in says what is wrong where the eye is, keeps the email and
  // offers "Forgot password?" by the password field. (The layout itself is tested in Chromium:
  // test/e2e/a11y-dashboard.e2e.mjs.)

  /** The form summary's markup (the alert above the form), or undefined. */
  const summaryOf = (page: string) => /<div class="form-summary"[\s\S]*?<\/div>/.exec(page)?.[0];
  const text = (markup = '') =>
    markup
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();

  describe('sign-in', () => {
    it('offers "Forgot password?" next to the password field', async () => {
      const page = await (await new Browser().get('/sign-in')).text();
      const field = /<div class="field[^"]*">(?:(?!<div class="field)[\s\S])*?id="f-password"/.exec(page)?.[0];
      expect(field).toContain('<a class="small" href="/reset-password">Forgot password?</a>');
      expect(page).not.toContain('Forgot your password?');
    });

    it('says "Email or password is wrong" at the top, focused, with nothing "marked below", and keeps the email', async () => {
      const { email } = await signUp();
      for (const tried of [email, uniqueEmail('nobody')]) {
        const res = await new Browser().post('/sign-in', { email: tried, password: 'not the password 2026' });
        expect(res.status).toBe(422);
        const page = await res.text();
        const summary = summaryOf(page)!;
        expect(summary).toMatch(/role="alert"/);
        expect(summary).toMatch(/tabindex="-1"/);
        expect(summary).toMatch(/autofocus/);
        expect(text(summary)).toMatch(/^Email or password is wrong\. Check them and try again\./);
        expect(page).not.toContain('marked below');
        expect(page).not.toContain('aria-invalid');
        // Above the form, and the address typed is still in its field.
        expect(page.indexOf('class="form-summary"')).toBeLessThan(
          page.indexOf('<form method="post" action="/sign-in"'),
        );
        expect(page).toMatch(new RegExp(`id="f-email"[^>]*value="${tried.replace(/[.+]/g, '\\$&')}"`));
      }
    });

    it('still counts only the fields marked when a field is wrong', async () => {
      const res = await new Browser().post('/sign-in', { email: 'not-an-address', password: '' });
      expect(res.status).toBe(422);
      const summary = text(summaryOf(await res.text()));
      expect(summary).toBe('Please fix the 2 fields marked below.');
    });
  });
});

// Issue 19: the job page and the contractor's document page check the session inside their own batch of
// reads (auth/session.ts requireUserWith, one D1 round trip; the counts are in budgets.test.ts). Every
// answer a session that is not live, or not this company's, got before stays the same.
describe('pages that check the session in their own batch', () => {
  let a: Awaited<ReturnType<typeof companyWithBudget>>;
  let b: Awaited<ReturnType<typeof companyWithBudget>>;
  let pages: { name: string; path: string; shows: string }[];

  /** Another browser signed in as A's owner: its own session row, which a test may end. */
  async function secondSession() {
    const browser = new Browser();
    const res = await browser.post('/sign-in', { email: a.email, password: PASSWORD });
    expect(res.status).toBe(303);
    const token = browser.cookies.get('cp_session')!;
    expect(token).toBeTruthy();
    return { browser, hash: await sha256Hex(token) };
  }

  beforeAll(async () => {
    a = await companyWithBudget({ company: 'Batchwise Builders' });
    b = await companyWithBudget({ company: 'Other Company Builders' });
    const documentId = await createDocument(a.browser, a.jobId, 'estimate', { group: a.groups.demolition });
    await sendDocument(a.browser, documentId);
    const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, documentId) });
    pages = [
      { name: 'job page', path: `/jobs/${a.jobId}`, shows: 'Remove cabinets' },
      { name: 'document page', path: `/documents/${documentId}`, shows: doc!.number },
    ];
  }, 120_000);

  it('a live session sees the page, with its user and company in the layout', async () => {
    for (const p of pages) {
      const res = await a.browser.get(p.path);
      const html = await res.text();
      expect(res.status, p.name).toBe(200);
      expect(html, p.name).toContain(p.shows);
      expect(html, p.name).toContain('Batchwise Builders');
      expect(html, p.name).toMatch(/name="_csrf" value="[A-Za-z0-9_-]{20,}"/);
    }
  });

  it('no session, a made-up one, an expired one and a signed-out one go to sign-in and show nothing', async () => {
    const expired = await secondSession();
    await db()
      .update(sessions)
      .set({ expiresAt: Date.now() - 1000 })
      .where(eq(sessions.id, expired.hash));
    const revoked = await secondSession();
    await db().delete(sessions).where(eq(sessions.id, revoked.hash));
    const madeUp = new Browser();
    madeUp.cookies.set('cp_session', 'x'.repeat(43));
    for (const [who, browser] of [
      ['no session', new Browser()],
      ['made-up session', madeUp],
      ['expired session', expired.browser],
      ['revoked session', revoked.browser],
    ] as const) {
      for (const p of pages) {
        const res = await browser.get(`${p.path}?before=5`);
        expect(res.status, `${who}: ${p.name}`).toBe(303);
        expect(location(res), `${who}: ${p.name}`).toBe(`/sign-in?next=${encodeURIComponent(`${p.path}?before=5`)}`);
        expect(await res.text(), `${who}: ${p.name}`).not.toContain(p.shows);
      }
    }
  });

  it("another company's session gets the 404 page, naming nothing of A's", async () => {
    for (const p of pages) {
      const res = await b.browser.get(p.path);
      const html = await res.text();
      expect(res.status, p.name).toBe(404);
      expect(html, p.name).not.toContain(p.shows);
      expect(html, p.name).not.toContain('Batchwise Builders');
    }
  });

  it('two loads at once with one session both render; a sign-out racing a load never leaves the page shown', async () => {
    for (const p of pages) {
      const both = await Promise.all([a.browser.get(p.path), a.browser.get(p.path)]);
      expect(
        both.map((r) => r.status),
        p.name,
      ).toEqual([200, 200]);
    }
    for (let i = 0; i < 4; i++) {
      const { browser } = await secondSession();
      const token = browser.cookies.get('cp_session')!;
      const [page, out] = await Promise.all([browser.get(pages[i % 2].path), browser.post('/sign-out')]);
      expect(out.status).toBe(303);
      expect([200, 303], `race ${i}: ${page.status}`).toContain(page.status);
      // Once the sign-out has answered, its token never shows the page again.
      browser.cookies.set('cp_session', token);
      for (const p of pages) expect((await browser.get(p.path)).status, `after sign-out: ${p.name}`).toBe(303);
    }
  });

  it('a page marked as checking its own session that forgets to check shows nothing: the sign-in redirect', async () => {
    const app = new Hono<AppEnv>();
    app.use('*', (c, next) => {
      c.set('db', database(env.DB));
      return next();
    });
    app.use('*', loadUser);
    const dashboard = new Hono<AppEnv>();
    dashboard.use('*', requireUser);
    dashboard.get(
      '/forgetful',
      checksOwnSession((c) => c.text('rows of nobody in particular')),
    );
    dashboard.get('/checked', (c) => c.text(`checked by the middleware: ${c.get('user')?.orgId}`));
    app.route('/', dashboard);
    const { browser } = await secondSession();
    const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined } as unknown as ExecutionContext;
    const get = (path: string) =>
      app.fetch(
        new Request(`http://localhost${path}`, {
          headers: { Cookie: `cp_session=${browser.cookies.get('cp_session')}` },
        }),
        env,
        ctx,
      );
    const forgot = await get('/forgetful');
    expect(forgot.status).toBe(303);
    expect(forgot.headers.get('Location')).toBe('/sign-in?next=%2Fforgetful');
    expect(await forgot.text()).not.toContain('rows of nobody');
    // A route not marked keeps the middleware's own check.
    const checked = await get('/checked');
    expect(checked.status).toBe(200);
    expect(await checked.text()).toBe(`checked by the middleware: ${a.orgId}`);
  });
});
