/**
 * Per-caller rate limits (@envelop/rate-limiter): each caller may call each
 * query field its plan's requestsPerWindow times per RATE_LIMIT_WINDOW_SECONDS
 * (core/auth/plans.ts; the anonymous plan's default is RATE_LIMIT_MAX), and
 * each mutation alike (register and login included); every alias counts as a
 * call. A caller is its API key, its user, or (anonymous)
 * its address (identifyClient). Over the limit the operation is refused
 * before it runs: HTTP 429 with Retry-After, `extensions.code` RATE_LIMITED.
 * Refused calls are not counted, so a client that keeps hammering is let in
 * again once its window has room.
 *
 * Counted in memory (at most RATE_LIMIT_MAX_CLIENTS client-field pairs), or
 * with a Redis client in Redis, atomically, so every API replica shares one
 * count per caller (api/rateLimitStore.ts). RATE_LIMIT_MAX=0 turns limits off.
 */
import { GraphQLError } from 'graphql';
import type { Redis } from 'ioredis';
import { useRateLimiter } from '@envelop/rate-limiter';
import type { Config } from '../core/config.ts';
import type { Context } from '../schema/builder.ts';
import { identifyClient } from './identifyClient.ts';
import { AdmissionStore, MemoryAdmissions, RedisAdmissions, limitOf, rateLimitIdentity } from './rateLimitStore.ts';
import type { Installation, ServerContext, YogaPlugin } from './installation.ts';

type RateLimitsConfig = Pick<Config, 'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_MAX_CLIENTS' | 'TRUST_PROXY'>;

export interface RateLimitOptions {
  /** Count in Redis (shared by every API replica) instead of in memory. */
  redis?: Redis;
  onRedisError?: (error: unknown) => void;
}

export function installRateLimits(config: RateLimitsConfig, options: RateLimitOptions = {}): Installation {
  if (config.RATE_LIMIT_MAX === 0) return {};
  const seconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const admissions = options.redis ? new RedisAdmissions(options.redis, options.onRedisError) : new MemoryAdmissions(config.RATE_LIMIT_MAX_CLIENTS);
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
        extensions: { code: 'RATE_LIMITED', limit, windowSeconds: seconds, retryAfterSeconds: seconds, http: { status: 429, headers: { 'Retry-After': String(seconds) } } },
      });
    },
  });
  return { plugins: [plugin as YogaPlugin] };
}
