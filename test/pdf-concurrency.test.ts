import { Buffer } from 'node:buffer';
import fontkit from '@pdf-lib/fontkit';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signatures } from '../src/db/schema';
import { extractText, getDocumentProxy } from 'unpdf';
import { FONTS, withFonts } from '../src/pdf/fonts';
import { renderDocumentPdf } from '../src/pdf/render';
import { subsetBytes } from '../src/pdf/subset-bytes';
import { companyWithBudget, createDocument, sentToRecipient } from './fixtures';
import { db } from './helpers';
import { makeSnapshot, NON_LATIN } from './pdf-snapshot';

afterEach(() => vi.restoreAllMocks());

type Subset = ReturnType<ReturnType<typeof fontkit.create>['createSubset']>;

interface NodeStream {
  on(event: string, listener: (...args: never[]) => void): NodeStream;
}

/** The bytes of `subset` from src/pdf/subset-bytes.ts (fontkit's types leave out the subset's `encode`). */
const encoded = (subset: Subset) => subsetBytes(subset as unknown as Parameters<typeof subsetBytes>[0]);

/** fontkit's own way: its Readable stream, started from its bundled process.nextTick shim. */
function streamedBytes(subset: Subset): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Uint8Array[] = [];
    (subset.encodeStream() as unknown as NodeStream)
      .on('data', (bytes: Uint8Array) => parts.push(bytes))
      .on('end', () => {
        const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        resolve(out);
      })
      .on('error', reject);
  });
}

function subsetOf(bytes: Uint8Array, text: string): Subset {
  const font = fontkit.create(bytes);
  const subset = font.createSubset();
  for (const glyph of font.glyphsForString(text)) subset.includeGlyph(glyph);
  return subset;
}

/** Every fontkit subset's stream (Subset.prototype, the base of TTFSubset and CFFSubset). */
function subsetStreamPrototype(): { encodeStream: () => unknown } {
  return Object.getPrototypeOf(Object.getPrototypeOf(fontkit.create(FONTS.regular).createSubset()));
}

// fontkit's subsetter streamed through a nextTick shim that keeps one queue per isolate, drained by a
// timer of whichever request queued first: two renders at once ran one's work in the other's timer, and
// a render cut off mid-way left the queue stalled for every later PDF. Subsets are now encoded in the
// render's own turn (src/pdf/subset-bytes.ts), and renders no longer wait on each other.
describe('PDF rendering under concurrency', () => {
  it('encodes a font subset to the bytes fontkit streams, for each of the three fonts', async () => {
    const text = `Estimate EST-0042 $12,345.67 ${NON_LATIN} ~!@#%^&*()_+{}|:"<>?`;
    for (const bytes of [FONTS.regular, FONTS.bold, FONTS.script]) {
      const mine = encoded(subsetOf(bytes, text));
      expect(mine.length).toBeGreaterThan(1_000);
      expect(mine).toEqual(await streamedBytes(subsetOf(bytes, text)));
      // A subset of the whole text is smaller than the font, and a second glyph set gives other bytes.
      expect(mine.length).toBeLessThan(bytes.length);
      expect(encoded(subsetOf(bytes, 'a'))).not.toEqual(mine);
    }
  });

  it("writes every number and string restructure can ask for as Node's Buffer writes it", () => {
    const numbers: [string, number][] = [
      ['UInt8', 200],
      ['Int8', -5],
      ['UInt16BE', 51234],
      ['UInt16LE', 51234],
      ['Int16BE', -1234],
      ['Int16LE', -1234],
      ['UInt24BE', 0xabcdef],
      ['UInt24LE', 0xabcdef],
      ['Int24BE', -70000],
      ['Int24LE', -70000],
      ['UInt32BE', 0xdeadbeef],
      ['UInt32LE', 0xdeadbeef],
      ['Int32BE', -9],
      ['Int32LE', -9],
      ['FloatBE', 1.5],
      ['FloatLE', 1.5],
      ['DoubleBE', Math.PI],
      ['DoubleLE', Math.PI],
    ];
    type Writes = Record<string, (...args: unknown[]) => number>;
    const mine = subsetBytes({
      encode(sink) {
        const s = sink as unknown as Writes;
        for (const [type, v] of numbers) s[`write${type}`](v);
        s.writeString('cvt ', 'ascii');
        s.writeString('Aé', 'utf16be');
        s.writeString('Aé', 'utf16le');
        s.writeString('Zürich', 'utf8');
        s.fill(7, 3);
      },
    });
    const node = Buffer.alloc(200);
    const b = node as unknown as Writes;
    let at = 0;
    for (const [type, v] of numbers)
      at = type.includes('24') ? b[`write${type.replace('24', '')}`](v, at, 3) : b[`write${type}`](v, at);
    at += node.write('cvt ', at, 'ascii');
    at += Buffer.from('Aé', 'utf16le').swap16().copy(node, at);
    at += node.write('Aé', at, 'utf16le');
    at += node.write('Zürich', at, 'utf8');
    node.fill(7, at, at + 3);
    expect([...mine]).toEqual([...node.subarray(0, at + 3)]);
  });

  it('encodes a subset past its first 64 KiB buffer to the same bytes (a thousand glyphs and more)', async () => {
    const font = fontkit.create(FONTS.regular);
    const text = String.fromCodePoint(...font.characterSet.slice(0, 1_500));
    const mine = encoded(subsetOf(FONTS.regular, text));
    expect(mine.length).toBeGreaterThan(128 * 1024);
    expect(mine).toEqual(await streamedBytes(subsetOf(FONTS.regular, text)));
  });

  it('renders a document whose text needs hundreds of glyphs', async () => {
    const letters = (from: number, to: number) =>
      String.fromCodePoint(...Array.from({ length: to - from }, (_, i) => from + i));
    // Latin Extended-A and -B, Greek and Cyrillic: ~550 glyphs, a subset over 64 KiB.
    const description = [letters(0x100, 0x250), letters(0x391, 0x3ca), letters(0x400, 0x4ff)].join(' ');
    const { bytes } = await renderDocumentPdf(makeSnapshot({ description }), withFonts(null));
    expect(new TextDecoder().decode(bytes.slice(0, 5))).toBe('%PDF-');
    const text = (await extractText(await getDocumentProxy(bytes.slice()), { mergePages: true })).text;
    expect(text).toContain(letters(0x410, 0x420)); // А..П, drawn with their own glyphs
  });

  it('renders draft PDFs and seals signed ones without fontkit stream (its shared nextTick queue)', async () => {
    const streamed = vi.spyOn(subsetStreamPrototype(), 'encodeStream').mockImplementation(() => {
      throw new Error('a render went through fontkit stream');
    });
    const co = await companyWithBudget();
    const draft = await co.browser.get(
      `/documents/${await createDocument(co.browser, co.jobId, 'estimate', { all: 'on' })}.pdf`,
    );
    expect(draft.status).toBe(200);
    expect(new TextDecoder().decode(new Uint8Array(await draft.arrayBuffer()).slice(0, 5))).toBe('%PDF-');

    const { id, r, hash } = await sentToRecipient(co, 'estimate');
    const signed = await r.post(`/portal/documents/${id}/sign`, {
      versionHash: hash,
      idempotencyKey: `k-stream-${Date.now()}`,
      name: 'Dana Reyes',
      method: 'typed',
      consent: 'yes',
    });
    expect(signed.status).toBeLessThan(400);
    const sealed = () => db().select().from(signatures).where(eq(signatures.documentId, id));
    await expect
      .poll(async () => (await sealed()).map((s) => s.sealedAt !== null), { timeout: 20_000, interval: 100 })
      .toEqual([true]);
    const pdf = await r.get(`/portal/documents/${id}/signed.pdf`);
    expect(pdf.status).toBe(200);
    const text = new TextDecoder('latin1').decode(await pdf.arrayBuffer());
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text).toContain('/ByteRange'); // the seal's signature dictionary, over the certificate pages
    expect(streamed).not.toHaveBeenCalled();
  });

  it('renders several draft PDFs requested at the same time', async () => {
    const co = await companyWithBudget();
    const id = await createDocument(co.browser, co.jobId, 'estimate', { all: 'on' });
    const responses = await Promise.all(Array.from({ length: 6 }, () => co.browser.get(`/documents/${id}.pdf`)));
    for (const res of responses) {
      expect(res.status).toBe(200);
      expect(new TextDecoder().decode(new Uint8Array(await res.arrayBuffer()).slice(0, 5))).toBe('%PDF-');
    }
  });
});
