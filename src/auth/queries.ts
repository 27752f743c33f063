import { and, eq, gt, sql } from 'drizzle-orm';
import { prepared, type Db } from '../db/client';
import { invites, orgs, sessions, users } from '../db/schema';
import type { OrgSummary, SignedInUser } from '../http/context';

export const SESSION_DAYS = 14;
const DAY = 86_400_000;

export async function findUserByEmail(db: Db, email: string) {
  return db.query.users.findFirst({ where: eq(users.email, email) });
}

const sessionQuery = (db: Db) =>
  db
    .select({
      expiresAt: sessions.expiresAt,
      user: { id: users.id, orgId: users.orgId, email: users.email, name: users.name, role: users.role },
      org: {
        id: orgs.id,
        name: orgs.name,
        timeZone: orgs.timeZone,
        currency: orgs.currency,
        brandColor: orgs.brandColor,
        logoKey: orgs.logoKey,
      },
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .innerJoin(orgs, eq(orgs.id, sessions.orgId))
    .where(and(eq(sessions.id, sql.placeholder('sessionHash')), gt(sessions.expiresAt, sql.placeholder('now'))))
    .prepare();

/** One round trip: the session, its user and the org summary every page needs. */
export async function findSession(db: Db, sessionHash: string, now = Date.now()) {
  const [row] = await prepared(db, sessionQuery).all({ sessionHash, now });
  if (!row) return null;
  const { logoKey, ...org } = row.org;
  return {
    expiresAt: row.expiresAt,
    user: row.user as SignedInUser,
    org: { ...org, hasLogo: !!logoKey } satisfies OrgSummary,
  };
}

export async function insertSession(
  db: Db,
  sessionHash: string,
  user: { id: string; orgId: string },
  now = Date.now(),
) {
  await db.insert(sessions).values({
    id: sessionHash,
    userId: user.id,
    orgId: user.orgId,
    expiresAt: now + SESSION_DAYS * DAY,
    createdAt: now,
  });
}

export async function extendSession(db: Db, sessionHash: string, now = Date.now()) {
  await db
    .update(sessions)
    .set({ expiresAt: now + SESSION_DAYS * DAY })
    .where(eq(sessions.id, sessionHash));
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
