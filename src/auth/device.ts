import { base64url, constantTimeEqualText } from '../http/crypto';

// A known device: a browser that has signed in to an account before carries a cookie naming that
// user, signed with an HMAC of the app's secret. Failed sign-ins elsewhere do not slow it down
// (auth/throttle.ts). The cookie grants nothing by itself: the password is still needed.

const YEAR_MS = 365 * 86_400_000;
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    keys.set(secret, key);
  }
  return key;
}

async function signature(secret: string, payload: string): Promise<string> {
  // The prefix keeps these signatures apart from the portal's JWTs made with the same secret.
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`device-cookie\u0000${payload}`));
  return base64url(new Uint8Array(mac));
}

/** The cookie's value for a user, issued now. */
export async function deviceCookieValue(secret: string, userId: string, now = Date.now()): Promise<string> {
  const payload = `${userId}.${now}`;
  return `${payload}.${await signature(secret, payload)}`;
}

/** The user a device cookie names, when its signature holds and it is less than a year old; else null. */
export async function deviceCookieUser(secret: string, value: string | undefined, now = Date.now()) {
  if (!value || value.length > 200) return null;
  const m = /^([A-Za-z0-9_-]{1,64})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!m) return null;
  const issued = Number(m[2]);
  if (!(issued <= now && now - issued < YEAR_MS)) return null;
  const expected = await signature(secret, `${m[1]}.${m[2]}`);
  return constantTimeEqualText(expected, m[3]) ? m[1] : null;
}

/** "Chrome on Windows", from a User-Agent header: what the sessions page calls a device. */
export function describeDevice(userAgent: string): string {
  const ua = userAgent;
  const browser = /Edg(e|A|iOS)?\//.test(ua)
    ? 'Edge'
    : /OPR\/|Opera/.test(ua)
      ? 'Opera'
      : /Firefox\/|FxiOS\//.test(ua)
        ? 'Firefox'
        : /Chrome\/|CriOS\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : '';
  const os = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Windows/.test(ua)
          ? 'Windows'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Mac OS X|Macintosh/.test(ua)
              ? 'macOS'
              : /Linux/.test(ua)
                ? 'Linux'
                : '';
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || 'Unknown device';
}
