import { inflateSync } from 'node:zlib';

// The script face of typed signatures is the browser's WOFF (public/fonts), so a signature looks the same
// on the page and in the PDF. fontkit reads a WOFF table by inflating it again at every read: subsetting a
// typed name re-inflated the glyph table for each glyph, a fifth of a seal's certificate. The PDF Worker
// unpacks the WOFF once into the TrueType font it wraps (WOFF 1.0: each table zlib-compressed or stored,
// in the order of the tags) and hands fontkit that.

const u32 = (view: DataView, at: number) => view.getUint32(at);

/** The sfnt (TrueType/OpenType) font a WOFF 1.0 file wraps; anything else is returned as it is. */
export function sfntFromWoff(woff: Uint8Array): Uint8Array {
  const view = new DataView(woff.buffer, woff.byteOffset, woff.byteLength);
  if (woff.byteLength < 44 || u32(view, 0) !== 0x774f4646) return woff; // 'wOFF'
  const flavor = u32(view, 4);
  const count = view.getUint16(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const at = 44 + i * 20;
    const [tag, offset, compressed, length, checksum] = [0, 4, 8, 12, 16].map((d) => u32(view, at + d));
    const stored = woff.subarray(offset, offset + compressed);
    const data = compressed < length ? new Uint8Array(inflateSync(stored)) : stored;
    if (data.byteLength !== length) throw new Error('font: a WOFF table is not the length it names');
    return { tag, checksum, data };
  });
  const headerLength = 12 + count * 16;
  const size = tables.reduce((n, t) => n + ((t.data.byteLength + 3) & ~3), headerLength);
  const out = new Uint8Array(size);
  const sfnt = new DataView(out.buffer);
  const power = 2 ** Math.floor(Math.log2(count));
  sfnt.setUint32(0, flavor);
  sfnt.setUint16(4, count);
  sfnt.setUint16(6, power * 16);
  sfnt.setUint16(8, Math.log2(power));
  sfnt.setUint16(10, count * 16 - power * 16);
  let offset = headerLength;
  tables.forEach((t, i) => {
    const at = 12 + i * 16;
    sfnt.setUint32(at, t.tag);
    sfnt.setUint32(at + 4, t.checksum);
    sfnt.setUint32(at + 8, offset);
    sfnt.setUint32(at + 12, t.data.byteLength);
    out.set(t.data, offset);
    offset += (t.data.byteLength + 3) & ~3;
  });
  return out;
}
