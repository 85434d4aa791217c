/**
 * Opening a PostgreSQL database: TimescaleDB chosen only where it can be
 * used, migrations and policy set-up safe to run from several processes at
 * once, and policy jobs that survive restarts (issue 10). Asserts TimescaleDB
 * behaviour when DATABASE_URL's server ships and preloads it, plain
 * PostgreSQL behaviour otherwise.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, serverHasTimescale } from '../test/database.ts';
import { openDatabase, type DatabaseHandle } from './client.ts';
import { prepareDatabase } from './prepare.ts';
import { CONTINUOUS_AGGREGATES, DEFAULT_TIMESCALE_WINDOWS, TIME_SERIES_TABLES, timescaleFacts, type PolicyJob, type TimescaleWindows } from './timescale.ts';

const url = process.env.DATABASE_URL;
const journal = JSON.parse(readFileSync(new URL('./migrations/meta/_journal.json', import.meta.url), 'utf8')) as { entries: unknown[] };

/** Opens `count` handles on one database at once, as that many roles starting together. */
async function startTogether(databaseUrl: string, count: number, windows?: TimescaleWindows): Promise<DatabaseHandle[]> {
  const opened = await Promise.allSettled(Array.from({ length: count }, () => openDatabase({ url: databaseUrl, poolSize: 2, timescale: windows })));
  const handles = opened.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(handles.map((h) => h.close()));
    throw failed.reason;
  }
  return handles;
}

const jobKey = (job: PolicyJob) => `${job.relation} ${job.policy}`;
const jobsOf = (handle: DatabaseHandle) => (handle.timescale.timescale ? handle.timescale.jobs : []);

describe('opening an embedded database', () => {
  it('reports plain PostgreSQL, and why', async () => {
    const handle = await openDatabase();
    try {
      expect(handle.timescale).toEqual({ timescale: false, reason: 'embedded PGlite has no TimescaleDB' });
    } finally {
      await handle.close();
    }
    // PGlite's start takes tens of seconds on a loaded machine.
  }, 120_000);
});

describe.skipIf(!url)('preparing a PostgreSQL database', () => {
  let timescale: boolean;
  let scratch: { url: string; drop(): Promise<void> };
  let sql: postgres.Sql;
  beforeAll(async () => {
    timescale = await serverHasTimescale();
    scratch = await createScratchDatabase();
    sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql?.end({ timeout: 1 });
    await scratch?.drop();
  });

  it('reads the facts it decides on from the server as they are', async () => {
    const facts = await timescaleFacts((text, params = []) => sql.unsafe(text, params as never[]));
    const [{ preload }] = await sql<{ preload: string }[]>`select current_setting('shared_preload_libraries') as preload`;
    expect(facts.preloadLibraries).toEqual(preload.split(',').map((s) => s.trim()).filter(Boolean));
    expect(facts.availableVersion !== null && facts.loaderActive).toBe(timescale);
    expect(facts.createdVersion).toBeNull();
  });

  it('starts four roles at once on a fresh database: each migration applied once, one job per policy, the same ids for all', async () => {
    const handles = await startTogether(scratch.url, 4);
    try {
      const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from drizzle.__drizzle_migrations`;
      expect(count).toBe(journal.entries.length);
      for (const handle of handles) expect(handle.timescale.timescale).toBe(timescale);
      if (!timescale) {
        expect(handles[0].timescale.reason).toMatch(/does not ship|does not preload|cannot be told/);
        return;
      }
      // The first to take the lock created the extension; the others found it created.
      const reasons = handles.map((h) => h.timescale.reason);
      expect(reasons.filter((r) => /preloads it/.test(r))).toHaveLength(1);
      expect(reasons.filter((r) => /is created in this database/.test(r))).toHaveLength(handles.length - 1);
      const status = handles[0].timescale;
      expect(status).toMatchObject({ timescale: true, policies: true });
      if (!status.timescale) return;
      expect(status.hypertables.sort()).toEqual([...TIME_SERIES_TABLES].sort());
      expect(status.aggregates.sort()).toEqual([...CONTINUOUS_AGGREGATES].sort());
      // Over empty tables the refresh policies fill the aggregates; start-up has nothing to fill.
      expect(status.filled).toEqual([]);
      // Raw tables and aggregates: compression and retention each.
      expect(status.jobs).toHaveLength(2 * TIME_SERIES_TABLES.length + 2 * CONTINUOUS_AGGREGATES.length);
      const ids = new Map(status.jobs.map((job) => [jobKey(job), job.jobId]));
      for (const handle of handles.slice(1)) for (const job of jobsOf(handle)) expect(job.jobId).toBe(ids.get(jobKey(job)));
      // The first added every job; the others found them in place.
      const actions = handles.map((h) => new Set(jobsOf(h).map((job) => job.action)));
      expect(actions.filter((a) => a.has('added'))).toHaveLength(1);
      const [{ jobs }] = await sql<{ jobs: number }[]>`
        select count(*)::int as jobs from timescaledb_information.jobs where proc_name in ('policy_compression', 'policy_retention')`;
      expect(jobs).toBe(status.jobs.length);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });

  it('keeps every policy job, id and all, across a restart with the same settings', async () => {
    const [first] = await startTogether(scratch.url, 1);
    await first.close();
    const [again] = await startTogether(scratch.url, 1);
    await again.close();
    expect(jobsOf(again).map((job) => job.action).filter((action) => action !== 'unchanged')).toEqual([]);
    expect(jobsOf(again).map((job) => job.jobId)).toEqual(jobsOf(first).map((job) => job.jobId));
    if (timescale) expect(jobsOf(again).length).toBeGreaterThan(0);
  });

  it.skipIf(!url)('changes only the jobs whose window changed, in place, when the configuration changes', async (context) => {
    if (!timescale) context.skip();
    const [before] = await startTogether(scratch.url, 1);
    await before.close();
    const windows = { ...DEFAULT_TIMESCALE_WINDOWS, retention: '120 days', aggregateCompressAfter: '45 days' };
    const [after] = await startTogether(scratch.url, 1, windows);
    await after.close();
    const altered = jobsOf(after).filter((job) => job.action === 'altered');
    expect(altered.map(jobKey).sort()).toEqual(
      [...TIME_SERIES_TABLES.map((t) => `${t} retention`), ...CONTINUOUS_AGGREGATES.map((a) => `${a} compression`)].sort(),
    );
    expect(jobsOf(after).map((job) => job.jobId)).toEqual(jobsOf(before).map((job) => job.jobId));
    const configs = await sql<{ relation: string; proc: string; window: string }[]>`
      select hypertable_name::text as relation, proc_name::text as proc,
        coalesce(config->>'drop_after', config->>'compress_after') as window
      from timescaledb_information.jobs where proc_name in ('policy_compression', 'policy_retention')`;
    const windowOf = (relation: string, proc: string) => configs.find((c) => c.relation === relation && c.proc === proc)?.window;
    expect(windowOf('option_quotes', 'policy_retention')).toBe('120 days');
    expect(windowOf('chain_summary_5m', 'policy_compression')).toBe('45 days');
    expect(windowOf('option_quotes', 'policy_compression')).toBe('7 days');
    // Back to the defaults: altered again, still the same jobs.
    const [restored] = await startTogether(scratch.url, 1);
    await restored.close();
    expect(jobsOf(restored).filter((job) => job.action === 'altered')).toHaveLength(altered.length);
    expect(jobsOf(restored).map((job) => job.jobId)).toEqual(jobsOf(before).map((job) => job.jobId));
  });
});

describe.skipIf(!url)('upgrading a TimescaleDB database that already compressed chunks under the old order', () => {
  let timescale: boolean;
  let scratch: { url: string; drop(): Promise<void> };
  let folder: string;
  beforeAll(async () => {
    timescale = await serverHasTimescale();
    scratch = await createScratchDatabase();
    // The migrations as they were before 0004: the journal cut after 0003.
    folder = mkdtempSync(join(tmpdir(), 'options-migrations-'));
    cpSync(fileURLToPath(new URL('./migrations', import.meta.url)), folder, { recursive: true });
    const cut = { ...journal, entries: journal.entries.slice(0, 4) };
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify(cut));
  });
  afterAll(async () => {
    await scratch?.drop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('applies 0004 over compressed chunks: they keep their order until recompressed, new compressions take the new one', async (context) => {
    if (!timescale) context.skip();
    const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
    try {
      await prepareDatabase(sql, folder, DEFAULT_TIMESCALE_WINDOWS);
      const [{ orderby: before }] = await sql<{ orderby: string }[]>`select orderby from timescaledb_information.hypertable_compression_settings where hypertable = 'option_quotes'::regclass`;
      expect(before).toBe('strike,option_type,ts DESC');
      // The compression policy would compress the 10-day-old chunk on its own, racing the explicit compression below.
      await sql`select alter_job(job_id, scheduled => false) from timescaledb_information.jobs where proc_name = 'policy_compression'`;
      await sql`insert into option_quotes (ts, symbol, expiry, strike, option_type, oi) values (now() - interval '10 days', 'NIFTY', '2026-12-01', 24000, 'CE', 10)`;
      await sql`select compress_chunk(c, if_not_compressed => true) from show_chunks('option_quotes') c`;
      const status = await prepareDatabase(sql, fileURLToPath(new URL('./migrations', import.meta.url)), DEFAULT_TIMESCALE_WINDOWS);
      expect(status.timescale).toBe(true);
      const [{ orderby: after }] = await sql<{ orderby: string }[]>`select orderby from timescaledb_information.hypertable_compression_settings where hypertable = 'option_quotes'::regclass`;
      expect(after).toBe('ts DESC,strike,option_type');
      const chunks = await sql<{ orderby: string }[]>`select orderby from timescaledb_information.chunk_compression_settings where hypertable = 'option_quotes'::regclass`;
      expect(chunks.map((c) => c.orderby)).toEqual(['strike,option_type,ts DESC']);
      const [{ rows }] = await sql<{ rows: number }[]>`select count(*)::int as rows from option_quotes`;
      expect(rows).toBe(1);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});

describe.skipIf(!url)('mood history older than the refresh windows in the mood aggregates (migration 0007)', () => {
  const MIGRATIONS = fileURLToPath(new URL('./migrations', import.meta.url));
  let timescale: boolean;
  let folder: string;
  const scratches: { drop(): Promise<void> }[] = [];
  beforeAll(async () => {
    timescale = await serverHasTimescale();
    // The migrations as they were before 0007: the journal cut after 0006.
    folder = mkdtempSync(join(tmpdir(), 'options-migrations-'));
    cpSync(MIGRATIONS, folder, { recursive: true });
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, 7) }));
  });
  afterAll(async () => {
    await Promise.all(scratches.map((s) => s.drop()));
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  /** A connection to a new scratch database, dropped after the suite. */
  async function scratchConnection(): Promise<postgres.Sql> {
    const scratch = await createScratchDatabase();
    scratches.push(scratch);
    return postgres(scratch.url, { max: 1, onnotice: () => {} });
  }

  /**
   * One row a minute for an hour, ten days ago (past every refresh window), and five three hours ago (inside
   * every refresh window, in whole buckets the policies materialize); returns the old hour's start.
   */
  async function storeMood(sql: postgres.Sql): Promise<number> {
    // Compression would race the inserts into a 10-day-old chunk; it changes nothing of what is read.
    await sql`select alter_job(job_id, scheduled => false) from timescaledb_information.jobs where proc_name = 'policy_compression'`;
    const old = Math.floor((Date.now() - 10 * 86_400_000) / 3_600_000) * 3_600_000;
    const instants = [...Array.from({ length: 60 }, (_, i) => old + i * 60_000), ...Array.from({ length: 5 }, (_, i) => Date.now() - 3 * 3_600_000 + i * 60_000)];
    for (const at of instants) {
      await sql`insert into analytics_mood (ts, symbol, session_date, spot, vix, mood_index, intelligence)
        values (${new Date(at).toISOString()}::timestamptz, 'NIFTY', ${new Date(at).toISOString().slice(0, 10)}::date, 24000, 14, 50, '{}'::jsonb)`;
    }
    return old;
  }

  /**
   * What the mood aggregates' refresh policies do within minutes, done now: refresh each over its policy's window
   * (start_offset to end_offset before now), which moves its watermark to now. A refusal (55P03: the scheduler is
   * refreshing the same aggregate) is tried again. Called directly rather than through run_job: through run_job,
   * once in some twenty runs an aggregate was left without the recent buckets, for a cause not found.
   */
  async function runMoodRefreshPolicies(sql: postgres.Sql) {
    const policies = await sql<{ aggregate: string; start_offset: string; end_offset: string }[]>`
      select hypertable_name::text as aggregate, config->>'start_offset' as start_offset, config->>'end_offset' as end_offset
      from timescaledb_information.jobs where proc_name = 'policy_refresh_continuous_aggregate' and hypertable_name::text like 'analytics_mood_%'`;
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      for (let attempt = 1; ; attempt++) {
        try {
          await sql`call refresh_continuous_aggregate(${policy.aggregate}::regclass, now() - ${policy.start_offset}::interval, now() - ${policy.end_offset}::interval)`;
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== '55P03' || attempt === 30) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    }
  }

  /** The old hour's samples per bucket of each mood aggregate. */
  async function oldBuckets(sql: postgres.Sql, old: number) {
    const out: Record<string, number[]> = {};
    for (const suffix of ['5m', '15m', '1h']) {
      const rows = await sql<{ samples: number }[]>`
        select samples::int from ${sql(`analytics_mood_${suffix}`)} where symbol = 'NIFTY' and bucket < ${new Date(old + 3_600_000).toISOString()}::timestamptz order by bucket`;
      out[suffix] = rows.map((r) => r.samples);
    }
    return out;
  }
  const wholeHour = { '5m': Array(12).fill(5), '15m': Array(4).fill(15), '1h': [60] };
  const moodAggregates = ['analytics_mood_15m', 'analytics_mood_1h', 'analytics_mood_5m'];

  it('fills the new aggregates over the stored history when 0007 runs, so it survives the first policy run', async (context) => {
    if (!timescale) context.skip();
    const sql = await scratchConnection();
    try {
      await prepareDatabase(sql, folder, DEFAULT_TIMESCALE_WINDOWS);
      const old = await storeMood(sql);
      const status = await prepareDatabase(sql, MIGRATIONS, DEFAULT_TIMESCALE_WINDOWS);
      // Whether the scheduler ran a new policy before the fill or not, each aggregate had history below its first bucket.
      expect(status).toMatchObject({ timescale: true, filled: moodAggregates });
      await runMoodRefreshPolicies(sql);
      expect(await oldBuckets(sql, old)).toEqual(wholeHour);
      // Filled once: the next start finds nothing below the first buckets.
      expect(await prepareDatabase(sql, MIGRATIONS, DEFAULT_TIMESCALE_WINDOWS)).toMatchObject({ filled: [] });
    } finally {
      await sql.end({ timeout: 1 });
    }
  });

  it('fills them at the next start when the policies ran first and hid the older rows', async (context) => {
    if (!timescale) context.skip();
    const sql = await scratchConnection();
    try {
      // The state an upgrade is in when the scheduler refreshes before the fill (or a start stopped between them):
      // the aggregates created without data over history, then refreshed over their lookback windows only.
      expect(await prepareDatabase(sql, MIGRATIONS, DEFAULT_TIMESCALE_WINDOWS)).toMatchObject({ filled: [] });
      const old = await storeMood(sql);
      await runMoodRefreshPolicies(sql);
      // Their watermark is past the old hour, which they never materialized: reads no longer see it.
      expect(await oldBuckets(sql, old)).toEqual({ '5m': [], '15m': [], '1h': [] });
      expect(await prepareDatabase(sql, MIGRATIONS, DEFAULT_TIMESCALE_WINDOWS)).toMatchObject({ filled: moodAggregates });
      expect(await oldBuckets(sql, old)).toEqual(wholeHour);
      expect(await prepareDatabase(sql, MIGRATIONS, DEFAULT_TIMESCALE_WINDOWS)).toMatchObject({ filled: [] });
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
