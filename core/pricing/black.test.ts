/**
 * Independent tests for core/pricing/black.ts.
 *
 * Nothing here reuses the module's own maths: prices are checked against
 * published textbook values and against a small reference Black-Scholes
 * written below with its own normal CDF (erf power series / erfc continued
 * fraction); every Greek is checked against a finite difference of the
 * module's PRICE, never against another of its Greeks.
 */
import { describe, expect, it } from 'vitest';
import {
  CALL,
  GREEK_NAMES,
  PUT,
  allocateGreeks,
  optionGreeks,
  priceBatch,
  type GreekName,
  type Greeks,
  type OptionBatch,
  type PricingModel,
} from './black.ts';
import { mulberry32 } from '../random.ts';

// ---------------------------------------------------------------------------
// Reference maths, independent of core/math/normal.ts.
// ---------------------------------------------------------------------------

const SQRT_PI = Math.sqrt(Math.PI);

/** erfc(x) for x ≥ 0: 1 − erf from a positive-term series below 3, a continued fraction above. */
function erfcRef(x: number): number {
  if (x < 3) {
    // erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)); all terms positive, no cancellation.
    let term = x;
    let sum = x;
    for (let n = 1; term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x * x) * sum);
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up.
  let f = x;
  for (let n = 80; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/** Φ(x), accurate in relative terms in the left tail. */
function phiRef(x: number): number {
  return x < 0 ? 0.5 * erfcRef(-x * Math.SQRT1_2) : 1 - 0.5 * erfcRef(x * Math.SQRT1_2);
}

interface Case {
  model: PricingModel;
  type: 'call' | 'put';
  underlying: number;
  strike: number;
  tYears: number;
  vol: number;
  rate: number;
  divYield: number;
}

/** Forward of the case: S·e^{(r−q)T} under bsm, the given futures price under black76. */
function forwardOf(c: Case): number {
  return c.model === 'bsm' ? c.underlying * Math.exp((c.rate - c.divYield) * c.tYears) : c.underlying;
}

/** Textbook Black formula on the forward, T > 0 and σ > 0 only. */
function refPrice(c: Case): number {
  const f = forwardOf(c);
  const s = c.vol * Math.sqrt(c.tYears);
  const d1 = Math.log(f / c.strike) / s + s / 2;
  const d2 = d1 - s;
  const df = Math.exp(-c.rate * c.tYears);
  return c.type === 'call' ? df * (f * phiRef(d1) - c.strike * phiRef(d2)) : df * (c.strike * phiRef(-d2) - f * phiRef(-d1));
}

/** e^{−rT}·max(θ(F − K), 0): the σ → 0 limit and a lower bound for every T > 0. */
function discountedForwardIntrinsic(c: Case): number {
  const sign = c.type === 'call' ? 1 : -1;
  return Math.exp(-c.rate * c.tYears) * Math.max(sign * (forwardOf(c) - c.strike), 0);
}


const uniform = (rand: () => number, lo: number, hi: number) => lo + (hi - lo) * rand();
const logUniform = (rand: () => number, lo: number, hi: number) => Math.exp(uniform(rand, Math.log(lo), Math.log(hi)));

function randomCase(rand: () => number, model: PricingModel): Case {
  const underlying = logUniform(rand, 1, 1e5);
  return {
    model,
    type: rand() < 0.5 ? 'call' : 'put',
    underlying,
    strike: underlying * Math.exp(uniform(rand, -1.5, 1.5)),
    tYears: logUniform(rand, 60 / (365 * 86_400), 10),
    vol: uniform(rand, 0.01, 1.5),
    rate: uniform(rand, -0.02, 0.15),
    divYield: model === 'bsm' ? uniform(rand, 0, 0.08) : 0,
  };
}

const describeCase = (c: Case) =>
  `${c.model} ${c.type} U=${c.underlying} K=${c.strike} T=${c.tYears} σ=${c.vol} r=${c.rate} q=${c.divYield}`;

// ---------------------------------------------------------------------------
// Finite differences of the module's price (fourth-order central stencils).
// ---------------------------------------------------------------------------

type Fn = (x: number) => number;
const diff1 = (f: Fn, x: number, h: number) => (f(x - 2 * h) - 8 * f(x - h) + 8 * f(x + h) - f(x + 2 * h)) / (12 * h);
const diff2 = (f: Fn, x: number, h: number) =>
  (-f(x - 2 * h) + 16 * f(x - h) - 30 * f(x) + 16 * f(x + h) - f(x + 2 * h)) / (12 * h * h);

const priceOf = (c: Case) => optionGreeks(c).price;
const along = (c: Case, key: 'underlying' | 'tYears' | 'vol' | 'rate'): Fn => (x) => priceOf({ ...c, [key]: x });

/**
 * Bump sizes are scaled to the distance over which the price actually changes:
 * U·σ√T in the underlying, T in time, σ in vol, min(1/T, σ/√T) in the rate.
 * First derivatives use 1e-3 of that scale, second and mixed ones 1e-2
 * (round-off grows as 1/h² there).
 */
function steps(c: Case, fine: number) {
  const width = c.vol * Math.sqrt(c.tYears);
  return {
    u: fine * width * c.underlying,
    t: fine * c.tYears,
    v: fine * c.vol,
    r: fine * Math.min(1 / c.tYears, c.vol / Math.sqrt(c.tYears)),
  };
}

/**
 * A finite-difference estimate and its round-off floor. The premium is a
 * difference of two terms of size ≈ U and ≈ K, so it carries an absolute error
 * of a few ulps of U + K; the stencil divides that by h (or h²), which
 * dominates at the shortest expiries where the bumps are tiny.
 */
interface Estimate {
  value: number;
  roundoff: number;
}
const PRICE_ULPS = 4;
const priceNoise = (c: Case) => PRICE_ULPS * Number.EPSILON * (c.underlying + c.strike);
// Σ|stencil coefficients|: 18/12 for diff1, 64/12 for diff2.
const AMP1 = 18 / 12;
const AMP2 = 64 / 12;

/** Every Greek re-derived from the price alone, in the module's documented units. */
const finiteDifference: Record<Exclude<GreekName, 'price'>, (c: Case) => Estimate> = {
  delta: (c) => {
    const h = steps(c, 1e-3).u;
    return { value: diff1(along(c, 'underlying'), c.underlying, h), roundoff: (priceNoise(c) * AMP1) / h };
  },
  gamma: (c) => {
    const h = steps(c, 1e-2).u;
    return { value: diff2(along(c, 'underlying'), c.underlying, h), roundoff: (priceNoise(c) * AMP2) / (h * h) };
  },
  // Time passing shortens T with the underlying held fixed.
  theta: (c) => {
    const h = steps(c, 1e-3).t;
    return { value: -diff1(along(c, 'tYears'), c.tYears, h) / 365, roundoff: (priceNoise(c) * AMP1) / h / 365 };
  },
  vega: (c) => {
    const h = steps(c, 1e-3).v;
    return { value: diff1(along(c, 'vol'), c.vol, h) / 100, roundoff: (priceNoise(c) * AMP1) / h / 100 };
  },
  // Spot held fixed under bsm (the forward moves with r), futures price held fixed under black76.
  rho: (c) => {
    const h = steps(c, 1e-3).r;
    return { value: diff1(along(c, 'rate'), c.rate, h) / 100, roundoff: (priceNoise(c) * AMP1) / h / 100 };
  },
  vanna: (c) => {
    const h = steps(c, 1e-2);
    const value = diff1((v) => diff1(along({ ...c, vol: v }, 'underlying'), c.underlying, h.u), c.vol, h.v) / 100;
    return { value, roundoff: (priceNoise(c) * AMP1 * AMP1) / (h.u * h.v) / 100 };
  },
  charm: (c) => {
    const h = steps(c, 1e-2);
    const value = -diff1((t) => diff1(along({ ...c, tYears: t }, 'underlying'), c.underlying, h.u), c.tYears, h.t) / 365;
    return { value, roundoff: (priceNoise(c) * AMP1 * AMP1) / (h.u * h.t) / 365 };
  },
  vomma: (c) => {
    const h = steps(c, 1e-2).v;
    return { value: diff2(along(c, 'vol'), c.vol, h) / 10_000, roundoff: (priceNoise(c) * AMP2) / (h * h) / 10_000 };
  },
};

/**
 * The size each Greek has for an at-the-money option of this shape. The
 * absolute part of a tolerance is a fraction of it, so that Greeks crossing
 * zero (theta, vanna, charm, vomma) are not held to an impossible relative bound.
 */
function naturalScale(c: Case, greek: GreekName): number {
  const { underlying: u, strike: k, tYears: t, vol: s } = c;
  const sqrtT = Math.sqrt(t);
  switch (greek) {
    case 'price':
      return u * s * sqrtT;
    case 'delta':
      return 1;
    case 'gamma':
      return 1 / (u * s * sqrtT);
    case 'theta':
      return ((u * s) / sqrtT + Math.abs(c.rate) * k + Math.abs(c.divYield) * u) / 365;
    case 'vega':
      return (u * sqrtT) / 100;
    case 'rho':
      return ((u + k) * t) / 100;
    case 'vanna':
      return 1 / (s * 100);
    case 'charm':
      return (1 / t + Math.abs(c.rate) + Math.abs(c.divYield)) / 365;
    case 'vomma':
      return (u * sqrtT) / s / 10_000;
  }
}

/**
 * Tolerance: |analytic − fd| ≤ RTOL·|fd| + 1e-8 × natural scale + round-off floor.
 * Fourth-order stencils leave a truncation error far below these.
 */
const RTOL: Record<Exclude<GreekName, 'price'>, number> = {
  delta: 1e-7,
  theta: 1e-7,
  vega: 1e-7,
  rho: 1e-7,
  gamma: 1e-6,
  vanna: 1e-6,
  charm: 1e-6,
  vomma: 1e-6,
};
const ATOL_OF_SCALE = 1e-8;

// The grid: strikes at standardized moneyness ln(K/F)/(σ√T) from deep ITM to deep
// OTM (for calls; reversed for puts), expiries from 60 seconds to 5 years.
const HOUR = 1 / (365 * 24);
const EXPIRIES = [60 / (365 * 86_400), HOUR, 1 / 365, 30 / 365, 1, 5];
const MONEYNESS = [-2.5, -1, 0, 0.7, 2.5];
const VOLS = [0.12, 0.45];
const RATES: Array<[number, number]> = [
  [0.065, 0.015],
  [0, 0],
];

function grid(model: PricingModel): Case[] {
  const cases: Case[] = [];
  for (const type of ['call', 'put'] as const)
    for (const tYears of EXPIRIES)
      for (const vol of VOLS)
        for (const [rate, q] of RATES)
          for (const z of MONEYNESS) {
            const divYield = model === 'bsm' ? q : 0;
            const underlying = 23_500;
            const forward = model === 'bsm' ? underlying * Math.exp((rate - divYield) * tYears) : underlying;
            const strike = forward * Math.exp(z * vol * Math.sqrt(tYears));
            cases.push({ model, type, underlying, strike, tYears, vol, rate, divYield });
          }
  return cases;
}

function withinTolerance(actual: number, expected: number, rtol: number, atol: number): boolean {
  return Math.abs(actual - expected) <= rtol * Math.abs(expected) + atol;
}

const MODELS: PricingModel[] = ['bsm', 'black76'];

// ---------------------------------------------------------------------------

describe('the reference normal CDF written in this file', () => {
  it('reproduces tabulated Φ values, including the far left tail, to 1e-13 relative', () => {
    const table: Array<[number, number]> = [
      [0, 0.5],
      [0.5, 0.691462461274013103637],
      [1, 0.841344746068542948586],
      [-1.96, 0.0249978951482204362],
      [-3, 0.00134989803163009452665],
      [-8, 6.2209605742717841235e-16],
      [-20, 2.7536241186062336951e-89],
    ];
    for (const [x, phi] of table) expect(Math.abs(phiRef(x) - phi) / phi, `Φ(${x})`).toBeLessThan(1e-13);
  });
});

describe('prices against textbook values', () => {
  const hull = { underlying: 42, strike: 40, tYears: 0.5, vol: 0.2, rate: 0.1, divYield: 0 };

  it("prices Hull's S=42, K=40, r=10%, σ=20%, T=0.5 call at 4.76 and put at 0.81", () => {
    const call = optionGreeks({ ...hull, type: 'call' });
    const put = optionGreeks({ ...hull, type: 'put' });
    expect(Math.abs(call.price - 4.76)).toBeLessThan(0.005);
    expect(Math.abs(put.price - 0.81)).toBeLessThan(0.005);
    // The reference Black-Scholes agrees far more tightly than the two printed decimals.
    expect(Math.abs(call.price - refPrice({ ...hull, model: 'bsm', type: 'call' }))).toBeLessThan(1e-12);
    expect(Math.abs(put.price - refPrice({ ...hull, model: 'bsm', type: 'put' }))).toBeLessThan(1e-12);
  });

  it("gives Hull's call delta N(d1) = 0.7791 for the same option", () => {
    expect(Math.abs(optionGreeks({ ...hull, type: 'call' }).delta - 0.7791)).toBeLessThan(5e-5);
  });

  it("reproduces Hull's Greeks for S=49, K=50, r=5%, σ=20%, 20 weeks, in per-day and per-point units", () => {
    // Hull: price 2.40, Δ 0.522, Γ 0.066, Θ −4.31 per year, ν 12.1 per unit σ, ρ 8.91 per unit r.
    const g = optionGreeks({ underlying: 49, strike: 50, tYears: 20 / 52, vol: 0.2, rate: 0.05, type: 'call' });
    expect(Math.abs(g.price - 2.4)).toBeLessThan(0.005);
    expect(Math.abs(g.delta - 0.522)).toBeLessThan(5e-4);
    expect(Math.abs(g.gamma - 0.066)).toBeLessThan(5e-4);
    expect(Math.abs(g.theta * 365 - -4.31)).toBeLessThan(0.005);
    expect(Math.abs(g.vega * 100 - 12.1)).toBeLessThan(0.05);
    expect(Math.abs(g.rho * 100 - 8.91)).toBeLessThan(0.005);
  });

  it("prices Haug's Black-76 example F=19, K=19, T=0.75, r=10%, σ=28% with call = put = 1.7011", () => {
    const input = { model: 'black76' as const, underlying: 19, strike: 19, tYears: 0.75, vol: 0.28, rate: 0.1, divYield: 0 };
    for (const type of ['call', 'put'] as const) {
      const p = optionGreeks({ ...input, type }).price;
      expect(Math.abs(p - 1.7011), type).toBeLessThan(5e-5);
      expect(Math.abs(p - refPrice({ ...input, type })), type).toBeLessThan(1e-12);
    }
  });

  it("prices Hull's futures option F=20, K=20, r=9%, σ=25%, 4 months with a put of 1.1166", () => {
    const input = { model: 'black76' as const, underlying: 20, strike: 20, tYears: 4 / 12, vol: 0.25, rate: 0.09, divYield: 0 };
    const p = optionGreeks({ ...input, type: 'put' }).price;
    expect(Math.abs(p - 1.1166)).toBeLessThan(5e-5);
    expect(Math.abs(p - refPrice({ ...input, type: 'put' }))).toBeLessThan(1e-12);
  });

  it("prices Haug's generalized BSM put S=100, K=95, T=0.5, r=10%, q=5%, σ=20% at 2.4648", () => {
    const input = { model: 'bsm' as const, underlying: 100, strike: 95, tYears: 0.5, vol: 0.2, rate: 0.1, divYield: 0.05 };
    const p = optionGreeks({ ...input, type: 'put' }).price;
    expect(Math.abs(p - 2.4648)).toBeLessThan(5e-5);
    expect(Math.abs(p - refPrice({ ...input, type: 'put' }))).toBeLessThan(1e-12);
  });

  it("reproduces Haug's Greek examples: futures deltas, gamma, put theta with a yield, call rho", () => {
    // Futures option (b = 0): call Δ 0.5946, put Δ −0.3566.
    const fut = { model: 'black76' as const, underlying: 105, strike: 100, tYears: 0.5, vol: 0.36, rate: 0.1 };
    expect(Math.abs(optionGreeks({ ...fut, type: 'call' }).delta - 0.5946)).toBeLessThan(5e-5);
    expect(Math.abs(optionGreeks({ ...fut, type: 'put' }).delta - -0.3566)).toBeLessThan(5e-5);
    // S=55, K=60, T=0.75, r=b=10%, σ=30%: Γ 0.0278.
    const gamma = optionGreeks({ underlying: 55, strike: 60, tYears: 0.75, vol: 0.3, rate: 0.1, type: 'call' }).gamma;
    expect(Math.abs(gamma - 0.0278)).toBeLessThan(5e-5);
    // S=430, K=405, T=0.0833, r=7%, b=2% (q=5%), σ=20%: put Θ −31.1924 per year.
    const theta = optionGreeks({ underlying: 430, strike: 405, tYears: 0.0833, vol: 0.2, rate: 0.07, divYield: 0.05, type: 'put' }).theta;
    expect(Math.abs(theta * 365 - -31.1924)).toBeLessThan(5e-4);
    // S=72, K=75, T=1, r=b=9%, σ=19%: call ρ 38.7325 per unit rate.
    const rho = optionGreeks({ underlying: 72, strike: 75, tYears: 1, vol: 0.19, rate: 0.09, type: 'call' }).rho;
    expect(Math.abs(rho * 100 - 38.7325)).toBeLessThan(5e-4);
  });

  it.each(MODELS)('matches the reference Black-Scholes over a random %s grid to 1e-12 of the premium scale', (model) => {
    const rand = mulberry32(model === 'bsm' ? 11 : 12);
    const failures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = randomCase(rand, model);
      const df = Math.exp(-c.rate * c.tYears);
      const scale = df * (forwardOf(c) + c.strike);
      const got = priceOf(c);
      const want = refPrice(c);
      if (!(Math.abs(got - want) <= 1e-12 * scale)) failures.push(`${describeCase(c)}: ${got} vs ${want}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('put-call parity', () => {
  it.each(MODELS)('holds as C − P = e^{−rT}(F − K) to 1e-12 relative over a random %s grid', (model) => {
    const rand = mulberry32(model === 'bsm' ? 21 : 22);
    const failures: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = randomCase(rand, model);
      if (i % 10 === 0) c.vol = 0; // the zero-variance branch must satisfy parity too
      const call = optionGreeks({ ...c, type: 'call' });
      const put = optionGreeks({ ...c, type: 'put' });
      const df = Math.exp(-c.rate * c.tYears);
      const f = forwardOf(c);
      const scale = df * (f + c.strike);
      if (!(Math.abs(call.price - put.price - df * (f - c.strike)) <= 1e-12 * scale)) {
        failures.push(`${describeCase(c)}: C=${call.price} P=${put.price}`);
      }
      // Its derivatives: Δc − Δp is the delta of the forward contract; gamma and vega cancel.
      const forwardDelta = model === 'bsm' ? Math.exp(-c.divYield * c.tYears) : df;
      if (!(Math.abs(call.delta - put.delta - forwardDelta) <= 1e-12)) failures.push(`delta parity ${describeCase(c)}`);
      if (!withinTolerance(call.gamma, put.gamma, 1e-12, 0)) failures.push(`gamma ${describeCase(c)}`);
      if (!withinTolerance(call.vega, put.vega, 1e-12, 0)) failures.push(`vega ${describeCase(c)}`);
    }
    expect(failures).toEqual([]);
  });
});

describe.each(MODELS)('every %s Greek equals a finite difference of the price', (model) => {
  const cases = grid(model);

  it.each(Object.keys(finiteDifference) as Array<keyof typeof finiteDifference>)(
    '%s agrees for calls and puts from 2.5 standard deviations in to 2.5 out of the money and from 60 seconds to 5 years',
    (greek) => {
      const failures: string[] = [];
      for (const c of cases) {
        const analytic = optionGreeks(c)[greek];
        const { value: numeric, roundoff } = finiteDifference[greek](c);
        const atol = ATOL_OF_SCALE * naturalScale(c, greek) + roundoff;
        if (!withinTolerance(analytic, numeric, RTOL[greek], atol)) {
          failures.push(`${describeCase(c)}: analytic ${analytic}, finite difference ${numeric}`);
        }
      }
      expect(cases.length).toBe(240);
      expect(failures).toEqual([]);
    },
  );
});

describe('limits in volatility', () => {
  const base = { underlying: 100, tYears: 0.25, rate: 0.08, divYield: 0.03 };

  it.each(MODELS)(
    'at σ = 0 the %s option is exactly its discounted forward payoff, delta its slope (half at the forward), gamma, vega, vanna and vomma 0',
    (model) => {
      for (const type of ['call', 'put'] as const)
        for (const strike of [80, 95, 100, 105, 120]) {
          const c: Case = { ...base, model, type, strike, vol: 0, divYield: model === 'bsm' ? base.divYield : 0 };
          const g = optionGreeks(c);
          const label = describeCase(c);
          for (const name of GREEK_NAMES) expect(Number.isFinite(g[name]), `${name} ${label}`).toBe(true);
          const want = discountedForwardIntrinsic(c);
          expect(Math.abs(g.price - want), label).toBeLessThanOrEqual(1e-13 * c.strike);
          const sign = type === 'call' ? 1 : -1;
          const moneyness = sign * (forwardOf(c) - strike);
          const deltaDiscount = Math.exp(-(model === 'bsm' ? c.divYield : c.rate) * c.tYears);
          // The σ → 0 limit of ±e^{−qT}·Φ(±d1): full slope in the money, half of it exactly at the forward.
          const slope = moneyness > 0 ? 1 : moneyness === 0 ? 0.5 : 0;
          expect(Math.abs(g.delta - sign * slope * deltaDiscount), label).toBeLessThan(1e-15);
          expect([g.gamma, g.vega, g.vanna, g.vomma], label).toEqual([0, 0, 0, 0]);
        }
    },
  );

  it.each(MODELS)(
    'at σ = 0 the %s delta, theta, rho and charm still equal finite differences of the price away from the strike',
    (model) => {
      const failures: string[] = [];
      for (const type of ['call', 'put'] as const)
        for (const strike of [80, 95, 105, 120]) {
          const c: Case = { ...base, model, type, strike, vol: 0, divYield: model === 'bsm' ? base.divYield : 0 };
          const g = optionGreeks(c);
          // The σ = 0 price is smooth in U, T and r except at the strike; bumps stay well clear of it.
          const hu = 1e-4 * c.underlying;
          const ht = 1e-3 * c.tYears;
          const fd = {
            delta: diff1(along(c, 'underlying'), c.underlying, hu),
            gamma: diff2(along(c, 'underlying'), c.underlying, 10 * hu),
            theta: -diff1(along(c, 'tYears'), c.tYears, ht) / 365,
            rho: diff1(along(c, 'rate'), c.rate, 1e-4) / 100,
            charm: -diff1((t) => diff1(along({ ...c, tYears: t }, 'underlying'), c.underlying, hu), c.tYears, ht) / 365,
          };
          for (const [name, numeric] of Object.entries(fd)) {
            const analytic = g[name as GreekName];
            if (!withinTolerance(analytic, numeric, 1e-7, 1e-9)) failures.push(`${name} ${describeCase(c)}: ${analytic} vs ${numeric}`);
          }
        }
      expect(failures).toEqual([]);
    },
  );

  it.each(MODELS)('as σ → 0 the %s price converges to the discounted forward payoff', (model) => {
    for (const type of ['call', 'put'] as const)
      for (const strike of [90, 110]) {
        const c: Case = { ...base, model, type, strike, vol: 0.2, divYield: model === 'bsm' ? base.divYield : 0 };
        const limit = discountedForwardIntrinsic(c);
        let previousGap = Infinity;
        for (const vol of [0.1, 0.03, 0.01, 1e-3, 1e-6, 1e-9]) {
          const g = optionGreeks({ ...c, vol });
          for (const name of GREEK_NAMES) expect(Number.isFinite(g[name])).toBe(true);
          const gap = g.price - limit;
          expect(gap).toBeGreaterThanOrEqual(-1e-13 * strike);
          expect(gap).toBeLessThanOrEqual(previousGap);
          previousGap = gap;
        }
        expect(previousGap).toBeLessThan(1e-12 * strike);
        expect(Math.abs(optionGreeks({ ...c, vol: 0 }).price - limit)).toBeLessThan(1e-13 * strike);
      }
  });

  it.each(MODELS)('at the forward the %s price vanishes like e^{−rT}·F·σ√T/√(2π) as σ → 0, and is 0 at σ = 0', (model) => {
    const c: Case = { ...base, model, type: 'call', strike: 0, vol: 0, divYield: model === 'bsm' ? base.divYield : 0 };
    c.strike = forwardOf(c);
    const df = Math.exp(-c.rate * c.tYears);
    for (const vol of [1e-4, 1e-6]) {
      const approx = (df * c.strike * vol * Math.sqrt(c.tYears)) / Math.sqrt(2 * Math.PI);
      for (const type of ['call', 'put'] as const) {
        expect(Math.abs(optionGreeks({ ...c, type, vol }).price / approx - 1)).toBeLessThan(1e-6);
      }
    }
    for (const type of ['call', 'put'] as const) {
      const g = optionGreeks({ ...c, type });
      for (const name of GREEK_NAMES) expect(Number.isFinite(g[name]), name).toBe(true);
      expect(Math.abs(g.price)).toBeLessThan(1e-12 * c.strike);
    }
  });
});

describe('limits in time', () => {
  const ONE_MINUTE = 60 / (365 * 86_400);

  it.each(MODELS)('one minute before expiry every %s output is finite and the price is at least the discounted intrinsic', (model) => {
    const failures: string[] = [];
    for (const type of ['call', 'put'] as const)
      for (const vol of [0.05, 0.2, 0.8, 3])
        for (const m of [0.9, 0.99, 0.999, 0.9999, 1, 1.0001, 1.001, 1.01, 1.1]) {
          const c: Case = { model, type, underlying: 23_500, strike: 23_500 * m, tYears: ONE_MINUTE, vol, rate: 0.065, divYield: model === 'bsm' ? 0.012 : 0 };
          const g = optionGreeks(c);
          const label = describeCase(c);
          for (const name of GREEK_NAMES) if (!Number.isFinite(g[name])) failures.push(`${name} not finite: ${label}`);
          if (!(g.price >= discountedForwardIntrinsic(c) - 1e-12 * c.strike)) failures.push(`below intrinsic: ${label} ${g.price}`);
          if (!(g.gamma >= 0 && g.vega >= 0 && Math.abs(g.delta) <= 1)) failures.push(`sign/bounds: ${label}`);
          if (!(Math.abs(g.price - refPrice(c)) <= 1e-12 * c.strike)) failures.push(`reference: ${label} ${g.price} vs ${refPrice(c)}`);
        }
    expect(failures).toEqual([]);
  });

  it.each(MODELS)('at and after expiry the %s option is its payoff, delta its slope, every other Greek 0', (model) => {
    for (const tYears of [0, -0, -1e-12, -1 / 365, -2])
      for (const vol of [0.2, 0])
        for (const [type, sign] of [
          ['call', 1],
          ['put', -1],
        ] as const)
          for (const strike of [90, 100, 110]) {
            const underlying = 100;
            const g = optionGreeks({ model, type, underlying, strike, tYears, vol, rate: 0.07, divYield: 0.02 });
            const payoff = sign * (underlying - strike);
            const label = `${type} K=${strike} T=${tYears} σ=${vol}`;
            expect(g.price, label).toBe(Math.max(payoff, 0));
            expect(g.delta, label).toBe(payoff > 0 ? sign : payoff === 0 ? sign * 0.5 : 0);
            for (const name of ['gamma', 'theta', 'vega', 'rho', 'vanna', 'charm', 'vomma'] as const) {
              expect(g[name], `${name} ${label}`).toBe(0);
            }
          }
  });

  it('approaches the payoff continuously as T → 0 away from the strike', () => {
    for (const model of MODELS)
      for (const [type, strike] of [
        ['call', 95],
        ['put', 105],
        ['call', 105],
        ['put', 95],
      ] as const) {
        const near = optionGreeks({ model, type, underlying: 100, strike, tYears: 1e-9, vol: 0.3, rate: 0.07, divYield: 0.02 });
        const at = optionGreeks({ model, type, underlying: 100, strike, tYears: 0, vol: 0.3, rate: 0.07, divYield: 0.02 });
        expect(Math.abs(near.price - at.price)).toBeLessThan(1e-6);
        expect(Math.abs(near.delta - at.delta)).toBeLessThan(1e-6);
      }
  });
});

describe('limits in moneyness', () => {
  const base = { underlying: 100, tYears: 0.5, vol: 0.25, rate: 0.07, divYield: 0.03 };

  it.each(MODELS)('deep in the money a %s option has delta ±e^{−qT} (e^{−rT} on a future) and is worth its discounted forward intrinsic', (model) => {
    const divYield = model === 'bsm' ? base.divYield : 0;
    const deltaDiscount = Math.exp(-(model === 'bsm' ? divYield : base.rate) * base.tYears);
    for (const [type, ratio] of [
      ['call', 0.2],
      ['put', 5],
    ] as const) {
      const c: Case = { ...base, model, type, divYield, strike: 0 };
      c.strike = forwardOf(c) * ratio;
      const g = optionGreeks(c);
      const sign = type === 'call' ? 1 : -1;
      expect(Math.abs(g.delta - sign * deltaDiscount)).toBeLessThan(1e-14);
      expect(Math.abs(g.price - discountedForwardIntrinsic(c))).toBeLessThan(1e-12 * c.strike);
      expect(Math.abs(g.gamma)).toBeLessThan(1e-12);
      expect(Math.abs(g.vega)).toBeLessThan(1e-12);
    }
  });

  it.each(MODELS)('deep out of the money a %s option is worth a tiny non-negative amount, accurate in relative terms', (model) => {
    const divYield = model === 'bsm' ? base.divYield : 0;
    for (const [type, ratio] of [
      ['call', 3],
      ['put', 1 / 3],
      ['call', 5],
      ['put', 1 / 5],
    ] as const) {
      const c: Case = { ...base, model, type, divYield, strike: 0 };
      c.strike = forwardOf(c) * ratio;
      const g = optionGreeks(c);
      for (const name of GREEK_NAMES) expect(Number.isFinite(g[name]), name).toBe(true);
      expect(g.price).toBeGreaterThan(0);
      expect(g.price).toBeLessThan(1e-6);
      expect(Math.abs(g.price / refPrice(c) - 1)).toBeLessThan(1e-8);
      expect(Math.abs(g.delta)).toBeLessThan(1e-6);
    }
  });

  it('produces finite outputs, non-negative prices above the discounted intrinsic, |Δ| ≤ e^{−qT}, Γ ≥ 0, ν ≥ 0 on any valid input', () => {
    const rand = mulberry32(31);
    const failures: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const model = MODELS[i % 2];
      const underlying = logUniform(rand, 1e-2, 1e6);
      const c: Case = {
        model,
        type: rand() < 0.5 ? 'call' : 'put',
        underlying,
        strike: underlying * Math.exp(uniform(rand, -6, 6)),
        tYears: rand() < 0.1 ? -rand() : logUniform(rand, 1e-9, 30),
        vol: rand() < 0.1 ? 0 : logUniform(rand, 1e-5, 5),
        rate: uniform(rand, -0.05, 0.3),
        divYield: model === 'bsm' ? uniform(rand, -0.02, 0.2) : 0,
      };
      const g = optionGreeks(c);
      const label = describeCase(c);
      for (const name of GREEK_NAMES) if (!Number.isFinite(g[name])) failures.push(`${name}=${g[name]}: ${label}`);
      const bound = c.tYears > 0 ? discountedForwardIntrinsic(c) : Math.max((c.type === 'call' ? 1 : -1) * (c.underlying - c.strike), 0);
      if (!(g.price >= 0 && g.price >= bound - 1e-12 * (c.underlying + c.strike))) failures.push(`price ${g.price} < ${bound}: ${label}`);
      // |Δ| ≤ e^{−qT} (e^{−rT} for black76), which exceeds 1 when the yield or rate is negative.
      const deltaBound = c.tYears > 0 ? Math.exp(-(model === 'bsm' ? c.divYield : c.rate) * c.tYears) : 1;
      if (!(Math.abs(g.delta) <= deltaBound * (1 + 1e-15) && g.gamma >= 0 && g.vega >= 0)) failures.push(`bounds: ${label} ${g.delta}`);
    }
    expect(failures).toEqual([]);
  });
});

// ---------------------------------------------------------------------------

function randomBatch(model: PricingModel, n: number, seed: number): OptionBatch {
  const rand = mulberry32(seed);
  const batch: OptionBatch = {
    model,
    underlying: new Float64Array(n),
    strike: new Float64Array(n),
    tYears: new Float64Array(n),
    vol: new Float64Array(n),
    rate: new Float64Array(n),
    divYield: new Float64Array(n),
    optionType: new Int8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const c = randomCase(rand, model);
    batch.underlying[i] = c.underlying;
    batch.strike[i] = c.strike;
    // Mix in expired and zero-vol rows so every branch is exercised.
    batch.tYears[i] = i % 7 === 3 ? -c.tYears : i % 11 === 5 ? 0 : c.tYears;
    batch.vol[i] = i % 5 === 2 ? 0 : c.vol;
    batch.rate[i] = c.rate;
    batch.divYield![i] = c.divYield;
    batch.optionType[i] = c.type === 'call' ? CALL : PUT;
  }
  return batch;
}

function rowInput(batch: OptionBatch, i: number) {
  return {
    model: batch.model,
    underlying: batch.underlying[i],
    strike: batch.strike[i],
    tYears: batch.tYears[i],
    vol: batch.vol[i],
    rate: batch.rate[i],
    divYield: batch.divYield ? batch.divYield[i] : 0,
    type: batch.optionType[i] === CALL ? ('call' as const) : ('put' as const),
  };
}

function row(out: ReturnType<typeof allocateGreeks>, i: number): Greeks {
  const g = {} as Greeks;
  for (const name of GREEK_NAMES) g[name] = out[name][i];
  return g;
}

describe('the batch API', () => {
  it.each(MODELS)('gives bit-for-bit the same numbers as optionGreeks for every %s row', (model) => {
    const n = 300;
    const batch = randomBatch(model, n, model === 'bsm' ? 41 : 42);
    const out = allocateGreeks(n);
    priceBatch(batch, out);
    for (let i = 0; i < n; i++) expect(row(out, i), `row ${i}`).toStrictEqual(optionGreeks(rowInput(batch, i)));
  });

  it('fills only rows from..to and leaves the rest of the output untouched', () => {
    const n = 20;
    const batch = randomBatch('bsm', n, 43);
    const out = allocateGreeks(n);
    for (const name of GREEK_NAMES) out[name].fill(-12345);
    priceBatch(batch, out, 5, 12);
    for (let i = 0; i < n; i++) {
      const g = row(out, i);
      if (i >= 5 && i < 12) expect(g, `row ${i}`).toStrictEqual(optionGreeks(rowInput(batch, i)));
      else for (const name of GREEK_NAMES) expect(g[name], `${name} row ${i}`).toBe(-12345);
    }
  });

  it('treats an absent dividend-yield column as zero under bsm and ignores it under black76', () => {
    const n = 50;
    for (const model of MODELS) {
      const batch = randomBatch(model, n, 44);
      const { divYield, ...withoutYield } = batch;
      const withYield = allocateGreeks(n);
      const without = allocateGreeks(n);
      priceBatch(batch, withYield);
      priceBatch(withoutYield, without);
      for (let i = 0; i < n; i++) {
        const expected = optionGreeks({ ...rowInput(batch, i), divYield: 0 });
        expect(row(without, i), `${model} row ${i}`).toStrictEqual(expected);
        if (model === 'black76') expect(row(withYield, i), `black76 row ${i}`).toStrictEqual(expected);
        // and under bsm the yield column is really read (rows not underflowed to a zero price).
        else if (divYield![i] !== 0 && batch.tYears[i] > 0 && expected.price > 1e-100) expect(row(withYield, i).price).not.toBe(expected.price);
      }
    }
  });

  it('returns NaN in every column for an invalid row only, leaving its neighbours correct', () => {
    const n = 16;
    const batch = randomBatch('bsm', n, 45);
    for (let i = 0; i < n; i++) batch.tYears[i] = Math.abs(batch.tYears[i]) + 0.01;
    const invalid: Array<[number, (b: OptionBatch) => void]> = [
      [1, (b) => (b.strike[1] = -100)],
      [3, (b) => (b.underlying[3] = NaN)],
      [5, (b) => (b.underlying[5] = 0)],
      [7, (b) => (b.vol[7] = -0.2)],
      [9, (b) => (b.strike[9] = 0)],
      [11, (b) => (b.rate[11] = NaN)],
      [13, (b) => (b.underlying[13] = Infinity)],
      [15, (b) => (b.optionType[15] = 0)],
    ];
    const before = allocateGreeks(n);
    priceBatch(batch, before);
    for (const [, spoil] of invalid) spoil(batch);
    const out = allocateGreeks(n);
    priceBatch(batch, out);
    const bad = new Set(invalid.map(([i]) => i));
    for (let i = 0; i < n; i++) {
      const g = row(out, i);
      if (bad.has(i)) for (const name of GREEK_NAMES) expect(g[name], `${name} row ${i}`).toBeNaN();
      else {
        expect(g, `row ${i}`).toStrictEqual(row(before, i));
        for (const name of GREEK_NAMES) expect(Number.isFinite(g[name]), `${name} row ${i}`).toBe(true);
      }
    }
  });

  it('returns NaN from the scalar wrapper for a negative strike or a NaN spot', () => {
    const g1 = optionGreeks({ underlying: 100, strike: -5, tYears: 0.5, vol: 0.2, type: 'call' });
    const g2 = optionGreeks({ model: 'black76', underlying: NaN, strike: 100, tYears: 0.5, vol: 0.2, type: 'put' });
    for (const name of GREEK_NAMES) {
      expect(g1[name], name).toBeNaN();
      expect(g2[name], name).toBeNaN();
    }
    // and the next call is unaffected by the previous invalid one
    expect(optionGreeks({ underlying: 42, strike: 40, tYears: 0.5, vol: 0.2, rate: 0.1, type: 'call' }).price).toBeCloseTo(4.7594, 4);
  });
});
