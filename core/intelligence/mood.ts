/**
 * Market mood per symbol: a 0–100 index (0 extreme fear, 100 extreme greed)
 * as a weighted mean of component scores, each 0–100. Every component is
 * returned with its raw value, its score, its configured weight and the
 * weight it actually carried: a component without data (null raw) carries 0
 * and the others are rescaled to sum 1, so an absent input (FII positioning
 * is optional) redistributes its weight in proportion.
 *
 * Components (scales in config.ts MoodScales; "linear a→b" = 0 at a, 100 at
 * b, clamped; "symmetric f" = 50 + 50·clamp(x/f, −1, 1)):
 *   pcrLevel        PCR on OI of the front expiry, linear pcrFear→pcrGreed (0.7→1.3):
 *                   heavy put writing reads as confidence (the Indian desk convention).
 *   pcrChange       PCR − previous close's PCR, symmetric pcrChangeFull (0.2).
 *   riskReversal    25Δ RR = IV(25Δ call) − IV(25Δ put), decimal (core/analytics/skew.ts),
 *                   linear riskReversalFear→riskReversalGreed (−0.06→0): dear puts = fear.
 *   vixLevel        India VIX, points, linear vixFear→vixGreed (24→11).
 *   vixChange       VIX/previous close − 1, symmetric −vixChangeFullFraction (rising VIX = fear).
 *   ivRank          100 − IV rank of the front ATM IV (volatility.ts): rich vol = fear.
 *   vwapMomentum    (spot − session VWAP)/VWAP, symmetric vwapDeviationFullFraction (0.5 %).
 *                   The index has no volume of its own, so the "VWAP" is
 *                   TIME-weighted: each spot counts for the time until the next.
 *   movingAverages  (EMA_fast − EMA_slow)/EMA_slow of spot, symmetric emaSpreadFullFraction;
 *                   EMAs in time with constants emaFastMinutes/emaSlowMinutes
 *                   (α = 1 − e^{−Δt/τ} per update).
 *   gammaRegime     (spot − gamma flip)/spot, symmetric gammaFlipDistanceFullFraction (1 %):
 *                   above the flip dealers are long gamma (damped moves).
 *                   Without a flip: 75 when total GEX > 0, 25 when < 0 (raw = sign).
 *   maxPainDistance (spot − max pain)/spot, symmetric maxPainDistanceFullFraction (1 %).
 *   fiiPositioning  FII index futures (long − short)/(long + short), symmetric fiiNetRatioFull
 *                   (0.5); only when supplied.
 *
 * Bands by bandEdges (default 20/40/60/80): extreme fear < 20 ≤ fear < 40 ≤
 * neutral < 60 ≤ greed < 80 ≤ extreme greed. A mood_band_changed event fires
 * when the index enters another band by at least bandHysteresisPoints.
 */
import type { MoodConfig, MoodWeights } from './config.ts';
import { finiteOrNull, linearScore, symmetricScore } from './stats.ts';

export type MoodBand = 'extreme_fear' | 'fear' | 'neutral' | 'greed' | 'extreme_greed';
export const MOOD_BANDS: readonly MoodBand[] = ['extreme_fear', 'fear', 'neutral', 'greed', 'extreme_greed'];

export type MoodComponentName = keyof MoodWeights;

export interface MoodInputs {
  pcrOi: number;
  pcrOiPreviousClose: number;
  riskReversal25: number;
  vix: number;
  vixPreviousClose: number;
  /** 0–100 (volatility.ts), NaN when unknown. */
  ivRank: number;
  spot: number;
  vwap: number;
  emaFast: number;
  emaSlow: number;
  totalGex: number;
  gammaFlip: number;
  maxPain: number;
  /** FII index futures long and short, contracts; absent when not supplied. */
  fii?: { longContracts: number; shortContracts: number };
}

export interface MoodComponent {
  name: MoodComponentName;
  /** The input as measured (unit in `unit`). */
  raw: number | null;
  unit: string;
  /** 0 (fear) – 100 (greed). */
  score: number | null;
  /** Configured weight. */
  weight: number;
  /** Share of the index it carried (0 when missing; the present ones sum to 1). */
  effectiveWeight: number;
}

export interface Mood {
  /** 0–100; null when no component has data. */
  index: number | null;
  band: MoodBand | null;
  components: MoodComponent[];
}

export function moodBand(index: number, edges: readonly number[]): MoodBand {
  let b = 0;
  while (b < edges.length && index >= edges[b]) b++;
  return MOOD_BANDS[b];
}

export function computeMood(input: MoodInputs, config: MoodConfig): Mood {
  const s = config.scales;
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? a / b - 1 : NaN);
  const relative = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? (a - b) / b : NaN);
  const gammaRaw =
    Number.isFinite(input.gammaFlip) && input.spot > 0
      ? (input.spot - input.gammaFlip) / input.spot
      : Number.isFinite(input.totalGex)
        ? Math.sign(input.totalGex)
        : NaN;
  const gammaScore = Number.isFinite(input.gammaFlip)
    ? symmetricScore(gammaRaw, s.gammaFlipDistanceFullFraction)
    : Number.isFinite(input.totalGex) && input.totalGex !== 0
      ? input.totalGex > 0
        ? 75
        : 25
      : NaN;
  const fiiTotal = input.fii ? input.fii.longContracts + input.fii.shortContracts : NaN;
  const fiiRaw = input.fii && fiiTotal > 0 ? (input.fii.longContracts - input.fii.shortContracts) / fiiTotal : NaN;
  const pcrChange = input.pcrOi - input.pcrOiPreviousClose;
  const vixChange = ratio(input.vix, input.vixPreviousClose);
  const vwapDev = relative(input.spot, input.vwap);
  const emaSpread = relative(input.emaFast, input.emaSlow);
  const maxPainDist = input.spot > 0 ? (input.spot - input.maxPain) / input.spot : NaN;

  const rows: [MoodComponentName, number, string, number][] = [
    ['pcrLevel', input.pcrOi, 'ratio', linearScore(input.pcrOi, s.pcrFear, s.pcrGreed)],
    ['pcrChange', pcrChange, 'ratio change since previous close', symmetricScore(pcrChange, s.pcrChangeFull)],
    ['riskReversal', input.riskReversal25, 'decimal vol', linearScore(input.riskReversal25, s.riskReversalFear, s.riskReversalGreed)],
    ['vixLevel', input.vix, 'VIX points', linearScore(input.vix, s.vixFear, s.vixGreed)],
    ['vixChange', vixChange, 'fraction since previous close', symmetricScore(-vixChange, s.vixChangeFullFraction)],
    ['ivRank', input.ivRank, 'IV rank 0–100', Number.isFinite(input.ivRank) ? 100 - input.ivRank : NaN],
    ['vwapMomentum', vwapDev, 'fraction from session TWAP', symmetricScore(vwapDev, s.vwapDeviationFullFraction)],
    ['movingAverages', emaSpread, 'fraction fast EMA over slow', symmetricScore(emaSpread, s.emaSpreadFullFraction)],
    ['gammaRegime', gammaRaw, Number.isFinite(input.gammaFlip) ? 'fraction of spot above the gamma flip' : 'sign of total GEX', gammaScore],
    ['maxPainDistance', maxPainDist, 'fraction of spot above max pain', symmetricScore(maxPainDist, s.maxPainDistanceFullFraction)],
    ['fiiPositioning', fiiRaw, 'FII (long − short)/(long + short)', symmetricScore(fiiRaw, s.fiiNetRatioFull)],
  ];
  let weightSum = 0;
  for (const [name, , , score] of rows) if (Number.isFinite(score)) weightSum += config.weights[name];
  let index = 0;
  const components: MoodComponent[] = rows.map(([name, raw, unit, score]) => {
    const weight = config.weights[name];
    const effectiveWeight = Number.isFinite(score) && weightSum > 0 ? weight / weightSum : 0;
    if (effectiveWeight > 0) index += effectiveWeight * score;
    return { name, raw: finiteOrNull(raw), unit, score: finiteOrNull(score), weight, effectiveWeight };
  });
  if (!(weightSum > 0)) return { index: null, band: null, components };
  return { index, band: moodBand(index, config.bandEdges), components };
}

/**
 * The band to announce, with hysteresis: `current` (last announced) changes
 * only when the index is at least `margin` points inside another band.
 */
export function bandWithHysteresis(index: number, current: MoodBand | null, edges: readonly number[], margin: number): MoodBand {
  const candidate = moodBand(index, edges);
  if (current === null || candidate === current) return candidate;
  const b = MOOD_BANDS.indexOf(candidate);
  const low = b === 0 ? -Infinity : edges[b - 1];
  const high = b === edges.length ? Infinity : edges[b];
  return index >= low + margin && index < high - margin ? candidate : current;
}
