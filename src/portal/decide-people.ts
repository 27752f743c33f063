import type { SigningOrder } from '../db/schema';
import { signersDue } from '../documents/recipients';
import { andList } from '../signing/people';
import { dayOfInstant, type PeopleFacts } from './wording';

// Issue 17, part B: where the viewer stands among a document's several recipients, for the portal's
// decision (#decide) and its status words. Pure: from the page's own batch (assemblePortalDocument's
// `recipients` and `signatures`), no read of its own.

interface PersonRow {
  contactId: string;
  role: 'signer' | 'copy';
  position: number;
  name: string;
}

interface SignatureRow {
  id: string;
  versionId: string;
  version: number;
  contactId: string | null;
  outcome: 'signed' | 'approved' | 'accepted' | 'declined' | 'countersigned';
  signerName: string;
  signedAt: number;
}

export interface PeopleOnPage<S extends SignatureRow = SignatureRow> {
  /**
   * The decision the page states: a decline; else, once every signer approved, the viewer's own approval
   * (or the first); before that only the viewer's own. Null while nothing is decided for them.
   */
  shown: S | undefined;
  /** The viewer's own approval of the version shown. */
  mine: S | undefined;
  /** A decline of the version shown, by anyone: the decision the page shows. */
  declined: S | undefined;
  /** What the page says instead of the form (a copy, not their turn, signed and waiting), or null. */
  instead: { heading: string; text: string } | null;
  /** Above the form when several sign: "Dana Reyes and Sam Patel sign this estimate. Sam Patel signed on Dec 2." */
  note: string | null;
  /** The status words' facts, or null for a document with one signer and nothing to add. */
  facts: PeopleFacts | null;
  /** Every approver of the version shown, in signing order (the outcome names them all). */
  approvers: string[];
}

export function peopleOnPage<S extends SignatureRow>(
  doc: { signingOrder: SigningOrder; version: number; versionId: string; kindLabel: string },
  recipients: PersonRow[],
  signatures: S[],
  viewerId: string,
  timeZone: string,
): PeopleOnPage<S> {
  const onVersion = signatures.filter((s) => s.versionId === doc.versionId);
  const approvals = onVersion.filter((s) => s.outcome !== 'declined' && s.outcome !== 'countersigned');
  const declined = onVersion.find((s) => s.outcome === 'declined');
  const mine = approvals.find((s) => s.contactId === viewerId);
  const signers = recipients.filter((r) => r.role === 'signer').sort((a, b) => a.position - b.position);
  const approvedBy = (id: string) => approvals.find((s) => s.contactId === id);
  const approvers = signers.length
    ? signers.flatMap((r) => approvedBy(r.contactId)?.signerName ?? [])
    : approvals.slice(0, 1).map((s) => s.signerName);
  const complete = signers.length ? signers.every((r) => approvedBy(r.contactId)) : approvals.length > 0;
  const shown = declined ?? (complete ? (mine ?? approvals.at(-1)) : mine);
  const none = { shown, mine, declined, instead: null, note: null, facts: null, approvers };
  if (!recipients.length) return none;
  const me = recipients.find((r) => r.contactId === viewerId);
  const names = andList(signers.map((r) => r.name));
  const rules = recipients.map((r) => ({ ...r, email: '', accessVersion: 0 }));
  const facts = signatures.map((s) => ({ contactId: s.contactId, version: s.version, outcome: s.outcome }));
  const due = signersDue(rules, facts, doc.version, doc.signingOrder);
  const waiting = signers.filter((r) => r.contactId !== viewerId && !approvedBy(r.contactId)).map((r) => r.name);
  if (!me || me.role === 'copy') {
    // A bid request is answered (by its one responsible contact), an order signed.
    const verb = doc.kindLabel === 'bid request' ? 'answer' : 'sign';
    const does = `${names} ${signers.length > 1 ? verb : `${verb}s`}`;
    return {
      ...none,
      instead: {
        heading: me ? 'A copy for you' : `Not yours to ${verb}`,
        text: me ? `You’re receiving a copy; ${does} it.` : `${does} this ${doc.kindLabel}.`,
      },
      facts: { copy: true, waitingFor: waiting, youSigned: false, yourTurn: false },
    };
  }
  const yourTurn = due.some((r) => r.contactId === viewerId);
  // Before their turn they wait for the signer whose turn it is; after signing, for everyone left.
  const waitingFor = !mine && !yourTurn && due.length ? [due[0].name] : waiting;
  const peopleFacts = { copy: false, waitingFor, youSigned: !!mine, yourTurn };
  if (mine && waiting.length) {
    const on = dayOfInstant(mine.signedAt, timeZone);
    return {
      ...none,
      instead: { heading: 'You signed', text: `You signed on ${on}. Waiting for ${andList(waiting)}.` },
      facts: peopleFacts,
    };
  }
  if (!mine && !yourTurn && due.length) {
    const first = due[0].name;
    return {
      ...none,
      instead: { heading: 'Not your turn yet', text: `${first} signs first; we’ll email you when it’s your turn.` },
      facts: peopleFacts,
    };
  }
  if (signers.length < 2) return { ...none, facts: mine ? null : peopleFacts };
  const others = signers
    .filter((r) => r.contactId !== viewerId)
    .flatMap((r) => approvedBy(r.contactId) ?? [])
    .map((s) => `${s.signerName} signed on ${dayOfInstant(s.signedAt, timeZone)}.`);
  return { ...none, note: [`${names} sign this ${doc.kindLabel}.`, ...others].join(' '), facts: peopleFacts };
}
