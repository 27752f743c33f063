import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderDocumentPdf } from '../../src/pdf/render';
import { buildSignedPdf } from '../../src/signing/certificate';
import { sealWith } from '../../src/signing/seal';
import { makeSnapshot } from '../pdf-snapshot';

// Issue 17: a version signed by two signers and countersigned is sealed into one PDF: one block per
// signer and the countersignature's, a certificate listing all three, and poppler's pdfsig calling the
// seal valid over the whole document. Skipped with a note where poppler-utils is not installed.

const root = path.resolve(import.meta.dirname, '../..');
const read = (file) => new Uint8Array(readFileSync(path.join(root, file)));
const has = (tool) => !spawnSync(tool, ['-v']).error;
const hasPoppler = has('pdfsig') && has('pdftotext');
if (!hasPoppler && !process.env.CI)
  console.warn('pdfsig/pdftotext (poppler-utils) are not installed: skipping the 3-signature sealed PDF checks.');

const dir = mkdtempSync(path.join(tmpdir(), 'people-seal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (tool, args) => {
  const out = spawnSync(tool, args, { encoding: 'utf8' });
  if (out.error) throw out.error;
  return out.stdout + out.stderr;
};

const HASH = 'ab'.repeat(32);
const person = (name, email, at, extra = {}) => ({
  name,
  email,
  method: 'typed',
  signedAt: Date.parse(at),
  consentAt: Date.parse(at) - 60_000,
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148',
  unsignedSha256: HASH,
  ...extra,
});

describe.skipIf(!hasPoppler && !process.env.CI)('a version signed by two and countersigned', () => {
  it('seals one PDF whose signature pdfsig calls valid over the whole document, listing all three', async () => {
    const snapshot = makeSnapshot({ signers: [{ name: 'Dana Reyes' }, { name: 'Sam Patel' }], countersign: true });
    const { bytes, signatureBoxes } = await renderDocumentPdf(snapshot, {
      font: read('src/pdf/fonts/NotoSans-Regular.ttf'),
      boldFont: read('src/pdf/fonts/NotoSans-Bold.ttf'),
      logo: null,
    });
    expect(signatureBoxes.map((b) => !!b.countersign)).toEqual([false, false, true]);
    const input = {
      unsignedPdf: bytes,
      unsignedSha256: HASH,
      documentTitle: snapshot.title,
      documentLabel: 'Estimate EST-0004',
      version: 1,
      company: 'Summit Ridge Builders',
      timeZone: 'America/Denver',
      signers: [
        person('Dana Reyes', 'dana@example.test', '2026-12-02T16:00:00Z', { box: signatureBoxes[0] }),
        person('Sam Patel', 'sam@example.test', '2026-12-02T16:00:01Z', { box: signatureBoxes[1] }),
        person('Sam Carter', 'sam.carter@example.test', '2026-12-02T17:30:00Z', {
          role: 'countersigner',
          box: signatureBoxes[2],
        }),
      ],
      events: [],
      fonts: {
        regular: read('src/pdf/fonts/NotoSans-Regular.ttf'),
        bold: read('src/pdf/fonts/NotoSans-Bold.ttf'),
        script: read('public/fonts/DancingScript-Regular.woff'),
      },
    };
    // As finalize.ts seals: the signatures, the certificate and the seal's placeholder in one save.
    const sealed = await sealWith(
      {
        signer: {
          label: 'built-in key',
          privateKeyPem: readFileSync(path.join(root, 'test/fixtures/seal-test-key.pem'), 'utf8'),
          certificatePem: readFileSync(path.join(root, 'test/fixtures/seal-test-cert.pem'), 'utf8'),
        },
        name: 'Summit Ridge Builders',
        reason: 'Dana Reyes, Sam Patel and Sam Carter signed Estimate EST-0004',
        signingTime: new Date('2026-12-02T17:30:00Z'),
      },
      (fields, contentsLength, digestMethod) => buildSignedPdf(input, { fields, contentsLength, digestMethod }),
    );
    // The seal's dictionary is the file's last object, after every font and image (seal.ts savedWithPlaceholder).
    const text = Buffer.from(sealed).toString('latin1');
    expect(text.lastIndexOf('/FontFile2')).toBeGreaterThan(0);
    expect(text.lastIndexOf('/ByteRange')).toBeGreaterThan(text.lastIndexOf('/FontFile2'));
    expect(text.lastIndexOf('/ByteRange')).toBeGreaterThan(text.lastIndexOf('stream'));
    const file = path.join(dir, 'three.pdf');
    writeFileSync(file, sealed);
    const report = run('pdfsig', [file]);
    expect(report).toContain('Signature is Valid.');
    expect(report).toContain('Total document signed');

    const pages = run('pdftotext', ['-layout', file, '-']).split('\f');
    const certificate = pages.findIndex((p) => p.includes('Signature certificate'));
    expect(certificate).toBeGreaterThan(0);
    const document = pages.slice(0, certificate).join('\n');
    // Each name under its own block's line, the countersignature in the company's block.
    expect(document.toLowerCase()).toContain('countersigned by summit ridge builders');
    for (const name of ['Dana Reyes', 'Sam Patel', 'Sam Carter']) {
      expect(document.split(name).length - 1, `${name} in the document's blocks`).toBeGreaterThanOrEqual(1);
    }
    const cert = pages.slice(certificate).join('\n').replace(/\s+/g, ' ');
    for (const text of [
      'Signer 1 of 2',
      'Dana Reyes <dana@example.test>',
      'Signer 2 of 2',
      'Sam Patel <sam@example.test>',
      'Countersigned for Summit Ridge Builders',
      'Sam Carter <sam.carter@example.test>',
    ])
      expect(cert).toContain(text);
    expect(cert.split(`SHA-256 ${HASH}`).length - 1).toBe(3);
  });
});
