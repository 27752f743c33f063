// An isolate's memory of things it may read again (documents/sent-snapshots.ts, portal/page-cache.ts): a map
// that keeps at most `limit` of their sizes (characters), dropping the least recently used first. A Map
// iterates in insertion order, so the least recently used is the first: using one moves it to the end.

export class SizedLru<V> {
  #entries = new Map<string, { value: V; size: number }>();
  #size = 0;

  constructor(private limit: number) {}

  /** What is kept for `key`, leaving its place in the order as it is. */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /** What is kept for `key`, now the most recently used. */
  use(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` for `key` in place of what was (not when it alone is over the limit), dropping the oldest. */
  set(key: string, value: V, size: number) {
    this.delete(key);
    if (size > this.limit) return;
    this.#entries.set(key, { value, size });
    this.#size += size;
    this.#fit();
  }

  delete(key: string) {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    this.#size -= entry.size;
  }

  /** Drops every entry whose key `drop` accepts. */
  deleteWhere(drop: (key: string) => boolean) {
    for (const key of [...this.#entries.keys()]) if (drop(key)) this.delete(key);
  }

  clear() {
    this.#entries.clear();
    this.#size = 0;
  }

  /** Tests: another limit, kept to at once; answers the one before. */
  resize(limit: number) {
    const before = this.limit;
    this.limit = limit;
    this.#fit();
    return before;
  }

  get count() {
    return this.#entries.size;
  }

  get size() {
    return this.#size;
  }

  #fit() {
    for (const key of this.#entries.keys()) {
      if (this.#size <= this.limit) break;
      this.delete(key);
    }
  }
}
