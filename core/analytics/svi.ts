/**
 * SVI smile of one expiry (Gatheral 2004, "raw" parametrisation): total
 * implied variance w = σ_imp²·T as a function of log-moneyness k = ln(K/F),
 *
 *   w(k) = a + b·(ρ·(k − m) + √((k − m)² + σ²)),
 *
 * fitted to one snapshot's implied volatilities, and its butterfly-arbitrage
 * check.
 *
 * Fit: the quasi-explicit method of Zeliade Systems ("Quasi-explicit
 * calibration of Gatheral's SVI model", 2009). With y = (k − m)/σ the model is
 * w = a + d·y + c·√(y² + 1), c = b·σ, d = ρ·b·σ: for fixed (m, σ) it is linear
 * in (a, c, d), and the least-squares (a, c, d) over Zeliade's domain
 *   0 ≤ a ≤ max wᵢ,   |d| ≤ c,   |d| ≤ 4σ − c
 * (b ≥ 0, |ρ| ≤ 1, and Lee's wing bound b·(1 + |ρ|) ≤ 4 on total variance) is
 * an exact small convex QP, solved here by enumerating its active sets. The
 * outer two parameters (m, σ) are searched on a grid over the data's k range
 * and then refined by Nelder–Mead from the best few grid points, with m kept
 * within two k-spans of the data and σ in [1e-4, 10]. The residuals are in
 * total variance, equally weighted.
 *
 * Butterfly arbitrage (Gatheral & Jacquier 2014, "Arbitrage-free SVI
 * volatility surfaces", Lemma 2.2): a slice is free of it when w > 0 and
 *
 *   g(k) = (1 − k·w′/(2w))² − (w′²/4)·(1/w + 1/4) + w″/2 ≥ 0,
 *
 * g being the risk-neutral density of ln(S_T/F) divided by its lognormal
 * kernel: p(k) = g(k)/√(2πw)·exp(−d₋²/2), d₋ = −k/√w − √w/2. It is checked
 * here on a grid over the data's k range extended by one span either side
 * (BUTTERFLY_GRID_POINTS points): where the fit is used, not at k = ±∞
 * (where Lee's bound above already keeps the wings sane).
 */

export interface SviParams {
  /** Level of total variance, decimal² (can be negative as long as w stays > 0). */
  a: number;
  /** Slope of the wings, total variance per unit of k, ≥ 0. */
  b: number;
  /** Asymmetry, −1 ≤ ρ ≤ 1 (negative: the left wing is steeper, as on an index). */
  rho: number;
  /** Horizontal shift, log-moneyness. */
  m: number;
  /** Curvature at the vertex, log-moneyness, > 0. */
  sigma: number;
}

/** w(k), total implied variance. */
export function sviTotalVariance(p: SviParams, k: number): number {
  const x = k - p.m;
  return p.a + p.b * (p.rho * x + Math.sqrt(x * x + p.sigma * p.sigma));
}

/** w(k) and its first two derivatives in k. */
export function sviDerivatives(p: SviParams, k: number): { w: number; w1: number; w2: number } {
  const x = k - p.m;
  const root = Math.sqrt(x * x + p.sigma * p.sigma);
  return {
    w: p.a + p.b * (p.rho * x + root),
    w1: p.b * (p.rho + x / root),
    w2: (p.b * p.sigma * p.sigma) / (root * root * root),
  };
}

/** Gatheral's g(k) (see the module doc); −Infinity where w ≤ 0, since no density exists there. */
export function butterflyG(p: SviParams, k: number): number {
  const { w, w1, w2 } = sviDerivatives(p, k);
  if (!(w > 0)) return -Infinity;
  const first = 1 - (k * w1) / (2 * w);
  return first * first - ((w1 * w1) / 4) * (1 / w + 0.25) + w2 / 2;
}

/** The risk-neutral density of ln(S_T/F) at k implied by the slice: g(k)/√(2πw)·exp(−d₋²/2). */
export function sviDensity(p: SviParams, k: number): number {
  const w = sviTotalVariance(p, k);
  if (!(w > 0)) return NaN;
  const sqrtW = Math.sqrt(w);
  const dMinus = -k / sqrtW - sqrtW / 2;
  return (butterflyG(p, k) / Math.sqrt(2 * Math.PI * w)) * Math.exp(-0.5 * dMinus * dMinus);
}

/** Points of the grid g(k) is checked on. */
export const BUTTERFLY_GRID_POINTS = 401;

export interface ButterflyCheck {
  /** Smallest g(k) on the grid (−Infinity where w ≤ 0 somewhere). */
  minG: number;
  /** The k where it is smallest. */
  minGAt: number;
  /** Whether g < 0 (or w ≤ 0) somewhere on the grid. */
  arbitrage: boolean;
}

/** g(k) over [kLow, kHigh] on BUTTERFLY_GRID_POINTS points. */
export function checkButterfly(p: SviParams, kLow: number, kHigh: number, points = BUTTERFLY_GRID_POINTS): ButterflyCheck {
  let minG = Infinity;
  let minGAt = NaN;
  for (let i = 0; i < points; i++) {
    const k = points === 1 ? kLow : kLow + ((kHigh - kLow) * i) / (points - 1);
    const g = butterflyG(p, k);
    if (g < minG || Number.isNaN(minGAt)) {
      minG = g;
      minGAt = k;
    }
  }
  return { minG, minGAt, arbitrage: !(minG >= 0) };
}

export interface SviFit {
  params: SviParams;
  /** Points fitted. */
  points: number;
  /** Root-mean-square error of the fitted IV against the data, vol points (1 = 1 % of volatility). */
  rmseVolPoints: number;
  /** Root-mean-square error in total variance, decimal². */
  rmseTotalVariance: number;
  /** Butterfly check over the data's k range extended by one span either side. */
  butterfly: ButterflyCheck;
  /** The k range the butterfly check covered. */
  checkedFrom: number;
  checkedTo: number;
}

/** Fewest points a fit takes: five parameters. */
export const SVI_MIN_POINTS = 5;

const SIGMA_MIN = 1e-4;
const SIGMA_MAX = 10;

/**
 * The SVI raw fit of total variances `w` at log-moneyness `k` (same length,
 * NaN entries skipped) for an expiry `tYears` away; null with fewer than
 * SVI_MIN_POINTS usable points, a non-positive T, or every k equal.
 */
export function fitSvi(k: Float64Array, w: Float64Array, tYears: number): SviFit | null {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < k.length; i++) {
    if (Number.isFinite(k[i]) && w[i] > 0 && w[i] < Infinity) {
      xs.push(k[i]);
      ys.push(w[i]);
    }
  }
  const n = xs.length;
  if (n < SVI_MIN_POINTS || !(tYears > 0 && tYears < Infinity)) return null;
  const kx = Float64Array.from(xs);
  const wy = Float64Array.from(ys);
  let kMin = Infinity;
  let kMax = -Infinity;
  let wMax = 0;
  for (let i = 0; i < n; i++) {
    kMin = Math.min(kMin, kx[i]);
    kMax = Math.max(kMax, kx[i]);
    wMax = Math.max(wMax, wy[i]);
  }
  const span = kMax - kMin;
  if (!(span > 0)) return null;

  const mLow = kMin - 2 * span;
  const mHigh = kMax + 2 * span;
  const inner = (m: number, sigma: number) => innerFit(kx, wy, m, sigma, wMax);
  // (m, ln σ), clamped to the bounds.
  const clampM = (m: number) => Math.min(mHigh, Math.max(mLow, m));
  const clampS = (s: number) => Math.min(Math.log(SIGMA_MAX), Math.max(Math.log(SIGMA_MIN), s));
  const objective = (v: readonly number[]) => inner(clampM(v[0]), Math.exp(clampS(v[1]))).sse;

  const starts: { v: number[]; f: number }[] = [];
  for (let i = 0; i <= 8; i++) {
    const m = kMin - 0.5 * span + (2 * span * i) / 8;
    for (const sigma of [0.02 * span, 0.1 * span, 0.3 * span, span, 3 * span]) {
      const v = [m, Math.log(Math.max(SIGMA_MIN, sigma))];
      starts.push({ v, f: objective(v) });
    }
  }
  starts.sort((x, y) => x.f - y.f);
  let best = starts[0];
  for (const start of starts.slice(0, 3)) {
    const refined = nelderMead(objective, start.v, [0.1 * span, 0.5]);
    if (refined.f < best.f) best = refined;
  }
  const m = clampM(best.v[0]);
  const sigma = Math.exp(clampS(best.v[1]));
  const { a, c, d, sse } = inner(m, sigma);
  const params: SviParams = { a, b: c / sigma, rho: c > 0 ? Math.max(-1, Math.min(1, d / c)) : 0, m, sigma };

  let volSse = 0;
  for (let i = 0; i < n; i++) {
    const fitted = Math.sqrt(Math.max(sviTotalVariance(params, kx[i]), 0) / tYears);
    const diff = fitted - Math.sqrt(wy[i] / tYears);
    volSse += diff * diff;
  }
  const checkedFrom = kMin - span;
  const checkedTo = kMax + span;
  return {
    params,
    points: n,
    rmseVolPoints: 100 * Math.sqrt(volSse / n),
    rmseTotalVariance: Math.sqrt(sse / n),
    butterfly: checkButterfly(params, checkedFrom, checkedTo),
    checkedFrom,
    checkedTo,
  };
}

// ---- the inner problem: least squares in (a, d, c) over Zeliade's domain ----

/** Constraints G·x ≤ h on x = (a, d, c), for a given σ and max wᵢ. */
function constraints(sigma: number, wMax: number): { g: number[][]; h: number[] } {
  return {
    g: [
      [-1, 0, 0], // a ≥ 0
      [1, 0, 0], // a ≤ max w
      [0, 1, -1], // d ≤ c
      [0, -1, -1], // −d ≤ c
      [0, 1, 1], // d + c ≤ 4σ
      [0, -1, 1], // c − d ≤ 4σ
    ],
    h: [0, wMax, 0, 0, 4 * sigma, 4 * sigma],
  };
}

/** Every subset of {0..5} of at most three constraints, the empty one first. */
const ACTIVE_SETS: number[][] = (() => {
  const sets: number[][] = [[]];
  for (let i = 0; i < 6; i++) {
    sets.push([i]);
    for (let j = i + 1; j < 6; j++) {
      sets.push([i, j]);
      for (let l = j + 1; l < 6; l++) sets.push([i, j, l]);
    }
  }
  return sets;
})();

/**
 * min Σ (a + d·yᵢ + c·zᵢ − wᵢ)² over Zeliade's domain, yᵢ = (kᵢ − m)/σ,
 * zᵢ = √(yᵢ² + 1): the convex QP's optimum is the equality-constrained
 * minimum of one of its active sets that is feasible, and the best of those.
 */
function innerFit(k: Float64Array, w: Float64Array, m: number, sigma: number, wMax: number): { a: number; d: number; c: number; sse: number } {
  // Normal equations M·x = r over the columns (1, y, z).
  const M = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const r = [0, 0, 0];
  let ww = 0;
  for (let i = 0; i < k.length; i++) {
    const y = (k[i] - m) / sigma;
    const row = [1, y, Math.sqrt(y * y + 1)];
    for (let p = 0; p < 3; p++) {
      r[p] += row[p] * w[i];
      for (let q = 0; q < 3; q++) M[p][q] += row[p] * row[q];
    }
    ww += w[i] * w[i];
  }
  // A whisker of ridge keeps M invertible when the columns are nearly collinear (σ huge or tiny).
  const ridge = 1e-12 * (M[0][0] + M[1][1] + M[2][2]);
  for (let p = 0; p < 3; p++) M[p][p] += ridge;
  const { g, h } = constraints(sigma, wMax);
  let best: { a: number; d: number; c: number; sse: number } = { a: 0, d: 0, c: 0, sse: ww };
  const system = new Float64Array(6 * 7);
  const x = new Float64Array(6);
  for (const active of ACTIVE_SETS) {
    const size = 3 + active.length;
    // The KKT system [M Gᵀ; G 0]·(x, λ) = (r, h) of this active set, row-major with the right-hand side last.
    system.fill(0);
    for (let p = 0; p < 3; p++) {
      for (let q = 0; q < 3; q++) system[p * 7 + q] = M[p][q];
      active.forEach((j, l) => {
        system[p * 7 + 3 + l] = g[j][p];
        system[(3 + l) * 7 + p] = g[j][p];
      });
      system[p * 7 + 6] = r[p];
    }
    active.forEach((j, l) => (system[(3 + l) * 7 + 6] = h[j]));
    if (!solveLinear(system, size, x)) continue;
    const a = x[0];
    const d = x[1];
    const c = x[2];
    let feasible = true;
    for (let j = 0; j < g.length && feasible; j++) feasible = g[j][0] * a + g[j][1] * d + g[j][2] * c <= h[j] + 1e-12 * (1 + Math.abs(h[j]));
    if (!feasible) continue;
    // Σ (x·row − w)² = xᵀMx − 2rᵀx + Σw² (M without the ridge would differ by ~1e-12 relative).
    let quad = 0;
    for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) quad += x[p] * M[p][q] * x[q];
    const sse = Math.max(0, quad - 2 * (r[0] * a + r[1] * d + r[2] * c) + ww);
    if (sse < best.sse) best = { a, d, c, sse };
    // The unconstrained minimum, when feasible, is the optimum.
    if (active.length === 0) break;
  }
  return best;
}

/**
 * Solves the n×n system in `system` (row stride 7, right-hand side in column
 * 6) into `x` by Gaussian elimination with partial pivoting, in place; false
 * when singular.
 */
function solveLinear(system: Float64Array, n: number, x: Float64Array): boolean {
  const at = (row: number, col: number) => row * 7 + col;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(system[at(row, col)]) > Math.abs(system[at(pivot, col)])) pivot = row;
    if (!(Math.abs(system[at(pivot, col)]) > 1e-300)) return false;
    if (pivot !== col) {
      for (let j = 0; j < 7; j++) {
        const t = system[at(col, j)];
        system[at(col, j)] = system[at(pivot, j)];
        system[at(pivot, j)] = t;
      }
    }
    for (let row = col + 1; row < n; row++) {
      const f = system[at(row, col)] / system[at(col, col)];
      if (f === 0) continue;
      for (let j = col; j < n; j++) system[at(row, j)] -= f * system[at(col, j)];
      system[at(row, 6)] -= f * system[at(col, 6)];
    }
  }
  for (let row = n - 1; row >= 0; row--) {
    let s = system[at(row, 6)];
    for (let j = row + 1; j < n; j++) s -= system[at(row, j)] * x[j];
    x[row] = s / system[at(row, row)];
    if (!Number.isFinite(x[row])) return false;
  }
  return true;
}

/** Nelder–Mead minimisation in two dimensions (standard coefficients), from `start` with initial steps `steps`. */
function nelderMead(f: (v: readonly number[]) => number, start: number[], steps: number[], iterations = 300): { v: number[]; f: number } {
  let simplex = [start, [start[0] + steps[0], start[1]], [start[0], start[1] + steps[1]]].map((v) => ({ v, f: f(v) }));
  const combine = (x: number[], y: number[], t: number) => x.map((xi, i) => xi + t * (y[i] - xi));
  for (let it = 0; it < iterations; it++) {
    simplex.sort((x, y) => x.f - y.f);
    const [best, middle, worst] = simplex;
    const size = Math.max(Math.abs(worst.v[0] - best.v[0]), Math.abs(middle.v[0] - best.v[0]), Math.abs(worst.v[1] - best.v[1]), Math.abs(middle.v[1] - best.v[1]));
    if (Math.abs(worst.f - best.f) <= 1e-14 * (Math.abs(best.f) + 1e-20) || size < 1e-10) break;
    const centroid = best.v.map((x, i) => (x + middle.v[i]) / 2);
    const reflected = combine(centroid, worst.v, -1);
    const fr = f(reflected);
    if (fr < best.f) {
      const expanded = combine(centroid, worst.v, -2);
      const fe = f(expanded);
      simplex[2] = fe < fr ? { v: expanded, f: fe } : { v: reflected, f: fr };
    } else if (fr < middle.f) {
      simplex[2] = { v: reflected, f: fr };
    } else {
      const contracted = combine(centroid, worst.v, fr < worst.f ? -0.5 : 0.5);
      const fc = f(contracted);
      if (fc < Math.min(fr, worst.f)) simplex[2] = { v: contracted, f: fc };
      else simplex = simplex.map((p, i) => (i === 0 ? p : { v: combine(best.v, p.v, 0.5), f: f(combine(best.v, p.v, 0.5)) }));
    }
  }
  simplex.sort((x, y) => x.f - y.f);
  return simplex[0];
}
