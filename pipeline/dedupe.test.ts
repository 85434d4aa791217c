import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedis } from '../api/redisPubSub.ts';
import { MemoryDeduper, RedisDeduper, type Deduper } from './dedupe.ts';

const REDIS_URL = process.env.REDIS_URL;
/** One key prefix per run: tests never see another run's ids. */
const runPrefix = `test:dedupe:${process.pid}:${randomUUID()}:`;

let client: Redis | undefined;
async function redis(): Promise<Redis> {
  if (!client) {
    client = createRedisClient(REDIS_URL!, `test-dedupe-${process.pid}`);
    await waitForRedis(client);
  }
  return client;
}
afterAll(async () => {
  if (!client) return;
  const keys = await client.keys(`${runPrefix}*`);
  if (keys.length > 0) await client.del(...keys);
  await closeRedisClient(client);
});

const afterAllClose: Redis[] = [];
afterAll(async () => {
  await Promise.all(afterAllClose.map(closeRedisClient));
});

/** Two dedupers sharing one memory of ids, as two ingesters would (in memory: one deduper used twice). */
async function pair(ttlSeconds?: number): Promise<[Deduper, Deduper]> {
  if (!REDIS_URL) {
    const shared = new MemoryDeduper({ ttlSeconds });
    return [shared, shared];
  }
  const prefix = `${runPrefix}${randomUUID()}:`;
  // Separate connections, as two processes would have.
  const second = createRedisClient(REDIS_URL, `test-dedupe-${process.pid}`);
  await waitForRedis(second);
  afterAllClose.push(second);
  return [new RedisDeduper(await redis(), { prefix, ttlSeconds }), new RedisDeduper(second, { prefix, ttlSeconds })];
}

describe(`de-duplication (${REDIS_URL ? 'Redis' : 'memory'})`, () => {
  it('sees each id first exactly once across two ingesters', async () => {
    const [a, b] = await pair();
    const ids = Array.from({ length: 50 }, (_, i) => `NIFTY-2026-11-24-${i}`);
    const answers = await Promise.all(ids.flatMap((id) => [a.firstSeen(id), b.firstSeen(id), a.firstSeen(id)]));
    for (let i = 0; i < ids.length; i++) {
      expect(answers.slice(i * 3, i * 3 + 3).filter(Boolean)).toHaveLength(1);
    }
  });

  it('sees an id again once its TTL has passed', async () => {
    const [a, b] = await pair(0.2);
    expect(await a.firstSeen('snap-1')).toBe(true);
    expect(await b.firstSeen('snap-1')).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await b.firstSeen('snap-1')).toBe(true);
    expect(await a.firstSeen('snap-1')).toBe(false);
  });

  if (REDIS_URL) {
    it('fails when the configured Redis does not answer', async () => {
      const dead = createRedisClient('redis://127.0.0.1:1');
      afterAllClose.push(dead);
      await expect(waitForRedis(dead, 300)).rejects.toThrow(/did not answer/);
    });
  }
});

describe('memory de-duplication bounds', () => {
  it('forgets the oldest ids beyond its size cap', async () => {
    const deduper = new MemoryDeduper({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) expect(await deduper.firstSeen(id)).toBe(true);
    expect(deduper.size).toBe(3);
    expect(await deduper.firstSeen('d')).toBe(false);
    expect(await deduper.firstSeen('a')).toBe(true);
  });

  it('drops expired ids as new ones arrive', async () => {
    let now = 0;
    const deduper = new MemoryDeduper({ ttlSeconds: 10, now: () => now });
    await deduper.firstSeen('a');
    await deduper.firstSeen('b');
    now = 10_000;
    await deduper.firstSeen('c');
    expect(deduper.size).toBe(1);
  });
});
