import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MemoryLeases, RedisLeases, type Lease } from './connectionLeases.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemoryLeases', () => {
  it('gives out `limit` places of a key, then null, a place again once one is released (once however often), and forgets a key with none', () => {
    const leases = new MemoryLeases();
    const taken = [leases.acquire('a', 2), leases.acquire('a', 2)];
    expect(taken.every(Boolean)).toBe(true);
    expect(leases.acquire('a', 2)).toBeNull();
    expect(leases.acquire('b', 2)).not.toBeNull();
    taken[0]!.release();
    taken[0]!.release();
    expect(leases.count('a')).toBe(1);
    expect(leases.acquire('a', 2)).not.toBeNull();
    expect(leases.acquire('a', 0)).toBeNull();
  });

  it('holds no key without a place', () => {
    const leases = new MemoryLeases();
    for (let i = 0; i < 1000; i++) leases.acquire(`k${i}`, 1)!.release();
    expect(leases.keys).toBe(0);
  });
});

describe.skipIf(!process.env.REDIS_URL)('RedisLeases', () => {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const clients: Redis[] = [];
  const client = () => {
    const redis = new Redis(url, { maxRetriesPerRequest: 0 });
    clients.push(redis);
    return redis;
  };
  afterAll(async () => {
    for (const redis of clients) redis.disconnect();
  });

  it('gives out exactly `limit` places of one key to many concurrent acquisitions from two replicas, and a place again once one is released', async () => {
    const key = `test-${Math.random()}`;
    const [a, b] = [new RedisLeases(client(), { ttlMs: 30_000 }), new RedisLeases(client(), { ttlMs: 30_000 })];
    const leases = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).acquire(key, 7)));
    const taken = leases.filter((lease): lease is Lease => lease !== null);
    expect(taken).toHaveLength(7);
    expect(await a.count(key)).toBe(7);
    expect(await b.acquire(key, 7)).toBeNull();
    taken[0].release();
    taken[0].release();
    await sleep(50);
    expect(await b.count(key)).toBe(6);
    expect(await b.acquire(key, 7)).not.toBeNull();
    await a.close();
    await b.close();
    expect(await new RedisLeases(client(), { ttlMs: 30_000 }).count(key)).toBe(0);
  });

  it('keeps the leases its holder refreshes past their ttl, and lets those of a holder that vanished (crashed, no release) expire within the ttl', async () => {
    const key = `test-${Math.random()}`;
    const ttlMs = 600;
    const crashingClient = client();
    const [alive, crashing] = [new RedisLeases(client(), { ttlMs }), new RedisLeases(crashingClient, { ttlMs, onError: () => {} })];
    expect(await alive.acquire(key, 2)).not.toBeNull();
    expect(await crashing.acquire(key, 2)).not.toBeNull();
    expect(await alive.acquire(key, 2)).toBeNull();
    // The crashing replica's connection goes; it never releases nor refreshes again.
    crashingClient.disconnect();
    await sleep(ttlMs * 2);
    expect(await alive.count(key)).toBe(1);
    expect(await alive.acquire(key, 2)).not.toBeNull();
    await sleep(ttlMs * 2);
    // Both of the live replica's leases are still there, refreshed.
    expect(await alive.count(key)).toBe(2);
    await alive.close();
    await crashing.close();
  });

  it('counts in memory while Redis is away, and says so', async () => {
    const away = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const errors: unknown[] = [];
    const leases = new RedisLeases(away, { ttlMs: 30_000, onError: (e) => errors.push(e) });
    const first = await leases.acquire('k', 1);
    expect(first).not.toBeNull();
    expect(await leases.acquire('k', 1)).toBeNull();
    first!.release();
    expect(await leases.acquire('k', 1)).not.toBeNull();
    expect(errors.length).toBeGreaterThanOrEqual(2);
    await leases.close();
    away.disconnect();
  });
});
