import { Hono } from 'hono';
import { pdfFileName, pdfResponse } from '../documents/pdf';
import type { AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp } from '../http/rate-limit';
import { readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { openPortalLink, requestFreshLink } from './actions';
import { checksOwnSession } from './guard';
import { linkProblem, showPortalDocument, showPortalHome, showPortalJob } from './pages';
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

// Before a session: the brand stylesheet, opening a link, asking for a fresh one. Mounted at `/`.
export const publicPortalRoutes = new Hono<AppEnv>()
  .get('/brand.css', (c) => {
    const color = c.req.query('c') ?? '';
    const hex = /^[0-9a-fA-F]{6}$/.test(color) ? color : '1f5f8b';
    return c.body(`:root{--brand:#${hex};--brand-ink:${inkOn(hex)}}`, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': IMMUTABLE,
    });
  })
  .get('/p/:token', async (c) => {
    const token = c.req.param('token');
    const opened = await openPortalLink(c.env, c.get('db'), token);
    if (!opened) return linkProblem(c, token);
    await startPortalSession(c, opened.contact);
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(`/portal/documents/${opened.documentId}`, 303);
  })
  .post('/p/fresh-link', async (c) => {
    const token = ((await readForm(c)).token ?? '').slice(0, 2000);
    const input = {
      token,
      origin: c.env.APP_ORIGIN,
      ip: clientIp(c.req),
      userAgent: c.req.header('User-Agent'),
    };
    if (await requestFreshLink(c.env, c.get('db'), input)) deliverSoon(c);
    return linkProblem(c, token, true);
  });

// The recipient's own pages, relative to the `/portal` sub-app (portalApp) and its guard. The
// three pages marked checksOwnSession read the session in the same batch as the page: one round trip.
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
  .get('/logo', async (c) => {
    const org = await orgLogo(c.get('db'), portalViewer(c).orgId);
    const obj = org?.logoKey ? await c.env.FILES.get(org.logoKey) : null;
    if (!obj) notFound();
    const type = org?.logoContentType ?? 'application/octet-stream';
    return new Response(obj.body, { headers: { 'Content-Type': type, 'Cache-Control': 'private, max-age=300' } });
  })
  .get('/documents/:file{[a-z0-9]+\\.pdf}', async (c) => {
    const found = await portalPdf(c.get('db'), portalViewer(c), c.req.param('file').replace(/\.pdf$/, ''));
    const obj = found?.pdfKey ? await c.env.FILES.get(found.pdfKey) : null;
    if (!found || !obj) notFound();
    return pdfResponse(obj.body, pdfFileName({ number: found.number, version: found.version }));
  });
