/**
 * `npm run bench`: one run, one table per area, the same inputs for every
 * implementation compared. Figures depend on the machine: quote them with it.
 *
 * BENCH_OPTIONS   options in the IV table, the same for every implementation (default 10,000)
 * BENCH_SNAPSHOTS snapshots through the pipeline (default 2,000)
 * BENCH_RETENTION_MINUTES simulated minutes of the default simulator written
 *                 under the retention job, to see the size level off (default 30)
 * DATABASE_URL    also measure the pipeline on that PostgreSQL server, and
 *                 the storage role's bulk write into it
 * REDIS_URL       also measure the two-level cache's Redis level and the
 *                 subscription fan-out through Redis between two API replicas
 */
import os from 'node:os';
import { runIvBench } from './iv.ts';
import { runAnalyticsBench } from './analytics.ts';
import { runPipelineBench, type PipelineBenchResult } from './pipeline.ts';
import { runCacheBench, runFanOutBench, runStorageWriteBench } from './distributed.ts';
import { runRetentionBench } from './retention.ts';

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

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `options-platform benchmark — node ${process.version}, ${cpu}, ${os.cpus().length} cores (math on one), ` +
    `NODE_ENV=${process.env.NODE_ENV ?? '(unset)'} (the Docker image runs production)`,
);

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

printTable(
  'Chain analytics on one 201-strike NIFTY chain (402 options)',
  runAnalyticsBench().map((r) => ({ stage: r.stage, 'µs per chain': r.microsecondsPerChain })),
);

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
    `(with the analytics stage: also analysed, its analytics stored and published); ` +
    `latency at ${pipelines[0][1].latency.rate} snapshots/s to a graphql-ws subscriber`,
  pipelines.map(([name, r]) => ({
    storage: name,
    'analytics stage': r.analytics ? 'on' : 'off',
    'option rows': r.rows,
    'rows/s stored + published': Math.round(r.rowsPerSecond),
    'snapshots/s': Math.round(r.snapshotsPerSecond),
    'publish→subscriber p50 ms': r.latency.publishToSubscriberMs.p50,
    'p99 ms': r.latency.publishToSubscriberMs.p99,
    'source→subscriber p50 ms': r.latency.sourceToSubscriberMs.p50,
    'p99 ms ': r.latency.sourceToSubscriberMs.p99,
  })),
);

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
    'rollup rows': s.rollupRows,
  })),
);
console.log(
  `Projected from these rates, the default windows (RETENTION_RAW=${retention.projectedDefault.raw}, RETENTION_HISTORY=${retention.projectedDefault.history}) ` +
    `level off at about ${format(retention.projectedDefault.bytes / 2 ** 30, 2)} GiB on disk.`,
);

const databaseUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL;
if (!databaseUrl && !redisUrl) {
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
        `replica B (ROLE api, own bus, same event loop as A) serves N graphql-ws sockets opened by a worker thread; latency A publish → client callback, ` +
        `${fanOut.rows[0]?.updates ?? 0} updates per N; N doubled until it fails, then bisected; ` +
        `largest N with p99 < ${fanOut.targetMs} ms and nothing lost: ${fanOut.largestUnderTarget ?? 'none'}`,
      fanOut.rows.map((r) => ({
        subscribers: r.subscribers,
        'delivered / expected': `${r.delivered.toLocaleString('en-US')} / ${r.expected.toLocaleString('en-US')}`,
        errors: r.errors,
        'p50 ms': r.p50Ms,
        'p99 ms': r.p99Ms,
        'max ms': r.maxMs,
      })),
    );
  } else {
    console.log('\nRedis cache and fan-out: skipped — set REDIS_URL');
  }
}
