/**
 * Per-caller rate limits, two of them, each per RATE_LIMIT_WINDOW_SECONDS:
 *
 * - calls (@envelop/rate-limiter): each caller may call each query field its
 *   plan's requestsPerWindow times (core/auth/plans.ts; the anonymous plan's
 *   default is RATE_LIMIT_MAX), and each mutation alike (register and login
 *   included); every alias counts as a call;
 * - cost: all of a caller's operations together may spend its plan's
 *   costPerWindow points (default RATE_LIMIT_COST_MAX), each query, mutation
 *   and subscription start its cost as the cost limit computes it
 *   (api/installLimits.ts, MAX_COST; the costs the field descriptions state).
 *
 * A caller is its API key, its user, or (anonymous) its address
 * (identifyClient). Over either limit the operation is refused before it
 * runs: HTTP 429 with Retry-After, `extensions.code` RATE_LIMITED and
 * `extensions.reason` `calls` or `cost` (with the operation's cost and the
 * points left). Refused operations are not counted by the limit that refused
 * them, so a client that keeps hammering is let in again once its window has
 * room (the cost budget is checked after the call counts, so a call refused
 * for its cost still counts as a call).
 *
 * Counted in memory (at most RATE_LIMIT_MAX_CLIENTS client-field pairs, and as
 * many callers' budgets), or with a Redis client in Redis, atomically, so
 * every API replica shares one count per caller (api/rateLimitStore.ts).
 * RATE_LIMIT_MAX=0 turns both off.
 */
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Redis } from 'ioredis';
import { useRateLimiter } from '@envelop/rate-limiter';
import type { Config } from '../core/config.ts';
import type { Context } from '../schema/builder.ts';
import { identifyClient } from './identifyClient.ts';
import { operationCost } from './installLimits.ts';
import { AdmissionStore, MemoryAdmissions, MemoryCostBudgets, RedisAdmissions, RedisCostBudgets, limitOf, rateLimitIdentity, type CostBudgets, type Spend } from './rateLimitStore.ts';
import type { Installation, ServerContext, YogaPlugin } from './installation.ts';

type RateLimitsConfig = Pick<Config, 'RATE_LIMIT_MAX' | 'RATE_LIMIT_COST_MAX' | 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_MAX_CLIENTS' | 'TRUST_PROXY'>;

export interface RateLimitOptions {
  /** Count in Redis (shared by every API replica) instead of in memory. */
  redis?: Redis;
  onRedisError?: (error: unknown) => void;
}

export function installRateLimits(config: RateLimitsConfig, options: RateLimitOptions = {}): Installation {
  if (config.RATE_LIMIT_MAX === 0) return {};
  const seconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const admissions = options.redis ? new RedisAdmissions(options.redis, options.onRedisError) : new MemoryAdmissions(config.RATE_LIMIT_MAX_CLIENTS);
  const budgets = options.redis ? new RedisCostBudgets(options.redis, options.onRedisError) : new MemoryCostBudgets(config.RATE_LIMIT_MAX_CLIENTS);
  const plugin = useRateLimiter({
    identifyFn: (context) => {
      const { caller, req } = context as Context & ServerContext;
      // Without auth installed (installers' own tests): every client by its address, at RATE_LIMIT_MAX.
      return caller ? rateLimitIdentity(caller.plan.requestsPerWindow, caller.identity) : rateLimitIdentity(config.RATE_LIMIT_MAX, identifyClient(req, config.TRUST_PROXY));
    },
    store: new AdmissionStore(admissions, seconds * 1000),
    // The store decides (it knows each caller's limit): it answers no calls for an admitted one, one for a refused one.
    configByField: [{ type: '{Query,Mutation}', field: '*', max: 1, window: `${seconds}s` }],
    formatError: ({ fieldName, contextIdentity }) => JSON.stringify({ fieldName, limit: limitOf(contextIdentity) }),
    transformError: (formatted) => {
      const { fieldName, limit } = JSON.parse(formatted) as { fieldName: string; limit: number };
      return new GraphQLError(`Rate limit exceeded: at most ${limit} calls of ${fieldName} per ${seconds} s per client; try again later`, {
        extensions: { code: 'RATE_LIMITED', reason: 'calls', limit, windowSeconds: seconds, retryAfterSeconds: seconds, http: { status: 429, headers: { 'Retry-After': String(seconds) } } },
      });
    },
  });
  return { plugins: [plugin as YogaPlugin, spendCost(config, budgets)] };
}

/** The cost budget: each operation spends its cost from its caller's plan's costPerWindow, or is refused. */
function spendCost(config: RateLimitsConfig, budgets: CostBudgets): YogaPlugin {
  const seconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const refusal = (cost: number, budget: number, spend: Extract<Spend, { admitted: false }>) => {
    const retryAfterSeconds = Math.max(1, Math.ceil(spend.retryAfterMs / 1000));
    const message =
      cost > budget
        ? `Rate limit exceeded: this operation costs ${cost} points, more than the whole cost budget of ${budget} points per ${seconds} s per client; select less or split it`
        : `Rate limit exceeded: this operation costs ${cost} points and ${spend.remaining} of the cost budget of ${budget} points per ${seconds} s per client are left; try again in ${retryAfterSeconds} s`;
    return new GraphQLError(message, {
      extensions: { code: 'RATE_LIMITED', reason: 'cost', cost, remaining: spend.remaining, limit: budget, windowSeconds: seconds, retryAfterSeconds, http: { status: 429, headers: { 'Retry-After': String(retryAfterSeconds) } } },
    });
  };
  /** The refusal, or null once the cost is spent (or nothing is to be spent). */
  const spend = (args: { schema: GraphQLSchema; document: DocumentNode; variableValues?: unknown; operationName?: string | null; contextValue: unknown }): GraphQLError | null | Promise<GraphQLError | null> => {
    const { caller, req } = args.contextValue as Context & Partial<ServerContext>;
    const budget = caller ? caller.plan.costPerWindow : config.RATE_LIMIT_COST_MAX;
    if (!(budget > 0)) return null;
    const computed = operationCost(args).cost;
    // An operation whose cost cannot be computed is refused by the cost limit before this.
    if (computed === null || !(computed > 0)) return null;
    const cost = Math.ceil(computed);
    const who = caller ? caller.identity : req ? identifyClient(req, config.TRUST_PROXY) : 'unknown';
    const spent = budgets.spend(who, cost, budget, seconds * 1000);
    const answer = (s: Spend) => (s.admitted ? null : refusal(cost, budget, s));
    return spent instanceof Promise ? spent.then(answer) : answer(spent);
  };
  const hook = ({ args, setResultAndStopExecution }: { args: Parameters<typeof spend>[0]; setResultAndStopExecution: (result: { errors: GraphQLError[] }) => void }) => {
    const refused = spend(args);
    if (refused instanceof Promise) return refused.then((error) => void (error && setResultAndStopExecution({ errors: [error] })));
    if (refused) setResultAndStopExecution({ errors: [refused] });
  };
  return { onExecute: hook as YogaPlugin['onExecute'], onSubscribe: hook as YogaPlugin['onSubscribe'] };
}
