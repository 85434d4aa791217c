/**
 * One batch of the retention job's thinning of the analytics documents
 * (PGlite and plain PostgreSQL; on TimescaleDB with policies the chunks are
 * compressed instead). The analytics role stores a chain document (~6 KB of
 * JSON) per snapshot and a mood document (~2 KB) per symbol and instant; kept
 * whole for the history window that is most of what the embedded default
 * writes (`npm run bench`'s retention table: ~140 MiB an hour of history,
 * over 20 GiB in the default week), and nothing reads an old one but as "the
 * latest". So, like the chains (raw for RETENTION_RAW, then rollups), rows
 * older than the raw horizon keep the last document of each 5-minute bucket
 * (strike_rollup_5m's grid):
 * - analytics_chain: the other rows of the bucket are deleted (per chain);
 * - analytics_mood: the other rows of the bucket keep their columns (spot,
 *   VIX, mood index, VPIN: moodHistory's buckets average them all) and lose
 *   their document.
 * Only rows in [from, before) are looked at, `from` being where the previous
 * runs got to (retention_state.analytics_thinned_to), so a run reads a few
 * minutes of new rows; `before` is the raw horizon, on the same 5-minute
 * grid (core/retention.ts), so a bucket is never split. Rows written later below `from` (a replay of an
 * old recording) stay whole until the history window takes them. Up to
 * `limit` rows of each table per call; call it until it thins fewer.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { rowsOf } from './expireRaw.ts';
import { retentionState } from '../schema.ts';
import { dateBin } from './chainHistory.ts';

/** Past the raw horizon, one analytics document is kept per chain (and per symbol's mood) and bucket of this width. */
export const THINNED_BUCKET = '5 minutes';

export interface ThinnedAnalytics {
  /** analytics_chain rows deleted. */
  chainRows: number;
  /** analytics_mood rows whose document was dropped. */
  moodDocuments: number;
}

export async function thinAnalytics(db: Database, range: { from: Date | null; before: Date }, limit: number): Promise<ThinnedAnalytics> {
  const before = sql`${range.before.toISOString()}::timestamptz`;
  const from = range.from ? sql`and ts >= ${range.from.toISOString()}::timestamptz` : sql``;
  const bucket = dateBin(THINNED_BUCKET, sql`ts`);
  const [row] = rowsOf<ThinnedAnalytics>(
    await db.execute(sql`
      with chain_doomed as (
        select symbol, expiry, ts from (
          select symbol, expiry, ts, row_number() over (partition by symbol, expiry, ${bucket} order by ts desc) as newest
          from analytics_chain where ts < ${before} ${from}
        ) ranked where newest > 1 limit ${limit}
      ),
      chains as (
        delete from analytics_chain c using chain_doomed d
        where c.symbol = d.symbol and c.expiry = d.expiry and c.ts = d.ts
        returning 1
      ),
      mood_doomed as (
        select symbol, ts from (
          select symbol, ts, intelligence is not null as documented,
            row_number() over (partition by symbol, ${bucket} order by ts desc) as newest
          from analytics_mood where ts < ${before} ${from}
        ) ranked where newest > 1 and documented limit ${limit}
      ),
      moods as (
        update analytics_mood m set intelligence = null from mood_doomed d
        where m.symbol = d.symbol and m.ts = d.ts
        returning 1
      )
      select (select count(*) from chains)::int as "chainRows", (select count(*) from moods)::int as "moodDocuments"`),
  );
  return row;
}

/** Records that everything before `to` is thinned (never moved back). */
export async function advanceThinnedTo(db: Database, to: Date): Promise<void> {
  await db
    .insert(retentionState)
    .values({ id: 1, analyticsThinnedTo: to })
    .onConflictDoUpdate({
      target: retentionState.id,
      set: { analyticsThinnedTo: sql`greatest(${retentionState.analyticsThinnedTo}, excluded.analytics_thinned_to)` },
    });
}
