/**
 * Bulk write of enriched snapshots: one INSERT … SELECT FROM unnest(…) per
 * table per batch, each column sent as one array parameter, inside one
 * transaction, idempotent on the natural keys (ON CONFLICT DO NOTHING) so a
 * replayed message never duplicates a row.
 *
 * Why not Drizzle's insert builder: it builds one parameter per value, and at
 * tens of thousands of values per batch the query building alone dominated
 * the storage role. Arrays keep a batch at a fixed 27 parameters whatever its
 * size, on PGlite and PostgreSQL alike.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import type { EnrichedQuote, EnrichedSnapshot } from '../../core/models.ts';

export interface WriteResult {
  snapshots: number;
  quotes: number;
}

const QUOTE_NUMBERS = [
  'ltp',
  'bid',
  'ask',
  'bidQty',
  'askQty',
  'volume',
  'oi',
  'oiChange',
  'iv',
  'delta',
  'gamma',
  'theta',
  'vega',
  'rho',
  'vanna',
  'charm',
  'vomma',
  'theoreticalPrice',
  'sourceIv',
  'sourceDelta',
] as const satisfies readonly (keyof EnrichedQuote)[];

export async function writeSnapshots(db: Database, snapshots: readonly EnrichedSnapshot[]): Promise<WriteResult> {
  if (snapshots.length === 0) return { snapshots: 0, quotes: 0 };

  const quoteTs: number[] = [];
  const quoteSymbol: string[] = [];
  const quoteExpiry: string[] = [];
  const quoteStrike: number[] = [];
  const quoteType: string[] = [];
  const quoteQuality: (string | null)[] = [];
  const quoteNumbers = QUOTE_NUMBERS.map(() => [] as (number | null)[]);
  const addQuote = (s: EnrichedSnapshot, strike: number, type: 'CE' | 'PE', q: EnrichedQuote) => {
    quoteTs.push(s.timestamp);
    quoteSymbol.push(s.symbol);
    quoteExpiry.push(s.expiry);
    quoteStrike.push(strike);
    quoteType.push(type);
    quoteQuality.push(q.quality);
    for (let c = 0; c < QUOTE_NUMBERS.length; c++) quoteNumbers[c].push(q[QUOTE_NUMBERS[c]]);
  };
  for (const s of snapshots) {
    for (const row of s.rows) {
      if (row.call) addQuote(s, row.strike, 'CE', row.call);
      if (row.put) addQuote(s, row.strike, 'PE', row.put);
    }
  }

  const a = (s: EnrichedSnapshot) => s.analytics;
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      insert into chain_snapshots (ts, symbol, expiry, snapshot_id, source, spot, future, forward, forward_source, vix, t_years, rate, lot_size,
        analytics, pcr_oi, pcr_volume, max_pain, atm_strike, atm_iv, total_gex, gamma_flip, total_call_oi, total_put_oi, rejects, processed_at)
      select to_timestamp(ts / 1000.0), symbol, expiry::date, snapshot_id, source, spot, future, forward, forward_source, vix, t_years, rate, lot_size,
        analytics::jsonb, pcr_oi, pcr_volume, max_pain, atm_strike, atm_iv, total_gex, gamma_flip, total_call_oi, total_put_oi, rejects::jsonb,
        to_timestamp(processed_at / 1000.0)
      from unnest(
        ${floats(snapshots.map((s) => s.timestamp))}::float8[], ${texts(snapshots.map((s) => s.symbol))}::text[],
        ${texts(snapshots.map((s) => s.expiry))}::text[], ${texts(snapshots.map((s) => s.id))}::text[],
        ${texts(snapshots.map((s) => s.source))}::text[], ${floats(snapshots.map((s) => s.spot))}::float8[],
        ${floats(snapshots.map((s) => s.future))}::float8[], ${floats(snapshots.map((s) => s.forward))}::float8[],
        ${texts(snapshots.map((s) => s.forwardSource))}::text[], ${floats(snapshots.map((s) => s.vix))}::float8[],
        ${floats(snapshots.map((s) => s.tYears))}::float8[], ${floats(snapshots.map((s) => s.rate))}::float8[],
        ${floats(snapshots.map((s) => s.lotSize))}::int[], ${texts(snapshots.map((s) => JSON.stringify(a(s))))}::text[],
        ${floats(snapshots.map((s) => a(s).pcrOi))}::float8[], ${floats(snapshots.map((s) => a(s).pcrVolume))}::float8[],
        ${floats(snapshots.map((s) => a(s).maxPain))}::float8[], ${floats(snapshots.map((s) => a(s).atmStrike))}::float8[],
        ${floats(snapshots.map((s) => a(s).atmIv))}::float8[], ${floats(snapshots.map((s) => a(s).totalGex))}::float8[],
        ${floats(snapshots.map((s) => a(s).gammaFlip))}::float8[], ${floats(snapshots.map((s) => a(s).totalCallOi))}::float8[],
        ${floats(snapshots.map((s) => a(s).totalPutOi))}::float8[], ${texts(snapshots.map((s) => JSON.stringify(s.rejects)))}::text[],
        ${floats(snapshots.map((s) => s.processedAt))}::float8[]
      ) as t(ts, symbol, expiry, snapshot_id, source, spot, future, forward, forward_source, vix, t_years, rate, lot_size,
        analytics, pcr_oi, pcr_volume, max_pain, atm_strike, atm_iv, total_gex, gamma_flip, total_call_oi, total_put_oi, rejects, processed_at)
      on conflict do nothing`);
    if (quoteTs.length === 0) return;
    const n = quoteNumbers.map((column) => floats(column));
    await tx.execute(sql`
      insert into option_quotes (ts, symbol, expiry, strike, option_type, ltp, bid, ask, bid_qty, ask_qty, volume, oi, oi_change, iv,
        delta, gamma, theta, vega, rho, vanna, charm, vomma, theoretical_price, source_iv, source_delta, quality)
      select to_timestamp(ts / 1000.0), symbol, expiry::date, strike, option_type, ltp, bid, ask, bid_qty, ask_qty, volume, oi, oi_change, iv,
        delta, gamma, theta, vega, rho, vanna, charm, vomma, theoretical_price, source_iv, source_delta, quality
      from unnest(
        ${floats(quoteTs)}::float8[], ${texts(quoteSymbol)}::text[], ${texts(quoteExpiry)}::text[], ${floats(quoteStrike)}::float8[],
        ${texts(quoteType)}::text[], ${n[0]}::float8[], ${n[1]}::float8[], ${n[2]}::float8[], ${n[3]}::float8[], ${n[4]}::float8[],
        ${n[5]}::float8[], ${n[6]}::float8[], ${n[7]}::float8[], ${n[8]}::float8[], ${n[9]}::float8[], ${n[10]}::float8[],
        ${n[11]}::float8[], ${n[12]}::float8[], ${n[13]}::float8[], ${n[14]}::float8[], ${n[15]}::float8[], ${n[16]}::float8[],
        ${n[17]}::float8[], ${n[18]}::float8[], ${n[19]}::float8[], ${texts(quoteQuality)}::text[]
      ) as t(ts, symbol, expiry, strike, option_type, ltp, bid, ask, bid_qty, ask_qty, volume, oi, oi_change, iv,
        delta, gamma, theta, vega, rho, vanna, charm, vomma, theoretical_price, source_iv, source_delta, quality)
      on conflict do nothing`);
  });
  return { snapshots: snapshots.length, quotes: quoteTs.length };
}

/** A PostgreSQL array literal of numbers; null and non-finite values become NULL. */
function floats(values: readonly (number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v !== null && Number.isFinite(v) ? String(v) : 'NULL';
  }
  return `${out}}`;
}

/** A PostgreSQL array literal of strings, each quoted and escaped; null becomes NULL. */
function texts(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}
