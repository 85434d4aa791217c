/**
 * The event bus between pipeline roles. Two topics carry the whole data flow:
 * `market.raw` (source → processor) and `market.enriched` (processor →
 * storage, API). Messages are keyed by underlying symbol so each underlying
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
export const TOPICS = {
  raw: 'market.raw',
  enriched: 'market.enriched',
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

export interface Subscription {
  /** Stops this consumer after its message in flight. */
  unsubscribe(): Promise<void>;
}

export interface Bus {
  publish<T>(topic: string, key: string, value: T): Promise<void>;
  subscribe<T>(topic: string, group: string, handler: (message: BusMessage<T>) => Promise<void> | void): Promise<Subscription>;
  subscribeBatch<T>(
    topic: string,
    group: string,
    handler: (messages: BusMessage<T>[]) => Promise<void> | void,
    options?: { maxBatch?: number; maxQueued?: number },
  ): Promise<Subscription>;
  /** Called with every message a handler failed on, after it was skipped. */
  onDeadLetter(listener: (deadLetter: DeadLetter) => void): void;
  /** Resolves when every message published so far has been handled (in-process), for tests and shutdown. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

interface Consumer {
  group: string;
  handler: (messages: BusMessage[]) => Promise<void> | void;
  maxBatch: number;
  /** Publishers wait while this many messages are queued: bounded memory, backpressure to the source. */
  maxQueued: number;
  /** Resolved (and replaced) whenever the consumer takes messages off its queue. */
  space: Promise<void>;
  signalSpace: () => void;
  queue: BusMessage[];
  running: boolean;
  closed: boolean;
  idle: Promise<void>;
  resolveIdle: () => void;
}

/** Default bound of a consumer's queue. */
export const DEFAULT_MAX_QUEUED = 10_000;

/**
 * In-process bus for the embedded mode: one queue per consumer group and
 * topic, drained in order by one async loop. Publishing returns at once
 * unless a consumer's queue is full, in which case it waits for room, so a
 * stalled consumer (storage while the database is down) slows the source
 * instead of growing memory without bound. `drain()` waits for consumers.
 * Values are passed by reference: consumers must treat them as immutable.
 */
export class InProcessBus implements Bus {
  private readonly consumers = new Map<string, Consumer[]>();
  private readonly deadLetterListeners: ((deadLetter: DeadLetter) => void)[] = [];
  private closed = false;

  async publish<T>(topic: string, key: string, value: T): Promise<void> {
    if (this.closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const message: BusMessage = { topic, key, value };
    for (const consumer of this.consumers.get(topic) ?? []) {
      while (!consumer.closed && consumer.queue.length >= consumer.maxQueued) await consumer.space;
      if (consumer.closed) continue;
      consumer.queue.push(message);
      if (!consumer.running) void this.run(consumer);
    }
  }

  async subscribe<T>(topic: string, group: string, handler: (message: BusMessage<T>) => Promise<void> | void): Promise<Subscription> {
    return this.addConsumer(topic, group, (messages) => handler(messages[0] as BusMessage<T>), 1, DEFAULT_MAX_QUEUED);
  }

  async subscribeBatch<T>(
    topic: string,
    group: string,
    handler: (messages: BusMessage<T>[]) => Promise<void> | void,
    options: { maxBatch?: number; maxQueued?: number } = {},
  ): Promise<Subscription> {
    return this.addConsumer(topic, group, handler as Consumer['handler'], options.maxBatch ?? 500, options.maxQueued ?? DEFAULT_MAX_QUEUED);
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
      consumer.queue.length = 0;
      this.makeRoom(consumer);
    }
    await Promise.all(all.map((c) => c.idle));
    this.consumers.clear();
  }

  private addConsumer(topic: string, group: string, handler: Consumer['handler'], maxBatch: number, maxQueued: number): Subscription {
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
        consumer.queue.length = 0;
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
