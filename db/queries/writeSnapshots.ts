/**
 * The embedded store's bulk write (PGlite): one row per snapshot in
 * chain_snapshots, its option rows packed into one block beside it
 * (core/packedQuotes.ts), in one INSERT … SELECT FROM unnest(…) per batch,
 * each column sent as one array parameter, idempotent on the natural key
 * (ON CONFLICT DO NOTHING) so a replayed message never duplicates a row.
 *
 * Why packed here and rows on PostgreSQL (copySnapshots.ts): PGlite runs
 * Postgres as WebAssembly on one thread, where a row per option (82 for a
 * 41-strike chain) was most of the storage role's time and ~400 bytes of
 * disk each; a block is one tuple per snapshot at ~25 bytes an option row
 * (bench/storageEncoding.ts). PostgreSQL/TimescaleDB keep option_quotes for
 * their aggregates and compression. Readers handle both shapes
 * (readChain.ts, expireRaw.ts).
 *
 * Why not Drizzle's insert builder: it builds one parameter per value;
 * arrays keep a batch at a fixed 27 parameters whatever its size.
 */
import { sql } from 'drizzle-orm';
import type { Database } from '../client.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';
import { packQuotes } from '../../core/packedQuotes.ts';

export interface WriteResult {
  snapshots: number;
  quotes: number;
}

export async function writeSnapshots(db: Database, snapshots: readonly EnrichedSnapshot[]): Promise<WriteResult> {
  if (snapshots.length === 0) return { snapshots: 0, quotes: 0 };
  const packed: string[] = [];
  const counts: number[] = [];
  let quotes = 0;
  for (const s of snapshots) {
    const block = packQuotes({ spot: s.spot, tYears: s.tYears, rate: s.rate, forward: s.forward }, s.rows);
    packed.push(Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('hex'));
    const count = s.rows.reduce((n, r) => n + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0);
    counts.push(count);
    quotes += count;
  }

  const a = (s: EnrichedSnapshot) => s.analytics;
  await db.execute(sql`
      insert into chain_snapshots (ts, symbol, expiry, snapshot_id, source, spot, future, forward, forward_source, vix, t_years, rate, lot_size,
        analytics, pcr_oi, pcr_volume, max_pain, atm_strike, atm_iv, total_gex, gamma_flip, total_call_oi, total_put_oi, rejects, processed_at,
        packed_quotes, packed_quote_count)
      select to_timestamp(ts / 1000.0), symbol, expiry::date, snapshot_id, source, spot, future, forward, forward_source, vix, t_years, rate, lot_size,
        analytics::jsonb, pcr_oi, pcr_volume, max_pain, atm_strike, atm_iv, total_gex, gamma_flip, total_call_oi, total_put_oi, rejects::jsonb,
        to_timestamp(processed_at / 1000.0), decode(packed_quotes, 'hex'), packed_quote_count
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
        ${floats(snapshots.map((s) => s.processedAt))}::float8[], ${texts(packed)}::text[], ${floats(counts)}::int[]
      ) as t(ts, symbol, expiry, snapshot_id, source, spot, future, forward, forward_source, vix, t_years, rate, lot_size,
        analytics, pcr_oi, pcr_volume, max_pain, atm_strike, atm_iv, total_gex, gamma_flip, total_call_oi, total_put_oi, rejects, processed_at,
        packed_quotes, packed_quote_count)
      on conflict do nothing`);
  return { snapshots: snapshots.length, quotes };
}

/** A PostgreSQL array literal of numbers; null and non-finite values become NULL. */
export function floats(values: readonly (number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v !== null && Number.isFinite(v) ? String(v) : 'NULL';
  }
  return `${out}}`;
}

/** A PostgreSQL array literal of strings, each quoted and escaped; null becomes NULL. */
export function texts(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    out += v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `${out}}`;
}
