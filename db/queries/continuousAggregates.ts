/**
 * Whether a database has TimescaleDB's continuous aggregates
 * (chain_summary_*, strike_stats_*; db/migrations/0001_timescale.sql;
 * analytics_mood_*; 0007_mood_aggregates.sql; strike_prices_*,
 * chain_straddle_*; 0012_strike_prices.sql), asked once per database and
 * remembered: the history queries read them where they exist and the raw
 * tables and rollups elsewhere. The migrations create all of them or none
 * (TimescaleDB with the Timescale License), so one answer serves every query.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { rowsOf } from './expireRaw.ts';

/** The chart intervals that have a continuous aggregate, and its suffix. */
export const AGGREGATE_SUFFIX = { '5m': '5m', '15m': '15m', '1h': '1h' } as const;

export type AggregateSuffix = (typeof AGGREGATE_SUFFIX)[keyof typeof AGGREGATE_SUFFIX];

const known = new WeakMap<Database, Promise<boolean>>();

export function hasContinuousAggregates(db: Database): Promise<boolean> {
  let answer = known.get(db);
  if (!answer) {
    answer = db
      .execute(sql`select to_regclass('chain_summary_5m') is not null and to_regclass('strike_stats_5m') is not null
        and to_regclass('analytics_mood_5m') is not null and to_regclass('strike_prices_5m') is not null
        and to_regclass('chain_straddle_5m') is not null as present`)
      .then((result) => rowsOf<{ present: boolean }>(result)[0]?.present === true);
    // A failed look-up is asked again next time, not remembered.
    answer.catch(() => known.delete(db));
    known.set(db, answer);
  }
  return answer;
}
