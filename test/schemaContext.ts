/**
 * The GraphQL schema run directly (graphql-js, no server) over a test
 * database holding simulated chains, at a fixed `now`: for the schema's own
 * tests of resolvers and subscriptions.
 */
import { graphql, parse, subscribe, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll } from 'vitest';
import { createPubSub } from 'graphql-yoga';
import { schema } from '../schema/index.ts';
import { ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import type { ChainPubSub, Context } from '../schema/builder.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { DatabaseHandle } from '../db/client.ts';
import { openTestDatabase } from './database.ts';
import { instruments } from './fixtures.ts';

export interface SchemaHarness {
  database: DatabaseHandle;
  /** A context over the database at the instant `now` (epoch ms), with its own in-process pub/sub. */
  context(now: number): Context;
  /** Runs a query or mutation. */
  run(context: Context, source: string, variables?: Record<string, unknown>): Promise<ExecutionResult>;
  /** Starts a subscription: its events, or the result that refused it. */
  subscribe(context: Context, source: string, variables?: Record<string, unknown>): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult>;
  close(): Promise<void>;
}

/** A fresh test database with `snapshots` written to it. */
export async function openSchemaHarness(snapshots: readonly EnrichedSnapshot[]): Promise<SchemaHarness> {
  const database = await openTestDatabase();
  await database.write(snapshots);
  return {
    database,
    context: (now) => ({
      db: database.db,
      instruments,
      pubsub: createPubSub() as ChainPubSub,
      holidays: new Set(),
      now: () => now,
      databaseLimit: new ConcurrencyLimit({ concurrency: 2, maxQueued: 100, timeoutMs: 10_000 }),
    }),
    run: (contextValue, source, variableValues) => graphql({ schema, source, contextValue, variableValues }),
    subscribe: (contextValue, source, variableValues) => subscribe({ schema, document: parse(source), contextValue, variableValues }) as never,
    close: () => database.close(),
  };
}

/**
 * A harness over `snapshots` for the enclosing suite: opened before its
 * tests, closed after them; `context()` is its context at `now`.
 */
export function schemaHarnessForSuite(snapshots: readonly EnrichedSnapshot[], now: number): { harness: () => SchemaHarness; context: () => Context } {
  let harness: SchemaHarness | undefined;
  let context: Context | undefined;
  beforeAll(async () => {
    harness = await openSchemaHarness(snapshots);
    context = harness.context(now);
  }, 60_000);
  afterAll(async () => {
    await harness?.close();
  });
  return { harness: () => harness!, context: () => context! };
}
