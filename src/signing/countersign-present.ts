import type { CountersignPanelProps } from '../../views/dashboard/countersign-panel';
import { calendarDate } from '../../views/format';
import type { FormState } from '../../views/components/form';
import { todayIn } from '../documents/drafts';
import type { LoadedDocument } from '../documents/queries';
import { allSigned, readyToSeal, signersOf, signedBy } from '../documents/recipients';
import { parseOffline } from './offline-words';

// Issue 17, part C: the countersign panel's props from the page's one batch (getDocument), or null.

/**
 * Null unless the document asks for the contractor's countersignature on a sent version. Then: who
 * still has to sign first; the form once every signer signed; "Countersigned by … on …" after.
 */
export function countersignPanel(
  d: LoadedDocument,
  opts: { csrf: string; form?: FormState; nonce?: string; userName?: string },
): CountersignPanelProps | null {
  const doc = d.document;
  if (!doc.countersign || doc.sentVersion === null || doc.status === 'void') return null;
  // Approved outside the portal (issue 20): nothing is sealed, so there is nothing to countersign.
  if (parseOffline(d.offline)) return null;
  const version = d.versions.find((v) => v.version === doc.sentVersion);
  if (!version?.pdfSha256) return null;
  const tz = d.org.timeZone;
  const base = { documentId: doc.id, csrf: opts.csrf, nonce: opts.nonce ?? '', versionHash: version.pdfSha256 };
  const done = d.signatures.find((s) => s.version === version.version && s.outcome === 'countersigned');
  if (done)
    return { ...base, state: 'done', done: { name: done.signerName, on: calendarDate(todayIn(tz, done.signedAt)) } };
  if (doc.status === 'declined') return null;
  const ready =
    (doc.status === 'approved' || doc.status === 'accepted') && allSigned(d.recipients, d.signatures, version.version);
  if (!ready) {
    const signed = signedBy(d.signatures, version.version);
    const waitingFor = signersOf(d.recipients)
      .filter((r) => !signed.has(r.contactId))
      .map((r) => r.name);
    return { ...base, state: 'waiting', waitingFor };
  }
  return {
    ...base,
    state: 'ready',
    form: opts.form ?? { values: { name: opts.userName ?? '' }, errors: {} },
  };
}

/**
 * What the signed record says, by version, instead of "Finalizing the signed PDF" while the sent
 * version is not ready to seal: "Waiting for your countersignature" once every signer signed, else
 * who has still to sign. Sealing starts only once it is ready (readyToSeal).
 */
export function sealWaiting(d: LoadedDocument): Record<number, string> {
  const doc = d.document;
  if (doc.sentVersion === null) return {};
  const out: Record<number, string> = {};
  // An earlier version revised before everyone signed is never sealed: it does not wait for anything.
  for (const s of d.signatures)
    if (s.version !== doc.sentVersion && !s.sealedAt && s.outcome !== 'declined')
      out[s.version] = 'Not sealed: it was revised before everyone signed.';
  const v = doc.sentVersion;
  if (parseOffline(d.offline)) return { ...out, [v]: 'Not sealed: the document was approved outside the portal.' };
  if (readyToSeal(doc, d.recipients, d.signatures, v)) return out;
  // Declined: nobody is waited for; the signed record says no more than that it is not sealed.
  if (d.signatures.some((s) => s.version === v && s.outcome === 'declined')) return out;
  if (allSigned(d.recipients, d.signatures, v)) return { ...out, [v]: 'Waiting for your countersignature.' };
  const signed = signedBy(d.signatures, v);
  const left = signersOf(d.recipients)
    .filter((r) => !signed.has(r.contactId))
    .map((r) => r.name);
  return left.length ? { ...out, [v]: `Waiting for ${listOf(left)} to sign.` } : out;
}

/** "Dana Reyes", "Dana Reyes and Sam Patel", "Dana Reyes, Sam Patel and Sam Carter". */
export function listOf(names: string[]) {
  return names.length < 2 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
