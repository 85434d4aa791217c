/**
 * What one concern installs into the GraphQL server (api/install*.ts): Yoga
 * plugins, and the Yoga options it owns (CORS, GraphiQL). installGraphQL
 * gathers them from one list and combines them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import type { Context } from '../schema/builder.ts';

/** Yoga's server context under node:http (HTTP requests); a WebSocket operation has `req` but no `res`. */
export interface ServerContext {
  req: IncomingMessage;
  res?: ServerResponse;
}

export type YogaPlugin = Plugin<Record<string, unknown>, ServerContext, Context>;

export interface Installation extends Pick<YogaServerOptions<ServerContext, Context>, 'cors' | 'graphiql' | 'renderGraphiQL'> {
  plugins?: YogaServerOptions<ServerContext, Context>['plugins'];
}

/** The installations as Yoga options: their plugins in list order, and each option from the one that sets it. */
export function combine(installations: readonly Installation[]): Installation {
  const combined: Installation = { plugins: [] };
  for (const { plugins, cors, graphiql, renderGraphiQL } of installations) {
    combined.plugins!.push(...(plugins ?? []));
    if (cors !== undefined) combined.cors = cors;
    if (graphiql !== undefined) combined.graphiql = graphiql;
    if (renderGraphiQL !== undefined) combined.renderGraphiQL = renderGraphiQL;
  }
  return combined;
}

/** A GraphQL-style error body, for refusals sent before GraphQL runs. */
export function errorBody(message: string, extensions: Record<string, unknown>): string {
  return JSON.stringify({ errors: [{ message, extensions }] });
}
