import { and, asc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db, Param } from '../db/client';
import { contacts, documentRecipients, type RecipientRole, type SigningOrder } from '../db/schema';

// Issue 17: who a document is sent to, and whose turn it is to sign. The rules here are pure; every
// side reads them (the room's sign plan, sealing, the send, the portal's decision, the contractor's
// page), so "who still has to sign" has one answer.

/** One recipient of a document, as the pages and plans read it. */
export interface Recipient {
  contactId: string;
  role: RecipientRole;
  /** The signing order (1, 2, ...); copies come after the signers. */
  position: number;
  name: string;
  email: string;
  /** The contact's access version now: a link is made with it. */
  accessVersion: number;
}

/** A decision on a version, as far as these rules care. */
export interface SignatureFact {
  contactId: string | null;
  version: number;
  outcome: string;
}

/** The document's recipients, signers first in signing order, then copies: one statement for a batch. */
export const recipientsStatement = (db: Db, orgId: Param | SQL, documentId: Param | SQL) =>
  db
    .select({
      contactId: documentRecipients.contactId,
      role: documentRecipients.role,
      position: documentRecipients.position,
      name: contacts.name,
      email: contacts.email,
      accessVersion: contacts.accessVersion,
    })
    .from(documentRecipients)
    .innerJoin(
      contacts,
      and(eq(contacts.id, documentRecipients.contactId), eq(contacts.orgId, documentRecipients.orgId)),
    )
    .where(and(eq(documentRecipients.orgId, orgId), eq(documentRecipients.documentId, documentId)))
    .orderBy(sql`${documentRecipients.role} = 'copy'`, asc(documentRecipients.position));

export const signersOf = (recipients: Recipient[]) =>
  recipients.filter((r) => r.role === 'signer').sort((a, b) => a.position - b.position);

/** The signers who approved (signed, approved or accepted) `version`. */
export function signedBy(signatures: SignatureFact[], version: number) {
  return new Set(
    signatures
      .filter((s) => s.version === version && s.contactId && s.outcome !== 'declined' && s.outcome !== 'countersigned')
      .map((s) => s.contactId!),
  );
}

/**
 * The signers who may sign `version` now: in any order, every signer who has not; in a set order,
 * only the first who has not (the next is emailed when they sign). Nobody once someone declined.
 */
export function signersDue(recipients: Recipient[], signatures: SignatureFact[], version: number, order: SigningOrder) {
  if (signatures.some((s) => s.version === version && s.outcome === 'declined')) return [];
  const done = signedBy(signatures, version);
  const waiting = signersOf(recipients).filter((r) => !done.has(r.contactId));
  return order === 'ordered' ? waiting.slice(0, 1) : waiting;
}

/** Every signer has signed `version` (a document with no signer rows counts as its one contact's). */
export function allSigned(recipients: Recipient[], signatures: SignatureFact[], version: number) {
  const signers = signersOf(recipients);
  const done = signedBy(signatures, version);
  return signers.length > 0 ? signers.every((r) => done.has(r.contactId)) : done.size > 0;
}

/** The contractor countersigned `version`. */
export const countersigned = (signatures: SignatureFact[], version: number) =>
  signatures.some((s) => s.version === version && s.outcome === 'countersigned');

/**
 * `version` is ready to seal: every signer signed and, when the document asks for it, the contractor
 * countersigned. Sealing happens once, then.
 */
export function readyToSeal(
  doc: { countersign: boolean },
  recipients: Recipient[],
  signatures: SignatureFact[],
  version: number,
) {
  return allSigned(recipients, signatures, version) && (!doc.countersign || countersigned(signatures, version));
}
