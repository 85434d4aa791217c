/**
 * The processor role: raw chain snapshot in, enriched snapshot out.
 *
 * For every snapshot: validate rows one by one (a malformed row is counted
 * and dropped, never the chain), run the data-quality rules, solve implied
 * volatility for every clean side from its mid (LTP when there is no valid
 * two-sided quote) on the forward, compute Greeks and a theoretical price,
 * then the chain analytics.
 *
 * Greeks are taken with respect to the spot: the options are priced off the
 * forward F (the futures price when the source gives one, else the forward
 * implied by put-call parity), which is the same as Black-Scholes on the spot
 * with the dividend yield the forward implies, q = r − ln(F/S)/T. Prices and
 * IV are identical either way; delta and gamma then answer "per point of the
 * index", which is what traders and GEX want.
 *
 * Where: on the main loop, or (`threads`, PIPELINE_THREADS=on) on worker
 * threads (enrichPool.ts) running the same processRaw, published in the raw
 * order either way.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { allocateSide, type ChainSide, type ChainSnapshot } from '../core/chain.ts';
import { summarizeChain, type GexConvention } from '../core/analytics/summary.ts';
import { chainForward } from '../core/analytics/basis.ts';
import { markPrice } from '../core/analytics/atm.ts';
import { checkChain, reasonName, type QualityOptions } from '../core/analytics/quality.ts';
import { impliedVolBatch, IV_STATUS_NAMES, IvStatus } from '../core/iv/impliedVol.ts';
import { CALL, PUT, type GreekColumns, type OptionSign } from '../core/pricing/black.ts';
import { impliedDividendYield, sideColumns, sideGreeks } from '../core/chainGreeks.ts';
import { expiryInstant, istDate, yearsToExpiry } from '../core/time/expiry.ts';
import { lotSizeOn, type Instrument } from '../core/instruments.ts';
import { PublishBatchError, TOPICS, type Bus, type BusMessage, type Subscription } from './bus.ts';
import { EnrichPool } from './enrichPool.ts';
import { inSpan, traceHeaders } from './traceContext.ts';
import { LATENCY_BUCKETS_SECONDS, NO_METRICS, type Metrics } from '../core/metrics.ts';
import {
  ENRICHED_SNAPSHOT_VERSION,
  MessageError,
  parseRawSnapshot,
  rawRowSchema,
  type EnrichedQuote,
  type EnrichedRow,
  type EnrichedSnapshot,
  type RawQuote,
  type RawRow,
  type RawSnapshot,
} from '../core/models.ts';

export interface EnrichOptions {
  instrument: Instrument;
  /** Risk-free rate, decimal, continuously compounded. */
  rate: number;
  gexConvention?: GexConvention;
  /** Quotes older than this, relative to the snapshot, are stale (when the source stamps quotes). */
  maxQuoteAgeMs?: number;
  now?: () => number;
}

export function enrichSnapshot(raw: RawSnapshot, options: EnrichOptions): EnrichedSnapshot {
  const rejects: Record<string, number> = {};
  const count = (reason: string, n = 1) => {
    if (n > 0) rejects[reason] = (rejects[reason] ?? 0) + n;
  };

  const rows = validRows(raw.rows, count);
  const n = rows.length;
  const expiryMs = expiryInstant(raw.expiry);
  const tYears = yearsToExpiry(raw.timestamp, expiryMs);
  // The lot of this contract on the snapshot's day: the one the source converted its OI with.
  const lotSize = lotSizeOn(options.instrument, istDate(raw.timestamp), raw.expiry);
  const chain: ChainSnapshot = {
    symbol: raw.symbol,
    expiry: raw.expiry,
    timestamp: raw.timestamp,
    spot: raw.spot,
    future: raw.future ?? NaN,
    tYears,
    rate: options.rate,
    lotSize,
    strikes: Float64Array.from(rows, (r) => r.strike),
    call: allocateSide(n),
    put: allocateSide(n),
  };
  const quoteTimes = { call: new Float64Array(n).fill(NaN), put: new Float64Array(n).fill(NaN) };
  rows.forEach((row, i) => {
    fillSide(chain.call, quoteTimes.call, i, row.call);
    fillSide(chain.put, quoteTimes.put, i, row.put);
  });

  // The forward: the futures price when given, else put-call parity, else carry at r.
  const forwardChoice = Number.isFinite(chain.future)
    ? { forward: chain.future, source: 'future' as const }
    : chainForward(chain);
  const forward = forwardChoice.forward;

  // Rules that need no IV first; the IV-outlier rule runs again once IVs exist.
  const qualityOptions: QualityOptions = {
    forward: Number.isFinite(forward) ? forward : undefined,
    quoteTimes,
    maxQuoteAgeMs: options.maxQuoteAgeMs,
  };
  const quality = checkChain(chain, qualityOptions);

  // Implied dividend yield so that Black-Scholes on the spot reproduces Black-76 on F.
  const impliedYield = impliedDividendYield(options.rate, forward, raw.spot, tYears);
  const sides = [
    { side: chain.call, flags: quality.flags.call, sign: CALL as OptionSign },
    { side: chain.put, flags: quality.flags.put, sign: PUT as OptionSign },
  ];
  const greeksBySide: GreekColumns[] = [];
  const ivBySide: Float64Array[] = [];
  const theoreticalBySide: Float64Array[] = [];
  for (const { side, flags, sign } of sides) {
    const price = new Float64Array(n);
    for (let i = 0; i < n; i++) price[i] = flags[i] === 0 ? markPrice(side, i) : NaN;
    const vol = new Float64Array(n);
    const status = new Uint8Array(n);
    const columns = sideColumns(chain.strikes, raw.spot, tYears, options.rate, impliedYield, sign);
    impliedVolBatch({ model: 'bsm', price, ...columns }, vol, status);
    for (let i = 0; i < n; i++) {
      if (flags[i] !== 0 || Number.isNaN(price[i])) {
        vol[i] = NaN;
        continue;
      }
      // A side quoted exactly at intrinsic has σ = 0 and is kept; anything else without a solution is counted.
      if (status[i] !== IvStatus.ok && status[i] !== IvStatus.atIntrinsic) count(`iv_${IV_STATUS_NAMES[status[i]]}`);
    }
    side.iv.set(vol);
    ivBySide.push(vol);
    // The embedded store recomputes these from the stored IVs with the same call (core/packedQuotes.ts).
    const { greeks, theoretical } = sideGreeks(columns, vol);
    side.delta.set(greeks.delta);
    side.gamma.set(greeks.gamma);
    greeksBySide.push(greeks);
    theoreticalBySide.push(theoretical);
  }

  // Second pass: IV outliers against their neighbours. Their IV stays in the
  // quote (it is what the market says) but out of the smile analytics.
  const withIv = checkChain(chain, qualityOptions);
  const flags = withIv.flags;
  rows.forEach((row, i) => {
    // An absent side (deep strikes often have one) is not a reject.
    if (row.call && flags.call[i] !== 0) count(reasonName(flags.call[i]));
    if (row.put && flags.put[i] !== 0) count(reasonName(flags.put[i]));
    if (flags.call[i] !== 0) chain.call.iv[i] = NaN;
    if (flags.put[i] !== 0) chain.put.iv[i] = NaN;
  });

  const analytics = summarizeChain(chain, {
    forward,
    gexConvention: options.gexConvention,
  });

  const enrichedRows: EnrichedRow[] = rows.map((row, i) => ({
    strike: row.strike,
    call: row.call ? quoteAt(ivBySide[0], i, chain.call, greeksBySide[0], theoreticalBySide[0], row.call, flags.call[i]) : null,
    put: row.put ? quoteAt(ivBySide[1], i, chain.put, greeksBySide[1], theoreticalBySide[1], row.put, flags.put[i]) : null,
  }));

  return {
    version: ENRICHED_SNAPSHOT_VERSION,
    id: raw.id,
    source: raw.source,
    symbol: raw.symbol,
    expiry: raw.expiry,
    timestamp: raw.timestamp,
    processedAt: (options.now ?? Date.now)(),
    spot: raw.spot,
    future: raw.future ?? null,
    vix: raw.vix ?? null,
    forward: finiteOrNull(forward),
    forwardSource: forwardChoice.source,
    tYears,
    rate: options.rate,
    lotSize,
    analytics,
    rows: enrichedRows,
    rejects,
  };
}

/** Rows that parse, with a positive finite strike, one per strike, ascending. */
function validRows(rows: unknown[], count: (reason: string) => void): RawRow[] {
  const valid: RawRow[] = [];
  const seen = new Set<number>();
  for (const row of rows) {
    // The common, well-formed row is checked by hand; anything else goes through the schema, which decides.
    const parsed = isPlainRawRow(row) ? { success: true as const, data: row } : rawRowSchema.safeParse(row);
    if (!parsed.success) {
      count('malformed_row');
      continue;
    }
    const { strike } = parsed.data;
    if (!(strike > 0 && Number.isFinite(strike))) {
      count('invalid_strike');
      continue;
    }
    if (seen.has(strike)) {
      count('duplicate_strike');
      continue;
    }
    seen.add(strike);
    valid.push(parsed.data);
  }
  return valid.sort((a, b) => a.strike - b.strike);
}

const QUOTE_NUMBER_KEYS = new Set([
  'ltp', 'bid', 'ask', 'bidQty', 'askQty', 'volume', 'oi', 'previousOi', 'previousClose', 'sourceIv', 'sourceDelta', 'sourceGamma', 'sourceTheta',
  'sourceVega', 'quoteTime',
]);

/**
 * A row rawRowSchema accepts as it stands: a number strike, and each side
 * null or an object of exactly its known keys, numbers or null (securityId
 * a string or null), ltp present, every number finite. zod's parse of every row was a sixth of the
 * processor's time; a row this does not recognise is left to the schema.
 */
function isPlainRawRow(row: unknown): row is RawRow {
  if (typeof row !== 'object' || row === null) return false;
  const { strike, call, put } = row as Record<string, unknown>;
  if (!Number.isFinite(strike) || Object.keys(row).length !== 3) return false;
  return isPlainRawQuote(call) && isPlainRawQuote(put);
}

function isPlainRawQuote(quote: unknown): boolean {
  if (quote === null) return true;
  if (typeof quote !== 'object' || quote === undefined) return false;
  const ltp = (quote as Record<string, unknown>).ltp;
  if (ltp !== null && !Number.isFinite(ltp)) return false;
  for (const key in quote) {
    const value = (quote as Record<string, unknown>)[key];
    if (QUOTE_NUMBER_KEYS.has(key)) {
      // zod's z.number() takes finite numbers only.
      if (value !== null && value !== undefined && !Number.isFinite(value)) return false;
    } else if (key === 'securityId') {
      if (value !== null && value !== undefined && typeof value !== 'string') return false;
    } else return false;
  }
  return true;
}

function fillSide(side: ChainSide, quoteTimes: Float64Array, i: number, quote: RawQuote | null): void {
  if (!quote) return;
  side.ltp[i] = num(quote.ltp);
  side.bid[i] = num(quote.bid);
  side.ask[i] = num(quote.ask);
  side.bidQty[i] = num(quote.bidQty);
  side.askQty[i] = num(quote.askQty);
  side.volume[i] = num(quote.volume);
  side.oi[i] = num(quote.oi);
  side.oiChange[i] = num(quote.oi) - num(quote.previousOi);
  quoteTimes[i] = num(quote.quoteTime);
}

function quoteAt(
  iv: Float64Array,
  i: number,
  side: ChainSide,
  greeks: GreekColumns,
  theoretical: Float64Array,
  raw: RawQuote,
  flag: number,
): EnrichedQuote {
  const solved = Number.isFinite(iv[i]);
  return {
    ltp: finiteOrNull(side.ltp[i]),
    bid: finiteOrNull(side.bid[i]),
    ask: finiteOrNull(side.ask[i]),
    // A close of 0 (what a feed sends for a strike listed today) is no close.
    previousClose: raw.previousClose && raw.previousClose > 0 ? raw.previousClose : null,
    bidQty: finiteOrNull(side.bidQty[i]),
    askQty: finiteOrNull(side.askQty[i]),
    volume: finiteOrNull(side.volume[i]),
    oi: finiteOrNull(side.oi[i]),
    oiChange: finiteOrNull(side.oiChange[i]),
    iv: finiteOrNull(iv[i]),
    delta: solved ? finiteOrNull(greeks.delta[i]) : null,
    gamma: solved ? finiteOrNull(greeks.gamma[i]) : null,
    theta: solved ? finiteOrNull(greeks.theta[i]) : null,
    vega: solved ? finiteOrNull(greeks.vega[i]) : null,
    rho: solved ? finiteOrNull(greeks.rho[i]) : null,
    vanna: solved ? finiteOrNull(greeks.vanna[i]) : null,
    charm: solved ? finiteOrNull(greeks.charm[i]) : null,
    vomma: solved ? finiteOrNull(greeks.vomma[i]) : null,
    theoreticalPrice: finiteOrNull(theoretical[i]),
    sourceIv: raw.sourceIv && raw.sourceIv > 0 ? raw.sourceIv : null,
    sourceDelta: raw.sourceDelta ?? null,
    quality: flag === 0 ? null : reasonName(flag),
  };
}

function num(value: number | null | undefined): number {
  return value === null || value === undefined ? NaN : value;
}

export function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/** What became of one message of `market.raw`. */
export type RawOutcome = { kind: 'enriched'; snapshot: EnrichedSnapshot } | { kind: 'rejected'; reason: string; message: string };

export interface ProcessOptions {
  instruments: ReadonlyMap<string, Instrument>;
  rate: number;
  gexConvention?: GexConvention;
}

/**
 * One message of `market.raw`, whole: its envelope parsed, its instrument
 * looked up, the chain enriched; or the reason it was rejected whole. The
 * same function runs on the main loop and in the enrichment threads
 * (enrichPool.ts).
 */
export function processRaw(value: unknown, options: ProcessOptions): RawOutcome {
  let raw: RawSnapshot;
  try {
    raw = parseRawSnapshot(value);
  } catch (error) {
    return { kind: 'rejected', reason: error instanceof MessageError ? error.reason : 'invalid_envelope', message: error instanceof Error ? error.message : String(error) };
  }
  const instrument = options.instruments.get(raw.symbol);
  if (!instrument) return { kind: 'rejected', reason: 'unknown_symbol', message: `snapshot ${raw.id} is for unknown symbol ${raw.symbol}` };
  return { kind: 'enriched', snapshot: enrichSnapshot(raw, { instrument, rate: options.rate, gexConvention: options.gexConvention }) };
}

export interface ProcessorStats {
  processed: number;
  /** Snapshots rejected whole (bad envelope, unknown symbol), by reason. */
  rejectedSnapshots: Record<string, number>;
  /** Rows and sides rejected or flagged inside snapshots, by reason. */
  rejectedRows: Record<string, number>;
  lastProcessedAt: number | null;
}

export interface ProcessorRole {
  stats: ProcessorStats;
  stop(): Promise<void>;
}

export interface ProcessorOptions extends ProcessOptions {
  onReject?: (reason: string, message: string) => void;
  /**
   * Enrichment threads (enrichPool.ts): 0 or absent enriches on the main
   * loop, one message at a time; 1 or more hands each message to a worker
   * thread (structured clone in and out), so the API's delivery on the main
   * loop and the IV solve and analytics do not wait for each other.
   */
  threads?: number;
  /** Told when an enrichment thread failed (it is replaced; its messages are retried by the bus). */
  onThreadFailed?: (reason: string) => void;
  /** Where processor_latency_seconds and processor_rejects_total are recorded (default: nowhere). */
  metrics?: Metrics;
}

/** The id a raw message's value names, for its span and log lines ('' when it names none). */
function snapshotIdOf(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}

/**
 * Raw messages taken at once (per enrichment thread): each is enriched in its
 * own span, and the batch's enriched snapshots are then published together,
 * in the raw order (one produce request rather than one round trip each).
 */
const BATCH = 16;

/**
 * Consumes `market.raw`, publishes `market.enriched`. A snapshot that fails
 * validation is counted by reason and skipped; it never stops the consumer.
 * Enriched snapshots are published in the order of the raw ones, through
 * threads or not: the bus is keyed by symbol and its consumers rely on each
 * key's order. Each batch's are published together (`publishBatch`), and the
 * batch is done (its raw offsets may be committed) once all are acknowledged.
 */
export async function startProcessor(bus: Bus, options: ProcessorOptions): Promise<ProcessorRole> {
  const stats: ProcessorStats = { processed: 0, rejectedSnapshots: {}, rejectedRows: {}, lastProcessedAt: null };
  const metrics = options.metrics ?? NO_METRICS;
  const latency = metrics.histogram('processor_latency_seconds', 'Time from taking a raw snapshot off the bus to publishing it enriched, seconds', [], LATENCY_BUCKETS_SECONDS);
  const rejects = metrics.counter('processor_rejects_total', 'Raw snapshots rejected whole, and rows rejected or flagged inside snapshots, by reason', ['scope', 'reason']);
  /** The outcome of `message`, made within its trace: the enriched snapshot and its trace headers, or null when it was rejected. */
  const enrich = (message: BusMessage, process: () => RawOutcome | Promise<RawOutcome>) =>
    inSpan('processor.enrich', message, { 'snapshot.id': snapshotIdOf(message.value), 'messaging.source': TOPICS.raw }, async () => {
      const outcome = await process();
      if (outcome.kind === 'rejected') {
        stats.rejectedSnapshots[outcome.reason] = (stats.rejectedSnapshots[outcome.reason] ?? 0) + 1;
        rejects.inc({ scope: 'snapshot', reason: outcome.reason });
        options.onReject?.(outcome.reason, outcome.message);
        return null;
      }
      const enriched = outcome.snapshot;
      for (const [reason, n] of Object.entries(enriched.rejects)) {
        stats.rejectedRows[reason] = (stats.rejectedRows[reason] ?? 0) + n;
        if (n > 0) rejects.inc({ scope: 'row', reason }, n);
      }
      return { snapshot: enriched, headers: traceHeaders() };
    });

  const threads = options.threads ?? 0;
  const pool = threads > 0 ? new EnrichPool({ threads, instruments: options.instruments, rate: options.rate, gexConvention: options.gexConvention, onThreadFailed: options.onThreadFailed }) : null;
  // A batch that fails part-way is retried by the bus one message at a time: those handled before the failure are not handled twice.
  const handledOfFailedBatch = new Set<BusMessage>();
  const onBatch = async (messages: BusMessage[]) => {
    if (messages.length === 1 && handledOfFailedBatch.delete(messages[0])) return;
    if (messages.length > 1) handledOfFailedBatch.clear();
    const began = performance.now();
    // On threads: all handed over at once, taken back in order; on the main loop: enriched one by one as the loop below asks.
    const outcomes = pool ? messages.map((message) => pool.process(message.value)) : null;
    for (const outcome of outcomes ?? []) outcome.catch(() => {});
    const ready: { index: number; snapshot: EnrichedSnapshot; headers: Record<string, string> | undefined }[] = [];
    let failed: { index: number; error: unknown } | undefined;
    for (let i = 0; i < messages.length; i++) {
      // Enriching on this loop: a turn per snapshot, so whatever else it serves (the API in ROLE=all) answers in between.
      if (!outcomes && i > 0) await yieldToEventLoop();
      try {
        const made = await enrich(messages[i], outcomes ? () => outcomes[i] : () => processRaw(messages[i].value, options));
        if (made) ready.push({ index: i, ...made });
      } catch (error) {
        failed = { index: i, error };
        break;
      }
    }
    /** Marks the messages before `index` handled (for the one-by-one retry) and rethrows `error`. */
    const failAt = (index: number, error: unknown): never => {
      if (messages.length > 1) for (let j = 0; j < index; j++) handledOfFailedBatch.add(messages[j]);
      throw error;
    };
    const published = (count: number) => {
      const seconds = (performance.now() - began) / 1000;
      for (const { snapshot } of ready.slice(0, count)) {
        stats.processed++;
        stats.lastProcessedAt = snapshot.processedAt;
        latency.observe({}, seconds);
      }
    };
    try {
      await bus.publishBatch(TOPICS.enriched, ready.map(({ snapshot, headers }) => ({ key: snapshot.symbol, value: snapshot, headers })));
    } catch (error) {
      // Those published are handled; from the first that was not, the bus retries (with its own error: a MessageError stays poison).
      if (!(error instanceof PublishBatchError)) throw error;
      published(error.published);
      failAt(ready[error.published].index, error.cause);
    }
    published(ready.length);
    if (failed) failAt(failed.index, failed.error);
  };
  let subscription: Subscription;
  try {
    subscription = await bus.subscribeBatch(TOPICS.raw, 'processor', onBatch, { maxBatch: BATCH * Math.max(1, threads) });
  } catch (error) {
    await pool?.close();
    throw error;
  }
  return {
    stats,
    stop: async () => {
      await subscription.unsubscribe();
      await pool?.close();
    },
  };
}
