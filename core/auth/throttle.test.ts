import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './throttle.ts';

describe('the login throttle', () => {
  it('lets three failures pass, then doubles the wait per failure up to its cap, per key', () => {
    const throttle = new LoginThrottle({ baseDelayMs: 100, maxDelayMs: 1000 });
    const keys = ['account:a', 'ip:1'];
    const delays = [];
    for (let i = 0; i < 8; i++) {
      delays.push(throttle.delayMs(keys));
      throttle.fail(keys);
    }
    expect(delays).toEqual([0, 0, 0, 100, 200, 400, 800, 1000]);
    expect(throttle.delayMs(['account:b', 'ip:1'])).toBe(1000);
    expect(throttle.delayMs(['account:b', 'ip:2'])).toBe(0);
    throttle.succeed('account:a');
    expect(throttle.delayMs(['account:a'])).toBe(0);
  });

  it('forgets failures after its window and keeps at most maxEntries keys', () => {
    let now = 0;
    const throttle = new LoginThrottle({ windowMs: 1000, maxEntries: 100, now: () => now });
    for (let i = 0; i < 5; i++) throttle.fail(['account:a']);
    now = 2000;
    expect(throttle.delayMs(['account:a'])).toBe(0);
    for (let i = 0; i < 1000; i++) throttle.fail([`ip:${i}`]);
    expect(throttle.size).toBe(100);
  });
});
