import { html } from '../html';
import { Csrf, Field, type FormState } from '../components/form';
import { calendarDate } from '../format';

// The contractor's "Deadline & reminders" panel on a sent document: the date that counts now and what it
// means (expired, bids closed, overdue), the form that extends it or reopens bidding, the reminders the
// document chases its recipient with, and "Remind now".

export type DeadlineState = 'open' | 'expired' | 'bids_closed' | 'overdue' | 'deliver_by' | 'none';

export interface PanelReminder {
  kind: string;
  state: string;
  dueAt: number;
  sentAt: number | null;
}

export interface DeadlinePanelProps {
  csrf: string;
  docId: string;
  timeZone: string;
  /** "Valid until", "Bids due", "Due", "Deliver by". */
  label: string;
  deadline: string | null;
  state: DeadlineState;
  /** The extend / reopen form: shown while the recipient's decision is open. */
  extend: null | { reopen: boolean; today: string; form: FormState };
  reminders: PanelReminder[];
  /** The document was sent with no reminders. */
  noPlan: boolean;
  /** "Remind now" is offered: the document still waits on its recipient. */
  canRemind: boolean;
}

const shortDates = new Map<string, Intl.DateTimeFormat>();
function shortDate(ms: number, timeZone: string) {
  let f = shortDates.get(timeZone);
  if (!f)
    shortDates.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, month: 'short', day: 'numeric' })));
  return f.format(new Date(ms));
}

const WHY: Record<string, string> = {
  unopened: 'if not opened',
  undecided: 'if still undecided',
  before_deadline: 'before the date',
  overdue: 'if still unpaid',
};

/** "Reminder on Dec 3 if not opened" / "Reminder sent Dec 3". */
export function reminderLine(r: PanelReminder, timeZone: string): string {
  if (r.state === 'sent') {
    const what = r.kind === 'manual' ? 'Reminder sent by hand' : 'Reminder sent';
    return `${what} ${shortDate(r.sentAt ?? r.dueAt, timeZone)}`;
  }
  const why = WHY[r.kind];
  return `Reminder on ${shortDate(r.dueAt, timeZone)}${why ? ` ${why}` : ''}`;
}

function stateLine(p: DeadlinePanelProps) {
  const on = calendarDate(p.deadline);
  switch (p.state) {
    case 'expired':
      return html`<p><span class="badge expired">Expired</span> ${p.label} ${on}</p>`;
    case 'bids_closed':
      return html`<p><span class="badge expired">Bids closed</span> ${p.label} ${on}</p>`;
    case 'overdue':
      return html`<p><span class="badge overdue">Overdue</span> since ${on}</p>`;
    case 'deliver_by':
      return html`<p>${p.label} ${on}</p>`;
    case 'none':
      return html`<p class="muted">No date set.</p>`;
    default:
      return html`<p>${p.label} ${on}</p>`;
  }
}

export function DeadlinePanel(p: DeadlinePanelProps) {
  const shown = p.reminders.filter((r) => r.state === 'scheduled' || r.state === 'sent');
  const sent = shown.filter((r) => r.state === 'sent').sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
  const next = shown.filter((r) => r.state === 'scheduled').sort((a, b) => a.dueAt - b.dueAt);
  const action = p.extend?.reopen ? 'Reopen bidding until' : 'Extend to';
  return html`<section class="card stack deadline-panel" aria-labelledby="deadline-h" id="deadline">
    <h2 id="deadline-h">Deadline & reminders</h2>
    ${stateLine(p)}
    ${
      p.extend
        ? html`<form method="post" action=${`/documents/${p.docId}/deadline`} class="deadline-form" novalidate>
            <${Csrf} token=${p.csrf} />
            <input type="hidden" name="seen" value=${p.deadline ?? ''} />
            <${Field} form=${p.extend.form} name="deadline" label=${action} type="date" required />
            <div><button class="btn" type="submit">${p.extend.reopen ? 'Reopen bidding' : 'Extend'}</button></div>
          </form>
          ${
            p.state === 'expired'
              ? html`<p class="hint">Or revise it: a revision goes out with its own valid-until date.</p>`
              : null
          }`
        : null
    }
    ${
      p.noPlan && !sent.length
        ? html`<p class="muted">No reminders</p>`
        : sent.length || next.length
          ? html`<ul class="reminder-list">
              ${sent.map((r) => html`<li class="sent">${reminderLine(r, p.timeZone)}</li>`)}
              ${next.map((r) => html`<li>${reminderLine(r, p.timeZone)}</li>`)}
            </ul>`
          : html`<p class="muted">No reminders scheduled.</p>`
    }
    ${
      p.canRemind
        ? html`<form method="post" action=${`/documents/${p.docId}/remind`} class="inline-form">
            <${Csrf} token=${p.csrf} /><button class="btn" type="submit">Remind now</button>
          </form>`
        : null
    }
  </section>`;
}
