import { Hono } from 'hono';
import { accountRoutes } from './accounts/routes';
import { feedRoutes } from './conversation/feed-routes';
import { commentHandler, conversationRoutes, isUploadPath, UPLOAD_BODY_CAP } from './conversation/routes';
import { authRoutes } from './auth/routes';
import { loadUser, requireUser } from './auth/session';
import { budgetRoutes } from './budget/routes';
import { deadlineRoutes } from './deadlines/routes';
import { devRoutes } from './dev/routes';
import { devStripeRoutes } from './dev/stripe-routes';
import { devDeadlineRoutes } from './dev/deadline-routes';
import { contractorDocumentPage } from './documents/pages';
import { documentRoutes } from './documents/routes';
import { sendRoutes } from './documents/send-routes';
import { fileRequestRoutes } from './documents/file-request-routes';
import { homeRoutes } from './home/routes';
import { reminderRoutes } from './reminders/routes';
import type { AppEnv } from './http/context';
import { capBody } from './http/body';
import { csrf } from './http/csrf';
import { onError, onNotFound } from './http/errors';
import { flashes } from './http/flash';
import { replicaSession } from './http/replicas';
import { WEBHOOK_BODY_CAP, WEBHOOK_PATH, webhookRoutes } from './payments/webhook-routes';
import { portalApp } from './portal/guard';
import { showPortalDocument } from './portal/pages';
import { portalRoutes, publicPortalRoutes } from './portal/routes';
import { portalDecisionRoutes } from './signing/portal-routes';
import { payForm } from './payments/portal-routes';
import { isVerifyPath, signingRoutes, VERIFY_BODY_CAP, verifyRoutes } from './signing/routes';
import { appHostOnly, robotsTxt, securityHeaders } from './http/security';
import { userAccountRoutes } from './settings/account-routes';
import { LOGO_BODY_CAP, settingsRoutes } from './settings/routes';
import { paymentSettingsRoutes } from './settings/payments-routes';
import { reminderSettingsRoutes } from './settings/reminders-routes';
import { isOfflineApprovalPath, offlineApprovalRoutes } from './signing/offline-routes';
import { templateSettingsRoutes } from './settings/templates-routes';

const FORM_CAP = {
  max: 1024 * 1024,
  message: 'That form was larger than we accept (1 MB). Shorten the text and try again.',
};

export function buildApp() {
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound(onNotFound);

  app.get('/healthz', (c) => c.text('ok'));

  app.use('*', securityHeaders);
  // A deployment serves APP_ORIGIN's host only (emailed links and same-origin checks rely on it).
  app.use('*', appHostOnly);
  // Before any cookie or session: crawlers get one answer.
  app.get('/robots.txt', robotsTxt);
  // Every request's D1 session: from the browser's bookmark or its route's constraint (http/replicas.ts).
  app.use('*', replicaSession);
  app.use('*', flashes);
  // Forms are small; each upload route has its own cap. Nothing reads a body here: the cap is
  // checked against Content-Length and counted while the handler reads, after CSRF and the session.
  app.use(
    '*',
    capBody((c) => {
      const multipart = (c.req.header('Content-Type') ?? '').toLowerCase().startsWith('multipart/form-data');
      if (multipart && isUploadPath(c.req.path)) return UPLOAD_BODY_CAP;
      if (multipart && isOfflineApprovalPath(c.req.path)) return UPLOAD_BODY_CAP; // its scan
      if (multipart && isVerifyPath(c.req.path)) return VERIFY_BODY_CAP;
      if (multipart && c.req.path === '/settings/logo') return LOGO_BODY_CAP;
      if (c.req.path === WEBHOOK_PATH) return WEBHOOK_BODY_CAP;
      return FORM_CAP;
    }),
  );
  // Stripe's webhook: authenticated by its signature, before CSRF and any session (payments/webhook-routes.ts).
  app.route('/', webhookRoutes);
  app.use('*', csrf);
  // The portal never looks at the contractor's session: a recipient's pages cost no extra query.
  app.use('*', (c, next) =>
    c.req.path.startsWith('/portal') || c.req.path.startsWith('/p/') ? next() : loadUser(c, next),
  );

  app.route('/', authRoutes);
  app.route('/', devRoutes);
  app.route('/', devDeadlineRoutes); // issue 16: move a sent document's deadline (development and tests only)
  app.route(
    '/',
    devStripeRoutes((request, c) => app.fetch(request, c.env, c.executionCtx)),
  );
  app.route('/', publicPortalRoutes);
  app.route('/', verifyRoutes);
  // Every recipient route lives in the one `/portal` sub-app, behind its one guard (portal/guard.ts).
  app.route(
    '/portal',
    portalApp(
      portalRoutes,
      conversationRoutes('recipient', '/documents', showPortalDocument),
      // The document's own address takes every portal form by intent; the comment's handler is the conversation's.
      portalDecisionRoutes({ comment: commentHandler('recipient', showPortalDocument), pay: payForm }),
    ),
  );

  const dashboard = new Hono<AppEnv>();
  dashboard.use('*', requireUser);
  dashboard.route('/', homeRoutes);
  dashboard.route('/', budgetRoutes);
  dashboard.route('/', documentRoutes);
  dashboard.route('/', reminderRoutes);
  dashboard.route('/', sendRoutes);
  dashboard.route('/', fileRequestRoutes); // issue 20: requested files on a sent document
  dashboard.route('/', deadlineRoutes);
  dashboard.route('/', conversationRoutes('contractor', '/documents', contractorDocumentPage));
  dashboard.route('/', feedRoutes);
  dashboard.route('/', signingRoutes);
  dashboard.route('/', offlineApprovalRoutes);
  dashboard.route('/', accountRoutes);
  dashboard.route('/', settingsRoutes);
  dashboard.route('/', paymentSettingsRoutes);
  dashboard.route('/', reminderSettingsRoutes);
  dashboard.route('/', templateSettingsRoutes);
  dashboard.route('/', userAccountRoutes);
  app.route('/', dashboard);
  return app;
}
