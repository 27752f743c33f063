import { money } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import type { Db } from '../db/client';
import { kindOf } from '../documents/kinds';
import { brandOf } from '../mail/documents';
import { queueMail } from '../mail/outbox';
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

export function approvalMail(
  db: Db,
  state: DecisionState,
  origin: string,
  signerName: string,
  verb: string,
  signed: boolean,
) {
  const label = documentLabel(state);
  const who = `${state.contact.name} (${state.contact.email})`;
  const paragraphs = [`${who} ${verb} revision ${state.version.version} of ${label}.`];
  if (signed) paragraphs.push('The signed PDF with its signature certificate follows as soon as it is sealed.');
  return decisionMail(db, state, origin, {
    subject: `${label} was ${verb} by ${signerName}`,
    heading: `${signerName} ${verb} ${label}`,
    paragraphs,
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
