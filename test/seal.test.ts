import * as asn1js from 'asn1js';
import { env } from 'cloudflare:workers';
import { PDFDocument, PDFDict, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { withFonts } from '../src/pdf/fonts';
import { renderDocumentPdf } from '../src/pdf/render';
import { fromHex, lastIndexOf } from '../src/signing/der';
import { readSeal, type SealSigner, sealPdf, sealSignerFromEnv, verifySeal } from '../src/signing/seal';
import ecCertificate from './fixtures/seal-test-ec-cert.pem?raw';
import ecKey from './fixtures/seal-test-ec-key.pem?raw';
import p384Certificate from './fixtures/seal-test-p384-cert.pem?raw';
import p384Key from './fixtures/seal-test-p384-key.pem?raw';
import rsa3072Certificate from './fixtures/seal-test-rsa3072-cert.pem?raw';
import rsa3072Key from './fixtures/seal-test-rsa3072-key.pem?raw';
import rsa4096Certificate from './fixtures/seal-test-rsa4096-cert.pem?raw';
import rsa4096Key from './fixtures/seal-test-rsa4096-key.pem?raw';
import { makeSnapshot } from './pdf-snapshot';

// The seal's structure, read back with pkijs, an implementation independent of the DER written by
// seal.ts; test/node/pdfsig.test.mjs has poppler judge the same files.

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const SIGNING_TIME = new Date('2026-03-04T17:05:00Z');

const seal = {
  signer: { label: 'built-in key', privateKeyPem: env.SEAL_PRIVATE_KEY!, certificatePem: env.SEAL_CERTIFICATE! },
};
const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
const hex = (bytes: ArrayBuffer | Uint8Array) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const pemBody = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));

async function documentPdf() {
  const snapshot = makeSnapshot();
  return (await renderDocumentPdf(snapshot, withFonts(null))).bytes;
}

async function sealedDocument() {
  const pdf = await documentPdf();
  const sealed = await sealPdf(pdf, {
    ...seal,
    name: 'Summit Ridge Builders',
    reason: 'Signed by Señor Muñoz',
    location: 'Boulder, CO',
    signingTime: SIGNING_TIME,
  });
  return { pdf, sealed };
}

function byteRange(pdf: Uint8Array) {
  const match = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(latin1(pdf));
  expect(match).not.toBeNull();
  return match!.slice(1).map(Number);
}

function cmsOf(sealed: Uint8Array) {
  const [, contentsAt, gapEnd] = byteRange(sealed);
  const contents = latin1(sealed.subarray(contentsAt + 1, gapEnd - 1));
  return Uint8Array.from(contents.match(/../g)!, (h) => parseInt(h, 16));
}

function signedBytes(sealed: Uint8Array<ArrayBuffer>) {
  const [start, contentsAt, gapEnd, tail] = byteRange(sealed);
  const out = new Uint8Array(contentsAt + tail);
  out.set(sealed.subarray(start, contentsAt));
  out.set(sealed.subarray(gapEnd, gapEnd + tail), contentsAt);
  return out;
}

describe('lastIndexOf (finding the placeholder in the saved file)', () => {
  const naive = (hay: Uint8Array, needle: Uint8Array) => {
    outer: for (let i = hay.length - needle.length; i >= 0; i--) {
      for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  };
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it('answers as a byte-by-byte search does: at the start, at the end, overlapping, absent, longer, empty', () => {
    const hay = bytes(1, 2, 1, 2, 1, 2, 3);
    for (const needle of [bytes(1, 2), bytes(2, 3), bytes(1, 2, 1), bytes(1), bytes(3), bytes(4), bytes(2, 1, 2, 3)])
      expect(lastIndexOf(hay, needle), `needle ${needle}`).toBe(naive(hay, needle));
    expect(lastIndexOf(hay, bytes(1, 2, 1, 2, 1, 2, 3, 4))).toBe(-1);
    expect(lastIndexOf(hay, bytes())).toBe(hay.length);
    expect(lastIndexOf(bytes(), bytes(1))).toBe(-1);
  });

  it('agrees with a byte-by-byte search on random files of few byte values', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 3;
    for (let round = 0; round < 200; round++) {
      const hay = Uint8Array.from({ length: 1 + (round % 40) }, next);
      const needle = Uint8Array.from({ length: 1 + (round % 4) }, next);
      expect(lastIndexOf(hay, needle)).toBe(naive(hay, needle));
    }
  });
});

describe('sealPdf', () => {
  it('signs every byte of the file but the signature itself', async () => {
    const { pdf, sealed } = await sealedDocument();
    const [start, contentsAt, gapEnd, tail] = byteRange(sealed);
    expect(start).toBe(0);
    expect(gapEnd + tail).toBe(sealed.length);
    expect(latin1(sealed.subarray(contentsAt - '/Contents '.length, contentsAt + 1))).toBe('/Contents <');
    expect(sealed[gapEnd - 1]).toBe(0x3e); // '>'
    expect(latin1(sealed.subarray(contentsAt + 1, gapEnd - 1))).toMatch(/^[0-9a-f]+$/);

    const doc = await PDFDocument.load(sealed);
    expect(doc.getPageCount()).toBe((await PDFDocument.load(pdf)).getPageCount());
    const field = doc.getForm().getField('Seal');
    const signature = field.acroField.dict.lookup(PDFName.of('V'), PDFDict);
    expect(signature.get(PDFName.of('SubFilter'))).toBe(PDFName.of('ETSI.CAdES.detached'));
    expect(signature.lookup(PDFName.of('M'), PDFString).decodeDate()).toEqual(SIGNING_TIME);
    expect(signature.lookup(PDFName.of('Reason'), PDFHexString).decodeText()).toBe('Signed by Señor Muñoz');
  });

  it('stores a detached CMS SignedData over the signed ranges, sized exactly', async () => {
    const { sealed } = await sealedDocument();
    const cms = cmsOf(sealed);
    const parsed = asn1js.fromBER(cms);
    expect(parsed.offset).toBe(cms.length); // the placeholder was sized for the real CMS: no padding left over

    const contentInfo = new pkijs.ContentInfo({ schema: parsed.result });
    expect(contentInfo.contentType).toBe(SIGNED_DATA);
    const signedData = new pkijs.SignedData({ schema: contentInfo.content });
    expect(signedData.encapContentInfo.eContent).toBeUndefined(); // detached
    expect(signedData.signerInfos).toHaveLength(1);
    const certificate = signedData.certificates![0] as pkijs.Certificate;
    expect(certificate.subject.typesAndValues[0].value.valueBlock.value).toBe('Contractor Portal test seal');

    const signed = signedBytes(sealed);
    const attributes = signedData.signerInfos[0].signedAttrs!.attributes;
    const messageDigest = attributes.find((a) => a.type === MESSAGE_DIGEST)!.values[0] as asn1js.OctetString;
    expect(hex(messageDigest.valueBlock.valueHexView)).toBe(hex(await sha256(signed)));
    const signingCertificate = attributes.find((a) => a.type === SIGNING_CERTIFICATE_V2)!.values[0] as asn1js.Sequence;
    const certHash = (
      ((signingCertificate.valueBlock.value[0] as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence).valueBlock
        .value[0] as asn1js.OctetString
    ).valueBlock.valueHexView;
    expect(hex(certHash)).toBe(hex(await sha256(pemBody(seal.signer.certificatePem))));

    pkijs.setEngine('workerd', new pkijs.CryptoEngine({ name: 'workerd', crypto }));
    expect(await signedData.verify({ signer: 0, data: signed.buffer, checkChain: false })).toBe(true);
  });

  it('is recognised by verifySeal, and a single changed byte breaks it', async () => {
    const { sealed } = await sealedDocument();
    const check = await verifySeal(sealed);
    expect(check).toEqual({
      valid: true,
      signedRangeSha256: hex(await sha256(signedBytes(sealed))),
      certificateSha256: hex(await sha256(pemBody(seal.signer.certificatePem))),
    });

    const [, contentsAt, gapEnd] = byteRange(sealed);
    for (const at of [100, contentsAt - 20, gapEnd + 20, sealed.length - 2]) {
      const tampered = sealed.slice();
      tampered[at] ^= 0x01;
      expect((await verifySeal(tampered)).valid, `byte ${at} changed`).toBe(false);
    }
    const signatureChanged = sealed.slice();
    signatureChanged[gapEnd - 10] = signatureChanged[gapEnd - 10] === 0x30 ? 0x31 : 0x30;
    expect((await verifySeal(signatureChanged)).valid).toBe(false);
    expect((await verifySeal(await documentPdf())).valid).toBe(false);
    expect((await verifySeal(new Uint8Array([1, 2, 3]))).valid).toBe(false);
  });

  it('refuses a key that does not belong to the certificate, and a PKCS#1 key', async () => {
    const pdf = await documentPdf();
    const other = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    const pkcs8 = new Uint8Array((await crypto.subtle.exportKey('pkcs8', other.privateKey)) as ArrayBuffer);
    const otherPem = `-----BEGIN PRIVATE KEY-----\n${btoa(String.fromCharCode(...pkcs8))}\n-----END PRIVATE KEY-----\n`;
    await expect(sealPdf(pdf, { signer: { ...seal.signer, privateKeyPem: otherPem } })).rejects.toThrow(
      'SEAL_PRIVATE_KEY does not match SEAL_CERTIFICATE',
    );
    await expect(
      sealPdf(pdf, {
        signer: {
          ...seal.signer,
          privateKeyPem: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----',
        },
      }),
    ).rejects.toThrow('PKCS#8');
  });

  it('imports its key once for many seals, and a key that fails to import says so every time', async () => {
    const pdf = await documentPdf();
    const imports = vi.spyOn(crypto.subtle, 'importKey');
    try {
      const first = await sealPdf(pdf, seal);
      const second = await sealPdf(pdf, seal);
      expect((await verifySeal(first)).valid && (await verifySeal(second)).valid).toBe(true);
      const privateImports = () => imports.mock.calls.filter(([format]) => format === 'pkcs8').length;
      // The first seal may import it (an earlier test may have); the second never does.
      expect(privateImports()).toBeLessThanOrEqual(1);
      const before = privateImports();
      await sealPdf(pdf, seal);
      expect(privateImports()).toBe(before);
      const broken = {
        signer: { ...seal.signer, privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' },
      };
      // A key that fails to import is not kept: each seal tries it again and says why.
      for (let i = 0; i < 2; i++) await expect(sealPdf(pdf, broken)).rejects.toThrow('does not match SEAL_CERTIFICATE');
      expect(privateImports()).toBe(before + 2);
    } finally {
      imports.mockRestore();
    }
  });
});

// ---- Issue 18: more key types, certification, a remote signer, a reading that never throws ----

const SHA256 = '2.16.840.1.101.3.4.2.1';
const SHA384 = '2.16.840.1.101.3.4.2.2';
const ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
const builtIn = (privateKeyPem: string, certificatePem: string): SealSigner => ({
  label: 'built-in key',
  privateKeyPem,
  certificatePem,
});

let unsealed: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  unsealed = await documentPdf();
});
afterEach(() => vi.restoreAllMocks());

function signerInfoOf(sealed: Uint8Array) {
  const contentInfo = new pkijs.ContentInfo({ schema: asn1js.fromBER(cmsOf(sealed)).result });
  return new pkijs.SignedData({ schema: contentInfo.content });
}

describe('sealPdf with each key type', () => {
  for (const [label, key, certificate] of [
    ['RSA-2048', env.SEAL_PRIVATE_KEY!, env.SEAL_CERTIFICATE!],
    ['RSA-3072', rsa3072Key, rsa3072Certificate],
    ['RSA-4096', rsa4096Key, rsa4096Certificate],
    ['EC P-256', ecKey, ecCertificate],
    ['EC P-384', p384Key, p384Certificate],
  ]) {
    it(`seals with an ${label} key, and the seal verifies (pkijs, verifySeal, readSeal)`, async () => {
      const sealed = await sealPdf(unsealed, { signer: builtIn(key, certificate), signingTime: SIGNING_TIME });
      const check = await verifySeal(sealed);
      expect(check.valid).toBe(true);
      expect(check.signedRangeSha256).toBe(hex(await sha256(signedBytes(sealed))));
      const reading = await readSeal(sealed);
      expect(reading).toMatchObject({ sealed: true, intact: true, appendedBytes: 0, timestampAt: null });
      expect(reading.certificateSha256).toBe(hex(await sha256(pemBody(certificate))));
      expect(reading.certificateSubject).toContain('CN=Contractor Portal test seal');

      const signedData = signerInfoOf(sealed);
      const signerInfo = signedData.signerInfos[0];
      // P-384 digests with SHA-384 throughout; every other key with SHA-256.
      expect(signerInfo.digestAlgorithm.algorithmId).toBe(label === 'EC P-384' ? SHA384 : SHA256);
      if (label === 'EC P-384') expect(signerInfo.signatureAlgorithm.algorithmId).toBe(ECDSA_WITH_SHA384);
      pkijs.setEngine('workerd', new pkijs.CryptoEngine({ name: 'workerd', crypto }));
      expect(await signedData.verify({ signer: 0, data: signedBytes(sealed).buffer, checkChain: false })).toBe(true);

      const tampered = sealed.slice();
      tampered[200] ^= 0x01;
      expect((await verifySeal(tampered)).valid).toBe(false);
      expect(await readSeal(tampered)).toMatchObject({ sealed: true, intact: false });
    });
  }

  it('refuses a key of another type than the certificate', async () => {
    await expect(sealPdf(unsealed, { signer: builtIn(p384Key, ecCertificate) })).rejects.toThrow(
      'SEAL_PRIVATE_KEY does not match SEAL_CERTIFICATE',
    );
  });
});

describe('certification (DocMDP, P=2)', () => {
  it('names the seal in the catalog /Perms and asks for DocMDP P 2 in its /Reference; readSeal says so', async () => {
    const sealed = await sealPdf(unsealed, { ...seal, certify: true });
    const doc = await PDFDocument.load(sealed);
    const signatureRef = doc.getForm().getField('Seal').acroField.dict.get(PDFName.of('V'));
    const perms = doc.catalog.lookup(PDFName.of('Perms'), PDFDict);
    expect(perms.get(PDFName.of('DocMDP'))).toBe(signatureRef);
    const signature = doc.context.lookup(signatureRef, PDFDict);
    const reference = signature.lookup(PDFName.of('Reference')) as unknown as { get(i: number): PDFDict };
    const sigRef = doc.context.lookup(reference.get(0), PDFDict);
    expect(sigRef.get(PDFName.of('Type'))).toBe(PDFName.of('SigRef'));
    expect(sigRef.get(PDFName.of('TransformMethod'))).toBe(PDFName.of('DocMDP'));
    const params = sigRef.lookup(PDFName.of('TransformParams'), PDFDict);
    expect(params.get(PDFName.of('P'))?.toString()).toBe('2');
    expect(params.get(PDFName.of('V'))).toBe(PDFName.of('1.2'));
    expect(sigRef.get(PDFName.of('DigestMethod'))).toBe(PDFName.of('SHA256')); // ISO 32000-2 Table 256

    expect((await verifySeal(sealed)).valid).toBe(true);
    expect(await readSeal(sealed)).toMatchObject({ sealed: true, intact: true, certified: true });
    expect((await readSeal(await sealPdf(unsealed, seal))).certified).toBe(false);
  });

  it('names SHA384 as the /DigestMethod of a P-384 seal', async () => {
    const sealed = await sealPdf(unsealed, { signer: builtIn(p384Key, p384Certificate), certify: true });
    expect(latin1(sealed)).toContain('/DigestMethod /SHA384');
    expect(latin1(sealed)).not.toContain('/DigestMethod /SHA256');
    expect(await readSeal(sealed)).toMatchObject({ intact: true, certified: true });
  });
});

describe('readSeal on hostile input', () => {
  it('never throws, and says what it can', async () => {
    const sealed = await sealPdf(unsealed, { ...seal, certify: true });
    const [, contentsAt, gapEnd, tail] = byteRange(sealed);
    const text = latin1(sealed);
    const withText = (from: string, to: string) => Uint8Array.from(text.replace(from, to), (c) => c.charCodeAt(0));
    const appended = new Uint8Array([...sealed, ...new TextEncoder().encode('\n1 0 obj\n<< >>\nendobj\n%%EOF\n')]);
    const garbageCms = sealed.slice();
    garbageCms.set(new TextEncoder().encode('3082ffff0609'), contentsAt + 1);
    const cases: [string, Uint8Array, Partial<Awaited<ReturnType<typeof readSeal>>>][] = [
      ['empty', new Uint8Array(), { sealed: false, intact: false }],
      ['not a PDF', new Uint8Array([1, 2, 3]), { sealed: false }],
      ['an unsealed PDF', unsealed, { sealed: false, certified: false }],
      ['an appended update', appended, { sealed: true, intact: true, appendedBytes: appended.length - sealed.length }],
      ['truncated in its tail', sealed.subarray(0, sealed.length - 10), { sealed: true, intact: false }],
      ['truncated in its signature', sealed.subarray(0, contentsAt + 100), { sealed: true, intact: false }],
      ['garbage CMS', garbageCms, { sealed: true, intact: false }],
      ['not hex', withText(text.slice(contentsAt, contentsAt + 5), '<zzzz'), { sealed: true, intact: false }],
      [
        'a range past the end',
        withText(`${gapEnd} ${tail}]${' '.repeat(9 - `${tail}`.length)}`, `${gapEnd} 999999999]`),
        { intact: false },
      ],
      ['huge numbers', withText(`[0 ${contentsAt} `, `[0 999999999999999 `), { sealed: true, intact: false }],
      ['a range not from 0', withText(`[0 ${contentsAt} `, `[5 ${contentsAt} `), { sealed: true, intact: false }],
    ];
    for (const [label, pdf, expected] of cases) {
      const reading = await readSeal(pdf);
      expect(reading, label).toMatchObject(expected);
      // Only a CMS that could be read names a certificate.
      const readable = !['truncated in its signature', 'garbage CMS', 'not hex', 'huge numbers'].includes(label);
      if (reading.sealed) expect(reading.certificateSha256 !== undefined, label).toBe(readable);
    }
    expect((await readSeal(appended)).certified).toBe(true);
  });
});

describe('readSeal against forgeries and oversized input', () => {
  const ours = async () => (await readSeal(await sealPdf(unsealed, seal))).certificateSha256;
  const gapOf = (pdf: Uint8Array) => {
    const [, contentsAt, gapEnd] = byteRange(pdf);
    return latin1(pdf.subarray(contentsAt + 1, gapEnd - 1));
  };
  const bytesOf = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

  it('does not read our CMS in a planted /ByteRange comment as our intact seal', async () => {
    const ourCms = gapOf(await sealPdf(unsealed, seal));
    // Another file, sealed (validly) by another key; then a comment holding our CMS, and a last
    // /ByteRange, in a comment too, that names the hex string as its gap.
    const other = latin1(await sealPdf(unsealed, { signer: builtIn(ecKey, ecCertificate) }));
    const head = `${other}\n% <`;
    const gapEnd = head.length + ourCms.length + 1;
    const tail = (length: number) =>
      `\n% /ByteRange [0 ${head.length - 1} ${gapEnd} ${`${length}`.padStart(10, '0')}]\n`;
    const forged = bytesOf(`${head}${ourCms}>${tail(tail(0).length)}`);
    expect(forged.length).toBe(gapEnd + tail(0).length);
    const reading = await readSeal(forged);
    expect(reading.sealed).toBe(true);
    expect(reading.intact).toBe(false);
    expect(reading.intact && reading.certificateSha256 === (await ours())).toBe(false);
    expect((await verifySeal(forged)).valid).toBe(false);
  });

  it('does not read our CMS pasted into the gap of another sealed file as intact', async () => {
    const ourCms = gapOf(await sealPdf(unsealed, seal));
    const other = await sealPdf(unsealed, { signer: builtIn(rsa4096Key, rsa4096Certificate), name: 'Someone else' });
    const [, contentsAt, gapEnd] = byteRange(other);
    expect(gapEnd - contentsAt - 2).toBeGreaterThan(ourCms.length);
    const pasted = other.slice();
    pasted.set(bytesOf(ourCms.padEnd(gapEnd - contentsAt - 2, '0')), contentsAt + 1);
    expect(await readSeal(pasted)).toMatchObject({ sealed: true, intact: false });
    expect((await verifySeal(pasted)).valid).toBe(false);
  });

  it('answers quickly, without a certificate, for an 8 MB /Contents', async () => {
    const head = '%PDF-1.7\n';
    const size = 8 * 1024 * 1024;
    const gapEnd = head.length + size + 2;
    const tail = `\n/ByteRange [0 ${head.length} ${gapEnd} 0000000040]\n`.padEnd(40, ' ');
    const pdf = new Uint8Array(gapEnd + tail.length);
    pdf.set(bytesOf(head));
    pdf[head.length] = 0x3c; // <
    pdf.fill(0x61, head.length + 1, gapEnd - 1); // 'a': valid hex, all of it
    pdf[gapEnd - 1] = 0x3e; // >
    pdf.set(bytesOf(tail), gapEnd);
    const started = performance.now();
    const reading = await readSeal(pdf);
    const elapsed = performance.now() - started;
    expect(reading).toMatchObject({ sealed: true, intact: false, appendedBytes: 0 });
    expect(reading.certificateSha256).toBeUndefined();
    expect(elapsed).toBeLessThan(1500);
  });

  it('fromHex decodes hex, and nothing else', () => {
    expect(Array.from(fromHex('00ff7Fa0')!)).toEqual([0, 255, 127, 160]);
    expect(Array.from(fromHex(bytesOf('0a0B'))!)).toEqual([10, 11]);
    for (const bad of ['0', 'zz', '0g', ' 0', '0x00']) expect(fromHex(bad), bad).toBeNull();
    expect(fromHex('')).toEqual(new Uint8Array());
  });
});

/** A remote signer at fetch: signs the posted digest with an RSA key (PKCS#1 v1.5, as KMS does). */
async function rsaDigestSigner(privateKeyPem: string) {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    pemBody(privateKeyPem),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    true,
    ['sign'],
  );
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const big = (b64url: string) =>
    BigInt(`0x${hex(Uint8Array.from(atob(b64url.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)))}`);
  const [n, d] = [big(jwk.n!), big(jwk.d!)];
  const size = (n.toString(16).length + 1) >> 1;
  return (digest: Uint8Array) => {
    const digestInfo = `3031300d060960864801650304020105000420${hex(digest)}`;
    const em = `0001${'ff'.repeat(size - 3 - digestInfo.length / 2)}00${digestInfo}`;
    let [result, base, exp] = [1n, BigInt(`0x${em}`) % n, d];
    while (exp > 0n) {
      if (exp & 1n) result = (result * base) % n;
      base = (base * base) % n;
      exp >>= 1n;
    }
    const bytes = Uint8Array.from(
      result
        .toString(16)
        .padStart(size * 2, '0')
        .match(/../g)!,
      (h) => parseInt(h, 16),
    );
    return btoa(String.fromCharCode(...bytes));
  };
}

/**
 * A remote EC P-256 signer at fetch: signs the posted digest (ECDSA over P-256 in BigInt, as an HSM
 * does with a digest) and answers raw r‖s, with a nonce chosen so that r's first byte is `firstByte`.
 */
async function ecDigestSigner(privateKeyPem: string, firstByte: number) {
  const key = await crypto.subtle.importKey(
    'pkcs8',
    pemBody(privateKeyPem),
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign'],
  );
  const jwk = await crypto.subtle.exportKey('jwk', key);
  const big = (bytes: Uint8Array) => BigInt(`0x${hex(bytes) || '0'}`);
  const d = big(Uint8Array.from(atob(jwk.d!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)));
  const p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
  const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  const G: [bigint, bigint] = [
    0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  ];
  const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;
  const inverse = (a: bigint, m: bigint) => {
    let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
    while (r1) {
      const q = r0 / r1;
      [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
    }
    return mod(s0, m);
  };
  const add = (P: [bigint, bigint] | null, Q: [bigint, bigint] | null): [bigint, bigint] | null => {
    if (!P) return Q;
    if (!Q) return P;
    if (P[0] === Q[0] && mod(P[1] + Q[1], p) === 0n) return null;
    const l =
      P[0] === Q[0] && P[1] === Q[1]
        ? mod((3n * P[0] * P[0] - 3n) * inverse(2n * P[1], p), p)
        : mod((Q[1] - P[1]) * inverse(Q[0] - P[0], p), p);
    const x = mod(l * l - P[0] - Q[0], p);
    return [x, mod(l * (P[0] - x) - P[1], p)];
  };
  const times = (k: bigint) => {
    let [result, base]: ([bigint, bigint] | null)[] = [null, G];
    for (; k > 0n; k >>= 1n) {
      if (k & 1n) result = add(result, base);
      base = add(base, base);
    }
    return result!;
  };
  const bytes32 = (v: bigint) =>
    Uint8Array.from(v.toString(16).padStart(64, '0').match(/../g)!, (h) => parseInt(h, 16));
  return (digest: Uint8Array) => {
    let k = big(crypto.getRandomValues(new Uint8Array(32))) % n;
    let R = times(k);
    for (; bytes32(R[0] % n)[0] !== firstByte; k++) R = add(R, G)!;
    const r = R[0] % n;
    const s = mod(inverse(k, n) * (big(digest) + r * d), n);
    return new Uint8Array([...bytes32(r), ...bytes32(s)]);
  };
}

describe('the remote signer', () => {
  const SIGNER_URL = 'https://signer.test/v1/keys/seal:asymmetricSign';
  const remote = (timeoutMs?: number): SealSigner => ({
    label: 'remote signer at signer.test',
    certificatePem: env.SEAL_CERTIFICATE!,
    remote: { url: SIGNER_URL, token: 'token-123', timeoutMs },
  });

  it('posts the digest KMS-style with the bearer token, and seals with the signature it answers', async () => {
    const sign = await rsaDigestSigner(env.SEAL_PRIVATE_KEY!);
    const posted: { url: string; auth: string | null; redirect: string; body: { digest: Record<string, string> } }[] =
      [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      const body = (await request.json()) as { digest: { sha256: string } };
      posted.push({ url: request.url, auth: request.headers.get('Authorization'), redirect: request.redirect, body });
      return Response.json({ signature: sign(Uint8Array.from(atob(body.digest.sha256), (c) => c.charCodeAt(0))) });
    });
    const sealed = await sealPdf(unsealed, { signer: remote(), certify: true, signingTime: SIGNING_TIME });
    expect(posted).toHaveLength(1);
    expect(posted[0].url).toBe(SIGNER_URL);
    expect(posted[0].auth).toBe('Bearer token-123');
    expect(posted[0].redirect).toBe('manual'); // a redirect is not followed: the token stays with the signer
    expect(Object.keys(posted[0].body.digest)).toEqual(['sha256']);
    expect(atob(posted[0].body.digest.sha256)).toHaveLength(32);
    expect(await readSeal(sealed)).toMatchObject({ sealed: true, intact: true, certified: true });
    expect((await verifySeal(sealed)).certificateSha256).toBe(hex(await sha256(pemBody(env.SEAL_CERTIFICATE!))));
  });

  it('refuses a signature from another key, an error status, garbage and a signer too slow to answer', async () => {
    const wrongKey = await rsaDigestSigner(rsa3072Key);
    const answers: Record<string, (digest: Uint8Array, signal?: AbortSignal | null) => Promise<Response>> = {
      'does not match SEAL_CERTIFICATE': async (digest) => Response.json({ signature: wrongKey(digest) }),
      'answered HTTP 500': async () => new Response('KMS is down', { status: 500 }),
      'answered HTTP 307': async () => new Response(null, { status: 307, headers: { Location: 'https://evil.test/' } }),
      'answered something that is not a signature': async () => new Response('<html>oops</html>'),
      'no answer within 50 ms': (_, signal) =>
        new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
    };
    for (const [message, answer] of Object.entries(answers)) {
      vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
        const body = (await new Request(input, init).json()) as { digest: { sha256: string } };
        return answer(
          Uint8Array.from(atob(body.digest.sha256), (c) => c.charCodeAt(0)),
          init?.signal,
        );
      });
      await expect(sealPdf(unsealed, { signer: remote(50) }), message).rejects.toThrow(message);
    }
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(Response.json({ signature: 42 }));
    await expect(sealPdf(unsealed, { signer: remote() })).rejects.toThrow('not a signature');
  });

  it('takes a raw r‖s ECDSA answer by its length, also when r starts with 0x30, and a DER one', async () => {
    const sign = await ecDigestSigner(ecKey, 0x30);
    const answered: Uint8Array[] = [];
    let der = false;
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const body = (await new Request(input, init).json()) as { digest: { sha256: string } };
      const raw = sign(Uint8Array.from(atob(body.digest.sha256), (c) => c.charCodeAt(0)));
      answered.push(raw);
      const unsigned = (v: Uint8Array) => (v[0] & 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v]);
      const integers = [...unsigned(raw.subarray(0, 32)), ...unsigned(raw.subarray(32))];
      const answer = der ? new Uint8Array([0x30, integers.length, ...integers]) : raw;
      return Response.json({ signature: btoa(String.fromCharCode(...answer)) });
    });
    const ecRemote: SealSigner = { ...remote(), certificatePem: ecCertificate };
    for (const form of ['raw', 'DER']) {
      der = form === 'DER';
      const sealed = await sealPdf(unsealed, { signer: ecRemote, certify: true });
      expect(answered.at(-1)!.length, form).toBe(64);
      expect(answered.at(-1)![0], form).toBe(0x30); // r starts with what a DER SEQUENCE does
      expect(await readSeal(sealed), form).toMatchObject({ sealed: true, intact: true, certified: true });
      expect((await readSeal(sealed)).certificateSha256).toBe(hex(await sha256(pemBody(ecCertificate))));
    }
  });

  it('is configured by SEAL_SIGNER_URL: https, or http to localhost only in development and tests', () => {
    const base = { SEAL_CERTIFICATE: env.SEAL_CERTIFICATE!, SEAL_SIGNER_TOKEN: 't' };
    expect(sealSignerFromEnv({ ...base, ENVIRONMENT: 'production', SEAL_SIGNER_URL: SIGNER_URL })).toMatchObject({
      label: 'remote signer at signer.test',
      remote: { url: SIGNER_URL, token: 't' },
    });
    expect(
      sealSignerFromEnv({ ...base, ENVIRONMENT: 'test', SEAL_SIGNER_URL: 'http://127.0.0.1:9000/sign' })?.remote?.url,
    ).toBe('http://127.0.0.1:9000/sign');
    expect(() =>
      sealSignerFromEnv({ ...base, ENVIRONMENT: 'production', SEAL_SIGNER_URL: 'http://localhost:9000/sign' }),
    ).toThrow('must be https');
    expect(() =>
      sealSignerFromEnv({ ...base, ENVIRONMENT: 'test', SEAL_SIGNER_URL: 'http://signer.example/sign' }),
    ).toThrow('must be https');
    expect(sealSignerFromEnv({ SEAL_CERTIFICATE: env.SEAL_CERTIFICATE!, SEAL_PRIVATE_KEY: 'k' })?.label).toBe(
      'built-in key',
    );
    expect(sealSignerFromEnv({ SEAL_PRIVATE_KEY: 'k' })).toBeNull();
  });
});
