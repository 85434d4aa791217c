/**
 * The PostgreSQL bulk path of the storage role, in one transaction: the
 * batch's snapshots are COPYed into a staging table and inserted ON CONFLICT
 * DO NOTHING, returning the ones that were new; the quotes of those (and only
 * those) are then COPYed straight into option_quotes. COPY is PostgreSQL's
 * fastest way in (no per-value parameters, no array literals to parse), and a
 * snapshot's quotes are written with it exactly once, so replaying a message
 * never duplicates a row and never fails on the natural key.
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
  await sql.begin(async (tx) => {
    // Snapshots go through a session-local staging table (emptied at every
    // commit) so a replayed one is skipped on its natural key…
    await tx.unsafe(`create temp table if not exists stage_chain_snapshots (like chain_snapshots) on commit delete rows`);
    await copyInto(tx, 'stage_chain_snapshots', SNAPSHOT_COLUMNS, snapshotLines(snapshots));
    const inserted = await tx.unsafe<{ symbol: string; expiry: string; ts: Date }[]>(
      `insert into chain_snapshots select * from stage_chain_snapshots on conflict do nothing returning symbol, expiry::text as expiry, ts`,
    );
    // …and only the quotes of snapshots that were new are copied, straight
    // into the table: a snapshot's quotes are written with it, once.
    const fresh = new Set(inserted.map((r) => `${r.symbol}|${r.expiry}|${new Date(r.ts).getTime()}`));
    const toCopy = snapshots.filter((s) => fresh.has(`${s.symbol}|${s.expiry}|${s.timestamp}`));
    for (const s of toCopy) for (const r of s.rows) quotes += (r.call ? 1 : 0) + (r.put ? 1 : 0);
    if (toCopy.length > 0) await copyInto(tx, 'option_quotes', QUOTE_COLUMNS, quoteLines(toCopy));
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
