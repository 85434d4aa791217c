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
import { installCacheHeader } from './installCacheHeader.ts';
import type { SubscriptionLimits } from './installSubscriptionLimits.ts';

export type Yoga = YogaServerInstance<ServerContext, Context>;

export function installGraphQL(context: Context, config: Config, log: Logger, subscriptionLimits: SubscriptionLimits): Yoga {
  const concerns = combine([
    installLimits(config), // request size, tokens, depth, aliases, directives, cost
    installRateLimits(config), // calls per client
    subscriptionLimits, // SSE streams share the WebSocket connection budget
    installCors(config), // cross-origin access from the allow-list only
    installCacheHeader(), // x-cache: hit | miss | partial for history read through the cache (before compression copies the headers)
    installCompression(config), // gzip or brotli responses
    installGraphiQL(), // a small page, cacheable assets
    installCompiledQueries(config), // queries run as code compiled per document
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
