import { createId } from '../db/ids';
import { and, eq, ne } from 'drizzle-orm';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { html } from '../../views/html';
import { emptyForm, type FormState } from '../../views/components/form';
import {
  ChooseKindPage,
  ComparePage,
  DocumentListPage,
  DraftEditorPage,
  PaymentsSection,
  SelectItemsPage,
  SentDocumentPage,
  VersionHistory,
  type EditorLine,
  type LineChange,
} from '../../views/dashboard/documents';
import { centsInput, money, quantity, quantityInput, rateInput } from '../../views/format';
import { currentUser } from '../auth/session';
import { getJobWithBudget, findJob } from '../budget/queries';
import { lineTotal } from '../budget/totals';
import { nextNumber } from '../db/counters';
import { documentLines as documentLinesTable, documents, documentVersions, payments, type DocumentType } from '../db/schema';
import { activityInsert, contractorActor } from '../conversation/activity';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { pageContext, redirectWith, render } from '../http/render';
import { FormCheck, readForm, readFormLists } from '../http/validate';
import { addDays, checkDraft, defaultDueDays, lineage, lineInserts, linesFromBudget, rawLineValues, revisedLineId, todayIn, type DraftLine } from './drafts';
import { snapshotOf } from './documents';
import { displayNumber, formatNumber, kindByKey, kindKey, kindOf, KINDS, type Kind } from './kinds';
import { pdfFileName, pdfResponse, renderSnapshotPdf } from './pdf';
import { getDocument, getVersionLines, listDocuments, recipientChoices, type LoadedDocument } from './queries';
import { buildSnapshot, totalsFor, type DocumentSnapshot } from './snapshot';
import { DecisionsSection } from '../../views/dashboard/decisions';
import { Timeline } from '../../views/components/conversation';
import { describeEvent } from '../conversation/feed';
import { conversationSections, viewSummaries } from '../conversation/present';
import { registerPage, type PageErrors } from '../conversation/routes';
import { canTransition, IllegalTransition, initialStatus, nextStatus, STATUS_LABELS, statusesOf } from './status';

type Status = 200 | 409 | 422;

const KIND_BLURBS: Record<string, string> = {
  bid_request: 'Ask vendors to price budget items.',
  estimate: 'A priced estimate for the customer to approve.',
  proposal: 'A proposal for the customer to sign.',
  change_order: 'Added or changed scope; approved lines join the budget.',
  customer_invoice: 'Bill the customer; track payments and balance.',
  purchase_order: 'Order materials from a vendor.',
  work_order: 'Hire a subcontractor for work.',
  bill: 'Record a vendor bill to approve and pay.',
};

export const kindLabelOf = (type: string, subtype: string | null) => kindOf(type, subtype)?.label ?? type;

export async function loadDocument(c: AppContext, id = c.req.param('id') ?? '') {
  const { org } = currentUser(c);
  const d = await getDocument(c.get('db'), org.id, id);
  if (!d) notFound();
  return { d, kind: kindOf(d.document.type, d.document.subtype)! };
}

function illegal(err: unknown): never {
  if (err instanceof IllegalTransition) throw new HTTPException(409, { message: err.message });
  throw err;
}

function editorValues(d: LoadedDocument, lines: DraftLine[], kind: Kind): Record<string, string> {
  const v = d.current;
  const out: Record<string, string> = {
    title: v.title,
    number: d.document.number,
    issueDate: v.issueDate,
    dueDate: v.dueDate ?? '',
    description: v.description,
    terms: v.terms,
    footer: v.footer,
    accountId: d.document.accountId ?? '',
    contactId: d.document.contactId ?? '',
    taxRate: rateInput(v.taxRate),
    depositKind: v.depositKind,
    depositValue: v.depositKind === 'percent' ? rateInput(v.depositValue) : v.depositKind === 'fixed' ? centsInput(v.depositValue) : '',
    requireSignature: d.document.requireSignature ? 'on' : '',
  };
  for (const l of lines) {
    out[`name.${l.id}`] = l.name;
    out[`description.${l.id}`] = l.description;
    out[`quantity.${l.id}`] = quantityInput(l.quantity);
    out[`unit.${l.id}`] = l.unit;
    out[`amount.${l.id}`] = centsInput(kind.amountColumn === 'cost' ? l.unitCost : l.unitPrice);
    if (l.taxable) out[`taxable.${l.id}`] = 'on';
  }
  return out;
}

function paymentsSection(c: AppContext, d: LoadedDocument, kind: Kind, form: FormState = emptyForm({ paidOn: todayIn(d.org.timeZone), method: 'Check' })) {
  if (!kind.hasPayments) return null;
  const snapshot = snapshotOf(d);
  const canRecord = canTransition(d.document.type, d.document.status, 'pay_partial');
  return html`<${PaymentsSection} ctx=${pageContext(c)} docId=${d.document.id} rows=${d.payments} form=${form} canRecord=${canRecord} balance=${snapshot.totals.balance} currency=${d.org.currency} />`;
}

function history(c: AppContext, d: LoadedDocument) {
  return html`<${VersionHistory} ctx=${pageContext(c)} docId=${d.document.id} versions=${d.versions} />`;
}

function conversation(c: AppContext, d: LoadedDocument, kind: Kind, errors?: PageErrors) {
  const ctx = pageContext(c);
  if (d.document.sentVersion === null) return html`<${Timeline} events=${d.timeline.map((e) => describeEvent(e, d.org.currency))} timeZone=${d.org.timeZone} />`;
  return conversationSections({
    documentId: d.document.id,
    base: `/documents/${d.document.id}`,
    audience: { side: 'contractor' },
    csrf: ctx.csrf,
    timeZone: d.org.timeZone,
    companyName: d.org.name,
    recipientRole: kind.side,
    maxMb: d.org.maxUploadMb,
    comments: d.comments,
    files: d.files,
    timeline: d.timeline,
    currency: d.org.currency,
    errors,
  });
}

export async function showDocument(c: AppContext, d: LoadedDocument, kind: Kind, forms: { editor?: { form: FormState; lines: DraftLine[] }; payment?: FormState; conversation?: PageErrors } = {}, status: Status = 200) {
  const ctx = pageContext(c);
  const doc = { id: d.document.id, number: d.document.number, status: d.document.status, statusLabel: STATUS_LABELS[d.document.status] ?? d.document.status, version: d.current.version };
  if (d.current.state === 'draft' && d.document.status !== 'void') {
    const lines = forms.editor?.lines ?? (d.lines as DraftLine[]);
    const form = forms.editor?.form ?? emptyForm(editorValues(d, lines, kind));
    const recipients = await recipientChoices(c.get('db'), d.org.id, kind.side);
    const draft = buildSnapshot({ document: d.document, version: d.current, lines, payments: d.payments, org: d.org, job: d.job, account: d.account, preparedBy: d.creator });
    const editorLines: EditorLine[] = lines.map((l, i) => ({ ...l, quantity: quantityInput(l.quantity), amount: '', total: l.kind === 'item' ? draft.totals.lineTotals[i] : null }));
    return render(
      c,
      html`<${DraftEditorPage} ctx=${ctx} doc=${doc} kind=${kind} job=${d.job} form=${form} lines=${editorLines} recipients=${recipients} totals=${draft.totals}
        payments=${paymentsSection(c, d, kind, forms.payment)} history=${history(c, d)} below=${conversation(c, d, kind, forms.conversation)}
        revisionOf=${d.document.sentVersion} />`,
      status,
    );
  }
  const snapshot = snapshotOf(d);
  const actions = html`
    <a class="btn" href=${`/documents/${d.document.id}.pdf`}>Download PDF</a>
    ${d.document.sentVersion !== null && d.contact && d.document.status !== 'void'
      ? html`<form method="post" action=${`/documents/${d.document.id}/resend`} class="inline-form"><input type="hidden" name="_csrf" value=${ctx.csrf} /><button class="btn" type="submit">Resend</button></form>`
      : null}
    ${canTransition(d.document.type, d.document.status, 'send') && d.current.state === 'sent'
      ? html`<form method="post" action=${`/documents/${d.document.id}/revise`} class="inline-form"><input type="hidden" name="_csrf" value=${ctx.csrf} /><button class="btn" type="submit">Revise</button></form>`
      : null}
    ${canTransition(d.document.type, d.document.status, 'approve_bill')
      ? html`<form method="post" action=${`/documents/${d.document.id}/approve-bill`} class="inline-form"><input type="hidden" name="_csrf" value=${ctx.csrf} /><button class="btn primary" type="submit">Approve bill</button></form>`
      : null}
    ${canTransition(d.document.type, d.document.status, 'void')
      ? html`<form method="post" action=${`/documents/${d.document.id}/void`} class="inline-form"><input type="hidden" name="_csrf" value=${ctx.csrf} /><button class="btn danger" type="submit">Void</button></form>`
      : null}`;
  const decisions = await decisionsSection(c, d, snapshot);
  return render(
    c,
    html`<${SentDocumentPage} ctx=${ctx} doc=${{ ...doc, sentVersion: d.document.sentVersion ?? d.current.version, currentVersion: d.document.currentVersion, hasDraftRevision: false }} extra=${decisions}
      kind=${kind} job=${d.job} snapshot=${snapshot} actions=${actions} payments=${paymentsSection(c, d, kind, forms.payment)} history=${history(c, d)}
      views=${viewSummaries(d.timeline)} below=${conversation(c, d, kind, forms.conversation)} />`,
    status,
  );
}

async function selectItemsPage(c: AppContext, jobId: string, kind: Kind, error?: string, selected = new Set<string>()) {
  const { org } = currentUser(c);
  const data = await getJobWithBudget(c.get('db'), org.id, jobId);
  if (!data) notFound();
  const groups = data.groups.map((g) => ({ id: g.id, name: g.name, items: data.items.filter((i) => i.groupId === g.id) })).filter((g) => g.items.length);
  return render(c, html`<${SelectItemsPage} ctx=${pageContext(c)} job=${data.job} kind=${kind} kindKey=${kindKey(kind)} groups=${groups} error=${error} selected=${selected} />`, error ? 422 : 200);
}

export function listRow<T extends { type: DocumentType; subtype: string | null; status: string }>(r: T) {
  const kind = kindOf(r.type, r.subtype)!;
  return { ...r, kindLabel: kind.label, statusLabel: STATUS_LABELS[r.status] ?? r.status, amountShown: kind.amountColumn };
}

/** What changed between two versions' lines, matched by lineage (a revision's line ids keep their stem). */
export function diffLines(before: DraftLine[], after: DraftLine[], kind: Kind, currency: string): LineChange[] {
  const amount = (l: DraftLine) => (kind.amountColumn === 'cost' ? l.unitCost : l.unitPrice);
  const describe = (l: DraftLine) => (l.kind === 'group' ? 'group heading' : `${quantity(l.quantity)} ${l.unit} × ${money(amount(l), currency)} = ${money(lineTotal(l.quantity, amount(l)), currency)}`);
  const old = new Map(before.map((l) => [lineage(l.id), l]));
  const changes: LineChange[] = [];
  for (const l of after) {
    const o = old.get(lineage(l.id));
    if (!o) {
      changes.push({ kind: 'added', name: l.name, after: describe(l) });
      continue;
    }
    old.delete(lineage(l.id));
    const fields: string[] = (['name', 'description', 'quantity', 'unit', 'taxable'] as const).filter((k) => o[k] !== l[k]);
    if (amount(o) !== amount(l)) fields.push(kind.amountColumn === 'cost' ? 'unit cost' : 'unit price');
    if (fields.length) changes.push({ kind: 'changed', name: l.name, before: describe(o), after: describe(l), fields });
  }
  for (const o of old.values()) changes.push({ kind: 'removed', name: o.name, before: describe(o) });
  return changes;
}

/** Who signed, approved or declined, the vendor's bid, and the deposit invoice prompt. */
async function decisionsSection(c: AppContext, d: LoadedDocument, snapshot: DocumentSnapshot) {
  const ctx = pageContext(c);
  let deposit = null;
  if (d.document.type === 'customer_order' && d.document.status === 'approved' && snapshot.totals.deposit > 0) {
    const invoice = await c.get('db').query.documents.findFirst({ columns: { id: true }, where: and(eq(documents.orgId, d.org.id), eq(documents.sourceDocumentId, d.document.id), eq(documents.type, 'customer_invoice')) });
    deposit = { amount: snapshot.totals.deposit, currency: d.org.currency, invoiceId: invoice?.id ?? null };
  }
  const latest = d.bids[0];
  const byLine = new Map(snapshot.lines.map((l) => [l.id, l]));
  const bid = latest
    ? {
        total: latest.lines.reduce((sum, l) => sum + (l.unitCost === null ? 0 : lineTotal(byLine.get(l.lineId)?.quantity ?? 0, l.unitCost)), 0),
        note: latest.note,
        submittedAt: latest.submittedAt,
        status: latest.status,
        currency: d.org.currency,
        canAccept: canTransition(d.document.type, d.document.status, 'accept_bid'),
        jobId: d.job.id,
        lines: latest.lines.map((l) => ({ name: byLine.get(l.lineId)?.name ?? '', quantity: byLine.get(l.lineId)?.quantity ?? 0, unit: byLine.get(l.lineId)?.unit ?? '', unitCost: l.unitCost, note: l.note })),
      }
    : null;
  return html`<${DecisionsSection} ctx=${ctx} docId=${d.document.id} decisions=${d.signatures} deposit=${deposit} bid=${bid} />`;
}

registerPage('contractor', async (c, id, errors) => {
  const { d, kind } = await loadDocument(c, id);
  return showDocument(c, d, kind, { conversation: errors });
});

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
    return render(c, html`<${ChooseKindPage} ctx=${pageContext(c)} job=${job} kinds=${KINDS.map((k) => ({ ...k, key: kindKey(k), blurb: KIND_BLURBS[kindKey(k)] }))} />`);
  })
  .post('/jobs/:id/documents', async (c) => {
    const { user, org } = currentUser(c);
    const db = c.get('db');
    const jobId = c.req.param('id');
    const body = await readFormLists(c);
    const list = (k: string) => body[k] ?? [];
    const kind = kindByKey(list('kind')[0] ?? '');
    const data = await getJobWithBudget(db, org.id, jobId);
    if (!data) notFound();
    if (!kind) throw new HTTPException(422, { message: 'Choose a document type from the list.' });
    const groupIds = new Set(list('group'));
    const chosen = new Set(list('all').length ? data.items.map((i) => i.id) : data.items.filter((i) => groupIds.has(i.groupId) || list('item').includes(i.id)).map((i) => i.id));
    if (chosen.size === 0) return selectItemsPage(c, jobId, kind, 'Select at least one budget item (or a whole group) to put on the document.');
    const lines = linesFromBudget(data.groups, data.items, chosen);
    if (lines.length > 1000) return selectItemsPage(c, jobId, kind, 'A document can have at most 1,000 lines. Select fewer items and make several documents.', chosen);

    const orgRow = (await db.query.orgs.findFirst({ where: (o, { eq }) => eq(o.id, org.id) }))!;
    const recipients = await recipientChoices(db, org.id, kind.side);
    const vendorIds = new Set(data.items.filter((i) => chosen.has(i.id)).map((i) => i.vendorAccountId));
    const accountId = kind.side === 'customer' ? data.job.customerAccountId : vendorIds.size === 1 ? [...vendorIds][0] : null;
    const account = recipients.find((r) => r.id === accountId) ?? null;
    const contact = account?.contacts[0] ?? null;
    const issueDate = todayIn(orgRow.timeZone);
    const dueDays = defaultDueDays(kind);
    const now = Date.now();
    const id = createId();
    const versionId = createId();
    for (let attempt = 0; ; attempt++) {
      const number = formatNumber(kind.prefix, await nextNumber(db, org.id, `doc:${kind.prefix}`));
      const clash = await db.query.documents.findFirst({ columns: { id: true }, where: and(eq(documents.orgId, org.id), eq(documents.type, kind.type), eq(documents.number, number)) });
      if (clash && attempt < 20) continue;
      await db.batch([
        db.insert(documents).values({
          id,
          orgId: org.id,
          jobId,
          type: kind.type,
          subtype: kind.subtype,
          number,
          status: initialStatus(kind.type),
          accountId: account?.id ?? null,
          contactId: contact?.id ?? null,
          requireSignature: kind.defaultRequireSignature,
          currentVersion: 1,
          createdBy: user.id,
          createdAt: now,
          updatedAt: now,
        }),
        db.insert(documentVersions).values({
          id: versionId,
          orgId: org.id,
          documentId: id,
          version: 1,
          state: 'draft',
          title: data.job.name.slice(0, 200),
          issueDate,
          dueDate: dueDays === null ? null : addDays(issueDate, dueDays),
          terms: orgRow.defaultTerms,
          footer: orgRow.defaultFooter,
          taxRate: kind.amountColumn === 'price' ? orgRow.defaultTaxRate : 0,
          preparedForName: contact?.name ?? '',
          preparedForEmail: contact?.email ?? '',
          createdAt: now,
          updatedAt: now,
        }),
        ...lineInserts(db, org.id, id, versionId, lines),
        activityInsert(db, { orgId: org.id, jobId, documentId: id, action: 'created', actor: contractorActor(user), data: { number, type: kind.label, lines: lines.length } }),
      ]);
      return redirectWith(c, `/documents/${id}`, `${kind.label} ${number} created from ${chosen.size} budget item${chosen.size === 1 ? '' : 's'}.`);
    }
  })
  .get('/documents', async (c) => {
    const { org } = currentUser(c);
    const db = c.get('db');
    const q = c.req.query();
    const types = [...new Set(KINDS.map((k) => k.type))];
    const type = types.includes(q.type as DocumentType) ? (q.type as DocumentType) : '';
    const allStatuses = [...new Set(types.flatMap((t) => statusesOf(t)))];
    const status = allStatuses.includes(q.status ?? '') ? q.status! : '';
    const jobId = /^[a-z0-9]{8,40}$/.test(q.jobId ?? '') ? q.jobId! : '';
    const [rows, jobs] = await Promise.all([
      listDocuments(db, org.id, { type, status, jobId }),
      db.query.jobs.findMany({ columns: { id: true, name: true }, where: (j, { eq }) => eq(j.orgId, org.id), orderBy: (j, { desc }) => desc(j.number) }),
    ]);
    const typeOptions = types.map((t) => ({ value: t, label: { bid_request: 'Bid requests', customer_order: 'Customer orders', customer_invoice: 'Invoices', vendor_order: 'Vendor orders', bill: 'Bills' }[t] }));
    return render(
      c,
      html`<${DocumentListPage} ctx=${pageContext(c)} rows=${rows.map(listRow)} filters=${{ type, status, jobId }} jobs=${jobs} types=${typeOptions} statuses=${allStatuses.map((s) => ({ value: s, label: STATUS_LABELS[s] ?? s }))} />`,
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
  .get('/documents/:id', async (c) => {
    const { d, kind } = await loadDocument(c);
    return showDocument(c, d, kind);
  })
  .post('/documents/:id', async (c) => {
    const { user, org } = currentUser(c);
    const { d, kind } = await loadDocument(c);
    if (d.current.state !== 'draft') throw new HTTPException(409, { message: 'This version was sent and can no longer be edited. Use Revise to make a new version.' });
    if (d.document.status === 'void') throw new HTTPException(409, { message: `This ${kind.label.toLowerCase()} is void and can no longer be edited.` });
    const db = c.get('db');
    const raw = await readForm(c);
    const all = await readFormLists(c);
    const { f, header, lines } = checkDraft(raw, all, kind, d.lines as DraftLine[]);
    // Once sent, a document belongs to its recipient's account: their portal keeps what they were sent.
    if (d.document.sentVersion !== null && header.accountId !== d.document.accountId) {
      f.fail('accountId', `This ${kind.label.toLowerCase()} was already sent to ${d.account?.name ?? 'its recipient'}, so it stays with that ${kind.side}. Make a new document for someone else.`);
    }
    if (f.ok && header.accountId) {
      const recipients = await recipientChoices(db, org.id, kind.side);
      const account = recipients.find((r) => r.id === header.accountId);
      if (!account) f.fail('accountId', kind.side === 'customer' ? 'Choose a customer: this document goes to a customer, not a vendor.' : 'Choose a vendor: this document goes to a vendor, not a customer.');
      else if (header.contactId && !account.contacts.some((p) => p.id === header.contactId)) f.fail('contactId', `That contact does not belong to ${account.name}. Choose one of its contacts.`);
    } else if (f.ok && header.contactId) f.fail('contactId', 'Choose the account first, then one of its contacts.');
    if (f.ok && header.number !== d.document.number) {
      const clash = await db.query.documents.findFirst({ columns: { id: true }, where: and(eq(documents.orgId, org.id), eq(documents.type, d.document.type), eq(documents.number, header.number), ne(documents.id, d.document.id)) });
      if (clash) f.fail('number', `${header.number} is already used by another ${kind.label.toLowerCase()}. Choose a different number.`);
    }
    if (!f.ok) return showDocument(c, d, kind, { editor: { form: { values: { ...raw, ...rawLineValues(all) }, errors: f.errors }, lines: lines.length ? lines : (d.lines as DraftLine[]) } }, 422);
    const recipients = header.accountId ? await recipientChoices(db, org.id, kind.side) : [];
    const contact = recipients.flatMap((r) => r.contacts).find((p) => p.id === header.contactId);
    const now = Date.now();
    const { number, accountId, contactId, requireSignature, ...versionFields } = header;
    await db.batch([
      db.update(documentVersions).set({ ...versionFields, preparedForName: contact?.name ?? '', preparedForEmail: contact?.email ?? '', updatedAt: now }).where(and(eq(documentVersions.orgId, org.id), eq(documentVersions.id, d.current.id))),
      db.update(documents).set({ number, accountId, contactId, requireSignature, updatedAt: now }).where(and(eq(documents.orgId, org.id), eq(documents.id, d.document.id))),
      db.delete(documentLinesTable).where(and(eq(documentLinesTable.orgId, org.id), eq(documentLinesTable.versionId, d.current.id))),
      ...lineInserts(db, org.id, d.document.id, d.current.id, lines),
      activityInsert(db, { orgId: org.id, jobId: d.job.id, documentId: d.document.id, action: 'edited', actor: contractorActor(user), data: { version: d.current.version, lines: lines.length } }),
    ]);
    return redirectWith(c, `/documents/${d.document.id}`, raw.move ? undefined : 'Draft saved.');
  })
  .post('/documents/:id/revise', async (c) => {
    const { user, org } = currentUser(c);
    const { d, kind } = await loadDocument(c);
    if (d.current.state !== 'sent') throw new HTTPException(409, { message: d.current.state === 'draft' ? 'A draft revision already exists; edit it instead.' : 'Only the current sent version can be revised.' });
    try {
      nextStatus(d.document.type, d.document.status, 'send');
    } catch (err) {
      illegal(err);
    }
    const db = c.get('db');
    const now = Date.now();
    const next = d.current.version + 1;
    const versionId = createId();
    const { id: _id, version: _v, state: _s, snapshot: _snap, pdfKey: _k, pdfSha256: _h, signatureBox: _box, sentAt: _a, sentBy: _b, createdAt: _c, updatedAt: _u, ...fields } = d.current;
    await db.batch([
      db.insert(documentVersions).values({ ...fields, id: versionId, version: next, state: 'draft', createdAt: now, updatedAt: now }),
      db.update(documents).set({ currentVersion: next, updatedAt: now }).where(and(eq(documents.orgId, org.id), eq(documents.id, d.document.id), eq(documents.currentVersion, d.current.version))),
      ...lineInserts(db, org.id, d.document.id, versionId, (d.lines as DraftLine[]).map((l) => ({ ...l, id: revisedLineId(l.id, next) }))),
      activityInsert(db, { orgId: org.id, jobId: d.job.id, documentId: d.document.id, action: 'revised', actor: contractorActor(user), data: { version: next } }),
    ]);
    return redirectWith(c, `/documents/${d.document.id}`, `Revision ${next} of ${displayNumber(d.document.number, 1)} is a draft. The ${kind.side} keeps seeing revision ${d.current.version} until you send it.`);
  })
  .get('/documents/:id/compare', async (c) => {
    const { org } = currentUser(c);
    const { d, kind } = await loadDocument(c);
    const from = Number(c.req.query('from'));
    const to = Number(c.req.query('to'));
    const a = d.versions.find((v) => v.version === from);
    const b = d.versions.find((v) => v.version === to);
    if (!a || !b) notFound();
    const db = c.get('db');
    const [la, lb] = await Promise.all([getVersionLines(db, org.id, a.id), getVersionLines(db, org.id, b.id)]);
    const before = totalsFor({ ...d.document, ...a }, la, []);
    const after = totalsFor({ ...d.document, ...b }, lb, []);
    return render(c, html`<${ComparePage} ctx=${pageContext(c)} doc=${d.document} kind=${kind} from=${from} to=${to} changes=${diffLines(la as DraftLine[], lb as DraftLine[], kind, d.org.currency)} before=${before} after=${after} currency=${d.org.currency} />`);
  })
  .post('/documents/:id/payments', async (c) => {
    const { user, org } = currentUser(c);
    const { d, kind } = await loadDocument(c);
    if (!kind.hasPayments) notFound();
    const raw = await readForm(c);
    const f = new FormCheck(raw);
    const amount = f.money('amount', { label: 'Amount', required: true, min: 1, max: 1_000_000_000_000 });
    const paidOn = f.date('paidOn', { label: 'Date', required: true });
    const method = f.choice('method', ['Check', 'ACH', 'Card', 'Cash', 'Wire', 'Other'] as const, { label: 'Method' });
    const reference = f.text('reference', { label: 'Reference', max: 100 });
    const balance = snapshotOf(d).totals.balance;
    if (amount !== null && amount > balance) f.fail('amount', `The payment is more than the balance of ${money(balance, d.org.currency)}.`);
    if (!canTransition(d.document.type, d.document.status, 'pay_partial')) {
      f.fail('_form', d.document.type === 'bill' ? 'Approve the bill before recording a payment.' : `A payment can be recorded once the invoice is sent and not ${STATUS_LABELS[d.document.status]?.toLowerCase()}.`);
    }
    if (!f.ok || amount === null || !paidOn || !method) return showDocument(c, d, kind, { payment: { values: raw, errors: f.errors } }, 422);
    const status = nextStatus(d.document.type, d.document.status, amount === balance ? 'pay_full' : 'pay_partial');
    const db = c.get('db');
    const now = Date.now();
    await db.batch([
      db.insert(payments).values({ id: createId(), orgId: org.id, documentId: d.document.id, amount, paidOn, method, reference, recordedBy: user.id, createdAt: now }),
      db.update(documents).set({ status, updatedAt: now }).where(and(eq(documents.orgId, org.id), eq(documents.id, d.document.id))),
      activityInsert(db, { orgId: org.id, jobId: d.job.id, documentId: d.document.id, action: 'payment_recorded', actor: contractorActor(user), data: { amount, method, reference, status } }),
    ]);
    return redirectWith(c, `/documents/${d.document.id}`, `Payment of ${money(amount, d.org.currency)} recorded.`);
  })
  .post('/documents/:id/void', (c) => changeStatus(c, 'void', 'voided', 'Voided.'))
  .post('/documents/:id/approve-bill', (c) => changeStatus(c, 'approve_bill', 'approved', 'Bill approved.'));


async function changeStatus(c: AppContext, event: 'void' | 'approve_bill', action: 'voided' | 'approved', notice: string) {
  const { user, org } = currentUser(c);
  const { d } = await loadDocument(c);
  let status: string;
  try {
    status = nextStatus(d.document.type, d.document.status, event);
  } catch (err) {
    illegal(err);
  }
  const db = c.get('db');
  const now = Date.now();
  await db.batch([
    db.update(documents).set({ status, updatedAt: now }).where(and(eq(documents.orgId, org.id), eq(documents.id, d.document.id), eq(documents.status, d.document.status))),
    activityInsert(db, { orgId: org.id, jobId: d.job.id, documentId: d.document.id, action, actor: contractorActor(user), data: { from: d.document.status, to: status } }),
  ]);
  return redirectWith(c, `/documents/${d.document.id}`, notice);
}

/** A version's PDF: the stored, hashed file once sent; rendered on demand while a draft. */
async function versionPdf(c: AppContext, d: LoadedDocument, version: number) {
  const v = d.versions.find((x) => x.version === version);
  if (!v) notFound();
  if (v.pdfKey) {
    const obj = await c.env.FILES.get(v.pdfKey);
    if (!obj) notFound();
    return pdfResponse(obj.body, pdfFileName({ number: d.document.number, version }));
  }
  const lines = v.id === d.current.id ? d.lines : await getVersionLines(c.get('db'), d.org.id, v.id);
  const snapshot = snapshotOf(d, lines, v);
  const pdf = await renderSnapshotPdf(c.env, snapshot);
  return pdfResponse(pdf.bytes, pdfFileName(snapshot));
}

