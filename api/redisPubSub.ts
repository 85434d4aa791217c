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
 * backoff and the subscriber re-subscribes its channels on reconnect
 * (`autoResubscribe`). Publishing fails fast while Redis is away (no offline
 * queue, so nothing piles up in memory and nothing upstream waits): those
 * updates are lost, as Redis pub/sub is at-most-once anyway, and the next
 * snapshot, a second later, replaces them.
 */
import { Redis } from 'ioredis';
import { createPubSub } from 'graphql-yoga';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { ChainPubSub, LiveTopics } from '../schema/builder.ts';

type ChainTopics = LiveTopics;

/** Reconnect delay after the n-th failed attempt: 50 ms, 100 ms, … capped at 2 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * 2 ** Math.max(0, attempt - 1), 2_000);
}

/** A fail-fast command gives up after this long on a connection that stopped answering (a blackholed server). */
export const REDIS_COMMAND_TIMEOUT_MS = 1_000;

export interface RedisClientOptions {
  /**
   * Commands fail at once while disconnected and after REDIS_COMMAND_TIMEOUT_MS
   * on a silent connection, instead of waiting for the reconnect: for
   * everything Redis only helps with (cache, de-duplication, publishing),
   * so an outage degrades service instead of stalling it. Without it
   * (subscribers), commands wait in the offline queue for the reconnect.
   */
  failFast?: boolean;
  /** Told when the connection becomes ready, and when it is lost (with the reason). */
  onState?: (up: boolean, reason?: string) => void;
}

/**
 * A Redis client that survives server restarts: exponential reconnect
 * backoff, channels re-subscribed on reconnect. Connects immediately.
 */
export function createRedisClient(url: string, connectionName?: string, options: RedisClientOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName,
    lazyConnect: false,
    ...(options.failFast
      ? { maxRetriesPerRequest: 0, enableOfflineQueue: false, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, autoResendUnfulfilledCommands: false }
      : { maxRetriesPerRequest: null, enableOfflineQueue: true, autoResendUnfulfilledCommands: true }),
    autoResubscribe: true,
    retryStrategy: reconnectDelayMs,
  });
  let lastError: string | undefined;
  // Connection errors are retried by the client; without a listener Node would
  // print each one as an unhandled 'error' event.
  client.on('error', (error: Error) => {
    lastError = error.message || (error as NodeJS.ErrnoException).code || String(error);
  });
  if (options.onState) {
    const onState = options.onState;
    client.on('ready', () => onState(true));
    client.on('close', () => onState(false, lastError ?? 'connection closed'));
  }
  return client;
}

/**
 * Resolves once the client answers PING; rejects after `timeoutMs` naming the
 * URL, so a process (or a test) with a configured but dead Redis fails fast
 * instead of queueing commands forever.
 */
export async function waitForRedis(client: Redis, timeoutMs = 5_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let onReady = () => {};
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const { host, port } = client.options;
      reject(new Error(`Redis at ${host}:${port} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    // A fail-fast client refuses commands until connected: wait for the connection first.
    if (client.status !== 'ready') await Promise.race([new Promise<void>((resolve) => client.once('ready', (onReady = resolve))), timeout]);
    await Promise.race([client.ping(), timeout]);
  } finally {
    clearTimeout(timer);
    client.off('ready', onReady);
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
  /** Updates that could not be published (Redis away), since start. */
  failedPublishes(): number;
  close(): Promise<void>;
}

/**
 * The chain pub/sub: through Redis when `redisUrl` is given, else in-process.
 * `connectionName` prefixes the two clients' names in CLIENT LIST.
 */
export function createChainPubSub(redisUrl?: string, options: { connectionName?: string; onState?: RedisClientOptions['onState'] } = {}): ChainPubSubHandle {
  if (!redisUrl) {
    return {
      pubsub: createPubSub<ChainTopics>(),
      kind: 'memory',
      ready: async () => {},
      failedPublishes: () => 0,
      close: async () => {},
    };
  }
  const name = options.connectionName ?? 'chain-pubsub';
  const publishClient = createRedisClient(redisUrl, `${name}-publish`, { failFast: true, onState: options.onState });
  const subscribeClient = createRedisClient(redisUrl, `${name}-subscribe`, { onState: options.onState });
  // The event target publishes without awaiting: a failed publish (Redis
  // away) must not become an unhandled rejection.
  let failedPublishes = 0;
  const publisher = {
    publish: (channel: string, message: string) =>
      publishClient.publish(channel, message).catch(() => {
        failedPublishes++;
        return 0;
      }),
  } as unknown as Redis;
  const pubsub = createPubSub<ChainTopics>({ eventTarget: createRedisEventTarget({ publishClient: publisher, subscribeClient }) });
  return {
    pubsub,
    kind: 'redis',
    failedPublishes: () => failedPublishes,
    ready: async (timeoutMs = 5_000) => {
      await Promise.all([waitForRedis(publishClient, timeoutMs), waitForRedis(subscribeClient, timeoutMs)]);
    },
    close: async () => {
      await Promise.all([closeRedisClient(publishClient), closeRedisClient(subscribeClient)]);
    },
  };
}
