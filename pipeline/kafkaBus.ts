/**
 * The distributed `Bus`: Kafka (or Redpanda) through kafkajs, for running the
 * pipeline roles as separate processes. Passes the same contract as the
 * in-process bus (test/busContract.ts), on librdkafka's mock cluster in CI
 * and on a real cluster when KAFKA_BROKERS names one.
 *
 * - Topics (`topics`): `create` (the default) creates each missing topic with
 *   the configured partitions, replication and `min.insync.replicas`;
 *   `external` leaves them to the operator. Either way every topic is then
 *   checked: a missing one, or one whose partition count differs from
 *   `partitions`, fails `connect` naming it (symbols are hashed to partitions,
 *   so a different count, or partitions added later, moves symbols and breaks
 *   their order across the change); a replication factor or
 *   `min.insync.replicas` that makes `acks: -1` wait for one copy only is
 *   reported as a warning.
 * - `publish` keys each message by underlying symbol, so one underlying stays
 *   on one partition and in order; values are Avro (pipeline/avroCodec.ts).
 *   Publishes made while a send is in flight go together in the next one
 *   (one request, `acks: -1`, optionally compressed), in call order, so
 *   throughput is not one round trip per message; `publishBatch` queues a
 *   whole batch at once. When a send fails, the publishes queued behind it
 *   fail too, unsent: none overtakes it (a publisher with several messages
 *   in flight keeps their order, and `publishBatch` publishes a prefix).
 *   The producer is idempotent by default (`idempotent`: a retried send is neither duplicated nor
 *   reordered); its retries are bounded and every send fails after
 *   `sendTimeoutMs`, so a broker outage fails `publish` (and a dead-letter
 *   write) instead of hanging it. A send that failed may still have been
 *   written: consumers store by snapshot id, so a redelivery is harmless.
 * - A consumer group starts, on each partition without a committed offset,
 *   at that partition's end as of `subscribe`: it gets every message
 *   published after it subscribed, none from before.
 * - At-least-once: an offset is resolved after the handler returned for that
 *   message (or it was dead-lettered) and committed after each fetched batch.
 *   Only a poison message (undecodable, or the handler threw `PoisonMessage`
 *   or `MessageError`; not one written by a newer build, which waits
 *   uncommitted for this consumer's upgrade) goes to the dead-letter topic, with its original
 *   bytes and headers plus headers naming the reason, source topic,
 *   partition, offset and group; any other handler error is retried with
 *   back-off (`handlerAttempts` calls) and then left uncommitted, so Kafka
 *   hands it over again. If the dead-letter write fails, the message is left
 *   uncommitted too.
 * - While a handler runs (and between retries) the consumer heartbeats every
 *   `heartbeatIntervalMs`, so slow work does not cost its group membership;
 *   a heartbeat or commit that says the group is rebalancing marks the
 *   batch's partition lost, and the consumer stops handling it (the new
 *   owner starts from the last commit).
 * - `close()` and `unsubscribe()` stop each consumer after the message (or
 *   chunk) in flight and wait for its handler; only then does `close()` stop
 *   the producer, so a handler that publishes while stopping still can.
 *   Messages fetched but not yet handed to a handler stay uncommitted and go
 *   to the group's next member: nothing acknowledged is lost, nothing
 *   unacknowledged is skipped.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  CompressionTypes,
  Kafka,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Admin,
  type Consumer,
  type EachBatchPayload,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
  type Message,
  type Producer,
} from 'kafkajs';
import { createLogger, type Logger, type LogLevel } from '../core/log.ts';
import { MessageError } from '../core/models.ts';
import type { Config } from '../core/config.ts';
import { decodeMessage, encodeMessage, type MessageCodec } from './avroCodec.ts';
import { deliver, isPoison, PublishBatchError, TOPICS, type Bus, type BusMessage, type ConsumerLag, type DeadLetter, type OutgoingMessage, type RetryPolicy, type Subscription } from './bus.ts';

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
  /** How values are encoded (default this build's Avro schemas; tests pass older and newer builds' codecs). */
  codec?: MessageCodec;
  /** The kafkajs client to use instead of one built from the options above (tests wrap a real one to inject faults). */
  client?: KafkaClient;
  /** `create` (default): the bus creates missing topics; `external`: they must exist already. Both check the partition count. */
  topics?: TopicManagement;
  /** Idempotent producer (default true). Brokers that refuse it (InitProducerId) need false: a retried send may then duplicate. */
  idempotent?: boolean;
  /** `min.insync.replicas` of the topics the bus creates (default: the broker's). */
  minInsyncReplicas?: number;
  /** Compression of produced batches (default none; gzip costs CPU, saves bytes on the wire and disk). */
  compression?: Compression;
  /** A send (publish or dead-letter write) still unacknowledged after this long fails (default 30 s). */
  sendTimeoutMs?: number;
  /** kafkajs retries of a failed send before it fails (default 5). */
  sendRetries?: number;
  /** The broker evicts a consumer it has not heard from for this long (default 30 s, kafkajs'). */
  sessionTimeoutMs?: number;
  /** How often a busy consumer heartbeats (default 3 s, kafkajs'). */
  heartbeatIntervalMs?: number;
  /** Handler calls for a message failing temporarily before it is left uncommitted for redelivery (default 5). */
  handlerAttempts?: number;
  /** First wait before retrying a failed handler, ms (default 200; doubles up to `maxRetryDelayMs`). */
  retryDelayMs?: number;
  /** Longest wait between handler retries, ms (default 5,000). */
  maxRetryDelayMs?: number;
  /**
   * Milliseconds a request waits for more publishes before it is sent
   * (default 0: at once, after the request in flight). A few milliseconds
   * make fuller requests, hence fuller record batches, which is what a
   * consumer's fetch returns: more messages per round trip at both ends.
   */
  lingerMs?: number;
  /** Bytes of message values sent in one request at most (default 512 KiB, under the brokers' 1 MiB `message.max.bytes`). */
  maxSendBytes?: number;
  /**
   * Longest a fetch waits on the broker for data before it answers empty, ms
   * (default 250: short, so stopping a consumer on an idle topic is quick).
   * A broker answers as soon as data arrives, so this costs no latency on a
   * real cluster; librdkafka's mock cluster holds an empty fetch for the
   * whole wait even when data arrives meanwhile, so runs on it that measure
   * throughput set a few ms.
   */
  fetchMaxWaitMs?: number;
}

export type TopicManagement = 'create' | 'external';
export type Compression = 'none' | 'gzip';

const COMPRESSION: Record<Compression, CompressionTypes> = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };

/** The part of kafkajs' `Kafka` this bus uses. */
export type KafkaClient = Pick<Kafka, 'admin' | 'producer' | 'consumer'>;

/** Kafka bus options from the parsed configuration; throws when KAFKA_BROKERS is unset. */
export function kafkaBusOptions(
  config: Pick<
    Config,
    | 'KAFKA_BROKERS'
    | 'KAFKA_CLIENT_ID'
    | 'KAFKA_PARTITIONS'
    | 'KAFKA_REPLICATION_FACTOR'
    | 'KAFKA_DEAD_LETTER_TOPIC'
    | 'KAFKA_TOPICS'
    | 'KAFKA_IDEMPOTENT'
    | 'KAFKA_MIN_INSYNC_REPLICAS'
    | 'KAFKA_COMPRESSION'
    | 'KAFKA_SEND_TIMEOUT_MS'
    | 'KAFKA_SESSION_TIMEOUT_MS'
    | 'KAFKA_LINGER_MS'
    | 'LOG_LEVEL'
  >,
): KafkaBusOptions {
  if (!config.KAFKA_BROKERS?.length) throw new Error('KAFKA_BROKERS is not set: the Kafka bus needs at least one broker');
  return {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    partitions: config.KAFKA_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    deadLetterTopic: config.KAFKA_DEAD_LETTER_TOPIC,
    topics: config.KAFKA_TOPICS,
    idempotent: config.KAFKA_IDEMPOTENT,
    minInsyncReplicas: config.KAFKA_MIN_INSYNC_REPLICAS,
    compression: config.KAFKA_COMPRESSION,
    sendTimeoutMs: config.KAFKA_SEND_TIMEOUT_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    lingerMs: config.KAFKA_LINGER_MS,
    logLevel: config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL,
  };
}

/** Headers a message gets on the dead-letter topic, beside its original ones (its key and value are the original's). */
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
  /** Aborted when the consumer stops: ends back-off waits at once. */
  stop: AbortController;
  /** Partition → its end offset at `subscribe`, for partitions the group had no committed offset on (see `seekToStart`). */
  startAt: Map<number, string>;
  /** The start seeks of the latest join, which batches wait for (see `seekToStart`). */
  seeking: Promise<void> | null;
  /** Partition → messages behind its high watermark as of the latest batch (see `lag`). */
  lag: Map<number, number>;
}

interface Pending {
  message: BusMessage;
  raw: KafkaMessage;
}

/** One publish waiting to be sent. */
interface Outgoing {
  topic: string;
  message: Message;
  bytes: number;
  sent: () => void;
  failed: (error: unknown) => void;
}

/** What one fetched batch is doing: whether it may go on. */
interface BatchRun {
  /** Set when a heartbeat or commit said the group rebalanced: the partition may belong to another member now. */
  lost: boolean;
  /** Set when a message is left for redelivery: nothing after it on this partition is handled in this batch. */
  givenBack: boolean;
}

/** kafkajs error types meaning this member's partitions are being taken away. */
const LOST_PARTITIONS = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'FENCED_INSTANCE_ID']);

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
  private readonly outbox: Outgoing[] = [];
  private sending: Promise<void> | null = null;
  private connecting: Promise<void> | null = null;
  private closing = false;
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
          // kafkajs warns about bounded retries on every idempotent producer: bounding them is the point (see the module comment).
          if (message.startsWith('Limiting retries for the idempotent producer')) return;
          const at = level <= KafkaLogLevel.ERROR ? 'error' : level === KafkaLogLevel.WARN ? 'warn' : level === KafkaLogLevel.INFO ? 'info' : 'debug';
          logger[at](message, { namespace, ...fields });
        },
    });
    this.admin = this.kafka.admin();
    const idempotent = options.idempotent ?? true;
    this.producer = this.kafka.producer({
      idempotent,
      // One request in flight: a retried send cannot overtake a later one (the idempotent producer also needs it).
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Bounded: kafkajs retries the idempotent producer forever by default, which turns a broker outage into a hang.
      retry: { retries: options.sendRetries ?? 5, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
  }

  /** Connects the admin client and producer and creates or checks the pipeline and dead-letter topics. Idempotent. */
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

  async publish<T>(topic: string, key: string, value: T, headers?: Record<string, string>): Promise<void> {
    if (this.closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const bytes = (this.options.codec?.encode ?? encodeMessage)(topic, value);
    await this.connect();
    await this.ensureTopic(topic);
    // Counted before the send so a consumer starting meanwhile never waits (in drain) for a message it cannot see.
    this.published.set(topic, (this.published.get(topic) ?? 0) + 1);
    try {
      await this.send(topic, headers ? { key, value: bytes, headers } : { key, value: bytes });
    } catch (error) {
      this.published.set(topic, (this.published.get(topic) ?? 1) - 1);
      throw error;
    }
  }

  /** Queues the whole batch at once, in order: it goes out in as few requests as it fits (see `send`); a failure fails the rest unsent. */
  async publishBatch<T>(topic: string, messages: readonly OutgoingMessage<T>[]): Promise<void> {
    if (this.closed) throw new Error(`bus is closed: cannot publish to ${topic}`);
    const encode = this.options.codec?.encode ?? encodeMessage;
    // A message that cannot be encoded ends the batch there: those before it are still published.
    const outgoing: Message[] = [];
    let refused: unknown;
    for (const { key, value, headers } of messages) {
      try {
        const bytes = encode(topic, value);
        outgoing.push(headers ? { key, value: bytes, headers } : { key, value: bytes });
      } catch (error) {
        refused = { error };
        break;
      }
    }
    await this.connect();
    await this.ensureTopic(topic);
    this.published.set(topic, (this.published.get(topic) ?? 0) + outgoing.length);
    const settled = await Promise.allSettled(outgoing.map((message) => this.send(topic, message)));
    const failedAt = settled.findIndex((s) => s.status === 'rejected');
    if (failedAt >= 0) {
      this.published.set(topic, (this.published.get(topic) ?? 0) - settled.filter((s) => s.status === 'rejected').length);
      throw new PublishBatchError(failedAt, (settled[failedAt] as PromiseRejectedResult).reason);
    }
    if (refused) throw new PublishBatchError(outgoing.length, (refused as { error: unknown }).error);
  }

  /** Each of this process's consumers: messages between its position and the end of its partitions, as of their latest batches. */
  lag(): ConsumerLag[] {
    return this.consumers.map((c) => ({ topic: c.topic, group: c.group, messages: [...c.lag.values()].reduce((sum, n) => sum + n, 0) }));
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

  /** Stops the consumers (each after its chunk in flight, its handler finished), then the producer: a handler publishing meanwhile still can. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.all(this.consumers.map((c) => this.stopConsumer(c)));
    this.closed = true;
    await this.sending;
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

  // ---- producing -----------------------------------------------------------

  /** Queues one message for the next request; resolves once the brokers acknowledged it (acks from all in-sync replicas). */
  private send(topic: string, message: Message): Promise<void> {
    return new Promise<void>((sent, failed) => {
      const bytes = (message.value as Buffer | null)?.length ?? 0;
      this.outbox.push({ topic, message, bytes, sent, failed });
      this.sending ??= this.sendOutbox().finally(() => (this.sending = null));
    });
  }

  /**
   * Sends the outbox in call order, one request at a time: what is published
   * while a request is in flight goes in the next one. Each request carries
   * at most `maxSendBytes` of values; a failed request fails its publishes.
   */
  private async sendOutbox(): Promise<void> {
    const maxBytes = this.options.maxSendBytes ?? 512 * 1024;
    const lingerMs = this.options.lingerMs ?? 0;
    while (this.outbox.length > 0) {
      // Let the publishes of the current tick (and, with a linger, of the next few milliseconds) join the request.
      await (lingerMs > 0 ? delay(lingerMs) : new Promise((resolve) => setImmediate(resolve)));
      let size = 0;
      let count = 0;
      while (count < this.outbox.length && (count === 0 || size + this.outbox[count].bytes <= maxBytes)) size += this.outbox[count++].bytes;
      const batch = this.outbox.splice(0, count);
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      try {
        await this.withSendTimeout(
          this.producer.sendBatch({
            acks: -1,
            compression: COMPRESSION[this.options.compression ?? 'none'],
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          }),
          `${batch.length} messages to ${[...byTopic.keys()].join(', ')}`,
        );
        for (const outgoing of batch) outgoing.sent();
      } catch (error) {
        for (const outgoing of batch) outgoing.failed(error);
        // Queued behind the failure: failed unsent, so that none overtakes it (a publisher retrying it would be behind them).
        const behind = this.outbox.splice(0);
        const reason = new Error(`kafka send not attempted: an earlier send failed (${error instanceof Error ? error.message : String(error)})`, { cause: error });
        for (const outgoing of behind) outgoing.failed(reason);
      }
    }
  }

  /** Fails a send still unacknowledged after `sendTimeoutMs` (kafkajs' own retries are bounded too; this bounds the total). */
  private async withSendTimeout<T>(sending: Promise<T>, what: string): Promise<T> {
    const timeoutMs = this.options.sendTimeoutMs ?? 30_000;
    const timeout = new AbortController();
    sending.catch(() => {});
    try {
      return await Promise.race([
        sending,
        delay(timeoutMs, undefined, { signal: timeout.signal }).then(() => {
          throw new Error(`kafka send of ${what} not acknowledged within ${timeoutMs} ms`);
        }),
      ]);
    } finally {
      timeout.abort();
    }
  }

  // ---- topics --------------------------------------------------------------

  private ensureTopic(topic: string): Promise<void> {
    let ready = this.topics.get(topic);
    if (!ready) {
      ready = this.prepareTopic(topic).catch((error: unknown) => {
        this.topics.delete(topic);
        throw error;
      });
      this.topics.set(topic, ready);
    }
    return ready;
  }

  /** Creates the topic when the bus manages topics, then checks it exists with the expected partitions (see the module comment). */
  private async prepareTopic(topic: string): Promise<void> {
    const { partitions, replicationFactor, minInsyncReplicas } = this.options;
    const management = this.options.topics ?? 'create';
    if (management === 'create') {
      await this.admin.createTopics({
        topics: [
          {
            topic,
            numPartitions: partitions,
            replicationFactor,
            configEntries: minInsyncReplicas === undefined ? [] : [{ name: 'min.insync.replicas', value: String(minInsyncReplicas) }],
          },
        ],
        waitForLeaders: true,
      });
    }
    let found: { name: string; partitions: { replicas: number[] }[] } | undefined;
    try {
      [found] = (await this.admin.fetchTopicMetadata({ topics: [topic] })).topics;
    } catch (error) {
      if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    }
    if (!found || found.partitions.length === 0) {
      throw new Error(
        `kafka topic ${topic} does not exist; with KAFKA_TOPICS=${management} it must be created outside the application, with ${partitions} partitions (KAFKA_PARTITIONS)`,
      );
    }
    if (found.partitions.length !== partitions) {
      throw new Error(
        `kafka topic ${topic} has ${found.partitions.length} partitions, but KAFKA_PARTITIONS is ${partitions}: set KAFKA_PARTITIONS=${found.partitions.length}. ` +
          'Messages are keyed by symbol and a symbol’s partition depends on the count, so changing it moves symbols to other partitions, and their order is not kept across the change',
      );
    }
    await this.reportDurability(topic, Math.min(...found.partitions.map((p) => p.replicas.length)));
  }

  /** Warns when `acks: -1` would wait for a single copy: replication factor 1, or `min.insync.replicas` 1 (when the broker tells it). */
  private async reportDurability(topic: string, replicas: number): Promise<void> {
    if (replicas < 2) {
      this.logger.warn('kafka topic has one replica: an acknowledged message lives on one broker only (production: replication factor 3, min.insync.replicas 2)', { topic, replicas });
      return;
    }
    try {
      const { resources } = await this.admin.describeConfigs({ resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['min.insync.replicas'] }], includeSynonyms: false });
      const minInsync = Number(resources[0]?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue);
      if (minInsync < 2) this.logger.warn('kafka topic has min.insync.replicas 1: acks from all in-sync replicas may be one copy (production: 2 of 3)', { topic, replicas, minInsync });
    } catch (error) {
      this.logger.debug('could not read min.insync.replicas of a topic', { topic, error: String(error) });
    }
  }

  // ---- consuming -----------------------------------------------------------

  private async addConsumer(topic: string, group: string, handler: ConsumerState['handler'], maxBatch: number): Promise<Subscription> {
    if (this.closing) throw new Error(`bus is closed: cannot subscribe to ${topic}`);
    if (this.consumers.some((c) => c.topic === topic && c.group === group && !c.stopping)) {
      throw new Error(`group ${group} already consumes ${topic} in this process`);
    }
    await this.connect();
    await this.ensureTopic(topic);
    const groupId = `${this.options.groupPrefix ?? ''}${group}`;
    const baseline = this.published.get(topic) ?? 0;
    const startAt = await this.uncommittedEnds(groupId, topic);

    const consumer = this.kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.options.fetchMaxWaitMs ?? 250,
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 3_000,
    });
    const state: ConsumerState = { topic, group, groupId, consumer, handler, maxBatch, baseline, handled: 0, stopping: null, stop: new AbortController(), startAt, seeking: null, lag: new Map() };
    this.consumers.push(state);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: false });
      let removeJoinListener = () => {};
      const joined = new Promise<boolean>((resolve) => {
        removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => resolve(true));
        setTimeout(() => resolve(false), this.options.joinTimeoutMs ?? 30_000).unref();
      });
      // Every join, rebalances included: a partition this member gets for the first time may need its start set.
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => void (state.seeking = this.seekToStart(state, payload.memberAssignment[topic] ?? [])));
      await consumer.run({
        // Resolved offsets are committed after every fetched batch (kafkajs does that itself), not per message.
        autoCommit: true,
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
   * The end offset now of each partition on which the group has no committed
   * offset: where the group starts on it (see `seekToStart`). Asked per
   * partition, so a group that committed on some partitions only still
   * starts the others here rather than at whatever end they have when first
   * fetched.
   */
  private async uncommittedEnds(groupId: string, topic: string): Promise<Map<number, string>> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    const without = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition));
    const ends = await this.admin.fetchTopicOffsets(topic);
    return new Map(ends.filter((p) => without.has(p.partition) || !committed).map((p) => [p.partition, p.high]));
  }

  /**
   * When the group assigns this member partitions: kafkajs would start one
   * without a committed offset at its end as of the first fetch, which may be
   * past its end as of `subscribe` (messages published in between would be
   * skipped). Seek such a partition to where it was at `subscribe` (kafkajs
   * commits a seek), unless the group has committed there meanwhile (another
   * member owned it). A batch already fetched from further on is then stale
   * and dropped, and fetched again from the seek. Batches wait for these
   * seeks (`state.seeking`): one handled before its seek landed would be
   * handled again from the seek.
   */
  private async seekToStart(state: ConsumerState, assigned: number[]): Promise<void> {
    const partitions = assigned.filter((p) => state.startAt.has(p));
    if (partitions.length === 0) return;
    try {
      const [committed] = await this.admin.fetchOffsets({ groupId: state.groupId, topics: [state.topic] });
      for (const partition of partitions) {
        const start = state.startAt.get(partition)!;
        state.startAt.delete(partition);
        if (Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1) >= 0) continue;
        state.consumer.seek({ topic: state.topic, partition, offset: start });
      }
    } catch (error) {
      this.logger.error('could not set where a new group starts: it may start at the end of the partition as of its first fetch', { topic: state.topic, groupId: state.groupId, error: String(error) });
    }
  }

  private stopConsumer(state: ConsumerState): Promise<void> {
    state.stopping ??= (async () => {
      state.stop.abort();
      // kafkajs stops fetching, waits for eachBatch (which returns after the chunk in flight), commits and leaves.
      await state.consumer.disconnect();
      const index = this.consumers.indexOf(state);
      if (index >= 0) this.consumers.splice(index, 1);
    })();
    return state.stopping;
  }

  private async consumeBatch(state: ConsumerState, payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    // A batch fetched before this join's start seeks landed is stale once they have (checked by active()).
    if (state.seeking) await state.seeking;
    const run: BatchRun = { lost: false, givenBack: false };
    // Behind by the whole batch while it is handled; by what came after it once it is.
    state.lag.set(batch.partition, Math.max(0, Number(batch.offsetLagLow())));
    const active = () => isRunning() && !isStale() && !state.stopping && !run.lost && !run.givenBack;
    // Heartbeats while handlers run: kafkajs itself sends them only between batches.
    const heartbeats = setInterval(() => void this.heartbeat(state, payload, run), this.options.heartbeatIntervalMs ?? 3_000);
    try {
      let pending: Pending[] = [];
      const flush = async () => {
        if (pending.length === 0) return;
        const chunk = pending;
        pending = [];
        await this.handleChunk(state, chunk, batch.partition, resolveOffset, run, active);
        await this.heartbeat(state, payload, run);
      };

      for (const raw of batch.messages) {
        // Stop after the chunk in flight; the rest stays uncommitted and is redelivered.
        if (!active()) return;
        const key = raw.key?.toString() ?? '';
        let value: unknown;
        try {
          value = (this.options.codec?.decode ?? decodeMessage)(batch.topic, raw.value);
        } catch (error) {
          // Keep order: hand over what came before the poison message first.
          await flush();
          if (!active()) return;
          if (!isPoison(error)) {
            // Readable later (written by a newer build): leave it uncommitted, and wait before it is fetched again.
            this.logger.error('message not readable by this build yet: left uncommitted, to be fetched again', { topic: state.topic, partition: batch.partition, offset: raw.offset, groupId: state.groupId, error: String(error) });
            await delay(this.options.maxRetryDelayMs ?? 5_000, undefined, { signal: state.stop.signal }).catch(() => {});
            run.givenBack = true;
            return;
          }
          if (!(await this.deadLetter(state, { topic: batch.topic, key, value: raw.value }, raw, batch.partition, error))) {
            run.givenBack = true;
            return;
          }
          resolveOffset(raw.offset);
          state.handled++;
          continue;
        }
        const headers = stringHeaders(raw.headers);
        pending.push({ message: headers ? { topic: batch.topic, key, value, headers } : { topic: batch.topic, key, value }, raw });
        if (pending.length >= state.maxBatch) await flush();
      }
      if (active()) await flush();
      if (active()) state.lag.set(batch.partition, Math.max(0, Number(batch.offsetLag())));
    } finally {
      clearInterval(heartbeats);
    }
  }

  /** One heartbeat if the interval has passed (kafkajs skips it otherwise); an answer that the group rebalances marks the partition lost. */
  private async heartbeat(state: ConsumerState, payload: EachBatchPayload, run: BatchRun): Promise<void> {
    try {
      await payload.heartbeat();
    } catch (error) {
      const type = (error as { type?: string }).type ?? '';
      if (!LOST_PARTITIONS.has(type)) {
        this.logger.debug('heartbeat failed', { topic: state.topic, groupId: state.groupId, error: String(error) });
        return;
      }
      if (!run.lost) this.logger.warn('partition lost to a rebalance while handling a batch: its new owner starts from the last commit', { topic: state.topic, partition: payload.batch.partition, groupId: state.groupId, type });
      run.lost = true;
    }
  }

  /**
   * Hands a chunk to the handler. When it fails, retries message by message:
   * each until handled, dead-lettered (poison) or given back uncommitted
   * (still failing, abandoned, or the consumer stopped), which ends the batch.
   */
  private async handleChunk(
    state: ConsumerState,
    chunk: Pending[],
    partition: number,
    resolveOffset: (offset: string) => void,
    run: BatchRun,
    active: () => boolean,
  ): Promise<void> {
    let failed: { error: unknown } | undefined;
    try {
      await state.handler(chunk.map((p) => p.message));
      resolveOffset(chunk[chunk.length - 1].raw.offset);
      state.handled += chunk.length;
      return;
    } catch (error) {
      failed = { error };
    }
    const policy: RetryPolicy = {
      attempts: this.options.handlerAttempts ?? 5,
      firstDelayMs: this.options.retryDelayMs ?? 200,
      maxDelayMs: this.options.maxRetryDelayMs ?? 5_000,
      active,
      sleep: (ms) => delay(ms, undefined, { signal: state.stop.signal }).catch(() => {}),
      onRetry: (error, attempt) => this.logger.warn('handler failed, retrying', { topic: state.topic, partition, groupId: state.groupId, attempt, error: String(error) }),
    };
    for (const { message, raw } of chunk) {
      const delivery = await deliver(() => state.handler([message]), policy, chunk.length === 1 ? failed : undefined);
      if (delivery.outcome === 'poison' && (await this.deadLetter(state, message, raw, partition, delivery.error))) {
        resolveOffset(raw.offset);
        state.handled++;
        continue;
      }
      if (delivery.outcome === 'handled') {
        resolveOffset(raw.offset);
        state.handled++;
        continue;
      }
      if (delivery.outcome === 'retry-later' && !state.stopping && !run.lost) {
        this.logger.error('handler still failing: message left uncommitted, to be fetched again', { topic: state.topic, partition, offset: raw.offset, groupId: state.groupId, error: String(delivery.error) });
      }
      run.givenBack = true;
      return;
    }
  }

  /**
   * Writes the original message (key, value, headers) to the dead-letter
   * topic with headers saying why, then tells the listeners. False when the
   * write failed: the message is then left uncommitted.
   */
  private async deadLetter(state: ConsumerState, message: BusMessage, raw: KafkaMessage, partition: number, error: unknown): Promise<boolean> {
    const reason = error instanceof Error ? error.message : String(error);
    const code = error instanceof MessageError ? error.reason : 'handler_error';
    const headers: IHeaders = {
      ...raw.headers,
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.code]: code,
      [DEAD_LETTER_HEADERS.sourceTopic]: state.topic,
      [DEAD_LETTER_HEADERS.partition]: String(partition),
      [DEAD_LETTER_HEADERS.offset]: raw.offset,
      [DEAD_LETTER_HEADERS.group]: state.groupId,
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    };
    try {
      await this.send(this.options.deadLetterTopic, { key: raw.key, value: raw.value, headers });
    } catch (sendError) {
      this.logger.error('dead-letter write failed: message left uncommitted, to be fetched again', { topic: state.topic, partition, offset: raw.offset, error: String(sendError) });
      return false;
    }
    this.logger.warn('message dead-lettered', { topic: state.topic, partition, offset: raw.offset, group: state.groupId, code, reason });
    for (const listener of this.deadLetterListeners) {
      try {
        listener({ message, group: state.group, reason });
      } catch (listenerError) {
        this.logger.error('dead-letter listener failed', { error: String(listenerError) });
      }
    }
    return true;
  }
}

/** A Kafka message's headers as strings (the trace context among them), or undefined when it has none. */
function stringHeaders(headers: IHeaders | undefined): Record<string, string> | undefined {
  if (!headers) return undefined;
  let out: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    (out ??= {})[name] = first.toString();
  }
  return out;
}
