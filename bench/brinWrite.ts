/**
 * The write cost of the BRIN index on option_quotes.ts, by the storage-write
 * bench (bench/distributed.ts) on the TimescaleDB at DATABASE_URL: once as
 * migrated (with the index), once with it dropped, alternated `ROUNDS` times.
 *
 * DATABASE_URL=postgres://…/tsdb npx tsx bench/brinWrite.ts
 */
import { sql } from 'drizzle-orm';
import { runStorageWriteBench, type StorageWriteRow } from './distributed.ts';

const rounds = Number(process.env.ROUNDS ?? 2);
const results: Record<string, StorageWriteRow[][]> = { 'BRIN on ts': [], 'primary key only': [] };
for (let round = 0; round < rounds; round++) {
  results['BRIN on ts'].push(await runStorageWriteBench([500], 3_000, 3));
  results['primary key only'].push(
    await runStorageWriteBench([500], 3_000, 3, async (database) => {
      await database.db.execute(sql`drop index if exists option_quotes_ts_brin`);
    }),
  );
}
for (const [index, runs] of Object.entries(results)) {
  for (const row of runs.flat()) console.log(JSON.stringify({ index, path: row.path, batch: row.batch, rowsPerSecond: Math.round(row.rowsPerSecond), runs: row.runs.map(Math.round) }));
}
