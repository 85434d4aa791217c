/**
 * `chainDelta`: one expiry's live chain as deltas. The first message of every
 * subscription is the whole chain (`full: true`); each later one carries only
 * the quotes that changed since the previous message (core/chainDelta.ts),
 * with the chain's header (spot, forward, analytics, …) in full.
 *
 * Sequence numbers let a client check that it missed nothing: message n + 1
 * has `previousSequence` n. A client that sees a gap (or wants a full chain
 * for any other reason) completes its subscription and subscribes again: the
 * first message of a subscription is always a full one.
 *
 * The deltas of one expiry are computed once per API process (one feed per
 * pub/sub topic, shared by every chainDelta subscription of that expiry and
 * stopped with the last of them), and the subscribers of one operation share
 * its execution (api/sharedSubscriptions.ts); the full chain on connect is
 * each subscriber's own first event (SUBSCRIBER_PRELUDE).
 */
import { builder, DATABASE_READ_COST, readDatabase, SUBSCRIBER_PRELUDE, type ChainPubSub, type Context } from './builder.ts';
import { ChainAnalyticsType, COSTED_STRIKES, followedChain, latestChainKey, OptionQuoteType } from './chain.ts';
import { findEnrichedChain } from '../db/queries/readChain.ts';
import { diffChains, fullChainDiff, type ChainDiff, type QuoteChange } from '../core/chainDelta.ts';
import type { EnrichedSnapshot } from '../core/models.ts';

/** One message of the chainDelta subscription. */
export interface ChainDeltaMessage extends ChainDiff {
  sequence: number;
  previousSequence: number | null;
  full: boolean;
}

/** Messages a subscription's stream holds for a consumer that has not taken them yet; beyond it the oldest go (the sequence shows the gap). */
const MAX_QUEUED_MESSAGES = 64;

/**
 * The deltas of one expiry in this process: it listens to the expiry's pub/sub
 * topic while it has listeners, numbers each snapshot and computes its delta
 * from the previous one once, for all of them.
 */
class ChainDeltaFeed {
  sequence = 0;
  last: EnrichedSnapshot | null = null;
  private readonly listeners = new Set<(message: ChainDeltaMessage | Error) => void>();
  private readonly updates: AsyncIterator<EnrichedSnapshot>;

  constructor(
    pubsub: ChainPubSub,
    topic: string,
    private readonly onIdle: () => void,
  ) {
    this.updates = pubsub.subscribe('chain:updated', topic)[Symbol.asyncIterator]();
    void this.run();
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: (message: ChainDeltaMessage | Error) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) {
        this.onIdle();
        void this.updates.return?.();
      }
    };
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        const update = await this.updates.next();
        if (update.done) return;
        const snapshot = update.value;
        this.sequence++;
        const message: ChainDeltaMessage = this.last
          ? { ...diffChains(this.last, snapshot), sequence: this.sequence, previousSequence: this.sequence - 1, full: false }
          : fullMessage(snapshot, this.sequence);
        this.last = snapshot;
        for (const listener of this.listeners) listener(message);
      }
    } catch (error) {
      for (const listener of this.listeners) listener(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

function fullMessage(snapshot: EnrichedSnapshot, sequence: number): ChainDeltaMessage {
  return { ...fullChainDiff(snapshot), sequence, previousSequence: null, full: true };
}

/** The feeds of one pub/sub (one API process), by topic; a feed lives while it has listeners. */
const feeds = new WeakMap<ChainPubSub, Map<string, ChainDeltaFeed>>();

function feedOf(pubsub: ChainPubSub, topic: string): ChainDeltaFeed {
  let byTopic = feeds.get(pubsub);
  if (!byTopic) feeds.set(pubsub, (byTopic = new Map()));
  let feed = byTopic.get(topic);
  if (!feed) {
    const map = byTopic;
    const created = new ChainDeltaFeed(pubsub, topic, () => {
      if (map.get(topic) === created) map.delete(topic);
    });
    byTopic.set(topic, created);
    feed = created;
  }
  return feed;
}

/** The latest stored chain of an expiry (from the cache when there is one), for a first full message before any update arrives. */
async function latestStoredChain(context: Context, symbol: string, expiry: string): Promise<EnrichedSnapshot | null> {
  const load = async () => {
    return readDatabase(context, (db) => findEnrichedChain(db, symbol, expiry));
  };
  return context.cache ? context.cache.getOrLoad(latestChainKey(symbol, expiry), load) : load();
}

/**
 * One subscription's messages: first the whole chain (the feed's latest, else
 * the latest stored one, else the feed's first update, which is full), then
 * every delta, from a queue of at most MAX_QUEUED_MESSAGES.
 */
async function* chainDeltaStream(context: Context, feed: ChainDeltaFeed, symbol: string, expiry: string): AsyncGenerator<ChainDeltaMessage> {
  const queue: (ChainDeltaMessage | Error)[] = [];
  let wake: (() => void) | null = null;
  // Listen before reading the feed's state, so no update falls between the two.
  const stop = feed.listen((message) => {
    if (queue.length >= MAX_QUEUED_MESSAGES) queue.shift();
    queue.push(message);
    wake?.();
  });
  const known = feed.last;
  const sequence = feed.sequence;
  try {
    if (known) yield fullMessage(known, sequence);
    else {
      const stored = await latestStoredChain(context, symbol, expiry);
      if (stored) yield fullMessage(stored, sequence);
    }
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const message = queue.shift()!;
      if (message instanceof Error) throw message;
      // Updates that were already in the full chain on connect.
      if (message.sequence <= sequence && known) continue;
      yield message;
    }
  } finally {
    stop();
  }
}

export const OptionSideEnum = builder.enumType('OptionSide', {
  description: 'A side of a strike.',
  values: { CALL: { value: 'call', description: 'The call (CE).' }, PUT: { value: 'put', description: 'The put (PE).' } } as const,
});

const QuoteChangeType = builder.objectRef<QuoteChange>('QuoteChange').implement({
  description: 'One quote (one side of one strike) whose value changed since the previous message, or every quote in a full message.',
  fields: (t) => ({
    strike: t.exposeFloat('strike', { description: 'Strike price, index points.' }),
    side: t.field({ type: OptionSideEnum, description: 'Which side of the strike.', resolve: (change) => change.side }),
    quote: t.field({
      type: OptionQuoteType,
      nullable: true,
      description: "The side's new quote, whole: replace the one held (units as in OptionQuote). Null: the strike no longer has this side.",
      resolve: (change) => change.quote,
    }),
  }),
});

const ChainDeltaType = builder.objectRef<ChainDeltaMessage>('ChainDelta').implement({
  description:
    'One message of chainDelta: the chain header in full, and the quotes that changed since the previous message (every quote when `full`). To rebuild the chain: on a full message start from no strikes; remove `removedStrikes`; for each change, set that side of that strike (creating the strike) to `quote`; keep strikes ascending.',
  fields: (t) => ({
    sequence: t.exposeInt('sequence', {
      description:
        "This message's number in this API process's updates of the chain (+1 per update). A delta whose `previousSequence` is not the last sequence applied means messages were missed: complete the subscription and subscribe again for a full chain.",
    }),
    previousSequence: t.exposeInt('previousSequence', {
      nullable: true,
      description: 'The sequence of the message this delta applies to; null on a full message, which applies to nothing (it replaces the chain held).',
    }),
    full: t.exposeBoolean('full', {
      description: 'Whether this message carries the whole chain (the first message of every subscription, and the first update after the server started following the chain).',
    }),
    symbol: t.field({ type: 'String', description: 'Underlying symbol.', resolve: (m) => m.header.symbol }),
    expiry: t.field({ type: 'Date', description: 'Expiry date (15:30 IST).', resolve: (m) => m.header.expiry }),
    timestamp: t.field({ type: 'DateTime', description: 'When the source took the snapshot.', resolve: (m) => m.header.timestamp }),
    processedAt: t.field({ type: 'DateTime', description: 'When the processor enriched it.', resolve: (m) => m.header.processedAt }),
    spot: t.float({ description: 'Spot index level, index points.', resolve: (m) => m.header.spot }),
    future: t.float({ nullable: true, description: 'Futures price of this expiry, index points, when the source has one.', resolve: (m) => m.header.future }),
    forward: t.float({ nullable: true, description: 'Forward used for pricing, index points.', resolve: (m) => m.header.forward }),
    vix: t.float({ nullable: true, description: 'India VIX at the snapshot, points, when known.', resolve: (m) => m.header.vix }),
    timeToExpiryYears: t.float({ description: 'ACT/365 years from the snapshot to the expiry instant.', resolve: (m) => m.header.tYears }),
    lotSize: t.int({ description: 'Units of the index per contract of this expiry (OI and volume count contracts of this size).', resolve: (m) => m.header.lotSize }),
    analytics: t.field({ type: ChainAnalyticsType, description: 'Chain analytics of this snapshot, in full (units as in OptionChain.analytics).', resolve: (m) => m.header.analytics }),
    changes: t.field({
      type: [QuoteChangeType],
      description: `The quotes that changed since the previous message, strikes ascending, call before put; every quote of the chain when \`full\`. Costs 2 × ${COSTED_STRIKES} × what is selected in a change.`,
      complexity: { field: 1, multiplier: 2 * COSTED_STRIKES },
      resolve: (m) => m.changes,
    }),
    removedStrikes: t.field({
      type: ['Float'],
      description: 'Strikes (index points) of the previous message that the chain no longer lists, ascending; empty on a full message.',
      resolve: (m) => m.removedStrikes,
    }),
  }),
});

builder.subscriptionField('chainDelta', (t) =>
  t.field({
    type: ChainDeltaType,
    description:
      'One expiry\'s live chain as deltas: first the whole chain (`full: true`: the latest known, or the next update when none is stored yet), then on each update only the quotes that changed, with `sequence` and `previousSequence` to check nothing was missed. For a full chain again (a gap, a reconnect), complete the subscription and subscribe again. Expiries are checked as in chainUpdated.',
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      expiry: t.arg({
        type: 'Date',
        required: false,
        description:
          "Expiry date, YYYY-MM-DD, from expiryList. Omitted: the nearest unexpired expiry with a stored chain when the subscription starts, kept for the subscription's life (each message's `expiry` says which).",
      }),
    },
    complexity: DATABASE_READ_COST,
    extensions: { [SUBSCRIBER_PRELUDE]: 1 },
    subscribe: async (_root, args, context) => {
      const { symbol, expiry, topic } = await followedChain(context, args);
      return chainDeltaStream(context, feedOf(context.pubsub, topic), symbol, expiry);
    },
    resolve: (message) => message,
  }),
);
