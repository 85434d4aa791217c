/**
 * One execution per distinct live operation, whatever the number of
 * subscribers: the subscribers of the same document, operation name and
 * variables, listening to the same live sources (the topics the resolver
 * chose at subscribe time, see `noteLiveSource` in schema/builder.ts), share
 * one GraphQL execution, and each event is serialised once, to one buffer
 * spliced into every subscriber's graphql-ws `next` frame (only the frame's
 * `id` differs). Before this, each subscriber executed and serialised every
 * event itself, and 100 subscribers of a full chain already held the event
 * loop for most of each second.
 *
 * Every subscriber still subscribes on its own (installSubscriptions): Yoga's
 * plugins (limits, cost) and the resolver's checks run for it, and its
 * subscribe-time errors reach it as before; only then does it join the
 * execution already running, or start one. graphql-ws keeps the protocol:
 * what it iterates for a subscriber is a silent stream that ends when the
 * shared execution ends (`complete`) or fails (an `error` message, as a
 * failing source always did), and whose `return()` (the client's
 * `complete`, a closed socket) detaches the subscriber. The last subscriber
 * to leave stops the execution.
 *
 * A root field can declare a prelude (`subscriberPrelude` in its extensions,
 * see schema/builder.ts): the first events of each subscriber's own stream
 * are its own (chainDelta's full snapshot on connect) and are executed for it
 * alone; shared events that arrive meanwhile are held and sent after them.
 *
 * Bounds: at most `maxExecutions` distinct executions (one more is refused
 * with SERVER_BUSY); a subscriber whose socket has more than
 * `maxBufferedBytes` unsent is skipped for that event (counted as dropped:
 * the next chain replaces it, and chainDelta's sequence shows the gap); the
 * frames held during a prelude are few and bounded alike.
 */
import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { GraphQLError, type ExecutionResult } from 'graphql';
import WebSocket from 'ws';

/** One subscriber's operation on one socket. */
export interface SharedSubscriber {
  socket: WebSocket;
  /** The graphql-ws operation id, written into each of its frames. */
  id: string;
}

/** What identifies one distinct live operation. */
export interface OperationIdentity {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
  /** The live sources the resolver subscribed to, e.g. chain topic keys. */
  liveSources: readonly string[];
}

export interface SharedSubscriptionsOptions {
  /** Most distinct executions at once. */
  maxExecutions: number;
  /** A subscriber with more than this many bytes queued on its socket misses events until it catches up (default 8 MiB). */
  maxBufferedBytes?: number;
  /** Frames sent between two yields to the event loop, so ingestion and other requests run during a large fan-out (default 1,000). */
  framesPerTurn?: number;
  /**
   * Told after each shared event was handed to its subscribers' sockets
   * (delivery latency, see api/serviceMetrics.ts), with the processing
   * instant of the source event it is of (epoch ms) when the execution knows
   * it (`sourceInstant` of attach), whatever the operation selects.
   */
  onEventSent?: (result: ExecutionResult, processedAt?: number) => void;
}

export interface SharedSubscriptionStats {
  /** Distinct executions running. */
  executions: number;
  /** Subscribers attached to them. */
  subscribers: number;
  /** Events executed and serialised once each (preludes included). */
  events: number;
  /** Frames written to sockets. */
  frames: number;
  /** Frames skipped because their socket was too far behind. */
  dropped: number;
  /** Subscriptions refused at the execution bound. */
  refused: number;
  /** For the last RECENT_FAN_OUTS shared events: ms from the event's result to its last frame handed to the sockets, oldest first. */
  recentFanOutMs: number[];
}

/** Shared events whose fan-out time the stats keep. */
const RECENT_FAN_OUTS = 100;

/** Frames held for one subscriber while its prelude runs; beyond this they are dropped (counted). */
const MAX_HELD_FRAMES = 16;
const FRAME_END = Buffer.from('}');

interface Attached {
  subscriber: SharedSubscriber;
  /** `{"id":…,"type":"next","payload":` for this subscriber. */
  prefix: Buffer;
  /** Shared frames waiting for this subscriber's prelude; null once it has been sent. */
  held: Buffer[] | null;
  stream: SilentStream;
}

interface Execution {
  key: string;
  source: AsyncIterator<ExecutionResult>;
  subscribers: Set<Attached>;
  creator: Attached;
  /** Events of the source that are the creator's prelude, not shared. */
  prelude: number;
  /** The processing instant (epoch ms) of the source event behind the result `source` last gave, when known. */
  sourceInstant?: () => number | undefined;
  stopped: boolean;
}

export class SharedSubscriptions {
  private readonly executions = new Map<string, Execution>();
  private readonly maxBufferedBytes: number;
  private readonly framesPerTurn: number;
  private readonly counters = { events: 0, frames: 0, dropped: 0, refused: 0 };
  private readonly recentFanOutMs: number[] = [];

  constructor(private readonly options: SharedSubscriptionsOptions) {
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.framesPerTurn = options.framesPerTurn ?? 1_000;
  }

  /** A fixed-size key for an operation (documents may be large). */
  static keyOf(identity: OperationIdentity): string {
    const sources = [...identity.liveSources].sort();
    const text = JSON.stringify([identity.query, identity.operationName ?? null, identity.variables ?? null, sources]);
    return createHash('sha256').update(text).digest('base64');
  }

  /**
   * Attaches a subscriber, whose own subscription is `own`, to the execution
   * of `key` (starting it with `own` when there is none). Returns what
   * graphql-ws iterates for the subscriber, or the refusal at the bound.
   * `sourceInstant` says, after each result of `own`, the processing instant
   * of the source event it is of (for onEventSent).
   */
  attach(key: string, own: AsyncIterator<ExecutionResult>, subscriber: SharedSubscriber, prelude = 0, sourceInstant?: () => number | undefined): AsyncGenerator<never> | ExecutionResult {
    let execution = this.executions.get(key);
    if (!execution && this.executions.size >= this.options.maxExecutions) {
      this.counters.refused++;
      void own.return?.();
      return {
        errors: [
          new GraphQLError(`The server runs its most distinct live operations (${this.options.maxExecutions}); subscribe to one already running or try again later`, {
            extensions: { code: 'SERVER_BUSY', limit: this.options.maxExecutions },
          }),
        ],
      };
    }
    const attached: Attached = {
      subscriber,
      prefix: Buffer.from(`{"id":${JSON.stringify(subscriber.id)},"type":"next","payload":`),
      held: null,
      stream: undefined as unknown as SilentStream,
    };
    if (!execution) {
      attached.stream = new SilentStream(() => this.detach(created, attached));
      const created: Execution = { key, source: own, subscribers: new Set([attached]), creator: attached, prelude, sourceInstant, stopped: false };
      this.executions.set(key, created);
      void this.run(created);
      return attached.stream;
    }
    const joined = execution;
    attached.stream = new SilentStream(() => this.detach(joined, attached));
    joined.subscribers.add(attached);
    if (prelude > 0) {
      attached.held = [];
      void this.sendPrelude(own, attached, prelude);
    } else {
      // The shared execution delivers everything; this subscriber's own stream is not needed.
      void own.return?.();
    }
    return attached.stream;
  }

  stats(): SharedSubscriptionStats {
    let subscribers = 0;
    for (const execution of this.executions.values()) subscribers += execution.subscribers.size;
    return { executions: this.executions.size, subscribers, ...this.counters, recentFanOutMs: [...this.recentFanOutMs] };
  }

  /** The subscriber's own first events, then what the shared execution held for it meanwhile. */
  private async sendPrelude(own: AsyncIterator<ExecutionResult>, attached: Attached, prelude: number): Promise<void> {
    try {
      for (let i = 0; i < prelude && !attached.stream.ended; i++) {
        const result = await own.next();
        if (result.done) break;
        this.write(attached, this.serialise(result.value));
      }
    } catch (error) {
      attached.stream.end(error);
      return;
    } finally {
      void own.return?.();
    }
    const held = attached.held ?? [];
    attached.held = null;
    for (const frame of held) this.send(attached, frame);
  }

  private async run(execution: Execution): Promise<void> {
    let failure: unknown;
    try {
      for (let index = 0; ; index++) {
        const result = await execution.source.next();
        if (result.done || execution.stopped) break;
        const processedAt = execution.sourceInstant?.();
        const began = performance.now();
        const payload = this.serialise(result.value);
        if (index < execution.prelude) {
          // The creator's own first events: only it receives them (later subscribers get their own).
          if (execution.subscribers.has(execution.creator)) this.write(execution.creator, payload);
          continue;
        }
        let sent = 0;
        for (const attached of [...execution.subscribers]) {
          this.write(attached, payload);
          if (++sent % this.framesPerTurn === 0) await yieldToEventLoop();
        }
        this.options.onEventSent?.(result.value, processedAt);
        this.recentFanOutMs.push(performance.now() - began);
        if (this.recentFanOutMs.length > RECENT_FAN_OUTS) this.recentFanOutMs.shift();
      }
    } catch (error) {
      failure = error;
    } finally {
      if (this.executions.get(execution.key) === execution) this.executions.delete(execution.key);
      execution.stopped = true;
      for (const attached of execution.subscribers) attached.stream.end(failure);
      execution.subscribers.clear();
    }
  }

  private serialise(result: ExecutionResult): Buffer {
    this.counters.events++;
    // GraphQLError serialises through its toJSON, as graphql-ws would write it.
    return Buffer.from(JSON.stringify(result));
  }

  /** One event to one subscriber: held during its prelude, else sent. */
  private write(attached: Attached, payload: Buffer): void {
    const frame = Buffer.concat([attached.prefix, payload, FRAME_END]);
    if (attached.held) {
      if (attached.held.length < MAX_HELD_FRAMES) attached.held.push(frame);
      else this.counters.dropped++;
      return;
    }
    this.send(attached, frame);
  }

  private send(attached: Attached, frame: Buffer): void {
    const socket = attached.subscriber.socket;
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.counters.dropped++;
      return;
    }
    this.counters.frames++;
    // A text frame, as graphql-ws sends; the buffer is the only copy of the payload.
    socket.send(frame, { binary: false });
  }

  private detach(execution: Execution, attached: Attached): void {
    execution.subscribers.delete(attached);
    if (execution.subscribers.size > 0 || execution.stopped) return;
    execution.stopped = true;
    if (this.executions.get(execution.key) === execution) this.executions.delete(execution.key);
    // Ends the pending next() of `run`, which then finishes.
    void execution.source.return?.();
  }
}

/**
 * What graphql-ws iterates for one subscriber: no values (the frames are
 * written by the shared execution), done when the execution completes,
 * rejected when it fails; `return()` detaches the subscriber.
 */
class SilentStream implements AsyncGenerator<never> {
  ended = false;
  private readonly finished: Promise<IteratorResult<never>>;
  private settle!: (error?: unknown) => void;

  constructor(private readonly onReturn: () => void) {
    this.finished = new Promise<IteratorResult<never>>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve({ done: true, value: undefined }) : reject(error));
    });
    // A failure nobody iterates (the subscriber left first) is not an unhandled rejection.
    this.finished.catch(() => {});
  }

  /** Ends the stream: completed, or failed with `error`. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.settle(error);
  }

  next(): Promise<IteratorResult<never>> {
    return this.finished;
  }

  async return(): Promise<IteratorResult<never>> {
    if (!this.ended) {
      this.end();
      this.onReturn();
    }
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<never>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }
}
