import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_START, simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';

/** NIFTY from Monday 23 November 2026 10:30 IST, a snapshot a minute, its two nearest expiries (24 November and 1 December). */
const snapshots = simulatedEnrichedSnapshots(10, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 2 });
const first = snapshots[0].timestamp;
const last = snapshots.at(-1)!.timestamp;
/** Ten minutes after the last snapshot, the Monday. */
const MONDAY = last + 600_000;
/** Wednesday 25 November 2026, 11:30 IST: the 24 November expiry has expired. */
const WEDNESDAY = Date.UTC(2026, 10, 25, 6, 0);

const EXPIRY_LIST = /* GraphQL */ `
  query ($symbol: String!, $includeExpired: Boolean) {
    expiryList(symbol: $symbol, includeExpired: $includeExpired) { date expiresAt hasData firstSnapshotAt lastSnapshotAt }
  }
`;

describe('expiryList and expiries', () => {
  let harness: SchemaHarness;
  beforeAll(async () => {
    expect(first).toBe(FIXTURE_START);
    harness = await openSchemaHarness(snapshots);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('lists the calendar’s next four expiries, marking the two the simulator produced as having data, with their first and last snapshots', async () => {
    const result = await harness.run(harness.context(MONDAY), EXPIRY_LIST, { symbol: 'NIFTY' });
    expect(result.errors).toBeUndefined();
    const stored = (expiry: string) => snapshots.filter((s) => s.expiry === expiry).map((s) => new Date(s.timestamp).toISOString());
    expect(result.data?.expiryList).toEqual([
      { date: '2026-11-24', expiresAt: '2026-11-24T10:00:00.000Z', hasData: true, firstSnapshotAt: stored('2026-11-24')[0], lastSnapshotAt: stored('2026-11-24').at(-1) },
      { date: '2026-12-01', expiresAt: '2026-12-01T10:00:00.000Z', hasData: true, firstSnapshotAt: stored('2026-12-01')[0], lastSnapshotAt: stored('2026-12-01').at(-1) },
      { date: '2026-12-08', expiresAt: '2026-12-08T10:00:00.000Z', hasData: false, firstSnapshotAt: null, lastSnapshotAt: null },
      { date: '2026-12-15', expiresAt: '2026-12-15T10:00:00.000Z', hasData: false, firstSnapshotAt: null, lastSnapshotAt: null },
    ]);
  });

  it('leaves out an expired expiry unless includeExpired, which lists it with its data', async () => {
    const wednesday = harness.context(WEDNESDAY);
    const live = await harness.run(wednesday, EXPIRY_LIST, { symbol: 'NIFTY' });
    expect((live.data?.expiryList as { date: string; hasData: boolean }[]).map((e) => [e.date, e.hasData])).toEqual([
      ['2026-12-01', true],
      ['2026-12-08', false],
      ['2026-12-15', false],
      ['2026-12-22', false],
    ]);
    const all = await harness.run(wednesday, EXPIRY_LIST, { symbol: 'NIFTY', includeExpired: true });
    expect((all.data?.expiryList as { date: string }[]).map((e) => e.date)).toEqual(['2026-11-24', '2026-12-01', '2026-12-08', '2026-12-15', '2026-12-22']);
  });

  it('lists a symbol without data from the calendar alone: SENSEX expires on Thursdays', async () => {
    const result = await harness.run(harness.context(MONDAY), EXPIRY_LIST, { symbol: 'sensex' });
    expect(result.data?.expiryList).toEqual(
      ['2026-11-26', '2026-12-03', '2026-12-10', '2026-12-17'].map((date) => expect.objectContaining({ date, hasData: false, lastSnapshotAt: null })),
    );
  });

  it('keeps the deprecated `expiries` answering the same dates', async () => {
    const result = await harness.run(harness.context(MONDAY), '{ expiries(symbol: "NIFTY") }');
    expect(result.data?.expiries).toEqual(['2026-11-24', '2026-12-01', '2026-12-08', '2026-12-15']);
  });

  it('refuses an unknown symbol with a typed error naming the argument', async () => {
    const result = await harness.run(harness.context(MONDAY), EXPIRY_LIST, { symbol: 'NIFTYY' });
    expect(result.errors?.[0].message).toMatch(/Unknown symbol "NIFTYY"; known symbols: NIFTY, /);
    expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'symbol' });
  });
});
