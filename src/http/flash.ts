import type { MiddlewareHandler } from 'hono';
import type { AppContext, AppEnv } from './context';
import { dropCookie, readCookie, writeCookie } from './cookies';
import { base64url } from './crypto';

// Messages after an action ("Job closed.", "Sent to …") are one-time flashes: the action's redirect
// sets a short-lived cookie whose text the server signed, the next page shows it and clears it.
// Nothing in the URL ever becomes a banner, so a crafted link cannot write one, and a reload does
// not repeat it. The key is derived from PORTAL_TOKEN_SECRET for this use only.

const LIFETIME_SECONDS = 60;
const MAX_LENGTH = 500;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** This request's flash: the one it may show (checked), whether a page showed it, the one to set. */
export interface FlashState {
  shown?: string;
  taken?: boolean;
  next?: string;
}

/** The banner the page after this request's redirect shows, once. */
export function setFlash(c: AppContext, message: string) {
  c.set('flash', { ...c.get('flash'), next: message.slice(0, MAX_LENGTH) });
}

/** The banner this page shows, if a signed flash came with the request; showing it clears it. */
export function takeFlash(c: AppContext): string | undefined {
  const state = c.get('flash');
  if (!state?.shown || state.shown.startsWith(FORM)) return undefined;
  state.taken = true;
  return state.shown;
}

// A form's flash: a message that belongs inside one form of the next page (a refused upload, whose
// own address carries the CSRF token and so is not shown), not in the banner. Same cookie, same
// signature; the text is marked with the form's name.
const FORM = '\u0000form:';

/** The message the next page shows inside `form`, once (and not as a banner). */
export function setFormFlash(c: AppContext, form: string, message: string) {
  setFlash(c, `${FORM}${form}\u0000${message}`);
}

/** This page's message for `form`, if the request brought one; showing it clears it. */
export function takeFormFlash(c: AppContext, form: string): string | undefined {
  const state = c.get('flash');
  const mark = `${FORM}${form}\u0000`;
  if (!state?.shown?.startsWith(mark)) return undefined;
  state.taken = true;
  return state.shown.slice(mark.length) || undefined;
}

/** Checks the flash before the handler; afterwards sets the next one (on a redirect) or clears the shown one. */
export const flashes: MiddlewareHandler<AppEnv> = async (c, next) => {
  const held = readCookie(c, 'flash');
  if (held) c.set('flash', { shown: await openFlash(c.env.PORTAL_TOKEN_SECRET, held) });
  await next();
  if (c.res.status === 101) return; // a WebSocket handshake: its response is never rebuilt
  const state = c.get('flash');
  const redirect = c.res.status >= 300 && c.res.status < 400;
  if (state?.next && redirect) {
    writeCookie(c, 'flash', await sealFlash(c.env.PORTAL_TOKEN_SECRET, state.next), LIFETIME_SECONDS);
  } else if (held && (state?.taken || !state?.shown)) {
    dropCookie(c, 'flash');
  }
};

const keys = new Map<string, Promise<CryptoKey>>();

function flashKey(secret: string) {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .digest('SHA-256', encoder.encode(`cp-flash-v1\u0000${secret}`))
      .then((raw) => crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
    keys.set(secret, key);
  }
  return key;
}

/** `expiry.message.mac`, each part base64url or digits; the MAC covers the expiry and the message. */
export async function sealFlash(secret: string, message: string, now = Date.now()) {
  const body = `${Math.floor(now / 1000) + LIFETIME_SECONDS}.${base64url(encoder.encode(message))}`;
  const mac = await crypto.subtle.sign('HMAC', await flashKey(secret), encoder.encode(body));
  return `${body}.${base64url(new Uint8Array(mac))}`;
}

/** The message of a genuine, unexpired flash; anything else is nothing. */
export async function openFlash(secret: string, value: string, now = Date.now()): Promise<string | undefined> {
  if (value.length > 4096) return undefined;
  const [expiry, message, mac, ...rest] = value.split('.');
  if (rest.length || !/^\d{1,12}$/.test(expiry ?? '') || !message || !mac) return undefined;
  if (Number(expiry) * 1000 < now) return undefined;
  const signature = fromBase64url(mac);
  const text = fromBase64url(message);
  if (!signature || !text) return undefined;
  const body = encoder.encode(`${expiry}.${message}`);
  if (!(await crypto.subtle.verify('HMAC', await flashKey(secret), signature, body))) return undefined;
  try {
    return decoder.decode(text).slice(0, MAX_LENGTH) || undefined;
  } catch {
    return undefined;
  }
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}
