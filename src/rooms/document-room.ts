import { DurableObject } from 'cloudflare:workers';
import type { BatchItem } from 'drizzle-orm/batch';
import { DIGEST_EVERY_MS, sendCommentDigest } from '../conversation/digest';
import {
  commentWrite,
  fileRemovalWrite,
  fileWrite,
  viewWrite,
  type CommentCommit,
  type FileCommit,
  type FileRemovalCommit,
  type ViewCommit,
} from '../conversation/actions';
import { liveTimelineHtml } from '../conversation/present';
import { seqOf } from '../conversation/activity';
import {
  depositInvoiceWrite,
  draftWrite,
  paymentWrite,
  resendWrite,
  reviseWrite,
  sendWrite,
  statusWrite,
  type DepositCommit,
  type DraftCommit,
  type PaymentCommit,
  type ResendCommit,
  type ReviseCommit,
  type SendCommit,
  type StatusCommit,
} from '../documents/actions';
import { bookmarkOf, database, openSession, type Db } from '../db/client';
import type { Env } from '../env';
import { DomainError } from '../errors';
import { deliverDueMail } from '../mail/outbox';
import { checkoutWrite, type CheckoutCommit } from '../payments/checkout';
import { paymentGateway } from '../payments/dev-gateway';
import { stripeEventWrite, type StripeEventCommit } from '../payments/events';
import { recipientAccess } from '../portal/queries';
import {
  acceptBidWrite,
  bidWrite,
  declineWrite,
  signWrite,
  type AcceptBidCommit,
  type BidCommit,
  type DeclineCommit,
  type SignCommit,
} from '../signing/actions';
import { sealWrite, type SealCommit } from '../signing/finalize';
import { emailCodeWrite, type EmailCodeCommit } from '../signing/email-code';
import { countersignWrite, type CountersignCommit } from '../signing/countersign';
import { removeRecipientWrite, type RemoveRecipientCommit } from '../signing/recipients';
import { offlineApprovalWrite, type OfflineApprovalCommit } from '../signing/offline';
import { extendWrite, type ExtendCommit } from '../deadlines/actions';
import {
  slotFillWrite,
  slotRemoveWrite,
  slotsAddWrite,
  slotWaiveWrite,
  type SlotCommit,
  type SlotFillCommit,
  type SlotsAddCommit,
} from '../documents/file-request-actions';
import { updateRequestWrite, type UpdateRequestCommit } from '../deadlines/requests';
import { remindNowWrite, type RemindNowCommit } from '../reminders/manual';
import { reminderWrite, type RemindCommit } from '../reminders/send';
import type { SocketAudience, RoomContext, RoomEvent, RoomResult, RoomWrite } from './client';

export type { SocketAudience, RoomContext, RoomEvent, RoomWrite } from './client';

/**
 * One per document: every write to a sent document runs here, one at a time. D1 and R2 awaits open
 * the object's input gate, so the room keeps its own promise chain as a queue. Each write commits
 * its rows in one db.batch(); the activity row's timeline position is the next gapless number,
 * computed inside that same insert (D1 applies statements one at a time), so a reset room loses
 * nothing and a write costs one round trip. Then the event goes to every open page by WebSocket.
 * What is written, and whether it may be, is decided by the capabilities' actions; the room only
 * orders, commits and tells. It touches only D1: R2 objects are written before and deleted after,
 * by the Worker.
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

  /** A D1 session whose first query goes to the primary (`db`, or the binding a test swapped in). */
  private session(): Db {
    const client = this.db.$client;
    return 'withSession' in client ? openSession(client, 'first-primary') : this.db;
  }

  protected serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs one write in the queue: plan (reads and checks), one batch, broadcast. A refusal commits nothing. */
  protected write<R>(
    room: RoomContext,
    plan: (db: Db) => Promise<RoomWrite<R>> | RoomWrite<R>,
  ): Promise<RoomResult<R>> {
    return this.serialize(async () => {
      // Its own D1 session from the primary (issue 19): the plan reads the newest state, and the
      // commit's bookmark goes back to the Worker that asked (the browser's next read starts there).
      const db = this.session();
      let w: RoomWrite<R>;
      try {
        w = await plan(db);
      } catch (err) {
        if (err instanceof DomainError) return { ok: false as const, error: err.toJSON() };
        throw err;
      }
      let seq: number | null = null;
      let bookmark: string | undefined;
      if (w.statements.length) {
        let rows: unknown[];
        try {
          rows = await db.batch(w.statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
        } catch (err) {
          const refusal = w.refused?.(err);
          if (refusal) return { ok: false as const, error: refusal.toJSON() };
          throw err;
        }
        // The activity row's insert answers its position (activityInsert's RETURNING): no read after it.
        if (w.activityId) seq = seqOf(rows, w.activityId);
        bookmark = bookmarkOf(db) ?? undefined;
      }
      // Committed: what follows only tells others. Its failure is logged, never the caller's error — the
      // write stands, and the caller's next read must start from its bookmark.
      try {
        if (w.event) await this.broadcast(room, w.event, seq, w.activityId ?? '');
        if (w.notify) await this.scheduleDigest(room, w.notify);
      } catch (err) {
        console.error('room: committed, but telling the open pages failed', err);
      }
      return { ok: true as const, value: w.result, seq, bookmark };
    });
  }

  // Conversation.
  comment(input: CommentCommit) {
    return this.write(input, (db) => commentWrite(db, input));
  }

  attachFile(input: FileCommit) {
    return this.write(input, (db) => fileWrite(db, input));
  }

  removeFile(input: FileRemovalCommit) {
    return this.write(input, (db) => fileRemovalWrite(db, input));
  }

  viewed(input: ViewCommit) {
    return this.write(input, (db) => viewWrite(db, input));
  }

  // Requested files (issue 20): a slot is read inside the queue, so two uploads into it, or an upload and a
  // waive, are one after the other.

  /** A recipient's file into a requested file's slot: the shared file and the slot's fill in one batch. */
  fillSlot(input: SlotFillCommit) {
    return this.write(input, (db) => slotFillWrite(db, input));
  }

  waiveSlot(input: SlotCommit) {
    return this.write(input, (db) => slotWaiveWrite(db, input));
  }

  addSlots(input: SlotsAddCommit) {
    return this.write(input, (db) => slotsAddWrite(db, input));
  }

  removeSlot(input: SlotCommit) {
    return this.write(input, (db) => slotRemoveWrite(db, input));
  }

  // Documents: the contractor's changes to a document, each checked against the state read here.
  saveDraft(input: DraftCommit) {
    return this.write(input, (db) => draftWrite(db, input));
  }

  send(input: SendCommit) {
    return this.write(input, (db) => sendWrite(db, input));
  }

  resend(input: ResendCommit) {
    return this.write(input, (db) => resendWrite(db, input));
  }

  revise(input: ReviseCommit) {
    return this.write(input, (db) => reviseWrite(db, input));
  }

  recordPayment(input: PaymentCommit) {
    return this.write(input, (db) => paymentWrite(db, input));
  }

  // Online payments: starting a Checkout session (its Stripe call runs inside the queue, so a second
  // click finds the first's session), and every Stripe event about this document, in arrival order
  // with comments and signatures.
  checkout(input: CheckoutCommit) {
    return this.write(input, (db) => checkoutWrite(db, paymentGateway(this.env, db), input));
  }

  stripeEvent(input: StripeEventCommit) {
    return this.write(input, (db) => stripeEventWrite(db, input, this.env));
  }

  changeStatus(input: StatusCommit) {
    return this.write(input, (db) => statusWrite(db, input));
  }

  /** Runs in the order's room: one deposit invoice per order. */
  depositInvoice(input: DepositCommit) {
    return this.write(input, (db) => depositInvoiceWrite(db, input));
  }

  // Decisions. Each plan reads the state inside the queue, so concurrent submissions see each
  // other: fifty "Approve & sign" clicks make one signature and forty-nine "already signed".

  /** A resubmitted form (the same idempotency key) gets the first signature's answer again (signWrite reads it). */
  sign(input: SignCommit) {
    return this.write(input, (db) => signWrite(db, input, Date.now(), this.env));
  }

  /** Issue 18: "Email me a code": a new code for this signer and version (the old one replaced), emailed. */
  emailCode(input: EmailCodeCommit) {
    return this.write(input, (db) => emailCodeWrite(db, this.env, input));
  }

  decline(input: DeclineCommit) {
    return this.write(input, (db) => declineWrite(db, input));
  }

  submitBid(input: BidCommit) {
    return this.write(input, (db) => bidWrite(db, input));
  }

  /** The contractor accepts the submitted bid: budget costs and vendor updated, rival bids closed. */
  acceptBid(input: AcceptBidCommit) {
    return this.write(input, (db) => acceptBidWrite(db, input));
  }

  // Deadlines and reminders (issue 16): each checks the document's state and date inside the queue, so a
  // reminder due the second a signature lands is cancelled, never sent, and two clicks are one.

  /** The reminder run's due rows for this document: each sent once, or cancelled when its reason is gone. */
  remind(input: RemindCommit) {
    return this.write(input, (db) => reminderWrite(db, this.env, input));
  }

  /** The contractor's "Remind now". */
  remindNow(input: RemindNowCommit) {
    return this.write(input, (db) => remindNowWrite(db, this.env, input));
  }

  /** The contractor extends the valid-until date, or reopens bidding until a new date. */
  extendDeadline(input: ExtendCommit) {
    return this.write(input, (db) => extendWrite(db, this.env, input));
  }

  /** The recipient of an expired document asks for an updated one. */
  askForUpdate(input: UpdateRequestCommit) {
    return this.write(input, (db) => updateRequestWrite(db, this.env, input));
  }

  // People (issue 17): who signs is read inside the queue, so a removal and a signature are one or the other.

  /** The contractor takes a recipient who has not signed off the document. */
  removeRecipient(input: RemoveRecipientCommit) {
    return this.write(input, (db) => removeRecipientWrite(db, this.env, input));
  }

  /** The contractor countersigns once every signer signed; sealing follows. */
  countersign(input: CountersignCommit) {
    return this.write(input, (db) => countersignWrite(db, this.env, input));
  }

  /** Issue 20: the contractor records an approval made offline; it decides the document as a completing approval. */
  approveOffline(input: OfflineApprovalCommit) {
    return this.write(input, (db) => offlineApprovalWrite(db, input));
  }

  /** A signature's sealed PDF is ready (made by the Worker, put to R2): recorded once, and the open pages told. */
  seal(input: SealCommit) {
    return this.write(input, (db) => sealWrite(db, input));
  }

  // Live pages. Hibernatable sockets: an idle page costs nothing; the tags say whose page it is
  // and, for a recipient, the access version their session had when it opened.
  async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade') !== 'websocket') return new Response('Expected a WebSocket', { status: 426 });
    const audience = request.headers.get('X-Audience') ?? '';
    if (!/^(contractor|recipient:[a-z0-9]+)$/.test(audience)) return new Response('Forbidden', { status: 403 });
    const tags = [audience];
    if (audience !== 'contractor') {
      const documentId = request.headers.get('X-Document') ?? '';
      const version = request.headers.get('X-Access-Version') ?? '';
      if (!/^[a-z0-9]{1,64}$/.test(documentId) || !/^\d{1,9}$/.test(version)) {
        return new Response('Forbidden', { status: 403 });
      }
      // Checked here too: a revoke that landed after the session was read must not leave a socket open.
      const recipient = { contactId: audience.slice('recipient:'.length), version: Number(version) };
      const ours = this.env.DOCUMENT_ROOM.idFromName(documentId).equals(this.ctx.id);
      if (!ours || !(await this.mayHear(documentId, [recipient])).has(recipient.contactId)) {
        return new Response('Not found', { status: 404 });
      }
      tags.push(`v:${version}`);
    }
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], tags);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /**
   * Closes the recipients' sockets (of one contact, or all) whose access no longer holds: the
   * contact was revoked or their email changed (the access version moved on), or the document was
   * voided or is otherwise no longer visible to their account. Called right after such a change.
   */
  async closeRecipients(documentId: string, contactId?: string) {
    const sockets = this.ctx.getWebSockets(contactId ? `recipient:${contactId}` : undefined);
    await this.dropRevoked(documentId, sockets);
  }

  /** Which of these recipients (by contact id) may still hear the document: one D1 read of the portal's rule. */
  private async mayHear(documentId: string, recipients: { contactId: string; version: number }[]) {
    const ids = [...new Set(recipients.map((r) => r.contactId))];
    const current = new Map((await recipientAccess(this.db, documentId, ids)).map((c) => [c.id, c.accessVersion]));
    return new Set(recipients.filter((r) => current.get(r.contactId) === r.version).map((r) => r.contactId));
  }

  /**
   * The sockets that may hear the next event: the contractor's, and each recipient's whose access
   * still holds. The others are closed (4403). If access cannot be read, no recipient hears this event.
   */
  private async dropRevoked(
    documentId: string,
    sockets: WebSocket[],
    reason = 'Access to this document ended.',
  ): Promise<WebSocket[]> {
    const recipients = sockets.flatMap((ws) => {
      const [audience, version] = this.ctx.getTags(ws);
      if (!audience?.startsWith('recipient:')) return [];
      return [{ ws, contactId: audience.slice('recipient:'.length), version: Number(version?.slice(2) ?? NaN) }];
    });
    if (!recipients.length) return sockets;
    let allowed: Set<string> | null = null;
    try {
      allowed = await this.mayHear(documentId, recipients);
    } catch (err) {
      console.error('live access check', err);
    }
    const dropped = new Set<WebSocket>();
    for (const r of recipients) {
      if (allowed?.has(r.contactId)) continue;
      dropped.add(r.ws);
      if (!allowed) continue;
      try {
        r.ws.close(4403, reason);
      } catch {}
    }
    return sockets.filter((ws) => !dropped.has(ws));
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer) {
    if (message === 'ping') ws.send('pong');
  }

  async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, 'closing');
    } catch {}
  }

  /**
   * Sends one event to every open page that may still see the document (recipients' access is
   * read again first, once per event); the contractor's pages also get the timeline line.
   */
  private async broadcast(
    room: Pick<RoomContext, 'timeZone' | 'documentId' | 'orgId'>,
    event: RoomEvent,
    seq: number | null,
    activityId: string,
  ) {
    const open = this.ctx.getWebSockets();
    if (!open.length) return;
    const sockets = await this.dropRevoked(room.documentId, open, event.ends);
    let timeline: Promise<string | null> | null = null;
    // The row's whole timeline entry: a view extending a collapsed line comes as that line again.
    const timelineHtml = () => (timeline ??= liveTimelineHtml(this.db, room, activityId));
    for (const ws of sockets) {
      const audience = (this.ctx.getTags(ws)[0] ?? '') as SocketAudience;
      const send = async () => {
        const payload: Record<string, unknown> = {
          type: event.type,
          seq: seq ?? undefined,
          fileId: event.fileId,
          html: event.html?.(audience),
          say: event.say,
        };
        if (audience === 'contractor' && activityId) payload.timeline = await timelineHtml();
        ws.send(JSON.stringify(payload));
      };
      send().catch(() => undefined);
    }
  }

  // Comment emails: at most one per thread and audience every 10 minutes, with every comment since the last.
  private async scheduleDigest(room: RoomContext, audience: NonNullable<RoomWrite<unknown>['notify']>) {
    await this.ctx.storage.put({ room, [`pending:${audience}`]: true });
    const last = (await this.ctx.storage.get<number>(`sent:${audience}`)) ?? 0;
    const due = Math.max(Date.now(), last + DIGEST_EVERY_MS);
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
        const cursor = await this.ctx.storage.get<number>(`cursor:${audience}`);
        const outcome = await sendCommentDigest(this.env, this.db, room, audience, cursor ?? null);
        if (outcome.retryAt !== undefined) {
          next = next === null ? outcome.retryAt : Math.min(next, outcome.retryAt);
          continue;
        }
        if (outcome.sentThrough !== undefined)
          await this.ctx.storage.put({ [`cursor:${audience}`]: outcome.sentThrough, [`sent:${audience}`]: Date.now() });
        await this.ctx.storage.delete(`pending:${audience}`);
      }
      if (next !== null) await this.ctx.storage.setAlarm(next);
    });
    if (this.env.MAILCHANNELS_API_KEY) await deliverDueMail(this.env, this.db).catch(() => undefined);
  }
}
