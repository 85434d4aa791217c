/**
 * De-duplication of source snapshots by their id: the same raw snapshot is
 * processed once even when two ingesters (or a replay and a live source) emit
 * it. `firstSeen(id)` answers true exactly once per id within the TTL.
 *
 * RedisDeduper shares the answer across processes with one atomic
 * `SET key 1 NX PX ttl`; MemoryDeduper is the embedded equivalent for one
 * process, a bounded Map whose oldest ids are forgotten first.
 */
import type { Redis } from 'ioredis';

export interface Deduper {
  /** True the first time `id` is seen within the TTL, false afterwards. */
  firstSeen(id: string): Promise<boolean>;
}

export interface DedupeOptions {
  /** How long an id is remembered, seconds (default one day). */
  ttlSeconds?: number;
  /** Redis key prefix (default `dedupe:raw:`); tests use a unique one. */
  prefix?: string;
}

export const DEFAULT_DEDUPE_TTL_SECONDS = 24 * 60 * 60;

export class RedisDeduper implements Deduper {
  private readonly ttlMs: number;
  private readonly prefix: string;

  /** `redis` is owned by the caller (closed by it). */
  constructor(
    private readonly redis: Pick<Redis, 'set'>,
    options: DedupeOptions = {},
  ) {
    this.ttlMs = Math.max(1, Math.round((options.ttlSeconds ?? DEFAULT_DEDUPE_TTL_SECONDS) * 1000));
    this.prefix = options.prefix ?? 'dedupe:raw:';
  }

  async firstSeen(id: string): Promise<boolean> {
    const reply = await this.redis.set(`${this.prefix}${id}`, '1', 'PX', this.ttlMs, 'NX');
    return reply === 'OK';
  }
}

export class MemoryDeduper implements Deduper {
  private readonly seen = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { ttlSeconds?: number; maxEntries?: number; now?: () => number } = {}) {
    this.ttlMs = (options.ttlSeconds ?? DEFAULT_DEDUPE_TTL_SECONDS) * 1000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  async firstSeen(id: string): Promise<boolean> {
    const now = this.now();
    const expiresAt = this.seen.get(id);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.seen.delete(id);
    this.seen.set(id, now + this.ttlMs);
    // Insertion order is expiry order (one TTL for all), so the oldest go first.
    for (const [oldest, oldestExpiry] of this.seen) {
      if (this.seen.size <= this.maxEntries && oldestExpiry > now) break;
      this.seen.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
