/**
 * Responses of historical queries (chainHistory, chainSeries, strikeSeries)
 * in the two-level cache (api/cache.ts: memory per process, Redis shared by
 * the replicas), keyed by the field, its arguments and a summary of what is
 * stored in the range (db/queries/rangeContents.ts: the newest snapshot in
 * it and the count of out-of-order changes). Newer data landing in the
 * range, a late or backfilled snapshot, or the retention job folding rows
 * changes the summary, so the next request misses and loads afresh: entries
 * are never served stale, only left to expire (CACHE_TTL_SECONDS). A range
 * whose end is still filling (to = now) changes with each snapshot and
 * misses until it is past.
 *
 * The summary is one index probe; a hit costs that instead of the
 * aggregation. Values are stored as JSON (bucket instants as epoch ms) and
 * revived, so both levels give back the same points. Each read is counted in
 * the request's `cacheOutcomes`, which api/installCacheHeader.ts reports as
 * the `x-cache` response header.
 *
 * The API opens no history cache on TimescaleDB (api/app.ts), as it keeps no
 * chart buckets there (api/readCaches.ts): its continuous aggregates refresh
 * on their own schedule, which the summary does not see.
 */
import { readDatabase, type Context } from './builder.ts';
import { rangeContents } from '../db/queries/rangeContents.ts';

export interface HistoryRead {
  /** The field, e.g. 'strikeSeries'. */
  field: string;
  symbol: string;
  /** YYYY-MM-DD. */
  expiry: string;
  from: Date;
  to: Date;
  /** Every other argument that changes the answer (interval, strike, side), in a fixed order. */
  rest: readonly (string | number)[];
}

type Stored<T> = (Omit<T, 'bucket'> & { bucket: number })[];

/** `load()`'s points for `read`, from the history cache when it holds them for what is stored now. */
export async function cachedHistory<T extends { bucket: Date }>(context: Context, read: HistoryRead, load: () => Promise<T[]>): Promise<T[]> {
  const cache = context.historyCache;
  if (!cache) return load();
  const contents = await readDatabase(context, (db) => rangeContents(db, read.symbol, read.expiry, read.from, read.to));
  const key = `${read.field}:${JSON.stringify([read.symbol, read.expiry, read.from.getTime(), read.to.getTime(), ...read.rest])}:${contents}`;
  const stored = (await cache.get(key)) as Stored<T> | undefined;
  if (stored !== undefined) {
    if (context.cacheOutcomes) context.cacheOutcomes.hits++;
    return stored.map((p) => ({ ...p, bucket: new Date(p.bucket) }) as T);
  }
  const points = await load();
  if (context.cacheOutcomes) context.cacheOutcomes.misses++;
  await cache.set(key, points.map((p) => ({ ...p, bucket: p.bucket.getTime() })));
  return points;
}
