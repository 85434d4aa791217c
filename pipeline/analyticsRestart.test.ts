/**
 * Restart continuity of the analytics role: a role that stops mid-session
 * and starts again, rebuilding its state from the stored snapshots
 * (db/queries/sessionSnapshots.ts), publishes exactly the messages a role
 * that never stopped publishes for the rest of the session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../test/database.ts';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { planSessionReplay, sessionSnapshots, storedSessionHistory } from '../db/queries/sessionSnapshots.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { istDate } from '../core/time/expiry.ts';
import { InProcessBus, TOPICS } from './bus.ts';
import { startAnalytics, type AnalyticsOptions, type RebuildProgress } from './analytics.ts';

/** Two symbols, two expiries each, a snapshot a minute from 10:30 IST: 4 chains × 50 minutes. */
const snapshots = simulatedEnrichedSnapshots(50, { symbols: ['NIFTY', 'BANKNIFTY'], expiriesPerSymbol: 2, strikesEachSide: 8, seed: 11 });
/** The restart falls after minute 30 of 50. */
const cut = snapshots.findIndex((s) => s.timestamp >= snapshots[0].timestamp + 30 * 60_000);

/** Per symbol the replay keeps the publish order; across symbols it goes by name (each symbol's state is its own). */
const replayOrder = (list: EnrichedSnapshot[]) =>
  [...list].sort((a, b) => a.timestamp - b.timestamp || a.symbol.localeCompare(b.symbol) || a.expiry.localeCompare(b.expiry)).map((s) => s.id);

/** The messages a role publishes for `live`, after starting with `options` (a rebuild or none). */
async function run(live: EnrichedSnapshot[], options: AnalyticsOptions = {}): Promise<AnalyticsMessage[]> {
  const bus = new InProcessBus();
  const published: AnalyticsMessage[] = [];
  await bus.subscribe<AnalyticsMessage>(TOPICS.analytics, 'test', (m) => void published.push(m.value));
  const role = await startAnalytics(bus, options);
  for (const snapshot of live) await bus.publish(TOPICS.enriched, snapshot.symbol, snapshot);
  await bus.drain();
  await role.stop();
  await bus.close();
  return published;
}

describe('analytics role restart', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await openTestDatabase();
    // What the storage role had stored when the role stopped.
    await database.write(snapshots.slice(0, cut));
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  it('publishes after a mid-session restart exactly what an uninterrupted role publishes', async () => {
    const uninterrupted = await run(snapshots);
    const progress: { progress: RebuildProgress; done: boolean }[] = [];
    const restarted = await run(snapshots.slice(cut), {
      rebuild: { history: storedSessionHistory(database.db, 7), maxSnapshots: 10_000, progressEvery: 50, onProgress: (p, done) => progress.push({ progress: p, done }) },
    });
    const tail = uninterrupted.filter((m) => m.timestamp >= snapshots[cut].timestamp);
    expect(restarted.length).toBe(snapshots.length - cut);
    expect(restarted).toEqual(tail);
    // Events too (the comparison above includes them); the tail has some, so the check is not vacuous.
    expect(tail.flatMap((m) => m.events).length).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual({ progress: expect.objectContaining({ sessionDate: istDate(snapshots[0].timestamp), replayed: cut, total: cut, leftOut: 0, etaSeconds: 0 }), done: true });
    expect(progress.filter((p) => !p.done).map((p) => p.progress.replayed)).toEqual([50, 100]);
  });

  it('differs without the rebuild (the comparison above can fail)', async () => {
    const uninterrupted = await run(snapshots);
    const fresh = await run(snapshots.slice(cut));
    const tail = uninterrupted.filter((m) => m.timestamp >= snapshots[cut].timestamp);
    expect(fresh).not.toEqual(tail);
  });

  it('replays the stored session in the order it was published, with every option row', async () => {
    const plan = await planSessionReplay(database.db, istDate(snapshots[0].timestamp), 10_000);
    expect(plan).toMatchObject({ stored: cut, replayed: cut });
    const replayed: EnrichedSnapshot[] = [];
    for await (const page of sessionSnapshots(database.db, plan, 9)) replayed.push(...page);
    expect(replayed.map((s) => s.id)).toEqual(replayOrder(snapshots.slice(0, cut)));
    const byId = new Map(snapshots.map((s) => [s.id, s]));
    for (const s of replayed) expect(s.rows, s.id).toEqual(byId.get(s.id)!.rows);
  });

  it('bounds the replay to the latest snapshots of the session', async () => {
    const plan = await planSessionReplay(database.db, istDate(snapshots[0].timestamp), 10);
    // Four chains share each instant, so the bound takes whole instants: 12 snapshots, the last three minutes.
    expect(plan.stored).toBe(cut);
    expect(plan.replayed).toBe(12);
    const replayed: EnrichedSnapshot[] = [];
    for await (const page of sessionSnapshots(database.db, plan)) replayed.push(...page);
    expect(replayed.map((s) => s.id)).toEqual(replayOrder(snapshots.slice(cut - 12, cut)));
  });
});
