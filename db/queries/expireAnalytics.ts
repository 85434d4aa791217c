/**
 * One batch of the retention job's cut of the analytics tables (PGlite and
 * plain PostgreSQL; TimescaleDB's retention policies do it there): the
 * per-strike flows, as large as the raw option rows, go with the raw window;
 * the per-snapshot chain analytics, mood rows and events, a few rows per
 * snapshot, are kept for the history window. Up to `limit` rows of each table
 * per call; call it until it deletes fewer.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { rowsOf } from './expireRaw.ts';

export interface ExpiredAnalytics {
  flowRows: number;
  chainRows: number;
  moodRows: number;
  eventRows: number;
}

export async function expireAnalytics(db: Database, horizons: { rawHorizon: Date; historyHorizon: Date }, limit: number): Promise<ExpiredAnalytics> {
  const raw = sql`${horizons.rawHorizon.toISOString()}::timestamptz`;
  const history = sql`${horizons.historyHorizon.toISOString()}::timestamptz`;
  const [row] = rowsOf<ExpiredAnalytics>(
    await db.execute(sql`
      with flows as (
        delete from analytics_flows where (symbol, expiry, ts, strike, option_type) in (
          select symbol, expiry, ts, strike, option_type from analytics_flows where ts < ${raw} limit ${limit})
        returning 1
      ),
      chains as (
        delete from analytics_chain where (symbol, expiry, ts) in (
          select symbol, expiry, ts from analytics_chain where ts < ${history} limit ${limit})
        returning 1
      ),
      moods as (
        delete from analytics_mood where (symbol, ts) in (
          select symbol, ts from analytics_mood where ts < ${history} limit ${limit})
        returning 1
      ),
      events as (
        delete from analytics_events where (symbol, ts, event_key) in (
          select symbol, ts, event_key from analytics_events where ts < ${history} limit ${limit})
        returning 1
      )
      select (select count(*) from flows)::int as "flowRows", (select count(*) from chains)::int as "chainRows",
        (select count(*) from moods)::int as "moodRows", (select count(*) from events)::int as "eventRows"`),
  );
  return row;
}
