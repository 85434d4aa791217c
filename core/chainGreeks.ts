/**
 * Greeks and theoretical prices of one side of a chain from its implied
 * volatilities: the one computation the processor runs when it enriches a
 * snapshot, and the embedded store runs again when it reads one back
 * (core/packedQuotes.ts stores the IVs and recomputes these instead of
 * storing nine more doubles per option). Both must call this same function
 * with the same inputs so the numbers agree to the last bit.
 *
 * Inputs are what a stored snapshot keeps: the spot, the strikes, ACT/365
 * years to expiry, the risk-free rate (decimal) and the forward the options
 * were priced off. Greeks are Black-Scholes on the spot with the dividend
 * yield the forward implies (see pipeline/processor.ts).
 */
import { allocateGreeks, priceBatch, type GreekColumns, type OptionSign } from './pricing/black.ts';

/** Half-width, in strikes, of the window whose median IV prices the theoretical value. */
export const SMILE_WINDOW = 2;

/** q = r − ln(F/S)/T, so that Black-Scholes on the spot S reproduces Black-76 on F; 0 without a usable forward. */
export function impliedDividendYield(rate: number, forward: number, spot: number, tYears: number): number {
  return tYears > 0 && forward > 0 ? rate - Math.log(forward / spot) / tYears : 0;
}

/** The `bsm` input columns of one side of a chain (every option shares spot, T, r and q). */
export interface SideColumns {
  underlying: Float64Array;
  strike: Float64Array;
  tYears: Float64Array;
  rate: Float64Array;
  divYield: Float64Array;
  optionType: Int8Array;
}

export function sideColumns(strikes: Float64Array, spot: number, tYears: number, rate: number, divYield: number, sign: OptionSign): SideColumns {
  const n = strikes.length;
  return {
    underlying: new Float64Array(n).fill(spot),
    strike: strikes,
    tYears: new Float64Array(n).fill(tYears),
    rate: new Float64Array(n).fill(rate),
    divYield: new Float64Array(n).fill(divYield),
    optionType: new Int8Array(n).fill(sign),
  };
}

export interface SideGreeks {
  /** Price and Greeks at each option's own IV (NaN where the IV is NaN). */
  greeks: GreekColumns;
  /** Model price at the smoothed smile's volatility, index points. */
  theoretical: Float64Array;
}

/** Greeks at `vol` (decimal, NaN where unsolved) and theoretical prices at its smoothed smile. */
export function sideGreeks(columns: SideColumns, vol: Float64Array): SideGreeks {
  const n = vol.length;
  const greeks = allocateGreeks(n);
  priceBatch({ model: 'bsm', vol, ...columns }, greeks);
  const theoretical = allocateGreeks(n);
  priceBatch({ model: 'bsm', vol: smoothedSmile(vol), ...columns }, theoretical);
  return { greeks, theoretical: theoretical.price };
}

/** Median IV over a window of neighbouring strikes: a robust local smile. */
export function smoothedSmile(vol: Float64Array): Float64Array {
  const n = vol.length;
  const smile = new Float64Array(n).fill(NaN);
  const window: number[] = [];
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(vol[i])) continue;
    window.length = 0;
    for (let j = Math.max(0, i - SMILE_WINDOW); j <= Math.min(n - 1, i + SMILE_WINDOW); j++) if (vol[j] > 0) window.push(vol[j]);
    if (window.length === 0) continue;
    window.sort((a, b) => a - b);
    const mid = window.length >> 1;
    smile[i] = window.length % 2 ? window[mid] : 0.5 * (window[mid - 1] + window[mid]);
  }
  return smile;
}
