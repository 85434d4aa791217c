/**
 * Max pain: the settlement price, among the listed strikes, at which option
 * holders as a whole would collect the least intrinsic value at expiry.
 *
 *   pain(P) = Σ_K [ OI_C(K)·max(P − K, 0) + OI_P(K)·max(K − P, 0) ]
 *
 * With strikes ascending, the call term at P = K_j only involves strikes below
 * j and the put term only strikes above it, so both expand into prefix sums:
 *
 *   call part = K_j·Σ_{i<j} OI_C(i) − Σ_{i<j} OI_C(i)·K_i
 *   put part  = Σ_{i>j} OI_P(i)·K_i − K_j·Σ_{i>j} OI_P(i)
 *
 * which makes the whole curve O(n) instead of the O(n²) double loop.
 *
 * Conventions:
 * - Missing (NaN) or non-positive OI counts as 0 contracts: an unquoted strike
 *   pays nothing.
 * - Ties go to the lowest strike (the scan is ascending and only a strictly
 *   smaller pain replaces the best so far).
 * - The payout is in index points × contracts; multiply by the lot size for
 *   rupees.
 * - With no open interest anywhere the curve is flat at 0 and there is no
 *   meaningful minimum: the result is NaN (index −1), though a supplied curve
 *   is still filled.
 */
import type { ChainSnapshot } from '../chain.ts';

export interface MaxPain {
  /** Row of the max-pain strike in the chain's columns; −1 when undefined. */
  index: number;
  /** The max-pain strike; NaN when undefined. */
  strike: number;
  /** pain(strike): total intrinsic value paid to holders, index points × contracts. */
  payout: number;
}

const UNDEFINED_MAX_PAIN: MaxPain = { index: -1, strike: NaN, payout: NaN };

/**
 * Max pain over ascending `strikes` with aligned call and put OI columns.
 * When `painCurve` is given (length = strikes), pain(K_j) is written to
 * `painCurve[j]` for every strike.
 */
export function maxPain(strikes: Float64Array, callOi: Float64Array, putOi: Float64Array, painCurve?: Float64Array): MaxPain {
  const n = strikes.length;
  if (callOi.length !== n || putOi.length !== n || (painCurve !== undefined && painCurve.length !== n)) {
    throw new RangeError(
      `maxPain: ${n} strikes but callOi ${callOi.length}, putOi ${putOi.length}` + (painCurve ? `, painCurve ${painCurve.length}` : ''),
    );
  }

  let putOiTotal = 0;
  let putOiStrikeTotal = 0;
  let hasOi = false;
  for (let i = 0; i < n; i++) {
    const p = contracts(putOi[i]);
    putOiTotal += p;
    putOiStrikeTotal += p * strikes[i];
    if (p > 0 || contracts(callOi[i]) > 0) hasOi = true;
  }

  let callOiBelow = 0;
  let callOiStrikeBelow = 0;
  let putOiUpTo = 0;
  let putOiStrikeUpTo = 0;
  let bestIndex = -1;
  let bestPain = Infinity;
  for (let j = 0; j < n; j++) {
    const k = strikes[j];
    const p = contracts(putOi[j]);
    putOiUpTo += p;
    putOiStrikeUpTo += p * k;
    // The same additions in the same order as the totals, so at the last
    // strike the put part is exactly 0 rather than a rounding residue.
    const callPart = k * callOiBelow - callOiStrikeBelow;
    const putPart = putOiStrikeTotal - putOiStrikeUpTo - k * (putOiTotal - putOiUpTo);
    const pain = callPart + putPart;
    if (painCurve !== undefined) painCurve[j] = pain;
    if (pain < bestPain) {
      bestPain = pain;
      bestIndex = j;
    }
    const c = contracts(callOi[j]);
    callOiBelow += c;
    callOiStrikeBelow += c * k;
  }

  if (!hasOi || bestIndex < 0) return { ...UNDEFINED_MAX_PAIN };
  return { index: bestIndex, strike: strikes[bestIndex], payout: bestPain };
}

/** Max pain of one snapshot; see `maxPain`. */
export function chainMaxPain(snapshot: ChainSnapshot, painCurve?: Float64Array): MaxPain {
  return maxPain(snapshot.strikes, snapshot.call.oi, snapshot.put.oi, painCurve);
}

/** OI as a contract count: missing or non-positive counts as none. */
function contracts(oi: number): number {
  return oi > 0 && oi < Infinity ? oi : 0;
}
