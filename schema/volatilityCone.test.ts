/**
 * volatilityCone through the schema over a database of simulated chains
 * copied back one day at a time with chosen spots: the session closes are
 * the latest spot of each day of the nearest expiry, the windows the
 * hand-worked realized vols of those closes, and the implied side the term
 * structure at the instant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { FIXTURE_START, simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import type { Context } from './builder.ts';
import type { EnrichedSnapshot } from '../core/models.ts';

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAY = 86_400_000;
const DAYS = 25;
/** Day d (0 the oldest) closes at 24,000 on even days and 26,400 (× 1.1) on odd ones: daily log returns ±ln 1.1. */
const close = (d: number) => (d % 2 === 0 ? 24_000 : 26_400);
const a = Math.log(1.1);
const root = Math.sqrt(252);

/** Two ticks (a minute apart) of two expiries, copied back k = 0 … DAYS − 1 days. */
const base = simulatedEnrichedSnapshots(2, { symbols: ['NIFTY'], expiriesPerSymbol: 2, seed: 4 });
const expiries = [...new Set(base.map((s) => s.expiry))].sort();
const [near] = expiries;
const snapshots: EnrichedSnapshot[] = [];
for (let k = 0; k < DAYS; k++) {
  const d = DAYS - 1 - k;
  for (const s of base) {
    const last = s.timestamp > FIXTURE_START;
    // The day's first tick is a decoy (the close is the day's latest spot); the far expiry's spot differs (the nearest expiry's is taken);
    // on the oldest day only the far expiry is stored (its spot is then the close).
    if (d === 0 && s.expiry === near) continue;
    const spot = !last ? 30_000 : s.expiry === near || d === 0 ? close(d) : close(d) + 5;
    snapshots.push({ ...s, id: `${s.id}-${k}`, timestamp: s.timestamp - k * DAY, processedAt: s.processedAt - k * DAY, spot });
  }
}
const NOW = FIXTURE_START + 120_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('the volatility cone', () => {
  let harness: SchemaHarness;
  let context: Context;
  const run = (query: string, variables: Record<string, unknown> = {}) => harness.run(context, query, variables);
  const cone = async (args: string, variables: Record<string, unknown> = {}): Promise<Data> => {
    const result = await run(
      `query($at: DateTime) { volatilityCone(symbol: "NIFTY", at: $at${args}) {
        sessions sessionsPerYear closes { session spot } windows { sessions samples current min median max }
        impliedTerm { expiry daysToExpiry sessionsToExpiry atmIv } } }`,
      variables,
    );
    expect(result.errors).toBeUndefined();
    return (result.data as Data).volatilityCone;
  };

  beforeAll(async () => {
    harness = await openSchemaHarness(snapshots);
    context = harness.context(NOW);
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('reads one close per stored day, the latest spot of the nearest expiry, and the hand-worked realized vols of ±ln 1.1 returns', async () => {
    const result = await cone('');
    expect(result.sessions).toBe(DAYS);
    expect(result.sessionsPerYear).toBe(252);
    expect(result.closes.map((c: Data) => c.spot)).toEqual(Array.from({ length: DAYS }, (_, d) => close(d)));
    expect(result.closes.map((c: Data) => c.session)).toEqual(Array.from({ length: DAYS }, (_, d) => iso(Date.UTC(2026, 10, 23) - (DAYS - 1 - d) * DAY)));
    const [five, ten, twenty, forty, sixty] = result.windows;
    expect([five, ten, twenty, forty, sixty].map((w: Data) => [w.sessions, w.samples])).toEqual([[5, 20], [10, 15], [20, 5], [40, 0], [60, 0]]);
    // Five returns alternating ±a: Σ (r − r̄)² / 4 = 1.2a²; an even window of N: N·a² / (N − 1).
    for (const v of [five.current, five.min, five.median, five.max]) expect(v).toBeCloseTo(a * Math.sqrt(1.2) * root, 12);
    for (const v of [ten.current, ten.min, ten.median, ten.max]) expect(v).toBeCloseTo(a * Math.sqrt(10 / 9) * root, 12);
    expect(twenty.current).toBeCloseTo(a * Math.sqrt(20 / 19) * root, 12);
    for (const w of [forty, sixty]) expect([w.current, w.min, w.median, w.max]).toEqual([null, null, null, null]);
  });

  it('sets the ATM IV of every expiry termStructure answers beside it, by its days and sessions to expiry', async () => {
    const result = await cone('');
    const term = ((await run(`{ termStructure(symbol: "NIFTY") { expiry atmIv timeToExpiryYears } }`)).data as Data).termStructure;
    expect(result.impliedTerm.map((p: Data) => [p.expiry, p.atmIv])).toEqual(term.map((p: Data) => [p.expiry, p.atmIv]));
    result.impliedTerm.forEach((p: Data, i: number) => {
      expect(p.daysToExpiry).toBeCloseTo(term[i].timeToExpiryYears * 365, 9);
      expect(p.sessionsToExpiry).toBeCloseTo(term[i].timeToExpiryYears * 252, 9);
    });
    expect(result.impliedTerm[0].atmIv).toBeGreaterThan(0);
  });

  it('counts only the closes up to `at` and within `historyDays`', async () => {
    const earlier = await cone('', { at: iso(NOW - 10 * DAY) });
    expect(earlier.sessions).toBe(DAYS - 10);
    expect(earlier.closes.at(-1).spot).toBe(close(DAYS - 11));
    expect(earlier.windows.map((w: Data) => w.samples)).toEqual([10, 5, 0, 0, 0]);
    const week = await cone(', historyDays: 7');
    expect(week.sessions).toBe(7);
    expect(week.windows.map((w: Data) => w.samples)).toEqual([2, 0, 0, 0, 0]);
  });

  it.each([
    ['a historyDays of 0', `{ volatilityCone(symbol: "NIFTY", historyDays: 0) { sessions } }`, 'BAD_USER_INPUT', 'historyDays'],
    ['a historyDays over 1000', `{ volatilityCone(symbol: "NIFTY", historyDays: 1001) { sessions } }`, 'BAD_USER_INPUT', 'historyDays'],
    ['an unknown symbol', `{ volatilityCone(symbol: "NOPE") { sessions } }`, 'BAD_USER_INPUT', 'symbol'],
    ['an at in the future', `{ volatilityCone(symbol: "NIFTY", at: "${iso(NOW + 3_600_000)}") { sessions } }`, 'BAD_USER_INPUT', 'at'],
    ['an at before any snapshot', `{ volatilityCone(symbol: "NIFTY", at: "${iso(FIXTURE_START - DAYS * DAY)}") { sessions } }`, 'NO_DATA', 'at'],
  ])('refuses %s with a typed error naming the argument', async (_name, query, code, argument) => {
    const result = await run(query);
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0].extensions).toMatchObject({ code, argument });
  });
});
