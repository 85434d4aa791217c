/**
 * Gamma exposure (GEX) of one chain snapshot: per strike, in total, the gamma
 * flip and the call and put walls.
 *
 * Conventions:
 * - GEX of one side of one strike = sign·Γ·OI·lotSize·S²·0.01: the change in
 *   dealers' delta, in rupees of underlying, for a 1 % move of spot S. OI is in
 *   contracts, so OI·lotSize is units; Γ is per index point.
 * - `sign` comes from an assumption about who holds the options, which no
 *   public data settles, so it is a parameter and every result is labelled:
 *   'dealer-long-calls-short-puts' (default, the common one: calls +, puts −),
 *   'dealer-short-calls-long-puts' (calls −, puts +), 'unsigned' (both +).
 * - Γ is the chain's gamma column (read as ∂²V/∂S²) when `gammaSource` is
 *   'chain' (default) and the value is finite and ≥ 0; otherwise it is
 *   recomputed from that side's IV: Black-76 on the forward when one is given
 *   (`options.forward`, else the snapshot's future), else Black-Scholes on
 *   spot with no dividend yield. Recomputed on the forward, Γ_F·F² is used for
 *   Γ·S²: the two are equal when F moves in proportion to S (Γ_S = Γ_F·(F/S)²),
 *   which is what "a 1 % move" means for both.
 * - A side whose OI or Γ is unavailable is NaN in the per-strike columns and
 *   left out of the totals; `net` is call + put over the sides that are
 *   available (NaN when neither is). A total is NaN when no side contributed.
 * - Walls: the call wall is the strike with the largest |call GEX|, the put
 *   wall the strike with the largest |put GEX| (magnitudes, so the walls do
 *   not depend on the sign convention); ties go to the lower strike; NaN when
 *   every GEX on that side is 0 or missing.
 * - Gamma flip: total GEX is recomputed at hypothetical spots S' on a grid
 *   (default 0.8–1.2 × S, 201 points) by RE-PRICING every option's gamma with
 *   its own IV held fixed (sticky strike) and the forward moving with spot,
 *   F' = F·S'/S; the sign change nearest the current spot is located by
 *   linear interpolation between grid points. Only rows with a usable IV
 *   (finite, > 0) and OI take part, whatever `gammaSource` says, since a
 *   vendor's gamma cannot be moved to another spot. NaN when total GEX does
 *   not change sign on the grid (always so under 'unsigned').
 */
import type { ChainSide, ChainSnapshot } from '../chain.ts';
import { INV_SQRT_2PI } from '../math/normal.ts';

export const GEX_CONVENTIONS = ['dealer-long-calls-short-puts', 'dealer-short-calls-long-puts', 'unsigned'] as const;
export type GexConvention = (typeof GEX_CONVENTIONS)[number];

/** The convention a label names (as the processor labels its GEX), or undefined for the default. */
export function gexConventionOf(label: string): GexConvention | undefined {
  return (GEX_CONVENTIONS as readonly string[]).includes(label) ? (label as GexConvention) : undefined;
}
export type GammaSource = 'chain' | 'iv';

/** Per-strike GEX columns, rupees per 1 % move, aligned with `snapshot.strikes`. */
export interface GexColumns {
  call: Float64Array;
  put: Float64Array;
  net: Float64Array;
}

/** Reusable working memory for the flip search; grows when a chain is larger. */
export interface GexScratch {
  logMoneyness: Float64Array;
  invTotalVol: Float64Array;
  halfTotalVol: Float64Array;
  weight: Float64Array;
  spotLevels: Float64Array;
  profile: Float64Array;
}

export interface GexOptions {
  /** Default 'dealer-long-calls-short-puts'. */
  convention?: GexConvention;
  /** Forward for the expiry; default the snapshot's future; when neither is a price, BSM on spot. */
  forward?: number;
  /** Default 'chain' (the chain's gamma column, recomputed where it is missing). */
  gammaSource?: GammaSource;
  /** Lowest hypothetical spot for the flip search, as a multiple of S; default 0.8. */
  flipRangeLow?: number;
  /** Highest hypothetical spot for the flip search, as a multiple of S; default 1.2. */
  flipRangeHigh?: number;
  /** Grid points for the flip search, ≥ 2; default 201. */
  flipGridPoints?: number;
  /** Columns to fill (length ≥ strikes); allocated when absent. */
  out?: GexColumns;
  /** Working memory to reuse across snapshots; allocated when absent. */
  scratch?: GexScratch;
}

export interface GexResult {
  /** Which dealer positioning the signs assume. */
  convention: GexConvention;
  spot: number;
  /** Per-strike GEX, rupees per 1 % move. */
  columns: GexColumns;
  /** Σ call GEX, rupees per 1 % move. */
  totalCall: number;
  /** Σ put GEX, rupees per 1 % move. */
  totalPut: number;
  /** Σ call + put GEX, rupees per 1 % move. */
  totalNet: number;
  callWallStrike: number;
  putWallStrike: number;
  /** Spot level where re-priced total GEX changes sign nearest S, index points; NaN when none. */
  gammaFlip: number;
}

const DEFAULT_CONVENTION: GexConvention = 'dealer-long-calls-short-puts';

/** Sign applied to call GEX and to put GEX under a convention. */
export function conventionSigns(convention: GexConvention): { call: number; put: number } {
  switch (convention) {
    case 'dealer-short-calls-long-puts':
      return { call: -1, put: 1 };
    case 'unsigned':
      return { call: 1, put: 1 };
    default:
      return { call: 1, put: -1 };
  }
}

export function allocateGexColumns(n: number): GexColumns {
  return { call: new Float64Array(n), put: new Float64Array(n), net: new Float64Array(n) };
}

export function allocateGexScratch(strikeCount: number, gridPoints = 201): GexScratch {
  const options = 2 * strikeCount;
  return {
    logMoneyness: new Float64Array(options),
    invTotalVol: new Float64Array(options),
    halfTotalVol: new Float64Array(options),
    weight: new Float64Array(options),
    spotLevels: new Float64Array(gridPoints),
    profile: new Float64Array(gridPoints),
  };
}

/** Per-strike and total GEX, walls and gamma flip; see the module doc. */
export function gammaExposure(snapshot: ChainSnapshot, options: GexOptions = {}): GexResult {
  const convention = options.convention ?? DEFAULT_CONVENTION;
  const signs = conventionSigns(convention);
  const { strikes, spot, lotSize } = snapshot;
  const n = strikes.length;
  const columns = options.out ?? allocateGexColumns(n);
  const result: GexResult = {
    convention,
    spot,
    columns,
    totalCall: NaN,
    totalPut: NaN,
    totalNet: NaN,
    callWallStrike: NaN,
    putWallStrike: NaN,
    gammaFlip: NaN,
  };
  columns.call.fill(NaN, 0, n);
  columns.put.fill(NaN, 0, n);
  columns.net.fill(NaN, 0, n);
  if (n === 0 || !isPrice(spot) || !(lotSize > 0 && lotSize < Infinity)) return result;

  const model = gammaModel(snapshot, options.forward);
  const useChainGamma = (options.gammaSource ?? 'chain') === 'chain';
  // Rupees per 1 % move per unit of dollar gamma: S²·0.01 times the lot.
  const chainScale = spot * spot * 0.01 * lotSize;

  fillSide(snapshot, snapshot.call, columns.call, signs.call, model, useChainGamma, chainScale);
  fillSide(snapshot, snapshot.put, columns.put, signs.put, model, useChainGamma, chainScale);

  let totalCall = 0;
  let totalPut = 0;
  let anyCall = false;
  let anyPut = false;
  let callWall = -1;
  let putWall = -1;
  for (let i = 0; i < n; i++) {
    const c = columns.call[i];
    const p = columns.put[i];
    const callOk = !Number.isNaN(c);
    const putOk = !Number.isNaN(p);
    if (callOk) {
      totalCall += c;
      anyCall = true;
      if (c !== 0 && (callWall < 0 || Math.abs(c) > Math.abs(columns.call[callWall]))) callWall = i;
    }
    if (putOk) {
      totalPut += p;
      anyPut = true;
      if (p !== 0 && (putWall < 0 || Math.abs(p) > Math.abs(columns.put[putWall]))) putWall = i;
    }
    columns.net[i] = callOk && putOk ? c + p : callOk ? c : putOk ? p : NaN;
  }
  result.totalCall = anyCall ? totalCall : NaN;
  result.totalPut = anyPut ? totalPut : NaN;
  result.totalNet = anyCall || anyPut ? (anyCall ? totalCall : 0) + (anyPut ? totalPut : 0) : NaN;
  result.callWallStrike = callWall < 0 ? NaN : strikes[callWall];
  result.putWallStrike = putWall < 0 ? NaN : strikes[putWall];
  result.gammaFlip = gammaFlip(snapshot, options);
  return result;
}

/**
 * |call GEX| + |put GEX| of the first `n` strikes into `out` (a missing side
 * counts 0; NaN when both are missing): how much gamma sits at a strike,
 * whatever the sign convention.
 */
export function absoluteGex(columns: GexColumns, n: number, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    const c = columns.call[i];
    const p = columns.put[i];
    out[i] = Number.isNaN(c) && Number.isNaN(p) ? NaN : (Number.isNaN(c) ? 0 : Math.abs(c)) + (Number.isNaN(p) ? 0 : Math.abs(p));
  }
  return out;
}

/**
 * One side's per-strike GEX into `out` (left NaN where OI or Γ is missing).
 * `chainScale` = S²·0.01·lot turns a chain Γ into rupees per 1 % per contract.
 */
function fillSide(
  snapshot: ChainSnapshot,
  side: ChainSide,
  out: Float64Array,
  sign: number,
  model: GammaModel,
  useChainGamma: boolean,
  chainScale: number,
): void {
  const { strikes, tYears, lotSize } = snapshot;
  for (let i = 0; i < strikes.length; i++) {
    const oi = side.oi[i];
    const k = strikes[i];
    if (!(oi >= 0 && oi < Infinity && isPrice(k))) continue;
    const chainGamma = side.gamma[i];
    const dollarGamma =
      useChainGamma && chainGamma >= 0 && chainGamma < Infinity
        ? chainGamma * chainScale
        : modelDollarGamma(model, k, tYears, side.iv[i]) * 0.01 * lotSize;
    if (!Number.isNaN(dollarGamma)) out[i] = sign * oi * dollarGamma;
  }
}

/**
 * Total re-priced GEX (rupees per 1 % move, under `options.convention`) at
 * each hypothetical spot in `spotLevels`, into `out`: the GEX profile the flip
 * is read from. Sticky strike, forward moving with spot (see the module doc).
 */
export function gexProfile(snapshot: ChainSnapshot, spotLevels: Float64Array, out: Float64Array, options: GexOptions = {}): void {
  const scratch = scratchFor(snapshot.strikes.length, spotLevels.length, options.scratch);
  const count = prepareReprice(snapshot, options, scratch);
  for (let j = 0; j < spotLevels.length; j++) {
    out[j] = count < 0 ? NaN : repricedTotal(scratch, count, spotLevels[j] / snapshot.spot);
  }
}

/** Gamma flip only (see the module doc); NaN when total GEX does not change sign on the grid. */
export function gammaFlip(snapshot: ChainSnapshot, options: GexOptions = {}): number {
  const low = options.flipRangeLow ?? 0.8;
  const high = options.flipRangeHigh ?? 1.2;
  const points = Math.floor(options.flipGridPoints ?? 201);
  const spot = snapshot.spot;
  if (!isPrice(spot) || !(low > 0 && high > low && high < Infinity) || !(points >= 2)) return NaN;

  const scratch = scratchFor(snapshot.strikes.length, points, options.scratch);
  const count = prepareReprice(snapshot, options, scratch);
  if (count <= 0) return NaN;

  const { spotLevels, profile } = scratch;
  const step = (high - low) / (points - 1);
  for (let j = 0; j < points; j++) spotLevels[j] = spot * (low + j * step);
  const at = (j: number) => (profile[j] = repricedTotal(scratch, count, low + j * step));
  const nearest = nearestFlip(spot, spotLevels, profile, points, at);
  if (nearest !== undefined) return nearest;

  // Some grid value was 0 or NaN: the whole grid, every value exactly as the search computed it.
  for (let j = 0; j < points; j++) at(j);
  return flipOnGrid(spot, spotLevels, profile, points);
}

/**
 * The sign change nearest the spot, over the grid values that are non-zero
 * (exact zeros are stepped over, so a total that touches 0 without crossing
 * is no flip); ties go to the lower root. NaN when there is none.
 */
function flipOnGrid(spot: number, spotLevels: Float64Array, profile: Float64Array, points: number): number {
  let best = NaN;
  let lastNonZero = -1;
  for (let j = 0; j < points; j++) {
    const g = profile[j];
    if (g === 0 || Number.isNaN(g)) continue;
    if (lastNonZero >= 0 && (g > 0) !== (profile[lastNonZero] > 0)) {
      const root = interpolatedRoot(spotLevels, profile, lastNonZero, j);
      if (Number.isNaN(best) || Math.abs(root - spot) < Math.abs(best - spot)) best = root;
    }
    lastNonZero = j;
  }
  return best;
}

function interpolatedRoot(spotLevels: Float64Array, profile: Float64Array, i: number, j: number): number {
  const g0 = profile[i];
  const s0 = spotLevels[i];
  return s0 + (g0 / (g0 - profile[j])) * (spotLevels[j] - s0);
}

/**
 * flipOnGrid's answer, found by evaluating the grid outwards from the spot
 * and stopping once no unevaluated interval can hold a nearer root: a root
 * lies within its interval, so one beyond grid point j is at least
 * |S_j − S| away (less a rounding margin). The flip is usually a few
 * percent from spot, so this re-prices a fraction of the 201 points; the
 * values it computes are the same, and so is the root, to the bit.
 * Undefined when a value is 0 or NaN (then consecutive non-zero points are
 * not neighbours, and the caller scans the whole grid).
 */
function nearestFlip(spot: number, spotLevels: Float64Array, profile: Float64Array, points: number, at: (j: number) => number): number | undefined {
  let center = 0;
  for (let j = 1; j < points; j++) if (Math.abs(spotLevels[j] - spot) < Math.abs(spotLevels[center] - spot)) center = j;
  const margin = 1e-9 * spot;
  let left = center;
  let right = center;
  const first = at(center);
  if (first === 0 || Number.isNaN(first)) return undefined;
  let best = NaN;
  let bestIndex = -1;
  const consider = (i: number) => {
    if ((profile[i] > 0) === (profile[i + 1] > 0)) return;
    const root = interpolatedRoot(spotLevels, profile, i, i + 1);
    const distance = Math.abs(root - spot);
    const bestDistance = Math.abs(best - spot);
    if (Number.isNaN(best) || distance < bestDistance || (distance === bestDistance && i < bestIndex)) {
      best = root;
      bestIndex = i;
    }
  };
  for (;;) {
    const bestDistance = Number.isNaN(best) ? Infinity : Math.abs(best - spot);
    const goLeft = left > 0 && spot - spotLevels[left] - margin <= bestDistance;
    const goRight = right < points - 1 && spotLevels[right] - spot - margin <= bestDistance;
    if (!goLeft && !goRight) return best;
    if (goLeft && (!goRight || spot - spotLevels[left] <= spotLevels[right] - spot)) {
      const g = at(--left);
      if (g === 0 || Number.isNaN(g)) return undefined;
      consider(left);
    } else {
      const g = at(++right);
      if (g === 0 || Number.isNaN(g)) return undefined;
      consider(right - 1);
    }
  }
}

interface GammaModel {
  /** Forward at the current spot. */
  forward: number;
  /** e^{−rT}·F: the discounted forward, S itself under BSM with q = 0. */
  pvForward: number;
}

/** Black-76 on the given forward, else BSM on spot (forward S·e^{rT}, pvForward = S). */
function gammaModel(snapshot: ChainSnapshot, forward: number | undefined): GammaModel {
  const { spot, rate, tYears } = snapshot;
  const given = forward !== undefined && isPrice(forward) ? forward : isPrice(snapshot.future) ? snapshot.future : NaN;
  if (!Number.isNaN(given)) return { forward: given, pvForward: given * Math.exp(-rate * Math.max(tYears, 0)) };
  return { forward: spot * Math.exp(rate * Math.max(tYears, 0)), pvForward: spot };
}

/**
 * Γ·S² for one option from its IV: e^{−rT}·F·φ(d1)/(σ√T) (= Γ_F·F² = Γ_S·S²).
 * 0 at or after expiry and for zero vol (black.ts's limits); NaN for an unusable IV.
 */
function modelDollarGamma(model: GammaModel, strike: number, tYears: number, vol: number): number {
  if (!(vol >= 0 && vol < Infinity) || !Number.isFinite(tYears) || !isPrice(model.forward)) return NaN;
  if (tYears <= 0 || vol === 0) return 0;
  const totalVol = vol * Math.sqrt(tYears);
  const d1 = Math.log(model.forward / strike) / totalVol + 0.5 * totalVol;
  return (model.pvForward * INV_SQRT_2PI * Math.exp(-0.5 * d1 * d1)) / totalVol;
}

/**
 * Packs the re-priceable options into scratch: ln(F/K), 1/(σ√T), σ√T/2 and
 * weight = sign·OI·lot·0.01·e^{−rT}F/(σ√T). Then GEX at S' = ρ·S is
 * weight·ρ·φ(d1(ρ)) with d1(ρ) = (ln(F/K) + ln ρ)/(σ√T) + σ√T/2: one exp per
 * option per grid point, which is why the flip does not go through priceBatch
 * (nine Greeks and a log per option). Returns the number packed, −1 when the
 * snapshot cannot be re-priced at all.
 */
function prepareReprice(snapshot: ChainSnapshot, options: GexOptions, scratch: GexScratch): number {
  const { strikes, spot, lotSize, tYears } = snapshot;
  const n = strikes.length;
  if (!isPrice(spot) || !(lotSize > 0 && lotSize < Infinity) || !Number.isFinite(tYears)) return -1;
  const model = gammaModel(snapshot, options.forward);
  if (!isPrice(model.forward) || !isPrice(model.pvForward)) return -1;
  if (tYears <= 0) return 0;
  const signs = conventionSigns(options.convention ?? DEFAULT_CONVENTION);
  const sqrtT = Math.sqrt(tYears);
  const { logMoneyness, invTotalVol, halfTotalVol, weight } = scratch;
  let count = 0;
  for (let s = 0; s < 2; s++) {
    const side = s === 0 ? snapshot.call : snapshot.put;
    const sign = s === 0 ? signs.call : signs.put;
    for (let i = 0; i < n; i++) {
      const k = strikes[i];
      const oi = side.oi[i];
      const vol = side.iv[i];
      if (!(oi > 0 && oi < Infinity && vol > 0 && vol < Infinity && isPrice(k))) continue;
      const totalVol = vol * sqrtT;
      logMoneyness[count] = Math.log(model.forward / k);
      invTotalVol[count] = 1 / totalVol;
      halfTotalVol[count] = 0.5 * totalVol;
      weight[count] = (sign * oi * lotSize * 0.01 * model.pvForward * INV_SQRT_2PI) / totalVol;
      count++;
    }
  }
  return count;
}

function repricedTotal(scratch: GexScratch, count: number, spotRatio: number): number {
  const { logMoneyness, invTotalVol, halfTotalVol, weight } = scratch;
  const shift = Math.log(spotRatio);
  let total = 0;
  for (let m = 0; m < count; m++) {
    const d1 = (logMoneyness[m] + shift) * invTotalVol[m] + halfTotalVol[m];
    total += weight[m] * Math.exp(-0.5 * d1 * d1);
  }
  return total * spotRatio;
}

/** The caller's scratch, grown in place when this chain or grid is larger than it. */
function scratchFor(strikeCount: number, gridPoints: number, given: GexScratch | undefined): GexScratch {
  if (given === undefined) return allocateGexScratch(strikeCount, gridPoints);
  if (given.weight.length < 2 * strikeCount) {
    const grown = allocateGexScratch(strikeCount, 0);
    given.logMoneyness = grown.logMoneyness;
    given.invTotalVol = grown.invTotalVol;
    given.halfTotalVol = grown.halfTotalVol;
    given.weight = grown.weight;
  }
  if (given.profile.length < gridPoints) {
    given.spotLevels = new Float64Array(gridPoints);
    given.profile = new Float64Array(gridPoints);
  }
  return given;
}

function isPrice(x: number): boolean {
  return x > 0 && x < Infinity;
}
