/**
 * PGlite in a worker thread. PGlite runs Postgres as WebAssembly on the
 * thread that calls it, synchronously for the length of each statement; on
 * the main thread a batch write would stall GraphQL and subscription delivery
 * for its whole duration. Here it has a thread of its own, and the main
 * thread talks to it by message (see db/client.ts): reads arrive as SQL from
 * Drizzle's proxy driver, writes as whole batches of snapshots, each run to
 * completion before the next message, so a read never lands inside a write's
 * transaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import * as schema from './schema.ts';
import { writeSnapshots } from './queries/writeSnapshots.ts';
import { expireRaw } from './queries/expireRaw.ts';
import type { Database } from './client.ts';

export type WorkerRequest =
  | { id: number; type: 'query'; sql: string; params: unknown[]; method: 'all' | 'execute' }
  | { id: number; type: 'write'; snapshots: Parameters<typeof writeSnapshots>[1] }
  | { id: number; type: 'expireRaw'; before: number; limit: number }
  | { id: number; type: 'close' };

export type WorkerResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

const { dataDir, migrationsFolder } = workerData as { dataDir?: string; migrationsFolder: string };

// Dates and timestamps stay text, as Drizzle's proxy driver expects from a
// wire protocol; so does bytea ('\\x…' hex), which every reader decodes
// (db/schema.ts, bytesOf) in native code on its own thread, where PGlite's
// parser decodes it a character at a time here (half the time of reading a
// packed chain).
const raw = (value: string) => value;
const client = new PGlite(dataDir, {
  parsers: { [types.DATE]: raw, [types.TIMESTAMP]: raw, [types.TIMESTAMPTZ]: raw, [types.BYTEA]: raw },
  // PGlite runs Postgres single-user: no checkpointer, so the WAL is trimmed
  // only by an explicit CHECKPOINT (db/retention.ts runs one every run), and
  // a checkpoint keeps up to max_wal_size of old segments for reuse, 1 GB by
  // default. 64 MB keeps pg_wal near what one retention interval writes.
  startParams: [...PGlite.defaultStartParams, '-c', 'max_wal_size=64MB', '-c', 'min_wal_size=32MB'],
});
const db = drizzle(client, { schema });

let queue: Promise<void> = (async () => {
  await migrate(db, { migrationsFolder });
  parentPort!.postMessage({ id: 0, ok: true, result: 'ready' } satisfies WorkerResponse);
})().catch((error) => {
  parentPort!.postMessage({ id: 0, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse);
});

parentPort!.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    try {
      const result = await handle(request);
      parentPort!.postMessage({ id: request.id, ok: true, result } satisfies WorkerResponse);
    } catch (error) {
      parentPort!.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerResponse);
    }
  });
});

async function handle(request: WorkerRequest): Promise<unknown> {
  switch (request.type) {
    case 'query': {
      const result = await client.query(request.sql, request.params, { rowMode: request.method === 'all' ? 'array' : 'object' });
      return result.rows;
    }
    case 'write':
      return writeSnapshots(db as unknown as Database, request.snapshots);
    case 'expireRaw':
      return expireRaw(db as unknown as Database, new Date(request.before), request.limit);
    case 'close':
      await client.close();
      return null;
  }
}
