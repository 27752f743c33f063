import { calendarDate } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import { brandOf } from '../mail/documents';

// The recipient's email when the contractor moves a document's date (an extension, or bidding reopened).

export interface ExtendedMailInput {
  org: { name: string; brandColor: string; address: string; phone: string; email: string };
  /** "Estimate EST-0004". */
  documentName: string;
  rule: 'expires' | 'bids_close';
  /** Whether the old date had passed already: a closed bid request's email says bidding reopened. */
  reopened: boolean;
  deadline: string;
  recipientName: string;
  /** The portal button, while the recipient's link still stands. */
  link: string | null;
}

/** "The valid-until date is now Jan 15, 2027.": what an open portal page announces. */
export function extendedSay(rule: ExtendedMailInput['rule'], deadline: string) {
  return rule === 'bids_close'
    ? `Bids are now due ${calendarDate(deadline)}.`
    : `The valid-until date is now ${calendarDate(deadline)}.`;
}

export function extendedMail(m: ExtendedMailInput) {
  const on = calendarDate(m.deadline);
  const verb = m.reopened && m.rule === 'bids_close' ? 'reopened bidding on' : 'extended';
  const now = m.rule === 'bids_close' ? `bids now due ${on}` : `now valid until ${on}`;
  const subject = `${m.org.name} ${verb} ${m.documentName}: ${now}.`;
  const first = m.recipientName.split(/\s+/)[0] || m.recipientName;
  const ask =
    m.rule === 'bids_close'
      ? `You can submit or update your bid until the end of ${on}.`
      : `You can review and approve it until the end of ${on}.`;
  return {
    subject,
    ...renderMail({
      brand: brandOf(m.org),
      preheader: subject,
      heading: subject,
      paragraphs: [`Hi ${first},`, `${m.org.name} ${verb} ${m.documentName}: ${now}. ${ask}`],
      button: m.link ? { label: `Open ${m.documentName}`, href: m.link } : undefined,
    }),
  };
}
