import { cmapLayout, keptFontkit } from '../pdf/kept-fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFPage } from 'pdf-lib';
import { dateTime } from '../../views/format';
import { drawQr } from '../pdf/qr';
import { inPdfTurn, LOAD_OPTIONS, SAVE_OPTIONS, type SignatureBox } from '../pdf/render';
import { type PlaceholderRequest, savedWithPlaceholder } from './seal';

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
  /** Issue 18: the signature row's id, printed as the record id /verify/<id> answers for. */
  recordId?: string;
  /** How they were identified: a link emailed to them, and a code emailed to it; or signed in to their account. */
  identifiedBy?: 'email_link' | 'email_code' | 'account' | null;
  /** When their emailed code was verified ('email_code'). */
  emailCodeAt?: number | null;
  /** The consent disclosure accepted: its version and its text's SHA-256 (null: before versions were kept). */
  consentVersion?: string | null;
  consentSha256?: string | null;
  /** The sentence they agreed to, word for word (views/portal/statement.ts, or the countersign panel's). */
  statement?: string;
}

/** Issue 18: what the certificate states about the document as a whole. */
export interface CertificateFacts {
  /** APP_ORIGIN: the verify address printed, and the QR code's /verify/<first record id>. */
  origin: string;
  /** The user who sent the version, and the IP and time of that send. */
  sender?: { name: string; email: string | null; ip: string | null; at: number } | null;
  /** The sealing certificate (describeCertificate), and the timestamp authority's host when TSA_URL is set. */
  seal?: { subject: string; sha256: string; timestampedBy?: string | null } | null;
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
  /** Issue 18 (absent: the page names /verify without an address, and no QR code). */
  facts?: CertificateFacts;
  /** Issue 20: "Options chosen by …: …. Not chosen: ….", when the customer chose (views/line-marks chosenSentence). */
  options?: string;
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
const characterSets = new WeakMap<PDFFont, Set<number>>();
function safe(font: PDFFont, text: string): string {
  const glyphs = characterSets.get(font) ?? new Set(font.getCharacterSet());
  characterSets.set(font, glyphs);
  return [...text.replace(/[\u0000-\u001f\u007f]/g, ' ')]
    .map((ch) => (glyphs.has(ch.codePointAt(0)!) ? ch : '?'))
    .join('');
}

const advances = new WeakMap<PDFFont, Map<string, number>>();

/**
 * The width of `text` at `size` as the sum of its characters' advances (each measured once per font):
 * shaping a whole line per word tried made a page of long values take seconds. Kerning is left out
 * (a fraction of a point over a line; the margins hold it).
 */
function measured(font: PDFFont, text: string, size: number): number {
  let cache = advances.get(font);
  if (!cache) advances.set(font, (cache = new Map()));
  let sum = 0;
  for (const ch of text) {
    let w = cache.get(ch);
    if (w === undefined) cache.set(ch, (w = font.widthOfTextAtSize(ch, 1)));
    sum += w;
  }
  return sum * size;
}

/** The longest prefix of `text` (at least one character) that fits `width`. */
function fitting(font: PDFFont, text: string, size: number, width: number): number {
  const chars = [...text];
  let [lo, hi] = [1, chars.length];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measured(font, chars.slice(0, mid).join(''), size) <= width) lo = mid;
    else hi = mid - 1;
  }
  return chars.slice(0, lo).join('').length;
}

/** Lines of at most `width` points: broken between words, and inside a word (a hash, a user agent) too long for one. */
function wrap(font: PDFFont, text: string, size: number, width: number): string[] {
  const out: string[] = [];
  const space = measured(font, ' ', size);
  for (const para of text.split('\n')) {
    let line = '';
    let used = 0;
    for (const word of para.split(/\s+/)) {
      const w = measured(font, word, size);
      if (line && used + space + w <= width) [line, used] = [`${line} ${word}`, used + space + w];
      else {
        if (line) out.push(line);
        [line, used] = [word, w];
      }
      while (line.length > 1 && used > width) {
        const cut = fitting(font, line, size, width);
        out.push(line.slice(0, cut));
        line = line.slice(cut);
        used = measured(font, line, size);
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

/**
 * In the PDF Worker's line of renders (../pdf/render `inPdfTurn`). With `seal`, the same save carries
 * the seal's empty signature dictionary (seal.ts `savedWithPlaceholder`): the file is parsed and
 * written once, not written, parsed and written again (issue 19).
 */
export function buildSignedPdf(input: CertificateInput, seal?: PlaceholderRequest): Promise<Uint8Array> {
  return inPdfTurn(() => buildNow(input, seal));
}

const utc = (ms: number) => `${new Date(ms).toISOString().replace('T', ' ').slice(0, 19)} UTC`;

const methodLabel = (method: CertificateSigner['method']) =>
  method === 'drawn' ? 'drawn signature' : method === 'typed' ? 'typed signature' : 'typed name';

// The typed name is shaped as the browser shapes it (the script face's joins); the certificate's own text
// is laid out from the character map, like the document's (../pdf/kept-fontkit `cmapLayout`).
const shaped = keptFontkit();
const plain = keptFontkit(cmapLayout);
const certificateFontkit = (script: Uint8Array) =>
  ({
    create: (bytes: Uint8Array, name?: string) => (bytes === script ? shaped : plain).create(bytes, name),
  }) as ReturnType<typeof keptFontkit>;

async function buildNow(input: CertificateInput, seal?: PlaceholderRequest): Promise<Uint8Array> {
  const doc = await PDFDocument.load(input.unsignedPdf, LOAD_OPTIONS);
  doc.registerFontkit(certificateFontkit(input.fonts.script));
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
    // One line each, made smaller to fit the rule it sits on (the certificate prints the name in full).
    const onRule = (text: string, at: { x: number; y: number; width: number }, largest: number) => {
      const fits = (at.width - 4) / Math.max(1, regular.widthOfTextAtSize(text, 1));
      page.drawText(text, { x: at.x + 2, y: at.y + 4, size: Math.min(largest, fits), font: regular, color: INK });
    };
    onRule(safe(regular, p.name), b.printedName, 10);
    onRule(safe(regular, dateTime(p.signedAt, input.timeZone)), b.date, 9);
  }

  const pageCount = doc.getPageCount();
  await certificatePages(doc, input, people, pageCount, { regular, bold, script });
  return seal ? savedWithPlaceholder(doc, seal) : doc.save({ ...SAVE_OPTIONS, useObjectStreams: false });
}

type Person = CertificateSigner & { picture: PDFImage | null };
type Color = ReturnType<typeof rgb>;
interface Style {
  font?: PDFFont;
  size?: number;
  color?: Color;
  indent?: number;
  /** Keep the paragraph's lines on one page (a signature is not split). */
  together?: boolean;
}

const [PAGE_WIDTH, PAGE_HEIGHT] = [612, 792];
const [LEFT, RIGHT, TOP, BOTTOM] = [48, PAGE_WIDTH - 48, PAGE_HEIGHT - 56, 56];
const QR_SIZE = 92;

/**
 * The certificate's pen: every line is placed by its font's measured ascent and descent, so nothing
 * drawn can reach into the line above or below, whatever the font (the script signature's tall
 * loops) or the length (each value wraps, a line that no longer fits starts a new page).
 */
class Flow {
  page!: PDFPage;
  y = TOP;
  /** A box in the top right corner of the first page (the QR code): lines beside it end before it. */
  private aside: { page: PDFPage; bottom: number; left: number } | null = null;
  /** Measuring (see `measure`): lines advance the pen but draw nothing and start no page. */
  private dry = false;
  /** Lines already wrapped (a block is measured, then drawn). */
  private wrapped = new Map<string, string[]>();

  constructor(
    private doc: PDFDocument,
    private regular: PDFFont,
  ) {
    this.newPage();
  }

  newPage() {
    this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.y = TOP;
  }

  reserveCorner(size: number) {
    this.aside = { page: this.page, bottom: TOP + 12 - size - 12, left: RIGHT - size - 14 };
    return { x: RIGHT - size, top: TOP + 12 };
  }

  /** Starts a new page unless `height` more points fit on this one. */
  keep(height: number) {
    if (!this.dry && this.y - height < BOTTOM && this.y < TOP) this.newPage();
  }

  /** The height `draw` takes, drawing nothing. */
  measure(draw: () => void): number {
    const [y, dry] = [this.y, this.dry];
    this.dry = true;
    this.y = 0;
    try {
      draw();
      return -this.y;
    } finally {
      [this.y, this.dry] = [y, dry];
    }
  }

  /** Draws `draw` on one page: a new one unless it fits on this one (and where it is taller than a page, from here). */
  together(draw: () => void) {
    const height = this.measure(draw);
    if (height <= TOP - BOTTOM) this.keep(height);
    draw();
  }

  space(points: number) {
    this.y -= points;
  }

  text(text: string, style: Style = {}) {
    const font = style.font ?? this.regular;
    const size = style.size ?? 9.5;
    const ascent = font.heightAtSize(size, { descender: false });
    const descent = font.heightAtSize(size) - ascent;
    const gap = size * 0.3;
    const x = LEFT + (style.indent ?? 0);
    const beside = !this.dry && this.aside?.page === this.page && this.y > this.aside.bottom;
    const width = (beside ? this.aside!.left : RIGHT) - x;
    const key = `${font.name}|${size}|${width}|${text}`;
    const lines = this.wrapped.get(key) ?? wrap(font, safe(font, text), size, width);
    this.wrapped.set(key, lines);
    if (style.together) this.keep(lines.length * (ascent + descent + gap));
    for (const part of lines) {
      this.keep(ascent + descent);
      const baseline = this.y - ascent;
      if (!this.dry) this.page.drawText(part, { x, y: baseline, size, font, color: style.color ?? INK });
      this.y = baseline - descent - gap;
    }
  }

  image(picture: PDFImage, box: { width: number; height: number }) {
    const size = fitImage(picture, box);
    this.keep(size.height);
    if (!this.dry) this.page.drawImage(picture, { x: LEFT, y: this.y - size.height, ...size });
    this.y -= size.height + 8;
  }

  rule() {
    this.keep(12);
    if (!this.dry)
      this.page.drawLine({
        start: { x: LEFT, y: this.y - 4 },
        end: { x: RIGHT, y: this.y - 4 },
        thickness: 0.7,
        color: RULE,
      });
    this.y -= 14;
  }
}

/** How the person was identified: the address their link was emailed to, the code sent to it, or their account. */
function identified(p: CertificateSigner): string {
  const how = p.identifiedBy ?? (p.role === 'countersigner' ? 'account' : 'email_link');
  if (how === 'account') return `Identified by: signed in as ${p.email}`;
  const link = `Identified by: link emailed to ${p.email}`;
  const verified = p.emailCodeAt ? utc(p.emailCodeAt) : 'before signing';
  return how === 'email_code' ? `${link} and a 6-digit code emailed to it, verified ${verified}` : link;
}

function consentLine(p: CertificateSigner): string | null {
  if (!p.consentAt && !p.consentVersion) return null;
  const at = p.consentAt ? `${utc(p.consentAt)}; ` : '';
  const disclosure = p.consentVersion
    ? `disclosure version ${p.consentVersion}, text SHA-256 ${p.consentSha256 ?? 'not recorded'}`
    : 'consent recorded before disclosure versions were kept';
  return `Consent to do business electronically: ${at}${disclosure}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

async function certificatePages(
  doc: PDFDocument,
  input: CertificateInput,
  people: Person[],
  pageCount: number,
  fonts: { regular: PDFFont; bold: PDFFont; script: PDFFont },
) {
  const { regular, bold, script } = fonts;
  const pen = new Flow(doc, regular);
  const facts = input.facts;
  const record = people.find((p) => p.recordId)?.recordId;
  const verifyAt = facts ? `${facts.origin}/verify` : null;
  const recordUrl = verifyAt && record ? `${verifyAt}/${record}` : null;
  if (recordUrl) drawQr(pen.page, recordUrl, { ...pen.reserveCorner(QR_SIZE), size: QR_SIZE });

  pen.text('Signature certificate', { font: bold, size: 18 });
  pen.space(2);
  pen.text(`${input.documentLabel} — ${input.documentTitle}`, { font: bold, size: 11 });
  pen.text(`Version ${input.version} · issued by ${input.company}`, { color: MUTED });
  pen.text(`Signed document: ${plural(pageCount, 'page')} + this certificate`);
  pen.text(`SHA-256 of the unsigned PDF: ${input.unsignedSha256}`, { size: 8.5 });
  if (input.options) pen.text(input.options);
  const sender = facts?.sender;
  if (sender)
    pen.text(
      `Sent by ${sender.name}${sender.email ? ` <${sender.email}>` : ''} on ${utc(sender.at)} · ` +
        `${dateTime(sender.at, input.timeZone)}` +
        (sender.ip ? `, from IP address ${sender.ip}` : ' (IP address not recorded)'),
    );
  if (recordUrl)
    pen.text(`Verify this file: scan the code, or open ${recordUrl} (or upload the file at ${verifyAt}).`, {
      size: 8.5,
    });
  pen.space(4);
  pen.rule();

  const signerCount = people.filter((p) => p.role !== 'countersigner').length;
  let n = 0;
  const block = (p: Person, heading: string) => {
    pen.text(heading, { font: bold, size: 11 });
    pen.text(`${p.name} <${p.email}>`);
    if (p.recordId) pen.text(`Record id: ${p.recordId}`);
    pen.text(identified(p));
    const consent = consentLine(p);
    if (consent) pen.text(consent);
    if (p.statement) pen.text(`Agreed to: “${p.statement}”`);
    pen.text(`Method: ${methodLabel(p.method)}`);
    pen.text(`Signed: ${utc(p.signedAt)} · ${dateTime(p.signedAt, input.timeZone)}`);
    pen.text(`Signed the version whose unsigned PDF has SHA-256 ${p.unsignedSha256 ?? input.unsignedSha256}`, {
      size: 8.5,
    });
    if (p.comparedTo)
      pen.text(`Shown the changes since rev ${p.comparedTo.version} (SHA-256 ${p.comparedTo.sha256}) before signing`);
    pen.text(`IP address: ${p.ip || 'unknown'}`);
    pen.text(`User agent: ${p.userAgent || 'unknown'}`, { size: 8.5, color: MUTED });
    if (p.picture) {
      pen.space(4);
      pen.image(p.picture, { width: 220, height: 70 });
    } else if (p.method === 'typed') {
      // As large as fits one line, down to 14 points (a very long name wraps at that size).
      const size = Math.max(
        14,
        Math.min(24, (RIGHT - LEFT) / Math.max(1, script.widthOfTextAtSize(safe(script, p.name), 1))),
      );
      pen.space(4);
      pen.text(p.name, { font: script, size, together: true });
    }
    pen.space(2);
    pen.rule();
  };
  // Each person's block on one page where it fits (a block longer than a page starts with room for its head).
  for (const p of people) {
    const countersigner = p.role === 'countersigner';
    if (!countersigner) n++;
    const heading = countersigner
      ? `Countersigned for ${input.company}`
      : signerCount > 1
        ? `Signer ${n} of ${signerCount}`
        : 'Signer';
    pen.keep(90);
    pen.together(() => block(p, heading));
  }

  pen.keep(60);
  pen.text('Timeline of this version', { font: bold, size: 11 });
  for (const e of input.events)
    pen.together(() => {
      pen.text(
        `${utc(e.at)} · ${dateTime(e.at, input.timeZone)} — ${e.actor} ${e.action}${e.detail ? `: ${e.detail}` : ''}`,
      );
      if (e.ip || e.userAgent)
        pen.text(`${e.ip ?? ''}${e.ip && e.userAgent ? ' · ' : ''}${e.userAgent ?? ''}`, {
          size: 8,
          color: MUTED,
          indent: 12,
        });
    });
  pen.space(4);
  pen.rule();
  pen.together(() => closing(pen, fonts, facts, verifyAt, recordUrl));
}

function closing(
  pen: Flow,
  { bold }: { bold: PDFFont },
  facts: CertificateFacts | undefined,
  verifyAt: string | null,
  recordUrl: string | null,
) {
  if (facts?.seal) {
    pen.text('Seal', { font: bold, size: 11 });
    pen.text(`Sealed by ${facts.seal.subject}, certificate SHA-256 ${facts.seal.sha256}`, { size: 8.5 });
    if (facts.seal.timestampedBy) pen.text(`Timestamped by ${facts.seal.timestampedBy}`, { size: 8.5 });
  }
  pen.text(
    'This page and the document before it are sealed with a digital signature; any change to the file breaks the ' +
      (verifyAt
        ? `seal. Check it at ${verifyAt}${recordUrl ? `, or scan the code on the first page of this certificate` : ''}.`
        : 'seal. Check it at /verify on the issuer’s portal.'),
    { size: 8.5, color: MUTED },
  );
}
