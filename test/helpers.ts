import { exports } from 'cloudflare:workers';
import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { database } from '../src/db/client';
import { outbox } from '../src/db/schema';

export const BASE = 'http://localhost';
export const db = () => database(env.DB);

/** A browser as the Worker sees it: a cookie jar, forms posted with the CSRF token, no redirects followed. */
export class Browser {
  cookies = new Map<string, string>();

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await exports.default.fetch(this.request(path, init));
    this.keepCookies(res);
    return res;
  }

  /** The request this browser sends: its cookies (unless the caller set some), no redirects followed. */
  request(path: string, init: RequestInit = {}): Request {
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

  async csrf(): Promise<string> {
    // Outside test and development (a Visitor with other bindings) the cookie carries the __Host- prefix.
    const held = () => this.cookies.get('cp_csrf') ?? this.cookies.get('__Host-cp_csrf');
    if (!held()) await this.get('/sign-in');
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
