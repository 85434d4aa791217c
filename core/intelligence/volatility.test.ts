import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG, type VolatilityConfig } from './config.ts';
import { atmIvVersusVix, ivRankPercentile, vixDivergence } from './volatility.ts';

const config: VolatilityConfig = { ...DEFAULT_INTELLIGENCE_CONFIG.volatility, minIvHistoryDays: 3, ivHistoryDays: 5 };

describe('IV rank and percentile', () => {
  it('places the current ATM IV in the last closes', () => {
    // Last 5 of the 6 closes: 0.10, 0.20, 0.15, 0.30, 0.25 (the oldest 0.50 is beyond the window).
    const history = [0.5, 0.1, 0.2, 0.15, 0.3, 0.25];
    const r = ivRankPercentile(0.2, history, config);
    expect(r.daysUsed).toBe(5);
    // rank = (0.20 − 0.10)/(0.30 − 0.10) = 50; percentile = 2 closes below (0.10, 0.15) of 5 = 40.
    expect(r.ivRank).toBeCloseTo(50, 12);
    expect(r.ivPercentile).toBe(40);
    expect(r.minIvDecimal).toBe(0.1);
    expect(r.maxIvDecimal).toBe(0.3);
  });

  it('clamps a rank beyond the range and skips unusable closes', () => {
    const r = ivRankPercentile(0.4, [0.1, NaN, 0, 0.2, 0.3], config);
    expect(r.daysUsed).toBe(3);
    expect(r.ivRank).toBe(100);
    expect(r.ivPercentile).toBe(100);
  });

  it('says so when the history is too short', () => {
    expect(ivRankPercentile(0.2, [0.1, 0.3], config)).toEqual({ ivRank: null, ivPercentile: null, daysUsed: 2, minIvDecimal: null, maxIvDecimal: null });
    expect(ivRankPercentile(0.2, undefined, config).daysUsed).toBe(0);
  });
});

describe('VIX divergence', () => {
  it('flags spot and VIX rising together, and calls small moves flat', () => {
    // Spot +0.2 % (≥ 0.1 %), VIX +0.5 points (≥ 0.2): both up.
    const up = vixDivergence(24_048, 24_000, 14.5, 14, 15, config);
    expect(up.state).toBe('both_up');
    expect(up.diverging).toBe(true);
    expect(up.spotChangeFraction).toBeCloseTo(0.002, 12);
    expect(up.vixChangePoints).toBeCloseTo(0.5, 12);
    expect(vixDivergence(23_952, 24_000, 13.5, 14, 15, config).state).toBe('both_down');
    expect(vixDivergence(24_048, 24_000, 13.5, 14, 15, config).state).toBe('opposite');
    // Spot +0.05 %: flat.
    expect(vixDivergence(24_012, 24_000, 14.5, 14, 15, config).state).toBe('flat');
    expect(vixDivergence(24_012, NaN, 14.5, 14, 15, config).state).toBeNull();
  });
});

describe('ATM IV against VIX', () => {
  it('compares in vol points', () => {
    const r = atmIvVersusVix(0.15, 12);
    expect(r.spreadVolPoints).toBeCloseTo(3, 12);
    expect(r.ratio).toBeCloseTo(1.25, 12);
    expect(atmIvVersusVix(0.15, NaN)).toEqual({ spreadVolPoints: null, ratio: null });
  });
});
