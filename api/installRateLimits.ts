/**
 * A per-client rate limit (@envelop/rate-limiter): each client (identifyClient:
 * its address, anonymous callers included) may call each query field
 * RATE_LIMIT_MAX times per RATE_LIMIT_WINDOW_SECONDS; every alias counts as a
 * call. Over the limit the operation is refused before it runs: HTTP 429 with
 * Retry-After, `extensions.code` RATE_LIMITED. Refused calls are not counted,
 * so a client that keeps hammering is let in again once its window has room.
 * The limiter's memory is bounded (BoundedRateLimitStore).
 */
import { GraphQLError } from 'graphql';
import { useRateLimiter } from '@envelop/rate-limiter';
import type { Config } from '../core/config.ts';
import { identifyClient } from './identifyClient.ts';
import { BoundedRateLimitStore } from './rateLimitStore.ts';
import type { Installation, ServerContext, YogaPlugin } from './installation.ts';

type RateLimitsConfig = Pick<Config, 'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_SECONDS' | 'RATE_LIMIT_MAX_CLIENTS' | 'TRUST_PROXY'>;

export function installRateLimits(config: RateLimitsConfig): Installation {
  if (config.RATE_LIMIT_MAX === 0) return {};
  const seconds = config.RATE_LIMIT_WINDOW_SECONDS;
  const plugin = useRateLimiter({
    identifyFn: (context) => identifyClient((context as ServerContext).req, config.TRUST_PROXY),
    store: new BoundedRateLimitStore(config.RATE_LIMIT_MAX_CLIENTS),
    configByField: [{ type: 'Query', field: '*', max: config.RATE_LIMIT_MAX, window: `${seconds}s`, uncountRejected: true }],
    formatError: ({ fieldName, max }) => `Rate limit exceeded: at most ${max} calls of ${fieldName} per ${seconds} s per client; try again later`,
    transformError: (message) =>
      new GraphQLError(message, {
        extensions: { code: 'RATE_LIMITED', limit: config.RATE_LIMIT_MAX, windowSeconds: seconds, http: { status: 429, headers: { 'Retry-After': String(seconds) } } },
      }),
  });
  return { plugins: [plugin as YogaPlugin] };
}
