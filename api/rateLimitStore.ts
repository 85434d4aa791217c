/**
 * The rate limiter's memory (a Store of @envelop/rate-limiter) as an
 * admission counter: `getForIdentity` itself decides, atomically, whether a
 * call is let in, and counts it only then (so refused calls are not counted
 * and a client that keeps hammering is let in again once its window has
 * room). The limiter is configured with max 1 and told "no calls yet" for an
 * admitted call and "one call" for a refused one; `setForIdentity` does
 * nothing. This lets each caller have its own limit (its plan's; see
 * installRateLimits), carried in the identity as `<limit>|<who>`, and lets
 * the count live in Redis, where two API replicas racing on one client
 * cannot both take the last place (the package's own RedisStore reads, then
 * writes).
 *
 * Both keep a sliding log of call times per client and field, holding at
 * most `limit` entries each: MemoryAdmissions for at most `maxClients`
 * client-field pairs (the least recently seen forgotten first),
 * RedisAdmissions in a sorted set per pair that expires with its window.
 */
import type { Identity, Store } from '@envelop/rate-limiter';
import type { Redis } from 'ioredis';

export interface Admissions {
  /** Whether one more call of `key` fits `limit` calls per `windowMs`; counted when it does. */
  admit(key: string, limit: number, windowMs: number): boolean | Promise<boolean>;
}

/** `<limit>|<who>`: the identity the limiter is told, with the caller's own limit (0: none). */
export function rateLimitIdentity(limit: number, who: string): string {
  return `${limit}|${who}`;
}

export function limitOf(contextIdentity: string): number {
  return Number(contextIdentity.slice(0, contextIdentity.indexOf('|')));
}

export class AdmissionStore implements Store {
  constructor(
    private readonly admissions: Admissions,
    private readonly windowMs: number,
  ) {}

  getForIdentity(identity: Identity): readonly number[] | Promise<readonly number[]> {
    const limit = limitOf(identity.contextIdentity);
    if (!(limit > 0)) return [];
    const admitted = this.admissions.admit(`${identity.contextIdentity.slice(identity.contextIdentity.indexOf('|') + 1)}:${identity.fieldIdentity}`, limit, this.windowMs);
    return typeof admitted === 'boolean' ? (admitted ? [] : [Date.now()]) : admitted.then((ok) => (ok ? [] : [Date.now()]));
  }

  setForIdentity(): void {}
}

export class MemoryAdmissions implements Admissions {
  /** Key → call times, oldest first; a Map iterates in insertion order, so the first key is the least recently seen. */
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly maxClients: number,
    private readonly now: () => number = Date.now,
  ) {}

  admit(key: string, limit: number, windowMs: number): boolean {
    const now = this.now();
    let times = this.calls.get(key);
    if (times) this.calls.delete(key);
    else {
      times = [];
      while (this.calls.size >= this.maxClients) this.calls.delete(this.calls.keys().next().value!);
    }
    this.calls.set(key, times);
    let expired = 0;
    while (expired < times.length && times[expired] + windowMs <= now) expired++;
    if (expired) times.splice(0, expired);
    if (times.length >= limit) return false;
    times.push(now);
    return true;
  }

  /** Client-field pairs remembered now. */
  get size(): number {
    return this.calls.size;
  }
}

/**
 * Trim the window, count, add when there is room: one script, so atomic
 * across every API replica. Times are Redis' own clock (TIME), so replicas'
 * clocks need not agree.
 */
const ADMIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return 1`;

export class RedisAdmissions implements Admissions {
  private sequence = 0;
  private readonly tag = Math.random().toString(36).slice(2, 10);

  /** `onError`: Redis away; the call is let in (the limit is a guard, not a reason to stop serving). */
  constructor(
    private readonly redis: Redis,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly prefix = 'ratelimit:',
  ) {}

  async admit(key: string, limit: number, windowMs: number): Promise<boolean> {
    try {
      const member = `${this.tag}:${this.sequence++}`;
      return (await this.redis.eval(ADMIT_SCRIPT, 1, this.prefix + key, windowMs, limit, member)) === 1;
    } catch (error) {
      this.onError(error);
      return true;
    }
  }
}
