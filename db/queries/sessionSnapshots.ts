/**
 * The stored snapshots of one IST session, oldest first, as enriched
 * snapshots: what the analytics role replays on start to rebuild its state
 * (pipeline/analytics.ts). Read in pages, so a long session never sits in
 * memory whole; each page's option rows come unpacked from the snapshot's
 * own block (the embedded store) or are read per chain from option_quotes
 * by their primary key prefix (symbol, expiry, ts range).
 *
 * Order: by ts, then symbol, then expiry. Per symbol this is the order the
 * sources publish in (a tick's chains in expiry order) and the bus keeps, so
 * the replay folds every symbol's snapshots in the order the live role did.
 */
import { and, asc, count, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../client.ts';
import { chainSnapshots, optionQuotes } from '../schema.ts';
import { istDate } from '../../core/time/expiry.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';
import { toEnrichedSnapshot, unpackedQuotes, type StoredQuote, type StoredSnapshot } from './readChain.ts';

const MS_PER_DAY = 86_400_000;
const IST_OFFSET_MS = 330 * 60_000;

/** The IST date of the newest stored snapshot, or null when nothing is stored. */
export async function latestStoredSession(db: Database): Promise<string | null> {
  const [row] = await db.select({ ts: chainSnapshots.ts }).from(chainSnapshots).orderBy(desc(chainSnapshots.ts)).limit(1);
  return row ? istDate(row.ts.getTime()) : null;
}

/** [IST midnight of `sessionDate`, the next IST midnight), epoch ms. */
export function sessionDay(sessionDate: string): { from: number; to: number } {
  const from = Date.parse(`${sessionDate}T00:00:00Z`) - IST_OFFSET_MS;
  return { from, to: from + MS_PER_DAY };
}

export interface SessionSnapshotPlan {
  sessionDate: string;
  /** Snapshots stored for the session. */
  stored: number;
  /** The first instant replayed, epoch ms: the session's start, or later when `stored` exceeds the bound. */
  from: number;
  to: number;
  /** Snapshots that will be replayed (at most the bound). */
  replayed: number;
}

/**
 * How much of the session a replay bounded to `maxSnapshots` covers: the
 * whole session, or its latest `maxSnapshots` snapshots.
 */
export async function planSessionReplay(db: Database, sessionDate: string, maxSnapshots: number): Promise<SessionSnapshotPlan> {
  const { from, to } = sessionDay(sessionDate);
  const inDay = and(gte(chainSnapshots.ts, new Date(from)), lt(chainSnapshots.ts, new Date(to)));
  const [{ n }] = await db.select({ n: count() }).from(chainSnapshots).where(inDay);
  const stored = Number(n);
  if (stored <= maxSnapshots) return { sessionDate, stored, from, to, replayed: stored };
  // The oldest instant among the newest maxSnapshots snapshots.
  const [cut] = await db
    .select({ ts: chainSnapshots.ts })
    .from(chainSnapshots)
    .where(inDay)
    .orderBy(desc(chainSnapshots.ts))
    .limit(1)
    .offset(maxSnapshots - 1);
  const start = cut.ts.getTime();
  const [{ n: kept }] = await db
    .select({ n: count() })
    .from(chainSnapshots)
    .where(and(gte(chainSnapshots.ts, new Date(start)), lt(chainSnapshots.ts, new Date(to))));
  return { sessionDate, stored, from: start, to, replayed: Number(kept) };
}

/** The planned snapshots, oldest first, `pageSize` at a time with their option rows. */
export async function* sessionSnapshots(db: Database, plan: Pick<SessionSnapshotPlan, 'from' | 'to'>, pageSize = 200): AsyncGenerator<EnrichedSnapshot[]> {
  let after: { ts: Date; symbol: string; expiry: string } | null = null;
  for (;;) {
    const conditions: SQL[] = [gte(chainSnapshots.ts, new Date(plan.from)), lt(chainSnapshots.ts, new Date(plan.to))];
    if (after) {
      conditions.push(sql`(${chainSnapshots.ts}, ${chainSnapshots.symbol}, ${chainSnapshots.expiry}) > (${after.ts.toISOString()}::timestamptz, ${after.symbol}, ${after.expiry}::date)`);
    }
    const page: StoredSnapshot[] = await db
      .select()
      .from(chainSnapshots)
      .where(and(...conditions))
      .orderBy(asc(chainSnapshots.ts), asc(chainSnapshots.symbol), asc(chainSnapshots.expiry))
      .limit(pageSize);
    if (page.length === 0) return;
    const last = page[page.length - 1];
    after = { ts: last.ts, symbol: last.symbol, expiry: last.expiry };
    yield await withQuotes(db, page);
    if (page.length < pageSize) return;
  }
}

/** The option rows of a page of snapshots: one read per chain over the page's time range. */
export async function withQuotes(db: Database, page: StoredSnapshot[]): Promise<EnrichedSnapshot[]> {
  const chains = new Map<string, { symbol: string; expiry: string; from: Date; to: Date }>();
  for (const s of page) {
    // A packed snapshot carries its rows (the embedded store); only the others are read from option_quotes.
    if (s.packedQuotes) continue;
    const key = `${s.symbol}|${s.expiry}`;
    const chain = chains.get(key);
    if (!chain) chains.set(key, { symbol: s.symbol, expiry: s.expiry, from: s.ts, to: s.ts });
    else if (s.ts > chain.to) chain.to = s.ts;
  }
  const bySnapshot = new Map<string, StoredQuote[]>();
  for (const chain of chains.values()) {
    const quotes = await db
      .select()
      .from(optionQuotes)
      .where(
        and(
          eq(optionQuotes.symbol, chain.symbol),
          eq(optionQuotes.expiry, chain.expiry),
          gte(optionQuotes.ts, chain.from),
          sql`${optionQuotes.ts} <= ${chain.to.toISOString()}::timestamptz`,
        ),
      )
      .orderBy(asc(optionQuotes.ts), asc(optionQuotes.strike), asc(optionQuotes.optionType));
    for (const quote of quotes) {
      const key = `${quote.symbol}|${quote.expiry}|${quote.ts.getTime()}`;
      let list = bySnapshot.get(key);
      if (!list) bySnapshot.set(key, (list = []));
      list.push(quote);
    }
  }
  return page.map((snapshot) =>
    toEnrichedSnapshot({
      snapshot,
      quotes: snapshot.packedQuotes ? unpackedQuotes(snapshot) : (bySnapshot.get(`${snapshot.symbol}|${snapshot.expiry}|${snapshot.ts.getTime()}`) ?? []),
    }),
  );
}

/** The latest stored session as the analytics role's replay source (pipeline/analytics.ts SnapshotHistory). */
export function storedSessionHistory(db: Database, pageSize = 200) {
  return {
    async plan(maxSnapshots: number) {
      const sessionDate = await latestStoredSession(db);
      if (sessionDate === null) return null;
      const plan = await planSessionReplay(db, sessionDate, maxSnapshots);
      return { ...plan, read: () => sessionSnapshots(db, plan, pageSize) };
    },
  };
}
