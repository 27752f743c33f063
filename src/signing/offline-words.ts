import type { OfflineMethod } from '../db/schema';
import { calendarDate } from '../../views/format';

// Issue 20, part E: how an approval made offline is said, on every page and in the timeline. It always
// names who recorded it and never reads like a signature: no "signed", no signature mark.

/** How the approval was given, as a sentence says it: "on paper", "by phone". */
export const METHOD_WORDS: Record<OfflineMethod, string> = {
  paper: 'on paper',
  phone: 'by phone',
  in_person: 'in person',
  email: 'by email',
};

/** The form's choices, in the order they are offered. */
export const METHOD_CHOICES: { value: OfflineMethod; label: string }[] = [
  { value: 'paper', label: 'On paper (signed printout)' },
  { value: 'phone', label: 'By phone' },
  { value: 'in_person', label: 'In person' },
  { value: 'email', label: 'By email' },
];

/** What a page needs to say it: the facts of one offline_approvals row. */
export interface OfflineFacts {
  approverName: string;
  method: OfflineMethod;
  /** YYYY-MM-DD in the company's time zone. */
  approvedOn: string;
  recordedByName: string;
}

const verbOf = (event: 'approve' | 'accept' | null) => (event === 'accept' ? 'Accepted' : 'Approved');

/** The contractor's words: "Approved on paper by Pat Patel on Dec 1, 2026 — recorded by Sam Carter". */
export function offlineLabel(o: OfflineFacts, event: 'approve' | 'accept' | null = 'approve') {
  const how = `${verbOf(event)} ${METHOD_WORDS[o.method]} by ${o.approverName}`;
  return `${how} on ${calendarDate(o.approvedOn)} — recorded by ${o.recordedByName}`;
}

/** The recipient's words: "Marked approved by Oak & Stone (recorded by Sam Carter): on paper, Dec 1, 2026". */
export function offlinePortalLabel(o: OfflineFacts, company: string, event: 'approve' | 'accept' | null = 'approve') {
  const verb = verbOf(event).toLowerCase();
  const how = `${METHOD_WORDS[o.method]}, ${calendarDate(o.approvedOn)}`;
  return `Marked ${verb} by ${company} (recorded by ${o.recordedByName}): ${how}`;
}

/** The portal's status words, in its lists and a summary: "Marked approved by Oak & Stone on Dec 1, 2026". */
export const offlineStatusWords = (approvedOn: string, company: string, event: 'approve' | 'accept' | null) =>
  `Marked ${verbOf(event).toLowerCase()} by ${company} on ${calendarDate(approvedOn)}`;

/** Why an expired document cannot be marked approved: its date closed the decision, as for a signer. */
export const expiredOffline = (label: string, deadline: string | null, event: 'approve' | 'accept' | null) =>
  `This ${label.toLowerCase()} expired on ${calendarDate(deadline)}. ` +
  `Extend its date first, then mark it ${verbOf(event).toLowerCase()}.`;

/** The timeline's line after the recorder's name: "recorded that Pat Patel approved it on paper on Dec 1, 2026". */
export function offlineTimelineText(data: Record<string, unknown>) {
  const method = METHOD_WORDS[data.method as OfflineMethod] ?? '';
  const verb = data.accepted ? 'accepted' : 'approved';
  const on = typeof data.on === 'string' ? ` on ${calendarDate(data.on)}` : '';
  const who = String(data.approver ?? 'the recipient');
  return `recorded that ${who} ${verb} it ${method}${on} (not an electronic signature)`;
}

/** A stored offline approval read from a page's JSON subquery, or null. */
export function parseOffline(json: string | null | undefined): (OfflineFacts & OfflineExtra) | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as OfflineFacts & OfflineExtra;
    return typeof v.approverName === 'string' && v.method in METHOD_WORDS ? v : null;
  } catch {
    return null;
  }
}

/** What a page shows beside the words: the note, the scan (a shared file of the document) and the options chosen. */
export interface OfflineExtra {
  note: string;
  scanFileId: string | null;
  scanName: string | null;
  selection: string | null;
  version: number;
}
