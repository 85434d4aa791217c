/**
 * Readiness follows what the source really produces (regression: with
 * Dhan's documented expiry list, dates long past, the source polled nothing
 * and /readyz still said ready): against the fake Dhan server, a source
 * that has produced nothing usable for SOURCE_STALE_SECONDS makes /readyz
 * answer 503 with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { FAKE_DHAN_UNDERLYINGS, fakeDhanConfig, startFakeDhan, type FakeDhan } from './fakeDhan.ts';
import { scratchDir } from './fixtures.ts';

let fake: FakeDhan;
let app: App;
let port: number;

beforeAll(async () => {
  // The expiry list of Dhan's documentation: every date in the past.
  fake = await startFakeDhan({ minIntervalMs: 20, underlyings: [{ ...FAKE_DHAN_UNDERLYINGS[0], expiries: ['2024-10-17', '2024-10-24', '2024-10-31'] }] });
  const config = fakeDhanConfig(fake, { SOURCE_STALE_SECONDS: '5', DATA_DIR: scratchDir('dhan-readiness') });
  app = await buildApp(config);
  ({ port } = await app.start(0));
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

describe('readiness with a source that produces nothing', () => {
  it('turns false, saying why, once the source has produced nothing usable for SOURCE_STALE_SECONDS', async () => {
    const readyz = async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz?details`);
      return { status: response.status, body: (await response.json()) as { problems: string[]; details: { problems: string[] } } };
    };
    expect((await readyz()).status).toBe(200);
    const deadline = Date.now() + 15_000;
    let last = await readyz();
    while (last.status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      last = await readyz();
    }
    expect(last.status).toBe(503);
    expect(last.body.problems).toEqual([expect.stringMatching(/^source dhan: nothing usable for \d+ s$/)]);
    expect(last.body.details.problems[0]).toMatch(/SOURCE_STALE_SECONDS=5/);
  }, 30_000);
});
