import { describe, expect, it } from 'vitest';
import { applyChainDiff, diffChains, emptyChain, fullChainDiff, sameQuote } from './chainDelta.ts';
import type { ChainAnalytics, EnrichedQuote, EnrichedRow, EnrichedSnapshot } from './models.ts';
import { mulberry32 } from './random.ts';

const ANALYTICS: ChainAnalytics = {
  pcrOi: 1.1, pcrVolume: 0.9, pcrOiChange: null, maxPain: 24_000, atmStrike: 24_000, atmIv: 0.13, straddlePrice: 310, expectedMove: 250,
  oneSigmaMove: 310, riskReversal25: -0.01, butterfly25: 0.004, putCallSkew: 0.02, totalGex: 1.5e9, gammaFlip: null,
  gexConvention: 'dealer-long-calls-short-puts', callWall: 24_500, putWall: 23_500, totalCallOi: 1_000_000, totalPutOi: 1_100_000,
  support: [{ strike: 23_500, oi: 90_000, strength: 0.08 }], resistance: [{ strike: 24_500, oi: 80_000, strength: 0.07 }], basis: 40, carryRate: 0.06,
};

function quote(random: () => number): EnrichedQuote {
  const value = () => (random() < 0.1 ? null : Math.round(random() * 10_000) / 100);
  return {
    ltp: value(), bid: value(), ask: value(), bidQty: value(), askQty: value(), volume: value(), oi: value(), oiChange: value(), iv: value(),
    delta: value(), gamma: value(), theta: value(), vega: value(), rho: value(), vanna: value(), charm: value(), vomma: value(),
    theoreticalPrice: value(), sourceIv: value(), sourceDelta: value(), quality: random() < 0.05 ? 'crossed_quote' : null,
    previousClose: value(),
  };
}

function chain(timestamp: number, rows: EnrichedRow[]): EnrichedSnapshot {
  return {
    version: 2, id: `NIFTY:${timestamp}`, source: 'simulator', symbol: 'NIFTY', expiry: '2026-12-01', timestamp, processedAt: timestamp + 5,
    spot: 24_000 + (timestamp % 97), future: 24_040, vix: 13.2, forward: 24_035, forwardSource: 'future', tYears: 0.01, rate: 0.065, lotSize: 75,
    analytics: { ...ANALYTICS, atmIv: 0.13 + (timestamp % 7) / 1000 }, rows, rejects: timestamp % 2 ? { crossed_quote: 1 } : {},
  };
}

/** A random walk of one chain: quotes change, stay, lose or gain a side; strikes come and go. */
function walk(seed: number, steps: number): EnrichedSnapshot[] {
  const random = mulberry32(seed);
  let rows: EnrichedRow[] = Array.from({ length: 41 }, (_, i) => ({ strike: 23_000 + i * 50, call: quote(random), put: quote(random) }));
  const out = [chain(1_000, rows)];
  for (let step = 1; step < steps; step++) {
    rows = rows
      .filter(() => random() > 0.02)
      .map((row) => ({
        strike: row.strike,
        call: random() < 0.3 ? (random() < 0.1 ? null : quote(random)) : row.call,
        put: random() < 0.3 ? (random() < 0.1 ? null : quote(random)) : row.put,
      }));
    if (random() < 0.3) rows.push({ strike: 25_050 + step * 50, call: random() < 0.5 ? null : quote(random), put: quote(random) });
    rows.sort((a, b) => a.strike - b.strike);
    out.push(chain(1_000 + step * 1_000, rows));
  }
  return out;
}

describe('chain deltas', () => {
  it('rebuilds every later snapshot exactly by applying the deltas to the first one', () => {
    for (const seed of [1, 2, 3]) {
      const snapshots = walk(seed, 60);
      let held = snapshots[0];
      for (let i = 1; i < snapshots.length; i++) {
        held = applyChainDiff(held, diffChains(snapshots[i - 1], snapshots[i]));
        expect(held).toEqual(snapshots[i]);
      }
    }
  });

  it('gives the whole chain back from a full delta applied to an empty chain, and goes on from there', () => {
    const snapshots = walk(8, 20);
    const full = fullChainDiff(snapshots[0]);
    let held = applyChainDiff(emptyChain(full.header), full);
    expect(held).toEqual(snapshots[0]);
    for (let i = 1; i < snapshots.length; i++) held = applyChainDiff(held, diffChains(snapshots[i - 1], snapshots[i]));
    expect(held).toEqual(snapshots.at(-1));
  });

  it('sends only the quotes that changed, whole, and names the strikes that went away', () => {
    const random = mulberry32(9);
    const rows = [23_900, 24_000, 24_100].map((strike) => ({ strike, call: quote(random), put: quote(random) }));
    const previous = chain(1_000, rows);
    const changedCall = { ...rows[1].call!, ltp: 123.45 };
    const next = chain(2_000, [rows[0], { ...rows[1], call: changedCall }, { strike: 24_200, call: null, put: rows[2].put }]);
    const diff = diffChains(previous, next);
    expect(diff.changes).toEqual([
      { strike: 24_000, side: 'call', quote: changedCall },
      { strike: 24_200, side: 'call', quote: null },
      { strike: 24_200, side: 'put', quote: rows[2].put },
    ]);
    expect(diff.removedStrikes).toEqual([24_100]);
    expect(diff.header).not.toHaveProperty('rows');
    expect(diff.header.timestamp).toBe(2_000);
  });

  it('sends a quote whose only change is its previous close (rare: a new session or a late correction from the feed)', () => {
    const random = mulberry32(10);
    const rows = [24_000, 24_050].map((strike) => ({ strike, call: quote(random), put: quote(random) }));
    const corrected = { ...rows[1].put!, previousClose: (rows[1].put!.previousClose ?? 0) + 0.05 };
    const next = chain(2_000, [rows[0], { ...rows[1], put: corrected }]);
    const diff = diffChains(chain(1_000, rows), next);
    expect(diff.changes).toEqual([{ strike: 24_050, side: 'put', quote: corrected }]);
    expect(applyChainDiff(chain(1_000, rows), diff).rows[1].put!.previousClose).toBe(corrected.previousClose);
  });

  it('finds nothing to send between a chain and an equal copy of it', () => {
    const [snapshot] = walk(4, 1);
    expect(diffChains(snapshot, structuredClone(snapshot)).changes).toEqual([]);
  });

  it('counts a quote as changed when a field turns null, and -0 apart from 0', () => {
    const random = mulberry32(5);
    const a = { ...quote(random), iv: 0.2 };
    expect(sameQuote(a, { ...a })).toBe(true);
    expect(sameQuote(a, { ...a, iv: null })).toBe(false);
    expect(sameQuote({ ...a, delta: 0 }, { ...a, delta: -0 })).toBe(false);
    expect(sameQuote(null, null)).toBe(true);
    expect(sameQuote(a, null)).toBe(false);
  });

  it('refuses to diff or apply across different expiries', () => {
    const [snapshot] = walk(6, 1);
    const other = { ...snapshot, expiry: '2026-12-08' };
    expect(() => diffChains(snapshot, other)).toThrow(/different expiries/);
    expect(() => applyChainDiff(other, diffChains(snapshot, snapshot))).toThrow(/does not apply/);
  });

  it('leaves the snapshot it applies to as it was', () => {
    const snapshots = walk(7, 2);
    const before = structuredClone(snapshots[0]);
    applyChainDiff(snapshots[0], diffChains(snapshots[0], snapshots[1]));
    expect(snapshots[0]).toEqual(before);
  });
});
