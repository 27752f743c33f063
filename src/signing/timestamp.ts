import {
  type Bytes,
  type Certificate,
  readNode,
  children,
  slice,
  tlv,
  seq,
  integer,
  oid,
  equal,
  concat,
  latin1,
  sha256,
  oidText,
  hashName,
  parseCertificate,
  safeSubject,
  signatureScheme,
  verifySignature,
} from './der';
import { isLoopback, localPlainHttp } from '../env';

// An RFC 3161 timestamp client, DER by hand (pkijs stays out of the Worker). The seal asks a
// timestamp authority to sign the SHA-256 of its CMS signature value; the token it answers with goes
// into the SignerInfo as the unsigned attribute id-aa-timeStampToken (PAdES B-T).

/** A timestamp authority: `TSA_URL`, and `TSA_AUTHORIZATION` sent as the Authorization header. */
export interface TimestampAuthority {
  url: string;
  authorization?: string;
  /** How long to wait for its answer (default 10 s). */
  timeoutMs?: number;
}

/**
 * The authority the environment configures (TSA_URL, TSA_AUTHORIZATION), or undefined. Credentials
 * go over https only (plain http with credentials only to localhost, in development and tests); an
 * authority without credentials may be plain http: its token is signed, and verified when it comes.
 * Throws on what it refuses, which finalize records as the seal's error.
 */
export function timestampAuthorityFromEnv(env: {
  ENVIRONMENT?: string;
  TSA_URL?: string;
  TSA_AUTHORIZATION?: string;
}): TimestampAuthority | undefined {
  if (!env.TSA_URL) return undefined;
  let url: URL;
  try {
    url = new URL(env.TSA_URL);
  } catch {
    throw new Error('TSA_URL is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('TSA_URL must be https or http');
  if (env.TSA_AUTHORIZATION && url.protocol === 'http:' && !localPlainHttp(env, url))
    throw new Error('TSA_AUTHORIZATION is sent over https only: make TSA_URL https (or drop the credentials)');
  return { url: url.href, authorization: env.TSA_AUTHORIZATION };
}

/** What a timestamp token says (its TSTInfo), as read by readTimestampToken: its signature unchecked. */
export interface TimestampReading {
  /** The time the authority vouches for, ms since the epoch. */
  genTime: number;
  /** The dotted OID of the message imprint's hash. */
  imprintAlgorithm: string;
  imprint: Bytes;
  /** The nonce's whole INTEGER encoding, when the token has one. */
  nonce?: Bytes;
}

/** A token whose signature verifies with the certificate it carries: what it says, and who said it. */
export interface VerifiedTimestamp extends TimestampReading {
  /** The subject of the authority's certificate, "CN=…, O=…". */
  authority: string;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  sha256: '2.16.840.1.101.3.4.2.1',
};

const STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/**
 * Asks the authority to timestamp a signature value and returns its token (a CMS ContentInfo), after
 * checking it answers this request: status granted, the imprint of `signatureValue`, our nonce.
 * Throws on anything else (down, slow, refused, garbage): a seal is never made without its timestamp.
 */
export async function requestTimestamp(tsa: TimestampAuthority, signatureValue: Bytes): Promise<Bytes> {
  const imprint = await sha256(signatureValue);
  const nonceValue = crypto.getRandomValues(new Uint8Array(8));
  nonceValue[0] = (nonceValue[0] & 0x7f) | 0x01; // positive, and no leading zero to strip
  const nonce = tlv(0x02, nonceValue);
  const request = seq(
    integer(1),
    seq(seq(oid(OID.sha256), tlv(0x05)), tlv(0x04, imprint)),
    nonce,
    tlv(0x01, Uint8Array.of(0xff)), // certReq: the token carries the authority's certificate
  );
  const host = hostOf(tsa.url);
  if (tsa.authorization && !/^https:/i.test(tsa.url) && !isLoopback(urlHostname(tsa.url)))
    throw new Error(`The timestamp authority at ${host} must be reached over https to send it credentials`);
  const timeoutMs = tsa.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(tsa.url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/timestamp-query',
        Accept: 'application/timestamp-reply',
        ...(tsa.authorization ? { Authorization: tsa.authorization } : {}),
      },
      body: request,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual', // never followed (workerd has no 'error'): a 3xx is refused below, credentials stay here
    });
  } catch (err) {
    const why = err instanceof Error && /abort|timeout/i.test(err.name) ? `no answer within ${timeoutMs} ms` : err;
    throw new Error(`The timestamp authority at ${host} could not be reached: ${why}`);
  }
  if (!response.ok) throw new Error(`The timestamp authority at ${host} answered HTTP ${response.status}`);
  const body = new Uint8Array(await response.arrayBuffer());
  let token: Bytes;
  try {
    const [statusInfo, tokenNode] = children(body, readNode(body, 0));
    const [status, ...details] = children(body, statusInfo);
    const code = status.tag === 0x02 && status.end - status.body === 1 ? body[status.body] : -1;
    if (code !== 0 && code !== 1) {
      const text = details[0]?.tag === 0x30 ? children(body, details[0]).map((n) => utf8(body, n)) : [];
      throw new Refused(`refused the request (${STATUS[code] ?? `status ${code}`}${text.length ? `: ${text}` : ''})`);
    }
    if (!tokenNode) throw new Error('no token');
    token = body.slice(tokenNode.start, tokenNode.end);
  } catch (err) {
    if (err instanceof Refused) throw new Error(`The timestamp authority at ${host} ${err.message}`);
    throw new Error(`The timestamp authority at ${host} answered something that is not a timestamp response`);
  }
  if (!readTimestampToken(token)) throw new Error(`The timestamp authority at ${host} answered a token we cannot read`);
  const reading = await verifyTimestampToken(token);
  if (!reading) throw new Error(`The timestamp authority at ${host} answered a token whose signature does not verify`);
  if (reading.imprintAlgorithm !== OID.sha256 || !equal(reading.imprint, imprint))
    throw new Error(`The timestamp authority at ${host} timestamped something else (its imprint does not match)`);
  if (!reading.nonce || !equal(reading.nonce, nonce))
    throw new Error(`The timestamp authority at ${host} answered another request (its nonce does not match)`);
  return token;
}

class Refused extends Error {}

/**
 * Verifies a timestamp token (a CMS SignedData over a TSTInfo): its signed attributes name the
 * TSTInfo as content type and its digest as message digest, and their signature verifies with the
 * certificate the token carries for its signer (RSA or EC, SHA-256/384/512). Null otherwise (never
 * throws). Who that authority is, and whether to trust it, is for the reader: its subject is given.
 */
export async function verifyTimestampToken(token: Bytes): Promise<VerifiedTimestamp | null> {
  try {
    const reading = readTimestampToken(token);
    const info = tstInfoOf(token);
    if (!reading || !info) return null;
    const signedData = children(token, signedDataOf(token));
    const certificates = signedData
      .filter((n) => n.tag === 0xa0)
      .flatMap((n) =>
        children(token, n)
          .filter((c) => c.tag === 0x30)
          .map((c) => parseCertificate(slice(token, c))),
      );
    const signerInfos = signedData[signedData.length - 1];
    if (signerInfos.tag !== 0x31) return null;
    const [, sid, digestAlgorithm, signedAttrs, , signature] = children(token, children(token, signerInfos)[0]);
    if (signedAttrs?.tag !== 0xa0 || signature?.tag !== 0x04) return null;
    const digestOid = children(token, digestAlgorithm)[0];
    const hash = hashName(oidText(token.subarray(digestOid.body, digestOid.end)));
    if (!hash) return null;
    const attribute = (type: string) => {
      const found = children(token, signedAttrs)
        .map((a) => children(token, a))
        .find(([t]) => equal(slice(token, t), oid(type)))?.[1];
      const values = found ? children(token, found) : [];
      return values.length === 1 ? slice(token, values[0]) : undefined;
    };
    const contentType = attribute(OID.contentType);
    const messageDigest = attribute(OID.messageDigest);
    if (!contentType || !equal(contentType, oid(OID.tstInfo))) return null;
    const digest = new Uint8Array(await crypto.subtle.digest(hash, info));
    if (!messageDigest || !equal(messageDigest, tlv(0x04, digest))) return null;
    const toVerify = token.slice(signedAttrs.start, signedAttrs.end);
    toVerify[0] = 0x31; // signed as a SET, stored as [0]
    const value = token.slice(signature.body, signature.end);
    // The certificate the sid names (issuer and serial); a token naming it by key id: any it carries.
    const named =
      sid.tag === 0x30
        ? certificates.filter((c) => {
            const [issuer, serial] = children(token, sid).map((n) => slice(token, n));
            return equal(c.issuer, issuer) && equal(c.serial, serial);
          })
        : certificates;
    for (const certificate of named) {
      if (!(await verifiesWith(certificate, digestOid, token, value, toVerify))) continue;
      const authority = safeSubject(certificate.der);
      return authority === undefined ? null : { ...reading, authority };
    }
    return null;
  } catch {
    return null;
  }
}

async function verifiesWith(
  certificate: Certificate,
  digestOid: { body: number; end: number },
  token: Bytes,
  signature: Bytes,
  signed: Bytes,
): Promise<boolean> {
  try {
    const scheme = signatureScheme(certificate, oidText(token.subarray(digestOid.body, digestOid.end)));
    return await verifySignature(certificate, scheme, signature, signed);
  } catch {
    return false; // a key type we do not verify
  }
}

function signedDataOf(token: Bytes) {
  const [contentType, wrapper] = children(token, readNode(token, 0));
  if (!equal(slice(token, contentType), oid(OID.signedData))) throw new Error('not SignedData');
  return children(token, wrapper)[0];
}

/** The TSTInfo's DER (the eContent's octets), or null. */
function tstInfoOf(token: Bytes): Bytes | null {
  try {
    const signedData = children(token, signedDataOf(token));
    const [eContentType, eContent] = children(token, signedData[2]);
    if (!equal(slice(token, eContentType), oid(OID.tstInfo)) || eContent?.tag !== 0xa0) return null;
    const octets = children(token, eContent)[0];
    // DER says one OCTET STRING; BER writers (pkijs among them) may send it in constructed chunks.
    return octets.tag === 0x04
      ? token.slice(octets.body, octets.end)
      : octets.tag === 0x24
        ? concat(children(token, octets).map((chunk) => token.subarray(chunk.body, chunk.end)))
        : null;
  } catch {
    return null;
  }
}

/** A timestamp token's TSTInfo, its signature unchecked (verifyTimestampToken checks it); null when not one. */
export function readTimestampToken(token: Bytes): TimestampReading | null {
  try {
    const info = tstInfoOf(token);
    if (!info) return null;
    const [, , messageImprint, , genTime, ...rest] = children(info, readNode(info, 0));
    const [algorithm, hashed] = children(info, messageImprint);
    const imprintOid = children(info, algorithm)[0];
    if (genTime?.tag !== 0x18 || hashed.tag !== 0x04 || imprintOid.tag !== 0x06) return null;
    const at = generalizedTime(latin1(info.subarray(genTime.body, genTime.end)));
    if (at === null) return null;
    const nonce = rest.find((n) => n.tag === 0x02);
    return {
      genTime: at,
      imprintAlgorithm: oidText(info.subarray(imprintOid.body, imprintOid.end)),
      imprint: info.slice(hashed.body, hashed.end),
      nonce: nonce && info.slice(nonce.start, nonce.end),
    };
  } catch {
    return null;
  }
}

/** "20260304170500Z" or "20260304170500.123Z" to ms. */
function generalizedTime(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,6}))?Z$/.exec(text);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

function utf8(der: Bytes, node: { body: number; end: number }) {
  return new TextDecoder().decode(der.subarray(node.body, node.end));
}

function urlHostname(url: string) {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function hostOf(url: string) {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
