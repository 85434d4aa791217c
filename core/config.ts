/**
 * Configuration from environment variables, parsed once at start-up. Every
 * variable is documented in .env.example; a bad value stops start-up with a
 * message naming the variable, the value and what was expected.
 */
import { z } from 'zod';
import { instrumentTable, type Instrument, type InstrumentOverrides } from './instruments.ts';
import { INTERVAL_PATTERN, intervalMs } from './time/interval.ts';

const GEX_CONVENTIONS = ['dealer-long-calls-short-puts', 'dealer-short-calls-long-puts', 'unsigned'] as const;

const numberFrom = (schema: z.ZodNumber) => z.preprocess((v) => (v === undefined || v === '' ? undefined : Number(v)), schema);
const listFrom = z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(z.string()));

/** "NIFTY:75,BANKNIFTY:35" → { NIFTY: 75, BANKNIFTY: 35 } */
const symbolNumbers = z.preprocess(
  (v) => {
    if (typeof v !== 'string' || v.trim() === '') return {};
    const entries = v.split(',').map((pair) => pair.split(':').map((s) => s.trim()));
    return Object.fromEntries(entries.map(([symbol, value]) => [symbol?.toUpperCase(), value === undefined ? NaN : Number(value)]));
  },
  z.record(z.string().regex(/^[A-Z0-9]+$/, 'symbol'), z.number().positive('must be a positive number')),
);

const interval = z.string().regex(INTERVAL_PATTERN, 'an interval such as "1 day" or "7 days"');
/** A retention window: an interval of at least a minute. */
const retentionWindow = interval.refine((v) => !INTERVAL_PATTERN.test(v) || intervalMs(v) >= 60_000, 'at least "1 minute"');

const envSchema = z.object({
  /** Which pipeline role this process runs; `all` is the embedded default. */
  ROLE: z.enum(['all', 'ingest', 'process', 'store', 'api']).default('all'),
  PORT: numberFrom(z.number().int().min(0).max(65_535)).default(4000),
  HOST: z.string().default('0.0.0.0'),
  /** postgres:// URL; absent means embedded PGlite under DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: numberFrom(z.number().int().positive()).default(10),
  DATA_DIR: z.string().default('.data'),
  /** redis:// URL: subscriptions across API replicas, the query cache and de-duplication. */
  REDIS_URL: z.string().url().optional(),
  /** Seconds a cached query result lives (the seeds' 30–60 s). */
  CACHE_TTL_SECONDS: numberFrom(z.number().int().min(1).max(3600)).default(30),
  /** Comma-separated Kafka brokers: the event bus between processes. */
  KAFKA_BROKERS: listFrom.optional(),
  KAFKA_CLIENT_ID: z.string().default('options-platform'),
  KAFKA_PARTITIONS: numberFrom(z.number().int().min(1)).default(3),
  KAFKA_REPLICATION_FACTOR: numberFrom(z.number().int().min(1)).default(1),
  KAFKA_DEAD_LETTER_TOPIC: z.string().default('market.deadletter'),
  TIMESCALE_CHUNK_INTERVAL: interval.default('1 day'),
  TIMESCALE_COMPRESS_AFTER: interval.default('7 days'),
  TIMESCALE_RETENTION: interval.default('90 days'),
  /** Raw rows kept on PGlite and plain PostgreSQL, back from the newest snapshot; older ones are folded into the rollups and deleted. */
  RETENTION_RAW: retentionWindow.default('1 hour'),
  /** Rollups (the downsampled history) kept on PGlite and plain PostgreSQL. */
  RETENTION_HISTORY: retentionWindow.default('7 days'),
  /** Seconds between two runs of the retention job. */
  RETENTION_EVERY_SECONDS: numberFrom(z.number().int().min(1).max(86_400)).default(60),
  /** Snapshots (with their option rows) deleted per transaction by the retention job. */
  RETENTION_BATCH_SNAPSHOTS: numberFrom(z.number().int().min(1).max(10_000)).default(100),
  /** Enriched snapshots the storage role holds while the database is unreachable. */
  STORAGE_MAX_BUFFERED: numberFrom(z.number().int().min(1)).default(10_000),
  /** Most enriched snapshots the storage role writes at once (whatever queued while the last write ran, up to this). */
  STORAGE_MAX_BATCH: numberFrom(z.number().int().min(1)).default(500),
  /** PostgreSQL transactions one storage batch is split across, by (symbol, expiry); each holds a pooled connection. */
  STORAGE_WRITE_TRANSACTIONS: numberFrom(z.number().int().min(1).max(32)).default(2),
  SOURCE: z.enum(['simulator', 'dhan', 'replay']).default('simulator'),
  SYMBOLS: listFrom.default(['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX']),
  EXPIRIES_PER_SYMBOL: numberFrom(z.number().int().min(1).max(8)).default(2),
  RISK_FREE_RATE: numberFrom(z.number().min(-0.05).max(0.5)).default(0.065),
  HOLIDAYS: listFrom.pipe(z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates must be YYYY-MM-DD'))).default([]),
  LOT_SIZES: symbolNumbers.default({}),
  STRIKE_STEPS: symbolNumbers.default({}),
  GEX_CONVENTION: z.enum(GEX_CONVENTIONS).default('dealer-long-calls-short-puts'),
  SIM_SEED: numberFrom(z.number().int()).default(42),
  SIM_TICK_MS: numberFrom(z.number().int().min(1)).default(1000),
  SIM_SPEED: numberFrom(z.number().positive()).default(1),
  SIM_CLOCK: z.enum(['market', 'always-open']).default('always-open'),
  SIM_STRIKES_EACH_SIDE: numberFrom(z.number().int().min(1).max(200)).default(20),
  DHAN_BASE_URL: z.string().url().default('https://api.dhan.co'),
  DHAN_ACCESS_TOKEN: z.string().optional(),
  DHAN_CLIENT_ID: z.string().optional(),
  DHAN_MIN_INTERVAL_MS: numberFrom(z.number().int().min(0)).default(3000),
  REPLAY_FILE: z.string().optional(),
  REPLAY_SPEED: numberFrom(z.number().positive()).default(1),
  REPLAY_LOOP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Record every raw snapshot to this .ndjson.gz file (any source). */
  RECORD_FILE: z.string().optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  instruments: Map<string, Instrument>;
  holidaySet: Set<string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = String(issue.path[0]);
        return `${variable}=${JSON.stringify(env[variable] ?? '')}: ${issue.message}`;
      }),
    );
  }
  const parsed = result.data;
  const problems: string[] = [];
  const overrides: InstrumentOverrides = {};
  for (const [symbol, lotSize] of Object.entries(parsed.LOT_SIZES)) (overrides[symbol] ??= {}).lotSize = lotSize;
  for (const [symbol, strikeStep] of Object.entries(parsed.STRIKE_STEPS)) (overrides[symbol] ??= {}).strikeStep = strikeStep;
  const instruments = instrumentTable(overrides);
  for (const symbol of [...Object.keys(overrides), ...parsed.SYMBOLS]) {
    if (!instruments.has(symbol.toUpperCase())) problems.push(`unknown symbol ${symbol}; known: ${[...instruments.keys()].join(', ')}`);
  }
  if (parsed.SOURCE === 'dhan' && (!parsed.DHAN_ACCESS_TOKEN || !parsed.DHAN_CLIENT_ID)) {
    problems.push('SOURCE=dhan needs DHAN_ACCESS_TOKEN and DHAN_CLIENT_ID');
  }
  if (parsed.STORAGE_MAX_BATCH > parsed.STORAGE_MAX_BUFFERED) {
    problems.push(`STORAGE_MAX_BATCH=${parsed.STORAGE_MAX_BATCH} exceeds STORAGE_MAX_BUFFERED=${parsed.STORAGE_MAX_BUFFERED}: a batch is taken from the buffer`);
  }
  if (parsed.STORAGE_WRITE_TRANSACTIONS > parsed.DATABASE_POOL_SIZE) {
    problems.push(
      `STORAGE_WRITE_TRANSACTIONS=${parsed.STORAGE_WRITE_TRANSACTIONS} exceeds DATABASE_POOL_SIZE=${parsed.DATABASE_POOL_SIZE}: each transaction needs its own connection`,
    );
  }
  if (intervalMs(parsed.RETENTION_HISTORY) < intervalMs(parsed.RETENTION_RAW)) {
    problems.push(`RETENTION_HISTORY="${parsed.RETENTION_HISTORY}" is shorter than RETENTION_RAW="${parsed.RETENTION_RAW}": the history outlives the raw rows`);
  }
  if (parsed.SOURCE === 'replay' && !parsed.REPLAY_FILE) problems.push('SOURCE=replay needs REPLAY_FILE');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...parsed,
    SYMBOLS: parsed.SYMBOLS.map((s) => s.toUpperCase()),
    instruments,
    holidaySet: new Set(parsed.HOLIDAYS),
  };
}
