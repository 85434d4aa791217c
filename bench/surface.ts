/**
 * The read surface's figures (issue 12): strikeSeries, chainSeries and
 * oiProfile at a past instant and marketOverview, through the real platform
 * (main.ts in a child process, its simulator pipeline storing a snapshot per
 * symbol a second all along) over HTTP to autocannon, closed loop, at 1 and
 * 50 clients (BENCH_SURFACE_CONNECTIONS), on PGlite and, with DATABASE_URL,
 * on PostgreSQL.
 *
 * The dataset, written before the server starts: `sessions` sessions of
 * `sessionMinutes` minutes each (defaults 5 × 375, a whole NSE session, 09:15
 * to 15:30 IST) × the 5 symbols, one snapshot a second of each symbol's
 * nearest expiry (41 strikes), on consecutive days, the last one ending now.
 * The retention job (RETENTION_RAW, 1 hour) folds all but the last hour into
 * the rollups once the server runs, as it would in production; the rows run
 * after it has (the warm-up waits for it).
 *
 * Requests, each a fresh draw (symbol and session uniform at random):
 * - strikeSeries: one session of one strike near the money, 5-minute buckets
 *   (its finest: the rollup is 5-minute), every point field;
 * - chainSeries: one session at 1-minute buckets, SPOT, PCR_OI and STRADDLE;
 * - oiProfile: one expiry at an instant uniform over the last 50 minutes, or
 *   since the latest session began when shorter (the raw snapshots still
 *   stored: an older chain is folded), every strike;
 * - marketOverview: every symbol, the whole row.
 * Historical answers go through the history cache (schema/historyCache.ts)
 * as the server runs by default: 5 symbols × 5 sessions make 25 distinct
 * ranges per read, so after the first requests most are hits (x-cache), except
 * the current session's, whose range is still filling.
 */
import { rmSync } from 'node:fs';
import { instrumentTable } from '../core/instruments.ts';
import { openDatabase } from '../db/client.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { createScratchDatabase } from '../test/database.ts';
import { scratchDir } from '../test/fixtures.ts';
import { startPlatform, type PlatformProcess } from '../test/support/platformProcess.ts';
import { measure, writeSimulated, type ReadsRow } from './reads.ts';

export const SURFACE_READS = ['strikeSeries', 'chainSeries', 'oiProfile', 'marketOverview'] as const;
export type SurfaceRead = (typeof SURFACE_READS)[number];

export interface SurfaceBenchOptions {
  backend: 'embedded' | 'postgres';
  sessions?: number;
  sessionMinutes?: number;
  seconds?: number;
  connections?: number[];
  /** Requests a second, one open-loop run each per read over the most connections (default none). */
  rates?: number[];
  /** Extra environment of the server (e.g. DB_MAX_QUEUED_QUERIES). */
  serverEnv?: Record<string, string>;
}

/** One stored session of one symbol: its expiry and range. */
interface StoredSession {
  symbol: string;
  expiry: string;
  from: number;
  to: number;
  /** A strike near the money at the session's start. */
  strike: number;
}

export interface SurfaceBenchResult {
  backend: SurfaceBenchOptions['backend'];
  symbols: string[];
  sessions: number;
  sessionMinutes: number;
  storedSnapshots: number;
  strikes: number;
  writeSeconds: number;
  seconds: number;
  rows: (Omit<ReadsRow, 'read'> & { read: SurfaceRead })[];
}

const SYMBOLS = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX'];
const DAY_MS = 86_400_000;

/** Writes the sessions (consecutive days, the last ending now), a snapshot per symbol a second; returns what it wrote. */
async function storeSessions(target: { url?: string; dataDir?: string }, sessions: number, minutes: number) {
  const instruments = instrumentTable();
  const database = await openDatabase(target);
  const stored: StoredSession[] = [];
  let snapshots = 0;
  let strikes = 0;
  const started = performance.now();
  try {
    for (let day = sessions - 1; day >= 0; day--) {
      const ticks = Math.round(minutes * 60);
      const start = Date.now() - day * DAY_MS - ticks * 1000;
      const simulator = new MarketSimulator({ instruments, symbols: SYMBOLS, expiriesPerSymbol: 1, seed: 20 + day, tickIntervalMs: 1000, speed: 1, clock: 'always-open', startTime: start, strikesEachSide: 20 });
      snapshots += await writeSimulated(database, simulator, ticks, (enriched, tick) => {
        strikes = enriched.rows.length;
        if (tick === 0) stored.push({ symbol: enriched.symbol, expiry: enriched.expiry, from: start, to: start + ticks * 1000, strike: enriched.rows[Math.floor(enriched.rows.length / 2)].strike });
      });
    }
  } finally {
    await database.close();
  }
  return { stored, snapshots, strikes, writeSeconds: (performance.now() - started) / 1000 };
}

const STRIKE_SERIES = `query($symbol: String!, $expiry: Date!, $strike: Float!, $from: DateTime!, $to: DateTime!) {
  strikeSeries(symbol: $symbol, expiry: $expiry, strike: $strike, side: CALL, from: $from, to: $to, interval: FIVE_MINUTES) {
    bucket priceOpen priceHigh priceLow priceClose ivLast ivAvg oiLast volumeLast delta gamma theta vega } }`;
const CHAIN_SERIES = `query($symbol: String!, $expiry: Date!, $from: DateTime!, $to: DateTime!) {
  chainSeries(symbol: $symbol, expiry: $expiry, from: $from, to: $to, interval: ONE_MINUTE, fields: [SPOT, PCR_OI, STRADDLE]) { buckets columns { field values } } }`;
const OI_PROFILE = `query($symbol: String!, $expiry: Date!, $at: DateTime!) {
  oiProfile(symbol: $symbol, expiry: $expiry, at: $at) { snapshot { timestamp } spot maxPain pcrOi strikes { strike callOi putOi callOiChange putOiChange painRupees } support { peakStrike } resistance { peakStrike } } }`;
const MARKET_OVERVIEW = `{ marketOverview { symbol expiry timestamp spot previousClose dayChangePoints dayChangePercent future basisPoints vix atmIv ivRank ivPercentile pcrOi maxPain moodIndex moodBand moodAt
  nearestSupport { peakStrike } nearestResistance { peakStrike } topOiChanges { strike side oiChangeContracts oiContracts } } }`;

/** A GraphQL POST body for `read`, a fresh random draw. */
export function surfaceRequestBody(read: SurfaceRead, sessions: readonly StoredSession[], now = Date.now()): string {
  const session = sessions[Math.floor(Math.random() * sessions.length)];
  const range = { symbol: session.symbol, expiry: session.expiry, from: new Date(session.from).toISOString(), to: new Date(session.to).toISOString() };
  if (read === 'strikeSeries') return JSON.stringify({ query: STRIKE_SERIES, variables: { ...range, strike: session.strike } });
  if (read === 'chainSeries') return JSON.stringify({ query: CHAIN_SERIES, variables: range });
  if (read === 'oiProfile') {
    const latest = sessions.filter((s) => s.symbol === session.symbol).reduce((a, b) => (b.to > a.to ? b : a));
    // Within the raw snapshots still stored: the last 50 minutes, and not before the latest session began.
    const floor = Math.max(now - 50 * 60_000, latest.from + 1_000);
    return JSON.stringify({ query: OI_PROFILE, variables: { symbol: latest.symbol, expiry: latest.expiry, at: new Date(floor + Math.random() * (now - floor)).toISOString() } });
  }
  return JSON.stringify({ query: MARKET_OVERVIEW });
}

async function load(platform: PlatformProcess, read: SurfaceRead, connections: number, seconds: number, sessions: StoredSession[], rate?: number) {
  return { read, ...(await measure(platform, connections, seconds, () => surfaceRequestBody(read, sessions), rate)) };
}

/**
 * Waits until the retention job has folded the raw snapshots older than its
 * window (RETENTION_RAW, 1 hour, plus its 5-minute steps): every stored
 * expiry's first raw snapshot (expiryList) is within the last 70 minutes.
 * Gives up after `timeoutMs` and says so.
 */
async function waitForRetention(platform: PlatformProcess, timeoutMs = 600_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const query = `{ ${SYMBOLS.map((s) => `${s}: expiryList(symbol: "${s}") { firstSnapshotAt }`).join(' ')} }`;
  while (Date.now() < deadline) {
    const response = await fetch(platform.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).catch(() => null);
    const body = response ? ((await response.json().catch(() => null)) as { data?: Record<string, { firstSnapshotAt: string | null }[]> } | null) : null;
    const firsts = Object.values(body?.data ?? {}).flat().map((e) => e.firstSnapshotAt).filter((v): v is string => v !== null);
    if (body?.data && firsts.every((at) => Date.parse(at) >= Date.now() - 70 * 60_000)) return true;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  console.warn(`bench surface: the retention job had not folded the older sessions after ${timeoutMs / 1000} s; measuring anyway`);
  return false;
}

export async function runSurfaceBench(options: SurfaceBenchOptions): Promise<SurfaceBenchResult> {
  const { backend, sessions = 5, sessionMinutes = 375, seconds = 20, connections = [1, 50] } = options;
  const dataDir = scratchDir('bench-surface');
  const scratch = backend === 'postgres' ? await createScratchDatabase() : undefined;
  let platform: PlatformProcess | undefined;
  try {
    const written = await storeSessions(scratch ? { url: scratch.url } : { dataDir }, sessions, sessionMinutes);
    platform = await startPlatform({
      DATA_DIR: dataDir,
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
      SYMBOLS: SYMBOLS.join(','),
      EXPIRIES_PER_SYMBOL: '1',
      SIM_CLOCK: 'always-open',
      RATE_LIMIT_MAX: '0',
      LOG_LEVEL: 'warn',
      ...options.serverEnv,
    });
    await waitForRetention(platform);
    const rows: SurfaceBenchResult['rows'] = [];
    for (const read of SURFACE_READS) await load(platform, read, 2, 2, written.stored); // warm-up: JIT, connections, first pages
    for (const read of SURFACE_READS) {
      for (const n of connections) rows.push(await load(platform, read, n, seconds, written.stored));
      for (const rate of options.rates ?? []) rows.push(await load(platform, read, Math.max(...connections), seconds, written.stored, rate));
    }
    return { backend, symbols: SYMBOLS, sessions, sessionMinutes, storedSnapshots: written.snapshots, strikes: written.strikes, writeSeconds: written.writeSeconds, seconds, rows };
  } finally {
    if (platform?.running()) {
      platform.signal('SIGTERM');
      await platform.exited;
    }
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
