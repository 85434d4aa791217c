/**
 * Volatility skew of one chain snapshot: the delta-based risk reversal and
 * butterfly, and the put-minus-call IV spread at a fixed moneyness.
 *
 * Conventions:
 * - The forward F is `options.forward` when it is a positive number, else the
 *   snapshot's same-expiry future, else the carry model S·e^{rT} (no dividend
 *   yield, so slightly high for an index). Pass `chainForward(snapshot).forward`
 *   from basis.ts to use the parity-implied forward.
 * - Deltas are FORWARD deltas, undiscounted: N(d1) for a call and N(d1) − 1 for
 *   a put, d1 = (ln(F/K) + σ²T/2)/(σ√T), each side's own IV. Undiscounted so
 *   that the 25Δ point does not move with the rate and a 25Δ put is exactly a
 *   75Δ call of the same strike; on the forward so that it does not depend on
 *   a dividend assumption. (Black-76's ∂V/∂F in black.ts is e^{−rT}·N(d1),
 *   BSM's ∂V/∂S with q = 0 is N(d1) again when F = S·e^{rT}.)
 * - `deltaSource: 'forward'` (default) always computes those deltas from the
 *   IV columns, so the delta and the IV being interpolated come from one
 *   model. `'chain'` reads the chain's delta columns as given (a vendor's
 *   convention, which may be discounted or spot-based) and computes a forward
 *   delta only for rows whose delta is NaN.
 * - An IV is usable when finite and > 0 (feeds send 0 where they could not
 *   solve). Rows without a usable IV or delta are skipped, not zero-filled.
 * - IV at a target delta: walking each side from deep in the money towards out
 *   of the money (calls by ascending strike, puts by descending strike), the
 *   first pair of consecutive usable rows whose |Δ| drops through the target
 *   is interpolated linearly in delta. NaN when no pair brackets the target
 *   (the chain's usable strikes do not reach 25Δ).
 * - ATM IV is the IV at the strike K = F, linear in strike between the
 *   nearest usable rows around F, each row's IV being the mean of its call and
 *   put IVs when both are usable (either one otherwise). NaN when F is not
 *   inside the usable strikes.
 * - RR = IV(Δ call) − IV(Δ put); BF = (IV(Δ call) + IV(Δ put))/2 − IV_ATM.
 *   Both in decimal vol (0.01 = one vol point). An index normally has RR < 0.
 * - Moneyness skew (Tickertape-style; their exact definition is not public,
 *   this one is ours): IV_put(K = F·(1 − m)) − IV_call(K = F·(1 + m)), each
 *   side's own IV linear in strike between its nearest usable rows, default
 *   m = 5 %. Positive when OTM puts are dearer than OTM calls, as on an index.
 */
import { isUsableIv, type ChainSnapshot } from '../chain.ts';
import { resolveForward } from './basis.ts';
import { normCdf } from '../math/normal.ts';

export type DeltaSource = 'forward' | 'chain';

export interface DeltaSkewOptions {
  /** Forward for the expiry, index points; default future, else S·e^{rT}. */
  forward?: number;
  /** Where deltas come from (see the module doc); default 'forward'. */
  deltaSource?: DeltaSource;
  /** Absolute delta of the wings, in (0, 0.5]; default 0.25. */
  delta?: number;
}

export interface DeltaSkew {
  /** IV(Δ call) − IV(Δ put), decimal vol; NaN unless both are bracketed. */
  riskReversal: number;
  /** (IV(Δ call) + IV(Δ put))/2 − IV_ATM, decimal vol. */
  butterfly: number;
  /** IV of the call at +Δ, decimal. */
  callIv: number;
  /** IV of the put at −Δ, decimal. */
  putIv: number;
  /** IV at K = F, decimal. */
  atmIv: number;
  /** Strike at +Δ call, linear in delta like the IV (informative). */
  callStrike: number;
  /** Strike at −Δ put, linear in delta like the IV (informative). */
  putStrike: number;
  /** The absolute delta used, e.g. 0.25. */
  delta: number;
  forward: number;
  deltaSource: DeltaSource;
}

export interface MoneynessSkewOptions {
  forward?: number;
  /** Distance from the forward as a fraction, default 0.05 (5 %). */
  moneyness?: number;
}

export interface MoneynessSkew {
  /** IV_put(F·(1 − m)) − IV_call(F·(1 + m)), decimal vol. */
  skew: number;
  putIv: number;
  callIv: number;
  /** F·(1 − m). */
  putStrike: number;
  /** F·(1 + m). */
  callStrike: number;
  moneyness: number;
  forward: number;
}

/**
 * Undiscounted forward delta: N(d1) for a call (sign +1), N(d1) − 1 = −N(−d1)
 * for a put (sign −1). At or after expiry, or with zero vol, the slope of the
 * forward payoff (±1 in the money, 0 out of it, ±½ at the strike). NaN for
 * invalid inputs.
 */
export function forwardDelta(forward: number, strike: number, tYears: number, vol: number, sign: number): number {
  if (!(forward > 0 && strike > 0 && vol >= 0 && Number.isFinite(forward + strike + tYears + vol)) || (sign !== 1 && sign !== -1)) {
    return NaN;
  }
  const totalVol = tYears > 0 ? vol * Math.sqrt(tYears) : 0;
  const logMoneyness = Math.log(forward / strike);
  if (totalVol === 0) {
    const inTheMoney = sign * logMoneyness;
    return inTheMoney > 0 ? sign : inTheMoney < 0 ? 0 : 0.5 * sign;
  }
  const d1 = logMoneyness / totalVol + 0.5 * totalVol;
  return sign * normCdf(sign * d1);
}

/** Risk reversal and butterfly at ±`delta` (default 25Δ); see the module doc. */
export function deltaSkew(snapshot: ChainSnapshot, options: DeltaSkewOptions = {}): DeltaSkew {
  const delta = options.delta ?? 0.25;
  const deltaSource = options.deltaSource ?? 'forward';
  const forward = resolveForward(snapshot, options.forward);
  const result: DeltaSkew = {
    riskReversal: NaN,
    butterfly: NaN,
    callIv: NaN,
    putIv: NaN,
    atmIv: NaN,
    callStrike: NaN,
    putStrike: NaN,
    delta,
    forward,
    deltaSource,
  };
  if (!(delta > 0 && delta <= 0.5) || !(forward > 0 && forward < Infinity)) return result;

  const useChainDelta = deltaSource === 'chain';

  // Calls, ascending strikes, and puts, descending: |Δ| falls from ~1 (deep
  // ITM) to ~0 along each walk.
  const callAt = ivAtAbsDelta(snapshot, snapshot.call, 1, forward, delta, useChainDelta);
  const putAt = ivAtAbsDelta(snapshot, snapshot.put, -1, forward, delta, useChainDelta);
  result.callIv = callAt.iv;
  result.callStrike = callAt.strike;
  result.putIv = putAt.iv;
  result.putStrike = putAt.strike;

  result.atmIv = atmIvAtForward(snapshot, forward);
  result.riskReversal = result.callIv - result.putIv;
  result.butterfly = 0.5 * (result.callIv + result.putIv) - result.atmIv;
  return result;
}

/** Put IV at F·(1 − m) minus call IV at F·(1 + m); see the module doc. */
export function moneynessSkew(snapshot: ChainSnapshot, options: MoneynessSkewOptions = {}): MoneynessSkew {
  const moneyness = options.moneyness ?? 0.05;
  const forward = resolveForward(snapshot, options.forward);
  const valid = moneyness >= 0 && moneyness < 1 && forward > 0 && forward < Infinity;
  const putStrike = valid ? forward * (1 - moneyness) : NaN;
  const callStrike = valid ? forward * (1 + moneyness) : NaN;
  const putIv = valid ? ivAtStrike(snapshot.strikes, snapshot.put.iv, putStrike) : NaN;
  const callIv = valid ? ivAtStrike(snapshot.strikes, snapshot.call.iv, callStrike) : NaN;
  return { skew: putIv - callIv, putIv, callIv, putStrike, callStrike, moneyness, forward };
}

/**
 * One IV column at `strike`, linear in strike between the nearest rows with a
 * usable IV on either side (the row's own IV when a usable row sits exactly
 * at `strike`). NaN when `strike` is outside the usable rows.
 */
export function ivAtStrike(strikes: Float64Array, iv: Float64Array, strike: number): number {
  return interpolateInStrike(strikes, strike, iv, iv);
}

/**
 * IV at K = F: the mean of the call and put IVs per row (either one when only
 * one is usable), linear in strike around F. NaN when F is outside the usable rows.
 */
export function atmIvAtForward(snapshot: ChainSnapshot, forward: number): number {
  return interpolateInStrike(snapshot.strikes, forward, snapshot.call.iv, snapshot.put.iv);
}

/**
 * Linear interpolation in strike of the per-row IV `rowIv(ivA, ivB, i)` (pass
 * the same column twice to read one side alone).
 */
function interpolateInStrike(strikes: Float64Array, target: number, ivA: Float64Array, ivB: Float64Array): number {
  const n = strikes.length;
  if (n === 0 || !Number.isFinite(target)) return NaN;
  // First row with strike ≥ target (strikes ascending).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strikes[mid] < target) lo = mid + 1;
    else hi = mid;
  }
  let above = lo;
  while (above < n && Number.isNaN(rowIv(ivA, ivB, above))) above++;
  if (above === n) return NaN;
  if (strikes[above] === target) return rowIv(ivA, ivB, above);
  let below = lo - 1;
  while (below >= 0 && Number.isNaN(rowIv(ivA, ivB, below))) below--;
  if (below < 0) return NaN;
  const ivBelow = rowIv(ivA, ivB, below);
  const weight = (target - strikes[below]) / (strikes[above] - strikes[below]);
  return ivBelow + weight * (rowIv(ivA, ivB, above) - ivBelow);
}

function rowIv(ivA: Float64Array, ivB: Float64Array, i: number): number {
  const a = ivA[i];
  const b = ivB[i];
  const aOk = isUsableIv(a);
  const bOk = isUsableIv(b);
  if (aOk && bOk) return 0.5 * (a + b);
  if (aOk) return a;
  if (bOk) return b;
  return NaN;
}

/** |Δ| fell through the target between the previous usable row and this one. */
/**
 * IV and strike where one side's |Δ| crosses `target`, linear between the
 * bracketing strikes; walks calls (sign +1) up the strikes and puts (sign −1)
 * down them, skipping unusable IVs and deltas. NaN when |Δ| never crosses.
 */
function ivAtAbsDelta(
  snapshot: ChainSnapshot,
  side: ChainSnapshot['call'],
  sign: 1 | -1,
  forward: number,
  target: number,
  useChainDelta: boolean,
): { iv: number; strike: number } {
  const { strikes, tYears } = snapshot;
  const n = strikes.length;
  let prevAbsDelta = NaN;
  let prevIv = NaN;
  let prevStrike = NaN;
  for (let step = 0; step < n; step++) {
    const i = sign === 1 ? step : n - 1 - step;
    const iv = side.iv[i];
    if (!isUsableIv(iv)) continue;
    const chainDelta = side.delta[i];
    const d = sign * (useChainDelta && Number.isFinite(chainDelta) ? chainDelta : forwardDelta(forward, strikes[i], tYears, iv, sign));
    if (!Number.isFinite(d)) continue;
    if (crossesTarget(prevAbsDelta, d, target)) {
      const w = bracketWeight(prevAbsDelta, d, target);
      return { iv: prevIv + w * (iv - prevIv), strike: prevStrike + w * (strikes[i] - prevStrike) };
    }
    prevAbsDelta = d;
    prevIv = iv;
    prevStrike = strikes[i];
  }
  return { iv: NaN, strike: NaN };
}

function crossesTarget(prevAbsDelta: number, absDelta: number, target: number): boolean {
  return prevAbsDelta >= target && absDelta <= target;
}

/** Weight of the second row so that |Δ| interpolates to the target. */
function bracketWeight(prevAbsDelta: number, absDelta: number, target: number): number {
  const span = prevAbsDelta - absDelta;
  return span > 0 ? (prevAbsDelta - target) / span : 0;
}


