/**
 * `npm run bench`: one run, one table per area, the same inputs for every
 * implementation compared. Figures depend on the machine: quote them with it.
 *
 * BENCH_OPTIONS   options in the IV table, the same for every implementation (default 10,000)
 * BENCH_SNAPSHOTS snapshots through the pipeline (default 2,000)
 * BENCH_RETENTION_MINUTES simulated minutes of the default simulator written
 *                 under the retention job, to see the size level off (default 30)
 * BENCH_READS_SECONDS seconds of each HTTP read run (default 20)
 * BENCH_READS_HISTORY_MINUTES minutes of history stored before the read runs (default 60)
 * BENCH_READS_CONNECTIONS concurrent clients of the read runs, comma-separated (default 10,50)
 * BENCH_READS_RATES, BENCH_SURFACE_RATES requests a second of the open-loop read runs over the
 *                 most clients, comma-separated (default 167,500: 167 is the 10,000 a minute
 *                 the system we replace claimed; empty: none)
 * DATABASE_URL    also measure the pipeline and the HTTP reads on that
 *                 PostgreSQL server, and the storage role's bulk write into it;
 *                 on TimescaleDB also the compressed read, aggregate refresh
 *                 and BRIN write cost
 * REDIS_URL       also measure the two-level cache's Redis level and the
 *                 subscription fan-out through Redis between two API replicas
 * BENCH_WEB_SECONDS seconds the web client's chain page is timed in Chromium
 *                 (its area for BENCH_ONLY: web; default 30)
 * BENCH_FAN_OUT   the embedded fan-out cases, selection:subscribers:p99 goal ms
 *                 (default summary:10000:100,full chain:1000:250)
 * PIPELINE_THREADS where the fan-out and pipeline benches' servers run the
 *                 source and the enrichment (source, on, off; default source, as npm start)
 * BENCH_KAFKA_RAW, BENCH_KAFKA_ENRICHED raw and enriched snapshots through the
 *                 Kafka bus (default 5,000 and 2,000), on librdkafka's mock
 *                 cluster, or on KAFKA_BROKERS when set
 * BENCH_KAFKA_ROLES snapshots through the ingest and processor roles on the
 *                 Kafka bus, per run (default 1,000)
 * BENCH_SURFACE_SESSIONS, BENCH_SURFACE_SESSION_MINUTES sessions × minutes of 5-symbol history
 *                 (a snapshot per symbol a second) under the read-surface runs (default 5 × 375)
 * BENCH_SURFACE_SECONDS, BENCH_SURFACE_CONNECTIONS seconds per run and clients (default 20; 1,50)
 * BENCH_SURFACE_SERVER_ENV extra server settings for those runs, K=V,… (e.g. DB_MAX_QUEUED_QUERIES=1000)
 * BENCH_SHARE_RUNS on/off pairs of the analytics stage's share of the pipeline (default 3)
 * BENCH_SHARE_SNAPSHOTS snapshots per run of it, 41-strike and 201-strike chains (default 2000,500)
 * BENCH_ONLY      run only these areas, comma-separated: iv, analytics,
 *                 encoding, margin, pipeline, reads, surface, retention, fanout, kafka, distributed,
 *                 strategy, auth, web, observability (default: all)
 */
import os from 'node:os';
import { createLogger } from '../core/log.ts';
import { loadConfig } from '../core/config.ts';
import { Progress, stderrProgressSink } from '../core/progress.ts';
import { runIvBench } from './iv.ts';
import { runObservabilityBench } from './observability.ts';
import { runAnalyticsBench } from './analytics.ts';
import { runMarginBench } from './margin.ts';
import { runStrategyBench } from './strategy.ts';
import { runPipelineBench, runStageShareBench, type PipelineBenchResult } from './pipeline.ts';
import { runCacheBench, runFanOutBench, runStorageWriteBench } from './distributed.ts';
import { runRetentionBench } from './retention.ts';
import { runTimescaleBench } from './timescale.ts';
import { runReadsBench, type ReadsBenchResult, type ReadsRow } from './reads.ts';
import { runSurfaceBench, type SurfaceBenchResult } from './surface.ts';
import { runStorageEncodingBench } from './storageEncoding.ts';
import { runKafkaBench } from './kafka.ts';
import { runWebClientBench } from './webClient.ts';
import { runAuthBench } from './auth.ts';
import { runEmbeddedFanOutBench, SELECTIONS, type EmbeddedFanOutCase, type FanOutRow, type Selection } from './fanOut.ts';

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : null;
/** The areas in the order they run; progress (core/progress.ts) counts the ones asked for, on stderr. */
const AREAS = ['iv', 'analytics', 'margin', 'strategy', 'auth', 'observability', 'encoding', 'pipeline', 'reads', 'surface', 'retention', 'fanout', 'kafka', 'distributed', 'web'];
const benchLog = createLogger('info', { role: 'bench' }, (line) => void process.stderr.write(`${line}\n`));
const benchProgress = new Progress('bench', AREAS.filter((a) => !only || only.has(a)).length, stderrProgressSink(benchLog));
let runningArea: string | null = null;
/** Whether `area` is asked for; if so it starts now, and the one before it is done. */
const runs = (area: string) => {
  if (only && !only.has(area)) return false;
  benchProgress.advance(runningArea === null ? 0 : 1, runningArea === null ? `${area} running` : `${runningArea} done, ${area} running`);
  runningArea = area;
  return true;
};

function format(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-3 || Math.abs(value) >= 1e7)) return value.toExponential(2);
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((c) => (typeof row[c] === 'number' ? format(row[c] as number) : String(row[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(columns));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of cells) console.log(line(r));
}

/** The columns of an HTTP read table (reads, surface): which read, how many clients, how fast, errors, server CPU. */
function httpReadColumns(database: string, row: ReadsRow | SurfaceBenchResult['rows'][number]): Record<string, string | number> {
  return {
    database,
    read: row.read,
    clients: row.connections,
    load: row.offeredRate === undefined ? 'closed loop' : `${row.offeredRate} req/s`,
    'req/s': Math.round(row.requestsPerSecond),
    'p50 ms': row.p50Ms,
    'p99 ms': row.p99Ms,
    'max ms': row.maxMs,
    errors: row.errors,
    'server CPU ms/req': row.serverCpuMsPerRequest,
  };
}

/** Open-loop request rates of the HTTP read runs from a comma-separated setting (default 167,500; empty: none). */
function benchRates(setting: string | undefined): number[] {
  return (setting ?? '167,500').split(',').filter(Boolean).map(Number);
}

/** Why rows of HTTP read tables had errors: the first error body of each. */
function printFirstErrors(runs: [string, { rows: { read: string; connections: number; offeredRate?: number; firstError?: string }[] }][]): void {
  for (const [name, r] of runs) for (const row of r.rows) if (row.firstError) console.log(`${name}, ${row.read} × ${row.connections}${row.offeredRate === undefined ? '' : ` at ${row.offeredRate} req/s`}: first error ${row.firstError}`);
}

/** The columns every fan-out table shows: how many subscribers, what reached them, how fast. */
function deliveryColumns(r: FanOutRow): Record<string, string | number> {
  return {
    subscribers: r.subscribers,
    'delivered / expected': `${r.delivered.toLocaleString('en-US')} / ${r.expected.toLocaleString('en-US')}`,
    errors: r.errors,
    'p50 ms': r.p50Ms,
    'p99 ms': r.p99Ms,
    'max ms': r.maxMs,
  };
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `options-platform benchmark — node ${process.version}, ${cpu}, ${os.cpus().length} cores (math on one), ` +
    `NODE_ENV=${process.env.NODE_ENV ?? '(unset)'} (the Docker image runs production)`,
);

if (runs('iv')) {
  const iv = runIvBench(Number(process.env.BENCH_OPTIONS ?? 10_000));
  printTable(
    `IV + Greeks on the same ${format(iv.rows[0].options)} NIFTY-like options for each (spot 24,000, strikes ±10 %, 1–90 days, σ 8–58 %; premiums from the npm package black-scholes); ` +
      `errors |σ − σ_true| over the ${format(iv.informative)} inputs whose premium pins σ to 1e-10`,
    iv.rows.map((r) => ({
      implementation: r.implementation,
      options: r.options,
      'IV + Greeks /s': Math.round(r.optionsPerSecond),
      'IV only /s': Math.round(r.ivOnlyPerSecond),
      'IV err median': r.medianError,
      'IV err p99': r.p99Error,
      'IV err max': r.maxError,
      unsolved: r.unsolved,
    })),
  );
}

if (runs('analytics')) {
  printTable(
    'Chain analytics on one 201-strike NIFTY chain (402 options)',
    runAnalyticsBench().map((r) => ({ stage: r.stage, 'µs per chain': r.microsecondsPerChain })),
  );
}

if (runs('margin')) {
  printTable(
    'Margin estimate (core/strategy/margin.ts: 16 SPAN scenarios, per-leg standalone figures, calendar charge): the strategy bench\'s goal is a whole 10-leg, 3-expiry evaluation under 2 ms',
    runMarginBench().map((r) => ({ position: r.position, legs: r.legs, expiries: r.expiries, 'µs per estimate': r.microsecondsPerEstimate, 'total ₹': Math.round(r.totalRupees) })),
  );
}

if (runs('strategy')) {
  printTable(
    'Strategy builder on one core: a 10-leg, 3-expiry NIFTY strategy, full evaluation (curves at the first expiry and each target, exact breakevens, max profit/loss, ' +
      'probability of profit and expected P&L lognormal and smile-implied, touch probabilities, position Greeks); goals: under 2 ms for 500 spots × 10 targets, 1,000 live re-pricings/s',
    runStrategyBench().map((r) => ({
      shape: r.shape,
      spots: r.spotPoints,
      targets: r.targets,
      'CPU ms / evaluation': r.msPerEvaluation,
      'evaluations per CPU-second': Math.round(r.evaluationsPerSecond),
      'CPU ms of it in the curves': r.msCurvesOnly,
    })),
  );
}

if (runs('auth')) {
  printTable(
    'Authentication and authorization added to one request, in process: the caller resolved from its credentials (key set and verified API keys cached), ' +
      'the plan check of an optionChain query, the rate limiter\'s admission and cost-budget spend; µs (goal: p50 under 200 µs)',
    (await runAuthBench()).map((r) => ({ caller: r.caller, requests: r.requests, 'p50 µs': r.p50Us, 'p99 µs': r.p99Us })),
  );
}

if (runs('observability')) {
  printTable(
    'Observability costs: per call on the hot path (per snapshot and stage), and per /metrics scrape',
    (await runObservabilityBench()).map((r) => ({ what: r.what, calls: r.calls, 'µs per call': r.microsecondsPerCall })),
  );
}

if (runs('encoding')) {
  printTable(
    'Embedded store: candidate encodings of a snapshot\'s option rows, all lossless, on the same simulator chains (5 symbols × 2 expiries × 41 strikes, ' +
      '60 ticks); bytes of the block per option row, option rows per second packed and unpacked on one core (core/packedQuotes.ts is the chosen one)',
    runStorageEncodingBench().map((r) => ({
      candidate: r.candidate,
      'bytes/row': r.bytesPerRow,
      'pack rows/s': Math.round(r.packRowsPerSecond),
      'unpack rows/s': Math.round(r.unpackRowsPerSecond),
    })),
  );
}

if (runs('pipeline')) {
  const snapshots = Number(process.env.BENCH_SNAPSHOTS ?? 2_000);
  const pipelines: [string, PipelineBenchResult][] = [
    ['embedded (PGlite on disk, in-process bus)', await runPipelineBench('embedded', snapshots, 400, 20, true)],
    ['embedded (PGlite on disk, in-process bus)', await runPipelineBench('embedded', snapshots, 400, 20, false)],
  ];
  if (process.env.DATABASE_URL) {
    pipelines.push(['PostgreSQL at DATABASE_URL, in-process bus', await runPipelineBench('postgres', snapshots, 400, 20, true)]);
    pipelines.push(['PostgreSQL at DATABASE_URL, in-process bus', await runPipelineBench('postgres', snapshots, 400, 20, false)]);
  }
  printTable(
    `Pipeline: ${format(snapshots)} simulator snapshots (41 strikes, both sides) from the source until stored and published ` +
      `(with the analytics stage: also analysed, its analytics published, its events stored, and its documents stored once per ANALYTICS_STORE_INTERVAL_SECONDS of snapshot time per chain: snapshots are stamped at emit here, so about once a run; the share table below keeps the live pace); ` +
      `latency at ${pipelines[0][1].latency.rate} snapshots/s to a graphql-ws subscriber; disk: growth over the run per option row ` +
      `(the data directory counts WAL, allocated in 16 MiB segments; long-run figures are in the retention table)`,
    pipelines.map(([name, r]) => ({
      storage: name,
      'analytics stage': r.analytics ? 'on' : 'off',
      'option rows': r.rows,
      'rows/s stored + published': Math.round(r.rowsPerSecond),
      'snapshots/s': Math.round(r.snapshotsPerSecond),
      'rows per CPU-second (all threads)': Math.round(r.rowsPerCpuSecond),
      'disk bytes/row (data dir)': r.diskBytesPerRow,
      'table bytes/row': r.tableBytesPerRow,
      'publish→subscriber p50 ms': r.latency.publishToSubscriberMs.p50,
      'p99 ms': r.latency.publishToSubscriberMs.p99,
      'source→subscriber p50 ms': r.latency.sourceToSubscriberMs.p50,
      'p99 ms ': r.latency.sourceToSubscriberMs.p99,
    })),
  );
  // Issue 11's goal: the analytics stage adds under 10 % to the pipeline.
  const shareRuns = Number(process.env.BENCH_SHARE_RUNS ?? 3);
  const [small, large] = (process.env.BENCH_SHARE_SNAPSHOTS ?? '2000,500').split(',').map(Number);
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const shares = [await runStageShareBench(20, small, shareRuns), await runStageShareBench(100, large, shareRuns)];
  printTable(
    `Analytics stage's share of the embedded pipeline (goal: under 10 %): CPU of the whole process (all threads) per snapshot from the source until stored and published, ` +
      `with the stage on (also analysed, its analytics stored and published) and off, ${shareRuns} alternating runs each after an uncounted pair (JIT warm-up), simulator chains of 5 symbols × 2 expiries ` +
      `stamped at the simulator's pace (each chain once a second), analytics documents stored every ${loadConfig({ ANALYTICS_STORE_INTERVAL_SECONDS: process.env.ANALYTICS_STORE_INTERVAL_SECONDS }).ANALYTICS_STORE_INTERVAL_SECONDS} s of it (ANALYTICS_STORE_INTERVAL_SECONDS); ` +
      `median, and the range of on/off − 1 over the pairs. Load average at the start: ${loadAtStart}`,
    shares.map((r) => ({
      strikes: r.strikes,
      snapshots: r.snapshots,
      'CPU µs/snapshot, stage on': r.onMedian,
      'stage off': r.offMedian,
      'stage adds': `${(100 * r.share).toFixed(1)} %`,
      'range over pairs': `${(100 * r.shareRange[0]).toFixed(1)} … ${(100 * r.shareRange[1]).toFixed(1)} %`,
      'on runs': r.onMicroseconds.map((x) => Math.round(x)).join(', '),
      'off runs': r.offMicroseconds.map((x) => Math.round(x)).join(', '),
    })),
  );
}

if (runs('reads')) {
  const readOptions = {
    seconds: Number(process.env.BENCH_READS_SECONDS ?? 20),
    historyMinutes: Number(process.env.BENCH_READS_HISTORY_MINUTES ?? 60),
    connections: (process.env.BENCH_READS_CONNECTIONS ?? '10,50').split(',').map(Number),
    rates: benchRates(process.env.BENCH_READS_RATES),
  };
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const reads: [string, ReadsBenchResult][] = [['embedded (PGlite)', await runReadsBench({ backend: 'embedded', ...readOptions })]];
  if (process.env.DATABASE_URL) reads.push(['PostgreSQL at DATABASE_URL', await runReadsBench({ backend: 'postgres', ...readOptions })]);
  const readOf = reads[0][1];
  printTable(
    `Reads over HTTP, as a user sees them: the real server (main.ts, simulator pipeline storing ${readOf.symbol} × ${readOf.expiries.length} expiries a second) ` +
      `over ${readOf.historyMinutes} minutes of stored history (${format(readOf.storedSnapshots)} snapshots of ${readOf.strikes} strikes), ` +
      `${readOf.seconds} s per row: autocannon closed loop (each client sends when answered: a capacity figure, the latency is the queue behind throughput), then open loop at a fixed rate over the most clients (bench/openLoop.ts: latency from each request's due instant, queueing included). Pattern: latest = optionChain of an expiry, the whole chain selected; ` +
      'at = optionChain with `at` uniform at random over the range stored raw (RETENTION_RAW), a new instant every request, expiries alternating, the whole chain selected; ' +
      'history = chainHistory of every point field, alternating the session so far at 1 minute and the last 3 hours at 5 minutes, `to` = now. ' +
      'Rate limit off (one loopback client); errors = non-2xx, GraphQL errors, timeouts; server CPU = the server process\'s user + system time over the run (every thread, ' +
      'the pipeline\'s ~2 snapshots/s included) per request, steadier than latency on a shared machine. Load average at the start: ' + loadAtStart,
    reads.flatMap(([name, r]) => r.rows.map((row) => ({ ...httpReadColumns(name, row), 'req per server CPU-s': Math.round(1000 / row.serverCpuMsPerRequest) }))),
  );
  printFirstErrors(reads);
}

if (runs('surface')) {
  const surfaceOptions = {
    sessions: Number(process.env.BENCH_SURFACE_SESSIONS ?? 5),
    sessionMinutes: Number(process.env.BENCH_SURFACE_SESSION_MINUTES ?? 375),
    seconds: Number(process.env.BENCH_SURFACE_SECONDS ?? 20),
    connections: (process.env.BENCH_SURFACE_CONNECTIONS ?? '1,50').split(',').map(Number),
    rates: benchRates(process.env.BENCH_SURFACE_RATES),
    serverEnv: Object.fromEntries((process.env.BENCH_SURFACE_SERVER_ENV ?? '').split(',').filter(Boolean).map((pair) => pair.split('=') as [string, string])),
  };
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const surface: [string, SurfaceBenchResult][] = [['embedded (PGlite)', await runSurfaceBench({ backend: 'embedded', ...surfaceOptions })]];
  if (process.env.DATABASE_URL) surface.push(['PostgreSQL at DATABASE_URL', await runSurfaceBench({ backend: 'postgres', ...surfaceOptions })]);
  const first = surface[0][1];
  printTable(
    `The read surface over HTTP (issue 12; bench/surface.ts): the real server over ${first.sessions} sessions × ${first.sessionMinutes} minutes × ${first.symbols.length} symbols, ` +
      `a snapshot per symbol a second of the nearest expiry (${format(first.storedSnapshots)} snapshots of ${first.strikes} strikes, written in ${surface.map(([n, r]) => `${format(r.writeSeconds, 0)} s on ${n}`).join(', ')}), ` +
      `retention folded all but the last hour, the pipeline storing 5 snapshots/s throughout; ${first.seconds} s per row, autocannon closed loop, then open loop at a fixed rate over the most clients (bench/openLoop.ts), symbol and session at random per request. ` +
      'strikeSeries = one session of a strike, 5-minute buckets, every field; chainSeries = one session at 1 minute, SPOT, PCR_OI, STRADDLE; ' +
      'oiProfile = at an instant in the last 50 minutes; marketOverview = every symbol. Historical answers through the history cache (x-cache). Goal: p99 < 50 ms at 50 clients on PostgreSQL. ' +
      `Server settings beyond the defaults: ${JSON.stringify(surfaceOptions.serverEnv)}. Load average at the start: ` + loadAtStart,
    surface.flatMap(([name, r]) => r.rows.map((row) => httpReadColumns(name, row))),
  );
  printFirstErrors(surface);
}

if (runs('retention')) {
  const retention = await runRetentionBench(Number(process.env.BENCH_RETENTION_MINUTES ?? 30));
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  printTable(
    `Disk over simulated time on the embedded default: npm start's simulator (${format(retention.snapshotsPerHour)} snapshots, ` +
      `${format(retention.optionRowsPerHour)} option rows an hour) written into PGlite on disk as fast as it goes, the retention job run after every ` +
      `simulated minute, with RETENTION_RAW=${retention.rawWindow} (the default 1 hour would take an hour of writing here). ` +
      `Per simulated hour the default writes ${mb(retention.tableBytesPerHour)} MiB of tables and indexes and ${mb(retention.walBytesPerHour)} MiB of WAL ` +
      `(all of it kept, before retention) and keeps ${format(retention.historyBytesPerHour / 2 ** 20, 1)} MiB of history; runs ${format(retention.runs.medianMs, 0)} ms median, ` +
      `${format(retention.runs.maxMs, 0)} ms max; longest statements: ${retention.runs.longestStatements}`,
    retention.samples.map((s) => ({
      'simulated minutes': Math.round(s.simulatedHours * 60),
      'data directory MiB': mb(s.bytes),
      'tables MiB': mb(s.databaseBytes),
      'WAL MiB': mb(s.walBytes),
      'raw snapshots': s.rawSnapshots,
      'raw option rows': s.rawOptionRows,
      'data directory bytes per raw option row': s.rawOptionRows ? s.bytes / s.rawOptionRows : NaN,
      'tables bytes per raw option row': s.rawOptionRows ? s.databaseBytes / s.rawOptionRows : NaN,
      'rollup rows': s.rollupRows,
      'analytics MiB': mb(s.analyticsBytes),
    })),
  );
  console.log(
    `Projected from these rates, the default windows (RETENTION_RAW=${retention.projectedDefault.raw}, RETENTION_HISTORY=${retention.projectedDefault.history}) ` +
      `level off at about ${format(retention.projectedDefault.bytes / 2 ** 30, 2)} GiB on disk.`,
  );
}

if (runs('fanout')) {
  const cases: EmbeddedFanOutCase[] = (process.env.BENCH_FAN_OUT ?? 'summary:10000:100,full chain:1000:250').split(',').map((spec) => {
    const [selection, subscribers, targetMs] = spec.split(':').map((part) => part.trim());
    if (!(selection in SELECTIONS) || !(Number(subscribers) > 0) || !(Number(targetMs) > 0)) {
      throw new Error(`BENCH_FAN_OUT: "${spec}" is not selection:subscribers:p99 goal ms with a selection of ${Object.keys(SELECTIONS).join(', ')}`);
    }
    return { selection: selection as Selection, subscribers: Number(subscribers), targetMs: Number(targetMs) };
  });
  const fanOut = await runEmbeddedFanOutBench(cases);
  printTable(
    `Subscription fan-out on the embedded default (ROLE all, simulator with every default symbol at one tick a second, PGlite, in-process bus, ` +
      `PIPELINE_THREADS=${fanOut[0]?.pipelineThreads ?? '?'}): ` +
      `N graphql-ws sockets in another process, one chainUpdated subscription each to NIFTY's nearest expiry (${fanOut[0]?.strikes ?? '?'} strikes), ` +
      `${fanOut[0]?.updates ?? 0} updates measured once every socket has had one; latency from the API's publish to the client callback; ` +
      `simulator lag = wall time − simulated time at ingestion (start → end of the window, and max); API event-loop delay and the server process's CPU time ` +
      `(pipeline included) per update over the window; server write-out = from an update's execution to its last frame handed to the sockets (the server's part of the delivery). Load average at the start: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    fanOut.map((r) => ({
      selection: r.selection,
      ...deliveryColumns(r),
      'not warm': r.notWarm,
      'goal p99 ms': r.targetMs,
      met: r.errors === 0 && r.delivered === r.expected && r.p99Ms < r.targetMs ? 'yes' : 'no',
      'sim lag ms start → end (max)': `${format(r.lagStartMs, 0)} → ${format(r.lagEndMs, 0)} (${format(r.lagMaxMs, 0)})`,
      'loop delay p99 / max ms': `${format(r.loopDelayP99Ms, 1)} / ${format(r.loopDelayMaxMs, 1)}`,
      'server write-out p99 / max ms': `${format(r.writeOutP99Ms, 1)} / ${format(r.writeOutMaxMs, 1)}`,
      'server CPU ms / update': r.cpuMsPerUpdate,
      'executions, events serialised, frames': `${r.executions}, ${r.serialisedEvents}, ${r.frames.toLocaleString('en-US')}`,
      'warm-up s': r.warmUpSeconds,
    })),
  );
  for (const r of fanOut) if (r.errorMessages.length) console.log(`  ${r.selection} × ${r.subscribers} errors: ${r.errorMessages.slice(0, 3).join(' | ')}`);
}

if (runs('kafka')) {
  const counts = {
    raw: Number(process.env.BENCH_KAFKA_RAW ?? 5_000),
    enriched: Number(process.env.BENCH_KAFKA_ENRICHED ?? 2_000),
    roles: Number(process.env.BENCH_KAFKA_ROLES ?? 1_000),
  };
  const kafka = await runKafkaBench(counts);
  printTable(
    `Kafka bus on ${process.env.KAFKA_BROKERS ? `KAFKA_BROKERS (${process.env.KAFKA_BROKERS})` : "librdkafka's mock cluster (3 brokers, in a child process on these cores)"}: ` +
      `path publishers: snapshots published 256 at a time, at most 100 ahead of one batch consumer (the bus's capacity; goal 5,000 raw and 2,000 enriched a second); ` +
      `ingest: the ingest role, one awaited publish at a time as a source emits; processor: the processor role on the main loop, enriched snapshots delivered (enrichment included)`,
    kafka.map((r) => ({
      path: r.path,
      snapshots: r.snapshots,
      compression: r.compression,
      'linger ms': r.lingerMs,
      messages: r.messages,
      'Avro bytes': Math.round(r.bytesPerMessage),
      'delivered/s': Math.round(r.perSecond),
      'published/s': Math.round(r.publishedPerSecond),
      'encode µs': r.encodeUs,
      'decode µs': r.decodeUs,
      'enrich µs': r.enrichUs ?? '',
    })),
  );
}

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!runs('distributed')) {
  // Not asked for.
} else if (!databaseUrl && !redisUrl) {
  console.log('\nDistributed (storage write, Redis cache, Redis fan-out): skipped — set DATABASE_URL and/or REDIS_URL to measure them');
} else {
  if (databaseUrl) {
    const writes = await runStorageWriteBench();
    const batched = writes.find((r) => r.batch > 1) ?? writes[0];
    printTable(
      `Storage write (target ≥ 100,000 rows/s): ${format(batched.snapshots)} pre-enriched snapshots ` +
        `(5 symbols × 2 expiries × 41 strikes, ${format(batched.rows)} option rows) into PostgreSQL at DATABASE_URL, by handle.write ` +
        `and by the storage role fed from the bus; a write of 8,000 rows or more is split by expiry across 2 transactions (STORAGE_WRITE_TRANSACTIONS' default); ` +
        `median of ${batched.runs.length} runs; first row: single-snapshot writes one at a time (the role's latency when it keeps up)`,
      writes.map((r) => ({
        path: r.path,
        'snapshots per write': r.path === 'write' ? r.batch : `≤ ${r.batch}`,
        'rows per write': r.rowsPerBatch,
        'rows/s': Math.round(r.rowsPerSecond),
        'ms per write': r.msPerWrite,
        'snapshots/s': Math.round(r.snapshotsPerSecond),
        'runs rows/s': r.runs.map((v) => Math.round(v).toLocaleString('en-US')).join(' / '),
      })),
    );
    const timescale = await runTimescaleBench();
    if (!timescale) console.log('\nTimescaleDB: skipped — the server at DATABASE_URL does not give databases TimescaleDB');
    else {
      printTable(
        `TimescaleDB: one NIFTY chain (82 rows) at one instant, read by findChain from a chunk of an hour of 1-second snapshots ` +
          `(${format(timescale.optionRows)} option rows), median over 5 instants`,
        timescale.compressedRead.map((r) => ({
          storage: r.storage,
          'rows returned': r.rows,
          'rows decompressed': r.rowsDecompressed,
          batches: r.batches,
          'server ms': r.executionMs,
          'findChain ms': r.findChainMs,
        })),
      );
      printTable(
        'TimescaleDB: refresh_continuous_aggregate(strike_stats_5m) over the last 10 minutes of that hour, forced, alternated; scan = the same range\'s aggregate query',
        timescale.refresh.map((r) => ({
          index: r.index,
          'refresh ms': r.refreshMs,
          'scan ms': r.scanMs,
          'buffers scanned': r.buffers,
          'rows read': r.rowsRead,
          'rows in window': r.windowRows,
        })),
      );
      printTable(
        'TimescaleDB: handle.write of 3,000 snapshots (5 symbols × 2 expiries × 41 strikes) in batches of 500, with and without the BRIN index on ts, alternated',
        timescale.write.map((r) => ({ index: r.index, 'rows/s (median)': Math.round(r.rowsPerSecond), runs: r.runs.map((v) => Math.round(v).toLocaleString('en-US')).join(' / ') })),
      );
    }
  } else {
    console.log('\nStorage write: skipped — set DATABASE_URL');
  }
  if (redisUrl) {
    const cache = await runCacheBench();
    printTable(
      `Two-level cache hits of one enriched ${cache.strikes}-strike chain (${format(cache.payloadBytes / 1024, 1)} KiB JSON); ` +
        'targets: < 1 ms in-process, < 5 ms from Redis',
      cache.levels.map((l) => ({
        level: l.level === 'memory' ? 'in-process memory' : 'Redis (memory emptied)',
        hits: l.hits,
        'mean ms': l.meanMs,
        'p50 ms': l.p50Ms,
        'p99 ms': l.p99Ms,
        'max ms': l.maxMs,
      })),
    );
    const fanOut = await runFanOutBench();
    printTable(
      `Subscription fan-out through Redis: replica A (ROLE all) publishes one ${fanOut.strikes}-strike NIFTY chain a second, ` +
        `replica B (ROLE api, own bus, same event loop as A) serves N graphql-ws sockets opened by another process; latency A publish → client callback, ` +
        `${fanOut.rows[0]?.updates ?? 0} updates per N; N doubled until it fails, then bisected; ` +
        `largest N with p99 < ${fanOut.targetMs} ms and nothing lost: ${fanOut.largestUnderTarget ?? 'none'}`,
      fanOut.rows.map(deliveryColumns),
    );
  } else {
    console.log('\nRedis cache and fan-out: skipped — set REDIS_URL');
  }
}

if (runs('web')) {
  const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  const web = await runWebClientBench({ seconds: Number(process.env.BENCH_WEB_SECONDS ?? 30) });
  printTable(
    `Web client: the chain page in headless Chromium (software rendering) showing NIFTY's whole ${web.strikes}-strike chain with Greeks, one update a second from the real server, ` +
      `${web.updates} updates in ${web.seconds} s, timed in the page with performance marks from a message's arrival; goal < 16 ms. Load average at the start: ${loadAtStart}`,
    [
      { 'update shown': 'into the DOM', 'p50 ms': web.toDom.medianMs, 'p95 ms': web.toDom.p95Ms, 'max ms': web.toDom.maxMs },
      { 'update shown': 'to the next painted frame', 'p50 ms': web.toNextFrame.medianMs, 'p95 ms': web.toNextFrame.p95Ms, 'max ms': web.toNextFrame.maxMs },
    ],
  );
  printTable(
    `Web client bundle (npm start builds it; scripts and styles as sent, without and with gzip)`,
    web.bundle.files.map((f) => ({ file: f.file, kB: f.bytes / 1024, 'gzip kB': f.gzipBytes / 1024 })),
  );
}
if (runningArea !== null) benchProgress.advance(1, `${runningArea} done`);
