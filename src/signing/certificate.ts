import fontkit from '@pdf-lib/fontkit';
import { oneAtATime } from '../pdf/exclusive';
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';
import { dateTime } from '../../views/format';
import type { SignatureBox } from '../pdf/render';

// The signed PDF: the version's unsigned PDF with the signature stamped into its signature block,
// and a Signature certificate page appended with the version's audit trail.

export interface CertificateEvent {
  at: number;
  action: string;
  actor: string;
  ip: string | null;
  userAgent: string | null;
  detail?: string;
}

/** One person who signed the version: a signer, or the contractor's countersigner (issue 17). */
export interface CertificateSigner {
  role?: 'signer' | 'countersigner';
  name: string;
  email: string;
  method: 'drawn' | 'typed' | 'none';
  signedAt: number;
  consentAt: number | null;
  ip: string;
  userAgent: string;
  /** The SHA-256 of the version's unsigned PDF this person signed (the input's, when absent). */
  unsignedSha256?: string;
  image?: Uint8Array | null; // the drawn signature PNG
  /** The earlier version whose changes the signer was shown on the page before signing. */
  comparedTo?: { version: number; sha256: string } | null;
  /** Their block in the document (null: none drawn for them, e.g. a signer added after the PDF was made). */
  box?: SignatureBox | null;
}

export interface CertificateInput {
  unsignedPdf: Uint8Array;
  unsignedSha256: string;
  documentTitle: string;
  documentLabel: string; // "Estimate EST-0004"
  version: number;
  company: string;
  timeZone: string;
  /** Everyone who signed, in signing order, the countersigner last. */
  signers?: CertificateSigner[];
  /** One signer (before issue 17): `signer` with `box`, `image` and `comparedTo`. */
  signer?: CertificateSigner;
  box?: SignatureBox | null;
  image?: Uint8Array | null;
  comparedTo?: { version: number; sha256: string } | null;
  events: CertificateEvent[];
  fonts: { regular: Uint8Array; bold: Uint8Array; script: Uint8Array };
}

/** The signers of the input, whichever way it names them. */
function signersOf(input: CertificateInput): CertificateSigner[] {
  if (input.signers) return input.signers;
  if (!input.signer) return [];
  return [{ ...input.signer, box: input.box, image: input.image, comparedTo: input.comparedTo }];
}

const INK = rgb(0.12, 0.14, 0.17);
const MUTED = rgb(0.35, 0.38, 0.42);
const RULE = rgb(0.84, 0.86, 0.88);

/** Characters the font cannot draw become '?', so no name or user agent can break the page. */
function safe(font: PDFFont, text: string): string {
  const glyphs = new Set(font.getCharacterSet());
  return [...text.replace(/[\u0000-\u001f\u007f]/g, ' ')]
    .map((ch) => (glyphs.has(ch.codePointAt(0)!) ? ch : '?'))
    .join('');
}

function wrap(font: PDFFont, text: string, size: number, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/)) {
      const next = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(next, size) <= width) line = next;
      else {
        if (line) out.push(line);
        line = word;
        while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
          let cut = line.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut--;
          out.push(line.slice(0, cut));
          line = line.slice(cut);
        }
      }
    }
    out.push(line);
  }
  return out;
}

function fitImage(image: PDFImage, box: { width: number; height: number }) {
  const scale = Math.min(box.width / image.width, box.height / image.height, 1);
  return { width: image.width * scale, height: image.height * scale };
}

/** One at a time per isolate, like every PDF that embeds a font subset (see ../pdf/exclusive). */
export function buildSignedPdf(input: CertificateInput): Promise<Uint8Array> {
  return oneAtATime(() => buildNow(input));
}

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

const methodLabel = (method: CertificateSigner['method']) =>
  method === 'drawn' ? 'drawn signature' : method === 'typed' ? 'typed signature' : 'typed name';

async function buildNow(input: CertificateInput): Promise<Uint8Array> {
  const doc = await PDFDocument.load(input.unsignedPdf, { updateMetadata: false });
  doc.registerFontkit(fontkit);
  const regular = await doc.embedFont(input.fonts.regular, { subset: true });
  const bold = await doc.embedFont(input.fonts.bold, { subset: true });
  const script = await doc.embedFont(input.fonts.script, { subset: true });
  const people = await Promise.all(
    signersOf(input).map(async (p) => ({ ...p, picture: p.image ? await doc.embedPng(p.image) : null })),
  );

  // Each signature in its own block of the document itself.
  for (const p of people) {
    const b = p.box;
    if (!b || b.page >= doc.getPageCount()) continue;
    const page = doc.getPage(b.page);
    if (p.picture) {
      const size = fitImage(p.picture, { width: b.width - 8, height: b.height - 4 });
      page.drawImage(p.picture, { x: b.x + 4, y: b.y + 2, ...size });
    } else {
      const name = safe(script, p.name);
      const fontSize = Math.min(26, (b.width - 8) / Math.max(1, script.widthOfTextAtSize(name, 1)));
      page.drawText(name, { x: b.x + 4, y: b.y + 6, size: fontSize, font: script, color: INK });
    }
    page.drawText(safe(regular, p.name), {
      x: b.printedName.x + 2,
      y: b.printedName.y + 4,
      size: 10,
      font: regular,
      color: INK,
      maxWidth: b.printedName.width,
    });
    page.drawText(safe(regular, dateTime(p.signedAt, input.timeZone)), {
      x: b.date.x + 2,
      y: b.date.y + 4,
      size: 9,
      font: regular,
      color: INK,
      maxWidth: b.date.width,
    });
  }

  // The certificate page(s).
  const [width, height] = [612, 792];
  let page: PDFPage = doc.addPage([width, height]);
  let y = height - 56;
  const left = 48;
  const right = width - 48;
  const newPageIfBelow = (room: number) => {
    if (y - room < 56) {
      page = doc.addPage([width, height]);
      y = height - 56;
    }
  };
  const line = (text: string, opts: { font?: PDFFont; size?: number; color?: typeof INK; indent?: number } = {}) => {
    const font = opts.font ?? regular;
    const size = opts.size ?? 9.5;
    for (const part of wrap(font, safe(font, text), size, right - left - (opts.indent ?? 0))) {
      newPageIfBelow(0);
      page.drawText(part, { x: left + (opts.indent ?? 0), y, size, font, color: opts.color ?? INK });
      y -= size * 1.45;
    }
  };
  const rule = () => {
    page.drawLine({ start: { x: left, y: y + 6 }, end: { x: right, y: y + 6 }, thickness: 0.7, color: RULE });
    y -= 8;
  };
  line('Signature certificate', { font: bold, size: 18 });
  y -= 4;
  line(`${input.documentLabel} — ${input.documentTitle}`, { font: bold, size: 11 });
  line(`Version ${input.version} · issued by ${input.company}`, { color: MUTED });
  line(`SHA-256 of the unsigned PDF: ${input.unsignedSha256}`, { size: 8.5 });
  y -= 6;
  rule();
  const signerCount = people.filter((p) => p.role !== 'countersigner').length;
  let n = 0;
  for (const p of people) {
    newPageIfBelow(120);
    const countersigner = p.role === 'countersigner';
    if (!countersigner) n++;
    const heading = countersigner
      ? `Countersigned for ${input.company}`
      : signerCount > 1
        ? `Signer ${n} of ${signerCount}`
        : 'Signer';
    line(heading, { font: bold, size: 11 });
    line(`${p.name} <${p.email}>`);
    line(`Method: ${methodLabel(p.method)}`);
    line(`Signed: ${utc(p.signedAt)} · ${dateTime(p.signedAt, input.timeZone)}`);
    if (p.consentAt) line(`Consent to do business electronically: ${utc(p.consentAt)}`);
    line(`Signed the version whose unsigned PDF has SHA-256 ${p.unsignedSha256 ?? input.unsignedSha256}`, {
      size: 8.5,
    });
    if (p.comparedTo)
      line(`Shown the changes since rev ${p.comparedTo.version} (SHA-256 ${p.comparedTo.sha256}) before signing`);
    line(`IP address: ${p.ip || 'unknown'}`);
    line(`User agent: ${p.userAgent || 'unknown'}`, { size: 8.5, color: MUTED });
    if (p.picture) {
      const size = fitImage(p.picture, { width: 220, height: 70 });
      newPageIfBelow(size.height);
      page.drawImage(p.picture, { x: left, y: y - size.height, ...size });
      y -= size.height + 10;
    } else if (p.method === 'typed') {
      y -= 16; // the script's ascenders clear the line above
      line(p.name, { font: script, size: 24 });
    }
    y -= 4;
    rule();
  }
  line('Timeline of this version', { font: bold, size: 11 });
  for (const e of input.events) {
    line(`${utc(e.at)} · ${dateTime(e.at, input.timeZone)} — ${e.actor} ${e.action}${e.detail ? `: ${e.detail}` : ''}`);
    if (e.ip || e.userAgent)
      line(`${e.ip ?? ''}${e.ip && e.userAgent ? ' · ' : ''}${e.userAgent ?? ''}`, {
        size: 8,
        color: MUTED,
        indent: 12,
      });
  }
  y -= 6;
  rule();
  line(
    'This page and the document before it are sealed with a digital signature; any change to the file breaks the ' +
      'seal. Check it at /verify on the issuer’s portal.',
    { size: 8.5, color: MUTED },
  );
  return doc.save({ useObjectStreams: false });
}
