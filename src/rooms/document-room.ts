import { createId } from '../db/ids';
import { DurableObject } from 'cloudflare:workers';
import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import { renderToString } from 'preact-render-to-string';
import { html } from '../../views/html';
import { CommentItem, FileItem, TimelineItem, type CommentView, type FileView } from '../../views/components/conversation';
import { renderMail } from '../../views/mail/message';
import { activityInsert, type Actor } from '../conversation/activity';
import { describeEvent } from '../conversation/feed';
import { database, type Db } from '../db/client';
import { activity, comments, contacts, documents, files, orgs, users } from '../db/schema';
import type { Env } from '../env';
import { queueMail, deliverDueMail } from '../mail/outbox';
import { portalLink } from '../documents/send';
import { viewStatements, type ViewInput as ViewRow } from '../portal/views';
import { acceptBidStatements, approvalEvent, approvalStatements, bidStatements, declineStatements, type BidRequestInput, type Refusal, type SignRequest } from '../signing/decisions';
import { decisionState, itemLinesOf } from '../signing/queries';

export interface RoomContext {
  orgId: string;
  documentId: string;
  jobId: string;
  timeZone: string;
  origin: string;
}

export interface CommentInput extends RoomContext {
  actor: Actor;
  sideLabel: string;
  body: string;
}

export interface FileInput extends RoomContext {
  actor: Actor;
  file: { id: string; r2Key: string; name: string; contentType: string; size: number };
}

/** A recipient's view, as the room logs it (viewStatements) and then broadcasts it. */
export type ViewInput = RoomContext & Omit<ViewRow, 'activityId'>;

const NOTIFY_EVERY_MS = 10 * 60_000;
type Audience = 'contractor' | 'recipient';

/**
 * One per document: every write to a sent document runs here, one at a time. D1 and R2 awaits open
 * the object's input gate, so the room keeps its own promise chain as a queue. Each write commits
 * its rows in one db.batch(); the activity row's timeline position is the next gapless number,
 * computed inside that same insert (D1 applies statements one at a time), so a reset room loses
 * nothing and a write costs one round trip. Then the event goes to every open page by WebSocket.
 * The room touches only D1: R2 objects are written before and deleted after, by the Worker.
 */
export class DocumentRoom extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();
  private db: Db;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.db = database(env.DB);
    // Keep-alive pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
  }

  protected serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private seqOf(statement: { id: string }) {
    return this.db.select({ seq: activity.seq }).from(activity).where(eq(activity.id, statement.id));
  }

  async comment(input: CommentInput): Promise<{ id: string; seq: number; createdAt: number }> {
    return this.serialize(async () => {
      const now = Date.now();
      const id = createId();
      const activityId = createId();
      // The notify times are read in the same batch, so a comment costs the room one round trip.
      const [, , seqRows, notified] = await this.db.batch([
        this.db.insert(comments).values({ id, orgId: input.orgId, documentId: input.documentId, side: input.actor.side, userId: input.actor.userId ?? null, contactId: input.actor.contactId ?? null, authorName: input.actor.name, body: input.body, createdAt: now }),
        activityInsert(this.db, { id: activityId, orgId: input.orgId, jobId: input.jobId, documentId: input.documentId, action: 'commented', actor: input.actor, data: { commentId: id, excerpt: input.body.slice(0, 140) }, at: now }),
        this.seqOf({ id: activityId }),
        this.db.select({ contractorAt: documents.notifiedContractorAt, recipientAt: documents.notifiedRecipientAt }).from(documents).where(eq(documents.id, input.documentId)),
      ]);
      const seq = seqRows[0]?.seq ?? 0;
      const comment: CommentView = { id, side: input.actor.side, authorName: input.actor.name, sideLabel: input.sideLabel, body: input.body, createdAt: now };
      this.broadcast(input, { type: 'comment', seq, html: () => renderToString(html`<${CommentItem} c=${comment} timeZone=${input.timeZone} />` as never) }, activityId);
      await this.scheduleNotice(input, input.actor.side === 'contractor' ? 'recipient' : 'contractor', now, notified[0]);
      return { id, seq, createdAt: now };
    });
  }

  async attachFile(input: FileInput): Promise<{ seq: number }> {
    return this.serialize(async () => {
      const now = Date.now();
      const activityId = createId();
      const f = input.file;
      const [, , seqRows] = await this.db.batch([
        this.db.insert(files).values({ id: f.id, orgId: input.orgId, documentId: input.documentId, r2Key: f.r2Key, name: f.name, contentType: f.contentType, size: f.size, side: input.actor.side, userId: input.actor.userId ?? null, contactId: input.actor.contactId ?? null, uploaderName: input.actor.name, createdAt: now }),
        activityInsert(this.db, { id: activityId, orgId: input.orgId, jobId: input.jobId, documentId: input.documentId, action: 'file_added', actor: input.actor, data: { fileId: f.id, name: f.name, size: f.size }, at: now }),
        this.seqOf({ id: activityId }),
      ]);
      const seq = seqRows[0]?.seq ?? 0;
      const view = (audience: string): FileView => ({ id: f.id, name: f.name, size: f.size, contentType: f.contentType, uploaderName: input.actor.name, side: input.actor.side, createdAt: now, canRemove: audience === 'contractor' || audience === `recipient:${input.actor.contactId}` });
      this.broadcast(input, { type: 'file_added', seq, fileId: f.id, html: (audience) => renderToString(html`<${FileItem} f=${view(audience)} base=${filesBase(audience, input.documentId)} csrf="" timeZone=${input.timeZone} />` as never) }, activityId);
      return { seq };
    });
  }

  /** Removes a file if this actor may: its uploader, or anyone on the contractor's side. */
  async removeFile(input: RoomContext & { actor: Actor; fileId: string }): Promise<{ ok: boolean; r2Key?: string }> {
    return this.serialize(async () => {
      const [file] = await this.db.select().from(files).where(and(eq(files.orgId, input.orgId), eq(files.documentId, input.documentId), eq(files.id, input.fileId), isNull(files.removedAt)));
      const allowed = file && (input.actor.side === 'contractor' || (file.side === 'recipient' && file.contactId === input.actor.contactId));
      if (!file || !allowed) return { ok: false };
      const now = Date.now();
      const activityId = createId();
      const [, , seqRows] = await this.db.batch([
        this.db.update(files).set({ removedAt: now }).where(and(eq(files.id, file.id), isNull(files.removedAt))),
        activityInsert(this.db, { id: activityId, orgId: input.orgId, jobId: input.jobId, documentId: input.documentId, action: 'file_removed', actor: input.actor, data: { fileId: file.id, name: file.name }, at: now }),
        this.seqOf({ id: activityId }),
      ]);
      this.broadcast(input, { type: 'file_removed', seq: seqRows[0]?.seq ?? 0, fileId: file.id }, activityId);
      return { ok: true, r2Key: file.r2Key };
    });
  }

  async viewed(input: ViewInput): Promise<void> {
    return this.serialize(async () => {
      const activityId = createId();
      const statements = viewStatements(this.db, { ...input, activityId });
      await this.db.batch(statements);
      this.broadcast(input, { type: 'viewed' }, activityId);
    });
  }

  // Decisions. Each checks the current state inside the queue, so concurrent submissions see each
  // other: fifty "Approve & sign" clicks make one signature and forty-nine "already signed".

  async sign(input: RoomContext & { contactId: string; request: SignRequest }): Promise<{ ok: true; signatureId: string } | Refusal> {
    const key = `idem:${input.request.idempotencyKey}`;
    const remembered = await this.ctx.storage.get<{ ok: true; signatureId: string } | Refusal>(key);
    if (remembered) return remembered;
    return this.serialize(async () => {
      const again = await this.ctx.storage.get<{ ok: true; signatureId: string } | Refusal>(key);
      if (again) return again;
      const state = await decisionState(this.db, input.orgId, input.documentId, input.contactId);
      if (!state) return { ok: false, code: 'closed', message: 'This document is no longer available.' } as Refusal;
      const lines = state.document.subtype === 'change_order' && approvalEvent(state.document.type) ? await itemLinesOf(this.db, input.orgId, state.version.id) : [];
      const planned = approvalStatements(this.db, state, input.request, Date.now(), lines);
      if ('refusal' in planned) return planned.refusal;
      try {
        const [first, ...rest] = planned.statements;
        await this.db.batch([first, ...rest]);
      } catch (err) {
        if (String(err).includes('UNIQUE')) return { ok: false, code: 'already', message: 'This document has already been signed.' } as Refusal;
        throw err;
      }
      const result = { ok: true as const, signatureId: planned.signatureId };
      await this.ctx.storage.put(key, result);
      this.broadcast(input, { type: 'decision' }, planned.activityId);
      return result;
    });
  }

  async decline(input: RoomContext & { contactId: string; versionHash: string; reason: string; actor: Actor }): Promise<{ ok: true } | Refusal> {
    return this.serialize(async () => {
      const state = await decisionState(this.db, input.orgId, input.documentId, input.contactId);
      if (!state) return { ok: false, code: 'closed', message: 'This document is no longer available.' } as Refusal;
      const planned = declineStatements(this.db, state, { versionHash: input.versionHash, reason: input.reason, actor: input.actor, origin: input.origin }, Date.now());
      if ('refusal' in planned) return planned.refusal;
      const [first, ...rest] = planned.statements;
      await this.db.batch([first, ...rest]);
      this.broadcast(input, { type: 'decision' }, planned.activityId);
      return { ok: true as const };
    });
  }

  async submitBid(input: RoomContext & { contactId: string; bid: Omit<BidRequestInput, 'origin'> }): Promise<{ ok: true; total: number } | Refusal> {
    return this.serialize(async () => {
      const state = await decisionState(this.db, input.orgId, input.documentId, input.contactId);
      if (!state) return { ok: false, code: 'closed', message: 'This request is no longer available.' } as Refusal;
      const planned = bidStatements(this.db, state, { ...input.bid, origin: input.origin }, Date.now());
      if ('refusal' in planned) return planned.refusal;
      const [first, ...rest] = planned.statements;
      await this.db.batch([first, ...rest]);
      this.broadcast(input, { type: 'decision' }, planned.activityId);
      return { ok: true as const, total: planned.total };
    });
  }

  /** The contractor accepts the submitted bid: budget costs and vendor updated, rival bids closed. */
  async acceptBid(input: RoomContext & { actor: Actor }): Promise<{ ok: true; items: number } | Refusal> {
    return this.serialize(async () => {
      const planned = await acceptBidStatements(this.db, input.orgId, input.documentId, input.actor, Date.now());
      if ('refusal' in planned) return planned.refusal!;
      const [first, ...rest] = planned.statements;
      await this.db.batch([first, ...rest]);
      this.broadcast(input, { type: 'decision' }, '');
      return { ok: true as const, items: planned.items };
    });
  }

  // Live pages. Hibernatable sockets: an idle page costs nothing; the tag says whose page it is.
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response('Expected a WebSocket', { status: 426 });
    const audience = request.headers.get('X-Audience') ?? '';
    if (!/^(contractor|recipient:[a-z0-9]+)$/.test(audience)) return new Response('Forbidden', { status: 403 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [audience]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    if (message === 'ping') ws.send('pong');
  }

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closing');
    } catch {}
  }

  /** Sends one event to every open page; the contractor's pages also get the timeline line. */
  private broadcast(room: RoomContext, event: { type: string; seq?: number; fileId?: string; html?: (audience: string) => string }, activityId: string) {
    const sockets = this.ctx.getWebSockets();
    if (!sockets.length) return;
    let timeline: Promise<string | null> | null = null;
    const timelineHtml = () =>
      (timeline ??= this.db
        .select()
        .from(activity)
        .where(eq(activity.id, activityId))
        .then(([row]) => (row ? renderToString(html`<${TimelineItem} e=${describeEvent(row)} timeZone=${room.timeZone} showNetwork=${true} />` as never) : null)));
    for (const ws of sockets) {
      const audience = this.ctx.getTags(ws)[0] ?? '';
      const send = async () => {
        const payload: Record<string, unknown> = { type: event.type, seq: event.seq, fileId: event.fileId, html: event.html?.(audience) };
        if (audience === 'contractor' && activityId) payload.timeline = await timelineHtml();
        ws.send(JSON.stringify(payload));
      };
      send().catch(() => undefined);
    }
  }

  // Comment emails: at most one per thread and audience every 10 minutes, with every comment since the last.
  private async scheduleNotice(room: RoomContext, audience: Audience, now: number, doc: { contractorAt: number | null; recipientAt: number | null } | undefined) {
    await this.ctx.storage.put({ room, [`pending:${audience}`]: true });
    const last = (audience === 'contractor' ? doc?.contractorAt : doc?.recipientAt) ?? 0;
    const due = Math.max(now, last + NOTIFY_EVERY_MS);
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > due) await this.ctx.storage.setAlarm(due);
  }

  async alarm() {
    await this.serialize(async () => {
      const room = await this.ctx.storage.get<RoomContext>('room');
      if (!room) return;
      let next: number | null = null;
      for (const audience of ['contractor', 'recipient'] as const) {
        if (!(await this.ctx.storage.get(`pending:${audience}`))) continue;
        const wait = await this.sendNotice(room, audience);
        if (wait === null) await this.ctx.storage.delete(`pending:${audience}`);
        else next = next === null ? wait : Math.min(next, wait);
      }
      if (next !== null) await this.ctx.storage.setAlarm(next);
    });
    if (this.env.MAILCHANNELS_API_KEY) await deliverDueMail(this.env, this.db).catch(() => undefined);
  }

  /** Emails one digest if due; returns when to try again, or null when nothing is left to send. */
  private async sendNotice(room: RoomContext, audience: Audience): Promise<number | null> {
    const now = Date.now();
    const [head] = await this.db
      .select({ document: documents, org: orgs, contact: { id: contacts.id, name: contacts.name, email: contacts.email, accessVersion: contacts.accessVersion }, creator: { name: users.name, email: users.email } })
      .from(documents)
      .innerJoin(orgs, eq(orgs.id, documents.orgId))
      .leftJoin(contacts, eq(contacts.id, documents.contactId))
      .leftJoin(users, eq(users.id, documents.createdBy))
      .where(eq(documents.id, room.documentId));
    if (!head) return null;
    const last = (audience === 'contractor' ? head.document.notifiedContractorAt : head.document.notifiedRecipientAt) ?? 0;
    if (now < last + NOTIFY_EVERY_MS) return last + NOTIFY_EVERY_MS;
    // The digest carries comments after the last one already emailed (kept here, or the last email's time).
    const cursor = (await this.ctx.storage.get<number>(`cursor:${audience}`)) ?? last;
    const fromSide = audience === 'contractor' ? 'recipient' : 'contractor';
    const news = await this.db
      .select()
      .from(comments)
      .where(and(eq(comments.documentId, room.documentId), eq(comments.side, fromSide), gt(comments.createdAt, cursor)))
      .orderBy(asc(comments.createdAt));
    if (!news.length) return null;
    const to = audience === 'contractor' ? head.creator : head.contact;
    if (!to?.email) return null;
    const link = audience === 'contractor' ? `${room.origin}/documents/${room.documentId}` : await portalLink(this.env, room.origin, head.contact!, room.documentId, head.org.portalLinkDays);
    const who = [...new Set(news.map((c) => c.authorName))].join(', ');
    const number = head.document.number;
    const mail = renderMail({
      brand: { companyName: head.org.name, brandColor: head.org.brandColor, address: head.org.address.replace(/\n/g, ', '), phone: head.org.phone, email: head.org.email },
      heading: `${news.length === 1 ? 'New comment' : `${news.length} new comments`} on ${number}`,
      paragraphs: [`${who} wrote:`],
      quote: news.map((c) => `${c.authorName}: ${c.body}`).join('\n\n'),
      button: { label: audience === 'contractor' ? 'Open the document' : 'Reply in the portal', href: link },
      footnote: 'You get at most one email per document every 10 minutes; newer comments wait for the next one.',
    });
    await this.db.batch([
      queueMail(this.db, { orgId: head.org.id, documentId: room.documentId, kind: 'comments', to: { email: to.email, name: to.name ?? '' }, fromName: head.org.name, replyTo: null, subject: `${news.length === 1 ? 'New comment' : `${news.length} new comments`} on ${number} from ${audience === 'contractor' ? who : head.org.name}`, ...mail }, now),
      this.db
        .update(documents)
        .set(audience === 'contractor' ? { notifiedContractorAt: now } : { notifiedRecipientAt: now })
        .where(eq(documents.id, room.documentId)),
    ]);
    await this.ctx.storage.put(`cursor:${audience}`, news[news.length - 1].createdAt);
    return null;
  }
}

export function filesBase(audience: string, documentId: string) {
  return audience === 'contractor' ? `/documents/${documentId}/files` : `/portal/documents/${documentId}/files`;
}

