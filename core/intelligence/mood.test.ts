import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG } from './config.ts';
import { bandWithHysteresis, computeMood, moodBand, type MoodInputs } from './mood.ts';

const config = DEFAULT_INTELLIGENCE_CONFIG.mood;
const edges = config.bandEdges;

const inputs: MoodInputs = {
  pcrOi: 1.15,
  pcrOiPreviousClose: 1.05,
  riskReversal25: -0.03,
  vix: 17.5,
  vixPreviousClose: 17.5 / 1.05,
  ivRank: 80,
  spot: 24_120,
  vwap: 24_000,
  emaFast: 24_060,
  emaSlow: 24_000,
  totalGex: 1e9,
  gammaFlip: 24_000,
  maxPain: 24_120,
  fii: { longContracts: 300_000, shortContracts: 100_000 },
};

// Hand-worked scores (0 fear … 100 greed):
const expected = {
  pcrLevel: 75, // (1.15 − 0.7)/(1.3 − 0.7)
  pcrChange: 75, // +0.1 of ±0.2
  riskReversal: 50, // −0.03 between −0.06 and 0
  vixLevel: 50, // 17.5 between 24 and 11
  vixChange: 25, // VIX +5 % of ±10 %, rising = fear
  ivRank: 20, // 100 − 80
  vwapMomentum: 100, // +0.5 % of ±0.5 %
  movingAverages: 50 + 50 * (0.0025 / 0.003), // +0.25 % of ±0.3 %
  gammaRegime: 50 + 50 * (120 / 24_120 / 0.01), // spot 0.4975 % above the flip of ±1 %
  maxPainDistance: 50, // at max pain
  fiiPositioning: 100, // (3 − 1)/(3 + 1) = 0.5 of ±0.5
};

describe('market mood', () => {
  it('returns every component with its raw value, score and weight, and their weighted mean', () => {
    const mood = computeMood(inputs, config);
    const byName = Object.fromEntries(mood.components.map((c) => [c.name, c]));
    for (const [name, score] of Object.entries(expected)) expect(byName[name].score, name).toBeCloseTo(score, 9);
    expect(byName.vixChange.raw).toBeCloseTo(0.05, 12);
    expect(byName.fiiPositioning.raw).toBe(0.5);
    let index = 0;
    for (const [name, score] of Object.entries(expected)) index += config.weights[name as keyof typeof config.weights] * score;
    // The default weights sum to 1: 66.92.
    expect(mood.index).toBeCloseTo(index, 9);
    expect(mood.index).toBeCloseTo(66.92, 1);
    expect(mood.band).toBe('greed');
    expect(mood.components.reduce((s, c) => s + c.effectiveWeight, 0)).toBeCloseTo(1, 12);
  });

  it('redistributes the weight of an absent input over the others in proportion', () => {
    const full = computeMood(inputs, config);
    const mood = computeMood({ ...inputs, fii: undefined }, config);
    const fii = mood.components.find((c) => c.name === 'fiiPositioning')!;
    expect(fii).toMatchObject({ raw: null, score: null, weight: 0.12, effectiveWeight: 0 });
    // Without FII (weight 0.12 of score 100): (66.92 − 12)/0.88.
    expect(mood.index).toBeCloseTo((full.index! - 0.12 * 100) / 0.88, 9);
    expect(mood.components.find((c) => c.name === 'pcrLevel')!.effectiveWeight).toBeCloseTo(0.12 / 0.88, 12);
  });

  it('scores the gamma regime from the sign of GEX when no flip is known', () => {
    const mood = computeMood({ ...inputs, gammaFlip: NaN, totalGex: -5 }, config);
    const gamma = mood.components.find((c) => c.name === 'gammaRegime')!;
    expect(gamma.raw).toBe(-1);
    expect(gamma.score).toBe(25);
  });

  it('has no index when nothing is known', () => {
    const none = computeMood(
      { pcrOi: NaN, pcrOiPreviousClose: NaN, riskReversal25: NaN, vix: NaN, vixPreviousClose: NaN, ivRank: NaN, spot: NaN, vwap: NaN, emaFast: NaN, emaSlow: NaN, totalGex: NaN, gammaFlip: NaN, maxPain: NaN },
      config,
    );
    expect(none.index).toBeNull();
    expect(none.band).toBeNull();
  });
});

describe('mood bands', () => {
  it('labels the five bands at the configured edges', () => {
    expect([0, 19.9, 20, 39.9, 40, 59.9, 60, 79.9, 80, 100].map((x) => moodBand(x, edges))).toEqual([
      'extreme_fear',
      'extreme_fear',
      'fear',
      'fear',
      'neutral',
      'neutral',
      'greed',
      'greed',
      'extreme_greed',
      'extreme_greed',
    ]);
  });

  it('changes the announced band only 2 points inside the new one', () => {
    expect(bandWithHysteresis(61, 'neutral', edges, 2)).toBe('neutral');
    expect(bandWithHysteresis(62.5, 'neutral', edges, 2)).toBe('greed');
    expect(bandWithHysteresis(39, 'neutral', edges, 2)).toBe('neutral');
    expect(bandWithHysteresis(37.9, 'neutral', edges, 2)).toBe('fear');
    expect(bandWithHysteresis(61, null, edges, 2)).toBe('greed');
  });
});
