import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase, serverHasTimescale } from '../test/database.ts';
import { HISTORY_START, historySnapshots } from '../test/historySnapshots.ts';
import { backfillPlan, type AggregateRefreshWindow } from './aggregateBackfill.ts';
import type { DatabaseHandle } from './client.ts';
import { chainHistory } from './queries/chainHistory.ts';
import { moodHistory } from './queries/moodHistory.ts';
import { writeAnalytics } from './queries/writeAnalytics.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { createIntelligenceState } from '../core/intelligence/index.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import { analyseSnapshot, emptyAnalyticsStats } from '../pipeline/analytics.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('planning the refresh of old writes', () => {
  const windows: AggregateRefreshWindow[] = [
    { aggregate: 'chain_summary_5m', bucketMs: 300_000, lookbackMs: 3 * DAY },
    { aggregate: 'chain_summary_1h', bucketMs: HOUR, lookbackMs: 7 * DAY },
  ];
  const now = Date.UTC(2026, 10, 29, 12, 0);

  it('refreshes, per aggregate, only what its policy no longer reaches, in whole buckets', () => {
    const fiveDaysAgo = now - 5 * DAY + 123_000;
    expect(backfillPlan([{ fromMs: fiveDaysAgo, toMs: fiveDaysAgo + 10 * 60_000 }], windows, now)).toEqual([
      { aggregate: 'chain_summary_5m', fromMs: now - 5 * DAY, toMs: now - 5 * DAY + 15 * 60_000 },
    ]);
    const tenDaysAgo = now - 10 * DAY;
    expect(backfillPlan([{ fromMs: tenDaysAgo, toMs: tenDaysAgo + 1 }], windows, now).map((r) => r.aggregate)).toEqual(['chain_summary_5m', 'chain_summary_1h']);
  });

  it('leaves recent writes to the policies, and cuts a span that crosses into their reach', () => {
    expect(backfillPlan([{ fromMs: now - HOUR, toMs: now }], windows, now)).toEqual([]);
    const [cut] = backfillPlan([{ fromMs: now - 4 * DAY, toMs: now }], windows, now);
    expect(cut).toEqual({ aggregate: 'chain_summary_5m', fromMs: now - 4 * DAY, toMs: now - 3 * DAY + HOUR });
  });
});

const timescale = await serverHasTimescale();

describe.skipIf(!timescale)('refreshing the aggregates for snapshots written older than their refresh window', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('makes an old replay visible in the aggregates once refreshed, which the policies never would', async () => {
    const snapshots = historySnapshots();
    // Recent snapshots, materialized: the aggregates' watermark moves to now.
    const shift = Math.floor((Date.now() - 2 * HOUR - HISTORY_START) / DAY) * DAY;
    await database.write(snapshots.map((s) => ({ ...s, timestamp: s.timestamp + shift, id: `${s.id}:recent` })));
    await database.db.execute(sql.raw(`call refresh_continuous_aggregate('chain_summary_5m', now() - interval '2 days', now())`));
    // The old replay: six days back, past the 5-minute aggregate's 3-day lookback.
    expect(Date.now() - HISTORY_START).toBeGreaterThan(3 * DAY + HOUR);
    await database.write(snapshots);
    const nifty = snapshots.find((s) => s.symbol === 'NIFTY')!;
    const ask = () => chainHistory(database.db, { symbol: 'NIFTY', expiry: nifty.expiry, from: new Date(HISTORY_START), to: new Date(HISTORY_START + 40 * 60_000), interval: '5m' });
    expect(await ask()).toEqual([]);
    expect(database.backfill?.pendingRanges).toHaveLength(1);
    await database.backfill!.flush();
    expect(database.backfill!.done.map((r) => r.aggregate)).toContain('chain_summary_5m');
    const points = await ask();
    expect(points.map((p) => p.bucket.getTime())).toEqual(Array.from({ length: 8 }, (_, i) => HISTORY_START + i * 300_000));
    const lastOfFirst = snapshots.filter((s) => s.symbol === 'NIFTY' && s.expiry === nifty.expiry && s.timestamp < HISTORY_START + 300_000).at(-1)!;
    expect(points[0].spot).toBe(lastOfFirst.spot);
  });
});

describe.skipIf(!timescale)('refreshing the mood aggregates for analytics written older than their refresh window', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('makes old analytics visible in moodHistory once refreshed, which the policies never would', async () => {
    const state = createIntelligenceState();
    const stats = emptyAnalyticsStats();
    const analysed = simulatedEnrichedSnapshots(20, { strikesEachSide: 4, seed: 3 })
      .map((s) => analyseSnapshot(state, s, stats))
      .filter((m): m is AnalyticsMessage => m !== null);
    // The same 20 minutes, from the start of a 5-minute bucket, recent (an hour ago) and six days back.
    const at = (messages: AnalyticsMessage[], start: number) => messages.map((m) => ({ ...m, timestamp: m.timestamp - analysed[0].timestamp + start }));
    const recentStart = Math.floor((Date.now() - 2 * HOUR) / 300_000) * 300_000;
    const oldStart = recentStart - 6 * DAY;
    // Recent analytics, materialized: the mood aggregate's watermark moves to now.
    await writeAnalytics(database.db, at(analysed, recentStart), undefined, database.backfill);
    expect(database.backfill?.pendingRanges).toEqual([]);
    await database.db.execute(sql.raw(`call refresh_continuous_aggregate('analytics_mood_5m', now() - interval '2 days', now())`));
    // The old ones: past the 5-minute aggregate's 3-day lookback, below its watermark.
    await writeAnalytics(database.db, at(analysed, oldStart), undefined, database.backfill);
    const ask = () => moodHistory(database.db, { symbol: 'NIFTY', from: new Date(oldStart), to: new Date(oldStart + 20 * 60_000), interval: '5m' });
    expect(await ask()).toEqual([]);
    expect(database.backfill?.pendingRanges).toHaveLength(1);
    await database.backfill!.flush();
    expect(database.backfill!.done.map((r) => r.aggregate)).toContain('analytics_mood_5m');
    const points = await ask();
    expect(points.map((p) => p.bucket.getTime())).toEqual([0, 1, 2, 3].map((i) => oldStart + i * 300_000));
    expect(points.reduce((n, p) => n + p.samples, 0)).toBe(analysed.length);
    expect(points.at(-1)!.spotLast).toBe(analysed.at(-1)!.symbolIntelligence.spot);
  });
});
