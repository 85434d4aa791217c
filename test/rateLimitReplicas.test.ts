/**
 * Per-tier rate limits across two API replicas on one Redis: a signed-in
 * client sending twice its plan's limit, alternating between the replicas
 * and several calls at a time, gets its limit's worth through in all (within
 * 5 %; the count is atomic in Redis, so exactly) and RATE_LIMITED with
 * Retry-After for the rest; likewise for its plan's cost budget. Runs where
 * REDIS_URL names a server (CI does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { generateSigningJwk } from '../core/auth/tokens.ts';
import { InProcessBus } from '../pipeline/bus.ts';
import { setUserRole } from '../db/queries/users.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import type { DatabaseHandle } from '../db/client.ts';

const LIMIT = 100;
/** The pro plan's cost budget: 100 operations of cost 11 ({ symbols { symbol } }). */
const COST_BUDGET = 1_100;

describe.skipIf(!process.env.REDIS_URL)('rate limits across API replicas on one Redis', () => {
  let database: DatabaseHandle;
  let replicas: App[] = [];
  let urls: string[] = [];

  beforeAll(async () => {
    database = await openTestDatabase();
    const common = {
      REDIS_URL: process.env.REDIS_URL,
      ROLE: 'api',
      SYMBOLS: 'NIFTY',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      ALLOW_ANONYMOUS: 'false',
      AUTH_SCRYPT_LOG_N: '12',
      // One key set for both, as every replica of a deployment shares it.
      AUTH_JWT_KEYS: JSON.stringify([await generateSigningJwk()]),
      AUTH_PLANS: JSON.stringify({ free: { requestsPerWindow: LIMIT }, pro: { costPerWindow: COST_BUDGET } }),
      RATE_LIMIT_WINDOW_SECONDS: '60',
    };
    replicas = [
      await buildApp(loadConfig({ ...common, DATA_DIR: scratchDir('ratelimit-a') }), { database, bus: new InProcessBus() }),
      await buildApp(loadConfig({ ...common, DATA_DIR: scratchDir('ratelimit-b') }), { database, bus: new InProcessBus() }),
    ];
    urls = [];
    for (const replica of replicas) urls.push((await replica.start(0)).url);
  });

  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await database?.close();
  });

  const post = (url: string, query: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

  it(`holds a free client sending ${2 * LIMIT} calls, alternating replicas, to ${LIMIT} ± 5 %`, async () => {
    const registered = (await (await post(urls[0], `mutation { register(email: "busy-${Date.now()}@example.com", password: "a long passphrase") { accessToken } }`)).json()) as any;
    const headers = { authorization: `Bearer ${registered.data.register.accessToken}` };
    const statuses: number[] = [];
    const retryAfter = new Set<string | null>();
    for (let batch = 0; batch < (2 * LIMIT) / 10; batch++) {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(urls[i % 2], '{ symbols { symbol } }', headers)));
      for (const response of responses) {
        statuses.push(response.status);
        if (response.status === 429) retryAfter.add(response.headers.get('retry-after'));
        await response.arrayBuffer();
      }
    }
    const admitted = statuses.filter((s) => s === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(LIMIT * 0.95);
    expect(admitted).toBeLessThanOrEqual(LIMIT * 1.05);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2 * LIMIT - admitted);
    expect([...retryAfter]).toEqual(['60']);
    console.log(`rate limit across 2 replicas: ${admitted} of ${2 * LIMIT} calls admitted at a limit of ${LIMIT}`);
  });

  it(`holds a pro client sending ${2 * LIMIT} operations of cost 11, alternating replicas, to its cost budget of ${COST_BUDGET} ± 5 %`, async () => {
    const registered = (await (await post(urls[0], `mutation { register(email: "costly-${Date.now()}@example.com", password: "a long passphrase") { refreshToken user { id } } }`)).json()) as any;
    await setUserRole(database.db, registered.data.register.user.id, 'pro');
    const refreshed = (await (await post(urls[1], `mutation { refreshSession(refreshToken: "${registered.data.register.refreshToken}") { accessToken user { role } } }`)).json()) as any;
    expect(refreshed.data.refreshSession.user.role).toBe('PRO');
    const headers = { authorization: `Bearer ${refreshed.data.refreshSession.accessToken}` };
    const refusals: any[] = [];
    let admitted = 0;
    for (let batch = 0; batch < (2 * LIMIT) / 10; batch++) {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => post(urls[i % 2], '{ symbols { symbol } }', headers)));
      for (const response of responses) {
        const body = (await response.json()) as any;
        if (response.status === 200) admitted++;
        else refusals.push({ status: response.status, retryAfter: Number(response.headers.get('retry-after')), extensions: body.errors?.[0]?.extensions });
      }
    }
    const expected = COST_BUDGET / 11;
    expect(admitted).toBeGreaterThanOrEqual(expected * 0.95);
    expect(admitted).toBeLessThanOrEqual(expected * 1.05);
    expect(refusals).toHaveLength(2 * LIMIT - admitted);
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ status: 429, extensions: { code: 'RATE_LIMITED', reason: 'cost', cost: 11, remaining: COST_BUDGET - 11 * admitted, limit: COST_BUDGET } });
      expect(refusal.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refusal.retryAfter).toBeLessThanOrEqual(60);
    }
    console.log(`cost budget across 2 replicas: ${admitted} of ${2 * LIMIT} operations of cost 11 admitted at a budget of ${COST_BUDGET}`);
  });
});
