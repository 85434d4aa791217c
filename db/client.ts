/**
 * The database connection: embedded PGlite (real Postgres compiled to WASM,
 * persisted under a data directory) by default, PostgreSQL/TimescaleDB
 * through postgres-js when a URL is given. Same schema, same queries, same
 * migrations, applied at open.
 */
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { lockDataDir } from './dataDirLock.ts';
import { Worker } from 'node:worker_threads';
import { drizzle as drizzleProxy } from 'drizzle-orm/pg-proxy';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import * as schema from './schema.ts';
import type { WriteResult } from './queries/writeSnapshots.ts';
import { copySnapshots } from './queries/copySnapshots.ts';
import { expireRaw, type ExpiredRaw } from './queries/expireRaw.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { WorkerRequest, WorkerResponse } from './pglite.worker.ts';
import { databaseSize, type DatabaseSize } from './size.ts';
import { prepareDatabase } from './prepare.ts';
import { AggregateBackfill, readRefreshWindows } from './aggregateBackfill.ts';
import type { Logger } from '../core/log.ts';
import { DEFAULT_TIMESCALE_WINDOWS, type TimescaleStatus, type TimescaleWindows } from './timescale.ts';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  /** Drizzle, for reads (and writes outside the hot path). */
  db: Database;
  /**
   * The bulk write of the storage role, done where it is cheapest for the
   * engine: option rows packed per snapshot on PGlite (writeSnapshots.ts),
   * rows of option_quotes on PostgreSQL (copySnapshots.ts).
   */
  write(snapshots: readonly EnrichedSnapshot[]): Promise<WriteResult>;
  /** One batch of the retention job (db/queries/expireRaw.ts), in one transaction where the engine runs. */
  expireRaw(before: Date, limit: number): Promise<ExpiredRaw>;
  kind: 'pglite' | 'postgres';
  /** Where the data lives, for logs: a directory, 'memory', or the URL without its password. */
  location: string;
  /** Throws when the database does not answer. */
  ping(): Promise<void>;
  /** Refreshes the continuous aggregates for writes older than their refresh windows; null without them. */
  backfill?: AggregateBackfill | null;
  /** Whether TimescaleDB is used, why, and what start-up did to its policies (db/timescale.ts). */
  timescale: TimescaleStatus;
  /** Bytes on disk (PGlite's data directory, or pg_database_size) and the retention state (db/size.ts). */
  size(): Promise<DatabaseSize>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; absent means embedded PGlite. */
  url?: string;
  /** PGlite data directory; absent means in memory. */
  dataDir?: string;
  /** postgres-js pool size. */
  poolSize?: number;
  /** Transactions a large write is split across (PostgreSQL only; see copySnapshots). */
  writeTransactions?: number;
  /** PostgreSQL statement_timeout of every connection, ms; absent or 0: the server's. */
  statementTimeoutMs?: number;
  /** TimescaleDB chunk, compression and retention windows applied at open (PostgreSQL only); the configuration's defaults when absent. */
  timescale?: TimescaleWindows;
  /** Between two refreshes of the aggregates for old writes (db/aggregateBackfill.ts), ms; default 30 s. */
  backfillEveryMs?: number;
  log?: Logger;
  /** Told the SQL of every statement Drizzle sends (both engines), e.g. for a test that counts a request's queries. */
  onQuery?: (sql: string) => void;
}

/** Drizzle's logger for `onQuery`, when given. */
function queryLogger(onQuery: DatabaseOptions['onQuery']): { logger?: { logQuery(query: string, params: unknown[]): void } } {
  return onQuery ? { logger: { logQuery: (query) => onQuery(query) } } : {};
}

/**
 * postgres-js opens its sockets with Nagle's algorithm on; with the server's
 * delayed ACKs that holds each small message of a write (COPY's end, the
 * next statement, COMMIT) for up to 40 ms, so writing one snapshot took
 * ~180 ms instead of ~5 ms. Its `socket` option lets us open them with
 * TCP_NODELAY instead, to the same hosts, taking the next host of a
 * multi-host URL on each new connection as postgres-js does.
 */
function connectWithoutDelay(): (options: { host: string[]; port: number[]; path?: string | false }) => net.Socket {
  let next = 0;
  return ({ host, port, path }) => {
    if (path) return net.connect({ path });
    const index = next++ % host.length;
    return net.connect({ host: host[index], port: port[index] ?? port[0], noDelay: true });
  };
}

/** Seconds postgres-js waits for a connection to open. */
const CONNECT_TIMEOUT_SECONDS = 10;

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

export async function openDatabase(options: DatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.url) {
    // `socket` is documented in postgres-js' README but missing from its typings.
    const connection = {
      max: options.poolSize ?? 10,
      onnotice: () => {},
      socket: connectWithoutDelay(),
      // A server that never answers (blackholed) is named after this long, not 30 s.
      connect_timeout: CONNECT_TIMEOUT_SECONDS,
      ...(options.statementTimeoutMs ? { connection: { statement_timeout: options.statementTimeoutMs } } : {}),
    } as postgres.Options<{}>;
    const client = postgres(options.url, connection);
    const db = drizzlePostgres(client, { schema, ...queryLogger(options.onQuery) });
    try {
      await client`select 1`;
    } catch (error) {
      await client.end({ timeout: 1 });
      throw new Error(`cannot connect to PostgreSQL at ${redact(options.url)}: ${rootCause(error)}`, { cause: error });
    }
    let timescale: TimescaleStatus;
    try {
      timescale = await prepareDatabase(client, MIGRATIONS_FOLDER, options.timescale ?? DEFAULT_TIMESCALE_WINDOWS);
    } catch (error) {
      await client.end({ timeout: 1 });
      throw new Error(`cannot prepare PostgreSQL at ${redact(options.url)}: ${rootCause(error)}`, { cause: error });
    }
    // Writes older than the aggregates' refresh windows are refreshed into them, off the write path.
    let backfill: AggregateBackfill | null = null;
    try {
      if (timescale.timescale && timescale.aggregates.length > 0) {
        backfill = new AggregateBackfill(client, await readRefreshWindows(client), { everyMs: options.backfillEveryMs ?? 30_000, log: options.log });
      }
    } catch (error) {
      await client.end({ timeout: 1 });
      throw new Error(`cannot prepare PostgreSQL at ${redact(options.url)}: ${rootCause(error)}`, { cause: error });
    }
    backfill?.start();
    return {
      db: db as unknown as Database,
      write: async (snapshots) => {
        const result = await copySnapshots(client, snapshots, { transactions: options.writeTransactions ?? 2 });
        if (backfill && snapshots.length > 0) {
          let [first, last] = [Infinity, -Infinity];
          for (const s of snapshots) [first, last] = [Math.min(first, s.timestamp), Math.max(last, s.timestamp)];
          backfill.note(first, last);
        }
        return result;
      },
      backfill,
      expireRaw: (before, limit) => expireRaw(db as unknown as Database, before, limit),
      kind: 'postgres',
      location: redact(options.url),
      timescale,
      ping: async () => void (await db.execute(sql`select 1`)),
      size: () => databaseSize(db as unknown as Database),
      close: async () => {
        await backfill?.stop();
        await client.end({ timeout: 5 });
      },
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  return openPgliteWorker(options.dataDir, options.onQuery);
}

/** PGlite on a worker thread (see db/pglite.worker.ts); Drizzle's proxy driver sends it SQL. */
async function openPgliteWorker(dataDir: string | undefined, onQuery?: DatabaseOptions['onQuery']): Promise<DatabaseHandle> {
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  const worker = new Worker(new URL('./pglite.worker.mjs', import.meta.url), {
    workerData: { dataDir, migrationsFolder: MIGRATIONS_FOLDER },
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  const ready = new Promise<void>((resolve, reject) => pending.set(0, { resolve: () => resolve(), reject }));
  worker.on('message', (response: WorkerResponse) => {
    const waiter = pending.get(response.id);
    if (!waiter) return;
    pending.delete(response.id);
    if (response.ok) waiter.resolve(response.result);
    else waiter.reject(new Error(response.error));
  });
  const failAll = (error: Error) => {
    failure = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', (error) => failAll(new Error(`embedded database worker failed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`embedded database worker exited (code ${code})`)));
  const request = <T>(message: DistributiveOmit<WorkerRequest, 'id'>): Promise<T> => {
    if (failure) return Promise.reject(failure);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ ...message, id } as WorkerRequest);
    });
  };
  try {
    await ready;
  } catch (error) {
    await worker.terminate();
    unlock();
    throw new Error(`cannot open the embedded database${dataDir ? ` in ${dataDir}` : ''}: ${errorMessage(error)}`, { cause: error });
  }
  const db = drizzleProxy(
    async (query, params, method) => ({ rows: await request<unknown[]>({ type: 'query', sql: query, params, method: method === 'all' ? 'all' : 'execute' }) }),
    { schema, ...queryLogger(onQuery) },
  );
  return {
    db: db as unknown as Database,
    write: (snapshots) => request<WriteResult>({ type: 'write', snapshots: snapshots as EnrichedSnapshot[] }),
    expireRaw: (before, limit) => request<ExpiredRaw>({ type: 'expireRaw', before: before.getTime(), limit }),
    kind: 'pglite',
    location: dataDir ?? 'memory',
    timescale: { timescale: false, reason: 'embedded PGlite has no TimescaleDB' },
    ping: async () => void (await request({ type: 'query', sql: 'select 1', params: [], method: 'execute' })),
    size: () => databaseSize(db as unknown as Database, dataDir),
    close: async () => {
      if (!failure) await request({ type: 'close' });
      await worker.terminate();
      unlock();
    },
  };
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * The innermost cause of a driver error, readably: Drizzle wraps the
 * driver's error in "Failed query: …", which hides a refused connection or a
 * missing database behind the first statement that happened to run.
 */
export function rootCause(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const code = (inner as { code?: unknown } | null)?.code;
  const message = errorMessage(inner);
  const hint = code === 'ECONNREFUSED' ? 'connection refused: is the server running, and are the host and port right?' : code === 'CONNECT_TIMEOUT' ? `no answer within ${CONNECT_TIMEOUT_SECONDS} s: is the host reachable?` : undefined;
  return `${hint ? `${hint} (${message})` : message}${typeof code === 'string' && !message.includes(code) ? ` [${code}]` : ''}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
