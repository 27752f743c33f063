// DER and bytes, just enough of them for a CMS, a certificate and an RFC 3161 timestamp: definite
// lengths, and the few types those use. Shared by the seal and the timestamp client.

export type Bytes = Uint8Array<ArrayBuffer>; // what crypto.subtle, R2 and Response take as they are

// DER, just enough of it: definite lengths, and the few types a CMS and a certificate use.

export interface DerNode {
  tag: number;
  start: number; // where its tag is
  body: number; // where its content starts
  end: number;
}

export function readNode(der: Bytes, at: number): DerNode {
  const tag = der[at];
  let length = der[at + 1];
  let body = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[body++];
  }
  if (tag === undefined || body + length > der.length) throw new Error('truncated DER');
  return { tag, start: at, body, end: body + length };
}

export function children(der: Bytes, parent: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const child = readNode(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const slice = (der: Bytes, node: DerNode) => der.subarray(node.start, node.end);

export function tlv(tag: number, ...parts: Bytes[]): Bytes {
  const body = concat(parts);
  const n = body.length;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat([Uint8Array.of(tag, ...length), body]);
}

export const seq = (...parts: Bytes[]) => tlv(0x30, ...parts);
export const integer = (small: number) => tlv(0x02, Uint8Array.of(small));

export function unsignedInteger(bytes: Bytes): Bytes {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const value = bytes.subarray(i);
  return tlv(0x02, value[0] & 0x80 ? concat([Uint8Array.of(0), value]) : value);
}

export function oid(dotted: string): Bytes {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [40 * first + second];
  for (const arc of rest) {
    const bytes = [arc & 0x7f];
    for (let v = arc >>> 7; v; v >>>= 7) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** A DER SET OF lists its elements in the order of their encodings. */
export function sortedSet(elements: Bytes[]): Bytes[] {
  return [...elements].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  });
}

export function leftPad(integerBody: Bytes, size: number): Bytes {
  const value = integerBody.subarray(Math.max(0, integerBody.length - size));
  return concat([new Uint8Array(size - value.length), value]);
}

export function pemBlocks(pem: string, label: string): Bytes[] {
  const blocks = pem.matchAll(new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g'));
  return [...blocks].map((m) => ascii(atob(m[1].replace(/\s+/g, ''))));
}

// Bytes.

export function concat(parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Where `needle` last starts in `haystack` (-1: nowhere). The native scan finds each place its first
 * byte is and only those are compared in full: a byte-by-byte loop over a signed PDF showed as a tenth
 * of the page Worker's profile while it sealed (issue 19).
 */
export function lastIndexOf(haystack: Uint8Array, needle: Bytes): number {
  if (!needle.length) return haystack.length;
  if (needle.length > haystack.length) return -1;
  const first = needle[0];
  let i = haystack.lastIndexOf(first, haystack.length - needle.length);
  while (i >= 0) {
    let j = 1;
    while (j < needle.length && haystack[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = i > 0 ? haystack.lastIndexOf(first, i - 1) : -1;
  }
  return -1;
}

export const equal = (a: Bytes, b: Bytes) => a.length === b.length && a.every((v, i) => v === b[i]);
/** A string of one-byte characters as its bytes (a loop: Uint8Array.from with a mapper showed in the sign profile). */
export function ascii(text: string): Bytes {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
/** Bytes as a string of the same length, one char per byte (in chunks: no per-byte array for a large range). */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 8192)
    out += String.fromCharCode.apply(null, bytes.subarray(at, at + 8192) as unknown as number[]);
  return out;
}
export const hex = (bytes: Bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
/** Hex (a string, or its ASCII bytes) to bytes; null when it is not an even number of hex digits. */
export function fromHex(text: string | Uint8Array): Bytes | null {
  const at = typeof text === 'string' ? (i: number) => text.charCodeAt(i) : (i: number) => text[i];
  if (text.length % 2) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const high = hexDigit(at(2 * i));
    const low = hexDigit(at(2 * i + 1));
    if (high < 0 || low < 0) return null;
    out[i] = (high << 4) | low;
  }
  return out;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

export async function sha256(bytes: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function oidText(body: Uint8Array): string {
  const arcs = [Math.floor(body[0] / 40), body[0] % 40];
  let v = 0;
  for (const b of body.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}

// Certificates and signatures: the seal's signer, and a timestamp authority's.

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  ecdsaWithSha384: '1.2.840.10045.4.3.3',
};

/** A digest algorithm OID to WebCrypto's name, its OID and its length. */
const HASHES: Record<string, readonly ['SHA-256' | 'SHA-384' | 'SHA-512', string, number]> = {
  [OID.sha256]: ['SHA-256', OID.sha256, 32],
  [OID.sha384]: ['SHA-384', OID.sha384, 48],
  [OID.sha512]: ['SHA-512', OID.sha512, 64],
};

/** The WebCrypto name of a digest algorithm OID, or undefined. */
export const hashName = (dotted: string) => HASHES[dotted]?.[0];

export interface Certificate {
  der: Bytes;
  serial: Bytes; // the whole INTEGER
  issuer: Bytes; // the whole Name
  publicKey: Bytes; // the whole SubjectPublicKeyInfo
  keyAlgorithm: Bytes; // its algorithm OID
  keyParameters: Bytes | undefined; // the curve OID of an EC key
}

export function parseCertificate(der: Bytes): Certificate {
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
export function subjectOf(der: Bytes): string {
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

export function safeSubject(der: Bytes): string | undefined {
  try {
    return subjectOf(der);
  } catch {
    return undefined;
  }
}

export interface SignatureScheme {
  name: 'RSASSA-PKCS1-v1_5' | 'ECDSA';
  hash: 'SHA-256' | 'SHA-384' | 'SHA-512'; // of the file's ranges and of the signed attributes
  digestOid: string; // the SignerInfo's digestAlgorithm
  digestLength: number;
  import: RsaHashedImportParams | EcKeyImportParams;
  sign: AlgorithmIdentifier | EcdsaParams;
  algorithmIdentifier: Bytes; // signatureAlgorithm in the SignerInfo
  toDer: (webCryptoSignature: Bytes) => Bytes; // WebCrypto's form to the CMS's
  fromDer: (cmsSignature: Bytes) => Bytes;
}

/**
 * RSA (any size WebCrypto takes) and EC P-256 sign SHA-256; EC P-384 signs SHA-384. `hash` (a
 * SignerInfo's digest algorithm OID) overrides that, to verify what others signed (timestamp tokens).
 */
export function signatureScheme(certificate: Certificate, hash?: string): SignatureScheme {
  const override = hash === undefined ? undefined : HASHES[hash];
  if (hash !== undefined && !override) throw new Error('unsupported digest algorithm');
  if (equal(certificate.keyAlgorithm, oid(OID.rsaEncryption))) {
    const name = 'RSASSA-PKCS1-v1_5';
    const same = (signature: Bytes) => signature;
    const [digest, digestOid, digestLength] = override ?? (['SHA-256', OID.sha256, 32] as const);
    return {
      name,
      hash: digest,
      digestOid,
      digestLength,
      import: { name, hash: digest },
      sign: { name },
      algorithmIdentifier: seq(oid(OID.rsaEncryption), tlv(0x05)),
      toDer: same,
      fromDer: same,
    };
  }
  const curve = equal(certificate.keyAlgorithm, oid(OID.ecPublicKey)) ? certificate.keyParameters : undefined;
  for (const [curveOid, namedCurve, hash, size, digestOid, signatureOid] of [
    [OID.p256, 'P-256', 'SHA-256', 32, OID.sha256, OID.ecdsaWithSha256],
    [OID.p384, 'P-384', 'SHA-384', 48, OID.sha384, OID.ecdsaWithSha384],
  ] as const) {
    if (!curve || !equal(curve, oid(curveOid))) continue;
    const [digest, digestOidUsed, digestLength] = override ?? [hash, digestOid, size];
    return {
      name: 'ECDSA',
      hash: digest,
      digestOid: digestOidUsed,
      digestLength,
      import: { name: 'ECDSA', namedCurve },
      sign: { name: 'ECDSA', hash: digest },
      algorithmIdentifier: seq(oid(signatureOid)),
      toDer: (raw) => seq(unsignedInteger(raw.subarray(0, size)), unsignedInteger(raw.subarray(size))),
      fromDer: (der) => {
        const [r, s] = children(der, readNode(der, 0));
        return concat([r, s].map((n) => leftPad(der.subarray(n.body, n.end), size)));
      },
    };
  }
  throw new Error('SEAL_CERTIFICATE must hold an RSA, EC P-256 or EC P-384 public key');
}

export async function verifySignature(
  certificate: Certificate,
  scheme: SignatureScheme,
  signature: Bytes,
  signed: Bytes,
): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('spki', certificate.publicKey, scheme.import, false, ['verify']);
    return await crypto.subtle.verify(scheme.sign, key, scheme.fromDer(signature), signed);
  } catch {
    return false; // a signature that is not even DER, or a key WebCrypto refuses
  }
}
