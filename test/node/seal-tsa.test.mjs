import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDocumentPdf } from '../../src/pdf/render';
import { readSeal, sealPdf } from '../../src/signing/seal';
import { makeSnapshot } from '../pdf-snapshot';
import { timestampResponse } from '../tsa-fake';

// A timestamped, certified seal (PAdES B-T) judged from outside: poppler's pdfsig calls it valid over
// the whole document, and `openssl ts -verify` checks its RFC 3161 token against the signature value
// with the test authority's certificate. The authority is test/tsa-fake.ts behind a node:http server.

const root = path.resolve(import.meta.dirname, '../..');
const read = (file) => readFileSync(path.join(root, file));
const has = (tool, args) => !spawnSync(tool, args).error;
const hasPdfsig = has('pdfsig', ['-v']);
const hasOpenssl = has('openssl', ['version']);
if (!hasPdfsig && !process.env.CI)
  console.warn('pdfsig (poppler-utils) is not installed: skipping the pdfsig checks of the timestamped seal.');

const GEN_TIME = new Date('2026-03-04T17:05:07Z');
const dir = mkdtempSync(path.join(tmpdir(), 'seal-tsa-'));
let server;
let url;
let requests = 0;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    requests++;
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
      res.writeHead(400).end();
      return;
    }
    const answer = await timestampResponse(new Uint8Array(Buffer.concat(chunks)), { genTime: GEN_TIME });
    res.writeHead(200, { 'Content-Type': 'application/timestamp-reply' }).end(Buffer.from(answer));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${server.address().port}/tsr`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function timestampedSeal() {
  const snapshot = makeSnapshot();
  const { bytes } = await renderDocumentPdf(snapshot, {
    font: read('src/pdf/fonts/NotoSans-Regular.ttf'),
    boldFont: read('src/pdf/fonts/NotoSans-Bold.ttf'),
    logo: null,
  });
  return sealPdf(bytes, {
    signer: {
      label: 'built-in key',
      privateKeyPem: read('test/fixtures/seal-test-key.pem').toString(),
      certificatePem: read('test/fixtures/seal-test-cert.pem').toString(),
    },
    timestamp: { url },
    certify: true,
    name: 'Summit Ridge Builders',
    reason: 'Signed by Señor Muñoz; sealed by Contractor Portal',
    location: 'Boulder, CO',
    signingTime: new Date('2026-03-04T17:05:00Z'),
  });
}

/** The SignerInfo's signature value and its timestamp token (read with pkijs). */
function tokenAndSignature(cms) {
  const signedData = new pkijs.SignedData({
    schema: new pkijs.ContentInfo({ schema: asn1js.fromBER(cms).result }).content,
  });
  const signerInfo = signedData.signerInfos[0];
  const attribute = signerInfo.unsignedAttrs.attributes.find((a) => a.type === '1.2.840.113549.1.9.16.2.14');
  return {
    signature: Buffer.from(signerInfo.signature.valueBlock.valueHexView),
    token: Buffer.from(attribute.values[0].toBER()),
  };
}

describe.skipIf(!hasPdfsig && !process.env.CI)('a timestamped seal in pdfsig and openssl', () => {
  it('is valid over the whole document, with its timestamp, and the token verifies', async () => {
    const sealed = await timestampedSeal();
    expect(requests).toBe(1);
    const reading = await readSeal(sealed);
    expect(reading).toMatchObject({
      sealed: true,
      intact: true,
      certified: true,
      timestampAt: GEN_TIME.getTime(),
      timestampAuthority: 'CN=Contractor Portal test timestamp authority, O=Contractor Portal',
    });

    const file = path.join(dir, 'timestamped.pdf');
    writeFileSync(file, sealed);
    const run = spawnSync('pdfsig', [file], { encoding: 'utf8' });
    const report = run.stdout + run.stderr;
    console.log(`pdfsig of a timestamped, certified seal:\n${report}`);
    expect(report).toContain('Signature is Valid.');
    expect(report).toContain('Total document signed');
    expect(report).toContain('ETSI.CAdES.detached');

    if (!hasOpenssl) return;
    const text = Buffer.from(sealed).toString('latin1');
    const [, contentsAt, gapEnd] = /\/ByteRange \[0 (\d+) (\d+)/.exec(text).map(Number);
    const cms = new Uint8Array(Buffer.from(text.slice(contentsAt + 1, gapEnd - 1), 'hex'));
    const { signature, token } = tokenAndSignature(cms);
    writeFileSync(path.join(dir, 'signature.bin'), signature);
    writeFileSync(path.join(dir, 'token.der'), token);
    const verify = spawnSync(
      'openssl',
      [
        'ts',
        '-verify',
        '-token_in',
        '-in',
        path.join(dir, 'token.der'),
        '-data',
        path.join(dir, 'signature.bin'),
        '-CAfile',
        path.join(root, 'test/fixtures/seal-test-tsa-cert.pem'),
        '-partial_chain',
      ],
      { encoding: 'utf8' },
    );
    console.log(`openssl ts -verify of its token:\n${verify.stdout}${verify.stderr}`);
    expect(verify.stdout + verify.stderr).toContain('Verification: OK');
  });
});
