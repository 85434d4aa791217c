/**
 * Market mood over time, one row per time bucket, for charts (moodHistory in
 * schema/mood.ts), over the rows of analytics_mood (one per symbol and
 * analysed instant; db/queries/writeAnalytics.ts).
 *
 * Buckets are chainHistory's (db/queries/chainHistory.ts): date_bin on the
 * origin 2000-01-03 00:00 UTC, TimescaleDB's time_bucket default, with the
 * same intervals and the same bounds (at most MAX_BUCKETS).
 *
 * Where the rows come from:
 * - TimescaleDB, at 5m, 15m and 1h: the buckets wholly inside the range from
 *   the continuous aggregate analytics_mood_<interval>
 *   (db/migrations/0007_mood_aggregates.sql; real-time, so the newest rows
 *   not yet materialized are in it too), the partial buckets at either end,
 *   when `from` or `to` falls inside one, from the raw rows
 *   (readAggregateAndRaw). The aggregate keeps the mood index's sum and
 *   count, so its averages are the raw ones to rounding; its buckets outlive
 *   the raw rows (TIMESCALE_AGGREGATE_RETENTION against TIMESCALE_RETENTION).
 * - elsewhere (PGlite, plain PostgreSQL, the Apache-2 build, 1m and 1d): the
 *   raw rows, found by the primary key (symbol, ts). There is no rollup of
 *   the mood: the retention job keeps mood rows for the history window
 *   (db/queries/expireAnalytics.ts) and older buckets go with them.
 *
 * Per bucket, over the rows with from ≤ ts < to:
 * - `moodIndexAverage`: the average mood index (nulls ignored; null when all
 *   are null);
 * - `moodIndexLast`, `spotLast`, `vixLast`: the values of the bucket's latest
 *   row (null when that row has none);
 * - `samples`: the rows in the bucket.
 * Buckets without rows are absent.
 */
import { and, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { analyticsMood } from '../schema.ts';
import { CHART_INTERVALS, checkHistoryRange, dateBin, epochMs, numberOrNull, readAggregateAndRaw, type ChartInterval } from './chainHistory.ts';
import type { AggregateSuffix } from './continuousAggregates.ts';
import { rowsOf } from './expireRaw.ts';

export interface MoodHistoryQuery {
  symbol: string;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  interval: ChartInterval;
}

export interface MoodHistoryPoint {
  bucket: Date;
  /** Average over the bucket, 0–100 (null when no row had one). */
  moodIndexAverage: number | null;
  /** At the bucket's latest row. */
  moodIndexLast: number | null;
  spotLast: number;
  vixLast: number | null;
  /** Rows averaged. */
  samples: number;
}

/** Mood in chart buckets over [from, to), ascending; the same bounds as chainHistory. */
export async function moodHistory(db: Database, query: MoodHistoryQuery): Promise<MoodHistoryPoint[]> {
  checkHistoryRange(query.from, query.to, query.interval);
  const aggregated = await readAggregateAndRaw(db, query, {
    aggregate: (whole, suffix) => fromAggregate(db, { ...query, ...whole }, suffix),
    raw: (part) => fromRaw(db, { ...query, ...part }),
  });
  return aggregated ?? fromRaw(db, query);
}

/** Whole buckets from TimescaleDB's analytics_mood_<suffix> (from and to on bucket boundaries). */
async function fromAggregate(db: Database, { symbol, from, to }: MoodHistoryQuery, suffix: AggregateSuffix): Promise<MoodHistoryPoint[]> {
  const view = sql.identifier(`analytics_mood_${suffix}`);
  const rows = rowsOf<{ bucket_ms: string | number; mood_index_average: number | null; mood_index_last: number | null; spot_last: number; vix_last: number | null; samples: string | number }>(
    await db.execute(sql`
      select ${epochMs(sql`bucket`)} as bucket_ms, mood_index_sum / nullif(mood_index_count, 0) as mood_index_average,
        mood_index_last, spot_last, vix_last, samples
      from ${view}
      where symbol = ${symbol} and bucket >= ${from.toISOString()}::timestamptz and bucket < ${to.toISOString()}::timestamptz
      order by bucket`),
  );
  return rows.map((row) => ({
    bucket: new Date(Number(row.bucket_ms)),
    moodIndexAverage: numberOrNull(row.mood_index_average),
    moodIndexLast: numberOrNull(row.mood_index_last),
    spotLast: Number(row.spot_last),
    vixLast: numberOrNull(row.vix_last),
    samples: Number(row.samples),
  }));
}

/** The buckets over the raw rows alone. */
function fromRaw(db: Database, { symbol, from, to, interval }: MoodHistoryQuery): Promise<MoodHistoryPoint[]> {
  const bucket = dateBin(CHART_INTERVALS[interval].sql, analyticsMood.ts);
  const latest = (value: SQL) => sql<number | null>`(array_agg(${value} order by ${analyticsMood.ts} desc))[1]`;
  return db
    .select({
      bucket: sql<Date>`${bucket}`.mapWith(analyticsMood.ts),
      moodIndexAverage: sql<number | null>`avg(${analyticsMood.moodIndex})`.mapWith(Number),
      moodIndexLast: latest(sql`${analyticsMood.moodIndex}`).mapWith(Number),
      spotLast: latest(sql`${analyticsMood.spot}`).mapWith(Number),
      vixLast: latest(sql`${analyticsMood.vix}`).mapWith(Number),
      samples: sql<number>`count(*)::int`.mapWith(Number),
    })
    .from(analyticsMood)
    .where(and(eq(analyticsMood.symbol, symbol), gte(analyticsMood.ts, from), lt(analyticsMood.ts, to)))
    .groupBy(bucket)
    .orderBy(bucket) as Promise<MoodHistoryPoint[]>;
}
