import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import { renderMail } from '../../views/mail/message';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { signingCodes } from '../db/schema';
import { approvalEvent } from '../documents/kinds';
import { checkDeadline } from '../deadlines/rules';
import { canTransition } from '../documents/status';
import type { Env } from '../env';
import { Conflict, Refused, TooMany } from '../errors';
import { constantTimeEqualText, hex } from '../http/crypto';
import { hitRateLimit } from '../http/rate-limit';
import { brandOf } from '../mail/documents';
import { deliverDueMail, queueMail } from '../mail/outbox';
import { documentRoom, type RoomContext, type RoomWrite } from '../rooms/client';
import type { Defer, RecipientActor } from './actions';
import { documentLabel } from './mail';
import { deciderRefusal, turnRefusal } from './people';
import { decided } from './decided';
import { decisionState, type DecisionState } from './queries';

// Issue 18, part D: an optional code emailed to the signer before they sign. A document that asks for
// it (`documents.email_code`, its default from Settings) gives each signer a "Email me a code" button:
// the document's room (`emailCodeWrite`) makes 6 random digits, stores only their HMAC in
// `signing_codes` for that contact and the sent version (10 minutes, single use, a new one replaces
// the old) and queues the email, all in one batch. The code is checked inside the sign plan
// (`checkEmailCode`, called by `signWrite`), so it is marked used in the signature's own batch.

export const CODE_MINUTES = 10;
export const CODE_TTL_MS = CODE_MINUTES * 60_000;
/** Wrong tries a code survives: the fifth wrong one kills it. */
export const MAX_TRIES = 5;
/** Codes per hour per (document, contact). */
export const CODES_PER_HOUR = 5;
/** Codes per 24 hours per (document, contact). */
export const CODES_PER_DAY = 10;
/** Code requests per hour from one network: an office's people share one address, so well above one person's 5. */
export const CODES_PER_NETWORK_HOUR = 20;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const CODE_NEEDED = 'Enter the 6-digit code we emailed you.';
export const CODE_SHAPE = 'The code is the 6 digits from the email.';
export const NO_CODE = 'Ask for a code first: press “Email me a code”.';
export const CODE_EXPIRED = 'This code expired. Ask for a new one.';
export const CODE_DEAD = 'Too many wrong codes; ask for a new one.';
export const CODE_WRONG = 'That code is not right. Check the latest email and try again.';
export const TOO_MANY_CODES = 'You asked for 5 codes in the last hour. Wait a while before asking for another.';
export const TOO_MANY_TODAY = 'You asked for 10 codes in the last 24 hours. Try again tomorrow.';
export const TOO_MANY_NETWORK =
  'Too many codes were asked for from your network in the last hour. Wait a while before asking for another.';
const NOT_ASKED = 'This document does not ask for an emailed code.';

/** Said by the code field after "Email me a code". */
export const codeSentNotice = (to: string) =>
  `We emailed a 6-digit code to ${to}. It expires in ${CODE_MINUTES} minutes.`;

/** 6 random digits, uniform: 32-bit draws at or above the largest multiple of 10^6 are drawn again. */
export function newCode(): string {
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  const buf = new Uint32Array(1);
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0] < limit) return String(buf[0] % 1_000_000).padStart(6, '0');
  }
}

/** "d***@example.com": the address a code goes to, as the page names it. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** The only form a code is stored in: an HMAC (PORTAL_TOKEN_SECRET) naming its document, contact and version. */
export async function codeHash(
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>,
  who: { documentId: string; contactId: string; version: number },
  code: string,
) {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(env.PORTAL_TOKEN_SECRET),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const message = `signing-code:${who.documentId}:${who.contactId}:${who.version}:${code}`;
  return hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)));
}

/** The contact's newest code for this document that was neither used nor replaced. */
async function liveCode(db: Db, state: DecisionState) {
  const [row] = await db
    .select()
    .from(signingCodes)
    .where(
      and(
        eq(signingCodes.orgId, state.org.id),
        eq(signingCodes.documentId, state.document.id),
        eq(signingCodes.contactId, state.contact.id),
        isNull(signingCodes.usedAt),
      ),
    )
    .orderBy(desc(signingCodes.createdAt))
    .limit(1);
  return row;
}

type Statement = BatchItem<'sqlite'>;

/** What a checked code adds to the signature: how the signer was identified, and the code's own write. */
export type CodeCheck =
  | { ok: true; identifiedBy: 'email_code' | 'email_link'; emailCodeAt: number | null; statements: Statement[] }
  | { ok: false; message: string; statements: Statement[] };

/**
 * The sign plan's check of the code (inside the room's queue): nothing asked when the document does
 * not ask for a code. A wrong code is counted (`ok: false` with its own write: the plan commits only
 * that); a right one is marked used in the signature's batch. Throws Refused (field `code`) when there
 * is nothing to count: no code typed, no live code, an expired or dead one.
 */
export async function checkEmailCode(
  db: Db,
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'> | undefined,
  state: DecisionState,
  typed: string | undefined,
  now: number,
): Promise<CodeCheck> {
  if (!state.document.emailCode) return { ok: true, identifiedBy: 'email_link', emailCodeAt: null, statements: [] };
  if (!env) throw new Error('checkEmailCode: the room passes env for a document that asks for a code');
  const code = (typed ?? '').replace(/\s/g, '');
  if (!code) throw new Refused(CODE_NEEDED, 'code');
  if (!/^\d{6}$/.test(code)) throw new Refused(CODE_SHAPE, 'code');
  const row = await liveCode(db, state);
  // A code for an earlier version (the document was revised since) is no code for this one.
  if (!row || row.version !== state.version.version) throw new Refused(NO_CODE, 'code');
  if (row.tries >= MAX_TRIES) throw new Refused(CODE_DEAD, 'code');
  if (row.expiresAt <= now) throw new Refused(CODE_EXPIRED, 'code');
  const who = { documentId: state.document.id, contactId: state.contact.id, version: state.version.version };
  if (!constantTimeEqualText(await codeHash(env, who, code), row.codeHash)) {
    const counted = db
      .update(signingCodes)
      .set({ tries: sql`${signingCodes.tries} + 1` })
      .where(eq(signingCodes.id, row.id));
    return { ok: false, message: row.tries + 1 >= MAX_TRIES ? CODE_DEAD : CODE_WRONG, statements: [counted] };
  }
  const used = db
    .update(signingCodes)
    .set({ usedAt: now })
    .where(and(eq(signingCodes.id, row.id), isNull(signingCodes.usedAt)));
  return { ok: true, identifiedBy: 'email_code', emailCodeAt: now, statements: [used] };
}

export interface EmailCodeCommit extends RoomContext {
  actor: RecipientActor;
  versionHash: string;
}

export interface EmailCodeResult {
  /** "d***@example.com" */
  to: string;
  expiresAt: number;
}

/**
 * The room's plan for "Email me a code": only a signer whose turn it is, on the sent version they were
 * shown, of a document that asks for a code, still awaits their signature and is not past its deadline;
 * at most 5 an hour and 10 a day for this document and contact (counted here, in the queue). The
 * previous live code is replaced.
 */
export async function emailCodeWrite(
  db: Db,
  env: Pick<Env, 'PORTAL_TOKEN_SECRET'>,
  input: EmailCodeCommit,
  now = Date.now(),
): Promise<RoomWrite<EmailCodeResult>> {
  const state = await decisionState(db, input.orgId, input.documentId, input.actor.contactId);
  if (!state) throw new Conflict('This document is no longer available.');
  const event = approvalEvent(state.document.type);
  if (!event || !state.document.emailCode) throw new Refused(NOT_ASKED);
  const refusal = deciderRefusal(state.recipients, state.contact.id);
  if (refusal) throw new Refused(refusal);
  if (!/^[0-9a-f]{64}$/.test(input.versionHash) || input.versionHash !== state.version.pdfSha256)
    throw new Conflict('This document was revised; please review the new version.');
  const version = state.version.version;
  const mine = state.signatures.some(
    (s) => s.versionId === state.version.id && s.contactId === state.contact.id && s.outcome !== 'declined',
  );
  if (mine) throw new Conflict('This document has already been signed.');
  if (!canTransition(state.document.type, state.document.status, event))
    throw new Conflict('This document is no longer awaiting a signature.');
  const facts = state.signatures.map((s) => ({ contactId: s.contactId, version: s.version, outcome: s.outcome }));
  const turn = turnRefusal(state.recipients, facts, version, state.document.signingOrder, state.contact.id);
  if (turn) throw new Conflict(turn);
  // The date is read here, inside the queue: no code for a document signing would refuse (the same refusal).
  checkDeadline(state.document, state.org.name, input.timeZone, now);
  const [{ hour, day }] = await db
    .select({
      hour: sql<number>`count(case when ${signingCodes.createdAt} > ${now - HOUR} then 1 end)`,
      day: sql<number>`count(*)`,
    })
    .from(signingCodes)
    .where(
      and(
        eq(signingCodes.orgId, state.org.id),
        eq(signingCodes.documentId, state.document.id),
        eq(signingCodes.contactId, state.contact.id),
        gt(signingCodes.createdAt, now - DAY),
      ),
    );
  if (hour >= CODES_PER_HOUR) throw new TooMany(TOO_MANY_CODES);
  if (day >= CODES_PER_DAY) throw new TooMany(TOO_MANY_TODAY);
  const code = newCode();
  const who = { documentId: state.document.id, contactId: state.contact.id, version };
  const expiresAt = now + CODE_TTL_MS;
  const statements: Statement[] = [
    // A new code replaces the previous one: that one can no longer be entered.
    db
      .update(signingCodes)
      .set({ usedAt: now })
      .where(
        and(
          eq(signingCodes.orgId, state.org.id),
          eq(signingCodes.documentId, state.document.id),
          eq(signingCodes.contactId, state.contact.id),
          isNull(signingCodes.usedAt),
        ),
      ),
    db.insert(signingCodes).values({
      id: createId(),
      orgId: state.org.id,
      documentId: state.document.id,
      contactId: state.contact.id,
      version,
      codeHash: await codeHash(env, who, code),
      createdAt: now,
      expiresAt,
    }),
    codeMail(db, state, code, now),
  ];
  return { statements, result: { to: maskEmail(state.contact.email), expiresAt } };
}

/** "Your code for Estimate EST-0004 is 123456. It expires in 10 minutes. …", from the company. */
function codeMail(db: Db, state: DecisionState, code: string, now: number) {
  const label = documentLabel(state);
  const body = renderMail({
    brand: brandOf(state.org),
    heading: `Your code for ${label}`,
    paragraphs: [
      `Your code for ${label} is ${code}. It expires in ${CODE_MINUTES} minutes.`,
      "If you didn't ask for it, ignore this email.",
    ],
  });
  return queueMail(
    db,
    {
      orgId: state.org.id,
      documentId: state.document.id,
      kind: 'signing_code',
      to: { email: state.contact.email, name: state.contact.name },
      // Only to the address the contact has now, at the access the plan read.
      whileAccess: { contactId: state.contact.id, accessVersion: state.contact.accessVersion },
      fromName: state.org.name,
      replyTo: state.org.email || null,
      subject: `Your code for ${label}`,
      ...body,
    },
    now,
  );
}

export interface EmailCodeInput extends RoomContext {
  versionHash: string;
}

/**
 * "Email me a code": at most 20 an hour from one network (when the edge told us the address; an office
 * shares one, and each person is held to 5 an hour by the room), then the
 * document's room makes and emails the code. The email is delivered after the response.
 */
export async function requestEmailCode(
  env: Env,
  db: Db,
  actor: RecipientActor,
  input: EmailCodeInput,
  defer: Defer,
): Promise<EmailCodeResult> {
  if (actor.ip) {
    const limit = await hitRateLimit(db, `signing-code:ip:${actor.ip}`, CODES_PER_NETWORK_HOUR, HOUR);
    if (!limit.allowed) throw new TooMany(TOO_MANY_NETWORK);
  }
  // A revoke landing between the page and the click stops the batch at its mail: the 409 it stands for.
  const result = await decided(documentRoom(env, input.documentId).emailCode({ ...input, actor }));
  if (env.MAILCHANNELS_API_KEY) defer(deliverDueMail(env, db).catch((err) => console.error('mail delivery', err)));
  return result;
}
