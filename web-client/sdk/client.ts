/**
 * The platform's typed Node/TypeScript client: queries and mutations over
 * HTTP (fetch), subscriptions over graphql-ws, each taking a typed document
 * (./operations.ts, or any made with `graphql()` from ./gql/index.ts) and
 * returning its typed result. Errors are thrown as GraphQLRequestError with
 * the server's errors (their `extensions.code`, e.g. BAD_USER_INPUT,
 * NO_DATA, RATE_LIMITED), never retried: the caller decides.
 *
 *   const client = createPlatformClient({ url: 'http://localhost:4000/graphql' });
 *   const { optionChain } = await client.query(OptionChainDocument, { symbol: 'NIFTY' });
 *   for await (const { chainUpdated } of client.subscribe(ChainUpdatedDocument, { symbol: 'NIFTY' })) …
 *   await client.close();
 */
import { print, type DocumentNode, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';

export interface PlatformClientOptions {
  /** The GraphQL endpoint, e.g. http://localhost:4000/graphql (its ws:// twin carries subscriptions). */
  url: string;
  /** Sent with every request and the WebSocket's connection (an API key header, once auth lands). */
  headers?: Record<string, string>;
  /** Per HTTP request, milliseconds (default 30 000). */
  timeoutMs?: number;
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: readonly GraphQLFormattedError[],
    readonly status?: number,
  ) {
    super(errors.map((e) => `${e.message}${e.extensions?.code ? ` (${String(e.extensions.code)})` : ''}`).join('; ') || `HTTP ${status}`);
    this.name = 'GraphQLRequestError';
  }

  /** The first error's extensions.code, if any. */
  get code(): string | undefined {
    const code = this.errors[0]?.extensions?.code;
    return typeof code === 'string' ? code : undefined;
  }
}

export interface PlatformClient {
  query<Data, Variables extends Record<string, unknown>>(document: TypedDocumentNode<Data, Variables>, variables?: Variables): Promise<Data>;
  /** The subscription's results, one by one, until it completes, fails (thrown), or the loop is left (unsubscribed). */
  subscribe<Data, Variables extends Record<string, unknown>>(document: TypedDocumentNode<Data, Variables>, variables?: Variables): AsyncIterableIterator<Data>;
  /** Closes the WebSocket (subscriptions end). */
  close(): Promise<void>;
}

export function createPlatformClient(options: PlatformClientOptions): PlatformClient {
  const headers = options.headers ?? {};
  const texts = new WeakMap<DocumentNode, string>();
  const text = (document: DocumentNode) => {
    let printed = texts.get(document);
    if (printed === undefined) texts.set(document, (printed = print(document)));
    return printed;
  };
  let ws: Client | undefined;
  const socket = () =>
    (ws ??= createClient({
      url: options.url.replace(/^http/, 'ws'),
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers });
        }
      },
      retryAttempts: 0,
      lazy: true,
    }));

  return {
    async query(document, variables) {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
        body: JSON.stringify({ query: text(document), variables }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const body = (await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}: not a GraphQL response` }] }))) as { data?: unknown; errors?: GraphQLFormattedError[] };
      if (body.errors?.length || body.data == null) throw new GraphQLRequestError(body.errors ?? [], response.status);
      return body.data as never;
    },
    subscribe(document, variables) {
      const iterator = socket().iterate({ query: text(document), variables });
      return {
        async next() {
          const result = await iterator.next();
          if (result.done) return { done: true, value: undefined };
          const { data, errors } = result.value as { data?: unknown; errors?: GraphQLFormattedError[] };
          if (errors?.length || data == null) {
            await iterator.return?.();
            throw new GraphQLRequestError(errors ?? []);
          }
          return { done: false, value: data as never };
        },
        async return() {
          await iterator.return?.();
          return { done: true, value: undefined };
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
    },
    async close() {
      await ws?.dispose();
      ws = undefined;
    },
  };
}
