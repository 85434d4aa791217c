/**
 * The Dhan API v2 option-chain feed (see DOMAIN.md, "Dhan API v2").
 *
 * Three layers, each usable on its own:
 * - `DhanClient`: the two HTTP calls (`/v2/optionchain/expirylist`,
 *   `/v2/optionchain`), with a per-request timeout; every failure becomes a
 *   typed `DhanApiError` whose `kind` says what to do about it.
 * - `parseDhanChain`: a chain payload → `RawSnapshot`. The envelope must be
 *   sound (else the whole payload is rejected with a reason); each strike is
 *   validated on its own, so one malformed strike costs that strike only.
 *   Units are converted here, once: Dhan quotes IV in percent (→ decimal),
 *   and `oi`, `previous_oi` and `volume` in units of the underlying (every
 *   value in Dhan's documented samples is a whole multiple of the lot size in
 *   force: 65 in the current sample, 25 in the 2024 one), which become
 *   contracts, units ÷ the lot size of the contract on the snapshot's date
 *   (`lotSizeOn`), as the exchanges report OI and volume. `top_bid_quantity`
 *   and `top_ask_quantity` stay in units, as NSE's own option chain and
 *   market depth show them. A quantity that is not a whole number of lots
 *   (the lot table is wrong for that contract) is converted all the same and
 *   counted in `notWholeLots`. Dhan sends 0 for IV and Greeks it has not
 *   computed: 0 becomes null.
 * - `DhanSource`: the scheduler. Dhan allows one unique option-chain request
 *   every 3 s; the source never issues any two requests (chain or expiry
 *   list) closer than `minIntervalMs`, and round-robins over every
 *   (symbol, expiry) pair.
 *
 * Failure policy, by `DhanApiError.kind`:
 * - `rate_limited` (805, DH-904, HTTP 429): back off exponentially (3 s,
 *   6 s, … capped), retry the same request; the circuit breaker does not see it.
 * - `auth` (806-810, DH-901/902/903, HTTP 401/403): the source stops for good,
 *   state `failed`, with the reason in `status().message`; no more requests.
 * - `server`, `network` (5xx, DH-907/908, 800, timeouts, refused
 *   connections): retry the same request after a jittered exponential
 *   backoff, behind a consecutive-failure circuit breaker (cockatiel). While
 *   the breaker is open the source is `degraded` with the reason, and probes
 *   again after `halfOpenAfterMs`; one success closes it.
 * - `input` (811-814, DH-905/906, other 4xx): counted by the breaker and
 *   backed off like a server error, but not retried at once (it would fail
 *   again): a refused chain sets its expiry aside until the next scheduled
 *   expiry refresh and refreshes the list now (the usual cause is an expiry
 *   that has just lapsed); a refused expiry list is retried after 10
 *   request intervals, while the other symbols go on.
 * A payload that arrives but is malformed is not an API failure: it is
 * rejected, counted in `status().rejected` by reason, and the source moves on.
 *
 * The breaker's open→half-open timing is cockatiel's and uses the wall clock;
 * everything else uses the injectable `now`/`sleep`.
 */
import { createHash } from 'node:crypto';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  decorrelatedJitterGenerator,
  handleWhen,
  noJitterGenerator,
  type CircuitBreakerPolicy,
  type IBackoff,
} from 'cockatiel';
import { z } from 'zod';
import { instrumentTable, lotSizeOn, type Instrument, type LotSizeRevision } from '../../core/instruments.ts';
import { MessageError, RAW_SNAPSHOT_VERSION, type RawQuote, type RawRow, type RawSnapshot } from '../../core/models.ts';
import { expiryInstant, istDate } from '../../core/time/expiry.ts';
import { fetchInstant, type Source, type SourceEmit, type SourceStatus } from '../source.ts';
import { abortableSleep } from './sleep.ts';

export const DHAN_BASE_URL = 'https://api.dhan.co';

// ---------------------------------------------------------------------------
// Errors

export type DhanErrorKind = 'rate_limited' | 'auth' | 'input' | 'server' | 'network';

/** A failed Dhan call. `code` is Dhan's (e.g. 'DH-904', '807'), or 'TIMEOUT' / 'NETWORK' for transport failures. */
export class DhanApiError extends Error {
  override readonly name = 'DhanApiError';
  constructor(
    message: string,
    readonly kind: DhanErrorKind,
    readonly code: string | null,
    readonly httpStatus: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Dhan's documented error codes (trading API DH-9xx, data API 8xx) and what each means for us. */
const CODE_KINDS: Record<string, DhanErrorKind> = {
  'DH-901': 'auth', // client id or access token invalid or expired
  'DH-902': 'auth', // no data-API subscription
  'DH-903': 'auth', // account issue
  'DH-904': 'rate_limited',
  'DH-905': 'input',
  'DH-906': 'input', // order error (not expected here)
  'DH-907': 'server', // "unable to fetch data": usually transient
  'DH-908': 'server',
  'DH-909': 'server', // network error on Dhan's side
  'DH-910': 'server',
  '800': 'server', // internal server error
  '805': 'rate_limited',
  '806': 'auth', // data APIs not subscribed
  '807': 'auth', // access token expired
  '808': 'auth', // authentication failed
  '809': 'auth', // access token invalid
  '810': 'auth', // client id invalid
  '811': 'input', // invalid expiry date
  '812': 'input', // invalid date format
  '813': 'input', // invalid security id
  '814': 'input', // invalid request
};

const AUTH_HINTS: Record<string, string> = {
  'DH-901': 'the client id or access token is invalid or expired',
  'DH-902': 'the account has no data-API subscription',
  'DH-903': 'the account is not in a state to use the API',
  '806': 'the account has no data-API subscription',
  '807': 'the access token has expired',
  '808': 'authentication failed',
  '809': 'the access token is invalid',
  '810': 'the client id is invalid',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Dhan's code and message from an error body, or null when the body is not
 * an error. Reads `{errorType, errorCode, errorMessage}` and the unofficial
 * `{status: "failed", data | Data | remarks: {"<code>": "<message>"}}`
 * (remarks may also be `{error_code, error_message}` or a plain string).
 */
export function dhanErrorBody(body: unknown): { code: string | null; message: string | null } | null {
  if (!isRecord(body)) return null;
  if ('errorCode' in body || 'errorMessage' in body || 'errorType' in body) {
    return {
      code: body.errorCode == null ? null : String(body.errorCode),
      message: body.errorMessage == null ? (body.errorType == null ? null : String(body.errorType)) : String(body.errorMessage),
    };
  }
  if (typeof body.status !== 'string' || body.status.toLowerCase() !== 'failed') return null;
  const detail = body.data ?? body.Data ?? body.remarks;
  if (typeof detail === 'string') return { code: null, message: detail };
  if (isRecord(detail)) {
    if ('error_code' in detail || 'error_message' in detail) {
      return {
        code: detail.error_code == null ? null : String(detail.error_code),
        message: detail.error_message == null ? null : String(detail.error_message),
      };
    }
    const [first] = Object.entries(detail);
    if (first) return { code: first[0], message: typeof first[1] === 'string' ? first[1] : JSON.stringify(first[1]) };
  }
  return { code: null, message: null };
}

/** Classifies a failed response (non-2xx, or a 2xx whose body is an error). */
export function dhanApiError(httpStatus: number, body: unknown, context: string): DhanApiError {
  const detail = dhanErrorBody(body);
  const code = detail?.code ?? null;
  const codeKind = code === null ? undefined : CODE_KINDS[code];
  let kind: DhanErrorKind;
  if (codeKind === 'rate_limited' || httpStatus === 429) kind = 'rate_limited';
  else if (codeKind === 'auth' || httpStatus === 401 || httpStatus === 403) kind = 'auth';
  else if (codeKind) kind = codeKind;
  else if (httpStatus >= 400 && httpStatus < 500) kind = 'input';
  else kind = 'server';
  const what = [code, detail?.message].filter(Boolean).join(' ');
  const message = `${context}: HTTP ${httpStatus}${what ? ` ${what}` : ''}`;
  return new DhanApiError(message, kind, code, httpStatus);
}

// ---------------------------------------------------------------------------
// Client

export interface DhanClientOptions {
  /** Defaults to https://api.dhan.co (the app reads DHAN_BASE_URL). */
  baseUrl?: string;
  accessToken: string;
  clientId: string;
  /** Per-request timeout, covering the body too. Default 10 s. */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

/** A successful response: its text and, when it is JSON, the parsed value (`undefined` when it is not). */
export interface DhanPayload {
  text: string;
  json: unknown;
}

export interface DhanUnderlyingRef {
  securityId: number;
  segment: string;
}

export class DhanClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: DhanClientOptions) {
    this.baseUrl = (options.baseUrl ?? DHAN_BASE_URL).replace(/\/+$/, '');
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
  }

  /** The expiries Dhan lists for an underlying, ascending. Throws DhanApiError, or MessageError('invalid_expiry_list'). */
  async expiryList(underlying: DhanUnderlyingRef, signal?: AbortSignal): Promise<string[]> {
    const payload = await this.post('/v2/optionchain/expirylist', { UnderlyingScrip: underlying.securityId, UnderlyingSeg: underlying.segment }, signal);
    return parseDhanExpiryList(payload.json);
  }

  /** The raw option-chain payload of one expiry (parse it with `parseDhanChain`). Throws DhanApiError. */
  async optionChain(underlying: DhanUnderlyingRef, expiry: string, signal?: AbortSignal): Promise<DhanPayload> {
    return this.post('/v2/optionchain', { UnderlyingScrip: underlying.securityId, UnderlyingSeg: underlying.segment, Expiry: expiry }, signal);
  }

  private async post(path: string, body: unknown, signal?: AbortSignal): Promise<DhanPayload> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'access-token': this.options.accessToken,
          'client-id': this.options.clientId,
          'Content-Type': 'application/json',
          Accept: 'application/json',
        },
        body: JSON.stringify(body),
        signal: combined,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      if (timeout.aborted) {
        throw new DhanApiError(`POST ${path}: no complete response within ${this.timeoutMs} ms`, 'network', 'TIMEOUT', null, { cause: error });
      }
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new DhanApiError(`POST ${path}: ${error instanceof Error ? error.message : String(error)}${cause}`, 'network', 'NETWORK', null, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status >= 300 || dhanErrorBody(json) !== null) throw dhanApiError(status, json, `POST ${path}`);
    return { text, json };
  }
}

// ---------------------------------------------------------------------------
// Parsing

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const expiryListSchema = z.object({ data: z.array(isoDate) });

/** The expiry list of an `expirylist` answer, sorted and de-duplicated; throws MessageError('invalid_expiry_list'). */
export function parseDhanExpiryList(json: unknown): string[] {
  const result = expiryListSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MessageError(`invalid expiry list: ${issue.path.join('.') || '(root)'}: ${issue.message}`, 'invalid_expiry_list');
  }
  return [...new Set(result.data.data)].sort();
}

const num = z.number().nullable().optional();
const dhanSideSchema = z.object({
  last_price: num,
  oi: num,
  previous_oi: num,
  volume: num,
  previous_volume: num,
  previous_close_price: num,
  implied_volatility: num,
  greeks: z.object({ delta: num, theta: num, gamma: num, vega: num }).nullable().optional(),
  top_bid_price: num,
  top_bid_quantity: num,
  top_ask_price: num,
  top_ask_quantity: num,
  average_price: num,
  security_id: z.union([z.number(), z.string()]).nullable().optional(),
});
type DhanSide = z.infer<typeof dhanSideSchema>;

/** One strike the parser dropped, and why. */
export interface DhanStrikeReject {
  /** The key as Dhan sent it. */
  key: string;
  reason: 'invalid_strike_key' | 'invalid_strike_entry' | 'invalid_side' | 'duplicate_strike';
  message: string;
}

export interface ParsedDhanChain {
  snapshot: RawSnapshot;
  rejected: DhanStrikeReject[];
  /** Quantities (OI, previous OI, volume, top bid/ask quantity) that were not a whole number of lots. */
  notWholeLots: number;
}

/** What `parseDhanChain` needs to know besides the payload. */
export interface DhanChainMeta {
  symbol: string;
  expiry: string;
  fetchedAt: number;
  /** Units of the underlying per contract of this expiry on the snapshot's date (`lotSizeOn`): Dhan's quantities are divided by it. */
  lotSize: number;
}

/** 0 and absent both mean "Dhan has no value". */
function nonZero(value: number | null | undefined, scale = 1): number | null {
  return value == null || value === 0 ? null : value * scale;
}

/** Converts Dhan's quantities in units to contracts, counting the ones that are not whole lots. */
class LotConverter {
  notWholeLots = 0;
  constructor(private readonly lotSize: number) {}

  /** Units of the underlying → contracts. */
  contracts(units: number | null | undefined): number | null {
    if (units == null) return null;
    this.check(units);
    return units / this.lotSize;
  }

  /** Units stay units; only checked. */
  units(units: number | null | undefined): number | null {
    if (units == null) return null;
    this.check(units);
    return units;
  }

  private check(units: number): void {
    if (units % this.lotSize !== 0) this.notWholeLots++;
  }
}

function toQuote(side: DhanSide, lots: LotConverter): RawQuote {
  return {
    ltp: side.last_price ?? null,
    bid: side.top_bid_price ?? null,
    ask: side.top_ask_price ?? null,
    bidQty: lots.units(side.top_bid_quantity),
    askQty: lots.units(side.top_ask_quantity),
    volume: lots.contracts(side.volume),
    oi: lots.contracts(side.oi),
    previousOi: lots.contracts(side.previous_oi),
    previousClose: side.previous_close_price ?? null,
    sourceIv: nonZero(side.implied_volatility, 0.01),
    sourceDelta: nonZero(side.greeks?.delta),
    sourceGamma: nonZero(side.greeks?.gamma),
    sourceTheta: nonZero(side.greeks?.theta),
    sourceVega: nonZero(side.greeks?.vega),
    securityId: side.security_id == null ? null : String(side.security_id),
  };
}

function parseSide(value: unknown, label: 'ce' | 'pe', lots: LotConverter): { quote: RawQuote | null } | { error: string } {
  if (value == null) return { quote: null };
  if (isRecord(value) && Object.keys(value).length === 0) return { quote: null };
  const result = dhanSideSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { error: `${label}.${issue.path.join('.') || '(side)'}: ${issue.message}` };
  }
  return { quote: toQuote(result.data, lots) };
}

/** A short, stable digest of a value's JSON: identical payloads get identical snapshot ids. */
export function payloadHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/**
 * A Dhan chain payload → RawSnapshot (rows sorted by strike). Throws
 * MessageError for a payload that cannot be used at all (reasons
 * `invalid_json`, `invalid_envelope`, `invalid_spot`, `empty_chain`); returns
 * the strikes it dropped otherwise. The id is `dhan:<symbol>:<expiry>:<hash
 * of data>`; the timestamp is `fetchedAt`. OI and volume come out in
 * contracts (units ÷ `meta.lotSize`), bid and ask quantities in units.
 */
export function parseDhanChain(json: unknown, meta: DhanChainMeta): ParsedDhanChain {
  if (!(meta.lotSize > 0 && meta.lotSize < Infinity)) throw new RangeError(`lot size must be a positive number, got ${meta.lotSize}`);
  if (json === undefined) throw new MessageError('option chain payload is not JSON', 'invalid_json');
  if (!isRecord(json) || !isRecord(json.data)) throw new MessageError('option chain payload has no `data` object', 'invalid_envelope');
  const data = json.data;
  if (!isRecord(data.oc)) throw new MessageError('option chain payload has no `data.oc` object', 'invalid_envelope');
  const spot = data.last_price;
  if (typeof spot !== 'number' || !Number.isFinite(spot) || spot <= 0) {
    throw new MessageError(`option chain payload has no usable underlying price (data.last_price = ${JSON.stringify(spot)})`, 'invalid_spot');
  }

  const rows: RawRow[] = [];
  const rejected: DhanStrikeReject[] = [];
  const seen = new Set<number>();
  const lots = new LotConverter(meta.lotSize);
  for (const [key, entry] of Object.entries(data.oc)) {
    const strike = key.trim() === '' ? NaN : Number(key);
    if (!Number.isFinite(strike) || strike <= 0) {
      rejected.push({ key, reason: 'invalid_strike_key', message: `strike key ${JSON.stringify(key)} is not a positive number` });
      continue;
    }
    if (!isRecord(entry)) {
      rejected.push({ key, reason: 'invalid_strike_entry', message: `strike ${key}: expected an object with ce/pe, got ${JSON.stringify(entry)}` });
      continue;
    }
    const call = parseSide(entry.ce, 'ce', lots);
    const put = parseSide(entry.pe, 'pe', lots);
    if ('error' in call || 'error' in put) {
      const message = 'error' in call ? call.error : (put as { error: string }).error;
      rejected.push({ key, reason: 'invalid_side', message: `strike ${key}: ${message}` });
      continue;
    }
    if (seen.has(strike)) {
      rejected.push({ key, reason: 'duplicate_strike', message: `strike ${key} appears twice` });
      continue;
    }
    seen.add(strike);
    rows.push({ strike, call: call.quote, put: put.quote });
  }
  if (rows.length === 0) {
    throw new MessageError(`option chain payload has no usable strikes (${rejected.length} rejected)`, 'empty_chain');
  }
  rows.sort((a, b) => a.strike - b.strike);
  return {
    snapshot: {
      version: RAW_SNAPSHOT_VERSION,
      id: `dhan:${meta.symbol}:${meta.expiry}:${payloadHash(data)}`,
      source: 'dhan',
      symbol: meta.symbol,
      expiry: meta.expiry,
      timestamp: Math.round(meta.fetchedAt),
      spot,
      rows,
    },
    rejected,
    notWholeLots: lots.notWholeLots,
  };
}

// ---------------------------------------------------------------------------
// Source

/** One underlying to poll, as Dhan names it, with the lot sizes its quantities are divided by. */
export interface DhanUnderlying extends DhanUnderlyingRef {
  symbol: string;
  /** The instrument's lot size history (core/instruments.ts). */
  lotSizes: readonly LotSizeRevision[];
}

/** Dhan references and lot sizes of the given symbols from the instrument table; throws naming an unknown symbol. */
export function dhanUnderlyings(symbols: readonly string[], table: Map<string, Instrument> = instrumentTable()): DhanUnderlying[] {
  return symbols.map((symbol) => {
    const instrument = table.get(symbol);
    if (!instrument) throw new Error(`unknown symbol ${JSON.stringify(symbol)} (known: ${[...table.keys()].join(', ')})`);
    return { symbol, securityId: instrument.dhanSecurityId, segment: instrument.dhanSegment, lotSizes: instrument.lotSizes };
  });
}

export interface DhanSourceOptions {
  baseUrl?: string;
  accessToken: string;
  clientId: string;
  symbols: DhanUnderlying[];
  /** Nearest expiries polled per symbol. Default 2. */
  expiriesPerSymbol?: number;
  /** Minimum gap between any two requests. Default 3000 (Dhan: one unique option-chain request per 3 s). */
  minIntervalMs?: number;
  /** Per-request timeout. Default 10 000. */
  requestTimeoutMs?: number;
  /** Expiry lists are refetched this often, and whenever a polled expiry lapses. Default 30 min. */
  expiryRefreshMs?: number;
  breaker?: {
    /** Consecutive server/network/input failures that open the breaker. Default 5. */
    consecutiveFailures?: number;
    /** How long the breaker stays open before one probe request. Default 30 000. */
    halfOpenAfterMs?: number;
  };
  /** Jittered exponential backoff after server/network/input failures. Default 500 ms, capped at 30 s. */
  retryBackoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Exponential backoff after a rate-limit answer. Default 3 s doubling, capped at 60 s. */
  rateLimitBackoff?: { initialDelayMs?: number; maxDelayMs?: number };
  now?: () => number;
  /** Resolves after `ms`, or early once `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
  /**
   * Structured log sink: one object per event, `{ event, level, ...fields }`
   * (e.g. `{ event: 'dhan_rate_limited', level: 'warn', code: 'DH-904', backoffMs: 3000 }`). Default: none.
   */
  log?: (event: DhanLogEvent) => void;
}

export interface DhanLogEvent {
  event: string;
  level: 'info' | 'warn' | 'error';
  [field: string]: unknown;
}

export interface DhanSourceStatus extends SourceStatus {
  /** Requests sent (both endpoints). */
  requests: number;
  /** Failed requests by error kind. */
  errors: Record<string, number>;
  breaker: 'closed' | 'open' | 'half-open';
  lastError?: string;
  /** The expiries being polled, per symbol. */
  expiries: Record<string, string[]>;
  /** Quantities that were not a whole number of lots (the lot size table is wrong for some contract), per symbol. */
  notWholeLots: Record<string, number>;
}

interface UnderlyingState extends DhanUnderlying {
  /** Upcoming expiries from the last list, ascending. */
  expiries: string[];
  /** When the list must be (re)fetched; 0 = never fetched. */
  refreshAt: number;
  /** Expiries Dhan refused as input (e.g. 811), set aside until the given time. */
  excludedUntil: Map<string, number>;
}

type Task = { kind: 'expiries'; underlying: UnderlyingState } | { kind: 'chain'; underlying: UnderlyingState; expiry: string };

/** A symbol whose expiry list was refused or malformed is retried after this many request intervals (30 s by default). */
const EXPIRY_RETRY_INTERVALS = 10;


const BREAKER_STATES: Record<CircuitState, DhanSourceStatus['breaker']> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

export class DhanSource implements Source {
  readonly name = 'dhan';

  private readonly client: DhanClient;
  private readonly underlyings: UnderlyingState[];
  private readonly expiriesPerSymbol: number;
  private readonly minIntervalMs: number;
  private readonly expiryRefreshMs: number;
  private readonly halfOpenAfterMs: number;
  private readonly consecutiveFailures: number;
  private readonly retryFactory: ExponentialBackoff<unknown>;
  private readonly rateLimitFactory: ExponentialBackoff<unknown>;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly log: (event: DhanLogEvent) => void;

  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private emit: SourceEmit | null = null;
  private cursor = 0;
  private lastRequestAt = -Infinity;
  private notBefore = -Infinity;
  private breakerOpenUntil = -Infinity;
  private retryBackoff: IBackoff<unknown> | null = null;
  private rateLimitBackoff: IBackoff<unknown> | null = null;

  private state: SourceStatus['state'] = 'idle';
  private message: string | undefined;
  private lastError: string | undefined;
  private snapshotsEmitted = 0;
  private requests = 0;
  private readonly rejected: Record<string, number> = {};
  private readonly errors: Record<string, number> = {};
  private readonly notWholeLots: Record<string, number> = {};

  constructor(options: DhanSourceOptions) {
    if (options.symbols.length === 0) throw new Error('DhanSource needs at least one symbol');
    this.client = new DhanClient(options);
    this.underlyings = options.symbols.map((u) => ({ ...u, expiries: [], refreshAt: 0, excludedUntil: new Map<string, number>() }));
    this.expiriesPerSymbol = options.expiriesPerSymbol ?? 2;
    this.minIntervalMs = options.minIntervalMs ?? 3000;
    this.expiryRefreshMs = options.expiryRefreshMs ?? 30 * 60_000;
    this.consecutiveFailures = options.breaker?.consecutiveFailures ?? 5;
    this.halfOpenAfterMs = options.breaker?.halfOpenAfterMs ?? 30_000;
    this.retryFactory = new ExponentialBackoff({
      generator: decorrelatedJitterGenerator,
      initialDelay: options.retryBackoff?.initialDelayMs ?? 500,
      maxDelay: options.retryBackoff?.maxDelayMs ?? 30_000,
    });
    this.rateLimitFactory = new ExponentialBackoff({
      generator: noJitterGenerator,
      initialDelay: options.rateLimitBackoff?.initialDelayMs ?? 3000,
      maxDelay: options.rateLimitBackoff?.maxDelayMs ?? 60_000,
    });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
    this.log = options.log ?? (() => {});

    // Only server, network and input failures count toward opening the breaker:
    // rate limits and auth failures pass through it untouched.
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof DhanApiError && (error.kind === 'server' || error.kind === 'network' || error.kind === 'input')),
      { halfOpenAfter: this.halfOpenAfterMs, breaker: new ConsecutiveBreaker(this.consecutiveFailures) },
    );
    this.breaker.onBreak((reason) => {
      this.breakerOpenUntil = this.now() + this.halfOpenAfterMs;
      const cause = 'error' in reason ? reason.error.message : 'isolated';
      this.setDegraded(
        `Dhan API unavailable: circuit open after ${this.consecutiveFailures} consecutive failures (last: ${cause}); probing again in ${this.halfOpenAfterMs} ms`,
      );
      this.log({ event: 'dhan_circuit_open', level: 'warn', reason: cause, halfOpenAfterMs: this.halfOpenAfterMs });
    });
    this.breaker.onReset(() => {
      if (this.state === 'degraded') {
        this.state = 'running';
        this.message = undefined;
      }
      this.log({ event: 'dhan_circuit_closed', level: 'info' });
    });
  }

  async start(emit: SourceEmit): Promise<void> {
    if (this.loop) throw new Error('DhanSource already started');
    this.emit = emit;
    this.state = 'running';
    this.loop = this.run().catch((error: unknown) => {
      // Defensive: run() handles its own errors; a bug must not become an unhandled rejection.
      this.state = 'failed';
      this.message = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      this.log({ event: 'dhan_source_crashed', level: 'error', error: this.message });
    });
  }

  async stop(): Promise<void> {
    this.abort.abort(new DOMException('DhanSource stopped', 'AbortError'));
    await this.loop;
    if (this.state !== 'failed') {
      this.state = 'stopped';
      this.message = undefined;
    }
  }

  status(): DhanSourceStatus {
    const now = this.now();
    return {
      name: this.name,
      state: this.state,
      ...(this.message === undefined ? {} : { message: this.message }),
      snapshotsEmitted: this.snapshotsEmitted,
      rejected: { ...this.rejected },
      requests: this.requests,
      errors: { ...this.errors },
      breaker: BREAKER_STATES[this.breaker.state],
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      expiries: Object.fromEntries(this.underlyings.map((u) => [u.symbol, this.polledExpiries(u, now)])),
      notWholeLots: { ...this.notWholeLots },
    };
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopped && this.state !== 'failed') {
      const task = this.nextTask();
      if (!task) {
        // Nothing to poll yet (every expiry list failed or is empty): wait for the next refresh.
        const nextRefresh = Math.min(...this.underlyings.map((u) => u.refreshAt));
        await this.sleep(Math.max(this.minIntervalMs, nextRefresh - this.now()), this.abort.signal);
        continue;
      }
      await this.waitForSlot();
      if (this.stopped) break;
      try {
        if (task.kind === 'expiries') await this.refreshExpiries(task.underlying);
        else await this.pollChain(task.underlying, task.expiry);
        this.retryBackoff = null;
        this.rateLimitBackoff = null;
      } catch (error) {
        if (this.stopped) break;
        this.handleFailure(task, error);
      }
    }
  }

  /** The expiry list that is due first, else the next (symbol, expiry) pair in turn. */
  private nextTask(): Task | null {
    const now = this.now();
    for (const underlying of this.underlyings) {
      if (now >= underlying.refreshAt) return { kind: 'expiries', underlying };
    }
    const pairs: Task[] = [];
    for (const underlying of this.underlyings) {
      for (const expiry of this.polledExpiries(underlying, now)) pairs.push({ kind: 'chain', underlying, expiry });
    }
    if (pairs.length === 0) return null;
    return pairs[this.cursor % pairs.length];
  }

  private polledExpiries(underlying: UnderlyingState, now: number): string[] {
    return underlying.expiries
      .filter((e) => expiryInstant(e) > now && !((underlying.excludedUntil.get(e) ?? -Infinity) > now))
      .slice(0, this.expiriesPerSymbol);
  }

  /** Waits until the rate budget and any backoff allow the next request. */
  private async waitForSlot(): Promise<void> {
    for (;;) {
      const wait = Math.max(this.lastRequestAt + this.minIntervalMs, this.notBefore) - this.now();
      if (wait <= 0 || this.stopped) return;
      await this.sleep(wait, this.abort.signal);
    }
  }

  /** Runs one request through the breaker, stamping it against the rate budget. */
  private request<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.breaker.execute(() => {
      this.lastRequestAt = this.now();
      this.requests++;
      return call(this.abort.signal);
    }, this.abort.signal);
  }

  private async refreshExpiries(underlying: UnderlyingState): Promise<void> {
    let list: string[];
    try {
      list = await this.request((signal) => this.client.expiryList(underlying, signal));
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      this.countReject(error.reason);
      this.lastError = `${underlying.symbol}: ${error.message}`;
      underlying.refreshAt = this.now() + EXPIRY_RETRY_INTERVALS * this.minIntervalMs;
      this.log({ event: 'dhan_expiry_list_rejected', level: 'warn', symbol: underlying.symbol, reason: error.reason, error: error.message });
      return;
    }
    const now = this.now();
    underlying.expiries = list.filter((e) => expiryInstant(e) > now);
    // Refetch on schedule, or as soon as the nearest polled expiry lapses.
    const nextLapse = underlying.expiries.length > 0 ? expiryInstant(underlying.expiries[0]) : Infinity;
    underlying.refreshAt = Math.min(now + this.expiryRefreshMs, nextLapse);
    this.log({ event: 'dhan_expiries', level: 'info', symbol: underlying.symbol, polled: this.polledExpiries(underlying, now), listed: list.length });
  }

  private async pollChain(underlying: UnderlyingState, expiry: string): Promise<void> {
    // The fetch: the request (with the breaker's retries) and the parse.
    const fetchStartedAt = fetchInstant();
    const payload = await this.request((signal) => this.client.optionChain(underlying, expiry, signal));
    this.cursor++;
    let parsed: ParsedDhanChain;
    const fetchedAt = this.now();
    const lotSize = lotSizeOn(underlying, istDate(fetchedAt), expiry);
    try {
      parsed = parseDhanChain(payload.json, { symbol: underlying.symbol, expiry, fetchedAt, lotSize });
    } catch (error) {
      if (!(error instanceof MessageError)) throw error;
      this.countReject(error.reason);
      this.lastError = `${underlying.symbol} ${expiry}: ${error.message}`;
      this.log({ event: 'dhan_chain_rejected', level: 'warn', symbol: underlying.symbol, expiry, reason: error.reason, error: error.message });
      return;
    }
    for (const reject of parsed.rejected) this.countReject(reject.reason);
    if (parsed.rejected.length > 0) {
      this.log({ event: 'dhan_strikes_rejected', level: 'warn', symbol: underlying.symbol, expiry, rejected: parsed.rejected });
    }
    if (parsed.notWholeLots > 0) {
      this.notWholeLots[underlying.symbol] = (this.notWholeLots[underlying.symbol] ?? 0) + parsed.notWholeLots;
      this.log({ event: 'dhan_not_whole_lots', level: 'warn', symbol: underlying.symbol, expiry, lotSize, quantities: parsed.notWholeLots });
    }
    if (this.stopped || !this.emit) return;
    try {
      await this.emit(parsed.snapshot, { startedAt: fetchStartedAt, endedAt: fetchInstant() });
      this.snapshotsEmitted++;
    } catch (error) {
      this.countReject('emit_failed');
      this.log({ event: 'dhan_emit_failed', level: 'error', id: parsed.snapshot.id, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private handleFailure(task: Task, error: unknown): void {
    const now = this.now();
    if (error instanceof BrokenCircuitError) {
      // No request was made: wait out the open breaker.
      this.notBefore = Math.max(this.notBefore, this.breakerOpenUntil, now + 10);
      return;
    }
    const where = task.kind === 'chain' ? `${task.underlying.symbol} ${task.expiry}` : `${task.underlying.symbol} expiry list`;
    if (!(error instanceof DhanApiError)) {
      this.errors.internal = (this.errors.internal ?? 0) + 1;
      this.lastError = `${where}: ${error instanceof Error ? error.message : String(error)}`;
      this.retryBackoff = (this.retryBackoff ?? this.retryFactory).next(undefined);
      this.notBefore = now + this.retryBackoff.duration;
      this.log({ event: 'dhan_unexpected_error', level: 'error', where, error: this.lastError });
      return;
    }
    this.errors[error.kind] = (this.errors[error.kind] ?? 0) + 1;
    this.lastError = `${where}: ${error.message}`;
    switch (error.kind) {
      case 'rate_limited': {
        this.rateLimitBackoff = (this.rateLimitBackoff ?? this.rateLimitFactory).next(undefined);
        this.notBefore = now + this.rateLimitBackoff.duration;
        this.log({ event: 'dhan_rate_limited', level: 'warn', where, code: error.code, backoffMs: this.rateLimitBackoff.duration });
        return;
      }
      case 'auth': {
        const hint = (error.code && AUTH_HINTS[error.code]) ?? 'the credentials were rejected';
        this.state = 'failed';
        this.message =
          `Dhan rejected the credentials (${error.code ?? `HTTP ${error.httpStatus}`}: ${hint}). ` +
          `The source has stopped and sends no more requests; renew the access token (DHAN_ACCESS_TOKEN) or fix the client id (DHAN_CLIENT_ID), then restart it. Details: ${error.message}`;
        this.log({ event: 'dhan_credentials_rejected', level: 'error', where, code: error.code, error: error.message });
        return;
      }
      case 'input':
      case 'server':
      case 'network': {
        if (error.kind === 'input') {
          // The same request would fail again: set the pair aside until the next
          // scheduled expiry refresh, and refresh the list now (the usual cause
          // is an expiry that has just lapsed).
          if (task.kind === 'chain') {
            task.underlying.excludedUntil.set(task.expiry, now + this.expiryRefreshMs);
            task.underlying.refreshAt = now;
          } else {
            // Retry this symbol's list later without holding up the others.
            task.underlying.refreshAt = now + EXPIRY_RETRY_INTERVALS * this.minIntervalMs;
          }
        }
        this.retryBackoff = (this.retryBackoff ?? this.retryFactory).next(undefined);
        this.notBefore = now + this.retryBackoff.duration;
        this.log({ event: 'dhan_request_failed', level: 'warn', where, kind: error.kind, code: error.code, error: error.message, backoffMs: this.retryBackoff.duration });
        return;
      }
    }
  }

  private setDegraded(message: string): void {
    if (this.state === 'failed' || this.state === 'stopped') return;
    this.state = 'degraded';
    this.message = message;
  }

  private countReject(reason: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }
}
