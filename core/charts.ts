/**
 * Plot-ready profiles of one chain snapshot, for the charts at an instant
 * (schema/charts.ts): assembled from the stateless analytics, with no
 * formula of their own. Units: OI in contracts, GEX in rupees per 1 % move,
 * pain in rupees, IV decimal.
 * - oiProfile: OI and OI change per strike and side, the max-pain curve
 *   (maxPain.ts; its payout × lot size, rupees) and the support and
 *   resistance zones of this snapshot (core/intelligence/zones.ts, scored
 *   from this snapshot alone: OI, OI change since the previous close, |GEX|,
 *   max pain and volume, with the given zone configuration).
 * - gexChart: per-strike GEX, walls and flip (gex.ts) and total GEX re-priced
 *   over a grid of hypothetical spots, the same grid the flip is searched on.
 * - smileChart: the smile (smile.ts), its SVI fit (svi.ts) and the fitted IV
 *   at each strike.
 * - deltaGrid: a smile read at common forward call deltas (the delta axis of
 *   ivSurface), interpolated linearly in delta between the bracketing strikes.
 */
import type { ChainSnapshot } from './chain.ts';
import { chainMaxPain } from './analytics/maxPain.ts';
import { absoluteGex, gammaExposure, gexProfile, type GexConvention, type GexResult } from './analytics/gex.ts';
import { chainSmile, type Smile } from './analytics/smile.ts';
import { fitSvi, sviTotalVariance, type SviFit } from './analytics/svi.ts';
import { computeZones, type Zones } from './intelligence/zones.ts';
import type { ZoneConfig } from './intelligence/config.ts';

export interface OiProfile {
  /** Pain at each strike as settlement price, rupees (payout in index points × contracts × lot size). */
  painRupees: Float64Array;
  /** Max-pain strike, NaN without OI. */
  maxPain: number;
  zones: Zones;
}

export function oiProfile(chain: ChainSnapshot, options: { forward?: number; convention?: GexConvention; zones: ZoneConfig }): OiProfile {
  const n = chain.strikes.length;
  const painRupees = new Float64Array(n);
  const pain = chainMaxPain(chain, painRupees);
  for (let i = 0; i < n; i++) painRupees[i] *= chain.lotSize;
  const gex = gammaExposure(chain, { forward: options.forward, convention: options.convention, flipGridPoints: 2 });
  const gexAbs = absoluteGex(gex.columns, n);
  const zones = computeZones(
    {
      strikes: chain.strikes,
      spot: chain.spot,
      callOi: chain.call.oi,
      putOi: chain.put.oi,
      callOiChange: chain.call.oiChange,
      putOiChange: chain.put.oiChange,
      gexAbs,
      callVolume: chain.call.volume,
      putVolume: chain.put.volume,
      maxPain: pain.strike,
    },
    options.zones,
  );
  return { painRupees, maxPain: pain.strike, zones };
}

export interface GexChartOptions {
  forward?: number;
  convention?: GexConvention;
  /** Lowest and highest hypothetical spot as multiples of S, and grid points; defaults 0.8, 1.2, 201 (gex.ts). */
  low?: number;
  high?: number;
  points?: number;
}

export interface GexChart {
  gex: GexResult;
  /** Hypothetical spots, index points. */
  spotLevels: Float64Array;
  /** Total GEX at each, rupees per 1 % move. */
  totals: Float64Array;
}

export function gexChart(chain: ChainSnapshot, options: GexChartOptions = {}): GexChart {
  const low = options.low ?? 0.8;
  const high = options.high ?? 1.2;
  const points = options.points ?? 201;
  const common = { forward: options.forward, convention: options.convention };
  const gex = gammaExposure(chain, { ...common, flipRangeLow: low, flipRangeHigh: high, flipGridPoints: points });
  const spotLevels = Float64Array.from({ length: points }, (_, j) => chain.spot * (low + ((high - low) * j) / (points - 1)));
  const totals = new Float64Array(points);
  gexProfile(chain, spotLevels, totals, common);
  return { gex, spotLevels, totals };
}

export interface SmileChart {
  smile: Smile;
  fit: SviFit | null;
  /** √(w_SVI(k)/T) at each strike, decimal; NaN without a fit. */
  fittedIv: Float64Array;
}

export function smileChart(chain: ChainSnapshot, forward?: number): SmileChart {
  const smile = chainSmile(chain, forward);
  const fit = fitSvi(smile.logMoneyness, smile.totalVariance, smile.tYears);
  const fittedIv = smile.logMoneyness.map((k) => (fit ? Math.sqrt(Math.max(sviTotalVariance(fit.params, k), 0) / smile.tYears) : NaN));
  return { smile, fit, fittedIv };
}

/**
 * The common delta axis of an IV surface, as forward call deltas N(d1):
 * 0.90 is the 10Δ put (put delta −0.10), 0.50 the 50Δ (near the forward),
 * 0.10 the 10Δ call; descending, so the axis runs from low strikes to high
 * as the strike axis does.
 */
export const SURFACE_CALL_DELTAS: readonly number[] = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1];

export interface DeltaGrid {
  /** The call deltas asked for. */
  callDeltas: Float64Array;
  /** OTM IV at each, decimal; NaN outside the deltas the slice quotes. */
  iv: Float64Array;
  /** Strike at each, index points, interpolated with the same weights; NaN with iv. */
  strikes: Float64Array;
}

/**
 * The smile read at given call deltas: at each, linear interpolation in
 * delta between the two neighbouring strikes (ascending, both with an OTM
 * IV and a delta) whose deltas bracket it, the first such pair from the low
 * strikes; NaN where no pair brackets it (no extrapolation beyond the
 * quoted wings). A quoted delta equal to the target answers that strike's IV.
 */
export function deltaGrid(smile: Smile, callDeltas: readonly number[]): DeltaGrid {
  const usable: number[] = [];
  for (let i = 0; i < smile.strikes.length; i++) if (Number.isFinite(smile.otmIv[i]) && Number.isFinite(smile.callDelta[i])) usable.push(i);
  const grid: DeltaGrid = { callDeltas: Float64Array.from(callDeltas), iv: new Float64Array(callDeltas.length).fill(NaN), strikes: new Float64Array(callDeltas.length).fill(NaN) };
  callDeltas.forEach((target, g) => {
    for (let j = 0; j < usable.length; j++) {
      const i = usable[j];
      if (smile.callDelta[i] === target) {
        grid.iv[g] = smile.otmIv[i];
        grid.strikes[g] = smile.strikes[i];
        return;
      }
      if (j === 0) continue;
      const h = usable[j - 1];
      const [d0, d1] = [smile.callDelta[h], smile.callDelta[i]];
      if ((d0 - target) * (d1 - target) < 0) {
        const w = (target - d0) / (d1 - d0);
        grid.iv[g] = smile.otmIv[h] + w * (smile.otmIv[i] - smile.otmIv[h]);
        grid.strikes[g] = smile.strikes[h] + w * (smile.strikes[i] - smile.strikes[h]);
        return;
      }
    }
  });
  return grid;
}
