import { SizedLru } from '../sized-lru';
import type { DocumentSnapshot } from './snapshot';

// A version's snapshot is written once, when the version is sent (documents/actions.ts `sendWrite`, on a
// draft only), and never changed: a later choice is its own column (selectedSnapshot), a revision is a new
// version with a new id. So a page showing a sent version need not read its tens of KB again (a 120-line
// order's is ~30 KB, the biggest thing the portal document page read). The isolate holds the last sent
// snapshot it read per document; a page's batch names the version held (`heldVersion`) and SQL answers
// that version's snapshot as NULL, any other in full. A version sent meanwhile has another id, so it is
// read and replaces the one held. The portal shares one parsed, frozen copy between requests: a mutation
// throws instead of changing what another visitor sees. ARCHITECTURE.md, "Costs that don't grow with
// history".

/** A sent version's snapshot held by this isolate: its JSON, and the JSON parsed once (frozen) on first use. */
export class HeldSnapshot {
  #parsed: DocumentSnapshot | undefined;
  constructor(
    readonly versionId: string,
    readonly text: string,
  ) {}
  get snapshot(): DocumentSnapshot {
    return (this.#parsed ??= deepFreeze(JSON.parse(this.text) as DocumentSnapshot));
  }
}

// At most this much snapshot JSON (characters) held per isolate, the least recently shown going first;
// with the parsed copies of those the portal showed, a few times that in memory: well inside a
// Worker's 128 MB.
const held = new SizedLru<HeldSnapshot>(4_000_000); // by document id

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * What the isolate holds for the document, taken before the read: the request keeps this reference, so
 * another request dropping it meanwhile changes nothing for this one. Its `versionId` is the batch's
 * `heldVersion` ('' when nothing is held: no id is '').
 */
export function heldSnapshot(documentId: string): HeldSnapshot | undefined {
  return held.peek(documentId);
}

/** The batch's `heldVersion` for what `heldSnapshot` gave. */
export const heldVersion = (h: HeldSnapshot | undefined) => h?.versionId ?? '';

/**
 * The sent snapshot of `versionId` as the read left it: the one held `before` the read when the read
 * answered NULL for it, else `text` (now held). Null when there is none: nothing sent, or a NULL that
 * was not for the version held (never, when the batch was given `heldVersion(before)`).
 */
export function holdSent(
  documentId: string,
  versionId: string,
  text: string | null,
  before: HeldSnapshot | undefined,
): HeldSnapshot | null {
  if (text === null) {
    if (before?.versionId !== versionId) return null;
    if (held.peek(documentId) === before) held.use(documentId); // the most recently shown now
    return before;
  }
  const now = new HeldSnapshot(versionId, text);
  held.set(documentId, now, text.length);
  return now;
}

/** Tests: hold at most `chars` from now on; returns what puts the limit back. */
export function holdAtMost(chars: number) {
  const before = held.resize(chars);
  return () => {
    held.resize(before);
  };
}
