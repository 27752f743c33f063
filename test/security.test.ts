// The security review's findings, stored markup and org isolation.
// One file per area (each describe was a file of its own): every test file loads the app into a fresh
// workerd, seconds apiece, so an area's tests share one load. Each describe keeps its own fixtures.
import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { MAX_UNIT_AMOUNT } from '../src/budget/totals';
import { contractorActor } from '../src/conversation/activity';
import { database } from '../src/db/client';
import {
  accounts,
  activity,
  bidLines,
  bids,
  contacts,
  costGroups,
  costItems,
  counters,
  documents,
  documentTemplates,
  files,
  jobs,
  outbox,
  portalSessions,
  sessions,
  signatures,
} from '../src/db/schema';
import { Refused } from '../src/errors';
import { sha256Hex } from '../src/http/crypto';
import { sealFlash } from '../src/http/flash';
import { acceptBid } from '../src/signing/actions';
import { finalizeSignature } from '../src/signing/finalize';
import { readSignatureImage } from '../src/signing/signature-image';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import {
  BASE,
  Browser,
  createAccount,
  createJob,
  db,
  location,
  PASSWORD,
  signUp,
  uniqueEmail,
  viaEdge,
} from './helpers';
import {
  openPortal,
  pdfFile,
  pngDataUrl,
  settleRoom,
  stateChanges,
  storeState,
  uploadFile,
  versionHashOf,
  Visitor,
  watchWrites,
} from './hostile';
import { addGroup, addItem, itemFields } from './pages';
import { editDraft, openLink, PNG, tokenOf } from './portal-fixtures';

describe('security review', () => {
  // The security review, as tests: headers, cookies, CSRF on every state-changing route, rate
  // limits, session fixation, error pages. Portal-link tokens (algorithm allow-list, alg=none,
  // HS384/HS512 with the same secret, tampered payloads, audience, issuer, expiry, revocation)
  // are covered by portal-access.test.ts and not repeated here.

  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let owner: Visitor;
  let customer: Visitor;
  let estimate: string;
  let link: string;
  let fileId: string;

  const production = () => ({ ...env, ENVIRONMENT: 'production' });

  beforeAll(async () => {
    co = await companyWithBudget({ company: 'Security Review Co' });
    owner = Visitor.from(co.browser);
    estimate = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
    ({ link } = await sendDocument(owner, estimate));
    customer = await openPortal(link);
    fileId = await uploadFile(customer, `/portal/documents/${estimate}`, pdfFile());
    await watchWrites();
  }, 60_000);

  // Each test starts with no rate-limit counts, so signing in again and again is only limited where a test means it.
  beforeEach(async () => {
    await env.DB.exec('DELETE FROM rate_limits');
  });

  /** A cookie's attributes from its Set-Cookie line, lower-cased names. */
  function cookie(res: Response, name: string): Record<string, string> | undefined {
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
    if (!line) return undefined;
    return Object.fromEntries(
      line.split(';').map((part, i) => {
        const [k, ...v] = part.trim().split('=');
        return i === 0 ? ['value', v.join('=')] : [k.toLowerCase(), v.join('=') || 'true'];
      }),
    );
  }

  describe('Content-Security-Policy', () => {
    const pages = () => [
      { who: new Visitor(), path: '/sign-in' },
      { who: new Visitor(), path: '/verify' },
      { who: owner, path: '/no/such/page' },
      { who: owner, path: `/jobs/${co.jobId}` },
      { who: owner, path: `/documents/${estimate}` },
      { who: customer, path: `/portal/documents/${estimate}` },
      { who: customer, path: '/portal' },
    ];

    it('allows scripts only from this origin or with the response nonce, and every script tag carries that nonce', async () => {
      for (const { who, path } of pages()) {
        const res = await who.get(path);
        const csp = res.headers.get('Content-Security-Policy') ?? '';
        const directives = Object.fromEntries(
          csp
            .split(';')
            .map((d) => d.trim().split(/\s+/))
            .map(([k, ...v]) => [k, v]),
        );
        const nonce = /'nonce-([A-Za-z0-9_-]{16,})'/.exec(csp)?.[1];
        expect(nonce, path).toBeTruthy();
        expect(directives['script-src'], path).toEqual(["'self'", `'nonce-${nonce}'`]);
        expect(csp, path).not.toContain('unsafe-inline');
        expect(csp, path).not.toContain('unsafe-eval');
        expect(directives['style-src'], path).toEqual(["'self'"]);
        expect(directives['frame-ancestors'], path).toEqual(["'none'"]);
        expect(directives['object-src'], path).toEqual(["'none'"]);
        expect(directives['base-uri'], path).toEqual(["'none'"]);
        // Only our own pages, and Stripe's hosted Checkout and onboarding that Pay and Connect redirect to.
        expect(directives['form-action'], path).toEqual([
          "'self'",
          'https://checkout.stripe.com',
          'https://connect.stripe.com',
        ]);
        expect(res.headers.get('X-Frame-Options'), path).toBe('DENY');
        expect(res.headers.get('X-Content-Type-Options'), path).toBe('nosniff');
        const body = await res.text();
        const scripts = [...body.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
        for (const attrs of scripts) {
          expect(attrs, path).toContain(`nonce="${nonce}"`);
          expect(attrs, `${path}: an inline script`).toMatch(/\bsrc="\/[^"]+"/);
        }
      }
      const [a, b] = [await new Visitor().get('/sign-in'), await new Visitor().get('/sign-in')];
      expect(a.headers.get('Content-Security-Policy')).not.toBe(b.headers.get('Content-Security-Policy'));
    });

    it('the portal page sends its scripts (live thread) under the nonce', async () => {
      const body = await (await customer.get(`/portal/documents/${estimate}`)).text();
      expect(body).toMatch(/<script type="module" src="\/live\.js" nonce="[\w-]+"><\/script>/);
    });

    it('files are served as attachments in a sandbox, never rendered as a page of this origin', async () => {
      const res = await customer.get(`/portal/documents/${estimate}/files/${fileId}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Disposition')).toMatch(/^attachment;/);
      expect(res.headers.get('Content-Security-Policy')).toBe("default-src 'none'; sandbox");
      expect(res.headers.get('X-Content-Type-Options')).toBe('nosniff');
    });
  });

  describe('HSTS and cookies', () => {
    it('in production: HSTS on every answer, and every cookie __Host-, Secure, HttpOnly, SameSite=Lax', async () => {
      const visitor = new Visitor(production());
      const page = await visitor.get('/sign-in');
      expect(page.headers.get('Strict-Transport-Security')).toBe('max-age=63072000; includeSubDomains');
      expect(cookie(page, '__Host-cp_csrf')).toMatchObject({
        secure: 'true',
        httponly: 'true',
        samesite: 'Lax',
        path: '/',
      });

      const signIn = await visitor.post('/sign-in', { email: co.email, password: PASSWORD });
      expect(signIn.status).toBe(303);
      expect(signIn.headers.get('Strict-Transport-Security')).toBeTruthy();
      expect(cookie(signIn, '__Host-cp_session')).toMatchObject({
        secure: 'true',
        httponly: 'true',
        samesite: 'Lax',
        path: '/',
      });

      const open = await new Visitor(production()).get(link);
      expect(open.status).toBe(303);
      expect(cookie(open, '__Host-cp_portal')).toMatchObject({
        secure: 'true',
        httponly: 'true',
        samesite: 'Lax',
        path: '/',
      });
      expect(open.headers.get('Strict-Transport-Security')).toBeTruthy();

      const missing = await visitor.get('/no/such/page');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('Strict-Transport-Security')).toBeTruthy();
      // The dev mailbox does not exist in production.
      expect((await new Visitor(production()).get('/dev/mail')).status).toBe(404);
    });

    it('the dev mailbox (every email, portal links included) answers only in development and tests', async () => {
      for (const ENVIRONMENT of ['production', 'staging', '']) {
        expect((await new Visitor({ ...env, ENVIRONMENT }).get('/dev/mail')).status, ENVIRONMENT).toBe(404);
      }
      expect((await new Visitor().get('/dev/mail')).status).toBe(200);
    });

    it('in test and local dev: no HSTS (it would pin localhost to https), cookies HttpOnly and SameSite=Lax but not Secure', async () => {
      expect(env.ENVIRONMENT).not.toBe('production');
      const visitor = new Visitor();
      const page = await visitor.get('/sign-in');
      expect(page.headers.get('Strict-Transport-Security')).toBeNull();
      const csrf = cookie(page, 'cp_csrf')!;
      expect(csrf).toMatchObject({ httponly: 'true', samesite: 'Lax', path: '/' });
      expect(csrf.secure).toBeUndefined();
      const signIn = await visitor.post('/sign-in', { email: co.email, password: PASSWORD });
      const session = cookie(signIn, 'cp_session')!;
      expect(session).toMatchObject({ httponly: 'true', samesite: 'Lax', path: '/' });
      expect(Number(session['max-age'])).toBeGreaterThan(0);
      expect(session.secure).toBeUndefined();
      const portal = cookie(await new Visitor().get(link), 'cp_portal')!;
      expect(portal).toMatchObject({ httponly: 'true', samesite: 'Lax', path: '/' });
      expect(portal.secure).toBeUndefined();
    });

    it('the session cookies hold random tokens; the database keeps only their hashes', async () => {
      const visitor = new Visitor();
      await visitor.post('/sign-in', { email: co.email, password: PASSWORD });
      const token = visitor.cookies.get('cp_session')!;
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await db().select().from(sessions).where(eq(sessions.id, token))).toHaveLength(0);
      expect(
        await db()
          .select()
          .from(sessions)
          .where(eq(sessions.id, await sha256Hex(token))),
      ).toHaveLength(1);
      const portal = await openPortal(link);
      const portalToken = portal.cookies.get('cp_portal')!;
      expect(await db().select().from(portalSessions).where(eq(portalSessions.id, portalToken))).toHaveLength(0);
      expect(
        await db()
          .select()
          .from(portalSessions)
          .where(eq(portalSessions.id, await sha256Hex(portalToken))),
      ).toHaveLength(1);
    });
  });

  describe('CSRF on every state-changing route', () => {
    const app = buildApp();
    // The one exception: Stripe's webhook is authenticated by its signature (test/payments-webhook.test.ts), below.
    const WEBHOOK = '/webhooks/stripe';
    const posts = [...new Set(app.routes.filter((r) => r.method === 'POST' && r.path !== WEBHOOK).map((r) => r.path))];

    it('the webhook, the one POST without CSRF, refuses a form post without a Stripe signature (400, nothing changes)', async () => {
      expect(app.routes.some((r) => r.method === 'POST' && r.path === WEBHOOK)).toBe(true);
      const visitor = new Visitor();
      const before = await storeState();
      const res = await visitor.fetch(WEBHOOK, {
        method: 'POST',
        body: new URLSearchParams({ _csrf: await visitor.csrf(), type: 'checkout.session.completed' }),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: 'https://evil.example' },
      });
      expect(res.status).toBe(400);
      expect(stateChanges(before, await storeState())).toEqual([]);
    });

    it('the app has no state-changing methods but POST (so this list is all of them)', () => {
      expect(app.routes.filter((r) => !['GET', 'POST', 'ALL'].includes(r.method))).toEqual([]);
      expect(posts.length).toBeGreaterThan(40);
    });

    /** A route's path with real ids of this world in it. */
    const real = (path: string) =>
      path
        .replace('/accounts/:id', `/accounts/${co.customerId}`)
        .replace(':contactId', co.customerContact.id)
        .replace('/jobs/:id', `/jobs/${co.jobId}`)
        .replace(':groupId', co.groups.demolition)
        .replace(':itemId', co.items[0].id)
        .replace(':fileId', fileId)
        .replace(':token', 'some-invite-token')
        .replace(':id', estimate);

    it.each(posts)(
      'POST %s: no token, a wrong token, a forged origin or a cross-site fetch is refused with 403 and changes nothing',
      async (path) => {
        const both = new Visitor();
        both.cookies = new Map([...owner.cookies, ...customer.cookies]);
        const url = real(path);
        const token = await both.csrf();
        const form = (extra: Record<string, string> = {}) =>
          new URLSearchParams({ name: 'Forged', body: 'Forged', ...extra });
        const attempts: [string, RequestInit][] = [
          ['no token', { body: form(), headers: { Origin: BASE } }],
          ['a wrong token', { body: form({ _csrf: 'A'.repeat(32) }), headers: { Origin: BASE } }],
          [
            'the token, from another origin',
            { body: form({ _csrf: token }), headers: { Origin: 'https://evil.example' } },
          ],
          [
            'the token, Origin null and cross-site',
            { body: form({ _csrf: token }), headers: { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' } },
          ],
          [
            'the token, no Origin but cross-site',
            { body: form({ _csrf: token }), headers: { 'Sec-Fetch-Site': 'cross-site' } },
          ],
          [
            'the token header, from another origin',
            { body: form(), headers: { Origin: 'https://evil.example', 'X-CSRF-Token': token } },
          ],
          ['no token, claiming a WebSocket upgrade', { body: form(), headers: { Origin: BASE, Upgrade: 'websocket' } }],
          [
            'no cookie token at all',
            {
              body: form({ _csrf: token }),
              headers: {
                Origin: BASE,
                Cookie: [...both.cookies]
                  .filter(([k]) => k !== 'cp_csrf')
                  .map(([k, v]) => `${k}=${v}`)
                  .join('; '),
              },
            },
          ],
        ];
        for (const [label, init] of attempts) {
          const before = await storeState();
          const res = await both.fetch(url, {
            method: 'POST',
            ...init,
            headers: {
              'Content-Type': 'application/x-www-form-urlencoded',
              ...(init.headers as Record<string, string>),
            },
          });
          expect(
            res.status,
            `${label}: ${await res
              .clone()
              .text()
              .then((t) => t.slice(0, 200))}`,
          ).toBe(403);
          expect(await res.text(), label).toContain('did not come from this site');
          expect(stateChanges(before, await storeState()), label).toEqual([]);
        }
      },
    );

    it('a WebSocket from another origin is refused; from this origin it opens', async () => {
      const foreign = await owner.fetch(`/documents/${estimate}/live`, {
        headers: { Upgrade: 'websocket', Origin: 'https://evil.example' },
      });
      expect(foreign.status).toBe(403);
      const own = await owner.fetch(`/documents/${estimate}/live`, { headers: { Upgrade: 'websocket', Origin: BASE } });
      expect(own.status).toBe(101);
      own.webSocket!.accept();
      own.webSocket!.close();
    });
  });

  describe('rate limits', () => {
    // Each from its own address, as Cloudflare's edge reports it (a bare header is not believed).
    it('sign-in: after 5 failures on one email, a device it was never signed in on must wait (429), even with the right password', async () => {
      const { email } = await signUp();
      const v = new Visitor();
      for (let i = 0; i < 5; i++)
        expect(
          (await v.post('/sign-in', { email, password: 'wrong password!' }, viaEdge(`203.0.113.${i}`))).status,
        ).toBe(422);
      const limited = await v.post('/sign-in', { email, password: PASSWORD }, viaEdge('203.0.113.99'));
      expect(limited.status).toBe(429);
      expect(await limited.text()).toContain('Too many sign-in attempts');
      expect(v.cookies.has('cp_session')).toBe(false);
    });

    it('sign-in: the 51st attempt from one address within 15 minutes is refused, whatever the email', async () => {
      const v = new Visitor();
      for (let i = 0; i < 50; i++)
        expect(
          (
            await v.post(
              '/sign-in',
              { email: `nobody${i}@example.test`, password: 'wrong password!' },
              viaEdge('203.0.113.200'),
            )
          ).status,
        ).toBe(422);
      expect((await v.post('/sign-in', { email: co.email, password: PASSWORD }, viaEdge('203.0.113.200'))).status).toBe(
        429,
      );
    });

    it('fresh link: three emails per link an hour, ten requests per address; past that the same answer and nothing sent', async () => {
      const v = new Visitor();
      const mails = async () =>
        (
          await db().query.outbox.findMany({
            where: (o, { and, eq }) => and(eq(o.documentId, estimate), eq(o.kind, 'fresh-link')),
          })
        ).length;
      const before = await mails();
      for (let i = 0; i < 5; i++)
        expect((await v.post('/p/fresh-link', { token: tokenOf(link) }, viaEdge(`203.0.113.${10 + i}`))).status).toBe(
          200,
        );
      expect(await mails()).toBe(before + 3);
      for (let i = 0; i < 10; i++) await v.post('/p/fresh-link', { token: 'garbage' }, viaEdge('203.0.113.50'));
      const state = await storeState();
      const limited = await v.post('/p/fresh-link', { token: 'garbage' }, viaEdge('203.0.113.50'));
      expect(limited.status).toBe(200); // says "sent" like every answer, so it reveals nothing
      expect(stateChanges(state, await storeState())).toEqual([]);
    });

    it('verify: the 31st check from one address within an hour gets 429', async () => {
      const v = new Visitor();
      for (let i = 0; i < 30; i++)
        expect((await v.post('/verify', { sha256: 'a'.repeat(64) }, viaEdge('203.0.113.60'))).status).toBe(200);
      const limited = await v.post('/verify', { sha256: 'a'.repeat(64) }, viaEdge('203.0.113.60'));
      expect(limited.status).toBe(429);
      expect(await limited.text()).toContain('Too many checks');
      expect((await v.post('/verify', { sha256: 'a'.repeat(64) }, viaEdge('203.0.113.61'))).status).toBe(200);
    });

    it('uploads: the 61st upload by a recipient within an hour gets 429 and stores nothing', async () => {
      const other = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
      const recipient = await openPortal((await sendDocument(owner, other)).link);
      const upload = () => {
        const form = new FormData();
        form.append('files', pdfFile('n.pdf'));
        // As the upload form posts it: the token in its action URL (an upload's body is not read for it).
        return recipient.fetch(`/portal/documents/${other}/files?_csrf=${recipient.cookies.get('cp_csrf')}`, {
          method: 'POST',
          body: form,
          ...viaEdge('203.0.113.70', { Origin: BASE }),
        });
      };
      for (let i = 0; i < 60; i++) expect((await upload()).status).toBe(303);
      const state = await storeState();
      const limited = await upload();
      expect(limited.status).toBe(429);
      expect(await limited.text()).toContain('Too many uploads');
      expect(stateChanges(state, await storeState())).toEqual([]);
    }, 60_000);
  });

  describe('session fixation', () => {
    it('sign-in replaces a planted session cookie with a new id and the planted one never works', async () => {
      const planted = 'planted-session-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      const v = new Visitor();
      v.cookies.set('cp_session', planted);
      expect((await v.post('/sign-in', { email: co.email, password: PASSWORD })).status).toBe(303);
      const issued = v.cookies.get('cp_session')!;
      expect(issued).not.toBe(planted);
      const attacker = new Visitor();
      attacker.cookies.set('cp_session', planted);
      expect((await attacker.get('/jobs')).status).toBe(303);
    });

    it('a second sign-in in the same browser gets a new session id and ends the old one', async () => {
      const v = new Visitor();
      await v.post('/sign-in', { email: co.email, password: PASSWORD });
      const first = v.cookies.get('cp_session')!;
      await v.post('/sign-in', { email: co.email, password: PASSWORD });
      const second = v.cookies.get('cp_session')!;
      expect(second).not.toBe(first);
      expect(
        await db()
          .select()
          .from(sessions)
          .where(eq(sessions.id, await sha256Hex(first))),
      ).toHaveLength(0);
    });

    it('sign-up (its emailed link) starts a new session whatever cookie was there', async () => {
      const v = new Visitor();
      const planted = 'planted-session-token-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';
      v.cookies.set('cp_session', planted);
      const email = uniqueEmail('fixation');
      await v.post('/sign-up', {
        company: 'Fixation Co',
        timeZone: 'UTC',
        currency: 'USD',
        name: 'New Owner',
        email,
        password: PASSWORD,
      });
      expect(v.cookies.get('cp_session')).toBe(planted); // nothing is signed in before the link is used
      const mail = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, email) });
      const verify = /http:\/\/localhost(\/sign-up\/verify\/[\w-]+)/.exec(mail!.text)![1];
      expect((await v.post(verify)).status).toBe(303);
      expect(v.cookies.get('cp_session')).not.toContain('planted');
      expect((await v.get('/jobs')).status).toBe(200);
    });

    it('every opening of a portal link starts a new portal session id and ends the one the browser had', async () => {
      const v = new Visitor();
      v.cookies.set('cp_portal', 'planted-portal-token-CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC');
      await v.get(link);
      const first = v.cookies.get('cp_portal')!;
      expect(first).not.toContain('planted');
      await v.get(link);
      const second = v.cookies.get('cp_portal')!;
      expect(second).not.toBe(first);
      expect(
        await db()
          .select()
          .from(portalSessions)
          .where(eq(portalSessions.id, await sha256Hex(first))),
      ).toHaveLength(0);
      const old = new Visitor();
      old.cookies.set('cp_portal', first);
      expect((await old.get(`/portal/documents/${estimate}`)).status).toBe(404);
    });

    it('sign-out ends the session on the server, not only in the browser', async () => {
      const v = new Visitor();
      await v.post('/sign-in', { email: co.email, password: PASSWORD });
      const token = v.cookies.get('cp_session')!;
      await v.post('/sign-out');
      const replay = new Visitor();
      replay.cookies.set('cp_session', token);
      expect((await replay.get('/jobs')).status).toBe(303);
    });
  });

  describe('redirects after sign-in stay on this site', () => {
    it.each([
      '//evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      '/\r\n/evil.example',
      ' //evil.example',
      'https://evil.example/',
      '\\\\evil.example',
      '/%09/evil.example',
      'javascript:alert(1)',
    ])('next=%j', async (next) => {
      const res = await new Visitor().post('/sign-in', { email: co.email, password: PASSWORD, next });
      expect(res.status).toBe(303);
      const target = new URL(res.headers.get('Location')!, BASE);
      expect(target.origin).toBe(BASE);
    });
  });

  describe('error pages', () => {
    const failingDb = (): D1Database =>
      new Proxy(env.DB, {
        get(target, prop) {
          // Issue 19: requests read and write through a D1 session, which fails the same way.
          if (prop === 'withSession') return () => failingDb();
          if (prop === 'prepare' || prop === 'batch' || prop === 'exec') {
            return () => {
              throw new Error('D1 is down (at runQuery (/work/main/src/db/client.ts:12:7))');
            };
          }
          const value = Reflect.get(target, prop);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });

    const leaks = (body: string) =>
      [/\bat [\w.<>]+ \(/, /\.ts:\d+/, /\/work\//, /node_modules/, /D1 is down/, /Error:/]
        .filter((re) => re.test(body))
        .map(String);

    it('a failing database gives the 500 page: no stack frames, file paths or error text, headers intact', async () => {
      for (const who of [owner, customer]) {
        const broken = new Visitor({ ...env, DB: failingDb() });
        broken.cookies = new Map(who.cookies);
        for (const path of who === owner
          ? ['/jobs', `/documents/${estimate}`]
          : [`/portal/documents/${estimate}`, '/portal']) {
          const res = await broken.get(path);
          expect(res.status, path).toBe(500);
          const body = await res.text();
          expect(body, path).toContain('We hit a problem on our side');
          expect(leaks(body), path).toEqual([]);
          expect(res.headers.get('Content-Security-Policy'), path).toContain("frame-ancestors 'none'");
          expect(res.headers.get('Content-Type'), path).toContain('text/html');
        }
        const post = await broken.post(
          '/sign-in',
          { email: co.email, password: PASSWORD },
          { headers: { Accept: 'application/json' } },
        );
        expect(post.status).toBe(500);
        expect(leaks(await post.text())).toEqual([]);
      }
    });

    it('4xx pages say what happened without details', async () => {
      const cases = [
        await owner.get('/no/such/page'),
        await owner.get('/documents/nosuchdocument0000000000'),
        await owner.post('/jobs', { pad: 'x'.repeat(1_200_000) }),
        await new Visitor().fetch('/jobs', { method: 'POST' }),
      ];
      for (const res of cases) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(leaks(await res.text())).toEqual([]);
      }
    });
  });

  describe('uploads and signatures are checked by content', () => {
    it('a decompression bomb posing as a drawn signature is refused without inflating it', async () => {
      const w = 100;
      const h = 100; // the pixels of a 100×100 image inflate to 40 kB; this stream inflates to 16 MB
      const stream = new CompressionStream('deflate');
      const writer = stream.writable.getWriter();
      const zeros = new Uint8Array(1024 * 1024);
      const written = (async () => {
        for (let i = 0; i < 16; i++) await writer.write(zeros);
        await writer.close();
      })();
      const idat = new Uint8Array(await new Response(stream.readable).arrayBuffer());
      await written;
      const result = await readSignatureImage(pngDataUrl(w, h, idat));
      expect(result).toEqual({ ok: false, error: 'The signature image is damaged. Clear it and sign again.' });
    });

    it('a password chosen with a control character signs in (sign-in reads it the way sign-up stored it)', async () => {
      const email = uniqueEmail('ctrl');
      await signUp({ email, password: `${PASSWORD}\u0001` });
      expect((await new Visitor().post('/sign-in', { email, password: `${PASSWORD}\u0001` })).status).toBe(303);
    });
  });
});

describe('HTTP-level findings', () => {
  // The HTTP-level findings of the security review (issue 12): emailed links and the Host header (5),
  // `__Host-` cookies (7), secure unless explicitly local (8), one-time flash banners (11), the
  // client address (12), and robots.

  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let owner: Visitor;
  let estimate: string;
  let link: string;

  const withEnv = (ENVIRONMENT: string) => ({ ...env, ENVIRONMENT });
  const EVIL = 'http://evil.example';

  beforeAll(async () => {
    co = await companyWithBudget({ company: 'Header Review Co' });
    owner = Visitor.from(co.browser);
    estimate = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
    ({ link } = await sendDocument(owner, estimate));
  }, 60_000);

  beforeEach(async () => {
    await env.DB.exec('DELETE FROM rate_limits');
  });

  /** A cookie's attributes from its Set-Cookie line, lower-cased names; undefined when not set. */
  function cookie(res: Response, name: string): Record<string, string> | undefined {
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
    if (!line) return undefined;
    return Object.fromEntries(
      line.split(';').map((part, i) => {
        const [k, ...v] = part.trim().split('=');
        return i === 0 ? ['value', v.join('=')] : [k.toLowerCase(), v.join('=') || 'true'];
      }),
    );
  }

  /** A form post as an attacker's script would make it to `url` (any host): its own Origin, the CSRF pair it holds. */
  async function postTo(visitor: Visitor, url: string, fields: Record<string, string>) {
    const origin = new URL(url).origin;
    const body = new URLSearchParams({ _csrf: await visitor.csrf(), ...fields });
    return visitor.fetch(url, {
      method: 'POST',
      body,
      headers: { Host: new URL(url).host, Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  }

  const newestMail = async (documentId: string) =>
    (await db().select().from(outbox).where(eq(outbox.documentId, documentId)).orderBy(desc(outbox.createdAt)))[0];
  const mailCount = async () => (await db().select({ id: outbox.id }).from(outbox)).length;

  describe('finding 5: emailed links are built from APP_ORIGIN, never from the Host header', () => {
    it('in the test environment a forged Host reaches the app, but every link it mails names APP_ORIGIN', async () => {
      expect(env.APP_ORIGIN).toBe('http://localhost');
      const links = (text: string) => [...text.matchAll(/https?:\/\/[^\s/"')]+/g)].map((m) => m[0]);

      // A fresh link for an expired (here: any genuine) token.
      const asked = await postTo(new Visitor(), `${EVIL}/p/fresh-link`, { token: tokenOf(link) });
      expect(asked.status).toBe(200);
      const fresh = await newestMail(estimate);
      expect(fresh.kind).toBe('fresh-link');
      expect(links(fresh.text).length).toBeGreaterThan(0);
      expect(new Set(links(fresh.text))).toEqual(new Set([env.APP_ORIGIN]));
      expect(fresh.html).not.toContain('evil.example');

      // The contractor's send, resend and invitation, posted to the forged host.
      const other = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
      const contact = co.customerContact;
      const sent = await postTo(owner, `${EVIL}/documents/${other}/send`, {
        name: contact.name,
        email: contact.email,
        message: '',
      });
      expect(sent.status).toBe(303);
      const resent = await postTo(owner, `${EVIL}/documents/${other}/resend`, {});
      expect(resent.status).toBe(303);
      const mails = await db().select().from(outbox).where(eq(outbox.documentId, other));
      expect(mails).toHaveLength(2);
      for (const m of mails) {
        expect(new Set(links(m.text)), m.kind).toEqual(new Set([env.APP_ORIGIN]));
        expect(m.html, m.kind).not.toContain('evil.example');
      }
      const invited = uniqueEmail('mate');
      expect((await postTo(owner, `${EVIL}/settings/team/invite`, { name: 'Mate', email: invited })).status).toBe(303);
      const invite = await db().query.outbox.findFirst({ where: (o, { eq }) => eq(o.toEmail, invited) });
      expect(invite!.text).toContain(`${env.APP_ORIGIN}/invite/`);
      expect(invite!.text + invite!.html).not.toContain('evil.example');

      // The recipient's signature mails the contractor a link to the document.
      const customer = await openPortal(link);
      const hash = await versionHashOf(customer, estimate);
      const before = await mailCount();
      const signed = await postTo(customer, `${EVIL}/portal/documents/${estimate}/sign`, {
        versionHash: hash,
        idempotencyKey: 'host-check-sign-1',
        name: 'Dana Reyes',
        method: 'typed',
        consent: 'yes',
      });
      expect(signed.status).toBe(303);
      await settleRoom(estimate);
      const after = await db()
        .select()
        .from(outbox)
        .orderBy(desc(outbox.createdAt))
        .limit((await mailCount()) - before);
      expect(after.length).toBeGreaterThan(0);
      for (const m of after) expect(m.text + m.html, m.kind).not.toContain('evil.example');
    });

    it('outside local development and tests, a request for another host is refused before anything runs', async () => {
      for (const ENVIRONMENT of ['production', 'staging']) {
        const visitor = new Visitor(withEnv(ENVIRONMENT));
        const page = await visitor.get('/sign-in'); // APP_ORIGIN's host: served
        expect(page.status, ENVIRONMENT).toBe(200);
        const before = await mailCount();
        const forged = await postTo(visitor, `${EVIL}/p/fresh-link`, { token: tokenOf(link) });
        expect(forged.status, ENVIRONMENT).toBe(421);
        expect(await forged.text()).not.toContain('fresh one');
        expect(forged.headers.getSetCookie(), ENVIRONMENT).toEqual([]);
        expect(await mailCount(), ENVIRONMENT).toBe(before);
        // Another port of the right host name is another origin too; so is a GET.
        expect((await visitor.get('http://localhost:8443/sign-in')).status, ENVIRONMENT).toBe(421);
        expect((await visitor.get(`${EVIL}/sign-in`)).status, ENVIRONMENT).toBe(421);
      }
    });
  });

  describe('findings 7 and 8: __Host- cookies, Secure and HSTS everywhere but an explicit local environment', () => {
    it('only "development" and "test" get plain cookie names, no Secure and no HSTS', async () => {
      for (const ENVIRONMENT of ['production', 'staging', 'preview', '']) {
        const page = await new Visitor(withEnv(ENVIRONMENT)).get('/sign-in');
        expect(page.headers.get('Strict-Transport-Security'), ENVIRONMENT).toBe('max-age=63072000; includeSubDomains');
        const csrf = cookie(page, '__Host-cp_csrf');
        expect(csrf, ENVIRONMENT).toMatchObject({ secure: 'true', httponly: 'true', samesite: 'Lax', path: '/' });
        expect(csrf!.domain, ENVIRONMENT).toBeUndefined();
        expect(cookie(page, 'cp_csrf'), ENVIRONMENT).toBeUndefined();
      }
      for (const ENVIRONMENT of ['development', 'test']) {
        const page = await new Visitor(withEnv(ENVIRONMENT)).get('/sign-in');
        expect(page.headers.get('Strict-Transport-Security'), ENVIRONMENT).toBeNull();
        expect(cookie(page, 'cp_csrf')!.secure, ENVIRONMENT).toBeUndefined();
        expect(cookie(page, '__Host-cp_csrf'), ENVIRONMENT).toBeUndefined();
      }
    });

    it('in staging: session, portal and CSRF cookies are __Host- prefixed, and unprefixed (planted) ones are ignored', async () => {
      const staging = withEnv('staging');
      const visitor = new Visitor(staging);
      await visitor.get('/sign-in');
      expect(visitor.cookies.has('__Host-cp_csrf')).toBe(true);
      const signIn = await visitor.post('/sign-in', { email: co.email, password: PASSWORD, next: '/jobs' });
      expect(signIn.status).toBe(303);
      const session = cookie(signIn, '__Host-cp_session');
      expect(session).toMatchObject({ secure: 'true', httponly: 'true', samesite: 'Lax', path: '/' });
      expect(session!.domain).toBeUndefined();
      expect(cookie(signIn, 'cp_session')).toBeUndefined();
      expect((await visitor.get('/jobs')).status).toBe(200);

      // A sibling subdomain can set `cp_session` for the parent domain, never `__Host-cp_session`.
      const planted = new Visitor(staging);
      planted.cookies.set('cp_session', session!.value);
      const refused = await planted.get('/jobs');
      expect(refused.status).toBe(303);
      expect(location(refused)).toMatch(/^\/sign-in/);
      // Nor can it plant the CSRF pair: a cp_csrf cookie and the same field are refused.
      const csrfPlant = new Visitor(staging);
      csrfPlant.cookies.set('cp_csrf', 'planted-token-AAAAAAAAAAAAAAAAAAAA');
      const post = await csrfPlant.fetch('/sign-in', {
        method: 'POST',
        body: new URLSearchParams({ _csrf: 'planted-token-AAAAAAAAAAAAAAAAAAAA', email: co.email, password: PASSWORD }),
        headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(post.status).toBe(403);
      expect(cookie(post, '__Host-cp_session')).toBeUndefined();

      // Signing out expires the prefixed cookie.
      const out = await visitor.post('/sign-out');
      expect(out.status).toBe(303);
      expect(cookie(out, '__Host-cp_session')).toMatchObject({ 'max-age': '0', secure: 'true', path: '/' });
      expect(visitor.cookies.has('__Host-cp_session')).toBe(false);

      // The portal: a __Host- cookie, and the unprefixed name opens nothing.
      const recipient = new Visitor(staging);
      const open = await recipient.get(link);
      expect(open.status).toBe(303);
      const portal = cookie(open, '__Host-cp_portal');
      expect(portal).toMatchObject({ secure: 'true', httponly: 'true', samesite: 'Lax', path: '/' });
      expect(portal!.domain).toBeUndefined();
      expect((await recipient.get(location(open))).status).toBe(200);
      const plantedPortal = new Visitor(staging);
      plantedPortal.cookies.set('cp_portal', portal!.value);
      expect((await plantedPortal.get(location(open))).status).toBe(404);
    });

    it('in the test environment the names stay plain (the test browser and local dev use them)', async () => {
      const visitor = new Visitor();
      await visitor.post('/sign-in', { email: co.email, password: PASSWORD });
      const names = [...visitor.cookies.keys()];
      expect(names).toEqual(expect.arrayContaining(['cp_csrf', 'cp_session']));
      for (const name of names) expect(name).toMatch(/^cp_/);
    });
  });

  describe('finding 11: messages after an action are one-time signed flashes, never text from the URL', () => {
    const banner = (html: string) => /<p class="notice" role="status">([^<]*)<\/p>/.exec(html)?.[1];

    it('a crafted ?notice= shows nothing, on the dashboard, the sign-in page and the portal', async () => {
      const crafted = encodeURIComponent('Your payment failed. Call 555-0100');
      const contractor = Visitor.from(co.browser);
      contractor.cookies.delete('cp_flash'); // a genuine one from the set-up's last redirect
      const pages: [Browser, string][] = [
        [contractor, `/jobs/${co.jobId}?notice=${crafted}`],
        [contractor, `/?notice=${crafted}`],
        [new Visitor(), `/sign-in?notice=${crafted}`],
      ];
      for (const [who, path] of pages) {
        const html = await (await who.get(path)).text();
        expect(html, path).not.toContain('Your payment failed');
        expect(banner(html), path).toBeUndefined();
      }
      const customer = await openPortal(link);
      const page = await (await customer.get(`/portal/documents/${estimate}?notice=${crafted}`)).text();
      expect(page).not.toContain('Your payment failed');
      expect((await (await customer.get(`/portal?notice=${crafted}`)).text()).includes('Your payment failed')).toBe(
        false,
      );
    });

    it("after a contractor's action: the banner on the next page only, not in the URL, gone on reload", async () => {
      const res = await owner.post(`/jobs/${co.jobId}/close`);
      expect(res.status).toBe(303);
      expect(location(res)).toBe(`/jobs/${co.jobId}`);
      expect(location(res)).not.toContain('notice');
      const flash = cookie(res, 'cp_flash');
      expect(flash).toMatchObject({ httponly: 'true', samesite: 'Lax', path: '/' });
      expect(Number(flash!['max-age'])).toBeLessThanOrEqual(120);
      expect(flash!.value).not.toContain('Job%20closed');

      const next = await owner.get(location(res));
      expect(banner(await next.text())).toBe('Job closed.');
      expect(cookie(next, 'cp_flash')?.['max-age']).toBe('0');
      expect(banner(await (await owner.get(location(res))).text())).toBeUndefined();
      await owner.post(`/jobs/${co.jobId}/reopen`);
      await owner.get(`/jobs/${co.jobId}`);
    });

    it('a flash cookie that was altered or forged shows nothing', async () => {
      const visitor = Visitor.from(co.browser);
      const res = await visitor.post(`/jobs/${co.jobId}/close`);
      const value = visitor.cookies.get('cp_flash')!;
      const [exp, message, mac] = value.split('.');
      const forgedMessage = btoa('Your payment failed').replace(/=+$/, '');
      for (const forged of [
        `${exp}.${forgedMessage}.${mac}`,
        `${Number(exp) + 3600}.${message}.${mac}`,
        `${exp}.${message}.${mac.slice(0, -2)}AA`,
        'garbage',
      ]) {
        visitor.cookies.set('cp_flash', forged);
        const html = await (await visitor.get(location(res))).text();
        expect(banner(html), forged).toBeUndefined();
      }
      await visitor.post(`/jobs/${co.jobId}/reopen`);
      visitor.cookies.delete('cp_flash');
    });

    it('a live socket opens whatever flash cookie comes with it, and the flash waits for a page', async () => {
      const visitor = Visitor.from(co.browser);
      for (const value of ['garbage', await sealFlash(env.PORTAL_TOKEN_SECRET, 'Waiting for a page.')]) {
        visitor.cookies.set('cp_flash', value);
        const live = await visitor.fetch(`/documents/${estimate}/live`, {
          headers: { Upgrade: 'websocket', Origin: BASE },
        });
        expect(live.status).toBe(101);
        live.webSocket!.accept();
        live.webSocket!.close();
      }
      expect(banner(await (await visitor.get(`/jobs/${co.jobId}`)).text())).toBe('Waiting for a page.');
    });

    it('signing out says so once on the sign-in page; in staging the flash cookie is __Host- and Secure', async () => {
      const visitor = new Visitor();
      await visitor.post('/sign-in', { email: co.email, password: PASSWORD });
      const out = await visitor.post('/sign-out');
      expect(location(out)).toBe('/sign-in');
      expect(banner(await (await visitor.get('/sign-in')).text())).toBe('You are signed out.');
      expect(banner(await (await visitor.get('/sign-in')).text())).toBeUndefined();

      const staging = new Visitor(withEnv('staging'));
      await staging.post('/sign-in', { email: co.email, password: PASSWORD });
      const bye = await staging.post('/sign-out');
      expect(cookie(bye, '__Host-cp_flash')).toMatchObject({ secure: 'true', httponly: 'true', path: '/' });
      expect(banner(await (await staging.get('/sign-in')).text())).toBe('You are signed out.');
    });

    it("after a recipient's decision: the portal page shows the thanks once", async () => {
      const doc = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
      const customer = await openPortal((await sendDocument(owner, doc)).link);
      const hash = await versionHashOf(customer, doc);
      const res = await customer.post(`/portal/documents/${doc}/decline`, {
        versionHash: hash,
        reason: 'Too dear',
        confirm: 'yes',
      });
      expect(res.status).toBe(303);
      // Back to the decision on the document (issue 13): an anchor, still no query.
      expect(location(res)).toBe(`/portal/documents/${doc}#decide`);
      const page = await (await customer.get(location(res))).text();
      expect(banner(page)).toBe('You declined this document. The contractor has been told.');
      expect(banner(await (await customer.get(location(res))).text())).toBeUndefined();
    });
  });

  describe('finding 12: CF-Connecting-IP is believed only from a request that came through Cloudflare', () => {
    const forged = { 'CF-Connecting-IP': '203.0.113.66', 'X-Forwarded-For': '198.51.100.66' };
    const requested = async (documentId: string) =>
      db()
        .select()
        .from(activity)
        .where(and(eq(activity.documentId, documentId), eq(activity.action, 'link_requested')))
        .orderBy(desc(activity.seq));

    it('a forged header, without Cloudflare in front, lands in neither the activity nor the signature', async () => {
      const doc = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
      const sent = await sendDocument(owner, doc);
      // Through the test browser (exports.default.fetch), as a client would reach a bare Worker.
      const asker = new Browser();
      expect((await asker.post('/p/fresh-link', { token: tokenOf(sent.link) }, { headers: forged })).status).toBe(200);
      const [asked] = await requested(doc);
      expect(asked.ip).not.toBe('203.0.113.66');
      expect(asked.ip).not.toBe('198.51.100.66');

      const customer = await openPortal(sent.link);
      const hash = await versionHashOf(customer, doc);
      const signed = await customer.post(
        `/portal/documents/${doc}/sign`,
        { versionHash: hash, idempotencyKey: 'forged-ip-sign-1', name: 'Dana Reyes', method: 'typed', consent: 'yes' },
        { headers: forged },
      );
      expect(signed.status).toBe(303);
      const [sig] = await db().select().from(signatures).where(eq(signatures.documentId, doc));
      expect(sig.ip).toBe('');
      await settleRoom(doc);

      // The same in a deployed environment: no `cf`, no Cloudflare, no belief.
      const staging = new Visitor(withEnv('staging'));
      await staging.get('/sign-in');
      await staging.post('/p/fresh-link', { token: tokenOf(sent.link) }, { headers: forged });
      const [again] = await requested(doc);
      expect(again.id).not.toBe(asked.id);
      expect(again.ip).toBe('');
    });

    it("a request Cloudflare's edge delivered (request.cf set) is recorded with its CF-Connecting-IP", async () => {
      const doc = await createDocument(owner, co.jobId, 'estimate', { all: '1' });
      const sent = await sendDocument(owner, doc);
      const edge = new Visitor(withEnv('staging'));
      await edge.get('/sign-in');
      const res = await edge.post('/p/fresh-link', { token: tokenOf(sent.link) }, {
        headers: forged,
        cf: { colo: 'TST' },
      } as RequestInit);
      expect(res.status).toBe(200);
      const [asked] = await requested(doc);
      expect(asked.ip).toBe('203.0.113.66');
    });
  });

  describe('robots', () => {
    it('/robots.txt disallows everything, before any sign-in, in every environment', async () => {
      for (const bindings of [env, withEnv('production')]) {
        const res = await new Visitor(bindings).get('/robots.txt');
        expect(res.status).toBe(200);
        expect(res.headers.get('Content-Type')).toMatch(/^text\/plain/);
        expect(await res.text()).toBe('User-agent: *\nDisallow: /\n');
        expect(res.headers.getSetCookie()).toEqual([]);
      }
    });

    it('every page carries <meta name="robots" content="noindex"> and an X-Robots-Tag header', async () => {
      const customer = await openPortal(link);
      const pages: [Browser, string][] = [
        [new Visitor(), '/sign-in'],
        [new Visitor(), '/sign-up'],
        [new Visitor(), '/verify'],
        [new Visitor(), '/p/not-a-real-token'],
        [owner, '/'],
        [owner, `/jobs/${co.jobId}`],
        [owner, `/documents/${estimate}`],
        [owner, '/no/such/page'],
        [customer, '/portal'],
        [customer, `/portal/documents/${estimate}`],
      ];
      for (const [who, path] of pages) {
        const res = await who.get(path);
        expect(res.headers.get('X-Robots-Tag'), path).toBe('noindex');
        const html = await res.text();
        expect(html, path).toMatch(/<meta name="robots" content="noindex"\s*\/?>/);
      }
      // Whatever the answer: a redirect to sign-in, a 404, a text.
      for (const path of ['/jobs', '/no/such/file.css', '/robots.txt']) {
        expect((await new Visitor().get(path)).headers.get('X-Robots-Tag'), path).toBe('noindex');
      }
    });
  });
});

describe("bids within the budget's limits", () => {
  // Finding 4: a bid is held to the budget item form's own limits (unit cost at most $10,000,000, a
  // line at most $10 billion), in its words; accepting a bid never writes a cost the budget form would
  // refuse, even when the item changed after the request was sent.

  let co: Awaited<ReturnType<typeof companyWithBudget>>;

  beforeAll(async () => {
    co = await companyWithBudget({ company: 'Bid Bounds Co' });
  });

  /** A bid request for one item of `quantity` units, sent to the vendor; the vendor's browser, page and line. */
  async function requestFor(name: string, quantity: string) {
    const groupId = await addGroup(co.browser, co.jobId, `${name} group`);
    const itemId = await addItem(co.browser, co.jobId, groupId, {
      name,
      quantity,
      unitCost: '1.00',
      vendorAccountId: co.vendorId,
    });
    const id = await createDocument(co.browser, co.jobId, 'bid_request', { group: groupId });
    const { link } = await sendDocument(co.browser, id);
    const vendor = new Browser();
    expect((await vendor.get(link)).status).toBe(303);
    const page = await (await vendor.get(`/portal/documents/${id}`)).text();
    const hash = /name="versionHash" value="([0-9a-f]{64})"/.exec(page)![1];
    const line = /name="cost\.([a-z0-9]+)"/.exec(page)![1];
    const bid = (cost: string) =>
      vendor.post(`/portal/documents/${id}/bid`, { versionHash: hash, [`cost.${line}`]: cost, note: 'Firm price' });
    return { id, groupId, itemId, vendor, bid };
  }

  const item = async (id: string) => (await db().select().from(costItems).where(eq(costItems.id, id)))[0];
  const bidCount = (documentId: string) => db().$count(bids, eq(bids.documentId, documentId));

  describe('a bid is bounded like a budget item', () => {
    it('refuses a unit cost over the budget form’s maximum: 422, the form kept, nothing stored', async () => {
      const r = await requestFor('Rebar', '10');
      const res = await r.bid('10,000,000.01');
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('Unit cost for Rebar must be at most 10,000,000.');
      expect(html).toContain('value="10,000,000.01"');
      expect(html).toContain('Firm price');
      expect(await bidCount(r.id)).toBe(0);
    });

    it('refuses $10,000,000 a unit on 1,000,000 units in the budget form’s words: 422, the form kept', async () => {
      const r = await requestFor('Slab', '1000000');
      const res = await r.bid('10000000');
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('Quantity × unit cost for Slab is larger than we can handle ($10 billion per item).');
      expect(html).toContain('value="10000000"');
      expect(await bidCount(r.id)).toBe(0);
      // The budget form refuses the same line with the same limit.
      const budget = await co.browser.post(
        `/jobs/${co.jobId}/items/${r.itemId}`,
        itemFields(r.groupId, { name: 'Slab', quantity: '1000000', unitCost: '10000000', markup: '0' }),
      );
      expect(budget.status).toBe(422);
      expect(await budget.text()).toContain('larger than we can handle ($10 billion per item)');
      // At the limit it is taken.
      expect((await r.bid('10000')).status).toBe(303);
    });
  });

  describe('accepting a bid never writes a cost the budget form would refuse', () => {
    it('refuses (422) a bid whose cost would push the item past $10 billion since its quantity grew; nothing changes', async () => {
      const r = await requestFor('Footings', '1000');
      // 1,000 × $10,000,000 is exactly $10 billion: within the limit when bid.
      expect((await r.bid('10000000')).status).toBe(303);
      // The contractor then raises the item's quantity, which the budget form allows at its $1.00 cost.
      const grown = await co.browser.post(
        `/jobs/${co.jobId}/items/${r.itemId}`,
        itemFields(r.groupId, {
          name: 'Footings',
          quantity: '1000000',
          unitCost: '1.00',
          vendorAccountId: co.vendorId,
        }),
      );
      expect(grown.status).toBe(303);
      const res = await co.browser.post(`/documents/${r.id}/accept-bid`, { confirm: 'yes' });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain(
        'Quantity × unit cost for Footings is larger than we can handle ($10 billion per item).',
      );
      expect(await item(r.itemId)).toMatchObject({ unitCost: 100, quantity: 1_000_000 * 10_000, acceptedBidId: null });
      expect((await db().select().from(bids).where(eq(bids.documentId, r.id)))[0].status).toBe('submitted');
      expect((await db().query.documents.findFirst({ where: eq(documents.id, r.id) }))?.status).toBe('submitted');
      // Back within the limit, the same bid is accepted.
      await co.browser.post(
        `/jobs/${co.jobId}/items/${r.itemId}`,
        itemFields(r.groupId, { name: 'Footings', quantity: '1000', unitCost: '1.00', vendorAccountId: co.vendorId }),
      );
      expect((await co.browser.post(`/documents/${r.id}/accept-bid`, { confirm: 'yes' })).status).toBe(303);
      expect(await item(r.itemId)).toMatchObject({ unitCost: MAX_UNIT_AMOUNT, quantity: 1000 * 10_000 });
    });

    it('eight accepts at once of a bid past the limit: every one 422, the budget untouched', async () => {
      const r = await requestFor('Columns', '1000');
      expect((await r.bid('10000000')).status).toBe(303);
      await co.browser.post(
        `/jobs/${co.jobId}/items/${r.itemId}`,
        itemFields(r.groupId, { name: 'Columns', quantity: '2000', unitCost: '1.00', vendorAccountId: co.vendorId }),
      );
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          co.browser.post(`/documents/${r.id}/accept-bid`, { confirm: 'yes' }).then((res) => res.status),
        ),
      );
      expect(answers).toEqual(Array(8).fill(422));
      expect(await item(r.itemId)).toMatchObject({ unitCost: 100, acceptedBidId: null });
      expect((await db().query.documents.findFirst({ where: eq(documents.id, r.id) }))?.status).toBe('submitted');
    });

    it('acceptBid refuses a stored unit cost past the budget maximum (a bid from before the bounds)', async () => {
      const r = await requestFor('Piers', '1');
      expect((await r.bid('50.00')).status).toBe(303);
      const [bid] = await db().select().from(bids).where(eq(bids.documentId, r.id));
      await db()
        .update(bidLines)
        .set({ unitCost: MAX_UNIT_AMOUNT + 1 })
        .where(eq(bidLines.bidId, bid.id));
      const owner = contractorActor({ id: co.userId, name: 'Owner Person' });
      const input = { orgId: co.orgId, documentId: r.id, timeZone: 'America/Chicago', origin: 'http://localhost' };
      const err = await acceptBid(env, database(env.DB), owner, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Refused);
      expect((err as Refused).message).toBe('Unit cost for Piers must be at most 10,000,000.');
      expect(await item(r.itemId)).toMatchObject({ unitCost: 100, acceptedBidId: null });
      expect(await db().$count(bids, and(eq(bids.documentId, r.id), eq(bids.status, 'submitted')))).toBe(1);
    });
  });
});

describe('uploads', () => {
  // Finding 3: an upload is read only after its sender is known, and never past a cap. Each test sends
  // a body as a ReadableStream that counts the bytes the Worker pulls from it: a refusal that pulled
  // little never held the body in memory, whatever the body's size.

  const MB = 1024 * 1024;
  const CHUNK = 64 * 1024;
  const BOUNDARY = '----counted';

  /** A multipart upload of one PDF of `size` bytes, streamed chunk by chunk on demand, counting what was pulled. */
  function countedUpload(size: number, field = 'files', name = 'big.pdf') {
    const head = new TextEncoder().encode(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${name}"\r\n` +
        'Content-Type: application/pdf\r\n\r\n%PDF-1.4\n',
    );
    const tail = new TextEncoder().encode(`\r\n--${BOUNDARY}--\r\n`);
    const filler = new Uint8Array(CHUNK).fill(0x41);
    let sent = 0;
    let pulled = 0;
    const total = head.byteLength + size + tail.byteLength;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(ctrl) {
          let chunk: Uint8Array;
          if (sent === 0) chunk = head;
          else if (sent >= head.byteLength + size) chunk = tail;
          else chunk = filler.subarray(0, Math.min(CHUNK, head.byteLength + size - sent));
          sent += chunk.byteLength;
          pulled += chunk.byteLength;
          ctrl.enqueue(chunk);
          if (sent >= total) ctrl.close();
        },
      },
      { highWaterMark: 0 },
    );
    return { body, pulled: () => pulled, total };
  }

  /** POSTs a counted body; `declared` sends a Content-Length header (else the body is chunked). */
  async function send(
    browser: Browser,
    path: string,
    upload: ReturnType<typeof countedUpload>,
    headers: Record<string, string> = {},
  ) {
    const res = await browser.fetch(path, {
      method: 'POST',
      body: upload.body,
      headers: { Origin: BASE, 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
    });
    const text = await res.text();
    // Let the runtime finish whatever it does with an unread body before counting.
    await new Promise((r) => setTimeout(r, 50));
    return { status: res.status, text, pulled: upload.pulled() };
  }

  const report: string[] = [];
  const note = (label: string, pulled: number, status: number) =>
    report.push(`${label}: answered ${status} after pulling ${pulled} bytes (${(pulled / MB).toFixed(2)} MB)`);

  let co: Awaited<ReturnType<typeof companyWithBudget>>;
  let docId: string;
  let recipient: Browser;

  beforeAll(async () => {
    co = await companyWithBudget();
    docId = await createDocument(co.browser, co.jobId, 'estimate', { all: '1' });
    const { link } = await sendDocument(co.browser, docId);
    recipient = new Browser();
    expect((await recipient.get(link)).status).toBe(303);
  });

  describe('an anonymous 90 MB upload is refused before its body is read', () => {
    it('with a free CSRF cookie and the token in the body only: 403 having pulled under 1 MB', async () => {
      const stranger = new Browser();
      await stranger.csrf();
      const up = countedUpload(90 * MB);
      const r = await send(stranger, `/documents/${docId}/files`, up);
      note('anonymous, token not in header/URL', r.pulled, r.status);
      expect(r.status).toBe(403);
      expect(r.pulled).toBeLessThan(MB);
    });

    it('with the token in the URL but no session: 401 (dashboard) and 404 (portal), each under 1 MB pulled', async () => {
      const stranger = new Browser();
      const token = await stranger.csrf();
      const dash = await send(stranger, `/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB));
      note('anonymous to the dashboard upload, token in URL', dash.pulled, dash.status);
      expect(dash.status).toBe(401);
      expect(dash.pulled).toBeLessThan(MB);
      const portal = await send(stranger, `/portal/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB));
      note('anonymous to the portal upload, token in URL', portal.pulled, portal.status);
      expect(portal.status).toBe(404);
      expect(portal.pulled).toBeLessThan(MB);
      const header = await send(stranger, `/portal/documents/${docId}/files`, countedUpload(90 * MB), {
        'X-CSRF-Token': token,
      });
      expect(header.status).toBe(404);
      expect(header.pulled).toBeLessThan(MB);
    });

    it('eight at once from eight strangers: every one refused, none read', async () => {
      const strangers = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const b = new Browser();
          return { b, token: await b.csrf() };
        }),
      );
      const results = await Promise.all(
        strangers.map(({ b, token }, i) =>
          send(b, `${i % 2 ? '/portal' : ''}/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB)),
        ),
      );
      for (const [i, r] of results.entries()) {
        expect(r.status).toBe(i % 2 ? 404 : 401);
        expect(r.pulled).toBeLessThan(MB);
      }
    });

    it('a declared Content-Length past the cap is refused with 413 before anything is read', async () => {
      const stranger = new Browser();
      const token = await stranger.csrf();
      const up = countedUpload(90 * MB);
      const r = await send(stranger, `/portal/documents/${docId}/files?_csrf=${token}`, up, {
        'Content-Length': String(up.total),
      });
      note('anonymous, Content-Length 90 MB', r.pulled, r.status);
      expect(r.status).toBe(413);
      expect(r.pulled).toBeLessThan(MB);
    });
  });

  describe('a signed-in over-cap upload is read only up to its cap', () => {
    const CAP = 32 * MB;
    const SLACK = MB;

    it('the contractor: 413 having pulled at most the 32 MB cap (chunked), nothing stored', async () => {
      const before = await db().$count(files, eq(files.documentId, docId));
      const up = countedUpload(90 * MB);
      const r = await send(co.browser, `/documents/${docId}/files?_csrf=${await co.browser.csrf()}`, up);
      note('contractor, 90 MB chunked', r.pulled, r.status);
      expect(r.status).toBe(413);
      expect(r.text).toContain('larger than we accept in one go (32 MB)');
      expect(r.text).toContain('<a href="/">Go to the home page</a>');
      expect(r.pulled).toBeGreaterThan(CAP);
      expect(r.pulled).toBeLessThanOrEqual(CAP + SLACK);
      expect(await db().$count(files, eq(files.documentId, docId))).toBe(before);
    });

    it('the recipient: 413 having pulled at most the cap; with a declared Content-Length, before reading', async () => {
      const token = await recipient.csrf();
      const chunked = await send(recipient, `/portal/documents/${docId}/files?_csrf=${token}`, countedUpload(90 * MB));
      note('recipient, 90 MB chunked', chunked.pulled, chunked.status);
      expect(chunked.status).toBe(413);
      expect(chunked.pulled).toBeLessThanOrEqual(CAP + SLACK);
      // Its page leads back to the document, never to the contractor's sign-in (the home page).
      expect(chunked.text).toContain(`<a href="/portal/documents/${docId}">Back to the document</a>`);
      expect(chunked.text).not.toContain('href="/"');
      const up = countedUpload(40 * MB);
      const declared = await send(recipient, `/portal/documents/${docId}/files`, up, {
        'X-CSRF-Token': token,
        'Content-Length': String(up.total),
      });
      note('recipient, Content-Length 40 MB', declared.pulled, declared.status);
      expect(declared.status).toBe(413);
      expect(declared.pulled).toBeLessThan(MB);
    });

    it('a body under the cap with one file over the per-file limit still gets the per-file message (422)', async () => {
      const up = countedUpload(26 * MB);
      const r = await send(co.browser, `/documents/${docId}/files?_csrf=${await co.browser.csrf()}`, up);
      expect(r.status).toBe(422);
      expect(r.text).toContain('larger than 25 MB');
      expect(r.pulled).toBe(up.total);
    });

    it('the logo: 413 having pulled at most 1 MB and a little', async () => {
      const up = countedUpload(90 * MB, 'logo', 'logo.png');
      const r = await send(co.browser, `/settings/logo?_csrf=${await co.browser.csrf()}`, up);
      note('logo, 90 MB chunked', r.pulled, r.status);
      expect(r.status).toBe(413);
      expect(r.text).toContain('The logo must be at most 1 MB.');
      expect(r.pulled).toBeLessThanOrEqual(MB + 64 * 1024 + SLACK);
      expect((await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) }))!.logoKey).toBeNull();
    });

    it('a form body (urlencoded) to an upload address is capped like any form: 1 MB, even before the session', async () => {
      const stranger = new Browser();
      await stranger.csrf();
      let pulled = 0;
      const body = new ReadableStream<Uint8Array>(
        {
          pull(ctrl) {
            const chunk = new TextEncoder().encode(`${pulled === 0 ? '_csrf=x&pad=' : ''}${'x'.repeat(CHUNK)}`);
            pulled += chunk.byteLength;
            ctrl.enqueue(chunk);
            if (pulled > 90 * MB) ctrl.close();
          },
        },
        { highWaterMark: 0 },
      );
      const res = await stranger.fetch(`/portal/documents/${docId}/files`, {
        method: 'POST',
        body,
        headers: { Origin: BASE, 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      await res.text();
      await new Promise((r) => setTimeout(r, 50));
      note('anonymous urlencoded 90 MB chunked to an upload address', pulled, res.status);
      expect(res.status).toBe(413);
      expect(pulled).toBeLessThanOrEqual(2 * MB + SLACK);
    });
  });

  describe('/verify refuses past its own 30 MB limit without reading further', () => {
    it('chunked: 413 having pulled at most 30 MB and a little; declared: 413 before reading', async () => {
      await env.DB.exec('DELETE FROM rate_limits');
      const stranger = new Browser();
      const token = await stranger.csrf();
      const chunked = await send(stranger, `/verify?_csrf=${token}`, countedUpload(90 * MB, 'file', 'signed.pdf'));
      note('/verify, 90 MB chunked', chunked.pulled, chunked.status);
      expect(chunked.status).toBe(413);
      expect(chunked.text).toContain('larger than 30 MB');
      expect(chunked.pulled).toBeLessThanOrEqual(30 * MB + 64 * 1024 + MB);
      const up = countedUpload(31 * MB, 'file', 'signed.pdf');
      const declared = await send(stranger, `/verify?_csrf=${token}`, up, { 'Content-Length': String(up.total) });
      note('/verify, Content-Length 31 MB', declared.pulled, declared.status);
      expect(declared.status).toBe(413);
      expect(declared.pulled).toBeLessThan(MB);
    });
  });

  /** The upload form of a page, as a browser without scripts submits it: its action and its other fields. */
  function uploadForm(html: string, path: string) {
    const at = html.indexOf(`action="${path}?_csrf=`);
    if (at < 0) throw new Error(`no upload form posting to ${path}`);
    const action = /action="([^"]*)"/.exec(html.slice(at))![1].replace(/&amp;/g, '&');
    const form = html.slice(at, html.indexOf('</form>', at));
    const fields = [...form.matchAll(/<input\b[^>]*\bname="([^"]*)"[^>]*\bvalue="([^"]*)"/g)].map((m) => [m[1], m[2]]);
    return { action, fields, hasFileInput: /type="file"/.test(form) };
  }

  describe('the upload forms work without scripts: the token rides in the action URL', () => {
    const PDF = new TextEncoder().encode('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

    it('the contractor and the recipient share a file through the plain form; a body-only token is refused', async () => {
      for (const [b, page, path] of [
        [co.browser, `/documents/${docId}`, `/documents/${docId}/files`],
        [recipient, `/portal/documents/${docId}`, `/portal/documents/${docId}/files`],
      ] as const) {
        const html = await (await b.get(page)).text();
        const { action, fields, hasFileInput } = uploadForm(html, path);
        expect(hasFileInput).toBe(true);
        expect(action).toBe(`${path}?_csrf=${await b.csrf()}`);
        const form = new FormData();
        for (const [k, v] of fields) form.append(k, v);
        form.append('files', new File([PDF], `plain-${b === recipient ? 'r' : 'c'}.pdf`, { type: 'application/pdf' }));
        const res = await b.fetch(action, { method: 'POST', body: form, headers: { Origin: BASE } });
        expect(res.status).toBe(303);
        expect(res.headers.get('Location')).toBe(`${page}#files-h`);

        const old = new FormData();
        old.set('_csrf', await b.csrf());
        old.append('files', new File([PDF], 'body-token.pdf', { type: 'application/pdf' }));
        expect((await b.fetch(path, { method: 'POST', body: old, headers: { Origin: BASE } })).status).toBe(403);
      }
      const names = (await db().select().from(files).where(eq(files.documentId, docId))).map((f) => f.name);
      expect(names).toEqual(expect.arrayContaining(['plain-c.pdf', 'plain-r.pdf']));
      expect(names).not.toContain('body-token.pdf');
    });

    it('a script uploads with the X-CSRF-Token header and gets JSON', async () => {
      const form = new FormData();
      form.append('files', new File([PDF], 'scripted.pdf', { type: 'application/pdf' }));
      const res = await co.browser.fetch(`/documents/${docId}/files`, {
        method: 'POST',
        body: form,
        headers: { Origin: BASE, Accept: 'application/json', 'X-CSRF-Token': await co.browser.csrf() },
      });
      expect(res.status).toBe(201);
      expect((await res.json()) as { files: { name: string }[] }).toMatchObject({ files: [{ name: 'scripted.pdf' }] });
    });

    it('the logo form and the verify form post with the token in their action', async () => {
      const settings = uploadForm(await (await co.browser.get('/settings')).text(), '/settings/logo');
      const logo = new FormData();
      for (const [k, v] of settings.fields) logo.append(k, v);
      logo.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
      const saved = await co.browser.fetch(settings.action, { method: 'POST', body: logo, headers: { Origin: BASE } });
      expect(saved.status).toBe(303);
      expect((await db().query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, co.orgId) }))!.logoKey).not.toBeNull();

      await env.DB.exec('DELETE FROM rate_limits');
      const visitor = new Browser();
      const verify = uploadForm(await (await visitor.get('/verify')).text(), '/verify');
      const check = new FormData();
      for (const [k, v] of verify.fields) check.append(k, v);
      check.set('file', new File([PDF], 'any.pdf', { type: 'application/pdf' }));
      const res = await visitor.fetch(verify.action, { method: 'POST', body: check, headers: { Origin: BASE } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Not a document we signed');
    });
  });

  afterAll(() =>
    console.info(`upload memory bound (bytes the Worker pulled before answering):\n  ${report.join('\n  ')}`),
  );
});

describe('revocation', () => {
  // Findings 1, 2 and 9 of the security review (issue 12): revoking a contact, voiding a document or
  // changing a contact's email ends every way the old access could still reach them: live sockets,
  // comment digests, old links and sessions.

  type Company = Awaited<ReturnType<typeof companyWithBudget>>;

  const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
  const roomOf = (documentId: string) => env.DOCUMENT_ROOM.get(env.DOCUMENT_ROOM.idFromName(documentId));

  /** A live page's socket: every message it hears, and the close code once the room closes it. */
  async function live(browser: Browser, path: string) {
    const res = await browser.fetch(path, { headers: { Upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const heard: string[] = [];
    let closedWith: number | null = null;
    ws.addEventListener('message', (m) => {
      if (typeof m.data === 'string' && m.data !== 'pong') heard.push(m.data);
    });
    ws.addEventListener('close', (e) => {
      closedWith = e.code;
    });
    return { ws, heard: (text: string) => heard.some((m) => m.includes(text)), closed: () => closedWith };
  }

  /** A sent document of the company's customer, its portal opened, and both sides' live sockets. */
  async function watchedDocument(co: Company, kind = 'estimate') {
    const id = await createDocument(co.browser, co.jobId, kind, { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, id);
    const { browser: recipient } = await openLink(link);
    const theirs = await live(recipient, `/portal/documents/${id}/live`);
    const ours = await live(co.browser, `/documents/${id}/live`);
    // The positive control: while access holds, the contractor's comment reaches the recipient live.
    expect((await co.browser.post(`/documents/${id}/comments`, { body: 'While access holds' })).status).toBe(303);
    await expect.poll(() => theirs.heard('While access holds'), { timeout: 5000 }).toBe(true);
    return { id, link, recipient, theirs, ours };
  }

  const revoke = (co: Company, contactId = co.customerContact.id) =>
    co.browser.post(`/accounts/${co.customerId}/contacts/${contactId}/revoke`, { confirm: 'yes' });

  const editContact = (co: Company, fields: Record<string, string>, contactId = co.customerContact.id) =>
    co.browser.post(`/accounts/${co.customerId}/contacts/${contactId}`, {
      name: co.customerContact.name,
      email: co.customerContact.email,
      phone: '',
      ...fields,
    });

  const contactRow = async (id: string) => (await db().query.contacts.findFirst({ where: eq(contacts.id, id) }))!;

  const revocations = async (co: Company, contactId = co.customerContact.id) =>
    (
      await db()
        .select()
        .from(activity)
        .where(and(eq(activity.orgId, co.orgId), eq(activity.action, 'link_revoked')))
    ).filter((a) => JSON.parse(a.data ?? '{}').contactId === contactId);

  const digestsTo = async (documentId: string, email: string) =>
    (
      await db()
        .select()
        .from(outbox)
        .where(and(eq(outbox.documentId, documentId), eq(outbox.kind, 'comments')))
    ).filter((m) => m.toEmail === email);

  const linkIn = (text: string) => new URL(/http:\/\/localhost\/p\/[\w.-]+/.exec(text)![0]).pathname;

  describe('finding 1: revocation closes live sockets', () => {
    it('a revoked contact’s open socket is closed and never hears the contractor’s next comment', async () => {
      const co = await companyWithBudget();
      const { id, theirs, ours } = await watchedDocument(co);
      expect((await revoke(co)).status).toBe(303);
      await expect.poll(() => theirs.closed(), { timeout: 5000 }).not.toBeNull();
      expect(theirs.closed()).toBe(4403);

      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Secret after the revoke' })).status).toBe(
        303,
      );
      // The contractor's page hears it; the recipient's, sent in the same broadcast, does not.
      await expect.poll(() => ours.heard('Secret after the revoke'), { timeout: 5000 }).toBe(true);
      await settle();
      expect(theirs.heard('Secret after the revoke')).toBe(false);
    });

    it('a voided document closes its recipients’ sockets; later comments reach only the contractor', async () => {
      const co = await companyWithBudget();
      const { id, theirs, ours } = await watchedDocument(co, 'customer_invoice');
      expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
      await expect.poll(() => theirs.closed(), { timeout: 5000 }).toBe(4403);
      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Note on the void' })).status).toBe(303);
      await expect.poll(() => ours.heard('Note on the void'), { timeout: 5000 }).toBe(true);
      await settle();
      expect(theirs.heard('Note on the void')).toBe(false);
    });

    it('the room checks access before every broadcast, even when nobody told it of the revoke', async () => {
      const co = await companyWithBudget();
      const { id, theirs, ours } = await watchedDocument(co);
      // Bumped behind the room's back (as a revoke whose room call failed would leave it).
      await env.DB.prepare('UPDATE contacts SET access_version = access_version + 1 WHERE id = ?')
        .bind(co.customerContact.id)
        .run();
      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Unannounced revoke' })).status).toBe(303);
      await expect.poll(() => ours.heard('Unannounced revoke'), { timeout: 5000 }).toBe(true);
      await settle();
      expect(theirs.heard('Unannounced revoke')).toBe(false);
      expect(theirs.closed()).toBe(4403);
    });

    it('the room refuses a socket whose access version is no longer the contact’s', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      await sendDocument(co.browser, id);
      const contact = await contactRow(co.customerContact.id);
      const open = (version: number, documentId = id) =>
        roomOf(id).fetch('https://room/live', {
          headers: {
            Upgrade: 'websocket',
            'X-Audience': `recipient:${contact.id}`,
            'X-Access-Version': String(version),
            'X-Document': documentId,
          },
        });
      const current = await open(contact.accessVersion);
      expect(current.status).toBe(101);
      current.webSocket!.accept();
      current.webSocket!.close();
      expect((await open(contact.accessVersion - 1)).status).toBe(404);
      expect((await open(contact.accessVersion + 1)).status).toBe(404);
      // The room of one document does not take sockets for another.
      const other = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      await sendDocument(co.browser, other);
      expect((await open(contact.accessVersion, other)).status).toBe(404);
    });

    it('eight concurrent revokes: each bumps the access version once, none fails', async () => {
      const co = await companyWithBudget();
      const { theirs } = await watchedDocument(co);
      const before = (await contactRow(co.customerContact.id)).accessVersion;
      const answers = await Promise.all(Array.from({ length: 8 }, () => revoke(co)));
      expect(answers.map((r) => r.status)).toEqual(Array(8).fill(303));
      expect((await contactRow(co.customerContact.id)).accessVersion).toBe(before + 8);
      expect(await revocations(co)).toHaveLength(8);
      expect(theirs.closed()).toBe(4403);
    });
  });

  describe('finding 2: comment emails do not re-grant access', () => {
    it('no digest goes to a revoked contact; a resend gives the digests back', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      await sendDocument(co.browser, id);
      const email = co.customerContact.email;
      expect((await revoke(co)).status).toBe(303);
      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Written after the revoke' })).status).toBe(
        303,
      );
      await runDurableObjectAlarm(roomOf(id));
      await settle();
      expect(await digestsTo(id, email)).toHaveLength(0);

      expect((await co.browser.post(`/documents/${id}/resend`)).status).toBe(303);
      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'Written after the resend' })).status).toBe(
        303,
      );
      await runDurableObjectAlarm(roomOf(id));
      await expect.poll(async () => (await digestsTo(id, email)).length, { timeout: 5000 }).toBe(1);
      const [digest] = await digestsTo(id, email);
      expect(digest.text).toContain('Written after the resend');
      // Its link works: the resend gave the access back.
      expect((await new Browser().get(linkIn(digest.text))).status).toBe(303);
    });

    it('no digest for a voided document', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'customer_invoice', { group: co.groups.demolition });
      await sendDocument(co.browser, id);
      expect((await co.browser.post(`/documents/${id}/void`, { confirm: 'yes' })).status).toBe(303);
      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'About the void' })).status).toBe(303);
      await runDurableObjectAlarm(roomOf(id));
      await settle();
      expect(await digestsTo(id, co.customerContact.email)).toHaveLength(0);
    });
  });

  describe('finding 9: changing a contact’s email revokes their old links', () => {
    it('an email change kills the old link and session and says so in the timeline; other edits do not', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const { link } = await sendDocument(co.browser, id);
      const { browser: session } = await openLink(link);
      const before = await contactRow(co.customerContact.id);

      // Name and phone only: access stays.
      expect((await editContact(co, { name: 'Dana Reyes-Ortiz', phone: '555-0100' })).status).toBe(303);
      expect((await session.get('/portal')).status).toBe(200);
      expect((await contactRow(before.id)).accessVersion).toBe(before.accessVersion);
      expect(await revocations(co)).toHaveLength(0);

      const fresh = uniqueEmail('moved');
      expect((await editContact(co, { name: 'Dana Reyes-Ortiz', email: fresh })).status).toBe(303);
      expect((await session.get('/portal')).status).toBe(404);
      expect((await session.get(`/portal/documents/${id}`)).status).toBe(404);
      const again = new Browser();
      expect((await again.get(link)).status).not.toBe(303);
      expect(again.cookies.has('cp_portal')).toBe(false);
      const after = await contactRow(before.id);
      expect(after).toMatchObject({ email: fresh, accessVersion: before.accessVersion + 1 });

      const [logged] = await revocations(co);
      expect(logged).toMatchObject({ side: 'contractor', userId: co.userId });
      const data = JSON.parse(logged.data!);
      expect(data).toMatchObject({ contactId: before.id, from: before.email, to: fresh });
      expect(data.reason).toContain(before.email);
      const feed = await (await co.browser.get('/activity')).text();
      expect(feed).toContain(`revoked portal access of Dana Reyes-Ortiz (${before.email})`);
      expect(feed).toContain('email changed');

      // No digest to either address until the contractor sends again; then the new address gets one.
      expect((await co.browser.post(`/documents/${id}/comments`, { body: 'After the move' })).status).toBe(303);
      await runDurableObjectAlarm(roomOf(id));
      await settle();
      expect(await digestsTo(id, fresh)).toHaveLength(0);
      expect(await digestsTo(id, before.email)).toHaveLength(0);
      expect((await co.browser.post(`/documents/${id}/resend`)).status).toBe(303);
      const resent = await db().query.outbox.findFirst({
        where: (o, { and, eq }) => and(eq(o.documentId, id), eq(o.kind, 'document'), eq(o.toEmail, fresh)),
      });
      expect((await openLink(linkIn(resent!.text))).page.status).toBe(200);
    });

    it('a new email on the send page revokes the old links too', async () => {
      const co = await companyWithBudget();
      const first = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const old = await sendDocument(co.browser, first);
      const { browser: session } = await openLink(old.link);
      const before = await contactRow(co.customerContact.id);

      const second = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.electrical });
      const fresh = uniqueEmail('new-address');
      const sent = await sendDocument(co.browser, second, { email: fresh });
      expect(sent.mail.toEmail).toBe(fresh);
      expect((await session.get('/portal')).status).toBe(404);
      expect((await new Browser().get(old.link)).status).not.toBe(303);
      expect(await contactRow(before.id)).toMatchObject({ email: fresh, accessVersion: before.accessVersion + 1 });
      // The link just sent to the new address works, for both documents of the account.
      const opened = await openLink(sent.link);
      expect(opened.page.status).toBe(200);
      expect((await opened.browser.get(`/portal/documents/${first}`)).status).toBe(200);
      const [logged] = await revocations(co);
      expect(JSON.parse(logged.data!)).toMatchObject({ from: before.email, to: fresh });
    });

    it('a bad email or another company changes nothing', async () => {
      const co = await companyWithBudget();
      const before = await contactRow(co.customerContact.id);
      const bad = await editContact(co, { email: 'not-an-email' });
      expect(bad.status).toBe(422);
      expect(await bad.text()).toContain('must be an email address');
      const other = await companyWithBudget({ company: 'Other Builders' });
      const foreign = await other.browser.post(`/accounts/${co.customerId}/contacts/${before.id}`, {
        name: 'Mallory',
        email: uniqueEmail('mallory'),
        phone: '',
      });
      expect(foreign.status).toBe(404);
      const anonymous = await new Browser().post(`/accounts/${co.customerId}/contacts/${before.id}`, {
        name: 'Mallory',
        email: uniqueEmail('mallory'),
        phone: '',
      });
      expect(anonymous.status).toBe(401);
      expect(await contactRow(before.id)).toEqual(before);
      expect(await revocations(co)).toHaveLength(0);
    });

    it('eight concurrent email changes: no 5xx, one bump and one timeline line per change, a consistent end', async () => {
      const co = await companyWithBudget();
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const { link } = await sendDocument(co.browser, id);
      const { browser: session } = await openLink(link);
      const before = await contactRow(co.customerContact.id);
      const emails = Array.from({ length: 8 }, (_, i) => uniqueEmail(`race${i}`));
      const answers = await Promise.all(emails.map((email) => editContact(co, { email })));
      for (const r of answers) expect([303, 409]).toContain(r.status);
      const applied = emails.filter((_, i) => answers[i].status === 303);
      expect(applied.length).toBeGreaterThan(0);
      const after = await contactRow(before.id);
      expect(applied).toContain(after.email);
      const logged = (await revocations(co)).map((a) => JSON.parse(a.data!) as { from: string; to: string });
      expect(logged).toHaveLength(applied.length);
      expect(after.accessVersion).toBe(before.accessVersion + applied.length);
      // The lines chain: each change starts from the address the previous one left.
      expect(logged.map((l) => l.to).sort()).toEqual([...applied].sort());
      expect(logged.map((l) => l.from).sort()).toEqual(
        [before.email, ...applied.filter((e) => e !== after.email)].sort(),
      );
      expect((await session.get('/portal')).status).toBe(404);
    });
  });

  describe('the signed-PDF email gives no link to a contact revoked since signing', () => {
    it('a sealing retry after the revoke emails the contractor only', async () => {
      const co = await companyWithBudget({ company: 'Late Seal Co' });
      const id = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
      const { link } = await sendDocument(co.browser, id);
      const { browser: r, html } = await openLink(link);
      const versionHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(html)?.[1] ?? '';
      const signed = await r.post(`/portal/documents/${id}/sign`, {
        versionHash,
        name: 'Dana Reyes',
        method: 'typed',
        consent: 'yes',
        idempotencyKey: 'late-seal-0001',
      });
      expect(signed.status).toBe(303);
      const [signature] = await db().select().from(signatures).where(eq(signatures.documentId, id));
      // The first seal ran after the response; as if it had failed, it is made again after the revoke.
      await expect
        .poll(async () => (await db().select().from(signatures).where(eq(signatures.id, signature.id)))[0].sealedAt, {
          timeout: 10_000,
        })
        .not.toBeNull();
      await db()
        .update(signatures)
        .set({ sealedAt: null, sealedPdfKey: null, sealedPdfSha256: null })
        .where(eq(signatures.id, signature.id));
      await db()
        .delete(outbox)
        .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signed')));
      expect((await revoke(co)).status).toBe(303);
      expect(await finalizeSignature(env, db(), signature.id, 'http://localhost')).toBe('sealed');
      const mails = await db()
        .select()
        .from(outbox)
        .where(and(eq(outbox.documentId, id), eq(outbox.kind, 'signed')));
      expect(mails.map((m) => m.toEmail)).toEqual([co.email]);
    });
  });
});

describe('stored markup', () => {
  // Markup stored through every text field either side can write must come back as text: on every
  // page and in every email that shows it, and when a refused form echoes it back.

  /** Every payload at once, within the 120 characters most names allow. */
  const P =
    'javascript:alert(1)"><img src=x onerror=alert(1)><script>alert(1)</script></textarea><svg onload=alert(1)>{{7*7}}\u202e';
  /** For fields of at most 100 characters (a payment reference). */
  const P100 = '"><img src=x onerror=alert(1)><script>alert(1)</script></textarea><svg onload=alert(1)>';
  /** For fields of at most 40 (phone, cost code) and 20 (unit). */
  const P40 = '"><img src=x onerror=alert(1)>';
  const P20 = '"><svg/onload=x>';
  /** A name spoofed with a right-to-left override: shows as "Reyes Invoice.pdf" but ends in exe. */
  const SPOOF = 'Reyes Invoice\u202efdp.exe';

  /** Markup that would run: raw payload tags, event-handler attributes on real tags, javascript: URLs; and, stored, a bidi override. */
  function unsafeMarkup(page: string, { stored = true } = {}): string[] {
    const found: string[] = [];
    if (/<script>alert/i.test(page)) found.push('raw <script>');
    if (/<img src=x/i.test(page)) found.push('raw <img src=x>');
    if (/<svg[\s/]+onload/i.test(page)) found.push('raw <svg onload>');
    for (const m of page.matchAll(/<[a-zA-Z][\w-]*((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
      const attrs = m[1].replace(/"[^"]*"|'[^']*'/g, '""');
      const handler = /(?:^|[\s/])on[a-z]+\s*=/i.exec(attrs);
      if (handler) found.push(`event handler in ${m[0].slice(0, 80)}`);
      if (/\b(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:/i.test(m[0]))
        found.push(`javascript: URL in ${m[0].slice(0, 80)}`);
    }
    if (stored && page.includes('\u202e')) found.push('right-to-left override character');
    return found;
  }

  let owner: Visitor;
  let customer: Visitor;
  let vendor: Visitor;
  const ids: Record<string, string> = {};
  const pages: { side: 'dashboard' | 'portal'; path: string }[] = [];

  beforeAll(async () => {
    const signedUp = await signUp({ company: P, name: P });
    owner = Visitor.from(signedUp.browser);

    // The account basics (issue 12): a session signed in with a hostile User-Agent, an email change
    // waiting for its link (and one to an address that has an account), a sign-up of a company named
    // with markup waiting for its link, the owner's address signed up again, a password-reset link.
    const linkTo = async (email: string, kind: string) => {
      const mails = await db().select().from(outbox).where(eq(outbox.toEmail, email));
      const mail = mails.filter((m) => m.kind === kind).sort((a, b) => b.createdAt - a.createdAt)[0];
      return /http:\/\/localhost(\/[\w/-]+)/.exec(mail.text)![1];
    };
    const hostileDevice = { headers: { 'User-Agent': P100 } };
    expect(
      (await new Visitor().post('/sign-in', { email: signedUp.email, password: PASSWORD }, hostileDevice)).status,
    ).toBe(303);
    const moved = uniqueEmail('xss-moved');
    expect((await owner.post('/settings/account/email', { email: moved, password: PASSWORD })).status).toBe(303);
    ids.emailChange = await linkTo(moved, 'email-change-confirm');
    const other = await signUp({ company: 'Other xss co' });
    expect((await owner.post('/settings/account/email', { email: other.email, password: PASSWORD })).status).toBe(303);
    const pendingEmail = uniqueEmail('xss-pending');
    const signUpForm = { company: P, timeZone: 'UTC', currency: 'USD', name: P, password: PASSWORD };
    expect((await new Visitor().post('/sign-up', { ...signUpForm, email: pendingEmail })).status).toBe(200);
    ids.signUp = await linkTo(pendingEmail, 'sign-up-verify');
    expect((await new Visitor().post('/sign-up', { ...signUpForm, email: signedUp.email })).status).toBe(200);
    expect((await new Visitor().post('/reset-password', { email: signedUp.email })).status).toBe(200);
    ids.reset = await linkTo(signedUp.email, 'password-reset');
    const settings = await owner.post('/settings', {
      name: P,
      email: 'office@example.test',
      phone: P40,
      address: P,
      brandColor: '#1f5f8b',
      defaultTaxRate: '5',
      portalLinkDays: '90',
      defaultFooter: P,
      paymentInstructions: P,
    });
    expect(settings.status).toBe(303);
    // Issue 20: each kind's terms are its default template's; the payload in every text a template gives a draft.
    for (const kind of ['estimate', 'customer_invoice']) {
      const template = await owner.post('/settings/templates', {
        kind,
        name: P.slice(0, 80),
        description: P,
        terms: P,
        footer: P,
        displayMode: 'itemized',
        showUnitPrices: 'on',
        showQuantities: 'on',
        showLineTotals: 'on',
        depositKind: 'none',
        reminders: 'company',
        isDefault: 'on',
      });
      expect(template.status).toBe(303);
    }
    ids.template = (await db().query.documentTemplates.findFirst({
      where: eq(documentTemplates.kind, 'estimate'),
    }))!.id;
    expect((await owner.post('/settings/team/invite', { name: P, email: uniqueEmail('xss-member') })).status).toBe(303);

    ids.customer = await createAccount(owner, 'customer', 'Temp customer');
    ids.vendor = await createAccount(owner, 'vendor', 'Temp vendor');
    for (const id of [ids.customer, ids.vendor]) {
      expect(
        (await owner.post(`/accounts/${id}`, { name: P, email: 'acct@example.test', phone: P40, address: P, notes: P }))
          .status,
      ).toBe(303);
      const contact = (await db().query.contacts.findFirst({ where: eq(contacts.accountId, id) }))!;
      expect(
        (await owner.post(`/accounts/${id}/contacts/${contact.id}`, { name: P, email: contact.email, phone: P40 }))
          .status,
      ).toBe(303);
    }
    const job = await owner.post('/jobs', { name: P, address: P, customerAccountId: ids.customer });
    expect(job.status).toBe(303);
    ids.job = job.headers.get('Location')!.split('/jobs/')[1].split('?')[0];
    expect((await owner.post(`/jobs/${ids.job}/groups`, { name: P })).status).toBe(303);
    ids.group = (await db().query.costGroups.findFirst({ where: eq(costGroups.jobId, ids.job) }))!.id;
    const item = {
      groupId: ids.group,
      name: P,
      description: P,
      costCode: P40,
      costType: 'materials',
      quantity: '2',
      unit: P20,
      unitCost: '10.00',
      priceBy: 'markup',
      markup: '20',
      vendorAccountId: ids.vendor,
    };
    expect((await owner.post(`/jobs/${ids.job}/items`, item)).status).toBe(303);
    ids.item = (await db().query.costItems.findFirst({ where: eq(costItems.jobId, ids.job) }))!.id;

    // A customer order with every text field written, sent with a personal message.
    const dressed = (f: [string, string][]) =>
      f.map(([k, v]): [string, string] => [
        k,
        k.endsWith('._new')
          ? v
          : /^(title|description|terms|footer)$|^(name|description)\./.test(k)
            ? P
            : /^unit\./.test(k)
              ? P20
              : v,
      ]);
    ids.estimate = await createDocument(owner, ids.job, 'estimate', { all: '1' });
    await editDraft(owner, ids.estimate, dressed);
    const estimate = await sendDocument(owner, ids.estimate, { name: P, message: P });
    ids.declined = await createDocument(owner, ids.job, 'proposal', { all: '1' });
    await editDraft(owner, ids.declined, dressed);
    await sendDocument(owner, ids.declined, { name: P, message: P });
    ids.invoice = await createDocument(owner, ids.job, 'customer_invoice', { all: '1' });
    await editDraft(owner, ids.invoice, dressed);
    await sendDocument(owner, ids.invoice, { name: P });
    expect(
      (
        await owner.post(`/documents/${ids.invoice}/payments`, {
          amount: '1.00',
          paidOn: '2026-01-15',
          method: 'Check',
          reference: P100,
        })
      ).status,
    ).toBe(303);
    ids.bid = await createDocument(owner, ids.job, 'bid_request', { all: '1' });
    await editDraft(owner, ids.bid, dressed);
    const bid = await sendDocument(owner, ids.bid, { name: P, message: P });
    ids.draft = await createDocument(owner, ids.job, 'estimate', { all: '1' });
    await editDraft(owner, ids.draft, dressed);
    expect((await owner.post(`/documents/${ids.estimate}/revise`)).status).toBe(303);

    // The conversation, from both sides: comments and file names.
    expect(
      (
        await owner.post(`/documents/${ids.estimate}/comments`, {
          body: `${P}\nhttps://example.test/a"onmouseover="alert(1)`,
        })
      ).status,
    ).toBe(303);
    await uploadFile(owner, `/documents/${ids.estimate}`, pdfFile(`x"><img src=x onerror=alert(1)>${SPOOF}.pdf`));
    customer = await openPortal(estimate.link);
    expect((await customer.post(`/portal/documents/${ids.estimate}/comments`, { body: P })).status).toBe(303);
    ids.customerFile = await uploadFile(customer, `/portal/documents/${ids.estimate}`, pdfFile(`${SPOOF}'&"<b>.pdf`));

    // The recipients' decisions: a signature, a decline reason, a bid with notes.
    const signed = await customer.post(`/portal/documents/${ids.estimate}/sign`, {
      versionHash: await versionHashOf(customer, ids.estimate),
      idempotencyKey: 'xss-sign-1',
      name: P,
      method: 'typed',
      consent: 'yes',
    });
    expect(signed.status).toBe(303);
    const declined = await customer.post(`/portal/documents/${ids.declined}/decline`, {
      versionHash: await versionHashOf(customer, ids.declined),
      reason: P,
      confirm: 'yes',
    });
    expect(declined.status).toBe(303);
    vendor = await openPortal(bid.link);
    const bidPage = await (await vendor.get(`/portal/documents/${ids.bid}`)).text();
    const lines = [...bidPage.matchAll(/name="cost\.([a-z0-9]+)"/g)].map((m) => m[1]);
    const bidForm = Object.fromEntries(
      lines.flatMap((l) => [
        [`cost.${l}`, '9.00'],
        [`note.${l}`, P],
      ]),
    );
    const submitted = await vendor.post(`/portal/documents/${ids.bid}/bid`, {
      versionHash: await versionHashOf(vendor, ids.bid),
      note: P,
      ...bidForm,
    });
    expect(submitted.status).toBe(303);

    const dashboard = (path: string) => pages.push({ side: 'dashboard', path });
    const portal = (path: string) => pages.push({ side: 'portal', path });
    for (const path of [
      '/',
      '/jobs',
      `/jobs/${ids.job}`,
      `/jobs/${ids.job}/edit`,
      `/jobs/${ids.job}/groups/${ids.group}/edit`,
      `/jobs/${ids.job}/items/${ids.item}/edit`,
      `/jobs/${ids.job}/items/new`,
      `/jobs/${ids.job}/bids`,
      `/jobs/${ids.job}/documents/new?kind=estimate`,
    ])
      dashboard(path);
    for (const path of [
      '/accounts',
      `/accounts/${ids.customer}`,
      `/accounts/${ids.vendor}`,
      '/documents',
      '/activity',
      '/settings',
      '/settings/team',
      '/settings/account',
      '/settings/templates',
      `/settings/templates/${ids.template}`,
      ids.emailChange,
      ids.signUp,
      '/dev/mail',
    ])
      dashboard(path);
    for (const id of [ids.estimate, ids.declined, ids.invoice, ids.bid, ids.draft]) dashboard(`/documents/${id}`);
    for (const path of [
      `/documents/${ids.draft}/send`,
      `/documents/${ids.draft}/send/preview?name=${encodeURIComponent(P)}&message=${encodeURIComponent(P)}`,
      `/documents/${ids.estimate}/compare?from=1&to=2`,
    ])
      dashboard(path);
    for (const path of [
      '/portal',
      `/portal/jobs/${ids.job}`,
      `/portal/documents/${ids.estimate}`,
      `/portal/documents/${ids.declined}`,
      `/portal/documents/${ids.invoice}`,
    ])
      portal(path);
  }, 120_000);

  describe('stored markup comes back escaped', () => {
    it('on every dashboard and portal page that shows it', async () => {
      const problems: string[] = [];
      for (const { side, path } of [...pages, { side: 'portal' as const, path: `/portal/documents/${ids.bid}` }]) {
        const visitor = side === 'dashboard' ? owner : path.includes(ids.bid) ? vendor : customer;
        const res = await visitor.get(path);
        const page = await res.text();
        if (res.status !== 200) problems.push(`${path}: ${res.status}`);
        for (const p of unsafeMarkup(page)) problems.push(`${path}: ${p}`);
        // Not vacuous: the payload is on the page, as text.
        if (!page.includes('&lt;img src=x onerror=alert(1)>') && !page.includes('&lt;svg/onload=x>'))
          problems.push(`${path}: the payload is not shown`);
      }
      expect(problems).toEqual([]);
      expect(pages.length).toBeGreaterThan(25);
    });

    it('in every email: the html is escaped, the subject and text are plain', async () => {
      const mails = await db().select().from(outbox);
      const mine = mails.filter((m) => m.fromName.includes('alert(1)'));
      expect(mine.length).toBeGreaterThanOrEqual(6); // invite, three documents sent, comments, decisions, bid
      const problems: string[] = [];
      for (const m of mine) {
        for (const p of unsafeMarkup(m.html)) problems.push(`${m.kind} to ${m.toEmail}: ${p}`);
        if (!m.html.includes('&lt;script>alert(1)&lt;/script>') && !m.html.includes('&lt;img src=x'))
          problems.push(`${m.kind}: the payload is not shown`);
        if (/[\r\n]/.test(m.subject)) problems.push(`${m.kind}: a line break in the subject`);
        const page = await (await owner.get(`/dev/mail/${m.id}`)).text();
        for (const p of unsafeMarkup(page)) problems.push(`/dev/mail/${m.id}: ${p}`);
      }
      expect(problems).toEqual([]);
    });

    it('in every account email: sign-up, password reset, email change', async () => {
      const kinds = [
        'sign-up-verify',
        'sign-up-existing',
        'password-reset',
        'email-change-confirm',
        'email-change-notice',
        'email-change-taken',
      ];
      const mails = (await db().select().from(outbox)).filter(
        (m) => kinds.includes(m.kind) && m.text.includes('alert(1)'),
      );
      expect([...new Set(mails.map((m) => m.kind))].sort()).toEqual([...kinds].sort());
      const problems: string[] = [];
      for (const m of mails) {
        for (const p of unsafeMarkup(m.html)) problems.push(`${m.kind} to ${m.toEmail}: ${p}`);
        if (!m.html.includes('&lt;script>alert(1)&lt;/script>') && !m.html.includes('&lt;img src=x'))
          problems.push(`${m.kind}: the payload is not shown`);
        if (/[\r\n]/.test(m.subject)) problems.push(`${m.kind}: a line break in the subject`);
      }
      expect(problems).toEqual([]);
    });

    it('when a refused form or a link echoes it back', async () => {
      const problems: string[] = [];
      const check = async (label: string, res: Response) => {
        const page = await res.text();
        if (res.status >= 500) problems.push(`${label}: ${res.status}`);
        // What a person typed comes back in the form as typed (bidi controls included) — as text.
        for (const p of unsafeMarkup(page, { stored: false })) problems.push(`${label}: ${p}`);
      };
      const stranger = new Visitor();
      await check('POST /sign-in', await stranger.post('/sign-in', { email: P, password: P, next: P }));
      await check(
        'POST /sign-up',
        await stranger.post('/sign-up', { company: P, name: P, email: P, password: 'short', timeZone: P, currency: P }),
      );
      await check(
        'GET /sign-in?next',
        await stranger.get(`/sign-in?next=${encodeURIComponent('javascript:alert(1)')}`),
      );
      await check('GET /p/:token', await stranger.get(`/p/${encodeURIComponent(P)}`));
      await check('POST /p/fresh-link', await stranger.post('/p/fresh-link', { token: P }));
      await check('POST /verify', await stranger.post('/verify', { sha256: P }));
      await check('POST /reset-password', await stranger.post('/reset-password', { email: P }));
      await check(
        'GET /reset-password/:token (unknown)',
        await stranger.get(`/reset-password/${encodeURIComponent(P)}`),
      );
      await check(
        'POST /reset-password/:token (too short)',
        await stranger.post(ids.reset, { password: P.slice(0, 8) }),
      );
      await check(
        'GET /sign-up/verify/:token (unknown)',
        await stranger.get(`/sign-up/verify/${encodeURIComponent(P)}`),
      );
      await check(
        'POST /settings/account/email',
        await owner.post('/settings/account/email', { email: P, password: P }),
      );
      await check(
        'GET /settings/account/email/:token (unknown)',
        await owner.get(`/settings/account/email/${encodeURIComponent(P)}`),
      );
      await check('POST /jobs', await owner.post('/jobs', { name: P, address: P, customerAccountId: P }));
      await check(
        'POST /jobs/:id/items',
        await owner.post(`/jobs/${ids.job}/items`, {
          groupId: ids.group,
          name: P,
          description: P,
          unit: P,
          quantity: P,
          unitCost: P,
          markup: P,
        }),
      );
      await check(
        'POST /accounts',
        await owner.post('/accounts', { kind: 'customer', name: P, email: P, contact_name: P, contact_email: P }),
      );
      await check('POST /settings', await owner.post('/settings', { name: P, brandColor: P, portalLinkDays: P }));
      await check(
        'POST /documents/:id',
        await owner.post(`/documents/${ids.draft}`, { title: P, number: P, issueDate: P }),
      );
      await check(
        'POST /documents/:id/send',
        await owner.post(`/documents/${ids.draft}/send`, { name: P, email: P, message: P }),
      );
      await check('GET /jobs?q', await owner.get(`/jobs?q=${encodeURIComponent(P)}`));
      await check('GET /accounts?q', await owner.get(`/accounts?q=${encodeURIComponent(P)}`));
      await check('GET /?notice', await owner.get(`/?notice=${encodeURIComponent(P)}`));
      await check(
        'GET /portal/documents/:id?notice',
        await customer.get(`/portal/documents/${ids.invoice}?notice=${encodeURIComponent(P)}`),
      );
      await check(
        'POST /portal/documents/:id/comments (too long)',
        await customer.post(`/portal/documents/${ids.invoice}/comments`, { body: P.repeat(50) }),
      );
      await check(
        'POST /portal/documents/:id/decline (too long)',
        await customer.post(`/portal/documents/${ids.invoice}/decline`, { reason: P.repeat(10) }),
      );
      expect(problems).toEqual([]);
    });

    it('a file name cannot break out of the download header or spoof its extension', async () => {
      const res = await customer.get(`/portal/documents/${ids.estimate}/files/${ids.customerFile}`);
      expect(res.status).toBe(200);
      const disposition = res.headers.get('Content-Disposition')!;
      expect(disposition).not.toMatch(/[\r\n\u202e]/);
      expect(disposition.match(/filename=/g)).toHaveLength(1);
      expect(disposition).toMatch(/^attachment; filename="[^"]*"; filename\*=UTF-8''[^\s;"]+$/);
      const [row] = await db().select().from(files).where(eq(files.id, ids.customerFile));
      expect(row.name).toMatch(/^Reyes Invoicefdp\.exe'&/);
      expect(row.name).not.toMatch(/[\u202e<>"]/);
    });

    it('{{7*7}} stays literal text: nothing evaluates templates', async () => {
      const page = await (await owner.get(`/jobs/${ids.job}`)).text();
      expect(page).toContain('{{7*7}}');
      expect(page).not.toMatch(/>\s*49\s*</);
    });

    it('a signer can still sign and a recipient can still comment in a right-to-left script', async () => {
      const page = await (await customer.get(`/portal/documents/${ids.estimate}`)).text();
      expect(page).toContain('&lt;script>alert(1)&lt;/script>');
      expect(
        (await customer.post(`/portal/documents/${ids.estimate}/comments`, { body: 'שלום, مرحبا — זה בסדר' })).status,
      ).toBe(303);
      expect(await (await customer.get(`/portal/documents/${ids.estimate}`)).text()).toContain('שלום, مرحبا — זה בסדר');
    });
  });
});

describe('isolation between orgs', () => {
  // Org A's data must be invisible and untouchable to org B: every id of A answers B with the
  // 404 page, whether it is in the path or in a form field (422), and nothing of A changes.

  type Ids = Awaited<ReturnType<typeof orgWithData>>;

  async function orgWithData(company: string) {
    const { browser, orgId } = await signUp({ company });
    const customer = await createAccount(browser, 'customer', `${company} Secret Customer`);
    const vendor = await createAccount(browser, 'vendor', `${company} Secret Vendor`);
    const contact = (await db().query.contacts.findFirst({ where: eq(contacts.accountId, customer) }))!.id;
    const job = await createJob(browser, `${company} Secret Job`, customer);
    const group = await addGroup(browser, job, `${company} Secret Group`);
    const item = await addItem(browser, job, group, { name: `${company} Secret Item`, vendorAccountId: vendor });
    await addItem(browser, job, group, { name: `${company} Second Item` });
    const otherJob = await createJob(browser, `${company} Other Job`);
    return { browser, orgId, customer, vendor, contact, job, group, item, otherJob };
  }

  async function rowsOf(orgId: string) {
    return {
      jobs: await db().select().from(jobs).where(eq(jobs.orgId, orgId)).orderBy(jobs.id),
      groups: await db().select().from(costGroups).where(eq(costGroups.orgId, orgId)).orderBy(costGroups.id),
      items: await db().select().from(costItems).where(eq(costItems.orgId, orgId)).orderBy(costItems.id),
      accounts: await db().select().from(accounts).where(eq(accounts.orgId, orgId)).orderBy(accounts.id),
      contacts: await db().select().from(contacts).where(eq(contacts.orgId, orgId)).orderBy(contacts.id),
      counters: await db().select().from(counters).where(eq(counters.orgId, orgId)).orderBy(counters.name),
    };
  }

  interface Route {
    method: 'GET' | 'POST';
    path: (a: Ids, b: Ids) => string;
    form?: (a: Ids, b: Ids) => Record<string, string>;
  }

  const hacked = { name: 'Hacked', address: 'Nowhere', customerAccountId: '' };

  /** Every dashboard route that takes an id of A. */
  const routesOfA: [string, Route][] = [
    ['GET /jobs/:id', { method: 'GET', path: (a) => `/jobs/${a.job}` }],
    ['GET /jobs/:id/edit', { method: 'GET', path: (a) => `/jobs/${a.job}/edit` }],
    ['POST /jobs/:id', { method: 'POST', path: (a) => `/jobs/${a.job}`, form: () => hacked }],
    ['POST /jobs/:id/close', { method: 'POST', path: (a) => `/jobs/${a.job}/close` }],
    ['POST /jobs/:id/reopen', { method: 'POST', path: (a) => `/jobs/${a.job}/reopen` }],
    [
      'POST /jobs/:id/groups',
      { method: 'POST', path: (a) => `/jobs/${a.job}/groups`, form: () => ({ name: 'Hacked' }) },
    ],
    ['GET /jobs/:id/groups/:gid/edit', { method: 'GET', path: (a) => `/jobs/${a.job}/groups/${a.group}/edit` }],
    [
      'POST /jobs/:id/groups/:gid',
      { method: 'POST', path: (a) => `/jobs/${a.job}/groups/${a.group}`, form: () => ({ name: 'Hacked' }) },
    ],
    [
      'POST /jobs/:id/groups/:gid/move',
      { method: 'POST', path: (a) => `/jobs/${a.job}/groups/${a.group}/move`, form: () => ({ direction: 'down' }) },
    ],
    ['GET /jobs/:id/items/new', { method: 'GET', path: (a) => `/jobs/${a.job}/items/new?group=${a.group}` }],
    [
      'POST /jobs/:id/items',
      { method: 'POST', path: (a) => `/jobs/${a.job}/items`, form: (a) => itemFields(a.group, { name: 'Hacked' }) },
    ],
    ['GET /jobs/:id/items/:iid/edit', { method: 'GET', path: (a) => `/jobs/${a.job}/items/${a.item}/edit` }],
    [
      'POST /jobs/:id/items/:iid',
      {
        method: 'POST',
        path: (a) => `/jobs/${a.job}/items/${a.item}`,
        form: (a) => itemFields(a.group, { name: 'Hacked' }),
      },
    ],
    [
      'POST /jobs/:id/items/:iid/move',
      { method: 'POST', path: (a) => `/jobs/${a.job}/items/${a.item}/move`, form: () => ({ direction: 'down' }) },
    ],
    ['POST /jobs/:id/items/:iid/delete', { method: 'POST', path: (a) => `/jobs/${a.job}/items/${a.item}/delete` }],
    ['POST /jobs/:id/groups/:gid/delete', { method: 'POST', path: (a) => `/jobs/${a.job}/groups/${a.group}/delete` }],
    ['GET /accounts/:id', { method: 'GET', path: (a) => `/accounts/${a.customer}` }],
    ['GET /accounts/:id?edit=:cid', { method: 'GET', path: (a) => `/accounts/${a.customer}?edit=${a.contact}` }],
    [
      'POST /accounts/:id',
      {
        method: 'POST',
        path: (a) => `/accounts/${a.customer}`,
        form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
      },
    ],
    [
      'POST /accounts/:id/contacts',
      {
        method: 'POST',
        path: (a) => `/accounts/${a.customer}/contacts`,
        form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
      },
    ],
    [
      'POST /accounts/:id/contacts/:cid',
      {
        method: 'POST',
        path: (a) => `/accounts/${a.customer}/contacts/${a.contact}`,
        form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
      },
    ],
  ];

  /** A's child ids under a parent of B: the parent check alone must not let them through. */
  const mixedRoutes: [string, Route][] = [
    ['GET B-job/groups/A-group/edit', { method: 'GET', path: (a, b) => `/jobs/${b.job}/groups/${a.group}/edit` }],
    [
      'POST B-job/groups/A-group',
      { method: 'POST', path: (a, b) => `/jobs/${b.job}/groups/${a.group}`, form: () => ({ name: 'Hacked' }) },
    ],
    [
      'POST B-job/groups/A-group/move',
      { method: 'POST', path: (a, b) => `/jobs/${b.job}/groups/${a.group}/move`, form: () => ({ direction: 'up' }) },
    ],
    ['POST B-job/groups/A-group/delete', { method: 'POST', path: (a, b) => `/jobs/${b.job}/groups/${a.group}/delete` }],
    ['GET B-job/items/A-item/edit', { method: 'GET', path: (a, b) => `/jobs/${b.job}/items/${a.item}/edit` }],
    [
      'POST B-job/items/A-item',
      {
        method: 'POST',
        path: (a, b) => `/jobs/${b.job}/items/${a.item}`,
        form: (_, b) => itemFields(b.group, { name: 'Hacked' }),
      },
    ],
    [
      'POST B-job/items/A-item/move',
      { method: 'POST', path: (a, b) => `/jobs/${b.job}/items/${a.item}/move`, form: () => ({ direction: 'up' }) },
    ],
    ['POST B-job/items/A-item/delete', { method: 'POST', path: (a, b) => `/jobs/${b.job}/items/${a.item}/delete` }],
    [
      'POST B-account/contacts/A-contact',
      {
        method: 'POST',
        path: (a, b) => `/accounts/${b.customer}/contacts/${a.contact}`,
        form: () => ({ name: 'Hacked', email: 'hacked@example.test' }),
      },
    ],
  ];

  function send(browser: Browser, route: Route, a: Ids, b: Ids) {
    const path = route.path(a, b);
    return route.method === 'GET' ? browser.get(path) : browser.post(path, route.form?.(a, b) ?? {});
  }

  let a: Ids;
  let b: Ids;
  let before: Awaited<ReturnType<typeof rowsOf>>;

  beforeAll(async () => {
    a = await orgWithData('Alpha');
    b = await orgWithData('Bravo');
    before = await rowsOf(a.orgId);
  });

  describe("another org's user", () => {
    it.each([...routesOfA, ...mixedRoutes])('gets the 404 page for %s', async (_, route) => {
      const res = await send(b.browser, route, a, b);
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(body).toContain('Page not found');
      expect(body).not.toContain('Alpha');
    });

    it('leaves every row of the first org as it was', async () => {
      expect(await rowsOf(a.orgId)).toEqual(before);
      expect(await db().$count(costGroups, eq(costGroups.name, 'Hacked'))).toBe(0);
      expect(await db().$count(costItems, eq(costItems.name, 'Hacked'))).toBe(0);
      expect(await db().$count(contacts, eq(contacts.name, 'Hacked'))).toBe(0);
    });

    it("cannot attach the first org's customer, vendor or group through form fields", async () => {
      const bBefore = await rowsOf(b.orgId);
      const newJob = await b.browser.post('/jobs', { name: 'Stolen customer', customerAccountId: a.customer });
      expect(newJob.status).toBe(422);
      const editJob = await b.browser.post(`/jobs/${b.job}`, {
        name: 'Bravo Secret Job',
        customerAccountId: a.customer,
      });
      expect(editJob.status).toBe(422);
      const vendorItem = await b.browser.post(
        `/jobs/${b.job}/items`,
        itemFields(b.group, { vendorAccountId: a.vendor }),
      );
      expect(vendorItem.status).toBe(422);
      const groupItem = await b.browser.post(`/jobs/${b.job}/items`, itemFields(a.group));
      expect(groupItem.status).toBe(422);
      const moveItem = await b.browser.post(
        `/jobs/${b.job}/items/${b.item}`,
        itemFields(a.group, { name: 'Bravo Secret Item' }),
      );
      expect(moveItem.status).toBe(422);
      expect(await rowsOf(b.orgId)).toEqual(bBefore);
      expect(await rowsOf(a.orgId)).toEqual(before);
    });

    it("does not see the first org's jobs, accounts or options in lists and forms", async () => {
      const pages = await Promise.all(
        [
          '/jobs',
          '/jobs?q=Secret',
          '/jobs?q=1',
          '/accounts',
          '/accounts?q=Secret',
          '/accounts?kind=vendor',
          '/jobs/new',
          `/jobs/${b.job}/items/new`,
          `/jobs/${b.job}`,
          '/',
        ].map(async (path) => {
          const res = await b.browser.get(path);
          expect(res.status, path).toBe(200);
          return res.text();
        }),
      );
      for (const body of pages) {
        expect(body).not.toContain('Alpha Secret');
        expect(body).not.toContain(a.job);
        expect(body).not.toContain(a.customer);
        expect(body).not.toContain(a.vendor);
      }
      expect(pages[1]).toContain('Bravo Secret Job');
      expect(pages[2]).toContain(b.job);
      expect(pages[4]).toContain('Bravo Secret Customer');
    });
  });

  describe('the owning org', () => {
    // The same table as the owner sees it, so a 404 above means "not yours", never "no such route".
    const expected = (route: Route) => (route.method === 'GET' ? 200 : 303);

    it.each(routesOfA)('reaches %s', async (name, route) => {
      // Deleting routes get their own data so the others still find theirs.
      const mine = name.endsWith('/delete') ? await orgWithData('Alpha') : a;
      const res = await send(mine.browser, route, mine, b);
      expect(res.status).toBe(expected(route));
    });

    it.each([
      ['/jobs/:other/groups/:gid/edit', (x: Ids) => `/jobs/${x.otherJob}/groups/${x.group}/edit`],
      ['/jobs/:other/items/:iid/edit', (x: Ids) => `/jobs/${x.otherJob}/items/${x.item}/edit`],
    ])('gets 404 for its own child id under the wrong job: %s', async (_, path) => {
      expect((await a.browser.get(path(a))).status).toBe(404);
    });

    it('gets 404 for its own contact under the wrong account', async () => {
      const res = await a.browser.post(`/accounts/${a.vendor}/contacts/${a.contact}`, {
        name: 'Moved',
        email: 'moved@example.test',
      });
      expect(res.status).toBe(404);
      expect((await db().query.contacts.findFirst({ where: eq(contacts.id, a.contact) }))!.name).not.toBe('Moved');
    });
  });

  describe('a signed-out browser', () => {
    const all = [...routesOfA, ...mixedRoutes];
    let snapshot: Awaited<ReturnType<typeof rowsOf>>;
    beforeAll(async () => {
      snapshot = await rowsOf(a.orgId);
    });

    it.each(all.filter(([, r]) => r.method === 'GET'))('is sent to sign in by GET %s', async (_, route) => {
      const res = await send(new Browser(), route, a, b);
      expect(res.status).toBe(303);
      const to = new URL(location(res), BASE);
      expect(to.pathname).toBe('/sign-in');
      expect(to.searchParams.get('next')).toBe(route.path(a, b));
    });

    it.each(all.filter(([, r]) => r.method === 'POST'))('is refused for POST %s', async (_, route) => {
      const withToken = await send(new Browser(), route, a, b);
      expect(withToken.status).toBe(401);
      const withoutToken = await new Browser().fetch(route.path(a, b), {
        method: 'POST',
        body: new URLSearchParams(route.form?.(a, b) ?? {}),
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
      expect(withoutToken.status).toBe(403);
    });

    it('changes nothing', async () => {
      expect(await rowsOf(a.orgId)).toEqual(snapshot);
    });
  });
});
