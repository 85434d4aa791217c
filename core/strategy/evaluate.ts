/**
 * The strategy builder's evaluation: legs resolved against the market
 * (resolve.ts) → net premium, P&L curves over a spot grid at the first
 * expiry and at target instants, exact breakevens, max profit and loss,
 * probabilities of profit and expected P&L under the lognormal at the ATM IV
 * and under the smile-implied distribution, the probability of touching each
 * breakeven, and the position's Greeks.
 *
 * Units: P&L, premium, expected values and Greeks in rupees for the whole
 * position (units = lots × lot size): delta rupees per index point, gamma
 * rupees per index point², theta rupees per calendar day, vega rupees per
 * vol point, rho rupees per 1 % of rate (core/pricing/black.ts' conventions
 * times units). Spots in index points. Probabilities 0–1.
 *
 * The first horizon is the payoff at the first (nearest) expiry: legs of
 * that expiry at their payoff, later legs (calendars, diagonals) at their
 * model value with their own remaining time and IV. The smile-implied
 * figures are given for that horizon only: the smile is the first expiry's.
 */
import { optionGreeks, GREEK_NAMES, type Greeks } from '../pricing/black.ts';
import { normTail } from '../math/normTail.ts';
import { breakevens, extremes, type CurveExtremes } from './breakevens.ts';
import { lognormalCdf, probabilityOfProfit, touchProbability, type Lognormal } from './probability.ts';
import { cachedSmileDensity, smileCdf, type SmileDensity, type SmileDistribution } from './density.ts';
import { allocateSpotLogs, compileHorizon, kernelAt, kernelColumn, spotLogs, yearsBetween, type HorizonKernel, type PricedLeg, type SpotLogs, type StrategyMarket } from './pnl.ts';

/**
 * Points of each horizon's scan grid inside ±8 standard deviations, and beyond
 * (to ±FAR_LOG in ln S). The expected P&L under the lognormal is the sum over
 * the scan of P&L × the lognormal mass of each point's cell (between the
 * midpoints to its neighbours): at 81 points, cells of at most 0.2 σ.
 */
export const SCAN_Z_POINTS = 81;
export const SCAN_FAR_POINTS = 24;
const SCAN_Z_MAX = 8;
const FAR_LOG = 1.5;
/** The narrowest scan half-width in ln S (a horizon at or near now has no variance to scale by). */
const MIN_SCAN_LOG = 0.03;

export interface EvaluationInput {
  legs: readonly PricedLeg[];
  market: StrategyMarket;
  /** The curves' spot grid, index points, ascending. */
  spots: Float64Array;
  /** Target instants (epoch ms) of the P&L curves after the payoff at the first expiry. */
  targets: readonly number[];
  /** Parallel IV shift, decimal (0.01 = 1 vol point), on top of each leg's own. */
  ivShift: number;
  /** The volatility of the lognormal (ATM IV of the nearest expiry), decimal. */
  atmIv: number;
  /** Dividend yield of the nearest expiry's carry, decimal: the lognormal's drift r − q. */
  divYield: number;
  /** The first expiry's smile, for the smile-implied figures; absent: those are null. */
  smile?: SmileDistribution | null;
}

export interface Probabilities {
  /** Probability that the P&L at the horizon is positive, 0–1. */
  probabilityOfProfit: number;
  /** Expected P&L at the horizon, rupees. */
  expectedPnl: number;
}

export interface SmileProbabilities extends Probabilities {
  /** Mass of the smile density on its grid, and beyond it. */
  densityMass: number;
  tailMass: number;
}

export interface Horizon extends CurveExtremes {
  kind: 'EXPIRY' | 'TARGET';
  /** The horizon's instant, epoch ms. */
  atMs: number;
  /** P&L at each spot of the grid, rupees. */
  pnl: Float64Array;
  /** Spots where the P&L crosses zero, ascending, index points. */
  breakevens: number[];
  /** Probability of the spot touching each breakeven before the horizon (lognormal at the ATM IV, continuous monitoring), 0–1. */
  touchProbabilities: number[];
  lognormal: Probabilities;
  /** Under the smile-implied distribution of the first expiry: the EXPIRY horizon only, null elsewhere or without a smile. */
  smile: SmileProbabilities | null;
}

export interface StrategyEvaluation {
  /** Σ option units × entry price, rupees: positive a debit paid, negative a credit received (futures carry none). */
  netPremium: number;
  spots: Float64Array;
  horizons: Horizon[];
  /** Position Greeks now, rupees (see the module doc). */
  greeks: Greeks;
}

/** Net premium of the option legs, rupees (debit positive). */
export function netPremium(legs: readonly PricedLeg[]): number {
  let premium = 0;
  for (const leg of legs) if (leg.instrument === 'OPTION') premium += leg.units * leg.entryPrice;
  return premium;
}

/** The position's Greeks at `atMs` and `spot` (rupees; see the module doc). */
export function positionGreeks(legs: readonly PricedLeg[], market: StrategyMarket, ivShift: number, spot = market.spot, atMs = market.nowMs): Greeks {
  const total = Object.fromEntries(GREEK_NAMES.map((name) => [name, 0])) as Greeks;
  const r = market.rate;
  for (const leg of legs) {
    const tau = Math.max(yearsBetween(atMs, leg.expiryMs), 0);
    if (leg.instrument === 'FUTURE') {
      const growth = Math.exp((r - leg.divYield) * tau);
      total.price += leg.units * spot * growth;
      total.delta += leg.units * growth;
      total.theta += (-leg.units * (r - leg.divYield) * spot * growth) / 365;
      total.rho += (leg.units * tau * spot * growth) / 100;
      continue;
    }
    const greeks = optionGreeks({
      model: 'bsm',
      underlying: spot,
      strike: leg.strike,
      tYears: tau,
      vol: Math.max(0, leg.iv + leg.ivShift + ivShift),
      rate: r,
      divYield: leg.divYield,
      type: leg.optionSign > 0 ? 'call' : 'put',
    });
    for (const name of GREEK_NAMES) total[name] += leg.units * greeks[name];
  }
  return total;
}

/** Φ(z) from the upper tail. */
function phi(z: number): number {
  return z < 0 ? normTail(-z) : 1 - normTail(z);
}

/** The options' strikes, ascending, with their logs (spotLogs): the scan grid's fixed points. */
function strikeColumn(legs: readonly PricedLeg[]): { strikes: Float64Array; logs: SpotLogs } {
  const strikes = Float64Array.from(legs.filter((leg) => leg.instrument === 'OPTION'), (leg) => leg.strike).sort();
  return { strikes, logs: spotLogs(strikes) };
}

/** A horizon's scan grid (see horizonGrid), its logs and lognormal masses, in columns reused from one horizon to the next. */
interface ScanGrid {
  /** Points in use. */
  n: number;
  scan: Float64Array;
  logs: SpotLogs;
  mass: Float64Array;
  pnl: Float64Array;
}

function allocateScanGrid(strikes: number): ScanGrid {
  const size = SCAN_Z_POINTS + SCAN_FAR_POINTS + strikes;
  return { n: 0, scan: new Float64Array(size), logs: allocateSpotLogs(size), mass: new Float64Array(size), pnl: new Float64Array(size) };
}

/**
 * The scan grid of a horizon into `grid`: SCAN_Z_POINTS spots evenly spaced
 * in ln S over ±8 standard deviations of the lognormal (at least
 * ±MIN_SCAN_LOG), then SCAN_FAR_POINTS out to ±FAR_LOG, then the strikes,
 * ascending (merged in order); the log of each (the exponent it was made
 * from: ln of the rounded e^x is x to an ulp of e^x, as close as spotLogs
 * gets); and each point's lognormal probability: the mass of its cell between
 * the midpoints to its neighbours (the ends take the tails), so the expected
 * P&L is the midpoint rule over the whole scan.
 */
function horizonGrid(strikes: { strikes: Float64Array; logs: SpotLogs }, d: Lognormal, spot: number, grid: ScanGrid): void {
  const s = d.vol * Math.sqrt(Math.max(d.tYears, 0));
  const center = s > 0 ? Math.log(d.forward) - 0.5 * s * s : Math.log(spot);
  const half = Math.max(SCAN_Z_MAX * s, MIN_SCAN_LOG);
  const farEachSide = half < FAR_LOG ? SCAN_FAR_POINTS / 2 : 0;
  const { scan, mass } = grid;
  const { hi, lo } = grid.logs;
  const k = strikes.strikes;
  const kHi = strikes.logs.hi;
  const kLo = strikes.logs.lo;
  let n = 0;
  let j = 0;
  // One point at ln S = x, after the strikes below it.
  const push = (x: number) => {
    const point = Math.exp(x);
    for (; j < k.length && k[j] <= point; j++, n++) {
      scan[n] = k[j];
      hi[n] = kHi[j];
      lo[n] = kLo[j];
    }
    scan[n] = point;
    hi[n] = x;
    lo[n] = 0;
    n++;
  };
  const reach = (i: number) => half + ((FAR_LOG - half) * i) / farEachSide;
  for (let i = farEachSide; i >= 1; i--) push(center - reach(i));
  for (let i = 0; i < SCAN_Z_POINTS; i++) push(center - half + (2 * half * i) / (SCAN_Z_POINTS - 1));
  for (let i = 1; i <= farEachSide; i++) push(center + reach(i));
  for (; j < k.length; j++, n++) {
    scan[n] = k[j];
    hi[n] = kHi[j];
    lo[n] = kLo[j];
  }
  grid.n = n;
  // lognormalCdf at the midpoints, with Φ from normTail (no exponential) when there is variance.
  const cdf = s > 0 ? (x: number) => phi((Math.log(x / d.forward) + 0.5 * s * s) / s) : (x: number) => lognormalCdf(d, x);
  let previousCdf = 0;
  for (let i = 0; i < n; i++) {
    const upper = i + 1 < n ? cdf(0.5 * (scan[i] + scan[i + 1])) : 1;
    mass[i] = upper - previousCdf;
    previousCdf = upper;
  }
}

/** Evaluates a strategy (see the module doc). */
export function evaluateStrategy(input: EvaluationInput): StrategyEvaluation {
  const { legs, market, spots, ivShift } = input;
  const firstExpiryMs = Math.min(...legs.map((l) => l.expiryMs));
  const instants: { kind: Horizon['kind']; atMs: number }[] = [{ kind: 'EXPIRY', atMs: firstExpiryMs }, ...input.targets.map((atMs) => ({ kind: 'TARGET' as const, atMs }))];
  // ln of the curves' spots and of the strikes once for every horizon; the scan grid's columns reused.
  const logs = spotLogs(spots);
  const strikes = strikeColumn(legs);
  const grid = allocateScanGrid(strikes.strikes.length);
  const horizons = instants.map(({ kind, atMs }): Horizon => {
    // Everything of the legs that does not depend on the spot, once per horizon.
    const kernel = compileHorizon(legs, market.rate, atMs, ivShift);
    const pnl = new Float64Array(spots.length);
    kernelColumn(kernel, spots, logs, pnl);
    const tYears = Math.max(yearsBetween(market.nowMs, atMs), 0);
    const lognormal: Lognormal = { forward: market.spot * Math.exp((market.rate - input.divYield) * tYears), vol: input.atmIv, tYears };
    horizonGrid(strikes, lognormal, market.spot, grid);
    const scan = grid.scan.subarray(0, grid.n);
    const scanPnl = grid.pnl.subarray(0, grid.n);
    kernelColumn(kernel, scan, grid.logs, scanPnl);
    const roots = breakevens(kernel, scan, scanPnl);
    const positiveAt = (x: number) => kernelAt(kernel, x) > 0;
    let expectedPnl = 0;
    for (let i = 0; i < grid.n; i++) expectedPnl += grid.mass[i] * scanPnl[i];
    const degenerate = !(input.atmIv * Math.sqrt(tYears) > 0);
    return {
      kind,
      atMs,
      pnl,
      breakevens: roots,
      touchProbabilities: roots.map((level) => touchProbability(market.spot, level, input.atmIv, market.rate, input.divYield, tYears)),
      ...extremes(kernel, market.spot, scan, scanPnl),
      lognormal: {
        probabilityOfProfit: probabilityOfProfit(roots, positiveAt, (x) => lognormalCdf(lognormal, x), market.spot),
        expectedPnl: degenerate ? kernelAt(kernel, market.spot) : expectedPnl,
      },
      smile: kind === 'EXPIRY' && input.smile ? smileProbabilities(kernel, market, roots, positiveAt, input.smile) : null,
    };
  });
  return { netPremium: netPremium(legs), spots, horizons, greeks: positionGreeks(legs, market, ivShift) };
}

/** ln of a smile density's strikes, kept with the density (one per chain snapshot). */
const densityLogs = new WeakMap<SmileDensity, SpotLogs>();

function smileProbabilities(kernel: HorizonKernel, market: StrategyMarket, roots: number[], positiveAt: (x: number) => boolean, smile: SmileDistribution): SmileProbabilities {
  const density = cachedSmileDensity(smile);
  let logs = densityLogs.get(density);
  if (!logs) densityLogs.set(density, (logs = spotLogs(density.strikes)));
  const pnl = new Float64Array(density.strikes.length);
  kernelColumn(kernel, density.strikes, logs, pnl);
  let expected = 0;
  for (let i = 0; i < pnl.length; i++) expected += pnl[i] * density.weights[i];
  // The tails beyond the grid at the grid's ends.
  expected += pnl[0] * density.tailBelow + pnl[pnl.length - 1] * density.tailAbove;
  const total = density.mass + density.tailBelow + density.tailAbove;
  return {
    probabilityOfProfit: probabilityOfProfit(roots, positiveAt, (x) => smileCdf(smile, x), market.spot),
    expectedPnl: expected / total,
    densityMass: density.mass,
    tailMass: density.tailBelow + density.tailAbove,
  };
}
