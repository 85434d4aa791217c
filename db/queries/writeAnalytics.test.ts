import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openTestDatabase } from '../../test/database.ts';
import { simulatedAnalyticsMessages } from '../../test/fixtures.ts';
import type { DatabaseHandle } from '../client.ts';
import type { AnalyticsMessage } from '../../core/analyticsMessage.ts';
import { expireAnalytics } from './expireAnalytics.ts';
import { rowsOf } from './expireRaw.ts';
import { AnalyticsCadence, allDue, writeAnalytics } from './writeAnalytics.ts';

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

describe('writeAnalytics with a store cadence (ANALYTICS_STORE_INTERVAL_SECONDS)', () => {
  let database: DatabaseHandle;
  /** NIFTY, two expiries, a tick every 5 s for 2 minutes. */
  const batch = simulatedAnalyticsMessages(24, { expiriesPerSymbol: 2, strikesEachSide: 3, seed: 5, secondsPerTick: 5 });
  const rows = async (query: ReturnType<typeof sql>) => rowsOf<Record<string, unknown>>(await database.db.execute(query));
  beforeAll(async () => {
    database = await openTestDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('stores a chain document with its flows at most once per interval per chain, a mood document once per interval per symbol, and every event and mood row', async () => {
    let wallMs = 0;
    const cadence = new AnalyticsCadence(30_000, () => wallMs);
    // In batches of 5, as the storage role hands them over, one of them written twice (a retry).
    for (let i = 0; i < batch.length; i += 5) await writeAnalytics(database.db, batch.slice(i, i + 5), cadence);
    await writeAnalytics(database.db, batch.slice(10, 15), cadence);

    const chains = await rows(sql`select expiry::text, extract(epoch from ts) * 1000 as ms from analytics_chain order by expiry, ts`);
    const expiries = [...new Set(batch.map((m) => m.expiry))];
    for (const expiry of expiries) {
      const stored = chains.filter((c) => c.expiry === expiry).map((c) => Number(c.ms));
      const messages = batch.filter((m) => m.expiry === expiry);
      // The first, then the first at least 30 s after the last stored: 0 s, 30 s, 60 s, 90 s of 2 minutes.
      expect(stored).toEqual(messages.filter((_, i) => i % 6 === 0).map((m) => m.timestamp));
      for (let i = 1; i < stored.length; i++) expect(stored[i] - stored[i - 1]).toBeGreaterThanOrEqual(30_000);
      const flowInstants = await rows(sql`select distinct extract(epoch from ts) * 1000 as ms from analytics_flows where expiry = ${expiry}::date order by 1`);
      expect(flowInstants.map((r) => Number(r.ms))).toEqual(stored);
    }
    const moods = await rows(sql`select extract(epoch from ts) * 1000 as ms, mood_index, intelligence is not null as documented from analytics_mood order by ts`);
    const instants = [...new Set(batch.map((m) => m.timestamp))];
    expect(moods.map((m) => Number(m.ms))).toEqual(instants);
    expect(moods.filter((m) => m.documented).map((m) => Number(m.ms))).toEqual(instants.filter((_, i) => i % 6 === 0));
    // The columns moodHistory averages are there for every instant, as the instant's last message has them.
    expect(moods.map((m) => m.mood_index)).toEqual(instants.map((t) => batch.filter((m) => m.timestamp === t).at(-1)!.symbolIntelligence.mood.index));
    const events = new Set(batch.flatMap((m) => m.events.map((e) => `${e.timestamp}|${e.kind}|${e.expiry}|${e.strike}|${e.side}`)));
    expect((await rows(sql`select count(*)::int as n from analytics_events`))[0].n).toBe(events.size);

    // The last message of each chain was held back; once no newer one came for the interval, it is due.
    expect(cadence.takeHeld(30_000)).toEqual([]);
    wallMs += 30_000;
    const held = cadence.takeHeld(30_000);
    expect(held.map((m) => [m.expiry, m.timestamp]).sort()).toEqual(expiries.map((e) => [e, batch.filter((m) => m.expiry === e).at(-1)!.timestamp]).sort());
    await writeAnalytics(database.db, held, allDue);
    const last = batch.at(-1)!;
    const [latest] = await rows(sql`select intelligence from analytics_mood where symbol = 'NIFTY' and intelligence is not null order by ts desc limit 1`);
    expect(latest.intelligence).toEqual(JSON.parse(JSON.stringify(last.symbolIntelligence)));
    expect(cadence.takeHeld(0)).toEqual([]);
  });

  it('stores every document with an interval of 0, and an older message than the last stored (a replayed spool) whatever the interval', async () => {
    const every = new AnalyticsCadence(0);
    expect(batch.slice(0, 4).map((m) => every.decide(m))).toEqual(batch.slice(0, 4).map(() => ({ chain: true, mood: true })));
    const cadence = new AnalyticsCadence(60_000);
    const [first, second] = batch.filter((m) => m.expiry === batch[0].expiry);
    expect(cadence.decide(second)).toEqual({ chain: true, mood: true });
    expect(cadence.decide(first)).toEqual({ chain: true, mood: true });
  });
});
