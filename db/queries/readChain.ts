/**
 * Reading chains back: the latest snapshot of an expiry, or the last one at
 * or before an instant, with its option rows; and how much is stored (the
 * expiries with stored chains are in storedExpiries.ts).
 *
 * A snapshot's option rows are in one of two shapes (writeSnapshots.ts):
 * packed beside it in chain_snapshots.packed_quotes (the embedded store), or
 * rows of option_quotes (PostgreSQL, and embedded databases written before
 * the packed format). Every function here reads both and answers the same,
 * to the bit (test/optionRowStores.test.ts).
 */
import { and, asc, desc, eq, getTableColumns, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots, optionQuotes } from '../schema.ts';
import { unpackQuotes } from '../../core/packedQuotes.ts';
import { preparedPerDatabase } from './prepared.ts';
import { ENRICHED_SNAPSHOT_VERSION, type ChainAnalytics, type EnrichedQuote, type EnrichedRow, type EnrichedSnapshot } from '../../core/models.ts';

export type StoredSnapshot = typeof chainSnapshots.$inferSelect;
export type StoredQuote = typeof optionQuotes.$inferSelect;

export interface StoredChain {
  snapshot: StoredSnapshot;
  quotes: StoredQuote[];
}

/** The snapshot at or before `at` (the latest when `at` is absent), or null. */
export async function findSnapshot(db: Database, symbol: string, expiry: string, at?: Date): Promise<StoredSnapshot | null> {
  const statements = snapshotStatements(db);
  const [row] = at ? await statements.at.execute({ symbol, expiry, at: at.toISOString() }) : await statements.latest.execute({ symbol, expiry });
  return row ?? null;
}

/** findSnapshot's two statements. */
const snapshotStatements = preparedPerDatabase((db) => {
  const stream = [eq(chainSnapshots.symbol, sql.placeholder('symbol')), eq(chainSnapshots.expiry, sql.placeholder('expiry'))];
  const newestWhere = (where: SQL | undefined) => db.select().from(chainSnapshots).where(where).orderBy(desc(chainSnapshots.ts)).limit(1);
  return {
    latest: newestWhere(and(...stream)).prepare('find_snapshot_latest'),
    at: newestWhere(and(...stream, lte(chainSnapshots.ts, sql.placeholder('at')))).prepare('find_snapshot_at'),
  };
});

/** The option rows of one stored snapshot, by strike then type (CE before PE). */
export async function findQuotes(db: Database, symbol: string, expiry: string, ts: Date): Promise<StoredQuote[]> {
  const [packed] = await db
    .select({ spot: chainSnapshots.spot, tYears: chainSnapshots.tYears, rate: chainSnapshots.rate, forward: chainSnapshots.forward, packedQuotes: chainSnapshots.packedQuotes })
    .from(chainSnapshots)
    .where(and(eq(chainSnapshots.symbol, symbol), eq(chainSnapshots.expiry, expiry), eq(chainSnapshots.ts, ts)));
  if (packed?.packedQuotes) return unpackedQuotes({ ...packed, symbol, expiry, ts });
  return quoteRows(db, symbol, expiry, ts);
}

function quoteRows(db: Database, symbol: string, expiry: string, ts: Date): Promise<StoredQuote[]> {
  return db
    .select()
    .from(optionQuotes)
    .where(and(eq(optionQuotes.symbol, symbol), eq(optionQuotes.expiry, expiry), eq(optionQuotes.ts, ts)))
    .orderBy(asc(optionQuotes.strike), asc(optionQuotes.optionType));
}

/** The option rows of one snapshot as quoteRows reads them, less the key the caller knows (no timestamp to parse per row). */
function quoteSides(db: Database, symbol: string, expiry: string, ts: Date): Promise<QuoteRow[]> {
  return quoteSidesStatement(db).execute({ symbol, expiry, ts: ts.toISOString() });
}

const quoteSidesStatement = preparedPerDatabase((db) => {
  const { ts, symbol, expiry, ...sides } = getTableColumns(optionQuotes);
  return db
    .select(sides)
    .from(optionQuotes)
    .where(and(eq(symbol, sql.placeholder('symbol')), eq(expiry, sql.placeholder('expiry')), eq(ts, sql.placeholder('ts'))))
    .orderBy(asc(optionQuotes.strike), asc(optionQuotes.optionType))
    .prepare('quote_sides');
});

/** A packed block as the rows option_quotes would hold, in findQuotes' order. */
export function unpackedQuotes(snapshot: Pick<StoredSnapshot, 'symbol' | 'expiry' | 'ts' | 'spot' | 'tYears' | 'rate' | 'forward' | 'packedQuotes'>): StoredQuote[] {
  const { symbol, expiry, ts } = snapshot;
  const quotes: StoredQuote[] = [];
  for (const row of unpackQuotes(snapshot, snapshot.packedQuotes!)) {
    if (row.call) quotes.push({ ts, symbol, expiry, strike: row.strike, optionType: 'CE', ...row.call });
    if (row.put) quotes.push({ ts, symbol, expiry, strike: row.strike, optionType: 'PE', ...row.put });
  }
  return quotes;
}

export async function findChain(db: Database, symbol: string, expiry: string, at?: Date): Promise<StoredChain | null> {
  const snapshot = await findSnapshot(db, symbol, expiry, at);
  if (!snapshot) return null;
  // A packed snapshot came with its rows: no second query.
  return { snapshot, quotes: snapshot.packedQuotes ? unpackedQuotes(snapshot) : await quoteRows(db, symbol, expiry, snapshot.ts) };
}

/**
 * The chain at or before `at` (the latest without it) as the API serves it:
 * toEnrichedSnapshot(findChain(…)), without going through a row per option
 * for a packed snapshot (its block unpacks straight into the chain's rows).
 */
export async function findEnrichedChain(db: Database, symbol: string, expiry: string, at?: Date): Promise<EnrichedSnapshot | null> {
  const snapshot = await findSnapshot(db, symbol, expiry, at);
  return snapshot ? enrichedChainOf(db, snapshot) : null;
}

/** A stored snapshot's chain as the API serves it: its packed rows unpacked, or its rows of option_quotes read (a second query). */
export async function enrichedChainOf(db: Database, snapshot: StoredSnapshot): Promise<EnrichedSnapshot> {
  if (!snapshot.packedQuotes) return enrichedSnapshotOf(snapshot, chainRows(await quoteSides(db, snapshot.symbol, snapshot.expiry, snapshot.ts)));
  // As toEnrichedSnapshot builds them: a strike without either side has no row.
  return enrichedSnapshotOf(snapshot, unpackQuotes(snapshot, snapshot.packedQuotes).filter((row) => row.call || row.put));
}

/** Row counts (option rows in either shape), for readiness and benchmarks. */
export async function countRows(db: Database): Promise<{ snapshots: number; quotes: number }> {
  const [snapshots] = await db
    .select({ n: sql<number>`count(*)::int`, packed: sql<number>`coalesce(sum(${chainSnapshots.packedQuoteCount}), 0)::int` })
    .from(chainSnapshots);
  const [quotes] = await db.select({ n: sql<number>`count(*)::int` }).from(optionQuotes);
  return { snapshots: snapshots.n, quotes: quotes.n + snapshots.packed };
}

/** A stored chain in the shape of the enriched snapshot message, so the API serves both alike. */
export function toEnrichedSnapshot(chain: StoredChain): EnrichedSnapshot {
  return enrichedSnapshotOf(chain.snapshot, chainRows(chain.quotes));
}

/** What a chain row needs of an option row: its strike and side, and the quote. */
type QuoteRow = Omit<StoredQuote, 'ts' | 'symbol' | 'expiry'>;

/** Option rows (by strike then type) as the chain's rows: a row per strike with a side, the call and the put of it. */
function chainRows(quotes: readonly QuoteRow[]): EnrichedRow[] {
  const rows: EnrichedRow[] = [];
  for (const quote of quotes) {
    let row = rows[rows.length - 1];
    if (!row || row.strike !== quote.strike) {
      row = { strike: quote.strike, call: null, put: null };
      rows.push(row);
    }
    const side: EnrichedQuote = {
      ltp: quote.ltp,
      bid: quote.bid,
      ask: quote.ask,
      previousClose: quote.previousClose,
      bidQty: quote.bidQty,
      askQty: quote.askQty,
      volume: quote.volume,
      oi: quote.oi,
      oiChange: quote.oiChange,
      iv: quote.iv,
      delta: quote.delta,
      gamma: quote.gamma,
      theta: quote.theta,
      vega: quote.vega,
      rho: quote.rho,
      vanna: quote.vanna,
      charm: quote.charm,
      vomma: quote.vomma,
      theoreticalPrice: quote.theoreticalPrice,
      sourceIv: quote.sourceIv,
      sourceDelta: quote.sourceDelta,
      quality: quote.quality,
    };
    if (quote.optionType === 'CE') row.call = side;
    else row.put = side;
  }
  return rows;
}

function enrichedSnapshotOf(snapshot: StoredSnapshot, rows: EnrichedRow[]): EnrichedSnapshot {
  return {
    version: ENRICHED_SNAPSHOT_VERSION,
    id: snapshot.snapshotId,
    source: snapshot.source,
    symbol: snapshot.symbol,
    expiry: snapshot.expiry,
    timestamp: snapshot.ts.getTime(),
    processedAt: snapshot.processedAt.getTime(),
    spot: snapshot.spot,
    future: snapshot.future,
    vix: snapshot.vix,
    forward: snapshot.forward,
    forwardSource: snapshot.forwardSource ?? 'none',
    tYears: snapshot.tYears,
    rate: snapshot.rate,
    lotSize: snapshot.lotSize,
    analytics: snapshot.analytics as ChainAnalytics,
    rows,
    rejects: snapshot.rejects as Record<string, number>,
  };
}
