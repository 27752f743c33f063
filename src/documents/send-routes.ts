import { and, eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { html } from '../../views/html';
import { emptyForm, type FormState } from '../../views/components/form';
import { SendPage } from '../../views/dashboard/send';
import { currentUser } from '../auth/session';
import { contacts } from '../db/schema';
import { activityInsert, contractorActor } from '../conversation/activity';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { FormCheck, cleanText, readForm } from '../http/validate';
import { deliverSoon } from '../mail/deliver';
import { documentMail, documentSubject } from '../mail/documents';
import { buildSnapshot } from './snapshot';
import type { LoadedDocument } from './queries';
import { loadDocument } from './routes';
import { resendDocument, sendDocument } from './send';
import type { Kind } from './kinds';
import { canTransition, STATUS_LABELS } from './status';

function draftSnapshot(d: LoadedDocument, name: string, email: string) {
  return buildSnapshot({ document: d.document, version: { ...d.current, preparedForName: name, preparedForEmail: email }, lines: d.lines, payments: d.payments, org: d.org, job: d.job, account: d.account, preparedBy: d.creator });
}

function sendPage(c: AppContext, d: LoadedDocument, kind: Kind, form: FormState, status: 200 | 422 = 200) {
  const snapshot = draftSnapshot(d, form.values.name ?? '', form.values.email ?? '');
  const previewSrc = `/documents/${d.document.id}/send/preview?${new URLSearchParams({ name: form.values.name ?? '', message: (form.values.message ?? '').slice(0, 1500) })}`;
  return render(c, html`<${SendPage} ctx=${pageContext(c)} docId=${d.document.id} snapshot=${snapshot} form=${form} side=${kind.side} subject=${documentSubject(snapshot)} previewSrc=${previewSrc} />`, status);
}

function requireDraftWithRecipient(d: LoadedDocument, kind: Kind) {
  if (d.current.state !== 'draft') throw new HTTPException(409, { message: 'This version was already sent. Use Resend to email a fresh link, or Revise to change it.' });
  if (!canTransition(d.document.type, d.document.status, 'send')) throw new HTTPException(409, { message: `This ${kind.label.toLowerCase()} is ${(STATUS_LABELS[d.document.status] ?? d.document.status).toLowerCase()} and cannot be sent.` });
  if (!d.contact || !d.account) throw new HTTPException(422, { message: `Choose who this ${kind.label.toLowerCase()} is prepared for (account and contact) in the draft, then send it.` });
}

export const sendRoutes = new Hono<AppEnv>()
  .get('/documents/:id/send', async (c) => {
    const { d, kind } = await loadDocument(c);
    requireDraftWithRecipient(d, kind);
    return sendPage(c, d, kind, emptyForm({ name: d.contact!.name, email: d.contact!.email, message: '' }));
  })
  .get('/documents/:id/send/preview', async (c) => {
    const { d } = await loadDocument(c);
    const name = cleanText(c.req.query('name') ?? '', false).slice(0, 120) || d.contact?.name || '';
    const message = cleanText(c.req.query('message') ?? '', true).slice(0, 2000);
    const mail = documentMail(draftSnapshot(d, name, d.contact?.email ?? ''), { link: `${new URL(c.req.url).origin}/p/preview-link`, message, recipientName: name, linkDays: d.org.portalLinkDays });
    c.header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'");
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.html(mail.html);
  })
  .post('/documents/:id/send', async (c) => {
    const { user } = currentUser(c);
    const { d, kind } = await loadDocument(c);
    requireDraftWithRecipient(d, kind);
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const name = f.text('name', { label: 'Name', required: true, max: 120 });
    const email = f.email('email', { label: 'Email', required: true });
    const message = f.text('message', { label: 'Message', max: 2000, multiline: true });
    if (!f.ok) return sendPage(c, d, kind, { values: raw, errors: f.errors }, 422);
    await sendDocument(c.env, c.get('db'), d, kind, contractorActor(user), { name, email, message, origin: new URL(c.req.url).origin });
    deliverSoon(c);
    return redirectWith(c, `/documents/${d.document.id}`, `Sent to ${name} <${email}>.`);
  })
  .post('/documents/:id/resend', async (c) => {
    const { user } = currentUser(c);
    const { d } = await loadDocument(c);
    await resendDocument(c.env, c.get('db'), d, contractorActor(user), new URL(c.req.url).origin);
    deliverSoon(c);
    return redirectWith(c, `/documents/${d.document.id}`, `A fresh link was emailed to ${d.contact!.email}.`);
  })
  .post('/accounts/:id/contacts/:contactId/revoke', async (c) => {
    const { user, org } = currentUser(c);
    const { id, contactId } = c.req.param();
    const db = c.get('db');
    const where = and(eq(contacts.orgId, org.id), eq(contacts.accountId, id), eq(contacts.id, contactId));
    const contact = await db.query.contacts.findFirst({ where });
    if (!contact) notFound();
    await db.batch([
      db.update(contacts).set({ accessVersion: contact.accessVersion + 1 }).where(where),
      activityInsert(db, { orgId: org.id, action: 'link_revoked', actor: contractorActor(user), data: { contactId: contact.id, contact: `${contact.name} <${contact.email}>` } }),
    ]);
    return redirectWith(c, `/accounts/${id}`, `Portal access of ${contact.name} was revoked. Every link and session they had stopped working; sending them a document gives them a new link.`);
  });
