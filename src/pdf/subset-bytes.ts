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

/** The writes restructure makes on an EncodeStream (`stream['write' + type]`), into one buffer. */
class ByteSink {
  pos = 0;
  private bytes = new Uint8Array(64 * 1024);
  private view = new DataView(this.bytes.buffer);

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

  writeUInt8(v: number) {
    this.view.setUint8(this.room(1), v);
  }
  writeInt8(v: number) {
    this.view.setInt8(this.room(1), v);
  }
  writeUInt16BE(v: number) {
    this.view.setUint16(this.room(2), v);
  }
  writeUInt16LE(v: number) {
    this.view.setUint16(this.room(2), v, true);
  }
  writeInt16BE(v: number) {
    this.view.setInt16(this.room(2), v);
  }
  writeInt16LE(v: number) {
    this.view.setInt16(this.room(2), v, true);
  }
  writeUInt24BE(v: number) {
    const at = this.room(3);
    this.bytes[at] = (v >>> 16) & 0xff;
    this.bytes[at + 1] = (v >>> 8) & 0xff;
    this.bytes[at + 2] = v & 0xff;
  }
  writeUInt24LE(v: number) {
    const at = this.room(3);
    this.bytes[at] = v & 0xff;
    this.bytes[at + 1] = (v >>> 8) & 0xff;
    this.bytes[at + 2] = (v >>> 16) & 0xff;
  }
  writeInt24BE(v: number) {
    this.writeUInt24BE(v >= 0 ? v : v + 0x1000000);
  }
  writeInt24LE(v: number) {
    this.writeUInt24LE(v >= 0 ? v : v + 0x1000000);
  }
  writeUInt32BE(v: number) {
    this.view.setUint32(this.room(4), v);
  }
  writeUInt32LE(v: number) {
    this.view.setUint32(this.room(4), v, true);
  }
  writeInt32BE(v: number) {
    this.view.setInt32(this.room(4), v);
  }
  writeInt32LE(v: number) {
    this.view.setInt32(this.room(4), v, true);
  }
  writeFloatBE(v: number) {
    this.view.setFloat32(this.room(4), v);
  }
  writeFloatLE(v: number) {
    this.view.setFloat32(this.room(4), v, true);
  }
  writeDoubleBE(v: number) {
    this.view.setFloat64(this.room(8), v);
  }
  writeDoubleLE(v: number) {
    this.view.setFloat64(this.room(8), v, true);
  }
  writeBuffer(buffer: Uint8Array) {
    this.bytes.set(buffer, this.room(buffer.length));
  }
  writeString(text: string, encoding = 'ascii') {
    if (encoding === 'utf16be' || encoding === 'utf16le' || encoding === 'ucs2') {
      for (let i = 0; i < text.length; i++) {
        if (encoding === 'utf16be') this.writeUInt16BE(text.charCodeAt(i));
        else this.writeUInt16LE(text.charCodeAt(i));
      }
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
