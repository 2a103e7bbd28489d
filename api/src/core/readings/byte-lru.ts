/** What a cache reports to its metrics: each look-up, and its size after a change. */
export interface CacheObserver {
  /** 'stale': an answer sent after it stopped standing, while its rebuild runs (http/answer-cache.ts). */
  lookup(result: 'hit' | 'miss' | 'stale'): void;
  size(entries: number, bytes: number): void;
}

export const NO_OBSERVER: CacheObserver = { lookup: () => {}, size: () => {} };

/**
 * A map bounded by the bytes of its values, least recently used dropped
 * first. In the process: each API process keeps its own (nothing in it is
 * more than a copy of what the time-series store can answer again).
 */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    readonly maxBytes: number,
    private readonly observer: CacheObserver = NO_OBSERVER,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    this.observer.lookup(e ? 'hit' : 'miss');
    if (!e) return undefined;
    // Re-inserting moves it to the young end of the Map's insertion order.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, bytes: number): void {
    if (bytes > this.maxBytes) return;
    this.remove(key);
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
    this.observer.size(this.entries.size, this.total);
  }

  /** Drops every entry whose key starts with `prefix` (a household's entries). */
  dropPrefix(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.remove(k);
    this.observer.size(this.entries.size, this.total);
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  private remove(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.total -= old.bytes;
  }
}
