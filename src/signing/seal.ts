import { PDFDocument, PDFHexString, PDFName, PDFNumber, PDFString } from 'pdf-lib';
import {
  type Bytes,
  type DerNode,
  readNode,
  children,
  slice,
  tlv,
  seq,
  integer,
  unsignedInteger,
  oid,
  sortedSet,
  leftPad,
  pemBlocks,
  concat,
  lastIndexOf,
  equal,
  ascii,
  latin1,
  hex,
  fromHex,
  sha256,
  oidText,
} from './der';

// The seal: a PAdES baseline signature (a detached CAdES CMS, SubFilter ETSI.CAdES.detached) over
// every byte of the PDF but its own /Contents, so any change to the file breaks it in any reader.
// The CMS is written here as DER by hand: pkijs would add ~110 KiB gzip to the Worker for it.

// ---- Issue 18 contract (other parts code against these; the seal's part fills them in) ----

/** Who makes the seal's signature: the built-in WebCrypto key, or a remote signing service. */
export interface SealSigner {
  /** The sealing certificate, PEM, the signer's first, then any chain. */
  certificatePem: string;
  /** "built-in key" or "remote signer at signer.example.com": for logs and errors only. */
  label: string;
  /** The PKCS#8 PEM key of the built-in signer (absent for a remote one). */
  privateKeyPem?: string;
  /** The remote service (absent for the built-in key). */
  remote?: { url: string; token?: string };
}

/** The signer the environment configures, or null when sealing is not configured. */
export function sealSignerFromEnv(env: {
  SEAL_PRIVATE_KEY?: string;
  SEAL_CERTIFICATE?: string;
  SEAL_SIGNER_URL?: string;
  SEAL_SIGNER_TOKEN?: string;
}): SealSigner | null {
  if (!env.SEAL_CERTIFICATE) return null;
  if (env.SEAL_SIGNER_URL)
    return {
      certificatePem: env.SEAL_CERTIFICATE,
      label: `remote signer at ${new URL(env.SEAL_SIGNER_URL).host}`,
      remote: { url: env.SEAL_SIGNER_URL, token: env.SEAL_SIGNER_TOKEN },
    };
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
  /** The file has a signature dictionary with a ByteRange and a CMS we could read. */
  sealed: boolean;
  /** The CMS verifies over the byte ranges it names (false: a signed byte was changed, or the CMS is forged). */
  intact: boolean;
  /** Bytes after the signed ranges: an incremental update appended after sealing (0 when none). */
  appendedBytes: number;
  /** The signer certificate's SHA-256 and subject, when the CMS names one. */
  certificateSha256?: string;
  certificateSubject?: string;
  /** The RFC 3161 timestamp's time (ms), when the seal carries one. */
  timestampAt?: number | null;
  /** The seal certifies the document (DocMDP). */
  certified?: boolean;
}

/** Reads the last signature of a PDF without trusting anything in it. */
export async function readSeal(pdf: Uint8Array): Promise<SealReading> {
  const at = lastIndexOf(pdf, ascii('/ByteRange'));
  const range =
    at < 0 ? null : /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(latin1(pdf.subarray(at, at + 80)));
  if (!range) return { sealed: false, intact: false, appendedBytes: 0 };
  const [, contentsAt, gapEnd, tail] = range.slice(1).map(Number);
  const end = gapEnd + tail;
  if (end > pdf.length) return { sealed: true, intact: false, appendedBytes: 0 };
  const check = await verifySeal(pdf.subarray(0, end) as Bytes);
  let certificateSubject: string | undefined;
  try {
    const contents = latin1(pdf.subarray(contentsAt + 1, gapEnd - 1));
    certificateSubject = subjectOf(parseSignedData(fromHex(contents)).signer.der);
  } catch {}
  return {
    sealed: true,
    intact: check.valid,
    appendedBytes: pdf.length - end,
    certificateSha256: check.certificateSha256,
    certificateSubject,
    timestampAt: null,
    certified: false,
  };
}

// ---- end of the issue 18 contract ----

export interface SealOptions {
  privateKeyPem: string; // PKCS#8, RSA or EC P-256
  certificatePem: string; // the signer's X.509 certificate first, then any chain
  reason?: string;
  location?: string;
  name?: string;
  signingTime?: Date;
}

export interface SealCheck {
  valid: boolean;
  signedRangeSha256?: string; // SHA-256 of the signed byte ranges, as the CMS states it
  certificateSha256?: string; // SHA-256 of the signer's certificate
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
};

const BYTE_RANGE_SLOT = '**********'; // ten characters: room for any offset below 10 GB
const BYTE_RANGE_PLACEHOLDER = `/ByteRange [ 0 /${BYTE_RANGE_SLOT} /${BYTE_RANGE_SLOT} /${BYTE_RANGE_SLOT} ]`;

/** Signs the whole file; the result is a new PDF with an invisible signature field named "Seal". */
export async function sealPdf(pdf: Uint8Array, opts: SealOptions): Promise<Bytes> {
  const certificates = pemBlocks(opts.certificatePem, 'CERTIFICATE').map(parseCertificate);
  const signer = certificates[0];
  if (!signer) throw new Error('SEAL_CERTIFICATE holds no PEM certificate');
  const scheme = signatureScheme(signer);
  const key = await importSealKey(opts.privateKeyPem, scheme);
  const certificateHash = await sha256(signer.der);
  const cms = (digest: Bytes, signature: Bytes) =>
    signedData(signer, certificates, scheme, signedAttributes(digest, certificateHash, signer), signature);

  // The CMS's size is known before signing: only the digest and signature bytes change, and an
  // RSA signature is exactly the modulus long (an ECDSA one at most 72 bytes; zeros pad the rest).
  const maxSignature =
    scheme.name === 'RSASSA-PKCS1-v1_5' ? (key.algorithm as RsaHashedKeyAlgorithm).modulusLength / 8 : 72;
  const contentsLength = cms(new Uint8Array(32), new Uint8Array(maxSignature)).length;

  const file = await withPlaceholder(pdf, opts, contentsLength);
  const byteRangeAt = lastIndexOf(file, ascii(BYTE_RANGE_PLACEHOLDER));
  const contentsAt = lastIndexOf(file, ascii(`<${'0'.repeat(contentsLength * 2)}>`));
  if (byteRangeAt < 0 || contentsAt < 0) throw new Error('Seal placeholder not found in the saved PDF');
  const gapEnd = contentsAt + contentsLength * 2 + 2;
  const byteRange = `/ByteRange [0 ${contentsAt} ${gapEnd} ${file.length - gapEnd}]`;
  file.set(ascii(byteRange.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ')), byteRangeAt);

  const digest = await sha256(concat([file.subarray(0, contentsAt), file.subarray(gapEnd)]));
  const attributes = signedAttributes(digest, certificateHash, signer);
  const toSign = tlv(0x31, ...attributes);
  const signature = scheme.toDer(new Uint8Array(await crypto.subtle.sign(scheme.sign, key, toSign)));
  // A key that does not belong to the certificate would make a seal no reader accepts: refuse it.
  if (!(await verifySignature(signer, scheme, signature, toSign)))
    throw new Error('SEAL_PRIVATE_KEY does not match SEAL_CERTIFICATE');

  file.set(ascii(hex(cms(digest, signature))), contentsAt + 1);
  return file;
}

/**
 * Checks the last signature of a PDF: it covers the whole file but its /Contents, and its CMS
 * verifies. Anyone's certificate can make a valid signature: compare certificateSha256 with ours.
 */
export async function verifySeal(pdf: Uint8Array): Promise<SealCheck> {
  const at = lastIndexOf(pdf, ascii('/ByteRange'));
  const range =
    at < 0 ? null : /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(latin1(pdf.subarray(at, at + 80)));
  if (!range) return { valid: false };
  const [start, contentsAt, gapEnd, tail] = range.slice(1).map(Number);
  if (
    start !== 0 ||
    contentsAt >= gapEnd ||
    gapEnd + tail !== pdf.length ||
    pdf[contentsAt] !== 0x3c ||
    pdf[gapEnd - 1] !== 0x3e
  )
    return { valid: false };
  const contents = latin1(pdf.subarray(contentsAt + 1, gapEnd - 1));
  if (contents.length % 2 || !/^[0-9a-fA-F]*$/.test(contents)) return { valid: false };
  const signedRange = await sha256(concat([pdf.subarray(0, contentsAt), pdf.subarray(gapEnd)]));
  try {
    const { signer, digestAlgorithm, messageDigest, signedAttributes, signature } = parseSignedData(fromHex(contents));
    if (!equal(digestAlgorithm, oid(OID.sha256)) || !messageDigest || !equal(messageDigest, tlv(0x04, signedRange)))
      return { valid: false };
    const valid = await verifySignature(signer, signatureScheme(signer), signature, signedAttributes);
    return { valid, signedRangeSha256: hex(signedRange), certificateSha256: hex(await sha256(signer.der)) };
  } catch {
    return { valid: false };
  }
}

async function withPlaceholder(pdf: Uint8Array, opts: SealOptions, contentsLength: number): Promise<Bytes> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  const context = doc.context;
  const slot = PDFName.of(BYTE_RANGE_SLOT);
  const signature = context.obj({
    Type: 'Sig',
    Filter: 'Adobe.PPKLite',
    SubFilter: 'ETSI.CAdES.detached',
    ByteRange: [0, slot, slot, slot],
    Contents: PDFHexString.of('0'.repeat(contentsLength * 2)),
    M: PDFString.fromDate(opts.signingTime ?? new Date()), // PAdES puts the claimed time here, not in the CMS
  });
  if (opts.name) signature.set(PDFName.of('Name'), PDFHexString.fromText(opts.name));
  if (opts.reason) signature.set(PDFName.of('Reason'), PDFHexString.fromText(opts.reason));
  if (opts.location) signature.set(PDFName.of('Location'), PDFHexString.fromText(opts.location));

  const page = doc.getPage(0);
  const field = context.register(
    context.obj({
      Type: 'Annot',
      Subtype: 'Widget',
      FT: 'Sig',
      T: PDFString.of('Seal'),
      V: context.register(signature),
      Rect: [0, 0, 0, 0],
      F: 132,
      P: page.ref,
    }),
  );
  page.node.addAnnot(field);
  const form = doc.catalog.getOrCreateAcroForm();
  form.addField(field);
  form.dict.set(PDFName.of('SigFlags'), PDFNumber.of(3)); // signatures exist; append only
  // Without object streams the placeholders stay plain text in the file, where they can be filled in.
  return (await doc.save({ useObjectStreams: false, updateFieldAppearances: false })) as Bytes;
}

interface Certificate {
  der: Bytes;
  serial: Bytes; // the whole INTEGER
  issuer: Bytes; // the whole Name
  publicKey: Bytes; // the whole SubjectPublicKeyInfo
  keyAlgorithm: Bytes; // its algorithm OID
  keyParameters: Bytes | undefined; // the curve OID of an EC key
}

function parseCertificate(der: Bytes): Certificate {
  const [tbs] = children(der, readNode(der, 0));
  const fields = children(der, tbs);
  const i = fields[0].tag === 0xa0 ? 1 : 0; // [0] version is optional
  const spki = fields[i + 5];
  const [algorithm, parameters] = children(der, children(der, spki)[0]);
  return {
    der,
    serial: slice(der, fields[i]),
    issuer: slice(der, fields[i + 2]),
    publicKey: slice(der, spki),
    keyAlgorithm: slice(der, algorithm),
    keyParameters: parameters && slice(der, parameters),
  };
}

const NAME_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '1.2.840.113549.1.9.1': 'E',
};

/** A certificate's subject as "CN=…, O=…, C=…" (the order the certificate gives). */
function subjectOf(der: Bytes): string {
  const [tbs] = children(der, readNode(der, 0));
  const fields = children(der, tbs);
  const i = fields[0].tag === 0xa0 ? 1 : 0;
  const parts: string[] = [];
  for (const rdn of children(der, fields[i + 4]))
    for (const pair of children(der, rdn)) {
      const [type, value] = children(der, pair);
      const name =
        NAME_ATTRIBUTES[oidText(der.subarray(type.body, type.end))] ?? oidText(der.subarray(type.body, type.end));
      parts.push(`${name}=${new TextDecoder().decode(der.subarray(value.body, value.end))}`);
    }
  return parts.join(', ');
}

interface SignatureScheme {
  name: 'RSASSA-PKCS1-v1_5' | 'ECDSA';
  import: RsaHashedImportParams | EcKeyImportParams;
  sign: AlgorithmIdentifier | EcdsaParams;
  algorithmIdentifier: Bytes; // signatureAlgorithm in the SignerInfo
  toDer: (webCryptoSignature: Bytes) => Bytes; // WebCrypto's form to the CMS's
  fromDer: (cmsSignature: Bytes) => Bytes;
}

function signatureScheme(certificate: Certificate): SignatureScheme {
  if (equal(certificate.keyAlgorithm, oid(OID.rsaEncryption))) {
    const name = 'RSASSA-PKCS1-v1_5';
    const same = (signature: Bytes) => signature;
    return {
      name,
      import: { name, hash: 'SHA-256' },
      sign: { name },
      algorithmIdentifier: seq(oid(OID.rsaEncryption), tlv(0x05)),
      toDer: same,
      fromDer: same,
    };
  }
  if (
    equal(certificate.keyAlgorithm, oid(OID.ecPublicKey)) &&
    certificate.keyParameters &&
    equal(certificate.keyParameters, oid(OID.p256))
  ) {
    return {
      name: 'ECDSA',
      import: { name: 'ECDSA', namedCurve: 'P-256' },
      sign: { name: 'ECDSA', hash: 'SHA-256' },
      algorithmIdentifier: seq(oid(OID.ecdsaWithSha256)),
      toDer: (raw) => seq(unsignedInteger(raw.subarray(0, 32)), unsignedInteger(raw.subarray(32))),
      fromDer: (der) => concat(children(der, readNode(der, 0)).map((n) => leftPad(der.subarray(n.body, n.end), 32))),
    };
  }
  throw new Error('SEAL_CERTIFICATE must hold an RSA or EC P-256 public key');
}

async function importSealKey(pem: string, scheme: SignatureScheme): Promise<CryptoKey> {
  if (pem.includes('BEGIN RSA PRIVATE KEY') || pem.includes('BEGIN EC PRIVATE KEY')) {
    throw new Error(
      'SEAL_PRIVATE_KEY must be PKCS#8 ("BEGIN PRIVATE KEY"); convert it with `openssl pkcs8 -topk8 -nocrypt`',
    );
  }
  const [der] = pemBlocks(pem, 'PRIVATE KEY');
  if (!der) throw new Error('SEAL_PRIVATE_KEY holds no PKCS#8 PEM private key');
  return crypto.subtle.importKey('pkcs8', der, scheme.import, false, ['sign']);
}

async function verifySignature(
  certificate: Certificate,
  scheme: SignatureScheme,
  signature: Bytes,
  signed: Bytes,
): Promise<boolean> {
  const key = await crypto.subtle.importKey('spki', certificate.publicKey, scheme.import, false, ['verify']);
  return crypto.subtle.verify(scheme.sign, key, scheme.fromDer(signature), signed);
}

// CMS (RFC 5652) with the CAdES-BES attributes: content type, message digest and the ESS signing
// certificate v2 that binds the signer's certificate; no signing-time, which PAdES forbids.

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
): Bytes {
  const sha256Algorithm = seq(oid(OID.sha256));
  const signerInfo = seq(
    integer(1),
    seq(signer.issuer, signer.serial),
    sha256Algorithm,
    tlv(0xa0, ...attributes),
    scheme.algorithmIdentifier,
    tlv(0x04, signature),
  );
  const content = seq(
    integer(1),
    tlv(0x31, sha256Algorithm),
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
  const [, sid, digestAlgorithm, signedAttrs, , signature] = children(cms, children(cms, fields[fields.length - 1])[0]);
  if (signedAttrs.tag !== 0xa0 || signature.tag !== 0x04) throw new Error('unsupported SignerInfo');
  const [issuer, serial] = children(cms, sid).map((n) => slice(cms, n));
  const signer = certificates.find((c) => equal(c.issuer, issuer) && equal(c.serial, serial));
  if (!signer) throw new Error('signer certificate missing');
  const messageDigest = children(cms, signedAttrs)
    .map((a) => children(cms, a))
    .find(([type]) => equal(slice(cms, type), oid(OID.messageDigest)))?.[1];
  const signedAttributes = cms.slice(signedAttrs.start, signedAttrs.end);
  signedAttributes[0] = 0x31; // signed as a SET, stored as [0]
  return {
    signer,
    digestAlgorithm: slice(cms, children(cms, digestAlgorithm)[0]),
    messageDigest: messageDigest && slice(cms, children(cms, messageDigest)[0]),
    signedAttributes,
    signature: cms.slice(signature.body, signature.end),
  };
}
