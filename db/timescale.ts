/**
 * TimescaleDB at start-up, on one connection that holds the database's
 * preparation lock (db/prepare.ts):
 *
 * 1. `chooseTimescale` asks the server what it has (created, shipped,
 *    preloaded) and decides with core/timescaleMode.ts before anything
 *    touches the extension: on a server that ships TimescaleDB without
 *    preloading it, CREATE EXTENSION ends the session with FATAL, which no
 *    transaction or EXCEPTION block can catch. Only when it is shipped and
 *    preloaded does it create the extension; the migrations (0001, 0004, 0006, 0007) then
 *    see it and build the hypertables and aggregates.
 * 2. `applyTimescalePolicies` brings the jobs to the configured windows:
 *    the chunk interval of the raw tables, compression and retention on the
 *    raw tables (TIMESCALE_COMPRESS_AFTER, TIMESCALE_RETENTION) and on the
 *    continuous aggregates (TIMESCALE_AGGREGATE_COMPRESS_AFTER,
 *    TIMESCALE_AGGREGATE_RETENTION). Each job is compared with
 *    timescaledb_information.jobs: added when missing, its config changed
 *    with alter_job when its window differs (same job id, its statistics and
 *    schedule kept), left alone otherwise. A restart with the same settings
 *    writes nothing: two roles starting together used to fail with "tuple
 *    concurrently updated", and every start gave the jobs new ids and reset
 *    their statistics.
 * 3. `fillUnmaterialized` refreshes, once, a continuous aggregate created
 *    over rows it never materialized (0007's analytics_mood_* on a database
 *    with mood history).
 *
 * Without the extension (plain PostgreSQL, PGlite) both report why and do nothing.
 */
import type { Config } from '../core/config.ts';
import { decideTimescaleMode, parsePreloadLibraries, type TimescaleFacts, type TimescaleMode } from '../core/timescaleMode.ts';

/** The time-series tables, hypertables on `ts` under TimescaleDB. */
export const TIME_SERIES_TABLES = ['option_quotes', 'chain_snapshots', 'analytics_chain', 'analytics_mood', 'analytics_flows', 'analytics_events'] as const;

/** The continuous aggregates of db/migrations/0001_timescale.sql, 0007_mood_aggregates.sql and 0012_strike_prices.sql, finest first. */
export const CONTINUOUS_AGGREGATES = [
  'chain_summary_5m',
  'chain_summary_15m',
  'chain_summary_1h',
  'strike_stats_5m',
  'strike_stats_15m',
  'strike_stats_1h',
  'strike_prices_5m',
  'strike_prices_15m',
  'strike_prices_1h',
  'chain_straddle_5m',
  'chain_straddle_15m',
  'chain_straddle_1h',
  'analytics_mood_5m',
  'analytics_mood_15m',
  'analytics_mood_1h',
] as const;

export interface TimescaleWindows {
  /** Width of new chunks, a Postgres interval such as '1 day'. */
  chunkInterval: string;
  /** Age after which raw chunks are compressed, e.g. '7 days'. */
  compressAfter: string;
  /** Age after which raw chunks are dropped, e.g. '90 days'. */
  retention: string;
  /** Age after which aggregate chunks are compressed; beyond every aggregate's refresh window (7 days). */
  aggregateCompressAfter: string;
  /** Age after which aggregate buckets are dropped, e.g. '365 days'. */
  aggregateRetention: string;
}

/** The defaults of core/config.ts, for callers without a configuration (tests, benches). */
export const DEFAULT_TIMESCALE_WINDOWS: TimescaleWindows = {
  chunkInterval: '1 day',
  compressAfter: '7 days',
  retention: '90 days',
  aggregateCompressAfter: '30 days',
  aggregateRetention: '365 days',
};

/** The windows the configuration asks for. */
export function timescaleWindowsOf(config: Config): TimescaleWindows {
  return {
    chunkInterval: config.TIMESCALE_CHUNK_INTERVAL,
    compressAfter: config.TIMESCALE_COMPRESS_AFTER,
    retention: config.TIMESCALE_RETENTION,
    aggregateCompressAfter: config.TIMESCALE_AGGREGATE_COMPRESS_AFTER,
    aggregateRetention: config.TIMESCALE_AGGREGATE_RETENTION,
  };
}

/** What one policy job needed at start-up. */
export interface PolicyJob {
  /** Hypertable or continuous aggregate. */
  relation: string;
  policy: 'compression' | 'retention';
  jobId: number;
  /** The configured window: compress_after or drop_after. */
  window: string;
  action: 'added' | 'altered' | 'unchanged';
}

export type TimescaleStatus =
  | { timescale: false; reason: string }
  | {
      timescale: true;
      reason: string;
      /** Installed extension version. */
      version: string;
      /** The tables that are hypertables, whose windows were applied. */
      hypertables: string[];
      /** The continuous aggregates present (none on the Apache-2 build). */
      aggregates: string[];
      /** Whether compression and retention policies were applied (not on the Apache-2 build, which has none). */
      policies: boolean;
      /** Each policy job and what start-up did to it. */
      jobs: PolicyJob[];
      /** The continuous aggregates start-up filled over rows they had never materialized (fillUnmaterialized). */
      filled: string[];
    };

/** Runs one statement on the connection that holds the preparation lock. */
export type RunSql = (text: string, params?: readonly (string | number | boolean | null)[]) => Promise<Record<string, unknown>[]>;

/** What the server says about TimescaleDB, read without loading it. */
export async function timescaleFacts(run: RunSql): Promise<TimescaleFacts> {
  const [row] = await run(`
    select (select extversion from pg_extension where extname = 'timescaledb') as created,
      (select default_version from pg_available_extensions where name = 'timescaledb') as available,
      current_setting('timescaledb.disable_load', true) is not null as loader_active`);
  let preloadLibraries: string[] | null = null;
  try {
    const [setting] = await run(`select current_setting('shared_preload_libraries') as value`);
    preloadLibraries = parsePreloadLibraries(String(setting.value ?? ''));
  } catch (error) {
    // Reading it needs superuser or pg_read_all_settings; anything else is a real failure.
    if ((error as { code?: string }).code !== '42501') throw error;
  }
  return {
    createdVersion: (row.created as string | null) ?? null,
    availableVersion: (row.available as string | null) ?? null,
    preloadLibraries,
    loaderActive: row.loader_active === true,
  };
}

/**
 * Decides whether this database uses TimescaleDB and, when it should and may,
 * creates the extension (before the migrations, which key on its presence).
 * A CREATE EXTENSION the server refuses (a role without the right) leaves the
 * database on plain PostgreSQL, with the refusal as the reason.
 */
export async function chooseTimescale(run: RunSql): Promise<TimescaleMode> {
  const mode = decideTimescaleMode(await timescaleFacts(run));
  if (!mode.create) return mode;
  try {
    await run('create extension if not exists timescaledb');
    return mode;
  } catch (error) {
    return { use: false, create: false, reason: `${mode.reason}, but CREATE EXTENSION failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * Brings the hypertables' chunk interval and every compression and retention
 * job to `windows`, changing only what differs. `{ timescale: false }` (with
 * the reason) without the extension.
 */
export async function applyTimescalePolicies(run: RunSql, windows: TimescaleWindows, reason = 'extension timescaledb is created in this database'): Promise<TimescaleStatus> {
  const [installed] = await run(`select extversion as version, current_setting('timescaledb.license', true) as license from pg_extension where extname = 'timescaledb'`);
  if (!installed) return { timescale: false, reason: 'extension timescaledb is not created in this database' };
  const hypertables = await run(
    `select h.hypertable_name::text as name, h.compression_enabled as compressed,
       (select d.time_interval = $2::interval from timescaledb_information.dimensions d
         where d.hypertable_schema = h.hypertable_schema and d.hypertable_name = h.hypertable_name and d.column_name = 'ts') as interval_matches
     from timescaledb_information.hypertables h
     where h.hypertable_schema = current_schema() and h.hypertable_name::text = any(string_to_array($1, ','))
     order by 1`,
    [TIME_SERIES_TABLES.join(','), windows.chunkInterval],
  );
  // The Apache-2 build has hypertables but neither aggregates, compression nor policies.
  const policies = installed.license !== 'apache';
  const aggregates = policies
    ? await run(
        `select view_name::text as name, compression_enabled as compressed from timescaledb_information.continuous_aggregates
         where view_schema = current_schema() and view_name::text = any(string_to_array($1, ',')) order by 1`,
        [CONTINUOUS_AGGREGATES.join(',')],
      )
    : [];
  const jobs: PolicyJob[] = [];
  for (const { name, compressed, interval_matches: intervalMatches } of hypertables) {
    // set_chunk_time_interval rewrites the dimension's catalog row even when
    // nothing changes: only when the interval differs (new chunks only).
    if (intervalMatches !== true) await run(`select set_chunk_time_interval($1::regclass, $2::interval)`, [String(name), windows.chunkInterval]);
    if (!policies) continue;
    if (compressed === true) jobs.push(await ensurePolicy(run, String(name), 'compression', windows.compressAfter));
    jobs.push(await ensurePolicy(run, String(name), 'retention', windows.retention));
  }
  for (const { name, compressed } of aggregates) {
    if (compressed === true) jobs.push(await ensurePolicy(run, String(name), 'compression', windows.aggregateCompressAfter));
    jobs.push(await ensurePolicy(run, String(name), 'retention', windows.aggregateRetention));
  }
  const filled = await fillUnmaterialized(run, aggregates.map((a) => String(a.name)));
  return {
    timescale: true,
    reason,
    version: String(installed.version),
    hypertables: hypertables.map((h) => String(h.name)),
    aggregates: aggregates.map((a) => String(a.name)),
    policies,
    jobs,
    filled,
  };
}

/**
 * Refreshes each of `aggregates` over its source's history below its first
 * materialized bucket (all of it when nothing is materialized), when rows
 * are there. A migration creates an aggregate WITH NO DATA (it runs in a
 * transaction, where a refresh cannot); over an empty table, as 0001's were,
 * the refresh policy fills it as rows arrive. Over a table that already
 * holds history, as 0007's aggregates of analytics_mood are on an upgraded
 * database, the policy refreshes only its lookback window (3 or 7 days) yet
 * moves the watermark to now, below which real-time reads no longer look at
 * the source: every older row would drop out of the aggregate's answers.
 * TimescaleDB keeps the never-materialized range invalidated, so this refresh
 * fills it whether the policy ran first or not (checked on 2.28.3).
 *
 * The next start finds nothing below the first bucket and refreshes nothing;
 * a start that failed half-way leaves the range for the next. It runs on the
 * connection holding the preparation lock, outside any transaction as the
 * refresh requires, and costs one read of the range's rows. A refresh policy
 * running at the same time over an overlapping window makes TimescaleDB
 * refuse the refresh (55P03): it is retried for up to `retryForMs`, then the
 * start fails, naming the aggregate.
 */
async function fillUnmaterialized(run: RunSql, aggregates: readonly string[], retryForMs = 30_000): Promise<string[]> {
  const filled: string[] = [];
  for (const name of aggregates) {
    // The time columns of the aggregate's materialization and of its source, as quoted identifiers from the catalog.
    const [relations] = await run(
      `select format('%I.%I', c.materialization_hypertable_schema, c.materialization_hypertable_name) as materialization,
         format('%I.%I', c.hypertable_schema, c.hypertable_name) as source,
         (select format('%I', d.column_name) from timescaledb_information.dimensions d
           where d.hypertable_schema = c.materialization_hypertable_schema and d.hypertable_name = c.materialization_hypertable_name
             and d.dimension_number = 1) as bucket,
         (select format('%I', d.column_name) from timescaledb_information.dimensions d
           where d.hypertable_schema = c.hypertable_schema and d.hypertable_name = c.hypertable_name and d.dimension_number = 1) as ts
       from timescaledb_information.continuous_aggregates c where c.view_schema = current_schema() and c.view_name::text = $1`,
      [name],
    );
    if (!relations) continue;
    const [gap] = await run(
      `with first as (select coalesce((select min(${relations.bucket}) from ${relations.materialization}), now()) as bucket)
       select first.bucket::text as until, exists (select 1 from ${relations.source} where ${relations.ts} < first.bucket) as rows from first`,
    );
    if (gap.rows !== true) continue;
    for (const started = Date.now(); ; ) {
      try {
        await run(`call refresh_continuous_aggregate($1::regclass, null, $2::timestamptz)`, [name, String(gap.until)]);
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03' || Date.now() - started > retryForMs) {
          throw new Error(`filling continuous aggregate ${name} below ${gap.until}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    filled.push(name);
  }
  return filled;
}

const POLICY = {
  compression: { proc: 'policy_compression', key: 'compress_after', add: 'add_compression_policy', argument: 'compress_after' },
  retention: { proc: 'policy_retention', key: 'drop_after', add: 'add_retention_policy', argument: 'drop_after' },
} as const;

/** The relation's job of this policy at `window`: added, altered in place, or left as it is. */
async function ensurePolicy(run: RunSql, relation: string, policy: PolicyJob['policy'], window: string): Promise<PolicyJob> {
  const { proc, key, add, argument } = POLICY[policy];
  const existing = await run(
    `select job_id, (config->>$3)::interval = $4::interval as matches from timescaledb_information.jobs
     where proc_schema = '_timescaledb_functions' and proc_name = $1 and hypertable_schema = current_schema() and hypertable_name = $2
     order by job_id`,
    [proc, relation, key, window],
  );
  if (existing.length === 0) {
    const [added] = await run(`select ${add}($1::regclass, ${argument} => $2::interval) as job_id`, [relation, window]);
    return { relation, policy, jobId: Number(added.job_id), window, action: 'added' };
  }
  const [job] = existing;
  const jobId = Number(job.job_id);
  if (job.matches === true) return { relation, policy, jobId, window, action: 'unchanged' };
  // The window is the job's config; alter_job keeps its id, schedule and statistics.
  await run(`select alter_job($1, config => jsonb_set(config, $2::text[], to_jsonb($3::interval::text))) from timescaledb_information.jobs where job_id = $1`, [
    jobId,
    `{${key}}`,
    window,
  ]);
  return { relation, policy, jobId, window, action: 'altered' };
}
