/**
 * The app's GraphQL client: urql over HTTP for queries, graphql-ws on the same
 * origin's /graphql for subscriptions (the API process serves both, and this
 * app at /). One WebSocket carries every live view.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';

export function graphqlUrl(): string {
  return new URL('/graphql', location.href).toString();
}

export function createGraphqlClient(): Client {
  const ws = createWsClient({
    url: graphqlUrl().replace(/^http/, 'ws'),
    // Reconnect after the server restarts; each live view starts over with a full chain.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    lazy: true,
  });
  return new Client({
    url: graphqlUrl(),
    // Live data: queries are read again when their view opens, never answered from a stale cache.
    requestPolicy: 'cache-and-network',
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
}
