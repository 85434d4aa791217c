/**
 * When the stored snapshot of an expiry at or before an instant was taken:
 * the primary key (symbol, expiry, ts) alone answers it, so it reads no row
 * of the table and parses nothing but one timestamp. A stored snapshot never
 * changes (writes are ON CONFLICT DO NOTHING), so this instant names its
 * contents for as long as it is stored: the API keeps past chains in memory
 * under it (schema/chain.ts).
 */
import { and, desc, eq, lte } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots } from '../schema.ts';

/** The instant of the snapshot at or before `at` (the latest when `at` is absent), or null when none is stored. */
export async function findSnapshotTime(db: Database, symbol: string, expiry: string, at?: Date): Promise<Date | null> {
  const conditions = [eq(chainSnapshots.symbol, symbol), eq(chainSnapshots.expiry, expiry)];
  if (at) conditions.push(lte(chainSnapshots.ts, at));
  const [row] = await db
    .select({ ts: chainSnapshots.ts })
    .from(chainSnapshots)
    .where(and(...conditions))
    .orderBy(desc(chainSnapshots.ts))
    .limit(1);
  return row?.ts ?? null;
}
