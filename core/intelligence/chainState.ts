/**
 * Per-(symbol, expiry) state of the intelligence reducers: one "slot" per
 * strike, stable for the session, holding each side's last values, its
 * session-open and previous-close values, and a ring of past samples.
 *
 * Memory is bounded: slots grow by doubling up to `maxStrikesPerChain` (then
 * the least recently seen strike's slot is reused), and the sample ring holds
 * `ringCapacity` samples, enough to look back twice the longest window (the
 * acceleration's second difference) at `sampleIntervalMs` spacing, plus two.
 *
 * Samples: the first snapshot of the session is sampled, then every snapshot
 * at least `sampleIntervalMs` after the last sample. Looking back a window W
 * reads the newest sample taken at or before now − W, so the actual span is
 * W up to W + the spacing (plus any gap in the feed), and every rate divides
 * by the actual span, never by W.
 */
import type { IntelligenceConfig } from './config.ts';
import type { RowArrays } from './rowArrays.ts';

/** Scalar columns of one side, one entry per slot; NaN = unknown. */
export const SIDE_SCALARS = [
  'oi',
  'oiChange',
  'price',
  'ltp',
  'bid',
  'ask',
  'bidQty',
  'askQty',
  'volume',
  'iv',
  'delta',
  'gamma',
  'openOi',
  'openPrice',
  'prevCloseOi',
  'prevClosePrice',
  /** Snapshots since the quote (bid, ask and their quantities) last changed. */
  'staleSnapshots',
  /** EWMA of the squared LTP change between snapshots with traded volume (σ²_Δp of the BVC), points². */
  'dpVariance',
  /** Each strike-side's own baseline of its interval changes (unusual.ts): median, robust σ, observations. */
  'oiBaselineMedian',
  'oiBaselineSigma',
  'oiBaselineCount',
  'turnoverBaselineMedian',
  'turnoverBaselineSigma',
  'turnoverBaselineCount',
  /** Hysteresis latches of the unusual-activity rules (unusual.ts `latch`). */
  'latchOi',
  'latchTurnover',
  'latchFarOtm',
  'latchIvJump',
] as const;
export type SideScalar = (typeof SIDE_SCALARS)[number];

/** Columns sampled into the ring. */
export const RING_FIELDS = ['oi', 'price', 'iv', 'volume'] as const;
export type RingField = (typeof RING_FIELDS)[number];

/** Measures with a per-strike baseline ring (unusual.ts). */
export const BASELINE_FIELDS = ['oi', 'turnover'] as const;
export type BaselineField = (typeof BASELINE_FIELDS)[number];

export type SideColumns = Record<SideScalar, Float64Array> & {
  /** ring[field][slot·ringCapacity + r]: the value at ring position r. */
  ring: Record<RingField, Float64Array>;
  /** baseline[field][slot·baselineCapacity + b]: observation b of the slot's baseline (NaN = none). */
  baseline: Record<BaselineField, Float64Array>;
};

export type OptionSide = 'call' | 'put';

export interface ChainState {
  symbol: string;
  expiry: string;
  /** IST date (YYYY-MM-DD) of the session this state belongs to. */
  sessionDate: string;
  /** Snapshots folded in this session. */
  snapshots: number;
  lastTimestamp: number;
  /** Strike → slot. */
  slotOf: Map<number, number>;
  slotStrike: Float64Array;
  /** Snapshot number (of this session) when the slot's strike was last present. */
  slotLastSeen: Float64Array;
  slotCount: number;
  capacity: number;
  call: SideColumns;
  put: SideColumns;
  ringCapacity: number;
  ringTimes: Float64Array;
  ringHead: number;
  ringCount: number;
  /** Per-strike baseline rings (unusual.ts): one position for every slot, advanced together. */
  baselineCapacity: number;
  baselineHead: number;
  /** Previous session's last values of chain-level figures (NaN when unknown). */
  previousClose: { pcrOi: number; atmIv: number; spot: number };
}

export function ringCapacityFor(config: IntelligenceConfig): number {
  const longestMinutes = Math.max(...config.flow.velocityWindowsMinutes, ...config.buildup.windowsMinutes);
  return Math.ceil((2 * longestMinutes * 60_000) / config.flow.sampleIntervalMs) + 2;
}

/**
 * Built as one object literal, not key by key: an object given two dozen
 * properties one computed key at a time drops to V8's dictionary mode, and
 * every column read in the hot loop becomes a hash lookup.
 */
function allocateSide(capacity: number, ringCapacity: number, baselineCapacity: number): SideColumns {
  const f = () => new Float64Array(capacity).fill(NaN);
  const r = () => new Float64Array(capacity * ringCapacity).fill(NaN);
  const b = () => new Float64Array(capacity * baselineCapacity).fill(NaN);
  return {
    oi: f(),
    oiChange: f(),
    price: f(),
    ltp: f(),
    bid: f(),
    ask: f(),
    bidQty: f(),
    askQty: f(),
    volume: f(),
    iv: f(),
    delta: f(),
    gamma: f(),
    openOi: f(),
    openPrice: f(),
    prevCloseOi: f(),
    prevClosePrice: f(),
    staleSnapshots: f(),
    dpVariance: f(),
    latchOi: f(),
    latchTurnover: f(),
    latchFarOtm: f(),
    latchIvJump: f(),
    oiBaselineMedian: f(),
    oiBaselineSigma: f(),
    oiBaselineCount: f(),
    turnoverBaselineMedian: f(),
    turnoverBaselineSigma: f(),
    turnoverBaselineCount: f(),
    ring: { oi: r(), price: r(), iv: r(), volume: r() },
    baseline: { oi: b(), turnover: b() },
  };
}

export function createChainState(symbol: string, expiry: string, sessionDate: string, config: IntelligenceConfig): ChainState {
  const capacity = Math.min(64, config.maxStrikesPerChain);
  const ringCapacity = ringCapacityFor(config);
  const baselineCapacity = config.unusual.baselineCapacity;
  return {
    symbol,
    expiry,
    sessionDate,
    snapshots: 0,
    lastTimestamp: -Infinity,
    slotOf: new Map(),
    slotStrike: new Float64Array(capacity).fill(NaN),
    slotLastSeen: new Float64Array(capacity).fill(-1),
    slotCount: 0,
    capacity,
    call: allocateSide(capacity, ringCapacity, baselineCapacity),
    put: allocateSide(capacity, ringCapacity, baselineCapacity),
    ringCapacity,
    ringTimes: new Float64Array(ringCapacity).fill(NaN),
    ringHead: 0,
    ringCount: 0,
    baselineCapacity,
    baselineHead: 0,
    previousClose: { pcrOi: NaN, atmIv: NaN, spot: NaN },
  };
}

function growSide(side: SideColumns, oldCapacity: number, capacity: number, ringCapacity: number, baselineCapacity: number): SideColumns {
  const grown = allocateSide(capacity, ringCapacity, baselineCapacity);
  for (const key of SIDE_SCALARS) grown[key].set(side[key].subarray(0, oldCapacity));
  for (const field of RING_FIELDS) grown.ring[field].set(side.ring[field].subarray(0, oldCapacity * ringCapacity));
  for (const field of BASELINE_FIELDS) grown.baseline[field].set(side.baseline[field].subarray(0, oldCapacity * baselineCapacity));
  return grown;
}

/**
 * The slot of `strike`, created when new. Beyond `maxStrikesPerChain` the
 * least recently seen slot is cleared and reused. Returns the slot and
 * whether it is new (its open values are then to be set).
 */
export function slotFor(state: ChainState, strike: number, maxStrikes: number): number {
  const known = state.slotOf.get(strike);
  if (known !== undefined) return known;
  let slot: number;
  if (state.slotCount < state.capacity) {
    slot = state.slotCount++;
  } else if (state.capacity < maxStrikes) {
    const capacity = Math.min(maxStrikes, state.capacity * 2);
    state.call = growSide(state.call, state.capacity, capacity, state.ringCapacity, state.baselineCapacity);
    state.put = growSide(state.put, state.capacity, capacity, state.ringCapacity, state.baselineCapacity);
    const strikes = new Float64Array(capacity).fill(NaN);
    strikes.set(state.slotStrike);
    const seen = new Float64Array(capacity).fill(-1);
    seen.set(state.slotLastSeen);
    state.slotStrike = strikes;
    state.slotLastSeen = seen;
    state.capacity = capacity;
    slot = state.slotCount++;
  } else {
    slot = 0;
    for (let s = 1; s < state.slotCount; s++) if (state.slotLastSeen[s] < state.slotLastSeen[slot]) slot = s;
    state.slotOf.delete(state.slotStrike[slot]);
    clearSlot(state, slot);
  }
  state.slotOf.set(strike, slot);
  state.slotStrike[slot] = strike;
  return slot;
}

function clearSlot(state: ChainState, slot: number): void {
  const r = state.ringCapacity;
  const b = state.baselineCapacity;
  for (const side of [state.call, state.put]) {
    for (const key of SIDE_SCALARS) side[key][slot] = NaN;
    for (const field of RING_FIELDS) side.ring[field].fill(NaN, slot * r, (slot + 1) * r);
    for (const field of BASELINE_FIELDS) side.baseline[field].fill(NaN, slot * b, (slot + 1) * b);
  }
  state.slotLastSeen[slot] = -1;
}

/**
 * Starts a new session on the same chain: each slot's last OI and price
 * become its previous close; session-open values, rings and staleness
 * restart. Slots (strikes) are kept.
 */
export function rollChainSession(state: ChainState, sessionDate: string, close: { pcrOi: number; atmIv: number; spot: number }): void {
  for (const side of [state.call, state.put]) {
    for (let s = 0; s < state.slotCount; s++) {
      side.prevCloseOi[s] = side.oi[s];
      side.prevClosePrice[s] = side.price[s];
    }
    for (const key of SIDE_SCALARS) {
      if (key === 'prevCloseOi' || key === 'prevClosePrice') continue;
      side[key].fill(NaN);
    }
    for (const field of RING_FIELDS) side.ring[field].fill(NaN);
    for (const field of BASELINE_FIELDS) side.baseline[field].fill(NaN);
  }
  state.baselineHead = 0;
  state.slotLastSeen.fill(-1);
  state.ringTimes.fill(NaN);
  state.ringHead = 0;
  state.ringCount = 0;
  state.snapshots = 0;
  state.sessionDate = sessionDate;
  state.previousClose = close;
}

/** Ring position (physical index) of the newest sample taken at or before `t`; −1 when none. */
export function sampleAtOrBefore(state: ChainState, t: number): number {
  const { ringTimes, ringCapacity } = state;
  for (let i = 0; i < state.ringCount; i++) {
    const r = (state.ringHead - 1 - i + 2 * ringCapacity) % ringCapacity;
    if (ringTimes[r] <= t) return r;
  }
  return -1;
}

/** Ring position of the newest sample; −1 when none. */
export function newestSample(state: ChainState): number {
  return state.ringCount === 0 ? -1 : (state.ringHead - 1 + state.ringCapacity) % state.ringCapacity;
}

/**
 * Takes a sample at `timestamp` when due (see the module doc): copies every
 * slot's current ring fields (NaN for strikes absent from this snapshot,
 * since `present` says which are). Returns whether a sample was taken.
 */
export function maybeSample(state: ChainState, timestamp: number, intervalMs: number, present: Uint8Array): boolean {
  const newest = newestSample(state);
  if (newest >= 0 && timestamp - state.ringTimes[newest] < intervalMs) return false;
  const r = state.ringHead;
  const cap = state.ringCapacity;
  state.ringTimes[r] = timestamp;
  for (const side of [state.call, state.put]) {
    for (const field of RING_FIELDS) {
      const ring = side.ring[field];
      const current = side[field];
      for (let s = 0; s < state.slotCount; s++) ring[s * cap + r] = present[s] ? current[s] : NaN;
    }
  }
  state.ringHead = (r + 1) % cap;
  if (state.ringCount < cap) state.ringCount++;
  return true;
}

/** `field` at ring position `r` for each row's slot (all NaN when r < 0). */
export function sampledRows(state: ChainState, side: SideColumns, field: RingField, rowSlot: Int32Array, r: number, out: Float64Array = new Float64Array(rowSlot.length)): Float64Array {
  const n = rowSlot.length;
  if (r < 0) return out.fill(NaN);
  const ring = side.ring[field];
  const cap = state.ringCapacity;
  for (let i = 0; i < n; i++) out[i] = ring[rowSlot[i] * cap + r];
  return out;
}

/**
 * `sampledRows` for one snapshot's rows, each (side, field, ring position)
 * gathered once: the windows of the flows, the buildups and the unusual
 * rules often look back to the same sample.
 */
export class RowSampler {
  private readonly cache = new Map<string, Float64Array>();

  constructor(
    private readonly state: ChainState,
    private readonly rowSlot: Int32Array,
    private readonly arrays: RowArrays,
  ) {}

  rows(side: SideColumns, field: RingField, r: number): Float64Array {
    const key = `${side === this.state.call ? 'c' : 'p'}:${field}:${r}`;
    let rows = this.cache.get(key);
    if (rows === undefined) {
      rows = sampledRows(this.state, side, field, this.rowSlot, r, this.arrays.float());
      this.cache.set(key, rows);
    }
    return rows;
  }
}

/** A slot-aligned column gathered into row order. */
export function gatherRows(column: Float64Array, rowSlot: Int32Array, out: Float64Array = new Float64Array(rowSlot.length)): Float64Array {
  for (let i = 0; i < rowSlot.length; i++) out[i] = column[rowSlot[i]];
  return out;
}
