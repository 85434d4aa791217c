/**
 * The Dhan feed through the whole platform: a local fake Dhan server, the
 * configured source, the processor and GraphQL. Dhan's IV of 0 must not
 * leave an option without ours, and Dhan's quantities in units must come out
 * as contracts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../api/app.ts';
import { openTestDatabase } from './database.ts';
import { scratchDir } from './fixtures.ts';
import { fakeDhanConfig, startFakeDhan, type FakeDhan } from './fakeDhan.ts';
import type { DatabaseHandle } from '../db/client.ts';

let fake: FakeDhan;
let app: App;
let database: DatabaseHandle;
let url: string;

async function graphql(query: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return response.json();
}

beforeAll(async () => {
  fake = await startFakeDhan({ minIntervalMs: 20 });
  database = await openTestDatabase();
  // Two expiries, the later one checked: within a day of the nearest, our IV and the fake's drift apart with their time conventions.
  const config = fakeDhanConfig(fake, { EXPIRIES_PER_SYMBOL: '2', DATA_DIR: scratchDir('dhan-platform') });
  app = await buildApp(config, { database });
  ({ url } = await app.start(0));
});

afterAll(async () => {
  await app?.stop();
  await database?.close();
  await fake?.close();
});

describe('the Dhan source through the platform', () => {
  it('serves Dhan chains with our own IV and Greeks, Dhan’s kept beside them', async () => {
    const deadline = Date.now() + 15_000;
    let chain: any;
    while (!chain && Date.now() < deadline) {
      const expiries = (await graphql('{ expiries(symbol: "NIFTY") }')).data.expiries as string[];
      // Never the nearest within a day of its expiry (15:30 IST = 10:00 UTC), even before the later one is stored.
      const checkable = expiries.filter((expiry) => Date.parse(`${expiry}T10:00:00Z`) - Date.now() > 86_400_000);
      for (const expiry of [...checkable].reverse()) {
        chain ??= (
          await graphql(
            `{ optionChain(symbol: "NIFTY", expiry: "${expiry}") { source spot expiry forwardSource lotSize analytics { totalCallOi totalPutOi }
               rows { strike call { ltp iv delta sourceIv oi bidQty } put { ltp iv sourceIv oi } } } }`,
          )
        ).data.optionChain;
      }
      if (!chain) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(chain).toBeTruthy();
    expect(chain.source).toBe('dhan');
    const priced = chain.rows.flatMap((r: any) => [r.call, r.put]).filter((q: any) => q && q.iv !== null);
    expect(priced.length).toBeGreaterThan(5);
    // Where Dhan sent IV 0 (null here), we still solved our own.
    const vendorMissing = priced.filter((q: any) => q.sourceIv === null);
    expect(vendorMissing.length).toBeGreaterThan(0);
    for (const q of priced.filter((q: any) => q.sourceIv !== null)) expect(Math.abs(q.iv - q.sourceIv)).toBeLessThan(0.02);
    expect(app.services.source!.status().state).toBe('running');

    // OI in contracts: the fake sends units, whole lots of 65 (OI does not change between its payloads).
    expect(chain.lotSize).toBe(65);
    const served = fake.requests.find((r) => r.endpoint === 'optionchain' && r.status === 200 && (r.body as { Expiry: string }).Expiry === chain.expiry)!;
    const sent = JSON.parse(served.responseText!).data.oc;
    let callOiUnits = 0;
    for (const row of chain.rows) {
      const entry = sent[row.strike.toFixed(6)];
      if (row.call) {
        expect(row.call.oi).toBe(entry.ce.oi / 65);
        expect(row.call.bidQty).toBe(entry.ce.top_bid_quantity);
        callOiUnits += entry.ce.oi;
      }
      if (row.put) expect(row.put.oi).toBe(entry.pe.oi / 65);
    }
    expect(chain.analytics.totalCallOi).toBe(callOiUnits / 65);
  });
});
