import { describe, expect, it } from 'vitest';
import { DEFAULT_INTELLIGENCE_CONFIG } from './config.ts';
import { computeZones, createZoneTracker, reversalLevels, trackZones, type Zone, type Zones } from './zones.ts';

const config = DEFAULT_INTELLIGENCE_CONFIG.zones;
const f = (values: number[]) => Float64Array.from(values);

// Strikes 90…110, spot 101: support candidates 90, 95, 100; resistance 105, 110.
// Max pain 100; the strike step there is 5, so the max-pain component falls to 0 at 3 × 5 = 15 points.
const input = {
  strikes: f([90, 95, 100, 105, 110]),
  spot: 101,
  callOi: f([0, 0, 0, 3_000, 6_000]),
  putOi: f([1_000, 4_000, 2_000, 0, 0]),
  callOiChange: f([0, 0, 0, -200, 600]),
  putOiChange: f([0, 500, 1_000, 0, 0]),
  gexAbs: f([0, 0, 0, 0, 0]),
  callVolume: f([0, 0, 0, 500, 250]),
  putVolume: f([100, 400, 800, 0, 0]),
  maxPain: 100,
};

describe('support and resistance zones', () => {
  it('scores strikes from the weighted components and clusters adjacent strong ones', () => {
    const zones = computeZones(input, config);
    // Weights 0.35 OI wall, 0.25 fresh writing, 0.2 gamma, 0.1 max pain, 0.1 volume.
    // 100: 0.35·(2,000/4,000) + 0.25·(1,000/1,000) + 0 + 0.1·1 + 0.1·(800/800) = 0.625
    // 95:  0.35·1 + 0.25·0.5 + 0 + 0.1·(2/3) + 0.1·0.5 = 0.591 67 ≥ 0.6 × 0.625 → joins 100's zone
    // 90:  0.35·0.25 + 0 + 0 + 0.1·(1/3) + 0.1·0.125 = 0.133 33 → a zone of its own
    expect(zones.support.map((z) => [z.lowStrike, z.highStrike, z.peakStrike])).toEqual([
      [95, 100, 100],
      [90, 90, 90],
    ]);
    const [main, far] = zones.support;
    expect(main.strength).toBeCloseTo(0.625, 12);
    expect(far.strength).toBeCloseTo(0.35 * 0.25 + 0.1 / 3 + 0.1 * 0.125, 12);
    expect(main.components).toEqual({ oiWall: 0.5, freshWriting: 1, gammaWall: 0, maxPain: 1, volume: 1 });
    expect(main.oiContracts).toBe(6_000);
    expect(main.oiChangeContracts).toBe(1_500);
    expect(main.volumeContracts).toBe(1_200);
    expect(main.distancePoints).toBe(1);

    // 110: 0.35·1 + 0.25·1 + 0.1·(1/3) + 0.1·0.5 = 0.683 33; 105: 0.175 + 0 + 0.1·(2/3) + 0.1 = 0.341 67 < 0.41.
    expect(zones.resistance.map((z) => [z.lowStrike, z.highStrike, z.distancePoints])).toEqual([
      [110, 110, 9],
      [105, 105, 4],
    ]);
    expect(zones.resistance[0].strength).toBeCloseTo(0.35 + 0.25 + 0.1 / 3 + 0.05, 12);
    expect(zones.resistance[1].strength).toBeCloseTo(0.175 + 0.1 * (2 / 3) + 0.1, 12);
  });

  it('has no zones on a side without candidates', () => {
    const zones = computeZones({ ...input, spot: 80 }, config);
    expect(zones.support).toEqual([]);
    expect(zones.resistance.length).toBeGreaterThan(0);
  });
});

function zone(side: 'support' | 'resistance', low: number, high: number, peak: number, strength: number): Zone {
  return {
    side,
    lowStrike: low,
    highStrike: high,
    peakStrike: peak,
    strength,
    components: { oiWall: 0, freshWriting: 0, gammaWall: 0, maxPain: 0, volume: 0 },
    oiContracts: 0,
    oiChangeContracts: 0,
    gexRupeesPerPercent: 0,
    volumeContracts: 0,
    distancePoints: 0,
  };
}

const ctx = (t: number) => ({ symbol: 'TEST', expiry: '2026-12-29', timestamp: t });
const supportOnly = (z: Zone): Zones => ({ support: [z], resistance: [] });

describe('zone events', () => {
  it('announces a strengthening of 0.1 above the lowest strength since the last announcement', () => {
    const tracker = createZoneTracker();
    const kinds = (strength: number, t: number) => trackZones(tracker, supportOnly(zone('support', 95, 100, 100, strength)), 102, ctx(t), config).map((e) => e.kind);
    expect(kinds(0.5, 1)).toEqual([]); // first sight sets the reference 0.5
    expect(kinds(0.55, 2)).toEqual([]);
    expect(kinds(0.61, 3)).toEqual(['zone_strengthened']); // 0.61 − 0.5 ≥ 0.1; reference 0.61
    expect(kinds(0.55, 4)).toEqual([]); // reference falls to 0.55
    expect(kinds(0.64, 5)).toEqual([]); // +0.09
    expect(kinds(0.66, 6)).toEqual(['zone_strengthened']); // +0.11
  });

  it('announces a shift once the new peak holds for two snapshots', () => {
    const tracker = createZoneTracker();
    const run = (peak: number, t: number) => trackZones(tracker, supportOnly(zone('support', peak - 5, peak, peak, 0.5)), 110, ctx(t), config);
    run(100, 1);
    expect(run(105, 2)).toEqual([]);
    const events = run(105, 3);
    expect(events.map((e) => [e.kind, e.values.fromStrike, e.values.toStrike, e.values.shiftPoints])).toEqual([['zone_shifted', 100, 105, 5]]);
    expect(events[0].reason).toContain('shifted up from 100 to 105');
    expect(run(105, 4)).toEqual([]);
  });

  it('announces a breach of the previous primary zone once per cooldown', () => {
    const tracker = createZoneTracker();
    const support = zone('support', 95, 100, 100, 0.5);
    trackZones(tracker, supportOnly(support), 101, ctx(0), config);
    const breach = trackZones(tracker, supportOnly(support), 94, ctx(1_000), config);
    expect(breach.map((e) => [e.kind, e.side, e.strike, e.values.beyondEdgePoints])).toEqual([['zone_breached', 'support', 100, 1]]);
    // Still below, same zone, within 15 minutes: no repeat.
    expect(trackZones(tracker, supportOnly(support), 93, ctx(2_000), config)).toEqual([]);
    // After the cooldown it may be announced again.
    expect(trackZones(tracker, supportOnly(support), 93, ctx(1_000 + 15 * 60_000), config).map((e) => e.kind)).toEqual(['zone_breached']);
  });

  it('announces a resistance breach when spot closes above its high strike', () => {
    const tracker = createZoneTracker();
    const resistance = zone('resistance', 105, 110, 105, 0.4);
    trackZones(tracker, { support: [], resistance: [resistance] }, 104, ctx(0), config);
    expect(trackZones(tracker, { support: [], resistance: [resistance] }, 110.5, ctx(1), config).map((e) => e.kind)).toEqual(['zone_breached']);
  });
});

describe('reversal levels', () => {
  it('keeps zones within the expected move whose defending side is being written', () => {
    const zones = computeZones(input, config);
    // Expected move 5: support 95–100 is 1 point away, 90 is 11 (too far); resistance 105 is 4 away but unwritten.
    const levels = reversalLevels(zones, 5, 5, (side, low) => (side === 'support' && low === 95 ? 300 : 0), config);
    expect(levels).toEqual([
      {
        side: 'support',
        lowStrike: 95,
        highStrike: 100,
        peakStrike: 100,
        strength: zones.support[0].strength,
        distancePoints: 1,
        expectedMovePoints: 5,
        writingContracts: 300,
        windowMinutes: 5,
        // 1 ≤ 0.25 × 5.
        tested: true,
      },
    ]);
    expect(reversalLevels(zones, NaN, 5, () => 300, config)).toEqual([]);
  });
});
