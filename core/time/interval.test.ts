import { describe, expect, it } from 'vitest';
import { intervalMs } from './interval.ts';

describe('interval in milliseconds', () => {
  it('reads one whole number and a singular or plural unit', () => {
    expect(intervalMs('1 minute')).toBe(60_000);
    expect(intervalMs('90 minutes')).toBe(5_400_000);
    expect(intervalMs('1 hour')).toBe(3_600_000);
    expect(intervalMs('30 days')).toBe(30 * 86_400_000);
    expect(intervalMs(' 2 weeks ')).toBe(14 * 86_400_000);
    expect(intervalMs('0 days')).toBe(0);
  });

  it('refuses anything PostgreSQL and the configuration would not agree on, with the text in the message', () => {
    for (const text of ['1h', '1.5 hours', 'an hour', '1 month', '-1 day', '']) expect(() => intervalMs(text)).toThrow(RangeError);
    expect(() => intervalMs('1 fortnight')).toThrow(/"1 fortnight"/);
  });
});
