/**
 * For the intelligence tests: a seeded synthetic session of enriched
 * snapshots (random-walk spot and VIX, OI and volume that grow in bursts,
 * two-sided quotes around a rough premium, chain analytics filled in), so
 * the reducer can be driven end to end without the pipeline.
 */
import { mulberry32 } from '../random.ts';
import type { EnrichedSnapshot } from '../models.ts';
import { emptyAnalytics, ist, testSnapshot, type TestRow } from './testSnapshot.ts';

export interface SyntheticSessionOptions {
  seed: number;
  strikes: number;
  snapshots: number;
  /** Milliseconds between snapshots. */
  stepMs: number;
  /** IST session date and start time. */
  date: string;
  startTime?: string;
  expiry?: string;
  spot?: number;
  strikeStep?: number;
}

export function syntheticSession(options: SyntheticSessionOptions): EnrichedSnapshot[] {
  const random = mulberry32(options.seed);
  const n = options.strikes;
  const step = options.strikeStep ?? 50;
  let spot = options.spot ?? 24_000;
  let vix = 14;
  const base = Math.round(spot / step) * step - Math.floor(n / 2) * step;
  const strikes = Array.from({ length: n }, (_, i) => base + i * step);
  const oi = { call: strikes.map(() => 1_000 + Math.floor(random() * 50_000)), put: strikes.map(() => 1_000 + Math.floor(random() * 50_000)) };
  const start = { call: [...oi.call], put: [...oi.put] };
  const volume = { call: strikes.map(() => 0), put: strikes.map(() => 0) };
  const t0 = ist(options.date, options.startTime ?? '09:15:00');
  const out: EnrichedSnapshot[] = [];
  for (let k = 0; k < options.snapshots; k++) {
    spot *= 1 + (random() - 0.5) * 0.0008;
    vix = Math.max(8, vix + (random() - 0.5) * 0.05);
    const rows: TestRow[] = strikes.map((strike, i) => {
      const side = (name: 'call' | 'put') => {
        const moneyness = name === 'call' ? spot - strike : strike - spot;
        const premium = Math.max(0.05, moneyness) + 120 * Math.exp(-((strike - spot) ** 2) / (2 * 300 ** 2)) + random() * 0.5;
        const traded = random() < 0.7 ? Math.floor(random() * 400) : 0;
        volume[name][i] += traded;
        if (random() < 0.5) oi[name][i] = Math.max(0, oi[name][i] + Math.floor((random() - 0.45) * (random() < 0.02 ? 20_000 : 300)));
        const spread = 0.05 * (1 + Math.floor(random() * 4));
        const bid = Math.round((premium - spread / 2) * 20) / 20;
        const x = (spot - strike) / 300;
        const callDelta = 1 / (1 + Math.exp(-1.7 * x));
        return {
          ltp: Math.round(premium * 20) / 20,
          bid: bid > 0 ? bid : null,
          ask: Math.round((premium + spread / 2) * 20) / 20,
          bidQty: 65 * (1 + Math.floor(random() * 20)),
          askQty: 65 * (1 + Math.floor(random() * 20)),
          volume: volume[name][i],
          oi: oi[name][i],
          oiChange: oi[name][i] - start[name][i] + 500,
          iv: 0.12 + 0.0004 * Math.abs(strike - spot) / 10 + random() * 0.002,
          delta: name === 'call' ? callDelta : callDelta - 1,
          gamma: 0.0005 * Math.exp(-(x * x) / 2),
        };
      };
      return { strike, call: side('call'), put: side('put') };
    });
    const atm = strikes.reduce((best, s) => (Math.abs(s - spot) < Math.abs(best - spot) ? s : best), strikes[0]);
    const totalCall = oi.call.reduce((a, b) => a + b, 0);
    const totalPut = oi.put.reduce((a, b) => a + b, 0);
    out.push(
      testSnapshot(t0 + k * options.stepMs, rows, {
        id: `synthetic-${options.seed}-${k}`,
        symbol: 'NIFTY',
        expiry: options.expiry ?? '2026-12-29',
        spot,
        vix,
        forward: spot,
        analytics: emptyAnalytics({
          pcrOi: totalPut / totalCall,
          maxPain: atm,
          atmStrike: atm,
          atmIv: 0.12,
          expectedMove: spot * 0.12 * Math.sqrt(7 / 365) * 0.8,
          riskReversal25: -0.02 + (random() - 0.5) * 0.004,
          totalGex: (random() - 0.3) * 1e10,
          gammaFlip: spot * (0.99 + random() * 0.005),
          totalCallOi: totalCall,
          totalPutOi: totalPut,
        }),
      }),
    );
  }
  return out;
}
