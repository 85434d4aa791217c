/**
 * TimescaleDB figures (issue 10), on the TimescaleDB at DATABASE_URL; each in
 * a scratch database of its own:
 * - compressed read: one NIFTY chain (41 strikes, both sides: 82 rows) at one
 *   instant, read by findChain from a compressed chunk holding an hour of
 *   1-second snapshots, under the old compression order (strike,
 *   option_type, ts DESC) and the new one (ts DESC, strike, option_type), and
 *   uncompressed: rows the ColumnarScan decompressed, batches, and ms;
 * - refresh: refresh_continuous_aggregate('strike_stats_5m') over the last
 *   10 minutes of that hour (forced), with and without the BRIN index on ts
 *   (its ranges summarized, as autosummarize does);
 * - write cost of the BRIN index: the storage role's bulk write
 *   (handle.write, batches of 500 snapshots) with and without it, runs
 *   alternated so the machine's drift hits both alike.
 *
 * Run alone: DATABASE_URL=postgres://…/tsdb npx tsx bench/timescale.ts
 */
import { instrumentTable } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { findChain } from '../db/queries/readChain.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { openTestDatabase } from '../test/database.ts';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/queries/expireRaw.ts';

const HOUR = 3_600_000;

function snapshotsOf(symbols: string[] | undefined, expiriesPerSymbol: number, ticks: number, startTime: number): EnrichedSnapshot[] {
  const instruments = instrumentTable();
  const simulator = new MarketSimulator({ instruments, symbols, expiriesPerSymbol, seed: 5, tickIntervalMs: 1000, speed: 1, clock: 'always-open', startTime, strikesEachSide: 20 });
  const out: EnrichedSnapshot[] = [];
  for (let i = 0; i < ticks; i++) {
    for (const raw of simulator.tick()) out.push(enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065 }));
  }
  return out;
}

async function writeInBatches(database: DatabaseHandle, snapshots: EnrichedSnapshot[], batch: number): Promise<number> {
  let rows = 0;
  for (let i = 0; i < snapshots.length; i += batch) rows += (await database.write(snapshots.slice(i, i + batch))).quotes;
  return rows;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function execute<T>(database: DatabaseHandle, text: string): Promise<T[]> {
  return rowsOf<T>(await database.db.execute(sql.raw(text)));
}

interface PlanNode {
  'Node Type': string;
  'Custom Plan Provider'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** Rows the ColumnarScan nodes decompressed (returned + removed by filter), and the compressed batches they read. */
function decompressed(node: PlanNode): { rows: number; batches: number } {
  let rows = 0;
  let batches = 0;
  if (node['Custom Plan Provider'] === 'ColumnarScan' || node['Custom Plan Provider'] === 'DecompressChunk') {
    rows += (node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0);
    for (const child of node.Plans ?? []) batches += (child['Actual Rows'] ?? 0) * (child['Actual Loops'] ?? 1);
  }
  for (const child of node.Plans ?? []) {
    const inner = decompressed(child);
    rows += inner.rows;
    batches += inner.batches;
  }
  return { rows, batches };
}

export interface CompressedReadRow {
  storage: string;
  /** Rows of the chain returned. */
  rows: number;
  /** Rows decompressed to return them (median over the instants). */
  rowsDecompressed: number;
  batches: number;
  /** findQuotes' statement, server execution time, median ms. */
  executionMs: number;
  /** findChain (snapshot, then its quotes) from Node, median ms. */
  findChainMs: number;
}

export interface RefreshRow {
  index: string;
  /** Median ms of one forced refresh of strike_stats_5m over 10 minutes. */
  refreshMs: number;
  /** Median ms of the scan of option_quotes in the same range's aggregate query (EXPLAIN ANALYZE). */
  scanMs: number;
  /** Buffers that scan touched. */
  buffers: number;
  /** Rows read from option_quotes to aggregate the window's rows. */
  rowsRead: number;
  windowRows: number;
}

export interface TimescaleBenchResult {
  optionRows: number;
  compressedRead: CompressedReadRow[];
  refresh: RefreshRow[];
  write: { index: string; rowsPerSecond: number; runs: number[] }[];
}

async function measureRead(database: DatabaseHandle, storage: string, expiry: string, instants: number[]): Promise<CompressedReadRow> {
  const rowsDecompressed: number[] = [];
  const batches: number[] = [];
  const executionMs: number[] = [];
  const findChainMs: number[] = [];
  let rows = 0;
  for (const at of instants) {
    const iso = new Date(at).toISOString();
    const [{ 'QUERY PLAN': plan }] = await execute<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
      database,
      `explain (analyze, format json) select * from option_quotes where symbol = 'NIFTY' and expiry = '${expiry}' and ts = '${iso}' order by strike, option_type`,
    );
    const counted = decompressed(plan[0].Plan);
    rowsDecompressed.push(counted.rows);
    batches.push(counted.batches);
    executionMs.push(plan[0]['Execution Time']);
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      const chain = await findChain(database.db, 'NIFTY', expiry, new Date(at));
      findChainMs.push(performance.now() - started);
      rows = chain?.quotes.length ?? 0;
    }
  }
  return { storage, rows, rowsDecompressed: median(rowsDecompressed), batches: median(batches), executionMs: median(executionMs), findChainMs: median(findChainMs) };
}

async function compressAll(database: DatabaseHandle, orderby: string): Promise<void> {
  await execute(database, `select decompress_chunk(c, if_compressed => true) from show_chunks('option_quotes') c`);
  await execute(database, `alter table option_quotes set (timescaledb.compress_segmentby = 'symbol, expiry', timescaledb.compress_orderby = '${orderby}')`);
  await execute(database, `select compress_chunk(c) from show_chunks('option_quotes') c`);
}

/**
 * Summarizes the BRIN ranges written since the index was built, as
 * autosummarize has autovacuum do as each range fills (the bench's server
 * may run without autovacuum).
 */
async function summarizeBrin(database: DatabaseHandle): Promise<void> {
  await execute(
    database,
    `select brin_summarize_new_values(c.oid) from pg_class c join pg_am a on a.oid = c.relam where a.amname = 'brin' and c.relname like '%option_quotes_ts_brin'`,
  );
}

interface Refreshes {
  refreshMs: number[];
  scanMs: number[];
  buffers: number;
  rowsRead: number;
}

/** Forced refreshes of strike_stats_5m over [from, to), and EXPLAIN ANALYZE of the same range's aggregate query (its scan of option_quotes). */
async function refreshTimes(database: DatabaseHandle, from: string, to: string, into: Refreshes, times = 3): Promise<void> {
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await execute(database, `call refresh_continuous_aggregate('strike_stats_5m', '${from}'::timestamptz, '${to}'::timestamptz, force => true)`);
    into.refreshMs.push(performance.now() - started);
  }
  const [{ 'QUERY PLAN': plan }] = await execute<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
    database,
    `explain (analyze, buffers, format json) select time_bucket('5 minutes', ts), symbol, expiry, strike, option_type, last(oi, ts), avg(oi), last(iv, ts), avg(iv)
     from option_quotes where ts >= '${from}' and ts < '${to}' group by 1, 2, 3, 4, 5`,
  );
  const scans: (PlanNode & { 'Actual Total Time'?: number; 'Shared Hit Blocks'?: number; 'Shared Read Blocks'?: number })[] = [];
  const walk = (node: PlanNode) => {
    if (/Scan/.test(node['Node Type']) && node['Relation Name']) scans.push(node);
    else for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan[0].Plan);
  into.scanMs.push(scans.reduce((n, scan) => n + (scan['Actual Total Time'] ?? 0), 0));
  into.buffers = scans.reduce((n, scan) => n + (scan['Shared Hit Blocks'] ?? 0) + (scan['Shared Read Blocks'] ?? 0), 0);
  into.rowsRead = scans.reduce((n, scan) => n + (scan['Actual Rows'] ?? 0) + (scan['Rows Removed by Filter'] ?? 0) + ((scan as { 'Rows Removed by Index Recheck'?: number })['Rows Removed by Index Recheck'] ?? 0), 0);
}

const BRIN = 'create index if not exists option_quotes_ts_brin on option_quotes using brin (ts) with (pages_per_range = 32, autosummarize = on)';

/** Refreshes with the BRIN index (summarized) and with the primary key only, alternated. */
async function measureRefresh(database: DatabaseHandle, from: string, to: string, rounds = 3): Promise<RefreshRow[]> {
  const runs = { 'BRIN on ts': { refreshMs: [], scanMs: [], buffers: 0, rowsRead: 0 } as Refreshes, 'primary key only': { refreshMs: [], scanMs: [], buffers: 0, rowsRead: 0 } as Refreshes };
  const [{ n: windowRows }] = await execute<{ n: number }>(database, `select count(*)::int as n from option_quotes where ts >= '${from}' and ts < '${to}'`);
  for (let round = 0; round < rounds; round++) {
    await execute(database, BRIN);
    await summarizeBrin(database);
    await refreshTimes(database, from, to, runs['BRIN on ts']);
    await execute(database, 'drop index option_quotes_ts_brin');
    await refreshTimes(database, from, to, runs['primary key only']);
  }
  await execute(database, BRIN);
  return Object.entries(runs).map(([index, r]) => ({ index, refreshMs: median(r.refreshMs), scanMs: median(r.scanMs), buffers: r.buffers, rowsRead: r.rowsRead, windowRows }));
}

export async function runTimescaleBench(): Promise<TimescaleBenchResult | null> {
  const database = await openTestDatabase();
  try {
    if (!database.timescale.timescale) return null;
    // One NIFTY expiry, an hour of 1-second snapshots ending 2 hours ago (inside the policies' windows: no backfill runs).
    const start = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
    const snapshots = snapshotsOf(['NIFTY'], 1, 3_600, start);
    const expiry = snapshots[0].expiry;
    const optionRows = await writeInBatches(database, snapshots, 500);
    await execute(database, 'analyze option_quotes');

    const lastTen = { from: new Date(start + 50 * 60_000).toISOString(), to: new Date(start + HOUR).toISOString() };
    const refresh = await measureRefresh(database, lastTen.from, lastTen.to);

    const instants = [0.1, 0.3, 0.5, 0.7, 0.9].map((f) => snapshots[Math.floor(f * snapshots.length)].timestamp);
    const compressedRead = [await measureRead(database, 'uncompressed', expiry, instants)];
    await compressAll(database, 'strike, option_type, ts DESC');
    compressedRead.push(await measureRead(database, 'compressed, orderby strike, option_type, ts DESC (before)', expiry, instants));
    await compressAll(database, 'ts DESC, strike, option_type');
    compressedRead.push(await measureRead(database, 'compressed, orderby ts DESC, strike, option_type (now)', expiry, instants));

    return { optionRows, compressedRead, refresh, write: await measureWrite() };
  } finally {
    await database.close();
  }
}

/** handle.write of 3,000 snapshots (5 symbols × 2 expiries × 41 strikes) in batches of 500, with and without the BRIN index, alternated. */
async function measureWrite(rounds = 3): Promise<TimescaleBenchResult['write']> {
  const database = await openTestDatabase();
  try {
    const start = Date.now() - 3 * HOUR;
    const base = snapshotsOf(undefined, 2, 300, start);
    const span = Math.max(...base.map((s) => s.timestamp)) - start + 1000;
    let shift = 0;
    const fresh = () => {
      shift += span;
      return base.map((s) => ({ ...s, timestamp: s.timestamp + shift, id: `${s.id}:${shift}` }));
    };
    await writeInBatches(database, fresh(), 500);
    const runs: Record<string, number[]> = { 'BRIN on ts': [], 'primary key only': [] };
    for (let round = 0; round < rounds; round++) {
      for (const index of Object.keys(runs)) {
        if (index === 'primary key only') await execute(database, 'drop index if exists option_quotes_ts_brin');
        else await execute(database, BRIN);
        const snapshots = fresh();
        const started = performance.now();
        const rows = await writeInBatches(database, snapshots, 500);
        runs[index].push(rows / ((performance.now() - started) / 1000));
      }
    }
    return Object.entries(runs).map(([index, values]) => ({ index, rowsPerSecond: median(values), runs: values }));
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runTimescaleBench();
  console.log(JSON.stringify(result, null, 2));
}
