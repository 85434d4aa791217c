/**
 * Chain analytics over time, one row per time bucket, for charts.
 *
 * Buckets come from `date_bin(width, ts, 2000-01-03 00:00 UTC)` over
 * chain_snapshots: the origin is TimescaleDB's `time_bucket` default, so the
 * buckets are the ones of the continuous aggregates (chain_summary_5m, _15m,
 * _1h; see db/migrations/0001_timescale.sql), and every width divides a day,
 * so buckets start on whole minutes, hours and UTC days. The query runs the
 * same on plain PostgreSQL, PGlite and TimescaleDB; it always reads the raw
 * snapshots (served by the primary key symbol, expiry, ts), so its answer
 * never depends on an aggregate's refresh or on Timescale being present.
 *
 * Per bucket, over the snapshots with from ≤ ts < to:
 * - `bucket`: the bucket's start. The first and last buckets are partial
 *   when `from` and `to` are not on bucket boundaries; buckets without
 *   snapshots are absent, not zero.
 * - `pcrOi`, `atmIv`: averages over the bucket's snapshots (nulls ignored;
 *   null when all are null).
 * - `spot`, `maxPain`, `totalOi`: values of the bucket's latest snapshot
 *   (null when that snapshot has none), `totalOi` being its
 *   total_call_oi + total_put_oi.
 */
import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots } from '../schema.ts';

export const CHART_INTERVALS = {
  '1m': { sql: '1 minute', ms: 60_000 },
  '5m': { sql: '5 minutes', ms: 300_000 },
  '15m': { sql: '15 minutes', ms: 900_000 },
  '1h': { sql: '1 hour', ms: 3_600_000 },
  '1d': { sql: '1 day', ms: 86_400_000 },
} as const;

export type ChartInterval = keyof typeof CHART_INTERVALS;

/** The most buckets one request may span. */
export const MAX_BUCKETS = 5_000;

/** Origin of every bucket: TimescaleDB's time_bucket default. */
export const BUCKET_ORIGIN = Date.UTC(2000, 0, 3);

export interface ChainHistoryQuery {
  symbol: string;
  /** YYYY-MM-DD. */
  expiry: string;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  interval: ChartInterval;
}

export interface ChainHistoryPoint {
  bucket: Date;
  pcrOi: number | null;
  maxPain: number | null;
  atmIv: number | null;
  spot: number;
  totalOi: number | null;
}

/** A request the query refuses, naming the offending argument. */
export class ChainHistoryRangeError extends RangeError {
  constructor(
    readonly argument: 'from' | 'to' | 'interval',
    message: string,
  ) {
    super(message);
    this.name = 'ChainHistoryRangeError';
  }
}

/** How many buckets of `interval` the range [from, to) touches. */
export function bucketCount(from: Date, to: Date, interval: ChartInterval): number {
  const { ms } = CHART_INTERVALS[interval];
  const first = Math.floor((from.getTime() - BUCKET_ORIGIN) / ms);
  const last = Math.floor((to.getTime() - 1 - BUCKET_ORIGIN) / ms);
  return last - first + 1;
}

/** Start of the bucket holding `at`, in epoch ms. */
export function bucketStart(at: number, interval: ChartInterval): number {
  const { ms } = CHART_INTERVALS[interval];
  return BUCKET_ORIGIN + Math.floor((at - BUCKET_ORIGIN) / ms) * ms;
}

export async function chainHistory(db: Database, query: ChainHistoryQuery): Promise<ChainHistoryPoint[]> {
  const { symbol, expiry, from, to, interval } = query;
  const width = CHART_INTERVALS[interval];
  if (!width) throw new ChainHistoryRangeError('interval', `unknown interval ${JSON.stringify(interval)}; one of ${Object.keys(CHART_INTERVALS).join(', ')}`);
  if (!(from.getTime() < to.getTime())) {
    throw new ChainHistoryRangeError('to', `"to" (${to.toISOString()}) must be after "from" (${from.toISOString()})`);
  }
  const buckets = bucketCount(from, to, interval);
  if (buckets > MAX_BUCKETS) {
    throw new ChainHistoryRangeError(
      'interval',
      `${from.toISOString()} to ${to.toISOString()} spans ${buckets} buckets of ${width.sql}, more than ${MAX_BUCKETS}: use a coarser interval or a shorter range`,
    );
  }
  // The width is a literal from the table above, never user text: the bucket
  // expression must read the same in SELECT and GROUP BY.
  const bucket = sql`date_bin(interval '${sql.raw(width.sql)}', ${chainSnapshots.ts}, timestamptz '2000-01-03 00:00:00+00')`;
  const latest = (value: SQL) => sql<number | null>`(array_agg(${value} order by ${chainSnapshots.ts} desc))[1]`;
  const rows = await db
    .select({
      bucket: sql<Date>`${bucket}`.mapWith(chainSnapshots.ts),
      pcrOi: sql<number | null>`avg(${chainSnapshots.pcrOi})`.mapWith(Number),
      maxPain: latest(sql`${chainSnapshots.maxPain}`).mapWith(Number),
      atmIv: sql<number | null>`avg(${chainSnapshots.atmIv})`.mapWith(Number),
      spot: latest(sql`${chainSnapshots.spot}`).mapWith(Number),
      totalOi: latest(sql`${chainSnapshots.totalCallOi} + ${chainSnapshots.totalPutOi}`).mapWith(Number),
    })
    .from(chainSnapshots)
    .where(and(eq(chainSnapshots.symbol, symbol), eq(chainSnapshots.expiry, expiry), gte(chainSnapshots.ts, from), lt(chainSnapshots.ts, to)))
    .groupBy(bucket)
    .orderBy(bucket);
  return rows.map((row) => ({ ...row, spot: row.spot as number }));
}
