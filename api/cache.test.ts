import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { measureCacheHits, TwoLevelCache, type CacheOptions } from './cache.ts';
import { latestChainKey, latestChainPrefix } from '../schema/chain.ts';
import { closeRedisClient, createRedisClient } from './redisPubSub.ts';

const REDIS_URL = process.env.REDIS_URL;
/** One namespace per run: tests never see another run's keys. */
const runNamespace = `test:cache:${process.pid}:${randomUUID()}`;

const caches: TwoLevelCache<unknown>[] = [];
afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  if (!REDIS_URL) return;
  const admin = createRedisClient(REDIS_URL, 'test-cache-cleanup');
  const keys = await admin.keys(`${runNamespace}*`);
  if (keys.length > 0) await admin.del(...keys);
  await closeRedisClient(admin);
});

let testCount = 0;
/** A fresh namespace per test; pass `shared` to open several replicas on one. */
function namespace(): string {
  return `${runNamespace}:${testCount++}`;
}

async function open<V = unknown>(options: Partial<CacheOptions> & { namespace: string }): Promise<TwoLevelCache<V>> {
  const cache = await TwoLevelCache.open<V>({ ttlSeconds: 30, redisUrl: REDIS_URL, connectionName: `test-cache-${process.pid}`, ...options });
  caches.push(cache as TwoLevelCache<unknown>);
  // With REDIS_URL set, a Redis that does not answer fails the test here.
  await cache.ready();
  return cache;
}

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const chain = { symbol: 'NIFTY', expiry: '2026-11-24', spot: 24_000, rows: [{ strike: 24_000 }] };

describe(`two-level cache (${REDIS_URL ? 'memory + Redis' : 'memory only'})`, () => {
  it('loads on a miss, then answers from memory without loading again', async () => {
    const cache = await open({ namespace: namespace() });
    const load = vi.fn(async () => chain);
    expect(await cache.getOrLoad(latestChainKey('NIFTY', '2026-11-24'), load)).toEqual(chain);
    expect(await cache.getOrLoad(latestChainKey('NIFTY', '2026-11-24'), load)).toEqual(chain);
    expect(load).toHaveBeenCalledTimes(1);
    expect(cache.stats()).toMatchObject({ misses: 1, memoryHits: 1, redisHits: 0 });
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = await open({ namespace: namespace() });
    const load = vi.fn(async () => chain);
    await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('does not cache a null result (no chain stored yet)', async () => {
    const cache = await open({ namespace: namespace() });
    const load = vi.fn(async () => null);
    expect(await cache.getOrLoad('missing', load)).toBeNull();
    expect(await cache.getOrLoad('missing', load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('invalidates a key and every key under a prefix', async () => {
    const cache = await open({ namespace: namespace() });
    await cache.set(latestChainKey('NIFTY', '2026-11-24'), 1);
    await cache.set(latestChainKey('NIFTY', '2026-12-01'), 2);
    await cache.set(latestChainKey('BANKNIFTY', '2026-11-24'), 3);
    await cache.invalidate(latestChainKey('NIFTY', '2026-11-24'));
    expect(await cache.get(latestChainKey('NIFTY', '2026-11-24'))).toBeUndefined();
    expect(await cache.get(latestChainKey('NIFTY', '2026-12-01'))).toBe(2);
    await cache.invalidate({ prefix: latestChainPrefix('NIFTY') });
    expect(await cache.get(latestChainKey('NIFTY', '2026-12-01'))).toBeUndefined();
    expect(await cache.get(latestChainKey('BANKNIFTY', '2026-11-24'))).toBe(3);
  });

  it('does not cache a load that was overtaken by an invalidation', async () => {
    const cache = await open({ namespace: namespace() });
    let finish!: (value: string) => void;
    const pending = cache.getOrLoad('k', () => new Promise<string>((resolve) => (finish = resolve)));
    await until(() => finish !== undefined, 'the load to start');
    await cache.invalidate('k');
    finish('stale');
    expect(await pending).toBe('stale');
    expect(await cache.get('k')).toBeUndefined();
  });

  it('forgets entries after the TTL', async () => {
    const cache = await open({ namespace: namespace(), ttlSeconds: 0.2 });
    await cache.set('k', 'v');
    expect(await cache.get('k')).toBe('v');
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.stats().misses).toBe(1);
  });

  it('evicts the least recently used entry beyond the size cap', async () => {
    const cache = await TwoLevelCache.open<number>({ ttlSeconds: 30, maxEntries: 2 });
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.get('a');
    await cache.set('c', 3);
    expect(cache.stats().memoryEntries).toBe(2);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(3);
  });

  it('expires memory entries on its clock', async () => {
    let now = 1_000_000;
    const cache = await TwoLevelCache.open<string>({ ttlSeconds: 30, now: () => now });
    await cache.set('k', 'v');
    now += 29_999;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('measures the time of a hit on each level', async () => {
    const cache = await open({ namespace: namespace() });
    const result = await measureCacheHits(cache, 5);
    expect(Number.isFinite(result.memoryMs)).toBe(true);
    if (REDIS_URL) expect(Number.isFinite(result.redisMs)).toBe(true);
    else expect(result.redisMs).toBeNull();
  });
});

if (REDIS_URL) {
  describe('two-level cache across API replicas (Redis)', () => {
    it('answers a second instance from Redis without loading', async () => {
      const shared = namespace();
      const a = await open({ namespace: shared });
      const b = await open({ namespace: shared });
      await a.getOrLoad(latestChainKey('NIFTY', '2026-11-24'), async () => chain);
      const load = vi.fn(async () => ({ ...chain, spot: -1 }));
      expect(await b.getOrLoad(latestChainKey('NIFTY', '2026-11-24'), load)).toEqual(chain);
      expect(await b.getOrLoad(latestChainKey('NIFTY', '2026-11-24'), load)).toEqual(chain);
      expect(load).not.toHaveBeenCalled();
      expect(b.stats()).toMatchObject({ redisHits: 1, memoryHits: 1, misses: 0 });
    });

    it('clears the other instances when one invalidates', async () => {
      const shared = namespace();
      const a = await open({ namespace: shared });
      const b = await open({ namespace: shared });
      const key = latestChainKey('NIFTY', '2026-11-24');
      await a.set(key, chain);
      expect(await b.get(key)).toEqual(chain); // now in b's memory
      await a.invalidate(key);
      await until(() => b.stats().invalidations === 1, 'the invalidation to reach the other instance');
      expect(await b.get(key)).toBeUndefined();
      expect(b.stats().misses).toBe(1);
    });

    it('clears a prefix on the other instances', async () => {
      const shared = namespace();
      const a = await open({ namespace: shared });
      const b = await open({ namespace: shared });
      await b.set(latestChainKey('NIFTY', '2026-11-24'), 1);
      await b.set(latestChainKey('NIFTY', '2026-12-01'), 2);
      await a.invalidate({ prefix: latestChainPrefix('NIFTY') });
      await until(() => b.stats().invalidations === 1, 'the invalidation to reach the other instance');
      expect(await b.get(latestChainKey('NIFTY', '2026-11-24'))).toBeUndefined();
      expect(await b.get(latestChainKey('NIFTY', '2026-12-01'))).toBeUndefined();
    });

    it('keeps an entry copied from Redis no longer than the original', async () => {
      const shared = namespace();
      const a = await open({ namespace: shared, ttlSeconds: 0.3 });
      const b = await open({ namespace: shared, ttlSeconds: 30 });
      await a.set('k', 'v');
      expect(await b.get('k')).toBe('v');
      await new Promise((resolve) => setTimeout(resolve, 450));
      expect(await b.get('k')).toBeUndefined();
    });

    it('serves from memory and the loader while the configured Redis does not answer, and says so', async () => {
      const cache = await TwoLevelCache.open<string>({ ttlSeconds: 30, redisUrl: 'redis://127.0.0.1:1', namespace: namespace() });
      caches.push(cache as TwoLevelCache<unknown>);
      await expect(cache.ready(300)).rejects.toThrow(/did not answer/);
      const started = Date.now();
      expect(await cache.getOrLoad('k', async () => 'from the database')).toBe('from the database');
      expect(await cache.get('k')).toBe('from the database');
      await cache.invalidate('k');
      expect(await cache.get('k')).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(cache.stats().redisFailures).toBeGreaterThan(0);
      expect(cache.stats().degraded).toMatch(/Redis unavailable/);
    });
  });
}
