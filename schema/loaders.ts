/**
 * Per-request batching of the stored reads that many fields of one request
 * make for many symbols (marketOverview asks for every symbol at once): each
 * DataLoader collects the keys its resolvers ask for in one tick and reads
 * them in one statement (`where symbol in …` as a lateral lookup per key), so
 * a request makes a bounded number of queries however many symbols it names.
 *
 * The loaders batch but do not memoize (`cache: false`): a subscription's
 * context lives as long as the subscription, and a memoized value would go
 * stale between its events. Yoga builds one set per request (api/graphql.ts);
 * a context without them (the schema's own tests) gets a set per call.
 *
 * The latest mood and chain analytics come first from the API's in-memory
 * latest outputs (context.latestAnalytics, core/latestAnalytics.ts): the
 * analytics documents are stored only every ANALYTICS_STORE_INTERVAL_SECONDS,
 * so the store alone would answer up to that much late. Keys memory has
 * nothing of are read from the store in one statement.
 *
 * Two of them read answers that settle for the day (the nearest stored
 * expiry, yesterday's close): with the context's `settledReads` they are
 * remembered across requests for SETTLED_READ_TTL_MS, so a screen polled by
 * many clients (marketOverview) makes no database round trip for them. Only
 * found answers are kept: "nothing stored yet" is asked again next time.
 */
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { readDatabase, type Context } from './builder.ts';
import { chainIntelligenceKey, latestChainIntelligences, latestMoods } from '../db/queries/readAnalytics.ts';
import { nearestStoredExpiries } from '../db/queries/storedExpiries.ts';
import { previousCloses, type StoredClose } from '../db/queries/previousCloses.ts';
import type { ChainIntelligence, SymbolIntelligence } from '../core/intelligence/index.ts';

export interface ReadLoaders {
  /** The symbol's latest mood: the latest output this process holds, else the latest stored (latestMood); or null. */
  mood: DataLoader<string, SymbolIntelligence | null>;
  /** The latest chain analytics of a (symbol, expiry): held in memory, else stored (latestChainIntelligence); or null. */
  chainIntelligence: DataLoader<{ symbol: string; expiry: string }, ChainIntelligence | null>;
  /** The nearest expiry on or after `fromDate` (YYYY-MM-DD) with a stored chain, or null. */
  nearestExpiry: DataLoader<{ symbol: string; fromDate: string }, string | null>;
  /** The symbol's latest stored spot before `before` (epoch ms) (previousCloses), or null. */
  previousClose: DataLoader<{ symbol: string; before: number }, StoredClose | null>;
}

/**
 * How long a settled answer is reused: a nearer expiry's first chain, or a
 * backfill of yesterday's close, shows within this.
 */
export const SETTLED_READ_TTL_MS = 10_000;

/** Found answers of the settled reads, by loader and key, for SETTLED_READ_TTL_MS; one per API process. */
export type SettledReads = LRUCache<string, { value: unknown }>;

export function createSettledReads(): SettledReads {
  // Keys are (symbol, date) pairs: a few per symbol a day; the bound only guards against odd callers.
  return new LRUCache<string, { value: unknown }>({ max: 10_000, ttl: SETTLED_READ_TTL_MS });
}

/**
 * `batch` behind `settled`: keys answered within SETTLED_READ_TTL_MS come
 * from it, the rest are read in one call and their non-null answers kept.
 */
function rememberedIn<K, V>(settled: SettledReads | undefined, name: string, keyOf: (key: K) => string, batch: (keys: readonly K[]) => Promise<(V | null)[]>) {
  if (!settled) return batch;
  const keyIn = (key: K) => `${name}|${keyOf(key)}`;
  return memoryFirst<K, V>(
    (key) => (settled.get(keyIn(key))?.value as V | undefined) ?? null,
    async (keys) => {
      const read = await batch(keys);
      read.forEach((found, i) => found !== null && settled.set(keyIn(keys[i]), { value: found }));
      return read;
    },
  );
}

/**
 * A batch function for keys of a symbol and one more part: one read per
 * distinct other part (one in practice: the keys of a request share it),
 * each for all the symbols asked with it.
 */
function bySymbolsWith<K extends { symbol: string }, P, V>(partOf: (key: K) => P, read: (symbols: string[], part: P) => Promise<Map<string, V>>) {
  return async (keys: readonly K[]): Promise<(V | null)[]> => {
    const found = new Map<P, Map<string, V>>();
    for (const part of new Set(keys.map(partOf))) {
      found.set(part, await read([...new Set(keys.filter((k) => partOf(k) === part).map((k) => k.symbol))], part));
    }
    return keys.map((k) => found.get(partOf(k))!.get(k.symbol) ?? null);
  };
}

/** A batch function answering each key from memory when it can, and the rest with one read. */
function memoryFirst<K, V>(fromMemory: (key: K) => V | null, read: (keys: K[]) => Promise<(V | null)[]>) {
  return async (keys: readonly K[]): Promise<(V | null)[]> => {
    const values = keys.map(fromMemory);
    const missing = keys.filter((_, i) => values[i] === null);
    if (missing.length === 0) return values;
    const loaded = await read(missing);
    let next = 0;
    return values.map((value) => value ?? loaded[next++]);
  };
}

export function createReadLoaders(context: Context): ReadLoaders {
  const options = { cache: false } as const;
  const latest = context.latestAnalytics;
  return {
    mood: new DataLoader(
      memoryFirst(
        (symbol) => latest?.mood(symbol) ?? null,
        async (symbols) => {
          const found = await readDatabase(context, (db) => latestMoods(db, [...new Set(symbols)]));
          return symbols.map((symbol) => found.get(symbol) ?? null);
        },
      ),
      options,
    ),
    chainIntelligence: new DataLoader(
      memoryFirst(
        (c) => latest?.chain(c.symbol, c.expiry) ?? null,
        async (chains) => {
          const found = await readDatabase(context, (db) => latestChainIntelligences(db, chains));
          return chains.map((c) => found.get(chainIntelligenceKey(c.symbol, c.expiry)) ?? null);
        },
      ),
      options,
    ),
    nearestExpiry: new DataLoader(
      rememberedIn(
        context.settledReads,
        'nearestExpiry',
        (k: { symbol: string; fromDate: string }) => `${k.symbol}|${k.fromDate}`,
        bySymbolsWith(
          (k: { symbol: string; fromDate: string }) => k.fromDate,
          (symbols, fromDate) => readDatabase(context, (db) => nearestStoredExpiries(db, symbols, fromDate)),
        ),
      ),
      options,
    ),
    previousClose: new DataLoader(
      rememberedIn(
        context.settledReads,
        'previousClose',
        (k: { symbol: string; before: number }) => `${k.symbol}|${k.before}`,
        bySymbolsWith(
          (k: { symbol: string; before: number }) => k.before,
          (symbols, before) => readDatabase(context, (db) => previousCloses(db, symbols, new Date(before))),
        ),
      ),
      options,
    ),
  };
}

/** The request's loaders, or a set of its own for a context built without them. */
export function loadersOf(context: Context): ReadLoaders {
  return context.loaders ?? createReadLoaders(context);
}
