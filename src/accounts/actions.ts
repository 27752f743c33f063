import { and, eq, sql } from 'drizzle-orm';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { accounts, contacts } from '../db/schema';
import { NotFound } from '../errors';
import type { AccountKind } from './queries';

// The contractor's verbs on customers, vendors and their contacts. Input arrives checked by
// accounts.ts (checkAccount, checkContact); every read and write is scoped to the caller's org.

export interface AccountFields {
  name: string;
  email: string;
  phone: string;
  address: string;
  notes: string;
}

export interface ContactFields {
  name: string;
  email: string;
  phone: string;
}

/** A new customer or vendor, with its first contact when one was given; both rows in one batch. */
export async function createAccount(
  db: Db,
  input: { orgId: string; kind: AccountKind; account: AccountFields; contact: ContactFields | null },
) {
  const now = Date.now();
  const id = createId();
  const { orgId, contact } = input;
  await db.batch([
    db.insert(accounts).values({ id, orgId, kind: input.kind, ...input.account, createdAt: now, updatedAt: now }),
    ...(contact
      ? [db.insert(contacts).values({ id: createId(), orgId, accountId: id, ...contact, createdAt: now })]
      : []),
  ]);
  return { id };
}

/** New details for an account; its kind never changes. */
export async function updateAccount(db: Db, input: { orgId: string; accountId: string; account: AccountFields }) {
  const changed = await db
    .update(accounts)
    .set({ ...input.account, updatedAt: Date.now() })
    .where(and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId)))
    .returning({ id: accounts.id });
  if (!changed.length) throw new NotFound();
}

export async function addContact(db: Db, input: { orgId: string; accountId: string; contact: ContactFields }) {
  const [account] = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId)));
  if (!account) throw new NotFound();
  const id = createId();
  await db
    .insert(contacts)
    .values({ id, orgId: input.orgId, accountId: account.id, ...input.contact, createdAt: Date.now() });
  return { id };
}

/** New details for a contact of the account (a contact of another account answers 404). */
export async function updateContact(
  db: Db,
  input: { orgId: string; accountId: string; contactId: string; contact: ContactFields },
) {
  const changed = await db
    .update(contacts)
    .set(input.contact)
    .where(
      and(eq(contacts.orgId, input.orgId), eq(contacts.accountId, input.accountId), eq(contacts.id, input.contactId)),
    )
    .returning({ id: contacts.id });
  if (!changed.length) throw new NotFound();
}

/**
 * Ends a contact's portal access: their access version goes up, so every link and portal session
 * they had stops working at once. Sending them a document again gives them a new link.
 */
export async function revokeContact(
  db: Db,
  actor: Actor,
  input: { orgId: string; accountId: string; contactId: string },
) {
  const where = and(
    eq(contacts.orgId, input.orgId),
    eq(contacts.accountId, input.accountId),
    eq(contacts.id, input.contactId),
  );
  const [contact] = await db
    .select({ id: contacts.id, name: contacts.name, email: contacts.email })
    .from(contacts)
    .where(where);
  if (!contact) throw new NotFound();
  await db.batch([
    db
      .update(contacts)
      .set({ accessVersion: sql`${contacts.accessVersion} + 1` })
      .where(where),
    activityInsert(db, {
      orgId: input.orgId,
      action: 'link_revoked',
      actor,
      data: { contactId: contact.id, contact: `${contact.name} <${contact.email}>` },
    }),
  ]);
  return { name: contact.name };
}
