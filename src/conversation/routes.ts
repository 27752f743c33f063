import { Hono } from 'hono';
import { currentUser } from '../auth/session';
import { kindOf } from '../documents/kinds';
import { Conflict, DomainError, STATUS_OF } from '../errors';
import { readCappedBody, type BodyCap } from '../http/body';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { requestFrom } from '../http/rate-limit';
import { setFormFlash } from '../http/flash';
import { cleanText, readForm } from '../http/validate';
import { addressedDocument, portalViewer } from '../portal/session';
import { documentRoom } from '../rooms/client';
import { postComment, removeFile, shareFiles, type ConversationTarget } from './actions';
import { contractorActor } from './activity';
import { contentDisposition, mayRemoveFile } from './files';
import { sideLabelOf } from './present';
import { contractorConversation, recipientConversation, sharedFile } from './queries';

/**
 * One upload request's cap: room for a file at the default per-file limit (25 MB) and a few more,
 * well below the 128 MB of an isolate (parsing holds the body about twice). Read only after the
 * sender is known (app.ts, http/body.ts).
 */
export const UPLOAD_BODY_CAP: BodyCap = {
  max: 32 * 1024 * 1024,
  message: 'That upload is larger than we accept in one go (32 MB). Upload fewer files at a time.',
};

export interface PageErrors {
  comment?: string;
  upload?: string;
  sign?: string;
  decline?: string;
  bid?: string;
  /** The portal's online payment (payments/portal-routes.ts): the amount refused, nothing to pay, Stripe down. */
  pay?: string;
  /** A decline posted without confirm=yes: the page asks "Decline …?" with values.reason (A renders it). */
  confirmDecline?: boolean;
  /** The portal's "Ask for an update" refused (deadlines/requests.ts): the document is not closed by its date. */
  ask?: string;
  /** A file removal posted without confirm=yes (either side): the files section asks "Remove plan.pdf?" first. */
  confirmRemove?: string;
  /** Issue 18: "Email me a code" refused (signing/email-code.ts): said by its button. */
  code?: string;
  /** The sign form's field its refusal is about (issue 18: `code`, a wrong emailed code). */
  signField?: string;
  values?: Record<string, string>;
}

type Side = 'contractor' | 'recipient';
/** How a side's document page renders itself again with a form's error (given in app.ts). */
export type PageRenderer = (c: AppContext, documentId: string, errors: PageErrors) => Promise<Response>;

interface Target extends ConversationTarget {
  audience: string;
  pageUrl: string;
}

/** Who is writing to which document, authorized like that side's document page. */
async function target(c: AppContext, side: Side): Promise<Target> {
  const db = c.get('db');
  const documentId = c.req.param('id') ?? '';
  const origin = c.env.APP_ORIGIN;
  if (side === 'contractor') {
    const { user, org } = currentUser(c);
    const row = await contractorConversation(db, org.id, documentId);
    if (!row) notFound();
    if (row.sentVersion === null)
      throw new Conflict('The conversation starts once the document is sent. Send it first.');
    return {
      room: { orgId: org.id, documentId, jobId: row.jobId, timeZone: org.timeZone, origin },
      actor: contractorActor(user),
      audience: 'contractor',
      sideLabel: org.name,
      maxBytes: row.maxUploadMb * 1024 * 1024,
      pageUrl: `/documents/${documentId}`,
    };
  }
  const viewer = portalViewer(c);
  // Read with the session by the portal's guard (portal/session.ts), or here when it was not.
  const read = addressedDocument(c, documentId);
  const row = read === undefined ? await recipientConversation(db, viewer, documentId) : read;
  if (!row) notFound();
  const role = kindOf(row.type, row.subtype)?.side ?? 'customer';
  return {
    room: { orgId: viewer.orgId, documentId, jobId: row.jobId, timeZone: viewer.org.timeZone, origin },
    actor: {
      side: 'recipient',
      contactId: viewer.contactId,
      name: viewer.name,
      ...requestFrom(c.req),
    },
    audience: `recipient:${viewer.contactId}`,
    sideLabel: sideLabelOf('recipient', viewer.org.name, role),
    maxBytes: row.maxUploadMb * 1024 * 1024,
    pageUrl: `/portal/documents/${documentId}`,
  };
}

const wantsJson = (c: AppContext) => (c.req.header('Accept') ?? '').includes('application/json');

/**
 * A refused comment or upload keeps the page: the document again with the message in the form and
 * what was typed kept (or JSON for the live page's script). Anything else goes to the one error page.
 */
async function keepPage<T>(
  c: AppContext,
  page: PageRenderer,
  work: () => Promise<T>,
  values?: Record<string, string>,
): Promise<T | Response> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof DomainError) || !err.field || (err.code !== 'refused' && err.code !== 'too_many')) throw err;
    const status = STATUS_OF[err.code] as 422 | 429;
    if (wantsJson(c)) return c.json({ error: err.message }, status);
    const res = await page(c, c.req.param('id') ?? '', { [err.field]: err.message, values });
    return new Response(res.body, { status, headers: res.headers });
  }
}

async function readCommentBody(c: AppContext) {
  const type = c.req.header('Content-Type') ?? '';
  let raw: unknown = '';
  if (type.startsWith('application/json')) raw = ((await c.req.json().catch(() => ({}))) as { body?: unknown }).body;
  else raw = (await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)).body;
  return typeof raw === 'string' ? cleanText(raw, true) : '';
}

/** The upload's files, and the requested file's slot it fills (issue 20), if it names one. */
async function readFiles(c: AppContext) {
  const body = await readCappedBody(c, { all: true });
  const list = ([] as unknown[])
    .concat(body.files ?? [])
    .filter((f): f is File => f instanceof File && (f.size > 0 || f.name !== ''));
  const slot = ([] as unknown[]).concat(body.slot ?? []).find((s) => typeof s === 'string');
  return { list, slot: typeof slot === 'string' && /^[a-z0-9]{8,40}$/.test(slot) ? slot : undefined };
}

async function download(c: AppContext, side: Side, preview: boolean) {
  const t = await target(c, side);
  const row = await sharedFile(c.get('db'), t.room.orgId, t.room.documentId, c.req.param('fileId') ?? '');
  if (!row) notFound();
  if (preview && !/^image\/(png|jpeg|gif|webp)$/.test(row.contentType)) notFound();
  const obj = await c.env.FILES.get(row.r2Key);
  if (!obj) notFound();
  return new Response(obj.body, {
    headers: {
      'Content-Type': row.contentType,
      'Content-Disposition': contentDisposition(preview ? 'inline' : 'attachment', row.name),
      'Content-Length': String(row.size),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, max-age=300',
    },
  });
}

/**
 * Posting a comment, as the sub-address and the portal's own address (intent=comment) both do:
 * success goes to the comment; a refusal keeps the page with the message in the form, text kept.
 */
export function commentHandler(side: Side, page: PageRenderer) {
  return async (c: AppContext) => {
    const t = await target(c, side);
    const body = await readCommentBody(c);
    const result = await keepPage(c, page, () => postComment(c.env, t, body), { body });
    if (result instanceof Response) return result;
    if (wantsJson(c)) return c.json({ ok: true, ...result }, 201);
    return c.redirect(`${t.pageUrl}#comment-${result.id}`, 303);
  };
}

/**
 * A refused upload. The upload form's address carries the CSRF token (`?_csrf=`), so a recipient's
 * refusal is not shown there: it goes back to the document's files (#files) with the message in a
 * one-time flash the files section shows. The contractor's page shows it in place, and so does the
 * rate limit's 429 (its status is the answer scripts and the limit's tests read).
 */
async function refusedUpload(
  c: AppContext,
  side: Side,
  t: Target,
  page: PageRenderer,
  err: DomainError,
  slot?: string,
) {
  const status = STATUS_OF[err.code] as 422 | 429;
  if (wantsJson(c)) return c.json({ error: err.message }, status);
  if (side === 'recipient' && err.code === 'refused') {
    // Shown only on this document's page: in the files section, or in the requested file's own form.
    // A slot removed meanwhile has no form: its refusal names the files section's field instead.
    const inSlot = slot && err.field !== 'files' ? slot : null;
    setFormFlash(c, inSlot ? `slot:${t.room.documentId}:${inSlot}` : `upload:${t.room.documentId}`, err.message);
    return c.redirect(`${t.pageUrl}#${inSlot ? `slot-${inSlot}` : 'files'}`, 303);
  }
  const res = await page(c, t.room.documentId, { upload: err.message });
  return new Response(res.body, { status, headers: res.headers });
}

const ID = '{[a-z0-9]+}';

/** The conversation routes of one side, under `prefix` ("/documents" or "/portal/documents"). */
export function conversationRoutes(side: Side, prefix: string, page: PageRenderer) {
  const routes = new Hono<AppEnv>()
    .post(`${prefix}/:id/comments`, commentHandler(side, page))
    .post(`${prefix}/:id/files`, async (c) => {
      const t = await target(c, side);
      let result: { id: string; name: string }[];
      const { list, slot } = await readFiles(c);
      // Issue 20: a recipient's upload may fill a requested file's slot (the contractor's never does).
      const into = side === 'recipient' ? slot : undefined;
      try {
        result = await shareFiles(c.env, c.get('db'), t, list, into);
      } catch (err) {
        if (err instanceof DomainError && (err.code === 'refused' || err.code === 'too_many'))
          return refusedUpload(c, side, t, page, err, into);
        throw err;
      }
      if (wantsJson(c)) return c.json({ ok: true, files: result }, 201);
      return c.redirect(`${t.pageUrl}#${into ? 'requested-files' : 'files-h'}`, 303);
    })
    .get(`${prefix}/:id/files/:fileId`, (c) => download(c, side, false))
    .get(`${prefix}/:id/files/:fileId/preview`, (c) => download(c, side, true))
    .post(`${prefix}/:id/files/:fileId/remove`, async (c) => {
      const t = await target(c, side);
      const fileId = c.req.param('fileId');
      // Either side is asked first ("Remove plan.pdf?"): a form without confirm=yes removes nothing.
      if (!wantsJson(c) && (await readForm(c)).confirm !== 'yes') {
        const file = await sharedFile(c.get('db'), t.room.orgId, t.room.documentId, fileId);
        if (!file || !mayRemoveFile(t.actor, file)) notFound();
        return page(c, t.room.documentId, { confirmRemove: file.id }).then(
          (res) => new Response(res.body, { status: 200, headers: res.headers }),
        );
      }
      await removeFile(c.env, t, fileId);
      if (wantsJson(c)) return c.json({ ok: true });
      return c.redirect(`${t.pageUrl}#files-h`, 303);
    })
    .get(`${prefix}/:id/live`, async (c) => {
      if (c.req.header('Upgrade') !== 'websocket')
        return c.text('This address is for live updates over a WebSocket.', 426);
      const t = await target(c, side);
      const headers = new Headers({ Upgrade: 'websocket', 'X-Audience': t.audience });
      // A recipient's socket is tagged with the access version of their session: the room drops it once that moves on.
      if (side === 'recipient') {
        headers.set('X-Document', t.room.documentId);
        headers.set('X-Access-Version', String(portalViewer(c).accessVersion));
      }
      return documentRoom(c.env, t.room.documentId).fetch(new Request('https://room/live', { headers }));
    });
  if (side === 'contractor') return routes;
  // No address a recipient can land on is POST-only: reopened (a reload, the back button), each
  // form's address leads to its place on the document.
  const back = (anchor: string) => (c: AppContext) =>
    c.redirect(`/portal/documents/${c.req.param('id')}#${anchor}`, 303);
  return routes
    .get(`${prefix}/:id${ID}/comments`, back('comment-form'))
    .get(`${prefix}/:id${ID}/files`, back('files'))
    .get(`${prefix}/:id${ID}/files/:fileId/remove`, back('files'));
}

export function isUploadPath(path: string) {
  return /^\/(portal\/)?documents\/[a-z0-9]+\/files$/.test(path);
}
