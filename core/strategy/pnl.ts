/**
 * The P&L of a strategy's legs over a column of spots at one instant: the
 * kernel under every curve, breakeven, probability and what-if grid of the
 * strategy builder.
 *
 * Model. The state is the spot S of the index. Each leg belongs to an expiry
 * whose forward ties to the spot through that expiry's carry,
 * F = S·e^{(r−q)τ} (q the expiry's implied dividend yield, from its chain's
 * forward), so that calendars and diagonals are priced with each leg's own
 * time τ and volatility:
 * - an option is worth its Black-Scholes-Merton price on S with yield q while
 *   τ > 0 (core/pricing/black.ts' convention), its payoff after;
 * - a future is marked to market at its fair value S·e^{(r−q)τ}, at S from
 *   its expiry on.
 * A leg's P&L is its signed quantity in units (lots × lot size, + bought,
 * − sold) times (value − entry price); the strategy's is their sum, rupees.
 *
 * Speed. Everything that does not depend on the spot is worked out once per
 * instant (compileHorizon: times, discounts, σ√τ, ln K, the constant part of
 * d1), and what depends on it only through ln S once per spot (spotLogs,
 * shared by every leg and instant of an evaluation), so the loop over legs ×
 * spots is the formula's irreducible part: d1, d2 and the two normal tails
 * Φ(−|d1|), Φ(−|d2|), each a table polynomial without an exponential
 * (core/math/normTail.ts). Options of one expiry, strike and volatility (a
 * straddle, an iron butterfly's body, one strike bought and sold) share d1
 * and d2 and so that work; the futures collapse into one slope. The loops
 * allocate nothing.
 *
 * Exactness. The kernel computes the Black-Scholes-Merton value as
 * core/pricing/black.ts does, θ·(S·e^{−qτ}·Φ(θd1) − K·e^{−rτ}·Φ(θd2)), with
 * ln(S/K) as ln S − ln K in double-double (as exact as the pricer's
 * log(S/K), to ~2e-16) and tails at least as exact as the pricer's
 * erfcx·e^{−d²/2}. Near expiry (σ√τ < NEAR_EXPIRY_TOTAL_VOL, the last two
 * days or so at 13 %) that formula is a small difference of strike-sized
 * terms, for the pricer too; the kernel then uses a form without the
 * cancellation (addNearExpiryGroup). Beyond SATURATED_D standard deviations
 * an option is its discounted intrinsic value or worthless (Φ is 0 or 1 to
 * double precision there). pnl.test.ts checks the kernel leg by leg against
 * the pricer (to 1e-12 of the value, or the pricer's own rounding where that
 * is larger) deep in and out of the money, from a second to 30 years, and
 * against 50-digit values (to 1e-12 of the value).
 */
import { normTail } from '../math/normTail.ts';

const MS_PER_YEAR = 365 * 24 * 60 * 60 * 1000;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** |d| beyond which Φ(d) is 0 or 1 to double precision (Φ(−8.5) ≈ 9.5e-18). */
export const SATURATED_D = 8.5;
/**
 * σ√τ below which a group is valued by the near-expiry form (addNearExpiryGroup):
 * there d1 and d2 are so close that S·Φ(d1) − K·Φ(d2) is a small difference
 * of strike-sized terms, and ln S − ln K (exact to ~2e-16) is magnified by
 * 1/(σ√τ) in d. At σ = 13 % that is the last two days or so.
 */
export const NEAR_EXPIRY_TOTAL_VOL = 0.01;
/**
 * σ√τ below which that form takes ln(S/K) as log1p((S − K)/K), exact
 * relative to itself, rather than from the spot's logs: their ~2e-16 would
 * be over 2.5e-13 of an at-the-money value there (its elasticity to the spot
 * is about 1.25/(σ√τ)).
 */
export const EXACT_LOG_TOTAL_VOL = 1e-3;
/** Bound once: a transpiled ESM import is a getter call on every use, which the hot loop would pay per point. */
const tailOf = normTail;

/** A leg resolved against the market: everything the kernel needs, in units. */
export interface PricedLeg {
  /** The leg's index in the user's list, for messages. */
  index: number;
  instrument: 'OPTION' | 'FUTURE';
  /** +1 call, −1 put; 0 for a future. */
  optionSign: 1 | -1 | 0;
  /** Strike, index points; NaN for a future. */
  strike: number;
  /** Expiry date (YYYY-MM-DD) and its instant, epoch ms. */
  expiry: string;
  expiryMs: number;
  /** Signed quantity in units of the index: lots × lot size, positive bought, negative sold. */
  units: number;
  /** Lots and lot size as given and resolved. */
  lots: number;
  lotSize: number;
  /** Entry price, rupees per unit (index points). */
  entryPrice: number;
  /** Implied volatility, decimal per year; NaN for a future. */
  iv: number;
  /** This leg's extra IV shift, decimal (0.01 = 1 vol point). */
  ivShift: number;
  /** Continuous dividend yield of the leg's expiry (decimal per year): F = S·e^{(r−q)τ}. */
  divYield: number;
}

/** The market a strategy is valued in. */
export interface StrategyMarket {
  /** Spot index level now, index points. */
  spot: number;
  /** Risk-free rate, decimal, continuously compounded. */
  rate: number;
  /** The valuation instant ("now"), epoch ms. */
  nowMs: number;
}

/** Years from `fromMs` to `toMs`, ACT/365. */
export function yearsBetween(fromMs: number, toMs: number): number {
  return (toMs - fromMs) / MS_PER_YEAR;
}

/**
 * ln of a column of spots as unevaluated sums hi + lo: hi = Math.log(S) and
 * lo its rounding error, so that ln S − ln K keeps the precision of
 * log(S/K) when S is near K (hi alone is only good to an ulp of ln S,
 * 1.8e-15 at an index level of 24,000).
 */
export interface SpotLogs {
  hi: Float64Array;
  lo: Float64Array;
}

/** The remainder lo of ln x beyond hi = Math.log(x), to an ulp of Math.exp (one Newton step on e^y = x): hi + lo is within ~2e-16 of ln x. */
function logLo(x: number, hi: number): number {
  const e = Math.exp(hi);
  return (x - e) / e;
}

/** A SpotLogs of `n` entries. */
export function allocateSpotLogs(n: number): SpotLogs {
  return { hi: new Float64Array(n), lo: new Float64Array(n) };
}

/** ln of each spot in [from, to) into `out` (see SpotLogs); non-positive spots get −∞ (the kernel does not read them). */
export function spotLogs(spots: Float64Array, out: SpotLogs = allocateSpotLogs(spots.length), from = 0, to = spots.length): SpotLogs {
  const { hi, lo } = out;
  for (let i = from; i < to; i++) {
    const s = spots[i];
    if (s > 0 && s < Infinity) {
      const h = Math.log(s);
      hi[i] = h;
      lo[i] = logLo(s, h);
    } else {
      hi[i] = -Infinity;
      lo[i] = 0;
    }
  }
  return out;
}

/**
 * The legs compiled for one instant (and IV shift): every figure of the
 * P&L that does not depend on the spot. The P&L at S is
 *   constant + slope·S + Σ payoff legs + Σ model groups,
 * with the futures in `slope`, the options without variance left (expired,
 * or σ = 0) as payoffs and the others grouped by (expiry, strike, σ, q).
 */
export interface HorizonKernel {
  /** The instant, epoch ms, and the extra parallel IV shift, decimal. */
  atMs: number;
  ivShift: number;
  /** −Σ units × entry price, rupees. */
  constant: number;
  /** Σ units × e^{(r−q)τ} of the futures (at S from their expiry on): rupees per index point. */
  slope: number;
  /** Σ |units| of all legs (the scale of the position's tails). */
  grossUnits: number;
  /** Options at their (discounted forward) payoff: units × e^{−rτ}·max(θ(S·e^{(r−q)τ} − K), 0). */
  payoffs: number;
  payoffSign: Float64Array;
  payoffGrowth: Float64Array;
  payoffStrike: Float64Array;
  /** units × e^{−rτ}. */
  payoffWeight: Float64Array;
  /** Option groups valued by Black-Scholes-Merton. */
  models: number;
  /** K, and ln K as hi + lo. */
  strike: Float64Array;
  logStrikeHi: Float64Array;
  logStrikeLo: Float64Array;
  /** 1 where σ√τ < NEAR_EXPIRY_TOTAL_VOL: the group is valued by addNearExpiryGroup. */
  nearExpiry: Uint8Array;
  /** K·(e^{−(r−q)τ} − 1), by expm1: S·e^{−qτ} − K·e^{−rτ} = e^{−qτ}·((S − K) − this) without cancellation. */
  strikeCarry: Float64Array;
  /** 1/(σ√τ), and d1's constant part (r − q)τ/(σ√τ) + σ√τ/2: d1 = ln(S/K)/(σ√τ) + offset. */
  inverseTotalVol: Float64Array;
  offset: Float64Array;
  /** σ√τ. */
  totalVol: Float64Array;
  /** e^{−qτ} and K·e^{−rτ}. */
  yieldDiscount: Float64Array;
  discountedStrike: Float64Array;
  /** Σ units of the group's calls and of its puts. */
  callWeight: Float64Array;
  putWeight: Float64Array;
}

/** Compiles the legs for the instant `atMs` with `ivShift` (decimal) on top of every option's own IV and shift (see HorizonKernel). */
export function compileHorizon(legs: readonly PricedLeg[], rate: number, atMs: number, ivShift: number): HorizonKernel {
  let constant = 0;
  let slope = 0;
  let grossUnits = 0;
  const payoff: { sign: number; growth: number; strike: number; weight: number }[] = [];
  const model: { expiryMs: number; strike: number; sigma: number; q: number; call: number; put: number }[] = [];
  for (const leg of legs) {
    constant -= leg.units * leg.entryPrice;
    grossUnits += Math.abs(leg.units);
    const tau = yearsBetween(atMs, leg.expiryMs);
    const q = leg.divYield;
    if (leg.instrument === 'FUTURE') {
      slope += leg.units * (tau > 0 ? Math.exp((rate - q) * tau) : 1);
      continue;
    }
    const sigma = Math.max(0, leg.iv + leg.ivShift + ivShift);
    const totalVol = tau > 0 ? sigma * Math.sqrt(tau) : 0;
    if (!(totalVol > 0)) {
      // Expired, or no variance left: the (discounted forward) payoff.
      payoff.push({ sign: leg.optionSign, growth: tau > 0 ? Math.exp((rate - q) * tau) : 1, strike: leg.strike, weight: leg.units * (tau > 0 ? Math.exp(-rate * tau) : 1) });
      continue;
    }
    let group = model.find((g) => g.expiryMs === leg.expiryMs && g.strike === leg.strike && g.sigma === sigma && g.q === q);
    if (!group) model.push((group = { expiryMs: leg.expiryMs, strike: leg.strike, sigma, q, call: 0, put: 0 }));
    if (leg.optionSign > 0) group.call += leg.units;
    else group.put += leg.units;
  }
  const m = model.length;
  const kernel: HorizonKernel = {
    atMs,
    ivShift,
    constant,
    slope,
    grossUnits,
    payoffs: payoff.length,
    payoffSign: Float64Array.from(payoff, (p) => p.sign),
    payoffGrowth: Float64Array.from(payoff, (p) => p.growth),
    payoffStrike: Float64Array.from(payoff, (p) => p.strike),
    payoffWeight: Float64Array.from(payoff, (p) => p.weight),
    models: m,
    strike: new Float64Array(m),
    logStrikeHi: new Float64Array(m),
    logStrikeLo: new Float64Array(m),
    nearExpiry: new Uint8Array(m),
    strikeCarry: new Float64Array(m),
    inverseTotalVol: new Float64Array(m),
    offset: new Float64Array(m),
    totalVol: new Float64Array(m),
    yieldDiscount: new Float64Array(m),
    discountedStrike: new Float64Array(m),
    callWeight: new Float64Array(m),
    putWeight: new Float64Array(m),
  };
  model.forEach((g, j) => {
    const tau = yearsBetween(atMs, g.expiryMs);
    const totalVol = g.sigma * Math.sqrt(tau);
    const logStrike = Math.log(g.strike);
    kernel.strike[j] = g.strike;
    kernel.logStrikeHi[j] = logStrike;
    kernel.logStrikeLo[j] = logLo(g.strike, logStrike);
    kernel.nearExpiry[j] = totalVol < NEAR_EXPIRY_TOTAL_VOL ? 1 : 0;
    kernel.strikeCarry[j] = g.strike * Math.expm1(-(rate - g.q) * tau);
    kernel.inverseTotalVol[j] = 1 / totalVol;
    kernel.offset[j] = ((rate - g.q) * tau) / totalVol + 0.5 * totalVol;
    kernel.totalVol[j] = totalVol;
    kernel.yieldDiscount[j] = Math.exp(-g.q * tau);
    kernel.discountedStrike[j] = Math.exp(-rate * tau) * g.strike;
    kernel.callWeight[j] = g.call;
    kernel.putWeight[j] = g.put;
  });
  return kernel;
}

/** The P&L (rupees) at each spot in [from, to) into `out` (overwritten); `logs` holds ln of those spots (spotLogs). */
export function kernelColumn(kernel: HorizonKernel, spots: Float64Array, logs: SpotLogs, out: Float64Array, from = 0, to = spots.length): void {
  const { constant, slope } = kernel;
  for (let i = from; i < to; i++) out[i] = constant + slope * spots[i];
  for (let p = 0; p < kernel.payoffs; p++) {
    const sign = kernel.payoffSign[p];
    const growth = kernel.payoffGrowth[p];
    const strike = kernel.payoffStrike[p];
    const weight = kernel.payoffWeight[p];
    for (let i = from; i < to; i++) {
      const payoff = sign * (spots[i] * growth - strike);
      if (payoff > 0) out[i] += weight * payoff;
    }
  }
  const logHi = logs.hi;
  const logLo = logs.lo;
  for (let g = 0; g < kernel.models; g++) {
    if (kernel.nearExpiry[g] === 1) {
      addNearExpiryGroup(kernel, g, spots, logs, out, from, to);
      continue;
    }
    const kHi = kernel.logStrikeHi[g];
    const kLo = kernel.logStrikeLo[g];
    const inverseTotalVol = kernel.inverseTotalVol[g];
    const offset = kernel.offset[g];
    const totalVol = kernel.totalVol[g];
    const yieldDiscount = kernel.yieldDiscount[g];
    const discountedStrike = kernel.discountedStrike[g];
    const callWeight = kernel.callWeight[g];
    const putWeight = kernel.putWeight[g];
    for (let i = from; i < to; i++) {
      const s = spots[i];
      if (!(s > 0)) {
        // S = 0: a put is worth its discounted strike, a call nothing.
        out[i] += putWeight * discountedStrike;
        continue;
      }
      const d1 = (logHi[i] - kHi + (logLo[i] - kLo)) * inverseTotalVol + offset;
      const d2 = d1 - totalVol;
      const discountedSpot = yieldDiscount * s;
      // Beyond SATURATED_D standard deviations Φ is 0 or 1 in double
      // precision: the call its discounted forward intrinsic value and the
      // put nothing, or the other way round (most of a grid far from a
      // short-dated strike), without the two tails.
      if (d2 > SATURATED_D) {
        out[i] += callWeight * (discountedSpot - discountedStrike);
        continue;
      }
      if (d1 < -SATURATED_D) {
        out[i] += putWeight * (discountedStrike - discountedSpot);
        continue;
      }
      // Φ(−|d|), the tail on the far side of 0 (core/math/normTail.ts).
      const tail1 = tailOf(d1 < 0 ? -d1 : d1);
      const tail2 = tailOf(d2 < 0 ? -d2 : d2);
      // Φ(d) and Φ(−d) from the tail.
      const up1 = d1 < 0 ? tail1 : 1 - tail1;
      const down1 = d1 < 0 ? 1 - tail1 : tail1;
      const up2 = d2 < 0 ? tail2 : 1 - tail2;
      const down2 = d2 < 0 ? 1 - tail2 : tail2;
      out[i] += callWeight * (discountedSpot * up1 - discountedStrike * up2) + putWeight * (discountedStrike * down2 - discountedSpot * down1);
    }
  }
}

/**
 * One group of kernelColumn with σ√τ under NEAR_EXPIRY_TOTAL_VOL, added into
 * `out`. Written so that nothing strike-sized cancels:
 *   call = S·e^{−qτ}·B + G·Φ(d2),   put = S·e^{−qτ}·B − G·Φ(−d2),
 * with G = S·e^{−qτ} − K·e^{−rτ} = e^{−qτ}·((S − K) − K·expm1(−(r−q)τ)) and
 * B = Φ(d1) − Φ(d2), the normal mass of the band of width σ√τ = 2h around
 * m = (d1 + d2)/2, from its series φ(m)·2h·Σ He₂ₖ(m)·h²ᵏ/(2k+1)! (Hermite
 * polynomials), to k = 3: the next term is below 1e-22 of it for h < 0.005
 * and |m| < 9; ln(S/K) is log1p((S − K)/K), exact relative to itself however
 * near S is to K, when σ√τ < EXACT_LOG_TOTAL_VOL.
 */
function addNearExpiryGroup(kernel: HorizonKernel, g: number, spots: Float64Array, logs: SpotLogs, out: Float64Array, from: number, to: number): void {
  const strike = kernel.strike[g];
  const logHi = logs.hi;
  const logLo = logs.lo;
  const kHi = kernel.logStrikeHi[g];
  const kLo = kernel.logStrikeLo[g];
  const inverseTotalVol = kernel.inverseTotalVol[g];
  const totalVol = kernel.totalVol[g];
  // (r − q)τ/(σ√τ): d1's offset less σ√τ/2.
  const drift = kernel.offset[g] - 0.5 * totalVol;
  const yieldDiscount = kernel.yieldDiscount[g];
  const discountedStrike = kernel.discountedStrike[g];
  const strikeCarry = kernel.strikeCarry[g];
  const callWeight = kernel.callWeight[g];
  const putWeight = kernel.putWeight[g];
  const h2 = 0.25 * totalVol * totalVol;
  const exactLog = totalVol < EXACT_LOG_TOTAL_VOL;
  for (let i = from; i < to; i++) {
    const s = spots[i];
    if (!(s > 0)) {
      out[i] += putWeight * discountedStrike;
      continue;
    }
    const logMoneyness = exactLog ? Math.log1p((s - strike) / strike) : logHi[i] - kHi + (logLo[i] - kLo);
    const m = logMoneyness * inverseTotalVol + drift;
    const d1 = m + 0.5 * totalVol;
    const d2 = m - 0.5 * totalVol;
    const gap = yieldDiscount * (s - strike - strikeCarry);
    if (d2 > SATURATED_D) {
      out[i] += callWeight * gap;
      continue;
    }
    if (d1 < -SATURATED_D) {
      out[i] -= putWeight * gap;
      continue;
    }
    const m2 = m * m;
    const he2 = m2 - 1;
    const he4 = m2 * (m2 - 6) + 3;
    const he6 = m2 * (m2 * (m2 - 15) + 45) - 15;
    const band = INV_SQRT_2PI * Math.exp(-0.5 * m2) * totalVol * (1 + h2 * (he2 / 6 + h2 * (he4 / 120 + (h2 * he6) / 5040)));
    const tail2 = tailOf(d2 < 0 ? -d2 : d2);
    const up2 = d2 < 0 ? tail2 : 1 - tail2;
    const down2 = d2 < 0 ? 1 - tail2 : tail2;
    const bandValue = yieldDiscount * s * band;
    out[i] += callWeight * (bandValue + gap * up2) + putWeight * (bandValue - gap * down2);
  }
}

const scalarSpot = new Float64Array(1);
const scalarOut = new Float64Array(1);
const scalarLogs = allocateSpotLogs(1);

/** The P&L (rupees) at one spot, as kernelColumn. */
export function kernelAt(kernel: HorizonKernel, spot: number): number {
  scalarSpot[0] = spot;
  spotLogs(scalarSpot, scalarLogs);
  kernelColumn(kernel, scalarSpot, scalarLogs, scalarOut);
  return scalarOut[0];
}

let logScratch = allocateSpotLogs(512);

/** A scratch SpotLogs of at least `n` entries, reused between calls (grown when short). */
function logScratchOf(n: number): SpotLogs {
  if (logScratch.hi.length < n) logScratch = allocateSpotLogs(Math.max(n, 2 * logScratch.hi.length));
  return logScratch;
}

/**
 * The strategy's P&L (rupees) at `atMs` at each spot into `out` (overwritten):
 * Σ units × (value − entry). `ivShift` (decimal) is added to every option's IV
 * on top of its own shift. (compileHorizon and kernelColumn, for one column;
 * evaluate.ts compiles once per instant and reuses the logs of its grid.)
 */
export function pnlColumn(legs: readonly PricedLeg[], market: StrategyMarket, atMs: number, ivShift: number, spots: Float64Array, out: Float64Array, from = 0, to = spots.length): void {
  kernelColumn(compileHorizon(legs, market.rate, atMs, ivShift), spots, spotLogs(spots, logScratchOf(to), from, to), out, from, to);
}

/** The P&L at one spot (rupees), as pnlColumn. */
export function pnlAt(legs: readonly PricedLeg[], market: StrategyMarket, atMs: number, ivShift: number, spot: number): number {
  return kernelAt(compileHorizon(legs, market.rate, atMs, ivShift), spot);
}

/** The value of one leg per unit at one spot (index points), as the kernel prices it. */
export function legValueAt(leg: PricedLeg, market: StrategyMarket, atMs: number, spot: number, ivShift = 0): number {
  return pnlAt([{ ...leg, units: 1, entryPrice: 0 }], market, atMs, ivShift, spot);
}
