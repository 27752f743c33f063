import type { OfflineApprovalPanelProps } from '../../views/dashboard/offline-approval';
import type { FormState } from '../../views/components/form';
import { choiceShape, defaultChosen, parseSelection } from '../documents/choices';
import { todayIn } from '../documents/drafts';
import { closedByDeadline } from '../deadlines/rules';
import { approvalEvent, kindOf } from '../documents/kinds';
import type { LoadedDocument } from '../documents/queries';
import type { DocumentSnapshot, SnapshotLine } from '../documents/snapshot';
import { signedBy, signersOf } from '../documents/recipients';
import { canTransition } from '../documents/status';
import { expiredOffline, METHOD_CHOICES, offlineLabel, parseOffline } from './offline-words';
import { listOf } from './countersign-present';

// Issue 20, part E: the "Mark as approved" panel's props from the contractor's page batch (getDocument), or null.

const kindLabel = (doc: LoadedDocument['document']) => kindOf(doc.type, doc.subtype)?.label ?? 'Document';

/**
 * A sent version's lines as its snapshot froze them: what an approval of it, and its choices, are about. The
 * current version's snapshot is the page's own, already parsed (`shown`); the sent one behind a draft revision
 * is parsed here. A superseded version's snapshot is not on the page (documents/queries.ts `pageSnapshot`):
 * none was approved, since an approved document cannot be revised.
 */
function sentLines(d: LoadedDocument, version: number | null | undefined, shown: DocumentSnapshot): SnapshotLine[] {
  if (version === d.current.version && d.current.state !== 'draft') return shown.lines;
  const v = d.versions.find((x) => x.version === version);
  return v?.snapshot && v.state !== 'draft' ? (JSON.parse(v.snapshot) as DocumentSnapshot).lines : [];
}

/** The document's recorded offline approval, if any (the page batch's JSON column). */
export const offlineOf = (d: Pick<LoadedDocument, 'offline'>) => parseOffline(d.offline);

/**
 * Null unless the document is approved by its recipient (an order) and was sent. Then: the record once made;
 * the form while the sent version awaits the decision; nothing otherwise (declined, signed).
 */
export function offlineApprovalPanel(
  d: LoadedDocument,
  /** `shown`: the page's snapshot of the current version (documents/documents.ts snapshotOf). */
  opts: { csrf: string; form?: FormState; shown: DocumentSnapshot },
): OfflineApprovalPanelProps | null {
  const doc = d.document;
  const event = approvalEvent(doc.type);
  if (!event || doc.sentVersion === null) return null;
  const verb = event === 'accept' ? 'accepted' : 'approved';
  const base = { documentId: doc.id, csrf: opts.csrf, verb } as const;
  const recorded = offlineOf(d);
  const lines = sentLines(d, recorded ? recorded.version : doc.sentVersion, opts.shown);
  const names = new Map(lines.map((l) => [l.id, l.name]));
  if (recorded) {
    const chosen = parseSelection(recorded.selection)?.chosen ?? [];
    const scan = recorded.scanFileId
      ? { href: `/documents/${doc.id}/files/${recorded.scanFileId}`, name: recorded.scanName ?? 'scan' }
      : null;
    const label = offlineLabel(recorded, event);
    return { ...base, recorded: { label, note: recorded.note, scan, chosen: chosen.map((id) => names.get(id) ?? '') } };
  }
  const version = d.versions.find((v) => v.version === doc.sentVersion);
  if (!canTransition(doc.type, doc.status, event) || d.current.state !== 'sent' || !version?.pdfSha256) return null;
  const tz = d.org.timeZone;
  // Expired: the form would only be refused; the deadline panel's "Extend" comes first.
  if (closedByDeadline(doc, tz)) return { ...base, expired: expiredOffline(kindLabel(doc), doc.deadline, event) };
  const shape = choiceShape(lines);
  // A signer who chose already chose for everyone (signing/actions.ts bindChoice): the form starts from it.
  const made = parseSelection(version.selection)?.chosen ?? defaultChosen(lines);
  const option = (id: string) => ({ id, name: names.get(id) ?? '' });
  const options = shape.any
    ? {
        optional: shape.optional.map(option),
        sets: shape.sets.map((s) => ({ name: s.name, options: s.ids.map(option) })),
      }
    : null;
  const state = opts.form ?? {
    values: { approverName: d.contact?.name ?? '', approvedOn: todayIn(tz), chosen: made.join(',') },
    errors: {},
  };
  return {
    ...base,
    form: {
      state,
      versionHash: version.pdfSha256,
      today: todayIn(tz),
      sentOn: todayIn(tz, version.sentAt ?? Date.now()),
      methods: METHOD_CHOICES,
      options,
      signersNote: signersNote(d, version.version),
      maxMb: d.org.maxUploadMb,
    },
  };
}

/** Several signers: the record decides the whole document, for every one of them, whoever signed already. */
function signersNote(d: LoadedDocument, version: number) {
  const signers = signersOf(d.recipients);
  if (signers.length < 2) return null;
  const signed = signedBy(d.signatures, version);
  const done = signers.filter((r) => signed.has(r.contactId)).map((r) => r.name);
  const already = done.length ? ` ${listOf(done)} signed already.` : '';
  const all = listOf(signers.map((r) => r.name));
  return `Recording it decides the whole document for all ${signers.length} signers (${all}).${already}`;
}
