/**
 * The one Pothos SchemaBuilder: the typed request context, the scalars, the
 * complexity plugin and the Relay plugin (cursor connections for paged
 * lists, schema/connections.ts; no Node interface or node/nodes queries, no
 * clientMutationId). Domain files (market.ts, chain.ts, …) add their types
 * and fields to it, each field declaring its cost beside it (`complexity`):
 * by default 1 per field, and a list multiplies the cost of what is selected
 * in it by 10; the API refuses an operation costing more than MAX_COST before
 * it runs (api/installLimits.ts), and spends its cost from its caller's
 * plan's costPerWindow (api/installRateLimits.ts).
 */
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ComplexityPlugin from '@pothos/plugin-complexity';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError, Kind, type ValueNode } from 'graphql';
import type { createPubSub } from 'graphql-yoga';
import type { Database } from '../db/client.ts';
import { LimitError, type ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import type { Instrument } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { MarginParameters } from '../core/strategy/margin.ts';
import type { ChainHistoryPoint } from '../db/queries/chainHistory.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import type { IntelligenceEvent, SymbolIntelligence } from '../core/intelligence/index.ts';
import type { PlaybackSlots } from '../core/playback.ts';
import type { LatestAnalyticsUpdate, LatestAnalyticsView } from '../core/latestAnalytics.ts';
import type { ReadLoaders, SettledReads } from './loaders.ts';
import type { AuthServices, Caller } from '../core/auth/caller.ts';

/**
 * Live topics: `chain:updated` by `symbol:expiry`; the analytics role's
 * outputs (core/analyticsMessage.ts): `mood:updated` by symbol,
 * `analytics:updated` by `symbol:expiry`, and `market:events` (one topic,
 * subscribers filter by symbol and kind). Every payload carries the
 * `processedAt` of the snapshot it is of (epoch ms), which the fan-out times
 * deliveries from (api/deliveryTraces.ts): the mood and events as an extra
 * property of the object itself, so replicas of an older build, which
 * publish and read them without it, still interoperate over Redis.
 */
export type LiveTopics = {
  'chain:updated': [key: string, snapshot: EnrichedSnapshot];
  'mood:updated': [key: string, mood: Timed<SymbolIntelligence>];
  'analytics:updated': [key: string, message: AnalyticsMessage];
  'market:events': [event: Timed<IntelligenceEvent>];
  /** Every analytics message's latest outputs, without flows, for the other API replicas' latest reads (core/latestAnalytics.ts); published with Redis only. */
  'analytics:latest': [update: LatestAnalyticsUpdate];
};

/** A live payload with the processedAt (epoch ms) of the snapshot it is of; absent or null when unknown. */
export type Timed<T> = T & { processedAt?: number | null };
export type ChainPubSub = ReturnType<typeof createPubSub<LiveTopics>>;

/** What the schema needs of a cache: a value by key, loaded (and kept) on a miss. */
export interface LatestChainCache {
  getOrLoad(key: string, load: () => Promise<EnrichedSnapshot | null>): Promise<EnrichedSnapshot | null>;
}

/**
 * What the schema needs of an in-memory cache of values that never change
 * under their key: the value, loaded (and kept, within the cache's byte
 * budget) on a miss; a null load is returned and not kept.
 */
export interface ImmutableCache<V> {
  getOrLoad(key: string, load: () => Promise<V | null>): Promise<V | null>;
}

/**
 * What the schema needs of the two-level cache (api/cache.ts: memory, and
 * Redis with REDIS_URL) for responses of historical queries
 * (schema/historyCache.ts): plain JSON values by key.
 */
export interface HistoryCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}

/** One request's historical reads answered from the history cache (hits) and loaded (misses); api/installCacheHeader.ts reports them. */
export interface CacheOutcomes {
  hits: number;
  misses: number;
}

export interface Context {
  db: Database;
  instruments: ReadonlyMap<string, Instrument>;
  pubsub: ChainPubSub;
  /** Latest chains, when the API has a cache (api/cache.ts: in memory, and in Redis with REDIS_URL). */
  cache?: LatestChainCache;
  /** Past chains by the instant of their stored snapshot, which never changes (api/readCaches.ts); absent: every past read loads. */
  pastChains?: ImmutableCache<EnrichedSnapshot>;
  /** Chart buckets by range and a summary of what is stored under it (api/readCaches.ts); absent: every chart read aggregates. */
  chartBuckets?: ImmutableCache<ChainHistoryPoint[]>;
  /** Responses of historical queries by arguments and stored contents (schema/historyCache.ts); absent: every historical read loads. */
  historyCache?: HistoryCache;
  /** This request's history-cache hits and misses, one record per request (api/graphql.ts); absent: not counted. */
  cacheOutcomes?: CacheOutcomes;
  holidays: ReadonlySet<string>;
  now: () => number;
  /** Bounds the resolvers' database reads (concurrency, queue, timeout); resolvers read through `readDatabase`. */
  databaseLimit: ConcurrencyLimit;
  /**
   * Told by a subscription's resolver which live source it listens to (a
   * chain topic key), when it chooses one at subscribe time: subscribers of
   * the same operation share one execution only when their sources are the
   * same too (api/sharedSubscriptions.ts). Absent outside WebSocket subscriptions.
   */
  noteLiveSource?: (source: string) => void;
  /** The playbacks running on this API process (PLAYBACK_MAX_CONCURRENT); absent: playback answers SERVER_BUSY. */
  playbacks?: PlaybackSlots;
  /** The analytics role's latest outputs this process received (core/latestAnalytics.ts); absent: the latest reads go to the store. */
  latestAnalytics?: LatestAnalyticsView;
  /** This request's batched reads (schema/loaders.ts), one set per request; absent: fields batch within their own resolver only. */
  loaders?: ReadLoaders;
  /** Answers that settle for the day (nearest stored expiry, previous close), shared by the process's requests for a few seconds (schema/loaders.ts); absent: read every time. */
  settledReads?: SettledReads;
  /** The margin estimate's parameters per symbol (MARGIN_* configuration); absent: NSE Clearing's index values. */
  marginParameters?: ReadonlyMap<string, MarginParameters>;
  /** Who calls (api/installAuth.ts); absent where auth is not installed (schema-level tests): treated as anonymous with every access. */
  caller?: Caller;
  /** Accounts, tokens and plans (api/installAuth.ts); absent: the account fields answer UNAVAILABLE. */
  auth?: AuthServices;
}

/**
 * A subscription field's extension: how many first events of each
 * subscriber's stream are its own (chainDelta's full snapshot on connect),
 * executed for it alone before it joins the shared execution of its
 * operation (api/sharedSubscriptions.ts).
 */
export const SUBSCRIBER_PRELUDE = 'subscriberPrelude';

/**
 * A subscription field's extension: every subscriber's stream is its own
 * (playback, from its own first frame at its own pace) and is never shared
 * with other subscribers of the same operation (api/sharedSubscriptions.ts).
 * graphql-ws then iterates it itself, pulling the next event only once the
 * previous one was written to the socket.
 */
export const SUBSCRIBER_OWN_STREAM = 'subscriberOwnStream';

export const builder = new SchemaBuilder<{
  Context: Context;
  DefaultFieldNullability: false;
  AuthScopes: {
    /** A signed-in user (by access token or API key). */
    user: boolean;
    /** A user of the admin role, by access token or by an API key with the admin scope. */
    admin: boolean;
  };
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date | InvalidInput; Output: Date | number | string };
    Date: { Input: string | InvalidInput; Output: string };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ComplexityPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: (context) => ({
      user: context.caller?.userId != null,
      admin: context.caller?.role === 'admin' && context.caller.scopes.has('admin'),
    }),
    // A refusal names what is missing: sign in (UNAUTHENTICATED) or the admin role (FORBIDDEN).
    unauthorizedError: (_parent, context, info) =>
      context.caller?.userId == null
        ? new GraphQLError(`${info.parentType.name}.${info.fieldName} needs a signed-in user: send an access token or an API key`, { extensions: { code: 'UNAUTHENTICATED', missing: 'user', http: { status: 401 } } })
        : new GraphQLError(`${info.parentType.name}.${info.fieldName} needs the admin role`, { extensions: { code: 'FORBIDDEN', missing: 'role:admin' } }),
  },
  complexity: { defaultComplexity: 1, defaultListMultiplier: 10 },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    pageInfoFieldOptions: { description: 'Paging: whether more items follow, and the cursors to read them.' },
    pageInfoTypeOptions: { description: 'Where a page of a cursor connection sits. Pages are read forward only: `first` and `after` (the previous page\'s endCursor).' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items come before this page: true on a page read with `after`.' },
    startCursorFieldOptions: { description: 'Cursor of the first edge; null on an empty page.' },
    endCursorFieldOptions: { description: 'Cursor of the last edge: pass as `after` for the next page; null on an empty page.' },
    cursorFieldOptions: { description: 'Opaque cursor of this edge (stable across requests): pass as `after` to read the items after it.' },
  },
});

/** The cost of a field that reads the database, on top of what it selects. */
export const DATABASE_READ_COST = 50;

/**
 * The instants and dates the platform accepts: inside them PostgreSQL and
 * JavaScript agree on every value (PostgreSQL has no year 0, and a date
 * before it once reached the database as an internal error).
 */
export const EARLIEST_INSTANT = '1970-01-01T00:00:00Z';
export const LATEST_INSTANT = '9999-12-31T23:59:59.999Z';
const EARLIEST_MS = Date.parse(EARLIEST_INSTANT);
const LATEST_MS = Date.parse(LATEST_INSTANT);

/** YYYY-MM-DDThh:mm[:ss[.fraction]] and a zone: Z or ±hh:mm (±hhmm). */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_EXAMPLE = 'such as 2026-11-23T09:15:00+05:30 or 2026-11-23T03:45:00Z';

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

/** Epoch ms of a calendar date and time of day, or NaN when any part is out of its range (Date would roll it over). */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, reads years 0–99 as written, not as 19xx.
  date.setUTCFullYear(year, month - 1, day);
  const same = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return same && hour <= 23 && minute <= 59 && second <= 59 ? date.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 : NaN;
}

/**
 * An ISO-8601 timestamp with a time zone: nothing is guessed, so a value
 * without a zone, an impossible date (2026-02-30) or time (24:00), or an
 * instant outside EARLIEST_INSTANT–LATEST_INSTANT is refused.
 */
export function parseDateTime(value: unknown): Date | InvalidInput {
  const match = typeof value === 'string' ? ISO_INSTANT.exec(value) : null;
  if (!match) return new InvalidInput(value, `must be an ISO-8601 timestamp with a time zone, ${DATE_TIME_EXAMPLE}`);
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone, sign, offsetHours, offsetMinutes] = match;
  if (!zone) return new InvalidInput(value, `has no time zone: add Z (UTC) or an offset, ${DATE_TIME_EXAMPLE}`);
  const local = utcMs(Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second));
  const offsetMs = sign ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000 : 0;
  if (Number.isNaN(local) || Number(offsetHours ?? 0) > 23 || Number(offsetMinutes ?? 0) > 59) {
    return new InvalidInput(value, `is not a real date and time, ${DATE_TIME_EXAMPLE}`);
  }
  const ms = local - offsetMs + Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (ms < EARLIEST_MS || ms > LATEST_MS) return new InvalidInput(value, `must be between ${EARLIEST_INSTANT} and ${LATEST_INSTANT}`);
  return new Date(ms);
}

/** A calendar date YYYY-MM-DD that exists, between the years of EARLIEST_INSTANT and LATEST_INSTANT. */
export function parseDate(value: unknown): string | InvalidInput {
  const match = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  if (!match || Number.isNaN(utcMs(Number(match[1]), Number(match[2]), Number(match[3])))) {
    return new InvalidInput(value, 'must be a calendar date YYYY-MM-DD, such as 2026-11-24');
  }
  const date = match[0];
  if (date < EARLIEST_INSTANT.slice(0, 10) || date > LATEST_INSTANT.slice(0, 10)) {
    return new InvalidInput(value, `must be between ${EARLIEST_INSTANT.slice(0, 10)} and ${LATEST_INSTANT.slice(0, 10)}`);
  }
  return date;
}

function literalValue(ast: ValueNode): unknown {
  return ast.kind === Kind.STRING ? ast.value : ast.kind === Kind.INT || ast.kind === Kind.FLOAT ? Number(ast.value) : ast.kind;
}

builder.scalarType('DateTime', {
  description: `An instant, as an ISO-8601 timestamp with a time zone: Z (UTC) or an offset such as +05:30 (IST); a value without one is refused, never guessed. Millisecond precision, from ${EARLIEST_INSTANT} to ${LATEST_INSTANT}. Output is always UTC, e.g. 2026-11-23T03:45:00.000Z.`,
  serialize: (value) => new Date(value).toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(literalValue(ast)),
});

builder.scalarType('Date', {
  description: `A calendar date, YYYY-MM-DD, from ${EARLIEST_INSTANT.slice(0, 10)} to ${LATEST_INSTANT.slice(0, 10)} (an expiry date: the contract expires at 15:30 IST that day).`,
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(literalValue(ast)),
});

/** A Date argument's value (undefined when an optional one is absent), or a typed error naming the argument. */
export function dateArgument(value: string | InvalidInput, argument: string): string;
export function dateArgument(value: string | InvalidInput | null | undefined, argument: string): string | undefined;
export function dateArgument(value: string | InvalidInput | null | undefined, argument: string): string | undefined {
  if (value instanceof InvalidInput) throw badArgument(argument, `Argument "${argument}" ${value.problem}; got ${JSON.stringify(value.raw)}`);
  return value ?? undefined;
}

/** A DateTime argument's value (undefined when absent), or a typed error naming the argument. */
export function dateTimeArgument(value: Date | InvalidInput | null | undefined, argument: string): Date | undefined {
  if (value instanceof InvalidInput) throw badArgument(argument, `Argument "${argument}" ${value.problem}; got ${JSON.stringify(value.raw)}`);
  return value ?? undefined;
}

builder.queryType({ description: 'Read the option chains, their analytics and the instruments.' });
builder.subscriptionType({ description: 'Live updates, delivered as soon as each snapshot is processed.' });
builder.mutationType({ description: 'Change what belongs to the caller: the account, its sessions, keys, preferences and watchlists; and, for admins, the plans.' });

/** A typed error for a bad argument: clients switch on `extensions.code` and read `extensions.argument`. */
export function badArgument(argument: string, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argument, ...extensions } });
}

/**
 * A typed error for a well-formed request the stored data cannot answer yet
 * (an expiry without a stored chain, an instant before its first one):
 * `extensions.code` is NO_DATA, `extensions.argument` the argument to change,
 * `extensions.expiriesWithData` the expiries that have chains.
 */
export function noData(argument: string, message: string, expiriesWithData: readonly string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NO_DATA', argument, expiriesWithData } });
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
