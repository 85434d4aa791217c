import { describe, expect, it } from 'vitest';
import { refreshDelayMs } from './auth.ts';

const expiringIn = (ms: number, now: number) => ({ accessTokenExpiresAt: new Date(now + ms).toISOString() });

describe('refreshDelayMs', () => {
  const now = Date.parse('2026-12-07T10:00:00Z');

  it('refreshes a 15-minute token a minute before it expires', () => {
    expect(refreshDelayMs(expiringIn(15 * 60_000, now), now)).toBe(14 * 60_000);
  });

  it('refreshes a token with under 5 minutes left at 80 % of them, and an expired one at once', () => {
    expect(refreshDelayMs(expiringIn(60_000, now), now)).toBe(48_000);
    expect(refreshDelayMs(expiringIn(200_000, now), now)).toBe(160_000);
    expect(refreshDelayMs(expiringIn(-5_000, now), now)).toBe(0);
  });
});
