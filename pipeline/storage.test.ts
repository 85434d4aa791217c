import { afterEach, describe, expect, it } from 'vitest';
import { InProcessBus, TOPICS, type DeadLetter } from './bus.ts';
import { isConnectionError, startStorage, type StorageOptions } from './storage.ts';
import { Spool } from './spool.ts';
import { ENRICHED_SNAPSHOT_VERSION, type EnrichedSnapshot } from '../core/models.ts';
import { scratchDir, simulatedEnrichedSnapshots as snapshots } from '../test/fixtures.ts';
import { waitFor } from '../test/support/waitFor.ts';

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
      { retryDelayMs: 5, maxRetryDelayMs: 20, maxQueuedBytes: 1 },
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
    await bus.publish(TOPICS.enriched, 'NIFTY', { version: ENRICHED_SNAPSHOT_VERSION, id: 'broken' });
    await bus.drain();
    expect(stored.sort()).toEqual(all.filter((s) => s.id !== poison).map((s) => s.id).sort());
    expect(deadLetters.map((d) => d.reason)).toEqual([expect.stringMatching(/out of range/), expect.stringMatching(/invalid enriched snapshot/)]);
    await role.stop();
    await bus.close();
  });

  describe('with a spool (the in-process bus)', () => {
    const openSpool = (dir = scratchDir('storage-spool'), maxBytes = 1 << 30) => Spool.open<EnrichedSnapshot>({ dir, maxBytes });
    const cleanups: (() => Promise<unknown>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    /** A database stand-in: refuses connections while `down`, never answers while `blackholed`, else keeps the ids. */
    function fakeDatabase() {
      const database = {
        down: false,
        blackholed: false,
        stored: [] as string[],
        write: (batch: EnrichedSnapshot[]) => {
          if (database.blackholed) return new Promise<never>(() => {});
          if (database.down) return Promise.reject(refused());
          for (const s of batch) database.stored.push(s.id);
          return Promise.resolve({ snapshots: batch.length, quotes: 0 });
        },
      };
      return database;
    }

    /** A bus, a spool and the storage role on them, closed after the test. */
    async function storageWith(database: ReturnType<typeof fakeDatabase>, options: StorageOptions & { spoolDir?: string; spoolMaxBytes?: number } = {}) {
      const bus = new InProcessBus();
      const spool = await openSpool(options.spoolDir, options.spoolMaxBytes);
      const role = await startStorage(bus, database.write, { retryDelayMs: 5, maxRetryDelayMs: 20, ...options, spool });
      cleanups.push(
        () => role.stop(),
        () => bus.close(),
        () => spool.close(),
      );
      return { bus, spool, role };
    }

    /** Waits, polling every 5 ms, until `condition()` holds. */
    const until = (condition: () => boolean, what: string) => waitFor(() => condition() || undefined, what, 10_000, 5);

    it('spools while the database is down without holding the source back, then stores everything in order', async () => {
      const database = fakeDatabase();
      database.down = true;
      const marked: string[] = [];
      const { bus, spool, role } = await storageWith(database, { maxQueuedBytes: 1, onStored: (batch) => void marked.push(...batch.map((s) => s.id)) });
      const all = snapshots(21);
      // With a one-byte queue, publishing returns only as the role takes each snapshot: it does, into the spool.
      for (const s of all.slice(0, 20)) await bus.publish(TOPICS.enriched, s.symbol, s);
      await bus.drain();
      expect(database.stored).toEqual([]);
      expect(role.stats.spooled).toBe(20);
      expect(role.stats.lastError).toMatch(/database unavailable.*ECONNREFUSED.*spool/);
      expect(spool.isEmpty).toBe(false);
      database.down = false;
      await until(() => spool.isEmpty && role.stats.lastError === null, 'the spool to be replayed');
      expect(database.stored).toEqual(all.slice(0, 20).map((s) => s.id));
      // Marked as seen only once stored.
      expect(marked).toEqual(database.stored);
      expect(role.stats).toMatchObject({ snapshotsWritten: 20, replayed: 20, outageSince: null });
      // Back to direct writes.
      await bus.publish(TOPICS.enriched, all[20].symbol, all[20]);
      await bus.drain();
      expect(database.stored.at(-1)).toBe(all[20].id);
      expect(role.stats.replayed).toBe(20);
    });

    it('replays what an earlier process spooled before anything new', async () => {
      const spoolDir = scratchDir('storage-spool');
      const all = snapshots(6);
      const earlier = await openSpool(spoolDir);
      await earlier.append(all.slice(0, 4));
      await earlier.close();
      const database = fakeDatabase();
      const { bus, spool } = await storageWith(database, { spoolDir });
      for (const s of all.slice(4)) await bus.publish(TOPICS.enriched, s.symbol, s);
      await bus.drain();
      await until(() => spool.isEmpty, 'the spool to be replayed');
      expect(database.stored).toEqual(all.map((s) => s.id));
    });

    it('treats a write that never finishes as an outage (a blackholed server)', async () => {
      const database = fakeDatabase();
      database.blackholed = true;
      const { bus, spool, role } = await storageWith(database, { writeTimeoutMs: 50 });
      for (const s of snapshots(3)) await bus.publish(TOPICS.enriched, s.symbol, s);
      await bus.drain();
      expect(role.stats.lastError).toMatch(/did not finish within 50 ms/);
      database.blackholed = false;
      await until(() => spool.isEmpty && database.stored.length === 3, 'the spool to be replayed');
    });

    it('holds the source back when the spool is full, and loses nothing', async () => {
      const all = snapshots(10);
      const database = fakeDatabase();
      database.down = true;
      const { bus, spool, role } = await storageWith(database, { maxQueuedBytes: 1, maxBatch: 1, maxRetryDelayMs: 10, spoolMaxBytes: JSON.stringify(all[0]).length * 3 });
      let published = 0;
      const publishing = (async () => {
        for (const s of all) {
          await bus.publish(TOPICS.enriched, s.symbol, s);
          published++;
        }
      })();
      await until(() => /spool is full/.test(role.stats.lastError ?? ''), 'the spool to fill');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(published).toBeLessThan(10);
      database.down = false;
      await publishing;
      await bus.drain();
      await until(() => spool.isEmpty && database.stored.length === 10, 'everything to be stored');
      expect(database.stored).toEqual(all.map((s) => s.id));
    });

    it('sends the batch waiting on the database to the spool when shutdown cannot wait any longer', async () => {
      const database = fakeDatabase();
      database.blackholed = true;
      const { bus, spool, role } = await storageWith(database, { writeTimeoutMs: 60_000 });
      const all = snapshots(3);
      for (const s of all) await bus.publish(TOPICS.enriched, s.symbol, s);
      await new Promise((resolve) => setTimeout(resolve, 20));
      role.spoolOnly();
      await bus.drain();
      expect(role.stats.spooled).toBe(3);
      const oldest = await spool.oldest();
      expect(oldest?.records.map((s) => s.id)).toEqual(all.map((s) => s.id));
    });

    it('writes straight to the database when the disk refuses the spool, and loses nothing', async () => {
      const database = fakeDatabase();
      database.down = true;
      const { bus, spool, role } = await storageWith(database, { maxRetryDelayMs: 10 });
      spool.append = async () => {
        throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
      };
      const all = snapshots(3);
      const publishing = (async () => {
        for (const s of all) await bus.publish(TOPICS.enriched, s.symbol, s);
      })();
      await until(() => /spool unavailable \(EIO/.test(role.stats.lastError ?? ''), 'the spool to fail');
      database.down = false;
      await publishing;
      await bus.drain();
      expect(database.stored).toEqual(all.map((s) => s.id));
    });
  });
});
