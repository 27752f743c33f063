import { CustomFontSubsetEmbedder } from 'pdf-lib';

// pdf-lib serializes a font subset through fontkit's `subset.encodeStream()`: a Node-style Readable whose
// encoding starts from fontkit's bundled `process.nextTick` shim. That shim keeps one queue per isolate and
// drains it from a setTimeout scheduled by whichever request queued first, and it schedules a new timer
// only when its queue is empty. A render cut off mid-way (its request cancelled, its timer with it) left an
// item in that queue for good: every later render in the isolate waited on a timer that never fires, and
// two renders at once ran one's continuations in the other's timer, which workerd refuses.
//
// The subset's own `encode(stream)` is synchronous; only the stream around it is not. So a subset is
// encoded here into a growing buffer, in the caller's own turn: no queue, no timer, nothing shared between
// renders. The bytes are those fontkit's stream gives (test/pdf-concurrency.test.ts compares them).

interface Subset {
  encode(stream: ByteSink): void;
}

type NumberSetter =
  | 'setUint8'
  | 'setInt8'
  | 'setUint16'
  | 'setInt16'
  | 'setUint32'
  | 'setInt32'
  | 'setFloat32'
  | 'setFloat64';

/** The writes restructure makes on an EncodeStream (`stream['write' + type]`), into one buffer. */
class ByteSink {
  pos = 0;
  private bytes = new Uint8Array(64 * 1024);
  private view = new DataView(this.bytes.buffer);

  /**
   * Makes room for `n` more bytes and answers where they go. Call it before reading `bytes` or `view`: it
   * may replace both (`this.view.setUint16(this.room(2), v)` would write to the old, outgrown buffer).
   */
  private room(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, at + n));
      grown.set(this.bytes);
      this.bytes = grown;
      this.view = new DataView(grown.buffer);
    }
    this.pos = at + n;
    return at;
  }

  /** One number of `size` bytes, written by DataView's `set` (big-endian unless `little`), after `room`. */
  private number(set: NumberSetter, size: number, v: number, little = false) {
    const at = this.room(size);
    this.view[set](at, v, little);
  }

  writeUInt8 = (v: number) => this.number('setUint8', 1, v);
  writeInt8 = (v: number) => this.number('setInt8', 1, v);
  writeUInt16BE = (v: number) => this.number('setUint16', 2, v);
  writeUInt16LE = (v: number) => this.number('setUint16', 2, v, true);
  writeInt16BE = (v: number) => this.number('setInt16', 2, v);
  writeInt16LE = (v: number) => this.number('setInt16', 2, v, true);
  writeUInt32BE = (v: number) => this.number('setUint32', 4, v);
  writeUInt32LE = (v: number) => this.number('setUint32', 4, v, true);
  writeInt32BE = (v: number) => this.number('setInt32', 4, v);
  writeInt32LE = (v: number) => this.number('setInt32', 4, v, true);
  writeFloatBE = (v: number) => this.number('setFloat32', 4, v);
  writeFloatLE = (v: number) => this.number('setFloat32', 4, v, true);
  writeDoubleBE = (v: number) => this.number('setFloat64', 8, v);
  writeDoubleLE = (v: number) => this.number('setFloat64', 8, v, true);
  // Three-byte numbers have no DataView setter.
  writeUInt24BE = (v: number) => this.uint24(v, false);
  writeUInt24LE = (v: number) => this.uint24(v, true);
  writeInt24BE = (v: number) => this.uint24(v >= 0 ? v : v + 0x1000000, false);
  writeInt24LE = (v: number) => this.uint24(v >= 0 ? v : v + 0x1000000, true);

  private uint24(v: number, little: boolean) {
    const at = this.room(3);
    const bigEndian = [(v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
    this.bytes.set(little ? bigEndian.reverse() : bigEndian, at);
  }

  writeBuffer(buffer: Uint8Array) {
    const at = this.room(buffer.length);
    this.bytes.set(buffer, at);
  }
  writeString(text: string, encoding = 'ascii') {
    if (encoding === 'utf16be' || encoding === 'utf16le' || encoding === 'ucs2') {
      for (let i = 0; i < text.length; i++) this.number('setUint16', 2, text.charCodeAt(i), encoding !== 'utf16be');
    } else if (encoding === 'ascii') {
      const at = this.room(text.length);
      for (let i = 0; i < text.length; i++) this.bytes[at + i] = text.charCodeAt(i) & 0xff;
    } else if (encoding === 'utf8') {
      this.writeBuffer(new TextEncoder().encode(text));
    } else {
      throw new Error(`font subset: no string encoding ${encoding}`);
    }
  }
  fill(value: number, length: number) {
    const at = this.room(length);
    this.bytes.fill(value, at, at + length);
  }
  end() {}

  written(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

/** A fontkit subset's font file, encoded synchronously (no stream, no nextTick). */
export function subsetBytes(subset: Subset): Uint8Array {
  const sink = new ByteSink();
  subset.encode(sink);
  return sink.written();
}

let serializing = false;

/** pdf-lib's subset embedder serializes through `subsetBytes` from now on, in this isolate. */
export function serializeSubsetsInTurn(): void {
  if (serializing) return;
  serializing = true;
  const proto = CustomFontSubsetEmbedder.prototype as unknown as {
    serializeFont(this: { subset: Subset }): Promise<Uint8Array>;
  };
  proto.serializeFont = async function serializeFont() {
    return subsetBytes(this.subset);
  };
}
