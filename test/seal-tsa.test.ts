import * as asn1js from 'asn1js';
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import * as pkijs from 'pkijs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signatures } from '../src/db/schema';
import type { Env } from '../src/env';
import worker from '../src/index';
import { withFonts } from '../src/pdf/fonts';
import { renderDocumentPdf } from '../src/pdf/render';
import { readSeal, sealPdf, TIMESTAMP_ROOM, verifySeal } from '../src/signing/seal';
import { readTimestampToken, timestampAuthorityFromEnv, verifyTimestampToken } from '../src/signing/timestamp';
import { callWorker, formPost } from './bindings';
import { companyWithBudget, createDocument, sendDocument } from './fixtures';
import { db } from './helpers';
import { makeSnapshot } from './pdf-snapshot';
import { openLink } from './portal-fixtures';
import { type FakeTsaOptions, fakeTsaFetch, TSA_URL } from './tsa-fake';

// RFC 3161 timestamps on the seal (PAdES B-T), against a timestamp authority built with pkijs
// (test/tsa-fake.ts) at the fetch boundary; test/node/seal-tsa.test.mjs has pdfsig and openssl judge one.

const GEN_TIME = new Date('2026-03-04T17:05:07Z');
const TIME_STAMP_TOKEN = '1.2.840.113549.1.9.16.2.14';
const AUTHORITY = 'CN=Contractor Portal test timestamp authority, O=Contractor Portal';
const signer = { label: 'built-in key', privateKeyPem: env.SEAL_PRIVATE_KEY!, certificatePem: env.SEAL_CERTIFICATE! };
const timestamp = { url: TSA_URL, authorization: 'Basic dGVzdDp0ZXN0' };
const hex = (bytes: ArrayBuffer | Uint8Array) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

let unsealed: Uint8Array<ArrayBuffer>;
beforeAll(async () => {
  const snapshot = makeSnapshot();
  unsealed = (await renderDocumentPdf(snapshot, withFonts(null))).bytes;
});
afterEach(() => vi.restoreAllMocks());

function cmsOf(sealed: Uint8Array) {
  const text = Array.from(sealed, (b) => String.fromCharCode(b)).join('');
  const [, contentsAt, gapEnd] = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(text)!.slice(1).map(Number);
  const contents = text.slice(contentsAt + 1, gapEnd - 1);
  return Uint8Array.from(contents.match(/../g)!, (h) => parseInt(h, 16));
}

describe('a timestamped seal', () => {
  it('carries the authority’s token over its signature value as an unsigned attribute', async () => {
    const tsa = fakeTsaFetch({ genTime: GEN_TIME });
    const seen: Request[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      seen.push(new Request(input, init));
      return tsa(input, init);
    });
    const sealed = await sealPdf(unsealed, { signer, timestamp, certify: true });
    expect(tsa.requests).toBe(1);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].headers.get('Content-Type')).toBe('application/timestamp-query');
    expect(seen[0].headers.get('Authorization')).toBe('Basic dGVzdDp0ZXN0');
    expect(seen[0].redirect).toBe('manual'); // a redirect is not followed: the credentials stay with the authority

    expect((await verifySeal(sealed)).valid).toBe(true);
    expect(await readSeal(sealed)).toMatchObject({
      sealed: true,
      intact: true,
      appendedBytes: 0,
      certified: true,
      timestampAt: GEN_TIME.getTime(),
      timestampAuthority: AUTHORITY,
    });

    // Read back with pkijs: the unsigned attribute, and its token's imprint is the signature's SHA-256.
    const cms = cmsOf(sealed);
    const signedData = new pkijs.SignedData({
      schema: new pkijs.ContentInfo({ schema: asn1js.fromBER(cms).result }).content,
    });
    const signerInfo = signedData.signerInfos[0];
    const attribute = signerInfo.unsignedAttrs!.attributes.find((a) => a.type === TIME_STAMP_TOKEN)!;
    const token = new pkijs.ContentInfo({ schema: attribute.values[0] });
    const tokenData = new pkijs.SignedData({ schema: token.content });
    const info = new pkijs.TSTInfo({
      schema: asn1js.fromBER(tokenData.encapContentInfo.eContent!.getValue()).result,
    });
    const signatureValue = signerInfo.signature.valueBlock.valueHexView.slice();
    expect(hex(info.messageImprint.hashedMessage.valueBlock.valueHexView)).toBe(
      hex(await crypto.subtle.digest('SHA-256', signatureValue)),
    );
    expect(info.genTime).toEqual(GEN_TIME);
    pkijs.setEngine('workerd', new pkijs.CryptoEngine({ name: 'workerd', crypto }));
    // For a token pkijs checks the TSTInfo's imprint against `data` (the timestamped bytes) as well as its signature.
    expect(await tokenData.verify({ signer: 0, data: signatureValue.buffer, checkChain: false })).toBe(true);
  });

  it('seals again with more room when the token is larger than the room reserved for it', async () => {
    const tsa = fakeTsaFetch({ genTime: GEN_TIME, padCertificates: 30 });
    vi.spyOn(globalThis, 'fetch').mockImplementation(tsa);
    const sealed = await sealPdf(unsealed, { signer, timestamp });
    expect(tsa.requests).toBe(2);
    expect(cmsOf(sealed).length).toBeGreaterThan(TIMESTAMP_ROOM);
    expect(await readSeal(sealed)).toMatchObject({ intact: true, timestampAt: GEN_TIME.getTime() });
  });

  it('is not made when the token would take /Contents past what readSeal reads (256 KiB of hex)', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(fakeTsaFetch({ genTime: GEN_TIME, padCertificates: 320 }));
    await expect(sealPdf(unsealed, { signer, timestamp })).rejects.toThrow('too large (over 131072 bytes)');
  });

  it('is never made without its timestamp: an authority that is down, refuses, lies or answers garbage', async () => {
    const cases: [string, (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>][] = [
      ['answered HTTP 503', async () => new Response('busy', { status: 503 })],
      ['could not be reached', async () => Promise.reject(new TypeError('connection refused'))],
      ['no answer within 50 ms', (_input, init) => new Promise((_r, reject) => abortWith(init?.signal, reject))],
      ['refused the request (rejection', fakeTsaFetch({ status: 2 })],
      ['its imprint does not match', fakeTsaFetch({ wrongImprint: true })],
      ['its nonce does not match', fakeTsaFetch({ wrongNonce: true })],
      ['not a timestamp response', async () => new Response('<html>captive portal</html>')],
      ['whose signature does not verify', fakeTsaFetch({ forgeGenTime: new Date('2019-03-04T17:05:07Z') })],
      ['whose signature does not verify', fakeTsaFetch({ corruptSignature: true })],
      ['answered HTTP 302', async () => new Response(null, { status: 302, headers: { Location: 'https://x.test/' } })],
    ];
    for (const [message, answer] of cases) {
      vi.spyOn(globalThis, 'fetch').mockImplementation(answer);
      await expect(sealPdf(unsealed, { signer, timestamp: { ...timestamp, timeoutMs: 50 } }), message).rejects.toThrow(
        message,
      );
    }
  });

  it('readTimestampToken reads nothing from what is not a token', () => {
    const cms = Uint8Array.from([0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
    for (const bytes of [new Uint8Array(), new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), cms, unsealed])
      expect(readTimestampToken(bytes as Uint8Array<ArrayBuffer>)).toBeNull();
  });
});

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const textOf = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
const hexOf = (text: string) => hex(ascii(text));

describe('the timestamp token is verified, and the padding after the CMS is signed-as-zero', () => {
  let sealed: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(fakeTsaFetch({ genTime: GEN_TIME }));
    sealed = await sealPdf(unsealed, { signer, timestamp, certify: true });
    vi.restoreAllMocks();
  });

  it('gives no time for a token whose genTime was edited in the file (the seal itself still intact)', async () => {
    const text = textOf(sealed);
    const genTime = hexOf('20260304170507Z');
    expect(text.split(genTime)).toHaveLength(2); // one genTime, in the token's TSTInfo
    const forged = ascii(text.replace(genTime, hexOf('20190304170507Z')));
    const reading = await readSeal(forged);
    expect(reading).toMatchObject({ sealed: true, intact: true, timestampAt: null });
    expect(reading.timestampAuthority).toBeUndefined();
    expect(reading.certificateSha256).toBe((await readSeal(sealed)).certificateSha256);
  });

  it('verifies a token from an RSA authority, and names it', async () => {
    vi.spyOn(globalThis, 'fetch').mockImplementation(fakeTsaFetch({ genTime: GEN_TIME, rsa: true }));
    const rsaStamped = await sealPdf(unsealed, { signer, timestamp });
    expect(await readSeal(rsaStamped)).toMatchObject({
      intact: true,
      timestampAt: GEN_TIME.getTime(),
      timestampAuthority: 'CN=Contractor Portal test seal',
    });
  });

  it('verifyTimestampToken refuses what is not a signed token', async () => {
    const cms = Uint8Array.from([0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02]);
    for (const bytes of [new Uint8Array(), cms, unsealed])
      expect(await verifyTimestampToken(bytes as Uint8Array<ArrayBuffer>)).toBeNull();
  });

  it('reads a non-zero byte in the padding after the CMS as a change', async () => {
    const [, contentsAt, gapEnd] = /\/ByteRange \[(\d+) (\d+) (\d+) (\d+)\]/.exec(textOf(sealed))!.slice(1).map(Number);
    expect(textOf(sealed.subarray(gapEnd - 40, gapEnd - 1))).toBe('0'.repeat(39)); // the padding
    for (const at of [gapEnd - 2, gapEnd - 2000]) {
      const changed = sealed.slice();
      changed[at] = 0x31; // '1'
      expect(at > contentsAt).toBe(true);
      expect(await readSeal(changed), `byte ${at}`).toMatchObject({ sealed: true, intact: false });
      expect((await verifySeal(changed)).valid).toBe(false);
    }
    expect(await readSeal(sealed)).toMatchObject({ intact: true });
  });
});

describe('TSA credentials', () => {
  it('go over https only (http to localhost in development and tests)', () => {
    expect(timestampAuthorityFromEnv({})).toBeUndefined();
    expect(timestampAuthorityFromEnv({ TSA_URL: 'http://timestamp.example/' })).toEqual({
      url: 'http://timestamp.example/',
      authorization: undefined,
    });
    expect(timestampAuthorityFromEnv({ TSA_URL, TSA_AUTHORIZATION: 'Basic x' })?.authorization).toBe('Basic x');
    expect(
      timestampAuthorityFromEnv({ ENVIRONMENT: 'test', TSA_URL: 'http://127.0.0.1:9/ts', TSA_AUTHORIZATION: 'x' })?.url,
    ).toBe('http://127.0.0.1:9/ts');
    for (const env of [
      { ENVIRONMENT: 'production', TSA_URL: 'http://timestamp.example/', TSA_AUTHORIZATION: 'Basic x' },
      { ENVIRONMENT: 'production', TSA_URL: 'http://localhost:9/ts', TSA_AUTHORIZATION: 'Basic x' },
      { ENVIRONMENT: 'test', TSA_URL: 'http://timestamp.example/', TSA_AUTHORIZATION: 'Basic x' },
    ])
      expect(() => timestampAuthorityFromEnv(env), env.TSA_URL).toThrow('TSA_AUTHORIZATION is sent over https only');
    expect(() => timestampAuthorityFromEnv({ TSA_URL: 'not a url' })).toThrow('TSA_URL is not a URL');
  });

  it('are never posted over plain http, even when called directly', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    await expect(
      sealPdf(unsealed, { signer, timestamp: { url: 'http://timestamp.example/', authorization: 'Basic x' } }),
    ).rejects.toThrow('must be reached over https');
    expect(spy).not.toHaveBeenCalled();
  });
});

function abortWith(signal: AbortSignal | null | undefined, reject: (reason: unknown) => void) {
  signal?.addEventListener('abort', () => reject(signal.reason));
}

describe('finalize with TSA_URL', () => {
  it('keeps the document finalizing while the authority is down, then seals with its timestamp', async () => {
    const co = await companyWithBudget();
    const documentId = await createDocument(co.browser, co.jobId, 'estimate', { group: co.groups.demolition });
    const { link } = await sendDocument(co.browser, documentId);
    const { browser: recipient, html } = await openLink(link);
    const versionHash = /name="versionHash" value="([0-9a-f]{64})"/.exec(html)![1];

    const realFetch = globalThis.fetch;
    let authority: FakeTsaOptions | 'down' = 'down';
    const tsa = fakeTsaFetch(() => (authority === 'down' ? {} : authority), realFetch);
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      if (new Request(input, init).url === TSA_URL && authority === 'down')
        return new Response('maintenance', { status: 503 });
      return tsa(input, init);
    });
    const withTsa = { ...env, TSA_URL } as Env;
    const res = await callWorker(
      recipient,
      `/portal/documents/${documentId}/sign`,
      await formPost(recipient, {
        versionHash,
        idempotencyKey: 'tsa-seal-1',
        name: co.customerContact.name,
        method: 'typed',
        consent: 'yes',
      }),
      { TSA_URL },
    );
    expect(res.status).toBe(303);
    const signatureOf = async () =>
      (await db().select().from(signatures).where(eq(signatures.documentId, documentId)))[0];
    let sig = await signatureOf();
    expect(sig.outcome).toBe('signed');
    expect(sig.sealedAt).toBeNull();
    expect(sig.sealError).toContain('timestamp authority at tsa.test answered HTTP 503');
    expect(await (await recipient.get(`/portal/documents/${documentId}`)).text()).toContain(
      'Finalizing the signed PDF',
    );

    authority = { genTime: GEN_TIME };
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/5 * * * *' }), withTsa, ctx);
    await waitOnExecutionContext(ctx);
    sig = await signatureOf();
    expect(sig.sealedAt).not.toBeNull();
    expect(sig.sealError).toBeNull();
    const sealed = new Uint8Array(await (await env.FILES.get(sig.sealedPdfKey!))!.arrayBuffer());
    expect(await readSeal(sealed)).toMatchObject({
      sealed: true,
      intact: true,
      certified: true,
      timestampAt: GEN_TIME.getTime(),
    });
  });
});
