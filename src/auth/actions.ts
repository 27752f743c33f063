import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { invites, orgs, users } from '../db/schema';
import { DomainError, NotFound, Refused, TooMany } from '../errors';
import { sha256Hex } from '../http/crypto';
import { hitRateLimit } from '../http/rate-limit';
import type { checkAcceptInvite, checkSignUp } from './forms';
import { hashPassword, verifyPassword } from './passwords';
import { findOpenInvite, findUserByEmail } from './queries';

// Contractor accounts: sign up (a company and its owner), sign in, accept an invitation. Starting
// and ending the session (the cookie) is the route's; these decide who may have one.

export const SIGN_IN_FAILED = 'That email and password do not match an account. Check them and try again.';
export const EMAIL_TAKEN = 'An account with this email already exists. Sign in instead.';
export const INVITE_GONE = 'This invitation has expired or was already used. Ask the account owner for a new one.';
const WINDOW = 15 * 60_000;

/** Whether a write failed on a UNIQUE index (the email of two sign-ups at once, say). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof DomainError) return false;
  const messages = [String(err), String((err as { cause?: unknown })?.cause ?? '')];
  return messages.some((m) => m.includes('UNIQUE constraint failed'));
}

/** A new company with its owner. An email already in use is Refused, however two sign-ups race. */
export async function signUp(db: Db, input: ReturnType<typeof checkSignUp>['values']) {
  if (await findUserByEmail(db, input.email)) throw new Refused(EMAIL_TAKEN, 'email');
  const now = Date.now();
  const orgId = createId();
  const userId = createId();
  const passwordHash = await hashPassword(input.password);
  try {
    await db.batch([
      db.insert(orgs).values({
        id: orgId,
        name: input.company,
        timeZone: input.timeZone,
        currency: input.currency,
        email: input.email,
        createdAt: now,
      }),
      db.insert(users).values({
        id: userId,
        orgId,
        email: input.email,
        name: input.name,
        role: 'owner',
        passwordHash,
        createdAt: now,
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Refused(EMAIL_TAKEN, 'email');
    throw err;
  }
  return { id: userId, orgId, name: input.name };
}

/** The user whose email and password these are; rate-limited per email and per address. */
export async function signIn(db: Db, input: { email: string; password: string; ip: string }) {
  const [byEmail, byIp] = await Promise.all([
    hitRateLimit(db, `signin:email:${input.email}`, 10, WINDOW),
    hitRateLimit(db, `signin:ip:${input.ip}`, 50, WINDOW),
  ]);
  if (!byEmail.allowed || !byIp.allowed) throw new TooMany('Too many sign-in attempts. Wait 15 minutes and try again.');
  const user = await findUserByEmail(db, input.email);
  const valid = await verifyPassword(input.password, user?.passwordHash ?? null);
  if (!user || !valid) throw new Refused(SIGN_IN_FAILED, '_form');
  return user;
}

/** The open invitation a link's token names, or NotFound with the message that says so. */
export async function openInvite(db: Db, token: string) {
  const found = await findOpenInvite(db, await sha256Hex(token));
  if (!found) throw new NotFound(INVITE_GONE);
  return found;
}

/**
 * The invited person becomes a member of the org. The invitation is used once: of two accepts at
 * the same moment, one makes the user and the other finds it used (or the email taken).
 */
export async function acceptInvite(db: Db, token: string, input: ReturnType<typeof checkAcceptInvite>['values']) {
  const { invite, orgName } = await openInvite(db, token);
  if (await findUserByEmail(db, invite.email)) throw new Refused(EMAIL_TAKEN, '_form');
  const now = Date.now();
  const userId = createId();
  const passwordHash = await hashPassword(input.password);
  try {
    // The users' unique email is what makes the second of two accepts fail, batch and all.
    await db.batch([
      db
        .update(invites)
        .set({ acceptedAt: now })
        .where(and(eq(invites.id, invite.id), isNull(invites.acceptedAt))),
      db.insert(users).values({
        id: userId,
        orgId: invite.orgId,
        email: invite.email,
        name: input.name,
        role: 'member',
        passwordHash,
        createdAt: now,
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Refused(EMAIL_TAKEN, '_form');
    throw err;
  }
  return { id: userId, orgId: invite.orgId, name: input.name, orgName };
}
