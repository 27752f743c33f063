import { Hono } from 'hono';
import { DocumentListPage } from '../../views/dashboard/documents';
import { ChooseKindPage } from '../../views/dashboard/editor';
import { money } from '../../views/format';
import { html } from '../../views/html';
import { checksOwnSession, currentUser } from '../auth/session';
import { findJob } from '../budget/queries';
import type { DocumentType } from '../db/schema';
import { Refused } from '../errors';
import type { AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { FormCheck, readForm, readFormLists } from '../http/validate';
import {
  approveBill,
  createDepositInvoice,
  createDraftFromBudget,
  InvalidDraft,
  recordPayment,
  reviseDocument,
  saveDraft,
  sendRefusal,
  voidDocument,
} from './actions';
import { listRow } from './documents';

import { rawLineValues } from './drafts';
import { displayNumber, kindByKey, kindKey, KINDS, typeGroups } from './kinds';
import {
  comparePage,
  confirmVoidPage,
  contractor,
  editorRefused,
  loadDocument,
  openDocument,
  paymentRefused,
  selectItemsPage,
  sendRefused,
  versionPdf,
} from './pages';
import { documentsBefore, documentsPage, jobOptions } from './queries';
import { STATUS_LABELS, statusesOf } from './status';

const PAYMENT_METHODS = ['Check', 'ACH', 'Card', 'Cash', 'Wire', 'Other'] as const;

export const documentRoutes = new Hono<AppEnv>()
  .get('/jobs/:id/documents/new', async (c) => {
    const { org } = currentUser(c);
    const key = c.req.query('kind');
    if (key) {
      const kind = kindByKey(key);
      if (!kind) notFound();
      return selectItemsPage(c, c.req.param('id'), kind);
    }
    const job = await findJob(c.get('db'), org.id, c.req.param('id'));
    if (!job) notFound();
    const kinds = KINDS.map((k) => ({ ...k, key: kindKey(k) }));
    return render(c, html`<${ChooseKindPage} ctx=${pageContext(c)} job=${job} kinds=${kinds} />`);
  })
  .post('/jobs/:id/documents', async (c) => {
    const { actor, scope } = contractor(c);
    const jobId = c.req.param('id');
    const body = await readFormLists(c);
    const selection = { all: !!body.all?.length, groups: body.group ?? [], items: body.item ?? [] };
    const title = body.title?.[0];
    const requestKey = body.requestKey?.[0];
    const templateId = body.templateId?.[0];
    const kind = body.kind?.[0] ?? '';
    const input = { orgId: scope.orgId, jobId, kind, title, requestKey, templateId, ...selection };
    try {
      const made = await createDraftFromBudget(c.get('db'), actor, input);
      const items = `${made.items} budget item${made.items === 1 ? '' : 's'}`;
      const notice = made.created
        ? `${made.kind.label} ${made.number} created from ${items}.`
        : `${made.kind.label} ${made.number} was already created from this form.`;
      return redirectWith(c, `/documents/${made.id}`, notice);
    } catch (err) {
      const kind = kindByKey(input.kind);
      if (err instanceof Refused && kind && err.field !== 'kind')
        return selectItemsPage(
          c,
          jobId,
          kind,
          { message: err.message, field: err.field },
          selection,
          title,
          templateId,
        );
      throw err;
    }
  })
  .get('/documents', async (c) => {
    const { org } = currentUser(c);
    const db = c.get('db');
    const q = c.req.query();
    const groups = typeGroups();
    const type = groups.some((g) => g.type === q.type) ? (q.type as DocumentType) : '';
    const allStatuses = [...new Set(groups.flatMap((g) => statusesOf(g.type)))];
    const status = allStatuses.includes(q.status ?? '') ? q.status! : '';
    const jobId = /^[a-z0-9]{8,40}$/.test(q.jobId ?? '') ? q.jobId! : '';
    // `?before=<time>_<id>`: the page after that document (anything else: the first page).
    const before = documentsBefore(q.before);
    const [{ rows, next }, jobs] = await Promise.all([
      documentsPage(db, org.id, { type, status, jobId, before }),
      jobOptions(db, org.id),
    ]);
    const kept = new URLSearchParams(Object.entries({ type, status, jobId }).filter(([, v]) => v));
    const at = (cursor?: string) => {
      const query = new URLSearchParams(kept);
      if (cursor) query.set('before', cursor);
      const search = query.toString();
      return `/documents${search ? `?${search}` : ''}`;
    };
    const pages = { earlier: next ? at(next) : null, newest: before ? at() : null };
    const types = groups.map((g) => ({ value: g.type, label: g.label }));
    const statuses = allStatuses.map((s) => ({ value: s, label: STATUS_LABELS[s] ?? s }));
    return render(
      c,
      html`<${DocumentListPage} ctx=${pageContext(c)} rows=${rows.map((r) => listRow(r, org.timeZone))}
        filters=${{ type, status, jobId }} jobs=${jobs} types=${types} statuses=${statuses} pages=${pages} />`,
    );
  })
  .get('/documents/:file{[a-z0-9]+\\.pdf}', async (c) => {
    const { d } = await loadDocument(c, c.req.param('file').replace(/\.pdf$/, ''));
    return versionPdf(c, d, d.current.version);
  })
  .get('/documents/:id/versions/:file{[0-9]+\\.pdf}', async (c) => {
    const { d } = await loadDocument(c);
    return versionPdf(c, d, Number(c.req.param('file').replace(/\.pdf$/, '')));
  })
  .get(
    '/documents/:id',
    checksOwnSession((c) => openDocument(c)),
  )
  .post('/documents/:id', async (c) => {
    const { actor, scope } = contractor(c);
    const form = await readForm(c);
    const lists = await readFormLists(c);
    const documentId = c.req.param('id');
    try {
      await saveDraft(c.env, c.get('db'), actor, { ...scope, documentId, form, lists });
    } catch (err) {
      if (err instanceof InvalidDraft)
        return editorRefused(c, { ...form, ...rawLineValues(lists) }, err.errors, err.lines);
      throw err;
    }
    // "Send to …" is a submit button of the editor: what is on screen is saved, then the send page reads it.
    if (form.then === 'send' && !form.move) {
      // A date already past refuses the send: the editor stays, with the message on its date field (422).
      const { d, kind } = await loadDocument(c);
      const refusal = sendRefusal(d);
      if (refusal instanceof Refused && refusal.field === 'dueDate') return sendRefused(c, d, kind, refusal);
      return redirectWith(c, `/documents/${documentId}/send`, 'Draft saved.');
    }
    return redirectWith(c, `/documents/${documentId}`, form.move ? undefined : 'Draft saved.');
  })
  .post('/documents/:id/revise', async (c) => {
    const { actor, scope } = contractor(c);
    const r = await reviseDocument(c.env, c.get('db'), actor, { ...scope, documentId: c.req.param('id') });
    const notice =
      `Revision ${r.version} of ${displayNumber(r.number, 1)} is a draft. ` +
      `The ${r.kind.side} keeps seeing revision ${r.previous} until you send it.`;
    return redirectWith(c, `/documents/${c.req.param('id')}`, notice);
  })
  .get('/documents/:id/compare', async (c) => {
    const { d, kind } = await loadDocument(c);
    return comparePage(c, d, kind, Number(c.req.query('from')), Number(c.req.query('to')));
  })
  .post('/documents/:id/payments', async (c) => {
    const { actor, scope } = contractor(c);
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const amount = f.money('amount', { label: 'Amount', required: true, min: 1, max: 1_000_000_000_000 });
    const paidOn = f.date('paidOn', { label: 'Date', required: true });
    const method = f.choice('method', PAYMENT_METHODS, { label: 'Method' });
    const reference = f.text('reference', { label: 'Reference', max: 100 });
    if (!f.ok || amount === null || !paidOn || !method) return paymentRefused(c, raw, f.errors);
    const documentId = c.req.param('id');
    try {
      await recordPayment(c.env, c.get('db'), actor, { ...scope, documentId, amount, paidOn, method, reference });
    } catch (err) {
      if (err instanceof Refused && err.field) return paymentRefused(c, raw, { [err.field]: err.message });
      throw err;
    }
    return redirectWith(
      c,
      `/documents/${documentId}`,
      `Payment of ${money(amount, currentUser(c).org.currency)} recorded.`,
    );
  })
  .post('/documents/:id/void', async (c) => {
    const { actor, scope } = contractor(c);
    if ((await readForm(c)).confirm !== 'yes') return confirmVoidPage(c); // asks first, writes nothing
    await voidDocument(c.env, c.get('db'), actor, { ...scope, documentId: c.req.param('id') });
    return redirectWith(c, `/documents/${c.req.param('id')}`, 'Voided.');
  })
  .post('/documents/:id/approve-bill', async (c) => {
    const { actor, scope } = contractor(c);
    await approveBill(c.env, c.get('db'), actor, { ...scope, documentId: c.req.param('id') });
    return redirectWith(c, `/documents/${c.req.param('id')}`, 'Bill approved.');
  })
  .post('/documents/:id/deposit-invoice', async (c) => {
    const { actor, scope } = contractor(c);
    const invoice = await createDepositInvoice(c.env, c.get('db'), actor, { ...scope, documentId: c.req.param('id') });
    const notice = invoice.created
      ? `Invoice ${invoice.number} for the deposit was created as a draft.`
      : 'The deposit invoice already exists.';
    return redirectWith(c, `/documents/${invoice.id}`, notice);
  });
