/**
 * PostgreSQL unavailable for a while, for real: the storage role writes
 * through a TCP proxy that this test cuts (dropping live connections and
 * refusing new ones) and restores. Every snapshot published meanwhile must be
 * stored once PostgreSQL is back. Runs where DATABASE_URL names a server (CI
 * does); the embedded engine cannot go away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { countRows } from '../db/queries/readChain.ts';
import { InProcessBus, TOPICS } from '../pipeline/bus.ts';
import { startStorage } from '../pipeline/storage.ts';
import { simulatedEnrichedSnapshots } from './fixtures.ts';
import { openTestDatabase } from './database.ts';
import { TcpProxy } from './support/tcpProxy.ts';

describe.skipIf(!process.env.DATABASE_URL)('PostgreSQL unavailable for a while', () => {
  let direct: DatabaseHandle;
  let proxied: DatabaseHandle;
  let proxy: TcpProxy;

  beforeAll(async () => {
    direct = await openTestDatabase();
    const url = new URL(direct.location.replace('***', ''));
    proxy = new TcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    await proxy.open();
    url.host = `127.0.0.1:${proxy.port}`;
    proxied = await openDatabase({ url: url.toString(), poolSize: 2 });
  });

  afterAll(async () => {
    await proxied?.close().catch(() => {});
    await proxy?.close();
    await direct?.close();
  });

  it('retries with backoff, reports the outage, and stores everything once the server is back', async () => {
    const all = simulatedEnrichedSnapshots(30, { seed: 4 });
    const bus = new InProcessBus();
    const role = await startStorage(bus, (batch) => proxied.write(batch), { retryDelayMs: 50, maxRetryDelayMs: 200, maxQueuedBytes: 1 });

    for (const s of all.slice(0, 10)) await bus.publish(TOPICS.enriched, s.symbol, s);
    await bus.drain();
    await proxy.refuse();
    const during = (async () => {
      for (const s of all.slice(10)) await bus.publish(TOPICS.enriched, s.symbol, s);
    })();
    const deadline = Date.now() + 10_000;
    while (role.stats.retries === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(role.stats.lastError).toMatch(/database unavailable/);
    await proxy.restore();
    await during;
    await bus.drain();
    expect(role.stats.lastError).toBeNull();
    expect(await countRows(direct.db)).toEqual({ snapshots: 30, quotes: all.reduce((n, s) => n + s.rows.reduce((m, r) => m + (r.call ? 1 : 0) + (r.put ? 1 : 0), 0), 0) });
    await role.stop();
    await bus.close();
  });
});
