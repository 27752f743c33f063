// A drawn signature arrives as a PNG data URL from the canvas. It must be a real PNG, at most
// 512 KB, of a sane size, and not blank (a canvas nobody drew on is all transparent pixels).

export const MAX_SIGNATURE_BYTES = 512 * 1024;
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export type SignatureImage =
  | { ok: true; bytes: Uint8Array<ArrayBuffer>; width: number; height: number }
  | { ok: false; error: string };

function dataUrlBytes(dataUrl: string): Uint8Array<ArrayBuffer> | null {
  const m = /^data:image\/png;base64,([A-Za-z0-9+/=\s]+)$/.exec(dataUrl);
  if (!m) return null;
  try {
    const bin = atob(m[1].replace(/\s/g, ''));
    return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Inflates at most `limit` bytes: a small image can hold a stream that inflates to gigabytes (a decompression bomb).
 */
async function inflate(data: Uint8Array<ArrayBuffer>, limit: number): Promise<Uint8Array | null> {
  try {
    const reader = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate')).getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limit) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) out.set(c, at), (at += c.byteLength);
    return out;
  } catch {
    return null;
  }
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export async function readSignatureImage(dataUrl: string): Promise<SignatureImage> {
  if (dataUrl.length > MAX_SIGNATURE_BYTES * 1.4 + 100)
    return { ok: false, error: 'The signature image is larger than 512 KB. Clear it and sign again.' };
  const bytes = dataUrlBytes(dataUrl);
  if (!bytes || !PNG_MAGIC.every((b, i) => bytes[i] === b))
    return { ok: false, error: 'The signature must be a PNG image drawn on the signature pad.' };
  if (bytes.byteLength > MAX_SIGNATURE_BYTES)
    return { ok: false, error: 'The signature image is larger than 512 KB. Clear it and sign again.' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Walk the chunks: IHDR gives the size and format, IDATs carry the zlib stream of pixels.
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let bitDepth = 0;
  const idat: Uint8Array[] = [];
  while (offset + 8 <= bytes.byteLength) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const start = offset + 8;
    if (start + length > bytes.byteLength)
      return { ok: false, error: 'The signature image is damaged. Clear it and sign again.' };
    if (type === 'IHDR') {
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      bitDepth = bytes[start + 8];
      colorType = bytes[start + 9];
    } else if (type === 'IDAT') idat.push(bytes.subarray(start, start + length));
    else if (type === 'IEND') break;
    offset = start + length + 4;
  }
  if (!width || !height || width > 4000 || height > 2000)
    return { ok: false, error: 'The signature image has an unexpected size. Clear it and sign again.' };
  if (!idat.length) return { ok: false, error: 'The signature image is damaged. Clear it and sign again.' };
  const joined = new Uint8Array(idat.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of idat) {
    joined.set(c, at);
    at += c.byteLength;
  }
  // The pixel data of this size and format, with room for interlacing's extra filter bytes; never more.
  const channels = CHANNELS[colorType];
  if (!channels || ![1, 2, 4, 8, 16].includes(bitDepth))
    return { ok: false, error: 'The signature must be a PNG image drawn on the signature pad.' };
  const pixels = await inflate(joined, height * (1 + Math.ceil((width * channels * bitDepth) / 8) + 16));
  if (!pixels) return { ok: false, error: 'The signature image is damaged. Clear it and sign again.' };
  if (colorType === 6 && bitDepth === 8) {
    // Each row is one filter byte and width*4 bytes. All-zero pixels give all-zero residuals under every filter.
    const row = 1 + width * 4;
    let drawn = false;
    for (let y = 0; y < height && !drawn; y++) {
      const base = y * row;
      for (let i = base + 1; i < base + row; i++) {
        if (pixels[i]) {
          drawn = true;
          break;
        }
      }
    }
    if (!drawn) return { ok: false, error: 'The signature pad is empty. Draw your signature, or choose to type it.' };
  }
  return { ok: true, bytes, width, height };
}
