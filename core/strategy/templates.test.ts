import { describe, expect, it } from 'vitest';
import { STRATEGY_TEMPLATES, instantiateTemplate } from './templates.ts';
import { StrategyInputError } from './resolve.ts';

const strikes = Array.from({ length: 41 }, (_, i) => 23_000 + 50 * i);
const base = { strikes, atmStrike: 24_000, strikeStep: 50, widthStrikes: 2, expiry: '2026-12-01', farExpiry: '2026-12-29', lots: 1 };

describe('strategy templates', () => {
  it('offers at least 20 named strategies, every one instantiating to listed strikes on the right expiries', () => {
    expect(STRATEGY_TEMPLATES.length).toBeGreaterThanOrEqual(20);
    expect(new Set(STRATEGY_TEMPLATES.map((t) => t.name)).size).toBe(STRATEGY_TEMPLATES.length);
    for (const t of STRATEGY_TEMPLATES) {
      const legs = instantiateTemplate(t.name, base);
      expect(legs.length).toBe(t.legs.length);
      for (const leg of legs) {
        if (leg.instrument === 'OPTION') expect(strikes).toContain(leg.strike);
        expect([base.expiry, base.farExpiry]).toContain(leg.expiry);
      }
    }
  });

  it('builds an iron condor as long 23,800 put, short 23,900 put, short 24,100 call, long 24,200 call at a width of two strikes', () => {
    expect(instantiateTemplate('IRON_CONDOR', { ...base, lots: 3 })).toEqual([
      { instrument: 'OPTION', right: 'PUT', strike: 23_800, expiry: base.expiry, action: 'BUY', lots: 3 },
      { instrument: 'OPTION', right: 'PUT', strike: 23_900, expiry: base.expiry, action: 'SELL', lots: 3 },
      { instrument: 'OPTION', right: 'CALL', strike: 24_100, expiry: base.expiry, action: 'SELL', lots: 3 },
      { instrument: 'OPTION', right: 'CALL', strike: 24_200, expiry: base.expiry, action: 'BUY', lots: 3 },
    ]);
  });

  it('puts the long leg of a calendar on the far expiry, doubles the short body of a butterfly, and clamps strikes to the listed ones', () => {
    const calendar = instantiateTemplate('CALL_CALENDAR', base);
    expect(calendar.map((l) => l.expiry)).toEqual([base.expiry, base.farExpiry]);
    expect(instantiateTemplate('LONG_CALL_BUTTERFLY', base).map((l) => l.lots)).toEqual([1, 2, 1]);
    const wide = instantiateTemplate('IRON_CONDOR', { ...base, widthStrikes: 20 });
    expect(wide.map((l) => (l.instrument === 'OPTION' ? l.strike : 0))).toEqual([23_000, 23_000, 25_000, 25_000]);
  });

  it('refuses a calendar without a far expiry and an unknown name, naming the field', () => {
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return (error as StrategyInputError).field;
      }
      return null;
    };
    expect(field(() => instantiateTemplate('CALL_CALENDAR', { ...base, farExpiry: undefined }))).toBe('farExpiry');
    expect(field(() => instantiateTemplate('NOPE', base))).toBe('name');
    expect(field(() => instantiateTemplate('LONG_CALL', { ...base, widthStrikes: 0 }))).toBe('widthStrikes');
  });
});
