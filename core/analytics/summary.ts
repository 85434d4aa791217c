/**
 * Every stateless analytic of one chain snapshot, in the shape the platform
 * stores and serves (ChainAnalytics in core/models.ts). Definitions live in
 * the modules this one calls; this is only the assembly, with NaN turned
 * into null for JSON.
 */
import type { ChainSnapshot } from '../chain.ts';
import type { ChainAnalytics, SupportResistanceLevel } from '../models.ts';
import { atmStraddle } from './atm.ts';
import { futuresBasis, impliedCarryRate } from './basis.ts';
import { gammaExposure, type GexConvention } from './gex.ts';
import { chainMaxPain } from './maxPain.ts';
import { chainPutCallRatios, finiteSum } from './pcr.ts';
import { deltaSkew, moneynessSkew } from './skew.ts';
import { chainSupportResistance, type OiLevel } from './supportResistance.ts';

export type { GexConvention };

export interface SummaryOptions {
  /** The forward the chain is priced off (future, parity or carry). */
  forward: number;
  gexConvention?: GexConvention;
  /** Support and resistance levels to report on each side; default 3. */
  levels?: number;
}

export function summarizeChain(chain: ChainSnapshot, options: SummaryOptions): ChainAnalytics {
  const { forward } = options;
  const pcr = chainPutCallRatios(chain);
  const straddle = atmStraddle(chain, forward);
  const skew = deltaSkew(chain, { forward });
  const wings = moneynessSkew(chain, { forward });
  const gex = gammaExposure(chain, { forward, convention: options.gexConvention });
  const levels = chainSupportResistance(chain, options.levels ?? 3);
  const totalCallOi = finiteSum(chain.call.oi);
  const totalPutOi = finiteSum(chain.put.oi);
  return {
    pcrOi: nullable(pcr.oi),
    pcrVolume: nullable(pcr.volume),
    pcrOiChange: nullable(pcr.oiChange),
    maxPain: nullable(chainMaxPain(chain).strike),
    atmStrike: nullable(straddle.strike),
    atmIv: nullable(straddle.atmIv),
    straddlePrice: nullable(straddle.straddlePrice),
    expectedMove: nullable(straddle.expectedAbsMove),
    oneSigmaMove: nullable(straddle.oneSigmaMoveFromIv),
    riskReversal25: nullable(skew.riskReversal),
    butterfly25: nullable(skew.butterfly),
    putCallSkew: nullable(wings.skew),
    totalGex: nullable(gex.totalNet),
    gammaFlip: nullable(gex.gammaFlip),
    gexConvention: gex.convention,
    callWall: nullable(gex.callWallStrike),
    putWall: nullable(gex.putWallStrike),
    totalCallOi: Number.isFinite(totalCallOi) ? totalCallOi : 0,
    totalPutOi: Number.isFinite(totalPutOi) ? totalPutOi : 0,
    support: levels.support.map(level),
    resistance: levels.resistance.map(level),
    basis: nullable(futuresBasis(chain.future, chain.spot)),
    carryRate: nullable(impliedCarryRate(forward, chain.spot, chain.tYears)),
  };
}

function level(l: OiLevel): SupportResistanceLevel {
  return { strike: l.strike, oi: l.oi, strength: l.shareOfTotal };
}

function nullable(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
