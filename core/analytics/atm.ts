/**
 * At-the-money analytics of one chain snapshot: the ATM strike, ATM implied
 * volatility, the ATM straddle and the moves it implies.
 *
 * Conventions:
 * - "At the money" is measured against the forward F for the expiry, passed
 *   in by the caller (see `chainForward` in basis.ts): the forward, not spot,
 *   is where a call and a put of the same strike are worth the same.
 * - The ATM strike is the listed strike nearest F; a tie goes to the lower
 *   strike. Strikes must be ascending (as in ChainSnapshot).
 * - An IV is usable when finite and > 0: feeds send 0 where they could not
 *   solve, and a zero volatility is never a real quote.
 * - The IV at a strike is the mean of the call and put IVs when both are
 *   usable, else whichever one is (by parity both price the same volatility;
 *   averaging halves the noise of either quote).
 * - An option's price is its mid when bid and ask are both > 0, finite and not
 *   crossed (ask ≥ bid), else its last traded price when > 0, else NaN. The mid
 *   is preferred because the LTP can be minutes stale.
 * - Moves are in index points. Two moves are reported, and they answer
 *   different questions:
 *   · `expectedAbsMove` = e^{rT}·(C + P) at the ATM strike K: the risk-neutral
 *     expected absolute distance |S_T − K| at expiry (a straddle pays exactly
 *     that, discounted). For K = F under a lognormal it is
 *     F·(4Φ(σ√T/2) − 2) ≈ √(2/π)·σ·F·√T ≈ 0.8·σ·F·√T.
 *   · `oneSigmaMoveFromIv` = F·σ_ATM·√T: one standard deviation of the price at
 *     expiry (the normal approximation of the lognormal; about 68 % of outcomes
 *     fall within it), using F as the expected price at expiry.
 *   `oneSigmaMoveFromStraddle` = √(π/2)·expectedAbsMove puts the straddle on
 *   the same footing as the IV move (for a normal, E|X| = √(2/π)·σ).
 */
import type { ChainSide, ChainSnapshot } from '../chain.ts';

/**
 * Row of the listed strike nearest `forward` (ties to the lower strike), or −1
 * when the chain is empty or the forward is not a positive number. O(log n).
 */
export function atmIndex(strikes: Float64Array, forward: number): number {
  const n = strikes.length;
  if (n === 0 || !(forward > 0 && forward < Infinity)) return -1;
  const above = firstStrikeAbove(strikes, forward);
  if (above === 0) return 0;
  if (above === n) return n - 1;
  return forward - strikes[above - 1] <= strikes[above] - forward ? above - 1 : above;
}

/** The listed strike nearest `forward` (ties to the lower); NaN when none. */
export function atmStrike(strikes: Float64Array, forward: number): number {
  const i = atmIndex(strikes, forward);
  return i < 0 ? NaN : strikes[i];
}

/**
 * IV at row `i`: mean of the call and put IVs when both are usable, else the
 * usable one, else NaN.
 */
export function strikeIv(callIv: Float64Array, putIv: Float64Array, i: number): number {
  const c = callIv[i];
  const p = putIv[i];
  const callOk = c > 0 && c < Infinity;
  const putOk = p > 0 && p < Infinity;
  if (callOk && putOk) return 0.5 * (c + p);
  if (callOk) return c;
  if (putOk) return p;
  return NaN;
}

/** IV (decimal) at the ATM strike for `forward`; NaN when none is usable. */
export function atmIv(snapshot: ChainSnapshot, forward: number): number {
  const i = atmIndex(snapshot.strikes, forward);
  return i < 0 ? NaN : strikeIv(snapshot.call.iv, snapshot.put.iv, i);
}

/**
 * IV (decimal) at the forward itself, linear in strike between the two listed
 * strikes around it (each read with `strikeIv`). If only one of the two has a
 * usable IV, that one is returned; outside the listed range the edge strike's
 * IV is used (flat), as no strike on the far side exists to interpolate with.
 */
export function atmIvInterpolated(snapshot: ChainSnapshot, forward: number): number {
  const { strikes } = snapshot;
  const { iv: callIv } = snapshot.call;
  const { iv: putIv } = snapshot.put;
  const n = strikes.length;
  if (n === 0 || !(forward > 0 && forward < Infinity)) return NaN;
  const above = firstStrikeAbove(strikes, forward);
  if (above === 0) return strikeIv(callIv, putIv, 0);
  if (above === n) return strikeIv(callIv, putIv, n - 1);
  const below = above - 1;
  const ivBelow = strikeIv(callIv, putIv, below);
  const ivAbove = strikeIv(callIv, putIv, above);
  if (Number.isNaN(ivBelow)) return ivAbove;
  if (Number.isNaN(ivAbove)) return ivBelow;
  const weight = (forward - strikes[below]) / (strikes[above] - strikes[below]);
  return ivBelow + weight * (ivAbove - ivBelow);
}

/**
 * The price a quote is used at: its mid when bid and ask are both > 0 and not
 * crossed (a valid two-sided quote), else its LTP as it is (possibly ≤ 0 or
 * NaN). The data-quality rules judge this price (core/analytics/quality.ts).
 */
export function quotedPrice(bid: number, ask: number, ltp: number): number {
  return bid > 0 && ask >= bid && ask < Infinity ? 0.5 * (bid + ask) : ltp;
}

/**
 * Price of row `i` of one side: `quotedPrice` (mid when bid and ask are both
 * > 0 and not crossed, else the LTP) when it is > 0 and finite, else NaN.
 */
export function markPrice(side: ChainSide, i: number): number {
  const price = quotedPrice(side.bid[i], side.ask[i], side.ltp[i]);
  return price > 0 && price < Infinity ? price : NaN;
}

export interface AtmStraddle {
  /** Row of the ATM strike; −1 when the chain is empty or the forward invalid. */
  index: number;
  strike: number;
  /** Call price at the ATM strike (`markPrice`). */
  callPrice: number;
  /** Put price at the ATM strike (`markPrice`). */
  putPrice: number;
  /** C + P, discounted premium in index points; NaN unless both sides are priced. */
  straddlePrice: number;
  /** e^{rT}·(C + P): expected |S_T − K| at expiry, index points (≈ 0.8·σ·F·√T). */
  expectedAbsMove: number;
  /** √(π/2)·expectedAbsMove: the 1-σ move the straddle implies, index points. */
  oneSigmaMoveFromStraddle: number;
  /** ATM IV (decimal), `strikeIv` at the ATM strike. */
  atmIv: number;
  /** F·σ_ATM·√T: the 1-σ move from the ATM IV, index points. */
  oneSigmaMoveFromIv: number;
}

const SQRT_HALF_PI = Math.sqrt(Math.PI / 2);

/** The ATM straddle for `forward` and the moves it implies (see the module doc). */
export function atmStraddle(snapshot: ChainSnapshot, forward: number): AtmStraddle {
  const i = atmIndex(snapshot.strikes, forward);
  if (i < 0) {
    return {
      index: -1,
      strike: NaN,
      callPrice: NaN,
      putPrice: NaN,
      straddlePrice: NaN,
      expectedAbsMove: NaN,
      oneSigmaMoveFromStraddle: NaN,
      atmIv: NaN,
      oneSigmaMoveFromIv: NaN,
    };
  }
  const { tYears, rate } = snapshot;
  const callPrice = markPrice(snapshot.call, i);
  const putPrice = markPrice(snapshot.put, i);
  const straddlePrice = callPrice + putPrice;
  const expectedAbsMove = straddlePrice * Math.exp(rate * Math.max(tYears, 0));
  const iv = strikeIv(snapshot.call.iv, snapshot.put.iv, i);
  return {
    index: i,
    strike: snapshot.strikes[i],
    callPrice,
    putPrice,
    straddlePrice,
    expectedAbsMove,
    oneSigmaMoveFromStraddle: SQRT_HALF_PI * expectedAbsMove,
    atmIv: iv,
    // Math.sqrt of a negative time gives NaN: a snapshot past expiry has no move left to imply.
    oneSigmaMoveFromIv: forward * iv * Math.sqrt(tYears),
  };
}

/** First row whose strike is > `value` (n when none): upper-bound binary search. */
function firstStrikeAbove(strikes: Float64Array, value: number): number {
  let lo = 0;
  let hi = strikes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (strikes[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
