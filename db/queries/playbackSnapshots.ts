/**
 * What historical playback reads (schema/playback.ts): the stored snapshots
 * of one expiry over a time range, oldest first, counted once up front and
 * then read a page at a time by a (ts) cursor, each with the chain analytics
 * stored for its instant when there are some, and the symbol's mood as last
 * stored at or before it. The reads use the primary keys' prefixes
 * ((symbol, expiry, ts) of chain_snapshots and analytics_chain, (symbol, ts)
 * of analytics_mood);
 * a page's option rows come as sessionSnapshots.ts reads them (packed beside
 * the snapshot, or from option_quotes per chain over the page's range), so
 * a range never sits in memory whole.
 */
import { and, asc, count, desc, eq, gt, gte, isNotNull, lt, lte, max } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { analyticsChain, analyticsMood, chainSnapshots } from '../schema.ts';
import { withQuotes } from './sessionSnapshots.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';
import type { ChainIntelligence, SymbolIntelligence } from '../../core/intelligence/index.ts';

/** One expiry over [from, to], both ends included. */
export interface SnapshotRange {
  symbol: string;
  expiry: string;
  from: Date;
  to: Date;
}

/** A stored snapshot and the chain analytics stored for its instant (null when none are). */
export interface PlaybackSnapshot {
  snapshot: EnrichedSnapshot;
  analytics: ChainIntelligence | null;
  /**
   * The symbol's mood as stored at or before the snapshot's instant (the
   * analytics role stores one per analysed snapshot of the symbol, any
   * expiry); null when none is stored by then, or retention thinned it.
   */
  mood: SymbolIntelligence | null;
}

/** How many snapshots are stored in the range, and the instant of the last (null when none). */
export async function countRangeSnapshots(db: Database, range: SnapshotRange): Promise<{ total: number; last: Date | null }> {
  const [row] = await db.select({ n: count(), last: max(chainSnapshots.ts) }).from(chainSnapshots).where(inRange(range));
  // PGlite and postgres.js hand max(timestamptz) back as text or Date alike.
  return { total: Number(row.n), last: row.last === null ? null : new Date(row.last) };
}

/** The next `pageSize` snapshots of the range after the instant `after` (from the range's start when null), oldest first. */
export async function rangeSnapshotPage(db: Database, range: SnapshotRange, after: Date | null, pageSize: number): Promise<PlaybackSnapshot[]> {
  const rows = await db
    .select()
    .from(chainSnapshots)
    .where(and(inRange(range), after ? gt(chainSnapshots.ts, after) : undefined))
    .orderBy(asc(chainSnapshots.ts))
    .limit(pageSize);
  if (rows.length === 0) return [];
  const snapshots = await withQuotes(db, rows);
  const analytics = await db
    .select({ ts: analyticsChain.ts, intelligence: analyticsChain.intelligence })
    .from(analyticsChain)
    .where(
      and(
        eq(analyticsChain.symbol, range.symbol),
        eq(analyticsChain.expiry, range.expiry),
        gte(analyticsChain.ts, rows[0].ts),
        lte(analyticsChain.ts, rows[rows.length - 1].ts),
      ),
    );
  const byInstant = new Map(analytics.map((a) => [a.ts.getTime(), a.intelligence as ChainIntelligence]));
  const moods = await moodsThrough(db, range.symbol, rows[0].ts, rows[rows.length - 1].ts);
  let m = -1;
  return snapshots.map((snapshot) => {
    while (m + 1 < moods.length && moods[m + 1].ts.getTime() <= snapshot.timestamp) m++;
    return { snapshot, analytics: byInstant.get(snapshot.timestamp) ?? null, mood: m >= 0 ? moods[m].mood : null };
  });
}

/** The moods of `symbol` stored from the last one at or before `from` through `to`, oldest first (rows thinned by retention left out). */
async function moodsThrough(db: Database, symbol: string, from: Date, to: Date): Promise<{ ts: Date; mood: SymbolIntelligence }[]> {
  const columns = { ts: analyticsMood.ts, intelligence: analyticsMood.intelligence };
  const stored = and(eq(analyticsMood.symbol, symbol), isNotNull(analyticsMood.intelligence));
  const [before] = await db.select(columns).from(analyticsMood).where(and(stored, lt(analyticsMood.ts, from))).orderBy(desc(analyticsMood.ts)).limit(1);
  const within = await db.select(columns).from(analyticsMood).where(and(stored, gte(analyticsMood.ts, from), lte(analyticsMood.ts, to))).orderBy(asc(analyticsMood.ts));
  return [...(before ? [before] : []), ...within].map((row) => ({ ts: row.ts, mood: row.intelligence as SymbolIntelligence }));
}

function inRange(range: SnapshotRange) {
  return and(eq(chainSnapshots.symbol, range.symbol), eq(chainSnapshots.expiry, range.expiry), gte(chainSnapshots.ts, range.from), lte(chainSnapshots.ts, range.to));
}
