import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { allPrepared, distinct, prepared, type Db, type Rows } from '../db/client';
import { type AccountTokenKind, accountTokens, invites, orgs, sessions, users } from '../db/schema';
import type { OrgSummary, SignedInUser } from '../http/context';

export const SESSION_DAYS = 14;
const DAY = 86_400_000;

export async function findUserByEmail(db: Db, email: string) {
  return db.query.users.findFirst({ where: eq(users.email, email) });
}

/** The contractor's session with its user and org; distinct aliases, as it also runs inside a page's batch. */
export const userSessionQuery = (db: Db) =>
  db
    .select(
      distinct({
        expiresAt: sessions.expiresAt,
        lastSeenAt: sessions.lastSeenAt,
        user: { id: users.id, orgId: users.orgId, email: users.email, name: users.name, role: users.role },
        org: {
          id: orgs.id,
          name: orgs.name,
          timeZone: orgs.timeZone,
          currency: orgs.currency,
          brandColor: orgs.brandColor,
          logoKey: orgs.logoKey,
        },
      }),
    )
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(orgs, eq(orgs.id, sessions.orgId))
    .where(and(eq(sessions.id, sql.placeholder('sessionHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .prepare();

export type UserSessionRow = Rows<ReturnType<typeof userSessionQuery>>[number];

/**
 * The org of the live session named by the `sessionHash` placeholder (`now` its clock), as SQL: a page's
 * queries scoped by it run in one batch with userSessionQuery (auth/session.ts requireUserWith). No live
 * session, no org, no rows.
 */
export const sessionOrgId = () =>
  sql<string>`(SELECT so.org_id FROM sessions so WHERE so.id = ${sql.placeholder('sessionHash')}
    AND so.expires_at > ${sql.placeholder('now')})`;

/** The user and org summary every dashboard page needs, from the session row. */
export function signedIn(row: UserSessionRow) {
  const { logoKey, ...org } = row.org;
  return { user: row.user as SignedInUser, org: { ...org, hasLogo: !!logoKey } satisfies OrgSummary };
}

/** One round trip: the session, its user and the org summary every page needs. */
export async function findSession(db: Db, sessionHash: string, now = Date.now()) {
  const [row] = await allPrepared(db, prepared(db, userSessionQuery), { sessionHash, now });
  if (!row) return null;
  return { expiresAt: row.expiresAt, lastSeenAt: row.lastSeenAt, ...signedIn(row) };
}

export async function insertSession(
  db: Db,
  sessionHash: string,
  user: { id: string; orgId: string },
  userAgent = '',
  now = Date.now(),
) {
  await db.insert(sessions).values({
    id: sessionHash,
    userId: user.id,
    orgId: user.orgId,
    expiresAt: now + SESSION_DAYS * DAY,
    createdAt: now,
    lastSeenAt: now,
    userAgent: userAgent.slice(0, 400),
  });
}

/** Sliding expiry and "last seen", written together (at most once an hour per session: see loadUser). */
export async function touchSession(db: Db, sessionHash: string, now = Date.now()) {
  await db
    .update(sessions)
    .set({ expiresAt: now + SESSION_DAYS * DAY, lastSeenAt: now })
    .where(eq(sessions.id, sessionHash));
}

/** The user's live sessions, most recently seen first. */
export async function listSessions(db: Db, userId: string, now = Date.now()) {
  return db
    .select({
      id: sessions.id,
      userAgent: sessions.userAgent,
      createdAt: sessions.createdAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, now)))
    .orderBy(desc(sql`coalesce(${sessions.lastSeenAt}, ${sessions.createdAt})`));
}

/** The condition "this emailed link is unused and unexpired", for a read or inside a batch. */
export function openToken(tokenHash: string, now: number) {
  return and(eq(accountTokens.id, tokenHash), isNull(accountTokens.usedAt), gt(accountTokens.expiresAt, now));
}

/** An emailed link of this kind that can still be used, or undefined. */
export async function findOpenToken(db: Db, kind: AccountTokenKind, tokenHash: string, now = Date.now()) {
  return db
    .select()
    .from(accountTokens)
    .where(and(openToken(tokenHash, now), eq(accountTokens.kind, kind)))
    .get();
}

export async function findUserById(db: Db, id: string) {
  return db.query.users.findFirst({ where: eq(users.id, id) });
}

export async function deleteSession(db: Db, sessionHash: string) {
  await db.delete(sessions).where(eq(sessions.id, sessionHash));
}

export async function findOpenInvite(db: Db, tokenHash: string, now = Date.now()) {
  return db
    .select({ invite: invites, orgName: orgs.name })
    .from(invites)
    .innerJoin(orgs, eq(orgs.id, invites.orgId))
    .where(and(eq(invites.tokenHash, tokenHash), gt(invites.expiresAt, now), sql`${invites.acceptedAt} IS NULL`))
    .get();
}

export async function listTeam(db: Db, orgId: string) {
  const [members, pending] = await db.batch([
    db
      .select({
        id: users.id,
        name: users.name,
        email: users.email,
        role: users.role,
        active: sql<number>`${users.passwordHash} IS NOT NULL`,
      })
      .from(users)
      .where(eq(users.orgId, orgId))
      .orderBy(users.name),
    db
      .select()
      .from(invites)
      .where(and(eq(invites.orgId, orgId), sql`${invites.acceptedAt} IS NULL`))
      .orderBy(invites.createdAt),
  ]);
  return { members, pending };
}
