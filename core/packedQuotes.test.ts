import { describe, expect, it } from 'vitest';
import { packQuotes, unpackQuotes, PackedQuotesError, type PackedChainContext } from './packedQuotes.ts';
import type { EnrichedQuote, EnrichedRow, EnrichedSnapshot } from './models.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';

const contextOf = (s: EnrichedSnapshot): PackedChainContext => ({ spot: s.spot, tYears: s.tYears, rate: s.rate, forward: s.forward });

/** Every number as its IEEE bits (so -0 ≠ 0 and NaN would show), nulls as null. */
function bits(rows: EnrichedRow[]): unknown {
  const view = new DataView(new ArrayBuffer(8));
  const hex = (v: unknown) => {
    if (typeof v !== 'number') return v;
    view.setFloat64(0, v);
    return view.getBigUint64(0).toString(16);
  };
  const side = (q: EnrichedQuote | null) => q && Object.fromEntries(Object.entries(q).map(([k, v]) => [k, hex(v)]));
  return rows.map((r) => ({ strike: hex(r.strike), call: side(r.call), put: side(r.put) }));
}

function quoteOf(overrides: Partial<EnrichedQuote>): EnrichedQuote {
  return {
    ltp: 101.05, bid: 101, ask: 101.1, previousClose: 96.4, bidQty: 750, askQty: 1500, volume: 1234, oi: 56_789, oiChange: -321, iv: 0.1432,
    delta: null, gamma: null, theta: null, vega: null, rho: null, vanna: null, charm: null, vomma: null, theoreticalPrice: null,
    sourceIv: null, sourceDelta: null, quality: null, ...overrides,
  };
}

describe('packed option rows', () => {
  const snapshots = simulatedEnrichedSnapshots(20, { symbols: ['NIFTY', 'BANKNIFTY', 'SENSEX'], expiriesPerSymbol: 2, strikesEachSide: 20, seed: 5 });

  it('gives back every simulator chain bit for bit, Greeks recomputed from the IVs', () => {
    for (const s of snapshots) expect(bits(unpackQuotes(contextOf(s), packQuotes(contextOf(s), s.rows)))).toEqual(bits(s.rows));
  });

  it('takes under 30 bytes an option row on simulator chains, compressed', () => {
    const rows = snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);
    const bytes = snapshots.reduce((n, s) => n + packQuotes(contextOf(s), s.rows).length, 0);
    expect(bytes / rows).toBeLessThan(30);
  });

  it('stores Greeks that do not match the recomputation as doubles, so reads serve what was written', () => {
    const s = snapshots[0];
    const tampered = s.rows.map((r, i) => (i === 3 && r.call ? { ...r, call: { ...r.call, delta: 0.123456789, theoreticalPrice: -0 } } : r));
    const read = unpackQuotes(contextOf(s), packQuotes(contextOf(s), tampered));
    expect(bits(read)).toEqual(bits(tampered));
    expect(Object.is(read[3].call!.theoreticalPrice, -0)).toBe(true);
  });

  it('keeps prices off the paise grid, fractional quantities, huge integers, -0 and absent sides exactly', () => {
    const context: PackedChainContext = { spot: 24_000, tYears: 0.02, rate: 0.065, forward: null };
    const rows: EnrichedRow[] = [
      { strike: 23_950, call: quoteOf({ ltp: 101.0500001, bidQty: 0.5, oi: 2 ** 60, oiChange: -0, quality: 'crossed' }), put: null },
      { strike: 24_000.5, call: null, put: quoteOf({ iv: null, sourceIv: 0.15, sourceDelta: -0.48, quality: 'stale' }) },
      { strike: 24_100, call: quoteOf({ ltp: null, bid: null, ask: null, previousClose: null, volume: null }), put: quoteOf({ previousClose: 96.4000001, quality: 'crossed' }) },
    ];
    expect(bits(unpackQuotes(context, packQuotes(context, rows)))).toEqual(bits(rows));
    expect(bits(unpackQuotes(context, packQuotes(context, rows, { level: 0 })))).toEqual(bits(rows));
    expect(unpackQuotes(context, packQuotes(context, []))).toEqual([]);
  });

  it('gives back the previous close of each side, null where there was none', () => {
    const context: PackedChainContext = { spot: 24_000, tYears: 0.02, rate: 0.065, forward: null };
    const rows: EnrichedRow[] = [
      { strike: 23_950, call: quoteOf({ previousClose: 180.35 }), put: quoteOf({ previousClose: null }) },
      { strike: 24_000, call: quoteOf({ previousClose: 150.05 }), put: quoteOf({ previousClose: 0.05 }) },
    ];
    const read = unpackQuotes(context, packQuotes(context, rows));
    expect(read.map((r) => [r.call?.previousClose, r.put?.previousClose])).toEqual([[180.35, null], [150.05, 0.05]]);
    expect(bits(read)).toEqual(bits(rows));
  });

  it('reads a block of format version 1 (written before the previous close was stored), its previous closes null', () => {
    // Written by the version 1 packer (commit b67801f) from the rows below without previousClose.
    const v1 =
      '01014d8ca10e40601800ffc3af888ce691bc83edd7349e40510545102549b4791541f402249b7dcce6c2b53b0bfac3cab031f5421b63f61e309798d503e608187c603c5da0d2d0245328de02f503b375bc877720bde4523f71a59552f687832eca34cfb801';
    const context: PackedChainContext = { spot: 24_000, tYears: 0.02, rate: 0.065, forward: null };
    const rows: EnrichedRow[] = [
      { strike: 23_950, call: quoteOf({ ltp: 120.35, sourceIv: 0.1328, previousClose: null }), put: null },
      { strike: 24_000, call: quoteOf({ previousClose: null }), put: quoteOf({ ltp: 98.4, iv: null, quality: 'stale', previousClose: null }) },
    ];
    const block = Uint8Array.from(Buffer.from(v1, 'hex'));
    expect(block[0]).toBe(1);
    expect(bits(unpackQuotes(context, block))).toEqual(bits(rows));
    // What this build writes is version 2, and reads back with the closes.
    const current = packQuotes(context, rows.map((r) => ({ ...r, call: r.call && { ...r.call, previousClose: 118.2 } })));
    expect(current[0]).toBe(2);
    expect(unpackQuotes(context, current).map((r) => r.call?.previousClose)).toEqual([118.2, 118.2]);
  });

  it('refuses strikes out of order, and blocks it cannot read, with the reason', () => {
    const context: PackedChainContext = { spot: 24_000, tYears: 0.02, rate: 0.065, forward: 24_050 };
    expect(() => packQuotes(context, [{ strike: 2, call: null, put: null }, { strike: 1, call: null, put: null }])).toThrow(/strikes must ascend/);
    const block = packQuotes(context, [{ strike: 1, call: quoteOf({}), put: null }]);
    expect(() => unpackQuotes(context, Uint8Array.of(9, ...block.subarray(1)))).toThrow(/unsupported packed quotes version 9 \(this build reads 1 to 2\)/);
    const plain = packQuotes(context, [{ strike: 1, call: quoteOf({}), put: null }], { level: 0 });
    expect(() => unpackQuotes(context, plain.subarray(0, plain.length - 3))).toThrow(PackedQuotesError);
  });
});
