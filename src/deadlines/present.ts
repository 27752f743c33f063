import type { DeadlinePanelProps } from '../../views/dashboard/deadline-panel';
import type { FormState } from '../../views/components/form';
import { kindOf } from '../documents/kinds';
import type { LoadedDocument } from '../documents/queries';
import { isNoReminders, parsePlan } from '../reminders/plan';
import { extendable } from './actions';
import { awaitsDecision, closedByDeadline, deadlineRule, isOverdue } from './rules';
import { todayIn } from './time';
import { bidIn } from '../reminders/send';

// The contractor's "Deadline & reminders" panel as plain data, from the document page's one batch.

/** The panel's props, or null for a document without one (a draft, a void one, a bill). */
export function deadlinePanel(
  d: Pick<LoadedDocument, 'document' | 'org' | 'reminders' | 'contact'>,
  opts: { csrf: string; balance: number; form?: FormState; now?: number },
): DeadlinePanelProps | null {
  const doc = d.document;
  const rule = deadlineRule(doc);
  const kind = kindOf(doc.type, doc.subtype);
  if (!rule || !kind || doc.sentVersion === null || doc.status === 'void') return null;
  const tz = d.org.timeZone;
  const now = opts.now ?? Date.now();
  let state: DeadlinePanelProps['state'] = doc.deadline ? 'open' : 'none';
  if (closedByDeadline(doc, tz, now)) state = rule === 'bids_close' ? 'bids_closed' : 'expired';
  else if (isOverdue(doc, opts.balance, tz, now)) state = 'overdue';
  else if (rule === 'required_by' && doc.deadline) state = 'deliver_by';
  const unpaid = rule === 'due' && opts.balance > 0 && doc.status !== 'paid';
  const today = todayIn(tz, now);
  const plan = parsePlan(doc.reminderPlan);
  return {
    csrf: opts.csrf,
    docId: doc.id,
    timeZone: tz,
    label: kind.dueLabel,
    deadline: doc.deadline,
    state,
    extend: extendable(doc)
      ? {
          reopen: rule === 'bids_close' && state === 'bids_closed',
          today,
          form: opts.form ?? { values: { deadline: '' }, errors: {} },
        }
      : null,
    reminders: d.reminders,
    noPlan: !plan || isNoReminders(plan),
    // Nothing to chase once the date closed it (extend first) or the vendor's bid is in.
    canRemind:
      !!d.contact && ((awaitsDecision(doc) && !bidIn(doc) && state !== 'expired' && state !== 'bids_closed') || unpaid),
  };
}
