/**
 * The PostgreSQL bulk path of the storage role: COPY into per-session staging
 * tables, then one INSERT … SELECT … ON CONFLICT DO NOTHING per table, all in
 * one transaction. COPY is PostgreSQL's fastest way in (no per-value
 * parameters, no array literals to parse); the staging step keeps the write
 * idempotent on the natural keys, which COPY alone cannot be.
 *
 * PGlite keeps the unnest path (writeSnapshots.ts): its COPY reads from a
 * blob, and it is not where throughput matters.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import type { EnrichedQuote, EnrichedSnapshot } from '../../core/models.ts';
import type { WriteResult } from './writeSnapshots.ts';

const QUOTE_COLUMNS = [
  'ts', 'symbol', 'expiry', 'strike', 'option_type', 'ltp', 'bid', 'ask', 'bid_qty', 'ask_qty', 'volume', 'oi', 'oi_change', 'iv',
  'delta', 'gamma', 'theta', 'vega', 'rho', 'vanna', 'charm', 'vomma', 'theoretical_price', 'source_iv', 'source_delta', 'quality',
] as const;

const QUOTE_NUMBERS = [
  'ltp', 'bid', 'ask', 'bidQty', 'askQty', 'volume', 'oi', 'oiChange', 'iv', 'delta', 'gamma', 'theta', 'vega', 'rho',
  'vanna', 'charm', 'vomma', 'theoreticalPrice', 'sourceIv', 'sourceDelta',
] as const satisfies readonly (keyof EnrichedQuote)[];

const SNAPSHOT_COLUMNS = [
  'ts', 'symbol', 'expiry', 'snapshot_id', 'source', 'spot', 'future', 'forward', 'forward_source', 'vix', 't_years', 'rate', 'lot_size',
  'analytics', 'pcr_oi', 'pcr_volume', 'max_pain', 'atm_strike', 'atm_iv', 'total_gex', 'gamma_flip', 'total_call_oi', 'total_put_oi',
  'rejects', 'processed_at',
] as const;

/** Rows per chunk handed to the COPY stream. */
const LINES_PER_CHUNK = 2_000;

export async function copySnapshots(sql: postgres.Sql, snapshots: readonly EnrichedSnapshot[]): Promise<WriteResult> {
  if (snapshots.length === 0) return { snapshots: 0, quotes: 0 };
  let quotes = 0;
  for (const s of snapshots) for (const r of s.rows) quotes += (r.call ? 1 : 0) + (r.put ? 1 : 0);
  await sql.begin(async (tx) => {
    // Session-local staging tables, emptied at every commit.
    await tx.unsafe(`create temp table if not exists stage_chain_snapshots (like chain_snapshots) on commit delete rows`);
    await tx.unsafe(`create temp table if not exists stage_option_quotes (like option_quotes) on commit delete rows`);
    await copyInto(tx, 'stage_chain_snapshots', SNAPSHOT_COLUMNS, snapshotLines(snapshots));
    await copyInto(tx, 'stage_option_quotes', QUOTE_COLUMNS, quoteLines(snapshots));
    await tx.unsafe(`insert into chain_snapshots select * from stage_chain_snapshots on conflict do nothing`);
    await tx.unsafe(`insert into option_quotes select * from stage_option_quotes on conflict do nothing`);
  });
  return { snapshots: snapshots.length, quotes };
}

async function copyInto(tx: postgres.TransactionSql, table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> {
  const writable = await tx.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
  await pipeline(Readable.from(chunks(lines)), writable);
}

function* chunks(lines: Iterable<string>): Generator<string> {
  let buffer = '';
  let count = 0;
  for (const line of lines) {
    buffer += line;
    if (++count === LINES_PER_CHUNK) {
      yield buffer;
      buffer = '';
      count = 0;
    }
  }
  if (buffer) yield buffer;
}

function* snapshotLines(snapshots: readonly EnrichedSnapshot[]): Generator<string> {
  for (const s of snapshots) {
    const a = s.analytics;
    yield `${[
      iso(s.timestamp), text(s.symbol), text(s.expiry), text(s.id), text(s.source), num(s.spot), num(s.future), num(s.forward),
      text(s.forwardSource), num(s.vix), num(s.tYears), num(s.rate), num(s.lotSize), text(JSON.stringify(a)), num(a.pcrOi),
      num(a.pcrVolume), num(a.maxPain), num(a.atmStrike), num(a.atmIv), num(a.totalGex), num(a.gammaFlip), num(a.totalCallOi),
      num(a.totalPutOi), text(JSON.stringify(s.rejects)), iso(s.processedAt),
    ].join('\t')}\n`;
  }
}

function* quoteLines(snapshots: readonly EnrichedSnapshot[]): Generator<string> {
  for (const s of snapshots) {
    const prefix = `${iso(s.timestamp)}\t${text(s.symbol)}\t${text(s.expiry)}\t`;
    for (const row of s.rows) {
      if (row.call) yield quoteLine(prefix, row.strike, 'CE', row.call);
      if (row.put) yield quoteLine(prefix, row.strike, 'PE', row.put);
    }
  }
}

function quoteLine(prefix: string, strike: number, type: 'CE' | 'PE', q: EnrichedQuote): string {
  let line = `${prefix}${num(strike)}\t${type}`;
  for (const key of QUOTE_NUMBERS) line += `\t${num(q[key])}`;
  return `${line}\t${text(q.quality)}\n`;
}

/** COPY text format: \N is NULL. */
function num(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : '\\N';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** COPY text format escapes backslash, tab, newline and carriage return. */
function text(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}
