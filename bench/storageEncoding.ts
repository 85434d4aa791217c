/**
 * The candidates for keeping a snapshot's option rows in the embedded store,
 * measured on the same simulator chains (5 symbols × 2 expiries × 41
 * strikes, both sides, one tick a second): bytes per option row of the
 * block, and option rows per second packed and unpacked on one core. Every
 * candidate is lossless; the one db/queries/writeSnapshots.ts uses is
 * core/packedQuotes.ts with its defaults (the last row).
 *
 * What a block costs on disk beside this (the snapshot's own row, TOAST,
 * index entries, WAL) is in the pipeline and retention tables of
 * `npm run bench`.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { EnrichedQuote, EnrichedSnapshot } from '../core/models.ts';
import { packQuotes, unpackQuotes, type PackOptions } from '../core/packedQuotes.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';

export interface EncodingCandidate {
  candidate: string;
  bytesPerRow: number;
  packRowsPerSecond: number;
  unpackRowsPerSecond: number;
}

const NUMBER_FIELDS = [
  'ltp', 'bid', 'ask', 'previousClose', 'bidQty', 'askQty', 'volume', 'oi', 'oiChange', 'iv', 'delta', 'gamma', 'theta', 'vega', 'rho', 'vanna', 'charm', 'vomma',
  'theoreticalPrice', 'sourceIv', 'sourceDelta',
] as const satisfies readonly (keyof EnrichedQuote)[];

/** Every number of every quote as a double (NaN for null), the strike first: the row-per-option layout without its row overhead. */
function doublesOf(s: EnrichedSnapshot): Uint8Array {
  const sides = s.rows.flatMap((r) => [r.call, r.put].filter((q): q is EnrichedQuote => q !== null).map((q) => [r.strike, q] as const));
  const out = new Float64Array(sides.length * (NUMBER_FIELDS.length + 1));
  let k = 0;
  for (const [strike, q] of sides) {
    out[k++] = strike;
    for (const f of NUMBER_FIELDS) out[k++] = q[f] ?? NaN;
  }
  return new Uint8Array(out.buffer);
}

function measure(snapshots: EnrichedSnapshot[], rows: number, candidate: string, pack: (s: EnrichedSnapshot) => Uint8Array, unpack: (s: EnrichedSnapshot, block: Uint8Array) => unknown): EncodingCandidate {
  // A warm-up pass, then the timed one.
  let blocks = snapshots.map(pack);
  let started = performance.now();
  blocks = snapshots.map(pack);
  const packSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  snapshots.forEach((s, i) => unpack(s, blocks[i]));
  const unpackSeconds = (performance.now() - started) / 1000;
  const bytes = blocks.reduce((n, b) => n + b.length, 0);
  return { candidate, bytesPerRow: bytes / rows, packRowsPerSecond: rows / packSeconds, unpackRowsPerSecond: rows / unpackSeconds };
}

export function runStorageEncodingBench(ticks = 60): EncodingCandidate[] {
  const snapshots = simulatedEnrichedSnapshots(ticks, {
    symbols: ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX'],
    expiriesPerSymbol: 2,
    strikesEachSide: 20,
    seed: 17,
    secondsPerTick: 1,
  });
  const rows = snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);
  const context = (s: EnrichedSnapshot) => ({ spot: s.spot, tYears: s.tYears, rate: s.rate, forward: s.forward });
  const packed = (options: PackOptions) => [(s: EnrichedSnapshot) => packQuotes(context(s), s.rows, options), (s: EnrichedSnapshot, b: Uint8Array) => unpackQuotes(context(s), b)] as const;
  return [
    measure(snapshots, rows, '21 doubles a row (strike + 20 fields), as stored', doublesOf, (_s, b) => new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8)),
    measure(snapshots, rows, '21 doubles a row, deflated', (s) => deflateRawSync(doublesOf(s)), (_s, b) => inflateRawSync(b)),
    measure(snapshots, rows, 'typed columns (paise, integers, IV as doubles), Greeks stored, deflated', ...packed({ storeGreeks: true })),
    measure(snapshots, rows, 'typed columns, Greeks recomputed from IV, not compressed', ...packed({ level: 0 })),
    measure(snapshots, rows, 'typed columns, Greeks recomputed, deflate level 6', ...packed({ level: 6 })),
    measure(snapshots, rows, 'typed columns, Greeks recomputed, deflate level 1 (chosen)', ...packed({})),
  ];
}
