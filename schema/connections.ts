/**
 * Cursor connections, one convention for every paged list (analyticsEvents,
 * opportunities): Relay connections built by @pothos/plugin-relay
 * (`{ edges { cursor node } pageInfo { hasNextPage endCursor … } }`, one
 * shared PageInfo type), a page read with `first` and `after` (the previous
 * page's endCursor). The paging itself is each list's own keyset read: a
 * cursor is the JSON tuple of the item's sort key, base64url-encoded, opaque
 * to clients and stable across requests (it names the item, not an offset),
 * checked on the way back so a foreign string is a typed error naming `after`.
 */
import type { ObjectRef, SchemaTypes } from '@pothos/core';
import { builder } from './builder.ts';

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A page as a connection type resolves it. */
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** A sort key as a cursor. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key of a cursor whose entries have the given types (finite numbers), or null for anything else. */
export function decodeCursor(text: string, types: readonly ('string' | 'number')[]): (string | number)[] | null {
  try {
    const key = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === types.length && key.every((v, i) => typeof v === types[i] && (typeof v !== 'number' || Number.isFinite(v)))) return key;
  } catch {
    // Falls through to the refusal.
  }
  return null;
}

/** One page: its edges, whether more follow, and whether it was read after a cursor. */
export function connectionOf<T>(edges: Edge<T>[], hasNextPage: boolean, afterCursor: boolean): Connection<T> {
  return { edges, pageInfo: { hasNextPage, hasPreviousPage: afterCursor, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null } };
}

export interface ConnectionTexts {
  /** What one edge is, e.g. 'One event and where it sits in the list.' */
  edge: string;
  /** The node's description. */
  node: string;
  /** The connection's description. */
  connection: string;
  /** The edges' description. */
  edges: string;
}

/** The builder's schema types, for refs passed between domain files. */
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer S extends SchemaTypes> ? S : never;

/**
 * The `<name>Connection` and `<name>Edge` types of a list of `node` (Relay,
 * through the plugin). `edgesMultiplier`: the cost multiplier of `edges`
 * (the default list multiplier, 10, unless the field serving the connection
 * already multiplies by its page size).
 */
export function connectionType<T>(name: string, node: ObjectRef<Types, T>, texts: ConnectionTexts, edgesMultiplier?: number) {
  return builder.connectionObject(
    {
      type: node,
      name: `${name}Connection`,
      description: texts.connection,
      edgesField: { description: texts.edges, ...(edgesMultiplier === undefined ? {} : { complexity: { field: 1, multiplier: edgesMultiplier } }) },
    },
    { name: `${name}Edge`, description: texts.edge, nodeField: { description: texts.node } },
  );
}
