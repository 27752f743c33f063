import { env } from 'cloudflare:workers';
import { beforeAll } from 'vitest';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import {
  openPortal,
  pdfFile,
  pngFile,
  rotation,
  signatureDataUrl,
  type Target,
  uploadFile,
  versionHashOf,
  Visitor,
  watchWrites,
  sweepSuite,
} from './hostile';
import { PNG } from './portal-fixtures';

// The hostile-input sweep over the recipient's portal: pages, the conversation, and the
// decisions (sign or approve, decline, bid).

let co: Awaited<ReturnType<typeof companyWithBudget>>;
let customer: Visitor;
let vendor: Visitor;
let shared: string;
let codeDoc: string; // issue 18: a document that asks for an emailed code before signing
let bidRequest: string;
let bidLine: string;
const hashes = new Map<string, string>();
let signs: ReturnType<typeof rotation<string>>;
let declines: ReturnType<typeof rotation<string>>;
let removals: ReturnType<typeof rotation<string>>;
let pdfId: string;
let pngId: string;
let signature: string;
const signed: string[] = [];

beforeAll(async () => {
  co = await companyWithBudget({ company: 'Sweep Portal Co' });
  const owner = Visitor.from(co.browser);
  const send = async (kind: string, fields: Record<string, string>) => {
    const id = await createDocument(owner, co.jobId, kind, fields);
    return { id, link: (await sendDocument(owner, id)).link };
  };
  const first = await send('estimate', { all: '1' });
  shared = first.id;
  customer = await openPortal(first.link);
  const toSign = [
    (await send('estimate', { group: co.groups.demolition })).id,
    (await send('proposal', { group: co.groups.demolition })).id,
    (await send('change_order', { group: co.groups.demolition })).id,
  ];
  const toDecline = [
    (await send('estimate', { group: co.groups.electrical })).id,
    (await send('proposal', { group: co.groups.electrical })).id,
  ];
  codeDoc = (await send('estimate', { group: co.groups.demolition })).id;
  await env.DB.prepare('UPDATE documents SET email_code = 1 WHERE id = ?').bind(codeDoc).run();
  for (const id of [...toSign, ...toDecline, codeDoc]) hashes.set(id, await versionHashOf(customer, id));
  signs = rotation(toSign);
  declines = rotation(toDecline);

  const bid = await send('bid_request', { group: co.groups.electrical });
  bidRequest = bid.id;
  vendor = await openPortal(bid.link);
  hashes.set(bidRequest, await versionHashOf(vendor, bidRequest));
  bidLine = /name="cost\.([a-z0-9]+)"/.exec(await (await vendor.get(`/portal/documents/${bidRequest}`)).text())![1];

  const base = `/portal/documents/${shared}`;
  pdfId = await uploadFile(customer, base, pdfFile());
  pngId = await uploadFile(customer, base, pngFile(PNG));
  removals = rotation([
    await uploadFile(customer, base, pdfFile('a.pdf')),
    await uploadFile(customer, base, pdfFile('b.pdf')),
  ]);
  signature = await signatureDataUrl();
  await watchWrites();
}, 120_000);

const as = () => customer;
const portal = (id: string) => `/portal/documents/${id}`;
/** A form's address opened with GET (issue 13): it leads to the form on the document. */
const reopen = (sub: string) => ({
  method: 'GET' as const,
  as,
  path: () => `${portal(shared)}/${sub}`,
  pathWith: (id: string) => `${portal(id)}/${sub}`,
  runs: 5,
});

const targets: Target[] = [
  { name: 'GET /portal', method: 'GET', as, path: () => '/portal', fields: { notice: 'text', company: 'id' } },
  { name: 'GET /portal/companies', method: 'GET', as, path: () => '/portal/companies' },
  {
    name: 'GET /portal/jobs/:id',
    method: 'GET',
    as,
    path: () => `/portal/jobs/${co.jobId}`,
    pathWith: (id) => `/portal/jobs/${id}`,
  },
  {
    name: 'GET /portal/documents/:id',
    method: 'GET',
    as,
    path: () => portal(shared),
    pathWith: (id) => portal(id),
    fields: { notice: 'text' },
    room: () => shared,
  },
  {
    name: 'GET /portal/documents/:id.pdf',
    method: 'GET',
    as,
    path: () => `${portal(shared)}.pdf`,
    pathWith: (id) => `${portal(id)}.pdf`,
    runs: 10,
  },
  { name: 'GET /portal/logo', method: 'GET', as, path: () => '/portal/logo', once: true, runs: 0 },
  {
    name: 'POST /portal/documents/:id/comments',
    method: 'POST',
    as,
    path: () => `${portal(shared)}/comments`,
    pathWith: (id) => `${portal(id)}/comments`,
    fields: { body: 'text' },
    valid: () => ({ body: 'A question from the sweep.' }),
    room: () => shared,
  },
  {
    name: 'POST /portal/documents/:id/files',
    method: 'POST',
    as,
    path: () => `${portal(shared)}/files`,
    pathWith: (id) => `${portal(id)}/files`,
    multipart: true,
    overLimit: 0,
    fields: { files: 'file' },
    room: () => shared,
    runs: 10,
    // A recipient's refused upload goes back to the files with its message (issue 13).
    refusedTo: () => `${portal(shared)}#files`,
  },
  {
    name: 'GET /portal/documents/:id/files/:fileId',
    method: 'GET',
    as,
    path: () => `${portal(shared)}/files/${pdfId}`,
    pathWith: (id) => `${portal(shared)}/files/${id}`,
  },
  {
    name: 'GET /portal/documents/:id/files/:fileId/preview',
    method: 'GET',
    as,
    path: () => `${portal(shared)}/files/${pngId}/preview`,
    pathWith: (id) => `${portal(shared)}/files/${id}/preview`,
  },
  {
    name: 'POST /portal/documents/:id/files/:fileId/remove',
    method: 'POST',
    as,
    path: () => `${portal(shared)}/files/${removals.current()}/remove`,
    pathWith: (id) => `${portal(shared)}/files/${id}/remove`,
    // Issue 13: the first post only asks; confirm=yes removes.
    fields: { confirm: 'choice' },
    valid: () => ({ confirm: 'yes' }),
    room: () => shared,
    afterSuccess: () => removals.next(),
    once: true,
    runs: 5,
  },
  {
    name: 'GET /portal/documents/:id/live',
    method: 'GET',
    as,
    path: () => `${portal(shared)}/live`,
    pathWith: (id) => `${portal(id)}/live`,
    once: true,
    runs: 5,
  },
  {
    name: 'POST /portal/documents/:id/sign',
    method: 'POST',
    as,
    path: () => `${portal(signs.current())}/sign`,
    pathWith: (id) => `${portal(id)}/sign`,
    fields: {
      name: 'text',
      method: 'choice',
      consent: 'choice',
      signature: 'signature',
      versionHash: 'token',
      idempotencyKey: 'token',
    },
    valid: () => ({
      name: 'Dana Reyes',
      method: 'drawn',
      consent: 'yes',
      signature,
      versionHash: hashes.get(signs.current())!,
      idempotencyKey: crypto.randomUUID(),
    }),
    room: () => signs.current(),
    afterSuccess: () => {
      signed.push(signs.current());
      signs.next();
    },
    once: true,
  },
  {
    name: 'GET /portal/documents/:id/signed.pdf',
    method: 'GET',
    as,
    path: () => `${portal(signed[0] ?? signs.current())}/signed.pdf`,
    pathWith: (id) => `${portal(id)}/signed.pdf`,
    runs: 5,
  },
  {
    name: 'POST /portal/documents/:id/decline',
    method: 'POST',
    as,
    path: () => `${portal(declines.current())}/decline`,
    pathWith: (id) => `${portal(id)}/decline`,
    fields: { reason: 'text', versionHash: 'token', confirm: 'choice' },
    valid: () => ({ reason: 'Too expensive.', versionHash: hashes.get(declines.current())!, confirm: 'yes' }),
    room: () => declines.current(),
    afterSuccess: () => declines.next(),
    once: true,
  },
  {
    // Issue 20: the options picked without JavaScript, carried back to the page in its address; nothing is written.
    name: 'POST /portal/documents/:id/choose',
    method: 'POST',
    as,
    path: () => `${portal(shared)}/choose`,
    pathWith: (id) => `${portal(id)}/choose`,
    fields: { choose: 'id', 'choose-0': 'id' },
    runs: 10,
  },
  {
    name: 'POST /portal/documents/:id/bid',
    method: 'POST',
    as: () => vendor,
    path: () => `${portal(bidRequest)}/bid`,
    pathWith: (id) => `${portal(id)}/bid`,
    get fields() {
      return {
        [`cost.${bidLine}`]: 'number',
        [`note.${bidLine}`]: 'text',
        note: 'text',
        versionHash: 'token',
      } as const;
    },
    valid: () => ({
      [`cost.${bidLine}`]: '41.50',
      [`note.${bidLine}`]: 'In stock',
      note: 'Two weeks lead time.',
      versionHash: hashes.get(bidRequest)!,
    }),
    room: () => bidRequest,
  },
  // Issue 18: "Email me a code" (at most 5 an hour for one document and person: the valid form is not repeated).
  {
    name: 'POST /portal/documents/:id/code',
    method: 'POST',
    as,
    path: () => `${portal(codeDoc)}/code`,
    pathWith: (id) => `${portal(id)}/code`,
    fields: { versionHash: 'token' },
    valid: () => ({ versionHash: hashes.get(codeDoc)! }),
    room: () => codeDoc,
    once: true,
  },
  { name: 'GET /portal/documents/:id/code', ...reopen('code') },
  // Issue 13: the document's own address takes every form by its intent (here the repeatable one,
  // a comment; the hostile values reach the intent and, past it, each form's own checks).
  {
    name: 'POST /portal/documents/:id',
    method: 'POST',
    as,
    path: () => portal(shared),
    pathWith: (id) => portal(id),
    fields: { intent: 'choice', body: 'text', name: 'text', reason: 'text', confirm: 'choice' },
    valid: () => ({ intent: 'comment', body: 'A question from the sweep.' }),
    room: () => shared,
  },
  // Reopening a form's address (GET) leads to its form on the document.
  { name: 'GET /portal/documents/:id/sign', ...reopen('sign') },
  { name: 'GET /portal/documents/:id/decline', ...reopen('decline') },
  { name: 'GET /portal/documents/:id/bid', ...reopen('bid') },
  { name: 'GET /portal/documents/:id/comments', ...reopen('comments') },
  { name: 'GET /portal/documents/:id/files', ...reopen('files') },
  {
    name: 'GET /portal/documents/:id/files/:fileId/remove',
    method: 'GET',
    as,
    path: () => `${portal(shared)}/files/${pdfId}/remove`,
    pathWith: (id) => `${portal(shared)}/files/${id}/remove`,
    runs: 5,
  },
];

sweepSuite('the portal', 'portal', targets, 180_000);
