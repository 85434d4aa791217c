/**
 * The API's pub/sub for live chain updates. Without Redis it is graphql-yoga's
 * in-process pub/sub (one API process sees what it publishes); with a Redis URL
 * every API replica publishes to and subscribes through Redis, so a snapshot
 * published by one replica reaches the subscribers of all of them.
 *
 * Payloads cross Redis as JSON: an EnrichedSnapshot is plain JSON (epoch-ms
 * numbers, no Dates), so it arrives exactly as it was published.
 *
 * A Redis restart does not end live subscriptions: both clients reconnect with
 * backoff, the subscriber re-subscribes its channels on reconnect
 * (`autoResubscribe`), and commands issued while disconnected wait in the
 * offline queue (`maxRetriesPerRequest: null`) instead of failing. Messages
 * published while the subscriber is disconnected are lost (Redis pub/sub is
 * at-most-once); the next snapshot, a second later, replaces them.
 */
import { Redis } from 'ioredis';
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { ChainPubSub } from '../schema/builder.ts';

type ChainTopics = { 'chain:updated': [key: string, snapshot: EnrichedSnapshot] };

/** Reconnect delay after the n-th failed attempt: 50 ms, 100 ms, … capped at 2 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.max(0, attempt - 1), 2_000);
}

/**
 * A Redis client that survives server restarts: unlimited retries per command
 * (commands wait for the reconnect), exponential reconnect backoff, channels
 * re-subscribed on reconnect. Connects immediately.
 */
export function createRedisClient(url: string, connectionName?: string): Redis {
  const client = new Redis(url, {
    connectionName,
    lazyConnect: false,
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    autoResubscribe: true,
    autoResendUnfulfilledCommands: true,
    retryStrategy: reconnectDelayMs,
  });
  // Connection errors are retried by the client; without a listener Node would
  // print each one as an unhandled 'error' event.
  client.on('error', () => {});
  return client;
}

/**
 * Resolves once the client answers PING; rejects after `timeoutMs` naming the
 * URL, so a process (or a test) with a configured but dead Redis fails fast
 * instead of queueing commands forever.
 */
export async function waitForRedis(client: Redis, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const { host, port } = client.options;
      reject(new Error(`Redis at ${host}:${port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([client.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Quits a client politely, or disconnects it when the server is unreachable. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

export interface ChainPubSubHandle {
  pubsub: ChainPubSub;
  /** 'redis' when replicas share updates through Redis, else 'memory'. */
  kind: 'redis' | 'memory';
  /** Resolves when Redis answers (immediately in memory); rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The chain pub/sub: through Redis when `redisUrl` is given, else in-process.
 * `connectionName` prefixes the two clients' names in CLIENT LIST.
 */
export function createChainPubSub(redisUrl?: string, options: { connectionName?: string } = {}): ChainPubSubHandle {
  if (!redisUrl) {
    return {
      pubsub: createPubSub<ChainTopics>(),
      kind: 'memory',
      ready: async () => {},
      close: async () => {},
    };
  }
  const name = options.connectionName ?? 'chain-pubsub';
  const publishClient = createRedisClient(redisUrl, `${name}-publish`);
  const subscribeClient = createRedisClient(redisUrl, `${name}-subscribe`);
  const pubsub = createPubSub<ChainTopics>({ eventTarget: createRedisEventTarget({ publishClient, subscribeClient }) });
  return {
    pubsub,
    kind: 'redis',
    ready: async (timeoutMs = 5_000) => {
      await Promise.all([waitForRedis(publishClient, timeoutMs), waitForRedis(subscribeClient, timeoutMs)]);
    },
    close: async () => {
      await Promise.all([closeRedisClient(publishClient), closeRedisClient(subscribeClient)]);
    },
  };
}
