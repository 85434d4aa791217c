/**
 * Soak: the database levels off in size under the retention job. Several raw
 * windows' worth of snapshots are written on a compressed clock (a snapshot
 * every 10 simulated seconds, written as fast as the database takes them),
 * with a retention run after every simulated minute as the job does every
 * 60 s; the size is sampled at each window's end.
 *
 * Measured with pg_database_size (tables and indexes: deterministic, page by
 * page), and, for PGlite on disk, the whole data directory too (its WAL moves
 * by 16 MB segments, so that bound is looser). On PGlite by default; on the
 * PostgreSQL server at DATABASE_URL when it is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../db/queries/expireRaw.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import type { DatabaseSize } from '../db/size.ts';
import { Retention } from '../db/retention.ts';
import { openTestDatabase } from './database.ts';
import { simulatedEnrichedSnapshots } from './fixtures.ts';

const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 10;
const WINDOWS = 6;
const SECONDS_PER_TICK = 10;

describe('disk under the retention job', () => {
  let database: DatabaseHandle;
  let dataDir: string | undefined;
  beforeAll(async () => {
    if (process.env.DATABASE_URL) database = await openTestDatabase();
    else database = await openDatabase({ dataDir: (dataDir = mkdtempSync(join(tmpdir(), 'options-soak-'))) });
  });
  afterAll(async () => {
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it(`levels off after a raw window or two, over ${WINDOWS} windows of snapshots on a compressed clock`, { timeout: 90_000 }, async () => {
    // NIFTY and SENSEX, two expiries each, 13 strikes: 4 snapshots of ≤ 26 option rows every 10 simulated seconds.
    const ticksPerMinute = 60 / SECONDS_PER_TICK;
    const snapshots = simulatedEnrichedSnapshots(WINDOWS * WINDOW_MINUTES * ticksPerMinute, {
      symbols: ['NIFTY', 'SENSEX'],
      expiriesPerSymbol: 2,
      strikesEachSide: 6,
      secondsPerTick: SECONDS_PER_TICK,
      seed: 17,
    });
    const retention = new Retention(database, {
      windows: { rawMs: WINDOW_MINUTES * MINUTE_MS, historyMs: 6 * WINDOW_MINUTES * MINUTE_MS },
      everyMs: MINUTE_MS,
      batchSnapshots: 100,
    });
    const perMinute = snapshots.length / (WINDOWS * WINDOW_MINUTES);
    // The rollups' own bytes, so the raw tables can be judged apart from the history that is meant to grow.
    const historyBytes = async () =>
      rowsOf<{ bytes: number }>(await database.db.execute(sql`select (pg_total_relation_size('chain_rollup_1m') + pg_total_relation_size('strike_rollup_5m'))::float8 as bytes`))[0].bytes;
    const sizes: DatabaseSize[] = [await database.size()];
    const history = [await historyBytes()];
    for (let minute = 0; minute < WINDOWS * WINDOW_MINUTES; minute++) {
      await database.write(snapshots.slice(minute * perMinute, (minute + 1) * perMinute));
      await retention.runOnce();
      if ((minute + 1) % WINDOW_MINUTES === 0) {
        sizes.push(await database.size());
        history.push(await historyBytes());
      }
    }

    const tables = sizes.map((s) => s.databaseBytes);
    const windowBytes = tables[1] - tables[0];
    // The first window is written whole (nothing is old enough yet): it is the growth without retention,
    // at least 20 bytes an option row in either shape (PGlite packs them, core/packedQuotes.ts).
    const firstWindow = snapshots.slice(0, WINDOW_MINUTES * perMinute);
    expect(windowBytes).toBeGreaterThan(20 * firstWindow.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0));
    // From the third window on, each window deletes what it adds: the raw tables (all but the rollups) hold level; only the compact history grows.
    const steady = tables.slice(3).map((bytes, i) => bytes - history[i + 3]);
    expect(Math.max(...steady) - Math.min(...steady)).toBeLessThan(windowBytes * 0.25);
    expect(tables.at(-1)!).toBeLessThan(tables[0] + 2.5 * windowBytes);
    // Without retention the tables would have grown by WINDOWS × windowBytes.
    expect(tables.at(-1)! - tables[0]).toBeLessThan((WINDOWS * windowBytes) / 2);
    if (database.kind === 'pglite') {
      // The data directory, WAL included, levels off too: checkpoints keep pg_wal to max_wal_size (64 MB).
      const onDisk = sizes.map((s) => s.bytes);
      expect(Math.max(...onDisk.slice(3)) - onDisk[3]).toBeLessThanOrEqual(32 * 2 ** 20);
      expect(sizes.at(-1)!.walBytes!).toBeLessThanOrEqual(80 * 2 ** 20);
    }

    const { retention: state } = sizes.at(-1)!;
    expect(state.snapshotsDeleted).toBeGreaterThan(snapshots.length / 2);
    expect(state.lastError).toBeNull();
    expect(state.oldestRawAt!.getTime()).toBeGreaterThanOrEqual(snapshots.at(-1)!.timestamp - (WINDOW_MINUTES + 5) * MINUTE_MS);
    console.log(
      `soak (${database.kind}): pg_database_size by window ${tables.map((b) => (b / 2 ** 20).toFixed(1)).join(' → ')} MiB` +
        (database.kind === 'pglite' ? `; data directory ${sizes.map((s) => (s.bytes / 2 ** 20).toFixed(0)).join(' → ')} MiB` : ''),
    );
  });
});
