import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PDFDocument, PDFName, PDFRef } from 'pdf-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDocumentPdf } from '../../src/pdf/render';
import { sealPdf } from '../../src/signing/seal';
import { makeSnapshot } from '../pdf-snapshot';

// Poppler's pdfsig is the outside judge of the seal: for every key type (RSA 2048/3072/4096, EC P-256
// and P-384, which hashes with SHA-384), certified (DocMDP), it must call the file's signature valid, and
// invalid once a single signed byte changes. CI installs poppler-utils; elsewhere a missing pdfsig
// skips this file with a note rather than failing it.

const root = path.resolve(import.meta.dirname, '../..');
const read = (file) => readFileSync(path.join(root, file));
const hasPdfsig = !spawnSync('pdfsig', ['-v']).error;
if (!hasPdfsig && !process.env.CI)
  console.warn('pdfsig (poppler-utils) is not installed: skipping the pdfsig checks of the sealed PDF.');

const dir = mkdtempSync(path.join(tmpdir(), 'seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pdfsig(bytes, name) {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  const run = spawnSync('pdfsig', [file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return run.stdout + run.stderr;
}

async function sealedDocument(key, certificate, extra = {}) {
  const snapshot = makeSnapshot();
  const { bytes } = await renderDocumentPdf(snapshot, {
    font: read('src/pdf/fonts/NotoSans-Regular.ttf'),
    boldFont: read('src/pdf/fonts/NotoSans-Bold.ttf'),
    logo: null,
  });
  return sealPdf(bytes, {
    signer: {
      label: 'built-in key',
      privateKeyPem: read(`test/fixtures/${key}`).toString(),
      certificatePem: read(`test/fixtures/${certificate}`).toString(),
    },
    certify: true,
    ...extra,
    name: 'Summit Ridge Builders',
    reason: 'Signed by Señor Muñoz; sealed by Contractor Portal',
    location: 'Boulder, CO',
    signingTime: new Date('2026-03-04T17:05:00Z'),
  });
}

/** The offset of a byte inside the first page's content stream. */
async function pageContentOffset(pdf) {
  const doc = await PDFDocument.load(pdf);
  const contents = doc.getPage(0).node.get(PDFName.of('Contents'));
  const ref = contents instanceof PDFRef ? contents : contents.get(0);
  const text = Buffer.from(pdf).toString('latin1');
  const object = text.indexOf(`\n${ref.objectNumber} ${ref.generationNumber} obj`);
  return text.indexOf('stream', object) + 'stream\n'.length + 10;
}

describe.skipIf(!hasPdfsig && !process.env.CI)('sealed PDF in pdfsig', () => {
  it('is there under CI', () => {
    expect(hasPdfsig, 'pdfsig (poppler-utils) must be installed; .ci/run installs it').toBe(true);
  });

  for (const [label, key, certificate] of [
    ['RSA-2048', 'seal-test-key.pem', 'seal-test-cert.pem'],
    ['EC P-256', 'seal-test-ec-key.pem', 'seal-test-ec-cert.pem'],
    ['EC P-384', 'seal-test-p384-key.pem', 'seal-test-p384-cert.pem'],
    ['RSA-3072', 'seal-test-rsa3072-key.pem', 'seal-test-rsa3072-cert.pem'],
    ['RSA-4096', 'seal-test-rsa4096-key.pem', 'seal-test-rsa4096-cert.pem'],
  ]) {
    it(`calls an ${label} seal valid, and invalid after one signed byte changes`, async () => {
      const sealed = await sealedDocument(key, certificate);
      const report = pdfsig(sealed, `sealed-${label}.pdf`);
      expect(report).toContain('Signature is Valid.');
      expect(report).toContain('Total document signed');
      expect(report).toContain('ETSI.CAdES.detached');
      expect(report).toContain(`Signing Hash Algorithm: ${label === 'EC P-384' ? 'SHA-384' : 'SHA-256'}`);

      const tampered = sealed.slice();
      const at = await pageContentOffset(sealed);
      const [, gapStart, gapEnd] = /\/ByteRange \[(\d+) (\d+) (\d+)/
        .exec(Buffer.from(sealed).toString('latin1'))
        .map(Number);
      expect(at < gapStart || at >= gapEnd, 'the changed byte is signed').toBe(true);
      tampered[at] ^= 0x01;
      const after = pdfsig(tampered, `tampered-${label}.pdf`);
      expect(after).toContain('Signature #1');
      expect(after).not.toContain('Signature is Valid');
    });
  }
});
