import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedis } from '../api/redisPubSub.ts';
import { MemoryDeduper, RedisDeduper, streamOf, type Deduper } from './dedupe.ts';

const REDIS_URL = process.env.REDIS_URL;
/** One key prefix per run: tests never see another run's streams. */
const runPrefix = `test:dedupe:${process.pid}:${randomUUID()}:`;

const clients: Redis[] = [];
async function redisClient(url = REDIS_URL!): Promise<Redis> {
  const client = createRedisClient(url, `test-dedupe-${process.pid}`, { failFast: true });
  clients.push(client);
  return client;
}
afterAll(async () => {
  if (REDIS_URL) {
    const admin = await redisClient();
    await waitForRedis(admin);
    const keys = await admin.keys(`${runPrefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
  await Promise.all(clients.map(closeRedisClient));
});

/**
 * The ingest side and the storage side, as two processes would have them:
 * separate Redis connections sharing one key space (in memory: one deduper).
 */
async function ingestAndStorage(windowSeconds?: number): Promise<[Deduper, Deduper]> {
  if (!REDIS_URL) {
    const shared = new MemoryDeduper({ windowSeconds });
    return [shared, shared];
  }
  const prefix = `${runPrefix}${randomUUID()}:`;
  const [a, b] = [await redisClient(), await redisClient()];
  // A configured Redis that does not answer fails the test here, never silently falls back.
  await Promise.all([waitForRedis(a), waitForRedis(b)]);
  return [new RedisDeduper(a, { prefix, windowSeconds }), new RedisDeduper(b, { prefix, windowSeconds })];
}

const stream = streamOf({ source: 'dhan', symbol: 'NIFTY', expiry: '2026-12-29' });

describe(`de-duplication (${REDIS_URL ? 'Redis' : 'memory'})`, () => {
  it('skips a snapshot only once it is stored, and then only while it is the last of its stream', async () => {
    const [ingest, storage] = await ingestAndStorage();
    expect(await ingest.isRepeat(stream, 'A')).toBe(false);
    // Not stored yet (say the process died before storing it): sent again, it is not a repeat.
    expect(await ingest.isRepeat(stream, 'A')).toBe(false);
    await storage.markStored([{ stream, id: 'A' }]);
    expect(await ingest.isRepeat(stream, 'A')).toBe(true);
    // Another stream with the same content is not a repeat.
    expect(await ingest.isRepeat(streamOf({ source: 'dhan', symbol: 'NIFTY', expiry: '2027-01-26' }), 'A')).toBe(false);
  });

  it('keeps A → B → A: the market going back is history, not a repeat (regression: a 24 h id memory dropped it)', async () => {
    const [ingest, storage] = await ingestAndStorage();
    await storage.markStored([{ stream, id: 'A' }]);
    expect(await ingest.isRepeat(stream, 'B')).toBe(false);
    await storage.markStored([{ stream, id: 'B' }]);
    expect(await ingest.isRepeat(stream, 'A')).toBe(false);
    expect(await ingest.isRepeat(stream, 'B')).toBe(true);
  });

  it('stores an unchanged chain again once the window has passed', async () => {
    const [ingest, storage] = await ingestAndStorage(0.2);
    await storage.markStored([{ stream, id: 'A' }]);
    expect(await ingest.isRepeat(stream, 'A')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await ingest.isRepeat(stream, 'A')).toBe(false);
  });
});

describe('de-duplication without Redis', () => {
  it('answers at once from the memory of this process while Redis does not answer, and says so', async () => {
    const deduper = new RedisDeduper(await redisClient('redis://127.0.0.1:1'), { prefix: runPrefix });
    const started = Date.now();
    await deduper.markStored([{ stream, id: 'A' }]);
    expect(await deduper.isRepeat(stream, 'A')).toBe(true);
    expect(await deduper.isRepeat(stream, 'B')).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(deduper.status()).toMatchObject({ kind: 'redis', degraded: expect.stringMatching(/Redis unavailable/) });
    expect(deduper.status().redisFailures).toBeGreaterThanOrEqual(3);
  });

  it('remembers a bounded number of streams, forgetting the one stored longest ago', async () => {
    let now = 0;
    const deduper = new MemoryDeduper({ maxStreams: 2, now: () => now });
    await deduper.markStored([
      { stream: 'a', id: '1' },
      { stream: 'b', id: '1' },
    ]);
    now = 1;
    await deduper.markStored([{ stream: 'c', id: '1' }]);
    expect(await deduper.isRepeat('a', '1')).toBe(false);
    expect(await deduper.isRepeat('b', '1')).toBe(true);
    expect(await deduper.isRepeat('c', '1')).toBe(true);
  });
});
