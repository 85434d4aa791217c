/**
 * The one Pothos SchemaBuilder: the typed request context, the scalars and
 * the complexity plugin. Domain files (market.ts, chain.ts, …) add their types
 * and fields to it, each field declaring its cost beside it (`complexity`):
 * by default 1 per field, and a list multiplies the cost of what is selected
 * in it by 10; the API refuses an operation costing more than MAX_COST before
 * it runs (api/installLimits.ts).
 */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { createPubSub } from 'graphql-yoga';
import type { Database } from '../db/client.ts';
import { LimitError, type ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import type { Instrument } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { TwoLevelCache } from '../api/cache.ts';

export type ChainPubSub = ReturnType<typeof createPubSub<{ 'chain:updated': [key: string, snapshot: EnrichedSnapshot] }>>;

export interface Context {
  db: Database;
  instruments: ReadonlyMap<string, Instrument>;
  pubsub: ChainPubSub;
  /** Latest chains, when the API has a cache. */
  cache?: TwoLevelCache<EnrichedSnapshot | null>;
  holidays: ReadonlySet<string>;
  now: () => number;
  /** Bounds the resolvers' database reads (concurrency, queue, timeout); resolvers read through `readDatabase`. */
  databaseLimit: ConcurrencyLimit;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date | InvalidInput; Output: Date | number | string };
    Date: { Input: string | InvalidInput; Output: string };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ComplexityPlugin],
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10 },
});

/** The cost of a field that reads the database, on top of what it selects. */
export const DATABASE_READ_COST = 50;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * What a Date or DateTime scalar yields for a malformed value. The scalars do
 * not reject input themselves: GraphQL validation errors cannot say which
 * argument was wrong, so resolvers read these through `dateArgument` and
 * `dateTimeArgument`, which answer with a typed error naming the argument.
 */
export class InvalidInput {
  constructor(
    readonly raw: unknown,
    readonly problem: string,
  ) {}
}

function parseDateTime(value: unknown): Date | InvalidInput {
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime())) {
    return new InvalidInput(value, 'must be an ISO-8601 timestamp with a time zone, such as 2026-11-23T09:15:00+05:30');
  }
  return date;
}

function parseDate(value: unknown): string | InvalidInput {
  if (typeof value !== 'string' || !ISO_DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    return new InvalidInput(value, 'must be a calendar date YYYY-MM-DD, such as 2026-11-24');
  }
  return value;
}

function literalValue(ast: ValueNode): unknown {
  return ast.kind === Kind.STRING ? ast.value : ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? Number(ast.value) : ast.kind;
}

builder.scalarType('DateTime', {
  description: 'An instant, as an ISO-8601 timestamp with a time zone (output is always UTC, e.g. 2026-11-23T03:45:00.000Z).',
  serialize: (value) => new Date(value).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literalValue(ast)),
});

builder.scalarType('Date', {
  description: 'A calendar date, YYYY-MM-DD (an expiry date: the contract expires at 15:30 IST that day).',
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(literalValue(ast)),
});

/** A Date argument's value, or a typed error naming the argument. */
export function dateArgument(value: string | InvalidInput, argument: string): string {
  if (value instanceof InvalidInput) throw badArgument(argument, `Argument "${argument}" ${value.problem}; got ${JSON.stringify(value.raw)}`);
  return value;
}

/** A DateTime argument's value (undefined when absent), or a typed error naming the argument. */
export function dateTimeArgument(value: Date | InvalidInput | null | undefined, argument: string): Date | undefined {
  if (value instanceof InvalidInput) throw badArgument(argument, `Argument "${argument}" ${value.problem}; got ${JSON.stringify(value.raw)}`);
  return value ?? undefined;
}

builder.queryType({ description: 'Read the option chains, their analytics and the instruments.' });
builder.subscriptionType({ description: 'Live updates, delivered as soon as each snapshot is processed.' });

/** A typed error for a bad argument: clients switch on `extensions.code` and read `extensions.argument`. */
export function badArgument(argument: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/**
 * A resolver's database read, within the API's limit on concurrent reads
 * (context.databaseLimit). A read the limit refuses is a typed field error
 * (the other fields of the operation are still answered): clients switch on
 * `extensions.code` SERVER_BUSY (try again shortly) or QUERY_TIMEOUT.
 */
export async function readDatabase<T>(context: Context, read: (db: Database) => Promise<T>): Promise<T> {
  try {
    return await context.databaseLimit.run(() => read(context.db));
  } catch (error) {
    if (!(error instanceof LimitError)) throw error;
    const { concurrency, maxQueued, timeoutMs } = error.limits;
    if (error.refusal === 'busy') {
      throw new GraphQLError(`The server is busy: ${concurrency} database reads are running and ${maxQueued} waiting; try again shortly`, {
        extensions: { code: 'SERVER_BUSY' },
      });
    }
    throw new GraphQLError(`The query did not finish within ${timeoutMs} ms; ask for a shorter range or try again later`, {
      extensions: { code: 'QUERY_TIMEOUT', timeoutMs },
    });
  }
}
