import { beforeAll } from 'vitest';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import {
  openPortal,
  pdfFile,
  pngFile,
  inkPng,
  rotation,
  type FieldKind,
  type Form,
  type Target,
  uploadFile,
  versionHashOf,
  Visitor,
  watchWrites,
  sweepSuite,
} from './hostile';
import { editDraft, formFields, PNG } from './portal-fixtures';
import { db } from './helpers';
import { documents, fileRequests, orgs, signatures } from '../src/db/schema';
import { todayIn } from '../src/documents/drafts';
import { and, eq } from 'drizzle-orm';

// The hostile-input sweep over the contractor's documents: drafts, sending, payments, status
// changes, bids and deposits, and the conversation (comments and files) on a sent document.

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let v: Visitor;
let draft: string;
let sent: string;
let invoice: string;
let billId: string;
let bidRequest: string;
let approved: string;
let approvedSignature: string;
let sends: ReturnType<typeof rotation<string>>;
let revisions: ReturnType<typeof rotation<string>>;
let voids: ReturnType<typeof rotation<string>>;
let removals: ReturnType<typeof rotation<string>>;
let pdfId: string;
let pngId: string;
/** The sent estimate's date as its page shows it, moved on by each accepted extension (issue 16). */
let deadline = '';
/** Issue 20: sent documents that take asked-for files (ten each), one with slots to waive and remove. */
let asks: ReturnType<typeof rotation<string>>;
let asked = 0;
let slotDoc: string;
let waiveSlot: string;
let slotRemovals: ReturnType<typeof rotation<string>>;
/** Issue 20: sent estimates to mark approved (one approval each), with the version hash their page shows. */
let offlines: ReturnType<typeof rotation<string>>;
const offlineHash = new Map<string, string>();
let approvedOn = '';
const nextDay = (iso: string) => new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

async function sentDocument(kind: string, fields: Form) {
  const id = await createDocument(v, co.jobId, kind, fields);
  const { link } = await sendDocument(v, id);
  return { id, link };
}

/** The draft editor's form as the page renders it, grouped by name. */
async function editorForm(id: string): Promise<Form> {
  const fields = formFields(await (await v.get(`/documents/${id}`)).text(), `/documents/${id}`).filter(
    ([k]) => k !== '_csrf',
  );
  const out: Record<string, string[]> = {};
  for (const [k, value] of fields) (out[k] ??= []).push(value);
  return Object.fromEntries(
    Object.entries(out).map(([k, values]) => [k, values.length === 1 && k !== 'line' ? values[0] : values]),
  );
}

let editor: Form;
const editorTarget: Target = {
  name: 'POST /documents/:id (draft editor)',
  method: 'POST',
  as: () => v,
  path: () => `/documents/${draft}`,
  pathWith: (id) => `/documents/${id}`,
  valid: () => editor,
};

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Sweep Documents Co' });
  v = Visitor.from(co.browser);
  const electrical = { group: co.groups.electrical };
  draft = await createDocument(v, co.jobId, 'estimate', { all: '1' });
  editor = await editorForm(draft);
  const line = (editor.line as string[]).find((l) => editor[`amount.${l}`] !== undefined)!;
  // Removing the line goes last: once it is gone its fields are no longer read.
  editorTarget.fields = {
    title: 'text',
    number: 'text',
    issueDate: 'date',
    dueDate: 'date',
    description: 'text',
    terms: 'text',
    footer: 'text',
    accountId: 'id',
    contactId: 'id',
    taxRate: 'number',
    depositKind: 'choice',
    depositValue: 'number',
    requireSignature: 'flag',
    line: 'id',
    [`name.${line}`]: 'text',
    [`description.${line}`]: 'text',
    [`quantity.${line}`]: 'number',
    [`unit.${line}`]: 'text',
    [`amount.${line}`]: 'number',
    [`taxable.${line}`]: 'flag',
    'kind._new': 'choice',
    'name._new': 'text',
    move: 'choice',
    [`remove.${line}`]: 'flag',
  } satisfies Record<string, FieldKind>;

  sends = rotation(
    await Promise.all(Array.from({ length: 5 }, () => createDocument(v, co.jobId, 'estimate', electrical))),
  );
  ({ id: sent } = await sentDocument('estimate', { all: '1' }));
  deadline = (await db().select({ d: documents.deadline }).from(documents).where(eq(documents.id, sent)))[0].d!;
  revisions = rotation([
    (await sentDocument('proposal', electrical)).id,
    (await sentDocument('proposal', electrical)).id,
  ]);
  voids = rotation([
    (await sentDocument('customer_invoice', electrical)).id,
    (await sentDocument('customer_invoice', electrical)).id,
  ]);
  ({ id: invoice } = await sentDocument('customer_invoice', { all: '1' }));
  ({ id: billId } = await sentDocument('bill', electrical));

  const bid = await sentDocument('bid_request', electrical);
  bidRequest = bid.id;
  const vendor = await openPortal(bid.link);
  const bidPage = await (await vendor.get(`/portal/documents/${bidRequest}`)).text();
  const costs = Object.fromEntries([...bidPage.matchAll(/name="(cost\.[a-z0-9]+)"/g)].map((m) => [m[1], '12.00']));
  const submitted = await vendor.post(`/portal/documents/${bidRequest}/bid`, {
    versionHash: await versionHashOf(vendor, bidRequest),
    ...costs,
  });
  if (submitted.status !== 303) throw new Error(`bid: ${submitted.status}`);

  approved = await createDocument(v, co.jobId, 'estimate', electrical);
  await editDraft(v, approved, (f) =>
    f.map(([k, value]) => [k, k === 'depositKind' ? 'percent' : k === 'depositValue' ? '10' : value]),
  );
  const customer = await openPortal((await sendDocument(v, approved)).link);
  const signed = await customer.post(`/portal/documents/${approved}/sign`, {
    versionHash: await versionHashOf(customer, approved),
    idempotencyKey: 'sweep-deposit',
    name: 'Dana Reyes',
    method: 'drawn', // a drawn signature has an image, which the signature route serves
    signature: `data:image/png;base64,${btoa(String.fromCharCode(...(await inkPng(300, 100))))}`,
    consent: 'yes',
  });
  if (signed.status !== 303) throw new Error(`sign: ${signed.status}`);
  [{ id: approvedSignature }] = await db()
    .select({ id: signatures.id })
    .from(signatures)
    .where(eq(signatures.documentId, approved));

  const base = `/documents/${sent}`;
  pdfId = await uploadFile(v, base, pdfFile());
  pngId = await uploadFile(v, base, pngFile(PNG));
  removals = rotation([await uploadFile(v, base, pdfFile('a.pdf')), await uploadFile(v, base, pdfFile('b.pdf'))]);

  asks = rotation(
    await Promise.all(Array.from({ length: 6 }, async () => (await sentDocument('estimate', electrical)).id)),
  );
  ({ id: slotDoc } = await sentDocument('estimate', electrical));
  for (let i = 0; i < 10; i++) {
    const res = await v.post(`/documents/${slotDoc}/file-requests`, { slotName: `Sweep slot ${i}` });
    if (res.status !== 303) throw new Error(`ask for a file: ${res.status}`);
  }
  const slots = await db()
    .select({ id: fileRequests.id, name: fileRequests.name })
    .from(fileRequests)
    .where(and(eq(fileRequests.orgId, co.orgId), eq(fileRequests.documentId, slotDoc)));
  waiveSlot = slots.find((s) => s.name === 'Sweep slot 0')!.id;
  slotRemovals = rotation(slots.filter((s) => s.id !== waiveSlot).map((s) => s.id));
  const marked = await Promise.all(
    Array.from({ length: 20 }, async () => (await sentDocument('estimate', electrical)).id),
  );
  for (const id of marked) {
    const page = await (await v.get(`/documents/${id}`)).text();
    const hash = /id="offline-approval"[\s\S]*?name="versionHash" value="([0-9a-f]{64})"/.exec(page)?.[1];
    if (!hash) throw new Error(`no offline approval form on ${id}`);
    offlineHash.set(id, hash);
  }
  offlines = rotation(marked);
  const [{ timeZone }] = await db().select({ timeZone: orgs.timeZone }).from(orgs).where(eq(orgs.id, co.orgId));
  approvedOn = todayIn(timeZone);
  await watchWrites();
}, 240_000);

const as = () => v;
const doc = (id: () => string) => () => `/documents/${id()}`;

const targets: Target[] = [
  {
    name: 'GET /jobs/:id/documents/new',
    method: 'GET',
    as,
    path: () => `/jobs/${co.jobId}/documents/new`,
    pathWith: (id) => `/jobs/${id}/documents/new`,
    fields: { kind: 'choice' },
  },
  {
    name: 'POST /jobs/:id/documents',
    method: 'POST',
    as,
    path: () => `/jobs/${co.jobId}/documents`,
    pathWith: (id) => `/jobs/${id}/documents`,
    fields: { kind: 'choice', group: 'id', item: 'id', all: 'flag', title: 'text' },
    valid: () => ({
      kind: 'estimate',
      group: co.groups.demolition,
      item: co.items[2].id,
      title: 'Demolition — estimate',
    }),
  },
  {
    name: 'GET /documents',
    method: 'GET',
    as,
    path: () => '/documents',
    fields: { type: 'choice', status: 'choice', jobId: 'id' },
  },
  { name: 'GET /documents/:id', method: 'GET', as, path: doc(() => sent), pathWith: (id) => `/documents/${id}` },
  {
    name: 'GET /documents/:id.pdf',
    method: 'GET',
    as,
    path: () => `/documents/${sent}.pdf`,
    pathWith: (id) => `/documents/${id}.pdf`,
    runs: 10,
  },
  {
    name: 'GET /documents/:id/versions/:n.pdf',
    method: 'GET',
    as,
    path: () => `/documents/${sent}/versions/1.pdf`,
    pathWith: (id) => `/documents/${sent}/versions/${id}.pdf`,
    runs: 10,
  },
  editorTarget,
  {
    name: 'POST /documents/:id/revise',
    method: 'POST',
    as,
    path: () => `/documents/${revisions.current()}/revise`,
    pathWith: (id) => `/documents/${id}/revise`,
    afterSuccess: () => revisions.next(),
    once: true,
    runs: 5,
  },
  {
    name: 'GET /documents/:id/compare',
    method: 'GET',
    as,
    path: () => `/documents/${sent}/compare`,
    pathWith: (id) => `/documents/${id}/compare`,
    fields: { from: 'number', to: 'number' },
    valid: () => ({ from: '1', to: '1' }),
  },
  {
    name: 'POST /documents/:id/payments',
    method: 'POST',
    as,
    path: doc(() => `${invoice}/payments`),
    pathWith: (id) => `/documents/${id}/payments`,
    fields: { amount: 'number', paidOn: 'date', method: 'choice', reference: 'text' },
    valid: () => ({ amount: '1.00', paidOn: '2026-01-15', method: 'Check', reference: 'Check 1001' }),
  },
  {
    name: 'POST /documents/:id/void',
    method: 'POST',
    as,
    path: () => `/documents/${voids.current()}/void`,
    pathWith: (id) => `/documents/${id}/void`,
    valid: () => ({ confirm: 'yes' }), // asked first without it (issue 14)
    afterSuccess: () => voids.next(),
    once: true,
    runs: 5,
  },
  {
    name: 'POST /documents/:id/approve-bill',
    method: 'POST',
    as,
    path: () => `/documents/${billId}/approve-bill`,
    pathWith: (id) => `/documents/${id}/approve-bill`,
    once: true,
    runs: 5,
  },
  {
    name: 'GET /documents/:id/send',
    method: 'GET',
    as,
    path: () => `/documents/${sends.current()}/send`,
    pathWith: (id) => `/documents/${id}/send`,
  },
  {
    name: 'GET /documents/:id/send/preview',
    method: 'GET',
    as,
    path: () => `/documents/${sends.current()}/send/preview`,
    pathWith: (id) => `/documents/${id}/send/preview`,
    fields: { name: 'text', message: 'text' },
  },
  {
    name: 'POST /documents/:id/send',
    method: 'POST',
    as,
    path: () => `/documents/${sends.current()}/send`,
    pathWith: (id) => `/documents/${id}/send`,
    fields: { name: 'text', email: 'email', message: 'text' },
    valid: () => ({ name: 'Dana Reyes', email: co.customerContact.email, message: 'Here it is.' }),
    afterSuccess: () => sends.next(),
    once: true,
  },
  {
    name: 'POST /documents/:id/resend',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/resend`,
    pathWith: (id) => `/documents/${id}/resend`,
    runs: 5,
  },
  {
    name: 'POST /documents/:id/deadline',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/deadline`,
    pathWith: (id) => `/documents/${id}/deadline`,
    fields: { deadline: 'text', seen: 'text' },
    valid: () => ({ deadline: nextDay(deadline), seen: deadline }),
    afterSuccess: () => void (deadline = nextDay(deadline)),
    room: () => sent,
    runs: 10,
  },
  {
    // One reminder an hour: the first valid post sends it, the rest are 429.
    name: 'POST /documents/:id/remind',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/remind`,
    pathWith: (id) => `/documents/${id}/remind`,
    room: () => sent,
    runs: 5,
    once: true,
  },
  // Issue 17: refused for this document (one signer, no countersignature), whatever is posted: never a 500.
  {
    name: 'POST /documents/:id/countersign',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/countersign`,
    pathWith: (id) => `/documents/${id}/countersign`,
    fields: { versionHash: 'text', name: 'text', method: 'choice', consent: 'choice', signature: 'text' },
    room: () => sent,
    once: true,
  },
  {
    name: 'POST /documents/:id/recipients/:contactId/remove',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/recipients/${co.customerContact.id}/remove`,
    pathWith: (id) => `/documents/${sent}/recipients/${id}/remove`,
    fields: { confirm: 'choice' },
    room: () => sent,
    once: true,
  },
  {
    name: 'POST /documents/:id/comments',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/comments`,
    pathWith: (id) => `/documents/${id}/comments`,
    fields: { body: 'text' },
    valid: () => ({ body: 'A comment from the sweep.' }),
    room: () => sent,
  },
  {
    name: 'POST /documents/:id/files',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/files`,
    pathWith: (id) => `/documents/${id}/files`,
    multipart: true,
    overLimit: 0,
    fields: { files: 'file' },
    room: () => sent,
    runs: 10,
  },
  {
    name: 'GET /documents/:id/files/:fileId',
    method: 'GET',
    as,
    path: () => `/documents/${sent}/files/${pdfId}`,
    pathWith: (id) => `/documents/${sent}/files/${id}`,
  },
  {
    name: 'GET /documents/:id/files/:fileId/preview',
    method: 'GET',
    as,
    path: () => `/documents/${sent}/files/${pngId}/preview`,
    pathWith: (id) => `/documents/${sent}/files/${id}/preview`,
  },
  {
    name: 'POST /documents/:id/files/:fileId/remove',
    method: 'POST',
    as,
    path: () => `/documents/${sent}/files/${removals.current()}/remove`,
    pathWith: (id) => `/documents/${sent}/files/${id}/remove`,
    valid: () => ({ confirm: 'yes' }), // asked first without it (issue 14)
    room: () => sent,
    afterSuccess: () => removals.next(),
    once: true,
    runs: 5,
  },
  {
    name: 'GET /documents/:id/live',
    method: 'GET',
    as,
    path: () => `/documents/${sent}/live`,
    pathWith: (id) => `/documents/${id}/live`,
    once: true,
    runs: 5,
  },
  {
    name: 'GET /documents/:id/signed.pdf',
    method: 'GET',
    as,
    path: () => `/documents/${approved}/signed.pdf`,
    pathWith: (id) => `/documents/${id}/signed.pdf`,
    runs: 5,
  },
  {
    name: 'GET /documents/:id/signatures/:id.png',
    method: 'GET',
    as,
    path: () => `/documents/${approved}/signatures/${approvedSignature}.png`,
    pathWith: (id) => `/documents/${approved}/signatures/${id}.png`,
    runs: 5,
  },
  {
    name: 'POST /documents/:id/accept-bid',
    method: 'POST',
    as,
    path: () => `/documents/${bidRequest}/accept-bid`,
    pathWith: (id) => `/documents/${id}/accept-bid`,
    valid: () => ({ confirm: 'yes' }), // asked first without it (issue 14)
    room: () => bidRequest,
    once: true,
    runs: 5,
  },
  {
    name: 'POST /documents/:id/deposit-invoice',
    method: 'POST',
    as,
    path: () => `/documents/${approved}/deposit-invoice`,
    pathWith: (id) => `/documents/${id}/deposit-invoice`,
    runs: 5,
  },
  // Issue 20: requested files. A document asks for ten at most, so every tenth accepted form moves to the next.
  {
    name: 'POST /documents/:id/file-requests',
    method: 'POST',
    as,
    path: () => `/documents/${asks.current()}/file-requests`,
    pathWith: (id) => `/documents/${id}/file-requests`,
    fields: { slotName: 'text', slotOptional: 'flag' },
    valid: () => ({ slotName: `Sweep file ${asked + 1}`, slotOptional: 'on' }),
    room: () => asks.current(),
    afterSuccess: () => {
      if (++asked % 10 === 0) asks.next();
    },
    runs: 10,
  },
  {
    // Waiving twice writes nothing the second time: every valid form is accepted.
    name: 'POST /documents/:id/file-requests/:slotId/waive',
    method: 'POST',
    as,
    path: () => `/documents/${slotDoc}/file-requests/${waiveSlot}/waive`,
    pathWith: (id) => `/documents/${slotDoc}/file-requests/${id}/waive`,
    room: () => slotDoc,
    runs: 5,
  },
  {
    name: 'POST /documents/:id/file-requests/:slotId/remove',
    method: 'POST',
    as,
    path: () => `/documents/${slotDoc}/file-requests/${slotRemovals.current()}/remove`,
    pathWith: (id) => `/documents/${slotDoc}/file-requests/${id}/remove`,
    room: () => slotDoc,
    afterSuccess: () => slotRemovals.next(),
    once: true,
    runs: 5,
  },
  // Issue 20: "Mark as approved" decides the document, so each accepted form moves to the next estimate.
  // These estimates offer no choices, so `chosen` is not read here (offline-approval.test.ts refuses a bad one).
  {
    name: 'POST /documents/:id/offline-approval',
    method: 'POST',
    as,
    path: () => `/documents/${offlines.current()}/offline-approval`,
    pathWith: (id) => `/documents/${id}/offline-approval`,
    multipart: true,
    overLimit: 0,
    fields: {
      versionHash: 'text',
      approverName: 'text',
      method: 'choice',
      approvedOn: 'date',
      note: 'text',
      scan: 'file',
    },
    valid: () => ({
      versionHash: offlineHash.get(offlines.current())!,
      approverName: 'Pat Patel',
      method: 'paper',
      approvedOn,
      note: 'Signed the printout.',
    }),
    room: () => offlines.current(),
    afterSuccess: () => offlines.next(),
    once: true,
    runs: 10,
  },
  {
    name: 'GET /documents/:id/offline-approval',
    method: 'GET',
    as,
    path: () => `/documents/${sent}/offline-approval`,
    pathWith: (id) => `/documents/${id}/offline-approval`,
    runs: 5,
  },
];

sweepSuite('documents', 'documents', targets, 180_000);
