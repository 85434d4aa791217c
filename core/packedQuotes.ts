/**
 * The option rows of one enriched snapshot as one compact binary block: how
 * the embedded store (PGlite) keeps them, one block per stored snapshot
 * instead of a database row per option (PostgreSQL keeps the rows; see
 * db/queries/optionRows.ts). Lossless: unpacking gives back every number
 * bit for bit (-0 and null included), which the packer checks as it goes.
 *
 * Why this shape (bench/storageEncoding.ts measures the candidates; on the
 * default simulator chains, bytes of the block per option row: 21 doubles
 * 168, deflated 118; typed columns with the Greeks stored 86; with the Greeks
 * recomputed 29, deflated 25; measured before format version 2 added the
 * previous close, which costs about 2 bytes a row deflated): a row per
 * option in PGlite cost ~360 bytes of tables and ~700 of data directory per
 * row (tuple header, 20 float8s, the
 * primary-key entry with its text/date/float key, WAL) and most of the
 * storage role's time; a block per snapshot is one tuple, and numbers that
 * are really small integers or derived need not be stored as doubles. Nine
 * of the twenty numbers are Greeks, full-entropy doubles no compressor
 * shrinks: recomputing them is what takes the block under 50 bytes a row.
 * Quantising anything else (IV to 1e-6, say) would save a few bytes more but
 * serve numbers that differ from the ones published live, so nothing is
 * quantised; history beyond the raw window is downsampled separately
 * (db/retention.ts).
 *
 * - prices (ltp, bid, ask, the previous close) sit on the exchange's tick grid: stored as whole
 *   paise (index points × 100), delta-coded along the strikes, exact because
 *   k/100 is the very double the source produced (checked per value);
 * - quantities, volume and OI (contracts or units) are integers: delta-coded
 *   varints;
 * - our IV is a full double: stored as its 8 bytes, byte-planes transposed
 *   so the general compressor sees the repeating sign/exponent bytes
 *   together; the source's own IV and delta are too, unless (as usual) they
 *   are decimals of 4 or 6 places, then scaled integers;
 * - the nine Greeks and the theoretical price are functions of the IV and of
 *   the snapshot's spot, T, rate and forward: not stored at all, recomputed
 *   on read by core/chainGreeks.ts, the very function the processor used.
 *   The packer recomputes them and compares bit for bit; a column that does
 *   not match (another pricing build, a hand-made snapshot) is stored as
 *   doubles instead, so a read never serves a different number;
 * - the whole body is then deflated (zlib, raw, level 1).
 *
 * Non-finite numbers are stored as null, as the PostgreSQL rows store them.
 * Any column whose values do not fit its compact mode (a price off the paise
 * grid, a fractional quantity, a value beyond 2^50) falls back to doubles for
 * that column of that snapshot, so the format never rounds.
 *
 * Layout: byte 0 the format version, byte 1 the compression (1 = deflate
 * raw), then the body: varint row count; strikes (a number column); one
 * presence byte per row (bit 0 call, bit 1 put); then for the calls and then
 * the puts present, in strike order, each field of EnrichedQuote as a column
 * (a mode byte, then its payload). Greek columns whose mode is "derived"
 * have no payload.
 *
 * Versions: 2 added the previous close (a price column after ask); a
 * version 1 block (written before it) still reads, its previous closes null.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { CALL, PUT, type OptionSign } from './pricing/black.ts';
import { impliedDividendYield, sideColumns, sideGreeks } from './chainGreeks.ts';
import type { EnrichedQuote, EnrichedRow } from './models.ts';

/** The version this build writes; it reads every version down to 1. */
export const PACKED_QUOTES_VERSION = 2;

/** What a stored snapshot keeps beside the block, from which the Greeks are recomputed. */
export interface PackedChainContext {
  /** Spot, index points. */
  spot: number;
  /** ACT/365 years to the expiry instant. */
  tYears: number;
  /** Risk-free rate, decimal. */
  rate: number;
  /** The forward the options were priced off, index points; null when there was none. */
  forward: number | null;
}

export class PackedQuotesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackedQuotesError';
  }
}

const enum Mode {
  AllNull = 0,
  /** Integers k with value = k / scale, delta-coded zigzag varints, 0 = null. */
  Scaled = 1,
  /** IEEE doubles: a null bitmap, then the non-null values' bytes in 8 planes. */
  Doubles = 2,
  /** Not stored: recomputed from the IVs (Greeks and theoretical price only). */
  Derived = 3,
  /** Strings: a dictionary, then one varint index per value, 0 = null. */
  Strings = 4,
}

const enum Compression {
  None = 0,
  DeflateRaw = 1,
}

/** Largest |k| stored as a scaled integer: zigzag and deltas stay exact doubles below 2^53. */
const MAX_SCALED = 2 ** 50;

/**
 * Scales tried on the double fields: a source's IV and delta are usually
 * quoted to a few decimals (Dhan's 13.28 % is 0.1328), which then fit
 * small integers exactly; our solved IV never does and stays a double.
 */
const DECIMAL_SCALES = [10_000, 1_000_000];

const PRICE_FIELDS = ['ltp', 'bid', 'ask', 'previousClose'] as const;
/** The price columns of a version 1 block: the previous close came with version 2. */
const PRICE_FIELDS_V1 = ['ltp', 'bid', 'ask'] as const;
const INTEGER_FIELDS = ['bidQty', 'askQty', 'volume', 'oi', 'oiChange'] as const;
const DOUBLE_FIELDS = ['iv', 'sourceIv', 'sourceDelta'] as const;
const DERIVED_FIELDS = ['delta', 'gamma', 'theta', 'vega', 'rho', 'vanna', 'charm', 'vomma', 'theoreticalPrice'] as const;
const NUMBER_FIELDS = [...PRICE_FIELDS, ...INTEGER_FIELDS, ...DOUBLE_FIELDS, ...DERIVED_FIELDS] as const;
type DerivedField = (typeof DERIVED_FIELDS)[number];
type NumberField = (typeof NUMBER_FIELDS)[number];
/** One column per field over one side's quotes; NaN marks null (non-finite numbers are stored as null). */
type Columns = Record<NumberField, Float64Array>;

export interface PackOptions {
  /** zlib level 0–9 (default 1: level 6 saves 0.1 byte a row at half the speed, bench/storageEncoding.ts); 0 stores the body uncompressed. */
  level?: number;
  /** Store the Greeks as doubles instead of recomputing them (for measuring the difference). */
  storeGreeks?: boolean;
}

/** The rows (strikes ascending, as the processor emits them) as one block. */
export function packQuotes(context: PackedChainContext, rows: readonly EnrichedRow[], options: PackOptions = {}): Uint8Array {
  const n = rows.length;
  const out = new Writer(64 + n * 64);
  out.varint(n);
  const strikes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    strikes[i] = rows[i].strike;
    if (i > 0 && !(strikes[i] > strikes[i - 1])) throw new PackedQuotesError(`strikes must ascend: ${strikes[i - 1]} then ${strikes[i]}`);
  }
  writeNumbers(out, strikes, [1, 100]);
  for (const row of rows) out.byte((row.call ? 1 : 0) | (row.put ? 2 : 0));
  for (const sign of [CALL, PUT] as OptionSign[]) {
    const at: number[] = [];
    for (let i = 0; i < n; i++) if (sign === CALL ? rows[i].call : rows[i].put) at.push(i);
    const columns = allocateColumns(at.length);
    const quality: (string | null)[] = new Array(at.length);
    at.forEach((i, j) => {
      fillColumns(columns, j, (sign === CALL ? rows[i].call : rows[i].put)!);
      quality[j] = (sign === CALL ? rows[i].call : rows[i].put)!.quality;
    });
    for (const field of PRICE_FIELDS) writeNumbers(out, columns[field], [100]);
    for (const field of INTEGER_FIELDS) writeNumbers(out, columns[field], [1]);
    for (const field of DOUBLE_FIELDS) writeNumbers(out, columns[field], DECIMAL_SCALES);
    const derived = options.storeGreeks ? null : derivedColumns(context, strikes, sign, byRow(n, at, columns.iv));
    for (const field of DERIVED_FIELDS) {
      if (derived && sameValues(columns[field], at, derived[field])) out.byte(Mode.Derived);
      else writeNumbers(out, columns[field], []);
    }
    writeStrings(out, quality);
  }
  const body = out.bytes();
  const level = options.level ?? 1;
  const compressed = level > 0 ? deflateRawSync(body, { level }) : body;
  const block = new Uint8Array(2 + compressed.length);
  block[0] = PACKED_QUOTES_VERSION;
  block[1] = level > 0 ? Compression.DeflateRaw : Compression.None;
  block.set(compressed, 2);
  return block;
}

/** The rows back, every number as it was packed. */
export function unpackQuotes(context: PackedChainContext, block: Uint8Array): EnrichedRow[] {
  if (block.length < 2) throw new PackedQuotesError(`a packed quotes block has at least 2 bytes, got ${block.length}`);
  const version = block[0];
  if (version !== 1 && version !== PACKED_QUOTES_VERSION) throw new PackedQuotesError(`unsupported packed quotes version ${version} (this build reads 1 to ${PACKED_QUOTES_VERSION})`);
  const priceFields = version === 1 ? PRICE_FIELDS_V1 : PRICE_FIELDS;
  const payload = block.subarray(2);
  const body = block[1] === Compression.DeflateRaw ? inflateRawSync(payload) : block[1] === Compression.None ? payload : null;
  if (!body) throw new PackedQuotesError(`unknown packed quotes compression ${block[1]}`);
  const input = new Reader(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
  const n = input.varint();
  const strikes = readNumbers(input, n);
  const presence = input.take(n);
  const rows: EnrichedRow[] = Array.from(strikes, (strike) => ({ strike, call: null, put: null }));
  for (const sign of [CALL, PUT] as OptionSign[]) {
    const bit = sign === CALL ? 1 : 2;
    const at: number[] = [];
    for (let i = 0; i < n; i++) if (presence[i] & bit) at.push(i);
    const count = at.length;
    const columns = {} as Columns;
    if (version === 1) columns.previousClose = new Float64Array(count).fill(NaN);
    for (const field of [...priceFields, ...INTEGER_FIELDS, ...DOUBLE_FIELDS]) columns[field] = readNumbers(input, count);
    const pending: DerivedField[] = [];
    for (const field of DERIVED_FIELDS) {
      if (input.peek() === Mode.Derived) {
        input.byte();
        pending.push(field);
      } else columns[field] = readNumbers(input, count);
    }
    if (pending.length > 0) {
      const derived = derivedColumns(context, strikes, sign, byRow(n, at, columns.iv));
      for (const field of pending) columns[field] = Float64Array.from(at, (row) => derived[field][row]);
    }
    const quality = readStrings(input, count);
    for (let j = 0; j < count; j++) {
      const quote = quoteAt(columns, j, quality[j]);
      if (sign === CALL) rows[at[j]].call = quote;
      else rows[at[j]].put = quote;
    }
  }
  if (!input.done()) throw new PackedQuotesError(`packed quotes block has ${input.remaining()} unread bytes`);
  return rows;
}

function allocateColumns(count: number): Columns {
  const columns = {} as Columns;
  for (const field of NUMBER_FIELDS) columns[field] = new Float64Array(count);
  return columns;
}

/** Spelled out field by field: one monomorphic read each, no per-quote allocation. */
function fillColumns(c: Columns, j: number, q: EnrichedQuote): void {
  c.ltp[j] = nanForNull(q.ltp);
  c.bid[j] = nanForNull(q.bid);
  c.ask[j] = nanForNull(q.ask);
  c.previousClose[j] = nanForNull(q.previousClose);
  c.bidQty[j] = nanForNull(q.bidQty);
  c.askQty[j] = nanForNull(q.askQty);
  c.volume[j] = nanForNull(q.volume);
  c.oi[j] = nanForNull(q.oi);
  c.oiChange[j] = nanForNull(q.oiChange);
  c.iv[j] = nanForNull(q.iv);
  c.delta[j] = nanForNull(q.delta);
  c.gamma[j] = nanForNull(q.gamma);
  c.theta[j] = nanForNull(q.theta);
  c.vega[j] = nanForNull(q.vega);
  c.rho[j] = nanForNull(q.rho);
  c.vanna[j] = nanForNull(q.vanna);
  c.charm[j] = nanForNull(q.charm);
  c.vomma[j] = nanForNull(q.vomma);
  c.theoreticalPrice[j] = nanForNull(q.theoreticalPrice);
  c.sourceIv[j] = nanForNull(q.sourceIv);
  c.sourceDelta[j] = nanForNull(q.sourceDelta);
}

function quoteAt(c: Columns, j: number, quality: string | null): EnrichedQuote {
  return {
    ltp: nullForNaN(c.ltp[j]),
    bid: nullForNaN(c.bid[j]),
    ask: nullForNaN(c.ask[j]),
    previousClose: nullForNaN(c.previousClose[j]),
    bidQty: nullForNaN(c.bidQty[j]),
    askQty: nullForNaN(c.askQty[j]),
    volume: nullForNaN(c.volume[j]),
    oi: nullForNaN(c.oi[j]),
    oiChange: nullForNaN(c.oiChange[j]),
    iv: nullForNaN(c.iv[j]),
    delta: nullForNaN(c.delta[j]),
    gamma: nullForNaN(c.gamma[j]),
    theta: nullForNaN(c.theta[j]),
    vega: nullForNaN(c.vega[j]),
    rho: nullForNaN(c.rho[j]),
    vanna: nullForNaN(c.vanna[j]),
    charm: nullForNaN(c.charm[j]),
    vomma: nullForNaN(c.vomma[j]),
    theoreticalPrice: nullForNaN(c.theoreticalPrice[j]),
    sourceIv: nullForNaN(c.sourceIv[j]),
    sourceDelta: nullForNaN(c.sourceDelta[j]),
    quality,
  };
}

function nanForNull(value: number | null): number {
  return value !== null && Number.isFinite(value) ? value : NaN;
}

function nullForNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** A side's column spread over all n rows (NaN where the side is absent). */
function byRow(n: number, at: readonly number[], column: Float64Array): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  for (let j = 0; j < at.length; j++) out[at[j]] = column[j];
  return out;
}

/**
 * The Greek columns the processor would have produced from these IVs (NaN
 * where the processor gives null), by row: Greeks only where the IV was
 * solved, the theoretical price wherever the smile gives one.
 */
function derivedColumns(context: PackedChainContext, strikes: Float64Array, sign: OptionSign, vol: Float64Array): Record<DerivedField, Float64Array> {
  const forward = context.forward ?? NaN;
  const columns = sideColumns(strikes, context.spot, context.tYears, context.rate, impliedDividendYield(context.rate, forward, context.spot, context.tYears), sign);
  const { greeks, theoretical } = sideGreeks(columns, vol);
  const solvedOnly = (column: Float64Array) => {
    for (let i = 0; i < column.length; i++) if (!Number.isFinite(vol[i]) || !Number.isFinite(column[i])) column[i] = NaN;
    return column;
  };
  for (let i = 0; i < theoretical.length; i++) if (!Number.isFinite(theoretical[i])) theoretical[i] = NaN;
  return {
    delta: solvedOnly(greeks.delta),
    gamma: solvedOnly(greeks.gamma),
    theta: solvedOnly(greeks.theta),
    vega: solvedOnly(greeks.vega),
    rho: solvedOnly(greeks.rho),
    vanna: solvedOnly(greeks.vanna),
    charm: solvedOnly(greeks.charm),
    vomma: solvedOnly(greeks.vomma),
    theoreticalPrice: theoretical,
  };
}

/** Whether a side's column equals the recomputed one (by row) bit for bit, NaN (null) matching NaN. */
function sameValues(column: Float64Array, at: readonly number[], derived: Float64Array): boolean {
  for (let j = 0; j < at.length; j++) {
    const a = column[j];
    const b = derived[at[j]];
    if (!(Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b)))) return false;
  }
  return true;
}

/** A number column (NaN = null): scaled integers at the first scale that holds every value exactly, else doubles. */
function writeNumbers(out: Writer, values: Float64Array, scales: readonly number[]): void {
  let present = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) present++;
  if (present === 0) return out.byte(Mode.AllNull);
  for (const scale of scales) if (writeScaled(out, values, scale)) return;
  out.byte(Mode.Doubles);
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  const doubles = new Float64Array(present);
  for (let i = 0, v = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) continue;
    bitmap[i >> 3] |= 1 << (i & 7);
    doubles[v++] = values[i];
  }
  out.raw(bitmap);
  // Byte planes: the sign/exponent bytes of neighbouring values sit together, which deflate finds.
  const bytes = new Uint8Array(doubles.buffer);
  const planes = new Uint8Array(bytes.length);
  for (let v = 0; v < present; v++) for (let b = 0; b < 8; b++) planes[b * present + v] = bytes[v * 8 + b];
  out.raw(planes);
}

/** Writes the column as integers k = value × scale when every value is exactly k / scale; false (nothing written) otherwise. */
function writeScaled(out: Writer, values: Float64Array, scale: number): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) continue;
    // `+ 0` turns -0 into 0, so a -0 (which k / scale cannot give back) fails the check.
    const k = Math.round(v * scale) + 0;
    if (!(Math.abs(k) <= MAX_SCALED) || !Object.is(k / scale, v)) return false;
  }
  out.byte(Mode.Scaled);
  out.varint(scale);
  let previous = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Number.isNaN(v)) {
      out.varint(0);
      continue;
    }
    const k = Math.round(v * scale) + 0;
    out.varint(zigzag(k - previous) + 1);
    previous = k;
  }
  return true;
}

/** A number column back, NaN for null. */
function readNumbers(input: Reader, count: number): Float64Array {
  const mode = input.byte();
  const out = new Float64Array(count).fill(NaN);
  switch (mode) {
    case Mode.AllNull:
      return out;
    case Mode.Scaled: {
      const scale = input.varint();
      let previous = 0;
      for (let i = 0; i < count; i++) {
        const code = input.varint();
        if (code === 0) continue;
        previous += unzigzag(code - 1);
        out[i] = previous / scale;
      }
      return out;
    }
    case Mode.Doubles: {
      const bitmap = input.take((count + 7) >> 3);
      let present = 0;
      for (let i = 0; i < count; i++) if (bitmap[i >> 3] & (1 << (i & 7))) present++;
      const planes = input.take(present * 8);
      const bytes = new Uint8Array(present * 8);
      for (let v = 0; v < present; v++) for (let b = 0; b < 8; b++) bytes[v * 8 + b] = planes[b * present + v];
      const doubles = new Float64Array(bytes.buffer);
      for (let i = 0, v = 0; i < count; i++) if (bitmap[i >> 3] & (1 << (i & 7))) out[i] = doubles[v++];
      return out;
    }
    default:
      throw new PackedQuotesError(`unknown number column mode ${mode}`);
  }
}

function writeStrings(out: Writer, values: readonly (string | null)[]): void {
  if (values.every((v) => v === null)) return out.byte(Mode.AllNull);
  out.byte(Mode.Strings);
  const dictionary = [...new Set(values.filter((v): v is string => v !== null))];
  out.varint(dictionary.length);
  const encoder = new TextEncoder();
  for (const word of dictionary) {
    const bytes = encoder.encode(word);
    out.varint(bytes.length);
    out.raw(bytes);
  }
  const index = new Map(dictionary.map((w, i) => [w, i + 1]));
  for (const v of values) out.varint(v === null ? 0 : index.get(v)!);
}

function readStrings(input: Reader, count: number): (string | null)[] {
  const mode = input.byte();
  if (mode === Mode.AllNull) return new Array(count).fill(null);
  if (mode !== Mode.Strings) throw new PackedQuotesError(`unknown string column mode ${mode}`);
  const decoder = new TextDecoder();
  const dictionary: string[] = [];
  for (let words = input.varint(); words > 0; words--) dictionary.push(decoder.decode(input.take(input.varint())));
  return Array.from({ length: count }, () => {
    const i = input.varint();
    if (i > dictionary.length) throw new PackedQuotesError(`string index ${i} beyond a dictionary of ${dictionary.length}`);
    return i === 0 ? null : dictionary[i - 1];
  });
}

/** Signed to unsigned, small magnitudes to small numbers; exact below 2^52 (arithmetic, not 32-bit shifts). */
function zigzag(k: number): number {
  return k >= 0 ? 2 * k : -2 * k - 1;
}

function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}

class Writer {
  private buffer: Uint8Array;
  private length = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.length++] = value;
  }

  /** Unsigned LEB128 of a non-negative integer up to 2^53. */
  varint(value: number): void {
    this.ensure(8);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.buffer[this.length++] = value;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

class Reader {
  private at = 0;

  constructor(private readonly buffer: Uint8Array) {}

  private need(n: number): void {
    if (this.at + n > this.buffer.length) throw new PackedQuotesError('packed quotes block ends early');
  }

  peek(): number {
    this.need(1);
    return this.buffer[this.at];
  }

  byte(): number {
    this.need(1);
    return this.buffer[this.at++];
  }

  varint(): number {
    let value = 0;
    let factor = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * factor;
      if (b < 0x80) return value;
      factor *= 0x80;
      if (factor > 2 ** 56) throw new PackedQuotesError('varint too long in packed quotes block');
    }
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.buffer.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  done(): boolean {
    return this.at === this.buffer.length;
  }

  remaining(): number {
    return this.buffer.length - this.at;
  }
}
