import type { SealedRecord, UnsignedDocument } from '../../src/signing/queries';
import type { VerifyAnswer, VerifyCheck } from '../../src/signing/verify';
import { html } from '../html';
import { Document } from '../layout/page';

// The public verify page (issue 18): one answer in words a homeowner understands, what we know of the
// sealed document, and the technical detail folded away. /verify takes any file or hash;
// /verify/:record shows one sealed file's record and checks a file against it.

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
const bytes = (n: number) => `${n.toLocaleString('en-US')} ${n === 1 ? 'byte was' : 'bytes were'}`;
const docLabel = (r: SealedRecord | UnsignedDocument) =>
  `${r.typeLabel} ${r.number}${r.version > 1 ? ` (rev ${r.version})` : ''}`.trim();

const VERIFY_INTRO =
  'Upload a signed PDF, or paste its SHA-256, to check that it is an unaltered document ' +
  'signed through this portal.';

/** Who signed the sealed file and when, as the record states it; `full` adds the record id and the file's SHA-256. */
function recordFacts(record: SealedRecord, full = false) {
  return html`<dl class="facts">
    ${full ? html`<dt>Record</dt><dd class="mono">${record.record}</dd>` : null}
    <dt>Document</dt><dd>${docLabel(record)}</dd>
    <dt>Company</dt><dd>${record.company}</dd>
    ${record.signers.map(
      (s) => html`<dt>${s.countersigned ? 'Countersigned by' : 'Signed by'}</dt><dd>${s.name}, ${utc(s.signedAt)}</dd>`,
    )}
    <dt>Sealed</dt><dd>${utc(record.sealedAt)}</dd>
    ${full ? html`<dt>Sealed file’s SHA-256</dt><dd class="mono">${record.sha256}</dd>` : null}
  </dl>`;
}

/** What the seal adds when it has it: a trusted time and the certification. */
function sealExtras(check: VerifyCheck) {
  const at = check.reading?.timestampAt;
  const certified = check.reading?.certified;
  if (!at && !certified) return null;
  const by = check.reading?.timestampAuthority || 'a timestamp authority';
  return html`<ul class="verify-extras">
    ${at ? html`<li>${`Time stamped ${utc(at)} by ${by}.`}</li>` : null}
    ${certified ? html`<li>Certified: later changes show as a violation in PDF readers.</li>` : null}
  </ul>`;
}

const ASK_SENDER = 'Ask the sender for the original signed PDF, or download it again from their portal.';

/** The answer: a headline, what it means, and what we know of the document. */
function answerBlock(check: VerifyCheck) {
  const a: VerifyAnswer = check.answer;
  const box = (good: boolean, headline: string, ...body: unknown[]) =>
    html`<div class=${`outcome verify-answer ${good ? 'signed' : 'declined'}`} role=${good ? 'status' : 'alert'}>
      <p><strong>${headline}</strong></p>
      ${body}
    </div>`;
  switch (a.kind) {
    case 'unchanged':
      return box(
        true,
        'Verified. Sealed by us and unchanged.',
        a.exact
          ? html`<p>This is the exact file sealed through this portal. Nothing in it has changed since.</p>`
          : html`<p>
              The seal in this file is ours and covers the whole file but the signature itself, so nothing has changed
              since it was sealed. No record of it was found here, so we can’t show who signed it.
            </p>`,
        a.record ? recordFacts(a.record) : null,
        sealExtras(check),
      );
    case 'appended':
      return box(
        false,
        `Sealed by us, then changed after sealing: ${bytes(a.appendedBytes)} appended (an incremental update).`,
        html`<p>
          ${`The part our seal covers is unchanged, and ${bytes(a.appendedBytes)} added after it: something was saved `}
          onto the end of the file afterwards (an edit, a note or a form entry). What was added is not covered by the
          seal. ${ASK_SENDER}
        </p>`,
        a.record ? html`<p>The sealed part is this document:</p>${recordFacts(a.record)}` : null,
      );
    case 'changed': {
      const cut = a.cutShort ? 'The file looks cut short, as if its download stopped early. ' : '';
      return box(
        false,
        'Sealed by us, but changed: the signed bytes no longer match the seal.',
        html`<p>${`${cut}This file is not what was sealed: don’t rely on what it says. ${ASK_SENDER}`}</p>`,
      );
    }
    case 'unreadable': {
      const cut = a.cutShort ? 'The file looks cut short, as if its download stopped early. ' : '';
      return box(
        false,
        'Sealed, but the seal can’t be checked: its signature doesn’t verify.',
        html`<p>
          ${`${cut}Nothing shows who sealed this file or that it is unchanged: don’t rely on what it says. `}
          ${ASK_SENDER}
        </p>`,
      );
    }
    case 'foreign': {
      const claim = a.subject
        ? `It claims to be from ${a.subject}; that is not our sealing certificate.`
        : 'Its certificate is not our sealing certificate.';
      const anyone =
        'Anyone can seal a file with a key of their own: only our seal shows a document was signed ' +
        'through this portal.';
      return box(false, 'Sealed by a key that isn’t ours.', html`<p>${`${claim} ${anyone}`}</p>`);
    }
    case 'not-sealed':
      return box(
        false,
        'Not sealed.',
        html`<p>
          Not a document we signed: ${a.pdf ? 'this PDF carries no seal.' : 'this file is not a PDF.'} A document
          signed through this portal is sealed when everyone has signed; its signed PDF is the one to check.
        </p>`,
      );
    case 'unsigned':
      return box(
        false,
        'This is the hash of the unsigned PDF.',
        html`<p>
          This is the SHA-256 of the unsigned PDF of ${docLabel(a.document)}, which its signature certificate prints.
          The signed file has its own SHA-256: upload the signed PDF to check it.
        </p>`,
        // No more than the unsigned file says: who signed it, and when, are for the signed file to show.
        html`<dl class="facts">
          <dt>Document</dt><dd>${docLabel(a.document)}</dd>
          <dt>Company</dt><dd>${a.document.company}</dd>
        </dl>`,
      );
    case 'unknown-hash':
      return box(
        false,
        'No document sealed here has this SHA-256.',
        html`<p>
          Check that you copied all 64 characters, or upload the PDF itself: its seal can be checked even without a
          record here.
        </p>`,
      );
  }
}

/** "2026-11-02 09:30 UTC, <the timestamp authority's subject>", or None. */
const stampedText = (r: NonNullable<VerifyCheck['reading']>) =>
  r.timestampAt ? `${utc(r.timestampAt)}${r.timestampAuthority ? `, ${r.timestampAuthority}` : ''}` : 'None';

/** The reading behind the answer, for someone who wants to check it with other tools. */
function technical(check: VerifyCheck) {
  const r = check.reading;
  const covers = !r?.sealed
    ? null
    : r.appendedBytes > 0
      ? `All but the last ${bytes(r.appendedBytes).replace(/ (was|were)$/, '')} of the file`
      : 'The whole file (but the signature itself)';
  // The unsigned PDF's hash leads no further: its answer says only what the certificate page says.
  const a = check.answer;
  const record = (a.kind === 'unchanged' || a.kind === 'appended') && a.record ? a.record.record : null;
  return html`<details class="verify-details">
    <summary>Technical details</summary>
    <dl class="facts">
      <dt>${r ? 'File SHA-256' : 'SHA-256 checked'}</dt><dd class="mono">${check.sha256}</dd>
      ${
        r
          ? html`<dt>Seal</dt><dd>${r.sealed ? 'A PDF signature (PAdES)' : 'None'}</dd>
            ${
              r.sealed
                ? html`<dt>Signature</dt>
                  <dd>${r.intact ? 'Verifies over the bytes it covers' : 'Does not verify'}</dd>
                  ${covers ? html`<dt>Covers</dt><dd>${covers}</dd>` : null}
                  <dt>Certificate</dt><dd>${r.certificateSubject ?? 'Unreadable'}</dd>
                  ${
                    r.certificateSha256
                      ? html`<dt>Certificate SHA-256</dt><dd class="mono">${r.certificateSha256}</dd>`
                      : null
                  }
                  <dt>Our sealing certificate</dt><dd>${check.ours ? 'Yes' : 'No'}</dd>
                  <dt>Timestamp</dt>
                  <dd>${stampedText(r)}</dd>
                  <dt>Certified (DocMDP)</dt><dd>${r.certified ? 'Yes' : 'No'}</dd>`
                : null
            }`
          : null
      }
      ${
        check.answer.kind === 'unsigned' || check.answer.kind === 'unknown-hash'
          ? null
          : html`<dt>Exact match with a sealed file</dt>
            <dd>${check.answer.kind === 'unchanged' && check.answer.exact ? 'Yes' : 'No'}</dd>`
      }
      ${record ? html`<dt>Record</dt><dd><a href=${`/verify/${record}`}>${record}</a></dd>` : null}
    </dl>
  </details>`;
}

export interface VerifyPageProps {
  nonce: string;
  csrf: string;
  /** The record page (/verify/:record): the sealed file a check is against. */
  record?: SealedRecord;
  check?: VerifyCheck;
  /** On the record page: whether the checked file is this record's sealed file. */
  matchesRecord?: boolean;
  error?: string;
  /** The pasted SHA-256, kept when the form is shown again. */
  sha256?: string;
}

export function VerifyPage({ nonce, csrf, record, check, matchesRecord, error, sha256 }: VerifyPageProps) {
  const action = record ? `/verify/${record.record}` : '/verify';
  const title = record ? `Signature record ${record.record}` : 'Verify a signed document';
  return html`<${Document} title=${title} nonce=${nonce} bodyClass="plain" styles=${['/verify.css']}>
    <main id="main" class="plain-main">
      <div class="card narrow verify stack">
        <h1>${record ? 'Signature record' : 'Verify a signed document'}</h1>
        ${
          record
            ? html`<p>
                  This record is of a document sealed through this portal. Upload a PDF to check that it is this
                  record’s sealed file.
                </p>
                ${recordFacts(record, true)}`
            : html`<p>${VERIFY_INTRO}</p>`
        }
        ${
          record && check
            ? matchesRecord
              ? html`<div class="outcome verify-answer signed" role="status">
                  <p><strong>This file is the one sealed for record ${record.record}.</strong></p>
                  <p>It is unchanged since it was sealed.</p>
                  ${sealExtras(check)}
                </div>`
              : html`<p class="form-summary" role="alert">
                  This file is not the one sealed for record ${record.record}. What it is:
                </p>`
            : null
        }
        ${check && !(record && matchesRecord) ? answerBlock(check) : null}
        ${check ? technical(check) : null}
        ${error ? html`<p class="form-summary" role="alert">${error}</p>` : null}
        <form
          method="post"
          action=${`${action}?_csrf=${encodeURIComponent(csrf)}`}
          enctype="multipart/form-data"
          class="stack"
          novalidate
        >
          ${record ? html`<h2 class="verify-form-h">Check a file against this record</h2>` : null}
          <div class="field"><label for="verify-file">Signed PDF</label>
            <input id="verify-file" name="file" type="file" accept="application/pdf" /></div>
          ${
            record
              ? null
              : html`<div class="field"><label for="verify-sha">or its SHA-256</label>
                  <input id="verify-sha" name="sha256" value=${sha256 ?? ''} inputmode="latin" autocomplete="off"
                    spellcheck="false" placeholder="64 hexadecimal characters" /></div>`
          }
          <div><button class="btn primary" type="submit">${record ? 'Check this file' : 'Verify'}</button></div>
        </form>
      </div>
    </main>
  <//>`;
}
