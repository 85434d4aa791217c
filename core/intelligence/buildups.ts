/**
 * OI buildups per strike and side, over rolling windows (5 and 15 minutes by
 * default) and the session so far, and their chain-level totals.
 *
 * Classification (DOMAIN.md): with ΔP the option's price change and ΔOI its
 * open-interest change over the window,
 *   ΔP > 0, ΔOI > 0  long buildup      ΔP < 0, ΔOI > 0  short buildup (writing)
 *   ΔP > 0, ΔOI < 0  short covering    ΔP < 0, ΔOI < 0  long unwinding
 * and neutral when either move is noise:
 *   |ΔOI| < max(minOiContracts, minOiFraction × OI_then)          (default 50 contracts, 0.5 %)
 *   |ΔP|  < max(minPriceTicks × tickSize, minPriceFraction × P_then) (default 2 ticks of 0.05, 0.5 %)
 * (the price threshold less a millionth of a tick, as binary prices are
 * inexact). Unknown (not classified) when either value at either end is missing.
 * The price is the last traded price (the convention of exchange buildup
 * screens), else the bid/ask mid when nothing has traded. "Then" is the ring
 * sample at or before now − W (chainState.ts); for the session window, the
 * strike's first snapshot of the session.
 *
 * Totals, per window, side and kind: strikes, contracts Σ|ΔOI|, and premium
 * in rupees Σ|ΔOI| × lotSize × P_now (contracts × units per contract × rupees
 * per unit). "Call writing" and "put writing" are the short-buildup totals
 * of each side. The strongest strikes of a kind are ranked by |ΔOI| (topN
 * from core/analytics/rankings.ts, ties to the lower strike).
 */
import { topN } from '../analytics/rankings.ts';
import type { BuildupConfig } from './config.ts';
import type { RowArrays } from './rowArrays.ts';

export const BUILDUP_KINDS = ['longBuildup', 'shortBuildup', 'shortCovering', 'longUnwinding'] as const;
export type BuildupKind = (typeof BUILDUP_KINDS)[number];
export type BuildupClass = BuildupKind | 'neutral';

/** Codes in the per-row columns: −1 unknown, 0 neutral, 1–4 the kinds in BUILDUP_KINDS order. */
export const UNKNOWN = -1;
export const NEUTRAL = 0;

export function buildupName(code: number): BuildupClass | null {
  return code === UNKNOWN ? null : code === NEUTRAL ? 'neutral' : BUILDUP_KINDS[code - 1];
}

/** Buildup code of one strike-side over one window (see the module doc). */
export function classifyBuildup(priceNow: number, priceThen: number, oiNow: number, oiThen: number, config: BuildupConfig): number {
  if (!(Number.isFinite(priceNow) && Number.isFinite(priceThen) && Number.isFinite(oiNow) && Number.isFinite(oiThen))) return UNKNOWN;
  const dOi = oiNow - oiThen;
  const dPrice = priceNow - priceThen;
  const oiNoise = Math.max(config.minOiContracts, config.minOiFraction * Math.abs(oiThen));
  // Less a millionth of a tick: prices in binary are not exact (10.1 − 10 < 0.1).
  const priceNoise = Math.max(config.minPriceTicks * config.tickSize, config.minPriceFraction * Math.abs(priceThen)) - 1e-6 * config.tickSize;
  if (Math.abs(dOi) < oiNoise || Math.abs(dPrice) < priceNoise) return NEUTRAL;
  if (dOi > 0) return dPrice > 0 ? 1 : 2;
  return dPrice > 0 ? 3 : 4;
}

/** One window's columns for one side, aligned with the snapshot's rows. */
export interface SideBuildupColumns {
  code: Int8Array;
  /** OI change over the window, contracts. */
  dOi: Float64Array;
  /** Price change over the window, index points. */
  dPrice: Float64Array;
}

export function classifyColumns(
  priceNow: Float64Array,
  priceThen: Float64Array,
  oiNow: Float64Array,
  oiThen: Float64Array,
  config: BuildupConfig,
  arrays?: RowArrays,
): SideBuildupColumns {
  const n = priceNow.length;
  const out: SideBuildupColumns = arrays
    ? { code: arrays.int8(), dOi: arrays.float(), dPrice: arrays.float() }
    : { code: new Int8Array(n), dOi: new Float64Array(n), dPrice: new Float64Array(n) };
  for (let i = 0; i < n; i++) {
    out.code[i] = classifyBuildup(priceNow[i], priceThen[i], oiNow[i], oiThen[i], config);
    out.dOi[i] = oiNow[i] - oiThen[i];
    out.dPrice[i] = priceNow[i] - priceThen[i];
  }
  return out;
}

export interface BuildupTotal {
  strikes: number;
  /** Σ |ΔOI| over the strikes of this kind, contracts. */
  contracts: number;
  /** Σ |ΔOI| × lotSize × price now, rupees. */
  premiumRupees: number;
}

export interface StrongStrike {
  strike: number;
  /** OI change over the window, contracts (signed). */
  oiChangeContracts: number;
  /** Price change over the window, index points. */
  priceChangePoints: number;
  /** |ΔOI| / the largest |ΔOI| of this kind on this side, 0–1. */
  intensity: number;
}

export interface SideBuildupSummary {
  totals: Record<BuildupKind, BuildupTotal>;
  strongest: Record<BuildupKind, StrongStrike[]>;
}

export interface WindowBuildupSummary {
  /** Window length in minutes; null for the session window (since the open). */
  windowMinutes: number | null;
  call: SideBuildupSummary;
  put: SideBuildupSummary;
  /** Short buildup of calls: contracts and rupees. */
  callWriting: BuildupTotal;
  /** Short buildup of puts: contracts and rupees. */
  putWriting: BuildupTotal;
  /** putWriting.contracts − callWriting.contracts: > 0 when put writers dominate (read as support below). */
  netPutMinusCallWritingContracts: number;
}

export function summarizeSide(
  strikes: Float64Array,
  columns: SideBuildupColumns,
  priceNow: Float64Array,
  lotSize: number,
  strongestPerKind: number,
  arrays?: RowArrays,
): SideBuildupSummary {
  const n = strikes.length;
  const totals = {} as Record<BuildupKind, BuildupTotal>;
  const strongest = {} as Record<BuildupKind, StrongStrike[]>;
  const metric = arrays ? arrays.float() : new Float64Array(n);
  BUILDUP_KINDS.forEach((kind, k) => {
    const code = k + 1;
    const total: BuildupTotal = { strikes: 0, contracts: 0, premiumRupees: 0 };
    for (let i = 0; i < n; i++) {
      if (columns.code[i] !== code) {
        metric[i] = NaN;
        continue;
      }
      const contracts = Math.abs(columns.dOi[i]);
      metric[i] = contracts;
      total.strikes++;
      total.contracts += contracts;
      if (Number.isFinite(priceNow[i])) total.premiumRupees += contracts * lotSize * priceNow[i];
    }
    totals[kind] = total;
    strongest[kind] = (total.strikes === 0 ? [] : topN(strikes, metric, strongestPerKind)).map((r) => ({
      strike: r.strike,
      oiChangeContracts: columns.dOi[r.index],
      priceChangePoints: columns.dPrice[r.index],
      intensity: r.intensity,
    }));
  });
  return { totals, strongest };
}

export function summarizeWindow(
  windowMinutes: number | null,
  strikes: Float64Array,
  call: SideBuildupColumns,
  put: SideBuildupColumns,
  callPrice: Float64Array,
  putPrice: Float64Array,
  lotSize: number,
  strongestPerKind: number,
  arrays?: RowArrays,
): WindowBuildupSummary {
  const callSummary = summarizeSide(strikes, call, callPrice, lotSize, strongestPerKind, arrays);
  const putSummary = summarizeSide(strikes, put, putPrice, lotSize, strongestPerKind, arrays);
  return {
    windowMinutes,
    call: callSummary,
    put: putSummary,
    callWriting: callSummary.totals.shortBuildup,
    putWriting: putSummary.totals.shortBuildup,
    netPutMinusCallWritingContracts: putSummary.totals.shortBuildup.contracts - callSummary.totals.shortBuildup.contracts,
  };
}
