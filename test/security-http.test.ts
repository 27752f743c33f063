import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { activity, outbox, signatures } from '../src/db/schema';
import { sealFlash } from '../src/http/flash';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { BASE, Browser, db, location, PASSWORD, uniqueEmail } from './helpers';
import { openPortal, settleRoom, versionHashOf, Visitor } from './hostile';
import { tokenOf } from './portal-fixtures';

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
