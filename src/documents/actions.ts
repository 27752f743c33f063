import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { addressChanged, closeLivePages } from '../accounts/actions';
import { getJobWithBudget } from '../budget/queries';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { nextNumber } from '../db/counters';
import { createId } from '../db/ids';
import {
  activity,
  contacts,
  documentLines,
  documentRecipients,
  documents,
  documentVersions,
  onlinePayments,
  payments,
  signatures,
  type RecipientRole,
  type SigningOrder,
} from '../db/schema';
import type { Env } from '../env';
import { Conflict, DomainError, NotFound, Refused } from '../errors';
import { pastDeadlineRefusal } from '../deadlines/rules';
import {
  cancelStatement,
  companyPlan,
  plannedReminders,
  scheduleStatements,
  type ReminderPlan,
} from '../reminders/plan';
import { sha256Hex } from '../http/crypto';
import type { RawForm } from '../http/validate';
import { documentMail } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import { documentRoom, throughRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import {
  balanceOf,
  depositPaidOn,
  depositPaidRefusal,
  depositProcessingRefusal,
  draftSnapshot,
  overpayment,
  overpaymentWhileProcessing,
  snapshotOf,
} from './documents';
import {
  addDays,
  checkDraft,
  checkTitle,
  chosenItems,
  lineInserts,
  linesFromBudget,
  MAX_LINES,
  REQUIRED_CHOICE,
  revisedLineId,
  suggestedTitle,
  takesOnlinePayment,
  todayIn,
  type BudgetSelection,
  type DraftLine,
} from './drafts';
import { approvalEvent, displayNumber, formatNumber, kindByKey, kindOf, termsFor, type Kind } from './kinds';
import { renderSnapshotPdf } from './pdf';
import { checkNewSlots, slotInserts, slotNames, type SlotInput } from './file-requests';
import {
  contractSoFar,
  depositState,
  documentByRequestKey,
  documentHead,
  accountContacts,
  documentState,
  draftDefaults,
  getDocument,
  numberTaken,
  recipientChoices,
  type LoadedDocument,
} from './queries';
import { portalLink } from '../portal/links';
import type { DocumentSnapshot } from './snapshot';
import { signersDue, type SignatureFact } from './recipients';
import { resolveRecipients, type RecipientsChoice, type ResolvedRecipient } from './send-recipients';
import { canTransition, initialStatus, nextStatus, STATUS_LABELS } from './status';

// The contractor's verbs on documents. A verb reads what it needs, checks the rules and throws a
// domain error when it may not happen. Every write to an existing document is committed by the
// document's room: the verb hands it a plan (`sendWrite` ...), which re-reads the state inside the
// room's queue, so two writes to one document (two clicks on Send, a send and a signature, eight
// payments) always see each other and the loser is refused before anything is written.

/** Where a contractor acts: their org (it scopes every read and write), its time zone, the site's origin for links. */
export interface Scope {
  orgId: string;
  timeZone: string;
  origin: string;
}

/** A signed-in user of the contractor's org: every verb here is theirs. */
export type ContractorActor = Actor & { side: 'contractor'; userId: string };

type Statement = BatchItem<'sqlite'>;
type Plan<R> = Promise<RoomWrite<R>>;

const ALREADY_SENT = 'This version was already sent. Use Resend to email a fresh link, or Revise to change it.';
const DRAFT_MOVED = 'This draft changed while you were sending it, so it was not sent. Check it and send it again.';
/** A deposit invoice is due a week after it is made. */
const DEPOSIT_DUE_DAYS = 7;

const REQUEST_KEY = /^[a-z0-9]{16,40}$/;
const OTHER_SIDE = { customer: 'vendor', vendor: 'customer' } as const;
const kindOfDocument = (doc: { type: string; subtype: string | null }) => kindOf(doc.type, doc.subtype)!;
const statusLabel = (status: string) => (STATUS_LABELS[status] ?? status).toLowerCase();

function roomOf(scope: Scope, doc: { id: string; jobId: string }): RoomContext {
  return { orgId: scope.orgId, documentId: doc.id, jobId: doc.jobId, timeZone: scope.timeZone, origin: scope.origin };
}

async function headOf(db: Db, scope: Scope, documentId: string) {
  const head = await documentHead(db, scope.orgId, documentId);
  if (!head) throw new NotFound();
  return head;
}

/** A fresh number for a new document of the kind; skips numbers the contractor already gave by hand. */
async function allocateNumber(db: Db, orgId: string, kind: Kind): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const number = formatNumber(kind.prefix, await nextNumber(db, orgId, `doc:${kind.prefix}`));
    if (attempt >= 20 || !(await numberTaken(db, orgId, kind.type, number))) return number;
  }
}

// ---------------------------------------------------------------------------------------------
// Creating a draft from the budget.

export interface NewDraftInput extends BudgetSelection {
  orgId: string;
  jobId: string;
  /** The kind's key: "estimate", "change_order", "customer_invoice" ... */
  kind: string;
  /** The title typed on the item step; absent (a caller without the field), it is suggested from the selection. */
  title?: string;
  /** The item step's one-time key: the same form posted twice makes one draft. */
  requestKey?: string;
  /** Issue 20: the template it starts from; absent, the kind's default template; '' none (the built-in defaults). */
  templateId?: string;
}

interface NewDraft {
  orgId: string;
  /** The company's "Accept online payment" default (kept only for kinds that take online payment). */
  onlinePayment: boolean;
  jobId: string;
  kind: Kind;
  number: string;
  accountId: string | null;
  contactId: string | null;
  /** Who the draft is prepared for, shown on it. */
  preparedFor: { name: string; email: string } | null;
  /** The order a deposit invoice was made from. */
  sourceDocumentId?: string;
  /** The item step's one-time key (documents_org_request_key is unique). */
  requestKey?: string | null;
  actor: ContractorActor;
  title: string;
  issueDate: string;
  dueDate: string | null;
  terms: string;
  footer: string;
  taxRate: number;
  lines: DraftLine[];
  /** What the timeline's "created" line says. */
  created: Record<string, unknown>;
  /** Issue 20: what the template it starts from sets besides the terms and footer (absent: no template). */
  template?: TemplateStart;
}

/** What a draft takes from its template besides the terms and footer. */
interface TemplateStart {
  id: string;
  description: string;
  display: string;
  depositKind: 'none' | 'percent' | 'fixed';
  depositValue: number;
  requireSignature: boolean;
}

/** A new document's rows: its head, version 1 as a draft, its lines and its timeline's first line. */
function newDraftStatements(db: Db, d: NewDraft): { id: string; statements: Statement[] } {
  const now = Date.now();
  const id = createId();
  const versionId = createId();
  const statements: Statement[] = [
    db.insert(documents).values({
      id,
      orgId: d.orgId,
      jobId: d.jobId,
      type: d.kind.type,
      subtype: d.kind.subtype,
      number: d.number,
      status: initialStatus(d.kind.type),
      accountId: d.accountId,
      contactId: d.contactId,
      requireSignature: d.template?.requireSignature ?? d.kind.defaultRequireSignature,
      onlinePayment: d.onlinePayment && takesOnlinePayment(d.kind),
      currentVersion: 1,
      sourceDocumentId: d.sourceDocumentId ?? null,
      requestKey: d.requestKey ?? null,
      templateId: d.template?.id ?? null,
      createdBy: d.actor.userId,
      createdAt: now,
      updatedAt: now,
    }),
    db.insert(documentVersions).values({
      id: versionId,
      orgId: d.orgId,
      documentId: id,
      version: 1,
      state: 'draft',
      title: d.title,
      issueDate: d.issueDate,
      dueDate: d.dueDate,
      description: d.template?.description ?? '',
      terms: d.terms,
      footer: d.footer,
      taxRate: d.taxRate,
      display: d.template?.display ?? '{}',
      depositKind: d.kind.hasDeposit ? (d.template?.depositKind ?? 'none') : 'none',
      depositValue: d.kind.hasDeposit ? (d.template?.depositValue ?? 0) : 0,
      preparedForName: d.preparedFor?.name ?? '',
      preparedForEmail: d.preparedFor?.email ?? '',
      createdAt: now,
      updatedAt: now,
    }),
    ...lineInserts(db, d.orgId, id, versionId, d.lines),
    activityInsert(db, {
      orgId: d.orgId,
      jobId: d.jobId,
      documentId: id,
      action: 'created',
      actor: d.actor,
      data: d.created,
      at: now,
    }),
  ];
  return { id, statements };
}

/**
 * A new draft of the chosen kind with the chosen budget items as its lines, under their group
 * headings, addressed to the job's customer (or the one vendor of the chosen items).
 */
export async function createDraftFromBudget(db: Db, actor: ContractorActor, input: NewDraftInput) {
  const kind = kindByKey(input.kind);
  const [data, defaults, recipients] = await Promise.all([
    getJobWithBudget(db, input.orgId, input.jobId),
    draftDefaults(db, input.orgId, input.kind, input.templateId === '' ? null : input.templateId),
    kind ? recipientChoices(db, input.orgId, kind.side) : [],
  ]);
  if (!data || !defaults) throw new NotFound();
  if (!kind) throw new Refused('Choose a document type from the list.', 'kind');
  // A template of another company or kind is found by neither: the same refusal as one deleted meanwhile.
  const template = defaults.template;
  if (input.templateId && !template) throw new Refused('Choose a template from the list.', 'templateId');
  const chosen = chosenItems(data.items, input);
  if (chosen.size === 0)
    throw new Refused('Select at least one budget item (or a whole group) to put on the document.');
  const groupNames = data.groups.filter((g) => data.items.some((i) => i.groupId === g.id && chosen.has(i.id)));
  const title =
    input.title === undefined
      ? suggestedTitle(
          kind,
          groupNames.map((g) => g.name),
          data.job.name,
        )
      : checkTitle(input.title, kind);
  const lines = linesFromBudget(data.groups, data.items, chosen);
  if (lines.length > MAX_LINES) {
    throw new Refused('A document can have at most 1,000 lines. Select fewer items and make several documents.');
  }
  const vendorIds = new Set(data.items.filter((i) => chosen.has(i.id)).map((i) => i.vendorAccountId));
  const accountId =
    kind.side === 'customer' ? data.job.customerAccountId : vendorIds.size === 1 ? [...vendorIds][0] : null;
  const account = recipients.find((r) => r.id === accountId) ?? null;
  const contact = account?.contacts[0] ?? null;
  const requestKey = input.requestKey && REQUEST_KEY.test(input.requestKey) ? input.requestKey : null;
  const earlier = requestKey ? await documentByRequestKey(db, input.orgId, requestKey) : null;
  if (earlier) return { ...earlier, kind, items: chosen.size, created: false };
  const issueDate = todayIn(defaults.timeZone);
  const number = await allocateNumber(db, input.orgId, kind);
  const { id, statements } = newDraftStatements(db, {
    orgId: input.orgId,
    onlinePayment: defaults.onlinePayment,
    jobId: input.jobId,
    kind,
    number,
    accountId: account?.id ?? null,
    contactId: contact?.id ?? null,
    preparedFor: contact,
    actor,
    title,
    issueDate,
    dueDate: kind.dueDays === null ? null : addDays(issueDate, kind.dueDays),
    terms: termsFor(kind, template?.terms),
    footer: template?.footer || defaults.footer,
    taxRate: kind.amountColumn === 'price' ? defaults.taxRate : 0,
    lines,
    created: { number, type: kind.label, lines: lines.length, ...(template ? { template: template.name } : {}) },
    requestKey,
    template: template ?? undefined,
  });
  try {
    await db.batch(statements as [Statement, ...Statement[]]);
  } catch (err) {
    // The same form posted twice at once: the other post made the draft; this one answers with it.
    const made = requestKey && /UNIQUE constraint failed: documents\.org_id, documents\.request_key/.test(String(err));
    const other = made ? await documentByRequestKey(db, input.orgId, requestKey) : null;
    if (!other) throw err;
    return { ...other, kind, items: chosen.size, created: false };
  }
  return { id, number, kind, items: chosen.size, created: true };
}

// ---------------------------------------------------------------------------------------------
// Editing a draft.

/** Only the current version, while it is a draft of a document that is not void, can be edited. */
function checkEditable(
  doc: { status: string; type: string; subtype: string | null },
  version: { state: string } | undefined,
) {
  const kind = kindOfDocument(doc);
  if (version?.state !== 'draft') {
    throw new Conflict('This version was sent and can no longer be edited. Use Revise to make a new version.');
  }
  if (doc.status === 'void')
    throw new Conflict(`This ${kind.label.toLowerCase()} is void and can no longer be edited.`);
}

/** A draft the editor refused: every field's message, and the lines as they were read, to show the editor again. */
export class InvalidDraft extends Refused {
  constructor(
    readonly errors: Record<string, string>,
    readonly lines: DraftLine[],
  ) {
    const [field, message] = Object.entries(errors)[0] ?? ['_form', 'Check the highlighted fields.'];
    super(message, field);
  }
}

export interface DraftInput extends Scope {
  documentId: string;
  /** The editor's fields: the last value of each, and every value of each (lines repeat names). */
  form: RawForm;
  lists: Record<string, string[]>;
}

type DraftHeader = ReturnType<typeof checkDraft>['header'];

export interface DraftCommit extends RoomContext {
  actor: ContractorActor;
  versionId: string;
  header: DraftHeader;
  lines: DraftLine[];
  preparedFor: { name: string; email: string };
}

/** Saves the editor's header and lines over the current draft version. */
export async function saveDraft(env: Env, db: Db, actor: ContractorActor, input: DraftInput) {
  const state = await documentState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const { document: doc, current } = state;
  const kind = kindOfDocument(doc);
  checkEditable(doc, current);
  const { f, header, lines } = checkDraft(input.form, input.lists, kind, state.lines as DraftLine[]);
  const display = header.display ?? current.display;
  // Once sent, a document belongs to its recipient's account: their portal keeps what they were sent.
  if (doc.sentVersion !== null && header.accountId !== doc.accountId) {
    const who = state.accountName ?? 'its recipient';
    f.fail(
      'accountId',
      `This ${kind.label.toLowerCase()} was already sent to ${who}, so it stays with that ${kind.side}. ` +
        'Make a new document for someone else.',
    );
  }
  const recipients = f.ok && header.accountId ? await recipientChoices(db, input.orgId, kind.side) : [];
  const account = recipients.find((r) => r.id === header.accountId);
  if (f.ok && header.accountId && !account) {
    f.fail('accountId', `Choose a ${kind.side}: this document goes to a ${kind.side}, not a ${OTHER_SIDE[kind.side]}.`);
  } else if (f.ok && account && header.contactId && !account.contacts.some((p) => p.id === header.contactId)) {
    f.fail('contactId', `That contact does not belong to ${account.name}. Choose one of its contacts.`);
  } else if (f.ok && !header.accountId && header.contactId)
    f.fail('contactId', 'Choose the account first, then one of its contacts.');
  if (f.ok && header.number !== doc.number && (await numberTaken(db, input.orgId, doc.type, header.number, doc.id))) {
    f.fail(
      'number',
      `${header.number} is already used by another ${kind.label.toLowerCase()}. Choose a different number.`,
    );
  }
  if (!f.ok) throw new InvalidDraft(f.errors, lines);
  const contact = account?.contacts.find((p) => p.id === header.contactId);
  const commit: DraftCommit = {
    ...roomOf(input, doc),
    actor,
    versionId: current.id,
    header: { ...header, display },
    lines,
    preparedFor: { name: contact?.name ?? '', email: contact?.email ?? '' },
  };
  try {
    await throughRoom(documentRoom(env, doc.id).saveDraft(commit));
  } catch (err) {
    // Two drafts given the same number at the same moment: the second is told, not answered with a 500.
    if (!(err instanceof DomainError) && /UNIQUE constraint failed: documents\./.test(String(err))) {
      throw new InvalidDraft(
        {
          number: `${header.number} is already used by another ${kind.label.toLowerCase()}. Choose a different number.`,
        },
        lines,
      );
    }
    throw err;
  }
  return { version: current.version };
}

const LINE_FIELDS = [
  'id',
  'kind',
  'costItemId',
  'name',
  'description',
  'costCode',
  'costType',
  'quantity',
  'unit',
  'unitCost',
  'unitPrice',
  'taxable',
  'choice',
  'choiceSet',
  'preselected',
  'allowance',
] as const;

/** Whether a save would leave the draft as it is: the same header, recipient and lines, in order. */
function unchangedDraft(
  input: DraftCommit,
  doc: typeof documents.$inferSelect,
  version: typeof documentVersions.$inferSelect,
  lines: (typeof documentLines.$inferSelect)[],
) {
  const { number, accountId, contactId, requireSignature, onlinePayment, ...fields } = input.header;
  const same =
    doc.number === number &&
    doc.onlinePayment === onlinePayment &&
    doc.accountId === accountId &&
    doc.contactId === contactId &&
    doc.requireSignature === requireSignature &&
    version.preparedForName === input.preparedFor.name &&
    version.preparedForEmail === input.preparedFor.email &&
    (Object.keys(fields) as (keyof typeof fields)[]).every((k) => version[k] === fields[k]);
  return (
    same &&
    lines.length === input.lines.length &&
    input.lines.every((l, i) => LINE_FIELDS.every((k) => lines[i][k] === l[k]))
  );
}

export async function draftWrite(db: Db, input: DraftCommit): Plan<null> {
  const [docs, versions, lines] = await db.batch([
    db
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db
      .select()
      .from(documentVersions)
      .where(and(eq(documentVersions.orgId, input.orgId), eq(documentVersions.id, input.versionId))),
    db
      .select()
      .from(documentLines)
      .where(and(eq(documentLines.orgId, input.orgId), eq(documentLines.versionId, input.versionId)))
      .orderBy(asc(documentLines.position)),
  ]);
  const doc = docs[0];
  if (!doc) throw new NotFound();
  const version = versions[0];
  checkEditable(doc, version?.version === doc.currentVersion ? version : undefined);
  // A second click of Save or Send with nothing changed (read here, in the room's queue) writes nothing.
  if (unchangedDraft(input, doc, version, lines)) return { statements: [], result: null };
  const now = Date.now();
  const activityId = createId();
  const { number, accountId, contactId, requireSignature, onlinePayment, ...versionFields } = input.header;
  const { orgId, documentId } = input;
  return {
    statements: [
      db
        .update(documentVersions)
        .set({
          ...versionFields,
          preparedForName: input.preparedFor.name,
          preparedForEmail: input.preparedFor.email,
          updatedAt: now,
        })
        .where(and(eq(documentVersions.id, version.id), eq(documentVersions.state, 'draft'))),
      db
        .update(documents)
        .set({ number, accountId, contactId, requireSignature, onlinePayment, updatedAt: now })
        .where(eq(documents.id, doc.id)),
      db.delete(documentLines).where(and(eq(documentLines.orgId, orgId), eq(documentLines.versionId, version.id))),
      ...lineInserts(db, orgId, documentId, version.id, input.lines),
      activityInsert(db, {
        id: activityId,
        orgId,
        jobId: doc.jobId,
        documentId,
        action: 'edited',
        actor: input.actor,
        data: { version: version.version, lines: input.lines.length },
        at: now,
      }),
    ],
    activityId,
    event: { type: 'edited' },
    result: null,
  };
}

// ---------------------------------------------------------------------------------------------
// Sending.

/**
 * The status sending moves the document to, or the reason it may not be sent. A customer order the
 * customer approved (or a vendor order the vendor accepted) is never sent again: its signed
 * version stays what they agreed to.
 */
function sendStatus(
  doc: { type: Kind['type']; subtype: string | null; status: string; sentVersion: number | null; number: string },
  version: number,
) {
  const kind = kindOfDocument(doc);
  if (canTransition(doc.type, doc.status, 'send')) return nextStatus(doc.type, doc.status, 'send');
  if (
    kind.approvalEvent &&
    doc.sentVersion !== null &&
    nextStatus(doc.type, 'sent', kind.approvalEvent) === doc.status
  ) {
    const who = kind.side === 'customer' ? 'the customer approved' : 'the vendor accepted';
    throw new Conflict(
      `This version was just signed: ${who} ${displayNumber(doc.number, doc.sentVersion)}, ` +
        `so revision ${version} was not sent. ` +
        `A signed ${kind.label.toLowerCase()} is not replaced; make a new one for further changes.`,
    );
  }
  throw new Conflict(`This ${kind.label.toLowerCase()} is ${statusLabel(doc.status)} and cannot be sent.`);
}

/** Why the draft cannot be sent as it is, or nothing: the send page and the send itself ask the same. */
export function sendRefusal(
  d: Pick<LoadedDocument, 'document' | 'current' | 'contact' | 'account' | 'org'>,
  now = Date.now(),
): DomainError | null {
  if (d.current.state !== 'draft') return new Conflict(ALREADY_SENT);
  try {
    sendStatus(d.document, d.current.version);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  const kind = kindOfDocument(d.document);
  if (!d.contact || !d.account) {
    return new Refused(
      `Choose who this ${kind.label.toLowerCase()} is prepared for (account and contact) in the draft, then send it.`,
    );
  }
  return pastDeadlineRefusal(d.document, d.current.dueDate, d.org.timeZone, now);
}

export interface SendInput extends Scope {
  documentId: string;
  name: string;
  email: string;
  message: string;
  /** The send page's reminders; absent, the company's defaults. */
  reminders?: ReminderPlan;
  /** Issue 17: who else it goes to, the signing order and the countersignature; absent, the one contact. */
  recipients?: RecipientsChoice;
  /** Issue 18: each signer enters a code emailed to them before signing (documents the recipient signs). */
  emailCode?: boolean;
  /** Issue 20: files asked of the recipient, added to the document's slots (checked against them by the page). */
  fileRequests?: SlotInput[];
}

/** An extra recipient of a send (issue 17): an account's contact, or a new one made in the send's batch. */
export interface SendPerson {
  contactId: string;
  isNew: boolean;
  name: string;
  email: string;
  role: RecipientRole;
  position: number;
  accessVersion: number;
  /** Their own email (with their own link); null when they are emailed later (a later signer in order). */
  mail: { subject: string; html: string; text: string } | null;
}

export interface SendCommit extends RoomContext {
  actor: ContractorActor;
  versionId: string;
  version: number;
  /** The draft as it was rendered: a save since then means the PDF is not what the draft says. */
  draftUpdatedAt: number;
  contact: { id: string; accessVersion: number; name: string; email: string };
  to: { name: string; email: string };
  snapshot: string;
  pdf: { key: string; sha256: string; signatureBox: string | null };
  mail: { fromName: string; replyTo: string | null; subject: string; html: string; text: string };
  /** The draft's valid-until, bids-due, due or required-by date: the document's deadline from now on. */
  deadline: string | null;
  /** What it chases (issue 16): its reminders are scheduled in the send's batch. */
  reminderPlan: ReminderPlan;
  /** Issue 17: the account the people below were read from, and the people besides the primary signer. */
  accountId: string;
  people: SendPerson[];
  signingOrder: SigningOrder;
  countersign: boolean;
  /** Issue 18: signers enter an emailed code before signing (signing/email-code.ts). */
  emailCode?: boolean;
  /** Issue 20: the files asked of the recipient with this send; the document's earlier slots stay. */
  fileRequests?: SlotInput[];
}

/**
 * Freezes the draft version (snapshot, PDF in R2 and its SHA-256), makes it what the recipient
 * sees, logs it and queues the email, in one batch in the document's room. The PDF goes to R2
 * first, under a key of its own; if the room refuses (or fails) it is deleted again.
 */
export async function sendDocument(env: Env, db: Db, actor: ContractorActor, input: SendInput) {
  const d = await getDocument(db, input.orgId, input.documentId);
  if (!d) throw new NotFound();
  const refusal = sendRefusal(d);
  if (refusal) throw refusal;
  checkNewSlots(
    d.fileRequests.map((s) => s.name),
    input.fileRequests ?? [],
  );
  const contact = d.contact!;
  // A change order states the contract it changes, as it stands now (like an AIA G701).
  const contract =
    d.document.subtype === 'change_order'
      ? await contractSoFar(db, input.orgId, d.document.jobId, d.document.id)
      : null;
  const signersAllowed = d.document.type === 'customer_order';
  const choice = input.recipients ?? { rows: [], signingOrder: 'any' as const, countersign: false };
  if (!signersAllowed && choice.rows.some((r) => r.role === 'signer')) {
    const row = choice.rows.find((r) => r.role === 'signer')!;
    throw new Refused(
      'Only the main contact answers this document; anyone else can get a copy.',
      `recipient.${row.row}.role`,
    );
  }
  const extra = resolveRecipients(
    { contactId: contact.id, email: input.email },
    choice.rows,
    choice.rows.length ? await accountContacts(db, input.orgId, d.account!.id) : [],
  );
  const snapshot = draftSnapshot(d, input.name, input.email, contract);
  // Issue 17, part C: one signature block per signer, in signing order, and the countersignature's.
  const moreSigners = extra.filter((r) => r.role === 'signer');
  if (signersAllowed && (moreSigners.length || choice.countersign)) {
    snapshot.signers = [{ name: input.name }, ...moreSigners.map((r) => ({ name: r.name }))];
    snapshot.countersign = choice.countersign;
  }
  const pdf = await renderSnapshotPdf(env, snapshot);
  const sha = await sha256Hex(pdf.bytes as Uint8Array<ArrayBuffer>);
  // Its own key per attempt: two sends of the same bytes must not share (and delete) one object.
  const attempt = createId().slice(0, 10);
  const key = `org/${d.org.id}/doc/${d.document.id}/v${d.current.version}-${sha.slice(0, 16)}-${attempt}.pdf`;
  await env.FILES.put(key, pdf.bytes, {
    httpMetadata: { contentType: 'application/pdf' },
    customMetadata: { sha256: sha },
  });
  try {
    // A new address ends the old one's access (sendWrite bumps the version): the link names the new version.
    const linkVersion = contact.accessVersion + (addressMoved(contact, input) ? 1 : 0);
    const link = await portalLink(
      env,
      input.origin,
      { id: contact.id, accessVersion: linkVersion },
      d.document.id,
      d.org.portalLinkDays,
    );
    const mail = documentMail(snapshot, {
      link,
      message: input.message,
      recipientName: input.name,
      linkDays: d.org.portalLinkDays,
    });
    const people = await sendPeople(env, input, d, snapshot, extra, {
      primary: input.name,
      signersAllowed,
      order: choice.signingOrder,
    });
    const commit: SendCommit = {
      ...roomOf(input, d.document),
      actor,
      versionId: d.current.id,
      version: d.current.version,
      draftUpdatedAt: d.current.updatedAt,
      contact: { id: contact.id, accessVersion: contact.accessVersion, name: contact.name, email: contact.email },
      to: { name: input.name, email: input.email },
      snapshot: JSON.stringify(snapshot),
      // Every signature block (issue 17: one per signer, then the countersignature's), in order.
      pdf: { key, sha256: sha, signatureBox: pdf.signatureBoxes.length ? JSON.stringify(pdf.signatureBoxes) : null },
      mail: { fromName: d.org.name, replyTo: d.org.email || null, ...mail },
      deadline: d.current.dueDate,
      reminderPlan: input.reminders ?? companyPlan(d.org),
      accountId: d.account!.id,
      people,
      signingOrder: signersAllowed ? choice.signingOrder : 'any',
      countersign: signersAllowed && choice.countersign,
      emailCode: !!approvalEvent(d.document.type) && !!input.emailCode,
      fileRequests: input.fileRequests ?? [],
    };
    const result = await throughRoom(documentRoom(env, d.document.id).send(commit));
    if (linkVersion !== contact.accessVersion && d.document.accountId) {
      await closeLivePages(env, db, { id: contact.id, orgId: input.orgId, accountId: d.document.accountId });
    }
    return { ...result, snapshot, sha, key, people };
  } catch (err) {
    await discardPdf(env, db, key, d.current.id, err);
    throw err;
  }
}

/**
 * The extra people of a send with their positions (signers 2, 3 ... after the primary, then copies)
 * and each one's own email: their own link, naming their contact and access version. A copy's email
 * says who signs. In a set order only the copies are emailed now (the primary signs first).
 */
async function sendPeople(
  env: Env,
  input: SendInput,
  d: LoadedDocument,
  snapshot: DocumentSnapshot,
  extra: ResolvedRecipient[],
  opts: { primary: string; signersAllowed: boolean; order: SigningOrder },
): Promise<SendPerson[]> {
  const signers = extra.filter((r) => r.role === 'signer');
  const copies = extra.filter((r) => r.role === 'copy');
  const deciders = opts.signersAllowed ? [opts.primary, ...signers.map((r) => r.name)] : [opts.primary];
  return Promise.all(
    [...signers, ...copies].map(async (r, i) => {
      const contactId = r.contactId ?? createId();
      const emailedNow = r.role === 'copy' || opts.order === 'any';
      const link = emailedNow
        ? await portalLink(
            env,
            input.origin,
            { id: contactId, accessVersion: r.accessVersion },
            d.document.id,
            d.org.portalLinkDays,
          )
        : '';
      return {
        contactId,
        isNew: r.contactId === null,
        name: r.name,
        email: r.email,
        role: r.role,
        position: i + 2,
        accessVersion: r.accessVersion,
        mail: emailedNow
          ? documentMail(snapshot, {
              link,
              message: input.message,
              recipientName: r.name,
              linkDays: d.org.portalLinkDays,
              ...(r.role === 'copy' ? { copyFor: deciders } : {}),
            })
          : null,
      };
    }),
  );
}

/** Sending to another email address than the contact's: the contact takes it, and the old address loses access. */
const addressMoved = (contact: { email: string }, to: { email: string }) => to.email !== contact.email;

/** Deletes the PDF of a send that did not happen; one a failure left committed after all is kept. */
async function discardPdf(env: Env, db: Db, key: string, versionId: string, err: unknown) {
  if (!(err instanceof DomainError)) {
    const [row] = await db
      .select({ pdfKey: documentVersions.pdfKey })
      .from(documentVersions)
      .where(eq(documentVersions.id, versionId))
      .catch(() => [{ pdfKey: key }]);
    if (row?.pdfKey === key) return;
  }
  await env.FILES.delete(key);
}

export async function sendWrite(db: Db, input: SendCommit): Plan<{ status: string }> {
  const [docs, versions, people, others] = await db.batch([
    db
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db
      .select({ id: documentVersions.id, state: documentVersions.state, updatedAt: documentVersions.updatedAt })
      .from(documentVersions)
      .where(and(eq(documentVersions.orgId, input.orgId), eq(documentVersions.documentId, input.documentId))),
    db
      .select({ accessVersion: contacts.accessVersion })
      .from(contacts)
      .where(and(eq(contacts.orgId, input.orgId), eq(contacts.id, input.contact.id))),
    db
      .select({
        id: contacts.id,
        accountId: contacts.accountId,
        email: contacts.email,
        accessVersion: contacts.accessVersion,
      })
      .from(contacts)
      .where(
        and(
          eq(contacts.orgId, input.orgId),
          inArray(contacts.id, ['', ...input.people.filter((p) => !p.isNew).map((p) => p.contactId)]),
        ),
      ),
  ]);
  const doc = docs[0];
  if (!doc) throw new NotFound();
  const draft = versions.find((v) => v.id === input.versionId);
  if (draft?.state !== 'draft' || doc.currentVersion !== input.version) throw new Conflict(ALREADY_SENT);
  const status = sendStatus(doc, input.version);
  if (draft.updatedAt !== input.draftUpdatedAt || doc.contactId !== input.contact.id) throw new Conflict(DRAFT_MOVED);
  if (doc.accountId !== input.accountId) throw new Conflict(DRAFT_MOVED);
  if (input.fileRequests?.length) checkNewSlots(await slotNames(db, input.orgId, doc.id), input.fileRequests);
  const moved = [
    ...(people[0]?.accessVersion !== input.contact.accessVersion ? [input.contact] : []),
    ...input.people.filter((p) => {
      const now = others.find((c) => c.id === p.contactId);
      return !p.isNew && (now?.accountId !== input.accountId || now.accessVersion !== p.accessVersion);
    }),
  ];
  if (moved.length) {
    throw new Conflict(
      `The portal access of ${moved[0].name} changed while you were sending, so nothing was sent. Send it again.`,
    );
  }
  const previous = versions.find((v) => v.state === 'sent');
  const now = Date.now();
  const activityId = createId();
  const { to } = input;
  const addressMove = addressMoved(input.contact, to);
  const where = and(eq(contacts.orgId, input.orgId), eq(contacts.id, input.contact.id));
  const primaryAccess = input.contact.accessVersion + (addressMove ? 1 : 0);
  const given = [
    { contactId: input.contact.id, accessVersion: primaryAccess, role: 'signer' as const, name: to.name },
    ...input.people.map((p) => ({
      contactId: p.contactId,
      accessVersion: p.accessVersion,
      role: p.role,
      name: p.name,
    })),
  ];
  const statements: Statement[] = [
    db
      .update(documentVersions)
      .set({
        state: 'sent',
        snapshot: input.snapshot,
        pdfKey: input.pdf.key,
        pdfSha256: input.pdf.sha256,
        signatureBox: input.pdf.signatureBox,
        sentAt: now,
        sentBy: input.actor.userId,
        preparedForName: to.name,
        preparedForEmail: to.email,
        updatedAt: now,
      })
      .where(and(eq(documentVersions.id, input.versionId), eq(documentVersions.state, 'draft'))),
    ...(previous
      ? [
          db
            .update(documentVersions)
            .set({ state: 'superseded', updatedAt: now })
            .where(eq(documentVersions.id, previous.id)),
        ]
      : []),
    db
      .update(documents)
      .set({
        status,
        sentVersion: input.version,
        sentAt: now,
        updatedAt: now,
        deadline: input.deadline,
        reminderPlan: JSON.stringify(input.reminderPlan),
        signingOrder: input.signingOrder,
        countersign: input.countersign,
        emailCode: input.emailCode ?? false,
      })
      .where(and(eq(documents.id, doc.id), eq(documents.status, doc.status))),
    // The earlier version's reminders stop; this one's are scheduled from its own date and the plan.
    cancelStatement(db, { orgId: input.orgId, documentId: doc.id, beforeVersion: input.version }, 'revised', now),
    ...scheduleStatements(
      db,
      { orgId: input.orgId, documentId: doc.id, version: input.version, contactId: input.contact.id, now },
      plannedReminders({ ...doc, deadline: input.deadline }, input.reminderPlan, input.timeZone, now),
    ),
    ...(to.name !== input.contact.name && !addressMove
      ? [db.update(contacts).set({ name: to.name }).where(where)]
      : []),
    // A new address: the old one's links and sessions stop working (in SQL: a revoke meanwhile is not lost).
    ...(addressMove
      ? [
          db
            .update(contacts)
            .set({ name: to.name, email: to.email, accessVersion: sql`${contacts.accessVersion} + 1` })
            .where(where),
          addressChanged(db, {
            orgId: input.orgId,
            actor: input.actor,
            contact: { id: input.contact.id, name: to.name },
            from: input.contact.email,
            to: to.email,
            at: now,
          }),
        ]
      : []),
    activityInsert(db, {
      id: activityId,
      orgId: input.orgId,
      jobId: doc.jobId,
      documentId: doc.id,
      action: 'sent',
      actor: input.actor,
      // The contact and access version the emailed link names: comment digests go only while it holds.
      data: {
        version: input.version,
        to: `${to.name} <${to.email}>`,
        sha256: input.pdf.sha256,
        contactId: input.contact.id,
        accessVersion: primaryAccess,
        // Issue 17: everyone the send gives a link to (a later signer in order is emailed when it is their turn).
        recipients: given,
      },
      at: now,
    }),
    queueMail(db, { orgId: input.orgId, documentId: doc.id, kind: 'document', to, ...input.mail }, now),
    ...recipientStatements(db, input, doc, now),
    // Issue 20: the files asked of them join the document's slots (a resend or revision keeps the earlier ones).
    ...slotInserts(db, { ...input, documentId: doc.id, userId: input.actor.userId, now }, input.fileRequests ?? []),
  ];
  const say = previous ? `Rev ${input.version} was sent. What changed is shown above the document.` : undefined;
  return { statements, activityId, event: { type: 'sent', say }, result: { status } };
}

/**
 * Issue 17: the send's new contacts, its whole recipient list (the primary signer at 1, then the
 * people in their positions) replacing the last send's, and each extra person's email, queued only
 * while their access is the one their link names.
 */
function recipientStatements(
  db: Db,
  input: SendCommit,
  doc: { id: string; orgId: string; accountId: string | null },
  now: number,
): Statement[] {
  const { orgId } = input;
  return [
    ...input.people
      .filter((p) => p.isNew)
      .map((p) =>
        db
          .insert(contacts)
          .values({ id: p.contactId, orgId, accountId: input.accountId, name: p.name, email: p.email, createdAt: now }),
      ),
    db
      .delete(documentRecipients)
      .where(and(eq(documentRecipients.orgId, orgId), eq(documentRecipients.documentId, doc.id))),
    db.insert(documentRecipients).values([
      { orgId, documentId: doc.id, contactId: input.contact.id, role: 'signer', position: 1, createdAt: now },
      ...input.people.map((p) => ({
        orgId,
        documentId: doc.id,
        contactId: p.contactId,
        role: p.role,
        position: p.position,
        createdAt: now,
      })),
    ]),
    ...input.people.flatMap((p) =>
      p.mail
        ? [
            queueMail(
              db,
              {
                orgId,
                documentId: doc.id,
                kind: 'document',
                to: { name: p.name, email: p.email },
                whileAccess: { contactId: p.contactId, accessVersion: p.accessVersion },
                fromName: input.mail.fromName,
                replyTo: input.mail.replyTo,
                ...p.mail,
              },
              now,
            ),
          ]
        : [],
    ),
  ];
}

export interface ResendInput extends Scope {
  documentId: string;
}

export interface ResendCommit extends RoomContext {
  actor: ContractorActor;
  sentVersion: number;
  /** The primary recipient (the first signer). */
  contact: { id: string; accessVersion: number; name: string; email: string };
  mail: { fromName: string; replyTo: string | null; subject: string; html: string; text: string };
  /**
   * Issue 17: every recipient with their own fresh email, as read before the room; the plan emails
   * those who still have something to do (see `resendTargets`).
   */
  people: {
    contactId: string;
    role: RecipientRole;
    accessVersion: number;
    name: string;
    email: string;
    mail: { subject: string; html: string; text: string };
  }[];
}

/** Emails a fresh link to the version they already have: every recipient who still has something to do. */
export async function resendDocument(env: Env, db: Db, actor: ContractorActor, input: ResendInput) {
  const d = await getDocument(db, input.orgId, input.documentId);
  if (!d) throw new NotFound();
  checkResendable(d.document);
  if (!d.contact) throw new Conflict('This document has no recipient to send it to.');
  const sent = d.versions.find((v) => v.version === d.document.sentVersion)!;
  const snapshot = snapshotOf(d, d.draftLines, sent); // a sent version is its snapshot: no lines needed
  const primary = d.contact;
  const listed = d.recipients.length
    ? d.recipients
    : [{ ...primary, contactId: primary.id, role: 'signer' as const, position: 1 }];
  const signers = listed.filter((r) => r.role === 'signer').map((r) => r.name);
  const people = await Promise.all(
    listed.map(async (r) => {
      const link = await portalLink(
        env,
        input.origin,
        { id: r.contactId, accessVersion: r.accessVersion },
        d.document.id,
        d.org.portalLinkDays,
      );
      const mail = documentMail(snapshot, {
        link,
        recipientName: r.name,
        resend: true,
        linkDays: d.org.portalLinkDays,
        ...(r.role === 'copy' ? { copyFor: signers } : {}),
      });
      const { contactId, role, accessVersion, name, email } = r;
      return { contactId, role, accessVersion, name, email, mail };
    }),
  );
  const { id, accessVersion, name, email } = primary;
  const own = people.find((p) => p.contactId === id)?.mail;
  const commit: ResendCommit = {
    ...roomOf(input, d.document),
    actor,
    sentVersion: sent.version,
    contact: { id, accessVersion, name, email },
    mail: {
      fromName: d.org.name,
      replyTo: d.org.email || null,
      ...(own ?? documentMail(snapshot, { link: '', recipientName: name, resend: true, linkDays: 0 })),
    },
    people: people.filter((p) => p.contactId !== id),
  };
  const result = await throughRoom(documentRoom(env, d.document.id).resend(commit));
  return { to: result?.to ?? email };
}

function checkResendable(doc: { sentVersion: number | null; status: string }) {
  if (doc.sentVersion === null) throw new Conflict('This document has not been sent yet.');
  // A voided document is hidden from the portal: a fresh link to it would only open the expired-link page.
  if (doc.status === 'void')
    throw new Conflict('This document was voided, so its link no longer opens. Nothing was sent.');
}

/**
 * Who a resend emails: the signers who have not signed the sent version (in a set order, the first
 * of them: the next is emailed when it is their turn) and the copies. When no signer is left to
 * sign, the primary recipient still gets their fresh link, as before issue 17.
 */
export function resendTargets(
  recipients: { contactId: string; role: RecipientRole; position: number }[],
  signatures: SignatureFact[],
  version: number,
  order: SigningOrder,
  primaryId: string,
) {
  // The shared rule (documents/recipients.ts): nobody is due once someone declined or everyone signed.
  const people = recipients.map((r) => ({ ...r, name: '', email: '', accessVersion: 0 }));
  const signers = signersDue(people, signatures, version, order);
  if (!signers.length) return new Set([primaryId]);
  return new Set([...signers, ...recipients.filter((r) => r.role === 'copy')].map((r) => r.contactId));
}

export async function resendWrite(db: Db, input: ResendCommit): Plan<{ to: string }> {
  const everyone = [
    { ...input.contact, contactId: input.contact.id, role: 'signer' as const, mail: input.mail },
    ...input.people,
  ];
  const [docs, people, listed, decided, last] = await db.batch([
    db
      .select()
      .from(documents)
      .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId))),
    db
      .select()
      .from(contacts)
      .where(
        and(
          eq(contacts.orgId, input.orgId),
          inArray(
            contacts.id,
            everyone.map((p) => p.contactId),
          ),
        ),
      ),
    db
      .select({
        contactId: documentRecipients.contactId,
        role: documentRecipients.role,
        position: documentRecipients.position,
      })
      .from(documentRecipients)
      .where(and(eq(documentRecipients.orgId, input.orgId), eq(documentRecipients.documentId, input.documentId))),
    db
      .select({ contactId: signatures.contactId, version: signatures.version, outcome: signatures.outcome })
      .from(signatures)
      .where(and(eq(signatures.orgId, input.orgId), eq(signatures.documentId, input.documentId))),
    db
      .select({ data: activity.data })
      .from(activity)
      .where(
        and(
          eq(activity.orgId, input.orgId),
          eq(activity.documentId, input.documentId),
          inArray(activity.action, ['sent', 'resent']),
        ),
      )
      .orderBy(desc(activity.seq))
      .limit(1),
  ]);
  const doc = docs[0];
  if (!doc) throw new NotFound();
  checkResendable(doc);
  const CHANGED = 'This document changed while the link was being made, so nothing was sent. Resend it again.';
  if (doc.sentVersion !== input.sentVersion || doc.contactId !== input.contact.id) throw new Conflict(CHANGED);
  const rows = listed.length ? listed : [{ contactId: input.contact.id, role: 'signer' as const, position: 1 }];
  const targets = resendTargets(rows, decided, doc.sentVersion, doc.signingOrder, input.contact.id);
  const emailed = everyone.filter((p) => targets.has(p.contactId));
  // Everyone emailed must be as the links were made: a recipient list or an address that moved, a revoke meanwhile.
  for (const p of emailed) {
    const person = people.find((c) => c.id === p.contactId);
    if (!person || person.accessVersion !== p.accessVersion || person.email !== p.email) throw new Conflict(CHANGED);
  }
  if (targets.size !== emailed.length) throw new Conflict(CHANGED);
  const now = Date.now();
  const activityId = createId();
  const to = { email: input.contact.email, name: input.contact.name };
  // Who holds a link now: what the last send or resend gave, with the fresh ones of this resend.
  const before = lastGiven(last[0]?.data ?? null, doc.contactId!);
  const given = rows.flatMap((r) => {
    const fresh = emailed.find((p) => p.contactId === r.contactId);
    const held = before.find((g) => g.contactId === r.contactId);
    const entry = fresh ?? held;
    return entry ? [{ contactId: r.contactId, accessVersion: entry.accessVersion, role: r.role }] : [];
  });
  const primaryEmailed = targets.has(input.contact.id);
  return {
    statements: [
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: doc.jobId,
        documentId: doc.id,
        action: 'resent',
        actor: input.actor,
        data: {
          to: emailed.map((p) => `${p.name} <${p.email}>`).join(', '),
          contactId: input.contact.id,
          accessVersion: primaryEmailed
            ? input.contact.accessVersion
            : (before.find((g) => g.contactId === input.contact.id)?.accessVersion ?? input.contact.accessVersion),
          recipients: given,
        },
        at: now,
      }),
      ...emailed.map((p) =>
        queueMail(
          db,
          {
            orgId: input.orgId,
            documentId: doc.id,
            kind: 'document',
            to: { name: p.name, email: p.email },
            ...(p.contactId === input.contact.id
              ? {}
              : { whileAccess: { contactId: p.contactId, accessVersion: p.accessVersion } }),
            fromName: input.mail.fromName,
            replyTo: input.mail.replyTo,
            subject: p.mail.subject,
            html: p.mail.html,
            text: p.mail.text,
          },
          now,
        ),
      ),
    ],
    activityId,
    event: { type: 'resent' },
    result: { to: emailed.map((p) => p.email).join(', ') || to.email },
  };
}

/** The people a 'sent' or 'resent' row gave a link to (a row from before issue 17: its one contact). */
export function lastGiven(data: string | null, contactId: string) {
  const given = JSON.parse(data ?? '{}') as {
    contactId?: string;
    accessVersion?: number;
    recipients?: { contactId: string; accessVersion: number }[];
  };
  return given.recipients ?? [{ contactId: given.contactId ?? contactId, accessVersion: given.accessVersion ?? 1 }];
}

// ---------------------------------------------------------------------------------------------
// Revising.

export interface ReviseInput extends Scope {
  documentId: string;
}

export interface ReviseCommit extends RoomContext {
  actor: ContractorActor;
}

/** Makes version n+1, a draft copy of the sent version n; the recipient keeps seeing version n until n+1 is sent. */
export async function reviseDocument(env: Env, db: Db, actor: ContractorActor, input: ReviseInput) {
  const head = await headOf(db, input, input.documentId);
  const result = await throughRoom(documentRoom(env, head.id).revise({ ...roomOf(input, head), actor }));
  return { ...result, kind: kindOfDocument(head), number: head.number };
}

export async function reviseWrite(db: Db, input: ReviseCommit): Plan<{ version: number; previous: number }> {
  const state = await documentState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const { document: doc, current } = state;
  if (current.state === 'draft') throw new Conflict('A draft revision already exists; edit it instead.');
  if (current.state !== 'sent') throw new Conflict('Only the current sent version can be revised.');
  nextStatus(doc.type, doc.status, 'send');
  const now = Date.now();
  const next = current.version + 1;
  const versionId = createId();
  const activityId = createId();
  const {
    id: _id,
    version: _v,
    state: _s,
    snapshot: _snap,
    pdfKey: _k,
    pdfSha256: _h,
    signatureBox: _box,
    sentAt: _a,
    sentBy: _b,
    createdAt: _c,
    updatedAt: _u,
    // Issue 20: a revision keeps the display options; the customer's choice was of the sent version only.
    selection: _sel,
    selectedSnapshot: _selSnap,
    selectedPdfKey: _selKey,
    selectedPdfSha256: _selSha,
    selectedSignatureBox: _selBox,
    ...fields
  } = current;
  const lines = (state.lines as DraftLine[]).map((l) => ({ ...l, id: revisedLineId(l.id, next) }));
  return {
    statements: [
      db
        .insert(documentVersions)
        .values({ ...fields, id: versionId, version: next, state: 'draft', createdAt: now, updatedAt: now }),
      db
        .update(documents)
        .set({ currentVersion: next, updatedAt: now })
        .where(and(eq(documents.id, doc.id), eq(documents.currentVersion, current.version))),
      ...lineInserts(db, input.orgId, doc.id, versionId, lines),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: doc.jobId,
        documentId: doc.id,
        action: 'revised',
        actor: input.actor,
        data: { version: next },
        at: now,
      }),
    ],
    activityId,
    event: { type: 'revised' },
    result: { version: next, previous: current.version },
  };
}

// ---------------------------------------------------------------------------------------------
// Payments.

export interface PaymentInput extends Scope {
  documentId: string;
  /** Cents, at least 1. */
  amount: number;
  paidOn: string;
  method: string;
  reference: string;
}

export interface PaymentCommit extends RoomContext {
  actor: ContractorActor;
  payment: { amount: number; paidOn: string; method: string; reference: string };
}

/** Records a payment on an invoice or bill; it may be at most the balance, read in the document's room. */
export async function recordPayment(env: Env, db: Db, actor: ContractorActor, input: PaymentInput) {
  const head = await headOf(db, input, input.documentId);
  if (!kindOfDocument(head).hasPayments) throw new NotFound();
  if (!Number.isSafeInteger(input.amount) || input.amount < 1)
    throw new Refused('Amount must be at least 0.01.', 'amount');
  const { amount, paidOn, method, reference } = input;
  return throughRoom(
    documentRoom(env, head.id).recordPayment({
      ...roomOf(input, head),
      actor,
      payment: { amount, paidOn, method, reference },
    }),
  );
}

export async function paymentWrite(db: Db, input: PaymentCommit): Plan<{ status: string; balance: number }> {
  const state = await documentState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const doc = state.document;
  if (!canTransition(doc.type, doc.status, 'pay_partial')) {
    throw new Refused(
      doc.type === 'bill'
        ? 'Approve the bill before recording a payment.'
        : `A payment can be recorded once the invoice is sent and not ${statusLabel(doc.status)}.`,
      '_form',
    );
  }
  const balance = balanceOf(state);
  const { amount } = input.payment;
  if (amount > balance) throw new Refused(overpayment(balance, state.currency), 'amount');
  // A bank payment started online is money on its way: recording it again by hand would be paid twice.
  const [started] = await db
    .select({ processing: sql<number>`coalesce(sum(${onlinePayments.amount}), 0)` })
    .from(onlinePayments)
    .where(
      and(
        eq(onlinePayments.orgId, input.orgId),
        eq(onlinePayments.documentId, doc.id),
        eq(onlinePayments.status, 'processing'),
      ),
    );
  const processing = Number(started?.processing ?? 0);
  if (amount > balance - processing)
    throw new Refused(overpaymentWhileProcessing(balance, processing, state.currency), 'amount');
  const status = nextStatus(doc.type, doc.status, amount === balance ? 'pay_full' : 'pay_partial');
  const now = Date.now();
  const activityId = createId();
  const { method, reference } = input.payment;
  return {
    statements: [
      db.insert(payments).values({
        id: createId(),
        orgId: input.orgId,
        documentId: doc.id,
        ...input.payment,
        recordedBy: input.actor.userId,
        createdAt: now,
      }),
      db
        .update(documents)
        .set({ status, updatedAt: now })
        .where(and(eq(documents.id, doc.id), eq(documents.status, doc.status))),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: doc.jobId,
        documentId: doc.id,
        action: 'payment_recorded',
        actor: input.actor,
        data: { amount, method, reference, status },
        at: now,
      }),
      // Paid in full: nothing is left to chase (issue 16).
      ...(status === 'paid' ? [cancelStatement(db, { orgId: input.orgId, documentId: doc.id }, 'paid', now)] : []),
    ],
    activityId,
    event: { type: 'payment_recorded', say: 'A payment was recorded.' },
    result: { status, balance: balance - amount },
  };
}

// ---------------------------------------------------------------------------------------------
// Voiding and approving a bill: status changes the machine allows from the status read in the room.

export interface StatusInput extends Scope {
  documentId: string;
}

export interface StatusCommit extends RoomContext {
  actor: ContractorActor;
  event: 'void' | 'approve_bill';
}

const STATUS_ACTIONS = { void: 'voided', approve_bill: 'approved' } as const;

async function changeStatus(
  env: Env,
  db: Db,
  actor: ContractorActor,
  input: StatusInput,
  event: StatusCommit['event'],
) {
  const head = await headOf(db, input, input.documentId);
  return throughRoom(documentRoom(env, head.id).changeStatus({ ...roomOf(input, head), actor, event }));
}

/** Voids an invoice or a bill (not once it is paid); a voided document leaves the portal. */
export function voidDocument(env: Env, db: Db, actor: ContractorActor, input: StatusInput) {
  return changeStatus(env, db, actor, input, 'void');
}

/** Approves a received bill, so payments can be recorded on it. */
export function approveBill(env: Env, db: Db, actor: ContractorActor, input: StatusInput) {
  return changeStatus(env, db, actor, input, 'approve_bill');
}

export async function statusWrite(db: Db, input: StatusCommit): Plan<{ status: string }> {
  const [doc] = await db
    .select()
    .from(documents)
    .where(and(eq(documents.orgId, input.orgId), eq(documents.id, input.documentId)));
  if (!doc) throw new NotFound();
  if (!(input.event in STATUS_ACTIONS)) throw new Refused('That is not a change a document can make.');
  const status = nextStatus(doc.type, doc.status, input.event);
  const now = Date.now();
  const activityId = createId();
  return {
    statements: [
      db
        .update(documents)
        .set({ status, updatedAt: now })
        .where(and(eq(documents.id, doc.id), eq(documents.status, doc.status))),
      activityInsert(db, {
        id: activityId,
        orgId: input.orgId,
        jobId: doc.jobId,
        documentId: doc.id,
        action: STATUS_ACTIONS[input.event],
        actor: input.actor,
        data: { from: doc.status, to: status },
        at: now,
      }),
      ...(status === 'void' ? [cancelStatement(db, { orgId: input.orgId, documentId: doc.id }, 'void', now)] : []),
    ],
    activityId,
    // A voided document leaves the portal: its open pages are closed, saying why.
    event:
      status === 'void'
        ? { type: 'status', ends: 'This document was voided. It is no longer valid.' }
        : { type: 'status', say: 'The bill was approved.' },
    result: { status },
  };
}

// ---------------------------------------------------------------------------------------------
// The deposit invoice of an approved order.

export interface DepositInput extends Scope {
  documentId: string;
}

export interface DepositCommit extends RoomContext {
  actor: ContractorActor;
}

/**
 * The draft invoice for an approved order's deposit: one per order. It is made in the order's
 * room, which looks for an existing one first, so eight clicks make one invoice.
 */
export async function createDepositInvoice(env: Env, db: Db, actor: ContractorActor, input: DepositInput) {
  const head = await headOf(db, input, input.documentId);
  return throughRoom(documentRoom(env, head.id).depositInvoice({ ...roomOf(input, head), actor }));
}

export async function depositInvoiceWrite(
  db: Db,
  input: DepositCommit,
): Plan<{ id: string; number: string | null; created: boolean }> {
  const state = await depositState(db, input.orgId, input.documentId);
  if (!state) throw new NotFound();
  const { document: doc, version, org } = state;
  if (doc.type !== 'customer_order' || doc.status !== 'approved' || !version?.snapshot) {
    throw new Conflict('A deposit invoice can be made from an approved estimate, proposal or change order.');
  }
  if (state.invoiceId) return { statements: [], result: { id: state.invoiceId, number: null, created: false } };
  const snapshot = JSON.parse(version.snapshot) as DocumentSnapshot;
  if (snapshot.totals.deposit <= 0) throw new Conflict('This document has no deposit to invoice.');
  const paidOn = depositPaidOn(state.payments, snapshot.totals.deposit);
  if (paidOn) throw new Conflict(depositPaidRefusal(paidOn));
  if (state.processing > 0) {
    throw new Conflict(depositProcessingRefusal(state.processing, snapshot.currency));
  }
  const kind = kindOf('customer_invoice', null)!;
  const number = await allocateNumber(db, input.orgId, kind);
  const issueDate = todayIn(org.timeZone);
  const label = `${kindOfDocument(doc).label} ${doc.number}`;
  const line: DraftLine = {
    id: createId(),
    kind: 'item',
    costItemId: null,
    name: `Deposit for ${label}`,
    description: snapshot.title,
    costCode: '',
    costType: null,
    quantity: 10_000,
    unit: 'ea',
    unitCost: 0,
    unitPrice: snapshot.totals.deposit,
    taxable: false,
    ...REQUIRED_CHOICE,
  };
  const { id, statements } = newDraftStatements(db, {
    orgId: input.orgId,
    onlinePayment: org.onlinePaymentDefault,
    jobId: doc.jobId,
    kind,
    number,
    accountId: doc.accountId,
    contactId: doc.contactId,
    preparedFor: state.contact ?? null,
    sourceDocumentId: doc.id,
    actor: input.actor,
    title: `Deposit for ${label}`,
    issueDate,
    dueDate: addDays(issueDate, DEPOSIT_DUE_DAYS),
    terms: termsFor(kind, org.terms),
    footer: org.templateFooter || org.defaultFooter,
    taxRate: 0,
    lines: [line],
    created: { number, from: doc.number },
  });
  return {
    statements: [
      ...statements,
      // The deposit is asked for by its invoice from now on: the order stops offering it online, so it
      // is never paid twice.
      db
        .update(documents)
        .set({ onlinePayment: false })
        .where(and(eq(documents.orgId, input.orgId), eq(documents.id, doc.id))),
    ],
    result: { id, number, created: true },
  };
}
