import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { addContact, revokeContact, updateContact } from '../src/accounts/actions';
import { lineTotal } from '../src/budget/totals';
import { database } from '../src/db/client';
import { activity, contacts, documents, documentVersions, outbox, payments } from '../src/db/schema';
import {
  approveBill,
  createDepositInvoice,
  createDraftFromBudget,
  InvalidDraft,
  recordPayment,
  resendDocument,
  reviseDocument,
  saveDraft,
  sendDocument,
  voidDocument,
  type ContractorActor,
  type Scope,
} from '../src/documents/actions';
import { approvalEvent, emailButtonLabel, kindByKey, recipientAction, typeGroups } from '../src/documents/kinds';
import { getDocument, type LoadedDocument } from '../src/documents/queries';
import type { DocumentSnapshot } from '../src/documents/snapshot';
import { Conflict, NotFound, Refused } from '../src/errors';
import { centsInput, quantityInput, rateInput } from '../views/format';
import { companyWithBudget } from './fixtures';

// The documents capability's verbs, called directly with the database (no HTTP): what each does,
// and how each refuses. The races between them are in races-documents.test.ts.

const db = () => database(env.DB);
type Company = Awaited<ReturnType<typeof companyWithBudget>>;

let co: Company;
let actor: ContractorActor;
let scope: Scope;

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Actions Builders' });
  actor = { side: 'contractor', userId: co.userId, name: 'Owner Person' };
  scope = { orgId: co.orgId, timeZone: 'America/Chicago', origin: 'http://localhost' };
});

const item = (name: string) => co.items.find((i) => i.name === name)!;
const row = async (id: string) => (await db().query.documents.findFirst({ where: eq(documents.id, id) }))!;
const loaded = async (id: string) => (await getDocument(db(), co.orgId, id))!;
const draft = (kind: string, selection: { all?: boolean; groups?: string[]; items?: string[] } = { all: true }) =>
  createDraftFromBudget(db(), actor, {
    orgId: co.orgId,
    jobId: co.jobId,
    kind,
    all: false,
    groups: [],
    items: [],
    ...selection,
  });

/** The editor's form for a loaded draft, as the page would submit it, with some fields changed. */
function editorForm(d: LoadedDocument, changes: Record<string, string> = {}) {
  const amountOf = (l: LoadedDocument['draftLines'][number]) =>
    d.document.type === 'vendor_order' || d.document.type === 'bill' ? l.unitCost : l.unitPrice;
  const form: Record<string, string> = {
    title: d.current.title,
    number: d.document.number,
    issueDate: d.current.issueDate,
    dueDate: d.current.dueDate ?? '',
    description: d.current.description,
    terms: d.current.terms,
    footer: d.current.footer,
    accountId: d.document.accountId ?? '',
    contactId: d.document.contactId ?? '',
    taxRate: rateInput(d.current.taxRate),
    depositKind: d.current.depositKind,
    depositValue:
      d.current.depositKind === 'percent'
        ? rateInput(d.current.depositValue)
        : d.current.depositKind === 'fixed'
          ? centsInput(d.current.depositValue)
          : '',
  };
  if (d.document.requireSignature) form.requireSignature = 'on';
  for (const l of d.draftLines) {
    form[`name.${l.id}`] = l.name;
    if (l.kind !== 'item') continue;
    form[`description.${l.id}`] = l.description;
    form[`quantity.${l.id}`] = quantityInput(l.quantity);
    form[`unit.${l.id}`] = l.unit;
    form[`amount.${l.id}`] = centsInput(amountOf(l));
    if (l.taxable) form[`taxable.${l.id}`] = 'on';
  }
  Object.assign(form, changes);
  const lists = Object.fromEntries(Object.entries(form).map(([k, v]) => [k, [v]]));
  lists.line = d.draftLines.map((l) => l.id);
  return { form, lists };
}

async function save(id: string, changes: Record<string, string> = {}) {
  const { form, lists } = editorForm(await loaded(id), changes);
  return saveDraft(env, db(), actor, { ...scope, documentId: id, form, lists });
}

const send = (id: string, to = { name: co.customerContact.name, email: co.customerContact.email }) =>
  sendDocument(env, db(), actor, { ...scope, documentId: id, ...to, message: 'Here it is.' });

/** The domain error an action throws (the test fails if it does not throw). */
async function refusal(work: Promise<unknown>) {
  try {
    await work;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the action to refuse');
}

describe('the kind table', () => {
  it('says what the recipient does, what the email button says and what approving is, by type', () => {
    expect(recipientAction('customer_order', 'sent', true)).toBe('Review and sign');
    expect(recipientAction('customer_order', 'viewed', false)).toBe('Approve');
    expect(recipientAction('customer_order', 'approved', true)).toBeNull();
    expect(recipientAction('vendor_order', 'sent', false)).toBe('Accept');
    expect(recipientAction('bid_request', 'sent', true)).toBe('Submit a bid');
    expect(recipientAction('bid_request', 'submitted', false)).toBeNull();
    expect(recipientAction('customer_invoice', 'partially_paid', true)).toBe('See how to pay');
    expect(recipientAction('bill', 'received', false)).toBeNull();
    expect(emailButtonLabel(kindByKey('change_order')!, false)).toBe('Review change order');
    expect(emailButtonLabel(kindByKey('purchase_order')!, true)).toBe('Review and sign');
    expect(emailButtonLabel(kindByKey('customer_invoice')!, true)).toBe('View invoice');
    expect(emailButtonLabel(kindByKey('bid_request')!, false)).toBe('Submit your bid');
    expect(['customer_order', 'vendor_order', 'bid_request', 'customer_invoice', 'bill'].map(approvalEvent)).toEqual([
      'approve',
      'accept',
      null,
      null,
      null,
    ]);
    expect(typeGroups().map((g) => g.label)).toEqual([
      'Estimates, proposals and change orders',
      'Invoices',
      'Bid requests',
      'Purchase and work orders',
      'Bills',
    ]);
  });
});

describe('createDraftFromBudget', () => {
  it('makes a numbered draft with the chosen items under their groups, due by the kind', async () => {
    const made = await draft('estimate', { items: [item('Dumpster').id], groups: [co.groups.electrical] });
    expect(made.number).toMatch(/^EST-\d{4}$/);
    expect(made.items).toBe(3);
    const d = await loaded(made.id);
    expect(d.draftLines.map((l) => l.name)).toEqual([
      'Demolition',
      'Dumpster',
      'Electrical',
      'Kitchen circuits',
      'Recessed lights — Zürich “LED”',
    ]);
    expect(d.document).toMatchObject({
      status: 'draft',
      accountId: co.customerId,
      contactId: co.customerContact.id,
      createdBy: co.userId,
    });
    expect(d.current.dueDate).not.toBeNull();
    const bid = await loaded((await draft('bid_request', { groups: [co.groups.electrical] })).id);
    expect(bid.document.accountId).toBe(co.vendorId); // the one vendor of the chosen items
    const days = (v: { issueDate: string; dueDate: string | null }) =>
      (Date.parse(v.dueDate!) - Date.parse(v.issueDate)) / 86_400_000;
    expect([days(d.current), days(bid.current)]).toEqual([30, 14]);
    expect((await loaded((await draft('purchase_order')).id)).current.dueDate).toBeNull();
  });

  it('refuses an unknown kind, an empty choice and another org’s job', async () => {
    const before = await db().$count(documents, eq(documents.orgId, co.orgId));
    const unknown = await refusal(draft('receipt'));
    expect(unknown).toBeInstanceOf(Refused);
    expect((unknown as Refused).field).toBe('kind');
    const empty = await refusal(draft('estimate', { items: ['zzzzzzzzzzzzzzzzzzzzzzzz'] }));
    expect(empty).toBeInstanceOf(Refused);
    expect(empty.message).toBe('Select at least one budget item (or a whole group) to put on the document.');
    const other = await companyWithBudget({ company: 'Other Actions Co' });
    const foreign = await refusal(
      createDraftFromBudget(db(), actor, {
        orgId: other.orgId,
        jobId: co.jobId,
        kind: 'estimate',
        all: true,
        groups: [],
        items: [],
      }),
    );
    expect(foreign).toBeInstanceOf(NotFound);
    expect(await db().$count(documents, eq(documents.orgId, co.orgId))).toBe(before);
  });
});

describe('saveDraft', () => {
  it('saves the header and lines and logs the edit', async () => {
    const { id } = await draft('estimate', { groups: [co.groups.demolition] });
    const d = await loaded(id);
    const first = d.draftLines.find((l) => l.kind === 'item')!;
    await save(id, { title: 'Demolition only', [`quantity.${first.id}`]: '20', taxRate: '7.5' });
    const after = await loaded(id);
    expect(after.current).toMatchObject({ title: 'Demolition only', taxRate: 7500 });
    expect(after.draftLines.find((l) => l.id === first.id)?.quantity).toBe(200_000);
    expect(after.timeline.map((e) => e.action)).toEqual(['edited', 'created']); // newest first
  });

  it('refuses bad input with every field’s message and writes nothing', async () => {
    const { id } = await draft('customer_invoice', { groups: [co.groups.demolition] });
    const before = await loaded(id);
    const bad = await refusal(save(id, { number: 'INV 1; DROP', issueDate: '2026-02-30' }));
    expect(bad).toBeInstanceOf(InvalidDraft);
    expect((bad as InvalidDraft).errors).toMatchObject({
      number: 'Number may use letters, digits, dots, dashes and slashes.',
      issueDate: 'Issue date must be a real date (YYYY-MM-DD).',
    });
    const vendor = await refusal(save(id, { accountId: co.vendorId, contactId: co.vendorContact.id }));
    expect((vendor as InvalidDraft).errors).toEqual({
      accountId: 'Choose a customer: this document goes to a customer, not a vendor.',
    });
    expect(await loaded(id)).toEqual(before);
  });

  it('refuses to edit a sent version or a void draft (409)', async () => {
    const { id } = await draft('customer_invoice', { groups: [co.groups.demolition] });
    await voidDocument(env, db(), actor, { ...scope, documentId: id });
    const err = await refusal(save(id));
    expect(err).toBeInstanceOf(Conflict);
    expect(err.message).toBe('This invoice is void and can no longer be edited.');
  });
});

describe('sendDocument, resendDocument and reviseDocument', () => {
  it('sends: the version is frozen with its PDF, the email queued, the send logged; a second send is refused', async () => {
    const { id } = await draft('estimate', { groups: [co.groups.demolition] });
    const sent = await send(id);
    expect(sent.status).toBe('sent');
    const doc = await row(id);
    expect(doc).toMatchObject({ status: 'sent', sentVersion: 1 });
    const [v1] = await db().select().from(documentVersions).where(eq(documentVersions.documentId, id));
    expect(v1).toMatchObject({ state: 'sent', pdfKey: sent.key, pdfSha256: sent.sha });
    expect(await env.FILES.head(sent.key)).not.toBeNull();
    expect(await db().$count(outbox, eq(outbox.documentId, id))).toBe(1);
    expect(await db().$count(activity, and(eq(activity.documentId, id), eq(activity.action, 'sent')))).toBe(1);
    const again = await refusal(send(id));
    expect(again).toBeInstanceOf(Conflict);
    expect(again.message).toContain('This version was already sent');
    expect(await db().$count(outbox, eq(outbox.documentId, id))).toBe(1);
    // A fresh link to what was sent.
    expect(await resendDocument(env, db(), actor, { ...scope, documentId: id })).toEqual({
      to: co.customerContact.email,
    });
    expect(await db().$count(outbox, eq(outbox.documentId, id))).toBe(2);
  });

  it('refuses to send a draft without a recipient (422) and leaves no PDF behind', async () => {
    const { id } = await draft('purchase_order', { groups: [co.groups.demolition] }); // no vendor on these items
    const err = await refusal(send(id));
    expect(err).toBeInstanceOf(Refused);
    expect(err.message).toContain('Choose who this purchase order is prepared for');
    expect((await env.FILES.list({ prefix: `org/${co.orgId}/doc/${id}/` })).objects).toEqual([]);
  });

  it('revises a sent version once; a second revise is refused until it is sent', async () => {
    const { id } = await draft('proposal', { groups: [co.groups.electrical] });
    const drafted = (await loaded(id)).draftLines.map((l) => l.name);
    expect(drafted.length).toBeGreaterThan(1);
    await send(id);
    // Sent, the page's batch reads no line rows: the sent version's lines are its snapshot's.
    const sent = await loaded(id);
    expect(sent.draftLines).toEqual([]);
    expect((JSON.parse(sent.current.snapshot!) as DocumentSnapshot).lines.map((l) => l.name)).toEqual(drafted);
    const revised = await reviseDocument(env, db(), actor, { ...scope, documentId: id });
    expect(revised).toMatchObject({ version: 2, previous: 1 });
    // The revision is a draft again: its lines are read, the sent ones under new ids.
    const again = (await loaded(id)).draftLines;
    expect(again.map((l) => l.name)).toEqual(drafted);
    const twice = await refusal(reviseDocument(env, db(), actor, { ...scope, documentId: id }));
    expect(twice).toBeInstanceOf(Conflict);
    expect(twice.message).toBe('A draft revision already exists; edit it instead.');
    expect(await db().$count(documentVersions, eq(documentVersions.documentId, id))).toBe(2);
    await send(id);
    expect(await row(id)).toMatchObject({ currentVersion: 2, sentVersion: 2 });
    const unknown = await refusal(
      reviseDocument(env, db(), actor, { ...scope, documentId: 'nosuchdocument000000000' }),
    );
    expect(unknown).toBeInstanceOf(NotFound);
  });
});

describe('recordPayment, voidDocument and approveBill', () => {
  it('records payments up to the balance, then refuses; the invoice becomes paid', async () => {
    const { id } = await draft('customer_invoice', { items: [item('Dumpster').id] });
    await save(id, { taxRate: '0' });
    const early = await refusal(
      recordPayment(env, db(), actor, {
        ...scope,
        documentId: id,
        amount: 100,
        paidOn: '2026-03-01',
        method: 'Check',
        reference: '',
      }),
    );
    expect(early).toBeInstanceOf(Refused);
    expect((early as Refused).field).toBe('_form');
    // The draft's lines, summed before it is sent (a sent version's lines are its snapshot's).
    const total = (await loaded(id)).draftLines.reduce(
      (sum, l) => sum + (l.kind === 'item' ? lineTotal(l.quantity, l.unitPrice) : 0),
      0,
    );
    await send(id);
    const pay = (amount: number) =>
      recordPayment(env, db(), actor, {
        ...scope,
        documentId: id,
        amount,
        paidOn: '2026-03-01',
        method: 'ACH',
        reference: '',
      });
    expect(await pay(100)).toEqual({ status: 'partially_paid', balance: total - 100 });
    const over = await refusal(pay(total));
    expect(over).toBeInstanceOf(Refused);
    expect((over as Refused).field).toBe('amount');
    expect(over.message).toMatch(/^The payment is more than the balance of \$/);
    expect(await pay(total - 100)).toEqual({ status: 'paid', balance: 0 });
    expect(await db().$count(payments, eq(payments.documentId, id))).toBe(2);
    const paidVoid = await refusal(voidDocument(env, db(), actor, { ...scope, documentId: id }));
    expect(paidVoid).toBeInstanceOf(Conflict);
    const bad = await refusal(pay(0));
    expect(bad).toBeInstanceOf(Refused);
  });

  it('answers 404 to a payment on a kind that takes none', async () => {
    const { id } = await draft('estimate', { groups: [co.groups.demolition] });
    const err = await refusal(
      recordPayment(env, db(), actor, {
        ...scope,
        documentId: id,
        amount: 100,
        paidOn: '2026-03-01',
        method: 'Check',
        reference: '',
      }),
    );
    expect(err).toBeInstanceOf(NotFound);
  });

  it('voids once; approves a bill once; refuses what the status machine does not allow', async () => {
    const { id } = await draft('customer_invoice', { groups: [co.groups.demolition] });
    expect(await voidDocument(env, db(), actor, { ...scope, documentId: id })).toEqual({ status: 'void' });
    const again = await refusal(voidDocument(env, db(), actor, { ...scope, documentId: id }));
    expect(again).toBeInstanceOf(Conflict);
    expect(again.message).toBe('You cannot void a document that is void.');
    const bill = await draft('bill', { items: [item('Kitchen circuits').id] });
    expect(await approveBill(env, db(), actor, { ...scope, documentId: bill.id })).toEqual({ status: 'approved' });
    expect(await refusal(approveBill(env, db(), actor, { ...scope, documentId: bill.id }))).toBeInstanceOf(Conflict);
    const estimate = await draft('estimate', { groups: [co.groups.demolition] });
    expect(await refusal(approveBill(env, db(), actor, { ...scope, documentId: estimate.id }))).toBeInstanceOf(
      Conflict,
    );
    expect(await refusal(voidDocument(env, db(), actor, { ...scope, documentId: estimate.id }))).toBeInstanceOf(
      Conflict,
    );
  });
});

describe('createDepositInvoice', () => {
  it('makes one deposit invoice per approved order; refuses an order that is not approved or has no deposit', async () => {
    const { id } = await draft('estimate', { groups: [co.groups.demolition] });
    await save(id, { depositKind: 'percent', depositValue: '25' });
    await send(id);
    const early = await refusal(createDepositInvoice(env, db(), actor, { ...scope, documentId: id }));
    expect(early).toBeInstanceOf(Conflict);
    // Approved (as a signature leaves it): the status is what this verb reads.
    await db().update(documents).set({ status: 'approved' }).where(eq(documents.id, id));
    const made = await createDepositInvoice(env, db(), actor, { ...scope, documentId: id });
    expect(made).toMatchObject({ created: true, number: expect.stringMatching(/^INV-\d{4}$/) });
    const invoice = await loaded(made.id);
    expect(invoice.document).toMatchObject({
      type: 'customer_invoice',
      status: 'draft',
      sourceDocumentId: id,
      accountId: co.customerId,
    });
    const order = JSON.parse((await loaded(id)).current.snapshot!);
    expect(invoice.draftLines.map((l) => [l.name, l.unitPrice])).toEqual([
      [expect.stringMatching(/^Deposit for Estimate EST-/), order.totals.deposit],
    ]);
    const again = await createDepositInvoice(env, db(), actor, { ...scope, documentId: id });
    expect(again).toEqual({ id: made.id, number: null, created: false });

    const plain = await draft('estimate', { groups: [co.groups.demolition] });
    await send(plain.id);
    await db().update(documents).set({ status: 'approved' }).where(eq(documents.id, plain.id));
    const none = await refusal(createDepositInvoice(env, db(), actor, { ...scope, documentId: plain.id }));
    expect(none.message).toBe('This document has no deposit to invoice.');
  });
});

describe('accounts: contacts and revoking access', () => {
  it('adds, edits and revokes a contact; a contact of another account answers NotFound', async () => {
    const { id } = await addContact(db(), {
      orgId: co.orgId,
      accountId: co.customerId,
      contact: { name: 'Pat Reyes', email: 'pat@example.test', phone: '' },
    });
    await updateContact(env, db(), actor, {
      orgId: co.orgId,
      accountId: co.customerId,
      contactId: id,
      contact: { name: 'Pat R. Reyes', email: 'pat@example.test', phone: '555' },
    });
    const before = (await db().query.contacts.findFirst({ where: eq(contacts.id, id) }))!;
    expect(before).toMatchObject({ name: 'Pat R. Reyes', phone: '555' });
    expect(await revokeContact(env, db(), actor, { orgId: co.orgId, accountId: co.customerId, contactId: id })).toEqual(
      {
        name: 'Pat R. Reyes',
        already: false,
      },
    );
    expect((await db().query.contacts.findFirst({ where: eq(contacts.id, id) }))!.accessVersion).toBe(
      before.accessVersion + 1,
    );
    const wrong = await refusal(
      revokeContact(env, db(), actor, { orgId: co.orgId, accountId: co.vendorId, contactId: id }),
    );
    expect(wrong).toBeInstanceOf(NotFound);
    const elsewhere = await refusal(
      updateContact(env, db(), actor, {
        orgId: co.orgId,
        accountId: co.vendorId,
        contactId: id,
        contact: { name: 'X', email: 'x@example.test', phone: '' },
      }),
    );
    expect(elsewhere).toBeInstanceOf(NotFound);
  });
});
