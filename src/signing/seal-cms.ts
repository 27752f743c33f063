import {
  type Bytes,
  type Certificate,
  type SignatureScheme,
  readNode,
  children,
  slice,
  tlv,
  seq,
  integer,
  oid,
  sortedSet,
  pemBlocks,
  concat,
  lastIndexOf,
  equal,
  ascii,
  latin1,
  hex,
  fromHex,
  sha256,
  parseCertificate,
  subjectOf,
  safeSubject,
  signatureScheme,
  verifySignature,
} from './der';
import { isLoopback, localPlainHttp } from '../env';
import { requestTimestamp, type TimestampAuthority, verifyTimestampToken } from './timestamp';

// The seal: a PAdES baseline signature (a detached CAdES CMS, SubFilter ETSI.CAdES.detached) over
// every byte of the PDF but its own /Contents, so any change to the file breaks it in any reader.
// It certifies the document (DocMDP, P=2: only form filling and further signatures allowed), and
// carries an RFC 3161 timestamp of its signature when a timestamp authority is configured (B-T).
// The CMS is written here as DER by hand: pkijs would add ~110 KiB gzip to the Worker for it.
// This module needs no pdf-lib (the page Worker seals and reads seals with it); the one step that
// rewrites the PDF, the placeholder, is seal.ts's and runs in the PDF Worker (issue 19).

/** Who makes the seal's signature: the built-in WebCrypto key, or a remote signing service. */
export interface SealSigner {
  /** The sealing certificate, PEM, the signer's first, then any chain. */
  certificatePem: string;
  /** "built-in key" or "remote signer at signer.example.com": for logs and errors only. */
  label: string;
  /** The PKCS#8 PEM key of the built-in signer (absent for a remote one). */
  privateKeyPem?: string;
  /**
   * The remote service (absent for the built-in key). It is posted `{"digest":{"sha256":"<base64>"}}`
   * (sha384 for a P-384 key) with `Authorization: Bearer <token>` and answers `{"signature":"<base64>"}`:
   * Google Cloud KMS asymmetricSign's shape, so KMS itself or a thin proxy to any HSM fits.
   */
  remote?: { url: string; token?: string; timeoutMs?: number };
}

/**
 * The signer the environment configures, or null when sealing is not configured. SEAL_SIGNER_URL
 * (with SEAL_CERTIFICATE) selects the remote signer; it must be https, except to localhost in
 * development and tests. Throws on a URL it refuses, which finalize records as the seal's error.
 */
export function sealSignerFromEnv(env: {
  ENVIRONMENT?: string;
  SEAL_PRIVATE_KEY?: string;
  SEAL_CERTIFICATE?: string;
  SEAL_SIGNER_URL?: string;
  SEAL_SIGNER_TOKEN?: string;
}): SealSigner | null {
  if (!env.SEAL_CERTIFICATE) return null;
  if (env.SEAL_SIGNER_URL) {
    let url: URL;
    try {
      url = new URL(env.SEAL_SIGNER_URL);
    } catch {
      throw new Error('SEAL_SIGNER_URL is not a URL');
    }
    if (url.protocol !== 'https:' && !localPlainHttp(env, url))
      throw new Error('SEAL_SIGNER_URL must be https (plain http only to localhost, in development and tests)');
    return {
      certificatePem: env.SEAL_CERTIFICATE,
      label: `remote signer at ${url.host}`,
      remote: { url: url.href, token: env.SEAL_SIGNER_TOKEN },
    };
  }
  if (!env.SEAL_PRIVATE_KEY) return null;
  return { certificatePem: env.SEAL_CERTIFICATE, label: 'built-in key', privateKeyPem: env.SEAL_PRIVATE_KEY };
}

/** What the certificate page and /verify say about a sealing certificate. */
export interface CertificateSummary {
  /** "CN=Contractor Portal Seal, O=Contractor Portal, C=US" */
  subject: string;
  /** SHA-256 of the certificate's DER, lowercase hex. */
  sha256: string;
}

/** The subject and SHA-256 fingerprint of the first certificate of a PEM. */
export async function describeCertificate(pem: string): Promise<CertificateSummary> {
  const [der] = pemBlocks(pem, 'CERTIFICATE');
  if (!der) throw new Error('SEAL_CERTIFICATE holds no PEM certificate');
  return { subject: subjectOf(der), sha256: hex(await sha256(der)) };
}

/** A cryptographic reading of an uploaded PDF's last signature (for /verify). */
export interface SealReading {
  /** The file has a signature dictionary (a /ByteRange); certificateSha256 says whether its CMS could be read. */
  sealed: boolean;
  /**
   * The CMS verifies over the byte ranges it names, and every byte after it in /Contents is zero (false:
   * a signed byte or the padding was changed, the CMS is forged, or /Contents is over 256 KiB of hex).
   */
  intact: boolean;
  /** Bytes after the signed ranges: an incremental update appended after sealing (0 when none). */
  appendedBytes: number;
  /** The signer certificate's SHA-256 and subject, when the CMS could be read and names one. */
  certificateSha256?: string;
  certificateSubject?: string;
  /** The RFC 3161 timestamp's time (ms), when the seal carries one that timestamps its signature. */
  timestampAt?: number | null;
  /** The subject of the timestamp authority's certificate that signed that token (with timestampAt). */
  timestampAuthority?: string;
  /** The seal certifies the document (DocMDP): the catalog's /Perms names its signature dictionary. */
  certified?: boolean;
}

/**
 * Reads the last signature of a PDF without trusting anything in it, and never throws: a file cut
 * short, garbage in /Contents, huge numbers or a byte range past the end give `intact: false`, and
 * no certificate when the CMS cannot be read.
 */
export async function readSeal(pdf: Uint8Array): Promise<SealReading> {
  const reading: SealReading = { sealed: false, intact: false, appendedBytes: 0, timestampAt: null, certified: false };
  try {
    const range = lastByteRange(pdf);
    if (!range) return reading;
    reading.sealed = true;
    const end = range[2] + range[3];
    if (end <= pdf.length) reading.appendedBytes = pdf.length - end;
    reading.certified = isCertified(pdf, lastIndexOf(pdf, ascii('/ByteRange')));
    // Everything below comes from this one range and the CMS in its gap: never a certificate read
    // from one signature and a verdict from another (a planted /ByteRange must not borrow ours).
    const check = await checkByteRange(pdf, range);
    reading.intact = check.valid;
    // A CMS whose own signature fails names nobody: anyone can paste a certificate into a file.
    if (!check.cmsValid || !check.parsed) return reading;
    reading.certificateSha256 = check.certificateSha256;
    reading.certificateSubject = safeSubject(check.parsed.signer.der);
    if (check.parsed.timestampToken) {
      // Only a token whose own signature verifies, over this signature's value, counts: not one
      // whose time was edited, nor one copied from another seal.
      const token = await verifyTimestampToken(check.parsed.timestampToken);
      if (
        token &&
        token.imprintAlgorithm === OID.sha256 &&
        equal(token.imprint, await sha256(check.parsed.signature))
      ) {
        reading.timestampAt = token.genTime;
        reading.timestampAuthority = token.authority;
      }
    }
    return reading;
  } catch {
    return reading; // what was read so far; an unreadable CMS leaves no certificate
  }
}

export interface SealOptions {
  signer: SealSigner;
  /** The timestamp authority: the seal then carries its token, or sealPdf throws. */
  timestamp?: TimestampAuthority;
  /** Make it a certification signature (DocMDP, P=2). */
  certify?: boolean;
  reason?: string;
  location?: string;
  name?: string;
  signingTime?: Date;
}

export interface SealCheck {
  valid: boolean;
  signedRangeSha256?: string; // SHA-256 of the signed byte ranges (also for a P-384 seal, whose CMS states SHA-384)
  certificateSha256?: string; // SHA-256 of the signer's certificate
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  timeStampToken: '1.2.840.113549.1.9.16.2.14',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
};

export const BYTE_RANGE_SLOT = '**********'; // ten characters: room for any offset below 10 GB
const BYTE_RANGE_PLACEHOLDER = `/ByteRange [ 0 /${BYTE_RANGE_SLOT} /${BYTE_RANGE_SLOT} /${BYTE_RANGE_SLOT} ]`;
/** Room reserved in /Contents for a timestamp token: a token with its authority's chain is 3–8 KB. */
export const TIMESTAMP_ROOM = 10_240;
/** The largest /Contents readSeal reads, in hex digits: a seal with a 4096-bit key and a token is ~25 KiB. */
const MAX_CONTENTS_HEX = 256 * 1024;

/** What the seal's signature dictionary states besides its byte range and contents: no secret in it. */
export type PlaceholderFields = Pick<SealOptions, 'certify' | 'reason' | 'location' | 'name' | 'signingTime'>;

/**
 * The PDF to seal, saved with an empty signature dictionary and field: a /ByteRange of BYTE_RANGE_SLOT
 * names and a /Contents of `contentsLength` zero bytes in hex (pdf-lib's work, in the PDF Worker:
 * seal.ts `withPlaceholder` for a finished file, certificate.ts `buildSignedPdf` for a signed one, in
 * the same save as its signatures and certificate).
 */
export type Placeholder = (
  fields: PlaceholderFields,
  contentsLength: number,
  digestMethod: PlaceholderRequest['digestMethod'],
) => Promise<Bytes>;

/** What sealWith asks of a Placeholder, as one value (the PDF Worker's `signedPdf` takes it so). */
export interface PlaceholderRequest {
  fields: PlaceholderFields;
  contentsLength: number;
  digestMethod: 'SHA256' | 'SHA384';
}

/** The placeholder's /Contents as its bytes: `<`, `contentsLength` zero bytes in hex, `>`. */
function emptyContents(contentsLength: number): Bytes {
  const out = new Uint8Array(contentsLength * 2 + 2).fill(0x30);
  out[0] = 0x3c;
  out[out.length - 1] = 0x3e;
  return out;
}

/**
 * Signs the whole file; the result is a new PDF with an invisible signature field named "Seal".
 * `placeholder` writes the PDF part (pdf-lib, in the PDF Worker); everything secret — the key or the
 * remote signer, the timestamp authority — is used here, in the caller's Worker.
 */
export async function sealWith(opts: SealOptions, placeholder: Placeholder): Promise<Bytes> {
  const certificates = pemBlocks(opts.signer.certificatePem, 'CERTIFICATE').map(parseCertificate);
  const signer = certificates[0];
  if (!signer) throw new Error('SEAL_CERTIFICATE holds no PEM certificate');
  const scheme = signatureScheme(signer);
  const sign = await signatureMaker(opts.signer, scheme);
  const certificateHash = await sha256(signer.der);
  const cms = (digest: Bytes, signature: Bytes, token?: Bytes) =>
    signedData(signer, certificates, scheme, signedAttributes(digest, certificateHash, signer), signature, token);

  // The CMS's size is known before signing: only the digest and signature bytes change, and an
  // RSA signature is exactly the modulus long (an ECDSA one at most 72 or 104 bytes; zeros pad the
  // rest). A timestamp token's size is not: reserve room, and seal again with more if it needs it.
  const maxSignature = maxSignatureLength(signer, scheme);
  let contentsLength = cms(new Uint8Array(scheme.digestLength), new Uint8Array(maxSignature)).length;
  if (opts.timestamp) contentsLength += TIMESTAMP_ROOM;
  for (let attempt = 1; ; attempt++) {
    const { certify, reason, location, name, signingTime } = opts; // the signer stays here
    const file = await placeholder(
      { certify, reason, location, name, signingTime },
      contentsLength,
      scheme.hash === 'SHA-384' ? 'SHA384' : 'SHA256',
    );
    const byteRangeAt = lastIndexOf(file, ascii(BYTE_RANGE_PLACEHOLDER));
    const contentsAt = lastIndexOf(file, emptyContents(contentsLength));
    if (byteRangeAt < 0 || contentsAt < 0) throw new Error('Seal placeholder not found in the saved PDF');
    const gapEnd = contentsAt + contentsLength * 2 + 2;
    const byteRange = `/ByteRange [0 ${contentsAt} ${gapEnd} ${file.length - gapEnd}]`;
    file.set(ascii(byteRange.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ')), byteRangeAt);

    const digest = await hashOf(scheme.hash, concat([file.subarray(0, contentsAt), file.subarray(gapEnd)]));
    const toSign = tlv(0x31, ...signedAttributes(digest, certificateHash, signer));
    const signature = await sign(toSign);
    // A key that does not belong to the certificate would make a seal no reader accepts: refuse it.
    if (!(await verifySignature(signer, scheme, signature, toSign)))
      throw new Error(
        opts.signer.privateKeyPem
          ? 'SEAL_PRIVATE_KEY does not match SEAL_CERTIFICATE'
          : `The ${opts.signer.label} signed with a key that does not match SEAL_CERTIFICATE`,
      );
    const token = opts.timestamp ? await requestTimestamp(opts.timestamp, signature) : undefined;
    const content = cms(digest, signature, token);
    // A seal readSeal would refuse to read (its /Contents over the cap) is not made.
    if (content.length * 2 > MAX_CONTENTS_HEX)
      throw new Error(`The timestamp token makes the signature too large (over ${MAX_CONTENTS_HEX / 2} bytes)`);
    if (content.length <= contentsLength) {
      file.set(ascii(hex(content)), contentsAt + 1);
      return file;
    }
    if (attempt > 1) throw new Error('The timestamp token does not fit the room reserved for it');
    // Room for this token, a longer ECDSA signature and longer DER lengths next time (within the cap).
    contentsLength = Math.min(content.length + maxSignature + 1024, MAX_CONTENTS_HEX / 2);
  }
}

/**
 * Checks the last signature of a PDF: it covers the whole file but its /Contents, and its CMS
 * verifies. Anyone's certificate can make a valid signature: compare certificateSha256 with ours.
 */
export async function verifySeal(pdf: Uint8Array): Promise<SealCheck> {
  const range = lastByteRange(pdf);
  if (!range || range[2] + range[3] !== pdf.length) return { valid: false };
  const { valid, signedRangeSha256, certificateSha256 } = await checkByteRange(pdf, range);
  return { valid, signedRangeSha256, certificateSha256 };
}

/**
 * The CMS in the gap `range` names, checked two ways: `cmsValid`, its signature over its signed
 * attributes verifies with the certificate it carries (whoever made it); `valid`, that and its
 * message digest is the digest of exactly the ranges named (which must start at 0 and end in `pdf`).
 */
async function checkByteRange(pdf: Uint8Array, [start, contentsAt, gapEnd, tail]: number[]) {
  const none: {
    valid: boolean;
    cmsValid: boolean;
    parsed?: undefined;
    certificateSha256?: string;
    signedRangeSha256?: string;
  } = { valid: false, cmsValid: false };
  if (contentsAt >= gapEnd || gapEnd > pdf.length || pdf[contentsAt] !== 0x3c || pdf[gapEnd - 1] !== 0x3e) return none;
  // A gap far larger than any seal's is not read at all: a crafted upload must not cost memory.
  if (gapEnd - contentsAt - 2 > MAX_CONTENTS_HEX) return none;
  const cms = fromHex(pdf.subarray(contentsAt + 1, gapEnd - 1));
  if (!cms) return none;
  try {
    const parsed = parseSignedData(cms);
    // Every byte after the CMS is padding, and must be zero: else bytes of the file that no
    // signature covers could change while it still reads as intact.
    const padded = cms.subarray(readNode(cms, 0).end).every((b) => b === 0);
    const scheme = signatureScheme(parsed.signer);
    const cmsValid = await verifySignature(parsed.signer, scheme, parsed.signature, parsed.signedAttributes);
    const certificateSha256 = hex(await sha256(parsed.signer.der));
    const end = gapEnd + tail;
    if (start !== 0 || end > pdf.length) return { valid: false, cmsValid, parsed, certificateSha256 };
    const ranges = concat([pdf.subarray(0, contentsAt), pdf.subarray(gapEnd, end)]);
    const digestMatches =
      equal(parsed.digestAlgorithm, oid(scheme.digestOid)) &&
      !!parsed.messageDigest &&
      equal(parsed.messageDigest, tlv(0x04, await hashOf(scheme.hash, ranges)));
    const signedRangeSha256 = hex(await sha256(ranges));
    return { valid: cmsValid && digestMatches && padded, cmsValid, parsed, certificateSha256, signedRangeSha256 };
  } catch {
    return none;
  }
}

/** The four numbers of the file's last /ByteRange, or null. */
function lastByteRange(pdf: Uint8Array): number[] | null {
  const at = lastIndexOf(pdf, ascii('/ByteRange'));
  if (at < 0) return null;
  const m = /^\/ByteRange\s*\[\s*(\d{1,15})\s+(\d{1,15})\s+(\d{1,15})\s+(\d{1,15})\s*\]/.exec(
    latin1(pdf.subarray(at, at + 100)),
  );
  return m ? m.slice(1).map(Number) : null;
}

/**
 * Whether the signature dictionary around the /ByteRange at `at` asks for DocMDP and the catalog's
 * /Perms names that dictionary: a text reading of the bytes near them, bounded for large files.
 */
function isCertified(pdf: Uint8Array, at: number): boolean {
  const before = latin1(pdf.subarray(Math.max(0, at - 300_000), at));
  const headers = [...before.matchAll(/(\d+)\s+(\d+)\s+obj\b/g)];
  const header = headers[headers.length - 1];
  if (!header) return false;
  const after = latin1(pdf.subarray(at, at + 300_000));
  const endAt = after.indexOf('endobj');
  const dictionary = before.slice(header.index) + (endAt < 0 ? after : after.slice(0, endAt));
  if (!/\/TransformMethod\s*\/DocMDP\b/.test(dictionary)) return false;
  const perms = lastIndexOf(pdf, ascii('/Perms'));
  const reference = new RegExp(`^/Perms\\s*<<\\s*/DocMDP\\s+${header[1]}\\s+${header[2]}\\s+R\\b`);
  return perms >= 0 && reference.test(latin1(pdf.subarray(perms, perms + 100)));
}

/** The longest signature the certificate's key makes, in the CMS's form. */
function maxSignatureLength(certificate: Certificate, scheme: SignatureScheme): number {
  if (scheme.name === 'ECDSA') return 2 * (scheme.digestLength + 3) + 2; // SEQUENCE of two INTEGERs, each maybe 0-led
  const spki = certificate.publicKey;
  const bits = children(spki, readNode(spki, 0))[1];
  const rsaKey = spki.subarray(bits.body + 1, bits.end); // past the unused-bits byte
  const modulus = children(rsaKey, readNode(rsaKey, 0))[0];
  let length = modulus.end - modulus.body;
  if (rsaKey[modulus.body] === 0) length--;
  return length;
}

const hashOf = async (hash: SignatureScheme['hash'], bytes: Bytes) =>
  new Uint8Array(await crypto.subtle.digest(hash, bytes));

/** The signer as a function of the bytes to sign (the signed attributes) to the CMS signature. */
async function signatureMaker(signer: SealSigner, scheme: SignatureScheme): Promise<(toSign: Bytes) => Promise<Bytes>> {
  if (signer.remote) {
    const remote = signer.remote;
    return (toSign) => remoteSignature(remote, signer.label, scheme, toSign);
  }
  if (!signer.privateKeyPem) throw new Error('The sealing key (SEAL_PRIVATE_KEY) is not configured');
  const key = await importSealKey(signer.privateKeyPem, scheme);
  return async (toSign) => scheme.toDer(new Uint8Array(await crypto.subtle.sign(scheme.sign, key, toSign)));
}

/**
 * Asks the remote signer to sign the digest of the signed attributes. Any failure (unreachable, slow,
 * non-2xx, not a signature) throws: finalize keeps the document finalizing and the cron tries again.
 */
async function remoteSignature(
  remote: NonNullable<SealSigner['remote']>,
  label: string,
  scheme: SignatureScheme,
  toSign: Bytes,
): Promise<Bytes> {
  const url = new URL(remote.url);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
    throw new Error(`The ${label} must be reached over https`);
  const digest = await hashOf(scheme.hash, toSign);
  const timeoutMs = remote.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(url.href, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(remote.token ? { Authorization: `Bearer ${remote.token}` } : {}),
      },
      body: JSON.stringify({ digest: { [scheme.hash === 'SHA-384' ? 'sha384' : 'sha256']: base64(digest) } }),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual', // never followed (workerd has no 'error'): a 3xx is refused below, the token stays here
    });
  } catch (err) {
    const why = err instanceof Error && /abort|timeout/i.test(err.name) ? `no answer within ${timeoutMs} ms` : err;
    throw new Error(`The ${label} could not be reached: ${why}`);
  }
  if (!response.ok) throw new Error(`The ${label} answered HTTP ${response.status}`);
  let signature: Bytes;
  try {
    const body = (await response.json()) as { signature?: unknown };
    if (typeof body.signature !== 'string' || !body.signature) throw new Error('no signature');
    signature = Uint8Array.from(atob(body.signature), (c) => c.charCodeAt(0));
  } catch {
    throw new Error(`The ${label} answered something that is not a signature`);
  }
  // KMS answers ECDSA as DER; a signer that answers WebCrypto's r‖s is accepted too, told apart by
  // its length alone (exactly twice the curve's size; a DER one is longer), whatever its first byte.
  if (scheme.name === 'ECDSA' && signature.length === 2 * scheme.digestLength) signature = scheme.toDer(signature);
  return signature;
}

const base64 = (bytes: Bytes) => btoa(latin1(bytes));

/**
 * The sealing key, imported once per isolate and scheme: importing an RSA key checks it, about half of
 * sealWith's own JavaScript in a node profile (issue 19). A key that fails to import is not kept, so each
 * seal says why again. The key is the one in this Worker's env, which a deploy (a new isolate) changes.
 */
const importedKeys = new Map<string, Promise<CryptoKey>>();

function importSealKey(pem: string, scheme: SignatureScheme): Promise<CryptoKey> {
  const id = `${JSON.stringify(scheme.import)}\n${pem}`;
  let key = importedKeys.get(id);
  if (!key) {
    if (importedKeys.size >= 4) importedKeys.clear();
    key = importNow(pem, scheme);
    importedKeys.set(id, key);
    const mine = key;
    key.catch(() => importedKeys.get(id) === mine && importedKeys.delete(id));
  }
  return key;
}

async function importNow(pem: string, scheme: SignatureScheme): Promise<CryptoKey> {
  if (pem.includes('BEGIN RSA PRIVATE KEY') || pem.includes('BEGIN EC PRIVATE KEY')) {
    throw new Error(
      'SEAL_PRIVATE_KEY must be PKCS#8 ("BEGIN PRIVATE KEY"); convert it with `openssl pkcs8 -topk8 -nocrypt`',
    );
  }
  const [der] = pemBlocks(pem, 'PRIVATE KEY');
  if (!der) throw new Error('SEAL_PRIVATE_KEY holds no PKCS#8 PEM private key');
  try {
    return await crypto.subtle.importKey('pkcs8', der, scheme.import, false, ['sign']);
  } catch {
    throw new Error('SEAL_PRIVATE_KEY does not match SEAL_CERTIFICATE');
  }
}

// CMS (RFC 5652) with the CAdES-BES attributes: content type, message digest and the ESS signing
// certificate v2 that binds the signer's certificate; no signing-time, which PAdES forbids. The
// timestamp token, when there is one, is an unsigned attribute (it signs the signature value).

function signedAttributes(digest: Bytes, certificateHash: Bytes, signer: Certificate): Bytes[] {
  const issuerSerial = seq(seq(tlv(0xa4, signer.issuer)), signer.serial);
  return sortedSet([
    seq(oid(OID.contentType), tlv(0x31, oid(OID.data))),
    seq(oid(OID.messageDigest), tlv(0x31, tlv(0x04, digest))),
    seq(oid(OID.signingCertificateV2), tlv(0x31, seq(seq(seq(tlv(0x04, certificateHash), issuerSerial))))),
  ]);
}

function signedData(
  signer: Certificate,
  certificates: Certificate[],
  scheme: SignatureScheme,
  attributes: Bytes[],
  signature: Bytes,
  timestampToken?: Bytes,
): Bytes {
  const digestAlgorithm = seq(oid(scheme.digestOid));
  const signerInfo = seq(
    integer(1),
    seq(signer.issuer, signer.serial),
    digestAlgorithm,
    tlv(0xa0, ...attributes),
    scheme.algorithmIdentifier,
    tlv(0x04, signature),
    ...(timestampToken ? [tlv(0xa1, seq(oid(OID.timeStampToken), tlv(0x31, timestampToken)))] : []),
  );
  const content = seq(
    integer(1),
    tlv(0x31, digestAlgorithm),
    seq(oid(OID.data)),
    tlv(0xa0, ...certificates.map((c) => c.der)),
    tlv(0x31, signerInfo),
  );
  return seq(oid(OID.signedData), tlv(0xa0, content));
}

function parseSignedData(cms: Bytes) {
  const [contentType, wrapper] = children(cms, readNode(cms, 0));
  if (!equal(slice(cms, contentType), oid(OID.signedData))) throw new Error('not SignedData');
  const fields = children(cms, children(cms, wrapper)[0]);
  const certificates = fields
    .filter((n) => n.tag === 0xa0)
    .flatMap((n) => children(cms, n).map((c) => parseCertificate(slice(cms, c))));
  const [, sid, digestAlgorithm, signedAttrs, , signature, unsignedAttrs] = children(
    cms,
    children(cms, fields[fields.length - 1])[0],
  );
  if (signedAttrs.tag !== 0xa0 || signature.tag !== 0x04) throw new Error('unsupported SignerInfo');
  const [issuer, serial] = children(cms, sid).map((n) => slice(cms, n));
  const signer = certificates.find((c) => equal(c.issuer, issuer) && equal(c.serial, serial));
  if (!signer) throw new Error('signer certificate missing');
  const attribute = (set: typeof signedAttrs | undefined, type: string) =>
    set &&
    children(cms, set)
      .map((a) => children(cms, a))
      .find(([t]) => equal(slice(cms, t), oid(type)))?.[1];
  const messageDigest = attribute(signedAttrs, OID.messageDigest);
  const timestamp = unsignedAttrs?.tag === 0xa1 ? attribute(unsignedAttrs, OID.timeStampToken) : undefined;
  const signedAttributes = cms.slice(signedAttrs.start, signedAttrs.end);
  signedAttributes[0] = 0x31; // signed as a SET, stored as [0]
  return {
    signer,
    digestAlgorithm: slice(cms, children(cms, digestAlgorithm)[0]),
    messageDigest: messageDigest && slice(cms, children(cms, messageDigest)[0]),
    signedAttributes,
    signature: cms.slice(signature.body, signature.end),
    timestampToken: timestamp && slice(cms, children(cms, timestamp)[0]),
  };
}
