/**
 * `npm run bench`: one run, one table per area, the same inputs for every
 * implementation compared. Figures depend on the machine: quote them with it.
 *
 * BENCH_OPTIONS   options in the IV table (default 100,000)
 * BENCH_SNAPSHOTS snapshots through the pipeline (default 2,000)
 * DATABASE_URL    also measure the pipeline on that PostgreSQL server
 */
import os from 'node:os';
import { runIvBench } from './iv.ts';
import { runAnalyticsBench } from './analytics.ts';
import { runPipelineBench, type PipelineBenchResult } from './pipeline.ts';

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
console.log(`options-platform benchmark — node ${process.version}, ${cpu}, ${os.cpus().length} cores (math on one)`);

const iv = runIvBench(Number(process.env.BENCH_OPTIONS ?? 100_000));
printTable(
  `IV + Greeks on ${format(iv.rows[0].options)} NIFTY-like options (spot 24,000, strikes ±10 %, 1–90 days, σ 8–58 %); ` +
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
const pipelines: [string, PipelineBenchResult][] = [['embedded (PGlite on disk, in-process bus)', await runPipelineBench('embedded', snapshots)]];
if (process.env.DATABASE_URL) pipelines.push(['PostgreSQL at DATABASE_URL, in-process bus', await runPipelineBench('postgres', snapshots)]);
printTable(
  `Pipeline: ${format(snapshots)} simulator snapshots (41 strikes, both sides) from the source until stored and published; ` +
    `latency at ${pipelines[0][1].latency.rate} snapshots/s to a graphql-ws subscriber`,
  pipelines.map(([name, r]) => ({
    storage: name,
    'option rows': r.rows,
    'rows/s stored + published': Math.round(r.rowsPerSecond),
    'snapshots/s': Math.round(r.snapshotsPerSecond),
    'publish→subscriber p50 ms': r.latency.publishToSubscriberMs.p50,
    'p99 ms': r.latency.publishToSubscriberMs.p99,
    'source→subscriber p50 ms': r.latency.sourceToSubscriberMs.p50,
    'p99 ms ': r.latency.sourceToSubscriberMs.p99,
  })),
);
