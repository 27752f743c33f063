import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { portalSessions, sessions } from '../src/db/schema';
import { sha256Hex } from '../src/http/crypto';
import { readSignatureImage } from '../src/signing/signature-image';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, db, PASSWORD, signUp, uniqueEmail, viaEdge } from './helpers';
import { openPortal, pdfFile, pngDataUrl, stateChanges, storeState, uploadFile, Visitor, watchWrites } from './hostile';
import { tokenOf } from './portal-fixtures';

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
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(init.headers as Record<string, string>) },
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
      expect((await v.post('/sign-in', { email, password: 'wrong password!' }, viaEdge(`203.0.113.${i}`))).status).toBe(
        422,
      );
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
  const failingDb = () =>
    new Proxy(env.DB, {
      get(target, prop) {
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
