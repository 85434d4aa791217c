/**
 * Order-flow toxicity per symbol: VPIN with bulk volume classification, and
 * a quote-rule buy/sell imbalance. One signal among others: VPIN's power to
 * forecast is contested (Andersen & Bondarenko 2013, DOMAIN.md).
 *
 * Volume: each snapshot's increment of an option's session volume,
 * ΔV = V_now − V_previous snapshot (contracts; a decrease is a reset, skipped),
 * over every strike, side and expiry of the symbol.
 *
 * Bulk volume classification (Easley, López de Prado, O'Hara 2012), applied
 * per option contract, since each contract has its own price: the buy share
 * of ΔV is Φ(ΔP/σ_ΔP), ΔP the contract's LTP change over the same interval
 * and σ_ΔP the square root of an EWMA (decay λ, default 0.94) of that
 * contract's past ΔP² (before this one). The first increment of a contract,
 * with no σ yet, splits ½–½. Φ is core/math/normal.ts's normCdf.
 *
 * Buckets: the classified volume fills equal-volume buckets of V contracts,
 * an increment spilling into the next bucket in proportion. V = the
 * symbol's total option volume of the previous session / bucketsPerSession
 * (default 250, about 1.5 minutes of an average session), frozen for the
 * session so buckets compare; initialBucketContracts until a previous
 * session is known. With n full buckets in the window (at most windowBuckets,
 * default 50):
 *   VPIN = Σ_{last n} |V_buy − V_sell| / (n·V)   ∈ [0, 1]
 * reported with n, so a VPIN over few buckets reads as such.
 *
 * Imbalance (Lee–Ready quote rule): an increment whose LTP printed above the
 * bid/ask mid counts as buyer-initiated, below as seller-initiated, at the mid
 * (or with no two-sided quote) unclassified. Imbalance = (buy − sell)/(buy +
 * sell) over the last imbalanceWindowMinutes (whole IST minutes, the current
 * one included) and over the session; NaN when nothing was classified.
 */
import { normCdf } from '../math/normal.ts';
import type { VpinConfig } from './config.ts';
import { FloatRing } from './stats.ts';

export interface ToxicityState {
  bucketContracts: number;
  currentBuy: number;
  currentTotal: number;
  /** |V_buy − V_sell| of each full bucket, newest last. */
  bucketImbalances: FloatRing;
  fullBuckets: number;
  /** Quote-rule minute bins: minute number (epoch minutes) and contracts. */
  binMinute: Float64Array;
  binBuy: Float64Array;
  binSell: Float64Array;
  sessionBuy: number;
  sessionSell: number;
  sessionUnclassified: number;
  /** Σ ΔV this session, contracts (the next session's bucket size comes from it). */
  sessionVolume: number;
}

export function createToxicityState(bucketContracts: number, config: VpinConfig): ToxicityState {
  const bins = Math.ceil(config.imbalanceWindowMinutes) + 1;
  return {
    bucketContracts,
    currentBuy: 0,
    currentTotal: 0,
    bucketImbalances: new FloatRing(config.windowBuckets),
    fullBuckets: 0,
    binMinute: new Float64Array(bins).fill(NaN),
    binBuy: new Float64Array(bins),
    binSell: new Float64Array(bins),
    sessionBuy: 0,
    sessionSell: 0,
    sessionUnclassified: 0,
    sessionVolume: 0,
  };
}

/** Bucket size for a session: previous session's volume / bucketsPerSession, else the initial size. */
export function bucketSizeFor(previousSessionVolume: number, config: VpinConfig): number {
  return previousSessionVolume > 0 && previousSessionVolume < Infinity ? previousSessionVolume / config.bucketsPerSession : config.initialBucketContracts;
}

/** BVC buy share Φ(ΔP/σ); ½ when σ is unknown or 0. */
export function bvcBuyFraction(priceChange: number, sigma: number): number {
  if (!(sigma > 0 && sigma < Infinity) || !Number.isFinite(priceChange)) return 0.5;
  return normCdf(priceChange / sigma);
}

/** The EWMA of ΔP² after one more change: λ·var + (1 − λ)·ΔP², started at ΔP². */
export function updateVariance(variance: number, priceChange: number, lambda: number): number {
  if (!Number.isFinite(priceChange)) return variance;
  const square = priceChange * priceChange;
  return Number.isFinite(variance) ? lambda * variance + (1 - lambda) * square : square;
}

/** Adds classified volume to the buckets (see the module doc). */
export function addBucketVolume(state: ToxicityState, buyContracts: number, totalContracts: number): void {
  if (!(totalContracts > 0)) return;
  let buy = buyContracts;
  let total = totalContracts;
  state.sessionVolume += totalContracts;
  const size = state.bucketContracts;
  while (total > 0) {
    const room = size - state.currentTotal;
    const take = Math.min(room, total);
    const part = buy * (take / total);
    state.currentBuy += part;
    state.currentTotal += take;
    buy -= part;
    total -= take;
    // A relative tolerance: repeated proportional splits leave rounding dust.
    if (state.currentTotal >= size * (1 - 1e-12)) {
      state.bucketImbalances.push(Math.abs(2 * state.currentBuy - state.currentTotal));
      state.fullBuckets++;
      state.currentBuy = 0;
      state.currentTotal = 0;
    }
  }
}

/** Adds quote-rule classified contracts to the minute bin of `timestampMs` and the session. */
export function addQuoteRuleVolume(state: ToxicityState, timestampMs: number, buy: number, sell: number, unclassified: number): void {
  state.sessionBuy += buy;
  state.sessionSell += sell;
  state.sessionUnclassified += unclassified;
  const minute = Math.floor(timestampMs / 60_000);
  const bins = state.binMinute.length;
  const b = ((minute % bins) + bins) % bins;
  if (state.binMinute[b] !== minute) {
    state.binMinute[b] = minute;
    state.binBuy[b] = 0;
    state.binSell[b] = 0;
  }
  state.binBuy[b] += buy;
  state.binSell[b] += sell;
}

/** Which side an increment printed on: +1 buy (LTP above mid), −1 sell, 0 unclassified. */
export function quoteRuleSide(ltp: number, bid: number, ask: number): number {
  if (!(bid > 0 && ask >= bid && ask < Infinity && Number.isFinite(ltp))) return 0;
  const mid = 0.5 * (bid + ask);
  return ltp > mid ? 1 : ltp < mid ? -1 : 0;
}

export interface Toxicity {
  /** VPIN over the last `buckets` full buckets, 0–1; null before the first bucket fills. */
  vpin: number | null;
  buckets: number;
  bucketContracts: number;
  /** Full buckets this session. */
  sessionBuckets: number;
  /** (buy − sell)/(buy + sell) by the quote rule over the window, −1…1; null when nothing classified. */
  imbalance: number | null;
  imbalanceWindowMinutes: number;
  /** The same over the session. */
  sessionImbalance: number | null;
  sessionBuyContracts: number;
  sessionSellContracts: number;
  sessionUnclassifiedContracts: number;
}

export function toxicity(state: ToxicityState, timestampMs: number, config: VpinConfig): Toxicity {
  const n = state.bucketImbalances.count;
  let sum = 0;
  const held = state.bucketImbalances.held();
  for (let i = 0; i < n; i++) sum += held[i];
  const minute = Math.floor(timestampMs / 60_000);
  let buy = 0;
  let sell = 0;
  for (let b = 0; b < state.binMinute.length; b++) {
    const m = state.binMinute[b];
    if (m > minute - config.imbalanceWindowMinutes && m <= minute) {
      buy += state.binBuy[b];
      sell += state.binSell[b];
    }
  }
  return {
    vpin: n > 0 ? sum / (n * state.bucketContracts) : null,
    buckets: n,
    bucketContracts: state.bucketContracts,
    sessionBuckets: state.fullBuckets,
    imbalance: buy + sell > 0 ? (buy - sell) / (buy + sell) : null,
    imbalanceWindowMinutes: config.imbalanceWindowMinutes,
    sessionImbalance: state.sessionBuy + state.sessionSell > 0 ? (state.sessionBuy - state.sessionSell) / (state.sessionBuy + state.sessionSell) : null,
    sessionBuyContracts: state.sessionBuy,
    sessionSellContracts: state.sessionSell,
    sessionUnclassifiedContracts: state.sessionUnclassified,
  };
}
