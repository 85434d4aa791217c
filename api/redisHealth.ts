/**
 * One view of this process's Redis connections for /readyz and the logs:
 * every client created with `track()` reports when it connects and when it
 * loses its connection, and the monitor logs the transitions once (not every
 * reconnect attempt), so an unreachable Redis is named at once at start-up
 * and again when it comes back, while the process carries on degraded.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../core/log.ts';
import { REDIS_COMMAND_TIMEOUT_MS, closeRedisClient, createRedisClient, type RedisClientOptions } from './redisPubSub.ts';

export class RedisMonitor {
  /** Connections not up right now, by name, with the reason. */
  private readonly downReasons = new Map<string, string>();
  private readonly everUp = new Set<string>();
  private reported = false;
  private probe: Redis | undefined;
  readonly location: string;

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {
    this.location = describe(url);
  }

  /** The `onState` option for a client named `name`. */
  track(name: string): NonNullable<RedisClientOptions['onState']> {
    // Until a connection comes up it counts as down: a Redis that never answers is reported too.
    this.downReasons.set(name, 'connecting');
    return (up, reason) => {
      if (up) {
        this.everUp.add(name);
        this.downReasons.delete(name);
        if (this.downReasons.size === 0 && this.reported) {
          this.reported = false;
          this.log.info('redis reachable again: cache, de-duplication and live updates back to normal', { redis: this.location });
        }
        return;
      }
      this.downReasons.set(name, reason ?? 'connection lost');
      if (!this.reported) {
        this.reported = true;
        this.log.warn('redis unreachable: running degraded (cache from memory, de-duplication per process, live updates paused); retrying in the background', {
          redis: this.location,
          reason,
        });
      }
    };
  }

  /** Why some connection is down (null when all are up). */
  down(): string | null {
    for (const [name, reason] of this.downReasons) return `${name}: ${reason}`;
    return null;
  }

  /** PING on a fail-fast connection of its own. */
  async ping(): Promise<void> {
    this.probe ??= createRedisClient(this.url, 'options-readyz', { failFast: true });
    await this.probe.ping();
  }

  /** Logs at once when Redis has not answered within `timeoutMs` of start-up. */
  warnIfSilent(timeoutMs = REDIS_COMMAND_TIMEOUT_MS * 2): void {
    setTimeout(() => {
      if (this.everUp.size === 0 && !this.reported && this.downReasons.size > 0) {
        this.reported = true;
        this.log.warn('redis has not answered since start-up: running degraded; retrying in the background', { redis: this.location, reason: this.down() });
      }
    }, timeoutMs).unref();
  }

  async close(): Promise<void> {
    if (this.probe) await closeRedisClient(this.probe);
  }
}

/** host:port of a Redis URL, without credentials. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return '(unparseable URL)';
  }
}
