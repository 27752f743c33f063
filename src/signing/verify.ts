import type { Db } from '../db/client';
import { sha256Hex } from '../http/crypto';
import { type SealedRecord, type UnsignedDocument, verifyLookup } from './queries';
import { describeCertificate, readSeal, type SealReading } from './seal-cms';

// /verify (issue 18): what an uploaded PDF or a pasted SHA-256 is, in one answer. An exact match of
// the whole file's SHA-256 with a file we sealed says the most; otherwise the seal inside the file is
// read (readSeal trusts nothing in the file) and its certificate compared with ours: the one
// configured now, or any certificate that sealed a file here (a rotated key keeps its files verifiable).

/** What /verify answers about one file or hash. */
export type VerifyAnswer =
  /** Our seal, over the whole file, verifies; `record` is null when no row of it is found here. */
  | { kind: 'unchanged'; record: SealedRecord | null; exact: boolean }
  /** Our seal verifies over the part it covers, and `appendedBytes` follow it (an incremental update). */
  | { kind: 'appended'; record: SealedRecord | null; appendedBytes: number }
  /** Our certificate, but the signed bytes no longer match the seal (`cutShort`: the file ends early). */
  | { kind: 'changed'; cutShort: boolean }
  /**
   * A seal whose signature cannot be read or does not verify over its own contents, so it names no
   * certificate: not shown to be ours (`cutShort`: the file ends early).
   */
  | { kind: 'unreadable'; cutShort: boolean }
  /** A seal made with a certificate that is not ours (whatever its subject claims). */
  | { kind: 'foreign'; subject: string | null; signatureValid: boolean }
  /** No seal at all. */
  | { kind: 'not-sealed'; pdf: boolean }
  /**
   * The SHA-256 of the unsigned PDF of a sealed document: the hash its certificate page prints. Only the
   * document's label and company: whoever holds the unsigned file has this hash.
   */
  | { kind: 'unsigned'; document: UnsignedDocument }
  /** A pasted SHA-256 that matches nothing sealed here. */
  | { kind: 'unknown-hash' };

/** The answer, with what the page's technical details state. */
export interface VerifyCheck {
  answer: VerifyAnswer;
  /** The SHA-256 of the uploaded file, or the pasted one. */
  sha256: string;
  /** Null for a pasted hash (nothing to read). */
  reading: SealReading | null;
  /** Whether the seal's certificate is ours: the configured one, or one that sealed a file here. */
  ours: boolean;
}

/** Our sealing certificate's SHA-256 now (null when sealing is not configured, or it cannot be read). */
async function configuredCertificate(pem: string | undefined): Promise<string | null> {
  if (!pem) return null;
  try {
    return (await describeCertificate(pem)).sha256;
  } catch {
    return null;
  }
}

/** A pasted SHA-256 (lowercase hex): a sealed file we know, an unsigned PDF's hash, or nothing. */
export async function checkHash(db: Db, sha256: string): Promise<VerifyCheck> {
  const found = await verifyLookup(db, { sha256 });
  const answer: VerifyAnswer = found.sealed
    ? { kind: 'unchanged', record: found.sealed, exact: true }
    : found.unsigned
      ? { kind: 'unsigned', document: found.unsigned }
      : { kind: 'unknown-hash' };
  return { answer, sha256, reading: null, ours: found.sealed !== null };
}

/** An uploaded file: its exact SHA-256 first, then the seal inside it. */
export async function checkFile(
  env: { SEAL_CERTIFICATE?: string },
  db: Db,
  pdf: Uint8Array<ArrayBuffer>,
): Promise<VerifyCheck> {
  const sha256 = await sha256Hex(pdf);
  const reading = await readSeal(pdf); // never throws: what it cannot read is not sealed
  const configured = await configuredCertificate(env.SEAL_CERTIFICATE);
  const certificate = reading.certificateSha256;
  const configuredIsIt = !!certificate && certificate === configured;
  const appended = reading.sealed && reading.intact && reading.appendedBytes > 0;
  const found = await verifyLookup(db, {
    sha256,
    coveredSha256: appended ? await sha256Hex(pdf.subarray(0, pdf.length - reading.appendedBytes)) : undefined,
    certificateSha256: certificate && !configuredIsIt ? certificate : undefined,
  });
  const ours = configuredIsIt || found.storedCertificate;
  const answer = ((): VerifyAnswer => {
    // The very file we sealed: nothing can say more (whatever a reader makes of its insides).
    if (found.sealed) return { kind: 'unchanged', record: found.sealed, exact: true };
    if (found.unsigned) return { kind: 'unsigned', document: found.unsigned };
    if (!reading.sealed) return { kind: 'not-sealed', pdf: isPdf(pdf) };
    // readSeal names the certificate only of a signature that verifies over its own contents.
    if (!certificate) return { kind: 'unreadable', cutShort: isCutShort(pdf) };
    if (!ours) return { kind: 'foreign', subject: reading.certificateSubject ?? null, signatureValid: reading.intact };
    if (!reading.intact) return { kind: 'changed', cutShort: isCutShort(pdf) };
    if (reading.appendedBytes > 0)
      return { kind: 'appended', record: found.covered, appendedBytes: reading.appendedBytes };
    return { kind: 'unchanged', record: null, exact: false };
  })();
  return { answer, sha256, reading, ours };
}

/** Whether an answer says the file is the one sealed for `record` (the record page's question). */
export function isFileOf(check: VerifyCheck, record: SealedRecord): boolean {
  return check.answer.kind === 'unchanged' && check.sha256 === record.sha256;
}

const isPdf = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes.subarray(0, 1024)).includes('%PDF-');

/** A PDF ends with %%EOF (and a line end or two); a file cut short does not. */
const isCutShort = (bytes: Uint8Array) =>
  !/%%EOF\s*$/.test(new TextDecoder('latin1').decode(bytes.subarray(Math.max(0, bytes.length - 64))));
