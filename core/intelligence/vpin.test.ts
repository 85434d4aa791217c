import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG, type VpinConfig } from './config.ts';
import {
  addBucketVolume,
  addQuoteRuleVolume,
  bucketSizeFor,
  bvcBuyFraction,
  createToxicityState,
  quoteRuleSide,
  toxicity,
  updateVariance,
} from './vpin.ts';
import { createIntelligenceState, reduce } from './index.ts';
import { ist, testSnapshot } from './testSnapshot.ts';

const config: VpinConfig = { ...DEFAULT_INTELLIGENCE_CONFIG.vpin, windowBuckets: 2 };

describe('bulk volume classification', () => {
  it('splits volume by Φ(ΔP/σ), evenly when σ is unknown', () => {
    expect(bvcBuyFraction(1, 1)).toBeCloseTo(0.841_344_746_068_543, 12);
    expect(bvcBuyFraction(-1, 1)).toBeCloseTo(0.158_655_253_931_457, 12);
    expect(bvcBuyFraction(3, NaN)).toBe(0.5);
    expect(bvcBuyFraction(3, 0)).toBe(0.5);
  });

  it('keeps an EWMA of squared price changes, started at the first', () => {
    expect(updateVariance(NaN, 2, 0.94)).toBe(4);
    // 0.94 × 4 + 0.06 × 1² = 3.82
    expect(updateVariance(4, 1, 0.94)).toBeCloseTo(3.82, 12);
    expect(updateVariance(4, NaN, 0.94)).toBe(4);
  });
});

describe('VPIN buckets', () => {
  it('fills equal-volume buckets, spilling in proportion, and averages |buy − sell| over the window', () => {
    const state = createToxicityState(100, config);
    addBucketVolume(state, 30, 60);
    expect(toxicity(state, 0, config).vpin).toBeNull();
    // 40 of the next 80 complete the bucket, with 70 × 40/80 = 35 of its buys:
    // bucket 1 = 60 + 40 contracts, 30 + 35 = 65 bought → |65 − 35| = 30.
    addBucketVolume(state, 70, 80);
    expect(toxicity(state, 0, config).vpin).toBeCloseTo(30 / 100, 12);
    // Bucket 2 = the 40 left (35 bought) + 60 (5 bought) → 40 bought → |40 − 60| = 20; VPIN = 50/200.
    addBucketVolume(state, 5, 60);
    expect(toxicity(state, 0, config).vpin).toBeCloseTo(0.25, 12);
    // Bucket 3 all bought → 100; the window of 2 keeps buckets 2 and 3: (20 + 100)/200.
    addBucketVolume(state, 100, 100);
    const t = toxicity(state, 0, config);
    expect(t.vpin).toBeCloseTo(0.6, 12);
    expect(t.buckets).toBe(2);
    expect(t.sessionBuckets).toBe(3);
    expect(state.sessionVolume).toBe(300);
  });

  it('sizes buckets from the previous session’s volume', () => {
    expect(bucketSizeFor(5_000_000, DEFAULT_INTELLIGENCE_CONFIG.vpin)).toBe(20_000);
    expect(bucketSizeFor(NaN, DEFAULT_INTELLIGENCE_CONFIG.vpin)).toBe(DEFAULT_INTELLIGENCE_CONFIG.vpin.initialBucketContracts);
  });
});

describe('quote-rule imbalance', () => {
  it('classifies a print against the bid/ask mid', () => {
    expect(quoteRuleSide(10.5, 10, 10.4)).toBe(1);
    expect(quoteRuleSide(10, 10, 10.4)).toBe(-1);
    expect(quoteRuleSide(10.2, 10, 10.4)).toBe(0);
    expect(quoteRuleSide(10.2, NaN, 10.4)).toBe(0);
  });

  it('reports the imbalance over the last minutes and the session', () => {
    const state = createToxicityState(100, config);
    const minute = 29_000_000;
    addQuoteRuleVolume(state, minute * 60_000, 100, 50, 7);
    // Six minutes later the 5-minute window holds only the new minute: (10 − 30)/40.
    addQuoteRuleVolume(state, (minute + 6) * 60_000 + 1, 10, 30, 0);
    const t = toxicity(state, (minute + 6) * 60_000 + 1, config);
    expect(t.imbalance).toBeCloseTo(-0.5, 12);
    // Session: (110 − 80)/190.
    expect(t.sessionImbalance).toBeCloseTo(30 / 190, 12);
    expect(t.sessionUnclassifiedContracts).toBe(7);
  });
});

describe('toxicity through the reducer', () => {
  it('classifies each contract’s traded increment with its own price change', () => {
    const state = createIntelligenceState({ vpin: { initialBucketContracts: 100 } });
    const t0 = ist('2026-12-01', '10:00:00');
    const row = (volume: number, ltp: number) => [{ strike: 100, call: { volume, ltp, bid: 10.8, ask: 11.2 } }];
    reduce(state, testSnapshot(t0, row(1_000, 10)));
    // +60 at ΔP = +1 with no σ yet: ½ bought; the print at 11 is at the mid: unclassified.
    reduce(state, testSnapshot(t0 + 3_000, row(1_060, 11)));
    // +40 at ΔP = +1 with σ = 1 (first ΔP²): Φ(1) bought; bucket 1 = 100 contracts,
    // bought 30 + 40·Φ(1) = 63.65 → VPIN = |2·63.65 − 100|/100.
    const { outputs } = reduce(state, testSnapshot(t0 + 6_000, row(1_100, 12)));
    const bought = 30 + 40 * 0.841_344_746_068_543;
    expect(outputs.symbol!.toxicity.vpin).toBeCloseTo(Math.abs(2 * bought - 100) / 100, 10);
    // 12 printed above the mid of 10.8/11.2: 40 bought by the quote rule.
    expect(outputs.symbol!.toxicity.sessionBuyContracts).toBe(40);
    expect(outputs.symbol!.toxicity.sessionUnclassifiedContracts).toBe(60);
  });
});
