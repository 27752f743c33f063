import { commentsBefore } from '../conversation/comment-queries';
import { Timeline } from '../../views/components/conversation';
import { emptyForm, type FormState } from '../../views/components/form';
import { ConfirmPage, type Confirmation } from '../../views/dashboard/confirm';
import { DecisionsSection } from '../../views/dashboard/decisions';
import {
  ComparePage,
  PaymentsSection,
  SentDocumentPage,
  VersionHistory,
  type LineChange,
} from '../../views/dashboard/documents';
import { DraftEditorPage, SelectItemsPage, type EditorLine } from '../../views/dashboard/editor';
import { ChoicesMade } from '../../views/dashboard/choices-made';
import { choicesMade } from './choices-present';
import { parseDisplay } from './display';
import { displayValues } from './display-form';
import { SendPage } from '../../views/dashboard/send';
import { RequestedFilesPanel } from '../../views/dashboard/requested-files';
import { SLOT_ROWS, SLOT_SUGGESTIONS } from './file-requests';
import { DeadlinePanel } from '../../views/dashboard/deadline-panel';
import { deadlinePanel } from '../deadlines/present';
import { RecipientsPanel } from '../../views/dashboard/recipients-panel';
import { CountersignPanel } from '../../views/dashboard/countersign-panel';
import { OfflineApprovalPanel } from '../../views/dashboard/offline-approval';
import { offlineApprovalPanel, offlineOf } from '../signing/offline-present';
import { recipientsPanel } from '../signing/recipients-present';
import { countersignPanel, sealWaiting } from '../signing/countersign-present';
import { centsInput, money, quantity, quantityInput, rateInput, relativeTimeTurns } from '../../views/format';
import { html } from '../../views/html';
import { heldUserPage, holdUserPage } from '../auth/held-pages';
import { currentUser, requireUserWith } from '../auth/session';
import { getJobWithBudget } from '../budget/queries';
import { bidTotal, lineTotal } from '../budget/totals';
import { contractorActor } from '../conversation/activity';
import { describeEvent } from '../conversation/feed';
import { timelineBefore } from '../conversation/feed-queries';
import { conversationParts, viewSummaries } from '../conversation/present';
import type { PageErrors } from '../conversation/routes';
import type { AppContext } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp } from '../http/rate-limit';
import { type DomainError, Refused } from '../errors';
import { heldUntil, holdable } from '../http/page-cache';
import { pageContext, render } from '../http/render';
import { documentSubject } from '../mail/documents';
import { companyPlan, planKeysFor } from '../reminders/plan';
import { PLAN_FIELDS, planSummary } from '../settings/reminders';
import { templateChoices } from '../settings/templates';
import type { ContractorActor, Scope } from './actions';
import { depositPaidOn, draftSnapshot, moneyOf, snapshotOf } from './documents';
import { heldSnapshot } from './sent-snapshots';
import { createId } from '../db/ids';
import {
  chosenItems,
  lineage,
  suggestedTitle,
  takesOnlinePayment,
  todayIn,
  type BudgetSelection,
  type DraftLine,
  hidesNumbers,
} from './drafts';
import { approvalEvent, kindKey, kindOf, offersChoices, type Kind } from './kinds';
import { pdfFileName, pdfResponse, renderSnapshotPdf } from './pdf';
import { prepared } from '../db/client';
import {
  assembleDocument,
  documentPageValues,
  getVersionLines,
  getVersionSnapshot,
  recipientChoices,
  sessionDocumentPageQueries,
  sessionDocumentStampQueries,
  voidable,
  type LoadedDocument,
} from './queries';
import { amountOf, totalsFor, type DocumentSnapshot } from './snapshot';
import { awaitsRecipient, canTransition, nextStatus, STATUS_LABELS } from './status';

// The contractor's document pages, for every route that shows one: the document routes, the
// conversation's (a refused comment shows the page again with its error) and signing's.

type Status = 200 | 409 | 422;

/** The signed-in contractor as the document actions take them: who acts, and where. */
export function contractor(c: AppContext): { actor: ContractorActor; scope: Scope } {
  const { user, org } = currentUser(c);
  // The address is kept on each activity row it writes: the certificate names where a version was sent from.
  const ip = clientIp(c.req) || null;
  const actor = { ...contractorActor(user), ip };
  return { actor, scope: { orgId: org.id, timeZone: org.timeZone, origin: c.env.APP_ORIGIN } };
}

/**
 * The document of the route's `:id` (or `id`) with everything its page needs; 404 unless it is the user's org's.
 * A GET's `?before=` pages its timeline and `?comments=` its comments (anything else shows the newest).
 * One batch, which checks the contractor's session too (requireUserWith): the GET page is one D1 round trip.
 */
export async function loadDocument(c: AppContext, id = c.req.param('id') ?? '') {
  const before = c.req.method === 'GET' ? timelineBefore(c.req.query('before')) : undefined;
  // `?comments=` pages the conversation the same way (conversation/comment-queries.ts).
  const comments = c.req.method === 'GET' ? commentsBefore(c.req.query('comments')) : undefined;
  const page = { before, comments };
  const held = heldSnapshot(id);
  const rows = await requireUserWith(c, prepared(c.get('db'), sessionDocumentPageQueries), {
    ...documentPageValues(id, page, held),
  });
  const d = assembleDocument(rows, page, held);
  if (!d) notFound();
  return { d, kind: kindOf(d.document.type, d.document.subtype)! };
}

/**
 * The document's page as a GET opens it (`/documents/:id`). A sent document's plain load (no query, no one-time
 * notice) is held per session (http/page-cache.ts), as the job page is: while its stamp is unchanged
 * (documents/queries.ts documentStampStatement) and the contractor and their org read the same, the next
 * load reads the session and the stamp only. A draft's editor is never held.
 */
export async function openDocument(c: AppContext) {
  const id = c.req.param('id') ?? '';
  const { key, answer } = await heldUserPage(c, holdable(c), sessionDocumentStampQueries, { documentId: id });
  if (answer) return answer;
  const now = Date.now(); // before the read: a page held until midnight shows no later day than it read
  const { d, kind } = await loadDocument(c, id);
  if (!key || isDraftPage(d)) return showDocument(c, d, kind);
  // "Viewed … last 5 min ago" reads differently with nothing written: held until the first such label turns.
  const turns = d.views.map((v) => relativeTimeTurns(v.last, now));
  const until = heldUntil(d.org.timeZone, now, ...turns);
  return holdUserPage(c, key, d.stamp, until, () => sentDocumentPage(c, d, kind));
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
    depositValue:
      v.depositKind === 'percent'
        ? rateInput(v.depositValue)
        : v.depositKind === 'fixed'
          ? centsInput(v.depositValue)
          : '',
    requireSignature: d.document.requireSignature ? 'on' : '',
    onlinePayment: d.document.onlinePayment ? 'on' : '',
    // Issue 20: the display fieldset is there only for a document that may hide numbers.
    ...(hidesNumbers(kind) ? displayValues(parseDisplay(v.display)) : {}),
  };
  for (const l of lines) {
    out[`name.${l.id}`] = l.name;
    out[`description.${l.id}`] = l.description;
    out[`quantity.${l.id}`] = quantityInput(l.quantity);
    out[`unit.${l.id}`] = l.unit;
    out[`amount.${l.id}`] = centsInput(kind.amountColumn === 'cost' ? l.unitCost : l.unitPrice);
    if (l.taxable) out[`taxable.${l.id}`] = 'on';
    out[`choice.${l.id}`] = l.choice;
    out[`choiceSet.${l.id}`] = l.choiceSet;
    if (l.preselected) out[`preselected.${l.id}`] = 'on';
    if (l.allowance) out[`allowance.${l.id}`] = 'on';
  }
  return out;
}

function paymentsSection(c: AppContext, d: LoadedDocument, kind: Kind, form?: FormState) {
  if (!kind.hasPayments && d.online.length === 0) return null;
  const snapshot = snapshotOf(d);
  const canRecord = canTransition(d.document.type, d.document.status, 'pay_partial');
  const shown = form ?? emptyForm({ paidOn: todayIn(d.org.timeZone), method: 'Check' });
  return html`<${PaymentsSection} ctx=${pageContext(c)} docId=${d.document.id} rows=${d.payments} form=${shown}
    canRecord=${canRecord && kind.hasPayments} online=${d.online} recorded=${kind.hasPayments}
    balance=${snapshot.totals.balance} currency=${d.org.currency} />`;
}

/** The editor's "Accept online payment" switch: only for kinds that take it; whether the company is connected. */
function onlinePaymentSwitch(d: LoadedDocument, kind: Kind) {
  return takesOnlinePayment(kind) ? { connected: !!d.org.stripeAccountId && d.org.stripeStatus === 'active' } : null;
}

function history(c: AppContext, d: LoadedDocument) {
  return html`<${VersionHistory} ctx=${pageContext(c)} docId=${d.document.id} versions=${d.versions} />`;
}

/** The page's conversation: the thread, the files and the timeline (a draft never sent has only the timeline). */
function conversation(c: AppContext, d: LoadedDocument, kind: Kind, errors?: PageErrors) {
  const ctx = pageContext(c);
  const base = `/documents/${d.document.id}`;
  if (d.document.sentVersion === null) {
    const events = d.timeline.map((e) => describeEvent(e, d.org.currency));
    const timeline = html`<${Timeline} events=${events} timeZone=${d.org.timeZone} base=${base} older=${d.older}
      newer=${d.newer} />`;
    return { thread: null, files: null, timeline };
  }
  return conversationParts({
    documentId: d.document.id,
    base,
    audience: { side: 'contractor' },
    csrf: ctx.csrf,
    timeZone: d.org.timeZone,
    companyName: d.org.name,
    recipientRole: kind.side,
    maxMb: d.org.maxUploadMb,
    comments: d.comments,
    earlierComments: d.earlierComments,
    newerComments: d.newerComments,
    files: d.files,
    slots: d.fileRequests,
    timeline: d.timeline,
    older: d.older,
    newer: d.newer,
    currency: d.org.currency,
    errors,
  });
}

/** A small form posting to one of the document's action routes. */
function actionButton(docId: string, csrf: string, action: string, label: string, style = 'btn') {
  return html`<form method="post" action=${`/documents/${docId}/${action}`} class="inline-form">
    <input type="hidden" name="_csrf" value=${csrf} /><button class=${style} type="submit">${label}</button>
  </form>`;
}

export interface DocumentForms {
  editor?: { form: FormState; lines: DraftLine[] };
  payment?: FormState;
  conversation?: PageErrors;
  /** The "Deadline & reminders" panel's extend form, refused. */
  deadline?: FormState;
  /** The countersignature's form, refused (issue 17). */
  countersign?: FormState;
  /** "Mark as approved", refused (issue 20). */
  offline?: FormState;
  /** "Ask for another file", refused (issue 20, part D). */
  fileRequests?: FormState;
}

/** The document's page: the draft editor while its current version is a draft, else the sent version. */
export async function showDocument(
  c: AppContext,
  d: LoadedDocument,
  kind: Kind,
  forms: DocumentForms = {},
  status: Status = 200,
) {
  if (!isDraftPage(d)) return render(c, sentDocumentPage(c, d, kind, forms), status);
  const { ctx, docRow, doc, payments, talk } = pageHead(c, d, kind, forms);
  const below = html`${talk.thread}${talk.files}${talk.timeline}`;
  const lines = forms.editor?.lines ?? (d.draftLines as DraftLine[]);
  const form = forms.editor?.form ?? emptyForm(editorValues(d, lines, kind));
  const recipients = await recipientChoices(c.get('db'), d.org.id, kind.side);
  const { totals } = snapshotOf(d, lines);
  // A line's own total: the totals count only the preselected choices (documents/snapshot.ts).
  const editorLines: EditorLine[] = lines.map((l) => ({
    ...l,
    quantity: quantityInput(l.quantity),
    amount: '',
    total: l.kind === 'item' ? lineTotal(l.quantity, amountOf(kind, l)) : null,
  }));
  return render(
    c,
    html`<${DraftEditorPage} ctx=${ctx} doc=${doc} kind=${kind} job=${d.job} form=${form} lines=${editorLines}
      recipients=${recipients} totals=${totals} payments=${payments} history=${history(c, d)} below=${below}
      revisionOf=${docRow.sentVersion} onlinePayment=${onlinePaymentSwitch(d, kind)}
      choices=${offersChoices(kind)} />`,
    status,
  );
}

/** What both of a document's pages begin with: the page's context, its heading, its payments and conversation. */
function pageHead(c: AppContext, d: LoadedDocument, kind: Kind, forms: DocumentForms) {
  const docRow = d.document;
  const statusLabel = STATUS_LABELS[docRow.status] ?? docRow.status;
  return {
    ctx: pageContext(c),
    docRow,
    statusLabel,
    doc: { id: docRow.id, number: docRow.number, status: docRow.status, statusLabel, version: d.current.version },
    payments: paymentsSection(c, d, kind, forms.payment),
    talk: conversation(c, d, kind, forms.conversation),
  };
}

/** Whether the document's page is the draft editor: its current version is a draft, and it is not void. */
const isDraftPage = (d: LoadedDocument) => d.current.state === 'draft' && d.document.status !== 'void';

/** A document's page once sent (or void): everything but the draft editor. */
function sentDocumentPage(c: AppContext, d: LoadedDocument, kind: Kind, forms: DocumentForms = {}) {
  const { ctx, docRow, statusLabel, doc, payments, talk } = pageHead(c, d, kind, forms);
  const snapshot = snapshotOf(d);
  const can = (event: Parameters<typeof canTransition>[2]) => canTransition(docRow.type, docRow.status, event);
  const resendable = docRow.sentVersion !== null && d.contact && docRow.status !== 'void';
  const actions = html`
    <a class="btn" href=${`/documents/${docRow.id}.pdf`}>Download PDF</a>
    ${resendable ? actionButton(docRow.id, ctx.csrf, 'resend', 'Resend') : null}
    ${can('send') && d.current.state === 'sent' ? actionButton(docRow.id, ctx.csrf, 'revise', 'Revise') : null}
    ${can('approve_bill') ? actionButton(docRow.id, ctx.csrf, 'approve-bill', 'Approve bill', 'btn primary') : null}
    ${can('void') ? actionButton(docRow.id, ctx.csrf, 'void', 'Void', 'btn danger') : null}`;
  const made = choicesMade(d, snapshot);
  const money = moneyOf(d);
  const decisions = html`${decisionsSection(c, d, money)}${made ? html`<${ChoicesMade} ...${made} />` : null}`;
  const panel = deadlinePanel(d, { csrf: ctx.csrf, balance: money.totals.balance, form: forms.deadline });
  const who = recipientsPanel(d, { csrf: ctx.csrf });
  const counter = countersignPanel(d, {
    csrf: ctx.csrf,
    form: forms.countersign,
    nonce: ctx.nonce,
    userName: ctx.user?.name,
  });
  const offline = offlineApprovalPanel(d, { csrf: ctx.csrf, form: forms.offline, shown: snapshot });
  const people = html`${who ? html`<${RecipientsPanel} ...${who} />` : null}${
    counter ? html`<${CountersignPanel} ...${counter} />` : null
  }${offline ? html`<${OfflineApprovalPanel} ...${offline} />` : null}${requestedFiles(c, d, forms.fileRequests)}`;
  // The date closed it (expired, bids closed) or it is overdue: the header says so, as the lists do.
  const dated = { expired: 'Expired', bids_closed: 'Bids closed', overdue: 'Overdue' } as const;
  const closed = panel && panel.state in dated ? (panel.state as keyof typeof dated) : null;
  const shown = {
    ...doc,
    ...(closed ? { status: closed === 'overdue' ? 'overdue' : 'expired', statusLabel: dated[closed] } : {}),
    // Issue 20: an approval recorded by the contractor says so in the header, as the lists do.
    ...(offlineOf(d) ? { statusLabel: `${statusLabel} offline` } : {}),
    deadline: docRow.deadline,
    sentVersion: docRow.sentVersion ?? d.current.version,
    currentVersion: docRow.currentVersion,
    hasDraftRevision: false,
  };
  return html`<${SentDocumentPage} ctx=${ctx} doc=${shown} extra=${decisions} kind=${kind} job=${d.job}
    snapshot=${snapshot} actions=${actions} deadline=${panel ? html`<${DeadlinePanel} ...${panel} />` : null}
    people=${people} payments=${payments} history=${history(c, d)} views=${viewSummaries(d.views)}
    thread=${talk.thread} files=${talk.files} timeline=${talk.timeline} />`;
}

/** Who signed, approved or declined, the vendor's bid, and the deposit invoice prompt. */
function decisionsSection(c: AppContext, d: LoadedDocument, snapshot: DocumentSnapshot) {
  const ctx = pageContext(c);
  let deposit = null;
  if (d.document.type === 'customer_order' && d.document.status === 'approved' && snapshot.totals.deposit > 0) {
    deposit = {
      amount: snapshot.totals.deposit,
      currency: d.org.currency,
      invoiceId: d.depositInvoiceId,
      paidOnline: depositPaidOn(d.payments, snapshot.totals.deposit),
      // A bank payment of it started online: no invoice asks for it meanwhile (depositInvoiceWrite's rule).
      processing: d.online.filter((p) => p.status === 'processing').reduce((sum, p) => sum + p.amount, 0),
    };
  }
  const latest = d.bids[0];
  const byLine = new Map(snapshot.lines.map((l) => [l.id, l]));
  const bid = latest
    ? {
        total: bidTotal(
          latest.lines.map((l) => ({ quantity: byLine.get(l.lineId)?.quantity ?? 0, unitCost: l.unitCost })),
        ),
        note: latest.note,
        submittedAt: latest.submittedAt,
        status: latest.status,
        currency: d.org.currency,
        canAccept: canTransition(d.document.type, d.document.status, 'accept_bid'),
        jobId: d.job.id,
        lines: latest.lines.map((l) => {
          const line = byLine.get(l.lineId);
          return {
            name: line?.name ?? '',
            quantity: line?.quantity ?? 0,
            unit: line?.unit ?? '',
            unitCost: l.unitCost,
            note: l.note,
          };
        }),
      }
    : null;
  return html`<${DecisionsSection} ctx=${ctx} docId=${d.document.id} decisions=${d.signatures} deposit=${deposit}
    waiting=${sealWaiting(d)}
    bid=${bid} />`;
}

/** The contractor's document page again, with a conversation form's error. */
export async function contractorDocumentPage(c: AppContext, id: string, errors: PageErrors) {
  const { d, kind } = await loadDocument(c, id);
  return showDocument(c, d, kind, { conversation: errors });
}

/** The draft editor again, with what was typed and why it was refused. */
export async function editorRefused(
  c: AppContext,
  values: Record<string, string>,
  errors: Record<string, string>,
  lines: DraftLine[],
) {
  const { d, kind } = await loadDocument(c);
  return showDocument(
    c,
    d,
    kind,
    { editor: { form: { values, errors }, lines: lines.length ? lines : (d.draftLines as DraftLine[]) } },
    422,
  );
}

/**
 * A send refused for the draft's date (`sendRefusal`, field 'dueDate'): the editor as saved, 422, with the message
 * on its due-date field. Any other refusal is thrown to the error page.
 */
export function sendRefused(c: AppContext, d: LoadedDocument, kind: Kind, refusal: DomainError): Promise<Response> {
  if (!(refusal instanceof Refused) || refusal.field !== 'dueDate' || d.current.state !== 'draft') throw refusal;
  const lines = d.draftLines as DraftLine[];
  const form = { values: editorValues(d, lines, kind), errors: { dueDate: refusal.message } };
  return showDocument(c, d, kind, { editor: { form, lines } }, 422);
}

/** The document page again with the extend form's date and why it was refused (422). */
export async function deadlineRefused(
  c: AppContext,
  values: Record<string, string>,
  errors: Record<string, string>,
  status: 409 | 422 = 422,
) {
  const { d, kind } = await loadDocument(c);
  return showDocument(c, d, kind, { deadline: { values, errors } }, status);
}

/**
 * Issue 20, part D: the sent document's requested files. None asked: the panel to ask only while the recipient's
 * decision is still to come (the files hold that decision back); after it, or once void, nothing.
 */
function requestedFiles(c: AppContext, d: LoadedDocument, form?: FormState) {
  const open = d.document.status !== 'void';
  if (!d.fileRequests.length && !(open && awaitsRecipient(d.document.type, d.document.status))) return null;
  return html`<${RequestedFilesPanel} csrf=${pageContext(c).csrf} docId=${d.document.id} timeZone=${d.org.timeZone}
    slots=${d.fileRequests} open=${open} form=${form ?? emptyForm()} />`;
}

/** "Ask for another file" again, with what was typed and why it was refused. */
export async function fileRequestRefused(
  c: AppContext,
  values: Record<string, string>,
  errors: Record<string, string>,
) {
  const { d, kind } = await loadDocument(c);
  return showDocument(c, d, kind, { fileRequests: { values, errors } }, 422);
}

/** The payment form again, with what was typed and why it was refused; 404 for a type that takes no payments. */
export async function paymentRefused(c: AppContext, values: Record<string, string>, errors: Record<string, string>) {
  const { d, kind } = await loadDocument(c);
  if (!kind.hasPayments) notFound();
  return showDocument(c, d, kind, { payment: { values, errors } }, 422);
}

/**
 * Choosing the budget items and the title of a new document; with an error, the choice that was
 * refused stays ticked and the title stays as typed.
 */
export async function selectItemsPage(
  c: AppContext,
  jobId: string,
  kind: Kind,
  error?: { message: string; field?: string },
  selection?: BudgetSelection,
  title?: string,
  /** The template chosen ('' none); absent, the kind's default. */
  templateId?: string,
) {
  const { org } = currentUser(c);
  const [data, templates] = await Promise.all([
    getJobWithBudget(c.get('db'), org.id, jobId),
    templateChoices(c.get('db'), org.id, kindKey(kind)),
  ]);
  if (!data) notFound();
  const groups = data.groups
    .map((g) => ({ id: g.id, name: g.name, items: data.items.filter((i) => i.groupId === g.id) }))
    .filter((g) => g.items.length);
  const selected = selection ? chosenItems(data.items, selection) : new Set<string>();
  const chosenGroups = groups.filter((g) => g.items.some((i) => selected.has(i.id))).map((g) => g.name);
  const chosenTemplate = templateId ?? templates.find((t) => t.isDefault)?.id ?? '';
  const onField = error?.field === 'title' || error?.field === 'templateId';
  const form: FormState = {
    values: { title: title ?? suggestedTitle(kind, chosenGroups, data.job.name), templateId: chosenTemplate },
    errors: onField ? { [error.field!]: error.message } : {},
  };
  const summary = error && !onField ? error.message : undefined;
  return render(
    c,
    html`<${SelectItemsPage} ctx=${pageContext(c)} job=${data.job} kind=${kind} kindKey=${kindKey(kind)}
      groups=${groups} error=${summary} selected=${selected} form=${form} requestKey=${createId()}
      templates=${templates} />`,
    error ? 422 : 200,
  );
}

/** What changed between two versions' lines, matched by lineage (a revision's line ids keep their stem). */
export function diffLines(before: DraftLine[], after: DraftLine[], kind: Kind, currency: string): LineChange[] {
  const amount = (l: DraftLine) => (kind.amountColumn === 'cost' ? l.unitCost : l.unitPrice);
  const describe = (l: DraftLine) =>
    l.kind === 'group'
      ? 'group heading'
      : `${quantity(l.quantity)} ${l.unit} × ${money(amount(l), currency)} = ` +
        money(lineTotal(l.quantity, amount(l)), currency);
  const old = new Map(before.map((l) => [lineage(l.id), l]));
  const changes: LineChange[] = [];
  for (const l of after) {
    const o = old.get(lineage(l.id));
    if (!o) {
      changes.push({ kind: 'added', name: l.name, after: describe(l) });
      continue;
    }
    old.delete(lineage(l.id));
    const fields: string[] = (['name', 'description', 'quantity', 'unit', 'taxable'] as const).filter(
      (k) => o[k] !== l[k],
    );
    if (amount(o) !== amount(l)) fields.push(kind.amountColumn === 'cost' ? 'unit cost' : 'unit price');
    if (fields.length) changes.push({ kind: 'changed', name: l.name, before: describe(o), after: describe(l), fields });
  }
  for (const o of old.values()) changes.push({ kind: 'removed', name: o.name, before: describe(o) });
  return changes;
}

/** Two versions side by side: their lines' changes and both totals. */
export async function comparePage(c: AppContext, d: LoadedDocument, kind: Kind, from: number, to: number) {
  const a = d.versions.find((v) => v.version === from);
  const b = d.versions.find((v) => v.version === to);
  if (!a || !b) notFound();
  const db = c.get('db');
  const [la, lb] = await Promise.all([getVersionLines(db, d.org.id, a.id), getVersionLines(db, d.org.id, b.id)]);
  const before = totalsFor({ ...d.document, ...a }, la, []);
  const after = totalsFor({ ...d.document, ...b }, lb, []);
  const changes = diffLines(la as DraftLine[], lb as DraftLine[], kind, d.org.currency);
  return render(
    c,
    html`<${ComparePage} ctx=${pageContext(c)} doc=${d.document} kind=${kind} from=${from} to=${to} changes=${changes}
      before=${before} after=${after}
      currency=${d.org.currency} />`,
  );
}

/** A version's PDF: the stored, hashed file once sent; rendered on demand while a draft. */
export async function versionPdf(c: AppContext, d: LoadedDocument, version: number) {
  const v = d.versions.find((x) => x.version === version);
  if (!v) notFound();
  // What the customer signed: the chosen set's PDF once they chose (issue 20), else the sent one.
  const key = v.selectedPdfKey ?? v.pdfKey;
  if (key) {
    const obj = await c.env.FILES.get(key);
    if (!obj) notFound();
    return pdfResponse(obj.body, pdfFileName({ number: d.document.number, version }));
  }
  // A sent version renders from its snapshot (snapshotOf); only a draft is built from its lines. Every sent
  // version has its PDF stored, so this is a draft, short of a lost key: a superseded version's snapshot is
  // then read here (the page's batch leaves it out, documents/queries.ts pageSnapshot).
  if (v.state !== 'draft' && v.snapshot === null) {
    v.snapshot = await getVersionSnapshot(c.get('db'), d.org.id, v.id);
  }
  const frozen = !!v.snapshot && v.state !== 'draft';
  const lines = frozen ? [] : v.id === d.current.id ? d.draftLines : await getVersionLines(c.get('db'), d.org.id, v.id);
  const snapshot = snapshotOf(d, lines, v);
  const pdf = await renderSnapshotPdf(c.env, snapshot);
  return pdfResponse(pdf.bytes, pdfFileName(snapshot));
}

/** The send confirmation: who it goes to, the message, the email as it will look. */
export function sendPage(
  c: AppContext,
  d: LoadedDocument,
  kind: Kind,
  form: FormState,
  status: 200 | 422 = 200,
  /** Issue 17: the account's other contacts, offered under "Also send to". */
  people: { id: string; name: string; email: string }[] = [],
) {
  const snapshot = draftSnapshot(d, form.values.name ?? '', form.values.email ?? '');
  const dated = { hasDate: !!d.current.dueDate, requireSignature: snapshot.requireSignature };
  const companyReminders = planSummary(kind, dated, companyPlan(d.org));
  // The custom days this kind can use; the others go as hidden zeros (the form always has all five).
  const planFields = planKeysFor(kind).map((k) => PLAN_FIELDS[k]);
  const preview = new URLSearchParams({
    name: form.values.name ?? '',
    message: (form.values.message ?? '').slice(0, 1500),
  });
  return render(
    c,
    html`<${SendPage} ctx=${pageContext(c)} docId=${d.document.id} snapshot=${snapshot} form=${form} side=${kind.side}
      lineCount=${snapshot.lines.filter((l) => l.kind === 'item').length}
      subject=${documentSubject(snapshot)}
      companyReminders=${companyReminders} planFields=${planFields}
      people=${people.filter((p) => p.id !== d.contact?.id)} signersAllowed=${d.document.type === 'customer_order'}
      emailCodeAllowed=${!!approvalEvent(d.document.type)}
      askFiles=${{ suggestions: SLOT_SUGGESTIONS, rows: SLOT_ROWS, asked: d.fileRequests.map((s) => s.name) }}
      previewSrc=${`/documents/${d.document.id}/send/preview?${preview}`} />`,
    status,
  );
}

// "Void INV-0004?" before a void: the page says what voiding does to this document, nothing is written.

/** What a void ends for the recipient, by document type (an order otherwise: its signature). */
const VOID_ENDS: Record<string, string> = {
  customer_invoice: 'be paid',
  bid_request: 'take a bid',
  vendor_order: 'be accepted',
};

/** The consequence of voiding, in the contractor's words. */
function voidConsequences(d: { type: string; sentVersion: number | null; contactName: string | null }) {
  const out: string[] = [];
  if (d.type === 'bill') out.push('No payments can be recorded on it any more.');
  else if (d.sentVersion === null) out.push('It was never sent, and it can no longer be sent.');
  else {
    const who = d.contactName ? `${d.contactName}’s link` : 'The recipient’s link';
    out.push(`${who} stops showing it, and it can’t ${VOID_ENDS[d.type] ?? 'be signed'} or be changed.`);
  }
  out.push('It stays in your documents, marked void. Voiding can’t be undone.');
  return out;
}

/** The confirmation page of a void (200, nothing written); 404 for another org's, 409 if it can't be voided. */
export async function confirmVoidPage(c: AppContext) {
  const { org } = currentUser(c);
  const d = await voidable(c.get('db'), org.id, c.req.param('id') ?? '');
  if (!d) notFound();
  nextStatus(d.type, d.status, 'void'); // the action's own refusal, before asking
  const confirm: Confirmation = {
    question: `Void ${d.number}?`,
    consequences: voidConsequences(d),
    action: `/documents/${d.id}/void`,
    actionLabel: `Void ${d.number}`,
    keepHref: `/documents/${d.id}`,
    keepLabel: `Keep ${d.number}`,
    danger: true,
  };
  return render(c, html`<${ConfirmPage} ctx=${pageContext(c)} confirm=${confirm} />`);
}
