/**
 * The platform under an operator's bad day, for real: the process as
 * `npm start` runs it, PostgreSQL and Redis behind TCP proxies this suite
 * breaks (refused, blackholed), SIGTERM at full load, SIGKILL in the middle
 * of an outage and of a replay. Each case counts what the source produced
 * against what reached the database (plus what waits in the spool), checks
 * the process kept answering /healthz and kept ingesting, and records its
 * peak resident memory; the table is printed at the end.
 *
 * Outages last a few seconds here (CI); `FAULTS=full` runs the durations of
 * the issue that asked for them (Redis 20 s and 60 s, PostgreSQL refused 30 s
 * and 3 min, blackholed 60 s): `npm run faults`.
 *
 * Needs DATABASE_URL (a PostgreSQL server to cut off: the embedded engine
 * cannot go away); the Redis cases need REDIS_URL too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { instrumentTable } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { Spool } from '../pipeline/spool.ts';
import { createScratchDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { startPlatform, type PlatformProcess } from './support/platformProcess.ts';
import { waitFor } from './support/waitFor.ts';
import { TcpProxy } from './support/tcpProxy.ts';

const DATABASE_URL = process.env.DATABASE_URL;
const REDIS_URL = process.env.REDIS_URL;
const FULL = process.env.FAULTS === 'full';
/** Outage lengths, seconds: the in full, a few seconds otherwise. */
const SECONDS = FULL ? { redisShort: 20, redisLong: 60, pgShort: 30, pgLong: 180, blackhole: 60 } : { redisShort: 4, redisLong: 0, pgShort: 4, pgLong: 0, blackhole: 6 };

interface Row {
  fault: string;
  behaviour: string;
  produced: number;
  stored: number;
  spooledLeft: number;
  lost: string;
  worstHealthzMs: number;
  peakRssMb: number;
}
const table: Row[] = [];

afterAll(() => {
  if (table.length === 0) return;
  const header = '| fault | behaviour | produced | stored | left in spool | lost | worst /healthz | peak RSS |';
  const lines = table.map(
    (r) => `| ${r.fault} | ${r.behaviour} | ${r.produced} | ${r.stored} | ${r.spooledLeft} | ${r.lost} | ${r.worstHealthzMs.toFixed(0)} ms | ${r.peakRssMb.toFixed(0)} MB |`,
  );
  console.log(['', header, '|---|---|---|---|---|---|---|---|', ...lines, ''].join('\n'));
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)) };
}

function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.host = `127.0.0.1:${proxy.port}`;
  return parsed.toString();
}

async function proxyTo(url: string): Promise<TcpProxy> {
  const proxy = new TcpProxy(hostPort(url));
  await proxy.open();
  cleanups.push(() => proxy.close());
  return proxy;
}

async function scratchDatabase(): Promise<{ url: string; count(where?: string): Promise<number>; timestamps(): Promise<number[]>; expiries(symbol: string): Promise<string[]> }> {
  const scratch = await createScratchDatabase();
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  cleanups.push(async () => {
    await sql.end({ timeout: 1 });
    await scratch.drop();
  });
  return {
    url: scratch.url,
    count: async (where = 'true') => Number((await sql.unsafe(`select count(*)::int as n from chain_snapshots where ${where}`))[0].n),
    timestamps: async () => (await sql`select ts from chain_snapshots order by ts`).map((r) => (r.ts as Date).getTime()),
    expiries: async (symbol) => (await sql`select distinct expiry::text as e from chain_snapshots where symbol = ${symbol} order by 1`).map((r) => r.e as string),
  };
}

/** Starts the platform and stops it (SIGKILL) after the test if still running; a crash fails the test with its last words. */
async function platform(env: Record<string, string>): Promise<PlatformProcess> {
  const started = await startPlatform(env);
  let expected = false;
  const signal = started.signal.bind(started);
  started.signal = (name) => {
    expected = true;
    signal(name);
  };
  void started.exited.then((code) => {
    if (!expected) console.error(`the platform exited by itself (${code}):\n${started.stderr()}\n${started.logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`);
  });
  cleanups.push(async () => {
    signal('SIGKILL');
    await started.exited;
  });
  return started;
}

/** The final account the process logs when it stops (see api/app.ts). */
function finalAccount(process: PlatformProcess): { published: number; stored: number; spoolBytes: number } {
  const stopped = [...process.logs].reverse().find((l) => l.message === 'stopped');
  if (!stopped) throw new Error(`no final account in the logs:\n${process.logs.slice(-10).map((l) => JSON.stringify(l)).join('\n')}`);
  return { published: Number(stopped.published), stored: Number(stopped.stored), spoolBytes: Number(stopped.spoolBytes ?? 0) };
}

/**
 * SIGTERM, a clean exit, and the account: what the source handed over must
 * all be in the database or in the spool the process left for its next start.
 */
async function stopAndCount(app: PlatformProcess, database: { count(): Promise<number> }, dataDir: string) {
  const signalled = Date.now();
  app.signal('SIGTERM');
  expect(await app.exited).toBe(0);
  const tookMs = Date.now() - signalled;
  const account = finalAccount(app);
  const stored = await database.count();
  const left = (await spooledRecords(join(dataDir, 'spool'))).length;
  expect(stored + left).toBe(account.published);
  const counts = { produced: account.published, stored, spooledLeft: left, lost: String(account.published - stored - left) };
  return { counts, tookMs };
}

/** Records left in a spool directory (the process has exited). */
async function spooledRecords(dir: string): Promise<EnrichedSnapshot[]> {
  return (await Spool.inspect<EnrichedSnapshot>(dir)).records;
}

/** Watches /healthz every 200 ms until stopped; resolves with the worst latency seen. */
function watchHealth(process: PlatformProcess): { stop(): Promise<number> } {
  let worst = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      worst = Math.max(worst, await process.healthz(5_000));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return worst;
    },
  };
}

const BASE_ENV = {
  LOG_LEVEL: 'info',
  SYMBOLS: 'NIFTY,BANKNIFTY',
  EXPIRIES_PER_SYMBOL: '2',
  SIM_TICK_MS: '200',
  SIM_SPEED: '60',
  SIM_STRIKES_EACH_SIDE: '20',
  STORAGE_WRITE_TIMEOUT_MS: '3000',
  // The recordings replayed here span a day of market time: keep all of it raw, so every snapshot can be counted.
  RETENTION_RAW: '30 days',
  RETENTION_HISTORY: '30 days',
};

/** A gzip NDJSON recording of `ticks` simulator ticks (one NIFTY expiry), `gapMs` of market time apart, ending now. */
function recording(dir: string, ticks: number, symbol = 'NIFTY'): { path: string; timestamps: number[] } {
  const start = Date.now() - ticks * 60_000 - 3_600_000;
  const simulator = new MarketSimulator({
    instruments: instrumentTable(),
    symbols: [symbol],
    expiriesPerSymbol: 1,
    strikesEachSide: 10,
    seed: 11,
    tickIntervalMs: 1000,
    speed: 60,
    clock: 'always-open',
    startTime: start,
  });
  const snapshots = Array.from({ length: ticks }, () => simulator.tick()[0]);
  const path = join(dir, `${symbol.toLowerCase()}-${ticks}.ndjson.gz`);
  writeFileSync(path, gzipSync(snapshots.map((s) => JSON.stringify(s)).join('\n') + '\n'));
  return { path, timestamps: snapshots.map((s) => s.timestamp) };
}

describe.skipIf(!DATABASE_URL)('faults, against the real process', () => {
  const outage = (fault: 'redis' | 'pg-refused' | 'pg-blackholed', seconds: number) => async () => {
    const database = await scratchDatabase();
    const pgProxy = await proxyTo(DATABASE_URL!);
    const redisProxy = REDIS_URL ? await proxyTo(REDIS_URL) : undefined;
    const dataDir = scratchDir('faults');
    const app = await platform({
      ...BASE_ENV,
      DATA_DIR: dataDir,
      DATABASE_URL: throughProxy(database.url, pgProxy),
      ...(redisProxy ? { REDIS_URL: throughProxy(REDIS_URL!, redisProxy) } : {}),
    });
    await waitFor(async () => ((await app.readyz()).body.details.storage?.snapshotsWritten ?? 0) > 10 || undefined, 'the first writes');
    const health = watchHealth(app);

    const before = (await app.readyz()).body.details;
    const expiry = (await database.expiries('NIFTY'))[0];
    if (fault === 'redis') await redisProxy!.refuse();
    else if (fault === 'pg-refused') await pgProxy.refuse();
    else pgProxy.blackhole();
    const outageEnds = Date.now() + seconds * 1000;
    let readDuringOutage = 0;
    let degradedSeen = false;
    while (Date.now() < outageEnds) {
      const { body } = await app.readyz();
      degradedSeen ||= body.degraded.length > 0 || body.problems.length > 0;
      if (fault === 'redis') {
        // The latest chain is read through the cache: with Redis away it comes from the database, within a timeout.
        const response = await fetch(app.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'query($e: Date!) { optionChain(symbol: "NIFTY", expiry: $e) { timestamp } }', variables: { e: expiry } }),
          signal: AbortSignal.timeout(5_000),
        });
        const body = (await response.json()) as { data?: { optionChain: { timestamp: string } | null } };
        if (body.data?.optionChain?.timestamp) readDuringOutage++;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const during = (await app.readyz()).body.details;
    // The pipeline kept ingesting through the outage.
    expect(during.ingest!.published).toBeGreaterThan(before.ingest!.published + 5);
    expect(degradedSeen).toBe(true);
    if (fault === 'redis') {
      expect(readDuringOutage).toBeGreaterThan(0);
      expect(during.storage!.snapshotsWritten).toBeGreaterThan(before.storage!.snapshotsWritten);
    } else {
      expect(during.storage!.spooled).toBeGreaterThan(0);
    }

    if (fault === 'redis') await redisProxy!.restore();
    else await pgProxy.restore();
    await waitFor(async () => {
      const { body } = await app.readyz();
      return body.status === 'ok' && (body.details.storage?.spool?.bytes ?? 0) === 0 ? true : undefined;
    }, 'recovery', 120_000);
    const worst = await health.stop();
    const peakRss = app.peakRss();
    const { counts } = await stopAndCount(app, database, dataDir);
    table.push({
      fault: `${fault === 'redis' ? 'Redis down' : fault === 'pg-refused' ? 'PostgreSQL refused' : 'PostgreSQL blackholed'} ${seconds} s`,
      behaviour:
        fault === 'redis'
          ? 'kept ingesting and storing; reads from the database; /readyz degraded; back to normal after'
          : 'kept ingesting into the spool; /readyz said why; spool replayed on recovery',
      ...counts,
      worstHealthzMs: worst,
      peakRssMb: peakRss / 2 ** 20,
    });
    expect(worst).toBeLessThan(5_000);
  };

  it.skipIf(!REDIS_URL)(`keeps ingesting and serving through a Redis outage of ${SECONDS.redisShort} s`, outage('redis', SECONDS.redisShort), 300_000);
  it.skipIf(!REDIS_URL || !SECONDS.redisLong)(`keeps ingesting and serving through a Redis outage of ${SECONDS.redisLong} s`, outage('redis', SECONDS.redisLong), 300_000);
  it(`spools through PostgreSQL refusing connections for ${SECONDS.pgShort} s and stores everything after`, outage('pg-refused', SECONDS.pgShort), 300_000);
  it.skipIf(!SECONDS.pgLong)(`spools through PostgreSQL refusing connections for ${SECONDS.pgLong} s and stores everything after`, outage('pg-refused', SECONDS.pgLong), 600_000);
  it(`spools through PostgreSQL blackholed for ${SECONDS.blackhole} s and stores everything after`, outage('pg-blackholed', SECONDS.blackhole), 300_000);

  it('exits within the shutdown deadline on SIGTERM at full load, storing or spooling everything', async () => {
    const database = await scratchDatabase();
    const dataDir = scratchDir('faults');
    const app = await platform({
      ...BASE_ENV,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      SYMBOLS: 'NIFTY,BANKNIFTY,FINNIFTY,MIDCPNIFTY,SENSEX',
      SIM_TICK_MS: '1',
      SIM_STRIKES_EACH_SIDE: '100',
      // Large batches on a loaded machine: the default write timeout, so slow writes are not taken for an outage.
      STORAGE_WRITE_TIMEOUT_MS: '15000',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    const health = watchHealth(app);
    await new Promise((resolve) => setTimeout(resolve, FULL ? 30_000 : 8_000));
    const worst = await health.stop();
    const peakRss = app.peakRss();
    const { counts, tookMs } = await stopAndCount(app, database, dataDir);
    expect(tookMs).toBeLessThan(10_000);
    table.push({
      fault: 'SIGTERM at full load (1 ms tick, 5 symbols × 2 expiries × 201 strikes)',
      behaviour: `exited 0 after ${(tookMs / 1000).toFixed(1)} s (deadline 10 s)`,
      ...counts,
      worstHealthzMs: worst,
      peakRssMb: peakRss / 2 ** 20,
    });
  }, 120_000);

  it('loses nothing that reached the spool when killed (SIGKILL) during a PostgreSQL outage', async () => {
    const database = await scratchDatabase();
    const pgProxy = await proxyTo(DATABASE_URL!);
    const dataDir = scratchDir('faults');
    const file = recording(dataDir, 1_500);
    const env = { ...BASE_ENV, DATA_DIR: dataDir, DATABASE_URL: throughProxy(database.url, pgProxy), SOURCE: 'replay', SYMBOLS: 'NIFTY' };
    // 1,500 snapshots a market minute apart, at 25 a second: a minute of replay.
    const first = await platform({ ...env, REPLAY_FILE: file.path, REPLAY_SPEED: String(60 * 25) });
    const health = watchHealth(first);
    await waitFor(async () => ((await first.readyz()).body.details.storage?.snapshotsWritten ?? 0) > 20 || undefined, 'the first writes');
    await pgProxy.refuse();
    await waitFor(async () => ((await first.readyz()).body.details.storage?.spooled ?? 0) > 100 || undefined, 'snapshots to be spooled');
    const atKill = (await first.readyz()).body.details;
    const peakRss = first.peakRss();
    const worst = await health.stop();
    first.signal('SIGKILL');
    await first.exited;
    const spoolAtKill = (await spooledRecords(join(dataDir, 'spool'))).length;
    await pgProxy.restore();

    // The next start replays the spool first (its own source: one snapshot of another symbol).
    const other = recording(scratchDir('faults'), 1, 'FINNIFTY');
    const second = await platform({ ...env, REPLAY_FILE: other.path, SYMBOLS: 'NIFTY,FINNIFTY' });
    await waitFor(async () => {
      const { body } = await second.readyz();
      return (body.details.storage?.spool?.bytes ?? 1) === 0 && (await database.count("symbol = 'FINNIFTY'")) === 1 ? true : undefined;
    }, 'the spool to be replayed', 60_000);
    second.signal('SIGTERM');
    expect(await second.exited).toBe(0);

    const stored = await database.timestamps().then((ts) => ts.filter((t) => file.timestamps.includes(t)));
    // What reached the database is the start of the recording, without a gap: the spool was replayed whole.
    expect(stored).toEqual(file.timestamps.slice(0, stored.length));
    expect(stored.length).toBeGreaterThanOrEqual(atKill.storage!.snapshotsWritten + spoolAtKill);
    const produced = atKill.ingest!.published;
    table.push({
      fault: 'SIGKILL during a PostgreSQL outage, then restart',
      behaviour: `${spoolAtKill} spooled snapshots replayed at the next start`,
      produced,
      stored: stored.length,
      spooledLeft: 0,
      lost: `${Math.max(0, produced - stored.length)} (in memory, not yet spooled, at the kill)`,
      worstHealthzMs: worst,
      peakRssMb: peakRss / 2 ** 20,
    });
  }, 300_000);

  it('stores every snapshot when a replay killed (SIGKILL) half-way is replayed again', async () => {
    const database = await scratchDatabase();
    const dataDir = scratchDir('faults');
    const file = recording(dataDir, 1_000);
    const env = {
      ...BASE_ENV,
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      ...(REDIS_URL ? { REDIS_URL } : {}),
      SOURCE: 'replay',
      SYMBOLS: 'NIFTY',
      REPLAY_FILE: file.path,
      REPLAY_SPEED: String(60 * 50),
    };
    const first = await platform(env);
    await waitFor(async () => ((await first.readyz()).body.details.storage?.snapshotsWritten ?? 0) > 300 || undefined, 'half the replay');
    const firstPeakRss = first.peakRss();
    first.signal('SIGKILL');
    await first.exited;
    const storedAtKill = await database.count();

    const second = await platform(env);
    const health = watchHealth(second);
    await waitFor(async () => ((await second.readyz()).body.details.source?.state === 'stopped' ? true : undefined), 'the replay to finish', 120_000);
    const secondPeakRss = second.peakRss();
    const worst = await health.stop();
    second.signal('SIGTERM');
    expect(await second.exited).toBe(0);
    const stored = await database.count();
    expect(stored).toBe(1_000);
    table.push({
      fault: `SIGKILL during a replay, then replay again${REDIS_URL ? ' (de-duplication in Redis)' : ''}`,
      behaviour: `${storedAtKill} stored before the kill; the second replay stored the rest (nothing skipped as already seen)`,
      produced: 1_000,
      stored,
      spooledLeft: 0,
      lost: String(1_000 - stored),
      worstHealthzMs: worst,
      peakRssMb: Math.max(firstPeakRss, secondPeakRss) / 2 ** 20,
    });
  }, 300_000);
});
