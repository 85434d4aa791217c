/**
 * Volatility context: spot versus India VIX, ATM IV versus VIX, and where
 * today's ATM IV sits in its own history.
 *
 * - VIX divergence over a window W (default 15 minutes): Δspot/spot and ΔVIX
 *   (points) between the newest symbol sample at or before now − W and now.
 *   A move below spotNoiseFraction (default 0.1 %) or vixNoisePoints (0.2) is
 *   flat. Normally the two move opposite ways; 'both_up' (spot rising while
 *   VIX rises: hedging into a rally) and 'both_down' (both falling:
 *   complacency into a decline) are the divergences. An event fires when a
 *   divergence starts (or flips to the other kind); it re-arms once the pair
 *   stops diverging.
 * - ATM IV versus VIX: spread = ATM IV × 100 − VIX, vol points; ratio =
 *   ATM IV × 100 / VIX. The ATM IV is the chain's (its own expiry), VIX is a
 *   30-day NIFTY measure: a weekly expiry's IV is expected to differ.
 * - IV rank and percentile of the current ATM IV against a supplied history
 *   of daily ATM IV closes (decimal, oldest first; the role loads it): the last
 *   min(ivHistoryDays, available) finite, positive closes are used (their
 *   count is returned), at least minIvHistoryDays.
 *     rank       = 100·(IV − min)/(max − min), clamped to 0–100 (50 when max = min)
 *     percentile = 100·(closes strictly below IV)/(closes used)
 *   The history is one series per symbol (the role decides which ATM IV it
 *   stores, e.g. the front expiry's); every expiry of the symbol is ranked
 *   against it, and the mood reads the front expiry's rank.
 */
import type { VolatilityConfig } from './config.ts';

export type DivergenceState = 'both_up' | 'both_down' | 'opposite' | 'flat';

export interface VixDivergence {
  windowMinutes: number;
  /** (spot_now − spot_then)/spot_then, decimal. */
  spotChangeFraction: number | null;
  /** VIX_now − VIX_then, VIX points. */
  vixChangePoints: number | null;
  state: DivergenceState | null;
  /** True for 'both_up' and 'both_down'. */
  diverging: boolean;
}

export function vixDivergence(spotNow: number, spotThen: number, vixNow: number, vixThen: number, windowMinutes: number, config: VolatilityConfig): VixDivergence {
  const spotChange = spotThen > 0 ? (spotNow - spotThen) / spotThen : NaN;
  const vixChange = vixNow - vixThen;
  if (!(Number.isFinite(spotChange) && Number.isFinite(vixChange))) {
    return { windowMinutes, spotChangeFraction: null, vixChangePoints: null, state: null, diverging: false };
  }
  const spotDir = Math.abs(spotChange) < config.spotNoiseFraction ? 0 : Math.sign(spotChange);
  const vixDir = Math.abs(vixChange) < config.vixNoisePoints ? 0 : Math.sign(vixChange);
  const state: DivergenceState = spotDir === 0 || vixDir === 0 ? 'flat' : spotDir === vixDir ? (spotDir > 0 ? 'both_up' : 'both_down') : 'opposite';
  return { windowMinutes, spotChangeFraction: spotChange, vixChangePoints: vixChange, state, diverging: state === 'both_up' || state === 'both_down' };
}

export interface IvRank {
  /** 0–100; null without enough history. */
  ivRank: number | null;
  /** 0–100; null without enough history. */
  ivPercentile: number | null;
  /** Daily closes actually used. */
  daysUsed: number;
  /** Lowest and highest close used, decimal. */
  minIvDecimal: number | null;
  maxIvDecimal: number | null;
}

export function ivRankPercentile(current: number, history: readonly number[] | undefined, config: VolatilityConfig): IvRank {
  const none: IvRank = { ivRank: null, ivPercentile: null, daysUsed: 0, minIvDecimal: null, maxIvDecimal: null };
  if (!(current > 0 && current < Infinity) || history === undefined) return none;
  let used = 0;
  let min = Infinity;
  let max = -Infinity;
  let below = 0;
  for (let i = history.length - 1; i >= 0 && used < config.ivHistoryDays; i--) {
    const v = history[i];
    if (!(v > 0 && v < Infinity)) continue;
    used++;
    if (v < min) min = v;
    if (v > max) max = v;
    if (v < current) below++;
  }
  if (used < config.minIvHistoryDays) return { ...none, daysUsed: used };
  const rank = max > min ? Math.min(100, Math.max(0, (100 * (current - min)) / (max - min))) : 50;
  return { ivRank: rank, ivPercentile: (100 * below) / used, daysUsed: used, minIvDecimal: min, maxIvDecimal: max };
}

export interface AtmIvVersusVix {
  /** ATM IV × 100 − VIX, vol points. */
  spreadVolPoints: number | null;
  /** ATM IV × 100 / VIX. */
  ratio: number | null;
}

export function atmIvVersusVix(atmIv: number, vix: number): AtmIvVersusVix {
  if (!(atmIv > 0 && atmIv < Infinity && vix > 0 && vix < Infinity)) return { spreadVolPoints: null, ratio: null };
  return { spreadVolPoints: atmIv * 100 - vix, ratio: (atmIv * 100) / vix };
}
