/**
 * For the intelligence tests: enriched snapshots built by hand. Quotes not
 * given are absent (null sides); quote fields not given are null; chain
 * analytics not given are null/0. Times are IST wall-clock on a session day.
 */
import type { ChainAnalytics, EnrichedQuote, EnrichedRow, EnrichedSnapshot } from '../models.ts';
import { IST_OFFSET_MINUTES } from '../time/expiry.ts';

export type QuoteFields = Partial<EnrichedQuote>;

export function quote(fields: QuoteFields): EnrichedQuote {
  return {
    ltp: null,
    bid: null,
    ask: null,
    previousClose: null,
    bidQty: null,
    askQty: null,
    volume: null,
    oi: null,
    oiChange: null,
    iv: null,
    delta: null,
    gamma: null,
    theta: null,
    vega: null,
    rho: null,
    vanna: null,
    charm: null,
    vomma: null,
    theoreticalPrice: null,
    sourceIv: null,
    sourceDelta: null,
    quality: null,
    ...fields,
  };
}

/** Epoch ms of `hh:mm:ss` IST on `date` (YYYY-MM-DD). */
export function ist(date: string, time: string): number {
  const [h, m, s = '0'] = time.split(':');
  const [y, mo, d] = date.split('-').map(Number);
  return Date.UTC(y, mo - 1, d, Number(h), Number(m), Number(s)) - IST_OFFSET_MINUTES * 60_000;
}

export function emptyAnalytics(fields: Partial<ChainAnalytics> = {}): ChainAnalytics {
  return {
    pcrOi: null,
    pcrVolume: null,
    pcrOiChange: null,
    maxPain: null,
    atmStrike: null,
    atmIv: null,
    straddlePrice: null,
    expectedMove: null,
    oneSigmaMove: null,
    riskReversal25: null,
    butterfly25: null,
    putCallSkew: null,
    totalGex: null,
    gammaFlip: null,
    gexConvention: 'dealer-long-calls-short-puts',
    callWall: null,
    putWall: null,
    totalCallOi: 0,
    totalPutOi: 0,
    support: [],
    resistance: [],
    basis: null,
    carryRate: null,
    ...fields,
  };
}

export interface TestRow {
  strike: number;
  call?: QuoteFields | null;
  put?: QuoteFields | null;
}

export function testSnapshot(
  timestamp: number,
  rows: TestRow[],
  fields: Partial<Omit<EnrichedSnapshot, 'rows' | 'timestamp'>> = {},
): EnrichedSnapshot {
  const enriched: EnrichedRow[] = rows.map((r) => ({
    strike: r.strike,
    call: r.call ? quote(r.call) : null,
    put: r.put ? quote(r.put) : null,
  }));
  return {
    version: 2,
    id: `test-${timestamp}`,
    source: 'simulator',
    symbol: 'TEST',
    expiry: '2026-12-29',
    timestamp,
    processedAt: timestamp,
    spot: 100,
    future: null,
    vix: null,
    forward: null,
    forwardSource: 'none',
    tYears: 0.1,
    rate: 0.065,
    lotSize: 65,
    analytics: emptyAnalytics(),
    rejects: {},
    ...fields,
    rows: enriched,
  };
}
