import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { simulatedEnrichedSnapshots } from '../test/fixtures.ts';
import { openSchemaHarness, type SchemaHarness } from '../test/schemaContext.ts';
import { chainTopicKey } from './chain.ts';

/** NIFTY from Monday 23 November 2026 10:30 IST, a snapshot a minute, its two nearest expiries. */
const snapshots = simulatedEnrichedSnapshots(10, { symbols: ['NIFTY'], expiriesPerSymbol: 2, strikesEachSide: 2 });
const [NEAR, NEXT] = ['2026-11-24', '2026-12-01'];
const of = (expiry: string) => snapshots.filter((s) => s.expiry === expiry);
const iso = (ms: number) => new Date(ms).toISOString();
const MONDAY = snapshots.at(-1)!.timestamp + 600_000;
// A side whose feed sent no previous close (a strike listed today).
of(NEAR)[3].rows[0].call!.previousClose = null;

const CHAIN = /* GraphQL */ `
  query ($symbol: String!, $expiry: Date, $at: DateTime) {
    optionChain(symbol: $symbol, expiry: $expiry, at: $at) { symbol expiry timestamp }
  }
`;
const UPDATES = /* GraphQL */ `
  subscription ($symbol: String!, $expiry: Date) { chainUpdated(symbol: $symbol, expiry: $expiry) { symbol expiry timestamp } }
`;

let harness: SchemaHarness;
beforeAll(async () => {
  harness = await openSchemaHarness(snapshots);
});
afterAll(async () => {
  await harness?.close();
});

describe('optionChain', () => {
  const run = (variables: Record<string, unknown>, now = MONDAY) => harness.run(harness.context(now), CHAIN, { symbol: 'NIFTY', ...variables });

  it('answers the nearest expiry with data when `expiry` is omitted, and says which', async () => {
    const result = await run({});
    expect(result.errors).toBeUndefined();
    expect(result.data?.optionChain).toEqual({ symbol: 'NIFTY', expiry: NEAR, timestamp: iso(of(NEAR).at(-1)!.timestamp) });
  });

  it('with `at` and no `expiry`, answers the nearest expiry live then with a snapshot at or before it', async () => {
    const at = of(NEAR)[3].timestamp + 1;
    expect((await run({ at: iso(at) })).data?.optionChain).toEqual({ symbol: 'NIFTY', expiry: NEAR, timestamp: iso(of(NEAR)[3].timestamp) });
    // On Tuesday 24 November after 15:30 IST the nearest has expired: the next one answers.
    const afterExpiry = Date.UTC(2026, 10, 24, 10, 30);
    expect((await run({ at: iso(afterExpiry) }, afterExpiry)).data?.optionChain).toMatchObject({ expiry: NEXT, timestamp: iso(of(NEXT).at(-1)!.timestamp) });
  });

  it('answers a given expiry at or before `at`', async () => {
    const result = await run({ expiry: NEXT, at: iso(of(NEXT)[2].timestamp) });
    expect(result.data?.optionChain).toEqual({ symbol: 'NIFTY', expiry: NEXT, timestamp: iso(of(NEXT)[2].timestamp) });
  });

  it("answers each side's previous close and its change since it (index points and percent), at an instant too; null when the close is unknown", async () => {
    const stored = of(NEAR)[3];
    const side = 'ltp previousClose change changePercent';
    const result = await harness.run(
      harness.context(MONDAY),
      `query ($at: DateTime) { optionChain(symbol: "NIFTY", expiry: "${NEAR}", at: $at) { rows { strike call { ${side} } put { ${side} } } } }`,
      { at: iso(stored.timestamp) },
    );
    expect(result.errors).toBeUndefined();
    const expected = (q: { ltp: number | null; previousClose: number | null } | null) =>
      q && {
        ltp: q.ltp,
        previousClose: q.previousClose,
        change: q.ltp != null && q.previousClose != null ? q.ltp - q.previousClose : null,
        changePercent: q.ltp != null && q.previousClose != null ? (100 * (q.ltp - q.previousClose)) / q.previousClose : null,
      };
    const rows = (result.data?.optionChain as { rows: unknown[] }).rows;
    expect(rows).toEqual(stored.rows.map((r) => ({ strike: r.strike, call: expected(r.call), put: expected(r.put) })));
    expect(rows[0]).toMatchObject({ call: { previousClose: null, change: null, changePercent: null } });
    // The simulator's sides all have a close, and most moved since it.
    const puts = stored.rows.map((r) => r.put!);
    expect(puts.every((q) => q.previousClose! > 0)).toBe(true);
    expect(puts.some((q) => q.ltp !== q.previousClose)).toBe(true);
  });

  it('says NO_DATA for an upcoming expiry the source has not produced, listing the expiries with data (regression: a silent null)', async () => {
    const result = await run({ expiry: '2026-12-08' });
    expect(result.data?.optionChain).toBeNull();
    expect(result.errors?.[0].message).toBe(
      'No chain is stored for NIFTY expiry 2026-12-08: the source has not produced it yet; expiries of NIFTY with data: 2026-11-24, 2026-12-01; upcoming without data yet: 2026-12-08, 2026-12-15 (see expiryList)',
    );
    expect(result.errors?.[0].extensions).toEqual({ code: 'NO_DATA', argument: 'expiry', expiriesWithData: [NEAR, NEXT] });
  });

  it('says why a date that is no expiry, or an expiry long past, has no chain', async () => {
    const wednesday = await run({ expiry: '2026-11-25' });
    expect(wednesday.errors?.[0].message).toMatch(/^No chain is stored for NIFTY expiry 2026-11-25: it is not one of the next 4 expiries in the NIFTY calendar, and no chain of it is stored; expiries of NIFTY with data: 2026-11-24, 2026-12-01;/);
    const past = await run({ expiry: '2026-11-24' }, Date.UTC(2027, 0, 5, 6));
    expect(past.data?.optionChain).toMatchObject({ expiry: NEAR });
    const neverStored = await run({ expiry: '2026-11-17' });
    expect(neverStored.errors?.[0].message).toMatch(/^No chain is stored for NIFTY expiry 2026-11-17: it expired at 15:30 IST on 2026-11-17; /);
    expect(neverStored.errors?.[0].extensions).toMatchObject({ code: 'NO_DATA', argument: 'expiry' });
  });

  it('says NO_DATA naming `at` when the expiry has data but none that early', async () => {
    const result = await run({ expiry: NEXT, at: iso(of(NEXT)[0].timestamp - 1) });
    expect(result.errors?.[0].message).toBe(`No NIFTY ${NEXT} chain is stored at or before ${iso(of(NEXT)[0].timestamp - 1)}: the first is from ${iso(of(NEXT)[0].timestamp)}`);
    expect(result.errors?.[0].extensions).toEqual({ code: 'NO_DATA', argument: 'at', expiriesWithData: [NEAR, NEXT] });
    const expired = await run({ expiry: NEAR, at: iso(of(NEAR)[0].timestamp - 1) }, Date.UTC(2027, 0, 5, 6));
    expect(expired.errors?.[0].message).toBe(`No NIFTY ${NEAR} chain is stored at or before ${iso(of(NEAR)[0].timestamp - 1)}: the first is from ${iso(of(NEAR)[0].timestamp)}`);
    expect(expired.errors?.[0].extensions).toEqual({ code: 'NO_DATA', argument: 'at', expiriesWithData: [] });
    const nearest = await run({ at: '2026-11-20T10:00:00+05:30' });
    expect(nearest.errors?.[0].message).toMatch(/^No NIFTY chain is stored at or before 2026-11-20T04:30:00.000Z for an expiry live then; expiries of NIFTY with data: /);
    expect(nearest.errors?.[0].extensions).toMatchObject({ code: 'NO_DATA', argument: 'at' });
  });

  it('says NO_DATA when `expiry` is omitted and nothing is stored for the symbol', async () => {
    const result = await run({ symbol: 'SENSEX' });
    expect(result.errors?.[0].message).toBe(
      'No SENSEX chain is stored for an unexpired expiry; no expiry of SENSEX has data yet (the source may still be starting); upcoming without data yet: 2026-11-26, 2026-12-03, 2026-12-10, 2026-12-17 (see expiryList)',
    );
    expect(result.errors?.[0].extensions).toEqual({ code: 'NO_DATA', argument: 'expiry', expiriesWithData: [] });
  });

  it.each([
    ['an `at` without a time zone (regression: read as UTC)', { at: '2026-11-23T10:35:00' }, 'at', /^Argument "at" has no time zone: add Z \(UTC\) or an offset/],
    ['a year-0 `at` (regression: INTERNAL_SERVER_ERROR from SQL)', { at: '0000-01-01T00:00:00Z' }, 'at', /^Argument "at" must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z; got "0000-01-01T00:00:00Z"$/],
    ['a year-0 expiry', { expiry: '0000-01-01' }, 'expiry', /^Argument "expiry" must be between 1970-01-01 and 9999-12-31; got "0000-01-01"$/],
    ['an `at` in the future', { at: '2027-01-01T00:00:00Z' }, 'at', /^Argument "at" \(2027-01-01T00:00:00.000Z\) is in the future$/],
  ])('refuses %s with BAD_USER_INPUT naming the argument', async (_name, variables, argument, message) => {
    const result = await run(variables);
    expect(result.errors?.[0].message).toMatch(message);
    expect(result.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument });
  });
});

describe('chainUpdated', () => {
  /** Subscribes, publishes `published` on its expiry's topic, and answers the first event. */
  async function firstEvent(variables: Record<string, unknown>, published: (typeof snapshots)[number]): Promise<ExecutionResult> {
    const context = harness.context(MONDAY);
    const events = await harness.subscribe(context, UPDATES, { symbol: 'NIFTY', ...variables });
    if (!(Symbol.asyncIterator in events)) throw new Error(`refused: ${JSON.stringify(events)}`);
    const next = events.next();
    await new Promise((resolve) => setTimeout(resolve, 10));
    context.pubsub.publish('chain:updated', chainTopicKey(published.symbol, published.expiry), published);
    const { value } = await next;
    await events.return(undefined);
    return value;
  }

  it('follows the nearest expiry with data when `expiry` is omitted', async () => {
    const published = of(NEAR).at(-1)!;
    expect((await firstEvent({}, published)).data?.chainUpdated).toEqual({ symbol: 'NIFTY', expiry: NEAR, timestamp: iso(published.timestamp) });
  });

  it('accepts an upcoming expiry of the calendar without a database read, so a burst of subscribers is not refused SERVER_BUSY', async () => {
    const context = { ...harness.context(MONDAY), db: new Proxy({}, { get: () => { throw new Error('no database read expected'); } }) } as ReturnType<SchemaHarness['context']>;
    const events = await harness.subscribe(context, UPDATES, { symbol: 'NIFTY', expiry: NEXT });
    expect(Symbol.asyncIterator in events).toBe(true);
    await (events as AsyncGenerator).return(undefined);
  });

  it('accepts an upcoming expiry without data yet and delivers its first snapshot', async () => {
    const published = { ...of(NEXT)[0], expiry: '2026-12-15' };
    expect((await firstEvent({ expiry: '2026-12-15' }, published)).data?.chainUpdated).toMatchObject({ expiry: '2026-12-15' });
  });

  it.each([
    ['an expired expiry', '2026-11-17', /^No updates will come for NIFTY expiry 2026-11-17: it expired at 15:30 IST on 2026-11-17; expiries of NIFTY with data: 2026-11-24, 2026-12-01; upcoming without data yet: 2026-12-08, 2026-12-15 \(see expiryList\)$/],
    ['a date that is no expiry', '2026-11-25', /^No updates will come for NIFTY expiry 2026-11-25: it is not one of the next 4 expiries in the NIFTY calendar/],
    ['an expiry beyond the listed ones', '2027-03-30', /^No updates will come for NIFTY expiry 2027-03-30: it is not one of the next 4/],
  ])('refuses %s up front with BAD_USER_INPUT listing the expiries (regression: it never delivered)', async (_name, expiry, message) => {
    const refused = (await harness.subscribe(harness.context(MONDAY), UPDATES, { symbol: 'NIFTY', expiry })) as ExecutionResult;
    expect(refused.errors?.[0].message).toMatch(message);
    expect(refused.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'expiry', expiriesWithData: [NEAR, NEXT] });
  });

  it('refuses an omitted expiry with NO_DATA while nothing is stored for the symbol', async () => {
    const refused = (await harness.subscribe(harness.context(MONDAY), UPDATES, { symbol: 'BANKNIFTY' })) as ExecutionResult;
    expect(refused.errors?.[0].message).toMatch(/^No BANKNIFTY chain is stored for an unexpired expiry; no expiry of BANKNIFTY has data yet/);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'NO_DATA', argument: 'expiry' });
  });
});
