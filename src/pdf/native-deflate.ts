import { deflateSync, type ZlibOptions } from 'node:zlib';
import pako from 'pako';

// pdf-lib compresses every stream it writes (each page's content, the font subsets, the object streams)
// with pako, zlib ported to JavaScript: a sixth of a 120-line render's CPU.
// The runtime's own zlib (node:zlib, nodejs_compat) does the same deflate natively, about six times as fast.
// pako's exports are one shared object, read at each call, so pointing its `deflate` at the native one
// moves every caller. The output is a valid zlib stream like pako's, not byte for byte the same:
// a render is still the same bytes each time it runs on one runtime.

let native = false;

/** pako's `deflate`, for everything in this isolate, through the runtime's zlib from now on. */
export function deflateNatively(): void {
  if (native) return;
  native = true;
  pako.deflate = (data: Uint8Array | ArrayBuffer, options?: ZlibOptions) => {
    const out = deflateSync(data, options); // a Buffer: the same bytes as a plain Uint8Array view
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
}
