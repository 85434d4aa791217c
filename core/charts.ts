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
