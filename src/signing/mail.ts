import { money } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import type { Db } from '../db/client';
import { kindOf } from '../documents/kinds';
import { brandOf } from '../mail/documents';
import { queueMail } from '../mail/outbox';
import type { Recipient } from '../documents/recipients';
import { andList } from './people';
import type { DecisionState } from './queries';

// The emails a recipient's decision sends the contractor, queued in the decision's own batch.

/** "Change Order CO-0007": how a decision's email names the document. */
export function documentLabel(state: Pick<DecisionState, 'document'>) {
  return `${kindOf(state.document.type, state.document.subtype)?.label ?? 'Document'} ${state.document.number}`;
}

interface DecisionMail {
  subject: string;
  heading: string;
  paragraphs: string[];
  quote?: string;
}

/** The email to the document's creator (none when they have no address), with a button back to the document. */
export function decisionMail(db: Db, state: DecisionState, origin: string, m: DecisionMail) {
  if (!state.creator?.email) return [];
  const href = `${origin}/documents/${state.document.id}`;
  const body = renderMail({
    brand: brandOf(state.org),
    heading: m.heading,
    paragraphs: m.paragraphs,
    quote: m.quote,
    button: { label: 'Open the document', href },
  });
  const to = { email: state.creator.email, name: state.creator.name ?? '' };
  return [
    queueMail(db, {
      orgId: state.org.id,
      documentId: state.document.id,
      kind: 'decision',
      to,
      fromName: state.org.name,
      subject: m.subject,
      ...body,
    }),
  ];
}

/** The past tense of an approval: a required signature signs, otherwise the kind approves or accepts. */
export function approvalVerb(signed: boolean, event: 'approve' | 'accept'): 'signed' | 'approved' | 'accepted' {
  return signed ? 'signed' : event === 'approve' ? 'approved' : 'accepted';
}

/** Who approved: each signer's typed name and address, in signing order (one, before issue 17). */
export interface Approver {
  name: string;
  email: string;
}

/** The contractor's email once the approval is complete: "Estimate EST-0004 was signed by Dana Reyes and Sam Patel". */
export function approvalMail(
  db: Db,
  state: DecisionState,
  origin: string,
  approvers: Approver[],
  verb: string,
  signed: boolean,
) {
  const label = documentLabel(state);
  const names = andList(approvers.map((a) => a.name));
  const who = andList(approvers.map((a) => `${a.name} (${a.email})`));
  const paragraphs = [`${who} ${verb} revision ${state.version.version} of ${label}.`];
  if (state.document.countersign) {
    // Issue 17, part C: sealing waits for the contractor's countersignature.
    const ask = `${names} ${verb} ${state.document.number} — countersign it to finish`;
    paragraphs.push('Countersign it on its page to finish: the signed PDF is sealed once you do.');
    return decisionMail(db, state, origin, { subject: ask, heading: ask, paragraphs });
  }
  if (signed) paragraphs.push('The signed PDF with its signature certificate follows as soon as it is sealed.');
  return decisionMail(db, state, origin, {
    subject: `${label} was ${verb} by ${names}`,
    heading: `${names} ${verb} ${label}`,
    paragraphs,
  });
}

/**
 * In a set signing order, the next signer's email once the one before them signed: their own portal
 * link (made by the plan while `linkStillGiven`), queued only while their access is the one read.
 */
export function nextSignerMail(
  db: Db,
  state: DecisionState,
  next: Recipient,
  link: string,
  previous: string | null,
  now: number,
) {
  const label = documentLabel(state);
  const action = state.document.requireSignature ? 'sign' : 'approve';
  const body = renderMail({
    brand: brandOf(state.org),
    heading: `Your turn to ${action} ${label}`,
    paragraphs: [
      `Hello ${next.name},`,
      previous
        ? `${previous} ${action === 'sign' ? 'signed' : 'approved'} ${label} from ${state.org.name}.`
        : `${state.org.name} sent you ${label}.`,
      `It is your turn to ${action} it.`,
    ],
    button: { label: state.document.requireSignature ? 'Review & sign' : 'Review', href: link },
  });
  return queueMail(
    db,
    {
      orgId: state.org.id,
      documentId: state.document.id,
      kind: 'next_signer',
      to: { email: next.email, name: next.name },
      whileAccess: { contactId: next.contactId, accessVersion: next.accessVersion },
      fromName: state.org.name,
      replyTo: state.org.email || null,
      subject: `Your turn to ${action} ${label}`,
      ...body,
    },
    now,
  );
}

/** A decline told to the document's other recipients: "Dana Reyes declined Estimate EST-0004; …". */
/** The other recipients are told of a decline: only those whose access is still what the send gave (`given`). */
export function declinedToOthers(db: Db, state: DecisionState, given: Set<string>, now: number) {
  const label = documentLabel(state);
  const name = state.contact.name;
  const sentence = `${name} declined ${label}; it will not go ahead unless ${state.org.name} sends it again.`;
  return state.recipients
    .filter((r) => r.contactId !== state.contact.id && r.email && given.has(r.contactId))
    .map((r) => {
      const body = renderMail({
        brand: brandOf(state.org),
        heading: `${name} declined ${label}`,
        paragraphs: [sentence],
      });
      return queueMail(
        db,
        {
          orgId: state.org.id,
          documentId: state.document.id,
          kind: 'declined_notice',
          to: { email: r.email, name: r.name },
          fromName: state.org.name,
          replyTo: state.org.email || null,
          subject: `${label} was declined by ${name}`,
          ...body,
        },
        now,
      );
    });
}

export function declineMail(db: Db, state: DecisionState, origin: string, reason: string) {
  const label = documentLabel(state);
  const name = state.contact.name;
  return decisionMail(db, state, origin, {
    subject: `${label} was declined by ${name}`,
    heading: `${name} declined ${label}`,
    paragraphs: [`${name} (${state.contact.email}) declined revision ${state.version.version}. Their reason:`],
    quote: reason || '(no reason given)',
  });
}

/** The bid's total as the email states it: the same cents the pages show (bidTotal in budget/totals.ts). */
export function bidMail(db: Db, state: DecisionState, origin: string, total: number, revised: boolean, note: string) {
  const label = documentLabel(state);
  const name = state.contact.name;
  return decisionMail(db, state, origin, {
    subject: `${revised ? 'Revised bid' : 'Bid'} on ${label} from ${name}`,
    heading: `${name} ${revised ? 'revised their bid' : 'submitted a bid'}`,
    paragraphs: [`The bid on ${label} totals ${money(total, state.org.currency)}.`],
    quote: note || undefined,
  });
}
