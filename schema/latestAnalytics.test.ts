/**
 * The latest reads of the analytics (marketMood, marketOverview,
 * supportResistance, optionFlow) answer from the API's in-memory latest
 * outputs (core/latestAnalytics.ts) before the store: the analytics
 * documents are stored only every ANALYTICS_STORE_INTERVAL_SECONDS, and a
 * read right after an output that was not stored must still answer it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { createIntelligenceState } from '../core/intelligence/index.ts';
import { analyseSnapshot, emptyAnalyticsStats } from '../pipeline/analytics.ts';
import { writeAnalytics } from '../db/queries/writeAnalytics.ts';
import { LatestAnalytics, withoutFlows } from '../core/latestAnalytics.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';

const snapshots = simulatedEnrichedSnapshots(12, { symbols: ['NIFTY'], strikesEachSide: 4, seed: 21 });
const state = createIntelligenceState({ sessionHoursOnly: false });
const stats = emptyAnalyticsStats();
const messages = snapshots.map((s) => analyseSnapshot(state, s, stats)).filter((m): m is AnalyticsMessage => m !== null);
/** What the store has: the documents of the first half only, as if the cadence held the rest back. */
const stored = messages.slice(0, 6);
const newest = messages.at(-1)!;
const NOW = snapshots.at(-1)!.timestamp + 1_000;

let harness: SchemaHarness;
beforeAll(async () => {
  harness = await openSchemaHarness(snapshots);
  await writeAnalytics(harness.database.db, stored);
}, 120_000);
afterAll(async () => {
  await harness?.close();
});

/* eslint-disable @typescript-eslint/no-explicit-any */
const QUERY = `query($expiry: Date!) {
  marketMood(symbol: "NIFTY") { timestamp index }
  marketOverview(symbols: ["NIFTY"]) { moodAt moodIndex nearestSupport { peakStrike } }
  supportResistance(symbol: "NIFTY", expiry: $expiry) { spot }
  optionFlow(symbol: "NIFTY", expiry: $expiry) { timestamp }
  flowMetrics(symbol: "NIFTY") { liquidity { index } }
}`;

describe('latest analytics reads', () => {
  it('answer the newest output this process received, stored or not', async () => {
    const latest = new LatestAnalytics();
    for (const message of messages) latest.note(message);
    const result = await harness.run({ ...harness.context(NOW), latestAnalytics: latest }, QUERY, { expiry: newest.expiry });
    expect(result.errors).toBeUndefined();
    const data = result.data as any;
    expect(Date.parse(data.marketMood.timestamp)).toBe(newest.timestamp);
    expect(data.marketMood.index).toBe(newest.symbolIntelligence.mood.index);
    expect(Date.parse(data.marketOverview[0].moodAt)).toBe(newest.timestamp);
    expect(data.marketOverview[0].moodIndex).toBe(newest.symbolIntelligence.mood.index);
    expect(data.supportResistance.spot).toBe(newest.chain.spot);
    expect(Date.parse(data.optionFlow.timestamp)).toBe(newest.timestamp);
    expect(data.flowMetrics.liquidity.index).toBe(newest.chain.liquidity.index);
  });

  it('answer from the store what memory holds nothing of (a fresh replica), and the same as memory would for what is stored', async () => {
    const [fromStore, fromMemory] = await Promise.all(
      [undefined, new LatestAnalytics()].map((latest) => {
        if (latest) for (const message of stored) latest.note(message);
        return harness.run({ ...harness.context(NOW), latestAnalytics: latest }, QUERY, { expiry: newest.expiry });
      }),
    );
    expect(fromStore.errors).toBeUndefined();
    expect(Date.parse((fromStore.data as any).marketMood.timestamp)).toBe(stored.at(-1)!.timestamp);
    expect(fromMemory).toEqual(fromStore);
  });

  it('keep one entry per chain and symbol, and ignore a message older than the one held', () => {
    const latest = new LatestAnalytics();
    for (const message of [...messages].reverse()) latest.note(message);
    expect(latest.size()).toEqual({ chains: 1, moods: 1 });
    expect(latest.mood('NIFTY')?.timestamp).toBe(newest.timestamp);
    expect(latest.chain('NIFTY', newest.expiry)?.spot).toBe(newest.chain.spot);
    expect(latest.mood('BANKNIFTY')).toBeNull();
  });

  it('keep a chain\'s flows when the same instant comes again without them (its own update back from another replica\'s pub/sub), and hold none for a newer one', () => {
    const latest = new LatestAnalytics();
    const [older, newer] = messages.slice(-2);
    latest.note(older);
    latest.note(withoutFlows(older));
    expect(latest.flows('NIFTY', older.expiry)?.timestamp).toBe(older.timestamp);
    latest.note(withoutFlows(newer));
    expect(latest.chain('NIFTY', newer.expiry)?.spot).toBe(newer.chain.spot);
    expect(latest.flows('NIFTY', newer.expiry)).toBeNull();
  });
});
