/**
 * Historical responses (chainHistory, chainSeries, strikeSeries) through the
 * history cache (schema/historyCache.ts) in the two-level cache
 * (api/cache.ts: memory, and Redis with REDIS_URL), over HTTP through Yoga
 * with the x-cache header installed (api/installCacheHeader.ts): a repeated
 * request is a hit with the same answer, a snapshot written into the range
 * makes the next one a miss with the new data, and with Redis a replica with
 * an empty memory level is served from Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createYoga } from 'graphql-yoga';
import { randomUUID } from 'node:crypto';
import { schema } from '../schema/index.ts';
import type { Context } from '../schema/builder.ts';
import { openSchemaHarness, type SchemaHarness } from './schemaContext.ts';
import { simulatedEnrichedSnapshots } from './fixtures.ts';
import { TwoLevelCache } from '../api/cache.ts';
import { installCacheHeader, cacheHeaderValue } from '../api/installCacheHeader.ts';
import { combine, type ServerContext } from '../api/installation.ts';
import { fromClient, post } from './yoga.ts';

/** NIFTY, one expiry, a snapshot a minute for 40 minutes; the last 5 are written during the test. */
const snapshots = simulatedEnrichedSnapshots(40, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 3, seed: 8 });
const expiry = snapshots[0].expiry;
const strike = snapshots[0].rows[3].strike;
const iso = (ms: number) => new Date(ms).toISOString();
const FROM = iso(snapshots[0].timestamp);
const TO = iso(snapshots[39].timestamp + 60_000);

const SERIES = `query($from: DateTime!, $to: DateTime!) {
  chainSeries(symbol: "NIFTY", expiry: "${expiry}", from: $from, to: $to, interval: FIVE_MINUTES, fields: [SPOT, STRADDLE]) { buckets columns { field values } }
  strikeSeries(symbol: "NIFTY", expiry: "${expiry}", strike: ${strike}, side: CALL, from: $from, to: $to, interval: FIVE_MINUTES) { bucket priceOpen priceClose ivLast delta }
}`;
const HISTORY_ONLY = `query($from: DateTime!, $to: DateTime!) {
  chainHistory(symbol: "NIFTY", expiry: "${expiry}", from: $from, to: $to, interval: FIVE_MINUTES) { bucket spot straddle }
}`;

describe('historical responses in the two-level cache, with x-cache', () => {
  let harness: SchemaHarness;
  let cache: TwoLevelCache<unknown>;
  let yoga: ReturnType<typeof createYoga<ServerContext, Context>>;
  let uncached: Context;

  async function ask(query: string, variables: Record<string, unknown> = { from: FROM, to: TO }) {
    const response = await yoga.fetch('http://localhost/graphql', post({ query, variables }), fromClient('127.0.0.1'));
    const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    return { header: response.headers.get('x-cache'), data: body.data };
  }

  beforeAll(async () => {
    harness = await openSchemaHarness(snapshots.slice(0, 35));
    cache = await TwoLevelCache.open<unknown>({ ttlSeconds: 60, redisUrl: process.env.REDIS_URL, namespace: `test:history:${randomUUID()}` });
    const now = snapshots[39].timestamp + 120_000;
    uncached = harness.context(now);
    const shared: Context = { ...harness.context(now), historyCache: cache };
    yoga = createYoga<ServerContext, Context>({
      schema,
      context: () => ({ ...shared, cacheOutcomes: { hits: 0, misses: 0 } }),
      logging: false,
      ...combine([installCacheHeader()]),
    });
  }, 60_000);
  afterAll(async () => {
    await cache?.close();
    await harness?.close();
  });

  it('misses, then hits with the same answer, which is what the uncached schema answers', async () => {
    const first = await ask(SERIES);
    expect(first.header).toBe('miss');
    const second = await ask(SERIES);
    expect(second.header).toBe('hit');
    expect(second.data).toEqual(first.data);
    expect(second.data).toEqual((await harness.run(uncached, SERIES, { from: FROM, to: TO })).data);
    expect((second.data as any).strikeSeries.length).toBeGreaterThan(3);
  });

  it('says partial when one history read hit and another missed, and nothing for a request that read no history', async () => {
    const mixed = await ask(`${SERIES.replace(/}\s*$/, '')} chainHistory(symbol: "NIFTY", expiry: "${expiry}", from: $from, to: $to, interval: ONE_HOUR) { bucket spot } }`);
    expect(mixed.header).toBe('partial');
    expect((await ask('{ symbols { symbol } }', {})).header).toBeNull();
    expect([cacheHeaderValue({ hits: 0, misses: 0 }), cacheHeaderValue({ hits: 2, misses: 0 }), cacheHeaderValue({ hits: 0, misses: 1 })]).toEqual([null, 'hit', 'miss']);
  });

  it('misses once newer data lands in the range, and answers it', async () => {
    const before = await ask(HISTORY_ONLY);
    expect((await ask(HISTORY_ONLY)).header).toBe('hit');
    await harness.database.write(snapshots.slice(35));
    const after = await ask(HISTORY_ONLY);
    expect(after.header).toBe('miss');
    const buckets = (data: unknown) => (data as any).chainHistory.map((p: any) => p.bucket);
    expect(buckets(after.data).length).toBeGreaterThan(buckets(before.data).length);
    expect(after.data).toEqual((await harness.run(uncached, HISTORY_ONLY, { from: FROM, to: TO })).data);
    expect((await ask(HISTORY_ONLY)).header).toBe('hit');
    // The strike series read before the write misses too (the range's contents changed); chainSeries
    // shares chainHistory's entry for the same range and interval, just reloaded: a hit.
    expect((await ask(SERIES)).header).toBe('partial');
  });

  it.skipIf(!process.env.REDIS_URL)('serves a replica with an empty memory level from Redis', async () => {
    await ask(SERIES);
    cache.clearMemory();
    const redisHits = cache.stats().redisHits;
    const again = await ask(SERIES);
    expect(again.header).toBe('hit');
    expect(cache.stats().redisHits).toBe(redisHits + 2);
    expect(again.data).toEqual((await harness.run(uncached, SERIES, { from: FROM, to: TO })).data);
  });
});
