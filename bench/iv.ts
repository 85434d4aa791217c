/**
 * IV + Greeks throughput and accuracy: this project against npm peers, on the
 * same inputs in the same run.
 *
 * Fairness rules:
 * - every implementation is timed on the same options (all `optionCount` of
 *   them), after the same warm-up on the first ones;
 * - every peer is called the way its own README does: `@uqee/black-scholes`
 *   with one object literal per call (`sigma({ price, rate, strike, time,
 *   type, underlying })`, then `option({ rate, sigma, strike, time, type,
 *   underlying })`), `implied-volatility` and `greeks` with positional
 *   arguments (an object spread per option, `option({ ...args, sigma })`,
 *   alone made the first about 4× slower);
 * - the reference premiums come from an independent pricer (see inputs.ts).
 * Ours computes the price and eight Greeks per option, the peers the price
 * (uqee) and five Greeks.
 */
import { createRequire } from 'node:module';
import { BlackScholes } from '@uqee/black-scholes';
import { allocateGreeks, priceBatch, CALL } from '../core/pricing/black.ts';
import { impliedVolBatch } from '../core/iv/impliedVol.ts';
import { makeIvInputs, type IvBenchInputs } from './inputs.ts';

const require = createRequire(import.meta.url);
const peerImpliedVolatility = require('implied-volatility') as {
  getImpliedVolatility(price: number, s: number, k: number, t: number, r: number, callPut: string, estimate?: number): number;
};
const peerGreeks = require('greeks') as Record<
  'getDelta' | 'getGamma' | 'getVega' | 'getTheta' | 'getRho',
  (s: number, k: number, t: number, v: number, r: number, callPut?: string) => number
>;

export interface IvBenchRow {
  implementation: string;
  options: number;
  /** IV and the Greeks at the solved σ. */
  optionsPerSecond: number;
  /** IV alone. */
  ivOnlyPerSecond: number;
  medianError: number;
  p99Error: number;
  maxError: number;
  /** Inputs answered with NaN or a non-finite σ. */
  unsolved: number;
}

/** Solves IV into `vol`; with `withGreeks`, also the Greeks at the solved σ. */
type Solver = (inputs: IvBenchInputs, count: number, vol: Float64Array, withGreeks: boolean) => void;

function errorStats(inputs: IvBenchInputs, count: number, vol: Float64Array) {
  const errors: number[] = [];
  let unsolved = 0;
  for (let i = 0; i < count; i++) {
    if (!inputs.informative[i]) continue;
    if (!Number.isFinite(vol[i])) {
      unsolved++;
      continue;
    }
    errors.push(Math.abs(vol[i] - inputs.vol[i]));
  }
  errors.sort((a, b) => a - b);
  const at = (q: number) => (errors.length ? errors[Math.min(errors.length - 1, Math.floor(q * errors.length))] : NaN);
  return { medianError: at(0.5), p99Error: at(0.99), maxError: errors.length ? errors[errors.length - 1] : NaN, unsolved };
}

function seconds(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Options every implementation is warmed up on before timing (the first ones of the input). */
const WARM_UP_OPTIONS = 2_000;

interface Contender {
  name: string;
  solver: Solver;
  repeats: number;
}

/**
 * Times every contender on the same `count` options, after the same warm-up.
 * Repeats are interleaved across contenders and between "IV only" and "IV +
 * Greeks" (round r times each contender that has an r-th repeat), so a noisy
 * neighbour on a shared machine hits every figure alike; the median is kept.
 */
function measure(contenders: Contender[], inputs: IvBenchInputs, count: number): IvBenchRow[] {
  const runs = contenders.map(({ solver }) => {
    const vol = new Float64Array(count);
    solver(inputs, Math.min(count, WARM_UP_OPTIONS), vol, true);
    return { vol, ivOnly: [] as number[], withGreeks: [] as number[] };
  });
  const rounds = Math.max(...contenders.map((c) => c.repeats));
  for (let r = 0; r < rounds; r++) {
    contenders.forEach(({ solver, repeats }, k) => {
      if (r >= repeats) return;
      const { vol, ivOnly, withGreeks } = runs[k];
      ivOnly.push(seconds(() => solver(inputs, count, vol, false)));
      withGreeks.push(seconds(() => solver(inputs, count, vol, true)));
    });
  }
  return contenders.map(({ name }, k) => ({
    implementation: name,
    options: count,
    optionsPerSecond: count / median(runs[k].withGreeks),
    ivOnlyPerSecond: count / median(runs[k].ivOnly),
    ...errorStats(inputs, count, runs[k].vol),
  }));
}

function ours(): Solver {
  let greeks = allocateGreeks(0);
  let status = new Uint8Array(0);
  return (inputs, count, vol, withGreeks) => {
    if (greeks.price.length < count) {
      greeks = allocateGreeks(count);
      status = new Uint8Array(count);
    }
    impliedVolBatch(inputs, vol, status, 0, count);
    // Greeks at the solved σ, as the processor does.
    if (withGreeks) priceBatch({ ...inputs, vol }, greeks, 0, count);
  };
}

/** `@uqee/black-scholes` as its README calls it: one object literal per call, default settings but the documented solver method. */
function uqee(method: 'newton-raphson' | 'bisection'): Solver {
  const model = new BlackScholes({ priceToSigmaMethod: method });
  return (inputs, count, vol, withGreeks) => {
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const rate = inputs.rate[i];
      const strike = inputs.strike[i];
      const time = inputs.tYears[i];
      const type = inputs.optionType[i] === CALL ? 'call' : 'put';
      const underlying = inputs.underlying[i];
      const sigma = model.sigma({ price: inputs.price[i], rate, strike, time, type, underlying });
      vol[i] = sigma;
      if (!withGreeks) continue;
      const option = model.option({ rate, sigma, strike, time, type, underlying });
      sink += option.delta + option.gamma + option.theta + option.vega + option.rho;
    }
    if (Number.isNaN(sink)) vol[0] = vol[0]; // keep the Greeks observable
  };
}

/** `implied-volatility` and `greeks` as their READMEs call them: positional arguments, default estimate and scales. */
function impliedVolatilityPackage(): Solver {
  return (inputs, count, vol, withGreeks) => {
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const s = inputs.underlying[i];
      const k = inputs.strike[i];
      const t = inputs.tYears[i];
      const r = inputs.rate[i];
      const type = inputs.optionType[i] === CALL ? 'call' : 'put';
      const sigma = peerImpliedVolatility.getImpliedVolatility(inputs.price[i], s, k, t, r, type);
      vol[i] = sigma;
      if (!withGreeks) continue;
      sink +=
        peerGreeks.getDelta(s, k, t, sigma, r, type) +
        peerGreeks.getGamma(s, k, t, sigma, r) +
        peerGreeks.getVega(s, k, t, sigma, r) +
        peerGreeks.getTheta(s, k, t, sigma, r, type) +
        peerGreeks.getRho(s, k, t, sigma, r, type);
    }
    if (Number.isNaN(sink)) vol[0] = vol[0];
  };
}

/**
 * Every implementation on the same `optionCount` options (default 10,000:
 * `implied-volatility` takes 2–4 ms per option, so 100,000 would keep it
 * busy for minutes per pass). The fast ones are timed 21 times each (a pass
 * takes milliseconds), the slow one once.
 */
export function runIvBench(optionCount = 10_000): { rows: IvBenchRow[]; informative: number } {
  const inputs = makeIvInputs(optionCount);
  let informative = 0;
  for (let i = 0; i < optionCount; i++) informative += inputs.informative[i];
  const rows = measure(
    [
      { name: 'this project (IV + 8 Greeks, batch)', solver: ours(), repeats: 21 },
      { name: '@uqee/black-scholes newton-raphson (IV + 5 Greeks)', solver: uqee('newton-raphson'), repeats: 21 },
      { name: '@uqee/black-scholes bisection (IV + 5 Greeks)', solver: uqee('bisection'), repeats: 21 },
      { name: 'implied-volatility + greeks (IV + 5 Greeks)', solver: impliedVolatilityPackage(), repeats: 1 },
    ],
    inputs,
    optionCount,
  );
  return { rows, informative };
}
