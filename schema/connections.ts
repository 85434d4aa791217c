/**
 * Cursor connections, one convention for every paged list (analyticsEvents,
 * opportunities): `{ edges { cursor node } pageInfo { hasNextPage endCursor } }`,
 * a page read with `first` and `after` (the previous page's endCursor). A
 * cursor is the JSON tuple of the item's sort key, base64url-encoded:
 * opaque to clients, checked on the way back so a foreign string is a typed
 * error naming `after`.
 */
import type { ObjectRef, SchemaTypes } from '@pothos/core';
import { builder } from './builder.ts';

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  hasNextPage: boolean;
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

export interface ConnectionTexts {
  /** What one edge is, e.g. 'One event and where it sits in the list.' */
  edge: string;
  /** The cursor's description. */
  cursor: string;
  /** The node's description. */
  node: string;
  /** The page info's description. */
  pageInfo: string;
  /** hasNextPage's description. */
  hasNextPage: string;
  /** The connection's description. */
  connection: string;
  /** The edges' description. */
  edges: string;
}

/**
 * The `<name>Connection`, `<name>Edge` and `<name>PageInfo` types of a list
 * of `node`. `edgesMultiplier`: the cost multiplier of `edges` (the default
 * list multiplier, 10, unless the field serving the connection already
 * multiplies by its page size).
 */
/** The builder's schema types, for refs passed between domain files. */
type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer S extends SchemaTypes> ? S : never;

export function connectionType<T>(name: string, node: ObjectRef<Types, T>, texts: ConnectionTexts, edgesMultiplier?: number): ObjectRef<Types, Connection<T>> {
  const EdgeType = builder.objectRef<Edge<T>>(`${name}Edge`).implement({
    description: texts.edge,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: texts.cursor }),
      node: t.field({ type: node, description: texts.node, resolve: (e) => e.node as never }),
    }),
  });
  const PageInfoType = builder.objectRef<Connection<T>>(`${name}PageInfo`).implement({
    description: texts.pageInfo,
    fields: (t) => ({
      hasNextPage: t.exposeBoolean('hasNextPage', { description: texts.hasNextPage }),
      endCursor: t.string({ nullable: true, description: 'Cursor of the last edge: pass as `after` for the next page; null on an empty page.', resolve: (c) => c.edges.at(-1)?.cursor ?? null }),
    }),
  });
  return builder.objectRef<Connection<T>>(`${name}Connection`).implement({
    description: texts.connection,
    fields: (t) => ({
      edges: t.field({
        type: [EdgeType],
        description: texts.edges,
        ...(edgesMultiplier === undefined ? {} : { complexity: { field: 1, multiplier: edgesMultiplier } }),
        resolve: (c) => c.edges,
      }),
      pageInfo: t.field({ type: PageInfoType, description: 'Paging.', resolve: (c) => c }),
    }),
  });
}
