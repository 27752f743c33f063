import type { HomeFigures, QueueGroup, QueueItem } from '../../views/dashboard/home';
import { calendarDate, plural } from '../../views/format';
import { bidTotal } from '../budget/totals';
import { kindOf } from '../documents/kinds';
import { closedByDeadline } from '../deadlines/rules';
import { daysBetween, todayIn } from '../deadlines/time';
import type { HomeData } from './queries';

// The work queue, as plain data for the home page: each item says what it is, who it waits on, the
// amount and how long, and links to the page where its action is.

const DAY = 86_400_000;

/** "waiting 6 days" from an instant; "since today" under a day. */
function waitingFor(since: number | null, now: number): string {
  if (since === null) return '';
  const days = Math.floor((now - since) / DAY);
  return days < 1 ? 'waiting since today' : `waiting ${plural(days, 'day')}`;
}

const labelOf = (type: string, subtype: string | null) => kindOf(type as never, subtype as never)?.label ?? 'Document';

/** The queue's groups (only those with items) and the money figures, from the home page's one batch. */
export function workQueue(data: HomeData, timeZone: string, now = Date.now()) {
  const today = todayIn(timeZone, now);
  const figures: HomeFigures = data.figures; // summed over every document in SQL, not over the capped list
  const awaiting: QueueItem[] = [];
  const deposits: QueueItem[] = [];
  const declined: QueueItem[] = [];
  const overdue: QueueItem[] = [];
  const expired: QueueItem[] = [];
  for (const d of data.docs) {
    const label = labelOf(d.type, d.subtype);
    const what = `${label} ${d.number}${d.title ? ` · ${d.title}` : ''}`;
    const who = d.contactName ?? d.accountName ?? '';
    const href = `/documents/${d.id}`;
    const total = Number(d.total);
    // An estimate past its valid-until date, a bid request past its bids-due date: no longer awaiting anyone.
    if (closedByDeadline(d, timeZone, now)) {
      const bids = d.type === 'bid_request';
      expired.push({
        what,
        who: `${who}${who ? ' · ' : ''}${d.jobName}`,
        amount: bids ? null : total,
        when: `${bids ? 'Bids closed' : 'Expired'} ${calendarDate(d.deadline)}`,
        href: `${href}#deadline`,
        action: bids ? 'Reopen bidding' : 'Extend or revise',
      });
      continue;
    }
    if (d.type === 'bid_request') continue;
    if (d.status === 'sent' || d.status === 'viewed') {
      if (d.type === 'customer_invoice') {
        // an invoice: counted below with the partially paid ones
      } else {
        const verb = d.type === 'customer_order' ? 'signature' : 'acceptance';
        awaiting.push({
          what,
          who: `${who}${who ? ' · ' : ''}${d.jobName}`,
          amount: total,
          when: `${waitingFor(d.sentAt, now)} for ${verb}${d.status === 'viewed' ? ' · opened' : ''}`,
          href,
          action: 'Open',
        });
        continue;
      }
    }
    if (d.type === 'customer_invoice') {
      if (d.deadline && d.deadline < today && d.balance > 0) {
        overdue.push({
          what,
          who: `${who}${who ? ' · ' : ''}${d.jobName}`,
          amount: d.balance,
          when: `${plural(daysBetween(d.deadline, today), 'day')} overdue`,
          href,
          action: 'Record a payment',
        });
      }
      continue;
    }
    if (d.status === 'declined') {
      declined.push({
        what,
        who: `Declined by ${who || 'the recipient'} · ${d.jobName}`,
        amount: total,
        when: waitingFor(d.decidedAt === null ? null : Number(d.decidedAt), now),
        href,
        action: 'Revise',
      });
      continue;
    }
    if (d.status === 'approved') {
      const decided = d.decidedAt === null ? null : Number(d.decidedAt);
      // A deposit paid online (payments on the order), or being paid by a bank debit, needs no invoice.
      const owed = Number(d.deposit) > 0 && Number(d.paid) < Number(d.deposit) && !d.depositProcessing;
      if (owed && !d.hasDepositInvoice)
        deposits.push({
          what,
          who: `Approved by ${who || 'the customer'} · ${d.jobName}`,
          amount: Number(d.deposit),
          when: waitingFor(decided, now),
          href,
          action: 'Create deposit invoice',
        });
    }
  }
  const groups: QueueGroup[] = [
    { id: 'awaiting', title: 'Waiting for signature or acceptance', items: awaiting },
    { id: 'expired', title: 'Expired — extend or revise', items: expired },
    { id: 'bids', title: 'Bids to compare', items: bidItems(data.bids, now) },
    { id: 'deposits', title: 'Approved, deposit invoice not created', items: deposits },
    { id: 'declined', title: 'Declined', items: declined },
    { id: 'comments', title: 'Comments waiting for your reply', items: commentItems(data.comments, now) },
    { id: 'overdue', title: 'Invoices past due', items: overdue },
  ];
  return { figures, groups: groups.filter((g) => g.items.length > 0) };
}

/** One item per job: its bid requests' newest submitted bids, vendor and total each. */
function bidItems(rows: HomeData['bids'], now: number): QueueItem[] {
  const newest = new Map<string, string>(); // document → its newest submitted bid
  for (const r of rows) if (!newest.has(r.documentId)) newest.set(r.documentId, r.bidId);
  const byJob = new Map<
    string,
    { jobName: string; oldest: number; bids: Map<string, { vendor: string; lines: typeof rows }> }
  >();
  for (const r of rows) {
    if (newest.get(r.documentId) !== r.bidId) continue;
    const job = byJob.get(r.jobId) ?? { jobName: r.jobName, oldest: r.submittedAt, bids: new Map() };
    job.oldest = Math.min(job.oldest, r.submittedAt);
    const bid = job.bids.get(r.bidId) ?? { vendor: r.vendor ?? 'A vendor', lines: [] };
    bid.lines.push(r);
    job.bids.set(r.bidId, bid);
    byJob.set(r.jobId, job);
  }
  return [...byJob].map(([jobId, job]) => {
    const offers = [...job.bids.values()].map((b) => ({
      vendor: b.vendor,
      total: bidTotal(b.lines.map((l) => ({ quantity: l.quantity, unitCost: l.unitCost }))),
    }));
    return {
      what: `${plural(offers.length, 'bid')} on ${job.jobName}`,
      who: offers.map((o) => o.vendor).join(', '),
      amount: null,
      offers,
      when: waitingFor(job.oldest, now),
      href: `/jobs/${jobId}/bids`,
      action: 'Compare bids',
    };
  });
}

function commentItems(rows: HomeData['comments'], now: number): QueueItem[] {
  return rows.map((r) => {
    const body = r.body.length > 140 ? `${r.body.slice(0, 139)}…` : r.body;
    return {
      what: `${labelOf(r.type, r.subtype)} ${r.number} · ${r.jobName}`,
      who: `${r.authorName}: “${body}”`,
      amount: null,
      when: waitingFor(r.createdAt, now),
      // The comment waiting on an answer is its document's newest (home/queries.ts `awaitingAnswer`): it is on
      // the first page of the thread (the newest 50), so its anchor is there.
      href: `/documents/${r.documentId}#comment-${r.id}`,
      action: 'Reply',
    };
  });
}
