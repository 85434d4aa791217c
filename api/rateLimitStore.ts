/**
 * The rate limiter's memory (a Store of @envelop/rate-limiter), bounded: it
 * keeps the call times of at most `maxClients` clients, forgetting the least
 * recently seen first, and drops a client's calls once they are older than
 * their window. The package's own InMemoryStore keeps every client forever
 * and copies its whole state on every call, so a stream of new identities
 * would grow it without bound and make each call slower than the last.
 *
 * With `uncountRejected` (as installRateLimits sets it) a field's list never
 * holds more than its `max` call times, so memory is at most
 * maxClients × fields × max numbers.
 */
import type { Identity, Store } from '@envelop/rate-limiter';

interface Calls {
  timestamps: readonly number[];
  /** When the newest call leaves its window, epoch ms. */
  expiresAt: number;
}

export class BoundedRateLimitStore implements Store {
  /** Client → field → calls; a Map iterates in insertion order, so the first client is the least recently seen. */
  private readonly clients = new Map<string, Map<string, Calls>>();

  constructor(
    private readonly maxClients: number,
    private readonly now: () => number = Date.now,
  ) {}

  getForIdentity(identity: Identity): readonly number[] {
    const calls = this.clients.get(identity.contextIdentity)?.get(identity.fieldIdentity);
    if (!calls || calls.expiresAt <= this.now()) return [];
    return calls.timestamps;
  }

  setForIdentity(identity: Identity, timestamps: readonly number[], windowMs = 60_000): void {
    let fields = this.clients.get(identity.contextIdentity);
    if (fields) {
      this.clients.delete(identity.contextIdentity);
    } else {
      fields = new Map();
      while (this.clients.size >= this.maxClients) this.clients.delete(this.clients.keys().next().value!);
    }
    this.clients.set(identity.contextIdentity, fields);
    if (timestamps.length === 0) {
      fields.delete(identity.fieldIdentity);
      return;
    }
    fields.set(identity.fieldIdentity, { timestamps: [...timestamps], expiresAt: timestamps.reduce((newest, t) => Math.max(newest, t)) + windowMs });
  }

  /** Clients remembered now. */
  get size(): number {
    return this.clients.size;
  }
}
