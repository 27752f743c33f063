import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../src/db/client';
import { portalSessions } from '../src/db/schema';
import type { AppEnv } from '../src/http/context';
import { sha256Hex } from '../src/http/crypto';
import { onError, onNotFound } from '../src/http/errors';
import { securityHeaders } from '../src/http/security';
import { checksOwnSession, portalApp } from '../src/portal/guard';
import { admitPortalSession, portalViewer } from '../src/portal/session';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, Browser, createAccount, db, signUp } from './helpers';
import { jobWithItem, normalized, openLink } from './portal-fixtures';

// Issue 11, "one portal guard": every recipient route sits in the one `/portal` sub-app behind one
// guard, and a route that forgets to check the session cannot show anything. The access matrix of
// the pages is test/portal-access.test.ts; this file covers the guard itself and every other
// /portal route (conversation, decisions, downloads, live updates) against every way in that must fail.

const FAKE_ID = 'zzzzzzzzzzzzzzzzzzzzzzzz';

let world: Awaited<ReturnType<typeof buildWorld>>;

async function buildWorld() {
  const a = await companyWithBudget({ company: 'Guarded Builders' });
  const doc = await createDocument(a.browser, a.jobId, 'estimate', { group: a.groups.demolition });
  const { link } = await sendDocument(a.browser, doc);
  const reyes = (await openLink(link)).browser;
  const expiring = (await openLink(link)).browser;
  const revoked = (await openLink(link)).browser;

  // The recipient shares a file, so the download routes have something to refuse.
  const form = new FormData();
  form.append('files', new File(['the customer notes'], 'notes.txt', { type: 'text/plain' }));
  const shared = await reyes.postMultipart(`/portal/documents/${doc}/files`, form);
  expect(shared.status).toBe(303);
  const file = (await db().query.files.findFirst({ where: (f, { eq }) => eq(f.documentId, doc) }))!;

  // Another customer of the same company, and a customer of another company, each with their own session.
  const nguyenId = await createAccount(a.browser, 'customer', 'Nguyen Family');
  const nguyenJob = await jobWithItem(a.browser, 'Nguyen Garage', nguyenId);
  const nguyenDoc = await createDocument(a.browser, nguyenJob.jobId, 'estimate', { group: nguyenJob.groupId });
  const nguyen = (await openLink((await sendDocument(a.browser, nguyenDoc)).link)).browser;
  const b = await signUp({ company: 'Other Lane Homes' });
  const kimId = await createAccount(b.browser, 'customer', 'Kim Household');
  const kimJob = await jobWithItem(b.browser, 'Kim Sunroom', kimId);
  const kimDoc = await createDocument(b.browser, kimJob.jobId, 'estimate', { group: kimJob.groupId });
  const kim = (await openLink((await sendDocument(b.browser, kimDoc)).link)).browser;

  // Positive controls, before anything is taken away.
  const before = {
    page: (await reyes.get(`/portal/documents/${doc}`)).status,
    file: (await revoked.get(`/portal/documents/${doc}/files/${file.id}`)).status,
    expiring: (await expiring.get('/portal')).status,
  };

  const session = await sha256Hex(expiring.cookies.get('cp_portal')!);
  await db()
    .update(portalSessions)
    .set({ expiresAt: Date.now() - 1000 })
    .where(eq(portalSessions.id, session));
  const contact = (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.accountId, a.customerId) }))!;
  expect(
    (await a.browser.post(`/accounts/${a.customerId}/contacts/${contact.id}/revoke`, { confirm: 'yes' })).status,
  ).toBe(303);
  const reyesAgain = (
    await openLink(
      (
        await sendDocument(
          a.browser,
          await createDocument(a.browser, a.jobId, 'proposal', { group: a.groups.electrical }),
        )
      ).link,
    )
  ).browser;

  const garbage = new Browser();
  garbage.cookies.set('cp_portal', 'not-a-session-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');

  // A session that lapsed (30 days without a visit) while its contact kept access: another customer of the company.
  const patelId = await createAccount(a.browser, 'customer', 'Patel Family');
  const patelJob = await jobWithItem(a.browser, 'Patel Porch', patelId);
  const patelDoc = await createDocument(a.browser, patelJob.jobId, 'estimate', { group: patelJob.groupId });
  const lapsed = (await openLink((await sendDocument(a.browser, patelDoc)).link)).browser;
  await db()
    .update(portalSessions)
    .set({ expiresAt: Date.now() - 1000 })
    .where(eq(portalSessions.id, await sha256Hex(lapsed.cookies.get('cp_portal')!)));
  const patel = (await db().query.contacts.findFirst({ where: (t, { eq }) => eq(t.accountId, patelId) }))!;

  return {
    a,
    doc,
    jobId: a.jobId,
    file,
    before,
    patel,
    sessions: {
      reyes: reyesAgain,
      expiring,
      revoked,
      lapsed,
      nguyen,
      kim,
      garbage,
      contractor: a.browser,
      none: new Browser(),
    },
  };
}

beforeAll(async () => {
  world = await buildWorld();
}, 180_000);

/** Every route of the `/portal` sub-app, addressed at the target document. */
const routes: Record<
  string,
  {
    method: 'GET' | 'POST';
    path: () => string;
    body?: () => FormData | Record<string, string>;
    headers?: Record<string, string>;
    scoped: boolean;
  }
> = {
  'GET /portal': { method: 'GET', path: () => '/portal', scoped: false },
  'GET /portal/logo': { method: 'GET', path: () => '/portal/logo', scoped: false },
  'GET /portal/no-such-page': { method: 'GET', path: () => '/portal/no-such-page', scoped: false },
  'GET /portal/jobs/:id': { method: 'GET', path: () => `/portal/jobs/${world.jobId}`, scoped: true },
  'GET /portal/documents/:id': { method: 'GET', path: () => `/portal/documents/${world.doc}`, scoped: true },
  'GET /portal/documents/:id.pdf': { method: 'GET', path: () => `/portal/documents/${world.doc}.pdf`, scoped: true },
  'GET /portal/documents/:id/signed.pdf': {
    method: 'GET',
    path: () => `/portal/documents/${world.doc}/signed.pdf`,
    scoped: true,
  },
  'GET /portal/documents/:id/files/:fileId': {
    method: 'GET',
    path: () => `/portal/documents/${world.doc}/files/${world.file.id}`,
    scoped: true,
  },
  'GET /portal/documents/:id/files/:fileId/preview': {
    method: 'GET',
    path: () => `/portal/documents/${world.doc}/files/${world.file.id}/preview`,
    scoped: true,
  },
  'GET /portal/documents/:id/live': {
    method: 'GET',
    path: () => `/portal/documents/${world.doc}/live`,
    headers: { Upgrade: 'websocket' },
    scoped: true,
  },
  'POST /portal/documents/:id/comments': {
    method: 'POST',
    path: () => `/portal/documents/${world.doc}/comments`,
    body: () => ({ body: 'Let me in.' }),
    scoped: true,
  },
  'POST /portal/documents/:id/files': {
    method: 'POST',
    path: () => `/portal/documents/${world.doc}/files`,
    body: () => {
      const form = new FormData();
      form.append('files', new File(['sneaky'], 'sneaky.txt', { type: 'text/plain' }));
      return form;
    },
    scoped: true,
  },
  'POST /portal/documents/:id/files/:fileId/remove': {
    method: 'POST',
    path: () => `/portal/documents/${world.doc}/files/${world.file.id}/remove`,
    scoped: true,
  },
  'POST /portal/documents/:id/sign': {
    method: 'POST',
    path: () => `/portal/documents/${world.doc}/sign`,
    body: () => ({ name: 'Not The Customer', method: 'typed', consent: 'yes', versionHash: '' }),
    scoped: true,
  },
  'POST /portal/documents/:id/decline': {
    method: 'POST',
    path: () => `/portal/documents/${world.doc}/decline`,
    body: () => ({ reason: 'Not mine to decline.', versionHash: '' }),
    scoped: true,
  },
  'POST /portal/documents/:id/bid': {
    method: 'POST',
    path: () => `/portal/documents/${world.doc}/bid`,
    body: () => ({ note: 'A bid' }),
    scoped: true,
  },
};

type Who = keyof Awaited<ReturnType<typeof buildWorld>>['sessions'];

/**
 * Who must get the stranger's 404 everywhere, who only on the target document's routes (their own
 * home exists), and whose session ended (issue 13): they get their company's ended page everywhere,
 * the same whatever they asked for, still a 404 and nothing written.
 */
const everywhere: Who[] = ['none', 'garbage', 'contractor'];
const elsewhere: Who[] = ['nguyen', 'kim'];
const ended: Who[] = ['expiring', 'revoked', 'lapsed'];

async function send(browser: Browser, route: (typeof routes)[string]) {
  if (route.method === 'GET') return browser.fetch(route.path(), { headers: route.headers });
  const body = route.body?.() ?? {};
  return body instanceof FormData ? browser.postMultipart(route.path(), body) : browser.post(route.path(), body);
}

async function footprint() {
  const d = db();
  const [comments, files, signatures, activity, outbox] = await Promise.all([
    d.query.comments.findMany({ where: (t, { eq }) => eq(t.documentId, world.doc) }),
    d.query.files.findMany({ where: (t, { eq }) => eq(t.documentId, world.doc) }),
    d.query.signatures.findMany({ where: (t, { eq }) => eq(t.documentId, world.doc) }),
    d.query.activity.findMany({ where: (t, { eq }) => eq(t.documentId, world.doc) }),
    d.query.outbox.findMany({ where: (t, { eq }) => eq(t.documentId, world.doc) }),
  ]);
  return {
    comments: comments.length,
    files: files.map((f) => [f.id, f.removedAt]),
    signatures: signatures.length,
    activity: activity.length,
    outbox: outbox.length,
  };
}

async function baseline(browser = new Browser()) {
  const res = await browser.get(`/portal/documents/${FAKE_ID}`);
  expect(res.status).toBe(404);
  return withoutIds(await res.text());
}

/** A page with the ids the request named blanked, and the ended page's echo of the document asked for dropped. */
function withoutIds(body: string) {
  return normalized(body)
    .replace(/<input type="hidden" name="document" value="[a-z0-9]*"\/>/, '')
    .split(FAKE_ID)
    .join('ID')
    .split(world.doc)
    .join('ID')
    .split(world.jobId)
    .join('ID');
}

const cases = [
  ...everywhere.flatMap((who) => Object.keys(routes).map((route): [string, Who] => [route, who])),
  ...elsewhere.flatMap((who) =>
    Object.keys(routes)
      .filter((r) => routes[r].scoped)
      .map((route): [string, Who] => [route, who]),
  ),
];

describe('every /portal route behind the one guard', () => {
  it('the positive controls held before the session expired and the contact was revoked', () => {
    expect(world.before).toEqual({ page: 200, file: 200, expiring: 200 });
  });

  it.each(cases)("%s with the %s session: the stranger's 404, nothing written", async (route, who) => {
    const before = await footprint();
    const res = await send(world.sessions[who], routes[route]);
    const body = await res.text();
    expect(res.status, body.slice(0, 300)).toBe(404);
    expect(withoutIds(body)).toBe(await baseline());
    expect(body).not.toContain('Guarded Builders');
    expect(body).not.toContain('href="/"');
    expect(res.headers.get('Content-Disposition')).toBeNull();
    expect(body).not.toContain('the customer notes');
    expect(await footprint()).toEqual(before);
  });

  const endedCases = ended.flatMap((who) => Object.keys(routes).map((route): [string, Who] => [route, who]));
  it.each(endedCases)("%s with the %s session: its company's ended page (404), nothing written", async (route, who) => {
    const before = await footprint();
    const browser = world.sessions[who];
    const res = await send(browser, routes[route]);
    const body = await res.text();
    expect(res.status, body.slice(0, 300)).toBe(404);
    // The same page whatever was asked for: nothing about the document, the job or the file.
    expect(withoutIds(body)).toBe(await baseline(browser));
    expect(body).toContain('<span>Guarded Builders</span>');
    expect(body).not.toContain('Page not found');
    expect(body).not.toContain('href="/"');
    expect(body).not.toContain('/sign-in');
    for (const secret of ['EST-0001', 'the customer notes', 'notes.txt', 'Reyes']) expect(body).not.toContain(secret);
    if (who === 'lapsed') {
      // Their access still stands: a new link can go to the address on file, shown masked.
      expect(body).toContain('This page has expired');
      expect(body).toContain(`<strong>${world.patel.email[0]}•••@example.test</strong>`);
      expect(body).not.toContain(world.patel.email);
      expect(body).toContain('Email me a new link');
    } else {
      // The contractor turned the access off: no address, no button, only how to reach them.
      expect(body).toContain('This link no longer works');
      expect(body).not.toContain('•••');
      expect(body).not.toContain('action="/p/fresh-link"');
    }
    expect(res.headers.get('Content-Disposition')).toBeNull();
    expect(await footprint()).toEqual(before);
  });

  it('the recipient still reaches every read of their document (the routes above are live)', async () => {
    const reyes = world.sessions.reyes;
    const doc = (await db().query.documents.findFirst({
      where: (t, { and, eq }) => and(eq(t.jobId, world.jobId), eq(t.subtype, 'proposal')),
    }))!;
    for (const path of [
      '/portal',
      '/portal/logo',
      `/portal/jobs/${world.jobId}`,
      `/portal/documents/${doc.id}`,
      `/portal/documents/${doc.id}.pdf`,
    ]) {
      const res = await reyes.get(path);
      expect(res.status === 200 || (path === '/portal/logo' && res.status === 404), `${path}: ${res.status}`).toBe(
        true,
      );
    }
  });
});

// A sub-app built like the real one, with routes that misbehave: the guard, not the route, decides.
function testApp(...routes: Hono<AppEnv>[]) {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(onNotFound);
  app.use('*', securityHeaders);
  app.use('*', (c, next) => {
    c.set('db', database(env.DB));
    c.set('csrf', 'test');
    return next();
  });
  app.route('/portal', portalApp(...routes));
  return app;
}

const ran: string[] = [];

const careless = new Hono<AppEnv>()
  // Never asks who is looking: the guard looked the session up before it ran.
  .get('/careless', (c) => {
    ran.push('careless');
    return c.text(`careless: ${c.get('portal')?.name ?? 'nobody'}`);
  })
  .post('/careless', (c) => {
    ran.push('careless post');
    return c.text(`posted for ${c.get('portal')?.name ?? 'nobody'}`);
  });

const forgetful = new Hono<AppEnv>()
  // Claims to check the session in its own batch, then never does: shows the secret anyway.
  .get(
    '/forgetful',
    checksOwnSession((c) => {
      ran.push('forgetful');
      c.header('X-Secret', 'EST-9999');
      c.header('Set-Cookie', 'leak=EST-9999; Path=/');
      return c.text('the secret EST-9999', 200, { 'Content-Disposition': 'attachment; filename="EST-9999.pdf"' });
    }),
  )
  // Claims to check, and does, reading the viewer only after its own check.
  .get(
    '/honest',
    checksOwnSession(async (c) => {
      await admitPortalSession(c);
      return c.text(`hello ${portalViewer(c).name}`);
    }),
  );

async function call(app: Hono<AppEnv>, path: string, init: RequestInit = {}, cookie?: string) {
  const headers = new Headers(init.headers);
  if (cookie) headers.set('Cookie', `cp_portal=${cookie}`);
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(new URL(path, BASE), { ...init, headers }), env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe('the guard itself', () => {
  const orders = {
    'careless first': () => testApp(careless, forgetful),
    'forgetful first': () => testApp(forgetful, careless),
  };

  it.each(Object.keys(orders))(
    'a stranger gets the 404, before the handler runs unless it checks the session itself (%s)',
    async (order) => {
      const app = orders[order as keyof typeof orders]();
      const stranger = await baseline();
      ran.length = 0;
      for (const [path, init, cookie] of [
        ['/portal/careless', {}, undefined],
        ['/portal/careless', { method: 'POST' }, undefined],
        ['/portal/forgetful', {}, undefined],
        ['/portal/careless', {}, 'garbage-token'],
        ['/portal/forgetful', {}, 'garbage-token'],
        ['/portal/careless', { method: 'POST' }, 'garbage-token'],
        ['/portal/careless', {}, 'x'.repeat(500)],
      ] as const) {
        const res = await call(app, path, init, cookie);
        expect(res.status, `${init.method ?? 'GET'} ${path}`).toBe(404);
        expect(normalized(await res.text())).toBe(stranger);
      }
      // Only the page that claims to check the session itself is reached with a cookie (of any value),
      // and what it answered was thrown away; no cookie, or any other route: nothing ran.
      expect(ran).toEqual(['forgetful']);
    },
  );

  it.each(Object.keys(orders))(
    'a route that claims to check the session and forgets shows nothing, even to a valid session (%s)',
    async (order) => {
      const app = orders[order as keyof typeof orders]();
      const token = world.sessions.reyes.cookies.get('cp_portal')!;
      ran.length = 0;
      const res = await call(app, '/portal/forgetful', {}, token);
      const body = await res.text();
      expect(ran).toEqual(['forgetful']); // it ran, and its answer was thrown away
      expect(res.status).toBe(404);
      expect(normalized(body)).toBe(await baseline());
      expect(body).not.toContain('EST-9999');
      expect(res.headers.get('X-Secret')).toBeNull();
      expect(res.headers.get('Content-Disposition')).toBeNull();
      expect(res.headers.getSetCookie().join('\n')).not.toContain('EST-9999');
    },
  );

  it.each(Object.keys(orders))(
    'a route that checks nothing itself still answers only an admitted viewer (%s)',
    async (order) => {
      const app = orders[order as keyof typeof orders]();
      const token = world.sessions.reyes.cookies.get('cp_portal')!;
      const revoked = world.sessions.revoked.cookies.get('cp_portal')!;
      const expired = world.sessions.expiring.cookies.get('cp_portal')!;
      expect(await (await call(app, '/portal/careless', {}, token)).text()).toBe('careless: Reyes Household Contact');
      expect(await (await call(app, '/portal/careless', { method: 'POST' }, token)).text()).toBe(
        'posted for Reyes Household Contact',
      );
      ran.length = 0;
      for (const cookie of [revoked, expired]) {
        expect((await call(app, '/portal/careless', {}, cookie)).status).toBe(404);
        expect((await call(app, '/portal/careless', { method: 'POST' }, cookie)).status).toBe(404);
      }
      expect(ran).toEqual([]);
    },
  );

  it('a page that checks the session itself answers its viewer, and the stranger the 404', async () => {
    const app = testApp(forgetful);
    const token = world.sessions.reyes.cookies.get('cp_portal')!;
    expect(await (await call(app, '/portal/honest', {}, token)).text()).toBe('hello Reyes Household Contact');
    expect((await call(app, '/portal/honest', {}, world.sessions.revoked.cookies.get('cp_portal')!)).status).toBe(404);
    expect((await call(app, '/portal/honest')).status).toBe(404);
  });
});
