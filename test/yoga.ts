/**
 * A Yoga server on the real schema with some installers, for the installers'
 * unit tests: no network, requests through `yoga.fetch` with a node:http-like
 * server context (`fromClient`). The context has no database: the tests ask
 * for fields that do not read it, or expect a refusal before they would.
 */
import { createYoga } from 'graphql-yoga';
import { createPubSub } from 'graphql-yoga';
import type { IncomingMessage } from 'node:http';
import { schema } from '../schema/index.ts';
import type { ChainPubSub, Context } from '../schema/builder.ts';
import { instrumentTable } from '../core/instruments.ts';
import { ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import { combine, type Installation, type ServerContext } from '../api/installation.ts';

export function yogaWith(installations: Installation[]) {
  const context: Context = {
    db: undefined as never,
    instruments: instrumentTable(),
    pubsub: createPubSub() as ChainPubSub,
    holidays: new Set(),
    now: Date.now,
    databaseLimit: new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 1000 }),
  };
  return createYoga<ServerContext, Context>({ schema, context: () => context, logging: false, ...combine(installations) });
}

/** The server context of a request from `address`, with these headers. */
export function fromClient(address: string, headers: Record<string, string> = {}): ServerContext {
  return { req: { socket: { remoteAddress: address }, headers } as unknown as IncomingMessage };
}

/** A JSON GraphQL POST. */
export function post(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}
