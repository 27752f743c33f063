import { and, desc, eq, isNotNull, sql } from 'drizzle-orm';
import { activityInsert, type Actor } from '../conversation/activity';
import type { Db } from '../db/client';
import { createId } from '../db/ids';
import { accounts, contacts, documents } from '../db/schema';
import type { Env } from '../env';
import { Conflict, NotFound } from '../errors';
import { documentsVisibleTo } from '../portal/queries';
import { cancelForContact } from '../reminders/cancel';
import { documentRoom } from '../rooms/client';
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

/** The contact's row, scoped to the caller's org and the account. */
function contactOf(input: { orgId: string; accountId: string; contactId: string }) {
  return and(
    eq(contacts.orgId, input.orgId),
    eq(contacts.accountId, input.accountId),
    eq(contacts.id, input.contactId),
  );
}

/** The timeline's line when a contact's email changes: the links sent to the old address stopped working with it. */
export function addressChanged(
  db: Db,
  e: { orgId: string; actor: Actor; contact: { id: string; name: string }; from: string; to: string; at?: number },
) {
  return activityInsert(db, {
    orgId: e.orgId,
    action: 'link_revoked',
    actor: e.actor,
    data: {
      contactId: e.contact.id,
      contact: `${e.contact.name} <${e.from}>`,
      from: e.from,
      to: e.to,
      reason: `Their email changed from ${e.from} to ${e.to}, so the links sent to the old address stopped working.`,
    },
    at: e.at,
  });
}

/** How many rooms a revoke tells at once (newest documents first); every room also checks before each event. */
const ROOMS_TOLD = 50;

/**
 * Closes the contact's open live pages, now that their access version moved on: the rooms of the
 * documents their account can see (the only ones they could have opened) drop their sockets. It
 * never fails the change that was committed: a room not reached still checks before each event.
 */
export async function closeLivePages(
  env: Pick<Env, 'DOCUMENT_ROOM'>,
  db: Db,
  contact: { id: string; orgId: string; accountId: string },
) {
  try {
    const ids = await documentsVisibleTo(db, contact, ROOMS_TOLD);
    const told = await Promise.allSettled(ids.map((id) => documentRoom(env, id).closeRecipients(id, contact.id)));
    for (const t of told) if (t.status === 'rejected') console.error('closing live pages', t.reason);
  } catch (err) {
    console.error('closing live pages', err);
  }
}

/**
 * Issue 17: "Each person sees only what was sent to them" on (a vendor company with several staff)
 * or off (a household: every contact sees every document sent to any of them). Written only when it
 * changes, so two identical posts change it once; turning it on closes the contacts' live pages
 * (each room checks who may still see it before it lets a socket stay).
 */
export async function setSeesOwnOnly(
  env: Pick<Env, 'DOCUMENT_ROOM'>,
  db: Db,
  input: { orgId: string; accountId: string; seesOwnOnly: boolean },
) {
  const where = and(eq(accounts.orgId, input.orgId), eq(accounts.id, input.accountId));
  const [account, changed] = await db.batch([
    db.select({ id: accounts.id }).from(accounts).where(where),
    db
      .update(accounts)
      .set({ seesOwnOnly: input.seesOwnOnly, updatedAt: Date.now() })
      .where(and(where, eq(accounts.seesOwnOnly, !input.seesOwnOnly)))
      .returning({ id: accounts.id }),
  ]);
  if (!account.length) throw new NotFound();
  if (changed.length && input.seesOwnOnly) {
    // Each room reads the rule again for its open recipient pages and closes the ones it now hides.
    try {
      const sent = await db
        .select({ id: documents.id })
        .from(documents)
        .where(
          and(eq(documents.orgId, input.orgId), eq(documents.accountId, input.accountId), isNotNull(documents.sentAt)),
        )
        .orderBy(desc(documents.sentAt))
        .limit(ROOMS_TOLD);
      const told = await Promise.allSettled(sent.map((d) => documentRoom(env, d.id).closeRecipients(d.id)));
      for (const t of told) if (t.status === 'rejected') console.error('closing live pages', t.reason);
    } catch (err) {
      console.error('closing live pages', err);
    }
  }
  return { changed: changed.length > 0 };
}

/** The contact's row changed between the read and the write (see updateContact). */
const CONTACT_MOVED = /NOT NULL constraint failed: contacts\.email/;
const EDIT_ATTEMPTS = 10;

/**
 * New details for a contact of the account (a contact of another account answers 404). A new email
 * address ends the old one's access like a revoke: every link and session they had stops working,
 * their live pages close, the timeline says why, and the next send gives the new address a link.
 * The row is written only while it is as it was read (else the batch stops and the edit is read
 * again), so two edits at once never undo each other's change of address without revoking it.
 */
export async function updateContact(
  env: Pick<Env, 'DOCUMENT_ROOM'>,
  db: Db,
  actor: Actor,
  input: { orgId: string; accountId: string; contactId: string; contact: ContactFields },
) {
  const where = contactOf(input);
  for (let attempt = 1; ; attempt++) {
    const [current] = await db.select().from(contacts).where(where);
    if (!current) throw new NotFound();
    const { name, email, phone } = input.contact;
    const moved = email !== current.email;
    const asRead = sql`CASE WHEN ${contacts.email} = ${current.email} AND ${contacts.accessVersion} = ${current.accessVersion} THEN ${email} END`;
    const update = db
      .update(contacts)
      .set({ name, phone, email: asRead, accessVersion: current.accessVersion + (moved ? 1 : 0) })
      .where(where);
    const revocation = addressChanged(db, {
      orgId: input.orgId,
      actor,
      contact: { id: current.id, name },
      from: current.email,
      to: email,
    });
    try {
      // A new address: the scheduled reminders to the old one go with its links (issue 16).
      const cancelled = cancelForContact(db, { orgId: input.orgId, contactId: current.id });
      await (moved ? db.batch([update, revocation, cancelled]) : update);
    } catch (err) {
      if (!CONTACT_MOVED.test(String(err))) throw err;
      if (attempt < EDIT_ATTEMPTS) continue;
      throw new Conflict('Someone else changed this contact at the same moment. Check the details and save again.');
    }
    if (moved) await closeLivePages(env, db, current);
    return { revoked: moved };
  }
}

/** A revoke asked about an access version that moved on meanwhile (someone revoked first): the batch stops. */
const ACCESS_MOVED = /NOT NULL constraint failed: contacts\.access_version/;

/**
 * Ends a contact's portal access: their access version goes up, so every link and portal session
 * they had stops working at once, and their open live pages close. Sending them a document again
 * gives them a new link. With `version` (the access version the contractor was asked about), the
 * revoke happens only while the access is still that one: two confirmations of the same question
 * revoke once, and the second answers `already`.
 */
export async function revokeContact(
  env: Pick<Env, 'DOCUMENT_ROOM'>,
  db: Db,
  actor: Actor,
  input: { orgId: string; accountId: string; contactId: string; version?: number },
) {
  const where = contactOf(input);
  const [contact] = await db.select().from(contacts).where(where);
  if (!contact) throw new NotFound();
  const { version } = input;
  if (version !== undefined && version !== contact.accessVersion) return { name: contact.name, already: true };
  const bumped =
    version === undefined
      ? sql`${contacts.accessVersion} + 1`
      : sql`CASE WHEN ${contacts.accessVersion} = ${version} THEN ${version + 1} END`;
  try {
    await db.batch([
      db.update(contacts).set({ accessVersion: bumped }).where(where),
      activityInsert(db, {
        orgId: input.orgId,
        action: 'link_revoked',
        actor,
        data: { contactId: contact.id, contact: `${contact.name} <${contact.email}>` },
      }),
      cancelForContact(db, { orgId: input.orgId, contactId: contact.id }),
    ]);
  } catch (err) {
    if (!ACCESS_MOVED.test(String(err))) throw err;
    return { name: contact.name, already: true };
  }
  await closeLivePages(env, db, contact);
  return { name: contact.name, already: false };
}
