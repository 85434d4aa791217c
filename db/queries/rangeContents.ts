/**
 * What one expiry has stored over a time range, summed up into a short
 * string that changes whenever what is stored there changes: the count and
 * the exact sum of the instants (epoch seconds, numeric) of the raw
 * snapshots, and the same over the rollup minutes (snapshots folded in, sum
 * of their latest instants). Stored rows are never updated in place (writes
 * are ON CONFLICT DO NOTHING): a range changes only by a row written into it
 * (a late or backfilled snapshot, a spool replayed after an outage) or
 * deleted from it (the retention job folding raw snapshots into the rollup,
 * or expiring rollup minutes), and each of those changes a count or a sum.
 *
 * The API keys the chart buckets it keeps in memory by it (schema/charts.ts),
 * so a bucket is recomputed as soon as anything under it changed. Both sums
 * are read from the primary keys' prefix (symbol, expiry, ts | bucket), in
 * one round trip.
 */
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainRollup1m, chainSnapshots } from '../schema.ts';

export async function rangeContents(db: Database, symbol: string, expiry: string, from: Date, to: Date): Promise<string> {
  const rollup = sql<string>`(
    select coalesce(sum(${chainRollup1m.snapshots}), 0)::text || '/' || coalesce(sum(extract(epoch from ${chainRollup1m.lastTs})), 0)::text
    from ${chainRollup1m}
    where ${and(eq(chainRollup1m.symbol, symbol), eq(chainRollup1m.expiry, expiry), gte(chainRollup1m.bucket, from), lt(chainRollup1m.bucket, to))}
  )`;
  const [row] = await db
    .select({
      raw: sql<string>`count(*)::text || '/' || coalesce(sum(extract(epoch from ${chainSnapshots.ts})), 0)::text`,
      rollup,
    })
    .from(chainSnapshots)
    .where(and(eq(chainSnapshots.symbol, symbol), eq(chainSnapshots.expiry, expiry), gte(chainSnapshots.ts, from), lt(chainSnapshots.ts, to)));
  return `raw ${row.raw}; rollup ${row.rollup}`;
}
