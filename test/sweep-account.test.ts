import { env } from 'cloudflare:workers';
import { and, desc, eq } from 'drizzle-orm';
import { beforeAll, expect } from 'vitest';
import { outbox } from '../src/db/schema';
import { db, PASSWORD, signUp, uniqueEmail } from './helpers';
import { rotation, type Target, Visitor, watchWrites, sweepSuite } from './hostile';

// The hostile-input sweep over the account basics of issue 12: the sign-up link, password reset,
// the signed-in person's account page (email change and its link, sign out everywhere else, sign
// out everywhere). test/sweep-public.test.ts checks that every route is in some sweep.

/** The token of the newest link to `prefix` emailed to an address. */
async function tokenMailed(email: string, kind: string, prefix: string): Promise<string> {
  const [mail] = await db()
    .select()
    .from(outbox)
    .where(and(eq(outbox.toEmail, email), eq(outbox.kind, kind)))
    .orderBy(desc(outbox.createdAt))
    .limit(1);
  const token = new RegExp(`http://localhost${prefix}/([\\w-]+)`).exec(mail?.text ?? '')?.[1];
  if (!token) throw new Error(`no ${kind} link to ${email}`);
  return token;
}

const stranger = new Visitor();
const verifier = new Visitor();
const resetter = new Visitor();
let signUps: ReturnType<typeof rotation<string>>;
let resets: ReturnType<typeof rotation<string>>;
let me: Visitor;
let leaving: Visitor;
let changes: ReturnType<typeof rotation<string>>;

beforeAll(async () => {
  const form = (email: string) => ({
    company: 'Sweep Verify Co',
    timeZone: 'UTC',
    currency: 'USD',
    name: 'Sweep Owner',
    email,
    password: PASSWORD,
  });
  const pending: string[] = [];
  for (let i = 0; i < 12; i++) {
    const email = uniqueEmail('sweep-signup');
    expect((await stranger.post('/sign-up', form(email))).status).toBe(200);
    pending.push(await tokenMailed(email, 'sign-up-verify', '/sign-up/verify'));
  }
  signUps = rotation(pending);

  // A reset spends every reset link of its user: one user per link.
  const links: string[] = [];
  for (let i = 0; i < 12; i++) {
    const owner = await signUp({ company: `Sweep Reset ${i}` });
    await env.DB.exec('DELETE FROM rate_limits');
    expect((await stranger.post('/reset-password', { email: owner.email })).status).toBe(200);
    links.push(await tokenMailed(owner.email, 'password-reset', '/reset-password'));
  }
  resets = rotation(links);

  const mine = await signUp({ company: 'Sweep Account Co' });
  me = Visitor.from(mine.browser);
  const pendingChanges: string[] = [];
  for (let i = 0; i < 4; i++) {
    const next = uniqueEmail('sweep-moved');
    await env.DB.exec('DELETE FROM rate_limits');
    expect((await me.post('/settings/account/email', { email: next, password: PASSWORD })).status).toBe(303);
    pendingChanges.push(await tokenMailed(next, 'email-change-confirm', '/settings/account/email'));
  }
  changes = rotation(pendingChanges);
  leaving = Visitor.from((await signUp({ company: 'Sweep Leaving Co' })).browser);
  await env.DB.exec('DELETE FROM rate_limits');
  await watchWrites();
}, 120_000);

const targets: Target[] = [
  {
    name: 'GET /sign-up/verify/:token',
    method: 'GET',
    as: () => stranger,
    path: () => `/sign-up/verify/${signUps.current()}`,
    pathWith: (id) => `/sign-up/verify/${id}`,
  },
  {
    name: 'POST /sign-up/verify/:token',
    method: 'POST',
    as: () => verifier,
    path: () => `/sign-up/verify/${signUps.current()}`,
    pathWith: (id) => `/sign-up/verify/${id}`,
    afterSuccess: () => signUps.next(),
    // No fields: any well-formed post with the CSRF token uses a link up, so the last may find none left.
    once: true,
    runs: 5,
  },
  {
    name: 'POST /reset-password',
    method: 'POST',
    as: () => stranger,
    path: () => '/reset-password',
    fields: { email: 'email' },
    valid: () => ({ email: uniqueEmail('nobody') }),
  },
  {
    name: 'GET /reset-password/:token',
    method: 'GET',
    as: () => stranger,
    path: () => `/reset-password/${resets.current()}`,
    pathWith: (id) => `/reset-password/${id}`,
  },
  {
    name: 'POST /reset-password/:token',
    method: 'POST',
    as: () => resetter,
    path: () => `/reset-password/${resets.current()}`,
    pathWith: (id) => `/reset-password/${id}`,
    fields: { password: 'password' },
    valid: () => ({ password: PASSWORD }),
    afterSuccess: () => resets.next(),
  },
  {
    name: 'POST /settings/account/email',
    method: 'POST',
    as: () => me,
    path: () => '/settings/account/email',
    fields: { email: 'email', password: 'password' },
    valid: () => ({ email: uniqueEmail('sweep-next'), password: PASSWORD }),
  },
  {
    name: 'GET /settings/account/email/:token',
    method: 'GET',
    as: () => me,
    path: () => `/settings/account/email/${changes.current()}`,
    pathWith: (id) => `/settings/account/email/${id}`,
  },
  {
    name: 'POST /settings/account/email/:token',
    method: 'POST',
    as: () => me,
    path: () => `/settings/account/email/${changes.current()}`,
    pathWith: (id) => `/settings/account/email/${id}`,
    // A confirmation spends every pending change of the account: after the first, the rest find none.
    once: true,
    runs: 5,
  },
  {
    name: 'POST /settings/account/sign-out-others',
    method: 'POST',
    as: () => me,
    path: () => '/settings/account/sign-out-others',
    runs: 5,
  },
  {
    name: 'POST /settings/account/sign-out-everywhere',
    method: 'POST',
    as: () => leaving,
    path: () => '/settings/account/sign-out-everywhere',
    once: true,
    runs: 5,
  },
];

sweepSuite('account basics', 'account basics', targets, 120_000);
