/**
 * Support and resistance zones: clusters of adjacent strikes scored from what
 * defends a level, with events when a zone strengthens, shifts or is
 * breached, and "reversal levels".
 *
 * Candidates follow core/analytics/supportResistance.ts: support among the
 * strikes at or below spot (defended by puts), resistance among those at or
 * above (defended by calls).
 *
 * Score of a candidate strike K, in [0, 1] (weights normalised to sum 1):
 *   oiWall       = OI_def(K) / max OI_def over that side's candidates
 *   freshWriting = max(ΔOI_def since previous close, 0) / its max over the candidates
 *   gammaWall    = |GEX_call(K)| + |GEX_put(K)| / its max (gex.ts, rupees per 1 % move)
 *   maxPain      = max(0, 1 − |K − maxPain| / (maxPainWidthStrikes × strike step at max pain))
 *   volume       = session volume_def(K) / its max
 * A component with nothing to normalise by (all zero or missing) is 0.
 *
 * Zones: seeds are the strongest OI levels of supportResistance() (the ones
 * the chain analytics report) plus the highest-scoring candidate; from the
 * highest-scoring seed down, a seed not yet inside a zone grows to the
 * adjacent candidates scoring ≥ expandRatio × its score, at most
 * maxHalfWidthStrikes each way. Strength = the highest score in the zone;
 * `components` are the peak strike's. The perSide strongest are kept.
 *
 * Events, per side, on the strongest ("primary") zone:
 * - zone_strengthened: its strength rose by ≥ strengthenDelta above the
 *   lowest strength seen since it was last announced (score = strength).
 * - zone_shifted: a different peak strike stayed primary for
 *   shiftConfirmSnapshots consecutive snapshots (values: from, to strikes).
 * - zone_breached: spot went beyond the previous snapshot's primary zone
 *   (below a support's low strike, above a resistance's high strike); the
 *   same peak strike is not announced again within breachCooldownMs.
 *
 * Reversal level (our own term, there is no public definition): a zone
 *   (a) whose distance from spot is within the expected move (the ATM
 *       straddle, ChainAnalytics.expectedMove), and
 *   (b) whose defending side is being written over the reversal window: at
 *       least one strike of the zone classified short buildup (OI up, price
 *       down) on puts for support, on calls for resistance (buildups.ts).
 * It is `tested` when spot is within testFraction × expected move of it.
 */
import { supportResistance } from '../analytics/supportResistance.ts';
import type { ZoneConfig, ZoneWeights } from './config.ts';
import { makeEvent, type EventContext, type IntelligenceEvent } from './events.ts';

export type ZoneSide = 'support' | 'resistance';

export interface ZoneComponents {
  oiWall: number;
  freshWriting: number;
  gammaWall: number;
  maxPain: number;
  volume: number;
}

export interface Zone {
  side: ZoneSide;
  lowStrike: number;
  highStrike: number;
  peakStrike: number;
  /** Highest strike score in the zone, 0–1. */
  strength: number;
  /** Normalised components (0–1) at the peak strike, before weighting. */
  components: ZoneComponents;
  /** Σ defending-side OI over the zone, contracts. */
  oiContracts: number;
  /** Σ defending-side OI change since the previous close, contracts (signed). */
  oiChangeContracts: number;
  /** Σ |GEX| over the zone, rupees per 1 % move. */
  gexRupeesPerPercent: number;
  /** Σ defending-side session volume, contracts. */
  volumeContracts: number;
  /** Spot − high strike (support) or low strike − spot (resistance), index points; ≤ 0 when spot is inside. */
  distancePoints: number;
}

/** Row-aligned inputs of one snapshot. */
export interface ZoneInputs {
  strikes: Float64Array;
  spot: number;
  callOi: Float64Array;
  putOi: Float64Array;
  /** OI change since the previous close, contracts. */
  callOiChange: Float64Array;
  putOiChange: Float64Array;
  /** |GEX call| + |GEX put| per strike, rupees per 1 % move (NaN when unknown). */
  gexAbs: Float64Array;
  callVolume: Float64Array;
  putVolume: Float64Array;
  /** Max-pain strike, NaN when unknown. */
  maxPain: number;
}

export interface Zones {
  support: Zone[];
  resistance: Zone[];
}

const EMPTY_COMPONENTS: ZoneComponents = { oiWall: 0, freshWriting: 0, gammaWall: 0, maxPain: 0, volume: 0 };

export function computeZones(input: ZoneInputs, config: ZoneConfig): Zones {
  const { strikes, spot } = input;
  const n = strikes.length;
  const walls = supportResistance(strikes, input.callOi, input.putOi, spot, config.perSide);
  let belowEnd = 0;
  while (belowEnd < n && strikes[belowEnd] <= spot) belowEnd++;
  let aboveStart = belowEnd;
  while (aboveStart > 0 && strikes[aboveStart - 1] >= spot) aboveStart--;
  const maxPainStep = strikeStepAt(strikes, input.maxPain);
  return {
    support: sideZones('support', input, 0, belowEnd, walls.support.map((l) => l.index), maxPainStep, config),
    resistance: sideZones('resistance', input, aboveStart, n, walls.resistance.map((l) => l.index), maxPainStep, config),
  };
}

function sideZones(side: ZoneSide, input: ZoneInputs, from: number, to: number, wallRows: number[], maxPainStep: number, config: ZoneConfig): Zone[] {
  if (to <= from) return [];
  const oi = side === 'support' ? input.putOi : input.callOi;
  const change = side === 'support' ? input.putOiChange : input.callOiChange;
  const volume = side === 'support' ? input.putVolume : input.callVolume;
  const maxOi = positiveMax(oi, from, to);
  const maxFresh = positiveMax(change, from, to);
  const maxGex = positiveMax(input.gexAbs, from, to);
  const maxVolume = positiveMax(volume, from, to);
  const weights = normalisedWeights(config.weights);
  const count = to - from;
  const componentsAt = (j: number): ZoneComponents => {
    const i = from + j;
    return {
      oiWall: share(oi[i], maxOi),
      freshWriting: share(change[i], maxFresh),
      gammaWall: share(input.gexAbs[i], maxGex),
      maxPain: maxPainCloseness(input.strikes[i], input.maxPain, maxPainStep, config.maxPainWidthStrikes),
      volume: share(volume[i], maxVolume),
    };
  };
  const score = new Float64Array(count);
  let best = -1;
  for (let j = 0; j < count; j++) {
    const i = from + j;
    const s =
      weights.oiWall * share(oi[i], maxOi) +
      weights.freshWriting * share(change[i], maxFresh) +
      weights.gammaWall * share(input.gexAbs[i], maxGex) +
      weights.maxPain * maxPainCloseness(input.strikes[i], input.maxPain, maxPainStep, config.maxPainWidthStrikes) +
      weights.volume * share(volume[i], maxVolume);
    score[j] = s;
    if (s > 0 && (best < 0 || s > score[best])) best = j;
  }
  const seeds = new Set<number>(wallRows.map((i) => i - from));
  if (best >= 0) seeds.add(best);
  const ordered = [...seeds].filter((j) => j >= 0 && j < count && score[j] > 0).sort((a, b) => score[b] - score[a] || a - b);
  const owner = new Int32Array(count).fill(-1);
  const zones: Zone[] = [];
  for (const seed of ordered) {
    if (owner[seed] >= 0) continue;
    const floor = config.expandRatio * score[seed];
    let lo = seed;
    let hi = seed;
    while (lo - 1 >= 0 && seed - (lo - 1) <= config.maxHalfWidthStrikes && owner[lo - 1] < 0 && score[lo - 1] >= floor) lo--;
    while (hi + 1 < count && hi + 1 - seed <= config.maxHalfWidthStrikes && owner[hi + 1] < 0 && score[hi + 1] >= floor) hi++;
    let peak = seed;
    const zone: Zone = {
      side,
      lowStrike: input.strikes[from + lo],
      highStrike: input.strikes[from + hi],
      peakStrike: NaN,
      strength: 0,
      components: EMPTY_COMPONENTS,
      oiContracts: 0,
      oiChangeContracts: 0,
      gexRupeesPerPercent: 0,
      volumeContracts: 0,
      distancePoints: side === 'support' ? input.spot - input.strikes[from + hi] : input.strikes[from + lo] - input.spot,
    };
    for (let j = lo; j <= hi; j++) {
      owner[j] = zones.length;
      if (score[j] > score[peak]) peak = j;
      const i = from + j;
      zone.oiContracts += finite(oi[i]);
      zone.oiChangeContracts += finite(change[i]);
      zone.gexRupeesPerPercent += finite(input.gexAbs[i]);
      zone.volumeContracts += finite(volume[i]);
    }
    zone.peakStrike = input.strikes[from + peak];
    zone.strength = score[peak];
    zone.components = componentsAt(peak);
    zones.push(zone);
  }
  zones.sort((a, b) => b.strength - a.strength || (side === 'support' ? b.peakStrike - a.peakStrike : a.peakStrike - b.peakStrike));
  return zones.slice(0, config.perSide);
}

function normalisedWeights(w: ZoneWeights): ZoneWeights {
  const sum = w.oiWall + w.freshWriting + w.gammaWall + w.maxPain + w.volume;
  return { oiWall: w.oiWall / sum, freshWriting: w.freshWriting / sum, gammaWall: w.gammaWall / sum, maxPain: w.maxPain / sum, volume: w.volume / sum };
}

function positiveMax(column: Float64Array, from: number, to: number): number {
  let max = 0;
  for (let i = from; i < to; i++) if (column[i] > max && column[i] < Infinity) max = column[i];
  return max;
}

function share(value: number, max: number): number {
  return max > 0 && value > 0 && value < Infinity ? value / max : 0;
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** Distance to the next listed strike above `strike` (or below, at the top); NaN when not listed. */
function strikeStepAt(strikes: Float64Array, strike: number): number {
  if (!Number.isFinite(strike)) return NaN;
  for (let i = 0; i < strikes.length; i++) {
    if (strikes[i] !== strike) continue;
    if (i + 1 < strikes.length) return strikes[i + 1] - strike;
    return i > 0 ? strike - strikes[i - 1] : NaN;
  }
  return NaN;
}

function maxPainCloseness(strike: number, maxPain: number, step: number, widthStrikes: number): number {
  if (!(Number.isFinite(maxPain) && step > 0)) return 0;
  return Math.max(0, 1 - Math.abs(strike - maxPain) / (widthStrikes * step));
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

export interface ZoneSideTracker {
  /** Previous snapshot's primary zone. */
  primary: Zone | null;
  /** Peak strike last announced (or first seen) as primary; NaN before any. */
  peakStrike: number;
  /** Strength reference for zone_strengthened (see the module doc). */
  reference: number;
  pendingPeak: number;
  pendingCount: number;
  lastBreachPeak: number;
  lastBreachAt: number;
}

export interface ZoneTracker {
  support: ZoneSideTracker;
  resistance: ZoneSideTracker;
}

export function createZoneTracker(): ZoneTracker {
  const side = (): ZoneSideTracker => ({
    primary: null,
    peakStrike: NaN,
    reference: NaN,
    pendingPeak: NaN,
    pendingCount: 0,
    lastBreachPeak: NaN,
    lastBreachAt: -Infinity,
  });
  return { support: side(), resistance: side() };
}

/** Updates the tracker with this snapshot's zones and returns the zone events it raises. */
export function trackZones(tracker: ZoneTracker, zones: Zones, spot: number, context: EventContext, config: ZoneConfig): IntelligenceEvent[] {
  const events: IntelligenceEvent[] = [];
  for (const side of ['support', 'resistance'] as const) {
    const t = tracker[side];
    const previous = t.primary;
    if (previous !== null) {
      const breached = side === 'support' ? spot < previous.lowStrike : spot > previous.highStrike;
      const repeat = t.lastBreachPeak === previous.peakStrike && context.timestamp - t.lastBreachAt < config.breachCooldownMs;
      if (breached && !repeat) {
        t.lastBreachPeak = previous.peakStrike;
        t.lastBreachAt = context.timestamp;
        const edge = side === 'support' ? previous.lowStrike : previous.highStrike;
        events.push(
          makeEvent('zone_breached', context, previous.peakStrike, side, previous.strength, `spot ${spot} broke ${side === 'support' ? 'below' : 'above'} the ${side} zone ${previous.lowStrike}–${previous.highStrike}`, {
            spotPoints: spot,
            zoneLowStrike: previous.lowStrike,
            zoneHighStrike: previous.highStrike,
            beyondEdgePoints: Math.abs(spot - edge),
            strength: previous.strength,
          }),
        );
      }
    }
    const primary = zones[side][0] ?? null;
    t.primary = primary;
    if (primary === null) continue;
    if (Number.isNaN(t.peakStrike)) {
      t.peakStrike = primary.peakStrike;
      t.reference = primary.strength;
      continue;
    }
    if (primary.peakStrike === t.peakStrike) {
      t.pendingPeak = NaN;
      t.pendingCount = 0;
      if (primary.strength - t.reference >= config.strengthenDelta) {
        events.push(
          makeEvent('zone_strengthened', context, primary.peakStrike, side, primary.strength, `${side} zone ${primary.lowStrike}–${primary.highStrike} strengthened from ${t.reference.toFixed(2)} to ${primary.strength.toFixed(2)}`, {
            strengthBefore: t.reference,
            strength: primary.strength,
            zoneLowStrike: primary.lowStrike,
            zoneHighStrike: primary.highStrike,
            oiContracts: primary.oiContracts,
          }),
        );
        t.reference = primary.strength;
      } else if (primary.strength < t.reference) {
        t.reference = primary.strength;
      }
      continue;
    }
    if (primary.peakStrike === t.pendingPeak) t.pendingCount++;
    else {
      t.pendingPeak = primary.peakStrike;
      t.pendingCount = 1;
    }
    if (t.pendingCount >= config.shiftConfirmSnapshots) {
      const from = t.peakStrike;
      const direction = primary.peakStrike > from ? 'up' : 'down';
      events.push(
        makeEvent('zone_shifted', context, primary.peakStrike, side, primary.strength, `${side} shifted ${direction} from ${from} to ${primary.peakStrike}`, {
          fromStrike: from,
          toStrike: primary.peakStrike,
          shiftPoints: primary.peakStrike - from,
          strength: primary.strength,
        }),
      );
      t.peakStrike = primary.peakStrike;
      t.reference = primary.strength;
      t.pendingPeak = NaN;
      t.pendingCount = 0;
    }
  }
  return events;
}

// ---------------------------------------------------------------------------
// Reversal levels
// ---------------------------------------------------------------------------

export interface ReversalLevel {
  side: ZoneSide;
  lowStrike: number;
  highStrike: number;
  peakStrike: number;
  strength: number;
  /** Spot's distance to the zone, index points (≤ 0 inside it). */
  distancePoints: number;
  /** The ATM straddle's expected move it was measured against, index points. */
  expectedMovePoints: number;
  /** Defending-side OI added at short-buildup strikes of the zone over the window, contracts. */
  writingContracts: number;
  windowMinutes: number;
  /** Spot within testFraction × expected move. */
  tested: boolean;
}

/**
 * Reversal levels among `zones` (see the module doc). `writing(side, low,
 * high)` returns the defending side's short-buildup ΔOI summed over the
 * zone's strikes for the window, contracts (0 when none is written).
 */
export function reversalLevels(
  zones: Zones,
  expectedMove: number,
  windowMinutes: number,
  writing: (side: ZoneSide, lowStrike: number, highStrike: number) => number,
  config: ZoneConfig,
): ReversalLevel[] {
  if (!(expectedMove > 0 && expectedMove < Infinity)) return [];
  const out: ReversalLevel[] = [];
  for (const zone of [...zones.support, ...zones.resistance]) {
    if (zone.distancePoints > expectedMove) continue;
    const written = writing(zone.side, zone.lowStrike, zone.highStrike);
    if (!(written > 0)) continue;
    out.push({
      side: zone.side,
      lowStrike: zone.lowStrike,
      highStrike: zone.highStrike,
      peakStrike: zone.peakStrike,
      strength: zone.strength,
      distancePoints: zone.distancePoints,
      expectedMovePoints: expectedMove,
      writingContracts: written,
      windowMinutes,
      tested: zone.distancePoints <= config.testFraction * expectedMove,
    });
  }
  return out;
}
