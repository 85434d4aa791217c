/**
 * Per-tier rate limits across two API replicas on one Redis: a signed-in
 * client sending twice its plan's limit, alternating between the replicas
 * and several calls at a time, gets its limit's worth through in all (within
 * 5 %; the count is atomic in Redis, so exactly) and RATE_LIMITED with
 * Retry-After for the rest. Runs where REDIS_URL names a server (CI does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { loadConfig } from '../core/config.ts';
import { generateSigningJwk } from '../core/auth/tokens.ts';
import { InProcessBus } from '../pipeline/bus.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import type { DatabaseHandle } from '../db/client.ts';

const LIMIT = 100;

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
      AUTH_PLANS: JSON.stringify({ free: { requestsPerWindow: LIMIT } }),
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
});
