/**
 * Futures basis, cost of carry and the forward price of one expiry.
 *
 * Conventions:
 * - Basis = future − spot in index points (the Indian "premium"; negative is a
 *   discount), and in percent of spot.
 * - The primary carry figure is `impliedCarryRate` = ln(F/S)/T, a decimal per
 *   year, continuously compounded: the same compounding as `rate` everywhere
 *   in the platform, so F = S·e^{cT} and c = r − q (an implied dividend yield
 *   is r − c). `simpleCarryRate` = (F/S − 1)/T is the simple annualized
 *   figure some desks quote; it is always ≥ the continuous one.
 * - Prices must be positive and finite and T > 0 for a carry rate; anything
 *   else gives NaN.
 * - The implied forward comes from put-call parity, C − P = e^{−rT}(F − K), so
 *   F = K + e^{rT}(C − P). Each strike gives one estimate, from `markPrice`
 *   (mid, else LTP); the estimates of the `strikeCount` strikes nearest spot
 *   where both sides are priced are combined by their median. The median,
 *   rather than an inverse-spread weighting, because LTP fallbacks have no
 *   spread to weight by and one stale LTP should not drag the result.
 */
import type { ChainSnapshot } from '../chain.ts';
import { markPrice } from './atm.ts';

/** future − spot, index points; NaN unless both are positive prices. */
export function futuresBasis(future: number, spot: number): number {
  return isPrice(future) && isPrice(spot) ? future - spot : NaN;
}

/** (future − spot) / spot × 100, percent of spot; NaN unless both are positive prices. */
export function futuresBasisPct(future: number, spot: number): number {
  return isPrice(future) && isPrice(spot) ? ((future - spot) / spot) * 100 : NaN;
}

/** ln(F/S)/T: annualized cost of carry, decimal, continuously compounded. NaN unless T > 0. */
export function impliedCarryRate(future: number, spot: number, tYears: number): number {
  return isPrice(future) && isPrice(spot) && tYears > 0 ? Math.log(future / spot) / tYears : NaN;
}

/** (F/S − 1)/T: annualized cost of carry, decimal, simple interest. NaN unless T > 0. */
export function simpleCarryRate(future: number, spot: number, tYears: number): number {
  return isPrice(future) && isPrice(spot) && tYears > 0 ? (future / spot - 1) / tYears : NaN;
}

/** S·e^{(r−q)T}: fair futures price (rate and dividend yield decimal, continuous). NaN for T < 0. */
export function fairFuture(spot: number, rate: number, divYield: number, tYears: number): number {
  if (!isPrice(spot) || !(tYears >= 0) || !Number.isFinite(rate + divYield + tYears)) return NaN;
  return spot * Math.exp((rate - divYield) * tYears);
}

/**
 * Forward implied by put-call parity: median of K + e^{rT}(C − P) over the
 * `strikeCount` strikes nearest spot (ties to the lower strike) where both the
 * call and the put have a price. NaN when no strike qualifies.
 */
export function impliedForward(snapshot: ChainSnapshot, strikeCount = 3): number {
  const { strikes, spot, call, put } = snapshot;
  const n = strikes.length;
  if (n === 0 || !isPrice(spot) || !(strikeCount >= 1) || !Number.isFinite(snapshot.rate + snapshot.tYears)) return NaN;
  const growth = Math.exp(snapshot.rate * Math.max(snapshot.tYears, 0));

  // Walk outward from spot, taking the nearer of the next strike below and
  // above each step, until enough strikes have both sides priced.
  let below = -1;
  while (below + 1 < n && strikes[below + 1] <= spot) below++;
  let above = below + 1;
  const estimates: number[] = [];
  while (estimates.length < strikeCount && (below >= 0 || above < n)) {
    let i: number;
    if (below < 0) i = above++;
    else if (above >= n) i = below--;
    else if (spot - strikes[below] <= strikes[above] - spot) i = below--;
    else i = above++;
    const c = markPrice(call, i);
    const p = markPrice(put, i);
    if (Number.isFinite(c) && Number.isFinite(p)) estimates.push(strikes[i] + growth * (c - p));
  }
  return median(estimates);
}

export type ForwardSource = 'parity' | 'future' | 'carry' | 'none';

export interface ChainForward {
  /** Forward price for the snapshot's expiry, index points; NaN when source is 'none'. */
  forward: number;
  /** Where it came from, so consumers can label it. */
  source: ForwardSource;
}

export interface ChainForwardOptions {
  /** Strikes used by `impliedForward`; default 3. */
  strikeCount?: number;
  /** Continuous dividend yield (decimal) for the carry fallback; default 0. */
  divYield?: number;
}

/**
 * The best available forward for the snapshot's expiry: the parity-implied
 * forward when the options give one (it is what the options themselves
 * price), else the same-expiry future, else the carry model S·e^{(r−q)T}
 * (with q = 0 unless given, which overstates an index's forward slightly).
 */
export function chainForward(snapshot: ChainSnapshot, options: ChainForwardOptions = {}): ChainForward {
  const fromParity = impliedForward(snapshot, options.strikeCount ?? 3);
  if (isPrice(fromParity)) return { forward: fromParity, source: 'parity' };
  if (isPrice(snapshot.future)) return { forward: snapshot.future, source: 'future' };
  const fromCarry = fairFuture(snapshot.spot, snapshot.rate, options.divYield ?? 0, snapshot.tYears);
  if (isPrice(fromCarry)) return { forward: fromCarry, source: 'carry' };
  return { forward: NaN, source: 'none' };
}

/**
 * The forward to use when a caller may pass one: that one when it is a price,
 * else the snapshot's future, else the carry model S·e^{rT} (no dividend
 * yield); NaN when none is a price.
 */
export function resolveForward(snapshot: ChainSnapshot, forward: number | undefined): number {
  if (forward !== undefined && isPrice(forward)) return forward;
  if (isPrice(snapshot.future)) return snapshot.future;
  const carry = snapshot.spot * Math.exp(snapshot.rate * snapshot.tYears);
  return isPrice(carry) ? carry : NaN;
}

function isPrice(x: number): boolean {
  return x > 0 && x < Infinity;
}

function median(values: number[]): number {
  const m = values.length;
  if (m === 0) return NaN;
  values.sort((a, b) => a - b);
  const mid = m >> 1;
  return m % 2 === 1 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}
