/**
 * Chain analytics over time, one row per time bucket, for charts.
 *
 * Buckets come from `date_bin(width, ts, 2000-01-03 00:00 UTC)` over
 * chain_snapshots: the origin is TimescaleDB's `time_bucket` default, so the
 * buckets are the ones of the continuous aggregates (chain_summary_5m, _15m,
 * _1h; see db/migrations/0001_timescale.sql), and every width divides a day,
 * so buckets start on whole minutes, hours and UTC days. The query runs the
 * same on plain PostgreSQL, PGlite and TimescaleDB; it reads the raw
 * snapshots (served by the primary key symbol, expiry, ts), so its answer
 * never depends on an aggregate's refresh or on Timescale being present.
 *
 * On PGlite and plain PostgreSQL the retention job (db/retention.ts) deletes
 * raw snapshots older than its raw horizon, folding each into the per-minute
 * rollup chain_rollup_1m as it goes. A range from the horizon on reads the
 * raw snapshots alone, as above, and its answer is exactly what it was before
 * any retention. A range starting before it reads the rollup and the raw
 * snapshots together (every snapshot is in exactly one of them), combining
 * the rollup's sums, counts and last values with the raw rows' into the same
 * buckets; there a minute is in the range when it starts in it, since a
 * rollup minute cannot be split, and averages agree with the raw ones to
 * rounding.
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
import { and, eq, gte, lt, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots } from '../schema.ts';
import { readRawHorizon } from './retentionState.ts';

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

/** Refuses a chart range that is empty, of an unknown interval, or wider than MAX_BUCKETS buckets (ChainHistoryRangeError). */
export function checkChartRange(from: Date, to: Date, interval: ChartInterval): void {
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
}

export async function chainHistory(db: Database, query: ChainHistoryQuery): Promise<ChainHistoryPoint[]> {
  checkChartRange(query.from, query.to, query.interval);
  const horizon = await readRawHorizon(db);
  const rows = horizon === null || query.from.getTime() >= horizon.getTime() ? await fromRaw(db, query) : await fromRollupAndRaw(db, query);
  return rows.map((row) => ({ ...row, spot: row.spot as number }));
}

/**
 * The bucket of `ts`, `width` wide, on the chart origin: `width` is a literal
 * such as '5 minutes' from code, never user text, so the expression reads the
 * same in SELECT and GROUP BY.
 */
export function dateBin(width: string, ts: SQL | AnyColumn): SQL {
  return sql`date_bin(interval '${sql.raw(width)}', ${ts}, timestamptz '2000-01-03 00:00:00+00')`;
}

/** The buckets over the raw snapshots alone. */
async function fromRaw(db: Database, { symbol, expiry, from, to, interval }: ChainHistoryQuery) {
  const bucket = dateBin(CHART_INTERVALS[interval].sql, chainSnapshots.ts);
  const latest = (value: SQL) => sql<number | null>`(array_agg(${value} order by ${chainSnapshots.ts} desc))[1]`;
  return db
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
}

/**
 * The buckets over the rollup minutes and the raw snapshots together, each
 * raw snapshot taken as a part of its own (one snapshot, its values as sums
 * of one, itself as the latest).
 */
async function fromRollupAndRaw(db: Database, { symbol, expiry, from, to, interval }: ChainHistoryQuery) {
  const [start, end] = [from.toISOString(), to.toISOString()];
  const parts = sql`(
    select bucket as at, pcr_oi_sum, pcr_oi_count, atm_iv_sum, atm_iv_count, last_ts, spot_last as spot, max_pain_last as max_pain,
      total_oi_last as total_oi
    from chain_rollup_1m
    where symbol = ${symbol} and expiry = ${expiry}::date and bucket >= ${start}::timestamptz and bucket < ${end}::timestamptz
    union all
    select ts, coalesce(pcr_oi, 0), (pcr_oi is not null)::int, coalesce(atm_iv, 0), (atm_iv is not null)::int, ts, spot, max_pain,
      total_call_oi + total_put_oi
    from chain_snapshots
    where symbol = ${symbol} and expiry = ${expiry}::date and ts >= ${start}::timestamptz and ts < ${end}::timestamptz
  ) as parts`;
  const bucket = dateBin(CHART_INTERVALS[interval].sql, sql`at`);
  const latest = (value: string) => sql<number | null>`(array_agg(${sql.raw(value)} order by last_ts desc))[1]`;
  return db
    .select({
      bucket: sql<Date>`${bucket}`.mapWith(chainSnapshots.ts),
      pcrOi: sql<number | null>`sum(pcr_oi_sum) / nullif(sum(pcr_oi_count), 0)`.mapWith(Number),
      maxPain: latest('max_pain').mapWith(Number),
      atmIv: sql<number | null>`sum(atm_iv_sum) / nullif(sum(atm_iv_count), 0)`.mapWith(Number),
      spot: latest('spot').mapWith(Number),
      totalOi: latest('total_oi').mapWith(Number),
    })
    .from(parts)
    .groupBy(bucket)
    .orderBy(bucket);
}
