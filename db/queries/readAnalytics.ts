/**
 * Reading the analytics back (tables in db/schema.ts, written by
 * writeAnalytics.ts): the latest mood and chain analytics (of one symbol or
 * expiry, or of many in one statement), the latest per-strike flows of an
 * expiry and one strike side's over time, and the events, newest first, a page at a
 * time. Mood over time in chart buckets is moodHistory.ts. The API serves these (it may not
 * run the analytics role itself); JSON documents come back as stored, with
 * JSON's null where the reducer had NaN.
 */
import { and, asc, desc, eq, gte, inArray, isNotNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { analyticsChain, analyticsEvents, analyticsFlows, analyticsMood } from '../schema.ts';
import { texts } from './writeSnapshots.ts';
import { rowsOf } from './expireRaw.ts';
import { CHART_INTERVALS, dateBin, epochMs } from './chainHistory.ts';
import type { ChainIntelligence, IntelligenceEvent, IntelligenceEventKind, StrikeFlowRow, SymbolIntelligence } from '../../core/intelligence/index.ts';

/** The symbol's latest mood document (SymbolIntelligence), or null when none is stored (rows thinned by retention have none). */
export async function latestMood(db: Database, symbol: string): Promise<SymbolIntelligence | null> {
  const [row] = await db
    .select({ intelligence: analyticsMood.intelligence })
    .from(analyticsMood)
    .where(and(eq(analyticsMood.symbol, symbol), isNotNull(analyticsMood.intelligence)))
    .orderBy(desc(analyticsMood.ts))
    .limit(1);
  return (row?.intelligence as SymbolIntelligence | undefined) ?? null;
}

/** The latest chain analytics of one expiry, or null. */
export async function latestChainIntelligence(db: Database, symbol: string, expiry: string): Promise<ChainIntelligence | null> {
  const [row] = await db
    .select({ intelligence: analyticsChain.intelligence })
    .from(analyticsChain)
    .where(and(eq(analyticsChain.symbol, symbol), eq(analyticsChain.expiry, expiry)))
    .orderBy(desc(analyticsChain.ts))
    .limit(1);
  return (row?.intelligence as ChainIntelligence | undefined) ?? null;
}

/** Expiries with stored chain analytics for a symbol, nearest first (for NO_DATA errors). */
export async function expiriesWithAnalytics(db: Database, symbol: string): Promise<string[]> {
  const rows = await db.selectDistinct({ expiry: analyticsChain.expiry }).from(analyticsChain).where(eq(analyticsChain.symbol, symbol)).orderBy(asc(analyticsChain.expiry));
  return rows.map((r) => r.expiry);
}

/** Per-strike flows of the expiry's latest analysed snapshot, by strike; null when none is stored. */
export async function latestFlows(db: Database, symbol: string, expiry: string): Promise<{ timestamp: number; rows: StrikeFlowRow[] } | null> {
  const [latest] = await db
    .select({ ts: analyticsFlows.ts })
    .from(analyticsFlows)
    .where(and(eq(analyticsFlows.symbol, symbol), eq(analyticsFlows.expiry, expiry)))
    .orderBy(desc(analyticsFlows.ts))
    .limit(1);
  if (!latest) return null;
  const rows = await db
    .select()
    .from(analyticsFlows)
    .where(and(eq(analyticsFlows.symbol, symbol), eq(analyticsFlows.expiry, expiry), eq(analyticsFlows.ts, latest.ts)))
    .orderBy(asc(analyticsFlows.strike), asc(analyticsFlows.optionType));
  const byStrike = new Map<number, StrikeFlowRow>();
  for (const row of rows) {
    const side = row.optionType === 'CE' ? 'call' : 'put';
    const flow = {
      side,
      oiContracts: row.oi,
      changeSincePreviousCloseContracts: row.changeSincePreviousClose,
      changeSinceOpenContracts: row.changeSinceOpen,
      windows: row.windows as StrikeFlowRow['call']['windows'],
      buildups: row.buildups as StrikeFlowRow['call']['buildups'],
    } as StrikeFlowRow['call'];
    const entry = byStrike.get(row.strike) ?? ({ strike: row.strike } as StrikeFlowRow);
    entry[side] = flow;
    byStrike.set(row.strike, entry);
  }
  return { timestamp: latest.ts.getTime(), rows: [...byStrike.values()].filter((r) => r.call && r.put) };
}

/** Where a page of events ends: the last event's instant, symbol and key. */
export interface EventCursor {
  ts: number;
  symbol: string;
  key: string;
}

export interface EventQuery {
  /** Empty or absent: every symbol. */
  symbols?: readonly string[];
  kinds?: readonly IntelligenceEventKind[];
  /** Only the events of this expiry (YYYY-MM-DD). */
  expiry?: string;
  /** Inclusive lower bound. */
  since: Date;
  /** Inclusive upper bound (a playback's instant); absent: none. */
  until?: Date;
  /** Events after this one in the order (newest first). */
  after?: EventCursor;
  /** Page size; one more is read to tell whether another page exists. */
  first: number;
}

/** Events newest first (instant, then symbol and key for ties), one page. */
export async function eventsPage(db: Database, query: EventQuery): Promise<{ events: (IntelligenceEvent & { cursor: EventCursor })[]; hasNextPage: boolean }> {
  const conditions: SQL[] = [gte(analyticsEvents.ts, query.since)];
  if (query.until) conditions.push(lte(analyticsEvents.ts, query.until));
  if (query.symbols && query.symbols.length > 0) conditions.push(inArray(analyticsEvents.symbol, [...query.symbols]));
  if (query.kinds && query.kinds.length > 0) conditions.push(inArray(analyticsEvents.kind, [...query.kinds]));
  if (query.expiry) conditions.push(eq(analyticsEvents.expiry, query.expiry));
  if (query.after) {
    const { ts, symbol, key } = query.after;
    conditions.push(sql`(${analyticsEvents.ts}, ${analyticsEvents.symbol}, ${analyticsEvents.eventKey}) < (${new Date(ts).toISOString()}::timestamptz, ${symbol}, ${key})`);
  }
  // Row comparison above is ascending on all three; the order here is its exact reverse.
  const rows = await db
    .select()
    .from(analyticsEvents)
    .where(and(...conditions))
    .orderBy(desc(analyticsEvents.ts), desc(analyticsEvents.symbol), desc(analyticsEvents.eventKey))
    .limit(query.first + 1);
  const page = rows.slice(0, query.first);
  return {
    hasNextPage: rows.length > query.first,
    events: page.map((row) => ({
      kind: row.kind as IntelligenceEventKind,
      symbol: row.symbol,
      expiry: row.expiry,
      timestamp: row.ts.getTime(),
      strike: row.strike,
      side: row.side as IntelligenceEvent['side'],
      score: row.score,
      reason: row.reason,
      values: row.values as Record<string, number>,
      cursor: { ts: row.ts.getTime(), symbol: row.symbol, key: row.eventKey },
    })),
  };
}

/** A jsonb column as it came back from a raw statement: parsed by the driver, or its text. */
function jsonOf<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/**
 * latestMood of several symbols in one statement: each symbol's newest row
 * with a document, found from its end of the primary key (a lateral lookup
 * per symbol, not a scan of the table). Symbols without one are absent.
 */
export async function latestMoods(db: Database, symbols: readonly string[]): Promise<Map<string, SymbolIntelligence>> {
  if (symbols.length === 0) return new Map();
  const rows = rowsOf<{ symbol: string; intelligence: unknown }>(
    await db.execute(sql`
      select s.symbol, m.intelligence
      from unnest(${texts(symbols)}::text[]) as s(symbol)
      cross join lateral (
        select intelligence from analytics_mood
        where symbol = s.symbol and intelligence is not null
        order by ts desc limit 1
      ) as m`),
  );
  return new Map(rows.map((row) => [row.symbol, jsonOf<SymbolIntelligence>(row.intelligence)]));
}

/**
 * latestChainIntelligence of several (symbol, expiry) pairs in one statement,
 * keyed `symbol|expiry`; pairs without stored analytics are absent.
 */
export async function latestChainIntelligences(db: Database, chains: readonly { symbol: string; expiry: string }[]): Promise<Map<string, ChainIntelligence>> {
  if (chains.length === 0) return new Map();
  const rows = rowsOf<{ symbol: string; expiry: string; intelligence: unknown }>(
    await db.execute(sql`
      select k.symbol, k.expiry::text as expiry, c.intelligence
      from unnest(${texts(chains.map((c) => c.symbol))}::text[], ${texts(chains.map((c) => c.expiry))}::date[]) as k(symbol, expiry)
      cross join lateral (
        select intelligence from analytics_chain
        where symbol = k.symbol and expiry = k.expiry
        order by ts desc limit 1
      ) as c`),
  );
  return new Map(rows.map((row) => [chainIntelligenceKey(row.symbol, row.expiry), jsonOf<ChainIntelligence>(row.intelligence)]));
}

/** The key of latestChainIntelligences' answer. */
export function chainIntelligenceKey(symbol: string, expiry: string): string {
  return `${symbol}|${expiry}`;
}

export interface StrikeFlowPoint {
  /** Instant of the stored flow row (the bucket's latest), epoch ms. */
  timestamp: number;
  /** Open interest, contracts. */
  oiContracts: number | null;
  /** OI change since the session's first snapshot, contracts. */
  changeSinceOpenContracts: number | null;
  /** Buildup class per window, then the session (as latestFlows). */
  buildups: StrikeFlowRow['call']['buildups'];
}

/**
 * One strike side's stored flow rows in [from, to), the latest of each
 * 5-minute bucket (date_bin on the origin every series uses), ascending: its
 * buildup history. The rows are found by the primary key's prefix (symbol,
 * expiry, ts); they are kept as long as the raw rows (expireAnalytics.ts).
 */
export async function strikeFlowHistory(
  db: Database,
  query: { symbol: string; expiry: string; strike: number; optionType: 'CE' | 'PE'; from: Date; to: Date },
): Promise<StrikeFlowPoint[]> {
  const bucket = dateBin(CHART_INTERVALS['5m'].sql, sql`ts`);
  const rows = rowsOf<{ ts_ms: number | string; oi: number | null; change_since_open: number | null; buildups: unknown }>(
    await db.execute(sql`
      select distinct on (${bucket}) ${epochMs(sql`ts`)} as ts_ms, oi, change_since_open, buildups
      from analytics_flows
      where symbol = ${query.symbol} and expiry = ${query.expiry}::date and strike = ${query.strike}::float8 and option_type = ${query.optionType}
        and ts >= ${query.from.toISOString()}::timestamptz and ts < ${query.to.toISOString()}::timestamptz
      order by ${bucket}, ts desc`),
  );
  return rows.map((row) => ({
    timestamp: Number(row.ts_ms),
    oiContracts: row.oi === null ? null : Number(row.oi),
    changeSinceOpenContracts: row.change_since_open === null ? null : Number(row.change_since_open),
    buildups: jsonOf<StrikeFlowRow['call']['buildups']>(row.buildups),
  }));
}
