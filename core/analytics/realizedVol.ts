/**
 * Realized volatility of daily closes and its cone: for each window of N
 * sessions, the realized volatility over the latest N sessions beside the
 * lowest, median and highest it has been over every N-session window of the
 * history (the "volatility cone" of Burghardt & Lane, 1990), to set against
 * implied volatility.
 *
 * Close-to-close estimator: with rᵢ = ln(Cᵢ / Cᵢ₋₁) the log returns of
 * consecutive session closes, the realized volatility over N returns is
 *
 *   σ = √(252 · Σ (rᵢ − r̄)² / (N − 1)),
 *
 * the sample standard deviation of the returns (mean removed, N − 1 degrees
 * of freedom) annualised with SESSIONS_PER_YEAR = 252 sessions; decimal
 * (0.15 = 15 %), comparable with IV. A window of N sessions takes N returns,
 * so N + 1 closes. Closes are not checked for gaps: a missing session makes
 * its neighbours' return span two sessions.
 */
import { medianInPlace } from '../intelligence/stats.ts';
import { SESSIONS_PER_YEAR } from '../time/expiry.ts';

export { SESSIONS_PER_YEAR };

/** The cone's windows, sessions. */
export const CONE_WINDOWS: readonly number[] = [5, 10, 20, 40, 60];

/** ln(Cᵢ / Cᵢ₋₁), one fewer than the closes; NaN where a close is not positive and finite. */
export function logReturns(closes: Float64Array): Float64Array {
  const out = new Float64Array(Math.max(closes.length - 1, 0));
  for (let i = 1; i < closes.length; i++) {
    const [a, b] = [closes[i - 1], closes[i]];
    out[i - 1] = a > 0 && b > 0 && a < Infinity && b < Infinity ? Math.log(b / a) : NaN;
  }
  return out;
}

/** Close-to-close realized volatility of `returns[from..to)`, annualised, decimal; NaN with fewer than two returns. */
export function realizedVol(returns: Float64Array, from = 0, to = returns.length): number {
  const n = to - from;
  if (n < 2) return NaN;
  let mean = 0;
  for (let i = from; i < to; i++) mean += returns[i];
  mean /= n;
  let squares = 0;
  for (let i = from; i < to; i++) squares += (returns[i] - mean) ** 2;
  return Math.sqrt((SESSIONS_PER_YEAR * squares) / (n - 1));
}

export interface ConeWindow {
  /** Sessions in the window (returns). */
  sessions: number;
  /** Realized vol over the latest `sessions` returns, decimal; NaN with too few closes. */
  current: number;
  /** Lowest, median and highest realized vol over every `sessions`-return window of the history, decimal; NaN with too few closes. */
  min: number;
  median: number;
  max: number;
  /** How many windows those are: returns − sessions + 1, or 0. */
  samples: number;
}

/** The cone of `closes` (oldest first) over `windows` (sessions each); see the module doc. */
export function volatilityCone(closes: Float64Array, windows: readonly number[] = CONE_WINDOWS): ConeWindow[] {
  const returns = logReturns(closes);
  return windows.map((sessions) => {
    const samples = sessions >= 2 ? Math.max(returns.length - sessions + 1, 0) : 0;
    if (samples === 0) return { sessions, current: NaN, min: NaN, median: NaN, max: NaN, samples: 0 };
    const vols = new Float64Array(samples);
    for (let s = 0; s < samples; s++) vols[s] = realizedVol(returns, s, s + sessions);
    const current = vols[samples - 1];
    const [min, max] = [Math.min(...vols), Math.max(...vols)];
    return { sessions, current, min, median: medianInPlace(vols), max, samples };
  });
}
