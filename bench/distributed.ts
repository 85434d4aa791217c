/**
 * The distributed-mode figures, on real servers:
 * - storage write: option rows per second through the storage role's bulk
 *   write (`DatabaseHandle.write`) into PostgreSQL at DATABASE_URL;
 * - cache: a memory hit and a Redis hit of the two-level cache holding one
 *   enriched 41-strike chain (REDIS_URL);
 * - fan-out: graphql-ws subscribers of an API replica that receives every
 *   update through Redis from another replica that runs the pipeline.
 *
 * The fan-out runs both replicas in this process, on one event loop, and the
 * subscribers in a child process (their parsing is not the server's cost);
 * latency is from replica A's publish to the subscriber callback, on one
 * clock, and includes replica B's GraphQL execution per subscriber.
 */
import { buildApp, type App } from '../api/app.ts';
import { TwoLevelCache, measureCacheHits } from '../api/cache.ts';
import { latestChainKey } from '../schema/chain.ts';
import { loadConfig } from '../core/config.ts';
import { instrumentTable } from '../core/instruments.ts';
import { createLogger } from '../core/log.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { InProcessBus, TOPICS } from '../pipeline/bus.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { startStorage } from '../pipeline/storage.ts';
import type { Source, SourceStatus } from '../pipeline/source.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { openTestDatabase } from '../test/database.ts';
import { scratchDir } from '../test/fixtures.ts';
import { forkClients, type ClientsProcess } from './clientsProcess.ts';
import { FanOutMeter, percentile, type FanOutRow } from './fanOut.ts';

const RATE = 0.065;
/** The storage role's batch limit as deployed when STORAGE_MAX_BATCH is unset. */
const STORAGE_DEFAULT_MAX_BATCH = loadConfig({}).STORAGE_MAX_BATCH;

function simulator(symbols: string[] | undefined, expiriesPerSymbol: number, startTime: number, clock: 'market' | 'always-open'): MarketSimulator {
  return new MarketSimulator({
    instruments: instrumentTable(),
    symbols,
    expiriesPerSymbol,
    seed: 7,
    tickIntervalMs: 1000,
    speed: 1,
    clock,
    startTime,
    strikesEachSide: 20,
  });
}

function enrich(raw: RawSnapshot): EnrichedSnapshot {
  const instrument = instrumentTable().get(raw.symbol);
  if (!instrument) throw new Error(`bench: unknown symbol ${raw.symbol}`);
  return enrichSnapshot(raw, { instrument, rate: RATE });
}

function quoteRows(snapshots: readonly EnrichedSnapshot[]): number {
  return snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------
// 1. Storage write
// ---------------------------------------------------------------------------

export interface StorageWriteRow {
  /** `handle.write` called directly, or the storage role fed by an in-process bus (validating each message). */
  path: 'write' | 'storage role';
  /** Snapshots per `write` call (for the role: its STORAGE_MAX_BATCH; batches hold what queued, up to it). */
  batch: number;
  rowsPerBatch: number;
  snapshots: number;
  rows: number;
  /** Median over the runs. */
  rowsPerSecond: number;
  snapshotsPerSecond: number;
  /** Each run's rows/s, for the spread. */
  runs: number[];
  /** Median duration of one `write` call (the live case, when the role keeps up, is small batches). */
  msPerWrite: number;
}

/** Single-snapshot writes timed one by one: the storage role's latency when it keeps up with the feed. */
const SINGLE_WRITES = 200;

/**
 * Rows per second written by `handle.write` (the storage role's bulk write)
 * into a fresh database on DATABASE_URL's server: ~3,000 pre-enriched
 * snapshots (5 symbols × 2 expiries × 41 strikes, both sides) written in
 * consecutive batches of `batch` snapshots; every run gets fresh timestamps
 * so nothing conflicts. Median of `runs` runs per batch size. Then the same
 * through the storage role, and first single-snapshot writes, one at a time.
 */
export async function runStorageWriteBench(
  batches = [200, 500, 1000],
  snapshotCount = 3_000,
  runs = 3,
  /** Run on the fresh database before writing (e.g. drop an index, to measure what it costs). */
  afterOpen?: (database: DatabaseHandle) => Promise<void>,
): Promise<StorageWriteRow[]> {
  if (!process.env.DATABASE_URL) throw new Error('runStorageWriteBench needs DATABASE_URL');
  const sim = simulator(undefined, 2, Date.UTC(2026, 10, 23, 4, 0), 'market');
  const raw: RawSnapshot[] = [];
  while (raw.length < snapshotCount) raw.push(...sim.tick());
  const base = raw.slice(0, snapshotCount).map(enrich);
  const span = Math.max(...base.map((s) => s.timestamp)) - Math.min(...base.map((s) => s.timestamp)) + 1_000;
  const rows = quoteRows(base);

  const database = await openTestDatabase();
  await afterOpen?.(database);
  let shift = 0;
  const fresh = () => {
    shift += span;
    return base.map((s) => ({ ...s, timestamp: s.timestamp + shift, id: `${s.id}:${shift}` }));
  };
  const out: StorageWriteRow[] = [];
  try {
    // Warm-up: connections, prepared paths, the first pages of the tables.
    await writeAll(database, fresh(), batches[0]);
    {
      const singles = fresh().slice(0, SINGLE_WRITES);
      const singleRows = quoteRows(singles);
      const durations: number[] = [];
      for (const snapshot of singles) {
        const started = performance.now();
        await database.write([snapshot]);
        durations.push(performance.now() - started);
      }
      const seconds = durations.reduce((a, b) => a + b, 0) / 1000;
      out.push(storageRow('write', 1, singles.length, singleRows, [singleRows / seconds], durations));
    }
    for (const batch of batches) {
      const perRun: number[] = [];
      const perWrite: number[] = [];
      for (let run = 0; run < runs; run++) {
        const snapshots = fresh();
        const started = performance.now();
        const written = await writeAll(database, snapshots, batch);
        const seconds = (performance.now() - started) / 1000;
        if (written !== rows) throw new Error(`bench: wrote ${written} of ${rows} rows (conflicting timestamps?)`);
        perRun.push(rows / seconds);
        perWrite.push((seconds * 1000) / Math.ceil(snapshots.length / batch));
      }
      out.push(storageRow('write', batch, base.length, rows, perRun, perWrite));
    }
    // The storage role as deployed: enriched snapshots arrive on the bus
    // faster than it writes, are validated, and written in batches of what
    // queued meanwhile (up to its default maxBatch).
    const perRun: number[] = [];
    const perWrite: number[] = [];
    for (let run = 0; run < runs; run++) {
      const snapshots = fresh();
      const bus = new InProcessBus();
      const role = await startStorage(bus, (batch) => database.write(batch), { maxBatch: STORAGE_DEFAULT_MAX_BATCH });
      const started = performance.now();
      for (const snapshot of snapshots) await bus.publish(TOPICS.enriched, snapshot.symbol, snapshot);
      await bus.drain();
      const seconds = (performance.now() - started) / 1000;
      const stored = role.stats.quotesWritten;
      await role.stop();
      await bus.close();
      if (stored !== rows) throw new Error(`bench: the storage role wrote ${stored} of ${rows} rows`);
      perRun.push(rows / seconds);
      perWrite.push((seconds * 1000) / role.stats.batches);
    }
    out.push(storageRow('storage role', STORAGE_DEFAULT_MAX_BATCH, base.length, rows, perRun, perWrite));
  } finally {
    await database.close();
  }
  return out;
}

function storageRow(
  path: StorageWriteRow['path'],
  batch: number,
  snapshots: number,
  rows: number,
  perRun: number[],
  perWrite: number[],
): StorageWriteRow {
  const rowsPerSecond = median(perRun);
  return {
    path,
    batch,
    rowsPerBatch: Math.round((rows / snapshots) * batch),
    snapshots,
    rows,
    rowsPerSecond,
    snapshotsPerSecond: (rowsPerSecond * snapshots) / rows,
    runs: perRun,
    msPerWrite: median(perWrite),
  };
}

async function writeAll(database: DatabaseHandle, snapshots: EnrichedSnapshot[], batch: number): Promise<number> {
  let quotes = 0;
  for (let i = 0; i < snapshots.length; i += batch) quotes += (await database.write(snapshots.slice(i, i + batch))).quotes;
  return quotes;
}

// ---------------------------------------------------------------------------
// 2. Two-level cache
// ---------------------------------------------------------------------------

export interface CacheLevelResult {
  level: 'memory' | 'redis';
  hits: number;
  /** Median over the repeats of measureCacheHits' mean. */
  meanMs: number;
  /** Individually timed hits. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface CacheBenchResult {
  payloadBytes: number;
  strikes: number;
  levels: CacheLevelResult[];
}

/**
 * A TwoLevelCache on REDIS_URL holding one real enriched 41-strike NIFTY
 * chain under its latest-chain key: the mean per hit from measureCacheHits
 * (median of `repeats`), and p50/p99 from `hits` individually timed hits of
 * each level (the Redis hits with the memory level emptied before each).
 */
export async function runCacheBench(hits = 2_000, repeats = 3): Promise<CacheBenchResult> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('runCacheBench needs REDIS_URL');
  const raw = simulator(['NIFTY'], 1, Date.UTC(2026, 10, 23, 4, 0), 'market').tick()[0];
  const chain = enrich(raw);
  const cache = await TwoLevelCache.open<EnrichedSnapshot>({
    ttlSeconds: 300,
    redisUrl,
    namespace: `bench-${process.pid}-${Date.now()}`,
    connectionName: 'options-bench-cache',
  });
  const key = latestChainKey(chain.symbol, chain.expiry);
  try {
    await cache.ready();
    await cache.set(key, chain);
    // Warm-up (JIT, connection).
    await measureCacheHits(cache, 200, key);
    const means = { memory: [] as number[], redis: [] as number[] };
    for (let i = 0; i < repeats; i++) {
      const { memoryMs, redisMs } = await measureCacheHits(cache, hits, key);
      if (redisMs === null) throw new Error('bench: the cache has no Redis level');
      means.memory.push(memoryMs);
      means.redis.push(redisMs);
    }
    const timed = { memory: [] as number[], redis: [] as number[] };
    await cache.get(key);
    for (let i = 0; i < hits; i++) {
      const t0 = performance.now();
      await cache.get(key);
      timed.memory.push(performance.now() - t0);
    }
    const before = cache.stats().redisHits;
    for (let i = 0; i < hits; i++) {
      cache.clearMemory();
      const t0 = performance.now();
      await cache.get(key);
      timed.redis.push(performance.now() - t0);
    }
    if (cache.stats().redisHits - before !== hits) throw new Error('bench: not every timed hit came from Redis');
    const level = (name: 'memory' | 'redis'): CacheLevelResult => {
      const sorted = timed[name].sort((a, b) => a - b);
      return { level: name, hits, meanMs: median(means[name]), p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), maxMs: sorted.at(-1) ?? NaN };
    };
    return { payloadBytes: Buffer.byteLength(JSON.stringify({ value: chain, expiresAt: Date.now() })), strikes: chain.rows.length, levels: [level('memory'), level('redis')] };
  } finally {
    await cache.invalidate(key).catch(() => {});
    await cache.close();
  }
}

// ---------------------------------------------------------------------------
// 3. Subscription fan-out through Redis
// ---------------------------------------------------------------------------

/** Emits one fresh snapshot every `intervalMs`, on a drift-free schedule, stamped with the emit time. */
class TimerSource implements Source {
  readonly name = 'bench-timer';
  private emitted = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private readonly run = `bench-${process.pid}-${Date.now()}`;

  constructor(
    private readonly pool: RawSnapshot[],
    private readonly intervalMs = 1000,
  ) {}

  async start(emit: (snapshot: RawSnapshot) => Promise<void> | void): Promise<void> {
    const started = performance.now();
    const tick = () => {
      if (this.stopped) return;
      const snapshot = this.pool[this.emitted % this.pool.length];
      // A unique id per emit: the ingest deduper (in Redis) would drop a repeat.
      const id = `${this.run}:${this.emitted}`;
      this.emitted++;
      this.inFlight = Promise.resolve(emit({ ...snapshot, timestamp: Date.now(), id })).catch(() => {});
      const due = started + this.emitted * this.intervalMs;
      this.timer = setTimeout(tick, Math.max(0, due - performance.now()));
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  status(): SourceStatus {
    return { name: this.name, state: 'running', snapshotsEmitted: this.emitted, rejected: {} };
  }
}

export interface FanOutResult {
  rows: FanOutRow[];
  /** The largest subscriber count with every update delivered and p99 < `targetMs`; null when none. */
  largestUnderTarget: number | null;
  targetMs: number;
  strikes: number;
}

/**
 * Two apps on REDIS_URL: A (ROLE all) runs the pipeline on a source emitting
 * one NIFTY chain (one expiry, 41 strikes) a second; B (ROLE api, its own
 * empty bus) serves N graphql-ws clients (N sockets, one `chainUpdated`
 * subscription each, opened by another process: bench/clientsProcess.ts), so
 * everything B delivers came through Redis. Per N,
 * once every client has had a first update, the next `updates` updates are
 * measured from A's publish (a bus subscriber on A's bus, keyed by snapshot
 * timestamp) to each client's callback. Climbs `counts` until an N fails
 * (p99 over `targetMs`, an update lost, or an error), then bisects between
 * the last N that held and that one, to `resolution` subscribers.
 */
export async function runFanOutBench(counts = [50, 100, 200, 400, 800, 1600], updates = 8, targetMs = 100, resolution = 10): Promise<FanOutResult> {
  const redisUrl = process.env.REDIS_URL;
  if (!redisUrl) throw new Error('runFanOutBench needs REDIS_URL');
  const pool: RawSnapshot[] = [];
  const sim = simulator(['NIFTY'], 1, Date.now(), 'always-open');
  while (pool.length < 300) pool.push(...sim.tick());
  const expiry = pool[0].expiry;
  const strikes = pool[0].rows.length;

  // Every subscriber connects from loopback: one client, so lift the per-client budget.
  const subscribers = { SUBSCRIPTION_MAX_CONNECTIONS: '100000', SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: '100000', RATE_LIMIT_MAX: '0', RATE_LIMIT_COST_MAX: '0' };
  const common = { DATA_DIR: scratchDir('bench-fan-out'), REDIS_URL: redisUrl, SYMBOLS: 'NIFTY', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...subscribers };
  const log = createLogger('silent');
  const database = await openTestDatabase();
  let appA: App | undefined;
  let appB: App | undefined;
  let clients: ClientsProcess | undefined;
  const rows: FanOutRow[] = [];
  try {
    appA = await buildApp(loadConfig({ ...common, ROLE: 'all' }), { database, source: new TimerSource(pool, 1000), log });
    appB = await buildApp(loadConfig({ ...common, ROLE: 'api' }), { database, bus: new InProcessBus(), log });
    const { port } = await appB.start(0);
    clients = forkClients();
    const meter = new FanOutMeter(clients, updates);
    await appA.services.bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'bench-clock', (m) => meter.published(m.value.timestamp));
    await appA.start(0);

    const query = `subscription { chainUpdated(symbol: "NIFTY", expiry: "${expiry}") { timestamp rows { strike call { iv delta } put { iv delta } } } }`;
    const measure = (n: number) => meter.measure(`ws://127.0.0.1:${port}/graphql`, query, n, undefined, 30_000);
    const holds = (row: FanOutRow) => row.errors === 0 && row.delivered === row.expected && row.p99Ms < targetMs;
    // Up the ladder until a count fails, then halve the gap between the last
    // count that held and the first that did not, down to `resolution`.
    let good = 0;
    let bad: number | null = null;
    for (const n of counts) {
      const row = await measure(n);
      rows.push(row);
      if (!holds(row)) {
        bad = n;
        break;
      }
      good = n;
    }
    while (bad !== null && bad - good > Math.max(resolution, good * 0.1)) {
      const n = Math.round((good + bad) / 2 / resolution) * resolution;
      if (n <= good || n >= bad) break;
      const row = await measure(n);
      rows.push(row);
      if (holds(row)) good = n;
      else bad = n;
    }
    rows.sort((a, b) => a.subscribers - b.subscribers);
  } finally {
    await clients?.stop();
    await appA?.stop();
    await appB?.stop();
    await database.close();
  }
  const ok = rows.filter((r) => r.errors === 0 && r.delivered === r.expected && r.p99Ms < targetMs);
  return { rows, largestUnderTarget: ok.length ? Math.max(...ok.map((r) => r.subscribers)) : null, targetMs, strikes };
}
