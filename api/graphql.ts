/**
 * GraphQL over HTTP (and SSE) with GraphiQL, at /graphql, the web client at /, with the concerns
 * that guard it installed from one list, read top to bottom (api/install*.ts).
 */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { schema } from '../schema/index.ts';
import type { Context } from '../schema/builder.ts';
import { createReadLoaders } from '../schema/loaders.ts';
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/log.ts';
import { combine, type ServerContext } from './installation.ts';
import { installLimits } from './installLimits.ts';
import { installRateLimits } from './installRateLimits.ts';
import { installCors } from './installCors.ts';
import { installCompression } from './installCompression.ts';
import { installGraphiQL } from './installGraphiQL.ts';
import { installWebClient } from './installWebClient.ts';
import { installCompiledQueries } from './installCompiledQueries.ts';
import { installTrustedDocuments } from './installTrustedDocuments.ts';
import { installCacheHeader } from './installCacheHeader.ts';
import type { SubscriptionLimits } from './installSubscriptionLimits.ts';
import type { Auth } from './installAuth.ts';
import type { RateLimitOptions } from './installRateLimits.ts';
import { MAX_PLAN_DEPTH } from '../core/auth/plans.ts';
import { installMetrics } from './installMetrics.ts';
import { NO_METRICS, type Metrics } from '../core/metrics.ts';

export type Yoga = YogaServerInstance<ServerContext, Context>;

export interface GraphQLOptions {
  /** Accounts and plans (api/installAuth.ts); absent: every caller is anonymous with every access. */
  auth?: Auth;
  rateLimits?: RateLimitOptions;
  /** Where each execution's duration goes (api/installMetrics.ts); absent: nowhere. */
  metrics?: Metrics;
}

export function installGraphQL(context: Context, config: Config, log: Logger, subscriptionLimits: SubscriptionLimits, options: GraphQLOptions = {}): Yoga {
  const concerns = combine([
    installTrustedDocuments(config), // documentId → document; with TRUSTED_DOCUMENTS_ONLY no other document
    // With auth, the depth limit is each role's plan's (schema/access.ts), up to the plans' ceiling here.
    installLimits(options.auth ? { ...config, MAX_DEPTH: MAX_PLAN_DEPTH } : config), // request size, tokens, depth, aliases, directives, cost
    options.auth ?? {}, // the caller, its plan's access, its subscriptions at once
    installRateLimits(config, options.rateLimits), // calls per caller, by its plan
    subscriptionLimits, // SSE streams share the WebSocket connection budget
    installCors(config), // cross-origin access from the allow-list only
    installCacheHeader(), // x-cache: hit | miss | partial for history read through the cache (before compression copies the headers)
    installCompression(config), // gzip or brotli responses
    installGraphiQL(), // a small page, cacheable assets
    installWebClient(), // the web app at /, its bundles under /assets/
    installCompiledQueries(config), // queries run as code compiled per document
    installMetrics(options.metrics ?? NO_METRICS), // each execution's duration and span, around whichever execute the concerns above chose (last, so it wraps it)
  ]);
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // The request's own batching loaders and cache outcomes on top of the shared context.
    context: () => ({ ...context, loaders: createReadLoaders(context), cacheOutcomes: { hits: 0, misses: 0 } }),
    ...concerns,
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
  });
}
