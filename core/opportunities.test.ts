import { describe, expect, it } from 'vitest';
import {
  compareRankKeys,
  excessScore,
  ivRankOpportunity,
  parityOpportunities,
  rankKey,
  rankOpportunities,
  smileOpportunities,
  termInversion,
  unusualAtZones,
  type Opportunity,
} from './opportunities.ts';
import { testChain } from './analytics/testChain.ts';
import { chainColumns, type ChainSnapshot } from './chain.ts';
import { optionGreeks } from './pricing/black.ts';
import { impliedDividendYield } from './chainGreeks.ts';
import { simulatedAnalyticsMessages, simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import type { IntelligenceEvent } from './intelligence/events.ts';
import type { Zone } from './intelligence/zones.ts';

const STRIKES = Array.from({ length: 25 }, (_, i) => 70 + 2.5 * i);
const FORWARD = 100;

/** A chain on a gently skewed smile, every side quoted at its model price ± `halfSpread` (index points). */
function smileChain(halfSpread: number, bump: { strike: number; side: 'call' | 'put'; volPoints: number } | null = null): ChainSnapshot {
  const chain = testChain(STRIKES, { spot: FORWARD, future: FORWARD, tYears: 0.1, rate: 0 });
  const q = impliedDividendYield(chain.rate, FORWARD, chain.spot, chain.tYears);
  STRIKES.forEach((strike, i) => {
    for (const side of ['call', 'put'] as const) {
      const k = Math.log(strike / FORWARD);
      let vol = 0.15 - 0.1 * k + 0.5 * k * k;
      if (bump && bump.strike === strike && bump.side === side) vol += bump.volPoints / 100;
      const price = optionGreeks({ underlying: chain.spot, strike, tYears: chain.tYears, vol, rate: chain.rate, divYield: q, type: side }).price;
      chain[side].iv[i] = vol;
      chain[side].bid[i] = price - halfSpread;
      chain[side].ask[i] = price + halfSpread;
    }
  });
  return chain;
}

describe('excessScore', () => {
  it('is 0 at the threshold, one half at halfScore beyond it and tends to 1', () => {
    expect(excessScore(0, 2)).toBe(0);
    expect(excessScore(-1, 2)).toBe(0);
    expect(excessScore(2, 2)).toBeCloseTo(0.5, 12);
    expect(excessScore(200, 2)).toBeCloseTo(1, 12);
  });
});

describe('rich and cheap against the fitted smile', () => {
  it('finds nothing on a chain that sits on its smile', () => {
    expect(smileOpportunities(smileChain(0.01), FORWARD)).toEqual([]);
  });

  it('calls an OTM put 3 vol points above the smile rich, with a SELL leg and its numbers in vol points', () => {
    const found = smileOpportunities(smileChain(0.01, { strike: 90, side: 'put', volPoints: 3 }), FORWARD);
    expect(found).toHaveLength(1);
    const [o] = found;
    expect(o.kind).toBe('richVsSmile');
    expect(o.legs).toEqual([{ instrument: 'option', side: 'put', strike: 90, expiry: '2026-01-27', action: 'sell', lots: 1 }]);
    // Refitted without the outlier, the smile is the underlying one to a fraction of a vol point.
    expect(o.values.deviationVolPoints).toBeGreaterThan(2.5);
    expect(o.values.deviationVolPoints).toBeLessThan(3.5);
    // Half spread in vol = 0.01 / vega (per vol point).
    expect(o.values.halfSpreadVolPoints).toBeCloseTo(0.01 / o.values.vegaPointsPerVolPoint, 12);
    expect(o.values.edgeVolPoints).toBeCloseTo(o.values.deviationVolPoints - o.values.halfSpreadVolPoints, 12);
    expect(o.score).toBeCloseTo(excessScore(o.values.edgeVolPoints - 0.5, 2), 12);
  });

  it('calls an OTM call below the smile cheap, with a BUY leg', () => {
    const [o, more] = smileOpportunities(smileChain(0.01, { strike: 105, side: 'call', volPoints: -3 }), FORWARD);
    expect(more).toBeUndefined();
    expect(o).toMatchObject({ kind: 'cheapVsSmile', legs: [{ side: 'call', strike: 105, action: 'buy' }] });
  });

  it('does not fire for a far call whose tiny vega makes its tick of spread worth more vol than its deviation', () => {
    // At 110 the call is worth ~0.02 at 12 % vol: 0.01 of half spread over a vega of ~0.003 is ~3 vol points.
    expect(smileOpportunities(smileChain(0.01, { strike: 110, side: 'call', volPoints: -3 }), FORWARD)).toEqual([]);
  });

  it('does not fire for a deviation inside the bid/ask spread expressed in vol', () => {
    // A 3-point deviation, but a half spread of 2 points of premium: at 90 the put's vega is ~0.07 per vol point, so ~30 vol points of spread.
    expect(smileOpportunities(smileChain(2, { strike: 90, side: 'put', volPoints: 3 }), FORWARD)).toEqual([]);
  });

  it('ignores the in-the-money side, which the smile is not fitted to', () => {
    expect(smileOpportunities(smileChain(0.01, { strike: 90, side: 'call', volPoints: 3 }), FORWARD)).toEqual([]);
  });
});

describe('put-call parity that survives the spread', () => {
  /** F = 100, r = 0 (D = 1), one strike 100, call and put quoted 5.0/5.2. */
  function parityChain(callBid: number, callAsk: number, putBid: number, putAsk: number, future = 100): ChainSnapshot {
    const chain = testChain([100], { future, rate: 0, tYears: 0.1 });
    [chain.call.bid[0], chain.call.ask[0], chain.put.bid[0], chain.put.ask[0]] = [callBid, callAsk, putBid, putAsk];
    return chain;
  }

  it('finds nothing where the quotes straddle parity: both edges are −(spreads + futures half spread)', () => {
    // conversion = 5 − 5.2 − (100.5 − 100) = −0.7; reversal = 5 − 5.2 + (99.5 − 100) = −0.7.
    expect(parityOpportunities(parityChain(5, 5.2, 5, 5.2))).toEqual([]);
  });

  it('finds a conversion when the call bid is rich by more than the costs: sell call, buy put, buy future', () => {
    const [o, more] = parityOpportunities(parityChain(7, 7.2, 5, 5.2));
    expect(more).toBeUndefined();
    // 7 − 5.2 − 0.5 = 1.3 points.
    expect(o.kind).toBe('conversion');
    expect(o.values.edgePoints).toBeCloseTo(1.3, 12);
    expect(o.score).toBeCloseTo(excessScore(0.3, 5), 12);
    expect(o.legs.map((l) => [l.instrument, l.side, l.strike, l.action])).toEqual([
      ['option', 'call', 100, 'sell'],
      ['option', 'put', 100, 'buy'],
      ['future', null, null, 'buy'],
    ]);
  });

  it('finds a reversal when the put bid is rich: buy call, sell put, sell future, discounting the strike leg', () => {
    const chain = parityChain(5, 5.2, 7, 7.2);
    chain.rate = 0.1;
    const [o] = parityOpportunities(chain);
    const discount = Math.exp(-0.1 * 0.1);
    expect(o.kind).toBe('reversal');
    expect(o.values.edgePoints).toBeCloseTo(7 - 5.2 + (99.5 - 100) * discount, 12);
    expect(o.legs.map((l) => l.action)).toEqual(['buy', 'sell', 'sell']);
  });

  it('does not fire for a violation smaller than the bid/ask, nor without a futures price', () => {
    // The call 0.5 above parity: 5.5 − 5.2 − 0.5 = −0.2.
    expect(parityOpportunities(parityChain(5.5, 5.7, 5, 5.2))).toEqual([]);
    expect(parityOpportunities(parityChain(7, 7.2, 5, 5.2, NaN))).toEqual([]);
  });
});

describe('term-structure inversion', () => {
  const front = { expiry: '2026-01-06', timestamp: 1, tYears: 0.02, atmIv: 0.16, atmStrike: 100, strikes: [95, 100, 105] };
  const next = { expiry: '2026-01-13', timestamp: 1, tYears: 0.04, atmIv: 0.135, atmStrike: 100, strikes: [90, 100, 110] };

  it('finds a front ATM IV 2.5 vol points above the next with a call calendar at the common ATM strike', () => {
    const o = termInversion('NIFTY', front, next)!;
    expect(o.values.inversionVolPoints).toBeCloseTo(2.5, 12);
    expect(o.score).toBeCloseTo(excessScore(1.5, 2), 12);
    // w: 0.16²·0.02 = 0.000512 < 0.135²·0.04 = 0.000729: total variance still rises.
    expect(o.values.totalVarianceFalls).toBe(0);
    expect(o.legs).toEqual([
      { instrument: 'option', side: 'call', strike: 100, expiry: '2026-01-06', action: 'sell', lots: 1 },
      { instrument: 'option', side: 'call', strike: 100, expiry: '2026-01-13', action: 'buy', lots: 1 },
    ]);
  });

  it('flags a fall in total variance and falls back to the nearest strike both expiries list', () => {
    const o = termInversion('NIFTY', { ...front, atmIv: 0.3, atmStrike: 105, strikes: [105, 110] }, next)!;
    expect(o.values.totalVarianceFalls).toBe(1);
    expect(o.legs.map((l) => l.strike)).toEqual([110, 110]);
  });

  it('does not fire for a normal or barely inverted term structure', () => {
    expect(termInversion('NIFTY', { ...front, atmIv: 0.13 }, next)).toBeNull();
    expect(termInversion('NIFTY', { ...front, atmIv: 0.144 }, next)).toBeNull();
    expect(termInversion('NIFTY', { ...front, atmIv: null }, next)).toBeNull();
  });
});

describe('IV rank', () => {
  const input = { symbol: 'NIFTY', expiry: '2026-01-06', timestamp: 1, atmStrike: 24000, ivRank: 92, ivPercentile: 95, daysUsed: 60, atmIv: 0.18 };

  it('sells the ATM straddle at a high rank and buys it at a low one', () => {
    const high = ivRankOpportunity(input)!;
    expect(high.kind).toBe('ivRankHigh');
    expect(high.score).toBeCloseTo(excessScore(12, 10), 12);
    expect(high.legs.map((l) => [l.side, l.strike, l.action])).toEqual([
      ['call', 24000, 'sell'],
      ['put', 24000, 'sell'],
    ]);
    const low = ivRankOpportunity({ ...input, ivRank: 5 })!;
    expect(low.kind).toBe('ivRankLow');
    expect(low.score).toBeCloseTo(excessScore(15, 10), 12);
    expect(low.legs.every((l) => l.action === 'buy')).toBe(true);
  });

  it('does not fire in between or without a rank', () => {
    expect(ivRankOpportunity({ ...input, ivRank: 50 })).toBeNull();
    expect(ivRankOpportunity({ ...input, ivRank: null })).toBeNull();
  });
});

describe('unusual activity at a zone', () => {
  const zone = (side: 'support' | 'resistance', lowStrike: number, highStrike: number, strength: number) => ({ side, lowStrike, highStrike, peakStrike: lowStrike, strength }) as Zone;
  const event = (strike: number, side: 'call' | 'put', score: number): IntelligenceEvent => ({
    kind: 'unusual_oi_change',
    symbol: 'NIFTY',
    expiry: '2026-01-06',
    timestamp: 5,
    strike,
    side,
    score,
    reason: `${side} ${strike}: OI moved`,
    values: { robustZ: score },
  });
  const zones = { support: [zone('support', 23800, 23900, 0.8)], resistance: [zone('resistance', 24200, 24300, 0.5)] };

  it('finds put activity inside a support zone and call activity inside a resistance zone, scored by z × strength', () => {
    const found = unusualAtZones([event(23850, 'put', 7.5), event(24200, 'call', 6)], zones);
    expect(found.map((o) => [o.legs[0].side, o.legs[0].strike, o.legs[0].action])).toEqual([
      ['put', 23850, 'sell'],
      ['call', 24200, 'sell'],
    ]);
    expect(found[0].score).toBeCloseTo(excessScore(7.5 * 0.8, 6), 12);
  });

  it('ignores activity outside the zones and on the attacking side', () => {
    expect(unusualAtZones([event(24000, 'put', 9), event(23850, 'call', 9)], zones)).toEqual([]);
  });
});

describe('ranking', () => {
  it('orders by score, then a stable key, and a key tells where a page ends', () => {
    const base = { symbol: 'NIFTY', expiry: '2026-01-06', timestamp: 1, reason: '', legs: [] } as const;
    const found: Opportunity[] = [
      { ...base, kind: 'cheapVsSmile', score: 0.2, values: { strike: 100 }, legs: [] },
      { ...base, kind: 'richVsSmile', score: 0.2, values: { strike: 110 }, legs: [] },
      { ...base, kind: 'conversion', score: 0.9, values: { strike: 90 }, legs: [] },
    ];
    const ranked = rankOpportunities(found);
    expect(ranked.map((o) => o.kind)).toEqual(['conversion', 'richVsSmile', 'cheapVsSmile']);
    expect(ranked.filter((o) => compareRankKeys(rankKey(o), rankKey(ranked[0])) > 0).map((o) => o.kind)).toEqual(['richVsSmile', 'cheapVsSmile']);
  });
});

describe('on a simulator scenario', () => {
  const [front, next] = simulatedEnrichedSnapshots(3, { expiriesPerSymbol: 2, strikesEachSide: 10 }).slice(-2);
  const chain = chainColumns(front);
  const forward = front.forward ?? undefined;

  it('finds nothing on the simulated chains, which sit on their smile and on parity', () => {
    expect(smileOpportunities(chain, forward)).toEqual([]);
    expect(parityOpportunities(chain)).toEqual([]);
    expect(termInversion('NIFTY', { ...front, atmIv: front.analytics.atmIv, atmStrike: front.analytics.atmStrike, strikes: chain.strikes }, { ...next, atmIv: next.analytics.atmIv, atmStrike: next.analytics.atmStrike, strikes: chainColumns(next).strikes })).toBeNull();
  });

  it('finds a put quoted 4 vol points over the smile, a call bid 5 points over parity and a front IV 3 points over the next', () => {
    const i = front.rows.findIndex((r) => r.strike === front.analytics.atmStrike) - 4;
    const bumped = chainColumns(front);
    const put = front.rows[i].put!;
    bumped.put.iv[i] = put.iv! + 0.04;
    const rich = smileOpportunities(bumped, forward);
    expect(rich.map((o) => [o.kind, o.values.strike])).toEqual([['richVsSmile', front.rows[i].strike]]);

    const j = front.rows.findIndex((r) => r.strike === front.analytics.atmStrike);
    const parity = chainColumns(front);
    parity.call.bid[j] += 5;
    parity.call.ask[j] += 5;
    expect(parityOpportunities(parity).map((o) => [o.kind, o.values.strike])).toEqual([['conversion', front.analytics.atmStrike]]);

    const inverted = termInversion(
      'NIFTY',
      { ...front, atmIv: next.analytics.atmIv! + 0.03, atmStrike: front.analytics.atmStrike, strikes: chain.strikes },
      { ...next, atmIv: next.analytics.atmIv, atmStrike: next.analytics.atmStrike, strikes: chainColumns(next).strikes },
    )!;
    expect(inverted.values.inversionVolPoints).toBeCloseTo(3, 9);
    for (const leg of inverted.legs) expect([...chain.strikes]).toContain(leg.strike);
  });
});

describe('on the simulator\'s analytics', () => {
  const messages = simulatedAnalyticsMessages(90, { strikesEachSide: 10 });

  it('finds unusual activity inside a zone, on its defending side, among the simulated session\'s events', () => {
    const found = messages.flatMap((m) => unusualAtZones(m.events, m.chain.zones));
    expect(found.length).toBeGreaterThan(0);
    for (const o of found) {
      const [leg] = o.legs;
      const message = messages.find((m) => m.timestamp === o.timestamp)!;
      const zones = leg.side === 'put' ? message.chain.zones.support : message.chain.zones.resistance;
      expect(zones.some((z) => leg.strike! >= z.lowStrike && leg.strike! <= z.highStrike)).toBe(true);
      expect(leg.action).toBe('sell');
      expect(o.score).toBeGreaterThan(0);
    }
  });

  it('does not rank IV without history, and sells the simulated ATM straddle once the rank is high', () => {
    const last = messages.at(-1)!;
    const [snapshot] = simulatedEnrichedSnapshots(90, { strikesEachSide: 10 }).slice(-1);
    const input = { symbol: last.symbol, expiry: last.expiry, timestamp: last.timestamp, atmStrike: snapshot.analytics.atmStrike, atmIv: snapshot.analytics.atmIv };
    expect(last.chain.volatility.ivRank.ivRank).toBeNull();
    expect(ivRankOpportunity({ ...input, ...last.chain.volatility.ivRank })).toBeNull();
    const high = ivRankOpportunity({ ...input, ...last.chain.volatility.ivRank, ivRank: 95, daysUsed: 30 })!;
    expect(high.kind).toBe('ivRankHigh');
    for (const leg of high.legs) expect(snapshot.rows.map((r) => r.strike)).toContain(leg.strike);
  });
});
