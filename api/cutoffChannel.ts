/**
 * Token cut-offs (logoutEverywhere, a role change: users.tokens_valid_after)
 * told to every API replica over Redis pub/sub, so each closes that user's
 * WebSockets signed in with an access token issued before the cut-off, as the
 * replica that made it does, and refuses those tokens at once instead of
 * after AUTH_TOKEN_CUTOFF_CACHE_SECONDS.
 *
 * Pub/sub is at-most-once: a replica that misses a message (Redis away)
 * still refuses the tokens within AUTH_TOKEN_CUTOFF_CACHE_SECONDS, and an
 * open WebSocket at its next operation (api/installAuth.ts). The replica that
 * publishes also receives its own message; applying a cut-off twice is
 * harmless.
 */
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient, type RedisClientOptions } from './redisPubSub.ts';

export const CUTOFF_CHANNEL = 'options:auth:tokens-cut-off';

export interface CutoffChannel {
  /** Tells every replica (this one included) that `userId`'s access tokens issued before `atMs` are cut off. */
  publish(userId: string, atMs: number): void;
  /** Called with every cut-off any replica publishes. */
  onCutoff(listener: (userId: string, atMs: number) => void): void;
  /** Resolves once this replica listens (tests; Redis may be away at start, so the app does not wait for it). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface CutoffChannelOptions {
  /** Publishes (a fail-fast client, shared with other uses). */
  publisher: Redis;
  connectionName?: string;
  onState?: RedisClientOptions['onState'];
  /** A publish that failed, or a message that did not parse. */
  onError?: (error: unknown) => void;
}

/** A channel through Redis at `redisUrl`: a subscriber connection of its own, re-subscribed on reconnect. */
export function createCutoffChannel(redisUrl: string, options: CutoffChannelOptions): CutoffChannel {
  const onError = options.onError ?? (() => {});
  const subscriber = createRedisClient(redisUrl, options.connectionName ?? 'auth-cutoffs', { onState: options.onState });
  const listeners: ((userId: string, atMs: number) => void)[] = [];
  subscriber.on('message', (channel: string, message: string) => {
    if (channel !== CUTOFF_CHANNEL) return;
    try {
      const { userId, atMs } = JSON.parse(message) as { userId?: unknown; atMs?: unknown };
      if (typeof userId !== 'string' || typeof atMs !== 'number' || !Number.isFinite(atMs)) throw new Error(`not a cut-off: ${message.slice(0, 200)}`);
      for (const listener of listeners) listener(userId, atMs);
    } catch (error) {
      onError(error);
    }
  });
  const subscribed = subscriber.subscribe(CUTOFF_CHANNEL).then(() => {});
  subscribed.catch(onError);
  return {
    publish(userId, atMs) {
      options.publisher.publish(CUTOFF_CHANNEL, JSON.stringify({ userId, atMs })).catch(onError);
    },
    onCutoff(listener) {
      listeners.push(listener);
    },
    ready: () => subscribed,
    close: () => closeRedisClient(subscriber),
  };
}
