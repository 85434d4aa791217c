/**
 * Unusual activity ("smart money") per chain: strike-sides whose recent
 * activity stands out against the session, as events.
 *
 * Rules (per strike and side, evaluated at every snapshot):
 * - unusual_oi_change: x = |OI_now − OI_then| over the baseline interval
 *   (default 1 minute; "then" = the ring sample at or before now − interval),
 *   contracts. Robust z = (x − median)/(1.4826·MAD) against the session
 *   baseline (stats.ts); fires at z ≥ zThreshold (default 6).
 * - unusual_premium_turnover: x = (V_now − V_then) × P_now × lotSize, rupees
 *   (contracts × units per contract × rupees per unit; P = LTP, else mid),
 *   over the same interval; same robust z and threshold.
 * - far_otm_writing: |delta| ≤ farOtmMaxAbsDelta (default 0.15) and, over
 *   the rule window (default 5 minutes), the strike is a short buildup
 *   (buildups.ts: OI up, price down beyond noise) with
 *   ΔOI ≥ max(farOtmMinContracts, farOtmMinOiFraction × OI_then).
 *   score = ΔOI / that threshold (≥ 1).
 * - iv_jump_with_oi_build: over the rule window, ΔIV ≥ ivJumpVolDecimal
 *   (default 0.02, two vol points) while OI rose beyond the buildup noise
 *   threshold. score = ΔIV / ivJumpVolDecimal.
 *
 * Session baseline: at most once per baseline interval, every strike-side's
 * x (both metrics, finite values; OI change only where OI > 0) is pushed into
 * a bounded ring (baselineCapacity, default 4,096 observations, so the
 * "session" baseline is the recent session once it overflows), and the
 * median and robust σ are recomputed. Scores use the baseline as it stood
 * before this snapshot's observations, so an outlier never dilutes its own
 * yardstick. No outlier event before minBaseline observations.
 *
 * Hysteresis: after an event, the same (kind, strike, side) fires again only
 * once the condition has cleared (z below rearmZ, or the rule false) AND
 * cooldownMs has passed since it last fired.
 */
import { BUILDUP_KINDS, type SideBuildupColumns } from './buildups.ts';
import type { BuildupConfig, UnusualConfig } from './config.ts';
import type { OptionSide } from './chainState.ts';
import type { IntelligenceEvent } from './events.ts';
import { FloatRing, robustScale, robustZ, type RobustScale } from './stats.ts';

const SHORT_BUILDUP = BUILDUP_KINDS.indexOf('shortBuildup') + 1;

export const UNUSUAL_KINDS = ['unusual_oi_change', 'unusual_premium_turnover', 'far_otm_writing', 'iv_jump_with_oi_build'] as const;
export type UnusualKind = (typeof UNUSUAL_KINDS)[number];

export interface UnusualState {
  oiBaseline: FloatRing;
  turnoverBaseline: FloatRing;
  oiScale: RobustScale;
  turnoverScale: RobustScale;
  lastFeedAt: number;
  scratch: Float64Array;
}

const NO_SCALE: RobustScale = { median: NaN, sigma: NaN, count: 0 };

export function createUnusualState(config: UnusualConfig): UnusualState {
  return {
    oiBaseline: new FloatRing(config.baselineCapacity),
    turnoverBaseline: new FloatRing(config.baselineCapacity),
    oiScale: NO_SCALE,
    turnoverScale: NO_SCALE,
    lastFeedAt: -Infinity,
    scratch: new Float64Array(config.baselineCapacity),
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
  /** Slot of each row: where its latches live. */
  rowSlot: Int32Array;
  /** Slot-aligned latches of the four rules, in UNUSUAL_KINDS order. */
  latches: readonly [Float64Array, Float64Array, Float64Array, Float64Array];
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

/** Evaluates the rules for both sides, feeds the baseline when due, returns the events. */
export function detectUnusual(
  state: UnusualState,
  sides: readonly UnusualSideInputs[],
  context: UnusualContext,
  config: UnusualConfig,
  buildup: BuildupConfig,
): IntelligenceEvent[] {
  const events: IntelligenceEvent[] = [];
  const now = context.timestamp;
  const oiReady = state.oiScale.count >= config.minBaseline;
  const turnoverReady = state.turnoverScale.count >= config.minBaseline;
  const feed = now - state.lastFeedAt >= config.baselineIntervalMs;
  for (let s = 0; s < sides.length; s++) {
    const input = sides[s];
    const n = input.rowSlot.length;
    const [oiLatch, turnoverLatch, farLatch, ivLatch] = input.latches;
    for (let i = 0; i < n; i++) {
      const strike = context.strikes[i];
      const slot = input.rowSlot[i];
      const oiChange = Math.abs(input.oi[i] - input.oiIntervalStart[i]);
      const turnover = (input.volumeNow[i] - input.volumeIntervalStart[i]) * input.price[i] * context.lotSize;
      if (oiReady) {
        const zOi = Number.isFinite(oiChange) ? robustZ(oiChange, state.oiScale) : NaN;
        if (latch(oiLatch, slot, zOi >= config.zThreshold, !(zOi >= config.rearmZ), now, config.cooldownMs)) {
          events.push(
            make('unusual_oi_change', context, strike, input.side, zOi, `${input.side} ${strike}: OI moved ${oiChange} contracts in ${config.baselineIntervalMs / 60_000} min, z ${zOi.toFixed(1)} against the session`, {
              oiChangeContracts: input.oi[i] - input.oiIntervalStart[i],
              intervalMinutes: config.baselineIntervalMs / 60_000,
              baselineMedianContracts: state.oiScale.median,
              baselineSigmaContracts: state.oiScale.sigma,
              robustZ: zOi,
              oiContracts: input.oi[i],
            }),
          );
        }
      }
      if (turnoverReady) {
        const zTurn = Number.isFinite(turnover) ? robustZ(turnover, state.turnoverScale) : NaN;
        if (latch(turnoverLatch, slot, zTurn >= config.zThreshold, !(zTurn >= config.rearmZ), now, config.cooldownMs)) {
          events.push(
            make('unusual_premium_turnover', context, strike, input.side, zTurn, `${input.side} ${strike}: ₹${Math.round(turnover)} of premium traded in ${config.baselineIntervalMs / 60_000} min, z ${zTurn.toFixed(1)} against the session`, {
              turnoverRupees: turnover,
              volumeContracts: input.volumeNow[i] - input.volumeIntervalStart[i],
              pricePoints: input.price[i],
              intervalMinutes: config.baselineIntervalMs / 60_000,
              baselineMedianRupees: state.turnoverScale.median,
              baselineSigmaRupees: state.turnoverScale.sigma,
              robustZ: zTurn,
            }),
          );
        }
      }

      const w = input.windowBuildup;
      const oiThen = input.oiWindowStart[i];
      const farThreshold = Math.max(config.farOtmMinContracts, config.farOtmMinOiFraction * oiThen);
      const far = Math.abs(input.delta[i]) <= config.farOtmMaxAbsDelta && w.code[i] === SHORT_BUILDUP && w.dOi[i] >= farThreshold;
      if (latch(farLatch, slot, far, !far, now, config.cooldownMs)) {
        events.push(
          make('far_otm_writing', context, strike, input.side, w.dOi[i] / farThreshold, `${input.side} ${strike} (|Δ| ${Math.abs(input.delta[i]).toFixed(2)}): ${w.dOi[i]} contracts written in ${config.windowMinutes} min while the premium fell ${(-w.dPrice[i]).toFixed(2)}`, {
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
      if (latch(ivLatch, slot, jump, !jump, now, config.cooldownMs)) {
        events.push(
          make('iv_jump_with_oi_build', context, strike, input.side, dIv / config.ivJumpVolDecimal, `${input.side} ${strike}: IV up ${(dIv * 100).toFixed(1)} vol points with ${w.dOi[i]} contracts of new OI in ${config.windowMinutes} min`, {
            ivChangeVolDecimal: dIv,
            ivDecimal: input.ivNow[i],
            oiChangeContracts: w.dOi[i],
            windowMinutes: config.windowMinutes,
          }),
        );
      }
    }
  }
  if (feed) {
    for (const input of sides) {
      for (let i = 0; i < input.rowSlot.length; i++) {
        const oiChange = Math.abs(input.oi[i] - input.oiIntervalStart[i]);
        if (input.oi[i] > 0 && Number.isFinite(oiChange)) state.oiBaseline.push(oiChange);
        const turnover = (input.volumeNow[i] - input.volumeIntervalStart[i]) * input.price[i] * context.lotSize;
        if (turnover >= 0 && turnover < Infinity) state.turnoverBaseline.push(turnover);
      }
    }
    state.lastFeedAt = now;
    state.oiScale = robustScale(state.oiBaseline.held(), state.oiBaseline.count, state.scratch);
    state.turnoverScale = robustScale(state.turnoverBaseline.held(), state.turnoverBaseline.count, state.scratch);
  }
  return events;
}

function make(
  kind: UnusualKind,
  context: UnusualContext,
  strike: number,
  side: OptionSide,
  score: number,
  reason: string,
  values: Record<string, number>,
): IntelligenceEvent {
  return { kind, symbol: context.symbol, expiry: context.expiry, timestamp: context.timestamp, strike, side, score, reason, values };
}
