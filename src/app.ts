import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { accountRoutes } from './accounts/routes';
import { feedRoutes } from './conversation/feed-routes';
import { conversationRoutes, isUploadPath, UPLOAD_BODY_LIMIT } from './conversation/routes';
import { authRoutes } from './auth/routes';
import { loadUser, requireUser } from './auth/session';
import { budgetRoutes } from './budget/routes';
import { database } from './db/client';
import { devRoutes } from './dev/routes';
import { contractorDocumentPage } from './documents/pages';
import { documentRoutes } from './documents/routes';
import { sendRoutes } from './documents/send-routes';
import { homeRoutes } from './home/routes';
import type { AppEnv } from './http/context';
import { csrf } from './http/csrf';
import { onError, onNotFound } from './http/errors';
import { portalApp } from './portal/guard';
import { showPortalDocument } from './portal/pages';
import { portalRoutes, publicPortalRoutes } from './portal/routes';
import { portalDecisionRoutes } from './signing/portal-routes';
import { signingRoutes, verifyRoutes } from './signing/routes';
import { securityHeaders } from './http/security';
import { settingsRoutes } from './settings/routes';

const FORM_LIMIT = 1024 * 1024;

export function buildApp() {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(onNotFound);

  app.get('/healthz', (c) => c.text('ok'));

  app.use('*', securityHeaders);
  app.use('*', async (c, next) => {
    c.set('db', database(c.env.DB));
    return next();
  });
  // Forms are small; file uploads get their own, larger limit. Checked before anything reads the body.
  const formLimit = bodyLimit({
    maxSize: FORM_LIMIT,
    onError: () => {
      throw new HTTPException(413, {
        message: 'That form was larger than we accept (1 MB). Shorten the text and try again.',
      });
    },
  });
  const uploadLimit = bodyLimit({
    maxSize: UPLOAD_BODY_LIMIT,
    onError: () => {
      throw new HTTPException(413, {
        message: 'That upload is larger than we accept in one go (100 MB). Upload fewer files at a time.',
      });
    },
  });
  const logoLimit = bodyLimit({
    maxSize: 2 * FORM_LIMIT,
    onError: () => {
      throw new HTTPException(413, { message: 'The logo must be at most 1 MB.' });
    },
  });
  app.use('*', (c, next) =>
    isUploadPath(c.req.path) || c.req.path === '/verify'
      ? uploadLimit(c, next)
      : c.req.path === '/settings/logo'
        ? logoLimit(c, next)
        : formLimit(c, next),
  );
  app.use('*', csrf);
  // The portal never looks at the contractor's session: a recipient's pages cost no extra query.
  app.use('*', (c, next) =>
    c.req.path.startsWith('/portal') || c.req.path.startsWith('/p/') ? next() : loadUser(c, next),
  );

  app.route('/', authRoutes);
  app.route('/', devRoutes);
  app.route('/', publicPortalRoutes);
  app.route('/', verifyRoutes);
  // Every recipient route lives in the one `/portal` sub-app, behind its one guard (portal/guard.ts).
  app.route(
    '/portal',
    portalApp(portalRoutes, conversationRoutes('recipient', '/documents', showPortalDocument), portalDecisionRoutes),
  );

  const dashboard = new Hono<AppEnv>();
  dashboard.use('*', requireUser);
  dashboard.route('/', homeRoutes);
  dashboard.route('/', budgetRoutes);
  dashboard.route('/', documentRoutes);
  dashboard.route('/', sendRoutes);
  dashboard.route('/', conversationRoutes('contractor', '/documents', contractorDocumentPage));
  dashboard.route('/', feedRoutes);
  dashboard.route('/', signingRoutes);
  dashboard.route('/', accountRoutes);
  dashboard.route('/', settingsRoutes);
  app.route('/', dashboard);
  return app;
}
