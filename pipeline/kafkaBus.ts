/**
 * The distributed `Bus`: Kafka (or Redpanda) through kafkajs, for running the
 * pipeline roles as separate processes. Passes the same contract as the
 * in-process bus (test/busContract.ts).
 *
 * - Topics are created on first use with the configured partitions and
 *   replication (idempotent: an existing topic is left alone).
 * - `publish` keys each message by underlying symbol, so one underlying stays
 *   on one partition and in order; values are Avro (pipeline/avroCodec.ts).
 *   The producer is idempotent (acks from all in-sync replicas, one request
 *   in flight), so a retried send never duplicates or reorders.
 * - A consumer group that has never read a topic starts at the topic's end as
 *   of `subscribe` (its offsets are committed there before it joins): it gets
 *   every message published after it subscribed, none from before.
 * - At-least-once: an offset is committed only after the handler returned
 *   for that message (or the message was dead-lettered). A handler error on
 *   a batch retries the batch message by message; a message that still fails,
 *   or does not decode (a poison message), goes to the dead-letter topic with
 *   its original bytes and headers naming the reason, source topic,
 *   partition, offset and group; then its offset is committed and the
 *   consumer moves on. If the dead-letter write itself fails, nothing is
 *   committed and kafkajs redelivers the batch.
 * - `close()` and `unsubscribe()` stop each consumer after the message (or
 *   batch) in flight; messages fetched but not yet handed to a handler stay
 *   uncommitted and are redelivered to the group later: nothing acknowledged
 *   is lost, nothing unacknowledged is skipped.
 */
import { Kafka, logLevel as KafkaLogLevel, Partitioners, type Admin, type Consumer, type EachBatchPayload, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import { createLogger, type Logger, type LogLevel } from '../core/log.ts';
import { MessageError } from '../core/models.ts';
import type { Config } from '../core/config.ts';
import { decodeMessage, encodeMessage } from './avroCodec.ts';
import { HandlerAbandoned, TOPICS, type Bus, type BusMessage, type DeadLetter, type Subscription } from './bus.ts';

export interface KafkaBusOptions {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
  deadLetterTopic: string;
  /** Prepended to every consumer group id (e.g. a deployment or test-run name). */
  groupPrefix?: string;
  /** kafkajs' own log level (default warn). */
  logLevel?: LogLevel;
  /** Where kafkajs logs go (default a structured logger on stdout). */
  logger?: Logger;
  /** How long `subscribe` waits for the consumer to join its group (default 30 s). */
  joinTimeoutMs?: number;
  /** How long `drain` waits before it fails naming the lagging consumers (default 30 s). */
  drainTimeoutMs?: number;
  /** The kafkajs client to use instead of one built from the options above (tests pass an in-memory double). */
  client?: KafkaClient;
}

/** The part of kafkajs' `Kafka` this bus uses. */
export type KafkaClient = Pick<Kafka, 'admin' | 'producer' | 'consumer'>;

/** Kafka bus options from the parsed configuration; throws when KAFKA_BROKERS is unset. */
export function kafkaBusOptions(config: Pick<Config, 'KAFKA_BROKERS' | 'KAFKA_CLIENT_ID' | 'KAFKA_PARTITIONS' | 'KAFKA_REPLICATION_FACTOR' | 'KAFKA_DEAD_LETTER_TOPIC' | 'LOG_LEVEL'>): KafkaBusOptions {
  if (!config.KAFKA_BROKERS?.length) throw new Error('KAFKA_BROKERS is not set: the Kafka bus needs at least one broker');
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    partitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    deadLetterTopic: config.KAFKA_DEAD_LETTER_TOPIC,
    logLevel: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
  };
}

/** Headers of a message on the dead-letter topic (its key and value are the original's). */
export const DEAD_LETTER_HEADERS = {
  /** The handler's error message, or why the value did not decode. */
  reason: 'dead-letter-reason',
  /** `handler_error`, or the MessageError reason (`invalid_encoding`, `unknown_version`, …). */
  code: 'dead-letter-code',
  sourceTopic: 'dead-letter-source-topic',
  partition: 'dead-letter-partition',
  offset: 'dead-letter-offset',
  /** The consumer group id (with its prefix) that gave up on the message. */
  group: 'dead-letter-group',
  /** ISO time it was dead-lettered. */
  failedAt: 'dead-letter-failed-at',
} as const;

interface ConsumerState {
  topic: string;
  /** The group as the caller named it (dead letters report this one). */
  group: string;
  groupId: string;
  consumer: Consumer;
  handler: (messages: BusMessage[]) => Promise<void> | void;
  maxBatch: number;
  /** Messages published by this bus to the topic before this consumer started. */
  baseline: number;
  /** Messages handled or dead-lettered (offset resolved). */
  handled: number;
  stopping: Promise<void> | null;
}

interface Pending {
  message: BusMessage;
  raw: KafkaMessage;
}

const KAFKAJS_LEVEL: Record<LogLevel, KafkaLogLevel> = {
  debug: KafkaLogLevel.DEBUG,
  info: KafkaLogLevel.INFO,
  warn: KafkaLogLevel.WARN,
  error: KafkaLogLevel.ERROR,
  silent: KafkaLogLevel.NOTHING,
};

export class KafkaBus implements Bus {
  /** The broker keeps every message until each group commits past it. */
  readonly durable = true;
  private readonly kafka: KafkaClient;
  private readonly admin: Admin;
  private readonly producer: Producer;
  private readonly consumers: ConsumerState[] = [];
  private readonly deadLetterListeners: ((deadLetter: DeadLetter) => void)[] = [];
  private readonly topics = new Map<string, Promise<void>>();
  private readonly published = new Map<string, number>();
  private readonly logger: Logger;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger ?? createLogger('debug', { component: 'kafka' });
    const logger = this.logger;
    this.kafka = options.client ?? new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: KAFKAJS_LEVEL[options.logLevel ?? 'warn'],
      logCreator:
        () =>
        ({ namespace, level, log }: LogEntry) => {
          const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
          const at = level <= KafkaLogLevel.ERROR ? 'error' : level === KafkaLogLevel.WARN ? 'warn' : level === KafkaLogLevel.INFO ? 'info' : 'debug';
          logger[at](message, { namespace, ...fields });
        },
    });
    this.admin = this.kafka.admin();
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects the admin client and producer and creates the pipeline and dead-letter topics. Idempotent. */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      await this.admin.connect();
      await this.producer.connect();
      await Promise.all([TOPICS.raw, TOPICS.enriched, TOPICS.analytics, this.options.deadLetterTopic].map((t) => this.ensureTopic(t)));
    })().catch((error: unknown) => {
      this.connecting = null;
      throw error;
    });
    return this.connecting;
  }

  async publish<T>(topic: string, key: string, value: T): Promise<void> {
    if (this.closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const bytes = encodeMessage(topic, value);
    await this.connect();
    await this.ensureTopic(topic);
    // Counted before the send so a consumer starting meanwhile never waits (in drain) for a message it cannot see.
    this.published.set(topic, (this.published.get(topic) ?? 0) + 1);
    try {
      await this.producer.send({ topic, acks: -1, messages: [{ key, value: bytes }] });
    } catch (error) {
      this.published.set(topic, (this.published.get(topic) ?? 1) - 1);
      throw error;
    }
  }

  async subscribe<T>(topic: string, group: string, handler: (message: BusMessage<T>) => Promise<void> | void): Promise<Subscription> {
    return this.addConsumer(topic, group, (messages) => handler(messages[0] as BusMessage<T>), 1);
  }

  async subscribeBatch<T>(
    topic: string,
    group: string,
    handler: (messages: BusMessage<T>[]) => Promise<void> | void,
    options: { maxBatch?: number } = {},
  ): Promise<Subscription> {
    return this.addConsumer(topic, group, handler as ConsumerState['handler'], options.maxBatch ?? 500);
  }

  onDeadLetter(listener: (deadLetter: DeadLetter) => void): void {
    this.deadLetterListeners.push(listener);
  }

  /**
   * Resolves when each of this bus's consumers has handled as many messages
   * as this bus published to its topic since the consumer started (handlers
   * that publish are followed). Counts, not identities: meant for tests and
   * shutdown, where this process is the only publisher.
   */
  async drain(): Promise<void> {
    const deadline = Date.now() + (this.options.drainTimeoutMs ?? 30_000);
    for (;;) {
      const lagging = this.consumers.filter((c) => !c.stopping && c.handled < this.expected(c));
      if (lagging.length === 0) return;
      if (Date.now() > deadline) {
        const detail = lagging.map((c) => `${c.group} on ${c.topic} handled ${c.handled} of ${this.expected(c)}`).join('; ');
        throw new Error(`kafka bus drain timed out: ${detail}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.consumers.map((c) => this.stopConsumer(c)));
    const connected = await this.connecting?.then(
      () => true,
      () => false,
    );
    if (connected) {
      await this.producer.disconnect();
      await this.admin.disconnect();
    }
  }

  private expected(consumer: ConsumerState): number {
    return (this.published.get(consumer.topic) ?? 0) - consumer.baseline;
  }

  private ensureTopic(topic: string): Promise<void> {
    let ready = this.topics.get(topic);
    if (!ready) {
      ready = this.admin
        .createTopics({
          topics: [{ topic, numPartitions: this.options.partitions, replicationFactor: this.options.replicationFactor }],
          waitForLeaders: true,
        })
        .then(() => undefined)
        .catch((error: unknown) => {
          this.topics.delete(topic);
          throw error;
        });
      this.topics.set(topic, ready);
    }
    return ready;
  }

  private async addConsumer(topic: string, group: string, handler: ConsumerState['handler'], maxBatch: number): Promise<Subscription> {
    if (this.closed) throw new Error(`bus is closed: cannot subscribe to ${topic}`);
    if (this.consumers.some((c) => c.topic === topic && c.group === group && !c.stopping)) {
      throw new Error(`group ${group} already consumes ${topic} in this process`);
    }
    await this.connect();
    await this.ensureTopic(topic);
    const groupId = `${this.options.groupPrefix ?? ''}${group}`;
    const baseline = this.published.get(topic) ?? 0;
    await this.startNewGroupAtEnd(groupId, topic);

    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      // Short fetch waits so stopping a consumer on an idle topic is quick.
      maxWaitTimeInMs: 250,
    });
    const state: ConsumerState = { topic, group, groupId, consumer, handler, maxBatch, baseline, handled: 0, stopping: null };
    this.consumers.push(state);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      let removeJoinListener = () => {};
      const joined = new Promise<boolean>((resolve) => {
        removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => resolve(true));
        setTimeout(() => resolve(false), this.options.joinTimeoutMs ?? 30_000).unref();
      });
      await consumer.run({
        autoCommit: true,
        // Commit whenever an offset was resolved: after each handled chunk.
        autoCommitThreshold: 1,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.consumeBatch(state, payload),
      });
      if (!(await joined)) this.logger.warn('consumer has not joined its group yet', { topic, groupId });
      removeJoinListener();
    } catch (error) {
      await this.stopConsumer(state).catch(() => {});
      throw error;
    }
    return { unsubscribe: () => this.stopConsumer(state) };
  }

  /**
   * A group with no committed offset on `topic` gets the topic's current end
   * committed, so it starts with messages published from now on. Fails
   * harmlessly when another member of the group is already running (its
   * offsets then decide).
   */
  private async startNewGroupAtEnd(groupId: string, topic: string): Promise<void> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed && committed.partitions.some((p) => p.offset !== '-1')) return;
    const ends = await this.admin.fetchTopicOffsets(topic);
    try {
      await this.admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    } catch (error) {
      this.logger.debug('could not set the start offsets of a new group', { groupId, topic, error: String(error) });
    }
  }

  private stopConsumer(state: ConsumerState): Promise<void> {
    state.stopping ??= (async () => {
      // kafkajs stops fetching, waits for eachBatch (which returns after the chunk in flight), commits and leaves.
      await state.consumer.disconnect();
      const index = this.consumers.indexOf(state);
      if (index >= 0) this.consumers.splice(index, 1);
    })();
    return state.stopping;
  }

  private async consumeBatch(state: ConsumerState, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    // A handler that abandoned its chunk ends the batch: the rest stays uncommitted and is redelivered.
    let abandoned = false;
    const active = () => isRunning() && !isStale() && !state.stopping && !abandoned;
    let pending: Pending[] = [];
    const flush = async () => {
      if (pending.length === 0) return;
      const chunk = pending;
      pending = [];
      if (!(await this.handleChunk(state, chunk, batch.partition, resolveOffset))) {
        abandoned = true;
        return;
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    };

    for (const raw of batch.messages) {
      // Stop after the message in flight; the rest stays uncommitted and is redelivered.
      if (!active()) return;
      const key = raw.key?.toString() ?? '';
      let value: unknown;
      try {
        value = decodeMessage(batch.topic, raw.value);
      } catch (error) {
        // Keep order: hand over what came before the poison message first.
        await flush();
        if (!active()) return;
        await this.deadLetter(state, { topic: batch.topic, key, value: raw.value }, raw, batch.partition, error);
        resolveOffset(raw.offset);
        state.handled++;
        await commitOffsetsIfNecessary();
        continue;
      }
      pending.push({ message: { topic: batch.topic, key, value }, raw });
      if (pending.length >= state.maxBatch) await flush();
    }
    if (active()) await flush();
  }

  /** Hands a chunk to the handler; false when the handler abandoned it (left uncommitted, to be redelivered). */
  private async handleChunk(state: ConsumerState, chunk: Pending[], partition: number, resolveOffset: (offset: string) => void): Promise<boolean> {
    try {
      await state.handler(chunk.map((p) => p.message));
      resolveOffset(chunk[chunk.length - 1].raw.offset);
      state.handled += chunk.length;
      return true;
    } catch (error) {
      if (error instanceof HandlerAbandoned) return false;
      if (chunk.length === 1) {
        await this.deadLetter(state, chunk[0].message, chunk[0].raw, partition, error);
        resolveOffset(chunk[0].raw.offset);
        state.handled++;
        return true;
      }
    }
    // Isolate the poison message: retry one by one.
    for (const { message, raw } of chunk) {
      try {
        await state.handler([message]);
      } catch (error) {
        if (error instanceof HandlerAbandoned) return false;
        await this.deadLetter(state, message, raw, partition, error);
      }
      resolveOffset(raw.offset);
      state.handled++;
    }
    return true;
  }

  /** Writes the original message to the dead-letter topic (throws, so nothing is committed, if that fails), then tells the listeners. */
  private async deadLetter(state: ConsumerState, message: BusMessage, raw: KafkaMessage, partition: number, error: unknown): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    const code = error instanceof MessageError ? error.reason : 'handler_error';
    await this.producer.send({
      topic: this.options.deadLetterTopic,
      acks: -1,
      messages: [
        {
          key: raw.key,
          value: raw.value,
          headers: {
            [DEAD_LETTER_HEADERS.reason]: reason,
            [DEAD_LETTER_HEADERS.code]: code,
            [DEAD_LETTER_HEADERS.sourceTopic]: state.topic,
            [DEAD_LETTER_HEADERS.partition]: String(partition),
            [DEAD_LETTER_HEADERS.offset]: raw.offset,
            [DEAD_LETTER_HEADERS.group]: state.groupId,
            [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
          },
        },
      ],
    });
    this.logger.warn('message dead-lettered', { topic: state.topic, partition, offset: raw.offset, group: state.groupId, code, reason });
    for (const listener of this.deadLetterListeners) {
      try {
        listener({ message, group: state.group, reason });
      } catch (listenerError) {
        this.logger.error('dead-letter listener failed', { error: String(listenerError) });
      }
    }
  }
}
