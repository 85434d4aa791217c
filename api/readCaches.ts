/**
 * The API's in-memory caches of past reads (core/boundedCache.ts), one per
 * process, each within its configured byte budget:
 * - past chains (optionChain with `at`) by the instant of their stored
 *   snapshot, which never changes (schema/chain.ts);
 * - whole chart buckets (chainHistory) by range and a summary of what is
 *   stored under it (schema/charts.ts). Not on TimescaleDB: there
 *   chainHistory may read continuous aggregates, which refresh on their own
 *   schedule, after the raw rows the summary counts.
 *
 * Sizes are estimates of the JavaScript heap a value takes, measured once
 * (heap growth over 2,000 copies of an enriched chain: ~1.23 KiB a strike
 * with both sides), rounded up.
 */
import { BoundedCache } from '../core/boundedCache.ts';
import type { Config } from '../core/config.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { ChainHistoryPoint } from '../db/queries/chainHistory.ts';

/** Estimated heap bytes of an enriched chain: its header and analytics, and each strike with both sides. */
export function chainBytes(chain: EnrichedSnapshot): number {
  return 2_048 + 1_300 * chain.rows.length;
}

/** Estimated heap bytes of chart points: the array, and each point (a Date and five numbers). */
export function chartPointsBytes(points: readonly ChainHistoryPoint[]): number {
  return 256 + 160 * points.length;
}

export interface ReadCaches {
  pastChains?: BoundedCache<EnrichedSnapshot>;
  chartBuckets?: BoundedCache<ChainHistoryPoint[]>;
}

export function createReadCaches(config: Pick<Config, 'PAST_CHAIN_CACHE_BYTES' | 'CHART_CACHE_BYTES'>, database: { timescale: boolean }): ReadCaches {
  return {
    pastChains: config.PAST_CHAIN_CACHE_BYTES > 0 ? new BoundedCache<EnrichedSnapshot>(config.PAST_CHAIN_CACHE_BYTES, chainBytes) : undefined,
    chartBuckets: config.CHART_CACHE_BYTES > 0 && !database.timescale ? new BoundedCache<ChainHistoryPoint[]>(config.CHART_CACHE_BYTES, chartPointsBytes) : undefined,
  };
}
