import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../test/database.ts';
import { FIXTURE_START, simulatedAnalyticsMessages } from '../../test/fixtures.ts';
import type { DatabaseHandle } from '../client.ts';
import type { AnalyticsMessage } from '../../core/analyticsMessage.ts';
import { rowsOf } from './expireRaw.ts';
import { latestMood } from './readAnalytics.ts';
import { thinAnalytics } from './thinAnalytics.ts';
import { writeAnalytics } from './writeAnalytics.ts';

/** NIFTY, two expiries, a snapshot every 20 s for 12 minutes from FIXTURE_START (on the 5-minute grid), through the real reducer. */
const messages = (): AnalyticsMessage[] => simulatedAnalyticsMessages(36, { expiriesPerSymbol: 2, strikesEachSide: 3, seed: 5, secondsPerTick: 20 });

const MINUTE = 60_000;
const at = (minutes: number) => new Date(FIXTURE_START + minutes * MINUTE);

describe('thinAnalytics', () => {
  let database: DatabaseHandle;
  const batch = messages();
  beforeAll(async () => {
    database = await openTestDatabase();
    await writeAnalytics(database.db, batch);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  const chainInstants = async () =>
    rowsOf<{ expiry: string; ms: number }>(await database.db.execute(sql`select expiry::text, (extract(epoch from ts) * 1000)::float8 as ms from analytics_chain order by expiry, ts`));
  const moods = async () =>
    rowsOf<{ ms: number; documented: boolean; mood_index: number | null; spot: number }>(
      await database.db.execute(sql`select (extract(epoch from ts) * 1000)::float8 as ms, intelligence is not null as documented, mood_index, spot from analytics_mood order by ts`),
    );
  const chainsIn = async (from: number, to: number) => (await chainInstants()).filter((r) => r.ms >= at(from).getTime() && r.ms < at(to).getTime()).length;

  it('keeps the last chain document of each 5 minutes in [from, before), every one outside, and every mood row with its columns', async () => {
    expect(batch).toHaveLength(72);
    const moodBefore = await moods();
    const thinned = await thinAnalytics(database.db, { from: at(5), before: at(10) }, 10_000);
    // 15 snapshots in the bucket: 14 go, per expiry for the chains, per symbol (one row an instant) for the moods.
    expect(thinned).toEqual({ chainRows: 2 * 14, moodDocuments: 14 });

    const chains = await chainInstants();
    for (const expiry of new Set(batch.map((m) => m.expiry))) {
      const kept = chains.filter((r) => r.expiry === expiry).map((r) => (r.ms - FIXTURE_START) / 1000);
      const expected = [...Array.from({ length: 15 }, (_, i) => i * 20), 580, ...Array.from({ length: 6 }, (_, i) => 600 + i * 20)];
      expect(kept).toEqual(expected);
    }
    const moodAfter = await moods();
    expect(moodAfter.map(({ ms, mood_index, spot }) => ({ ms, mood_index, spot }))).toEqual(moodBefore.map(({ ms, mood_index, spot }) => ({ ms, mood_index, spot })));
    expect(moodAfter.filter((r) => !r.documented).map((r) => (r.ms - FIXTURE_START) / 1000)).toEqual(Array.from({ length: 14 }, (_, i) => 300 + i * 20));
  });

  it('thins nothing twice, and from no `from` on, everything before the cut', async () => {
    expect(await thinAnalytics(database.db, { from: at(5), before: at(10) }, 10_000)).toEqual({ chainRows: 0, moodDocuments: 0 });
    expect(await thinAnalytics(database.db, { from: null, before: at(10) }, 10_000)).toEqual({ chainRows: 2 * 14, moodDocuments: 14 });
    expect(await chainsIn(0, 10)).toBe(2 * 2);
    expect(await chainsIn(10, 15)).toBe(2 * 6);
  });

  it('works in batches of `limit` rows per table', async () => {
    expect(await thinAnalytics(database.db, { from: at(10), before: at(15) }, 4)).toEqual({ chainRows: 4, moodDocuments: 4 });
    expect(await thinAnalytics(database.db, { from: at(10), before: at(15) }, 4)).toEqual({ chainRows: 4, moodDocuments: 1 });
    expect(await thinAnalytics(database.db, { from: at(10), before: at(15) }, 4)).toEqual({ chainRows: 2, moodDocuments: 0 });
    expect(await chainsIn(10, 15)).toBe(2);
  });

  it('leaves the latest mood document readable', async () => {
    expect(await latestMood(database.db, 'NIFTY')).toEqual(JSON.parse(JSON.stringify(batch.at(-1)!.symbolIntelligence)));
  });
});
