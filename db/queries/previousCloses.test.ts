import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import type { DatabaseHandle } from '../client.ts';
import { previousCloses } from './previousCloses.ts';
import { simulatedEnrichedSnapshots } from '../../test/fixtures.ts';

/** NIFTY and BANKNIFTY, two expiries each, a snapshot a minute for ten minutes. */
const snapshots = simulatedEnrichedSnapshots(10, { symbols: ['NIFTY', 'BANKNIFTY'], expiriesPerSymbol: 2, strikesEachSide: 2, seed: 5 });

/** The oracle: the spot of the symbol's latest snapshot before `before`. */
function expected(symbol: string, before: number) {
  const earlier = snapshots.filter((s) => s.symbol === symbol && s.timestamp < before).sort((a, b) => a.timestamp - b.timestamp);
  const last = earlier.at(-1);
  return last ? { spot: last.spot, timestamp: last.timestamp } : undefined;
}

describe('previousCloses', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    await database.write(snapshots);
  });
  afterAll(async () => {
    await database?.close();
  });

  const times = [...new Set(snapshots.map((s) => s.timestamp))].sort((a, b) => a - b);
  const before = new Date(times[6]);

  it("answers each symbol's latest stored spot before the instant, in one statement for all of them", async () => {
    const closes = await previousCloses(database.db, ['NIFTY', 'BANKNIFTY', 'SENSEX'], before);
    expect(closes.get('NIFTY')).toEqual(expected('NIFTY', before.getTime()));
    expect(closes.get('BANKNIFTY')).toEqual(expected('BANKNIFTY', before.getTime()));
    expect(closes.has('SENSEX')).toBe(false);
    expect((await previousCloses(database.db, ['NIFTY'], new Date(times[0]))).size).toBe(0);
  });

  it('answers the same once the retention job has folded the raw snapshots into the rollups', async () => {
    let folded = 0;
    for (;;) {
      const batch = (await database.expireRaw(new Date(times.at(-1)! + 60_000), 1000)).snapshots;
      if (batch === 0) break;
      folded += batch;
    }
    expect(folded).toBe(snapshots.length);
    const closes = await previousCloses(database.db, ['NIFTY', 'BANKNIFTY'], before);
    expect(closes.get('NIFTY')).toEqual(expected('NIFTY', before.getTime()));
    expect(closes.get('BANKNIFTY')).toEqual(expected('BANKNIFTY', before.getTime()));
  });
});
