/**
 * The PostgreSQL bulk path of the storage role, in one transaction: the
 * batch's snapshots are COPYed into a staging table and inserted ON CONFLICT
 * DO NOTHING, returning the ones that were new; the quotes of those (and only
 * those) are then COPYed straight into option_quotes. COPY is PostgreSQL's
 * fastest way in (no per-value parameters, no array literals to parse), and a
 * snapshot's quotes are written with it exactly once, so replaying a message
 * never duplicates a row and never fails on the natural key.
 *
 * Both COPYs use the binary format: numbers go over as their IEEE bytes, so
 * neither side formats or parses decimal text (the bulk of the cost in the
 * text format, with 20 float8 columns a quote), and every double is stored
 * bit for bit (-0 included). Non-finite numbers are written as NULL, as before.
 *
 * A large batch is split by (symbol, expiry) into up to `transactions` groups
 * written side by side, each in its own transaction on its own connection:
 * one PostgreSQL backend uses one core, and a bulk write is bound by the
 * server's index and heap work, not by this encoder. No two groups share a
 * key, so they never wait on each other's locks. When one fails, the others
 * may have committed: the caller retries the whole batch, and what committed
 * is skipped on its natural key, as any replay is.
 *
 * PGlite keeps the unnest path (writeSnapshots.ts): its COPY reads from a
 * blob, and it is not where throughput matters.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type postgres from 'postgres';
import type { EnrichedQuote, EnrichedSnapshot } from '../../core/models.ts';
import type { WriteResult } from './writeSnapshots.ts';

/** Column order is the binary row layout: each must match the table's type (db/schema.ts). */
const QUOTE_COLUMNS = [
  'ts', 'symbol', 'expiry', 'strike', 'option_type', 'ltp', 'bid', 'ask', 'bid_qty', 'ask_qty', 'volume', 'oi', 'oi_change', 'iv',
  'delta', 'gamma', 'theta', 'vega', 'rho', 'vanna', 'charm', 'vomma', 'theoretical_price', 'source_iv', 'source_delta', 'quality',
  'previous_close',
] as const;

const SNAPSHOT_COLUMNS = [
  'ts', 'symbol', 'expiry', 'snapshot_id', 'source', 'spot', 'future', 'forward', 'forward_source', 'vix', 't_years', 'rate', 'lot_size',
  'analytics', 'pcr_oi', 'pcr_volume', 'max_pain', 'atm_strike', 'atm_iv', 'total_gex', 'gamma_flip', 'total_call_oi', 'total_put_oi',
  'rejects', 'processed_at',
] as const;

/** Bytes per chunk handed to the COPY stream. */
const CHUNK_BYTES = 2 << 20;

/** Fewest option rows worth a transaction of their own: a batch splits only from twice this. */
const MIN_ROWS_PER_TRANSACTION = 4_000;

const optionRows = (s: EnrichedSnapshot) => s.rows.reduce((n, r) => n + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0);

export interface CopyOptions {
  /** Most transactions (and connections) one batch is written with; 1 writes it in one. */
  transactions?: number;
}

export async function copySnapshots(sql: postgres.Sql, snapshots: readonly EnrichedSnapshot[], options: CopyOptions = {}): Promise<WriteResult> {
  if (snapshots.length === 0) return { snapshots: 0, quotes: 0 };
  const groups = splitByExpiry(snapshots, options.transactions ?? 1);
  if (groups.length === 1) return copyInOneTransaction(sql, snapshots);
  const settled = await Promise.allSettled(groups.map((group) => copyInOneTransaction(sql, group)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  let quotes = 0;
  for (const r of settled) if (r.status === 'fulfilled') quotes += r.value.quotes;
  return { snapshots: snapshots.length, quotes };
}

/**
 * The snapshots in up to `most` groups of about equal row counts, all of one
 * (symbol, expiry) in the same group, each group in the batch's order.
 */
export function splitByExpiry(snapshots: readonly EnrichedSnapshot[], most: number): EnrichedSnapshot[][] {
  const total = snapshots.reduce((n, s) => n + optionRows(s), 0);
  const count = Math.max(1, Math.min(Math.floor(most), Math.floor(total / MIN_ROWS_PER_TRANSACTION)));
  if (count === 1) return [snapshots.slice()];
  const byExpiry = new Map<string, { rows: number; indices: number[] }>();
  snapshots.forEach((s, i) => {
    const key = `${s.symbol}|${s.expiry}`;
    const series = byExpiry.get(key) ?? { rows: 0, indices: [] };
    series.rows += optionRows(s);
    series.indices.push(i);
    byExpiry.set(key, series);
  });
  // Largest series first into the lightest group: within a series' size of even.
  const groups = Array.from({ length: Math.min(count, byExpiry.size) }, () => ({ rows: 0, indices: [] as number[] }));
  for (const series of [...byExpiry.values()].sort((a, b) => b.rows - a.rows)) {
    const lightest = groups.reduce((min, g) => (g.rows < min.rows ? g : min));
    lightest.rows += series.rows;
    lightest.indices.push(...series.indices);
  }
  return groups.filter((g) => g.indices.length > 0).map((g) => g.indices.sort((a, b) => a - b).map((i) => snapshots[i]));
}

async function copyInOneTransaction(sql: postgres.Sql, snapshots: readonly EnrichedSnapshot[]): Promise<WriteResult> {
  let quotes = 0;
  await sql.begin(async (tx) => {
    // Snapshots go through a session-local staging table (emptied at every
    // commit) so a replayed one is skipped on its natural key…
    await tx.unsafe(`create temp table if not exists stage_chain_snapshots (like chain_snapshots) on commit delete rows`);
    await copyInto(tx, 'stage_chain_snapshots', SNAPSHOT_COLUMNS, snapshotChunks(snapshots));
    const inserted = await tx.unsafe<{ symbol: string; expiry: string; ts: Date }[]>(
      `insert into chain_snapshots select * from stage_chain_snapshots on conflict do nothing returning symbol, expiry::text as expiry, ts`,
    );
    // …and only the quotes of snapshots that were new are copied, straight
    // into the table: a snapshot's quotes are written with it, once.
    const fresh = new Set(inserted.map((r) => `${r.symbol}|${r.expiry}|${new Date(r.ts).getTime()}`));
    const toCopy = snapshots.filter((s) => fresh.has(`${s.symbol}|${s.expiry}|${s.timestamp}`));
    for (const s of toCopy) quotes += optionRows(s);
    if (toCopy.length > 0) await copyInto(tx, 'option_quotes', QUOTE_COLUMNS, quoteChunks(toCopy, quotes));
  });
  return { snapshots: snapshots.length, quotes };
}

async function copyInto(tx: postgres.TransactionSql, table: string, columns: readonly string[], chunks: Iterable<Buffer>): Promise<void> {
  const writable = await tx.unsafe(`copy ${table} (${columns.join(', ')}) from stdin with (format binary)`).writable();
  await pipeline(Readable.from(chunks), writable);
}

function* snapshotChunks(snapshots: readonly EnrichedSnapshot[]): Generator<Buffer> {
  const out = new BinaryCopyWriter(snapshots.length * 2048);
  for (const s of snapshots) {
    const a = s.analytics;
    out.row(SNAPSHOT_COLUMNS.length);
    out.timestamp(s.timestamp);
    out.text(s.symbol);
    out.date(s.expiry);
    out.text(s.id);
    out.text(s.source);
    out.float8(s.spot);
    out.float8(s.future);
    out.float8(s.forward);
    out.text(s.forwardSource);
    out.float8(s.vix);
    out.float8(s.tYears);
    out.float8(s.rate);
    out.int4(s.lotSize);
    out.jsonb(JSON.stringify(a));
    out.float8(a.pcrOi);
    out.float8(a.pcrVolume);
    out.float8(a.maxPain);
    out.float8(a.atmStrike);
    out.float8(a.atmIv);
    out.float8(a.totalGex);
    out.float8(a.gammaFlip);
    out.float8(a.totalCallOi);
    out.float8(a.totalPutOi);
    out.jsonb(JSON.stringify(s.rejects));
    out.timestamp(s.processedAt);
    if (out.full) yield out.take();
  }
  yield out.finish();
}

function* quoteChunks(snapshots: readonly EnrichedSnapshot[], quotes: number): Generator<Buffer> {
  const out = new BinaryCopyWriter(quotes * (QUOTE_FIXED_BYTES + 32));
  for (const s of snapshots) {
    // The key fields shared by the snapshot's quotes are encoded once.
    const prefix = out.encodePrefix(s.timestamp, s.symbol, s.expiry);
    for (const row of s.rows) {
      if (row.call) out.quote(prefix, row.strike, CE, row.call);
      if (row.put) out.quote(prefix, row.strike, PE, row.put);
      if (out.full) yield out.take();
    }
  }
  yield out.finish();
}

const CE = Buffer.from('CE');
const PE = Buffer.from('PE');

/** PGCOPY\n\377\r\n\0, flags 0, header extension length 0. */
const HEADER = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);

/** 2000-01-01T00:00:00Z, PostgreSQL's epoch, in Unix milliseconds and days. */
const PG_EPOCH_MS = 946_684_800_000;
const PG_EPOCH_DAYS = 10_957;
const TWO_32 = 4_294_967_296;

/** Quote row size without its quality text: count, 5 key fields, 21 float8s, quality's length word. */
const QUOTE_FIXED_BYTES = 2 + 27 * 4 + 8 + 8 + 8 + 21 * 8;

/**
 * Rows of a binary COPY stream (header, int16 field count and per field an
 * int32 length, -1 for NULL, then the value in network byte order; trailer
 * int16 -1), written into large buffers handed out in chunks of about
 * CHUNK_BYTES. A buffer taken is never written again (the stream may still
 * hold it), so each chunk gets a fresh one.
 */
class BinaryCopyWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  /** UTF-8 bytes of repeated strings (qualities, symbols), per stream. */
  private readonly encoded = new Map<string, Buffer>();

  /** `expectedBytes` sizes the first buffer (small batches need far less than a chunk); it grows as needed. */
  constructor(expectedBytes: number) {
    this.buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(expectedBytes, 1024)) + 4096);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    HEADER.copy(this.buf, 0);
    this.pos = HEADER.length;
  }

  get full(): boolean {
    return this.pos >= CHUNK_BYTES;
  }

  /** The bytes written so far; writing goes on in a fresh buffer. */
  take(): Buffer {
    const chunk = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES + 4096);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.pos = 0;
    return chunk;
  }

  /** The last chunk, with the trailer. */
  finish(): Buffer {
    this.reserve(2);
    this.view.setInt16(this.pos, -1);
    this.pos += 2;
    return this.buf.subarray(0, this.pos);
  }

  /** Room for `bytes` more, copying what is written into a larger buffer when needed. */
  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  private bytesOf(value: string): Buffer {
    let bytes = this.encoded.get(value);
    if (!bytes) {
      bytes = Buffer.from(value, 'utf8');
      if (this.encoded.size < 1024) this.encoded.set(value, bytes);
    }
    return bytes;
  }

  row(fields: number): void {
    this.reserve(2);
    this.view.setInt16(this.pos, fields);
    this.pos += 2;
  }

  private nullField(): void {
    this.reserve(4);
    this.view.setInt32(this.pos, -1);
    this.pos += 4;
  }

  float8(value: number | null): void {
    if (value === null || !Number.isFinite(value)) return this.nullField();
    this.reserve(12);
    this.view.setInt32(this.pos, 8);
    this.view.setFloat64(this.pos + 4, value);
    this.pos += 12;
  }

  int4(value: number | null): void {
    if (value === null || !Number.isFinite(value)) return this.nullField();
    if (!Number.isInteger(value) || value < -2_147_483_648 || value > 2_147_483_647) {
      throw new RangeError(`not an int4: ${value}`);
    }
    this.reserve(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, value);
    this.pos += 8;
  }

  text(value: string | null): void {
    if (value === null) return this.nullField();
    this.field(this.bytesOf(value));
  }

  /** jsonb's binary form: version 1, then the JSON text. */
  jsonb(json: string): void {
    const length = Buffer.byteLength(json, 'utf8');
    this.reserve(5 + length);
    this.view.setInt32(this.pos, length + 1);
    this.buf[this.pos + 4] = 1;
    this.buf.write(json, this.pos + 5, length, 'utf8');
    this.pos += 5 + length;
  }

  timestamp(ms: number): void {
    this.reserve(12);
    this.view.setInt32(this.pos, 8);
    writeTimestamp(this.view, this.pos + 4, ms);
    this.pos += 12;
  }

  date(iso: string): void {
    this.reserve(8);
    this.view.setInt32(this.pos, 4);
    this.view.setInt32(this.pos + 4, pgDays(iso));
    this.pos += 8;
  }

  private field(bytes: Buffer): void {
    const length = bytes.length;
    this.reserve(4 + length);
    this.view.setInt32(this.pos, length);
    this.put(bytes, this.pos + 4);
    this.pos += 4 + length;
  }

  private put(bytes: Buffer, at: number): void {
    const length = bytes.length;
    if (length <= 16) for (let i = 0; i < length; i++) this.buf[at + i] = bytes[i];
    else bytes.copy(this.buf, at);
  }

  /** ts, symbol and expiry fields of a snapshot's quotes, encoded. */
  encodePrefix(ms: number, symbol: string, expiry: string): Buffer {
    const sym = Buffer.from(symbol, 'utf8');
    const prefix = Buffer.allocUnsafe(12 + 4 + sym.length + 8);
    const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
    view.setInt32(0, 8);
    writeTimestamp(view, 4, ms);
    view.setInt32(12, sym.length);
    sym.copy(prefix, 16);
    view.setInt32(16 + sym.length, 4);
    view.setInt32(20 + sym.length, pgDays(expiry));
    return prefix;
  }

  /** One option_quotes row, in QUOTE_COLUMNS order. */
  quote(prefix: Buffer, strike: number, type: Buffer, q: EnrichedQuote): void {
    const quality = q.quality === null ? null : this.bytesOf(q.quality);
    this.reserve(QUOTE_FIXED_BYTES + prefix.length + (quality ? quality.length : 0));
    const view = this.view;
    const buf = this.buf;
    let p = this.pos;
    view.setInt16(p, QUOTE_COLUMNS.length);
    p += 2;
    this.put(prefix, p);
    p += prefix.length;
    if (Number.isFinite(strike)) {
      view.setInt32(p, 8);
      view.setFloat64(p + 4, strike);
      p += 12;
    } else {
      view.setInt32(p, -1);
      p += 4;
    }
    view.setInt32(p, 2);
    buf[p + 4] = type[0];
    buf[p + 5] = type[1];
    p += 6;
    p = float8At(view, p, q.ltp);
    p = float8At(view, p, q.bid);
    p = float8At(view, p, q.ask);
    p = float8At(view, p, q.bidQty);
    p = float8At(view, p, q.askQty);
    p = float8At(view, p, q.volume);
    p = float8At(view, p, q.oi);
    p = float8At(view, p, q.oiChange);
    p = float8At(view, p, q.iv);
    p = float8At(view, p, q.delta);
    p = float8At(view, p, q.gamma);
    p = float8At(view, p, q.theta);
    p = float8At(view, p, q.vega);
    p = float8At(view, p, q.rho);
    p = float8At(view, p, q.vanna);
    p = float8At(view, p, q.charm);
    p = float8At(view, p, q.vomma);
    p = float8At(view, p, q.theoreticalPrice);
    p = float8At(view, p, q.sourceIv);
    p = float8At(view, p, q.sourceDelta);
    if (quality === null) {
      view.setInt32(p, -1);
      p += 4;
    } else {
      view.setInt32(p, quality.length);
      this.put(quality, p + 4);
      p += 4 + quality.length;
    }
    p = float8At(view, p, q.previousClose);
    this.pos = p;
  }
}

/** A float8 field at `p` (NULL when null or not finite); the position after it. */
function float8At(view: DataView, p: number, value: number | null): number {
  if (value === null || !Number.isFinite(value)) {
    view.setInt32(p, -1);
    return p + 4;
  }
  view.setInt32(p, 8);
  view.setFloat64(p + 4, value);
  return p + 12;
}

/** timestamptz: int64 microseconds since 2000-01-01Z (whole milliseconds, as Date keeps them). */
function writeTimestamp(view: DataView, at: number, ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`invalid timestamp: ${ms}`);
  const micros = (Math.trunc(ms) - PG_EPOCH_MS) * 1000;
  const high = Math.floor(micros / TWO_32);
  view.setInt32(at, high);
  view.setUint32(at + 4, micros - high * TWO_32);
}

/** date: int32 days since 2000-01-01, from YYYY-MM-DD (proleptic Gregorian). */
function pgDays(iso: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const year = match ? Number(match[1]) : NaN;
  const month = match ? Number(match[2]) : NaN;
  const day = match ? Number(match[3]) : NaN;
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) throw new RangeError(`invalid date: ${iso}`);
  return daysFromCivil(year, month, day) - PG_EPOCH_DAYS;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
