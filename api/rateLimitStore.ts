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
 *
 * Beside them, the cost budgets (CostBudgets): per caller, the cost points
 * its operations spent over a sliding window, in memory (MemoryCostBudgets,
 * at most `maxClients` callers) or in Redis (RedisCostBudgets), with the
 * same rules: a spend that does not fit is refused and not counted.
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

/** `key`'s entry (made when new, the least recently seen forgotten to keep at most `max`), moved last: a Map iterates in insertion order. */
function seenNow<V>(map: Map<string, V>, key: string, make: () => V, max: number): V {
  let entry = map.get(key);
  if (entry !== undefined) map.delete(key);
  else {
    entry = make();
    while (map.size >= max) map.delete(map.keys().next().value!);
  }
  map.set(key, entry);
  return entry;
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
    const times = seenNow(this.calls, key, () => [], this.maxClients);
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

/** What spending from a cost budget came to: the points left after it (before it, when refused), and when refused how long until it would fit. */
export type Spend = { admitted: true; remaining: number } | { admitted: false; remaining: number; retryAfterMs: number };

/**
 * Per-caller cost budgets: `budget` points per sliding `windowMs`, spent by
 * each operation's cost. An operation whose cost would overspend is refused
 * and not counted; the refusal says how long until enough of the spent
 * points have left the window (the whole window when the cost exceeds the
 * budget itself). Kept beside the call counts: in memory, or in Redis.
 */
export interface CostBudgets {
  spend(key: string, cost: number, budget: number, windowMs: number): Spend | Promise<Spend>;
}

/** When enough of `spends` (oldest first) leaves the window for `cost` to fit: ms from `now`. */
function waitForRoom(spends: readonly { at: number; cost: number }[], spent: number, cost: number, budget: number, windowMs: number, now: number): number {
  if (cost > budget) return windowMs;
  let freed = 0;
  for (const spend of spends) {
    freed += spend.cost;
    if (spent - freed + cost <= budget) return Math.max(1, spend.at + windowMs - now);
  }
  return windowMs;
}

export class MemoryCostBudgets implements CostBudgets {
  /** Key → its spends, oldest first, and their sum; the first key is the least recently seen. */
  private readonly ledgers = new Map<string, { spends: { at: number; cost: number }[]; spent: number }>();

  constructor(
    private readonly maxClients: number,
    private readonly now: () => number = Date.now,
  ) {}

  spend(key: string, cost: number, budget: number, windowMs: number): Spend {
    const now = this.now();
    const ledger = seenNow(this.ledgers, key, () => ({ spends: [], spent: 0 }), this.maxClients);
    const { spends } = ledger;
    let expired = 0;
    while (expired < spends.length && spends[expired].at + windowMs <= now) ledger.spent -= spends[expired++].cost;
    if (expired) spends.splice(0, expired);
    if (ledger.spent + cost > budget) return { admitted: false, remaining: budget - ledger.spent, retryAfterMs: waitForRoom(spends, ledger.spent, cost, budget, windowMs, now) };
    spends.push({ at: now, cost });
    ledger.spent += cost;
    return { admitted: true, remaining: budget - ledger.spent };
  }

  /** Callers remembered now. */
  get size(): number {
    return this.ledgers.size;
  }
}

/**
 * The cost budget in Redis, one script so atomic across every API replica:
 * the spends in a sorted set scored by Redis' own clock (members
 * `<cost>:<unique>`), their sum beside it; both expire with the window.
 * Returns {admitted, remaining, retryAfterMs}.
 */
const SPEND_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local spent = tonumber(redis.call('GET', KEYS[2]) or '0')
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - window)
if #expired > 0 then
  for _, member in ipairs(expired) do spent = spent - tonumber(string.match(member, '^(%d+):')) end
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
end
if spent < 0 or redis.call('ZCARD', KEYS[1]) == 0 then spent = 0 end
if spent + cost > budget then
  local retry = window
  if cost <= budget then
    local spends = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
    local freed = 0
    for i = 1, #spends, 2 do
      freed = freed + tonumber(string.match(spends[i], '^(%d+):'))
      if spent - freed + cost <= budget then
        retry = math.max(1, tonumber(spends[i + 1]) + window - now)
        break
      end
    end
  end
  if #expired > 0 then redis.call('SET', KEYS[2], spent, 'PX', window) end
  return {0, budget - spent, retry}
end
redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
redis.call('SET', KEYS[2], spent + cost, 'PX', window)
return {1, budget - spent - cost, 0}`;

export class RedisCostBudgets implements CostBudgets {
  private sequence = 0;
  private readonly tag = Math.random().toString(36).slice(2, 10);

  /** `onError`: Redis away; the operation is let in (as the call counts do). */
  constructor(
    private readonly redis: Redis,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly prefix = 'ratelimit-cost:',
  ) {}

  async spend(key: string, cost: number, budget: number, windowMs: number): Promise<Spend> {
    try {
      // One hash slot for both keys (Redis Cluster).
      const base = `${this.prefix}{${key}}`;
      const [admitted, remaining, retryAfterMs] = (await this.redis.eval(SPEND_SCRIPT, 2, base, `${base}:spent`, windowMs, budget, cost, `${this.tag}:${this.sequence++}`)) as [number, number, number];
      return admitted === 1 ? { admitted: true, remaining } : { admitted: false, remaining, retryAfterMs };
    } catch (error) {
      this.onError(error);
      return { admitted: true, remaining: budget };
    }
  }
}
