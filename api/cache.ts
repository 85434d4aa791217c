/**
 * A two-level cache for hot queries (the latest chain of an expiry): an
 * in-memory level per process (a Map with a TTL and a size cap, least recently
 * used evicted first) in front of an optional Redis level shared by every API
 * replica (GET, SET … EX ttl). Values must be plain JSON.
 *
 * Invalidation deletes in memory and in Redis and publishes the key (or prefix)
 * on a Redis channel that every cache instance of the same namespace
 * subscribes to, so all replicas drop their in-memory copy. A load that was in
 * flight when an invalidation arrived is returned to its caller but not cached,
 * so an invalidation is never undone by a slow read that started before it.
 *
 * Entries live CACHE_TTL_SECONDS (the seeds' 30–60 s) in both levels.
 *
 * Redis only helps: every Redis call fails fast (see createRedisClient's
 * `failFast`), and a failure counts as a miss (get) or is skipped (set,
 * invalidate), so a Redis outage leaves the memory level and the database
 * serving, and `status()` says so. Invalidations published meanwhile are
 * lost: another replica may serve its in-memory copy until the TTL ends.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, waitForRedis, type RedisClientOptions } from './redisPubSub.ts';

export interface CacheOptions {
  ttlSeconds: number;
  /** In-memory entries kept before the least recently used is evicted. */
  maxEntries?: number;
  /** Shared level and cross-replica invalidation; absent means memory only. */
  redisUrl?: string;
  /** Prefix of the Redis keys and of the invalidation channel (tests use a unique one). */
  namespace?: string;
  /** Prefix of the two Redis clients' names in CLIENT LIST. */
  connectionName?: string;
  /** Clock, epoch ms (tests). */
  now?: () => number;
}

export interface CacheStats {
  memoryHits: number;
  redisHits: number;
  misses: number;
  /** Redis calls that failed and were skipped (memory and the database served instead). */
  redisFailures: number;
  /** Why the Redis level is not in use right now, else null. */
  degraded: string | null;
  /** Invalidations applied here, local or from another replica. */
  invalidations: number;
  memoryEntries: number;
}

type Invalidation = { origin: string; key?: string; prefix?: string };

export class TwoLevelCache<V = unknown> {
  private readonly memory = new Map<string, { value: V; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<V>>();
  private readonly counters = { memoryHits: 0, redisHits: 0, misses: 0, invalidations: 0, redisFailures: 0 };
  private degraded: string | null = null;
  private readonly origin = randomUUID();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly namespace: string;
  private readonly now: () => number;
  private subscribed: Promise<void> = Promise.resolve();
  /** Bumped on every invalidation: a load that saw another epoch is not cached. */
  private epoch = 0;

  private constructor(
    options: CacheOptions,
    private readonly redis?: Redis,
    private readonly subscriber?: Redis,
  ) {
    this.ttlMs = options.ttlSeconds * 1000;
    this.maxEntries = options.maxEntries ?? 1_000;
    this.namespace = options.namespace ?? 'cache';
    this.now = options.now ?? Date.now;
  }

  /**
   * Opens a cache; with `redisUrl`, connects and subscribes to the
   * invalidation channel in the background: an unreachable Redis leaves the
   * cache working from memory (see `ready` to wait for Redis).
   */
  static async open<V = unknown>(options: CacheOptions & { onState?: RedisClientOptions['onState'] }): Promise<TwoLevelCache<V>> {
    if (!options.redisUrl) return new TwoLevelCache<V>(options);
    const name = options.connectionName ?? 'cache';
    const redis = createRedisClient(options.redisUrl, name, { failFast: true, onState: options.onState });
    const subscriber = createRedisClient(options.redisUrl, `${name}-invalidations`, { onState: options.onState });
    const cache = new TwoLevelCache<V>(options, redis, subscriber);
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === cache.channel) cache.onInvalidation(message);
    });
    // Queued until connected, and re-sent after every reconnect (autoResubscribe).
    cache.subscribed = subscriber.subscribe(cache.channel).then(
      () => {},
      () => {},
    );
    return cache;
  }

  /** Resolves once both Redis connections answer and invalidations are subscribed; rejects after `timeoutMs` naming the server. */
  async ready(timeoutMs = 5_000): Promise<void> {
    if (!this.redis || !this.subscriber) return;
    await Promise.all([waitForRedis(this.redis, timeoutMs), waitForRedis(this.subscriber, timeoutMs)]);
    await this.subscribed;
  }

  /** The value of `key`: from memory, else from Redis (then kept in memory), else undefined. */
  async get(key: string): Promise<V | undefined> {
    const local = this.memoryGet(key);
    if (local !== undefined) {
      this.counters.memoryHits++;
      return local;
    }
    if (this.redis) {
      const epoch = this.epoch;
      const shared = await this.redisCall(() => this.redis!.get(this.redisKey(key)), null);
      if (shared !== null) {
        this.counters.redisHits++;
        const { value, expiresAt } = JSON.parse(shared) as { value: V; expiresAt: number };
        if (epoch === this.epoch) this.memorySet(key, value, expiresAt);
        return value;
      }
    }
    this.counters.misses++;
    return undefined;
  }

  /** Stores `value` in both levels for the TTL. */
  async set(key: string, value: V): Promise<void> {
    // The expiry travels with the value, so a copy taken from Redis into
    // memory expires when the original does, not a full TTL later.
    const expiresAt = this.now() + this.ttlMs;
    this.memorySet(key, value, expiresAt);
    if (this.redis) await this.redisCall(() => this.redis!.set(this.redisKey(key), JSON.stringify({ value, expiresAt }), 'PX', this.ttlMs), null);
  }

  /**
   * The cached value of `key`, or `load()`'s result, cached unless an
   * invalidation arrived while loading. Concurrent misses of one key share one
   * load. `undefined` and `null` results are returned but not cached.
   */
  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const cached = await this.get(key);
    if (cached !== undefined) return cached;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const epoch = this.epoch;
    const loading = (async () => {
      try {
        const value = await load();
        if (value !== undefined && value !== null && epoch === this.epoch) await this.set(key, value);
        return value;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, loading);
    return loading;
  }

  /**
   * Drops `key` (or every key starting with `prefix`) here, in Redis, and in
   * every other cache instance of the namespace.
   */
  async invalidate(target: string | { prefix: string }): Promise<void> {
    const invalidation: Invalidation = typeof target === 'string' ? { origin: this.origin, key: target } : { origin: this.origin, prefix: target.prefix };
    this.apply(invalidation);
    const redis = this.redis;
    if (!redis) return;
    await this.redisCall(async () => {
      if (invalidation.key !== undefined) {
        await redis.del(this.redisKey(invalidation.key));
      } else {
        const pattern = `${escapeGlob(this.redisKey(invalidation.prefix!))}*`;
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
          if (keys.length > 0) await redis.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      await redis.publish(this.channel, JSON.stringify(invalidation));
    }, undefined);
  }

  stats(): CacheStats {
    return { ...this.counters, degraded: this.degraded, memoryEntries: this.memory.size };
  }

  /** Empties the in-memory level only (benchmarks measure the Redis level with it). */
  clearMemory(): void {
    this.memory.clear();
  }

  async close(): Promise<void> {
    await Promise.all([this.redis && closeRedisClient(this.redis), this.subscriber && closeRedisClient(this.subscriber)]);
  }

  /** A Redis call, or `fallback` when it fails (counted, and reported by stats() until one succeeds). */
  private async redisCall<R>(call: () => Promise<R>, fallback: R): Promise<R> {
    try {
      const result = await call();
      this.degraded = null;
      return result;
    } catch (error) {
      this.counters.redisFailures++;
      this.degraded = `Redis unavailable (${error instanceof Error ? error.message : String(error)}): serving from memory and the database`;
      return fallback;
    }
  }

  private get channel(): string {
    return `${this.namespace}:invalidate`;
  }

  private redisKey(key: string): string {
    return `${this.namespace}:${key}`;
  }

  private onInvalidation(message: string): void {
    let invalidation: Invalidation;
    try {
      invalidation = JSON.parse(message) as Invalidation;
    } catch {
      return;
    }
    if (invalidation.origin !== this.origin) this.apply(invalidation);
  }

  private apply(invalidation: Invalidation): void {
    this.epoch++;
    this.counters.invalidations++;
    if (invalidation.key !== undefined) {
      this.memory.delete(invalidation.key);
    } else if (invalidation.prefix !== undefined) {
      for (const key of this.memory.keys()) if (key.startsWith(invalidation.prefix)) this.memory.delete(key);
    }
  }

  private memoryGet(key: string): V | undefined {
    const entry = this.memory.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.memory.delete(key);
      return undefined;
    }
    // Re-insert so Map order is least recently used first.
    this.memory.delete(key);
    this.memory.set(key, entry);
    return entry.value;
  }

  private memorySet(key: string, value: V, expiresAt: number): void {
    this.memory.delete(key);
    this.memory.set(key, { value, expiresAt });
    while (this.memory.size > this.maxEntries) {
      const oldest = this.memory.keys().next().value as string;
      this.memory.delete(oldest);
    }
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Mean time per hit, ms, of each level: `n` memory hits, then `n` Redis hits
 * (memory emptied before each), of `key` (which must be cached) or of a small
 * probe value stored under `bench:probe`; with
 * no Redis level `redisMs` is null. For the benchmark; tests assert no timing.
 */
export async function measureCacheHits<V>(cache: TwoLevelCache<V>, n: number, key = 'bench:probe'): Promise<{ memoryMs: number; redisMs: number | null }> {
  if (key === 'bench:probe') await cache.set(key, { probe: true } as V);
  const before = cache.stats();
  let started = performance.now();
  for (let i = 0; i < n; i++) await cache.get(key);
  const memoryMs = (performance.now() - started) / n;
  if (cache.stats().memoryHits - before.memoryHits !== n) throw new Error(`measureCacheHits: "${key}" is not cached in memory`);
  started = performance.now();
  for (let i = 0; i < n; i++) {
    cache.clearMemory();
    await cache.get(key);
  }
  const redisMs = (performance.now() - started) / n;
  const redisHits = cache.stats().redisHits - before.redisHits;
  if (redisHits === 0) return { memoryMs, redisMs: null };
  if (redisHits !== n) throw new Error(`measureCacheHits: "${key}" is not cached in Redis`);
  return { memoryMs, redisMs };
}
