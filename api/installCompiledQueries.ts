/**
 * Queries executed by code compiled for their document (graphql-jit) instead
 * of graphql-js' interpreter, which walks the selection for every value: a
 * whole chain (about 80 options × 20 fields) took half of the server's CPU
 * per request in graphql-js' execution. Compiled once per document and
 * operation (Yoga's parse cache hands back the same document object for the
 * same query text), kept as long as the document is.
 *
 * Compiled only when the answer is the interpreter's:
 * - queries only: mutations and subscriptions (api/sharedSubscriptions.ts)
 *   run as before;
 * - no literal argument of a custom scalar that parses to anything but a
 *   string, number, boolean or Date: graphql-jit coerces literal arguments
 *   at compile time and writes them into the code as JSON, so a class
 *   instance (the scalars' InvalidInput, with which resolvers answer a
 *   malformed literal with an error naming the argument) would reach the
 *   resolver as a plain object. Such a document runs on graphql-js; values
 *   passed in variables are parsed per request by the scalar and keep their
 *   class either way;
 * - variables the compiled code refuses are handed to graphql-js, so the
 *   errors are worded as they always were.
 */
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getNamedType,
  isScalarType,
  isSpecifiedScalarType,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { Config } from '../core/config.ts';
import type { Installation, YogaPlugin } from './installation.ts';

export function installCompiledQueries(config: Pick<Config, 'COMPILED_QUERIES'>): Installation {
  return config.COMPILED_QUERIES ? { plugins: [compiledQueries()] } : {};
}

function compiledQueries(): YogaPlugin {
  // Per document, per operation name: the compiled query, or null where the interpreter runs it.
  const compiled = new WeakMap<DocumentNode, { schema: GraphQLSchema; operations: Map<string, CompiledQuery | null> }>();
  const compiledFor = (schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null => {
    let entry = compiled.get(document);
    if (!entry || entry.schema !== schema) {
      entry = { schema, operations: new Map() };
      compiled.set(document, entry);
    }
    const key = operationName ?? '';
    let query = entry.operations.get(key);
    if (query === undefined) {
      query = compile(schema, document, operationName);
      entry.operations.set(key, query);
    }
    return query;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const query = compiledFor(args.schema, args.document, args.operationName);
      if (!query) return;
      setExecuteFn(async (execution) => {
        const result = (await query.query(execution.rootValue, execution.contextValue, execution.variableValues ?? {})) as ExecutionResult;
        // No data: the variables were refused before anything ran; graphql-js words the errors.
        if (!('data' in result)) return executeFn(execution);
        return result.errors ? { ...result, errors: result.errors.map((error) => locatedInDocument(error, execution.document)) } : result;
      });
    },
  };
}

/**
 * A field error of the compiled code as graphql-js' own GraphQLError: the
 * compiled code's errors carry their locations as line and column only,
 * which Yoga's error formatting drops; graphql-js' error takes them as
 * positions in the document's source.
 */
function locatedInDocument(error: GraphQLError, document: DocumentNode): GraphQLError {
  const source = document.loc?.source;
  if (!source || !error.locations?.length) return error;
  const lineStarts = [0];
  for (let i = 0; i < source.body.length; i++) if (source.body.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const positions = error.locations.map(({ line, column }) => lineStarts[line - 1] + column - 1);
  return new GraphQLError(error.message, { source, positions, path: error.path, originalError: error.originalError ?? undefined, extensions: error.extensions });
}

/** The compiled query of an operation, or null when the interpreter must run it (see the module doc). */
export function compile(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): CompiledQuery | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (operation?.operation !== 'query' || !literalsKeepTheirValue(schema, document)) return null;
  try {
    const query = compileQuery(schema, document, operationName ?? undefined);
    return isCompiledQuery(query) ? query : null;
  } catch {
    return null;
  }
}

/** Whether every literal of a custom scalar in the document parses to a value that survives being written into code as JSON. */
export function literalsKeepTheirValue(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let keep = true;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      enter(node) {
        if (!keep) return false;
        if (!VALUE_KINDS.has(node.kind)) return undefined;
        const type = getNamedType(typeInfo.getInputType());
        if (!type || !isScalarType(type) || isSpecifiedScalarType(type)) return undefined;
        let value: unknown;
        try {
          value = type.parseLiteral(node as Parameters<typeof type.parseLiteral>[0], undefined);
        } catch {
          keep = false;
          return false;
        }
        keep = value === null || value === undefined || typeof value !== 'object' || value instanceof Date;
        // The scalar parsed the whole literal (a list or object literal included).
        return false;
      },
    }),
  );
  return keep;
}

/** Literal values a scalar parses (a null literal is null without parsing). */
const VALUE_KINDS: ReadonlySet<string> = new Set([Kind.STRING, Kind.INT, Kind.FLOAT, Kind.BOOLEAN, Kind.ENUM, Kind.LIST, Kind.OBJECT]);
