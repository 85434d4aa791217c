/**
 * The event bus between pipeline roles. Three topics carry the whole data
 * flow: `market.raw` (source → processor), `market.enriched` (processor →
 * storage, analytics, API) and `market.analytics` (analytics → storage, API). Messages are keyed by underlying symbol so each underlying
 * stays in order.
 *
 * Contract every implementation passes (test/busContract.ts):
 * - each consumer group receives every message published after it
 *   subscribed, once; different groups each receive it;
 * - messages with the same key reach a group in publish order;
 * - a message a handler can never handle (it throws `PoisonMessage`, or the
 *   `MessageError` of an undecodable or invalid message) does not stop the
 *   consumer: it is handed to the dead-letter handler with the reason, and
 *   the next one is delivered;
 * - any other handler error is taken as temporary (a failed publish, a
 *   pub/sub error, a deadlock or serialization failure in the database): the
 *   same message is retried with back-off, never dead-lettered, and nothing
 *   after it on its key is delivered before it (a durable bus gives a message
 *   that keeps failing back uncommitted, so it is delivered again later);
 * - `publishBatch` publishes its messages in order, together (on Kafka in as
 *   few requests as they fit, not a round trip each); if one fails, none
 *   after it is published, and the error says how many before it were;
 * - `close()` stops delivery after the message in flight and resolves when
 *   handlers are idle.
 */
import { setImmediate as yieldToEventLoop, setTimeout as delay } from 'node:timers/promises';
import { approximateMessageBytes, MessageError, messageRows } from '../core/models.ts';

export const TOPICS = {
  raw: 'market.raw',
  enriched: 'market.enriched',
  /** Analytics role → storage, API: one message per enriched snapshot folded in (core/analyticsMessage.ts). */
  analytics: 'market.analytics',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export interface BusMessage<T = unknown> {
  topic: string;
  key: string;
  value: T;
  /** The trace context the publisher was in (pipeline/traceContext.ts), as W3C trace headers; absent when not tracing. */
  headers?: Record<string, string>;
}

/** One message of a `publishBatch`. */
export interface OutgoingMessage<T = unknown> {
  key: string;
  value: T;
  headers?: Record<string, string>;
}

/**
 * A `publishBatch` that failed part-way: the first `published` messages were
 * published (acknowledged), the rest were not, the one at `published` because
 * of `cause` and those after it so as not to overtake it. (A message whose
 * send failed may still have been written: consumers store by id.)
 */
export class PublishBatchError extends Error {
  constructor(
    readonly published: number,
    cause: unknown,
  ) {
    super(`published ${published} messages of a batch, then: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'PublishBatchError';
  }
}

export interface DeadLetter {
  message: BusMessage;
  group: string;
  reason: string;
}

/**
 * Thrown by a handler that could not handle its messages and must not have
 * them dead-lettered either (the storage role stopping while the database is
 * down): a durable bus leaves them uncommitted for redelivery.
 */
export class HandlerAbandoned extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HandlerAbandoned';
  }
}

/**
 * Thrown by a handler for a message it can never handle, whatever is retried
 * (the database refuses its content, say): the bus dead-letters it and moves
 * on. Any other error is retried (see the contract above).
 */
export class PoisonMessage extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PoisonMessage';
  }
}

/** Whether a handler error means the message can never be handled: dead-letter it rather than retry. */
export function isPoison(error: unknown): boolean {
  return error instanceof PoisonMessage || error instanceof MessageError;
}

/** How long to wait before retry `attempt` (1, 2, …): doubling from `firstMs`, at most `maxMs`. */
export function retryDelayMs(attempt: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, attempt - 1));
}

/** How a bus retries a message whose handler failed for a temporary reason. */
export interface RetryPolicy {
  /** Handler calls before the message is given back (`retry-later`); Infinity retries while `active`. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** False once the consumer stops (or lost the message's partition): retrying ends with `retry-later`. */
  active: () => boolean;
  /** Waits between attempts; may end early when the consumer stops. */
  sleep: (ms: number) => Promise<void>;
  onRetry?: (error: unknown, attempt: number) => void;
}

/** What became of one message handed to a handler by `deliver`. */
export type Delivery =
  | { outcome: 'handled' }
  /** It can never be handled: dead-letter it. */
  | { outcome: 'poison'; error: unknown }
  /** The handler threw HandlerAbandoned: leave it for redelivery, without retrying here. */
  | { outcome: 'abandoned' }
  /** Still failing when the attempts ran out or the consumer stopped: leave it for redelivery. */
  | { outcome: 'retry-later'; error: unknown };

/**
 * Hands one message to `handle` until it is handled, found poison, abandoned,
 * or out of attempts, waiting with back-off between temporary failures.
 * `failed` is the error of a call already made (it counts as the first attempt).
 */
export async function deliver(handle: () => Promise<void> | void, policy: RetryPolicy, failed?: { error: unknown }): Promise<Delivery> {
  let last = failed;
  for (let attempt = 1; ; attempt++) {
    if (!last) {
      try {
        await handle();
        return { outcome: 'handled' };
      } catch (error) {
        last = { error };
      }
    }
    const { error } = last;
    if (error instanceof HandlerAbandoned) return { outcome: 'abandoned' };
    if (isPoison(error)) return { outcome: 'poison', error };
    if (attempt >= policy.attempts || !policy.active()) return { outcome: 'retry-later', error };
    policy.onRetry?.(error, attempt);
    await policy.sleep(retryDelayMs(attempt, policy.firstDelayMs, policy.maxDelayMs));
    if (!policy.active()) return { outcome: 'retry-later', error };
    last = undefined;
  }
}

export interface Subscription {
  /** Stops this consumer after its message in flight. */
  unsubscribe(): Promise<void>;
}

/** One consumer's queue, for /readyz. */
export interface QueueStats {
  topic: string;
  group: string;
  /** Messages waiting for the consumer. */
  queued: number;
  /** Their approximate heap size, bytes. */
  queuedBytes: number;
  /** The rows they hold (core/models.ts messageRows: a snapshot's option quotes, an analytics message's flow rows). */
  queuedRows: number;
  /** The rows of the batch its handler holds now (taken off the queue, not yet handled). */
  handlingRows: number;
  /** Publishers wait beyond this many bytes. */
  maxQueuedBytes: number;
}

/** A consumer's lag: messages published to its topic and not yet handled by its group. */
export interface ConsumerLag {
  topic: string;
  group: string;
  messages: number;
}

export interface Bus {
  /**
   * Whether a published message outlives this process (Kafka) or lives only
   * in its memory until handled (in-process): the storage role spools to
   * disk only what would otherwise exist nowhere else.
   */
  readonly durable: boolean;
  /** `headers`: the trace context to carry (traceHeaders()), delivered with the message. */
  publish<T>(topic: string, key: string, value: T, headers?: Record<string, string>): Promise<void>;
  /**
   * Publishes `messages` to `topic` in this order, together; resolves once
   * all are acknowledged. When one fails, none after it is published and it
   * rejects with a PublishBatchError saying how many were.
   */
  publishBatch<T>(topic: string, messages: readonly OutgoingMessage<T>[]): Promise<void>;
  subscribe<T>(topic: string, group: string, handler: (message: BusMessage<T>) => Promise<void> | void): Promise<Subscription>;
  subscribeBatch<T>(
    topic: string,
    group: string,
    handler: (messages: BusMessage<T>[]) => Promise<void> | void,
    options?: { maxBatch?: number; maxQueued?: number; maxQueuedBytes?: number },
  ): Promise<Subscription>;
  /** Called with every message a handler failed on, after it was skipped. */
  onDeadLetter(listener: (deadLetter: DeadLetter) => void): void;
  /** Resolves when every message published so far has been handled (in-process), for tests and shutdown. */
  drain(): Promise<void>;
  /** What waits in this process's queues, when the bus has any (in-process). */
  queues?(): QueueStats[];
  /** How far each of this process's consumers is behind its topic, when the bus knows it (Kafka; in-process, see `queues`). */
  lag?(): ConsumerLag[];
  close(): Promise<void>;
}

interface Consumer {
  group: string;
  handler: (messages: BusMessage[]) => Promise<void> | void;
  maxBatch: number;
  /** Publishers wait while this many messages, or this many bytes, are queued: bounded memory, backpressure to the source. */
  maxQueued: number;
  maxQueuedBytes: number;
  /** Approximate bytes of each queued message, parallel to `queue`. */
  sizes: number[];
  queuedBytes: number;
  /** Rows of each queued message (messageRows), parallel to `queue`; their sum, and the batch in hand's. */
  rows: number[];
  queuedRows: number;
  handlingRows: number;
  /** Resolved (and replaced) whenever the consumer takes messages off its queue. */
  space: Promise<void>;
  signalSpace: () => void;
  queue: BusMessage[];
  running: boolean;
  closed: boolean;
  idle: Promise<void>;
  resolveIdle: () => void;
}

/** Default bounds of a consumer's queue: messages, and approximate heap bytes. */
export const DEFAULT_MAX_QUEUED = 10_000;
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;

export interface InProcessBusOptions {
  /** Default byte bound of each consumer's queue (default 16 MiB). */
  maxQueuedBytes?: number;
  /** Approximate heap bytes of a message value (default: approximateMessageBytes). */
  sizeOf?: (value: unknown) => number;
  /** The rows a message value holds, for `queues()` (default: messageRows). */
  rowsOf?: (value: unknown) => number;
  /** First wait before retrying a message whose handler failed for a temporary reason, ms (default 100; doubles up to `maxRetryDelayMs`). */
  retryDelayMs?: number;
  /** Longest wait between retries, ms (default 5,000). */
  maxRetryDelayMs?: number;
}

/**
 * In-process bus for the embedded mode: one queue per consumer group and
 * topic, drained in order by one async loop. Publishing returns at once
 * unless a consumer's queue is full (in messages or in bytes), in which case
 * it waits for room, so a stalled consumer slows the source instead of
 * growing memory without bound; a single message larger than the byte bound
 * still passes when the queue is empty. `drain()` waits for consumers.
 * A handler's temporary failure is retried with back-off until it succeeds
 * or the bus closes (there is nothing to redeliver from: the message exists
 * only here); a poison message is dead-lettered.
 * Each batch is handled in a turn of the event loop of its own: otherwise a
 * publish runs its consumers' handlers as microtasks of the publisher's turn,
 * and one source tick (ingest → enrichment → analytics → storage → delivery,
 * 15–80 ms of work for five symbols) would hold the loop, and every HTTP
 * request of the API sharing it, for all of that.
 * Values are passed by reference: consumers must treat them as immutable.
 * Nothing here survives the process (`durable` is false).
 */
export class InProcessBus implements Bus {
  readonly durable = false;
  private readonly consumers = new Map<string, Consumer[]>();
  private readonly deadLetterListeners: ((deadLetter: DeadLetter) => void)[] = [];
  private readonly maxQueuedBytes: number;
  private readonly sizeOf: (value: unknown) => number;
  private readonly rowsOf: (value: unknown) => number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.sizeOf = options.sizeOf ?? approximateMessageBytes;
    this.rowsOf = options.rowsOf ?? messageRows;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  }

  async publish<T>(topic: string, key: string, value: T, headers?: Record<string, string>): Promise<void> {
    if (this.closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const message: BusMessage = headers ? { topic, key, value, headers } : { topic, key, value };
    const bytes = this.sizeOf(value);
    const rows = this.rowsOf(value);
    for (const consumer of this.consumers.get(topic) ?? []) {
      while (!consumer.closed && isFull(consumer, bytes)) await consumer.space;
      if (consumer.closed) continue;
      consumer.queue.push(message);
      consumer.sizes.push(bytes);
      consumer.queuedBytes += bytes;
      consumer.rows.push(rows);
      consumer.queuedRows += rows;
      if (!consumer.running) void this.run(consumer);
    }
  }

  /** One after the other: this bus publishes without a round trip, so there is nothing to put together. */
  async publishBatch<T>(topic: string, messages: readonly OutgoingMessage<T>[]): Promise<void> {
    for (const [i, { key, value, headers }] of messages.entries()) {
      try {
        await this.publish(topic, key, value, headers);
      } catch (error) {
        throw new PublishBatchError(i, error);
      }
    }
  }

  /** Every consumer's queue: what waits, in messages and bytes. */
  queues(): QueueStats[] {
    return [...this.consumers.entries()].flatMap(([topic, list]) =>
      list.map((c) => ({
        topic,
        group: c.group,
        queued: c.queue.length,
        queuedBytes: c.queuedBytes,
        queuedRows: c.queuedRows,
        handlingRows: c.handlingRows,
        maxQueuedBytes: c.maxQueuedBytes,
      })),
    );
  }

  async subscribe<T>(topic: string, group: string, handler: (message: BusMessage<T>) => Promise<void> | void): Promise<Subscription> {
    return this.addConsumer(topic, group, (messages) => handler(messages[0] as BusMessage<T>), 1, DEFAULT_MAX_QUEUED, this.maxQueuedBytes);
  }

  async subscribeBatch<T>(
    topic: string,
    group: string,
    handler: (messages: BusMessage<T>[]) => Promise<void> | void,
    options: { maxBatch?: number; maxQueued?: number; maxQueuedBytes?: number } = {},
  ): Promise<Subscription> {
    return this.addConsumer(
      topic,
      group,
      handler as Consumer['handler'],
      options.maxBatch ?? 500,
      options.maxQueued ?? DEFAULT_MAX_QUEUED,
      options.maxQueuedBytes ?? this.maxQueuedBytes,
    );
  }

  onDeadLetter(listener: (deadLetter: DeadLetter) => void): void {
    this.deadLetterListeners.push(listener);
  }

  async drain(): Promise<void> {
    // Handlers may publish further messages; loop until everything is quiet.
    for (;;) {
      const busy = [...this.consumers.values()].flat().filter((c) => c.running || c.queue.length > 0);
      if (busy.length === 0) return;
      await Promise.all(busy.map((c) => c.idle));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.consumers.values()].flat();
    for (const consumer of all) {
      consumer.closed = true;
      clearQueue(consumer);
      this.makeRoom(consumer);
    }
    await Promise.all(all.map((c) => c.idle));
    this.consumers.clear();
  }

  private addConsumer(topic: string, group: string, handler: Consumer['handler'], maxBatch: number, maxQueued: number, maxQueuedBytes: number): Subscription {
    const list = this.consumers.get(topic) ?? [];
    if (list.some((c) => c.group === group && !c.closed)) {
      throw new Error(`group ${group} already consumes ${topic} in this process`);
    }
    let signalSpace = () => {};
    const consumer: Consumer = {
      group,
      handler,
      maxBatch,
      maxQueued,
      maxQueuedBytes,
      sizes: [],
      queuedBytes: 0,
      rows: [],
      queuedRows: 0,
      handlingRows: 0,
      space: new Promise<void>((resolve) => (signalSpace = resolve)),
      signalSpace: () => {},
      queue: [],
      running: false,
      closed: false,
      idle: Promise.resolve(),
      resolveIdle: () => {},
    };
    consumer.signalSpace = signalSpace;
    list.push(consumer);
    this.consumers.set(topic, list);
    return {
      unsubscribe: async () => {
        consumer.closed = true;
        clearQueue(consumer);
        this.makeRoom(consumer);
        await consumer.idle;
        this.consumers.set(
          topic,
          (this.consumers.get(topic) ?? []).filter((c) => c !== consumer),
        );
      },
    };
  }

  /** Wakes publishers waiting for room in this consumer's queue. */
  private makeRoom(consumer: Consumer): void {
    const wake = consumer.signalSpace;
    consumer.space = new Promise<void>((resolve) => (consumer.signalSpace = resolve));
    wake();
  }

  private deadLetter(message: BusMessage, group: string, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    for (const listener of this.deadLetterListeners) listener({ message, group, reason });
  }

  /** Retries until handled or closed: the message exists nowhere else. */
  private retryPolicy(consumer: Consumer): RetryPolicy {
    return {
      attempts: Infinity,
      firstDelayMs: this.retryDelayMs,
      maxDelayMs: this.maxRetryDelayMs,
      active: () => !consumer.closed,
      sleep: (ms) => Promise.race([delay(ms), consumer.space.then(() => {})]),
    };
  }

  private async run(consumer: Consumer): Promise<void> {
    consumer.running = true;
    consumer.idle = new Promise((resolve) => (consumer.resolveIdle = resolve));
    try {
      while (consumer.queue.length > 0 && !consumer.closed) {
        await yieldToEventLoop();
        if (consumer.closed) break;
        const batch = consumer.queue.splice(0, consumer.maxBatch);
        for (const bytes of consumer.sizes.splice(0, batch.length)) consumer.queuedBytes -= bytes;
        consumer.handlingRows = 0;
        for (const rows of consumer.rows.splice(0, batch.length)) consumer.handlingRows += rows;
        consumer.queuedRows -= consumer.handlingRows;
        this.makeRoom(consumer);
        let failed: { error: unknown } | undefined;
        try {
          await consumer.handler(batch);
          continue;
        } catch (error) {
          failed = { error };
        }
        // Isolate the poison message: one by one, each retried while its failure is temporary.
        for (const message of batch) {
          const delivery = await deliver(() => consumer.handler([message]), this.retryPolicy(consumer), batch.length === 1 ? failed : undefined);
          if (delivery.outcome === 'poison') this.deadLetter(message, consumer.group, delivery.error);
        }
      }
    } finally {
      consumer.handlingRows = 0;
      consumer.running = false;
      consumer.resolveIdle();
    }
  }
}

/** Whether a message of `bytes` must wait: the queue is at its message bound, or non-empty and at its byte bound. */
function isFull(consumer: Consumer, bytes: number): boolean {
  if (consumer.queue.length >= consumer.maxQueued) return true;
  return consumer.queue.length > 0 && consumer.queuedBytes + bytes > consumer.maxQueuedBytes;
}

function clearQueue(consumer: Consumer): void {
  consumer.queue.length = 0;
  consumer.sizes.length = 0;
  consumer.queuedBytes = 0;
  consumer.rows.length = 0;
  consumer.queuedRows = 0;
}
