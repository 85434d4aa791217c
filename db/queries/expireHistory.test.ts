import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lt } from 'drizzle-orm';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';
import type { DatabaseHandle } from '../client.ts';
import { chainRollup1m, strikeRollup5m } from '../schema.ts';
import { expireHistory } from './expireHistory.ts';

describe('expiring the downsampled history', () => {
  let database: DatabaseHandle;
  let cut: Date;
  beforeAll(async () => {
    database = await openTestDatabase();
    // Twenty minutes of NIFTY, one snapshot every 30 s, all folded into the rollups.
    const written = simulatedEnrichedSnapshots(40, { symbols: ['NIFTY'], strikesEachSide: 3, secondsPerTick: 30 });
    await database.write(written);
    while ((await database.expireRaw(new Date(written.at(-1)!.timestamp + 1), 1_000)).snapshots > 0);
    cut = new Date(Math.floor(written[0].timestamp / 300_000) * 300_000 + 600_000);
  });
  afterAll(async () => {
    await database?.close();
  });

  const count = async (table: typeof chainRollup1m | typeof strikeRollup5m, before?: Date) =>
    (await database.db.select().from(table).where(before ? lt(table.bucket, before) : undefined)).length;

  it('deletes the rollup rows whose bucket starts before the horizon, at most `limit` per table and call, and nothing else', async () => {
    const [chainOld, strikeOld, chainAll, strikeAll] = [await count(chainRollup1m, cut), await count(strikeRollup5m, cut), await count(chainRollup1m), await count(strikeRollup5m)];
    expect(chainOld).toBeGreaterThan(5);
    expect(strikeOld).toBeGreaterThan(5);
    expect(await expireHistory(database.db, cut, 5)).toEqual({ chainRows: 5, strikeRows: 5 });
    const rest = await expireHistory(database.db, cut, 100_000);
    expect(rest).toEqual({ chainRows: chainOld - 5, strikeRows: strikeOld - 5 });
    expect(await expireHistory(database.db, cut, 100_000)).toEqual({ chainRows: 0, strikeRows: 0 });
    expect([await count(chainRollup1m, cut), await count(strikeRollup5m, cut)]).toEqual([0, 0]);
    expect([await count(chainRollup1m), await count(strikeRollup5m)]).toEqual([chainAll - chainOld, strikeAll - strikeOld]);
  });
});
