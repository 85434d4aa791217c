/**
 * The expiries of a symbol that have stored chains, each with the instants of
 * its first and last stored snapshot: what `expiryList` marks as having data,
 * and how `optionChain` and `chainUpdated` find the nearest expiry with data.
 *
 * It walks the primary key (symbol, expiry, ts) rather than grouping the
 * rows: one statement per expiry finds the next expiry after the previous
 * one and the first and last ts of its snapshots (PostgreSQL answers each
 * min and max from one end of an index range), so the cost is three index
 * lookups per expiry however many snapshots each holds. A GROUP BY or
 * DISTINCT would read every snapshot of the symbol: the simulator stores
 * about 170,000 a day per symbol.
 */
import { and, eq, gt, gte, lte, max, min, sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots } from '../schema.ts';
import { texts } from './writeSnapshots.ts';
import { rowsOf } from './expireRaw.ts';

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
    // One statement a step: the next expiry (min over the key range after the
    // previous one), then the first and last ts of its snapshots, each a
    // subquery that reads one end of that expiry's key range.
    const after = previous !== undefined ? gt(chainSnapshots.expiry, previous) : filter.fromDate ? gte(chainSnapshots.expiry, filter.fromDate) : undefined;
    const upTo = filter.toDate ? lte(chainSnapshots.expiry, filter.toDate) : undefined;
    const next = db
      .select({ expiry: min(chainSnapshots.expiry).as('expiry') })
      .from(chainSnapshots)
      .where(and(eq(chainSnapshots.symbol, symbol), after, upTo))
      .as('next');
    // Spelled out: Drizzle would write the outer column unqualified, and inside the subquery that names its own table's column.
    const nextExpiry = sql`${sql.identifier('next')}.${sql.identifier('expiry')}`;
    const edge = (aggregate: typeof min | typeof max) =>
      sql<Date | null>`(${db
        .select({ ts: aggregate(chainSnapshots.ts) })
        .from(chainSnapshots)
        .where(and(eq(chainSnapshots.symbol, symbol), eq(chainSnapshots.expiry, nextExpiry), filter.at ? lte(chainSnapshots.ts, filter.at) : undefined))})`.mapWith(chainSnapshots.ts);
    const [step] = await db.select({ expiry: next.expiry, first: edge(min), last: edge(max) }).from(next);
    if (step.expiry === null) break;
    if (step.first && step.last) found.push({ expiry: step.expiry, firstSnapshotAt: step.first, lastSnapshotAt: step.last });
    previous = step.expiry;
  }
  return found;
}

/**
 * The nearest expiry on or after `fromDate` with stored snapshots, of each
 * symbol, in one statement: a min over the primary key's (symbol, expiry)
 * range per symbol, read from its end. Symbols without one are absent.
 */
export async function nearestStoredExpiries(db: Database, symbols: readonly string[], fromDate: string): Promise<Map<string, string>> {
  if (symbols.length === 0) return new Map();
  const rows = rowsOf<{ symbol: string; expiry: string | null }>(
    await db.execute(sql`
      select s.symbol, (select min(expiry) from chain_snapshots where symbol = s.symbol and expiry >= ${fromDate}::date)::text as expiry
      from unnest(${texts(symbols)}::text[]) as s(symbol)`),
  );
  return new Map(rows.filter((row) => row.expiry !== null).map((row) => [row.symbol, row.expiry!]));
}
