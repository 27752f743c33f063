import { calendarDate, money } from '../../views/format';
import { renderMail } from '../../views/mail/message';
import type { ReminderKind } from '../db/schema';
import { deadlineRule } from '../deadlines/rules';
import { daysBetween, todayIn } from '../deadlines/time';
import { asksSignature, emailButtonLabel, kindOf } from '../documents/kinds';
import { brandOf } from '../mail/documents';
import type { ReminderPlan } from './plan';
import type { ReminderDocument } from './queries';

// The reminder email (issue 16): from the company, to the document's contact, saying plainly what is waiting
// and by when, with the button to the document in the portal.

type Doc = Pick<ReminderDocument, 'document' | 'org' | 'snapshot' | 'balance'>;

const kindLabel = (d: Doc) => kindOf(d.document.type, d.document.subtype)?.label ?? 'Document';

/** "Estimate EST-0004" */
export const documentName = (d: Doc) => `${kindLabel(d)} ${d.document.number}`;

/** What the recipient is asked for, as "waiting for your …": signature, approval, acceptance, bid, payment. */
function waitingFor(d: Doc): string {
  const kind = kindOf(d.document.type, d.document.subtype);
  if (d.document.type === 'bid_request') return 'your bid';
  if (d.document.type === 'customer_invoice') return 'your payment';
  if (kind && asksSignature(kind, d.document.requireSignature)) return 'your signature';
  if (d.document.type === 'vendor_order') return 'your acceptance';
  return 'your approval';
}

/** "in 3 days (Dec 28)", "tomorrow (Dec 28)", "today (Dec 28)". */
function inDays(date: string, today: string): string {
  const days = daysBetween(today, date);
  const short = calendarDate(date).replace(/, \d{4}$/, '');
  if (days <= 0) return `today (${short})`;
  if (days === 1) return `tomorrow (${short})`;
  return `in ${days} days (${short})`;
}

/** The sentence about the date: "It is valid until Dec 28, 2026." / "It expires in 3 days (Dec 28)." */
function dateSentence(d: Doc, kind: ReminderKind, today: string): string | null {
  const date = d.document.deadline;
  const rule = deadlineRule(d.document);
  if (!date || !rule) return null;
  const soon = kind === 'before_deadline' && date >= today;
  if (rule === 'expires')
    return soon ? `It expires ${inDays(date, today)}.` : `It is valid until ${calendarDate(date)}.`;
  if (rule === 'bids_close') return soon ? `Bids close ${inDays(date, today)}.` : `Bids are due ${calendarDate(date)}.`;
  if (rule === 'required_by') return `It is required by ${calendarDate(date)}.`;
  return null;
}

export interface ReminderMailInput {
  kind: ReminderKind;
  /** The contact's portal link to the document, built from APP_ORIGIN. */
  link: string;
  recipientName: string;
  now: number;
}

/** The reminder's subject, HTML and text. */
export function reminderMail(d: Doc, m: ReminderMailInput) {
  const tz = d.org.timeZone;
  const today = todayIn(tz, m.now);
  const name = documentName(d);
  const title = d.snapshot?.title ? ` (${d.snapshot.title})` : '';
  const currency = d.snapshot?.currency ?? d.org.currency;
  const total =
    d.snapshot && d.document.type !== 'bid_request' ? ` for ${money(d.snapshot.totals.total, currency)}` : '';
  const company = d.org.name;
  const paragraphs: string[] = [];
  let subject: string;
  if (d.document.type === 'customer_invoice') {
    const open = money(Math.max(0, d.balance), currency);
    const due = d.document.deadline;
    if (due && due < today) {
      subject = `Reminder: ${name} from ${company} is overdue`;
      paragraphs.push(`${name}${title}${total} was due ${calendarDate(due)} and ${open} is still open.`);
    } else if (due) {
      subject = `Reminder: ${name} from ${company} is due ${calendarDate(due)}`;
      paragraphs.push(`${name}${title}${total} is due ${inDays(due, today)}. ${open} is open.`);
    } else {
      subject = `Reminder: ${name} from ${company} is waiting for your payment`;
      paragraphs.push(`${name}${title}${total} is waiting for your payment. ${open} is open.`);
    }
  } else {
    subject = `Reminder: ${name} from ${company} is waiting for ${waitingFor(d)}`;
    paragraphs.push(`${name}${title}${total} is waiting for ${waitingFor(d)}.`);
    const when = dateSentence(d, m.kind, today);
    if (when) paragraphs.push(when);
  }
  if (m.kind === 'unopened') paragraphs.push(`${company} sent it to you and it has not been opened yet.`);
  const kind = kindOf(d.document.type, d.document.subtype);
  const first = m.recipientName.split(/\s+/)[0] || m.recipientName;
  return {
    subject,
    ...renderMail({
      brand: brandOf(d.org),
      preheader: paragraphs[0],
      heading: `Hi ${first},`,
      paragraphs: [...paragraphs, 'Open it from the button below.'],
      button: { label: kind ? emailButtonLabel(kind, d.document.requireSignature) : 'Open', href: m.link },
      footnote: `This reminder comes from ${company}. Reply to this email to reach them.`,
    }),
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** What the timeline says a reminder chased: "Not opened after 3 days", "Overdue reminder 2 of 3", "Sent by hand". */
export function reminderWhy(
  d: Pick<ReminderDocument, 'document'>,
  kind: ReminderKind,
  n: number,
  plan: ReminderPlan | null,
): string {
  const type = d.document.type;
  if (kind === 'manual') return 'Sent by hand';
  if (kind === 'unopened') return plan ? `Not opened after ${plural(plan.unopenedDays, 'day')}` : 'Not opened yet';
  if (kind === 'undecided') {
    const what = type === 'bid_request' ? 'No bid' : type === 'vendor_order' ? 'Not accepted' : 'Not approved';
    return plan ? `${what} after ${plural(plan.undecidedDays, 'day')}` : `${what} yet`;
  }
  if (kind === 'before_deadline') {
    const rule = deadlineRule(d.document);
    const what = rule === 'bids_close' ? 'bids close' : rule === 'due' ? 'it is due' : 'it expires';
    return plan ? `${plural(plan.beforeDays, 'day')} before ${what}` : `Before ${what}`;
  }
  return plan?.overdueMax ? `Overdue reminder ${n} of ${plan.overdueMax}` : `Overdue reminder ${n}`;
}
