/**
 * The expiries of a symbol that have stored chains, each with the instants of
 * its first and last stored snapshot: what `expiryList` marks as having data,
 * and how `optionChain` and `chainUpdated` find the nearest expiry with data.
 *
 * It walks the primary key (symbol, expiry, ts) rather than grouping the
 * rows: one lookup finds the next expiry after the previous one, one more
 * reads its first and last ts (PostgreSQL answers min and max from the ends
 * of the index range), so the cost is a few index lookups per expiry however
 * many snapshots each holds. A GROUP BY or DISTINCT would read every snapshot
 * of the symbol: the simulator stores about 170,000 a day per symbol.
 */
import { and, eq, gt, gte, lte, max, min } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots } from '../schema.ts';

export interface StoredExpiry {
  /** YYYY-MM-DD. */
  expiry: string;
  /** Instant of the first stored snapshot (at or before `at` when given). */
  firstSnapshotAt: Date;
  /** Instant of the last stored snapshot (at or before `at` when given). */
  lastSnapshotAt: Date;
}

export interface StoredExpiriesFilter {
  /** Only expiries on or after this date, YYYY-MM-DD. */
  fromDate?: string;
  /** Only expiries on or before this date, YYYY-MM-DD. */
  toDate?: string;
  /** Count only snapshots taken at or before this instant: an expiry whose snapshots all came later is left out. */
  at?: Date;
  /** Stop after this many expiries. */
  limit?: number;
}

/** Expiries of `symbol` with stored snapshots, ascending. */
export async function findStoredExpiries(db: Database, symbol: string, filter: StoredExpiriesFilter = {}): Promise<StoredExpiry[]> {
  const found: StoredExpiry[] = [];
  let previous: string | undefined;
  while (found.length < (filter.limit ?? Infinity)) {
    const after = previous !== undefined ? gt(chainSnapshots.expiry, previous) : filter.fromDate ? gte(chainSnapshots.expiry, filter.fromDate) : undefined;
    const [{ expiry }] = await db
      .select({ expiry: min(chainSnapshots.expiry) })
      .from(chainSnapshots)
      .where(and(eq(chainSnapshots.symbol, symbol), after, filter.toDate ? lte(chainSnapshots.expiry, filter.toDate) : undefined));
    if (expiry === null) return found;
    const [span] = await db
      .select({ first: min(chainSnapshots.ts), last: max(chainSnapshots.ts) })
      .from(chainSnapshots)
      .where(and(eq(chainSnapshots.symbol, symbol), eq(chainSnapshots.expiry, expiry), filter.at ? lte(chainSnapshots.ts, filter.at) : undefined));
    if (span.first && span.last) found.push({ expiry, firstSnapshotAt: span.first, lastSnapshotAt: span.last });
    previous = expiry;
  }
  return found;
}
