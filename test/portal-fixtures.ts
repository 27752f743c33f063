import { env } from 'cloudflare:workers';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { Browser, createJob, db, location } from './helpers';
import { addGroup, addItem, unescape } from './pages';

// The recipient's side of the tests: opening links, forging tokens, reading pages as a stranger would.

export const SECRET = () => env.PORTAL_TOKEN_SECRET;

/** Opens a portal link in a fresh browser (its own cookie jar) and follows the redirect once, both with `init`. */
export async function openLink(link: string, init: RequestInit = {}) {
  const browser = new Browser();
  const open = await browser.fetch(link, init);
  if (open.status !== 303) throw new Error(`open ${link}: ${open.status} ${(await open.text()).slice(0, 500)}`);
  const page = await browser.fetch(location(open), init);
  return { browser, open, page, html: await page.text() };
}

/** A job for an account with one group and one priced item, made through the forms. */
export async function jobWithItem(
  browser: Browser,
  name: string,
  customerAccountId: string,
  item: Record<string, string> = {},
) {
  const jobId = await createJob(browser, name, customerAccountId);
  const groupId = await addGroup(browser, jobId, 'Scope');
  const itemId = await addItem(browser, jobId, groupId, item);
  return { jobId, groupId, itemId };
}

/** Every field a form would submit as rendered: inputs, checked boxes, textareas, selected options. */
export function formFields(html: string, action: string): [string, string][] {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const body = html.slice(start, html.indexOf('</form>', start));
  const out: [string, string][] = [];
  for (const m of body.matchAll(/<(input|textarea|select)\b([^>]*)>/g)) {
    const attrs = m[2];
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (!name) continue;
    const type = /\btype="([^"]*)"/.exec(attrs)?.[1] ?? 'text';
    if (m[1] === 'input') {
      if (['submit', 'button', 'file'].includes(type)) continue;
      if ((type === 'checkbox' || type === 'radio') && !/\bchecked\b/.test(attrs)) continue;
      out.push([unescape(name), unescape(/\bvalue="([^"]*)"/.exec(attrs)?.[1] ?? (type === 'checkbox' ? 'on' : ''))]);
    } else if (m[1] === 'textarea') {
      const rest = body.slice(m.index! + m[0].length);
      out.push([unescape(name), unescape(rest.slice(0, rest.indexOf('</textarea>')))]);
    } else {
      const rest = body.slice(m.index! + m[0].length);
      const options = rest.slice(0, rest.indexOf('</select>'));
      const chosen = /<option value="([^"]*)"[^>]*selected/.exec(options) ?? /<option value="([^"]*)"/.exec(options);
      out.push([unescape(name), unescape(chosen?.[1] ?? '')]);
    }
  }
  return out;
}

/** Saves a draft through its editor, changing the fields `change` returns (by name). */
export async function editDraft(
  browser: Browser,
  documentId: string,
  change: (fields: [string, string][]) => [string, string][],
) {
  const page = await browser.get(`/documents/${documentId}`);
  const fields = change(formFields(await page.text(), `/documents/${documentId}`)).filter(([k]) => k !== '_csrf');
  const grouped: Record<string, string[]> = {};
  for (const [k, v] of fields) (grouped[k] ??= []).push(v);
  const res = await browser.post(`/documents/${documentId}`, grouped);
  if (res.status !== 303) throw new Error(`edit draft: ${res.status} ${(await res.text()).slice(0, 3000)}`);
}

const b64url = {
  encode: (s: string) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(s)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, ''),
  decode: (s: string) =>
    new TextDecoder().decode(Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0))),
};

export const tokenOf = (link: string) => link.replace(/^.*\/p\//, '');

export function tokenPayload(token: string): Record<string, unknown> {
  return JSON.parse(b64url.decode(token.split('.')[1]));
}

/** The same token with its payload rewritten and the old signature kept. */
export function withPayload(token: string, change: (p: Record<string, unknown>) => Record<string, unknown>) {
  const [h, , s] = token.split('.');
  return `${h}.${b64url.encode(JSON.stringify(change(tokenPayload(token))))}.${s}`;
}

/** The same token with one character of its signature changed. */
export function withBadSignature(token: string) {
  const [h, p, s] = token.split('.');
  const i = Math.floor(s.length / 2);
  return `${h}.${p}.${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
}

/** An unsigned token (`alg: none`) carrying the given claims. */
export function unsignedToken(payload: Record<string, unknown>) {
  return `${b64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url.encode(JSON.stringify(payload))}.`;
}

/** A page with what changes per response (CSP nonce, CSRF token, a link token) blanked out. */
export function normalized(body: string, ...secrets: string[]) {
  let out = body
    .replace(/nonce-[A-Za-z0-9_-]+/g, 'nonce-X')
    .replace(/nonce="[^"]*"/g, 'nonce="X"')
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="X"');
  for (const s of secrets) out = out.split(s).join('TOKEN');
  return out;
}

export async function gzipSize(text: string): Promise<number> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

export async function sha256(bytes: ArrayBuffer) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

/** A 1×1 PNG, for the company logo. */
export const PNG = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='),
  (ch) => ch.charCodeAt(0),
);

export async function uploadLogo(browser: Browser) {
  const form = new FormData();
  form.set('logo', new File([PNG], 'logo.png', { type: 'image/png' }));
  const res = await browser.postMultipart('/settings/logo', form);
  if (res.status !== 303) throw new Error(`logo: ${res.status} ${(await res.text()).slice(0, 500)}`);
}

/** The snapshot of the version a document's recipient was sent. */
export async function sentSnapshot(documentId: string): Promise<DocumentSnapshot> {
  const doc = await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, documentId) });
  const v = await db().query.documentVersions.findFirst({
    where: (x, { and, eq }) => and(eq(x.documentId, documentId), eq(x.version, doc!.sentVersion!)),
  });
  return JSON.parse(v!.snapshot!);
}

/** A document's status as stored. */
export const statusOf = async (id: string) =>
  (await db().query.documents.findFirst({ where: (d, { eq }) => eq(d.id, id) }))!.status;
