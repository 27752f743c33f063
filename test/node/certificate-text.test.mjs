import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jsQR from 'jsqr';
import { getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDocumentPdf } from '../../src/pdf/render';
import { makeSnapshot } from '../pdf-snapshot';

// Issue 18, part B: the signature certificate with very long values never overlaps itself and prints
// every value in full (read back with pdf.js: each text item's baseline, and its font's ascent and
// descent), and its QR code, rasterised by poppler, opens /verify/<record id>.

const root = path.resolve(import.meta.dirname, '../..');
const { buildSignedPdf } = await import(process.env.CERTIFICATE_MODULE ?? '../../src/signing/certificate');
const read = (file) => new Uint8Array(readFileSync(path.join(root, file)));
const fonts = {
  regular: read('src/pdf/fonts/NotoSans-Regular.ttf'),
  bold: read('src/pdf/fonts/NotoSans-Bold.ttf'),
  script: read('public/fonts/DancingScript-Regular.woff'),
};
const hasPoppler = !spawnSync('pdftoppm', ['-v']).error;
if (!hasPoppler && !process.env.CI) console.warn('pdftoppm (poppler-utils) is not installed: skipping the QR check.');

const dir = process.env.CERTIFICATE_PDF_DIR ?? mkdtempSync(path.join(tmpdir(), 'certificate-'));
afterAll(() => {
  if (!process.env.CERTIFICATE_PDF_DIR) rmSync(dir, { recursive: true, force: true });
});

const ORIGIN = 'https://portal.summitridge.example';
const HASH = 'ab'.repeat(32);
/** `n` characters of words, each value distinct (a word of its own at the start). */
const long = (tag, n) => {
  let s = tag;
  for (let i = 0; s.length < n; i++) s += ` ${['Alder', 'Ridge', 'Quartz', 'Maple', 'Harbor'][i % 5]}${i}`;
  return s.slice(0, n);
};
const userAgent = (i) =>
  `Mozilla/5.0 (X11; Linux x86_64; agent-${i}) ` +
  `${'AppleWebKit/537.36(KHTML,likeGecko)Chrome/131.0.0.0Safari/537.36'.repeat(9)}`.slice(0, 460) +
  ` end-${i}`;

/** 10 signers and a countersigner, every value as long as the forms allow and then some. */
function longSigners(boxes) {
  const signers = Array.from({ length: 10 }, (_, i) => ({
    name: long(`Signer${i}`, 200),
    email: `${'very.long.address.'.repeat(6)}${i}@${'subdomain.'.repeat(5)}example.test`,
    method: 'typed',
    signedAt: Date.parse('2026-12-02T16:00:00Z') + i * 1000,
    consentAt: Date.parse('2026-12-02T15:59:00Z') + i * 1000,
    consentVersion: '2026-11-30',
    consentSha256: 'cd'.repeat(32),
    identifiedBy: i % 2 ? 'email_code' : 'email_link',
    emailCodeAt: Date.parse('2026-12-02T15:58:00Z'),
    statement: `By clicking “Approve & sign” you approve this version of Estimate EST-0004 (rev 1), shown above, and sign it electronically.`,
    ip: '2001:0db8:85a3:0000:0000:8a2e:0370:7334',
    userAgent: userAgent(i),
    unsignedSha256: HASH,
    recordId: `sig${String(i).padStart(21, '0')}`,
    box: boxes[i] ?? null,
  }));
  signers.push({
    ...signers[0],
    role: 'countersigner',
    name: long('Countersigner', 200),
    email: 'sam@oakstone.test',
    identifiedBy: 'account',
    consentVersion: null,
    consentSha256: null,
    statement: 'I agree that my electronic signature is binding, as a handwritten one would be.',
    recordId: 'sigcountersigner0000000',
    userAgent: userAgent(99),
    box: boxes.find((b) => b.countersign) ?? null,
  });
  return signers;
}

const COMPANY = long('Summit Ridge Builders', 200);
const TITLE = long('Kitchen', 200);

async function unsigned(overrides = {}) {
  const snapshot = makeSnapshot({ version: 1, ...overrides });
  return renderDocumentPdf(snapshot, { font: fonts.regular, boldFont: fonts.bold, logo: null });
}

/** Each certificate page's text items: text, x, baseline y, and the extent its font's ascent and descent give it. */
async function certificatePages(bytes) {
  const pdf = await getDocumentProxy(bytes.slice());
  const pages = [];
  let started = false;
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    const content = await page.getTextContent();
    const items = content.items
      .filter((i) => i.str.trim())
      .map((i) => {
        const style = content.styles[i.fontName];
        const size = Math.hypot(i.transform[2], i.transform[3]);
        const y = i.transform[5];
        return { text: i.str, x: i.transform[4], y, top: y + style.ascent * size, bottom: y + style.descent * size };
      });
    started ||= items.some((i) => i.text === 'Signature certificate');
    if (started) pages.push({ n, items });
  }
  return { pages, total: pdf.numPages };
}

const squash = (s) => s.replace(/\s+/g, '');

describe('the certificate with very long values', () => {
  let bytes;
  let signers;
  beforeAll(async () => {
    const doc = await unsigned({ signers: Array.from({ length: 10 }, (_, i) => ({ name: `Signer ${i}` })) });
    signers = longSigners(doc.signatureBoxes);
    bytes = await buildSignedPdf({
      unsignedPdf: doc.bytes,
      unsignedSha256: HASH,
      documentTitle: TITLE,
      documentLabel: 'Estimate EST-0004',
      version: 1,
      company: COMPANY,
      timeZone: 'America/Denver',
      signers,
      events: signers.map((s) => ({
        at: s.signedAt,
        action: 'signed',
        actor: s.name,
        ip: s.ip,
        userAgent: s.userAgent,
      })),
      fonts,
      facts: {
        origin: ORIGIN,
        sender: { name: long('Sender', 200), email: 'office@summitridge.example', ip: '198.51.100.4', at: 1 },
        seal: { subject: long('CN=Summit Ridge Seal, O=', 200), sha256: 'ef'.repeat(32), timestampedBy: 'tsa.test' },
      },
    });
    writeFileSync(path.join(dir, 'long-values.pdf'), bytes);
  }, 120_000);

  it('never sets two lines over each other, on any of its pages', async () => {
    const { pages } = await certificatePages(bytes);
    expect(pages.length).toBeGreaterThan(2);
    for (const { n, items } of pages) {
      const sorted = [...items].sort((a, b) => b.y - a.y);
      for (let i = 0; i < sorted.length; i++)
        for (let j = i + 1; j < sorted.length; j++) {
          const [a, b] = [sorted[i], sorted[j]];
          if (Math.abs(a.y - b.y) < 0.5) continue; // the same line
          expect(
            a.bottom >= b.top - 0.01,
            `page ${n}: "${a.text.slice(0, 40)}" (${a.bottom.toFixed(1)}..${a.top.toFixed(1)}) overlaps ` +
              `"${b.text.slice(0, 40)}" (${b.bottom.toFixed(1)}..${b.top.toFixed(1)})`,
          ).toBe(true);
        }
      for (const item of items)
        expect(item.bottom, `page ${n}: "${item.text}" in the bottom margin`).toBeGreaterThan(30);
    }
  });

  it('prints every value in full, wrapped over lines and pages', async () => {
    const { pages } = await certificatePages(bytes);
    const text = squash(pages.flatMap((p) => p.items.map((i) => i.text)).join(''));
    for (const s of signers)
      for (const value of [s.name, s.email, s.userAgent, s.recordId, s.statement, s.ip])
        expect(text, value.slice(0, 40)).toContain(squash(value));
    for (const value of [COMPANY, TITLE, long('Sender', 200), long('CN=Summit Ridge Seal, O=', 200), 'ef'.repeat(32)])
      expect(text).toContain(squash(value));
    expect(text).toContain(squash(`${ORIGIN}/verify/${signers[0].recordId}`));
    expect(text).toContain(squash('Timestamped by tsa.test'));
    expect(text).toContain(squash('Identified by: signed in as sam@oakstone.test'));
  });
});

/** Decodes the QR code on a page of the PDF: poppler rasterises it (PPM), jsQR reads it. */
function qrOnPage(file, page) {
  const prefix = path.join(dir, `qr-${page}`);
  const out = spawnSync('pdftoppm', ['-r', '150', '-gray', '-f', `${page}`, '-l', `${page}`, file, prefix]);
  expect(out.status, String(out.stderr)).toBe(0);
  const name = readdirSync(dir).find((f) => f.startsWith(`qr-${page}`) && f.endsWith('.pgm'));
  const pgm = readFileSync(path.join(dir, name));
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(pgm.subarray(0, 40).toString('latin1'));
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = pgm.subarray(header[0].length);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([pixels[i], pixels[i], pixels[i], 255], i * 4);
  return jsQR(rgba, width, height)?.data ?? null;
}

describe.skipIf(!hasPoppler && !process.env.CI)('the QR code', () => {
  it('opens the verify page of the first signature: APP_ORIGIN/verify/<record id>', async () => {
    const doc = await unsigned();
    const bytes = await buildSignedPdf({
      unsignedPdf: doc.bytes,
      unsignedSha256: HASH,
      documentTitle: 'Kitchen and deck renovation',
      documentLabel: 'Estimate EST-0004',
      version: 1,
      company: 'Summit Ridge Builders',
      timeZone: 'America/Denver',
      signers: longSigners(doc.signatureBoxes).slice(0, 1),
      events: [],
      fonts,
      facts: { origin: ORIGIN },
    });
    const file = path.join(dir, 'qr.pdf');
    writeFileSync(file, bytes);
    const { pages } = await certificatePages(bytes);
    expect(qrOnPage(file, pages[0].n)).toBe(`${ORIGIN}/verify/sig000000000000000000000`);
  });
});
