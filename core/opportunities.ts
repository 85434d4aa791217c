/**
 * Opportunities: a scanner over the latest chains and the stored analytics
 * that names trades worth a look, each with a reason, a score and the legs a
 * strategy builder takes. Plain functions over the chain columns
 * (core/chain.ts) and the analytics objects; no I/O.
 *
 * Units: prices in index points; IV decimal (0.15 = 15 %) and differences of
 * IV in vol points (1 = one percentage point of volatility); vega per vol
 * point (core/pricing/black.ts), so a price over vega is in vol points.
 *
 * Score: every kind measures an excess over its threshold x (in the kind's
 * own unit, below) and scores it 1 − 2^(−x / halfScore): 0 at the threshold,
 * 0.5 at halfScore beyond it, towards 1 far beyond. The halfScores
 * (DEFAULT_OPPORTUNITY_CONFIG) set how the kinds rank against one another.
 *
 * Kinds (each fires only past its threshold, all configurable):
 * - rich / cheap vs the smile: at each strike the out-of-the-money side (the
 *   put below the forward, the call above, both at it: the side the smile is
 *   fitted to), with a usable IV, a bid > 0, an ask ≥ bid and a vega > 0.
 *   deviation = 100·(σ_market − σ_SVI) vol points, σ_SVI the SVI fit of the
 *   OTM smile (core/analytics/smile.ts, svi.ts) at the strike, refitted once
 *   without the points whose first-fit residual exceeds
 *   max(3 × the median |residual|, minEdgeVolPoints), so that an outlier
 *   does not bend the fit towards itself and onto its neighbours (kept as
 *   fitted when fewer than SVI_MIN_POINTS would remain); half spread in vol =
 *   ((ask − bid)/2) / vega. edge = |deviation| − half spread: what selling
 *   at the bid (rich) or buying at the ask (cheap) gains against the fitted
 *   price, in vol points. Fires when edge ≥ minEdgeVolPoints (default 0.5);
 *   a deviation inside the spread never fires. Leg: SELL (rich) or BUY
 *   (cheap) that option, one lot.
 * - put-call parity (conversion / reversal): at each strike with both sides
 *   quoted and a futures price F of the same expiry, D = e^{−rT}:
 *     conversion edge = C_bid − P_ask − (F + h − K)·D  (sell call, buy put, buy future)
 *     reversal edge   = P_bid − C_ask + (F − h − K)·D  (buy call, sell put, sell future)
 *   h the futures' half spread (the feed has no futures quote: a configured
 *   cost, default 0.5 point). Both are what the locked position earns after
 *   crossing every spread, index points; fires when an edge ≥ minEdgePoints
 *   (default 1 point, for fees and taxes). Without a futures price the kind
 *   is not checked (a forward implied from the chain itself would be circular).
 * - term-structure inversion: the front expiry's ATM IV above the next
 *   expiry's by inversion = 100·(σ_front − σ_next) ≥ minInversionVolPoints
 *   (default 1). Also reported: whether total ATM variance falls
 *   (core/analytics/termStructure.ts: a calendar arbitrage on the ATM line).
 *   Legs: a call calendar at the front's ATM strike (else the listed strike
 *   of both expiries nearest it): SELL the front call, BUY the next call.
 * - IV rank high / low: the stored analytics' IV rank of the ATM IV against
 *   its daily history (core/intelligence/volatility.ts), 0–100. rank ≥ high
 *   (default 80): sell premium, legs SELL the ATM straddle; rank ≤ low
 *   (default 20): buy premium, legs BUY it. Excess in rank points beyond the
 *   threshold. Not checked without a rank (too little history).
 * - unusual activity at a zone: a stored unusual-activity event
 *   (unusual_oi_change, unusual_premium_turnover, far_otm_writing,
 *   iv_jump_with_oi_build; core/intelligence/unusual.ts) on the defending
 *   side of a support (puts) or resistance (calls) zone of its expiry, its
 *   strike within the zone's low–high strikes. Excess: the event's own score
 *   (robust z, or its ratio to the rule's threshold) × the zone's strength
 *   (0–1). Leg: SELL that option, one lot (with the writers defending the
 *   zone; the trade is that the zone holds).
 */
import { isUsableIv, type ChainSnapshot } from './chain.ts';
import { chainSmile } from './analytics/smile.ts';
import { fitSvi, sviTotalVariance, SVI_MIN_POINTS, type SviFit } from './analytics/svi.ts';
import { impliedDividendYield, sideColumns } from './chainGreeks.ts';
import { allocateGreeks, priceBatch, CALL, PUT } from './pricing/black.ts';
import { termStructure } from './analytics/termStructure.ts';
import type { IntelligenceEvent } from './intelligence/events.ts';
import type { Zone } from './intelligence/zones.ts';

export const OPPORTUNITY_KINDS = ['richVsSmile', 'cheapVsSmile', 'conversion', 'reversal', 'termInversion', 'ivRankHigh', 'ivRankLow', 'unusualAtZone'] as const;
export type OpportunityKind = (typeof OPPORTUNITY_KINDS)[number];

export interface OpportunityLeg {
  instrument: 'option' | 'future';
  /** Option side; null for a future. */
  side: 'call' | 'put' | null;
  /** Strike, index points; null for a future. */
  strike: number | null;
  /** YYYY-MM-DD. */
  expiry: string;
  action: 'buy' | 'sell';
  lots: number;
}

export interface Opportunity {
  kind: OpportunityKind;
  symbol: string;
  expiry: string;
  /** Instant of the chain (or analytics) it was found in, epoch ms. */
  timestamp: number;
  /** 0–1, see the module doc. */
  score: number;
  reason: string;
  /** The numbers behind it; each name says its unit. */
  values: Record<string, number>;
  legs: OpportunityLeg[];
}

export interface OpportunityConfig {
  smile: { minEdgeVolPoints: number; halfScoreVolPoints: number };
  parity: { minEdgePoints: number; futureHalfSpreadPoints: number; halfScorePoints: number };
  term: { minInversionVolPoints: number; halfScoreVolPoints: number };
  ivRank: { high: number; low: number; halfScoreRank: number };
  unusual: { halfScore: number };
}

export const DEFAULT_OPPORTUNITY_CONFIG: OpportunityConfig = {
  smile: { minEdgeVolPoints: 0.5, halfScoreVolPoints: 2 },
  parity: { minEdgePoints: 1, futureHalfSpreadPoints: 0.5, halfScorePoints: 5 },
  term: { minInversionVolPoints: 1, halfScoreVolPoints: 2 },
  ivRank: { high: 80, low: 20, halfScoreRank: 10 },
  unusual: { halfScore: 6 },
};

/** 1 − 2^(−excess/halfScore), 0 for no excess (see the module doc). */
export function excessScore(excess: number, halfScore: number): number {
  return excess > 0 ? 1 - Math.pow(2, -excess / halfScore) : 0;
}

const option = (side: 'call' | 'put', strike: number, expiry: string, action: 'buy' | 'sell'): OpportunityLeg => ({ instrument: 'option', side, strike, expiry, action, lots: 1 });
const future = (expiry: string, action: 'buy' | 'sell'): OpportunityLeg => ({ instrument: 'future', side: null, strike: null, expiry, action, lots: 1 });
const round = (value: number, digits = 2) => value.toFixed(digits);

/** Vega per vol point of each side at its own IV (NaN where the IV is), priced as the processor prices the chain. */
export function sideVegas(chain: ChainSnapshot, forward: number): { call: Float64Array; put: Float64Array } {
  const q = impliedDividendYield(chain.rate, forward, chain.spot, chain.tYears);
  const vega = (sign: typeof CALL | typeof PUT, vol: Float64Array) => {
    const out = allocateGreeks(vol.length);
    priceBatch({ model: 'bsm', vol, ...sideColumns(chain.strikes, chain.spot, chain.tYears, chain.rate, q, sign) }, out);
    return out.vega;
  };
  return { call: vega(CALL, chain.call.iv), put: vega(PUT, chain.put.iv) };
}

/** √(w_SVI(k)/T) at each k, decimal; NaN without a fit. */
function fittedVols(fit: SviFit | null, k: Float64Array, tYears: number): Float64Array {
  return k.map((x) => (fit ? Math.sqrt(Math.max(sviTotalVariance(fit.params, x), 0) / tYears) : NaN));
}

/**
 * The SVI fit of the chain's OTM smile at each strike, decimal, refitted once
 * without the outliers of the first fit (see the module doc); NaN without a fit.
 */
export function robustSmileFit(chain: ChainSnapshot, forward: number | undefined, outlierFloorVolPoints: number): { forward: number; fittedIv: Float64Array } {
  const smile = chainSmile(chain, forward);
  const { logMoneyness: k, totalVariance: w, tYears } = smile;
  const first = fittedVols(fitSvi(k, w, tYears), k, tYears);
  const residuals = Array.from(first, (f, i) => Math.abs(100 * (f - smile.otmIv[i]))).filter((r) => Number.isFinite(r));
  if (residuals.length === 0) return { forward: smile.forward, fittedIv: first };
  const sorted = [...residuals].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1];
  const cut = Math.max(3 * median, outlierFloorVolPoints);
  const kept = w.map((x, i) => (Math.abs(100 * (first[i] - smile.otmIv[i])) > cut ? NaN : x));
  if (kept.filter((x) => x > 0).length < SVI_MIN_POINTS) return { forward: smile.forward, fittedIv: first };
  return { forward: smile.forward, fittedIv: fittedVols(fitSvi(k, kept, tYears), k, tYears) };
}

/** Rich and cheap options against the SVI fit of the chain's smile (see the module doc). */
export function smileOpportunities(chain: ChainSnapshot, forward: number | undefined, config = DEFAULT_OPPORTUNITY_CONFIG.smile): Opportunity[] {
  const { forward: f, fittedIv } = robustSmileFit(chain, forward, config.minEdgeVolPoints);
  if (!(f > 0)) return [];
  const vegas = sideVegas(chain, f);
  const found: Opportunity[] = [];
  for (let i = 0; i < chain.strikes.length; i++) {
    const strike = chain.strikes[i];
    const fitted = fittedIv[i];
    if (!(fitted > 0)) continue;
    const sides = strike < f ? (['put'] as const) : strike > f ? (['call'] as const) : (['call', 'put'] as const);
    for (const side of sides) {
      const quotes = chain[side];
      const [iv, bid, ask, vega] = [quotes.iv[i], quotes.bid[i], quotes.ask[i], vegas[side][i]];
      if (!(isUsableIv(iv) && bid > 0 && ask >= bid && vega > 0)) continue;
      const deviation = 100 * (iv - fitted);
      const halfSpread = (ask - bid) / 2 / vega;
      const edge = Math.abs(deviation) - halfSpread;
      if (!(edge >= config.minEdgeVolPoints)) continue;
      const rich = deviation > 0;
      found.push({
        kind: rich ? 'richVsSmile' : 'cheapVsSmile',
        symbol: chain.symbol,
        expiry: chain.expiry,
        timestamp: chain.timestamp,
        score: excessScore(edge - config.minEdgeVolPoints, config.halfScoreVolPoints),
        reason: `${side} ${strike}: IV ${round(100 * iv)} % is ${round(Math.abs(deviation))} vol points ${rich ? 'above' : 'below'} the fitted smile's ${round(100 * fitted)} %, ${round(edge)} beyond the half spread of ${round(halfSpread)} vol points`,
        values: {
          strike,
          marketIvDecimal: iv,
          fittedIvDecimal: fitted,
          deviationVolPoints: deviation,
          halfSpreadVolPoints: halfSpread,
          edgeVolPoints: edge,
          bidPoints: bid,
          askPoints: ask,
          vegaPointsPerVolPoint: vega,
        },
        legs: [option(side, strike, chain.expiry, rich ? 'sell' : 'buy')],
      });
    }
  }
  return found;
}

/** Conversions and reversals that survive the bid/ask (see the module doc); none without a futures price. */
export function parityOpportunities(chain: ChainSnapshot, config = DEFAULT_OPPORTUNITY_CONFIG.parity): Opportunity[] {
  const f = chain.future;
  if (!(f > 0) || !(chain.tYears >= 0)) return [];
  const discount = Math.exp(-chain.rate * chain.tYears);
  const h = config.futureHalfSpreadPoints;
  const found: Opportunity[] = [];
  for (let i = 0; i < chain.strikes.length; i++) {
    const strike = chain.strikes[i];
    const [cBid, cAsk, pBid, pAsk] = [chain.call.bid[i], chain.call.ask[i], chain.put.bid[i], chain.put.ask[i]];
    if (!(cBid > 0 && cAsk >= cBid && pBid > 0 && pAsk >= pBid)) continue;
    const candidates = [
      { kind: 'conversion' as const, edge: cBid - pAsk - (f + h - strike) * discount, legs: [option('call', strike, chain.expiry, 'sell'), option('put', strike, chain.expiry, 'buy'), future(chain.expiry, 'buy')] },
      { kind: 'reversal' as const, edge: pBid - cAsk + (f - h - strike) * discount, legs: [option('call', strike, chain.expiry, 'buy'), option('put', strike, chain.expiry, 'sell'), future(chain.expiry, 'sell')] },
    ];
    for (const { kind, edge, legs } of candidates) {
      if (!(edge >= config.minEdgePoints)) continue;
      found.push({
        kind,
        symbol: chain.symbol,
        expiry: chain.expiry,
        timestamp: chain.timestamp,
        score: excessScore(edge - config.minEdgePoints, config.halfScorePoints),
        reason: `${strike}: a ${kind} locks in ${round(edge)} points after the bid/ask (call ${cBid}/${cAsk}, put ${pBid}/${pAsk}, future ${round(f)} ± ${h})`,
        values: { strike, edgePoints: edge, callBidPoints: cBid, callAskPoints: cAsk, putBidPoints: pBid, putAskPoints: pAsk, futurePoints: f, futureHalfSpreadPoints: h, discountFactor: discount },
        legs,
      });
    }
  }
  return found;
}

/** What term-structure inversion needs of one expiry's chain. */
export interface ExpiryAtm {
  expiry: string;
  timestamp: number;
  tYears: number;
  /** ATM IV, decimal. */
  atmIv: number | null;
  /** ATM strike, index points. */
  atmStrike: number | null;
  /** Listed strikes, index points. */
  strikes: ArrayLike<number>;
}

/** The strike listed in both `a` and `b` nearest `target`, or NaN. */
function nearestCommonStrike(target: number, a: ArrayLike<number>, b: ArrayLike<number>): number {
  const inB = new Set(Array.from(b));
  let best = NaN;
  for (const strike of Array.from(a)) if (inB.has(strike) && !(Math.abs(strike - target) >= Math.abs(best - target))) best = strike;
  return best;
}

/** A front ATM IV above the next expiry's (see the module doc); null when it is not inverted by the threshold. */
export function termInversion(symbol: string, front: ExpiryAtm, next: ExpiryAtm, config = DEFAULT_OPPORTUNITY_CONFIG.term): Opportunity | null {
  if (!(front.atmIv !== null && next.atmIv !== null && isUsableIv(front.atmIv) && isUsableIv(next.atmIv) && front.atmStrike !== null)) return null;
  const inversion = 100 * (front.atmIv - next.atmIv);
  if (!(inversion >= config.minInversionVolPoints)) return null;
  const strike = nearestCommonStrike(front.atmStrike, front.strikes, next.strikes);
  if (Number.isNaN(strike)) return null;
  const term = termStructure(Float64Array.of(front.tYears, next.tYears), Float64Array.of(front.atmIv, next.atmIv));
  return {
    kind: 'termInversion',
    symbol,
    expiry: front.expiry,
    timestamp: front.timestamp,
    score: excessScore(inversion - config.minInversionVolPoints, config.halfScoreVolPoints),
    reason: `${front.expiry} ATM IV ${round(100 * front.atmIv)} % is ${round(inversion)} vol points above ${next.expiry}'s ${round(100 * next.atmIv)} %${term.calendarArbitrage[1] ? ' (total variance falls: a calendar arbitrage on the ATM line)' : ''}: a call calendar at ${strike}`,
    values: {
      strike,
      inversionVolPoints: inversion,
      frontAtmIvDecimal: front.atmIv,
      nextAtmIvDecimal: next.atmIv,
      frontTYears: front.tYears,
      nextTYears: next.tYears,
      totalVarianceFalls: term.calendarArbitrage[1],
    },
    legs: [option('call', strike, front.expiry, 'sell'), option('call', strike, next.expiry, 'buy')],
  };
}

/** What the IV-rank kinds need: the expiry's ATM and the stored rank. */
export interface IvRankInput {
  symbol: string;
  expiry: string;
  timestamp: number;
  atmStrike: number | null;
  /** 0–100, null without enough history. */
  ivRank: number | null;
  ivPercentile: number | null;
  daysUsed: number;
  /** ATM IV, decimal. */
  atmIv: number | null;
}

/** Selling premium at a high IV rank, buying it at a low one (see the module doc); null in between or without a rank. */
export function ivRankOpportunity(input: IvRankInput, config = DEFAULT_OPPORTUNITY_CONFIG.ivRank): Opportunity | null {
  const { ivRank, atmStrike } = input;
  if (ivRank === null || atmStrike === null || !Number.isFinite(ivRank)) return null;
  const high = ivRank >= config.high;
  if (!high && !(ivRank <= config.low)) return null;
  const excess = high ? ivRank - config.high : config.low - ivRank;
  const action = high ? 'sell' : 'buy';
  return {
    kind: high ? 'ivRankHigh' : 'ivRankLow',
    symbol: input.symbol,
    expiry: input.expiry,
    timestamp: input.timestamp,
    score: excessScore(excess, config.halfScoreRank),
    reason: `IV rank ${round(ivRank, 0)} over ${input.daysUsed} days is ${high ? `at or above ${config.high}: sell` : `at or below ${config.low}: buy`} premium, the ${atmStrike} straddle`,
    values: {
      strike: atmStrike,
      ivRank,
      ...(input.ivPercentile !== null ? { ivPercentile: input.ivPercentile } : {}),
      ...(input.atmIv !== null ? { atmIvDecimal: input.atmIv } : {}),
      historyDays: input.daysUsed,
    },
    legs: [option('call', atmStrike, input.expiry, action), option('put', atmStrike, input.expiry, action)],
  };
}

export const UNUSUAL_EVENT_KINDS = ['unusual_oi_change', 'unusual_premium_turnover', 'far_otm_writing', 'iv_jump_with_oi_build'] as const;

/** Unusual activity on the defending side of a zone of its expiry (see the module doc). */
export function unusualAtZones(events: readonly IntelligenceEvent[], zones: { support: readonly Zone[]; resistance: readonly Zone[] }, config = DEFAULT_OPPORTUNITY_CONFIG.unusual): Opportunity[] {
  const found: Opportunity[] = [];
  for (const event of events) {
    if (!(UNUSUAL_EVENT_KINDS as readonly string[]).includes(event.kind) || event.strike === null || event.expiry === null) continue;
    const side = event.side === 'put' ? 'support' : event.side === 'call' ? 'resistance' : null;
    if (side === null) continue;
    const zone = zones[side].find((z) => event.strike! >= z.lowStrike && event.strike! <= z.highStrike);
    if (!zone) continue;
    const excess = event.score * zone.strength;
    found.push({
      kind: 'unusualAtZone',
      symbol: event.symbol,
      expiry: event.expiry,
      timestamp: event.timestamp,
      score: excessScore(excess, config.halfScore),
      reason: `${event.reason}, inside the ${side} zone ${zone.lowStrike}–${zone.highStrike} (strength ${round(zone.strength)})`,
      values: { strike: event.strike, eventScore: event.score, zoneStrength: zone.strength, zoneLowStrike: zone.lowStrike, zoneHighStrike: zone.highStrike, ...event.values },
      legs: [option(event.side as 'call' | 'put', event.strike, event.expiry, 'sell')],
    });
  }
  return found;
}

/**
 * Where an opportunity sits in the ranking: score (highest first), then
 * symbol, expiry, kind, strike, first leg's side and instant, so the order is
 * total and stable and a page's last key (a cursor) finds where the next
 * page starts even when the list changed in between.
 */
export type RankKey = [score: number, symbol: string, expiry: string, kind: number, strike: number, side: string, timestamp: number];

export function rankKey(o: Opportunity): RankKey {
  return [o.score, o.symbol, o.expiry, OPPORTUNITY_KINDS.indexOf(o.kind), o.values.strike ?? 0, o.legs[0]?.side ?? '', o.timestamp];
}

/** Below 0 when `a` ranks before `b`. */
export function compareRankKeys(a: RankKey, b: RankKey): number {
  return b[0] - a[0] || a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]) || a[3] - b[3] || a[4] - b[4] || a[5].localeCompare(b[5]) || a[6] - b[6];
}

/** The opportunities in rank order (see RankKey), sorted in place. */
export function rankOpportunities(found: Opportunity[]): Opportunity[] {
  return found.sort((a, b) => compareRankKeys(rankKey(a), rankKey(b)));
}
