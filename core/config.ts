/**
 * Configuration from environment variables, parsed once at start-up. Every
 * variable is documented in .env.example; a bad value stops start-up with a
 * message naming the variable, the value and what was expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { instrumentTable, type Instrument, type InstrumentOverrides } from './instruments.ts';
import { NSE_INDEX_MARGIN_PARAMETERS, type MarginParameters } from './strategy/margin.ts';
import { NAMED_SCENARIOS, namedScenario } from './scenario/named.ts';
import { parseScenarioJson, ScenarioError, scenarioProblems, type Scenario } from './scenario/scenario.ts';
import { INTERVAL_PATTERN, intervalMs } from './time/interval.ts';
import { defaultPlans, plansWithOverrides, type Plans } from './auth/plans.ts';

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

/** "64MiB", "1 GiB", "500kB" or plain bytes → bytes. */
function toBytes(v: unknown): number | undefined {
  if (v === undefined || v === '') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]i?B|B)?\s*$/.exec(String(v));
  if (!match) return NaN;
  const unit = (match[2] ?? 'B').toLowerCase();
  const factor = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 }[unit] ?? NaN;
  return Math.round(Number(match[1]) * factor);
}
const SIZE_EXAMPLE = 'a size such as 16MiB, 1GiB or a number of bytes';
const byteSize = z.preprocess(toBytes, z.number({ message: SIZE_EXAMPLE }).int().positive(SIZE_EXAMPLE));
/** A memory budget: a size as byteSize, or 0 to keep nothing. */
const byteBudget = z.preprocess(toBytes, z.number({ message: `${SIZE_EXAMPLE}, or 0` }).int().nonnegative(`${SIZE_EXAMPLE}, or 0`));

/** A URL whose scheme is one of `schemes`, so a wrong kind of URL is named at start-up, not at the first connection. */
const urlWithScheme = (schemes: string[], example: string) =>
  z
    .string()
    .refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL, such as ${example}`);

const flag = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((v) => v === 'true');

/** "https://app.example.com, http://localhost:5173" → origins; "*" means any origin. */
const origins = listFrom.pipe(
  z.array(
    z.string().refine(
      (origin) => origin === '*' || /^https?:\/\/[^/?#\s]+$/.test(origin),
      'each origin must be scheme://host[:port] without a path or trailing slash, such as https://app.example.com, or *',
    ),
  ),
);

/** A percentage between `min` and `max` (9.3 = 9.3 %), named in the message with its unit. */
const percent = (min: number, max: number, unit = 'a percentage') =>
  numberFrom(z.number({ message: `must be ${unit}, a number such as 9.3` }).min(min, `must be ${unit} of at least ${min}`).max(max, `must be ${unit} of at most ${max}`));

const interval = z.string().regex(INTERVAL_PATTERN, 'an interval such as "1 day" or "7 days"');
/** A retention window: an interval of at least a minute. */
const retentionWindow = interval.refine((v) => !INTERVAL_PATTERN.test(v) || intervalMs(v) >= 60_000, 'at least "1 minute"');

/** The longest refresh window of the continuous aggregates (strike_stats_1h, chain_summary_1h, analytics_mood_1h; db/migrations/0001_timescale.sql, 0007_mood_aggregates.sql). */
const AGGREGATE_REFRESH_LOOKBACK_MS = 7 * 86_400_000;

const envSchema = z.object({
  /** Which pipeline role this process runs; `all` is the embedded default. */
  ROLE: z.enum(['all', 'ingest', 'process', 'analytics', 'store', 'api']).default('all'),
  /** The source and the processor's enrichment on worker threads of their own (on), or everything on the main event loop (off). */
  PIPELINE_THREADS: z.enum(['source', 'on', 'off'], { message: 'must be source, on or off' }).default('source'),
  PORT: numberFrom(z.number().int().min(0).max(65_535)).default(4000),
  /** Loopback by default: the embedded default is reachable from this machine only; containers set 0.0.0.0. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** Proxies in front of the API whose X-Forwarded-For entries are trusted (0: the socket's address identifies a client). */
  TRUST_PROXY: numberFrom(z.number().int().min(0).max(10)).default(0),
  /** Largest GraphQL request: an HTTP body or a WebSocket message, bytes. */
  MAX_REQUEST_BYTES: numberFrom(z.number().int().min(1024).max(100 * 1024 * 1024)).default(102_400),
  /** Most tokens in a GraphQL document (graphql-armor max-tokens). */
  MAX_TOKENS: numberFrom(z.number().int().min(200)).default(2000),
  /** Deepest selection nesting (graphql-armor max-depth; introspection excepted). */
  MAX_DEPTH: numberFrom(z.number().int().min(2)).default(8),
  /** Most aliases in an operation (graphql-armor max-aliases). */
  MAX_ALIASES: numberFrom(z.number().int().min(0)).default(15),
  /** Most directives in an operation (graphql-armor max-directives). */
  MAX_DIRECTIVES: numberFrom(z.number().int().min(0)).default(50),
  /** Highest query cost (field costs declared beside each field in schema/*.ts). */
  MAX_COST: numberFrom(z.number().int().min(100)).default(50_000),
  /** Calls of each query field per client per RATE_LIMIT_WINDOW_SECONDS; 0 turns the rate limit off. */
  RATE_LIMIT_MAX: numberFrom(z.number().int().min(0)).default(300),
  RATE_LIMIT_WINDOW_SECONDS: numberFrom(z.number().int().min(1).max(86_400)).default(60),
  /** Cost points (operation costs, as MAX_COST counts them) one client may spend per RATE_LIMIT_WINDOW_SECONDS, all its operations together: the anonymous and free plans' default (pro 10×, admin none); 0: no cost budget. At least MAX_COST when set. */
  RATE_LIMIT_COST_MAX: numberFrom(z.number().int().min(0)).default(1_000_000),
  /** Clients the rate limiter remembers; the least recently seen is forgotten first. */
  RATE_LIMIT_MAX_CLIENTS: numberFrom(z.number().int().min(100)).default(10_000),
  /** Database-backed fields (optionChain, chainHistory, expiries) running at once, and waiting beyond those. */
  DB_MAX_CONCURRENT_QUERIES: numberFrom(z.number().int().min(1).max(256)).default(4),
  DB_MAX_QUEUED_QUERIES: numberFrom(z.number().int().min(0)).default(64),
  /** Longest a database-backed field may wait and run before it answers QUERY_TIMEOUT, ms. */
  QUERY_TIMEOUT_MS: numberFrom(z.number().int().min(100)).default(10_000),
  /** PostgreSQL statement_timeout of every statement of this process, ms; 0 turns it off. */
  DATABASE_STATEMENT_TIMEOUT_MS: numberFrom(z.number().int().min(0)).default(30_000),
  /** WebSocket connections plus SSE subscription streams, in total and per client. */
  SUBSCRIPTION_MAX_CONNECTIONS: numberFrom(z.number().int().min(1)).default(1000),
  SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: numberFrom(z.number().int().min(1)).default(20),
  /** With REDIS_URL: a replica's hold on a place of a per-user WebSocket cap or per-caller subscription cap (shared by every replica in Redis) lasts this long unless refreshed (every third of it), s: a crashed replica's places free within it. */
  SUBSCRIPTION_LEASE_SECONDS: numberFrom(z.number().int().min(3).max(3600)).default(30),
  /** Active operations on one WebSocket connection. */
  SUBSCRIPTION_MAX_PER_CONNECTION: numberFrom(z.number().int().min(1)).default(20),
  /** Distinct live operations (document, variables, live source) executed at once; each serves any number of subscribers. */
  SUBSCRIPTION_MAX_DISTINCT_OPERATIONS: numberFrom(z.number().int().min(1)).default(1000),
  /** Historical playbacks (subscription playback) running at once on this API process; one more is answered SERVER_BUSY. */
  PLAYBACK_MAX_CONCURRENT: numberFrom(z.number().int().min(1).max(256)).default(4),
  /** A WebSocket that has not sent connection_init by then is closed (4408), ms. */
  SUBSCRIPTION_INIT_TIMEOUT_MS: numberFrom(z.number().int().min(100)).default(3000),
  /** Origins allowed to call the API from a browser; empty: no cross-origin access. */
  CORS_ORIGINS: origins.default([]),
  /** Let those origins send cookies and HTTP authentication (never with *). */
  CORS_CREDENTIALS: flag.default(false),
  /** gzip or brotli responses when the client accepts them. */
  COMPRESSION: flag.default(true),
  /** Run queries as code compiled per document (graphql-jit) where the answer is graphql-js' own (api/installCompiledQueries.ts); false: graphql-js for every operation. */
  COMPILED_QUERIES: flag.default(true),
  /** postgres:// URL; absent means embedded PGlite under DATA_DIR. */
  DATABASE_URL: urlWithScheme(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/options').optional(),
  DATABASE_POOL_SIZE: numberFrom(z.number().int().positive()).default(10),
  DATA_DIR: z.string().default('.data'),
  /** redis:// URL: subscriptions across API replicas, the query cache and de-duplication. */
  REDIS_URL: urlWithScheme(['redis:', 'rediss:'], 'redis://host:6379').optional(),
  /** Seconds a cached query result lives (the seeds' 30–60 s). */
  CACHE_TTL_SECONDS: numberFrom(z.number().int().min(1).max(3600)).default(30),
  /** Memory for past chains (optionChain with `at`) kept by their snapshot's instant, per API process; 0 keeps none. */
  PAST_CHAIN_CACHE_BYTES: byteBudget.default(64 * 1024 ** 2),
  /** Memory for whole chart buckets (chainHistory) kept by range and stored contents, per API process; 0 keeps none. */
  CHART_CACHE_BYTES: byteBudget.default(16 * 1024 ** 2),
  /** Comma-separated Kafka brokers: the event bus between processes. */
  KAFKA_BROKERS: listFrom.optional(),
  KAFKA_CLIENT_ID: z.string().default('options-platform'),
  KAFKA_PARTITIONS: numberFrom(z.number().int().min(1)).default(3),
  KAFKA_REPLICATION_FACTOR: numberFrom(z.number().int().min(1)).default(1),
  KAFKA_DEAD_LETTER_TOPIC: z.string().default('market.deadletter'),
  /** `create`: the bus creates missing topics; `external`: they are managed outside and must exist. Either way the partition count is checked. */
  KAFKA_TOPICS: z.enum(['create', 'external'], { message: 'must be create or external' }).default('create'),
  /** Idempotent producer; false for brokers that refuse it (a retried send may then be written twice). */
  KAFKA_IDEMPOTENT: flag.default(true),
  /** min.insync.replicas of the topics the bus creates; unset: the broker's default. */
  KAFKA_MIN_INSYNC_REPLICAS: numberFrom(z.number().int().min(1)).optional(),
  /** Compression of produced batches. */
  KAFKA_COMPRESSION: z.enum(['none', 'gzip'], { message: 'must be none or gzip' }).default('none'),
  /** Milliseconds after which an unacknowledged publish or dead-letter write fails (kafkajs' retries included). */
  KAFKA_SEND_TIMEOUT_MS: numberFrom(z.number().int().min(100)).default(30_000),
  /** Milliseconds the broker waits for a consumer's heartbeat before it evicts it (kafkajs' default). */
  KAFKA_SESSION_TIMEOUT_MS: numberFrom(z.number().int().min(1_000)).default(30_000),
  /** Milliseconds a produce request waits for more messages before it is sent (0: at once). */
  KAFKA_LINGER_MS: numberFrom(z.number().int().min(0).max(1_000)).default(0),
  TIMESCALE_CHUNK_INTERVAL: interval.default('1 day'),
  TIMESCALE_COMPRESS_AFTER: interval.default('7 days'),
  TIMESCALE_RETENTION: interval.default('90 days'),
  /** Age after which the continuous aggregates' chunks are compressed; beyond their longest refresh window (7 days). */
  TIMESCALE_AGGREGATE_COMPRESS_AFTER: interval.default('30 days'),
  /** Age after which continuous-aggregate buckets are dropped; at least TIMESCALE_RETENTION (the history outlives the raw rows). */
  TIMESCALE_AGGREGATE_RETENTION: interval.default('365 days'),
  /** Approximate heap bytes each in-process queue between roles holds before its publisher waits. */
  QUEUE_MAX_BYTES: byteSize.default(16 * 1024 ** 2),
  /** Where the storage role spools snapshots while the database is unreachable (default DATA_DIR/spool). */
  SPOOL_DIR: z.string().optional(),
  /** The folder the storing role watches for NSE participant-wise OI and FII/DII files (default DATA_DIR/import). */
  IMPORT_DIR: z.string().optional(),
  /** Seconds between scans of IMPORT_DIR; 0 turns the watched folder off. */
  IMPORT_SCAN_SECONDS: numberFrom(z.number().int().min(0).max(86_400)).default(10),
  /** Most bytes the spool takes on disk; beyond it the source is held back. */
  SPOOL_MAX_BYTES: byteSize.default(1024 ** 3),
  /** A database write still running after this long counts as the database being unreachable. */
  STORAGE_WRITE_TIMEOUT_MS: numberFrom(z.number().int().min(100)).default(15_000),
  /** SIGTERM/SIGINT: the process has exited by this deadline, after spooling what it could not store. */
  SHUTDOWN_TIMEOUT_MS: numberFrom(z.number().int().min(1_000)).default(20_000),
  /** Seconds a stored snapshot counts as the last of its stream for repeats. */
  DEDUPE_WINDOW_SECONDS: numberFrom(z.number().int().min(1)).default(300),
  /** /readyz turns false when the source has produced nothing usable for this long. */
  SOURCE_STALE_SECONDS: numberFrom(z.number().int().min(5)).default(120),
  /** Each /readyz check answers within this, or counts as failed. */
  READYZ_TIMEOUT_MS: numberFrom(z.number().int().min(50)).default(2_000),
  /** Bearer token for /readyz?details from other hosts (loopback callers get details without it). */
  OPERATOR_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /** Raw rows kept on PGlite and plain PostgreSQL, back from the newest snapshot; older ones are folded into the rollups and deleted. */
  RETENTION_RAW: retentionWindow.default('1 hour'),
  /** Rollups (the downsampled history) kept on PGlite and plain PostgreSQL. */
  RETENTION_HISTORY: retentionWindow.default('7 days'),
  /** Seconds between two runs of the retention job. */
  RETENTION_EVERY_SECONDS: numberFrom(z.number().int().min(1).max(86_400)).default(60),
  /** Snapshots (with their option rows) deleted per transaction by the retention job. */
  RETENTION_BATCH_SNAPSHOTS: numberFrom(z.number().int().min(1).max(10_000)).default(100),
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
  /** The margin estimate's parameters (core/strategy/margin.ts, NSE Clearing's index values): least price scan range, % of the underlying price. */
  MARGIN_PRICE_SCAN_PCT: percent(0.1, 100).default(NSE_INDEX_MARGIN_PARAMETERS.priceScanMinPct),
  /** Per-symbol least price scan range, SYMBOL:percent pairs, over MARGIN_PRICE_SCAN_PCT. */
  MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: symbolNumbers.default({}),
  /** Least price scan range of options more than 9 months from expiry, %. */
  MARGIN_PRICE_SCAN_LONG_DATED_PCT: percent(0.1, 100).default(NSE_INDEX_MARGIN_PARAMETERS.priceScanLongDatedMinPct),
  /** Daily standard deviations of the price scan range, before its √2 scaling. */
  MARGIN_PRICE_SCAN_SIGMAS: numberFrom(z.number({ message: 'must be a number of standard deviations' }).min(0, 'must be at least 0').max(20, 'must be at most 20')).default(NSE_INDEX_MARGIN_PARAMETERS.priceScanSigmas),
  /** Volatility scan range, % of the annualised volatility. */
  MARGIN_VOL_SCAN_PCT: percent(0, 100).default(NSE_INDEX_MARGIN_PARAMETERS.volScanPct),
  /** Least volatility scan range, vol points. */
  MARGIN_VOL_SCAN_MIN_PCT: percent(0, 100, 'vol points').default(NSE_INDEX_MARGIN_PARAMETERS.volScanMinPct),
  /** The two extreme scenarios' move, multiples of the price scan range. */
  MARGIN_EXTREME_MOVE_MULTIPLE: numberFrom(z.number({ message: 'must be a multiple of the price scan range' }).min(1, 'must be at least 1').max(5, 'must be at most 5')).default(NSE_INDEX_MARGIN_PARAMETERS.extremeMoveMultiple),
  /** Share of an extreme scenario's loss that counts, %. */
  MARGIN_EXTREME_COVER_PCT: percent(0, 100).default(NSE_INDEX_MARGIN_PARAMETERS.extremeCoverPct),
  /** Short option minimum charge, % of the short options' notional; 0: none. */
  MARGIN_SHORT_OPTION_MIN_PCT: percent(0, 100).default(NSE_INDEX_MARGIN_PARAMETERS.shortOptionMinPct),
  /** Exposure margin, % of the notional of short options and futures. */
  MARGIN_EXPOSURE_PCT: percent(0, 100).default(NSE_INDEX_MARGIN_PARAMETERS.exposurePct),
  /** Calendar spread charge, % of the far-month value of the delta offset across expiries. */
  MARGIN_CALENDAR_SPREAD_PCT: percent(0, 100).default(NSE_INDEX_MARGIN_PARAMETERS.calendarSpreadPct),
  SIM_SEED: numberFrom(z.number().int()).default(42),
  SIM_TICK_MS: numberFrom(z.number().int().min(1)).default(1000),
  SIM_SPEED: numberFrom(z.number().positive()).default(1),
  SIM_CLOCK: z.enum(['market', 'always-open']).default('always-open'),
  SIM_STRIKES_EACH_SIDE: numberFrom(z.number().int().min(1).max(200)).default(20),
  /** Trading days of simulated NSE participant and FII/DII files the simulator drops into IMPORT_DIR when none are stored; 0: none. */
  SIM_INSTITUTIONAL_DAYS: numberFrom(z.number().int().min(0).max(500)).default(20),
  /** Scripted events on top of the random walk: a named scenario (core/scenario/named/) or the path of a scenario JSON file; empty: none. */
  SIM_SCENARIO: z.string().trim().optional(),
  DHAN_BASE_URL: z.string().url().default('https://api.dhan.co'),
  DHAN_ACCESS_TOKEN: z.string().optional(),
  DHAN_CLIENT_ID: z.string().optional(),
  DHAN_MIN_INTERVAL_MS: numberFrom(z.number().int().min(0)).default(3000),
  REPLAY_FILE: z.string().optional(),
  REPLAY_SPEED: numberFrom(z.number().positive()).default(1),
  REPLAY_LOOP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Record every raw snapshot to this .ndjson.gz file (any source). */
  RECORD_FILE: z.string().optional(),
  /** Whether callers without credentials are served (with the anonymous plan); the compose stack sets false. Sign-in fields stay open either way. */
  ALLOW_ANONYMOUS: flag.default(true),
  /** Access-token signing keys: a JSON array of Ed25519 private JWKs with a kid, the first signing, all verifying (rotation: put a new one first). Unset: read from, or generated once into, AUTH_JWT_KEYS_FILE. */
  AUTH_JWT_KEYS: z.string().optional(),
  /** Where the generated key set is kept when AUTH_JWT_KEYS is unset (default DATA_DIR/auth-jwt-keys.json). */
  AUTH_JWT_KEYS_FILE: z.string().optional(),
  /** Lifetime of an access token, s. */
  AUTH_ACCESS_TOKEN_SECONDS: numberFrom(z.number().int().min(30).max(86_400)).default(900),
  /** Lifetime of a refresh token, days. */
  AUTH_REFRESH_TOKEN_DAYS: numberFrom(z.number().int().min(1).max(365)).default(30),
  /** scrypt cost of password hashes, log2 N (memory 128·N·8 bytes: 15 is 32 MiB). */
  AUTH_SCRYPT_LOG_N: numberFrom(z.number().int().min(10).max(20)).default(15),
  /** Plans per role over the defaults (core/auth/plans.ts), as JSON: {"free":{"symbols":["NIFTY"],"historyDays":7}}. Plans stored by updatePlan take precedence. */
  AUTH_PLANS: z.string().optional(),
  /** Seconds between re-reads of the stored plans (an edit on another API process shows within this). */
  AUTH_PLAN_REFRESH_SECONDS: numberFrom(z.number().int().min(1).max(3600)).default(10),
  /** Seconds a verified API key is reused without a database read (a revocation on another API process shows within this). */
  AUTH_API_KEY_CACHE_SECONDS: numberFrom(z.number().int().min(0).max(3600)).default(10),
  /** Seconds a user's token cut-off (logoutEverywhere, role change) is reused without a database read (a cut-off made on another API process shows within this). */
  AUTH_TOKEN_CUTOFF_CACHE_SECONDS: numberFrom(z.number().int().min(0).max(3600)).default(5),
  /** Firebase project whose ID tokens signInWithFirebase accepts; unset: Firebase sign-in is off. With FIREBASE_AUTH_EMULATOR_HOST set, tokens of the emulator are accepted instead. */
  FIREBASE_PROJECT_ID: z.string().regex(/^[a-z0-9-]{4,40}$/, 'a Firebase project id such as my-project or demo-options').optional(),
  /** Trusted documents (persisted operations): a JSON manifest { id: document } clients may name by documentId; unset: off. */
  TRUSTED_DOCUMENTS_FILE: z.string().optional(),
  /** Run only the manifest's documents (over HTTP and graphql-ws). */
  TRUSTED_DOCUMENTS_ONLY: flag.default(false),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** json: one JSON object per line; pretty: coloured lines for a human, only when stdout is a terminal (JSON otherwise). */
  LOG_FORMAT: z.enum(['json', 'pretty'], { message: 'must be json or pretty' }).default('json'),
  /** OpenTelemetry traces go to this OTLP/HTTP collector (Jaeger: http://jaeger:4318); unset, no traces are recorded. */
  OTEL_EXPORTER_OTLP_ENDPOINT: urlWithScheme(['http:', 'https:'], 'http://jaeger:4318').optional(),
  /**
   * Whether the analytics role folds in only snapshots inside 09:15–15:30 IST
   * (sources repeat the close after it). `auto`: yes, except for the
   * simulator under SIM_CLOCK=always-open, whose market never closes.
   */
  ANALYTICS_SESSION_HOURS_ONLY: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Most stored snapshots the analytics role replays on start to rebuild its session state (the latest ones when there are more). */
  ANALYTICS_REBUILD_MAX_SNAPSHOTS: numberFrom(z.number().int().min(0).max(10_000_000)).default(100_000),
  /** (symbol, expiry) chains the analytics role keeps state for; the least recently seen is dropped beyond. */
  ANALYTICS_MAX_CHAINS: numberFrom(z.number().int().min(1).max(10_000)).default(64),
  /**
   * Seconds of snapshot time between two stored analytics documents of a
   * chain (chain document and per-strike flows) and of a symbol (mood
   * document); events and mood columns are stored every time, and the API
   * answers the latest from memory. 0: every message. At most 300: the
   * 5-minute buckets of the buildup history and of retention's thinning
   * each need one. 60 by default: on the embedded default, storing the
   * per-strike flows every 15 s cost PGlite about as much CPU again as the
   * reducer (`npm run bench`'s stage-share table; README).
   */
  ANALYTICS_STORE_INTERVAL_SECONDS: numberFrom(z.number().int().min(0).max(300)).default(60),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Omit<Env, 'SPOOL_DIR' | 'IMPORT_DIR' | 'ANALYTICS_SESSION_HOURS_ONLY' | 'AUTH_JWT_KEYS_FILE' | 'AUTH_PLANS'> {
  AUTH_JWT_KEYS_FILE: string;
  /** AUTH_PLANS parsed: the configured plan of each role. */
  plans: Plans;
  SPOOL_DIR: string;
  IMPORT_DIR: string;
  /** ANALYTICS_SESSION_HOURS_ONLY with `auto` resolved. */
  ANALYTICS_SESSION_HOURS_ONLY: boolean;
  instruments: Map<string, Instrument>;
  holidaySet: Set<string>;
  /** The simulator's scenario from SIM_SCENARIO, validated; undefined when unset. */
  scenario: Scenario | undefined;
  /** The margin estimate's parameters per known symbol, from the MARGIN_* variables. */
  marginParameters: Map<string, MarginParameters>;
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
  if (parsed.STORAGE_WRITE_TRANSACTIONS > parsed.DATABASE_POOL_SIZE) {
    problems.push(
      `STORAGE_WRITE_TRANSACTIONS=${parsed.STORAGE_WRITE_TRANSACTIONS} exceeds DATABASE_POOL_SIZE=${parsed.DATABASE_POOL_SIZE}: each transaction needs its own connection`,
    );
  }
  if (parsed.CORS_CREDENTIALS && parsed.CORS_ORIGINS.includes('*')) {
    problems.push('CORS_CREDENTIALS=true with CORS_ORIGINS=*: any web site could call the API as the visitor; list the origins instead');
  }
  if (parsed.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT > parsed.SUBSCRIPTION_MAX_CONNECTIONS) {
    problems.push(
      `SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT=${parsed.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT} exceeds SUBSCRIPTION_MAX_CONNECTIONS=${parsed.SUBSCRIPTION_MAX_CONNECTIONS}`,
    );
  }
  if (parsed.RATE_LIMIT_COST_MAX > 0 && parsed.RATE_LIMIT_COST_MAX < parsed.MAX_COST) {
    problems.push(`RATE_LIMIT_COST_MAX=${parsed.RATE_LIMIT_COST_MAX} is below MAX_COST=${parsed.MAX_COST}: an operation the cost limit allows could never run; raise it, or 0 for no cost budget`);
  }
  if (intervalMs(parsed.RETENTION_HISTORY) < intervalMs(parsed.RETENTION_RAW)) {
    problems.push(`RETENTION_HISTORY="${parsed.RETENTION_HISTORY}" is shorter than RETENTION_RAW="${parsed.RETENTION_RAW}": the history outlives the raw rows`);
  }
  if (intervalMs(parsed.TIMESCALE_AGGREGATE_COMPRESS_AFTER) <= AGGREGATE_REFRESH_LOOKBACK_MS) {
    // A compressed aggregate chunk inside a refresh window would be decompressed and rewritten at every refresh.
    problems.push(
      `TIMESCALE_AGGREGATE_COMPRESS_AFTER="${parsed.TIMESCALE_AGGREGATE_COMPRESS_AFTER}" must be longer than the aggregates' refresh window of 7 days`,
    );
  }
  if (intervalMs(parsed.TIMESCALE_AGGREGATE_RETENTION) < intervalMs(parsed.TIMESCALE_RETENTION)) {
    problems.push(
      `TIMESCALE_AGGREGATE_RETENTION="${parsed.TIMESCALE_AGGREGATE_RETENTION}" is shorter than TIMESCALE_RETENTION="${parsed.TIMESCALE_RETENTION}": the aggregates outlive the raw rows`,
    );
  }
  if (parsed.SOURCE === 'replay' && !parsed.REPLAY_FILE) problems.push('SOURCE=replay needs REPLAY_FILE');
  const marginParameters = marginParameterTable(parsed, instruments, problems);
  const scenario = loadScenario(parsed.SIM_SCENARIO, problems);
  if (scenario !== undefined) {
    const limits = { knownSymbols: new Set(instruments.keys()), strikesEachSide: parsed.SIM_STRIKES_EACH_SIDE, expiriesPerSymbol: parsed.EXPIRIES_PER_SYMBOL };
    for (const problem of scenarioProblems(scenario, limits)) problems.push(`SIM_SCENARIO=${JSON.stringify(parsed.SIM_SCENARIO)}: ${problem}`);
  }
  const plans = loadPlans(parsed, problems);
  if (parsed.AUTH_JWT_KEYS !== undefined) {
    try {
      const keys = JSON.parse(parsed.AUTH_JWT_KEYS);
      if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k?.kid !== 'string' || k.kty !== 'OKP' || k.crv !== 'Ed25519' || typeof k.d !== 'string')) {
        problems.push('AUTH_JWT_KEYS: must be a JSON array of Ed25519 private JWKs ({"kty":"OKP","crv":"Ed25519","d":…,"x":…,"kid":…}), the signing key first');
      }
    } catch {
      problems.push('AUTH_JWT_KEYS: is not JSON');
    }
  }
  if (parsed.TRUSTED_DOCUMENTS_ONLY && !parsed.TRUSTED_DOCUMENTS_FILE) problems.push('TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS_FILE');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...parsed,
    AUTH_JWT_KEYS_FILE: parsed.AUTH_JWT_KEYS_FILE ?? join(parsed.DATA_DIR, 'auth-jwt-keys.json'),
    plans,
    SPOOL_DIR: parsed.SPOOL_DIR ?? join(parsed.DATA_DIR, 'spool'),
    IMPORT_DIR: parsed.IMPORT_DIR ?? join(parsed.DATA_DIR, 'import'),
    ANALYTICS_SESSION_HOURS_ONLY:
      parsed.ANALYTICS_SESSION_HOURS_ONLY === 'auto' ? !(parsed.SOURCE === 'simulator' && parsed.SIM_CLOCK === 'always-open') : parsed.ANALYTICS_SESSION_HOURS_ONLY === 'true',
    SYMBOLS: parsed.SYMBOLS.map((s) => s.toUpperCase()),
    instruments,
    holidaySet: new Set(parsed.HOLIDAYS),
    scenario,
    marginParameters,
  };
}

/** The MARGIN_* variables as the margin estimate's parameters per symbol; problems (an unknown symbol, a percentage over 100) go to `problems`. */
function marginParameterTable(parsed: Env, instruments: Map<string, Instrument>, problems: string[]): Map<string, MarginParameters> {
  const base: MarginParameters = {
    ...NSE_INDEX_MARGIN_PARAMETERS,
    priceScanSigmas: parsed.MARGIN_PRICE_SCAN_SIGMAS,
    priceScanMinPct: parsed.MARGIN_PRICE_SCAN_PCT,
    priceScanLongDatedMinPct: parsed.MARGIN_PRICE_SCAN_LONG_DATED_PCT,
    volScanPct: parsed.MARGIN_VOL_SCAN_PCT,
    volScanMinPct: parsed.MARGIN_VOL_SCAN_MIN_PCT,
    extremeMoveMultiple: parsed.MARGIN_EXTREME_MOVE_MULTIPLE,
    extremeCoverPct: parsed.MARGIN_EXTREME_COVER_PCT,
    shortOptionMinPct: parsed.MARGIN_SHORT_OPTION_MIN_PCT,
    exposurePct: parsed.MARGIN_EXPOSURE_PCT,
    calendarSpreadPct: parsed.MARGIN_CALENDAR_SPREAD_PCT,
  };
  const bySymbol = parsed.MARGIN_PRICE_SCAN_PCT_BY_SYMBOL;
  for (const [symbol, pct] of Object.entries(bySymbol)) {
    if (!instruments.has(symbol)) problems.push(`MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: unknown symbol ${symbol}; known: ${[...instruments.keys()].join(', ')}`);
    if (pct > 100) problems.push(`MARGIN_PRICE_SCAN_PCT_BY_SYMBOL: ${symbol}:${pct} must be a percentage of at most 100`);
  }
  return new Map([...instruments.keys()].map((symbol) => [symbol, bySymbol[symbol] === undefined ? base : { ...base, priceScanMinPct: bySymbol[symbol] }]));
}

/** The configured plans: the defaults from the limits, with AUTH_PLANS over them. */
function loadPlans(parsed: Env, problems: string[]): Plans {
  const defaults = defaultPlans({ requestsPerWindow: parsed.RATE_LIMIT_MAX, costPerWindow: parsed.RATE_LIMIT_COST_MAX, maxDepth: parsed.MAX_DEPTH, maxSubscriptions: parsed.SUBSCRIPTION_MAX_PER_CONNECTION, maxConnections: parsed.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT });
  if (parsed.AUTH_PLANS === undefined || parsed.AUTH_PLANS.trim() === '') return defaults;
  try {
    return plansWithOverrides(defaults, JSON.parse(parsed.AUTH_PLANS));
  } catch (error) {
    problems.push(`AUTH_PLANS: ${error instanceof SyntaxError ? 'is not JSON' : error instanceof Error ? error.message : String(error)}`);
    return defaults;
  }
}

/**
 * SIM_SCENARIO: a shipped scenario by name, or a JSON file by path (anything
 * with a slash or ending in .json). Problems go to `problems`, each naming
 * the variable and the bad field.
 */
function loadScenario(value: string | undefined, problems: string[]): Scenario | undefined {
  if (value === undefined || value === '') return undefined;
  const prefix = `SIM_SCENARIO=${JSON.stringify(value)}`;
  const isPath = /[\\/]/.test(value) || /\.json$/i.test(value);
  try {
    if (!isPath) {
      const scenario = namedScenario(value);
      if (scenario === undefined) problems.push(`${prefix}: no such scenario; named ones: ${NAMED_SCENARIOS.join(', ')}, or give the path of a .json file`);
      return scenario;
    }
    let text: string;
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      problems.push(`${prefix}: cannot read the scenario file: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    return parseScenarioJson(text, value);
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    for (const problem of error.problems) problems.push(`${prefix}: ${problem}`);
    return undefined;
  }
}
