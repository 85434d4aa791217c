/**
 * De-duplication of source snapshots: a snapshot is a repeat when it is the
 * same as the last one *stored* for its stream (same source, symbol and
 * expiry, same id) within a short window. A source's id names its content
 * (Dhan: a hash of the payload; the simulator: the simulated instant;
 * replay: the recorded id), so a poller that gets an unchanged chain back
 * stores it once per window instead of once per poll.
 *
 * Why "the last stored" and not "ever seen":
 * - A → B → A stores all three: the market went back, that is history, not a
 *   repeat (keying on every id seen for a day dropped such snapshots);
 * - a snapshot counts as seen only once the storage role has stored it
 *   (`markStored`), so one lost in a crash before it was stored is never
 *   mistaken for a repeat when the source or a replay sends it again;
 * - after the window an unchanged chain is stored again, so a quiet market
 *   still shows in the time series.
 *
 * Two ingesters of the same feed converge through Redis (one key per
 * stream). Redis is an aid, not a dependency: every Redis call fails fast,
 * and then the answer comes from this process's own memory of what it stored,
 * with the degradation reported in `status()`.
 */
import type { Redis } from 'ioredis';

export interface DedupeStatus {
  kind: 'memory' | 'redis';
  /** Why the shared memory is not in use right now (Redis unreachable), else null. */
  degraded: string | null;
  /** Redis calls that failed and were answered from local memory instead. */
  redisFailures: number;
}

export interface Deduper {
  /** True when `id` is the last stored snapshot of `stream` within the window: skip it. */
  isRepeat(stream: string, id: string): Promise<boolean>;
  /** Records snapshots just stored as the last of their streams. Never throws. */
  markStored(entries: readonly { stream: string; id: string }[]): Promise<void>;
  status(): DedupeStatus;
}

/** The stream a snapshot belongs to: repeats are judged within it. */
export function streamOf(snapshot: { source: string; symbol: string; expiry: string }): string {
  return `${snapshot.source}:${snapshot.symbol}:${snapshot.expiry}`;
}

/** How long a stored snapshot counts as "the last" for repeats (five minutes). */
export const DEFAULT_DEDUPE_WINDOW_SECONDS = 300;

export interface DedupeOptions {
  /** Seconds a stored id counts for repeats (default five minutes). */
  windowSeconds?: number;
  /** Redis key prefix (default `dedupe:last:`); tests use a unique one. */
  prefix?: string;
  now?: () => number;
}

/** One process's memory of the last stored id per stream (streams are few: symbols × expiries × sources). */
export class MemoryDeduper implements Deduper {
  private readonly last = new Map<string, { id: string; expiresAt: number }>();
  private readonly windowMs: number;
  private readonly maxStreams: number;
  private readonly now: () => number;

  constructor(options: { windowSeconds?: number; maxStreams?: number; now?: () => number } = {}) {
    this.windowMs = (options.windowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS) * 1000;
    this.maxStreams = options.maxStreams ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async isRepeat(stream: string, id: string): Promise<boolean> {
    return this.isRepeatNow(stream, id);
  }

  isRepeatNow(stream: string, id: string): boolean {
    const entry = this.last.get(stream);
    return entry !== undefined && entry.id === id && entry.expiresAt > this.now();
  }

  async markStored(entries: readonly { stream: string; id: string }[]): Promise<void> {
    const expiresAt = this.now() + this.windowMs;
    for (const { stream, id } of entries) {
      this.last.delete(stream);
      this.last.set(stream, { id, expiresAt });
    }
    // Map order is update order: the streams not stored longest go first.
    while (this.last.size > this.maxStreams) this.last.delete(this.last.keys().next().value as string);
  }

  status(): DedupeStatus {
    return { kind: 'memory', degraded: null, redisFailures: 0 };
  }
}

/**
 * Shared through Redis (`GET` / `SET … PX window` of one key per stream),
 * with this process's memory behind it. The client must fail fast (no
 * offline queue, a command timeout: see createRedisClient's `failFast`);
 * it is owned by the caller.
 */
export class RedisDeduper implements Deduper {
  private readonly local: MemoryDeduper;
  private readonly windowMs: number;
  private readonly prefix: string;
  private failures = 0;
  private degraded: string | null = null;

  constructor(
    private readonly redis: Pick<Redis, 'get' | 'pipeline'>,
    options: DedupeOptions = {},
  ) {
    this.local = new MemoryDeduper({ windowSeconds: options.windowSeconds, now: options.now });
    this.windowMs = Math.max(1, Math.round((options.windowSeconds ?? DEFAULT_DEDUPE_WINDOW_SECONDS) * 1000));
    this.prefix = options.prefix ?? 'dedupe:last:';
  }

  async isRepeat(stream: string, id: string): Promise<boolean> {
    try {
      const last = await this.redis.get(this.prefix + stream);
      this.degraded = null;
      return last === id;
    } catch (error) {
      this.fail(error);
      return this.local.isRepeatNow(stream, id);
    }
  }

  async markStored(entries: readonly { stream: string; id: string }[]): Promise<void> {
    await this.local.markStored(entries);
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { stream, id } of entries) pipeline.set(this.prefix + stream, id, 'PX', this.windowMs);
    try {
      const replies = (await pipeline.exec()) ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
      this.degraded = null;
    } catch (error) {
      this.fail(error);
    }
  }

  status(): DedupeStatus {
    return { kind: 'redis', degraded: this.degraded, redisFailures: this.failures };
  }

  private fail(error: unknown): void {
    this.failures++;
    this.degraded = `Redis unavailable (${error instanceof Error ? error.message : String(error)}): de-duplicating from this process's memory`;
  }
}
