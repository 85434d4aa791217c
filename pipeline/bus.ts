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
 * - a handler that throws does not stop the consumer: the message is handed
 *   to the dead-letter handler with the reason, and the next one is delivered;
 * - `close()` stops delivery after the message in flight and resolves when
 *   handlers are idle.
 */
import { approximateMessageBytes } from '../core/models.ts';

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
  /** Publishers wait beyond this many bytes. */
  maxQueuedBytes: number;
}

export interface Bus {
  /**
   * Whether a published message outlives this process (Kafka) or lives only
   * in its memory until handled (in-process): the storage role spools to
   * disk only what would otherwise exist nowhere else.
   */
  readonly durable: boolean;
  publish<T>(topic: string, key: string, value: T): Promise<void>;
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
}

/**
 * In-process bus for the embedded mode: one queue per consumer group and
 * topic, drained in order by one async loop. Publishing returns at once
 * unless a consumer's queue is full (in messages or in bytes), in which case
 * it waits for room, so a stalled consumer slows the source instead of
 * growing memory without bound; a single message larger than the byte bound
 * still passes when the queue is empty. `drain()` waits for consumers.
 * Values are passed by reference: consumers must treat them as immutable.
 * Nothing here survives the process (`durable` is false).
 */
export class InProcessBus implements Bus {
  readonly durable = false;
  private readonly consumers = new Map<string, Consumer[]>();
  private readonly deadLetterListeners: ((deadLetter: DeadLetter) => void)[] = [];
  private readonly maxQueuedBytes: number;
  private readonly sizeOf: (value: unknown) => number;
  private closed = false;

  constructor(options: InProcessBusOptions = {}) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.sizeOf = options.sizeOf ?? approximateMessageBytes;
  }

  async publish<T>(topic: string, key: string, value: T): Promise<void> {
    if (this.closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const message: BusMessage = { topic, key, value };
    const bytes = this.sizeOf(value);
    for (const consumer of this.consumers.get(topic) ?? []) {
      while (!consumer.closed && isFull(consumer, bytes)) await consumer.space;
      if (consumer.closed) continue;
      consumer.queue.push(message);
      consumer.sizes.push(bytes);
      consumer.queuedBytes += bytes;
      if (!consumer.running) void this.run(consumer);
    }
  }

  /** Every consumer's queue: what waits, in messages and bytes. */
  queues(): QueueStats[] {
    return [...this.consumers.entries()].flatMap(([topic, list]) =>
      list.map((c) => ({ topic, group: c.group, queued: c.queue.length, queuedBytes: c.queuedBytes, maxQueuedBytes: c.maxQueuedBytes })),
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

  private async run(consumer: Consumer): Promise<void> {
    consumer.running = true;
    consumer.idle = new Promise((resolve) => (consumer.resolveIdle = resolve));
    try {
      while (consumer.queue.length > 0 && !consumer.closed) {
        const batch = consumer.queue.splice(0, consumer.maxBatch);
        for (const bytes of consumer.sizes.splice(0, batch.length)) consumer.queuedBytes -= bytes;
        this.makeRoom(consumer);
        try {
          await consumer.handler(batch);
        } catch (error) {
          if (batch.length === 1) {
            this.deadLetter(batch[0], consumer.group, error);
            continue;
          }
          // Isolate the poison message: retry one by one.
          for (const message of batch) {
            try {
              await consumer.handler([message]);
            } catch (singleError) {
              this.deadLetter(message, consumer.group, singleError);
            }
          }
        }
      }
    } finally {
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
}
