import { calendarDate } from '../../views/format';
import type { RecipientRow, RecipientsPanelProps } from '../../views/dashboard/recipients-panel';
import type { LoadedDocument } from '../documents/queries';
import { todayIn } from '../documents/drafts';
import { signersDue, signersOf } from '../documents/recipients';

// Issue 17, part B: the recipients panel's props from the page's one batch (getDocument), or null.
// Shown on a sent document with more than one recipient: each person, their role, their place in a
// set order, where they stand on the sent version, and "Remove" for one who may be taken off.

export function recipientsPanel(d: LoadedDocument, opts: { csrf: string }): RecipientsPanelProps | null {
  const doc = d.document;
  if (doc.sentVersion === null || d.recipients.length < 2) return null;
  const version = doc.sentVersion;
  const facts = d.signatures.map((s) => ({ contactId: s.contactId, version: s.version, outcome: s.outcome }));
  const onVersion = d.signatures.filter((s) => s.version === version && s.contactId);
  const due = new Set(signersDue(d.recipients, facts, version, doc.signingOrder).map((r) => r.contactId));
  const signers = signersOf(d.recipients);
  const ordered = doc.signingOrder === 'ordered' && signers.length > 1;
  const viewed = new Set(d.views.map((v) => v.contactId));
  const live = doc.status !== 'void';
  const rows: RecipientRow[] = d.recipients.map((r) => {
    const decision = onVersion.find((s) => s.contactId === r.contactId);
    const signed = !!decision && decision.outcome !== 'declined';
    let status: RecipientRow['status'];
    if (decision?.outcome === 'declined') status = { text: 'Declined', tone: 'stop' };
    else if (signed)
      status = { text: `Signed ${calendarDate(todayIn(d.org.timeZone, decision.signedAt))}`, tone: 'done' };
    else if (r.role === 'copy') status = { text: viewed.has(r.contactId) ? 'Copy · Viewed' : 'Copy', tone: 'info' };
    else if (due.has(r.contactId))
      status = { text: viewed.has(r.contactId) ? 'Viewed' : ordered ? 'Their turn' : 'Waiting', tone: 'waiting' };
    else status = { text: 'Waiting', tone: 'info' };
    const onlySigner = r.role === 'signer' && signers.length === 1;
    return {
      contactId: r.contactId,
      name: r.name,
      email: r.email,
      role: r.role,
      order: ordered && r.role === 'signer' ? r.position : null,
      status,
      removable: live && !signed && !onlySigner && r.contactId !== doc.contactId,
    };
  });
  return { documentId: doc.id, csrf: opts.csrf, ordered, rows };
}
