import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import { readDatabase, type Context } from './builder.ts';

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
