/**
 * Messages that cross process boundaries (the bus topics `market.raw` and
 * `market.enriched`). Versioned, and validated where they enter a process:
 * a message that fails is rejected with the reason, never half-processed.
 *
 * Units: prices in index points; IV as a decimal (sources convert the
 * percent that Dhan and NSE quote); open interest and volume in contracts
 * (lots), as the exchanges report them (sources convert Dhan's units of the
 * underlying); quote quantities (bidQty, askQty) in units of the underlying,
 * as the exchanges' order books show them; times as epoch milliseconds;
 * expiries as YYYY-MM-DD (the contract expires at 15:30 IST that day). A lot
 * is the contract's lot size on the snapshot's date (`lotSizeOn` in
 * core/instruments.ts).
 */
import { z } from 'zod';

export const RAW_SNAPSHOT_VERSION = 1;
/** Version 2: each quote carries the previous session's close (`previousClose`). */
export const ENRICHED_SNAPSHOT_VERSION = 2;

/**
 * One side (call or put) of one strike as the source reported it. Fields are
 * loose on purpose: the processor's data-quality rules decide what a row is
 * worth and count the rejects by reason; validation here only guarantees the
 * shape, so one bad quote never rejects a whole chain.
 */
export const rawQuoteSchema = z.object({
  /** Last traded price, index points. */
  ltp: z.number().nullable(),
  /** Best bid and ask, index points. */
  bid: z.number().nullable().optional(),
  ask: z.number().nullable().optional(),
  /** Quantity at the best bid and ask, units of the underlying. */
  bidQty: z.number().nullable().optional(),
  askQty: z.number().nullable().optional(),
  /** Volume this session, contracts. */
  volume: z.number().nullable().optional(),
  /** Open interest now and at the previous session's close, contracts. */
  oi: z.number().nullable().optional(),
  previousOi: z.number().nullable().optional(),
  /** Previous session's closing price, index points. */
  previousClose: z.number().nullable().optional(),
  /** The source's own IV, decimal; 0 or absent when it has none. */
  sourceIv: z.number().nullable().optional(),
  sourceDelta: z.number().nullable().optional(),
  sourceGamma: z.number().nullable().optional(),
  sourceTheta: z.number().nullable().optional(),
  sourceVega: z.number().nullable().optional(),
  /** Epoch ms of the last quote update, when the source says. */
  quoteTime: z.number().nullable().optional(),
  securityId: z.string().nullable().optional(),
});
export type RawQuote = z.infer<typeof rawQuoteSchema>;

export const rawRowSchema = z.object({
  strike: z.number(),
  call: rawQuoteSchema.nullable(),
  put: rawQuoteSchema.nullable(),
});
export type RawRow = z.infer<typeof rawRowSchema>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

export const rawSnapshotSchema = z.object({
  version: z.literal(RAW_SNAPSHOT_VERSION),
  /** Identifies the source snapshot; the same id is processed once. */
  id: z.string().min(1),
  source: z.enum(['simulator', 'dhan', 'replay']),
  symbol: z.string().min(1),
  expiry: isoDate,
  timestamp: z.number().int().positive(),
  spot: z.number().positive(),
  /** Futures price of the same expiry, when the source has one. */
  future: z.number().positive().nullable().optional(),
  /** India VIX at the same instant, in points, when known. */
  vix: z.number().positive().nullable().optional(),
  rows: z.array(z.unknown()),
});
/** A raw snapshot after envelope validation; rows are validated one by one. */
export type RawSnapshot = Omit<z.infer<typeof rawSnapshotSchema>, 'rows'> & { rows: RawRow[] };

export class MessageError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'MessageError';
  }
}

/** Parses a raw snapshot envelope; throws MessageError naming the first bad field. */
export function parseRawSnapshot(value: unknown): RawSnapshot {
  if (typeof value === 'object' && value !== null && 'version' in value && value.version !== RAW_SNAPSHOT_VERSION) {
    throw new MessageError(`unsupported raw snapshot version ${JSON.stringify(value.version)} (this build reads ${RAW_SNAPSHOT_VERSION})`, 'unknown_version');
  }
  const result = rawSnapshotSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MessageError(`invalid raw snapshot: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'invalid_envelope');
  }
  return result.data as RawSnapshot;
}

/** One option side after enrichment. Missing numbers are null (JSON has no NaN). */
export interface EnrichedQuote {
  /** Last traded price, best bid and best ask, index points. */
  ltp: number | null;
  bid: number | null;
  ask: number | null;
  /** The previous session's closing price, index points; null when the source did not say (or sent 0). */
  previousClose: number | null;
  /** Quantity at the best bid and ask, units of the underlying. */
  bidQty: number | null;
  askQty: number | null;
  /** Volume this session, contracts. */
  volume: number | null;
  /** Open interest, contracts. */
  oi: number | null;
  /** OI change since the previous session's close, contracts. */
  oiChange: number | null;
  /** Our implied volatility, decimal, from the mid (else LTP) on the forward. */
  iv: number | null;
  delta: number | null;
  gamma: number | null;
  /** Per calendar day. */
  theta: number | null;
  /** Per 1 vol point. */
  vega: number | null;
  /** Per 1 % of rate. */
  rho: number | null;
  vanna: number | null;
  charm: number | null;
  vomma: number | null;
  /** Model price at the strike's smoothed smile volatility. */
  theoreticalPrice: number | null;
  /** The source's own IV (decimal) and delta, kept for comparison. */
  sourceIv: number | null;
  sourceDelta: number | null;
  /** Data-quality reason when this side was flagged, else null. */
  quality: string | null;
}

export interface EnrichedRow {
  strike: number;
  call: EnrichedQuote | null;
  put: EnrichedQuote | null;
}

export interface SupportResistanceLevel {
  strike: number;
  /** Open interest at the strike, contracts. */
  oi: number;
  /** Share of that side's total OI, 0–1. */
  strength: number;
}

/** Chain analytics of one snapshot (see core/analytics/summary.ts for definitions). */
export interface ChainAnalytics {
  pcrOi: number | null;
  pcrVolume: number | null;
  pcrOiChange: number | null;
  maxPain: number | null;
  atmStrike: number | null;
  atmIv: number | null;
  straddlePrice: number | null;
  /** Expected absolute move to expiry implied by the straddle, index points. */
  expectedMove: number | null;
  /** One-standard-deviation move F·σ_ATM·√T, index points. */
  oneSigmaMove: number | null;
  riskReversal25: number | null;
  butterfly25: number | null;
  /** IV of the 5 %-OTM put minus IV of the 5 %-OTM call. */
  putCallSkew: number | null;
  /** Σ Γ·OI·lotSize·S²·0.01 (OI in contracts), rupees per 1 % move. */
  totalGex: number | null;
  gammaFlip: number | null;
  gexConvention: string;
  callWall: number | null;
  putWall: number | null;
  /** Σ open interest of each side, contracts. */
  totalCallOi: number;
  totalPutOi: number;
  support: SupportResistanceLevel[];
  resistance: SupportResistanceLevel[];
  basis: number | null;
  carryRate: number | null;
}

export interface EnrichedSnapshot {
  version: typeof ENRICHED_SNAPSHOT_VERSION;
  /** The raw snapshot's id: storage and subscribers key on it. */
  id: string;
  source: string;
  symbol: string;
  expiry: string;
  timestamp: number;
  processedAt: number;
  spot: number;
  future: number | null;
  vix: number | null;
  forward: number | null;
  forwardSource: string;
  tYears: number;
  rate: number;
  /** Units of the underlying per contract of this expiry on the snapshot's date. */
  lotSize: number;
  analytics: ChainAnalytics;
  rows: EnrichedRow[];
  /** Sides flagged by the data-quality rules or malformed rows, by reason. */
  rejects: Record<string, number>;
}

export const enrichedSnapshotSchema = z.object({
  version: z.literal(ENRICHED_SNAPSHOT_VERSION),
  id: z.string().min(1),
  source: z.string(),
  symbol: z.string().min(1),
  expiry: isoDate,
  timestamp: z.number().int().positive(),
  processedAt: z.number(),
  spot: z.number().positive(),
  tYears: z.number(),
  rate: z.number(),
  lotSize: z.number().int().positive(),
  analytics: z.object({}).passthrough(),
  rows: z.array(z.object({ strike: z.number() }).passthrough()),
  rejects: z.record(z.string(), z.number()),
});

/**
 * Envelopes already validated. On the in-process bus every consumer of
 * `market.enriched` (storage, analytics) receives the same object, which bus
 * messages never change after publishing: it is checked once, not once per
 * consumer (a zod pass over every row costs about as much as the analytics
 * reducer on a 41-strike chain). Weak, so it holds nothing alive.
 */
const validatedEnriched = new WeakSet<object>();

/** Validates an enriched snapshot envelope; throws MessageError naming the first bad field. */
export function parseEnrichedSnapshot(value: unknown): EnrichedSnapshot {
  if (typeof value === 'object' && value !== null && validatedEnriched.has(value)) return value as EnrichedSnapshot;
  if (typeof value === 'object' && value !== null && 'version' in value && value.version !== ENRICHED_SNAPSHOT_VERSION) {
    throw new MessageError(`unsupported enriched snapshot version ${JSON.stringify(value.version)} (this build reads ${ENRICHED_SNAPSHOT_VERSION})`, 'unknown_version');
  }
  const result = enrichedSnapshotSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MessageError(`invalid enriched snapshot: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'invalid_envelope');
  }
  validatedEnriched.add(value as object);
  return value as EnrichedSnapshot;
}

/**
 * Approximate heap bytes a snapshot message holds (measured with the
 * simulator's chains under --expose-gc: about 700 bytes per raw row and
 * 1,100 per enriched row, two sides each). The in-process bus bounds its
 * queues with it: counting messages would let 400-strike chains take 10×
 * the memory of 40-strike ones. An analytics message (core/analyticsMessage.ts)
 * holds about 28 KiB of chain and symbol intelligence and 800 bytes per
 * strike of flows (measured alike: 60 KB at 41 strikes, 183 KB at 201).
 */
/**
 * The rows a bus message would become in storage, for the buffered-rows
 * gauge: a snapshot's option quotes (each present call and put), an
 * analytics message's per-strike flow rows (at most: storage samples them),
 * 1 for anything else.
 */
export function messageRows(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  const flows = (value as { flows?: unknown }).flows;
  if (Array.isArray(flows)) return flows.length;
  const rows = (value as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return 1;
  let quotes = 0;
  for (const row of rows as { call?: unknown; put?: unknown }[]) quotes += (row?.call ? 1 : 0) + (row?.put ? 1 : 0);
  return quotes;
}

export function approximateMessageBytes(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 64;
  const flows = (value as { flows?: unknown }).flows;
  if (Array.isArray(flows)) return 28_672 + flows.length * 800;
  const rows = (value as { rows?: unknown }).rows;
  if (!Array.isArray(rows)) return 1_024;
  const perRow = 'analytics' in value ? 1_150 : 700;
  return 2_048 + rows.length * perRow;
}
