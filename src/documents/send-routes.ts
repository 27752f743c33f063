import { Hono } from 'hono';
import { emptyForm } from '../../views/components/form';
import { Refused } from '../errors';
import type { AppEnv } from '../http/context';
import { redirectWith } from '../http/render';
import { cleanText, FormCheck, readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { documentMail } from '../mail/documents';
import { companyPlan } from '../reminders/plan';
import { checkSendReminders, planValues } from '../settings/reminders';
import { resendDocument, sendDocument, sendRefusal } from './actions';
import { draftSnapshot } from './documents';
import { contractor, loadDocument, sendPage, sendRefused } from './pages';

export const sendRoutes = new Hono<AppEnv>()
  .get('/documents/:id/send', async (c) => {
    const { d, kind } = await loadDocument(c);
    const refusal = sendRefusal(d);
    if (refusal) return sendRefused(c, d, kind, refusal);
    const reminders = { reminders: 'company', ...planValues(companyPlan({ ...d.org, remindersOn: true })) };
    return sendPage(
      c,
      d,
      kind,
      emptyForm({ name: d.contact!.name, email: d.contact!.email, message: '', ...reminders }),
    );
  })
  .get('/documents/:id/send/preview', async (c) => {
    const { d } = await loadDocument(c);
    const name = cleanText(c.req.query('name') ?? '', false).slice(0, 120) || d.contact?.name || '';
    const message = cleanText(c.req.query('message') ?? '', true).slice(0, 2000);
    const link = `${c.env.APP_ORIGIN}/p/preview-link`;
    const mail = documentMail(draftSnapshot(d, name, d.contact?.email ?? ''), {
      link,
      message,
      recipientName: name,
      linkDays: d.org.portalLinkDays,
    });
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
    );
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.html(mail.html);
  })
  .post('/documents/:id/send', async (c) => {
    const { actor, scope } = contractor(c);
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const name = f.text('name', { label: 'Name', required: true, max: 120 });
    const email = f.email('email', { label: 'Email', required: true });
    const message = f.text('message', { label: 'Message', max: 2000, multiline: true });
    const reminders = checkSendReminders(f);
    if (!f.ok) {
      const { d, kind } = await loadDocument(c);
      const refusal = sendRefusal(d);
      if (refusal) return sendRefused(c, d, kind, refusal);
      return sendPage(c, d, kind, { values: raw, errors: f.errors }, 422);
    }
    const documentId = c.req.param('id');
    const input = { ...scope, documentId, name, email, message, ...(reminders ? { reminders } : {}) };
    try {
      await sendDocument(c.env, c.get('db'), actor, input);
    } catch (err) {
      // A date that passed before the send: back to the editor, the message on its date field.
      if (err instanceof Refused && err.field === 'dueDate') {
        const { d, kind } = await loadDocument(c);
        return sendRefused(c, d, kind, err);
      }
      throw err;
    }
    deliverSoon(c);
    return redirectWith(c, `/documents/${documentId}`, `Sent to ${name} (${email}).`);
  })
  .post('/documents/:id/resend', async (c) => {
    const { actor, scope } = contractor(c);
    const documentId = c.req.param('id');
    const { to } = await resendDocument(c.env, c.get('db'), actor, { ...scope, documentId });
    deliverSoon(c);
    return redirectWith(c, `/documents/${documentId}`, `A fresh link was emailed to ${to}.`);
  });
