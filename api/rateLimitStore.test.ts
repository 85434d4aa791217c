import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AdmissionStore, MemoryAdmissions, RedisAdmissions, rateLimitIdentity } from './rateLimitStore.ts';

describe('MemoryAdmissions', () => {
  it('lets `limit` calls per window in, refuses the next without counting it, and lets one in again once the oldest leaves', () => {
    let now = 0;
    const admissions = new MemoryAdmissions(10, () => now);
    expect([1, 2, 3, 4].map(() => admissions.admit('a', 3, 1000))).toEqual([true, true, true, false]);
    now = 999;
    expect(admissions.admit('a', 3, 1000)).toBe(false);
    now = 1000;
    expect(admissions.admit('a', 3, 1000)).toBe(true);
    expect(admissions.admit('b', 3, 1000)).toBe(true);
  });

  it('remembers at most maxClients keys, the least recently seen forgotten first', () => {
    const admissions = new MemoryAdmissions(100);
    for (let i = 0; i < 10_000; i++) admissions.admit(`client-${i}`, 5, 60_000);
    expect(admissions.size).toBe(100);
  });
});

describe('AdmissionStore', () => {
  it('reads the caller’s own limit from its identity, and 0 as no limit', () => {
    const store = new AdmissionStore(new MemoryAdmissions(10), 60_000);
    const ask = (limit: number) => store.getForIdentity({ contextIdentity: rateLimitIdentity(limit, 'user:1'), fieldIdentity: 'optionChain' }) as number[];
    expect([ask(2), ask(2), ask(2)].map((calls) => calls.length)).toEqual([0, 0, 1]);
    expect(Array.from({ length: 50 }, () => ask(0).length).every((n) => n === 0)).toBe(true);
  });
});

describe.skipIf(!process.env.REDIS_URL)('RedisAdmissions', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  afterAll(() => redis.quit());

  it('admits exactly `limit` of many concurrent calls from two clients of one Redis', async () => {
    const other = new Redis(process.env.REDIS_URL!);
    const key = `test-${Math.random()}`;
    const [a, b] = [new RedisAdmissions(redis), new RedisAdmissions(other)];
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).admit(key, 30, 60_000)));
    expect(results.filter(Boolean)).toHaveLength(30);
    await other.quit();
  });

  it('lets calls in while Redis is away, and says so', async () => {
    const away = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const errors: unknown[] = [];
    expect(await new RedisAdmissions(away, (e) => errors.push(e)).admit('k', 1, 1000)).toBe(true);
    expect(errors).toHaveLength(1);
    away.disconnect();
  });
});
