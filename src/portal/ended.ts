import { html } from '../../views/html';
import {
  EndedPage,
  type EndedBrand,
  type EndedReason,
  NoAccessPage,
  type SignInState,
  SignInSentPage,
} from '../../views/portal/ended';
import { NOT_FOUND_MESSAGE } from '../errors';
import type { AppContext } from '../http/context';
import { readCookie } from '../http/cookies';
import { sha256Hex } from '../http/crypto';
import { siteCsrf } from '../http/csrf';
import { render } from '../http/render';
import { verifyPortalToken } from './links';
import { contactBrand, endedSession, linkDocument } from './queries';
import { portalAddress } from './session';

// The pages a recipient sees when the way in no longer works (issue 13). What each may say:
//
//   - a genuine link (its signature checks out; expiry aside) or a portal session row names one
//     contact, so the page may carry that contact's company (name, logo, colour, phone, email) and
//     their address on file, masked. Nothing about any document: the page is the same whichever
//     document id the link or address names.
//   - anything else (no cookie, a cookie we never issued, a forged or mangled link, or a live
//     session asking for a document that is not theirs) gets one plain page that names nobody.
//
// A new link is offered only when one could be sent: the contact's access is still the one the
// link or session was given (a revoke or a new email address moves it on) and, for a link, its
// document is still theirs.

/** "dana@example.test" → "d•••@example.test". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

interface Ended {
  brand: EndedBrand;
  reason: EndedReason;
  maskedEmail: string | null;
}

type BrandRow = {
  orgId: string;
  name: string;
  brandColor: string;
  logoKey: string | null;
  phone: string;
  email: string;
};

function ended(brand: BrandRow, reason: EndedReason, email: string | null): Ended {
  const { logoKey, ...rest } = brand;
  const renewable = reason === 'link-expired' || reason === 'session-expired';
  return { brand: { ...rest, hasLogo: !!logoKey }, reason, maskedEmail: renewable && email ? maskEmail(email) : null };
}

/** Whose link this was and why it does not open, or null when it is not one of ours. */
export async function endedLink(c: AppContext, token: string): Promise<Ended | null> {
  const result = await verifyPortalToken(c.env.PORTAL_TOKEN_SECRET, token);
  const claims = result.ok ? result.claims : (result.expired ?? null);
  if (!claims) return null;
  const found = await contactBrand(c.get('db'), claims.contactId);
  if (!found) return null;
  const { contact, brand } = found;
  if (contact.accessVersion !== claims.accessVersion) return ended(brand, 'access-changed', null);
  if (!(await linkDocument(c.get('db'), contact, claims.documentId))) return ended(brand, 'unavailable', null);
  return ended(brand, 'link-expired', contact.email);
}

/**
 * Whose portal session the browser's cookie was, for the company the address is in, when it has
 * ended there (expired, or that company's contact's access moved on: a revoke ends one company and
 * leaves the others); null without a cookie, for a cookie we never issued, for a company the session
 * never held, or while it is live there.
 */
export async function endedPortalSession(c: AppContext): Promise<Ended | null> {
  const token = readCookie(c, 'portal');
  if (!token || token.length > 100) return null;
  const found = await endedSession(c.get('db'), await sha256Hex(token), portalAddress(c));
  if (!found) return null;
  const { contact, brand } = found;
  if (contact.accessVersion !== found.sessionAccess) return ended(brand, 'access-changed', null);
  if (found.expiresAt > Date.now()) return null;
  return ended(brand, 'session-expired', contact.email);
}

/** The document a /portal address names, for the "Email me a new link" form; nothing else is echoed. */
function documentIdIn(path: string) {
  return /^\/portal\/documents\/([a-z0-9]{1,40})(?:[./]|$)/.exec(path)?.[1];
}

/**
 * The page an unusable link shows (403), or the answer to "Email me a new link" (sent: 200, the
 * same whether or not a mail went).
 */
export async function showLinkProblem(c: AppContext, token: string, sent = false) {
  c.header('Referrer-Policy', 'no-referrer');
  const found = await endedLink(c, token);
  const ctx = { nonce: c.get('nonce'), csrf: c.get('csrf'), siteCsrf: siteCsrf(c) };
  const page = found
    ? html`<${EndedPage} ctx=${ctx} ...${found} token=${token} sent=${sent} />`
    : html`<${NoAccessPage} ctx=${ctx} badLink=${!sent} sent=${sent} />`;
  return render(c, page, sent ? 200 : 403);
}

/** The answer to "Email me a new link" from an ended session's page: that page, saying the mail is on its way. */
export async function showSessionFreshLink(c: AppContext) {
  const found = await endedPortalSession(c);
  const ctx = { nonce: c.get('nonce'), csrf: c.get('csrf'), siteCsrf: siteCsrf(c) };
  const page = found
    ? html`<${EndedPage} ctx=${ctx} ...${found} sent=${true} />`
    : html`<${NoAccessPage} ctx=${ctx} sent=${true} />`;
  return render(c, page, 200);
}

/**
 * The portal's one "not here" answer (404): the ended page of the browser's portal session when it
 * has ended, else the plain page that names nobody. A viewer the guard admitted (a live session
 * asking for something not theirs) gets the plain page, the same a stranger gets.
 */
export async function portalRefusal(c: AppContext) {
  if ((c.req.header('Accept') ?? '').includes('application/json')) return c.json({ error: NOT_FOUND_MESSAGE }, 404);
  const found = c.get('portal') ? null : await endedPortalSession(c).catch(() => null);
  const ctx = { nonce: c.get('nonce') ?? '', csrf: c.get('csrf') ?? '', siteCsrf: siteCsrf(c) };
  const page = found
    ? html`<${EndedPage} ctx=${ctx} ...${found} documentId=${documentIdIn(c.req.path)} />`
    : html`<${NoAccessPage} ctx=${ctx} />`;
  return render(c, page, 404);
}

/**
 * The sign-in form's page: refused (422, the form kept with its message) or answered (200, the same
 * page whether or not the address is known).
 */
export function showSignIn(c: AppContext, state: SignInState | 'sent') {
  c.header('Referrer-Policy', 'no-referrer');
  const ctx = { nonce: c.get('nonce'), csrf: siteCsrf(c) };
  if (state === 'sent') return render(c, html`<${SignInSentPage} ctx=${ctx} />`, 200);
  return render(c, html`<${NoAccessPage} ctx=${ctx} signIn=${state} />`, 422);
}
