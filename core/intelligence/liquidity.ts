/**
 * Liquidity stress of one chain: four measures of the book, each against its
 * own session baseline, combined into a 0–100 index (0 = as liquid as usual
 * this session, 100 = every measure fullStressRatio times worse or more).
 *
 * Measures (a side's quote is two-sided when bid > 0 and ask ≥ bid):
 * - spread: OI-weighted relative spread, Σ OI·(ask − bid)/mid / Σ OI over the
 *   two-sided sides with OI > 0 (decimal: 0.01 = 1 % of the mid);
 * - depth: top-of-book depth near the money, Σ (bidQty + askQty)/lotSize over
 *   the sides within nearAtmStrikes of the ATM strike, contracts (a missing
 *   quantity counts 0);
 * - oneSided: share of the chain's listed sides without a two-sided quote, 0–1;
 * - staleness: mean, over the sides near the money, of the snapshots since
 *   the side's bid, ask or their quantities last changed.
 *
 * Baseline: one sample of each measure per baselineIntervalMs (the first at
 * the session's first snapshot), kept in a bounded ring; baseline = median of
 * the samples. Worse-than-usual ratio, with a small floor ε so a zero
 * baseline does not divide by zero (spread ε = 0.001, oneSided ε = 0.01,
 * staleness ε = 1 snapshot, depth ε = 1 contract):
 *   spread, oneSided, staleness: r = (x + ε)/(baseline + ε)
 *   depth:                        r = (baseline + ε)/(x + ε)
 * Component score = 100·clamp((r − 1)/(fullStressRatio − 1), 0, 1); the index
 * is the weighted mean of the components that have a value, null before
 * minBaselineSamples samples.
 */
import type { LiquidityConfig, LiquidityWeights } from './config.ts';
import { clamp, FloatRing, medianInPlace } from './stats.ts';

export const LIQUIDITY_MEASURES = ['spread', 'depth', 'oneSided', 'staleness'] as const;
export type LiquidityMeasure = (typeof LIQUIDITY_MEASURES)[number];

const EPSILON: Record<LiquidityMeasure, number> = { spread: 0.001, depth: 1, oneSided: 0.01, staleness: 1 };

export interface BookSide {
  bid: Float64Array;
  ask: Float64Array;
  bidQty: Float64Array;
  askQty: Float64Array;
  oi: Float64Array;
  staleSnapshots: Float64Array;
  /** 1 where the row lists this side. */
  listed: Uint8Array;
}

export type LiquidityValues = Record<LiquidityMeasure, number>;

/** The four measures of one snapshot (NaN where undefined). */
export function measureLiquidity(sides: readonly BookSide[], atmIndex: number, nearAtmStrikes: number, lotSize: number): LiquidityValues {
  let spreadWeighted = 0;
  let spreadOi = 0;
  let depth = 0;
  let depthSides = 0;
  let listed = 0;
  let oneSided = 0;
  let staleSum = 0;
  let staleCount = 0;
  for (const side of sides) {
    const n = side.bid.length;
    for (let i = 0; i < n; i++) {
      if (!side.listed[i]) continue;
      listed++;
      const bid = side.bid[i];
      const ask = side.ask[i];
      const twoSided = bid > 0 && ask >= bid && ask < Infinity;
      if (!twoSided) oneSided++;
      const oi = side.oi[i];
      if (twoSided && oi > 0 && oi < Infinity) {
        spreadWeighted += (oi * (ask - bid)) / (0.5 * (bid + ask));
        spreadOi += oi;
      }
      if (atmIndex >= 0 && Math.abs(i - atmIndex) <= nearAtmStrikes) {
        depth += (finite(side.bidQty[i]) + finite(side.askQty[i])) / lotSize;
        depthSides++;
        if (Number.isFinite(side.staleSnapshots[i])) {
          staleSum += side.staleSnapshots[i];
          staleCount++;
        }
      }
    }
  }
  return {
    spread: spreadOi > 0 ? spreadWeighted / spreadOi : NaN,
    depth: depthSides > 0 ? depth : NaN,
    oneSided: listed > 0 ? oneSided / listed : NaN,
    staleness: staleCount > 0 ? staleSum / staleCount : NaN,
  };
}

export interface LiquidityState {
  rings: Record<LiquidityMeasure, FloatRing>;
  /** Median of each ring, recomputed when a sample is added. */
  baseline: Record<LiquidityMeasure, number>;
  lastSampleAt: number;
  scratch: Float64Array;
}

export function createLiquidityState(config: LiquidityConfig): LiquidityState {
  const rings = {} as Record<LiquidityMeasure, FloatRing>;
  for (const m of LIQUIDITY_MEASURES) rings[m] = new FloatRing(config.baselineCapacity);
  const baseline = { spread: NaN, depth: NaN, oneSided: NaN, staleness: NaN };
  return { rings, baseline, lastSampleAt: -Infinity, scratch: new Float64Array(config.baselineCapacity) };
}

export interface LiquidityComponent {
  measure: LiquidityMeasure;
  /** This snapshot's value (units in the module doc). */
  value: number | null;
  /** Session baseline (median of the samples), same unit. */
  baseline: number | null;
  /** Worse-than-baseline ratio (≥ 1 is worse). */
  ratio: number | null;
  /** 0–100. */
  score: number | null;
  weight: number;
}

export interface LiquidityStress {
  /** 0–100, null before the baseline has minBaselineSamples samples. */
  index: number | null;
  baselineSamples: number;
  components: LiquidityComponent[];
}

/** Samples the measures when due, then scores them against the baseline. */
export function liquidityStress(state: LiquidityState, values: LiquidityValues, timestampMs: number, config: LiquidityConfig): LiquidityStress {
  if (timestampMs - state.lastSampleAt >= config.baselineIntervalMs) {
    for (const m of LIQUIDITY_MEASURES) {
      const ring = state.rings[m];
      if (Number.isFinite(values[m])) ring.push(values[m]);
      if (ring.count > 0) {
        state.scratch.set(ring.held());
        state.baseline[m] = medianInPlace(state.scratch, ring.count);
      }
    }
    state.lastSampleAt = timestampMs;
  }
  const weights: LiquidityWeights = config.weights;
  const components: LiquidityComponent[] = [];
  let weighted = 0;
  let weightSum = 0;
  let samples = 0;
  for (const m of LIQUIDITY_MEASURES) {
    const ring = state.rings[m];
    samples = Math.max(samples, ring.count);
    const x = values[m];
    const baseline = state.baseline[m];
    const enough = ring.count >= config.minBaselineSamples;
    const eps = EPSILON[m];
    const ratio = enough && Number.isFinite(x) ? (m === 'depth' ? (baseline + eps) / (x + eps) : (x + eps) / (baseline + eps)) : NaN;
    const score = Number.isFinite(ratio) ? 100 * clamp((ratio - 1) / (config.fullStressRatio - 1), 0, 1) : NaN;
    if (Number.isFinite(score)) {
      weighted += weights[m] * score;
      weightSum += weights[m];
    }
    components.push({
      measure: m,
      value: Number.isFinite(x) ? x : null,
      baseline: Number.isFinite(baseline) ? baseline : null,
      ratio: Number.isFinite(ratio) ? ratio : null,
      score: Number.isFinite(score) ? score : null,
      weight: weights[m],
    });
  }
  return { index: weightSum > 0 ? weighted / weightSum : null, baselineSamples: samples, components };
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
