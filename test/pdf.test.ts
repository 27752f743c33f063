import fontkit from '@pdf-lib/fontkit';
import { env } from 'cloudflare:workers';
import { PDFDocument, PDFName, PDFRawStream } from 'pdf-lib';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { loadPdfLogo } from '../src/pdf/assets';
import { FONTS, withFonts } from '../src/pdf/fonts';
import { renderDocumentPdf } from '../src/pdf/render';
import { sfntFromWoff } from '../src/pdf/woff';
import scriptWoff from '../public/fonts/DancingScript-Regular.woff';
import { money } from '../views/format';
import { makeSnapshot, NON_LATIN, snapshotLines } from './pdf-snapshot';

const LOGO_PNG = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAYAAAB/qH1jAAAAFUlEQVR42mP4DwTy8d3/YTQDMgcEAJOpGBF2uhYUAAAAAElFTkSuQmCC'),
  (c) => c.charCodeAt(0),
);

async function pagesText(bytes: Uint8Array): Promise<string[]> {
  const { text } = await extractText(await getDocumentProxy(bytes.slice()), { mergePages: false });
  return text.map((t) => t.replace(/\s+/g, ' '));
}

async function imageCount(bytes: Uint8Array) {
  const doc = await PDFDocument.load(bytes);
  return doc.context
    .enumerateIndirectObjects()
    .filter(([, o]) => o instanceof PDFRawStream && o.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')).length;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
}

describe('document PDF', () => {
  it('holds its fonts in the PDF Worker, the same bytes for every render', async () => {
    const first = withFonts(await loadPdfLogo(env, makeSnapshot().company));
    const second = withFonts(null);
    expect(first.font.byteLength).toBeGreaterThan(100_000);
    expect(first.boldFont.byteLength).toBeGreaterThan(100_000);
    expect(FONTS.script.byteLength).toBeGreaterThan(10_000);
    expect(second.font).toBe(first.font);
    expect(first.logo).toBeNull();
  });

  it('unpacks the script face from the browser WOFF into the same font, glyph for glyph', () => {
    const woff = new Uint8Array(scriptWoff);
    const ttf = sfntFromWoff(woff);
    expect(ttf).toEqual(FONTS.script);
    expect(new DataView(ttf.buffer, ttf.byteOffset).getUint32(0)).not.toBe(0x774f4646); // no longer 'wOFF'
    const [a, b] = [fontkit.create(woff), fontkit.create(ttf)];
    expect(b.numGlyphs).toBe(a.numGlyphs);
    expect(b.unitsPerEm).toBe(a.unitsPerEm);
    expect(b.characterSet).toEqual(a.characterSet);
    // The typed name keeps its shaping: the same glyphs, advances and outlines either way.
    const name = 'Dana Reyes-Ørsted, Jr.';
    const [la, lb] = [a.layout(name), b.layout(name)];
    expect(lb.glyphs.map((g) => g.id)).toEqual(la.glyphs.map((g) => g.id));
    expect(lb.positions).toEqual(la.positions);
    expect(lb.glyphs.map((g) => g.path.toSVG())).toEqual(la.glyphs.map((g) => g.path.toSVG()));
    // Anything that is not a WOFF passes through as it is.
    expect(sfntFromWoff(FONTS.regular)).toBe(FONTS.regular);
  });

  it('renders 300 lines with group headings and non-Latin text across pages', async () => {
    const lines = snapshotLines(300);
    lines[5] = { ...lines[5], name: 'Zürich – Señor Muñoz €1' };
    const snapshot = makeSnapshot({
      lines,
      preparedFor: {
        accountName: 'Παπαδόπουλος & Ørsted',
        contactName: 'Дана Рейес',
        email: 'dana@example.test',
        address: 'Zürich',
      },
      description: `Scope for ${NON_LATIN}.`,
    });
    const started = Date.now();
    const { bytes, signatureBox } = await renderDocumentPdf(
      snapshot,
      withFonts(await loadPdfLogo(env, snapshot.company)),
    );
    console.log(`300-line estimate: ${bytes.byteLength} bytes in ${Date.now() - started} ms`);

    const pages = await pagesText(bytes);
    const all = pages.join(' ');
    const count = pages.length;
    expect(count).toBeGreaterThan(1);
    pages.forEach((page, i) => expect(page).toContain(`Page ${i + 1} of ${count}`));
    pages.forEach((page) => expect(page).toContain('Summit Ridge Builders LLC · License #CB-104233'));

    const lastTablePage = pages.findIndex((p) => p.includes('Last item: final walkthrough'));
    expect(lastTablePage).toBeGreaterThan(0);
    for (const page of pages.slice(0, lastTablePage + 1))
      for (const head of ['Item', 'Qty', 'Unit', 'Unit price', 'Total']) expect(page).toContain(head);

    expect(pages[0]).toContain('First item: site survey and layout');
    expect(pages[0]).toContain('Estimate');
    expect(pages[0]).toContain('EST-0004 rev 2');
    expect(pages[0]).toContain('Mar 2, 2026');
    expect(pages[0]).toContain('Valid until');
    for (const text of [
      'Zürich',
      'Ørsted',
      'Señor Muñoz',
      '€1',
      'Дана Рейес',
      'Παπαδόπουλος',
      '—',
      'Zürich – Señor Muñoz €1',
    ])
      expect(all).toContain(text);
    for (const group of ['Demolition — phase 1', 'Framing — phase 2', 'Demolition — phase 11'])
      expect(all).toContain(group);

    // A row and its description end on the same page.
    snapshot.lines.forEach((line, i) => {
      if (line.kind !== 'item' || !line.description || !line.name.startsWith('Item ')) return;
      const namePage = pages.findIndex((p) => p.includes(`${line.name} `) || p.endsWith(line.name));
      expect(pages[namePage], `line ${i}`).toContain(`ref-L${i + 1}`);
    });

    const last = pages[count - 1];
    const t = snapshot.totals;
    for (const text of [
      'Subtotal',
      money(t.subtotal),
      'Tax (8.875%)',
      money(t.tax),
      'Total',
      money(t.total),
      'Deposit (25%)',
      money(t.deposit),
    ])
      expect(all).toContain(text);
    expect(all).toContain('Terms and conditions'.toUpperCase());
    for (const label of ['Signature', 'Printed name', 'Date']) expect(last).toContain(label);
    expect(signatureBox).not.toBeNull();
    expect(signatureBox!.page).toBe(count - 1);
    expect(signatureBox!.y).toBeGreaterThan(64);
    expect(signatureBox!.y + signatureBox!.height).toBeLessThan(792);

    const doc = await PDFDocument.load(bytes);
    expect(doc.getTitle()).toBe('Estimate EST-0004 rev 2 — Kitchen and deck renovation');
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(doc.getPage(0).getSize()).toEqual({ width: 612, height: 792 });
  });

  it('renders the same snapshot to the same bytes', async () => {
    const snapshot = makeSnapshot({ lines: snapshotLines(80) });
    const assets = withFonts(await loadPdfLogo(env, snapshot.company));
    const a = await renderDocumentPdf(snapshot, assets);
    const b = await renderDocumentPdf(structuredClone(snapshot), assets);
    expect(await sha256(b.bytes)).toBe(await sha256(a.bytes));
    expect(b.signatureBox).toEqual(a.signatureBox);
  });

  it('leaves the cost columns of a bid request empty for the vendor', async () => {
    const snapshot = makeSnapshot({
      type: 'bid_request',
      subtype: null,
      typeLabel: 'Bid Request',
      number: 'BID-0003',
      version: 1,
      dueLabel: 'Bids due',
      side: 'vendor',
      amountColumn: 'bid',
      requireSignature: false,
      taxRate: 0,
      deposit: { kind: 'none', value: 0 },
      lines: snapshotLines(40, true),
    });
    const { bytes, signatureBox } = await renderDocumentPdf(
      snapshot,
      withFonts(await loadPdfLogo(env, snapshot.company)),
    );
    const pages = await pagesText(bytes);
    const all = pages.join(' ');
    expect(signatureBox).toBeNull();
    expect(pages[0]).toContain('BID-0003');
    expect(pages[0]).not.toContain('rev');
    expect(pages[0]).toContain('Bids due');
    pages.forEach((page) => expect(page).toContain('Unit cost'));
    expect(all).not.toContain('Unit price');
    expect(all).not.toContain('$');
    expect(all).toContain('Bid total');
    expect(all).not.toContain('Signature');
  });

  it('shows payments and the balance on an invoice', async () => {
    const snapshot = makeSnapshot({
      type: 'customer_invoice',
      subtype: null,
      typeLabel: 'Invoice',
      number: 'INV-0011',
      version: 1,
      dueLabel: 'Due',
      requireSignature: false,
      deposit: { kind: 'fixed', value: 500_000 },
      lines: snapshotLines(6),
      payments: [
        { amount: 250_000, paidOn: '2026-03-10', method: 'Check', reference: '#1042' },
        { amount: 100_000, paidOn: '2026-03-20', method: 'ACH', reference: '' },
      ],
    });
    const { bytes } = await renderDocumentPdf(snapshot, withFonts(await loadPdfLogo(env, snapshot.company)));
    const all = (await pagesText(bytes)).join(' ');
    const t = snapshot.totals;
    for (const text of [
      'Amount due',
      money(t.deposit),
      'Paid',
      money(-t.paid),
      'Balance',
      money(t.balance),
      'Mar 10, 2026',
      'Check · #1042',
      '$2,500.00',
    ])
      expect(all).toContain(text);
  });

  it('draws the logo from R2', async () => {
    const logoKey = 'org/test/logo/pdf-test';
    await env.FILES.put(logoKey, LOGO_PNG, { httpMetadata: { contentType: 'image/png' } });
    const snapshot = makeSnapshot({ company: { ...makeSnapshot().company, logoKey, logoContentType: 'image/png' } });
    const assets = withFonts(await loadPdfLogo(env, snapshot.company));
    expect(assets.logo?.contentType).toBe('image/png');
    const { bytes } = await renderDocumentPdf(snapshot, assets);
    expect(await imageCount(bytes)).toBe(1);

    const missing = makeSnapshot({ company: { ...snapshot.company, logoKey: 'org/test/logo/gone' } });
    const withoutLogo = withFonts(await loadPdfLogo(env, missing.company));
    expect(withoutLogo.logo).toBeNull();
    expect(await imageCount((await renderDocumentPdf(missing, withoutLogo)).bytes)).toBe(0);
  });

  it('never fails on characters the font lacks, odd colours or a broken logo', async () => {
    const lines = snapshotLines(4);
    lines[1] = { ...lines[1], name: '山田太郎 😀 Zürich', description: 'tab\there\u0000nul\u200bzero-width' };
    const snapshot = makeSnapshot({
      lines,
      company: { ...makeSnapshot().company, name: '株式会社 Builders', brandColor: 'not-a-colour' },
    });
    const assets = withFonts(null);
    const { bytes } = await renderDocumentPdf(snapshot, {
      ...assets,
      logo: { bytes: new Uint8Array([1, 2, 3]), contentType: 'image/png' },
    });
    const all = (await pagesText(bytes)).join(' ');
    expect(all).toContain('???? ? Zürich');
    expect(all).toContain('Builders');

    const light = makeSnapshot({ company: { ...makeSnapshot().company, brandColor: '#ffeb3b' } });
    expect((await renderDocumentPdf(light, assets)).bytes.byteLength).toBeGreaterThan(1000);

    const empty = makeSnapshot({ lines: [], description: '', terms: '', footer: '', title: '' });
    expect(await pagesText((await renderDocumentPdf(empty, assets)).bytes)).toHaveLength(1);
  });

  it('continues a row taller than a whole page overleaf instead of looping', async () => {
    const lines = snapshotLines(3);
    lines[1] = {
      ...lines[1],
      name: 'Very long specification',
      description: Array.from({ length: 900 }, (_, i) => `word${i}`).join(' ') + ' end-of-spec',
    };
    const snapshot = makeSnapshot({ lines, requireSignature: false });
    const pages = await pagesText(
      (await renderDocumentPdf(snapshot, withFonts(await loadPdfLogo(env, snapshot.company)))).bytes,
    );
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.join(' ')).toContain('end-of-spec');
    pages.forEach((page, i) => expect(page).toContain(`Page ${i + 1} of ${pages.length}`));
  });
});
