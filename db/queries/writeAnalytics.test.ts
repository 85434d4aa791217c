import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedAnalyticsMessages } from '../../test/fixtures.ts';
import type { DatabaseHandle } from '../client.ts';
import type { AnalyticsMessage } from '../../core/analyticsMessage.ts';
import { expireAnalytics } from './expireAnalytics.ts';
import { rowsOf } from './expireRaw.ts';
import { writeAnalytics } from './writeAnalytics.ts';

/** NIFTY, two expiries, 20 minutes, through the real reducer. */
const messages = (): AnalyticsMessage[] => simulatedAnalyticsMessages(20, { expiriesPerSymbol: 2, strikesEachSide: 4, seed: 3 });

describe('writeAnalytics', () => {
  let database: DatabaseHandle;
  const batch = messages();
  const count = async (table: string) => rowsOf<{ n: number }>(await database.db.execute(sql.raw(`select count(*)::int as n from ${table}`)))[0].n;
  beforeAll(async () => {
    database = await openTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('stores each message once, however often it is written, with one mood row per symbol and instant (the later message of the instant)', async () => {
    const result = await writeAnalytics(database.db, batch);
    await writeAnalytics(database.db, batch.slice(5, 15));
    expect(result).toEqual({ snapshots: 40, quotes: 40 * 9 * 2 });
    expect(await count('analytics_chain')).toBe(40);
    expect(await count('analytics_flows')).toBe(40 * 9 * 2);
    expect(await count('analytics_mood')).toBe(20);
    expect(await count('analytics_events')).toBe(new Set(batch.flatMap((m) => m.events.map((e) => `${e.timestamp}|${e.kind}|${e.expiry}|${e.strike}|${e.side}`))).size);
    const [mood] = rowsOf<{ intelligence: unknown }>(
      await database.db.execute(sql`select intelligence from analytics_mood where ts = ${new Date(batch[1].timestamp).toISOString()}::timestamptz`),
    );
    expect(mood.intelligence).toEqual(JSON.parse(JSON.stringify(batch[1].symbolIntelligence)));
  });

  it('stores every column as the message has it: chain, flow and event rows, documents as their JSON', async () => {
    const message = batch.find((m) => m.events.length > 0 && m.chain.liquidity.index !== null) ?? batch[7];
    const ts = new Date(message.timestamp).toISOString();
    const json = <T>(value: T): T => JSON.parse(JSON.stringify(value));
    const [chain] = rowsOf<Record<string, unknown>>(
      await database.db.execute(
        sql`select session_date::text, spot, liquidity_index, intelligence from analytics_chain where ts = ${ts}::timestamptz and symbol = ${message.symbol} and expiry = ${message.expiry}`,
      ),
    );
    expect(chain).toEqual({ session_date: message.sessionDate, spot: message.chain.spot, liquidity_index: message.chain.liquidity.index, intelligence: json(message.chain) });
    const flows = rowsOf<Record<string, unknown>>(
      await database.db.execute(
        sql`select strike, option_type, oi, change_since_previous_close, change_since_open, windows, buildups from analytics_flows
            where ts = ${ts}::timestamptz and symbol = ${message.symbol} and expiry = ${message.expiry} order by strike, option_type`,
      ),
    );
    expect(flows).toEqual(
      message.flows.flatMap((row) =>
        (['call', 'put'] as const).map((name) => ({
          strike: row.strike,
          option_type: name === 'call' ? 'CE' : 'PE',
          oi: row[name].oiContracts,
          change_since_previous_close: row[name].changeSincePreviousCloseContracts,
          change_since_open: row[name].changeSinceOpenContracts,
          windows: json(row[name].windows),
          buildups: json(row[name].buildups),
        })),
      ),
    );
    const events = rowsOf<Record<string, unknown>>(
      await database.db.execute(sql`select kind, expiry::text, strike, side, score, reason, "values" from analytics_events where ts = ${ts}::timestamptz and symbol = ${message.symbol}`),
    );
    for (const e of message.events.filter((x) => x.expiry === message.expiry || x.expiry === null)) {
      expect(events).toContainEqual({
        kind: e.kind,
        expiry: e.expiry,
        strike: e.strike,
        side: e.side,
        score: Number.isFinite(e.score) ? e.score : 0,
        reason: e.reason,
        values: Object.fromEntries(Object.entries(e.values).filter(([, v]) => Number.isFinite(v))),
      });
    }
  });

  it('expires the per-strike flows with the raw window and the rest with the history window', async () => {
    const middle = new Date(batch[20].timestamp);
    const expired = await expireAnalytics(database.db, { rawHorizon: middle, historyHorizon: new Date(batch[0].timestamp) }, 10_000);
    expect(expired).toEqual({ flowRows: 20 * 9 * 2, chainRows: 0, moodRows: 0, eventRows: 0 });
    const later = await expireAnalytics(database.db, { rawHorizon: middle, historyHorizon: middle }, 10_000);
    expect(later).toMatchObject({ flowRows: 0, chainRows: 20, moodRows: 10 });
    expect(await count('analytics_chain')).toBe(20);
  });

  it('tells the aggregate backfill the span of each batch it stored, and nothing of an empty batch', async () => {
    const spans: [number, number][] = [];
    const written = { note: (fromMs: number, toMs: number) => void spans.push([fromMs, toMs]) };
    const part = batch.slice(3, 9);
    await writeAnalytics(database.db, part, undefined, written);
    await writeAnalytics(database.db, [], undefined, written);
    const instants = part.map((m) => m.timestamp);
    expect(spans).toEqual([[Math.min(...instants), Math.max(...instants)]]);
  });
});
