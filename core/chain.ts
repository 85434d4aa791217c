/**
 * One option-chain snapshot (one underlying, one expiry, one instant) as
 * struct-of-arrays columns, indexed by strike in ascending order.
 *
 * Units: prices in index points (rupees per unit of the underlying), IV as a
 * decimal (0.15 = 15 %), OI and volume in contracts as the exchange reports
 * them (`lotSize` units each), bid and ask quantities in units of the
 * underlying. A missing value is NaN, never 0: 0 is a real OI or volume.
 */
import type { EnrichedSnapshot } from './models.ts';

export interface ChainSide {
  ltp: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
  bidQty: Float64Array;
  askQty: Float64Array;
  volume: Float64Array;
  oi: Float64Array;
  /** OI change since the previous session's close. */
  oiChange: Float64Array;
  /** Implied volatility, decimal; NaN where it could not be solved. */
  iv: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
}

export interface ChainSnapshot {
  symbol: string;
  /** Expiry date, YYYY-MM-DD (the contract expires at 15:30 IST that day). */
  expiry: string;
  /** Snapshot instant, epoch milliseconds. */
  timestamp: number;
  spot: number;
  /** Futures price for the same expiry; NaN when the source has none. */
  future: number;
  /** ACT/365 years from `timestamp` to the expiry instant. */
  tYears: number;
  /** Risk-free rate, decimal, continuously compounded. */
  rate: number;
  /** Units of the underlying per contract of this expiry on this date, for exposure figures. */
  lotSize: number;
  strikes: Float64Array;
  call: ChainSide;
  put: ChainSide;
}

/** The quote columns of a side, as the feed and the enriched rows name them. */
export const SIDE_COLUMNS = ['ltp', 'bid', 'ask', 'bidQty', 'askQty', 'volume', 'oi', 'oiChange', 'iv', 'delta', 'gamma'] as const;

/**
 * The column view of an enriched (or stored, read back) snapshot: what the
 * processor computed its analytics from, with the enriched IVs and Greeks.
 * The IV of a side with a quality flag is NaN, as it was for the analytics
 * (an IV outlier keeps its IV in the quote, not in the smile). A side the
 * feed did not send is NaN throughout.
 */
export function chainColumns(enriched: EnrichedSnapshot): ChainSnapshot {
  const n = enriched.rows.length;
  const chain: ChainSnapshot = {
    symbol: enriched.symbol,
    expiry: enriched.expiry,
    timestamp: enriched.timestamp,
    spot: enriched.spot,
    future: enriched.future ?? NaN,
    tYears: enriched.tYears,
    rate: enriched.rate,
    lotSize: enriched.lotSize,
    strikes: Float64Array.from(enriched.rows, (r) => r.strike),
    call: allocateSide(n),
    put: allocateSide(n),
  };
  enriched.rows.forEach((row, i) => {
    for (const [side, quote] of [
      [chain.call, row.call],
      [chain.put, row.put],
    ] as const) {
      if (!quote) continue;
      for (const key of SIDE_COLUMNS) side[key][i] = quote[key] ?? NaN;
      if (quote.quality !== null) side.iv[i] = NaN;
    }
  });
  return chain;
}

export function allocateSide(n: number): ChainSide {
  const side = {} as ChainSide;
  for (const column of SIDE_COLUMNS) side[column] = new Float64Array(n).fill(NaN);
  return side;
}

/** An IV a feed or solver can stand behind: finite and > 0 (feeds send 0 where they could not solve). */
export function isUsableIv(iv: number): boolean {
  return iv > 0 && iv < Infinity;
}
