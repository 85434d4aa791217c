/**
 * The analytics role's latest outputs, in memory in each API process: the
 * mood of each symbol and the chain analytics (and per-strike flows) of each
 * (symbol, expiry), from the `market.analytics` messages the API receives
 * anyway to fan out to subscribers (api/app.ts). The storage role stores the
 * documents only every ANALYTICS_STORE_INTERVAL_SECONDS
 * (db/queries/writeAnalytics.ts AnalyticsCadence), so the "latest" reads
 * (marketMood, marketOverview, supportResistance…) answer from here, and
 * from the database only when this process has seen nothing of the key yet
 * (just started, or another replica consumed it).
 *
 * With Redis (several API replicas, each consuming a share of the
 * partitions), every replica also takes what the others received, over the
 * pub/sub, without the per-strike flows (most of a message's bytes): those
 * a replica did not receive itself are read from the store.
 *
 * Bounded: one entry per chain and per symbol, at most `maxEntries` of each
 * (the least recently updated dropped beyond). A value is handed out as the
 * database would hand it back (its JSON: null where the reducer had NaN,
 * which GraphQL's Float cannot carry), converted once per message on the
 * first read, so the two sources answer alike. Pure: no I/O.
 */
import type { AnalyticsMessage } from './analyticsMessage.ts';
import type { ChainIntelligence, StrikeFlowRow, SymbolIntelligence } from './intelligence/index.ts';

/** What the schema reads (schema/loaders.ts); each getter answers null when nothing is held. */
export interface LatestAnalyticsView {
  mood(symbol: string): SymbolIntelligence | null;
  chain(symbol: string, expiry: string): ChainIntelligence | null;
  /** The chain's per-strike flows as of its latest message (timestamp: the snapshot's, epoch ms). */
  flows(symbol: string, expiry: string): { timestamp: number; rows: StrikeFlowRow[] } | null;
}

/** What the latest reads take of a `market.analytics` message; `flows` may be left out (see the module comment). */
export type LatestAnalyticsUpdate = Pick<AnalyticsMessage, 'symbol' | 'expiry' | 'timestamp' | 'chain' | 'symbolIntelligence'> & { flows?: AnalyticsMessage['flows'] };

/** A message for the other replicas: the latest outputs without the per-strike flows. */
export function withoutFlows(message: AnalyticsMessage): LatestAnalyticsUpdate {
  const { symbol, expiry, timestamp, chain, symbolIntelligence } = message;
  return { symbol, expiry, timestamp, chain, symbolIntelligence };
}

/** A held value and its JSON form, made on first read. */
class Held<T> {
  private json: T | undefined;
  constructor(
    readonly timestamp: number,
    private readonly value: T,
  ) {}
  read(): T {
    return (this.json ??= JSON.parse(JSON.stringify(this.value)) as T);
  }
}

export class LatestAnalytics implements LatestAnalyticsView {
  private readonly moods = new Map<string, Held<SymbolIntelligence>>();
  private readonly chains = new Map<string, { chain: Held<ChainIntelligence>; flows: Held<StrikeFlowRow[]> | null }>();

  constructor(private readonly maxEntries = 1_000) {}

  /**
   * Takes a message's outputs unless a newer one of the same key is held (a
   * late or repeated message). Without `flows` (another replica's, over the
   * pub/sub), the chain's flows held for that same instant are kept, and
   * none are held for a newer one.
   */
  note(message: LatestAnalyticsUpdate): void {
    const moodHeld = this.moods.get(message.symbol);
    // The same instant replaces: the later message of an instant has folded in more of its volume (as stored).
    if (!moodHeld || moodHeld.timestamp <= message.timestamp) put(this.moods, message.symbol, new Held(message.timestamp, message.symbolIntelligence), this.maxEntries);
    const key = `${message.symbol}|${message.expiry}`;
    const chainHeld = this.chains.get(key);
    if (!chainHeld || chainHeld.chain.timestamp <= message.timestamp) {
      const flows = message.flows ? new Held(message.timestamp, message.flows) : chainHeld?.flows?.timestamp === message.timestamp ? chainHeld.flows : null;
      put(this.chains, key, { chain: new Held(message.timestamp, message.chain), flows }, this.maxEntries);
    }
  }

  mood(symbol: string): SymbolIntelligence | null {
    return this.moods.get(symbol)?.read() ?? null;
  }

  chain(symbol: string, expiry: string): ChainIntelligence | null {
    return this.chains.get(`${symbol}|${expiry}`)?.chain.read() ?? null;
  }

  flows(symbol: string, expiry: string): { timestamp: number; rows: StrikeFlowRow[] } | null {
    const held = this.chains.get(`${symbol}|${expiry}`)?.flows;
    return held ? { timestamp: held.timestamp, rows: held.read() } : null;
  }

  /** Entries held (chains, symbols). */
  size(): { chains: number; moods: number } {
    return { chains: this.chains.size, moods: this.moods.size };
  }
}

/** Sets `key` as the most recently updated entry, dropping the least recently updated beyond `max`. */
function put<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}
