/**
 * OI flow per strike and side: where open interest came from and how fast it
 * is moving. All in contracts (lots), the exchange's unit.
 *
 * - Change since the previous close: the source's `oiChange` (OI − previous
 *   session's closing OI, as the exchange and Dhan report it); when the source
 *   gives none, OI − the last OI this state saw in the previous session (NaN
 *   when it saw none).
 * - Change since the session open: OI − the OI at the first snapshot of the
 *   IST session in which the strike appeared (09:15 IST for a strike listed
 *   at the open; a strike first seen later is measured from that sighting).
 * - Velocity over a window W (1, 5 and 15 minutes by default), contracts per
 *   minute: v_W = (OI_now − OI_then)/((t_now − t_then)/60 000 ms), where
 *   "then" is the newest ring sample taken at or before t_now − W (see
 *   chainState.ts); NaN until the ring reaches back W.
 * - Acceleration over W, contracts per minute²: the change of velocity
 *   between the two consecutive spans now←then and then←before (before = the
 *   newest sample at or before t_then − W), per minute of distance between the
 *   spans' midpoints:
 *     a_W = (v(now, then) − v(then, before)) / (((t_now − t_before)/2)/60 000)
 *   With equal spans of W minutes this is (OI_now − 2·OI_then + OI_before)/W².
 *   NaN until the ring reaches back 2W.
 */
import type { RowArrays } from './rowArrays.ts';
import { gatherRows, sampleAtOrBefore, type ChainState, type OptionSide, type RowSampler, type SideColumns } from './chainState.ts';

const MS_PER_MINUTE = 60_000;

/** Contracts per minute between two observations; NaN when either is missing or no time passed. */
export function velocityPerMinute(oiNow: number, oiThen: number, tNowMs: number, tThenMs: number): number {
  const minutes = (tNowMs - tThenMs) / MS_PER_MINUTE;
  return minutes > 0 ? (oiNow - oiThen) / minutes : NaN;
}

/** Contracts per minute² from three observations (see the module doc). */
export function accelerationPerMinute2(
  oiNow: number,
  oiThen: number,
  oiBefore: number,
  tNowMs: number,
  tThenMs: number,
  tBeforeMs: number,
): number {
  const recent = velocityPerMinute(oiNow, oiThen, tNowMs, tThenMs);
  const earlier = velocityPerMinute(oiThen, oiBefore, tThenMs, tBeforeMs);
  const midpointMinutes = (tNowMs - tBeforeMs) / 2 / MS_PER_MINUTE;
  return midpointMinutes > 0 ? (recent - earlier) / midpointMinutes : NaN;
}

/** Where each window looks back in the ring (physical positions; −1 when not reached). */
export interface WindowLookup {
  windowMinutes: number;
  then: number;
  before: number;
  tThen: number;
  tBefore: number;
}

export function lookupWindow(state: ChainState, nowMs: number, windowMinutes: number): WindowLookup {
  const w = windowMinutes * MS_PER_MINUTE;
  const then = sampleAtOrBefore(state, nowMs - w);
  const tThen = then < 0 ? NaN : state.ringTimes[then];
  const before = then < 0 ? -1 : sampleAtOrBefore(state, tThen - w);
  return { windowMinutes, then, before, tThen, tBefore: before < 0 ? NaN : state.ringTimes[before] };
}

/** Flow columns of one side, aligned with the snapshot's rows. */
export interface SideFlows {
  oi: Float64Array;
  sinceClose: Float64Array;
  sinceOpen: Float64Array;
  /** velocity[k][row]: contracts per minute over windows[k]. */
  velocity: Float64Array[];
  /** acceleration[k][row]: contracts per minute² over windows[k]. */
  acceleration: Float64Array[];
}

/**
 * OI flows of every row for one side. `rowSlot` maps rows to slots; the
 * side's current values must already hold this snapshot; `sampler` reads
 * the ring for these rows.
 */
export function sideFlows(side: SideColumns, rowSlot: Int32Array, nowMs: number, windows: readonly WindowLookup[], sampler: RowSampler, arrays: RowArrays): SideFlows {
  const n = rowSlot.length;
  const oi = gatherRows(side.oi, rowSlot, arrays.float());
  const out: SideFlows = {
    oi,
    sinceClose: arrays.float(),
    sinceOpen: arrays.float(),
    velocity: [],
    acceleration: [],
  };
  for (let i = 0; i < n; i++) {
    const s = rowSlot[i];
    const reported = side.oiChange[s];
    out.sinceClose[i] = Number.isFinite(reported) ? reported : oi[i] - side.prevCloseOi[s];
    out.sinceOpen[i] = oi[i] - side.openOi[s];
  }
  for (const w of windows) {
    const then = sampler.rows(side, 'oi', w.then);
    const before = sampler.rows(side, 'oi', w.before);
    const velocity = arrays.float();
    const acceleration = arrays.float();
    for (let i = 0; i < n; i++) {
      velocity[i] = velocityPerMinute(oi[i], then[i], nowMs, w.tThen);
      acceleration[i] = accelerationPerMinute2(oi[i], then[i], before[i], nowMs, w.tThen, w.tBefore);
    }
    out.velocity.push(velocity);
    out.acceleration.push(acceleration);
  }
  return out;
}

/** Flow of one strike and side, as the views return it. */
export interface StrikeSideFlow {
  side: OptionSide;
  /** Open interest now, contracts. */
  oiContracts: number | null;
  /** OI change since the previous session's close, contracts. */
  changeSincePreviousCloseContracts: number | null;
  /** OI change since the first snapshot of this session, contracts. */
  changeSinceOpenContracts: number | null;
  windows: {
    windowMinutes: number;
    /** Average OI change per minute over the window, contracts/minute. */
    velocityContractsPerMinute: number | null;
    /** Change of that velocity per minute, contracts/minute². */
    accelerationContractsPerMinute2: number | null;
  }[];
}
