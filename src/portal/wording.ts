import type { DocumentType } from '../db/schema';
import { todayIn } from '../documents/drafts';
import { approvalEvent, recipientAction } from '../documents/kinds';
import { andList } from '../signing/people';

// The recipient's words for where a document stands and what they can do next. The contractor's
// statuses ("Sent", "Viewed") describe the contractor's side of the exchange; a homeowner or a
// vendor reads "Awaiting your signature", "Due Dec 28", "Signed by you on Dec 2" instead.

export type Tone = 'waiting' | 'done' | 'stop' | 'info';

export interface Decision {
  outcome: 'signed' | 'approved' | 'accepted' | 'declined' | 'countersigned';
  signerName: string;
  signedAt: number; // epoch ms
  byYou: boolean; // the viewer's own contact made it
}

export interface StatusFacts {
  type: DocumentType;
  status: string;
  requireSignature: boolean;
  /**
   * YYYY-MM-DD: `documents.deadline`, the date that counts now (issue 16: the sent version's due date,
   * valid until, bids due or required by, or an extension's). Past it an estimate reads "Expired Dec 28",
   * a bid request "Bids closed Dec 28", an unpaid invoice "Overdue since Dec 28".
   */
  dueDate: string | null;
  today: string; // YYYY-MM-DD in the org's time zone
  timeZone: string;
  companyName: string;
  /** The decision on the version shown, if one was made. */
  decision?: Decision | null;
  /** Issue 17: where the viewer stands among several recipients (portal/decide-people.ts), if it matters. */
  people?: PeopleFacts | null;
  /** Issue 20: the contractor recorded the approval as made offline ("Marked approved by Oak & Stone on Dec 1"). */
  offline?: string | null;
}

/** The viewer among a document's recipients, as the status words need it. */
export interface PeopleFacts {
  /** A copy (or someone of the account the document is not sent to): never decides. */
  copy: boolean;
  /** The other signers who have not signed the version shown, in signing order. */
  waitingFor: string[];
  youSigned: boolean;
  /** The viewer may sign now (any order, or theirs is the next signature). */
  yourTurn: boolean;
}

export interface RecipientStatus {
  text: string;
  tone: Tone;
}

const monthDay = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' });
const monthDayYear = new Intl.DateTimeFormat('en-US', {
  timeZone: 'UTC',
  month: 'short',
  day: 'numeric',
  year: 'numeric',
});

/** "Dec 28" this year, "Dec 28, 2027" any other: a calendar date (YYYY-MM-DD) seen from `today`. */
export function shortDate(iso: string, today: string): string {
  const d = new Date(`${iso}T00:00:00Z`);
  return (iso.slice(0, 4) === today.slice(0, 4) ? monthDay : monthDayYear).format(d);
}

/** "Dec 2": the calendar date of an instant in a time zone, seen from today there. */
export const dayOfInstant = (ms: number, timeZone: string) => shortDate(todayIn(timeZone, ms), todayIn(timeZone));

/** The calendar date of an instant in a time zone, as shortDate writes it. */
const dayOf = (ms: number, f: Pick<StatusFacts, 'timeZone' | 'today'>) => shortDate(todayIn(f.timeZone, ms), f.today);

const DECIDED: Record<Decision['outcome'], string> = {
  signed: 'Signed',
  approved: 'Approved',
  accepted: 'Accepted',
  declined: 'Declined',
  countersigned: 'Countersigned',
};

function decided(f: StatusFacts, fallback: string, tone: Tone): RecipientStatus {
  const d = f.decision;
  if (!d) return { text: fallback, tone };
  const who = d.byYou ? 'you' : d.signerName;
  return { text: `${DECIDED[d.outcome]} by ${who} on ${dayOf(d.signedAt, f)}`, tone };
}

/** Where the document stands, in the recipient's words. One function for the summary, home and job pages. */
export function recipientStatus(f: StatusFacts): RecipientStatus {
  const due = f.dueDate ? shortDate(f.dueDate, f.today) : '';
  const late = !!f.dueDate && f.today > f.dueDate;
  if (f.status === 'void') return { text: 'Void — no longer valid', tone: 'stop' };
  switch (f.type) {
    case 'customer_order':
    case 'vendor_order':
      if (f.offline && (f.status === 'approved' || f.status === 'accepted')) return { text: f.offline, tone: 'done' };
      if (f.status === 'sent' || f.status === 'viewed') {
        // An estimate, proposal or change order past its valid-until date can no longer be approved.
        if (late && f.type === 'customer_order') return { text: `Expired ${due}`, tone: 'stop' };
        // Several recipients (issue 17): a copy, or a signer waiting on the others.
        if (f.people?.copy) return { text: 'Copy', tone: 'info' };
        if (f.people && !f.people.yourTurn && f.people.waitingFor.length)
          return { text: `Waiting for ${andList(f.people.waitingFor)}`, tone: 'info' };
        if (f.requireSignature) return { text: 'Awaiting your signature', tone: 'waiting' };
        return {
          text: f.type === 'customer_order' ? 'Awaiting your approval' : 'Awaiting your acceptance',
          tone: 'waiting',
        };
      }
      if (f.status === 'approved') return decided(f, 'Approved', 'done');
      if (f.status === 'accepted') return decided(f, 'Accepted', 'done');
      if (f.status === 'declined') return decided(f, 'Declined', 'stop');
      break;
    case 'bid_request':
      if (f.status === 'sent' || f.status === 'viewed') {
        if (!due) return { text: 'Awaiting your bid', tone: 'waiting' };
        return late ? { text: `Bids closed ${due}`, tone: 'stop' } : { text: `Bids due ${due}`, tone: 'waiting' };
      }
      if (f.status === 'submitted') return { text: 'Bid submitted', tone: 'info' };
      if (f.status === 'accepted') return { text: 'Your bid was accepted', tone: 'done' };
      if (f.status === 'rejected') return { text: 'Bid not accepted', tone: 'stop' };
      break;
    case 'customer_invoice':
      if (f.status === 'paid') return { text: 'Paid', tone: 'done' };
      if (f.status === 'sent' || f.status === 'viewed' || f.status === 'partially_paid') {
        const part = f.status === 'partially_paid' ? 'Partly paid' : '';
        if (!due) return { text: part || 'Awaiting payment', tone: 'waiting' };
        const when = late ? `Overdue since ${due}` : `Due ${due}`;
        return { text: part ? `${part} · ${late ? when : `rest due ${due}`}` : when, tone: late ? 'stop' : 'waiting' };
      }
      break;
    case 'bill':
      if (f.status === 'received') return { text: `Received by ${f.companyName}`, tone: 'info' };
      if (f.status === 'approved') return { text: `Approved for payment by ${f.companyName}`, tone: 'info' };
      if (f.status === 'partially_paid') return { text: 'Partly paid', tone: 'info' };
      if (f.status === 'paid') return { text: 'Paid', tone: 'done' };
      break;
  }
  return { text: f.status.charAt(0).toUpperCase() + f.status.slice(1).replace(/_/g, ' '), tone: 'info' };
}

/**
 * The one next step, as the summary's button and the phone's bottom bar say it ("Review & sign",
 * "Accept", "Submit bid", "Pay", "How to pay"), or null when nothing waits on the recipient. An
 * invoice says "Pay" only when it can be paid online now (`online`: payments/queries.ts `payable`),
 * else its step is reading how to pay. A document its date closed (`closed`: deadlines/rules.ts
 * `closedByDeadline`, an expired estimate or a closed bid request) has no step: it can only be asked about.
 */
export function nextStepLabel(
  type: DocumentType,
  status: string,
  requireSignature: boolean,
  online = false,
  closed = false,
): string | null {
  if (closed || !recipientAction(type, status, requireSignature)) return null;
  if (requireSignature && approvalEvent(type)) return 'Review & sign';
  switch (type) {
    case 'customer_order':
      return 'Review & approve';
    case 'vendor_order':
      return 'Accept';
    case 'bid_request':
      return 'Submit bid';
    case 'customer_invoice':
      return online ? 'Pay' : 'How to pay';
    default:
      return null;
  }
}

/** Who the document is from and to, seen by its recipient: a bill is the vendor's, to the contractor. */
export function partiesLine(type: DocumentType, typeLabel: string, companyName: string): string {
  return type === 'bill' ? `${typeLabel} from you to ${companyName}` : `${typeLabel} from ${companyName} to you`;
}
