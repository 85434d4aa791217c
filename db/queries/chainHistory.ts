/**
 * Chain analytics over time, one row per time bucket, for charts.
 *
 * Buckets come from `date_bin(width, ts, 2000-01-03 00:00 UTC)` over
 * chain_snapshots: the origin is TimescaleDB's `time_bucket` default, so the
 * buckets are the ones of the continuous aggregates (chain_summary_5m, _15m,
 * _1h; see db/migrations/0001_timescale.sql), and every width divides a day,
 * so buckets start on whole minutes, hours and UTC days.
 *
 * On TimescaleDB, at 5m, 15m and 1h, the buckets wholly inside the range are
 * read from the matching continuous aggregate (real-time: its materialized
 * buckets plus the newest rows not yet materialized), one row per bucket
 * instead of every snapshot, and still there once the raw chunks are dropped
 * (TIMESCALE_RETENTION; the aggregates are kept for
 * TIMESCALE_AGGREGATE_RETENTION). The partial buckets at either end, when
 * `from` or `to` falls inside one, are computed from the raw snapshots as
 * everywhere else, so the answer is the same as the raw query's (averages to
 * rounding). Other intervals read the raw snapshots, served by the primary
 * key (symbol, expiry, ts).
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
 * - `spot`, `maxPain`, `totalOi`, `straddle`, `atmStrike`: values of the
 *   bucket's latest snapshot (null when that snapshot has none), `totalOi`
 *   being its total_call_oi + total_put_oi, `straddle` its analytics'
 *   straddlePrice (ATM call + put mark price: the mid of a two-sided quote,
 *   else the LTP). The rollup has `straddle` and `atmStrike` from migration
 *   0012 on (null for minutes folded before); on TimescaleDB they come from
 *   chain_straddle_<w>, joined to chain_summary_<w> on the bucket.
 */
import { sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots } from '../schema.ts';
import { readRawHorizon } from './retentionState.ts';
import { rowsOf } from './expireRaw.ts';
import { AGGREGATE_SUFFIX, hasContinuousAggregates, type AggregateSuffix } from './continuousAggregates.ts';
import { preparedPerDatabase, streamRangePlaceholders } from './prepared.ts';

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
  /** ATM call + put mark price at the latest snapshot, index points. */
  straddle: number | null;
  /** ATM strike at the latest snapshot, index points. */
  atmStrike: number | null;
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

/**
 * Refuses a request a history query cannot answer: an interval not among
 * `allowed`, an empty or inverted range, or more than MAX_BUCKETS buckets.
 */
export function checkHistoryRange(from: Date, to: Date, interval: ChartInterval, allowed: readonly ChartInterval[] = Object.keys(CHART_INTERVALS) as ChartInterval[]): void {
  if (!allowed.includes(interval)) throw new ChainHistoryRangeError('interval', `unknown interval ${JSON.stringify(interval)}; one of ${allowed.join(', ')}`);
  if (!(from.getTime() < to.getTime())) {
    throw new ChainHistoryRangeError('to', `"to" (${to.toISOString()}) must be after "from" (${from.toISOString()})`);
  }
  const buckets = bucketCount(from, to, interval);
  if (buckets > MAX_BUCKETS) {
    throw new ChainHistoryRangeError(
      'interval',
      `${from.toISOString()} to ${to.toISOString()} spans ${buckets} buckets of ${CHART_INTERVALS[interval].sql}, more than ${MAX_BUCKETS}: use a coarser interval or a shorter range`,
    );
  }
}

export async function chainHistory(db: Database, query: ChainHistoryQuery): Promise<ChainHistoryPoint[]> {
  checkHistoryRange(query.from, query.to, query.interval);
  const rows = await readBuckets(db, query);
  return rows.map((row) => ({ ...row, spot: row.spot as number }));
}

type BucketRow = Omit<ChainHistoryPoint, 'spot'> & { spot: number | null };

async function readBuckets(db: Database, query: ChainHistoryQuery): Promise<BucketRow[]> {
  const aggregated = await readAggregateAndRaw(db, query, {
    aggregate: (whole, suffix) => fromAggregate(db, { ...query, ...whole }, suffix),
    raw: (part) => fromRaw(db, { ...query, ...part }),
  });
  if (aggregated) return aggregated;
  const horizon = await readRawHorizon(db);
  return horizon === null || query.from.getTime() >= horizon.getTime() ? fromRaw(db, query) : fromRollupAndRaw(db, query);
}

/**
 * A bucketed read of [from, to) where TimescaleDB has a continuous aggregate
 * at `interval`: the whole buckets from the aggregate (`read.aggregate`,
 * given the whole buckets' range, on bucket boundaries, and the aggregate's
 * suffix), the partial buckets at either end from the raw rows
 * (`read.raw`, once per partial piece), together in bucket order: the raw
 * query's answer. Null where there is no such aggregate (PGlite, plain
 * PostgreSQL, the Apache-2 build, other intervals), for the caller's raw read.
 * Used by every history query that has aggregates (chain, mood).
 */
export async function readAggregateAndRaw<Row extends { bucket: Date }>(
  db: Database,
  { from, to, interval }: { from: Date; to: Date; interval: ChartInterval },
  read: { aggregate(whole: TimeRange, suffix: AggregateSuffix): Promise<Row[]>; raw(part: TimeRange): Promise<Row[]> },
): Promise<Row[] | null> {
  if (!isAggregated(interval) || !(await hasContinuousAggregates(db))) return null;
  const { partial, whole } = splitAtBuckets(from, to, interval);
  const parts = await Promise.all([...partial.map((part) => read.raw(part)), whole ? read.aggregate(whole, AGGREGATE_SUFFIX[interval]) : []]);
  return parts.flat().sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
}

function isAggregated(interval: ChartInterval): interval is keyof typeof AGGREGATE_SUFFIX {
  return interval in AGGREGATE_SUFFIX;
}

export interface TimeRange {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
}

/**
 * [from, to) cut at the buckets of `interval`: the whole buckets inside it
 * (null when there are none), and the partial buckets at its ends (none
 * when from and to are on bucket boundaries). A range inside one bucket is
 * one partial piece.
 */
export function splitAtBuckets(from: Date, to: Date, interval: ChartInterval): { whole: TimeRange | null; partial: TimeRange[] } {
  const { ms } = CHART_INTERVALS[interval];
  const start = from.getTime();
  const end = to.getTime();
  const firstWhole = bucketStart(start, interval) === start ? start : bucketStart(start, interval) + ms;
  const lastWhole = bucketStart(end, interval);
  if (firstWhole >= lastWhole) return { whole: null, partial: [{ from, to }] };
  const partial: TimeRange[] = [];
  if (start < firstWhole) partial.push({ from, to: new Date(firstWhole) });
  if (lastWhole < end) partial.push({ from: new Date(lastWhole), to });
  return { whole: { from: new Date(firstWhole), to: new Date(lastWhole) }, partial };
}

/**
 * The bucket of `ts`, `width` wide, on the chart origin: `width` is a literal
 * such as '5 minutes' from code, never user text, so the expression reads the
 * same in SELECT and GROUP BY.
 */
export function dateBin(width: string, ts: SQL | AnyColumn): SQL {
  return sql`date_bin(interval '${sql.raw(width)}', ${ts}, timestamptz '2000-01-03 00:00:00+00')`;
}

/**
 * A chain_snapshots row's ATM straddle, index points: its analytics'
 * straddlePrice (jsonb keeps the number's shortest decimal, which float8
 * reads back as the very double), null when the analytics had none.
 */
export const STRADDLE_OF_SNAPSHOT = sql`(analytics->>'straddlePrice')::float8`;

/** A bucket's start as epoch ms (float8), read back exactly by every driver. */
export const epochMs = (bucket: SQL) => sql`(extract(epoch from ${bucket}) * 1000)::float8`;

/** A numeric column as the drivers return it (number, numeric text, or null) as a number or null. */
export const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

/** Whole buckets from TimescaleDB's chain_summary_<suffix> (from and to on bucket boundaries). */
async function fromAggregate(db: Database, { symbol, expiry, from, to }: ChainHistoryQuery, suffix: AggregateSuffix): Promise<BucketRow[]> {
  const inRange = sql`symbol = ${symbol} and expiry = ${expiry}::date and bucket >= ${from.toISOString()}::timestamptz and bucket < ${to.toISOString()}::timestamptz`;
  const rows = rowsOf<{
    bucket_ms: string | number;
    pcr_oi: number | null;
    max_pain: number | null;
    atm_iv: number | null;
    spot: number | null;
    total_oi: number | null;
    straddle: number | null;
    atm_strike: number | null;
  }>(
    await db.execute(sql`
      select ${epochMs(sql`s.bucket`)} as bucket_ms, s.pcr_oi_avg as pcr_oi, s.max_pain_last as max_pain, s.atm_iv_avg as atm_iv, s.spot_last as spot,
        s.total_oi_last as total_oi, t.straddle_last as straddle, t.atm_strike_last as atm_strike
      from (select * from ${sql.identifier(`chain_summary_${suffix}`)} where ${inRange}) as s
      left join (select * from ${sql.identifier(`chain_straddle_${suffix}`)} where ${inRange}) as t using (bucket)
      order by s.bucket`),
  );
  return rows.map((row) => ({
    bucket: new Date(Number(row.bucket_ms)),
    pcrOi: numberOrNull(row.pcr_oi),
    maxPain: numberOrNull(row.max_pain),
    atmIv: numberOrNull(row.atm_iv),
    spot: numberOrNull(row.spot),
    totalOi: numberOrNull(row.total_oi),
    straddle: numberOrNull(row.straddle),
    atmStrike: numberOrNull(row.atm_strike),
  }));
}

/** The buckets over the raw snapshots alone (the read of the bucket still filling, on every chart request). */
async function fromRaw(db: Database, { symbol, expiry, from, to, interval }: ChainHistoryQuery) {
  return rawStatements(db)(interval).execute({ symbol, expiry, from: from.toISOString(), to: to.toISOString() });
}

/** fromRaw's statement of each interval, prepared once per database (db/queries/prepared.ts). */
const rawStatements = preparedPerDatabase((db) => {
  const byInterval = new Map<ChartInterval, ReturnType<typeof prepareRaw>>();
  const prepareRaw = (interval: ChartInterval) => {
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
        straddle: latest(STRADDLE_OF_SNAPSHOT).mapWith(Number),
        atmStrike: latest(sql`${chainSnapshots.atmStrike}`).mapWith(Number),
      })
      .from(chainSnapshots)
      .where(streamRangePlaceholders(chainSnapshots))
      .groupBy(bucket)
      .orderBy(bucket)
      .prepare(`chain_history_raw_${interval}`);
  };
  return (interval: ChartInterval) => {
    let statement = byInterval.get(interval);
    if (!statement) {
      statement = prepareRaw(interval);
      byInterval.set(interval, statement);
    }
    return statement;
  };
});

/**
 * The buckets over the rollup minutes and the raw snapshots together, each
 * raw snapshot taken as a part of its own (one snapshot, its values as sums
 * of one, itself as the latest).
 */
async function fromRollupAndRaw(db: Database, { symbol, expiry, from, to, interval }: ChainHistoryQuery) {
  const [start, end] = [from.toISOString(), to.toISOString()];
  const parts = sql`(
    select bucket as at, pcr_oi_sum, pcr_oi_count, atm_iv_sum, atm_iv_count, last_ts, spot_last as spot, max_pain_last as max_pain,
      total_oi_last as total_oi, straddle_last as straddle, atm_strike_last as atm_strike
    from chain_rollup_1m
    where symbol = ${symbol} and expiry = ${expiry}::date and bucket >= ${start}::timestamptz and bucket < ${end}::timestamptz
    union all
    select ts, coalesce(pcr_oi, 0), (pcr_oi is not null)::int, coalesce(atm_iv, 0), (atm_iv is not null)::int, ts, spot, max_pain,
      total_call_oi + total_put_oi, ${STRADDLE_OF_SNAPSHOT}, atm_strike
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
      straddle: latest('straddle').mapWith(Number),
      atmStrike: latest('atm_strike').mapWith(Number),
    })
    .from(parts)
    .groupBy(bucket)
    .orderBy(bucket);
}
