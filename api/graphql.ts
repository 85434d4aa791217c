/**
 * GraphQL over HTTP (and SSE) with GraphiQL, at /graphql, with the concerns
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
import { installCompiledQueries } from './installCompiledQueries.ts';
import type { SubscriptionLimits } from './installSubscriptionLimits.ts';
import { installMetrics } from './installMetrics.ts';
import { NO_METRICS, type Metrics } from '../core/metrics.ts';

export type Yoga = YogaServerInstance<ServerContext, Context>;

export function installGraphQL(context: Context, config: Config, log: Logger, subscriptionLimits: SubscriptionLimits, metrics: Metrics = NO_METRICS): Yoga {
  const concerns = combine([
    installLimits(config), // request size, tokens, depth, aliases, directives, cost
    installRateLimits(config), // calls per client
    subscriptionLimits, // SSE streams share the WebSocket connection budget
    installCors(config), // cross-origin access from the allow-list only
    installCompression(config), // gzip or brotli responses
    installGraphiQL(), // a small page, cacheable assets
    installCompiledQueries(config), // queries run as code compiled per document
    installMetrics(metrics), // each execution's duration and span, around whichever execute the concerns above chose (last, so it wraps it)
  ]);
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // The request's own batching loaders on top of the shared context.
    context: () => ({ ...context, loaders: createReadLoaders(context) }),
    ...concerns,
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
  });
}
