import { calendarDate, money } from '../../views/format';
import { renderDigestMail, type DigestLine, type DigestSection } from '../../views/mail/digest';
import { kindOf } from '../documents/kinds';
import { DIGEST_ROWS, type DigestContent } from './queries';
import type { OfflineMethod } from '../db/schema';
import { METHOD_WORDS } from '../signing/offline-words';

// The daily digest's words: its subject ("Your day at Oak & Stone: 2 signed, 1 payment, 3 due this week"),
// its sections and their lines, each linking to the document on the dashboard.

const SIGNED = new Set(['signed', 'approved', 'accepted', 'approved_offline']);
const PAID = new Set(['payment_received', 'payment_recorded']);

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function dataOf(json: string | null): Record<string, unknown> {
  try {
    return json ? (JSON.parse(json) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

type Doc = { documentId: string; number: string; type: string; subtype: string | null; jobName: string };

/** "Estimate EST-0002 · Kitchen remodel" */
const labelOf = (d: Doc) => `${kindOf(d.type, d.subtype)?.label ?? 'Document'} ${d.number} · ${d.jobName}`;

type Event = DigestContent['events'][number];

function eventText(e: Event, currency: string): { text: string; quote?: string } {
  const data = dataOf(e.data);
  const amount = typeof data.amount === 'number' ? money(data.amount, currency) : '';
  switch (e.action) {
    case 'signed':
      return { text: `signed by ${e.actorName}` };
    case 'approved':
      return { text: `approved by ${e.actorName}` };
    case 'accepted':
      return { text: `accepted by ${e.actorName}` };
    // Issue 20: recorded by the contractor's user, never said as the recipient's signature.
    case 'approved_offline':
      return {
        text: `approved ${METHOD_WORDS[data.method as OfflineMethod] ?? 'offline'}, recorded by ${e.actorName}`,
      };
    case 'declined':
      return { text: `declined by ${e.actorName}`, quote: typeof data.reason === 'string' ? data.reason : undefined };
    case 'bid_submitted':
      return { text: `bid submitted by ${e.actorName}` };
    case 'payment_received':
      return { text: amount ? `${e.actorName} paid ${amount} online` : `${e.actorName} paid online` };
    default:
      return {
        text: amount ? `payment of ${amount} recorded by ${e.actorName}` : `payment recorded by ${e.actorName}`,
      };
  }
}

/** "expires Dec 3, 2026", "bids due Dec 3, 2026", "due today". */
function dueText(d: Doc & { deadline: string | null }, today: string) {
  const rule = kindOf(d.type, d.subtype)?.deadline;
  const when = d.deadline === today ? 'today' : calendarDate(d.deadline);
  if (rule === 'expires') return `expires ${when}`;
  if (rule === 'bids_close') return `bids due ${when}`;
  return `due ${when}`;
}

export interface DigestWhere {
  origin: string;
  /** The company-local day the digest is for. */
  today: string;
}

/** The digest email, or null when there is nothing to say. */
export function digestMail(content: DigestContent, where: DigestWhere) {
  const { org } = content;
  if (!org) return null;
  const href = (d: Doc) => `${where.origin}/documents/${d.documentId}`;
  const line = (d: Doc, text: string, quote?: string): DigestLine => ({
    label: labelOf(d),
    text,
    quote,
    href: href(d),
  });
  const section = (title: string, lines: DigestLine[], total = lines.length): DigestSection | null =>
    lines.length ? { title, lines, more: Math.max(0, total - lines.length) } : null;

  const events = content.events;
  const signed = events.filter((e) => SIGNED.has(e.action)).length;
  const declined = events.filter((e) => e.action === 'declined').length;
  const bids = events.filter((e) => e.action === 'bid_submitted').length;
  const paid = events.filter((e) => PAID.has(e.action)).length;
  const parts = [
    signed ? `${signed} signed` : '',
    declined ? `${declined} declined` : '',
    bids ? count(bids, 'bid') : '',
    paid ? count(paid, 'payment') : '',
    content.waiting.length ? count(content.waiting.length, 'comment waiting', 'comments waiting') : '',
    content.dueSoon.length ? `${content.dueSoon.length} due this week` : '',
    content.overdue.length ? `${content.overdue.length} overdue` : '',
  ].filter(Boolean);
  if (!parts.length) return null;

  const sections = [
    section(
      'Since yesterday',
      events.slice(0, DIGEST_ROWS).map((e) => {
        const t = eventText(e, org.currency);
        return line(e, t.text, t.quote);
      }),
      events.length,
    ),
    section(
      'Comments waiting for your answer',
      content.waiting.map((c) =>
        line(c, `${c.authorName} wrote`, c.body.length > 200 ? `${c.body.slice(0, 200)}…` : c.body),
      ),
    ),
    section(
      'Due this week',
      content.dueSoon.map((d) => line(d, dueText(d, where.today))),
    ),
    section(
      'Overdue invoices',
      content.overdue.map((d) => line(d, `was due ${calendarDate(d.deadline)}`)),
    ),
  ].filter((s): s is DigestSection => s !== null);

  const subject = `Your day at ${org.name}: ${parts.join(', ')}`;
  const body = renderDigestMail({
    companyName: org.name,
    brandColor: org.brandColor,
    heading: `Your day at ${org.name}`,
    intro: `${calendarDate(where.today)} — what happened in the last 24 hours, and what is waiting on you this week.`,
    sections,
    homeHref: `${where.origin}/`,
    settingsHref: `${where.origin}/settings/reminders#digest`,
  });
  return { subject, ...body };
}
