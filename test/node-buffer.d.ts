// Node's Buffer (nodejs_compat), which test/pdf-concurrency.test.ts compares the subset encoder's writes with.
declare module 'node:buffer' {
  export class Buffer extends Uint8Array {
    static alloc(size: number): Buffer;
    static from(text: string, encoding: string): Buffer;
    write(text: string, offset: number, encoding: string): number;
    swap16(): Buffer;
    copy(target: Uint8Array, targetStart: number): number;
    subarray(start?: number, end?: number): Buffer;
  }
}
