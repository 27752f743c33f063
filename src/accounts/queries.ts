import { and, asc, eq, or, sql, type SQLWrapper } from 'drizzle-orm';
import type { Db } from '../db/client';
import { accounts, contacts } from '../db/schema';

export type AccountKind = 'customer' | 'vendor';

/**
 * Case-insensitive (ASCII, like LIKE) substring match. Not LIKE: D1 refuses a LIKE pattern over
 * 50 bytes ("pattern too complex"), which a search for a long or non-Latin name reaches.
 */
export function containsText(column: SQLWrapper, q: string) {
  return sql`instr(lower(${column}), lower(${q})) > 0`;
}

export async function listAccounts(db: Db, orgId: string, kind: AccountKind | null, q: string) {
  const conditions = [eq(accounts.orgId, orgId)];
  if (kind) conditions.push(eq(accounts.kind, kind));
  if (q) {
    conditions.push(or(containsText(accounts.name, q), containsText(accounts.email, q))!);
  }
  return db
    .select({
      id: accounts.id,
      kind: accounts.kind,
      name: accounts.name,
      email: accounts.email,
      phone: accounts.phone,
      // Spelled out: drizzle renders ${accounts.id} as a bare "id" here, which the subquery reads as c.id.
      contactCount: sql<number>`(SELECT count(*) FROM contacts c WHERE c.account_id = "accounts"."id" AND c.org_id = ${orgId})`,
    })
    .from(accounts)
    .where(and(...conditions))
    .orderBy(asc(sql`lower(${accounts.name})`))
    .limit(500);
}

export async function getAccountWithContacts(db: Db, orgId: string, accountId: string) {
  const [account, people] = await db.batch([
    db
      .select()
      .from(accounts)
      .where(and(eq(accounts.orgId, orgId), eq(accounts.id, accountId))),
    db
      .select()
      .from(contacts)
      .where(and(eq(contacts.orgId, orgId), eq(contacts.accountId, accountId)))
      .orderBy(asc(contacts.name)),
  ]);
  return account[0] ? { account: account[0], contacts: people } : null;
}

export async function accountOptions(db: Db, orgId: string, kind?: AccountKind) {
  const where = kind ? and(eq(accounts.orgId, orgId), eq(accounts.kind, kind)) : eq(accounts.orgId, orgId);
  return db
    .select({ id: accounts.id, name: accounts.name, kind: accounts.kind })
    .from(accounts)
    .where(where)
    .orderBy(asc(sql`lower(${accounts.name})`));
}

export async function findAccount(db: Db, orgId: string, accountId: string) {
  return db.query.accounts.findFirst({ where: and(eq(accounts.orgId, orgId), eq(accounts.id, accountId)) });
}

/** A contact of the account (of the org), as a revoke's question names them; null if not the caller's. */
export async function contactOfAccount(db: Db, orgId: string, accountId: string, contactId: string) {
  const [row] = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.orgId, orgId), eq(contacts.accountId, accountId), eq(contacts.id, contactId)));
  return row ?? null;
}
