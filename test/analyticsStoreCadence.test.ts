/**
 * The analytics documents' store cadence in the running platform (embedded,
 * simulator): within ANALYTICS_STORE_INTERVAL_SECONDS of snapshot time only a
 * chain's first document is stored while it runs, and its last one once the
 * platform stops (db/queries/writeAnalytics.ts AnalyticsCadence, api/app.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { waitFor } from './support/waitFor.ts';
import { rowsOf } from '../db/queries/expireRaw.ts';
import { TOPICS } from '../pipeline/bus.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import type { DatabaseHandle } from '../db/client.ts';

let app: App;
let stopped = false;
let database: DatabaseHandle;
const messages: AnalyticsMessage[] = [];

beforeAll(async () => {
  database = await openTestDatabase();
  const config = loadConfig({
    SOURCE: 'simulator',
    SYMBOLS: 'NIFTY',
    EXPIRIES_PER_SYMBOL: '2',
    // A tick every 100 ms, 0.1 s of market time each: the whole run is well within one store interval.
    SIM_TICK_MS: '100',
    SIM_SPEED: '1',
    SIM_CLOCK: 'always-open',
    SIM_STRIKES_EACH_SIDE: '4',
    SIM_INSTITUTIONAL_DAYS: '0',
    IMPORT_SCAN_SECONDS: '0',
    ANALYTICS_STORE_INTERVAL_SECONDS: '60',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    DATA_DIR: scratchDir('analytics-cadence'),
  });
  app = await buildApp(config, { database });
  await app.services.bus.subscribe<AnalyticsMessage>(TOPICS.analytics, 'test-recorder', (m) => void messages.push(m.value));
  await app.start(0);
  await waitFor(async () => (messages.length >= 20 && (app.services.analyticsStorage?.stats.snapshotsWritten ?? 0) >= 10 ? true : undefined), 'twenty analytics messages', 60_000, 100);
}, 90_000);

afterAll(async () => {
  if (!stopped) await app?.stop();
  await database?.close();
}, 30_000);

describe('analytics store cadence on the running platform', () => {
  it('stores a chain\'s first document while it runs, its last when the platform stops, and every event and mood row', async () => {
    const rows = async (query: ReturnType<typeof sql>) => rowsOf<Record<string, unknown>>(await database.db.execute(query));
    const running = await rows(sql`select expiry::text, count(*)::int as n from analytics_chain group by expiry order by expiry`);
    expect(running.map((r) => r.n)).toEqual([1, 1]);
    await app.stop();
    stopped = true;
    const analysed = [...messages];
    const expiries = [...new Set(analysed.map((m) => m.expiry))].sort();
    const stored = await rows(sql`select expiry::text, count(*)::int as n, (extract(epoch from max(ts)) * 1000)::float8 as last from analytics_chain group by expiry order by expiry`);
    expect(stored.map((r) => r.expiry)).toEqual(expiries);
    for (const row of stored) {
      expect(row.n).toBe(2);
      expect(Number(row.last)).toBe(analysed.filter((m) => m.expiry === row.expiry).at(-1)!.timestamp);
    }
    const [mood] = await rows(sql`select (extract(epoch from max(ts)) * 1000)::float8 as last, count(*)::int as n from analytics_mood where intelligence is not null`);
    expect(Number(mood.last)).toBe(Math.max(...analysed.map((m) => m.timestamp)));
    const [moodRows] = await rows(sql`select count(*)::int as n from analytics_mood`);
    expect(moodRows.n).toBe(new Set(analysed.map((m) => m.timestamp)).size);
  });
});
