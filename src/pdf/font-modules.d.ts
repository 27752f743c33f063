// Fonts imported as Data modules (src/pdf/fonts.ts): their bytes, as the bundler hands them over.
declare module '*.ttf' {
  const bytes: ArrayBuffer;
  export default bytes;
}
declare module '*.woff' {
  const bytes: ArrayBuffer;
  export default bytes;
}

// pako 1.x ships no types: the one function src/pdf/native-deflate.ts replaces.
declare module 'pako' {
  const pako: { deflate(data: Uint8Array | ArrayBuffer, options?: object): Uint8Array };
  export default pako;
}

// The runtime's zlib (nodejs_compat); the calls of src/pdf/native-deflate.ts and src/pdf/woff.ts (no @types/node here).
declare module 'node:zlib' {
  export interface ZlibOptions {
    level?: number;
    windowBits?: number;
    memLevel?: number;
    strategy?: number;
  }
  export function deflateSync(data: Uint8Array | ArrayBuffer, options?: ZlibOptions): Uint8Array;
  export function inflateSync(data: Uint8Array | ArrayBuffer): Uint8Array;
}
