/**
 * Unusual activity ("smart money") per chain: strike-sides whose recent
 * activity stands out against their own session baseline, as events.
 *
 * Rules (per strike and side, evaluated at every snapshot):
 * - unusual_oi_change: x = |OI_now − OI_then| over the baseline interval
 *   (default 1 minute; "then" = the ring sample at or before now − interval),
 *   contracts.
 * - unusual_premium_turnover: x = (V_now − V_then) × P_now × lotSize, rupees
 *   (contracts × units per contract × rupees per unit; P = LTP, else mid),
 *   over the same interval.
 *   Both fire when the robust z of x against THIS strike-side's baseline,
 *   z = (x − median)/(1.4826·MAD) (stats.ts; mean-absolute fallback when MAD
 *   is 0), is ≥ zThreshold (default 6) AND x is at least the chain's median
 *   of the positive x this snapshot (both sides): unusual for the strike and
 *   material for the chain, so a quiet far strike that trades a few lots does
 *   not fire, nor does the ATM strike's routine flow.
 * - far_otm_writing: |delta| ≤ farOtmMaxAbsDelta (default 0.15) and, over
 *   the rule window (default 5 minutes), the strike is a short buildup
 *   (buildups.ts: OI up, price down beyond noise) with
 *   ΔOI ≥ max(farOtmMinContracts, farOtmMinOiFraction × OI_then).
 *   score = ΔOI / that threshold (≥ 1).
 * - iv_jump_with_oi_build: over the rule window, ΔIV ≥ ivJumpVolDecimal
 *   (default 0.02, two vol points) while OI rose beyond the buildup noise
 *   threshold. score = ΔIV / ivJumpVolDecimal.
 *
 * Baselines: once per baseline interval each strike-side's x (both
 * measures; NaN when it could not be measured) goes into its own ring of the
 * last baselineCapacity observations (default 60: the last hour at one a
 * minute, within the session), and its median and robust σ are recomputed
 * from the finite ones. Scores use the baseline as it stood before this
 * snapshot, so an outlier never dilutes its own yardstick; no outlier event
 * before minBaseline observations (default 10).
 *
 * Hysteresis: after an event, the same (kind, strike, side) fires again only
 * once the condition has cleared (z below rearmZ, or the rule false) AND
 * cooldownMs has passed since it last fired.
 */
import { BUILDUP_KINDS, type SideBuildupColumns } from './buildups.ts';
import type { BuildupConfig, UnusualConfig } from './config.ts';
import type { BaselineField, ChainState, OptionSide, SideColumns } from './chainState.ts';
import { makeEvent, type IntelligenceEvent } from './events.ts';
import { medianInPlace, robustScale } from './stats.ts';

const SHORT_BUILDUP = BUILDUP_KINDS.indexOf('shortBuildup') + 1;

export const UNUSUAL_KINDS = ['unusual_oi_change', 'unusual_premium_turnover', 'far_otm_writing', 'iv_jump_with_oi_build'] as const;
export type UnusualKind = (typeof UNUSUAL_KINDS)[number];

export interface UnusualState {
  lastFeedAt: number;
  /** Working memory: one baseline's observations (and robustScale's), and a snapshot's x values. */
  scratch: Float64Array;
  work: Float64Array;
  cross: Float64Array;
}

export function createUnusualState(config: UnusualConfig): UnusualState {
  return {
    lastFeedAt: -Infinity,
    scratch: new Float64Array(config.baselineCapacity),
    work: new Float64Array(config.baselineCapacity),
    cross: new Float64Array(0),
  };
}

/**
 * Whether a latched condition fires now (see Hysteresis in the module doc).
 * `active` = the condition holds; `clear` = it has cleared enough to re-arm.
 * The latch is one number per (strike, side, rule), `latches[slot]`: NaN =
 * never fired; t > 0 = fired at t (epoch ms), not re-armed; −t = fired at t
 * and re-armed since. Snapshot times are positive, so the sign is free.
 */
export function latch(latches: Float64Array, slot: number, active: boolean, clear: boolean, nowMs: number, cooldownMs: number): boolean {
  const value = latches[slot];
  if (clear && value > 0) latches[slot] = -value;
  if (!active) return false;
  const v = latches[slot];
  if (Number.isNaN(v) || (v < 0 && nowMs + v >= cooldownMs)) {
    latches[slot] = nowMs;
    return true;
  }
  return false;
}

/** Row-aligned inputs of one side. */
export interface UnusualSideInputs {
  side: OptionSide;
  /** The side's slot columns: its latches and baselines live there. */
  columns: SideColumns;
  /** Slot of each row. */
  rowSlot: Int32Array;
  oi: Float64Array;
  /** OI and volume at the baseline interval's start (NaN when the ring does not reach). */
  oiIntervalStart: Float64Array;
  volumeNow: Float64Array;
  volumeIntervalStart: Float64Array;
  price: Float64Array;
  delta: Float64Array;
  /** Over the rule window: buildup columns, OI and IV at its start, IV now. */
  windowBuildup: SideBuildupColumns;
  oiWindowStart: Float64Array;
  ivNow: Float64Array;
  ivWindowStart: Float64Array;
}

export interface UnusualContext {
  symbol: string;
  expiry: string;
  timestamp: number;
  strikes: Float64Array;
  lotSize: number;
}

/** Evaluates the rules for both sides, feeds the baselines when due, returns the events. */
export function detectUnusual(
  state: UnusualState,
  chain: ChainState,
  sides: readonly UnusualSideInputs[],
  context: UnusualContext,
  config: UnusualConfig,
  buildup: BuildupConfig,
): IntelligenceEvent[] {
  const events: IntelligenceEvent[] = [];
  const now = context.timestamp;
  const intervalMinutes = config.baselineIntervalMs / 60_000;
  const measured = sides.map((input) => measure(input, context.lotSize));
  const floorOi = positiveMedian(state, measured.map((m) => m.oi));
  const floorTurnover = positiveMedian(state, measured.map((m) => m.turnover));
  for (let k = 0; k < sides.length; k++) {
    const input = sides[k];
    const c = input.columns;
    const { oi: xOi, turnover: xTurnover } = measured[k];
    for (let i = 0; i < input.rowSlot.length; i++) {
      const strike = context.strikes[i];
      const slot = input.rowSlot[i];

      const zOi = c.oiBaselineCount[slot] >= config.minBaseline ? z(xOi[i], c.oiBaselineMedian[slot], c.oiBaselineSigma[slot]) : NaN;
      if (latch(c.latchOi, slot, zOi >= config.zThreshold && xOi[i] >= floorOi, !(zOi >= config.rearmZ), now, config.cooldownMs)) {
        events.push(
          makeEvent('unusual_oi_change', context, strike, input.side, zOi, `${input.side} ${strike}: OI moved ${xOi[i]} contracts in ${intervalMinutes} min, z ${zOi.toFixed(1)} against this strike's session`, {
            oiChangeContracts: input.oi[i] - input.oiIntervalStart[i],
            intervalMinutes,
            baselineMedianContracts: c.oiBaselineMedian[slot],
            baselineSigmaContracts: c.oiBaselineSigma[slot],
            baselineObservations: c.oiBaselineCount[slot],
            chainMedianContracts: floorOi,
            robustZ: zOi,
            oiContracts: input.oi[i],
          }),
        );
      }
      const zTurn = c.turnoverBaselineCount[slot] >= config.minBaseline ? z(xTurnover[i], c.turnoverBaselineMedian[slot], c.turnoverBaselineSigma[slot]) : NaN;
      if (latch(c.latchTurnover, slot, zTurn >= config.zThreshold && xTurnover[i] >= floorTurnover, !(zTurn >= config.rearmZ), now, config.cooldownMs)) {
        events.push(
          makeEvent('unusual_premium_turnover', context, strike, input.side, zTurn, `${input.side} ${strike}: ₹${Math.round(xTurnover[i])} of premium traded in ${intervalMinutes} min, z ${zTurn.toFixed(1)} against this strike's session`, {
            turnoverRupees: xTurnover[i],
            volumeContracts: input.volumeNow[i] - input.volumeIntervalStart[i],
            pricePoints: input.price[i],
            intervalMinutes,
            baselineMedianRupees: c.turnoverBaselineMedian[slot],
            baselineSigmaRupees: c.turnoverBaselineSigma[slot],
            baselineObservations: c.turnoverBaselineCount[slot],
            chainMedianRupees: floorTurnover,
            robustZ: zTurn,
          }),
        );
      }

      const w = input.windowBuildup;
      const oiThen = input.oiWindowStart[i];
      const farThreshold = Math.max(config.farOtmMinContracts, config.farOtmMinOiFraction * oiThen);
      const far = Math.abs(input.delta[i]) <= config.farOtmMaxAbsDelta && w.code[i] === SHORT_BUILDUP && w.dOi[i] >= farThreshold;
      if (latch(c.latchFarOtm, slot, far, !far, now, config.cooldownMs)) {
        events.push(
          makeEvent('far_otm_writing', context, strike, input.side, w.dOi[i] / farThreshold, `${input.side} ${strike} (|Δ| ${Math.abs(input.delta[i]).toFixed(2)}): ${w.dOi[i]} contracts written in ${config.windowMinutes} min while the premium fell ${(-w.dPrice[i]).toFixed(2)}`, {
            oiChangeContracts: w.dOi[i],
            priceChangePoints: w.dPrice[i],
            oiAtWindowStartContracts: oiThen,
            absDelta: Math.abs(input.delta[i]),
            thresholdContracts: farThreshold,
            windowMinutes: config.windowMinutes,
          }),
        );
      }

      const dIv = input.ivNow[i] - input.ivWindowStart[i];
      const oiNoise = Math.max(buildup.minOiContracts, buildup.minOiFraction * Math.abs(oiThen));
      const jump = dIv >= config.ivJumpVolDecimal && w.dOi[i] >= oiNoise;
      if (latch(c.latchIvJump, slot, jump, !jump, now, config.cooldownMs)) {
        events.push(
          makeEvent('iv_jump_with_oi_build', context, strike, input.side, dIv / config.ivJumpVolDecimal, `${input.side} ${strike}: IV up ${(dIv * 100).toFixed(1)} vol points with ${w.dOi[i]} contracts of new OI in ${config.windowMinutes} min`, {
            ivChangeVolDecimal: dIv,
            ivDecimal: input.ivNow[i],
            oiChangeContracts: w.dOi[i],
            windowMinutes: config.windowMinutes,
          }),
        );
      }
    }
  }
  if (now - state.lastFeedAt >= config.baselineIntervalMs) {
    feedBaselines(state, chain, sides, measured);
    state.lastFeedAt = now;
  }
  return events;
}

/** x of both measures for every row of one side (see the module doc). */
function measure(input: UnusualSideInputs, lotSize: number): Record<BaselineField, Float64Array> {
  const n = input.rowSlot.length;
  const oi = new Float64Array(n);
  const turnover = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    oi[i] = Math.abs(input.oi[i] - input.oiIntervalStart[i]);
    turnover[i] = (input.volumeNow[i] - input.volumeIntervalStart[i]) * input.price[i] * lotSize;
  }
  return { oi, turnover };
}

/** Median of the positive finite values across the columns; 0 when there are none. */
function positiveMedian(state: UnusualState, columns: Float64Array[]): number {
  let total = 0;
  for (const column of columns) total += column.length;
  if (state.cross.length < total) state.cross = new Float64Array(total);
  let count = 0;
  for (const column of columns) for (let i = 0; i < column.length; i++) if (column[i] > 0 && column[i] < Infinity) state.cross[count++] = column[i];
  return count === 0 ? 0 : medianInPlace(state.cross, count);
}

function z(x: number, median: number, sigma: number): number {
  if (!Number.isFinite(x)) return NaN;
  const d = x - median;
  if (sigma > 0) return d / sigma;
  return d === 0 ? 0 : d > 0 ? Infinity : -Infinity;
}

/**
 * Writes this interval's x of every slot at the chain's next baseline
 * position (NaN for slots not in this snapshot, overwriting what was there
 * baselineCapacity intervals ago) and refreshes each written slot's scale.
 */
function feedBaselines(state: UnusualState, chain: ChainState, sides: readonly UnusualSideInputs[], measured: Record<BaselineField, Float64Array>[]): void {
  const cap = chain.baselineCapacity;
  const position = chain.baselineHead;
  for (let k = 0; k < sides.length; k++) {
    const { columns, rowSlot } = sides[k];
    for (const field of ['oi', 'turnover'] as const) {
      const ring = columns.baseline[field];
      for (let s = 0; s < chain.slotCount; s++) ring[s * cap + position] = NaN;
      const x = measured[k][field];
      const median = field === 'oi' ? columns.oiBaselineMedian : columns.turnoverBaselineMedian;
      const sigma = field === 'oi' ? columns.oiBaselineSigma : columns.turnoverBaselineSigma;
      const count = field === 'oi' ? columns.oiBaselineCount : columns.turnoverBaselineCount;
      for (let i = 0; i < rowSlot.length; i++) {
        const s = rowSlot[i];
        if (Number.isFinite(x[i])) ring[s * cap + position] = x[i];
        let n = 0;
        for (let b = 0; b < cap; b++) {
          const v = ring[s * cap + b];
          if (!Number.isNaN(v)) state.scratch[n++] = v;
        }
        const scale = robustScale(state.scratch, n, state.work);
        median[s] = scale.median;
        sigma[s] = scale.sigma;
        count[s] = n;
      }
    }
  }
  chain.baselineHead = (position + 1) % cap;
}
