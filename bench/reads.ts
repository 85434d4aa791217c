/**
 * Read latency as a user sees it: the real platform (main.ts in a child
 * process, as `npm start` runs it, the simulator pipeline producing and
 * storing all along) answering GraphQL over HTTP to autocannon, an HTTP load
 * generator, used as its documentation shows (closed loop: each of N
 * connections sends its next request when the previous one is answered).
 *
 * Before the server starts, `historyMinutes` of simulator history (ticks of
 * 1 s, the default simulator's pace) are written into its database, ending
 * now, so past reads have a stored range to spread over. Then per read and
 * per number of connections, a run of `seconds`:
 * - latest: `optionChain(symbol, expiry)`, the full chain selection;
 * - at: `optionChain(symbol, expiry, at)` with `at` uniform at random over
 *   the stored range (the first snapshot still stored raw, past what the
 *   retention job may fold during the run, to now), each request its own
 *   instant, both expiries alternating, the full chain selection;
 * - history: `chainHistory` of every point field, alternating the session so
 *   far at 1 minute (the first snapshot of the history to now) and the last 3 hours at
 *   5 minutes, `to` being now at each request.
 * A response counts as an error unless it is a 200 with data and no GraphQL
 * errors (autocannon's `verifyBody`: mismatches).
 *
 * The server runs with RATE_LIMIT_MAX=0: every connection comes from
 * loopback, one client to the rate limiter, which would otherwise refuse
 * after 300 calls a minute.
 */
import { readFileSync, rmSync } from 'node:fs';
import autocannon from 'autocannon';
import { openLoop, type HttpRunFigures } from './openLoop.ts';
import { instrumentTable } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openDatabase } from '../db/client.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { createScratchDatabase } from '../test/database.ts';
import { scratchDir } from '../test/fixtures.ts';
import { startPlatform, type PlatformProcess } from '../test/support/platformProcess.ts';

export type ReadName = 'latest' | 'at' | 'history';

export interface ReadsBenchOptions {
  backend: 'embedded' | 'postgres';
  /** Minutes of history stored before the server starts (default 60: RETENTION_RAW's default keeps that much raw). */
  historyMinutes?: number;
  /** Seconds per run. */
  seconds?: number;
  /** Concurrent connections, one closed-loop run each per read. */
  connections?: number[];
  /** Requests a second, one open-loop run each per read over the most connections (default none). */
  rates?: number[];
  reads?: ReadName[];
  /** Extra environment of the server (e.g. another DB_MAX_CONCURRENT_QUERIES or PAST_CHAIN_CACHE_BYTES=0 to compare). */
  serverEnv?: Record<string, string>;
}

export interface ReadsRow extends HttpRunFigures {
  read: ReadName;
  connections: number;
  /** Requests a second offered on a schedule (bench/openLoop.ts); absent: closed loop, each connection sending as soon as it is answered. */
  offeredRate?: number;
  /** CPU time of the server process (all its threads, the pipeline included) per answered request, ms. */
  serverCpuMsPerRequest: number;
}

export interface ReadsBenchResult {
  backend: ReadsBenchOptions['backend'];
  symbol: string;
  expiries: string[];
  historyMinutes: number;
  storedSnapshots: number;
  strikes: number;
  seconds: number;
  rows: ReadsRow[];
}

const SYMBOL = 'NIFTY';
/** The server's RETENTION_RAW (its default): raw snapshots older than this, back from the newest, are folded away. */
const RETENTION_RAW_MS = 3_600_000;
const EXPIRIES = 2;

const QUOTE = 'ltp bid ask bidQty askQty volume oi oiChange iv delta gamma theta vega rho vanna charm vomma theoreticalPrice sourceIv sourceDelta quality';
const ANALYTICS =
  'pcrOi pcrVolume pcrOiChange maxPain atmStrike atmIv straddlePrice expectedMove oneSigmaMove riskReversal25 butterfly25 putCallSkew totalGex gammaFlip gexConvention callWall putWall totalCallOi totalPutOi support { strike oi strength } resistance { strike oi strength } basis carryRate';
/** What a chain page selects: the whole chain. */
export const CHAIN_SELECTION = `symbol expiry timestamp processedAt source spot future forward forwardSource vix timeToExpiryYears rate lotSize analytics { ${ANALYTICS} } rows { strike call { ${QUOTE} } put { ${QUOTE} } } rejects { reason count }`;
const CHAIN_QUERY = `query Chain($symbol: String!, $expiry: Date, $at: DateTime) { optionChain(symbol: $symbol, expiry: $expiry, at: $at) { ${CHAIN_SELECTION} } }`;
const HISTORY_QUERY = `query History($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!, $interval: ChartInterval!) {
  chainHistory(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: $interval) { bucket pcrOi maxPain atmIv spot totalOi } }`;

/** Writes `minutes` of simulator history (1 s ticks) ending now; returns what it wrote. */
async function storeHistory(target: { url?: string; dataDir?: string }, minutes: number): Promise<{ first: number; snapshots: number; expiries: string[]; strikes: number }> {
  const instruments = instrumentTable();
  const ticks = Math.max(1, Math.round(minutes * 60));
  const start = Date.now() - ticks * 1000;
  const simulator = new MarketSimulator({ instruments, symbols: [SYMBOL], expiriesPerSymbol: EXPIRIES, seed: 11, tickIntervalMs: 1000, speed: 1, clock: 'always-open', startTime: start, strikesEachSide: 20 });
  const database = await openDatabase(target);
  const expiries = new Set<string>();
  let snapshots = 0;
  let strikes = 0;
  try {
    snapshots = await writeSimulated(database, simulator, ticks, (enriched) => {
      expiries.add(enriched.expiry);
      strikes = enriched.rows.length;
    });
  } finally {
    await database.close();
  }
  return { first: start, snapshots, expiries: [...expiries].sort(), strikes };
}

/** Writes `ticks` ticks of `simulator`, enriched, in batches of 500, telling `seen` each snapshot and its tick; returns the snapshots written. */
export async function writeSimulated(
  database: { write(snapshots: readonly EnrichedSnapshot[]): Promise<{ snapshots: number }> },
  simulator: MarketSimulator,
  ticks: number,
  seen: (enriched: EnrichedSnapshot, tick: number) => void,
): Promise<number> {
  const instruments = instrumentTable();
  let snapshots = 0;
  let batch: EnrichedSnapshot[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    for (const raw of simulator.tick()) {
      const enriched = enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065 });
      seen(enriched, tick);
      batch.push(enriched);
    }
    if (batch.length >= 500 || tick === ticks - 1) {
      snapshots += (await database.write(batch)).snapshots;
      batch = [];
    }
  }
  return snapshots;
}

/** A GraphQL POST body for each read, fresh per request. */
export function requestBody(read: ReadName, expiries: readonly string[], first: number, sequence: number, now = Date.now()): string {
  const expiry = expiries[sequence % expiries.length];
  if (read === 'latest') return JSON.stringify({ query: CHAIN_QUERY, variables: { symbol: SYMBOL, expiry } });
  if (read === 'at') {
    const at = new Date(first + Math.random() * (now - first));
    return JSON.stringify({ query: CHAIN_QUERY, variables: { symbol: SYMBOL, expiry, at: at.toISOString() } });
  }
  const session = Math.floor(sequence / expiries.length) % 2 === 0;
  const from = new Date(session ? first : now - 3 * 3_600_000);
  return JSON.stringify({ query: HISTORY_QUERY, variables: { symbol: SYMBOL, expiry, from: from.toISOString(), to: new Date(now).toISOString(), interval: session ? 'ONE_MINUTE' : 'FIVE_MINUTES' } });
}

/** Whether a response body answers the read: data, and no GraphQL error. */
export function answered(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { data?: Record<string, unknown> | null; errors?: unknown[] };
    return !parsed.errors?.length && !!parsed.data && Object.values(parsed.data).every((v) => v !== null);
  } catch {
    return false;
  }
}

/**
 * How far back `at` may go for the next `seconds`: past the first snapshot
 * still stored raw of every expiry, with room for the retention job (every
 * minute by default) folding the oldest away meanwhile; before it, no chain
 * is stored any more (NO_DATA).
 */
async function atFloor(platform: PlatformProcess, expiries: readonly string[], seconds: number): Promise<number> {
  const response = await fetch(platform.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ expiryList(symbol: "${SYMBOL}") { date firstSnapshotAt } }` }),
  });
  const { data } = (await response.json()) as { data: { expiryList: { date: string; firstSnapshotAt: string | null }[] } };
  const firsts = data.expiryList.filter((e) => expiries.includes(e.date)).map((e) => Date.parse(e.firstSnapshotAt ?? ''));
  if (firsts.length !== expiries.length || firsts.some(Number.isNaN)) throw new Error(`bench: not every expiry has stored chains: ${JSON.stringify(data)}`);
  // The job may lag under load and then fold minutes at once: never below the default RETENTION_RAW (1 hour) from now.
  return Math.max(...firsts, Date.now() - RETENTION_RAW_MS) + 120_000 + seconds * 1000;
}

/** CPU time of a process so far, ms (user + system, every thread), from /proc; NaN where there is none. */
function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // in USER_HZ ticks, 100 a second on Linux
  } catch {
    return NaN;
  }
}

async function load(platform: PlatformProcess, read: ReadName, connections: number, seconds: number, expiries: string[], sessionStart: number, rate?: number): Promise<ReadsRow> {
  // `at` spreads over what is stored raw; chainHistory's session starts with the history, rolled up or not.
  const first = read === 'at' ? await atFloor(platform, expiries, seconds) : sessionStart;
  let sequence = 0;
  return { read, ...(await measure(platform, connections, seconds, () => requestBody(read, expiries, first, sequence++), rate)) };
}

/**
 * One run of `seconds`, each request's body from `body()`: closed loop with
 * `connections` autocannon clients, or, with `rate`, that many requests a
 * second on a schedule over `connections` connections (bench/openLoop.ts).
 * Its rate, latency, errors (non-2xx, GraphQL errors, connection errors; the
 * first error body kept) and the server's CPU per answered request.
 */
export async function measure(platform: PlatformProcess, connections: number, seconds: number, body: () => string, rate?: number): Promise<Omit<ReadsRow, 'read'>> {
  let firstError: string | undefined;
  const cpuBefore = processCpuMs(platform.pid);
  if (rate !== undefined) {
    const figures = await openLoop({ url: platform.url, rate, seconds, connections, body, verify: answered });
    return { connections, offeredRate: rate, ...figures, serverCpuMsPerRequest: (processCpuMs(platform.pid) - cpuBefore) / Math.max(1, figures.requests) };
  }
  const result = await autocannon({
    url: platform.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({ ...request, body: body() }),
      },
    ],
    verifyBody: (body) => {
      const text = String(body ?? '');
      const ok = answered(text);
      if (!ok && firstError === undefined) firstError = text.slice(0, 300);
      return ok;
    },
  });
  return {
    connections,
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    errors: result.non2xx + result.mismatches + result.errors,
    firstError,
    serverCpuMsPerRequest: (processCpuMs(platform.pid) - cpuBefore) / Math.max(1, result.requests.total),
  };
}

export async function runReadsBench(options: ReadsBenchOptions): Promise<ReadsBenchResult> {
  const { backend, historyMinutes = 60, seconds = 20, connections = [10, 50], reads = ['latest', 'at', 'history'] } = options;
  const dataDir = scratchDir('bench-reads');
  const scratch = backend === 'postgres' ? await createScratchDatabase() : undefined;
  let platform: PlatformProcess | undefined;
  try {
    const stored = await storeHistory(scratch ? { url: scratch.url } : { dataDir }, historyMinutes);
    platform = await startPlatform({
      DATA_DIR: dataDir,
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      SYMBOLS: SYMBOL,
      EXPIRIES_PER_SYMBOL: String(EXPIRIES),
      SIM_CLOCK: 'always-open',
      RATE_LIMIT_MAX: '0',
      LOG_LEVEL: 'warn',
      ...options.serverEnv,
    });
    const rows: ReadsRow[] = [];
    // Warm-up: JIT, connections, the first pages.
    for (const read of reads) await load(platform, read, 2, 1, stored.expiries, stored.first);
    for (const read of reads) {
      for (const n of connections) rows.push(await load(platform, read, n, seconds, stored.expiries, stored.first));
      for (const rate of options.rates ?? []) rows.push(await load(platform, read, Math.max(...connections), seconds, stored.expiries, stored.first, rate));
    }
    return { backend, symbol: SYMBOL, expiries: stored.expiries, historyMinutes, storedSnapshots: stored.snapshots, strikes: stored.strikes, seconds, rows };
  } finally {
    if (platform?.running()) {
      platform.signal('SIGTERM');
      await platform.exited;
    }
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
