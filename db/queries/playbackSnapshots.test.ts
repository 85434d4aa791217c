import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import { historySnapshots } from '../../test/historySnapshots.ts';
import type { DatabaseHandle } from '../client.ts';
import type { EnrichedSnapshot } from '../../core/models.ts';
import { analyticsChain, analyticsMood } from '../schema.ts';
import { countRangeSnapshots, rangeSnapshotPage, type SnapshotRange } from './playbackSnapshots.ts';

let database: DatabaseHandle;
let snapshots: EnrichedSnapshot[];
let nifty: EnrichedSnapshot[];
let range: SnapshotRange;

beforeAll(async () => {
  database = await openTestDatabase();
  snapshots = historySnapshots();
  await database.write(snapshots);
  const { symbol, expiry } = snapshots[0];
  nifty = snapshots.filter((s) => s.symbol === symbol && s.expiry === expiry);
  // Analytics stored for every third instant only.
  await database.db.insert(analyticsChain).values(
    nifty
      .filter((_, i) => i % 3 === 0)
      .map((s) => ({ ts: new Date(s.timestamp), symbol, expiry, sessionDate: '2026-11-23', spot: s.spot, intelligence: { timestamp: s.timestamp, spot: s.spot } })),
  );
  // The symbol's mood stored at instants 4, 12 and 30, between snapshots (a mood of any expiry's snapshot), and at 40 thinned by retention.
  const moodAt = (i: number, thinned = false) => ({
    ts: new Date(nifty[i].timestamp + 500),
    symbol,
    sessionDate: '2026-11-23',
    spot: nifty[i].spot,
    moodIndex: i,
    intelligence: thinned ? null : { symbol, timestamp: nifty[i].timestamp + 500, index: i },
  });
  await database.db.insert(analyticsMood).values([moodAt(4), moodAt(12), moodAt(30), moodAt(40, true)]);
  range = { symbol, expiry, from: new Date(nifty[10].timestamp), to: new Date(nifty[50].timestamp) };
}, 60_000);
afterAll(async () => {
  await database?.close();
});

describe('playback reads', () => {
  it('counts the snapshots of one expiry in a range with both ends included, and names the last', async () => {
    expect(await countRangeSnapshots(database.db, range)).toEqual({ total: 41, last: new Date(nifty[50].timestamp) });
    expect(await countRangeSnapshots(database.db, { ...range, from: new Date(0), to: new Date(1000) })).toEqual({ total: 0, last: null });
  });

  it('reads the range a page at a time after a ts cursor, oldest first, each chain as stored with the analytics of its instant', async () => {
    const read: { ts: number; analytics: unknown; mood: unknown }[] = [];
    let after: Date | null = null;
    let pages = 0;
    for (;;) {
      const page = await rangeSnapshotPage(database.db, range, after, 16);
      if (page.length === 0) break;
      pages++;
      expect(page.length).toBeLessThanOrEqual(16);
      for (const { snapshot, analytics, mood } of page) {
        const stored = nifty.find((s) => s.timestamp === snapshot.timestamp)!;
        expect(snapshot.rows).toEqual(stored.rows);
        expect(snapshot.analytics).toEqual(stored.analytics);
        read.push({ ts: snapshot.timestamp, analytics, mood });
      }
      after = new Date(page[page.length - 1].snapshot.timestamp);
    }
    expect(pages).toBe(3);
    expect(read.map((r) => r.ts)).toEqual(nifty.slice(10, 51).map((s) => s.timestamp));
    read.forEach((r, i) => {
      const index = i + 10;
      expect(r.analytics).toEqual(index % 3 === 0 ? { timestamp: nifty[index].timestamp, spot: nifty[index].spot } : null);
    });
    // Each frame has the mood last stored at or before it, from before the range too; the thinned one is skipped.
    const moodIndex = (i: number) => (read[i - 10].mood as { index: number } | null)?.index;
    expect([10, 12, 13, 30, 31, 39, 40, 41, 50].map(moodIndex)).toEqual([4, 4, 12, 12, 30, 30, 30, 30, 30]);
  });

  it("gives frames no mood before the symbol's first stored one", async () => {
    const early = await rangeSnapshotPage(database.db, { ...range, from: new Date(nifty[0].timestamp) }, null, 16);
    expect(early.slice(0, 6).map((f) => (f.mood as { index: number } | null)?.index ?? null)).toEqual([null, null, null, null, null, 4]);
  });
});
