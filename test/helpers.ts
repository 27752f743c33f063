import { exports } from 'cloudflare:workers';
import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { database } from '../src/db/client';
import { documents, jobs, outbox, portalSessions } from '../src/db/schema';
import { base64url, sha256Hex } from '../src/http/crypto';

export const BASE = 'http://localhost';
export const db = () => database(env.DB);

/** A browser as the Worker sees it: a cookie jar, forms posted with the CSRF token, no redirects followed. */
export class Browser {
  cookies = new Map<string, string>();

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    await this.learnPortalOrgs(path);
    const res = await exports.default.fetch(this.request(path, init));
    this.keepCookies(res);
    return res;
  }

  /** The request this browser sends: its cookies (unless the caller set some), no redirects followed. */
  request(path: string, init: RequestInit = {}): Request {
    ({ path, init } = this.withPortalToken(path, init));
    const headers = new Headers(init.headers);
    if (this.cookies.size && !headers.has('Cookie'))
      headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    return new Request(new URL(path, BASE), { ...init, headers, redirect: 'manual' });
  }

  /** Keeps the cookies a response sets and forgets the ones it expires. */
  keepCookies(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /max-age=0/i.test(a) || /expires=thu, 01 jan 1970/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(path: string) {
    return this.fetch(path);
  }

  /**
   * A portal write carries its company's token (issue 17): the one the page of the company its
   * address is in renders (`<orgId>.<HMAC>`, http/csrf.ts `portalCsrfToken`). Where a test sends
   * the browser's own token (`csrf()`, the cookie) to a /portal address — as a form field, the
   * `?_csrf=` of an upload or the X-CSRF-Token header — request() swaps it for the token the
   * rendered page would carry. The company is the app's: the document's or job's org in the
   * address, else `?company=`, else the session's last link's — looked up in D1 by fetch() and
   * csrf() (request() itself is synchronous: subclasses and callWorker build requests with it).
   * Any other token is sent as given.
   */
  private portalOrgs = new Map<string, string>();

  private portalOrgFor(url: URL): string | undefined {
    const id = /^\/portal\/(?:documents|jobs)\/([a-z0-9]+)/.exec(url.pathname)?.[1];
    const known = id ? this.portalOrgs.get(id) : undefined;
    if (known) return known;
    if (url.searchParams.get('company')) return url.searchParams.get('company')!;
    const cookie = this.cookies.get('cp_portal') ?? this.cookies.get('__Host-cp_portal');
    return cookie ? this.portalOrgs.get(`session:${cookie}`) : undefined;
  }

  /** Looks up (in D1) the companies portalOrgFor() needs for `path`: its document's or job's, and the session's. */
  private async learnPortalOrgs(path = '/portal') {
    const url = new URL(path, BASE);
    if (!/^\/portal(\/|$)/.test(url.pathname)) return;
    const id = /^\/portal\/(?:documents|jobs)\/([a-z0-9]+)/.exec(url.pathname)?.[1];
    if (id && !this.portalOrgs.has(id)) {
      const table = url.pathname.startsWith('/portal/jobs/') ? jobs : documents;
      const [row] = await db().select({ orgId: table.orgId }).from(table).where(eq(table.id, id));
      if (row) this.portalOrgs.set(id, row.orgId);
    }
    const cookie = this.cookies.get('cp_portal') ?? this.cookies.get('__Host-cp_portal');
    if (cookie) {
      const [session] = await db()
        .select({ orgId: portalSessions.orgId })
        .from(portalSessions)
        .where(eq(portalSessions.id, await sha256Hex(cookie)));
      if (session) this.portalOrgs.set(`session:${cookie}`, session.orgId);
    }
  }

  private withPortalToken(path: string, init: RequestInit): { path: string; init: RequestInit } {
    const method = (init.method ?? 'GET').toUpperCase();
    const url = new URL(path, BASE);
    const plain = this.cookies.get('cp_csrf') ?? this.cookies.get('__Host-cp_csrf');
    if (!plain || ['GET', 'HEAD', 'OPTIONS'].includes(method) || !/^\/portal(\/|$)/.test(url.pathname))
      return { path, init };
    const orgId = this.portalOrgFor(url);
    if (!orgId) return { path, init };
    // The same token as http/csrf.ts portalCsrfToken, computed synchronously.
    const token = `${orgId}.${base64url(hmacSha256(utf8(plain), utf8(`portal:${orgId}`)))}`;
    let changed = false;
    if (url.searchParams.get('_csrf') === plain) {
      url.searchParams.set('_csrf', token);
      changed = true;
    }
    const headers = new Headers(init.headers);
    if (headers.get('X-CSRF-Token') === plain) {
      headers.set('X-CSRF-Token', token);
      changed = true;
    }
    let body = init.body;
    if (body instanceof URLSearchParams && body.get('_csrf') === plain) {
      body = new URLSearchParams(body);
      body.set('_csrf', token);
      changed = true;
    } else if (typeof body === 'string' && body.includes(`_csrf=${plain}`)) {
      body = body.split(`_csrf=${plain}`).join(`_csrf=${encodeURIComponent(token)}`);
      changed = true;
    }
    if (!changed) return { path, init };
    const full = /^https?:/.test(path);
    return { path: full ? url.href : url.pathname + url.search + url.hash, init: { ...init, headers, body } };
  }

  async csrf(): Promise<string> {
    // Outside test and development (a Visitor with other bindings) the cookie carries the __Host- prefix.
    const held = () => this.cookies.get('cp_csrf') ?? this.cookies.get('__Host-cp_csrf');
    if (!held()) await this.get('/sign-in');
    await this.learnPortalOrgs();
    return held()!;
  }

  async post(path: string, fields: Record<string, string | string[]> = {}, init: RequestInit = {}) {
    const body = new URLSearchParams();
    body.set('_csrf', await this.csrf());
    for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    const { headers, ...rest } = init;
    return this.fetch(path, {
      ...rest,
      method: 'POST',
      body,
      headers: {
        Origin: BASE,
        'Content-Type': 'application/x-www-form-urlencoded',
        ...(headers as Record<string, string> | undefined),
      },
    });
  }

  /** An upload as its form posts it: the CSRF token in the action URL (the body is not read before the session). */
  async postMultipart(path: string, form: FormData) {
    const url = `${path}${path.includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(await this.csrf())}`;
    return this.fetch(url, { method: 'POST', body: form, headers: { Origin: BASE } });
  }
}

/**
 * A request as Cloudflare's edge delivers it from `ip`: the runtime's `cf` object and the
 * CF-Connecting-IP the edge sets. Without `cf` the app believes no client address (http/rate-limit.ts).
 */
export function viaEdge(ip: string, headers: Record<string, string> = {}): RequestInit {
  return { headers: { ...headers, 'CF-Connecting-IP': ip }, cf: { colo: 'TST' } };
}

let counter = 0;
export function uniqueEmail(prefix = 'user') {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.test`;
}

export const PASSWORD = 'correct horse battery';

let signUps = 0;

/**
 * Signs up a fresh company the way a person does — the form, then the link in the verification
 * email (read from the outbox), then its button — and returns its signed-in browser and org id.
 * Each sign-up comes from its own network (through the edge), so the per-address sign-up limit
 * only counts where a test means it to.
 */
export async function signUp(overrides: Partial<Record<string, string>> = {}) {
  const browser = new Browser();
  const email = overrides.email ?? uniqueEmail('owner');
  signUps++;
  const network = {
    headers: { 'CF-Connecting-IP': `10.${(signUps >> 16) & 255}.${(signUps >> 8) & 255}.${signUps & 255}` },
    cf: { colo: 'TST' },
  } as RequestInit;
  const res = await browser.post(
    '/sign-up',
    {
      company: 'Test Builders',
      timeZone: 'America/Chicago',
      currency: 'USD',
      name: 'Owner Person',
      email,
      password: PASSWORD,
      ...overrides,
    },
    network,
  );
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const [mail] = await db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, email.trim().toLowerCase()), eq(outbox.kind, 'sign-up-verify')))
    .orderBy(desc(outbox.createdAt))
    .limit(1);
  const link = /https?:\/\/[^/\s]+(\/sign-up\/verify\/[\w-]+)/.exec(mail?.text ?? '')?.[1];
  if (!link) throw new Error(`sign-up of ${email}: no verification email`);
  const page = await browser.get(link);
  if (page.status !== 200) throw new Error(`verification link: ${page.status} ${await page.text()}`);
  const done = await browser.post(link);
  if (done.status !== 303) throw new Error(`verification: ${done.status} ${await done.text()}`);
  const user = await db().query.users.findFirst({ where: (u, { eq }) => eq(u.email, email) });
  return { browser, email, orgId: user!.orgId, userId: user!.id };
}

export function location(res: Response) {
  return res.headers.get('Location') ?? '';
}

export async function text(res: Response) {
  return res.text();
}

/** Creates a customer account with a contact through the UI; returns its id. */
export async function createAccount(browser: Browser, kind: 'customer' | 'vendor', name: string) {
  const res = await browser.post('/accounts', {
    kind,
    name,
    email: 'acct@example.test',
    contact_name: `${name} Contact`,
    contact_email: uniqueEmail(kind),
  });
  if (res.status !== 303) throw new Error(`account failed: ${res.status}`);
  return location(res).split('/accounts/')[1].split('?')[0];
}

export async function createJob(browser: Browser, name = 'Deck build', customerAccountId = '') {
  const res = await browser.post('/jobs', { name, address: '1 Main St', customerAccountId });
  if (res.status !== 303) throw new Error(`job failed: ${res.status} ${await res.text()}`);
  return location(res).split('/jobs/')[1].split('?')[0];
}

// A synchronous HMAC-SHA256 for Browser.request(), which cannot await crypto.subtle: the portal's
// per-company CSRF token (http/csrf.ts portalCsrfToken) computed the same way.
const utf8 = (s: string) => new TextEncoder().encode(s);
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p)) PRIMES.push(n);
const K = Uint32Array.from(PRIMES, (p) => Math.floor((Math.cbrt(p) % 1) * 2 ** 32));

function sha256(data: Uint8Array): Uint8Array {
  const H = Uint32Array.from([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const length = Math.ceil((data.length + 9) / 64) * 64;
  const bytes = new Uint8Array(length);
  bytes.set(data);
  bytes[data.length] = 0x80;
  const view = new DataView(bytes.buffer);
  view.setUint32(length - 4, data.length * 8);
  view.setUint32(length - 8, Math.floor((data.length * 8) / 2 ** 32));
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, h] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      [h, g, f, e, d, c, b, a] = [g, f, e, (d + t1) >>> 0, c, b, a, (t1 + t2) >>> 0];
    }
    [a, b, c, d, e, f, g, h].forEach((v, i) => (H[i] = (H[i] + v) >>> 0));
  }
  const out = new Uint8Array(32);
  H.forEach((v, i) => new DataView(out.buffer).setUint32(i * 4, v));
  return out;
}

function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(64);
  block.set(key.length > 64 ? sha256(key) : key);
  const pad = (x: number) => block.map((b) => b ^ x);
  const inner = sha256(new Uint8Array([...pad(0x36), ...message]));
  return sha256(new Uint8Array([...pad(0x5c), ...inner]));
}
