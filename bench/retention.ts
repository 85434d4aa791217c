/**
 * Disk over simulated time on the embedded default: what `npm start` stores
 * (the simulator with the default configuration: 5 symbols × 2 expiries × 41
 * strikes, a snapshot of each expiry a second, always open, and the analytics
 * of each snapshot through the real reducer and writer), written into
 * PGlite on disk simulated minute by minute as fast as it goes, with the
 * retention job run after every simulated minute, as it runs every 60 s
 * beside a real-time simulator.
 *
 * Writing an hour of the default (2.9 M option rows) still takes a while
 * on a development VM, so the raw window is shortened
 * (`rawWindow`, 10 minutes) and the run covers a few windows, enough to see
 * the size level off. What the default writes per hour, tables and WAL, is
 * measured over the first window (before anything is old enough to delete),
 * and the steady size under the default windows is projected from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/log.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openDatabase } from '../db/client.ts';
import { createRetention, type RetentionRun } from '../db/retention.ts';
import { intervalMs } from '../core/time/interval.ts';
import { HORIZON_STEP_MS } from '../core/retention.ts';
import { rowsOf } from '../db/queries/expireRaw.ts';
import { countRows } from '../db/queries/readChain.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { createSource } from '../pipeline/sources/index.ts';
import { analyseSnapshot, emptyAnalyticsStats } from '../pipeline/analytics.ts';
import { createIntelligenceState } from '../core/intelligence/index.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import { AnalyticsCadence, writeAnalytics } from '../db/queries/writeAnalytics.ts';

export interface RetentionBenchSample {
  simulatedHours: number;
  /** The data directory. */
  bytes: number;
  /** pg_database_size: tables, indexes, catalogs. */
  databaseBytes: number;
  walBytes: number;
  rawSnapshots: number;
  /** Option rows of the raw snapshots held (packed or rows). */
  rawOptionRows: number;
  rollupRows: number;
  /** The rollup tables, and the simulated minutes folded into them. */
  rollupBytes: number;
  /** The analytics tables (chain and mood documents, flows, events). */
  analyticsBytes: number;
  foldedMinutes: number;
}

export interface RetentionBenchResult {
  samples: RetentionBenchSample[];
  snapshotsPerHour: number;
  optionRowsPerHour: number;
  /** Growth of pg_database_size per simulated hour over the first window, when nothing is deleted yet. */
  tableBytesPerHour: number;
  /** WAL written per simulated hour (what pg_wal grew by without checkpoints). */
  walBytesPerHour: number;
  /**
   * Growth of the downsampled history per simulated hour folded into it, between the first sample with
   * rollups and the last: the rollup tables, and the analytics tables (past the raw window they keep the
   * mood rows, the events and one document a minute; their raw-window part is the same size at both samples).
   */
  historyBytesPerHour: number;
  /** Runs once the window is full (every fifth deletes five minutes of data, as the horizon moves in 5-minute steps). */
  runs: { count: number; medianMs: number; maxMs: number; longestStatements: string };
  rawWindow: string;
  /**
   * The size the default windows (RETENTION_RAW, RETENTION_HISTORY) level off at, projected from
   * these rates: the empty data directory, the raw window plus one 5-minute step of tables, the
   * history window of rollups, and pg_wal at max_wal_size (64 MB).
   */
  projectedDefault: { raw: string; history: string; bytes: number };
  seconds: number;
}

const MINUTE_MS = 60_000;

export async function runRetentionBench(minutes = 30, rawWindow = '10 minutes', sampleEveryMinutes = 5): Promise<RetentionBenchResult> {
  const started = performance.now();
  const config = loadConfig({ LOG_LEVEL: 'silent', RETENTION_RAW: rawWindow });
  const windowMinutes = intervalMs(rawWindow) / MINUTE_MS;
  const dataDir = mkdtempSync(join(tmpdir(), 'options-retention-bench-'));
  const database = await openDatabase({ dataDir });
  try {
    const retention = createRetention(database, config, database.timescale, createLogger('silent'))!;
    // The source npm start runs, as it configures it (its clock starts now).
    const simulator = await createSource(config, createLogger('silent'));
    if (!(simulator instanceof MarketSimulator)) throw new Error(`bench: the default source is ${simulator.name}, not the simulator`);
    const ticksPerMinute = MINUTE_MS / (config.SIM_TICK_MS * config.SIM_SPEED);
    const walPosition = async () =>
      rowsOf<{ bytes: number }>(await database.db.execute(sql`select (pg_current_wal_lsn() - '0/0'::pg_lsn)::float8 as bytes`))[0].bytes;
    const sample = async (minutes: number): Promise<RetentionBenchSample> => {
      const size = await database.size();
      const [counts] = rowsOf<{ raw: number; rollup: number; rollupBytes: number; analyticsBytes: number; foldedMinutes: number }>(
        await database.db.execute(
          sql`select (select count(*) from chain_snapshots)::int as raw,
            ((select count(*) from chain_rollup_1m) + (select count(*) from strike_rollup_5m))::int as rollup,
            (pg_total_relation_size('chain_rollup_1m') + pg_total_relation_size('strike_rollup_5m'))::float8 as "rollupBytes",
            (pg_total_relation_size('analytics_chain') + pg_total_relation_size('analytics_mood') + pg_total_relation_size('analytics_flows')
              + pg_total_relation_size('analytics_events'))::float8 as "analyticsBytes",
            (select count(distinct bucket) from chain_rollup_1m)::int as "foldedMinutes"`,
        ),
      );
      return {
        simulatedHours: minutes / 60,
        bytes: size.bytes,
        databaseBytes: size.databaseBytes,
        walBytes: size.walBytes ?? 0,
        rawSnapshots: counts.raw,
        rawOptionRows: (await countRows(database.db)).quotes,
        rollupRows: counts.rollup,
        rollupBytes: counts.rollupBytes,
        analyticsBytes: counts.analyticsBytes,
        foldedMinutes: counts.foldedMinutes,
      };
    };

    const samples = [await sample(0)];
    const walStart = await walPosition();
    let firstWindow = { walBytes: 0, databaseBytes: 0, snapshots: 0, rows: 0 };
    let snapshots = 0;
    let rows = 0;
    const runMs: number[] = [];
    const longest: RetentionRun['longestStatement'][] = [];
    // The analytics role and its storage as the app runs them (api/app.ts).
    const intelligence = createIntelligenceState({ sessionHoursOnly: config.ANALYTICS_SESSION_HOURS_ONLY, maxChains: config.ANALYTICS_MAX_CHAINS });
    const analyticsStats = emptyAnalyticsStats();
    const cadence = new AnalyticsCadence(config.ANALYTICS_STORE_INTERVAL_SECONDS * 1000);
    for (let minute = 1; minute <= minutes; minute++) {
      const batch: EnrichedSnapshot[] = [];
      for (let tick = 0; tick < ticksPerMinute; tick++) {
        for (const raw of simulator.tick()) {
          const enriched = enrichSnapshot(raw, { instrument: config.instruments.get(raw.symbol)!, rate: config.RISK_FREE_RATE, gexConvention: config.GEX_CONVENTION });
          batch.push(enriched);
          rows += enriched.rows.reduce((n, r) => n + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0);
        }
      }
      for (let i = 0; i < batch.length; i += config.STORAGE_MAX_BATCH) await database.write(batch.slice(i, i + config.STORAGE_MAX_BATCH));
      const messages = batch.map((s) => analyseSnapshot(intelligence, s, analyticsStats)).filter((m): m is AnalyticsMessage => m !== null);
      for (let i = 0; i < messages.length; i += config.STORAGE_MAX_BATCH) await writeAnalytics(database.db, messages.slice(i, i + config.STORAGE_MAX_BATCH), cadence);
      snapshots += batch.length;
      if (minute === windowMinutes) {
        firstWindow = { walBytes: (await walPosition()) - walStart, databaseBytes: (await sample(minute)).databaseBytes - samples[0].databaseBytes, snapshots, rows };
      }
      const run = await retention.runOnce();
      if (minute > windowMinutes) {
        runMs.push(run.ms);
        longest.push(run.longestStatement);
      }
      if (minute % sampleEveryMinutes === 0) samples.push(await sample(minute));
    }
    const sorted = [...runMs].sort((a, b) => a - b);
    const perHour = 60 / windowMinutes;
    const firstFolded = samples.find((s) => s.foldedMinutes > 0);
    const last = samples.at(-1)!;
    const historyBytesPerHour =
      firstFolded && last.foldedMinutes > firstFolded.foldedMinutes
        ? ((last.rollupBytes + last.analyticsBytes - firstFolded.rollupBytes - firstFolded.analyticsBytes) / (last.foldedMinutes - firstFolded.foldedMinutes)) * 60
        : NaN;
    const defaults = loadConfig({});
    const projected =
      samples[0].bytes +
      firstWindow.databaseBytes * perHour * ((intervalMs(defaults.RETENTION_RAW) + HORIZON_STEP_MS) / 3_600_000) +
      historyBytesPerHour * (intervalMs(defaults.RETENTION_HISTORY) / 3_600_000) +
      64 * 2 ** 20;
    return {
      samples,
      snapshotsPerHour: firstWindow.snapshots * perHour,
      optionRowsPerHour: firstWindow.rows * perHour,
      tableBytesPerHour: firstWindow.databaseBytes * perHour,
      walBytesPerHour: firstWindow.walBytes * perHour,
      historyBytesPerHour,
      runs: { count: runMs.length, medianMs: sorted[Math.floor(sorted.length / 2)] ?? NaN, maxMs: sorted.at(-1) ?? NaN, longestStatements: worstByKind(longest) },
      rawWindow,
      projectedDefault: { raw: defaults.RETENTION_RAW, history: defaults.RETENTION_HISTORY, bytes: projected },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** "vacuum 1,234 ms, checkpoint 56 ms": the slowest statement of each kind that was the slowest of its run. */
function worstByKind(statements: RetentionRun['longestStatement'][]): string {
  const worst = new Map<string, number>();
  for (const s of statements) if (s) worst.set(s.what, Math.max(worst.get(s.what) ?? 0, s.ms));
  return [...worst.entries()].sort((a, b) => b[1] - a[1]).map(([what, ms]) => `${what} ${Math.round(ms).toLocaleString('en-US')} ms`).join(', ');
}
