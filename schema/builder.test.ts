import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import { InvalidInput, parseDate, parseDateTime, readDatabase, type Context } from './builder.ts';

const problem = (value: unknown) => (value instanceof InvalidInput ? value.problem : undefined);

describe('the DateTime scalar', () => {
  it.each([
    ['2026-11-23T09:15:00+05:30', '2026-11-23T03:45:00.000Z'],
    ['2026-11-23T03:45:00Z', '2026-11-23T03:45:00.000Z'],
    ['2026-11-23T03:45Z', '2026-11-23T03:45:00.000Z'],
    ['2026-11-23t09:15:00+0530', '2026-11-23T03:45:00.000Z'],
    ['2026-11-22T22:15:00-05:30', '2026-11-23T03:45:00.000Z'],
    ['2026-11-23T03:45:00.123456789Z', '2026-11-23T03:45:00.123Z'],
    ['2026-11-23T03:45:00.57Z', '2026-11-23T03:45:00.570Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (value, instant) => {
    expect((parseDateTime(value) as Date).toISOString()).toBe(instant);
  });

  it('refuses a timestamp without a time zone instead of reading it as UTC (regression: it was read as UTC)', () => {
    expect(problem(parseDateTime('2026-11-23T09:15:00'))).toMatch(/^has no time zone: add Z \(UTC\) or an offset, such as 2026-11-23T09:15:00\+05:30/);
    expect(problem(parseDateTime('2026-11-23T09:15'))).toMatch(/^has no time zone/);
  });

  it('refuses an instant outside 1970–9999 (regression: year 0 reached the database as an internal error)', () => {
    for (const value of ['0000-01-01T00:00:00Z', '1969-12-31T23:59:59.999Z', '1970-01-01T05:00:00+05:30']) {
      expect(problem(parseDateTime(value)), value).toBe('must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z');
    }
  });

  it.each(['2026-02-30T10:00:00Z', '2026-11-23T24:00:00Z', '2026-11-23T09:60:00Z', '2026-11-23T09:15:60Z', '2026-11-23T09:15:00+05:60'])(
    'refuses %s, which Date would roll over to another instant',
    (value) => {
      expect(problem(parseDateTime(value))).toMatch(/^is not a real date and time/);
    },
  );

  it.each(['yesterday', '2026-11-23', '+275760-09-13T00:00:00Z', '2026-11-23 09:15:00Z', 1_700_000_000_000, null])('refuses %s as not an ISO-8601 timestamp', (value) => {
    expect(problem(parseDateTime(value))).toMatch(/^must be an ISO-8601 timestamp with a time zone/);
  });
});

describe('the Date scalar', () => {
  it('reads a calendar date as itself', () => {
    expect(parseDate('2026-11-24')).toBe('2026-11-24');
    expect(parseDate('1970-01-01')).toBe('1970-01-01');
    expect(parseDate('9999-12-31')).toBe('9999-12-31');
  });

  it.each(['2026-02-30', '2026-13-01', '24-11-2026', '2026-11-24T00:00:00Z', 20261124])('refuses %s as not a calendar date', (value) => {
    expect(problem(parseDate(value))).toMatch(/^must be a calendar date YYYY-MM-DD/);
  });

  it('refuses a date before 1970 (regression: year 0 reached the database as an internal error)', () => {
    expect(problem(parseDate('0000-01-01'))).toBe('must be between 1970-01-01 and 9999-12-31');
    expect(problem(parseDate('1969-12-31'))).toBe('must be between 1970-01-01 and 9999-12-31');
  });
});

const contextWith = (databaseLimit: ConcurrencyLimit) => ({ db: {}, databaseLimit }) as unknown as Context;

describe('readDatabase', () => {
  it('passes the database to the read and its result back', async () => {
    const context = contextWith(new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 1000 }));
    await expect(readDatabase(context, async (db) => (db === context.db ? 'read' : 'wrong'))).resolves.toBe('read');
  });

  it('answers a read the limit refuses with SERVER_BUSY, naming the limits', async () => {
    const context = contextWith(new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 1000 }));
    let finish!: () => void;
    const running = readDatabase(context, () => new Promise<void>((resolve) => (finish = resolve)));
    const refused = await readDatabase(context, async () => 'never').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GraphQLError);
    expect((refused as GraphQLError).message).toMatch(/busy: 1 database reads are running and 0 waiting/);
    expect((refused as GraphQLError).extensions).toEqual({ code: 'SERVER_BUSY' });
    finish();
    await running;
  });

  it('answers a read past its deadline with QUERY_TIMEOUT', async () => {
    const context = contextWith(new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 20 }));
    const late = await readDatabase(context, () => new Promise((resolve) => setTimeout(resolve, 200))).catch((error: unknown) => error);
    expect((late as GraphQLError).message).toMatch(/did not finish within 20 ms/);
    expect((late as GraphQLError).extensions).toEqual({ code: 'QUERY_TIMEOUT', timeoutMs: 20 });
  });

  it('lets any other failure of the read through as it is', async () => {
    const context = contextWith(new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 1000 }));
    await expect(readDatabase(context, async () => Promise.reject(new Error('connection lost')))).rejects.toThrow('connection lost');
  });
});
