import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AdmissionStore, MemoryAdmissions, MemoryCostBudgets, RedisAdmissions, RedisCostBudgets, rateLimitIdentity } from './rateLimitStore.ts';

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

describe('MemoryCostBudgets', () => {
  it('spends up to the budget per sliding window, refuses an overspend without spending it, and says when it would fit', () => {
    let now = 0;
    const budgets = new MemoryCostBudgets(10, () => now);
    expect(budgets.spend('a', 40, 100, 1000)).toEqual({ admitted: true, remaining: 60 });
    now = 300;
    expect(budgets.spend('a', 50, 100, 1000)).toEqual({ admitted: true, remaining: 10 });
    now = 500;
    // 20 fits once the first spend (40, at 0) leaves the window at 1000.
    expect(budgets.spend('a', 20, 100, 1000)).toEqual({ admitted: false, remaining: 10, retryAfterMs: 500 });
    // 70 needs both spends gone: the second leaves at 1300.
    expect(budgets.spend('a', 70, 100, 1000)).toEqual({ admitted: false, remaining: 10, retryAfterMs: 800 });
    expect(budgets.spend('a', 10, 100, 1000)).toEqual({ admitted: true, remaining: 0 });
    expect(budgets.spend('b', 100, 100, 1000)).toEqual({ admitted: true, remaining: 0 });
    now = 1000;
    expect(budgets.spend('a', 20, 100, 1000)).toEqual({ admitted: true, remaining: 20 });
  });

  it('refuses a cost above the whole budget, waiting a whole window', () => {
    const budgets = new MemoryCostBudgets(10, () => 0);
    expect(budgets.spend('a', 101, 100, 1000)).toEqual({ admitted: false, remaining: 100, retryAfterMs: 1000 });
  });

  it('remembers at most maxClients callers, the least recently seen forgotten first', () => {
    const budgets = new MemoryCostBudgets(100);
    for (let i = 0; i < 10_000; i++) budgets.spend(`client-${i}`, 5, 50, 60_000);
    expect(budgets.size).toBe(100);
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

describe.skipIf(!process.env.REDIS_URL)('RedisCostBudgets', () => {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  afterAll(() => redis.quit());

  it('spends exactly the budget of many concurrent operations from two clients of one Redis, and refuses the rest with the points left and when they fit', async () => {
    const other = new Redis(process.env.REDIS_URL!);
    const key = `test-${Math.random()}`;
    const [a, b] = [new RedisCostBudgets(redis), new RedisCostBudgets(other)];
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).spend(key, 7, 300, 60_000)));
    const admitted = results.filter((r) => r.admitted);
    expect(admitted).toHaveLength(42);
    expect(admitted.map((r) => r.remaining).sort((x, y) => x - y)).toEqual(Array.from({ length: 42 }, (_, i) => 300 - 7 * (42 - i)).sort((x, y) => x - y));
    const refused = results.find((r) => !r.admitted)!;
    expect(refused).toMatchObject({ admitted: false, remaining: 6 });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(55_000);
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(60_000);
    // A smaller cost still fits in what is left.
    expect(await a.spend(key, 6, 300, 60_000)).toEqual({ admitted: true, remaining: 0 });
    await other.quit();
  });

  it('lets spends out of the window go, by Redis’ own clock', async () => {
    const key = `test-${Math.random()}`;
    const budgets = new RedisCostBudgets(redis);
    expect(await budgets.spend(key, 10, 10, 200)).toEqual({ admitted: true, remaining: 0 });
    expect(await budgets.spend(key, 10, 10, 200)).toMatchObject({ admitted: false, remaining: 0 });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await budgets.spend(key, 10, 10, 200)).toEqual({ admitted: true, remaining: 0 });
  });

  it('lets operations in while Redis is away, and says so', async () => {
    const away = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const errors: unknown[] = [];
    expect(await new RedisCostBudgets(away, (e) => errors.push(e)).spend('k', 5, 1, 1000)).toEqual({ admitted: true, remaining: 1 });
    expect(errors).toHaveLength(1);
    away.disconnect();
  });
});
