/**
 * Login failures slow down further attempts, per account and per address:
 * after FREE_FAILURES failures within the window, each attempt waits
 * 2^(failures − FREE_FAILURES) × BASE_DELAY_MS, up to MAX_DELAY_MS, before
 * its password is checked; a success clears the account's count. Memory is
 * bounded: at most `maxEntries` keys, the least recently failed forgotten
 * first, and a key's count is forgotten WINDOW_MS after its last failure.
 */
export interface ThrottleOptions {
  maxEntries?: number;
  freeFailures?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  windowMs?: number;
  now?: () => number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; lastAt: number }>();
  private readonly maxEntries: number;
  private readonly freeFailures: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: ThrottleOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.freeFailures = options.freeFailures ?? 3;
    this.baseDelayMs = options.baseDelayMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 8_000;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** How long an attempt for these keys (account:…, ip:…) waits first, ms: the longest of theirs. */
  delayMs(keys: readonly string[]): number {
    let failures = 0;
    for (const key of keys) failures = Math.max(failures, this.count(key));
    if (failures < this.freeFailures) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (failures - this.freeFailures));
  }

  fail(keys: readonly string[]): void {
    const now = this.now();
    for (const key of keys) {
      const count = this.count(key) + 1;
      this.failures.delete(key);
      while (this.failures.size >= this.maxEntries) this.failures.delete(this.failures.keys().next().value!);
      this.failures.set(key, { count, lastAt: now });
    }
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  get size(): number {
    return this.failures.size;
  }

  private count(key: string): number {
    const entry = this.failures.get(key);
    if (!entry) return 0;
    if (this.now() - entry.lastAt > this.windowMs) {
      this.failures.delete(key);
      return 0;
    }
    return entry.count;
  }
}
