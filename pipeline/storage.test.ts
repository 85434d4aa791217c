import { describe, expect, it } from 'vitest';
import { InProcessBus, TOPICS, type DeadLetter } from './bus.ts';
import { isConnectionError, startStorage } from './storage.ts';
import { simulatedEnrichedSnapshots as snapshots } from '../test/fixtures.ts';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

describe('the storage role', () => {
  it('tells a connection failure from bad data', () => {
    expect(isConnectionError(refused())).toBe(true);
    expect(isConnectionError({ code: '08006' })).toBe(true);
    expect(isConnectionError({ code: '57P01' })).toBe(true);
    expect(isConnectionError({ code: '23505' })).toBe(false);
    expect(isConnectionError(new Error('syntax'))).toBe(false);
  });

  it('keeps retrying while the database is down, reports why, and loses nothing when it returns', async () => {
    const bus = new InProcessBus();
    const stored: string[] = [];
    let down = true;
    const role = await startStorage(
      bus,
      async (batch) => {
        if (down) throw refused();
        for (const s of batch) stored.push(s.id);
        return { snapshots: batch.length, quotes: 0 };
      },
      { retryDelayMs: 5, maxRetryDelayMs: 20, maxBuffered: 5 },
    );
    const all = snapshots(12);
    const publishing = (async () => {
      for (const s of all) await bus.publish(TOPICS.enriched, s.symbol, s);
    })();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(role.stats.lastError).toMatch(/database unavailable.*ECONNREFUSED/);
    expect(role.stats.retries).toBeGreaterThan(1);
    expect(stored).toEqual([]);
    down = false;
    await publishing;
    await bus.drain();
    expect(stored).toEqual(all.map((s) => s.id));
    expect(role.stats.lastError).toBeNull();
    expect(role.stats.snapshotsWritten).toBe(12);
    await role.stop();
    await bus.close();
  });

  it('dead-letters only the snapshot the database rejects, and a malformed message, with their reasons', async () => {
    const bus = new InProcessBus();
    const deadLetters: DeadLetter[] = [];
    bus.onDeadLetter((d) => deadLetters.push(d));
    const stored: string[] = [];
    const all = snapshots(4);
    const poison = all[2].id;
    const role = await startStorage(bus, async (batch) => {
      if (batch.some((s) => s.id === poison)) throw Object.assign(new Error('value out of range'), { code: '22003' });
      for (const s of batch) stored.push(s.id);
      return { snapshots: batch.length, quotes: 0 };
    });
    for (const s of all) await bus.publish(TOPICS.enriched, s.symbol, s);
    await bus.publish(TOPICS.enriched, 'NIFTY', { version: 1, id: 'broken' });
    await bus.drain();
    expect(stored.sort()).toEqual(all.filter((s) => s.id !== poison).map((s) => s.id).sort());
    expect(deadLetters.map((d) => d.reason)).toEqual([expect.stringMatching(/out of range/), expect.stringMatching(/invalid enriched snapshot/)]);
    await role.stop();
    await bus.close();
  });
});
