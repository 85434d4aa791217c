/**
 * An in-memory cache bounded in bytes, for values that never change once
 * computed (a stored past snapshot, the buckets of a range whose stored
 * contents are named in the key): the least recently used entries are
 * evicted as soon as the sizes of what it holds add up to more than
 * `maxBytes`, so it never grows past its budget whatever the key space.
 * Sizes are estimates, from a function given per cache.
 *
 * `getOrLoad` loads a missing value once for all concurrent callers of the
 * same key; a null or undefined result is returned but not kept (nothing to
 * remember: the next call asks again). A value larger than the whole budget
 * is returned and not kept.
 *
 * Plain logic: no I/O, no timers.
 */

export interface BoundedCacheStats {
  entries: number;
  /** Estimated bytes held, ≤ maxBytes. */
  bytes: number;
  maxBytes: number;
  hits: number;
  misses: number;
  evictions: number;
}

export class BoundedCache<V> {
  /** Map order is recency: the first key is the least recently used. */
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private readonly inflight = new Map<string, Promise<V | null | undefined>>();
  private bytes = 0;
  private readonly counters = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be ≥ 0, got ${maxBytes}`);
  }

  /** The value of `key` (now the most recently used), or undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` under `key`, evicting the least recently used beyond the budget; false when it alone exceeds the budget (not kept). */
  set(key: string, value: V): boolean {
    this.delete(key);
    const bytes = Math.max(0, this.sizeOf(value));
    if (bytes > this.maxBytes) return false;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
      this.counters.evictions++;
    }
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }

  /** The cached value of `key`, or `load()`'s, kept when neither null nor undefined; concurrent misses of a key share one load. */
  async getOrLoad<R extends V | null | undefined>(key: string, load: () => Promise<R>): Promise<R> {
    const cached = this.get(key);
    if (cached !== undefined) {
      this.counters.hits++;
      return cached as R;
    }
    const pending = this.inflight.get(key);
    if (pending) return pending as Promise<R>;
    this.counters.misses++;
    const loading = (async () => {
      try {
        const value = await load();
        if (value !== null && value !== undefined) this.set(key, value as V);
        return value;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, loading);
    return loading;
  }

  stats(): BoundedCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, maxBytes: this.maxBytes, ...this.counters };
  }
}
