import { Hono } from 'hono';
import { pdfFileName, pdfResponse } from '../documents/pdf';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp } from '../http/rate-limit';
import { readCookie } from '../http/cookies';
import { sha256Hex } from '../http/crypto';
import { readForm } from '../http/validate';
import { Refused } from '../errors';
import { siteOf } from '../auth/mail';
import { deliverSoon } from '../mail/deliver';
import { admitSignInRequest, openPortalLink, requestFreshLink, sendSignInLinks, signInAddress } from './actions';
import { showLinkProblem, showSessionFreshLink, showSignIn } from './ended';
import { checksOwnSession } from './guard';
import { showPortalCompanies, showPortalDocument, showPortalHome, showPortalJob } from './pages';
import { orgLogo, portalPdf } from './queries';
import { portalViewer, startPortalSession } from './session';

/** Black or white, whichever reads better on the brand colour (WCAG relative luminance). */
export function inkOn(hex: string): string {
  const [r, g, b] = [0, 2, 4].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#fff' : '#111';
}

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** A company's logo, as stored (PNG or JPEG by content): never run, never sniffed. */
async function logoResponse(c: AppContext, orgId: string, cache: string) {
  const org = await orgLogo(c.get('db'), orgId);
  const obj = org?.logoKey ? await c.env.FILES.get(org.logoKey) : null;
  if (!obj) notFound();
  return new Response(obj.body, {
    headers: {
      'Content-Type': org?.logoContentType ?? 'application/octet-stream',
      'Cache-Control': cache,
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
}

// Before a session: the brand stylesheet and logo, opening a link, asking for a fresh one. Mounted at `/`.
export const publicPortalRoutes = new Hono<AppEnv>()
  .get('/brand.css', (c) => {
    const color = c.req.query('c') ?? '';
    const hex = /^[0-9a-fA-F]{6}$/.test(color) ? color : '1f5f8b';
    // `s=<n>`: the colours scoped to `.co-<n>`, for a page showing several companies' cards (issue 17).
    const scope = /^[0-9]{1,2}$/.test(c.req.query('s') ?? '') ? `.co-${c.req.query('s')}` : ':root';
    return c.body(`${scope}{--brand:#${hex};--brand-ink:${inkOn(hex)}}`, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': IMMUTABLE,
    });
  })
  // The ended-link page's header, which has no live session: a company's logo is the mark on
  // every PDF it sends, and its id (random, 24 characters) appears only on its own pages.
  .get('/brand/:orgId/logo', (c) => {
    const orgId = c.req.param('orgId');
    if (!/^[a-z0-9]{1,40}$/.test(orgId)) notFound();
    return logoResponse(c, orgId, 'public, max-age=300');
  })
  .get('/p/:token', async (c) => {
    const token = c.req.param('token');
    const opened = await openPortalLink(c.env, c.get('db'), token);
    if (!opened) return showLinkProblem(c, token);
    await startPortalSession(c, opened.contact);
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(`/portal/documents/${opened.documentId}`, 303);
  })
  // "Email me a new link", from an unusable link's page (the token) or an ended session's (the cookie).
  .post('/p/fresh-link', async (c) => {
    const form = await readForm(c);
    const token = (form.token ?? '').slice(0, 2000);
    const cookie = token ? '' : (readCookie(c, 'portal') ?? '');
    const document = /^[a-z0-9]{1,40}$/.test(form.document ?? '') ? form.document : undefined;
    const input = {
      token,
      sessionHash: cookie && cookie.length <= 100 ? await sha256Hex(cookie) : undefined,
      documentId: document,
      origin: c.env.APP_ORIGIN,
      ip: clientIp(c.req),
      userAgent: c.req.header('User-Agent'),
    };
    if (await requestFreshLink(c.env, c.get('db'), input)) deliverSoon(c);
    return token || !input.sessionHash ? showLinkProblem(c, token, true) : showSessionFreshLink(c);
  })
  // "Email me a sign-in link" (issue 17), from /portal without a session, an ended or unusable link's page.
  // The answer is the same page whether or not the address is known; the lookup and the mail run after it.
  .post('/p/email-link', async (c) => {
    const form = await readForm(c);
    let email: string;
    try {
      email = signInAddress(form.email);
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
      return showSignIn(c, { value: (form.email ?? '').slice(0, 254), error: err.message });
    }
    const db = c.get('db');
    if (await admitSignInRequest(db, email, clientIp(c.req))) {
      const input = { email, origin: c.env.APP_ORIGIN, fromName: siteOf(c.env).name };
      const send = sendSignInLinks(c.env, db, input).then((sent) => (sent ? deliverSoon(c) : undefined));
      c.executionCtx.waitUntil(send.catch((err) => console.error('sign-in link', err)));
    }
    return showSignIn(c, 'sent');
  });

// The recipient's own pages, relative to the `/portal` sub-app (portalApp) and its guard. The
// three pages marked checksOwnSession read the session in the same batch as the page: one round trip (two
// when a page held by the isolate changed since, http/page-cache.ts).
export const portalRoutes = new Hono<AppEnv>()
  .get(
    '/',
    checksOwnSession((c) => showPortalHome(c)),
  )
  .get(
    '/jobs/:id',
    checksOwnSession((c) => showPortalJob(c, c.req.param('id') ?? '')),
  )
  .get(
    '/documents/:id{[a-z0-9]+}',
    checksOwnSession((c) => showPortalDocument(c, c.req.param('id') ?? '')),
  )
  .get(
    '/companies',
    checksOwnSession((c) => showPortalCompanies(c)),
  )
  .get('/logo', (c) => logoResponse(c, portalViewer(c).orgId, 'private, max-age=300'))
  .get('/documents/:file{[a-z0-9]+\\.pdf}', async (c) => {
    const found = await portalPdf(c.get('db'), portalViewer(c), c.req.param('file').replace(/\.pdf$/, ''));
    const obj = found?.pdfKey ? await c.env.FILES.get(found.pdfKey) : null;
    if (!found || !obj) notFound();
    return pdfResponse(obj.body, pdfFileName({ number: found.number, version: found.version }));
  });
