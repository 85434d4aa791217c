/**
 * Redis going away under live traffic. A restart is simulated by killing this
 * test's connections from an admin connection (CLIENT KILL TYPE pubsub / TYPE
 * normal, narrowed by ID so parallel test files keep theirs): the clients
 * reconnect with backoff and re-subscribe, and live subscriptions, cache
 * invalidations and de-duplication carry on. Without REDIS_URL the same
 * behaviours run on the in-memory implementations, which have no connection
 * to lose.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { TwoLevelCache } from '../api/cache.ts';
import { closeRedisClient, createChainPubSub, createRedisClient, waitForRedis, type ChainPubSubHandle } from '../api/redisPubSub.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { MemoryDeduper, RedisDeduper, streamOf, type Deduper } from '../pipeline/dedupe.ts';

const REDIS_URL = process.env.REDIS_URL;
const run = `${process.pid}-${randomUUID().slice(0, 8)}`;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function adminClient(): Promise<Redis> {
  const admin = createRedisClient(REDIS_URL!, `faults-admin-${run}`);
  cleanups.push(() => closeRedisClient(admin));
  await waitForRedis(admin);
  return admin;
}

/**
 * Kills every connection whose name starts with `namePrefix`, pub/sub ones
 * with TYPE pubsub and the others with TYPE normal; returns how many of each.
 */
async function killConnections(admin: Redis, namePrefix: string): Promise<{ pubsub: number; normal: number }> {
  const killed = { pubsub: 0, normal: 0 };
  for (const type of ['pubsub', 'normal'] as const) {
    const list = (await admin.call('CLIENT', 'LIST', 'TYPE', type)) as string;
    for (const line of list.split('\n')) {
      const fields = Object.fromEntries(line.split(' ').map((pair) => pair.split('=') as [string, string]));
      if (!fields.name?.startsWith(namePrefix)) continue;
      killed[type] += Number(await admin.call('CLIENT', 'KILL', 'TYPE', type, 'ID', fields.id));
    }
  }
  return killed;
}

/** Calls `attempt` every 100 ms until `done()`, or fails after `timeoutMs`. */
async function retryUntil(attempt: () => unknown, done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await attempt();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function snapshot(spot: number): EnrichedSnapshot {
  return { version: 2, id: `faults-${spot}`, symbol: 'NIFTY', expiry: '2026-11-24', spot, rows: [] } as unknown as EnrichedSnapshot;
}

describe(`surviving a Redis restart (${REDIS_URL ? 'Redis' : 'in-memory'})`, () => {
  it('keeps a live subscription receiving after the connections are dropped', async () => {
    const name = `faults-pubsub-${run}`;
    const publisher = createChainPubSub(REDIS_URL, { connectionName: `${name}-a` });
    const subscriber: ChainPubSubHandle = REDIS_URL ? createChainPubSub(REDIS_URL, { connectionName: `${name}-b` }) : publisher;
    cleanups.push(() => publisher.close(), () => subscriber.close());
    await Promise.all([publisher.ready(), subscriber.ready()]);

    const key = `NIFTY:${run}`;
    const received: number[] = [];
    const iterator = subscriber.pubsub.subscribe('chain:updated', key)[Symbol.asyncIterator]();
    cleanups.push(async () => iterator.return?.());
    const consuming = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        received.push(next.value.spot);
      }
    })();

    await retryUntil(() => publisher.pubsub.publish('chain:updated', key, snapshot(1)), () => received.includes(1), 'the first update');

    if (REDIS_URL) {
      const admin = await adminClient();
      const killed = await killConnections(admin, name);
      // B's subscriber connection; both publish connections and A's idle
      // subscriber connection (it subscribes to nothing, so it is normal).
      expect(killed).toEqual({ pubsub: 1, normal: 3 });
    }

    await retryUntil(() => publisher.pubsub.publish('chain:updated', key, snapshot(2)), () => received.includes(2), 'an update after the restart');
    expect(received.filter((spot) => spot === 2).length).toBeGreaterThanOrEqual(1);
    await iterator.return?.();
    await consuming;
  });

  it('keeps invalidating other replicas after the connections are dropped', async () => {
    const name = `faults-cache-${run}`;
    const namespace = `test:faults:${run}`;
    const a = await TwoLevelCache.open<number>({ ttlSeconds: 30, redisUrl: REDIS_URL, namespace, connectionName: `${name}-a` });
    const b = REDIS_URL ? await TwoLevelCache.open<number>({ ttlSeconds: 30, redisUrl: REDIS_URL, namespace, connectionName: `${name}-b` }) : a;
    cleanups.push(() => a.close(), () => b.close());

    if (REDIS_URL) {
      await Promise.all([a.ready(), b.ready()]);
      const admin = await adminClient();
      expect(await killConnections(admin, name)).toEqual({ pubsub: 2, normal: 2 });
    }

    // Commands queue until the reconnect; the invalidation subscriber
    // re-subscribes, so a later invalidation from A reaches B's memory.
    await retryUntil(
      async () => {
        await b.set('k', 1);
        await a.invalidate('k');
      },
      () => b.stats().invalidations > 0 && b.stats().memoryEntries === 0,
      'an invalidation to reach the other replica after the restart',
    );
    expect(await b.get('k')).toBeUndefined();
  });

  it('keeps de-duplicating after the connections are dropped', async () => {
    const stream = streamOf({ source: 'dhan', symbol: 'NIFTY', expiry: '2026-12-29' });
    let deduper: Deduper;
    if (REDIS_URL) {
      const name = `faults-dedupe-${run}`;
      const client = createRedisClient(REDIS_URL, name, { failFast: true });
      cleanups.push(() => closeRedisClient(client));
      await waitForRedis(client);
      const prefix = `test:faults:${run}:dedupe:`;
      deduper = new RedisDeduper(client, { prefix, windowSeconds: 60 });
      await deduper.markStored([{ stream, id: 'snap-1' }]);
      const admin = await adminClient();
      expect(await killConnections(admin, name)).toEqual({ pubsub: 0, normal: 1 });
      // Right after the kill the answer comes from this process's memory; after the reconnect, from Redis again.
      expect(await deduper.isRepeat(stream, 'snap-1')).toBe(true);
      await retryUntil(() => deduper.isRepeat(stream, 'snap-2'), () => deduper.status().degraded === null, 'Redis to answer again');
      await deduper.markStored([{ stream, id: 'snap-2' }]);
      expect(await admin.get(`${prefix}${stream}`)).toBe('snap-2');
      await admin.del(`${prefix}${stream}`);
    } else {
      deduper = new MemoryDeduper();
      await deduper.markStored([{ stream, id: 'snap-1' }]);
      expect(await deduper.isRepeat(stream, 'snap-1')).toBe(true);
      expect(await deduper.isRepeat(stream, 'snap-2')).toBe(false);
    }
  });
});
