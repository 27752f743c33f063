import { createId } from '../db/ids';
import { and, eq, isNull } from 'drizzle-orm';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { currentUser } from '../auth/session';
import { documents, files, orgs } from '../db/schema';
import { kindOf } from '../documents/kinds';
import type { AppContext, AppEnv } from '../http/context';
import { notFound } from '../http/errors';
import { clientIp, hitRateLimit } from '../http/rate-limit';
import { cleanText } from '../http/validate';
import { visibleTo } from '../portal/queries';
import { portalViewer } from '../portal/session';
import type { RoomContext } from '../rooms/document-room';
import { contractorActor, type Actor } from './activity';
import { checkUpload, contentDisposition } from './files';
import { sideLabelOf } from './present';

export const MAX_COMMENT = 5000;
const MAX_FILES_PER_REQUEST = 20;
const UPLOAD_LIMIT = 100 * 1024 * 1024;

export interface PageErrors {
  comment?: string;
  upload?: string;
  sign?: string;
  decline?: string;
  bid?: string;
  values?: Record<string, string>;
}

/** Who is writing to which document, authorized like that side's document page. */
interface Target {
  room: RoomContext;
  actor: Actor;
  audience: string;
  sideLabel: string;
  maxBytes: number;
  pageUrl: string;
  filesBase: string;
}

type Side = 'contractor' | 'recipient';
type PageRenderer = (c: AppContext, documentId: string, errors: PageErrors) => Promise<Response>;

const renderers: Partial<Record<Side, PageRenderer>> = {};
/** The document pages register how to re-render themselves with a form error. */
export function registerPage(side: Side, renderer: PageRenderer) {
  renderers[side] = renderer;
}

async function target(c: AppContext, side: Side): Promise<Target> {
  const db = c.get('db');
  const documentId = c.req.param('id') ?? '';
  const origin = new URL(c.req.url).origin;
  if (side === 'contractor') {
    const { user, org } = currentUser(c);
    const [row] = await db
      .select({ jobId: documents.jobId, sentVersion: documents.sentVersion, type: documents.type, subtype: documents.subtype, maxUploadMb: orgs.maxUploadMb })
      .from(documents)
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .where(and(eq(documents.orgId, org.id), eq(documents.id, documentId)));
    if (!row) notFound();
    if (row.sentVersion === null) throw new HTTPException(409, { message: 'The conversation starts once the document is sent. Send it first.' });
    return {
      room: { orgId: org.id, documentId, jobId: row.jobId, timeZone: org.timeZone, origin },
      actor: contractorActor(user),
      audience: 'contractor',
      sideLabel: org.name,
      maxBytes: row.maxUploadMb * 1024 * 1024,
      pageUrl: `/documents/${documentId}`,
      filesBase: `/documents/${documentId}/files`,
    };
  }
  const viewer = portalViewer(c);
  const [row] = await db
    .select({ jobId: documents.jobId, type: documents.type, subtype: documents.subtype, maxUploadMb: orgs.maxUploadMb })
    .from(documents)
    .innerJoin(orgs, eq(orgs.id, documents.orgId))
    .where(and(visibleTo(viewer), eq(documents.id, documentId)));
  if (!row) notFound();
  const role = kindOf(row.type, row.subtype)?.side ?? 'customer';
  return {
    room: { orgId: viewer.orgId, documentId, jobId: row.jobId, timeZone: viewer.org.timeZone, origin },
    actor: { side: 'recipient', contactId: viewer.contactId, name: viewer.name, ip: clientIp(c.req), userAgent: c.req.header('User-Agent') ?? '' },
    audience: `recipient:${viewer.contactId}`,
    sideLabel: sideLabelOf('recipient', viewer.org.name, role),
    maxBytes: row.maxUploadMb * 1024 * 1024,
    pageUrl: `/portal/documents/${documentId}`,
    filesBase: `/portal/documents/${documentId}/files`,
  };
}

const room = (c: AppContext, documentId: string) => c.env.DOCUMENT_ROOM.get(c.env.DOCUMENT_ROOM.idFromName(documentId));
const wantsJson = (c: AppContext) => (c.req.header('Accept') ?? '').includes('application/json');

async function refuse(c: AppContext, side: Side, errors: PageErrors, status: 413 | 422 | 429 = 422) {
  const message = errors.comment ?? errors.upload ?? 'Not accepted.';
  if (wantsJson(c)) return c.json({ error: message }, status);
  const renderer = renderers[side];
  if (!renderer) throw new HTTPException(status, { message });
  const res = await renderer(c, c.req.param('id') ?? '', errors);
  return new Response(res.body, { status, headers: res.headers });
}

async function postComment(c: AppContext, side: Side) {
  const t = await target(c, side);
  const type = c.req.header('Content-Type') ?? '';
  let raw: unknown = '';
  if (type.startsWith('application/json')) raw = ((await c.req.json().catch(() => ({}))) as { body?: unknown }).body;
  else raw = (await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)).body;
  const body = typeof raw === 'string' ? cleanText(raw, true) : '';
  if (!body) return refuse(c, side, { comment: 'Write a comment before posting.' });
  if (body.length > MAX_COMMENT) return refuse(c, side, { comment: `A comment can be at most ${MAX_COMMENT.toLocaleString('en-US')} characters; this one has ${body.length.toLocaleString('en-US')}.` });
  const result = await room(c, t.room.documentId).comment({ ...t.room, actor: t.actor, sideLabel: t.sideLabel, body });
  if (wantsJson(c)) return c.json({ ok: true, ...result }, 201);
  return c.redirect(`${t.pageUrl}#comment-${result.id}`, 303);
}

async function uploadFiles(c: AppContext, side: Side) {
  const t = await target(c, side);
  // Per contractor user, or per recipient contact and address: never one bucket shared by every org.
  const who = side === 'contractor' ? `contractor:${t.room.orgId}:${t.actor.userId ?? ''}` : `${t.audience}:${clientIp(c.req)}`;
  const limit = await hitRateLimit(c.get('db'), `upload:${who}`, 60, 3_600_000);
  if (!limit.allowed) return refuse(c, side, { upload: 'Too many uploads in the last hour. Try again later.' }, 429);
  const body = await c.req.parseBody({ all: true }).catch(() => ({}) as Record<string, unknown>);
  const list = ([] as unknown[]).concat(body.files ?? []).filter((f): f is File => f instanceof File && (f.size > 0 || f.name !== ''));
  if (!list.length) return refuse(c, side, { upload: 'Choose one or more files to upload.' });
  if (list.length > MAX_FILES_PER_REQUEST) return refuse(c, side, { upload: `Upload at most ${MAX_FILES_PER_REQUEST} files at a time.` });
  // Every file is checked before any is stored: a refused upload stores nothing.
  const checked = [];
  for (const file of list) {
    if (file.size > t.maxBytes) return refuse(c, side, { upload: `${file.name || 'A file'} is larger than ${t.maxBytes / 1024 / 1024} MB, the most we accept per file.` });
    const bytes = new Uint8Array(await file.arrayBuffer());
    const check = checkUpload(file.name, bytes, t.maxBytes);
    if (!check.ok) return refuse(c, side, { upload: check.error });
    checked.push({ bytes, ...check });
  }
  const stored = [];
  for (const f of checked) {
    const id = createId();
    const r2Key = `org/${t.room.orgId}/doc/${t.room.documentId}/${id}`;
    await c.env.FILES.put(r2Key, f.bytes, { httpMetadata: { contentType: f.contentType } });
    try {
      await room(c, t.room.documentId).attachFile({ ...t.room, actor: t.actor, file: { id, r2Key, name: f.name, contentType: f.contentType, size: f.bytes.byteLength } });
    } catch (err) {
      await c.env.FILES.delete(r2Key); // no orphan object when the row could not be written
      throw err;
    }
    stored.push({ id, name: f.name });
  }
  if (wantsJson(c)) return c.json({ ok: true, files: stored }, 201);
  return c.redirect(`${t.pageUrl}#files-h`, 303);
}

async function fileRow(c: AppContext, t: Target) {
  const [row] = await c
    .get('db')
    .select()
    .from(files)
    .where(and(eq(files.orgId, t.room.orgId), eq(files.documentId, t.room.documentId), eq(files.id, c.req.param('fileId') ?? ''), isNull(files.removedAt)));
  if (!row) notFound();
  return row;
}

async function downloadFile(c: AppContext, side: Side, preview: boolean) {
  const t = await target(c, side);
  const row = await fileRow(c, t);
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

async function removeFile(c: AppContext, side: Side) {
  const t = await target(c, side);
  const result = await room(c, t.room.documentId).removeFile({ ...t.room, actor: t.actor, fileId: c.req.param('fileId') ?? '' });
  if (!result.ok || !result.r2Key) notFound();
  await c.env.FILES.delete(result.r2Key); // the row says removed first, so a failed delete leaves no visible file
  if (wantsJson(c)) return c.json({ ok: true });
  return c.redirect(`${t.pageUrl}#files-h`, 303);
}

async function live(c: AppContext, side: Side) {
  if (c.req.header('Upgrade') !== 'websocket') throw new HTTPException(426, { message: 'This address is for live updates over a WebSocket.' });
  const t = await target(c, side);
  const headers = new Headers({ Upgrade: 'websocket', 'X-Audience': t.audience });
  return room(c, t.room.documentId).fetch(new Request('https://room/live', { headers }));
}

function routesFor(side: Side, prefix: string) {
  return new Hono<AppEnv>()
    .post(`${prefix}/:id/comments`, (c) => postComment(c, side))
    .post(`${prefix}/:id/files`, (c) => uploadFiles(c, side))
    .get(`${prefix}/:id/files/:fileId`, (c) => downloadFile(c, side, false))
    .get(`${prefix}/:id/files/:fileId/preview`, (c) => downloadFile(c, side, true))
    .post(`${prefix}/:id/files/:fileId/remove`, (c) => removeFile(c, side))
    .get(`${prefix}/:id/live`, (c) => live(c, side));
}

export const contractorConversationRoutes = routesFor('contractor', '/documents');
// Mounted after the portal routes, whose requirePortal guards every /portal/* path.
export const recipientConversationRoutes = routesFor('recipient', '/portal/documents');

export const UPLOAD_BODY_LIMIT = UPLOAD_LIMIT;

export function isUploadPath(path: string) {
  return /^\/(portal\/)?documents\/[a-z0-9]+\/files$/.test(path);
}
