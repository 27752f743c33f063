import { cmapLayout, keptFontkit } from './kept-fontkit';
import { Turns } from '../turns';
import { PDFDocument, rgb, type PDFFont, type PDFImage, type PDFName, type PDFPage, type RGB } from 'pdf-lib';
import { calendarDate, money, percent, quantity } from '../../views/format';
import { displayNumber } from '../documents/kinds';
import type { ShownLine, ShownSnapshot } from '../documents/display';
import { chosenSentence, lineMark, shownColumns } from '../../views/line-marks';
import type { SignatureBox } from './boxes';

export { type PdfBox, parseSignatureBoxes, type SignatureBox } from './boxes';

// A document version as a US Letter PDF. Everything drawn comes from the snapshot, and the PDF's
// dates derive from its issue date, so one snapshot always renders the same bytes (their SHA-256
// is stored per version, and a signature names it).

export interface PdfAssets {
  font: Uint8Array;
  boldFont: Uint8Array;
  logo?: { bytes: Uint8Array; contentType: 'image/png' | 'image/jpeg' } | null;
}

export interface RenderedPdf {
  bytes: Uint8Array<ArrayBuffer>; // what Response, R2 and crypto.subtle take as they are
  /** The first signer's block (null when the document is not signed). */
  signatureBox: SignatureBox | null;
  /** Every block, in signing order, then the countersignature's: what a version stores (JSON) and sealing stamps. */
  signatureBoxes: SignatureBox[];
}

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const LEFT = 40;
const RIGHT = PAGE_WIDTH - 40;
const WIDTH = RIGHT - LEFT;
const BODY_BOTTOM = 64; // the footer lives below
const FALLBACK = '?'; // drawn for any character the font has no glyph for

const INK = rgb(0.12, 0.14, 0.17);
const MUTED = rgb(0.35, 0.38, 0.42);
const RULE = rgb(0.84, 0.86, 0.88);
const BOX = rgb(0.62, 0.65, 0.69);
const WHITE = rgb(1, 1, 1);
const DEFAULT_BRAND = '#1f5f8b';

// A font's character set is the kept font's own array (./kept-fontkit): one Set of it per isolate.
const coverage = new WeakMap<number[], Set<number>>();

// A variation selector joins the character before it into one glyph (fontkit's glyphsForString).
const VARIATION_SELECTOR = /[\uFE00-\uFE0F]|\uDB40[\uDD00-\uDDEF]/;

/** A font with its glyph coverage, cached widths and cached glyph codes. */
class Face {
  private readonly glyphs: Set<number>;
  private readonly widths = new Map<string, number>();
  private readonly codes = new Map<string, string>();

  constructor(readonly pdf: PDFFont) {
    const set = pdf.getCharacterSet();
    let glyphs = coverage.get(set);
    if (!glyphs) coverage.set(set, (glyphs = new Set(set)));
    this.glyphs = glyphs;
  }

  /**
   * Clean text as the hex string of its glyphs in this PDF's subset: what `PDFFont.encodeText` gives,
   * one character at a time (one glyph per character: the layout is the character map), each code asked
   * of pdf-lib once per render, which also puts the glyph in the subset.
   */
  encode(text: string): string {
    if (VARIATION_SELECTOR.test(text)) return this.pdf.encodeText(text).asString();
    let hex = '';
    for (const ch of text) {
      let code = this.codes.get(ch);
      if (code === undefined) {
        code = this.pdf.encodeText(ch).asString();
        this.codes.set(ch, code);
      }
      hex += code;
    }
    return hex;
  }

  /** One line of drawable text: controls become spaces, missing glyphs the fallback. */
  clean(text: string): string {
    let out = '';
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      out += cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? ' ' : this.glyphs.has(cp) ? ch : FALLBACK;
    }
    return out;
  }

  /** Text widths add up glyph by glyph: the layout below draws no kerning. */
  width(text: string, size: number): number {
    let total = 0;
    for (const ch of text) {
      let w = this.widths.get(ch);
      if (w === undefined) {
        w = this.pdf.widthOfTextAtSize(ch, 1);
        this.widths.set(ch, w);
      }
      total += w;
    }
    return total * size;
  }

  /** Wraps text to a width: paragraphs at newlines, words at spaces, over-long words at characters. */
  wrap(text: string, size: number, width: number): string[] {
    const lines: string[] = [];
    for (const paragraph of text.replace(/\s+$/, '').split(/\r\n|\r|\n/)) {
      const words = this.clean(paragraph).split(/\s+/).filter(Boolean);
      if (!words.length) {
        lines.push('');
        continue;
      }
      const space = this.width(' ', size);
      let line = '';
      let lineWidth = 0;
      for (const word of words) {
        const w = this.width(word, size);
        if (line && lineWidth + space + w <= width) {
          line += ' ' + word;
          lineWidth += space + w;
          continue;
        }
        if (line) lines.push(line);
        if (w <= width) {
          line = word;
          lineWidth = w;
          continue;
        }
        line = '';
        lineWidth = 0;
        for (const ch of word) {
          const cw = this.width(ch, size);
          if (line && lineWidth + cw > width) {
            lines.push(line);
            line = '';
            lineWidth = 0;
          }
          line += ch;
          lineWidth += cw;
        }
      }
      lines.push(line);
    }
    return lines;
  }

  /** The text cut with an ellipsis to fit a width. */
  fit(text: string, size: number, width: number): string {
    const t = this.clean(text).trim();
    if (this.width(t, size) <= width) return t;
    const room = width - this.width('…', size);
    let cut = '';
    let used = 0;
    for (const ch of t) {
      used += this.width(ch, size);
      if (used > room) break;
      cut += ch;
    }
    return cut ? cut.trimEnd() + '…' : '';
  }
}

interface Theme {
  brand: RGB;
  onBrand: RGB; // text drawn on a brand fill
  brandText: RGB; // brand colour where it is readable on white, ink where it is not
  tint: RGB; // a wash of the brand for group headings and the total
}

function theme(hex: string): Theme {
  const parse = (h: string) => {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(h.trim());
    if (!m) return null;
    const d = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
    return [0, 2, 4].map((i) => parseInt(d.slice(i, i + 2), 16) / 255) as [number, number, number];
  };
  const c = parse(hex) ?? parse(DEFAULT_BRAND)!;
  const lum = (rgbs: number[]) => {
    const [r, g, b] = rgbs.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const l = lum(c);
  const ink = lum([INK.red, INK.green, INK.blue]);
  const mix = (t: number) => rgb(...(c.map((v) => 1 - (1 - v) * t) as [number, number, number]));
  return {
    brand: rgb(...c),
    onBrand: contrast(l, 1) >= contrast(l, ink) ? WHITE : INK,
    brandText: contrast(l, 1) >= 4.5 ? rgb(...c) : INK,
    tint: mix(0.1),
  };
}

interface Columns {
  item: { x: number; width: number };
  qty: { right: number; width: number };
  unit: { x: number; width: number };
  amount: { right: number; width: number };
  total: { right: number; width: number };
}

const PAD = 8;
const COLUMNS: Columns = (() => {
  const total = { right: RIGHT - PAD, width: 80 };
  const amount = { right: total.right - total.width - 10, width: 70 };
  const unit = { x: amount.right - amount.width - 10 - 34, width: 34 };
  const qty = { right: unit.x - 10, width: 42 };
  const itemX = LEFT + PAD;
  return { item: { x: itemX, width: qty.right - qty.width - 14 - itemX }, qty, unit, amount, total };
})();

const NAME_SIZE = 9;
const NAME_LEADING = 12;
const DESC_SIZE = 8;
const DESC_LEADING = 10.5;
const ROW_PAD = 6;

/** A number in a content stream: at most three decimals (a thousandth of a point), never an exponent. */
function num(v: number): string {
  const r = Math.round(v * 1000) / 1000;
  return r === 0 ? '0' : String(r);
}

/**
 * One page's text as content-stream syntax, written here rather than as pdf-lib operators: a 120-line
 * document draws ~1,500 texts, each was nine operator objects whose numbers pdf-lib formatted one at a
 * time when saving, and that was a third of a render (node --cpu-prof). Colour, font and spacing are set
 * only when they change. The text is the page's last content stream (Writer.finish), inside q … Q so none
 * of its state reaches anything drawn after it: it sits over the fills drawn under it (the table's head,
 * tinted group rows) as before, and shapes never cover text.
 */
class PageText {
  private out = 'q\n';
  private color = '';
  private font = '';
  private spacing = '0';

  add(hex: string, x: number, y: number, font: string, size: number, color: RGB, spacing: number) {
    const fill = `${num(color.red)} ${num(color.green)} ${num(color.blue)} rg\n`;
    if (fill !== this.color) {
      this.out += fill;
      this.color = fill;
    }
    const face = `${font} ${num(size)} Tf\n`;
    if (face !== this.font) {
      this.out += face;
      this.font = face;
    }
    const tc = num(spacing);
    if (tc !== this.spacing) {
      this.out += `${tc} Tc\n`;
      this.spacing = tc;
    }
    this.out += `BT ${num(x)} ${num(y)} Td <${hex}> Tj ET\n`;
  }

  contents(): string {
    return `${this.out}Q\n`;
  }
}

/** The pages drawn so far and the cursor on the current one. */
class Writer {
  readonly pages: PDFPage[] = [];
  page!: PDFPage;
  y = 0;
  // page.drawText adds a font resource to the page at every call; one per face and page is enough.
  private readonly fontKeys = new Map<PDFPage, Map<Face, PDFName>>();
  private readonly texts = new Map<PDFPage, PageText>();

  constructor(
    readonly doc: PDFDocument,
    readonly regular: Face,
    readonly bold: Face,
    readonly theme: Theme,
    readonly snapshot: ShownSnapshot,
  ) {}

  get room() {
    return this.y - BODY_BOTTOM;
  }

  text(text: string, x: number, baseline: number, face: Face, size: number, color: RGB = INK, spacing = 0) {
    const t = face.clean(text);
    if (!t.trim()) return;
    let page = this.texts.get(this.page);
    if (!page) this.texts.set(this.page, (page = new PageText()));
    page.add(face.encode(t), x, baseline, this.fontKey(face).asString(), size, color, spacing);
  }

  /** Puts each page's text in its content stream, after everything else the page draws; before saving. */
  finish() {
    const context = this.doc.context;
    for (const [page, text] of this.texts)
      page.node.addContentStream(context.register(context.flateStream(text.contents())));
    this.texts.clear();
  }

  private fontKey(face: Face): PDFName {
    let keys = this.fontKeys.get(this.page);
    if (!keys) this.fontKeys.set(this.page, (keys = new Map()));
    let key = keys.get(face);
    if (!key) keys.set(face, (key = this.page.node.newFontDictionary(face.pdf.name, face.pdf.ref)));
    return key;
  }

  textRight(text: string, right: number, baseline: number, face: Face, size: number, color: RGB = INK) {
    const t = face.clean(text);
    this.text(t, right - face.width(t, size), baseline, face, size, color);
  }

  /** Small spaced capitals that name a section. */
  label(text: string, x: number, baseline: number, color: RGB = MUTED) {
    this.text(text.toUpperCase(), x, baseline, this.bold, 7, color, 0.6);
  }

  rule(y: number, color: RGB = RULE, thickness = 0.5, from = LEFT, to = RIGHT) {
    this.page.drawLine({ start: { x: from, y }, end: { x: to, y }, thickness, color });
  }

  firstPage() {
    this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.pages.push(this.page);
    this.page.drawRectangle({ x: 0, y: PAGE_HEIGHT - 6, width: PAGE_WIDTH, height: 6, color: this.theme.brand });
    this.y = PAGE_HEIGHT - 40;
  }

  /** A continuation page: a slim running header, then the cursor under it. */
  nextPage() {
    const s = this.snapshot;
    this.page = this.doc.addPage([PAGE_WIDTH, PAGE_HEIGHT]);
    this.pages.push(this.page);
    this.page.drawRectangle({ x: 0, y: PAGE_HEIGHT - 4, width: PAGE_WIDTH, height: 4, color: this.theme.brand });
    const baseline = PAGE_HEIGHT - 30;
    const right = `${s.typeLabel} ${displayNumber(s.number, s.version)}`;
    const rightWidth = this.bold.width(this.bold.clean(right), 9);
    this.text(this.bold.fit(s.company.name, 9, WIDTH - rightWidth - 20), LEFT, baseline, this.bold, 9);
    this.textRight(right, RIGHT, baseline, this.bold, 9, this.theme.brandText);
    this.rule(PAGE_HEIGHT - 40);
    this.y = PAGE_HEIGHT - 52;
  }

  /** Starts a new page unless the height fits on this one. */
  ensure(height: number) {
    if (height > this.room) this.nextPage();
  }

  /** Lines of one size, moving to a new page whenever the next line does not fit. */
  flow(lines: string[], face: Face, size: number, leading: number, color: RGB = INK, x = LEFT) {
    for (const line of lines) {
      this.ensure(leading);
      this.text(line, x, this.y - size, face, size, color);
      this.y -= leading;
    }
  }
}

async function embedLogo(doc: PDFDocument, logo: PdfAssets['logo']): Promise<PDFImage | null> {
  if (!logo) return null;
  try {
    return logo.contentType === 'image/png' ? await doc.embedPng(logo.bytes) : await doc.embedJpg(logo.bytes);
  } catch {
    return null; // an unreadable logo must not keep a document from rendering
  }
}

const cmapFontkit = keptFontkit(cmapLayout);

function pdfDate(iso: string): Date {
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

/**
 * PDFs take turns per PDF Worker isolate (../turns): all CPU, so the first of a burst finishes first. Side by
 * side is safe (each subset is encoded in its own render's turn, ./subset-bytes), so one whose turn is
 * 30 s in coming renders anyway. No turn is held past 35 s.
 */
const pdfTurns = new Turns({ maxWaitMs: 30_000, heldAtMostMs: 35_000 });

/**
 * What every save and load of ours passes pdf-lib. By default it waits a timer tick every 50 objects it
 * writes (100 it parses), to let a browser page's other work run; the PDF Worker renders one PDF at a time
 * and has no other work, and in workerd those timers cost more than the objects between them (issue 19).
 */
export const SAVE_OPTIONS = { objectsPerTick: Number.POSITIVE_INFINITY } as const;
export const LOAD_OPTIONS = { parseSpeed: Number.POSITIVE_INFINITY, updateMetadata: false } as const;

export function inPdfTurn<T>(work: () => Promise<T>): Promise<T> {
  return pdfTurns.run(work, work);
}

export function renderDocumentPdf(snapshot: ShownSnapshot, assets: PdfAssets): Promise<RenderedPdf> {
  return inPdfTurn(() => renderNow(snapshot, assets));
}

async function renderNow(snapshot: ShownSnapshot, assets: PdfAssets): Promise<RenderedPdf> {
  const s = snapshot;
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(cmapFontkit);
  const regular = new Face(await doc.embedFont(assets.font, { subset: true }));
  const bold = new Face(await doc.embedFont(assets.boldFont, { subset: true }));
  const logo = await embedLogo(doc, assets.logo);
  const number = displayNumber(s.number, s.version);

  const date = pdfDate(s.issueDate);
  doc.setTitle(`${s.typeLabel} ${number}${s.title ? ` — ${s.title}` : ''}`);
  doc.setAuthor(s.company.name);
  doc.setSubject(s.title || s.typeLabel);
  doc.setCreator('Contractor Portal');
  doc.setProducer('Contractor Portal');
  doc.setCreationDate(date);
  doc.setModificationDate(date);
  doc.setLanguage('en-US');

  const w = new Writer(doc, regular, bold, theme(s.company.brandColor), s);
  w.firstPage();
  header(w, logo);
  parties(w);
  scope(w);
  lineTable(w);
  totals(w);
  payments(w);
  terms(w);
  const signatureBoxes = s.requireSignature ? signatureBlocks(w) : [];
  footers(w);
  w.finish();

  const bytes = (await doc.save(SAVE_OPTIONS)) as Uint8Array<ArrayBuffer>;
  return { bytes, signatureBox: signatureBoxes[0] ?? null, signatureBoxes };
}

function header(w: Writer, logo: PDFImage | null) {
  const s = w.snapshot;
  const top = w.y;
  const leftWidth = 290;
  const number = displayNumber(s.number, s.version);

  let left = top;
  if (logo) {
    const scale = Math.min(170 / logo.width, 56 / logo.height);
    const width = logo.width * scale;
    const height = logo.height * scale;
    w.page.drawImage(logo, { x: LEFT, y: left - height, width, height });
    left -= height + 12;
  }
  for (const line of w.bold.wrap(s.company.name, 14, leftWidth).slice(0, 2)) {
    w.text(line, LEFT, left - 14, w.bold, 14);
    left -= 18;
  }
  const contact = [s.company.phone, s.company.email]
    .map((v) => v.trim())
    .filter(Boolean)
    .join('   ·   ');
  for (const line of [
    ...w.regular.wrap(s.company.address, 8.5, leftWidth).filter(Boolean).slice(0, 4),
    ...w.regular.wrap(contact, 8.5, leftWidth).slice(0, 2),
  ]) {
    w.text(line, LEFT, left - 8.5, w.regular, 8.5, MUTED);
    left -= 11.5;
  }

  let right = top;
  w.textRight(w.bold.fit(s.typeLabel, 22, 220), RIGHT, right - 20, w.bold, 22, w.theme.brandText);
  right -= 30;
  w.textRight(w.bold.fit(number, 11, 220), RIGHT, right - 11, w.bold, 11);
  right -= 20;
  const facts: [string, string][] = [['Date', calendarDate(s.issueDate)]];
  if (s.dueDate) facts.push([s.dueLabel, calendarDate(s.dueDate)]);
  for (const [label, value] of facts) {
    w.textRight(label, RIGHT - 86, right - 8.5, w.regular, 8.5, MUTED);
    w.textRight(value, RIGHT, right - 8.5, w.bold, 8.5);
    right -= 13;
  }

  w.y = Math.min(left, right) - 12;
  w.rule(w.y, w.theme.brand, 1.25);
  w.y -= 18;
}

/** Prepared for, prepared by and the job, side by side. */
function parties(w: Writer) {
  const s = w.snapshot;
  const gap = 20;
  const width = (WIDTH - 2 * gap) / 3;
  const recipient = {
    first: s.preparedFor.accountName || s.preparedFor.contactName,
    rest: [s.preparedFor.accountName ? s.preparedFor.contactName : '', s.preparedFor.email, s.preparedFor.address],
  };
  const company = { first: s.company.name, rest: [s.preparedBy.name, s.preparedBy.email] };
  // A bill is the vendor's, to the company: it reads from the vendor's side.
  const bill = s.type === 'bill';
  const blocks: { label: string; first: string; rest: string[] }[] = [
    bill ? { label: 'From', ...recipient } : { label: 'Prepared for', ...recipient },
    bill ? { label: 'To', ...company } : { label: 'Prepared by', ...company },
    { label: 'Job', first: s.job.name, rest: [`Job #${s.job.number}`, s.job.address] },
  ];
  const top = w.y;
  let bottom = top;
  blocks.forEach((block, i) => {
    const x = LEFT + i * (width + gap);
    let y = top;
    w.label(block.label, x, y - 7);
    y -= 15;
    const firstLines = w.bold.wrap(block.first, 9.5, width).slice(0, 3);
    for (const line of firstLines) {
      w.text(line, x, y - 9.5, w.bold, 9.5);
      y -= 13;
    }
    const rest = block.rest
      .filter((v) => v.trim())
      .flatMap((v) => w.regular.wrap(v, 8.5, width))
      .slice(0, 8);
    for (const line of rest) {
      w.text(line, x, y - 8.5, w.regular, 8.5, INK);
      y -= 11.5;
    }
    bottom = Math.min(bottom, y);
  });
  w.y = bottom - 16;
}

function scope(w: Writer) {
  const s = w.snapshot;
  const title = s.title.trim() && s.title.trim() !== s.typeLabel ? s.title.trim() : '';
  if (title) {
    const lines = w.bold.wrap(title, 12.5, WIDTH);
    w.ensure(lines.length * 16 + 24);
    w.flow(lines, w.bold, 12.5, 16);
    w.y -= 4;
  }
  if (s.description.trim()) {
    const lines = w.regular.wrap(s.description, 9, WIDTH);
    w.ensure(14 + Math.min(lines.length, 3) * 12.5);
    w.label(s.type === 'customer_invoice' || s.type === 'bill' ? 'Description' : 'Scope of work', LEFT, w.y - 7);
    w.y -= 15;
    w.flow(lines, w.regular, 9, 12.5);
  }
  if (title || s.description.trim()) w.y -= 14;
}

const TABLE_HEAD = 20;

function tableHead(w: Writer) {
  const s = w.snapshot;
  const c = COLUMNS;
  const top = w.y;
  w.page.drawRectangle({ x: LEFT, y: top - TABLE_HEAD, width: WIDTH, height: TABLE_HEAD, color: w.theme.brand });
  const baseline = top - 13.5;
  const color = w.theme.onBrand;
  const amountLabel = s.amountColumn === 'price' ? 'Unit price' : 'Unit cost';
  const shown = shownColumns(s);
  w.text('Item', c.item.x, baseline, w.bold, 8.5, color);
  if (shown.quantity) {
    w.textRight('Qty', c.qty.right, baseline, w.bold, 8.5, color);
    w.text('Unit', c.unit.x, baseline, w.bold, 8.5, color);
  }
  if (shown.unitAmount) w.textRight(amountLabel, c.amount.right, baseline, w.bold, 8.5, color);
  if (shown.total) w.textRight(shown.total, c.total.right, baseline, w.bold, 8.5, color);
  w.y = top - TABLE_HEAD;
}

function itemHeight(w: Writer, line: ShownLine) {
  const name = w.bold.wrap(line.name || ' ', NAME_SIZE, COLUMNS.item.width);
  const mark = lineMark(w.snapshot, line);
  const marks = mark ? w.bold.wrap(mark, DESC_SIZE, COLUMNS.item.width) : [];
  const desc = line.description.trim() ? w.regular.wrap(line.description, DESC_SIZE, COLUMNS.item.width) : [];
  const below = marks.length + desc.length;
  return {
    name,
    marks,
    desc,
    height: ROW_PAD + name.length * NAME_LEADING + (below ? 1 + below * DESC_LEADING : 0) + ROW_PAD,
  };
}

function groupHeight(w: Writer, line: ShownLine) {
  const mark = lineMark(w.snapshot, line);
  const width = WIDTH - 2 * PAD - (line.subtotal !== undefined ? COLUMNS.total.width + 10 : 0);
  const name = w.bold.wrap(mark ? `${line.name} (${mark})` : line.name || ' ', 9.5, width);
  return { name, height: 7 + name.length * 12.5 + 5 };
}

/** A money amount shrunk, when it must be, to fit its column. */
function amount(w: Writer, cents: number, right: number, width: number, baseline: number) {
  const text = money(cents, w.snapshot.currency);
  const size = Math.min(NAME_SIZE, (NAME_SIZE * width) / w.regular.width(text, NAME_SIZE));
  w.textRight(text, right, baseline, w.regular, size);
}

function emptyBox(w: Writer, right: number, width: number, baseline: number) {
  w.page.drawRectangle({
    x: right - width,
    y: baseline - 4.5,
    width,
    height: 15,
    color: WHITE,
    borderColor: BOX,
    borderWidth: 0.75,
  });
}

function lineTable(w: Writer) {
  const s = w.snapshot;
  const c = COLUMNS;
  const tableBreak = () => {
    w.nextPage();
    tableHead(w);
  };
  const lines = s.lines;
  if (!lines.length) return;
  // The header, and the first row with it.
  const first = lines[0].kind === 'group' ? groupHeight(w, lines[0]).height : itemHeight(w, lines[0]).height;
  w.ensure(TABLE_HEAD + Math.min(first, 120));
  tableHead(w);

  lines.forEach((line, i) => {
    if (line.kind === 'group') {
      const g = groupHeight(w, line);
      const next = lines[i + 1];
      // A heading never ends a page: it keeps the row after it.
      const keep = next && next.kind === 'item' ? Math.min(itemHeight(w, next).height, 120) : 0;
      if (g.height + keep > w.room) tableBreak();
      w.page.drawRectangle({ x: LEFT, y: w.y - g.height, width: WIDTH, height: g.height, color: w.theme.tint });
      let y = w.y - 7;
      if (line.subtotal !== undefined) amount(w, line.subtotal, c.total.right, c.total.width, y - 9.5);
      for (const name of g.name) {
        w.text(name, LEFT + PAD, y - 9.5, w.bold, 9.5);
        y -= 12.5;
      }
      w.y -= g.height;
      w.rule(w.y);
      return;
    }

    const row = itemHeight(w, line);
    if (row.height > w.room) tableBreak();
    let y = w.y - ROW_PAD;
    const baseline = y - NAME_SIZE;
    for (const name of row.name) {
      w.text(name, c.item.x, y - NAME_SIZE, w.bold, NAME_SIZE);
      y -= NAME_LEADING;
    }
    if (line.quantity !== undefined) w.textRight(quantity(line.quantity), c.qty.right, baseline, w.regular, NAME_SIZE);
    if (line.unit !== undefined)
      w.text(w.regular.fit(line.unit, NAME_SIZE, c.unit.width), c.unit.x, baseline, w.regular, NAME_SIZE);
    if (s.amountColumn === 'bid') {
      emptyBox(w, c.amount.right, c.amount.width, baseline);
      emptyBox(w, c.total.right, c.total.width, baseline);
    } else {
      if (line.unitAmount !== undefined) amount(w, line.unitAmount, c.amount.right, c.amount.width, baseline);
      if (line.total !== undefined) amount(w, line.total, c.total.right, c.total.width, baseline);
    }
    if (row.marks.length || row.desc.length) y -= 1;
    for (const mark of row.marks) {
      w.text(mark, c.item.x, y - DESC_SIZE, w.bold, DESC_SIZE, w.theme.brandText);
      y -= DESC_LEADING;
    }
    for (const desc of row.desc) {
      // Only a row taller than a whole page gets here with too little room: it continues overleaf.
      if (y - DESC_LEADING < BODY_BOTTOM + ROW_PAD) {
        tableBreak();
        y = w.y - ROW_PAD;
      }
      w.text(desc, c.item.x, y - DESC_SIZE, w.regular, DESC_SIZE, MUTED);
      y -= DESC_LEADING;
    }
    w.y = y - ROW_PAD;
    w.rule(w.y);
  });
}

function totals(w: Writer) {
  const s = w.snapshot;
  const t = s.totals;
  const cur = s.currency;
  const width = 250;
  const x = RIGHT - width;
  const bid = s.amountColumn === 'bid';

  const rows: { label: string; value: string | null; strong?: boolean; total?: boolean; ruled?: boolean }[] = [];
  if (bid) {
    rows.push({ label: 'Bid total', value: null, total: true });
  } else {
    rows.push({ label: 'Subtotal', value: money(t.subtotal, cur) });
    if (s.taxRate !== 0 || t.tax !== 0) rows.push({ label: `Tax (${percent(s.taxRate)})`, value: money(t.tax, cur) });
    rows.push({ label: 'Total', value: money(t.total, cur), total: true });
    if (t.deposit !== 0) {
      const name = s.type === 'customer_invoice' ? 'Amount due' : 'Deposit';
      rows.push({
        label: s.deposit.kind === 'percent' ? `${name} (${percent(s.deposit.value)})` : name,
        value: money(t.deposit, cur),
        strong: true,
      });
    }
    if (s.payments.length) {
      rows.push({ label: 'Paid', value: money(-t.paid, cur) });
      rows.push({ label: 'Balance', value: money(t.balance, cur), strong: true, ruled: true });
    }
    const c = s.contract;
    if (c) {
      rows.push({ label: 'Original contract', value: money(c.original, cur), ruled: true });
      rows.push({ label: `Approved change orders (${c.approvedCount})`, value: money(c.approvedChanges, cur) });
      rows.push({ label: 'This change order', value: money(c.change, cur) });
      rows.push({ label: 'New contract total', value: money(c.newTotal, cur), strong: true, ruled: true });
    }
  }

  const rowHeight = 18;
  const height = rows.reduce((h, r) => h + (r.total ? 26 : rowHeight), 0) + 14;
  w.ensure(height);
  w.y -= 10;
  for (const row of rows) {
    if (row.total) {
      w.page.drawRectangle({ x, y: w.y - 26, width, height: 26, color: w.theme.tint });
      w.rule(w.y, w.theme.brand, 1, x, RIGHT);
      w.text(row.label, x + PAD, w.y - 17, w.bold, 11);
      if (row.value === null) emptyBox(w, RIGHT - PAD, 110, w.y - 17);
      else w.textRight(row.value, RIGHT - PAD, w.y - 17, w.bold, 11);
      w.y -= 26;
      continue;
    }
    const face = row.strong ? w.bold : w.regular;
    if (row.ruled) w.rule(w.y - 1, RULE, 0.75, x, RIGHT);
    w.text(row.label, x + PAD, w.y - 12.5, face, 9.5, row.strong ? INK : MUTED);
    w.textRight(row.value ?? '', RIGHT - PAD, w.y - 12.5, face, 9.5);
    w.y -= rowHeight;
  }
  const chosen = chosenSentence(s);
  if (chosen) {
    // Issue 20: a chosen snapshot says, by its totals, which options they are the total of.
    w.y -= 8;
    w.flow(w.regular.wrap(chosen, 9, WIDTH), w.regular, 9, 12.5);
  }
  w.y -= 22;
}

function payments(w: Writer) {
  const s = w.snapshot;
  if (!s.payments.length) return;
  w.ensure(20 + 15);
  w.label('Payments received', LEFT, w.y - 7);
  w.y -= 14;
  w.rule(w.y);
  w.y -= 3;
  for (const p of s.payments) {
    w.ensure(15);
    const what = [p.method, p.reference]
      .map((v) => v.trim())
      .filter(Boolean)
      .join(' · ');
    w.text(calendarDate(p.paidOn), LEFT, w.y - 9, w.regular, 9);
    w.text(w.regular.fit(what, 9, WIDTH - 200), LEFT + 90, w.y - 9, w.regular, 9, MUTED);
    w.textRight(money(p.amount, s.currency), RIGHT - PAD, w.y - 9, w.regular, 9);
    w.y -= 15;
    w.rule(w.y + 3);
  }
  w.y -= 18;
}

function terms(w: Writer) {
  const s = w.snapshot;
  if (!s.terms.trim()) return;
  const lines = w.regular.wrap(s.terms, 8.5, WIDTH);
  w.ensure(16 + Math.min(lines.length, 3) * 11.5);
  w.label('Terms and conditions', LEFT, w.y - 7);
  w.y -= 16;
  w.flow(lines, w.regular, 8.5, 11.5, INK);
  w.y -= 18;
}

/**
 * The acceptance: one block per signer (the snapshot's `signers`, in signing order; a snapshot from
 * before issue 17 has none and gets one block for its recipient), then "Countersigned by" the
 * company when the document asks for its countersignature.
 */
function signatureBlocks(w: Writer): SignatureBox[] {
  const s = w.snapshot;
  const who = s.preparedFor.accountName || s.preparedFor.contactName || 'the recipient';
  const amountText = s.amountColumn === 'bid' ? '' : ` for ${money(s.totals.total, s.currency)}`;
  const sentence = w.regular.wrap(
    `Signed by ${who} to accept ${s.typeLabel} ${displayNumber(s.number, s.version)}${amountText} as written above.`,
    8.5,
    WIDTH,
  );
  const signers = s.signers?.length ? s.signers : [null];
  w.ensure(16 + sentence.length * 11.5 + 8 + blockHeight(signers[0]));
  w.label('Acceptance', LEFT, w.y - 7);
  w.y -= 16;
  w.flow(sentence, w.regular, 8.5, 11.5, MUTED);
  w.y -= 8;
  const boxes = signers.map((signer, i) => {
    if (i > 0) w.y -= BLOCK_GAP;
    return signatureBlock(w, signer ? signer.name : null);
  });
  if (s.countersign) {
    w.y -= BLOCK_GAP;
    w.ensure(16 + blockHeight(null));
    w.label(`Countersigned by ${s.company.name}`, LEFT, w.y - 7);
    w.y -= 16;
    boxes.push({ ...signatureBlock(w, null), countersign: true });
  }
  return boxes;
}

const BOX_HEIGHT = 46;
const CAPTION_HEIGHT = 14;
const BLOCK_GAP = 12;
const blockHeight = (caption: unknown) => (caption ? CAPTION_HEIGHT : 0) + BOX_HEIGHT + 14 + 30 + 14;

/** One block: a caption (the signer's name), the signature line, the date line and the printed-name line. */
function signatureBlock(w: Writer, caption: string | null): SignatureBox {
  w.ensure(blockHeight(caption));
  const page = w.pages.length - 1;
  if (caption) {
    w.text(w.bold.fit(caption, 8.5, WIDTH), LEFT, w.y - 9, w.bold, 8.5);
    w.y -= CAPTION_HEIGHT;
  }
  const signWidth = 300;
  const dateX = LEFT + signWidth + 30;
  const dateWidth = RIGHT - dateX;
  const signLine = w.y - BOX_HEIGHT;
  w.rule(signLine, INK, 0.75, LEFT, LEFT + signWidth);
  w.rule(signLine, INK, 0.75, dateX, RIGHT);
  w.text('Signature', LEFT, signLine - 11, w.regular, 8, MUTED);
  w.text('Date', dateX, signLine - 11, w.regular, 8, MUTED);
  const nameLine = signLine - 14 - 30;
  w.rule(nameLine, INK, 0.75, LEFT, LEFT + signWidth);
  w.text('Printed name', LEFT, nameLine - 11, w.regular, 8, MUTED);
  w.y = nameLine - 14;

  return {
    page,
    x: LEFT,
    y: signLine + 2,
    width: signWidth,
    height: BOX_HEIGHT - 4,
    date: { page, x: dateX, y: signLine + 2, width: dateWidth, height: 16 },
    printedName: { page, x: LEFT, y: nameLine + 2, width: signWidth, height: 16 },
  };
}

/** "Page N of M" and the document's footer on every page, drawn once the page count is known. */
function footers(w: Writer) {
  const s = w.snapshot;
  const total = w.pages.length;
  const footer = w.regular.wrap(s.footer, 7.5, WIDTH - 110).slice(0, 2);
  w.pages.forEach((page, i) => {
    w.page = page;
    w.rule(48, RULE);
    footer.forEach((line, n) => w.text(line, LEFT, 36 - n * 9.5, w.regular, 7.5, MUTED));
    w.textRight(`Page ${i + 1} of ${total}`, RIGHT, 36, w.regular, 8, MUTED);
  });
}
