import { calendarDate, money } from '../../views/format';
import { renderMail, type MailBrand } from '../../views/mail/message';
import { amountDue } from '../budget/totals';
import { asksSignature, emailButtonLabel, kindOf } from '../documents/kinds';
import type { DocumentSnapshot } from '../documents/snapshot';

export function brandOf(org: {
  name: string;
  brandColor: string;
  address: string;
  phone: string;
  email: string;
}): MailBrand {
  return {
    companyName: org.name,
    brandColor: org.brandColor,
    address: org.address.replace(/\n/g, ', '),
    phone: org.phone,
    email: org.email,
  };
}

export function documentSubject(s: DocumentSnapshot): string {
  return `${s.typeLabel} ${s.number}${s.version > 1 ? ` rev ${s.version}` : ''} from ${s.company.name}`;
}

/** The email that carries a portal link to one document. */
export function documentMail(
  s: DocumentSnapshot,
  opts: {
    link: string;
    message?: string;
    recipientName: string;
    resend?: boolean;
    linkDays: number;
    /** Issue 17: this person gets a copy; these are the names of the signers (or the one who answers). */
    copyFor?: string[];
  },
) {
  const kind = kindOf(s.type, s.subtype)!;
  const first = opts.recipientName.split(/\s+/)[0] || opts.recipientName;
  const facts: { label: string; value: string }[] = [
    { label: s.typeLabel, value: `${s.number}${s.version > 1 ? ` rev ${s.version}` : ''}` },
    { label: 'Job', value: s.job.name },
  ];
  if (s.amountColumn !== 'bid') {
    if (s.type === 'customer_invoice')
      facts.push({ label: 'Amount due', value: money(amountDue(s.totals), s.currency) });
    else facts.push({ label: 'Total', value: money(s.totals.total, s.currency) });
    if (s.type === 'customer_order' && s.totals.deposit > 0)
      facts.push({ label: 'Deposit', value: money(s.totals.deposit, s.currency) });
  }
  // A calendar date written as the pages write it ("Dec 28, 2026"): the company's day, never shifted by a zone.
  if (s.dueDate) facts.push({ label: s.dueLabel, value: calendarDate(s.dueDate) });
  const intro = opts.resend
    ? `${s.company.name} sent you a fresh link to ${s.typeLabel.toLowerCase()} ${s.number}.`
    : `${s.company.name} sent you ${s.typeLabel.toLowerCase()} ${s.number}${s.title ? ` — ${s.title}` : ''}.`;
  const copyFor = opts.copyFor;
  const ask = copyFor
    ? copyAsk(copyFor, asksSignature(kind, s.requireSignature))
    : s.type === 'bid_request'
      ? 'Open it to see the quantities and enter your prices.'
      : asksSignature(kind, s.requireSignature)
        ? 'Open it to review the details, then approve and sign online.'
        : 'Open it to review the details, comment or share files.';
  return {
    subject: documentSubject(s),
    ...renderMail({
      brand: brandOf(s.company),
      preheader: `${s.typeLabel} ${s.number} for ${s.job.name}`,
      heading: `Hi ${first},`,
      paragraphs: [intro, ask],
      quote: opts.message || undefined,
      facts,
      button: {
        label: copyFor ? `View ${s.typeLabel.toLowerCase()}` : emailButtonLabel(kind, s.requireSignature),
        href: opts.link,
      },
      footnote:
        `This link is personal to you and works for ${opts.linkDays} days. ` +
        'If it expires, open it anyway and we will email you a fresh one.',
    }),
  };
}

/** A copy's ask: "You're receiving a copy to view, comment on and share files; Dana Reyes and Sam Patel sign it." */
function copyAsk(names: string[], signs: boolean) {
  const who = names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  const verb = signs ? (names.length > 1 ? 'sign it' : 'signs it') : names.length > 1 ? 'answer it' : 'answers it';
  return `You’re receiving a copy to view, comment on and share files; ${who} ${verb}.`;
}
