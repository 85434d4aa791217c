import { describe, expect, it } from 'vitest';
import { BoundedRateLimitStore } from './rateLimitStore.ts';

const identity = (client: string, field = 'optionChain') => ({ contextIdentity: client, fieldIdentity: field });

describe('BoundedRateLimitStore', () => {
  it('gives back the call times of a client and field', () => {
    const store = new BoundedRateLimitStore(10, () => 1_000);
    store.setForIdentity(identity('a'), [900, 950], 60_000);
    expect(store.getForIdentity(identity('a'))).toEqual([900, 950]);
    expect(store.getForIdentity(identity('a', 'expiries'))).toEqual([]);
    expect(store.getForIdentity(identity('b'))).toEqual([]);
  });

  it('forgets the calls once the newest has left its window', () => {
    let now = 1_000;
    const store = new BoundedRateLimitStore(10, () => now);
    store.setForIdentity(identity('a'), [1_000], 500);
    now = 1_499;
    expect(store.getForIdentity(identity('a'))).toEqual([1_000]);
    now = 1_500;
    expect(store.getForIdentity(identity('a'))).toEqual([]);
  });

  it('stays within maxClients under a flood of new identities, forgetting the least recently seen', () => {
    const store = new BoundedRateLimitStore(100, () => 0);
    store.setForIdentity(identity('regular'), [0], 60_000);
    for (let i = 0; i < 10_000; i++) {
      store.setForIdentity(identity(`spoofed-${i}`), [0], 60_000);
      // The regular client keeps calling, so it stays among the most recent.
      if (i % 50 === 0) store.setForIdentity(identity('regular'), [0], 60_000);
    }
    expect(store.size).toBe(100);
    expect(store.getForIdentity(identity('regular'))).toEqual([0]);
    expect(store.getForIdentity(identity('spoofed-0'))).toEqual([]);
    expect(store.getForIdentity(identity('spoofed-9999'))).toEqual([0]);
  });

  it('keeps a copy, so the caller changing its array changes nothing stored', () => {
    const store = new BoundedRateLimitStore(10, () => 0);
    const times = [1, 2];
    store.setForIdentity(identity('a'), times, 60_000);
    times.push(3);
    expect(store.getForIdentity(identity('a'))).toEqual([1, 2]);
  });
});
