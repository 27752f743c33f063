import { endOfDay } from '../deadlines/time';
import { todayIn } from '../documents/drafts';
import type { AppContext } from './context';
import { randomToken } from './crypto';
import { SizedLru } from '../sized-lru';

// Issue 19: a page, once rendered, is held per isolate and served again while nothing it shows has changed:
// a portal document page and list (portal/pages.ts), a contractor's job page (budget/pages.ts) and sent
// document's page (documents/pages.ts; both through auth/held-pages.ts). What a page shows is stamped in D1:
// triggers bump a stamp on every write to a row the page reads, so no write path can forget. A portal page's
// stamp is its document's, job's, org's and account's `page_rev` (migration 0017); a contractor's page's adds
// its job's row of `job_page_stamps` (migrations 0018, 0019). A request for a held page reads the session and
// the stamp in one batch (a few small statements, where a full read is ten or more): the same stamp, the held
// page is answered; another, the page is read (a second round trip) and rendered again. A page not held reads
// its stamp in the batch that reads it, in the same transaction. Who may see the page is never held: the stamp
// is read through the page's scope (the portal's visibility rule, the contractor's org), so a page no longer
// the viewer's is the stranger's 404 however recently it was rendered.
//
// A page is held per session and address (`pageKey`): another person's, or the same person's in another
// browser, is never served. Held pages carry no per-response token: the CSRF token, the CSP nonce and a sign
// form's idempotency key are rendered as fresh sentinels and put back per response (`servePage`).

/** What a held page depends on besides its stamp and its viewer: the time it may start to read differently. */
export interface HeldPage<F = unknown> {
  stamp: string;
  /** The viewer the page was rendered for, as the session row read it (session.ts `admit`). */
  viewer: string;
  /** From this instant the page may read differently with nothing written: the company's next midnight, … */
  until: number;
  /** The page split where its per-response tokens go; `tokens[i]` goes between `parts[i]` and `parts[i + 1]`. */
  parts: string[];
  tokens: Token[];
  /** What the route needs besides the body (the view log's facts). */
  facts: F;
}

type Token = 'csrf' | 'nonce' | 'key';

/** At most this long, whatever the stamp says: a bound on any staleness a missed dependency could cause. */
export const PAGE_HELD_MS = 5 * 60_000;
/** Characters held per isolate, across pages (a 50-line estimate's page is ~60 KB), least recently served first. */
const held = new SizedLru<HeldPage>(8_000_000);

/** The page held for this key, still in time; undefined when none is. */
export function heldPage<F>(key: string, now = Date.now()): HeldPage<F> | undefined {
  const page = held.use(key);
  if (!page || now < page.until) return page as HeldPage<F> | undefined;
  held.delete(key);
  return undefined;
}

/**
 * Whether this page load may be held or answered from what is held: its query names only `allowed`
 * parameters (a list's `company` and `before`; a document page none: a choice, a page of comments and a
 * checkout's return change it) and that carries no one-time flash.
 */
export function holdable(c: AppContext, allowed: readonly string[] = []) {
  return Object.keys(c.req.queries()).every((k) => allowed.includes(k)) && !c.get('flash')?.shown;
}

/**
 * Until when a page rendered at `now` for a company in `timeZone` may be held: its next midnight there (dates,
 * deadlines, "today"), any instant the page names (`also`), and PAGE_HELD_MS at most.
 */
export function heldUntil(timeZone: string, now: number, ...also: number[]) {
  return Math.min(endOfDay(todayIn(timeZone, now), timeZone), now + PAGE_HELD_MS, ...also);
}

/** The key of a page: the session's hash (never the cookie) and the address. */
export const pageKey = (sessionHash: string, address: string) => `${sessionHash} ${address}`;

/** The viewer a page is rendered for, as compared on each hit: the portal's, or the contractor and their org. */
export const viewerPrint = (c: AppContext) =>
  JSON.stringify(c.get('portal') ?? { user: c.get('user'), org: c.get('org') });

const keys = new WeakMap<AppContext, string>();

/** A sign form's idempotency key: one per response, the same on every form of it. */
export function formKey(c: AppContext): string {
  let key = keys.get(c);
  if (!key) keys.set(c, (key = randomToken(16)));
  return key;
}

/**
 * Builds and renders a page to hold: with sentinels for the CSRF token, the nonce and the form key (fresh
 * random values, so nothing on the page can contain them), which the page keeps as holes. `render` must
 * build the page itself: a page built before read this response's own tokens. Holds it (a 200 only) and
 * answers it with this response's own tokens.
 */
export function holdRendered<F>(
  c: AppContext,
  key: string,
  page: Pick<HeldPage<F>, 'stamp' | 'viewer' | 'until' | 'facts'>,
  render: () => { body: string; status: number },
): { body: string; status: number } {
  const real = { csrf: c.get('csrf'), nonce: c.get('nonce') };
  const marks: Record<string, Token> = {};
  const sentinel = (t: Token) => {
    const s = `~${randomToken(18)}~`; // no token, id or escape has a tilde
    marks[s] = t;
    return s;
  };
  c.set('csrf', sentinel('csrf'));
  c.set('nonce', sentinel('nonce'));
  keys.set(c, sentinel('key'));
  let rendered: { body: string; status: number };
  try {
    rendered = render();
  } finally {
    c.set('csrf', real.csrf);
    c.set('nonce', real.nonce);
    keys.delete(c);
  }
  const split = rendered.body.split(new RegExp(`(${Object.keys(marks).join('|')})`));
  const parts: string[] = [];
  const tokens: Token[] = [];
  split.forEach((s, i) => (i % 2 ? tokens.push(marks[s]) : parts.push(s)));
  if (rendered.status === 200) held.set(key, { ...page, parts, tokens }, rendered.body.length);
  return { body: servePage(c, { parts, tokens }), status: rendered.status };
}

/** A held page with this response's CSRF token, nonce and form key. */
export function servePage(c: AppContext, page: Pick<HeldPage, 'parts' | 'tokens'>): string {
  const value = { csrf: c.get('csrf'), nonce: c.get('nonce'), key: formKey(c) };
  let out = page.parts[0];
  for (let i = 0; i < page.tokens.length; i++) out += value[page.tokens[i]] + page.parts[i + 1];
  return out;
}

/** Forgets one held page: its address now answers what is not held (a draft's editor, a 404). */
export function forgetPage(key: string) {
  held.delete(key);
}

/**
 * Forgets every page held for a session: after its own write, whose pages changed for certain, its next load
 * reads in one round trip rather than checking a stamp that moved first (portal/guard.ts).
 */
export function forgetSession(sessionHash: string) {
  const prefix = pageKey(sessionHash, '');
  held.deleteWhere((k) => k.startsWith(prefix));
}

/** Tests: a smaller budget, and what is held now. */
export function holdPagesAtMost(chars: number) {
  held.resize(chars);
}
export const pagesHeld = () => ({ pages: held.count, chars: held.size });
/** Tests: nothing held, so the next load of any page reads it in full. */
export function forgetPages() {
  held.clear();
}
