/**
 * Places under a cap held by long-lived things: a signed-in user's
 * WebSockets (its plan's maxConnections), a caller's open subscriptions (its
 * plan's maxSubscriptions). `acquire(key, limit)` takes one of `limit` places
 * of `key`, or answers null when all are taken; the holder releases it when
 * the thing ends (release is idempotent).
 *
 * MemoryLeases counts on this process (embedded). RedisLeases counts in Redis
 * so every API replica on one Redis enforces one cap: each key is a sorted
 * set of lease ids scored by their expiry (Redis' own clock), taken
 * atomically by one script that first drops the expired ones. The replica
 * holding a lease pushes its expiry on every `ttlMs / 3`, so a replica that
 * crashes (or loses Redis) without releasing its leases has them expire
 * within `ttlMs`, and the key itself expires with its last lease. While
 * Redis is away a lease is counted here in memory instead (the cap then
 * holds per replica), and told to `onError`.
 */
import type { Redis } from 'ioredis';

export interface Lease {
  release(): void;
}

export interface Leases {
  /** One of `limit` places of `key`, or null when all are taken. */
  acquire(key: string, limit: number): Lease | null | Promise<Lease | null>;
  /** Places of `key` held now (by every replica, for RedisLeases). */
  count(key: string): number | Promise<number>;
  /** Releases every lease held here and stops refreshing them. */
  close(): Promise<void>;
}

export class MemoryLeases implements Leases {
  private readonly held = new Map<string, number>();

  acquire(key: string, limit: number): Lease | null {
    const count = this.held.get(key) ?? 0;
    if (count >= limit) return null;
    this.held.set(key, count + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = this.held.get(key)! - 1;
        if (left > 0) this.held.set(key, left);
        else this.held.delete(key);
      },
    };
  }

  count(key: string): number {
    return this.held.get(key) ?? 0;
  }

  /** Keys with a place held (a key with none is forgotten). */
  get keys(): number {
    return this.held.size;
  }

  async close(): Promise<void> {
    this.held.clear();
  }
}

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** KEYS[1] the set; ARGV ttl ms, limit, lease id. 1 when taken. */
const ACQUIRE_SCRIPT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[3])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

/** KEYS[1] the set; ARGV ttl ms, then the lease ids held by the caller: each expires ttl from now (re-added if lost, e.g. after a Redis restart). */
const REFRESH_SCRIPT = `${NOW}
local expiry = now + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], expiry, ARGV[i]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

const COUNT_SCRIPT = `${NOW}
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;

export interface RedisLeasesOptions {
  /** A lease not refreshed for this long expires, ms (refreshed every third of it). */
  ttlMs: number;
  prefix?: string;
  /** Redis away: a lease counted in memory instead, or a refresh missed. */
  onError?: (error: unknown) => void;
}

export class RedisLeases implements Leases {
  /** Key → the ids of the leases held by this process. */
  private readonly held = new Map<string, Set<string>>();
  private readonly fallback = new MemoryLeases();
  private readonly tag = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  private sequence = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly prefix: string;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisLeasesOptions,
  ) {
    this.prefix = options.prefix ?? 'lease:';
    this.onError = options.onError ?? (() => {});
    this.timer = setInterval(() => void this.refresh(), Math.max(1, Math.floor(options.ttlMs / 3)));
    this.timer.unref();
  }

  async acquire(key: string, limit: number): Promise<Lease | null> {
    if (limit <= 0) return null;
    const id = `${this.tag}:${this.sequence++}`;
    try {
      if ((await this.redis.eval(ACQUIRE_SCRIPT, 1, this.prefix + key, this.options.ttlMs, limit, id)) !== 1) return null;
    } catch (error) {
      this.onError(error);
      return this.fallback.acquire(key, limit);
    }
    const ids = this.held.get(key) ?? new Set<string>();
    ids.add(id);
    this.held.set(key, ids);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        ids.delete(id);
        if (ids.size === 0 && this.held.get(key) === ids) this.held.delete(key);
        // Not released (Redis away): it expires within ttlMs, as it is no longer refreshed.
        this.redis.zrem(this.prefix + key, id).catch(() => {});
      },
    };
  }

  async count(key: string): Promise<number> {
    return Number(await this.redis.eval(COUNT_SCRIPT, 1, this.prefix + key));
  }

  /** Pushes the expiry of every lease held here (one round trip for all keys). */
  async refresh(): Promise<void> {
    if (this.held.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, ids] of this.held) pipeline.eval(REFRESH_SCRIPT, 1, this.prefix + key, this.options.ttlMs, ...ids);
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) this.onError(failed[0]);
    } catch (error) {
      this.onError(error);
    }
  }

  /** Leases held by this process, in Redis. */
  get heldHere(): number {
    let count = 0;
    for (const ids of this.held.values()) count += ids.size;
    return count;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    if (this.held.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [key, ids] of this.held) pipeline.zrem(this.prefix + key, ...ids);
    this.held.clear();
    await pipeline.exec().catch(() => {});
  }
}
