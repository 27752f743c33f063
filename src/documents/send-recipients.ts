import type { RecipientRole, SigningOrder } from '../db/schema';
import { NotFound, Refused } from '../errors';
import type { FormCheck } from '../http/validate';

// Issue 17, part A: who a send goes to besides its primary signer. The send page posts today's
// `name`/`email` (the primary signer, position 1) and extra rows `recipient.N.contactId|name|email|role`
// in signing order, `signingOrder` and `countersign`. These functions are pure: `checkRecipients`
// reads and checks the rows' own fields; `resolveRecipients` matches them to the account's contacts
// (an existing contact by id, a new person by address) and refuses doubles and too many.

/** Everyone on one send, the primary signer included. */
export const MAX_RECIPIENTS = 10;
/** Rows read at most: the page never offers more (the account's contacts are capped with it). */
const MAX_ROWS = 40;
const ROLES = ['signer', 'copy'] as const;

/** One included extra row as posted: an existing contact (its id) or a new person (name and email). */
export interface RecipientRow {
  /** N of `recipient.N.*`: a refusal names the row's field. */
  row: number;
  contactId: string | null;
  name: string;
  email: string;
  role: RecipientRole;
}

export interface RecipientsChoice {
  rows: RecipientRow[];
  signingOrder: SigningOrder;
  countersign: boolean;
}

export const rowField = (row: number, part: 'contactId' | 'name' | 'email' | 'role') => `recipient.${row}.${part}`;

/** The N of every posted `recipient.N.*` field, in order (at most MAX_ROWS of them). */
function rowNumbers(raw: Record<string, string>) {
  const found = new Set<number>();
  for (const key of Object.keys(raw)) {
    const m = /^recipient\.(\d{1,3})\.(contactId|name|email|role)$/.exec(key);
    if (m && Number(m[1]) >= 1) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b).slice(0, MAX_ROWS);
}

/**
 * The extra rows, signing order and countersign box of a send form. A row marked "Not included"
 * (role '') and a blank "add someone" row are left out; an included row needs a contact, or a name
 * and a valid email. `signersAllowed` false (bids, vendor orders, invoices): extra people are copies.
 */
export function checkRecipients(
  f: FormCheck,
  opts: { signersAllowed: boolean; countersignAllowed: boolean },
): RecipientsChoice {
  const raw = f.raw;
  const rows: RecipientRow[] = [];
  for (const n of rowNumbers(raw)) {
    const role = (raw[rowField(n, 'role')] ?? '').trim();
    const contactId = (raw[rowField(n, 'contactId')] ?? '').trim() || null;
    const typed = `${raw[rowField(n, 'name')] ?? ''}${raw[rowField(n, 'email')] ?? ''}`.trim();
    if (!role || (!contactId && !typed)) continue;
    if (!(ROLES as readonly string[]).includes(role)) {
      f.fail(rowField(n, 'role'), 'Choose Signer, Copy or Not included.');
      continue;
    }
    if (role === 'signer' && !opts.signersAllowed) {
      f.fail(rowField(n, 'role'), 'Only the main contact answers this document; anyone else can get a copy.');
      continue;
    }
    const name = contactId ? '' : f.text(rowField(n, 'name'), { label: 'Name', required: true, max: 120 });
    const email = contactId ? '' : f.email(rowField(n, 'email'), { label: 'Email', required: true });
    rows.push({ row: n, contactId, name, email, role: role as RecipientRole });
  }
  const signingOrder =
    opts.signersAllowed && f.raw.signingOrder
      ? (f.choice('signingOrder', ['any', 'ordered'] as const, { label: 'Signing order' }) ?? 'any')
      : 'any';
  return { rows, signingOrder, countersign: opts.countersignAllowed && f.bool('countersign') };
}

/** A contact of the document's account, as the send reads it. */
export interface AccountContact {
  id: string;
  name: string;
  email: string;
  accessVersion: number;
}

/** An extra recipient of the send, resolved: `contactId` null is a new contact to make in the send's batch. */
export interface ResolvedRecipient {
  row: number;
  contactId: string | null;
  name: string;
  email: string;
  role: RecipientRole;
  /** The contact's access version now (a new contact starts at 1). */
  accessVersion: number;
}

/**
 * Matches the rows to the account's contacts. A contact id that is not one of them (another
 * account's, another company's, made up) is NotFound: the answer never says which. A new person
 * whose address is already a contact of the account is that contact. The same person twice (or the
 * primary again) and more than MAX_RECIPIENTS people are refused on the row.
 */
export function resolveRecipients(
  primary: { contactId: string; email: string },
  rows: RecipientRow[],
  account: AccountContact[],
): ResolvedRecipient[] {
  const byId = new Map(account.map((c) => [c.id, c]));
  const byEmail = new Map(account.map((c) => [c.email.toLowerCase(), c]));
  const seenIds = new Set([primary.contactId]);
  const seenEmails = new Set([primary.email.toLowerCase()]);
  const out: ResolvedRecipient[] = [];
  for (const r of rows) {
    let contact: AccountContact | undefined;
    if (r.contactId) {
      contact = byId.get(r.contactId);
      if (!contact) throw new NotFound();
    } else contact = byEmail.get(r.email.toLowerCase());
    const email = (contact?.email ?? r.email).toLowerCase();
    const name = contact?.name ?? r.name;
    if ((contact && seenIds.has(contact.id)) || seenEmails.has(email)) {
      const field = rowField(r.row, r.contactId ? 'role' : 'email');
      throw new Refused(`${name} (${email}) is already on this send. Include each person once.`, field);
    }
    if (contact) seenIds.add(contact.id);
    seenEmails.add(email);
    out.push({
      row: r.row,
      contactId: contact?.id ?? null,
      name,
      email: contact?.email ?? r.email,
      role: r.role,
      accessVersion: contact?.accessVersion ?? 1,
    });
  }
  if (out.length + 1 > MAX_RECIPIENTS) {
    throw new Refused(`Send to at most ${MAX_RECIPIENTS} people at once.`, 'recipients');
  }
  return out;
}

/** "Dana Reyes", "Dana Reyes and Sam Patel", "Dana Reyes, Sam Patel and Lee Park". */
export function namesList(names: string[]) {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
