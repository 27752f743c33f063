import { signedBy, signersDue, signersOf, type Recipient, type SignatureFact } from '../documents/recipients';
import type { SigningOrder } from '../db/schema';

// Issue 17, part B: who may decide on a document with several recipients, in the words both the
// room's plans (refusals) and the portal's decision (what it says instead of a form) use.

export const NOT_ASKED = 'You are not asked to sign this document.';

/** "Dana Reyes", "Dana Reyes and Sam Patel", "Dana Reyes, Sam Patel and Lee Chen". */
export function andList(names: string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** "Dana Reyes signs it" / "Dana Reyes and Sam Patel sign it". */
export function whoSigns(recipients: Pick<Recipient, 'role' | 'position' | 'name'>[]): string {
  const signers = recipients.filter((r) => r.role === 'signer').sort((a, b) => a.position - b.position);
  return `${andList(signers.map((r) => r.name))} ${signers.length > 1 ? 'sign' : 'signs'} it`;
}

/** What a copy is told when they try to decide, and on their page. */
export const copyRefusal = (recipients: Pick<Recipient, 'role' | 'position' | 'name'>[]) =>
  `You’re receiving a copy of this document; ${whoSigns(recipients)}.`;

/**
 * Why this contact may not decide on the document at all (422), or null: a copy, or someone the
 * document is not sent to (removed, or another person of a household account). A document with no
 * recipient rows is its one contact's, as before issue 17.
 */
export function deciderRefusal(recipients: Recipient[], contactId: string): string | null {
  if (!recipients.length) return null;
  const me = recipients.find((r) => r.contactId === contactId);
  if (!me) return NOT_ASKED;
  return me.role === 'copy' ? copyRefusal(recipients) : null;
}

/** In a set order, who has to sign before this contact ("Waiting for Dana Reyes to sign first."), or null. */
export function turnRefusal(
  recipients: Recipient[],
  signatures: SignatureFact[],
  version: number,
  order: SigningOrder,
  contactId: string,
): string | null {
  if (order !== 'ordered' || !recipients.length) return null;
  const due = signersDue(recipients, signatures, version, order);
  if (!due.length || due[0].contactId === contactId) return null;
  return `Waiting for ${due[0].name} to sign first.`;
}

/** "(2 of 3)": how many signers have signed `version`, of how many (a document without rows has one). */
export function signedCount(recipients: Recipient[], signatures: SignatureFact[], version: number) {
  const signers = signersOf(recipients);
  const done = signedBy(signatures, version);
  if (!signers.length) return { signed: Math.min(done.size, 1), of: 1 };
  return { signed: signers.filter((r) => done.has(r.contactId)).length, of: signers.length };
}
