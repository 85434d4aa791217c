import { describe, expect, it } from 'vitest';
import { applyChain, applyDelta, maxOi, rowsAroundAtm, type ChainDeltaMessage, type Quote } from './chainState.ts';

function quote(ltp: number, oi = 100): Quote {
  return { ltp, change: 0, changePercent: 0, previousClose: ltp, bid: ltp - 0.5, ask: ltp + 0.5, oi, oiChange: 0, volume: 10, iv: 0.12, delta: 0.5, gamma: 0.001, theta: -5, vega: 10, rho: 1 };
}

const analytics = { pcrOi: 1, pcrVolume: 1, maxPain: 100, atmStrike: 100, atmIv: 0.12, expectedMove: 5, straddlePrice: 10, totalGex: 1, gammaFlip: 99, callWall: 110, putWall: 90, totalCallOi: 1, totalPutOi: 1 };

function message(over: Partial<ChainDeltaMessage>): ChainDeltaMessage {
  return { full: false, sequence: 2, previousSequence: 1, symbol: 'NIFTY', expiry: '2026-12-10', timestamp: '2026-12-07T04:00:00.000Z', spot: 100, future: null, vix: null, lotSize: 75, timeToExpiryYears: 0.01, removedStrikes: [], analytics, changes: [], ...over };
}

describe('applyDelta', () => {
  const full = message({
    full: true,
    sequence: 1,
    previousSequence: null,
    changes: [
      { strike: 110, side: 'CALL', quote: quote(1) },
      { strike: 90, side: 'PUT', quote: quote(2) },
      { strike: 90, side: 'CALL', quote: quote(11) },
      { strike: 100, side: 'CALL', quote: quote(5) },
    ],
  });

  it('builds ascending rows from a full message, each side where its change put it', () => {
    const state = applyDelta(null, full);
    expect(state.rows.map((r) => r.strike)).toEqual([90, 100, 110]);
    expect(state.rows[0]!.call!.ltp).toBe(11);
    expect(state.rows[0]!.put!.ltp).toBe(2);
    expect(state.rows[2]!.put).toBeNull();
  });

  it('replaces only the changed strikes, keeps the others as the same objects, and removes removed strikes', () => {
    const before = applyDelta(null, full);
    const after = applyDelta(before, message({ removedStrikes: [110], changes: [{ strike: 90, side: 'PUT', quote: quote(3) }] }));
    expect(after.rows.map((r) => r.strike)).toEqual([90, 100]);
    expect(after.rows[0]).not.toBe(before.rows[0]);
    expect(after.rows[0]!.put!.ltp).toBe(3);
    expect(after.rows[1]).toBe(before.rows[1]);
    expect(after.gaps).toBe(0);
  });

  it('counts a message whose previousSequence is not the one held as a gap', () => {
    const state = applyDelta(applyDelta(null, full), message({ sequence: 5, previousSequence: 4 }));
    expect(state.gaps).toBe(1);
  });

  it('starts over on a full message, dropping strikes it does not list', () => {
    const state = applyDelta(applyDelta(null, full), message({ full: true, sequence: 9, previousSequence: null, changes: [{ strike: 95, side: 'CALL', quote: quote(7) }] }));
    expect(state.rows.map((r) => r.strike)).toEqual([95]);
  });
});

describe('applyChain', () => {
  it('keeps unchanged rows as the same objects across playback frames', () => {
    const chain = { ...message({}), rows: [{ strike: 90, call: quote(1), put: quote(2) }, { strike: 100, call: quote(3), put: quote(4) }] };
    const first = applyChain(null, chain);
    const second = applyChain(first, { ...chain, rows: [{ strike: 90, call: quote(1), put: quote(2) }, { strike: 100, call: quote(6), put: quote(4) }] });
    expect(second.rows[0]).toBe(first.rows[0]);
    expect(second.rows[1]).not.toBe(first.rows[1]);
    expect(second.rows[1]!.call!.ltp).toBe(6);
  });
});

describe('rowsAroundAtm', () => {
  const rows = [80, 90, 100, 110, 120, 130].map((strike) => ({ strike, call: quote(1, strike), put: null }));

  it('takes depth strikes each side of the ATM strike', () => {
    expect(rowsAroundAtm(rows, 100, 101, 1).map((r) => r.strike)).toEqual([90, 100, 110]);
  });

  it('slides the window inside the chain at its edges, and returns every row without a depth', () => {
    expect(rowsAroundAtm(rows, 130, 130, 1).map((r) => r.strike)).toEqual([110, 120, 130]);
    expect(rowsAroundAtm(rows, 100, 100, null)).toBe(rows);
  });

  it('finds the largest OI of either side', () => {
    expect(maxOi(rows)).toBe(130);
  });
});
