// DER and bytes, just enough of them for a CMS, a certificate and an RFC 3161 timestamp: definite
// lengths, and the few types those use. Shared by the seal and the timestamp client.

export type Bytes = Uint8Array<ArrayBuffer>; // what crypto.subtle, R2 and Response take as they are

// DER, just enough of it: definite lengths, and the few types a CMS and a certificate use.

export interface DerNode {
  tag: number;
  start: number; // where its tag is
  body: number; // where its content starts
  end: number;
}

export function readNode(der: Bytes, at: number): DerNode {
  const tag = der[at];
  let length = der[at + 1];
  let body = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[body++];
  }
  if (tag === undefined || body + length > der.length) throw new Error('truncated DER');
  return { tag, start: at, body, end: body + length };
}

export function children(der: Bytes, parent: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const child = readNode(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

export const slice = (der: Bytes, node: DerNode) => der.subarray(node.start, node.end);

export function tlv(tag: number, ...parts: Bytes[]): Bytes {
  const body = concat(parts);
  const n = body.length;
  const length =
    n < 0x80
      ? [n]
      : n < 0x100
        ? [0x81, n]
        : n < 0x10000
          ? [0x82, n >> 8, n & 0xff]
          : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat([Uint8Array.of(tag, ...length), body]);
}

export const seq = (...parts: Bytes[]) => tlv(0x30, ...parts);
export const integer = (small: number) => tlv(0x02, Uint8Array.of(small));

export function unsignedInteger(bytes: Bytes): Bytes {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const value = bytes.subarray(i);
  return tlv(0x02, value[0] & 0x80 ? concat([Uint8Array.of(0), value]) : value);
}

export function oid(dotted: string): Bytes {
  const [first, second, ...rest] = dotted.split('.').map(Number);
  const out = [40 * first + second];
  for (const arc of rest) {
    const bytes = [arc & 0x7f];
    for (let v = arc >>> 7; v; v >>>= 7) bytes.unshift(0x80 | (v & 0x7f));
    out.push(...bytes);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** A DER SET OF lists its elements in the order of their encodings. */
export function sortedSet(elements: Bytes[]): Bytes[] {
  return [...elements].sort((a, b) => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  });
}

export function leftPad(integerBody: Bytes, size: number): Bytes {
  const value = integerBody.subarray(Math.max(0, integerBody.length - size));
  return concat([new Uint8Array(size - value.length), value]);
}

export function pemBlocks(pem: string, label: string): Bytes[] {
  const blocks = pem.matchAll(new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`, 'g'));
  return [...blocks].map((m) => Uint8Array.from(atob(m[1].replace(/\s+/g, '')), (c) => c.charCodeAt(0)));
}

// Bytes.

export function concat(parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function lastIndexOf(haystack: Uint8Array, needle: Bytes): number {
  outer: for (let i = haystack.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export const equal = (a: Bytes, b: Bytes) => a.length === b.length && a.every((v, i) => v === b[i]);
export const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join('');
export const hex = (bytes: Bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
export const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));

export async function sha256(bytes: Bytes): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export function oidText(body: Uint8Array): string {
  const arcs = [Math.floor(body[0] / 40), body[0] % 40];
  let v = 0;
  for (const b of body.subarray(1)) {
    v = v * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}
