/**
 * The platform on the embedded default (PGlite on disk, in-process bus), fed
 * by a source that emits pre-generated simulator snapshots:
 * - throughput: option rows per second from the source until every row is
 *   stored in the database and every snapshot published to subscribers;
 * - latency: at a steady rate, from the processor's publish to a graphql-ws
 *   subscriber's callback, and from the source's emit to that callback.
 * With no latency samples asked for, only the throughput run.
 * The bench's source is handed in, so it runs on the main thread; the
 * processor's enrichment runs where PIPELINE_THREADS in the bench's
 * environment says (`on`: on a thread; by default on the main loop, as
 * under `npm start`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { buildApp } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import type { RawSnapshot } from '../core/models.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { openTestDatabase } from '../test/database.ts';
import type { Source, SourceStatus } from '../pipeline/source.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { instrumentTable } from '../core/instruments.ts';

/**
 * How the bench's source stamps its snapshots: `wall`, with the emit time
 * (a feed as fast as the pipeline takes it); `simulated`, keeping the
 * simulator's own spacing (one snapshot of each chain a second), ending now.
 * What depends on snapshot time (the analytics documents' store cadence,
 * ANALYTICS_STORE_INTERVAL_SECONDS) sees a live feed's pace only with the second.
 */
export type BenchTimestamps = 'wall' | 'simulated';

/** Emits a fixed list of snapshots, as fast as possible or at a fixed rate; stamps each as `timestamps` says. */
class ListSource implements Source {
  readonly name = 'bench';
  private emitted = 0;
  private lastTimestamp = 0;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();
  /** performance.now() at emit, by the timestamp stamped on the snapshot. */
  readonly emitTimes = new Map<number, number>();

  constructor(
    private readonly snapshots: RawSnapshot[],
    private readonly perSecond = Infinity,
    /** Emission waits for this (e.g. until a subscriber is listening). */
    private readonly gate: Promise<void> = Promise.resolve(),
    private readonly timestamps: BenchTimestamps = 'wall',
  ) {}

  async start(emit: (snapshot: RawSnapshot) => Promise<void> | void): Promise<void> {
    this.running = (async () => {
      await this.gate;
      const started = performance.now();
      const first = this.snapshots[0]?.timestamp ?? 0;
      const simulatedStart = Date.now() - ((this.snapshots.at(-1)?.timestamp ?? 0) - first);
      for (const snapshot of this.snapshots) {
        if (this.stopped) return;
        if (Number.isFinite(this.perSecond)) {
          const due = started + (this.emitted * 1000) / this.perSecond;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        // Strictly increasing: two snapshots of one expiry in the same millisecond would share
        // the natural key (symbol, expiry, ts), and the second would never count as stored.
        const now = Math.max(this.timestamps === 'wall' ? Date.now() : simulatedStart + (snapshot.timestamp - first), this.lastTimestamp + 1);
        this.lastTimestamp = now;
        this.emitTimes.set(now, performance.now());
        await emit({ ...snapshot, timestamp: now, id: `${snapshot.id}:${this.emitted}` });
        this.emitted++;
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  status(): SourceStatus {
    return { name: this.name, state: 'running', snapshotsEmitted: this.emitted, rejected: {} };
  }
}

function simulatedSnapshots(count: number, strikesEachSide: number, symbols?: string[]): RawSnapshot[] {
  const instruments = instrumentTable();
  const simulator = new MarketSimulator({
    instruments,
    symbols,
    expiriesPerSymbol: symbols ? 1 : 2,
    seed: 11,
    tickIntervalMs: 1000,
    speed: 1,
    clock: 'market',
    // From now (the market clock moves it to the next open): the expiries are live ones, which a subscription accepts on any day.
    startTime: Date.now(),
    strikesEachSide,
  });
  const out: RawSnapshot[] = [];
  while (out.length < count) out.push(...simulator.tick());
  return out.slice(0, count);
}

function rowsOf(snapshots: RawSnapshot[]): number {
  return snapshots.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0);
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

export interface PipelineBenchResult {
  /** Whether the analytics stage ran (analysed, stored and published beside the snapshots). */
  analytics: boolean;
  snapshots: number;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  snapshotsPerSecond: number;
  /**
   * Growth of the database over the throughput run per option row stored:
   * the whole PGlite data directory (tables, TOAST, indexes, WAL; PGlite
   * allocates WAL in 16 MiB segments, so short runs overstate it), and
   * pg_database_size alone (tables, TOAST, indexes).
   */
  diskBytesPerRow: number;
  tableBytesPerRow: number;
  /**
   * Option rows per second of CPU the whole process used over the run (all
   * threads: main, PGlite's worker, the enrichment thread, GC): what the rate would be with a core
   * to itself per busy thread, and steadier than rows/s on a shared machine.
   */
  rowsPerCpuSecond: number;
  /** The same CPU (all threads) per snapshot, µs. */
  cpuMicrosecondsPerSnapshot: number;
  /** No samples (NaN figures) when the run was asked for none. */
  latency: { rate: number; samples: number; publishToSubscriberMs: { p50: number; p99: number; max: number }; sourceToSubscriberMs: { p50: number; p99: number; max: number } };
}

export type BenchDatabase = 'embedded' | 'postgres';

/** A fresh database of the kind asked: PGlite on disk under `dir`, or a temporary database on DATABASE_URL's server. */
async function benchDatabase(kind: BenchDatabase, dir: string): Promise<DatabaseHandle> {
  return kind === 'embedded' ? openDatabase({ dataDir: dir }) : openTestDatabase();
}

export async function runPipelineBench(
  kind: BenchDatabase = 'embedded',
  snapshotCount = 2_000,
  latencySamples = 400,
  latencyRate = 20,
  analytics = true,
  /** Strikes each side of ATM in the simulator's chains (20: 41-strike chains, 100: 201). */
  strikesEachSide = 20,
  timestamps: BenchTimestamps = 'wall',
): Promise<PipelineBenchResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'options-bench-'));
  // PIPELINE_THREADS and ANALYTICS_STORE_INTERVAL_SECONDS from the bench's environment, to compare settings.
  const fromEnvironment = Object.fromEntries(['PIPELINE_THREADS', 'ANALYTICS_STORE_INTERVAL_SECONDS'].filter((name) => process.env[name]).map((name) => [name, process.env[name]!]));
  const config = loadConfig({ LOG_LEVEL: 'silent', HOST: '127.0.0.1', DATA_DIR: dataDir, ...fromEnvironment });
  try {
    // Throughput.
    const snapshots = simulatedSnapshots(snapshotCount, strikesEachSide);
    const rows = rowsOf(snapshots);
    const database = await benchDatabase(kind, join(dataDir, 'throughput'));
    const empty = await database.size();
    const throughputSource = new ListSource(snapshots, Infinity, undefined, timestamps);
    const app = await buildApp(config, { database, source: throughputSource, log: createLogger('silent'), analytics });
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    await app.start(0);
    // With the analytics stage, also until every snapshot is analysed and its analytics stored.
    const analysed = () => {
      const role = app.services.analytics;
      if (!role) return true;
      const skipped = Object.values(role.stats.skipped).reduce((n, k) => n + (k ?? 0), 0);
      return role.stats.analysed + skipped + role.stats.failed >= snapshotCount && app.services.analyticsStorage!.stats.snapshotsWritten >= role.stats.analysed;
    };
    await until(
      () => app.services.storage!.stats.snapshotsWritten >= snapshotCount && app.services.published.count >= snapshotCount && analysed(),
      600_000,
      'every snapshot stored and published',
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    await app.stop();
    const full = await database.size();
    await database.close();

    const throughput = {
      analytics,
      snapshots: snapshotCount,
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      snapshotsPerSecond: snapshotCount / seconds,
      diskBytesPerRow: (full.bytes - empty.bytes) / rows,
      tableBytesPerRow: (full.databaseBytes - empty.databaseBytes) / rows,
      rowsPerCpuSecond: rows / ((cpu.user + cpu.system) / 1e6),
      cpuMicrosecondsPerSnapshot: (cpu.user + cpu.system) / snapshotCount,
    };
    const noLatency = { p50: NaN, p99: NaN, max: NaN };
    if (latencySamples === 0) return { ...throughput, latency: { rate: latencyRate, samples: 0, publishToSubscriberMs: noLatency, sourceToSubscriberMs: noLatency } };

    // Latency at a steady rate, through a real graphql-ws subscriber.
    const steady = simulatedSnapshots(latencySamples, 20, ['NIFTY']);
    const expiry = steady[0].expiry;
    const latencyDatabase = await benchDatabase(kind, join(dataDir, 'latency'));
    let openGate = () => {};
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const latencySource = new ListSource(steady, latencyRate, gate);
    const latencyApp = await buildApp(config, { database: latencyDatabase, source: latencySource, log: createLogger('silent'), analytics });
    const publishToSubscriber: number[] = [];
    const sourceToSubscriber: number[] = [];
    const publishedAt = new Map<number, number>();
    await latencyApp.services.bus.subscribe<{ timestamp: number }>('market.enriched', 'bench-clock', (m) => void publishedAt.set(m.value.timestamp, performance.now()));
    const { port } = await latencyApp.start(0);
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, retryAttempts: 0 });
    // Start emitting once the subscription is registered on the server.
    client.on('connected', () => setTimeout(openGate, 200));
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      client.subscribe<{ chainUpdated: { timestamp: string } }>(
        { query: `subscription { chainUpdated(symbol: "NIFTY", expiry: "${expiry}") { timestamp rows { strike call { iv delta } put { iv delta } } } }` },
        {
          next: (event) => {
            const now = performance.now();
            if (!event.data) return reject(new Error(`bench: the subscription answered with errors: ${JSON.stringify(event.errors)}`));
            const ts = Date.parse(event.data.chainUpdated.timestamp);
            const published = publishedAt.get(ts);
            if (published !== undefined) publishToSubscriber.push(now - published);
            const emitted = latencySource.emitTimes.get(ts);
            if (emitted !== undefined) sourceToSubscriber.push(now - emitted);
            if (++received >= latencySamples) resolve();
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
    await client.dispose();
    await latencyApp.stop();
    await latencyDatabase.close();
    return {
      ...throughput,
      latency: {
        rate: latencyRate,
        samples: publishToSubscriber.length,
        publishToSubscriberMs: percentiles(publishToSubscriber),
        sourceToSubscriberMs: percentiles(sourceToSubscriber),
      },
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function percentiles(values: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN);
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
}

export interface StageShareResult {
  strikes: number;
  snapshots: number;
  runs: number;
  /** CPU µs per snapshot (all threads) of each run, in run order. */
  onMicroseconds: number[];
  offMicroseconds: number[];
  /** Median over the runs. */
  onMedian: number;
  offMedian: number;
  /** onMedian / offMedian − 1: what the stage adds to the pipeline's CPU. */
  share: number;
  /** Lowest and highest of on/off − 1 over the runs, pairing each on run with the off run after it. */
  shareRange: [number, number];
}

/**
 * The analytics stage's share of the embedded pipeline: the throughput run
 * (no latency run) with the stage on, then off, `runs` times alternately, on
 * the same simulator chains of `strikesEachSide` strikes each side; CPU of
 * the whole process (all threads) per snapshot, which a loaded machine
 * disturbs less than wall time. `warmups` pairs run first, uncounted: the
 * first run's CPU includes compiling the reducers (V8's optimising compiler
 * works on threads of its own), which a server running all day pays once.
 * The snapshots keep the simulator's spacing (`simulated`: a chain a second,
 * the pace of the live simulator), so the analytics documents are stored at
 * the cadence they are live (ANALYTICS_STORE_INTERVAL_SECONDS).
 */
export async function runStageShareBench(strikesEachSide: number, snapshotCount: number, runs: number, warmups = 1, timestamps: BenchTimestamps = 'simulated'): Promise<StageShareResult> {
  const on: number[] = [];
  const off: number[] = [];
  for (let r = 0; r < warmups; r++) {
    await runPipelineBench('embedded', snapshotCount, 0, 20, true, strikesEachSide, timestamps);
    await runPipelineBench('embedded', snapshotCount, 0, 20, false, strikesEachSide, timestamps);
  }
  for (let r = 0; r < runs; r++) {
    on.push((await runPipelineBench('embedded', snapshotCount, 0, 20, true, strikesEachSide, timestamps)).cpuMicrosecondsPerSnapshot);
    off.push((await runPipelineBench('embedded', snapshotCount, 0, 20, false, strikesEachSide, timestamps)).cpuMicrosecondsPerSnapshot);
  }
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const shares = on.map((x, i) => x / off[i] - 1);
  return {
    strikes: 2 * strikesEachSide + 1,
    snapshots: snapshotCount,
    runs,
    onMicroseconds: on,
    offMicroseconds: off,
    onMedian: median(on),
    offMedian: median(off),
    share: median(on) / median(off) - 1,
    shareRange: [Math.min(...shares), Math.max(...shares)],
  };
}
