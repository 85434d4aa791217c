/** GraphQL over HTTP (and SSE) with GraphiQL, at /graphql. */
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { schema } from '../schema/index.ts';
import type { Context } from '../schema/builder.ts';
import type { Logger } from '../core/log.ts';

export type Yoga = YogaServerInstance<Record<string, unknown>, Context>;

export function installGraphQL(context: Context, log: Logger): Yoga {
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => context,
    // GraphiQL bundled with the server, so it works without reaching a CDN.
    renderGraphiQL,
    graphiql: {
      title: 'Options platform',
      subscriptionsProtocol: 'WS',
      defaultQuery: /* GraphQL */ `# Every underlying, then the live NIFTY chain of an expiry from \`expiries\`.
query Symbols {
  symbols { symbol exchange lotSize strikeStep }
  expiries(symbol: "NIFTY")
}
`,
    },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
  });
}
