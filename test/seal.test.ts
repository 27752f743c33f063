import * as asn1js from 'asn1js';
import { env } from 'cloudflare:workers';
import { PDFDocument, PDFDict, PDFHexString, PDFName, PDFString } from 'pdf-lib';
import * as pkijs from 'pkijs';
import { describe, expect, it } from 'vitest';
import { loadPdfAssets } from '../src/pdf/assets';
import { renderDocumentPdf } from '../src/pdf/render';
import { sealPdf, verifySeal } from '../src/signing/seal';
import { makeSnapshot } from './pdf-snapshot';

// The seal's structure, read back with pkijs, an implementation independent of the DER written by
// seal.ts; test/node/pdfsig.test.mjs has poppler judge the same files.

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
const SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
const SIGNING_TIME = new Date('2026-03-04T17:05:00Z');

const seal = { privateKeyPem: env.SEAL_PRIVATE_KEY!, certificatePem: env.SEAL_CERTIFICATE! };
const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
const hex = (bytes: ArrayBuffer | Uint8Array) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array<ArrayBuffer>) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
const pemBody = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0));

async function documentPdf() {
  const snapshot = makeSnapshot();
  return (await renderDocumentPdf(snapshot, await loadPdfAssets(env, snapshot))).bytes;
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
    expect(hex(certHash)).toBe(hex(await sha256(pemBody(seal.certificatePem))));

    pkijs.setEngine('workerd', new pkijs.CryptoEngine({ name: 'workerd', crypto }));
    expect(await signedData.verify({ signer: 0, data: signed.buffer, checkChain: false })).toBe(true);
  });

  it('is recognised by verifySeal, and a single changed byte breaks it', async () => {
    const { sealed } = await sealedDocument();
    const check = await verifySeal(sealed);
    expect(check).toEqual({
      valid: true,
      signedRangeSha256: hex(await sha256(signedBytes(sealed))),
      certificateSha256: hex(await sha256(pemBody(seal.certificatePem))),
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
    await expect(sealPdf(pdf, { ...seal, privateKeyPem: otherPem })).rejects.toThrow(
      'SEAL_PRIVATE_KEY does not match SEAL_CERTIFICATE',
    );
    await expect(
      sealPdf(pdf, { ...seal, privateKeyPem: '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----' }),
    ).rejects.toThrow('PKCS#8');
  });
});
