/**
 * One strike and side over time, one row per time bucket: open interest,
 * implied volatility and volume, each as the bucket's last value and its
 * average; the option's price (LTP) as open, high, low and close; and the
 * latest Greeks. The series behind per-strike charts (strikeSeries,
 * schema/charts.ts) and the option cell's session (schema/optionCell.ts).
 *
 * Buckets are chainHistory's (db/queries/chainHistory.ts): date_bin on the
 * origin 2000-01-03 00:00 UTC, which is TimescaleDB's time_bucket default,
 * at 5m, 15m, 1h or 1d (multiples of the 5-minute rollup, so a bucket is made
 * of whole rollup buckets).
 *
 * Where the rows come from:
 * - TimescaleDB, at 5m, 15m and 1h: the buckets wholly inside the range from
 *   the continuous aggregates strike_stats_<interval> and
 *   strike_prices_<interval> joined on the bucket (real-time), the partial
 *   buckets at either end from the raw option rows;
 * - elsewhere (PGlite, plain PostgreSQL, TimescaleDB at 1d): the raw option
 *   rows (the primary key's prefix symbol, expiry, ts finds them), and, for a
 *   range starting before the retention job's raw horizon, the 5-minute
 *   rollup strike_rollup_5m the job folded the older rows into (a rollup
 *   bucket counts when it starts in the range, as it cannot be split; its
 *   price and Greek columns are null for buckets folded before migration
 *   0012_strike_prices).
 * Every path answers the same (averages to rounding).
 *
 * "The raw option rows" are in one of two shapes (writeSnapshots.ts): rows of
 * option_quotes, or blocks packed beside each snapshot (the embedded store),
 * which SQL cannot read. The series' rows of the packed snapshots in the
 * range are unpacked here and sent with the statement as arrays, so both
 * shapes go through the same bucketing SQL.
 *
 * Per bucket, over the option rows with from ≤ ts < to:
 * - `oiLast`, `ivLast`, `volumeLast`: the values of the bucket's latest row
 *   (null when that row has none);
 * - `oiAvg`, `ivAvg`, `volumeAvg`: averages over its rows, nulls ignored
 *   (null when all are null);
 * - `priceOpen`, `priceClose`: the LTP of the bucket's earliest and latest
 *   row (null when that row has none), `priceHigh`, `priceLow` the highest
 *   and lowest LTP (nulls ignored);
 * - `deltaLast`, `gammaLast`, `thetaLast`, `vegaLast`: the latest row's
 *   Greeks (null when that row has none).
 * Buckets without rows are absent.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { unpackQuotes } from '../../core/packedQuotes.ts';
import { bytesOf } from './expireRaw.ts';
import { floats, texts } from './writeSnapshots.ts';
import { CHART_INTERVALS, checkHistoryRange, dateBin, epochMs, numberOrNull, readAggregateAndRaw } from './chainHistory.ts';
import type { AggregateSuffix } from './continuousAggregates.ts';
import { rowsOf } from './expireRaw.ts';
import { readRawHorizon } from './retentionState.ts';

/** The intervals of a strike series: multiples of the 5-minute rollup. */
export const STRIKE_INTERVALS = ['5m', '15m', '1h', '1d'] as const;
export type StrikeInterval = (typeof STRIKE_INTERVALS)[number];

export interface StrikeHistoryQuery {
  symbol: string;
  /** YYYY-MM-DD. */
  expiry: string;
  /** Strike price, in index points. */
  strike: number;
  /** 'CE' (call) or 'PE' (put). */
  optionType: 'CE' | 'PE';
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  interval: StrikeInterval;
}

export interface StrikeHistoryPoint {
  bucket: Date;
  /** Open interest, contracts. */
  oiLast: number | null;
  oiAvg: number | null;
  /** Implied volatility, decimal (0.15 = 15 %). */
  ivLast: number | null;
  ivAvg: number | null;
  /** Volume traded in the session so far, contracts, as the source reports it. */
  volumeLast: number | null;
  volumeAvg: number | null;
  /** Option price (LTP), index points: first, highest, lowest and last of the bucket. */
  priceOpen: number | null;
  priceHigh: number | null;
  priceLow: number | null;
  priceClose: number | null;
  /** The bucket's latest Greeks: delta per index point, gamma per point², theta index points per calendar day, vega index points per vol point. */
  deltaLast: number | null;
  gammaLast: number | null;
  thetaLast: number | null;
  vegaLast: number | null;
}

export async function strikeHistory(db: Database, query: StrikeHistoryQuery): Promise<StrikeHistoryPoint[]> {
  const { from, to, interval } = query;
  checkHistoryRange(from, to, interval, STRIKE_INTERVALS);
  if (query.optionType !== 'CE' && query.optionType !== 'PE') throw new RangeError(`option type must be CE or PE, got ${JSON.stringify(query.optionType)}`);
  if (!Number.isFinite(query.strike)) throw new RangeError(`strike must be a finite number, got ${query.strike}`);

  const aggregated = await readAggregateAndRaw(db, query, {
    aggregate: (whole, suffix) => fromAggregate(db, { ...query, ...whole }, suffix),
    raw: (part) => fromRaw(db, { ...query, ...part }),
  });
  if (aggregated) return aggregated;
  const horizon = await readRawHorizon(db);
  return horizon === null || from.getTime() >= horizon.getTime() ? fromRaw(db, query) : fromRollupAndRaw(db, query);
}

interface Row {
  bucket_ms: number | string;
  oi_last: number | null;
  oi_avg: number | null;
  iv_last: number | null;
  iv_avg: number | null;
  volume_last: number | null;
  volume_avg: number | null;
  ltp_first: number | null;
  ltp_max: number | null;
  ltp_min: number | null;
  ltp_last: number | null;
  delta_last: number | null;
  gamma_last: number | null;
  theta_last: number | null;
  vega_last: number | null;
}


async function points(db: Database, query: SQL): Promise<StrikeHistoryPoint[]> {
  return rowsOf<Row>(await db.execute(query)).map((row) => ({
    bucket: new Date(Number(row.bucket_ms)),
    oiLast: numberOrNull(row.oi_last),
    oiAvg: numberOrNull(row.oi_avg),
    ivLast: numberOrNull(row.iv_last),
    ivAvg: numberOrNull(row.iv_avg),
    volumeLast: numberOrNull(row.volume_last),
    volumeAvg: numberOrNull(row.volume_avg),
    priceOpen: numberOrNull(row.ltp_first),
    priceHigh: numberOrNull(row.ltp_max),
    priceLow: numberOrNull(row.ltp_min),
    priceClose: numberOrNull(row.ltp_last),
    deltaLast: numberOrNull(row.delta_last),
    gammaLast: numberOrNull(row.gamma_last),
    thetaLast: numberOrNull(row.theta_last),
    vegaLast: numberOrNull(row.vega_last),
  }));
}

/** The series' own rows: symbol, expiry, strike and side, in [from, to) on `column`. */
function series({ symbol, expiry, strike, optionType, from, to }: StrikeHistoryQuery, column: string): SQL {
  return sql`symbol = ${symbol} and expiry = ${expiry}::date and strike = ${strike}::float8 and option_type = ${optionType}
    and ${sql.raw(column)} >= ${from.toISOString()}::timestamptz and ${sql.raw(column)} < ${to.toISOString()}::timestamptz`;
}

/** The latest Greeks every path returns, by their column names. */
const GREEKS_LAST = ['delta', 'gamma', 'theta', 'vega'] as const;

/**
 * Whole buckets from TimescaleDB's strike_stats_<suffix> and
 * strike_prices_<suffix> (from and to on bucket boundaries). Both aggregate
 * the same option rows, so a bucket is in both or in neither.
 */
function fromAggregate(db: Database, query: StrikeHistoryQuery, suffix: AggregateSuffix): Promise<StrikeHistoryPoint[]> {
  const stats = sql.identifier(`strike_stats_${suffix}`);
  const prices = sql.identifier(`strike_prices_${suffix}`);
  return points(
    db,
    sql`select ${epochMs(sql`s.bucket`)} as bucket_ms, s.oi_last, s.oi_avg, s.iv_last, s.iv_avg, s.volume_last, s.volume_avg,
        p.ltp_first, p.ltp_max, p.ltp_min, p.ltp_last, p.delta_last, p.gamma_last, p.theta_last, p.vega_last
      from (select * from ${stats} where ${series(query, 'bucket')}) as s
      left join (select * from ${prices} where ${series(query, 'bucket')}) as p using (bucket)
      order by s.bucket`,
  );
}

interface PackedSnapshot {
  ts: string;
  spot: number;
  tYears: number;
  rate: number;
  forward: number | null;
  packed: Uint8Array | string;
}

/** The option figures a strike series reads from each raw row (option_quotes columns, EnrichedQuote fields). */
const RAW_COLUMNS = ['oi', 'iv', 'volume', 'ltp', 'delta', 'gamma', 'theta', 'vega'] as const;
type RawColumn = (typeof RAW_COLUMNS)[number];

/**
 * The series' raw rows as a relation (ts, oi, iv, volume, ltp, delta, gamma,
 * theta, vega): its option_quotes
 * rows and those of the packed snapshots in [from, to), unpacked.
 */
async function rawRows(db: Database, query: StrikeHistoryQuery): Promise<SQL> {
  const { symbol, expiry, strike, optionType, from, to } = query;
  const snapshots = rowsOf<PackedSnapshot>(
    await db.execute(sql`
      select ts::text as ts, spot, t_years as "tYears", rate, forward, packed_quotes as packed
      from chain_snapshots
      where symbol = ${symbol} and expiry = ${expiry}::date and packed_quotes is not null
        and ts >= ${from.toISOString()}::timestamptz and ts < ${to.toISOString()}::timestamptz`),
  );
  const ts: string[] = [];
  const packed = Object.fromEntries(RAW_COLUMNS.map((column) => [column, [] as (number | null)[]])) as Record<RawColumn, (number | null)[]>;
  for (const snapshot of snapshots) {
    const row = unpackQuotes(snapshot, bytesOf(snapshot.packed)).find((r) => r.strike === strike);
    const quote = optionType === 'CE' ? row?.call : row?.put;
    if (!quote) continue;
    ts.push(snapshot.ts);
    for (const column of RAW_COLUMNS) packed[column].push(quote[column]);
  }
  const columns = sql.raw(RAW_COLUMNS.join(', '));
  const rows = sql`select ts, ${columns} from option_quotes where ${series(query, 'ts')}`;
  if (ts.length === 0) return rows;
  const arrays = sql.join(RAW_COLUMNS.map((column) => sql`${floats(packed[column])}::float8[]`), sql`, `);
  return sql`${rows}
    union all
    select ts::timestamptz, ${columns}
    from unnest(${texts(ts)}::text[], ${arrays}) as p(ts, ${columns})`;
}

/** The buckets over the raw option rows alone. */
async function fromRaw(db: Database, query: StrikeHistoryQuery): Promise<StrikeHistoryPoint[]> {
  const bucket = dateBin(CHART_INTERVALS[query.interval].sql, sql`ts`);
  const latest = (column: string) => sql.raw(`(array_agg(${column} order by ts desc))[1]`);
  return points(
    db,
    sql`select ${epochMs(bucket)} as bucket_ms,
        ${latest('oi')} as oi_last, avg(oi) as oi_avg, ${latest('iv')} as iv_last, avg(iv) as iv_avg,
        ${latest('volume')} as volume_last, avg(volume) as volume_avg,
        (array_agg(ltp order by ts))[1] as ltp_first, max(ltp) as ltp_max, min(ltp) as ltp_min, ${latest('ltp')} as ltp_last,
        ${sql.join(GREEKS_LAST.map((greek) => sql`${latest(greek)} as ${sql.raw(`${greek}_last`)}`), sql`, `)}
      from (${await rawRows(db, query)}) as raw
      group by ${bucket} order by ${bucket}`,
  );
}

/**
 * The buckets over the rollup's 5-minute buckets and the raw rows together,
 * each raw row a part of its own (its values as sums of one, itself the latest).
 */
async function fromRollupAndRaw(db: Database, query: StrikeHistoryQuery): Promise<StrikeHistoryPoint[]> {
  const bucket = dateBin(CHART_INTERVALS[query.interval].sql, sql`at`);
  const latest = (column: string) => sql.raw(`(array_agg(${column} order by last_ts desc))[1]`);
  return points(
    db,
    sql`select ${epochMs(bucket)} as bucket_ms,
        ${latest('oi')} as oi_last, sum(oi_sum) / nullif(sum(oi_count), 0) as oi_avg,
        ${latest('iv')} as iv_last, sum(iv_sum) / nullif(sum(iv_count), 0) as iv_avg,
        ${latest('volume')} as volume_last, sum(volume_sum) / nullif(sum(volume_count), 0) as volume_avg,
        (array_agg(ltp_first order by first_ts nulls last))[1] as ltp_first, max(ltp_max) as ltp_max, min(ltp_min) as ltp_min,
        ${latest('ltp')} as ltp_last,
        ${sql.join(GREEKS_LAST.map((greek) => sql`${latest(greek)} as ${sql.raw(`${greek}_last`)}`), sql`, `)}
      from (
        select bucket as at, oi_sum, oi_count, iv_sum, iv_count, volume_sum, volume_count, last_ts, oi_last as oi, iv_last as iv, volume_last as volume,
          first_ts, ltp_first, ltp_max, ltp_min, ltp_last as ltp, delta_last as delta, gamma_last as gamma, theta_last as theta, vega_last as vega
        from strike_rollup_5m where ${series(query, 'bucket')}
        union all
        select ts, coalesce(oi, 0), (oi is not null)::int, coalesce(iv, 0), (iv is not null)::int, coalesce(volume, 0), (volume is not null)::int,
          ts, oi, iv, volume, ts, ltp, ltp, ltp, ltp, delta, gamma, theta, vega
        from (${await rawRows(db, query)}) as raw
      ) as parts
      group by ${bucket} order by ${bucket}`,
  );
}
