import type { DocumentSnapshot } from './snapshot';

// A version's snapshot is written once, when the version is sent (documents/actions.ts `sendStatements`,
// on a draft only), and never changed: a later choice is its own column (selectedSnapshot), a revision
// is a new version with a new id. So a page that shows a sent version need not read its tens of KB
// again (a 120-line order's is ~30 KB, the biggest thing the portal document page read). The isolate
// keeps the last sent snapshot it parsed per document; the page's batch names the version it holds and
// SQL answers that version's snapshot as NULL (`heldVersion`), any other in full. A new version sent
// meanwhile has another id, so it is read and replaces the held one. Parsed once, frozen: every request
// shares the object, and a mutation throws instead of changing what another visitor sees.

/** A sent version's snapshot held by this isolate. */
export interface HeldSnapshot {
  readonly versionId: string;
  readonly snapshot: DocumentSnapshot;
  readonly chars: number;
}

// At most this much snapshot JSON (characters, about bytes) held per isolate; the least recently
// shown go first. Parsed it is a few times that: well inside a Worker's 128 MB.
let maxChars = 8_000_000;
const held = new Map<string, HeldSnapshot>(); // by document id, least recently used first
let heldChars = 0;

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
  return held.get(documentId);
}

/**
 * The sent snapshot of `versionId`: the one held (when the read left `text` NULL for it), else `text`
 * parsed, frozen and held. Null when there is none (nothing sent, or the read's NULL was not for the
 * version held: never the case when the batch was given `held?.versionId`).
 */
export function sentSnapshot(
  documentId: string,
  versionId: string,
  text: string | null,
  before: HeldSnapshot | undefined,
): DocumentSnapshot | null {
  if (text === null) {
    if (before?.versionId !== versionId) return null;
    if (held.get(documentId) === before) {
      held.delete(documentId); // most recently used now
      held.set(documentId, before);
    }
    return before.snapshot;
  }
  const snapshot = deepFreeze(JSON.parse(text) as DocumentSnapshot);
  const old = held.get(documentId);
  if (old) {
    held.delete(documentId);
    heldChars -= old.chars;
  }
  held.set(documentId, { versionId, snapshot, chars: text.length });
  heldChars += text.length;
  for (const [id, h] of held) {
    if (heldChars <= maxChars) break;
    held.delete(id);
    heldChars -= h.chars;
  }
  return snapshot;
}

/** Tests: hold at most `chars` from now on; returns what puts the limit back. */
export function holdAtMost(chars: number) {
  const before = maxChars;
  maxChars = chars;
  return () => {
    maxChars = before;
  };
}
