import { and, eq, exists, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { type AccountTokenKind, accountTokens, invites, orgs, sessions, users } from '../db/schema';
import { DomainError, NotFound, Refused, TooMany } from '../errors';
import { randomToken, sha256Hex } from '../http/crypto';
import { hitRateLimit } from '../http/rate-limit';
import { queueMail } from '../mail/outbox';
import type { checkAcceptInvite, checkSignUp } from './forms';
import {
  emailChangeConfirmMail,
  emailChangeNoticeMail,
  emailChangeTakenMail,
  passwordResetMail,
  type Site,
  signUpExistingMail,
  signUpVerifyMail,
} from './mail';
import { hashPassword, verifyPassword } from './passwords';
import { findOpenInvite, findOpenToken, findUserByEmail, findUserById, openToken } from './queries';
import { claimAttempt, clearAttempts, waitWords } from './throttle';

// Contractor accounts: sign up (proved by an emailed link), sign in, reset a password, change the
// email, accept an invitation. Starting and ending the session (the cookie) is the route's; these
// decide who may have one. Every emailed link is a random token stored only as its SHA-256, used
// once, short-lived; the mail is queued in the same batch as the token.

export const SIGN_IN_FAILED =
  'Email or password is wrong. Check them and try again. ' +
  'If you just signed up, open the link we emailed you first.';
export const EMAIL_TAKEN = 'An account with this email already exists. Sign in instead.';
export const INVITE_GONE = 'This invitation has expired or was already used. Ask the account owner for a new one.';
export const SIGN_UP_LINK_GONE =
  'This link has expired or was already used. If your account is ready, sign in; if not, sign up again.';
export const RESET_LINK_GONE = 'This link has expired or was already used. Ask for a new one from the sign-in page.';
export const EMAIL_LINK_GONE =
  'This link has expired, was already used, or belongs to another account. Ask for a new one from your account page.';
export const WRONG_PASSWORD = 'That password is not right. Enter the one you sign in with.';
const HOUR = 3_600_000;
const WINDOW = 15 * 60_000;
const LIFETIME: Record<AccountTokenKind, number> = {
  sign_up: 24 * HOUR,
  password_reset: HOUR,
  email_change: 24 * HOUR,
};

/** Whether a write failed on a UNIQUE index (the email of two sign-ups at once, say). */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof DomainError) return false;
  const messages = [String(err), String((err as { cause?: unknown })?.cause ?? '')];
  return messages.some((m) => m.includes('UNIQUE constraint failed'));
}

type SignUpInput = ReturnType<typeof checkSignUp>['values'];

/**
 * A new company with its owner, now: what a sign-up's emailed link does once it is used (and
 * what tests use to make a company without the mail). An email in use is Refused, however two race.
 */
export async function signUp(
  db: Db,
  input: Omit<SignUpInput, 'password'> & ({ password: string } | { passwordHash: string }),
) {
  if (await findUserByEmail(db, input.email)) throw new Refused(EMAIL_TAKEN, 'email');
  const now = Date.now();
  const orgId = createId();
  const userId = createId();
  const passwordHash = 'passwordHash' in input ? input.passwordHash : await hashPassword(input.password);
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
      // Every other sign-up link for this address is spent with it.
      db
        .update(accountTokens)
        .set({ usedAt: now })
        .where(
          and(eq(accountTokens.kind, 'sign_up'), eq(accountTokens.email, input.email), isNull(accountTokens.usedAt)),
        ),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Refused(EMAIL_TAKEN, 'email');
    throw err;
  }
  return { id: userId, orgId, name: input.name };
}

/**
 * A sign-up form: the same answer whether the address has an account or not. A new address gets
 * a link that makes the account when used; an existing one gets a note saying someone tried.
 * Limited per client address and per email (the second keeps anyone from flooding a mailbox).
 */
export async function requestSignUp(db: Db, input: SignUpInput & { ip: string }, site: Site) {
  const [byIp, byEmail] = await Promise.all([
    hitRateLimit(db, `signup:ip:${input.ip}`, 20, HOUR),
    hitRateLimit(db, `signup:email:${input.email}`, 5, HOUR),
  ]);
  if (!byIp.allowed || !byEmail.allowed)
    throw new TooMany('Too many sign-up attempts. Wait an hour and try again, or sign in if you have an account.');
  // The same work either way, so the time taken does not tell either.
  const passwordHash = await hashPassword(input.password);
  const existing = await findUserByEmail(db, input.email);
  const to = { email: input.email, name: input.name };
  if (existing) {
    const message = signUpExistingMail(site, { name: existing.name });
    await queueMail(db, { kind: 'sign-up-existing', to, fromName: site.name, ...message });
    return;
  }
  const token = randomToken(32);
  const now = Date.now();
  const { ip: _ip, password: _password, ...details } = input;
  const message = signUpVerifyMail(site, {
    name: input.name,
    company: input.company,
    link: `${site.origin}/sign-up/verify/${token}`,
  });
  await db.batch([
    db.insert(accountTokens).values({
      id: await sha256Hex(token),
      kind: 'sign_up',
      email: input.email,
      data: JSON.stringify({ ...details, passwordHash }),
      expiresAt: now + LIFETIME.sign_up,
      createdAt: now,
    }),
    queueMail(db, { kind: 'sign-up-verify', to, fromName: site.name, ...message }, now),
  ]);
}

const CURRENCY = /^[A-Z]{3}$/;

/** What a sign-up link will make, for its page; NotFound when the link cannot be used. */
export async function openSignUp(db: Db, token: string) {
  const row = await findOpenToken(db, 'sign_up', await sha256Hex(token));
  const data = row?.data ? (JSON.parse(row.data) as Record<string, unknown>) : null;
  const text = (k: string) => (typeof data?.[k] === 'string' ? (data[k] as string) : '');
  if (!row || !data || !text('passwordHash') || !CURRENCY.test(text('currency'))) throw new NotFound(SIGN_UP_LINK_GONE);
  return {
    email: row.email,
    company: text('company'),
    name: text('name'),
    timeZone: text('timeZone'),
    currency: text('currency') as SignUpInput['currency'],
    passwordHash: text('passwordHash'),
  };
}

/** Uses a sign-up link: the company and its owner are made. Of eight uses at once, one makes them. */
export async function completeSignUp(db: Db, token: string) {
  const pending = await openSignUp(db, token);
  try {
    return await signUp(db, pending);
  } catch (err) {
    // The loser of a race: the same link (now used) or another link for this address (it made the account).
    if (err instanceof Refused && !(await findOpenToken(db, 'sign_up', await sha256Hex(token))))
      throw new NotFound(SIGN_UP_LINK_GONE);
    throw err instanceof Refused ? new Refused(EMAIL_TAKEN, '_form') : err;
  }
}

/**
 * The user whose email and password these are. Failures slow the next attempt down, per email,
 * with growing delays (auth/throttle.ts), and one client address gets 50 attempts in 15 minutes.
 * A device the user signed in on before (`knownUserIds`: its device cookie, its session) has its
 * own count, so nobody else's failures keep the owner out.
 */
export async function signIn(db: Db, input: { email: string; password: string; ip: string; knownUserIds: string[] }) {
  const user = await findUserByEmail(db, input.email);
  const known = !!user && input.knownUserIds.includes(user.id);
  const key = known ? `signin:known:${user.id}` : `signin:email:${input.email}`;
  if (!known) {
    const byIp = await hitRateLimit(db, `signin:ip:${input.ip}`, 50, WINDOW);
    if (!byIp.allowed) throw new TooMany('Too many sign-in attempts from your network. Wait 15 minutes and try again.');
  }
  const attempt = await claimAttempt(db, key);
  if (!attempt.allowed)
    throw new TooMany(
      `Too many sign-in attempts for this email. Wait ${waitWords(attempt.waitMs)} and try again, ` +
        'or reset your password.',
    );
  const valid = await verifyPassword(input.password, user?.passwordHash ?? null);
  if (!user || !valid) throw new Refused(SIGN_IN_FAILED, '_form');
  await clearAttempts(db, key);
  return user;
}

/**
 * Asks for a password-reset link. Only the limit per client address answers (429); the rest runs
 * after the answer (`later`), so neither the answer nor its timing says whether the email has an
 * account. Three links per address an hour; past that, the same answer and nothing sent.
 */
export async function requestPasswordReset(
  db: Db,
  input: { email: string; ip: string },
  site: Site,
  later: (work: Promise<unknown>) => void,
) {
  const byIp = await hitRateLimit(db, `reset:ip:${input.ip}`, 20, HOUR);
  if (!byIp.allowed) throw new TooMany('Too many password reset requests. Wait an hour and try again.');
  later(sendPasswordReset(db, input.email, site));
}

async function sendPasswordReset(db: Db, email: string, site: Site) {
  const byEmail = await hitRateLimit(db, `reset:email:${email}`, 3, HOUR);
  if (!byEmail.allowed) return;
  const user = await findUserByEmail(db, email);
  if (!user?.passwordHash) return;
  const token = randomToken(32);
  const now = Date.now();
  const message = passwordResetMail(site, { name: user.name, link: `${site.origin}/reset-password/${token}` });
  await db.batch([
    db.insert(accountTokens).values({
      id: await sha256Hex(token),
      kind: 'password_reset',
      userId: user.id,
      email,
      expiresAt: now + LIFETIME.password_reset,
      createdAt: now,
    }),
    queueMail(db, { kind: 'password-reset', to: { email, name: user.name }, fromName: site.name, ...message }, now),
  ]);
}

/** The account a reset link is for; NotFound when it cannot be used. */
export async function openPasswordReset(db: Db, token: string) {
  const row = await findOpenToken(db, 'password_reset', await sha256Hex(token));
  const user = row?.userId ? await findUserById(db, row.userId) : undefined;
  if (!row || !user) throw new NotFound(RESET_LINK_GONE);
  return { id: user.id, orgId: user.orgId, email: user.email, name: user.name };
}

/**
 * Sets a new password with a reset link, and ends every session of the user (the route then starts
 * this browser's). One batch, each write conditional on the link still being open, so of eight
 * uses at once exactly one sets a password. Every reset link of the user is spent with it.
 */
export async function resetPassword(db: Db, token: string, password: string) {
  const user = await openPasswordReset(db, token);
  const hash = await sha256Hex(token);
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  const stillOpen = exists(db.select({ one: sql`1` }).from(accountTokens).where(openToken(hash, now)));
  const [, , claimed] = await db.batch([
    db
      .update(users)
      .set({ passwordHash })
      .where(and(eq(users.id, user.id), stillOpen)),
    db.delete(sessions).where(and(eq(sessions.userId, user.id), stillOpen)),
    db.update(accountTokens).set({ usedAt: now }).where(openToken(hash, now)).returning({ id: accountTokens.id }),
    db
      .update(accountTokens)
      .set({ usedAt: now })
      .where(
        and(eq(accountTokens.userId, user.id), eq(accountTokens.kind, 'password_reset'), isNull(accountTokens.usedAt)),
      ),
  ]);
  if (!claimed.length) throw new NotFound(RESET_LINK_GONE);
  // The mailbox proved itself: whatever anyone tried on this email before no longer slows it down.
  await clearAttempts(db, `signin:email:${user.email}`);
  return user;
}

/**
 * Asks to move the account to another address: the current password is needed, the new address
 * gets a link to confirm (or, when it already has an account, a note and no link), the old one a
 * notice. Nothing changes until the link is used. Five requests per account an hour.
 */
export async function requestEmailChange(
  db: Db,
  actor: { userId: string },
  input: { email: string; password: string },
  site: Site,
) {
  const limit = await hitRateLimit(db, `email-change:user:${actor.userId}`, 5, HOUR);
  if (!limit.allowed) throw new TooMany('Too many email changes asked for. Wait an hour and try again.');
  const user = await findUserById(db, actor.userId);
  if (!user) throw new NotFound();
  if (!(await verifyPassword(input.password, user.passwordHash))) throw new Refused(WRONG_PASSWORD, 'password');
  if (input.email === user.email) throw new Refused('That is already your email.', 'email');
  const now = Date.now();
  const notice = queueMail(
    db,
    {
      kind: 'email-change-notice',
      to: { email: user.email, name: user.name },
      fromName: site.name,
      ...emailChangeNoticeMail(site, { name: user.name, newEmail: input.email }),
    },
    now,
  );
  const to = { email: input.email, name: user.name };
  if (await findUserByEmail(db, input.email)) {
    const taken = emailChangeTakenMail(site, { name: user.name });
    await db.batch([notice, queueMail(db, { kind: 'email-change-taken', to, fromName: site.name, ...taken }, now)]);
    return;
  }
  const token = randomToken(32);
  const message = emailChangeConfirmMail(site, {
    name: user.name,
    link: `${site.origin}/settings/account/email/${token}`,
  });
  await db.batch([
    db.insert(accountTokens).values({
      id: await sha256Hex(token),
      kind: 'email_change',
      userId: user.id,
      email: input.email,
      expiresAt: now + LIFETIME.email_change,
      createdAt: now,
    }),
    notice,
    queueMail(db, { kind: 'email-change-confirm', to, fromName: site.name, ...message }, now),
  ]);
}

/** The new address an email-change link confirms, for the signed-in user it belongs to; else NotFound. */
export async function openEmailChange(db: Db, actor: { userId: string }, token: string) {
  const row = await findOpenToken(db, 'email_change', await sha256Hex(token));
  if (!row || row.userId !== actor.userId) throw new NotFound(EMAIL_LINK_GONE);
  return { email: row.email };
}

/**
 * Confirms an email change: the user's email becomes the link's address. Conditional on the link
 * still being open, in one batch: of eight confirmations at once, one changes it.
 */
export async function confirmEmailChange(db: Db, actor: { userId: string }, token: string) {
  const { email } = await openEmailChange(db, actor, token);
  const hash = await sha256Hex(token);
  const now = Date.now();
  const stillOpen = exists(db.select({ one: sql`1` }).from(accountTokens).where(openToken(hash, now)));
  let claimed: { id: string }[];
  try {
    [, claimed] = await db.batch([
      db
        .update(users)
        .set({ email })
        .where(and(eq(users.id, actor.userId), stillOpen)),
      db.update(accountTokens).set({ usedAt: now }).where(openToken(hash, now)).returning({ id: accountTokens.id }),
      db
        .update(accountTokens)
        .set({ usedAt: now })
        .where(
          and(
            eq(accountTokens.userId, actor.userId),
            eq(accountTokens.kind, 'email_change'),
            isNull(accountTokens.usedAt),
          ),
        ),
    ]);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new Refused('Another account started using this address meanwhile. Choose another.', '_form');
    throw err;
  }
  if (!claimed.length) throw new NotFound(EMAIL_LINK_GONE);
  return { email };
}

/**
 * Ends the user's other sessions. Only while this one is still alive: of two devices that each
 * end "the others" at once, one stays signed in rather than neither.
 */
export async function signOutOthers(db: Db, actor: { userId: string }, sessionHash: string) {
  const alive = exists(
    db
      .select({ one: sql`1` })
      .from(sessions)
      .where(and(eq(sessions.id, sessionHash), eq(sessions.userId, actor.userId))),
  );
  await db.delete(sessions).where(and(eq(sessions.userId, actor.userId), ne(sessions.id, sessionHash), alive));
}

/** Ends every session of the user, this one too. */
export async function signOutEverywhere(db: Db, actor: { userId: string }) {
  await db.delete(sessions).where(eq(sessions.userId, actor.userId));
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
