import { calendarDate, money } from '../../views/format';
import type { EventView } from '../../views/components/conversation';
import { offlineTimelineText } from '../signing/offline-words';

interface ActivityRow {
  id: string;
  seq: number | null;
  action: string;
  side: string;
  actorName: string;
  ip: string | null;
  userAgent: string | null;
  data: string | null;
  createdAt: number;
  documentId?: string | null;
  /** A timeline entry's: its key, how many rows it stands for, their distinct "ip\tuser agent" (JSON). */
  entry?: string;
  count?: number;
  networks?: string | null;
}

/** An entry's distinct addresses and browsers, as "203.0.113.7 · Mozilla/5.0 …" lines; the row's own without. */
function networksOf(row: ActivityRow): string[] {
  const pairs = row.networks ? (JSON.parse(row.networks) as string[]) : [`${row.ip ?? ''}\t${row.userAgent ?? ''}`];
  return pairs.map((p) => p.split('\t').filter(Boolean).join(' · ')).filter(Boolean);
}

export const ACTION_LABELS: Record<string, string> = {
  created: 'created the draft',
  edited: 'edited the draft',
  sent: 'sent it',
  resent: 'sent a fresh link',
  viewed: 'viewed it',
  commented: 'commented',
  file_added: 'shared a file',
  file_removed: 'removed a file',
  consented: 'agreed to do business electronically',
  signed: 'signed',
  approved: 'approved it',
  declined: 'declined',
  bid_submitted: 'submitted a bid',
  bid_accepted: 'accepted the bid',
  bid_not_accepted: 'marked the bid not accepted',
  accepted: 'accepted it',
  payment_recorded: 'recorded a payment',
  payment_received: 'paid online',
  payment_processing: 'started a bank payment',
  payment_failed: 'reported a failed bank debit',
  payment_refunded: 'reported a refund',
  payment_flagged: 'flagged a payment',
  status_changed: 'changed the status',
  revised: 'started a revision',
  voided: 'voided it',
  link_revoked: 'revoked portal access',
  link_requested: 'asked for a fresh link',
  reminder_sent: 'sent a reminder',
  deadline_extended: 'extended the deadline',
  update_requested: 'asked for an updated document',
  mail_failed: 'email could not be delivered',
  sealed: 'the signed PDF was sealed',
  countersigned: 'countersigned',
  budget_updated: 'updated the job budget',
  recipient_removed: 'removed a recipient',
  approved_offline: 'recorded an approval made outside the portal',
  file_requested: 'asked for files',
  file_request_waived: 'waived a requested file',
  file_request_removed: 'stopped asking for a file',
};

/** "Name <email>" as stored in the activity's data, written for people: "Name (email)". */
const person = (v: unknown) => String(v).replace(/^(.*) <([^<>]*)>$/, '$1 ($2)');

/** "a", "a and b", "a, b and c". */
const andList = (names: string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/**
 * Who a send went to: "Dana Reyes (dana@example.test)" for one person; for several (issue 17) their
 * names, signers first, then the copies: "Dana Reyes and Sam Patel (copy: Lee Park)".
 */
function sentTo(data: Record<string, unknown>) {
  const people = Array.isArray(data.recipients) ? (data.recipients as { name?: string; role?: string }[]) : [];
  if (people.length < 2 || people.some((p) => typeof p.name !== 'string')) return person(data.to);
  const signers = people.filter((p) => p.role !== 'copy').map((p) => p.name!);
  const copies = people.filter((p) => p.role === 'copy').map((p) => p.name!);
  return `${andList(signers)}${copies.length ? ` (copy: ${andList(copies)})` : ''}`;
}

/** An online payment's line (issue 15): "paid $1,200.00 by card", "paid the $500.00 deposit by bank account". */
function paymentText(action: string, data: Record<string, unknown>, currency: string): string | undefined {
  const amount = money(data.amount as number, currency);
  const by = typeof data.method === 'string' ? ` by ${data.method.toLowerCase()}` : '';
  const what = data.purpose === 'deposit' ? `the ${amount} deposit` : amount;
  if (action === 'payment_received') return `paid ${what}${by}`;
  if (action === 'payment_processing') return `started a bank payment of ${what} (processing)`;
  if (action === 'payment_failed') return `reported that the bank debit of ${amount} failed`;
  if (action === 'payment_refunded') return `reported that ${amount} was refunded`;
  if (action === 'payment_flagged') return `flagged a payment of ${amount}`;
  return undefined;
}

/** One activity row as a line of the timeline: who did what, with the detail that matters. */
export function describeEvent(row: ActivityRow, currency = 'USD'): EventView {
  const data = row.data ? (JSON.parse(row.data) as Record<string, unknown>) : {};
  let text = ACTION_LABELS[row.action] ?? row.action.replace(/_/g, ' ');
  let detail: string | undefined;
  if (row.action === 'sent' && data.to) text = `sent rev ${data.version} to ${sentTo(data)}`;
  if (row.action === 'resent' && data.to)
    text = `sent a fresh link to ${andList(
      String(data.to)
        .split(/(?<=>), /)
        .map(person),
    )}`;
  if (row.action === 'commented' && typeof data.excerpt === 'string') detail = data.excerpt;
  if ((row.action === 'file_added' || row.action === 'file_removed') && data.name)
    text = `${row.action === 'file_added' ? 'shared' : 'removed'} ${data.name}`;
  // Issue 20: requested files ("uploaded W-9 (w9.pdf)", "waived W-9", "asked for W-9 and Signed lien waiver").
  if (row.action === 'file_added' && typeof data.slot === 'string') text = `uploaded ${data.slot} (${data.name})`;
  if (row.action === 'file_request_waived' && typeof data.slot === 'string') text = `waived ${data.slot}`;
  if (row.action === 'file_request_removed' && typeof data.slot === 'string') text = `stopped asking for ${data.slot}`;
  if (row.action === 'file_requested' && Array.isArray(data.names))
    text = `asked for ${andList(data.names as string[])}`;
  if (row.action === 'payment_recorded' && typeof data.amount === 'number')
    text = `recorded a payment of ${money(data.amount, currency)}${data.method ? ` (${data.method})` : ''}`;
  if (typeof data.amount === 'number') text = paymentText(row.action, data, currency) ?? text;
  if (row.action === 'payment_flagged' && typeof data.message === 'string') detail = data.message;
  if (row.action === 'declined' && typeof data.reason === 'string') detail = data.reason;
  if (
    ['signed', 'approved', 'accepted', 'countersigned'].includes(row.action) &&
    typeof data.signer === 'string' &&
    data.signer !== row.actorName
  )
    text = `${text} as “${data.signer}”`;
  // Issue 17: one signer's approval of several ("signed (1 of 2)"); a recipient taken off the document.
  if (typeof data.of === 'number' && data.of > 1) text = `${text} (${data.signed} of ${data.of})`;
  if (row.action === 'recipient_removed' && data.contact)
    text = `removed ${person(data.contact)} from the ${data.role === 'copy' ? 'copies' : 'signers'}`;
  if (row.action === 'link_revoked' && data.contact) text = `revoked portal access of ${person(data.contact)}`;
  if (row.action === 'link_revoked' && typeof data.reason === 'string') detail = data.reason;
  if (row.action === 'mail_failed' && data.error) detail = String(data.error);
  if (row.action === 'revised' && data.version) text = `started revision ${data.version}`;
  if (row.action === 'voided') text = 'voided it';
  // Issue 20: the recorder's line, never a signature's: "recorded that Pat Patel approved it on paper on …".
  if (row.action === 'approved_offline' && typeof data.approver === 'string') text = offlineTimelineText(data);
  if (row.action === 'approved_offline' && typeof data.scan === 'string') detail = `Scan: ${data.scan}`;
  // Issue 16: data { to, why } for a reminder (why: what it chased, in words); { from, to, label } for an extension.
  if (row.action === 'reminder_sent' && data.to) text = `sent a reminder to ${person(data.to)}`;
  if (row.action === 'reminder_sent' && typeof data.why === 'string') detail = data.why;
  if (row.action === 'deadline_extended' && typeof data.to === 'string') {
    const label = typeof data.label === 'string' ? data.label.toLowerCase() : 'the date';
    text = `moved ${label} from ${calendarDate(data.from as string | null)} to ${calendarDate(data.to)}`;
  }
  return {
    id: row.id,
    seq: row.seq,
    action: row.action,
    side: row.side,
    actorName: row.actorName,
    text,
    detail,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: row.createdAt,
    entry: row.entry,
    count: row.count ?? 1,
    networks: networksOf(row),
  };
}
