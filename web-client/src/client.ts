/**
 * The app's GraphQL client: urql over HTTP for queries, graphql-ws on the same
 * origin's /graphql for subscriptions (the API process serves both, and this
 * app at /). One WebSocket carries every live view. A signed-in session's
 * access token goes in `Authorization: Bearer …` on every HTTP request and in
 * `connectionParams` when the socket (re)connects; main.tsx makes a new
 * client when the signed-in user changes, so no socket keeps another identity.
 */
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';
import { accessToken } from './auth.ts';

export function graphqlUrl(): string {
  return new URL('/graphql', location.href).toString();
}

export interface GraphqlClient {
  client: Client;
  /** Closes its WebSocket. */
  close(): void;
}

export function createGraphqlClient(): GraphqlClient {
  const authorization = (): Record<string, string> => {
    const token = accessToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const ws = createWsClient({
    url: graphqlUrl().replace(/^http/, 'ws'),
    // Read on every (re)connection: the server closes a socket when its access token expires, and the retry presents the refreshed one.
    connectionParams: authorization,
    // Reconnect after the server restarts; each live view starts over with a full chain.
    retryAttempts: Infinity,
    shouldRetry: () => true,
    lazy: true,
  });
  const client = new Client({
    url: graphqlUrl(),
    // Live data: queries are read again when their view opens, never answered from a stale cache.
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers: authorization() }),
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
  return { client, close: () => void ws.dispose() };
}
