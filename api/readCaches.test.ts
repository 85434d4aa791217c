import { describe, expect, it } from 'vitest';
import { chainBytes, createReadCaches } from './readCaches.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';

describe('createReadCaches', () => {
  it('gives each cache its configured budget, and none at 0', () => {
    const caches = createReadCaches({ PAST_CHAIN_CACHE_BYTES: 1_000_000, CHART_CACHE_BYTES: 2_000 }, { timescale: false });
    expect(caches.pastChains?.maxBytes).toBe(1_000_000);
    expect(caches.chartBuckets?.maxBytes).toBe(2_000);
    expect(createReadCaches({ PAST_CHAIN_CACHE_BYTES: 0, CHART_CACHE_BYTES: 0 }, { timescale: false })).toEqual({ pastChains: undefined, chartBuckets: undefined });
  });

  it('keeps no chart buckets on TimescaleDB, whose aggregates refresh after the raw rows the range summary counts', () => {
    const caches = createReadCaches({ PAST_CHAIN_CACHE_BYTES: 1_000_000, CHART_CACHE_BYTES: 2_000 }, { timescale: true });
    expect(caches.chartBuckets).toBeUndefined();
    expect(caches.pastChains).toBeDefined();
  });

  it('estimates a chain by its strikes: a 41-strike chain at about 55 KiB', () => {
    const [chain] = simulatedEnrichedSnapshots(1, { symbols: ['NIFTY'], expiriesPerSymbol: 1, strikesEachSide: 20 });
    expect(chain.rows.length).toBe(41);
    expect(chainBytes(chain) / 1024).toBeCloseTo(54, 0);
  });
});
