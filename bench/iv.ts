/**
 * IV + Greeks throughput and accuracy: this project against npm peers, on the
 * same inputs in the same run.
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

function measure(name: string, solver: Solver, inputs: IvBenchInputs, count: number, repeats: number): IvBenchRow {
  const vol = new Float64Array(count);
  // Warm-up on the whole input, so every branch is compiled before timing.
  solver(inputs, count, vol, true);
  // Interleaved repeats, so a noisy neighbour hits both figures alike.
  const ivOnly: number[] = [];
  const withGreeks: number[] = [];
  for (let r = 0; r < repeats; r++) {
    ivOnly.push(seconds(() => solver(inputs, count, vol, false)));
    withGreeks.push(seconds(() => solver(inputs, count, vol, true)));
  }
  return {
    implementation: name,
    options: count,
    optionsPerSecond: count / median(withGreeks),
    ivOnlyPerSecond: count / median(ivOnly),
    ...errorStats(inputs, count, vol),
  };
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

function uqee(method: 'newton-raphson' | 'bisection'): Solver {
  const model = new BlackScholes({ priceToSigmaMethod: method });
  return (inputs, count, vol, withGreeks) => {
    let sink = 0;
    for (let i = 0; i < count; i++) {
      const args = {
        price: inputs.price[i],
        rate: inputs.rate[i],
        strike: inputs.strike[i],
        time: inputs.tYears[i],
        type: inputs.optionType[i] === CALL ? ('call' as const) : ('put' as const),
        underlying: inputs.underlying[i],
      };
      const sigma = model.sigma(args);
      vol[i] = sigma;
      if (!withGreeks) continue;
      const option = model.option({ ...args, sigma });
      sink += option.delta + option.gamma + option.theta + option.vega + option.rho;
    }
    if (Number.isNaN(sink)) vol[0] = vol[0]; // keep the Greeks observable
  };
}

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

export function runIvBench(optionCount = 100_000): { rows: IvBenchRow[]; informative: number } {
  const inputs = makeIvInputs(optionCount);
  let informative = 0;
  for (let i = 0; i < optionCount; i++) informative += inputs.informative[i];
  // The slow peer is measured on the first options only (same inputs, smaller count).
  const slowCount = Math.min(optionCount, 1_000);
  const rows = [
    measure('this project (IV + 8 Greeks, batch)', ours(), inputs, optionCount, 9),
    measure('@uqee/black-scholes newton-raphson (IV + 5 Greeks)', uqee('newton-raphson'), inputs, optionCount, 3),
    measure('@uqee/black-scholes bisection (IV + 5 Greeks)', uqee('bisection'), inputs, optionCount, 2),
    measure('implied-volatility + greeks (IV + 5 Greeks)', impliedVolatilityPackage(), inputs, slowCount, 1),
  ];
  return { rows, informative };
}
