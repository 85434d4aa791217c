/**
 * What one expiry has stored over a time range, summed up into a short
 * string that changes whenever what is stored there changes: the newest raw
 * snapshot in the range, and the count of chain_changes (migration 0010).
 * Stored rows are never updated in place (writes are ON CONFLICT DO
 * NOTHING): a range changes only by a row written into it or deleted from
 * it. A snapshot written after every other of its stream (the pipeline's
 * usual write) becomes the newest of the range it lands in; every other
 * change counts in chain_changes, kept by triggers in the writer's own
 * transaction, whatever the process: a snapshot written older than its
 * stream's newest (a late or backfilled snapshot, a spool replayed after an
 * outage), a snapshot deleted (the retention job folding raw snapshots into
 * the rollup), any change to the rollup (folding, expiring).
 *
 * The string may change when nothing in the range did (a late write or a
 * retention run elsewhere counts for every range), never the other way.
 * Both parts come from an index probe and a one-row table, in one round
 * trip, whatever the length of the range: summing what the range holds, as
 * this once did, read every snapshot of it (6 ms for an hour on PGlite,
 * most of a chainHistory request).
 *
 * The API keys the chart buckets it keeps in memory by it (schema/charts.ts),
 * so a bucket is recomputed as soon as anything under it changed.
 */
import { max, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainChanges, chainSnapshots } from '../schema.ts';
import { preparedPerDatabase, streamRangePlaceholders } from './prepared.ts';

export async function rangeContents(db: Database, symbol: string, expiry: string, from: Date, to: Date): Promise<string> {
  const [row] = await statement(db).execute({ symbol, expiry, from: from.toISOString(), to: to.toISOString() });
  return `newest ${row.newest ?? 'none'}; changes ${row.changes ?? 0}`;
}

const statement = preparedPerDatabase((db) => {
  const changes = sql<string>`(select ${chainChanges.changes}::text from ${chainChanges} where ${chainChanges.id} = 1)`;
  return db
    .select({ newest: sql<string | null>`${max(chainSnapshots.ts)}::text`, changes })
    .from(chainSnapshots)
    .where(streamRangePlaceholders(chainSnapshots))
    .prepare('range_contents');
});
