import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedAnalyticsMessages } from '../../test/fixtures.ts';
import type { DatabaseHandle } from '../client.ts';
import type { AnalyticsMessage } from '../../core/analyticsMessage.ts';
import { writeAnalytics } from './writeAnalytics.ts';
import { chainIntelligenceKey, latestChainIntelligence, latestChainIntelligences, latestMood, latestMoods, strikeFlowHistory } from './readAnalytics.ts';

/** NIFTY and BANKNIFTY, two expiries each, 20 minutes, through the real reducer. */
const messages = (): AnalyticsMessage[] => simulatedAnalyticsMessages(20, { symbols: ['NIFTY', 'BANKNIFTY'], expiriesPerSymbol: 2, strikesEachSide: 3, seed: 6 });

describe('reading the analytics back', () => {
  let database: DatabaseHandle;
  const batch = messages();
  beforeAll(async () => {
    database = await openTestDatabase();
    await writeAnalytics(database.db, batch);
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('reads the latest mood of several symbols in one statement, as latestMood reads each', async () => {
    const moods = await latestMoods(database.db, ['NIFTY', 'BANKNIFTY', 'SENSEX']);
    expect(moods.get('NIFTY')).toEqual(await latestMood(database.db, 'NIFTY'));
    expect(moods.get('BANKNIFTY')).toEqual(await latestMood(database.db, 'BANKNIFTY'));
    expect(moods.get('NIFTY')!.timestamp).toBe(Math.max(...batch.filter((m) => m.symbol === 'NIFTY').map((m) => m.timestamp)));
    expect(moods.has('SENSEX')).toBe(false);
  });

  it('reads the latest chain analytics of several expiries in one statement, as latestChainIntelligence reads each', async () => {
    const chains = [...new Map(batch.map((m) => [chainIntelligenceKey(m.symbol, m.expiry), { symbol: m.symbol, expiry: m.expiry }])).values()];
    expect(chains).toHaveLength(4);
    const found = await latestChainIntelligences(database.db, [...chains, { symbol: 'NIFTY', expiry: '2099-01-01' }]);
    expect(found.size).toBe(4);
    for (const { symbol, expiry } of chains) expect(found.get(chainIntelligenceKey(symbol, expiry))).toEqual(await latestChainIntelligence(database.db, symbol, expiry));
  });

  it("reads one strike side's buildup history: the latest stored flow of each 5-minute bucket, ascending", async () => {
    const nifty = batch.filter((m) => m.symbol === 'NIFTY' && m.expiry === batch[0].expiry);
    const strike = nifty[0].flows[Math.floor(nifty[0].flows.length / 2)].strike;
    const from = new Date(nifty[0].timestamp);
    const to = new Date(nifty.at(-1)!.timestamp + 1);
    const history = await strikeFlowHistory(database.db, { symbol: 'NIFTY', expiry: batch[0].expiry, strike, optionType: 'PE', from, to });
    // The oracle: the messages' own put flow at the strike, the last of each 5-minute bucket.
    const lastOfBucket = new Map<number, AnalyticsMessage>();
    for (const m of nifty) lastOfBucket.set(Math.floor((m.timestamp - Date.UTC(2000, 0, 3)) / 300_000), m);
    const expected = [...lastOfBucket.values()].map((m) => {
      const put = m.flows.find((r) => r.strike === strike)!.put;
      return { timestamp: m.timestamp, oiContracts: put.oiContracts, changeSinceOpenContracts: put.changeSinceOpenContracts, buildups: JSON.parse(JSON.stringify(put.buildups)) };
    });
    expect(history).toEqual(expected);
    expect(history.length).toBeGreaterThan(2);
  });
});
