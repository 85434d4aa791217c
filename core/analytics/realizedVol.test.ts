import { describe, expect, it } from 'vitest';
import { CONE_WINDOWS, SESSIONS_PER_YEAR, logReturns, realizedVol, volatilityCone } from './realizedVol.ts';

const a = Math.log(1.1);

describe('close-to-close realized volatility', () => {
  it('is 0 for a series with one constant return, at every window', () => {
    const closes = Float64Array.from({ length: 80 }, (_, i) => 100 * 1.01 ** i);
    logReturns(closes).forEach((r) => expect(r).toBeCloseTo(Math.log(1.01), 12));
    for (const window of volatilityCone(closes)) {
      expect(window.samples).toBe(80 - 1 - window.sessions + 1);
      for (const v of [window.current, window.min, window.median, window.max]) expect(v).toBeCloseTo(0, 9);
    }
  });

  it('of a series alternating between two values is ±ln(1.1) returns: a·√(N/(N−1))·√252 over an even window, a·√1.2·√252 over 5 (hand-worked)', () => {
    const closes = Float64Array.from({ length: 61 }, (_, i) => (i % 2 === 0 ? 100 : 110));
    const returns = logReturns(closes);
    // Four returns +a, −a, +a, −a: mean 0, Σ squares 4a², / 3.
    expect(realizedVol(returns, 0, 4)).toBeCloseTo(a * Math.sqrt((4 / 3) * 252), 12);
    // Five returns +a, −a, +a, −a, +a: mean a/5, Σ (r − r̄)² = 3·(4a/5)² + 2·(6a/5)² = 4.8a², / 4 = 1.2a².
    expect(realizedVol(returns, 0, 5)).toBeCloseTo(a * Math.sqrt(1.2 * 252), 12);
    const [five, ten] = volatilityCone(closes);
    expect(five).toMatchObject({ sessions: 5, samples: 56 });
    for (const v of [five.current, five.min, five.median, five.max]) expect(v).toBeCloseTo(a * Math.sqrt(1.2 * 252), 12);
    for (const v of [ten.current, ten.min, ten.max]) expect(v).toBeCloseTo(a * Math.sqrt((10 / 9) * 252), 12);
  });

  it('gives the lowest, median and highest of the rolling windows and the latest as current (hand-worked, window of 2)', () => {
    // Returns 0, 0, a, −a: windows {0,0} → 0; {0,a} → variance a²/2; {a,−a} → variance 2a².
    const [cone] = volatilityCone(Float64Array.from([100, 100, 100, 110, 100]), [2]);
    const root = Math.sqrt(SESSIONS_PER_YEAR);
    expect(cone.samples).toBe(3);
    expect(cone.min).toBe(0);
    expect(cone.median).toBeCloseTo((a / Math.SQRT2) * root, 12);
    expect(cone.max).toBeCloseTo(a * Math.SQRT2 * root, 12);
    expect(cone.current).toBeCloseTo(a * Math.SQRT2 * root, 12);
  });

  it('answers NaN and no samples for a window longer than the history: N sessions need N + 1 closes', () => {
    const closes = Float64Array.from({ length: 11 }, (_, i) => 100 + i);
    const cone = volatilityCone(closes);
    expect(cone.map((w) => w.sessions)).toEqual([...CONE_WINDOWS]);
    expect(cone.map((w) => w.samples)).toEqual([6, 1, 0, 0, 0]);
    for (const w of cone.slice(2)) expect([w.current, w.min, w.median, w.max].every(Number.isNaN)).toBe(true);
    expect(volatilityCone(new Float64Array(0)).every((w) => w.samples === 0)).toBe(true);
  });

  it('annualises with 252 sessions: daily returns of ±1 % around 0 are about 16 % a year', () => {
    const returns = Float64Array.from({ length: 252 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));
    expect(realizedVol(returns)).toBeCloseTo(0.01 * Math.sqrt(252 * (252 / 251)), 12);
  });
});
