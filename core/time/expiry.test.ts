import { describe, expect, it } from 'vitest';
import { expiryInstant, istDate, secondsToExpiry, yearsToExpiry, SECONDS_PER_YEAR } from './expiry.ts';

describe('expiry instant', () => {
  it('is 15:30 IST, which is 10:00 UTC, on the expiry date', () => {
    expect(new Date(expiryInstant('2026-11-24')).toISOString()).toBe('2026-11-24T10:00:00.000Z');
  });

  it('rejects malformed and impossible dates with the value in the message', () => {
    expect(() => expiryInstant('24-11-2026')).toThrow(/YYYY-MM-DD.*24-11-2026/);
    expect(() => expiryInstant('2026-02-30')).toThrow(/does not exist/);
  });

  it('reads the IST calendar date of an instant across the UTC midnight', () => {
    // 20:00 UTC on the 23rd is 01:30 IST on the 24th.
    expect(istDate(Date.UTC(2026, 10, 23, 20, 0))).toBe('2026-11-24');
  });
});

describe('time to expiry', () => {
  const expiry = expiryInstant('2026-11-24');

  it('counts exact seconds on expiry day, not whole days', () => {
    const at1430Ist = Date.UTC(2026, 10, 24, 9, 0); // one hour before the close
    expect(secondsToExpiry(at1430Ist, expiry)).toBe(3600);
    expect(yearsToExpiry(at1430Ist, expiry)).toBeCloseTo(3600 / SECONDS_PER_YEAR, 18);
  });

  it('is ACT/365: one calendar year of 365 days is exactly 1', () => {
    const yearBefore = expiry - 365 * 86_400_000;
    expect(yearsToExpiry(yearBefore, expiry)).toBe(1);
  });

  it('goes negative after the expiry instant', () => {
    expect(yearsToExpiry(expiry + 1000, expiry)).toBeLessThan(0);
  });
});
