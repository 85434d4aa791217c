/**
 * Historical playback: the stored enriched snapshots of one expiry over a
 * time range, in order, as frames carrying their position and the total, at
 * `speed` × real time or as fast as the client reads (speed 0). Bounds and
 * pacing are in core/playback.ts.
 *
 * What bounds the server's memory and work:
 * - a playback reads PLAYBACK_PAGE_SIZE snapshots at a time by a ts cursor
 *   (db/queries/playbackSnapshots.ts), after counting the range once, so it
 *   holds one page and one frame, never the range;
 * - its stream is its own, never shared (SUBSCRIBER_OWN_STREAM): graphql-ws
 *   pulls the next frame only once the previous one was written to the
 *   socket (its `send` awaits ws's write callback, which waits while the
 *   kernel's buffers are full), so a client that reads slowly holds the
 *   playback at its pace with only the socket buffers in flight (about 4 MiB
 *   on Linux loopback, test/playback.test.ts) and misses no frame, unlike the
 *   shared live streams, which skip a socket far behind. Over SSE a
 *   playback is its own stream too, and the response is written waiting for
 *   'drain' between writes (@whatwg-node/server's pump); not measured here;
 * - when the client leaves (complete, closed socket) the stream's return()
 *   stops it at once: a pending wait ends, a running page read is the last,
 *   and its slot is free;
 * - at most PLAYBACK_MAX_CONCURRENT playbacks per API process (SERVER_BUSY
 *   beyond), and each read goes through the API's read limit
 *   (readDatabase), so playbacks queue behind each other and the queries
 *   instead of crowding out the pipeline's writes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { GraphQLError } from 'graphql';
import { builder, badArgument, dateArgument, dateTimeArgument, noData, readDatabase, DATABASE_READ_COST, SUBSCRIBER_OWN_STREAM, type Context, type InvalidInput } from './builder.ts';
import { datesWithData, listExpiries, requireInstrument } from './market.ts';
import { OptionChainType } from './chain.ts';
import { ChainIntelligenceType } from './intelligence.ts';
import { MarketMoodType } from './mood.ts';
import { countRangeSnapshots, rangeSnapshotPage, type SnapshotRange } from '../db/queries/playbackSnapshots.ts';
import { PLAYBACK_MAX_LAG_MS, PLAYBACK_MAX_RANGE_MS, PLAYBACK_MAX_SPEED, PLAYBACK_MAX_WAIT_MS, PLAYBACK_PAGE_SIZE, playbackWaitMs, type PlaybackSlots } from '../core/playback.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { ChainIntelligence, SymbolIntelligence } from '../core/intelligence/index.ts';

export interface PlaybackFrame {
  position: number;
  total: number;
  chain: EnrichedSnapshot;
  analytics: ChainIntelligence | null;
  mood: SymbolIntelligence | null;
}

const PlaybackFrameType = builder.objectRef<PlaybackFrame>('PlaybackFrame').implement({
  description: 'One stored snapshot of a playback, with where it stands in the playback.',
  fields: (t) => ({
    position: t.exposeInt('position', { description: 'Position of this snapshot in the playback, 1-based: the last frame has position = total.' }),
    total: t.exposeInt('total', {
      description: 'Snapshots stored in the range when the playback started (counted once): the same in every frame. Fewer frames come only when retention deletes some of them meanwhile.',
    }),
    timestamp: t.field({ type: 'DateTime', description: 'When the source took the snapshot (the chain\'s timestamp).', resolve: (f) => f.chain.timestamp }),
    chain: t.field({ type: OptionChainType, description: 'The stored chain, as optionChain answers it at this instant.', resolve: (f) => f.chain }),
    analytics: t.field({
      type: ChainIntelligenceType,
      nullable: true,
      description: 'The chain analytics stored for this instant (as analyticsUpdated delivered them live); null when none are stored for it (analytics off, an instant between two stored every ANALYTICS_STORE_INTERVAL_SECONDS, or thinned by retention).',
      resolve: (f) => f.analytics,
    }),
    mood: t.field({
      type: MarketMoodType,
      nullable: true,
      description:
        "The underlying's mood as stored at or before this instant (as marketMood answered then; its `timestamp` says which analysed snapshot it is from); null when none is stored by then (analytics off, or thinned by retention).",
      resolve: (f) => f.mood,
    }),
  }),
});

const SECONDS = 1000;

builder.subscriptionField('playback', (t) =>
  t.field({
    type: PlaybackFrameType,
    description: `Replays the stored snapshots of one expiry from \`from\` to \`to\` (both included), oldest first, then completes. Each frame carries its position and the total, for a progress bar. At \`speed\` × real time a frame follows the previous one after the time between their snapshots divided by \`speed\`, at most ${PLAYBACK_MAX_WAIT_MS / SECONDS} s (a gap in the data, such as the night, is skipped); speed 0 sends frames as fast as the client reads them. Errors, each naming its argument in \`extensions.argument\`: BAD_USER_INPUT for \`from\` not before \`to\`, a range longer than ${PLAYBACK_MAX_RANGE_MS / 86_400_000} days or a speed outside 0–${PLAYBACK_MAX_SPEED}; NO_DATA when nothing is stored in the range (\`extensions.expiriesWithData\` lists the expiries with stored chains). SERVER_BUSY when the server runs its most playbacks at once (PLAYBACK_MAX_CONCURRENT); a playback's database reads share the API's read limit, so one may also end with SERVER_BUSY or QUERY_TIMEOUT when the server is overloaded. Unsubscribing stops it at once.`,
    args: {
      symbol: t.arg.string({ required: true, description: 'Underlying symbol, e.g. NIFTY.' }),
      expiry: t.arg({ type: 'Date', required: true, description: 'Expiry date, YYYY-MM-DD: a `date` from expiryList (with `includeExpired` for past ones) with `hasData`.' }),
      from: t.arg({ type: 'DateTime', required: true, description: 'First instant of the range, included, e.g. 2026-11-23T09:15:00+05:30.' }),
      to: t.arg({
        type: 'DateTime',
        required: true,
        description: `Last instant of the range, included: after \`from\`, at most ${PLAYBACK_MAX_RANGE_MS / 86_400_000} days later. Snapshots stored after the playback starts are not played.`,
      }),
      speed: t.arg.float({
        required: false,
        defaultValue: 1,
        description: `Times real time, 0–${PLAYBACK_MAX_SPEED} (default 1; 60 plays a minute a second, 0.5 at half speed); 0: as fast as the client reads.`,
      }),
    },
    complexity: DATABASE_READ_COST,
    extensions: { [SUBSCRIBER_OWN_STREAM]: true },
    subscribe: (_root, args, context) => startPlayback(context, args),
    resolve: (frame) => frame,
  }),
);

interface PlaybackArguments {
  symbol: string;
  expiry: string | InvalidInput;
  from: Date | InvalidInput;
  to: Date | InvalidInput;
  speed?: number | null;
}

/** Checks the arguments, takes a slot and counts the range: the stream of its frames, or a typed error. */
async function startPlayback(context: Context, args: PlaybackArguments): Promise<AsyncGenerator<PlaybackFrame>> {
  const instrument = requireInstrument(context, args.symbol);
  const expiry = dateArgument(args.expiry, 'expiry');
  const from = dateTimeArgument(args.from, 'from')!;
  const to = dateTimeArgument(args.to, 'to')!;
  if (from.getTime() >= to.getTime()) throw badArgument('to', `Argument "to" (${to.toISOString()}) must be after "from" (${from.toISOString()})`);
  if (to.getTime() - from.getTime() > PLAYBACK_MAX_RANGE_MS) {
    throw badArgument('to', `Argument "to": a playback covers at most ${PLAYBACK_MAX_RANGE_MS / 86_400_000} days; ${from.toISOString()} to ${to.toISOString()} is longer`, {
      maxRangeMs: PLAYBACK_MAX_RANGE_MS,
    });
  }
  const speed = args.speed ?? 1;
  if (!(speed >= 0 && speed <= PLAYBACK_MAX_SPEED)) throw badArgument('speed', `Argument "speed": ${speed} is not between 0 and ${PLAYBACK_MAX_SPEED}`, { maxSpeed: PLAYBACK_MAX_SPEED });
  const slots = context.playbacks;
  const release = slots?.admit();
  if (!slots || !release) {
    const max = slots?.max ?? 0;
    throw new GraphQLError(`The server runs its most playbacks at once (${max}); try again when one has finished`, { extensions: { code: 'SERVER_BUSY', limit: max } });
  }
  try {
    let range: SnapshotRange = { symbol: instrument.symbol, expiry, from, to };
    const { total, last } = await readDatabase(context, (db) => countRangeSnapshots(db, range));
    if (total === 0 || !last) {
      const listed = await listExpiries(context, instrument, true);
      const stored = listed.find((e) => e.date === expiry)?.stored;
      const what = stored
        ? `its chains are stored from ${stored.firstSnapshotAt.toISOString()} to ${stored.lastSnapshotAt.toISOString()}`
        : `no chain of it is stored; expiries of ${instrument.symbol} with data: ${datesWithData(listed).join(', ') || 'none yet'}`;
      throw noData(stored ? 'from' : 'expiry', `No ${instrument.symbol} ${expiry} chain is stored from ${from.toISOString()} to ${to.toISOString()}: ${what}`, datesWithData(listed));
    }
    // What is stored later is not played: the total stays true.
    range = { ...range, to: last };
    return stoppable((signal) => playbackFrames(context, slots, range, total, speed, signal), release);
  } catch (error) {
    release();
    throw error;
  }
}

/** The frames of a counted range, a page at a time, paced; ends without another read once `signal` is aborted. */
async function* playbackFrames(context: Context, slots: PlaybackSlots, range: SnapshotRange, total: number, speed: number, signal: AbortSignal): AsyncGenerator<PlaybackFrame> {
  let after: Date | null = null;
  let position = 0;
  let previous: number | null = null;
  let due = 0;
  while (position < total) {
    const page = await readDatabase(context, (db) => rangeSnapshotPage(db, range, after, PLAYBACK_PAGE_SIZE));
    slots.notePage();
    if (signal.aborted || page.length === 0) return;
    for (const { snapshot, analytics, mood } of page) {
      if (previous === null) {
        due = performance.now();
      } else {
        due += playbackWaitMs(previous, snapshot.timestamp, speed);
        const wait = due - performance.now();
        if (wait > 0 && !(await paused(wait, signal))) return;
        // A page read is made up by the next waits; a frame far behind (a slow client) moves the schedule instead.
        due = Math.max(due, performance.now() - PLAYBACK_MAX_LAG_MS);
      }
      if (signal.aborted) return;
      previous = snapshot.timestamp;
      position++;
      slots.noteFrame();
      yield { position, total, chain: snapshot, analytics, mood };
      if (position === total) return;
    }
    after = new Date(page[page.length - 1].snapshot.timestamp);
  }
}

/** Waits `ms`; false when `signal` was aborted first. */
async function paused(ms: number, signal: AbortSignal): Promise<boolean> {
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * The frames of `start(signal)`, whose return() stops them at once: an async
 * generator's own return() waits for its pending step (a wait of up to
 * PLAYBACK_MAX_WAIT_MS, a page read); this one aborts the signal first, which
 * ends the wait and skips every later read. The slot is freed (`release`)
 * when the frames really end: done, failed, or stopped (at once when they
 * never started).
 */
function stoppable<T>(start: (signal: AbortSignal) => AsyncGenerator<T>, release: () => void): AsyncGenerator<T> {
  const controller = new AbortController();
  const frames = (async function* () {
    try {
      yield* start(controller.signal);
    } finally {
      release();
    }
  })();
  let started = false;
  const stop = () => {
    controller.abort();
    if (!started) release();
    // Finishes once its pending step, now cut short, is over.
    void frames.return(undefined).catch(() => {});
  };
  const stream: AsyncGenerator<T> = {
    next: () => {
      started = true;
      return frames.next();
    },
    return: async (value) => {
      stop();
      return { done: true, value };
    },
    throw: async (error) => {
      stop();
      throw error;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}
