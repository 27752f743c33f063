import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import tsaCertificatePem from './fixtures/seal-test-tsa-cert.pem?raw';
import rsaCertificatePem from './fixtures/seal-test-cert.pem?raw';
import rsaKeyPem from './fixtures/seal-test-key.pem?raw';
import tsaKeyPem from './fixtures/seal-test-tsa-key.pem?raw';

// A local RFC 3161 timestamp authority for the tests, built with pkijs (an implementation independent
// of src/signing/timestamp.ts): it turns a TimeStampReq into a TimeStampResp signed with the EC P-256
// TSA identity in test/fixtures. Use it from a fetch spy in workers tests (`fakeTsaFetch`) and from a
// node:http server in node tests (`timestampResponse`).

export const TSA_URL = 'https://tsa.test/timestamp';
export { tsaCertificatePem };

export interface FakeTsaOptions {
  /** The time the authority vouches for (default: now). */
  genTime?: Date;
  /** PKIStatus: 0 granted (default), 2 rejection... */
  status?: number;
  /** Timestamp another imprint, or answer with another nonce. */
  wrongImprint?: boolean;
  wrongNonce?: boolean;
  /** Copies of the TSA certificate added to the token, to make it large. */
  padCertificates?: number;
  /** Sign as the RSA-2048 seal test identity instead of the EC P-256 authority. */
  rsa?: boolean;
  /** After signing, change the TSTInfo's genTime to this (a forged token), or flip a signature byte. */
  forgeGenTime?: Date;
  corruptSignature?: boolean;
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  sha256: '2.16.840.1.101.3.4.2.1',
};

const der = (pem: string) =>
  Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, '')), (c) => c.charCodeAt(0)).buffer;
let serial = 1;

function engine() {
  pkijs.setEngine('tsa-fake', new pkijs.CryptoEngine({ name: 'tsa-fake', crypto: globalThis.crypto }));
}

/** A signed TimeStampResp for a TimeStampReq (DER in, DER out). */
export async function timestampResponse(
  request: Uint8Array,
  opts: FakeTsaOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  engine();
  const req = new pkijs.TimeStampReq({ schema: asn1js.fromBER(request.slice().buffer).result });
  if (opts.status !== undefined && opts.status > 1) {
    const refused = new pkijs.TimeStampResp({
      status: new pkijs.PKIStatusInfo({
        status: opts.status,
        statusStrings: [new asn1js.Utf8String({ value: 'the fake authority refuses' })],
      }),
    });
    return new Uint8Array(refused.toSchema().toBER());
  }
  const [certificatePem, keyPem] = opts.rsa ? [rsaCertificatePem, rsaKeyPem] : [tsaCertificatePem, tsaKeyPem];
  const certificate = new pkijs.Certificate({ schema: asn1js.fromBER(der(certificatePem)).result });
  const imprint = new Uint8Array(req.messageImprint.hashedMessage.valueBlock.valueHexView);
  if (opts.wrongImprint) imprint[0] ^= 0xff;
  const nonce = req.nonce && new Uint8Array(req.nonce.valueBlock.valueHexView);
  if (nonce && opts.wrongNonce) nonce[nonce.length - 1] ^= 0x01;
  const info = new pkijs.TSTInfo({
    version: 1,
    policy: '1.3.6.1.4.1.4146.2.3',
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: req.messageImprint.hashAlgorithm,
      hashedMessage: new asn1js.OctetString({ valueHex: imprint }),
    }),
    serialNumber: new asn1js.Integer({ value: serial++ }),
    genTime: opts.genTime ?? new Date(),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(nonce ? { nonce: new asn1js.Integer({ valueHex: nonce }) } : {}),
  });
  const content = info.toSchema().toBER();
  const digest = await crypto.subtle.digest('SHA-256', content);
  const certificateHash = await crypto.subtle.digest('SHA-256', der(certificatePem));
  const signedData = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: OID.tstInfo,
      eContent: new asn1js.OctetString({ valueHex: content }),
    }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: certificate.issuer, serialNumber: certificate.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: [
            new pkijs.Attribute({
              type: OID.contentType,
              values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })],
            }),
            new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: digest })] }),
            new pkijs.Attribute({
              type: OID.signingCertificateV2,
              values: [
                new asn1js.Sequence({
                  value: [
                    new asn1js.Sequence({
                      value: [new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: certificateHash })] })],
                    }),
                  ],
                }),
              ],
            }),
          ],
        }),
      }),
    ],
    certificates: req.certReq ? Array.from({ length: 1 + (opts.padCertificates ?? 0) }, () => certificate) : undefined,
  });
  const algorithm = opts.rsa ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const key = await crypto.subtle.importKey('pkcs8', der(keyPem), algorithm, false, ['sign']);
  await signedData.sign(key, 0, 'SHA-256');
  if (opts.forgeGenTime) {
    info.genTime = opts.forgeGenTime;
    signedData.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: info.toSchema().toBER() });
  }
  if (opts.corruptSignature) {
    const value = signedData.signerInfos[0].signature.valueBlock.valueHexView;
    value[value.length - 5] ^= 0x01;
  }
  const response = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: opts.status ?? 0 }),
    timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
  });
  return new Uint8Array(response.toSchema().toBER());
}

/**
 * A fetch handler for `vi.spyOn(globalThis, 'fetch').mockImplementation(...)`: answers requests to
 * TSA_URL (counting them in `requests`) and passes every other request to `other`.
 */
export function fakeTsaFetch(
  opts: FakeTsaOptions | (() => FakeTsaOptions) = {},
  other?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>,
) {
  const handler = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    if (request.url !== TSA_URL) {
      if (other) return other(input, init);
      throw new Error(`unexpected fetch ${request.url}`);
    }
    handler.requests++;
    const body = new Uint8Array(await request.arrayBuffer());
    const answer = await timestampResponse(body, typeof opts === 'function' ? opts() : opts);
    return new Response(answer, { headers: { 'Content-Type': 'application/timestamp-reply' } });
  };
  handler.requests = 0;
  return handler;
}
