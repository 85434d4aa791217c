/**
 * Limits on what one GraphQL request may ask, checked before it runs:
 *
 * - the request body (MAX_REQUEST_BYTES): a declared Content-Length over the
 *   limit is refused at once, and a body without one (chunked) is counted as
 *   it streams in and refused as soon as it passes the limit, never buffered
 *   whole (413, PAYLOAD_TOO_LARGE);
 * - tokens, depth, aliases and directives (graphql-armor: MAX_TOKENS,
 *   MAX_DEPTH, MAX_ALIASES, MAX_DIRECTIVES);
 * - cost (MAX_COST): the field costs declared beside each field in schema/
 *   (@pothos/plugin-complexity), with the request's variables, so a
 *   chainHistory range passed in variables costs what it spans.
 *
 * Every refusal is a GraphQL error naming the limit and what was found, with
 * `extensions.code` and `extensions.limit`; HTTP status 400 (413 for the body).
 */
import { GraphQLError, Kind, TypeInfo, ValidationContext, validate, type ASTVisitFn, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { createComplexityRule } from '@pothos/plugin-complexity';
import type { IncomingMessage } from 'node:http';
import type { Config } from '../core/config.ts';
import { errorBody, type Installation, type ServerContext, type YogaPlugin } from './installation.ts';

type LimitsConfig = Pick<Config, 'MAX_REQUEST_BYTES' | 'MAX_TOKENS' | 'MAX_DEPTH' | 'MAX_ALIASES' | 'MAX_DIRECTIVES' | 'MAX_COST'>;

export function installLimits(config: LimitsConfig): Installation {
  return {
    plugins: [
      limitRequestSize(config.MAX_REQUEST_BYTES),
      maxTokensPlugin({ n: config.MAX_TOKENS, onReject: [refuse('MAX_TOKENS_EXCEEDED', config.MAX_TOKENS)] }),
      maxDepthPlugin({ n: config.MAX_DEPTH, onReject: [refuse('MAX_DEPTH_EXCEEDED', config.MAX_DEPTH)], propagateOnRejection: false }),
      maxAliasesPlugin({ n: config.MAX_ALIASES, onReject: [refuse('MAX_ALIASES_EXCEEDED', config.MAX_ALIASES)], propagateOnRejection: false }),
      maxDirectivesPlugin({ n: config.MAX_DIRECTIVES, onReject: [refuse('MAX_DIRECTIVES_EXCEEDED', config.MAX_DIRECTIVES)], propagateOnRejection: false }),
      limitCost(config.MAX_COST),
    ],
  };
}

/**
 * An armor rejection as our error: reported as a validation error (armor's
 * validation rules), or thrown (the token limit, hit while parsing).
 */
function refuse(code: string, limit: number) {
  return (context: ValidationContext | null, rejection: GraphQLError): void => {
    // armor words it "Syntax Error: Query depth limit of 8 exceeded, found 9."
    const message = rejection.message.replace(/^Syntax Error: /, '');
    const error = new GraphQLError(message, { extensions: { code, limit, http: { status: 400 } } });
    if (!context) throw error;
    context.reportError(error);
  };
}

/**
 * The body limit. Yoga reads the body in its request parser; this wraps the
 * parser chosen for the request so that it reads from a copy taken through a
 * counting reader, which stops at the limit. A refused body is then drained
 * (read and discarded, never kept) for up to LINGER_MS, so the client, still
 * sending, reads the 413 instead of a reset connection; the socket is closed
 * if the body has not ended by then.
 */
function limitRequestSize(maxBytes: number): YogaPlugin {
  let RequestClass: typeof Request = Request;
  const extensions = { code: 'PAYLOAD_TOO_LARGE', limit: maxBytes };
  const message = (received: string) => `Request body of ${received} exceeds the limit of ${maxBytes} bytes`;
  const refusal = (received: string) => new GraphQLError(message(received), { extensions: { ...extensions, http: { status: 413 } } });
  return {
    onYogaInit({ yoga }) {
      RequestClass = yoga.fetchAPI.Request;
    },
    onRequest({ request, serverContext, fetchAPI, endResponse }) {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > maxBytes) {
        drainThenClose((serverContext as Partial<ServerContext>).req);
        endResponse(
          new fetchAPI.Response(errorBody(message(`${declared} bytes`), extensions), {
            status: 413,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
      }
    },
    onRequestParse({ request, serverContext, requestParser, setRequestParser }) {
      if (!requestParser || !request.body) return;
      const parseWithinLimit = async (incoming: Request) => {
        const body = await readAtMost(incoming, maxBytes, (serverContext as Partial<ServerContext>).req);
        if (body === null) throw refusal(`more than ${maxBytes} bytes`);
        return requestParser(new RequestClass(incoming.url, { method: incoming.method, headers: incoming.headers, body }));
      };
      setRequestParser(parseWithinLimit as typeof requestParser);
    },
  };
}

/** How long a refused body is drained before its connection is closed, ms. */
const LINGER_MS = 5_000;

/**
 * The body of `request` if it has at most `maxBytes` bytes, else null, having
 * read no more than the limit (and one chunk). Over the limit, the rest of the
 * node:http request `incoming` (when there is one) is drained.
 */
async function readAtMost(request: Request, maxBytes: number, incoming?: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Releasing the reader would destroy the request stream, and with it
      // the socket before the 413 is sent; drain it instead.
      if (!drainThenClose(incoming, true)) reader.releaseLock();
      return null;
    }
    chunks.push(value);
  }
  reader.releaseLock();
  return Buffer.concat(chunks, size);
}

/**
 * Reads and discards the rest of a node:http request body; destroys it (and
 * its socket) if it has not ended within LINGER_MS. False without one (a
 * request that did not come through node:http).
 */
function drainThenClose(incoming: IncomingMessage | undefined, detachReaders = false): boolean {
  if (typeof incoming?.resume !== 'function') return false;
  if (incoming.readableEnded) return true;
  // A stream with 'readable' listeners (an abandoned reader) never flows.
  if (detachReaders) incoming.removeAllListeners('readable');
  incoming.resume();
  const deadline = setTimeout(() => incoming.destroy(), LINGER_MS);
  deadline.unref();
  incoming.once('end', () => clearTimeout(deadline));
  incoming.once('close', () => clearTimeout(deadline));
  return true;
}

/**
 * The errors a validation rule reports on a document. A rule that looks at
 * operation definitions alone (the complexity rule: it walks the selections
 * itself) is called on them directly, rather than through validate(), which
 * walks every node of the document with type information for each request
 * (a tenth of the server's CPU for a whole chain); any other rule goes
 * through validate().
 */
function runOperationRule(schema: GraphQLSchema, document: DocumentNode, rule: ValidationRule): readonly GraphQLError[] {
  const errors: GraphQLError[] = [];
  const visitor = rule(new ValidationContext(schema, document, new TypeInfo(schema), (error) => errors.push(error)));
  const keys = Object.keys(visitor);
  const hooks = (visitor as { OperationDefinition?: ASTVisitFn<OperationDefinitionNode> | { enter?: ASTVisitFn<OperationDefinitionNode>; leave?: ASTVisitFn<OperationDefinitionNode> } }).OperationDefinition;
  if (keys.some((key) => key !== 'OperationDefinition') || typeof hooks === 'function') return validate(schema, document, [rule]);
  if (!hooks) return errors;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    hooks.enter?.call(undefined, definition, undefined, undefined, [], []);
    hooks.leave?.call(undefined, definition, undefined, undefined, [], []);
  }
  return errors;
}

type OperationArgs = { schema: GraphQLSchema; document: DocumentNode; variableValues?: unknown; operationName?: string | null; contextValue: unknown };

/** Per execution (its context): the document and variables the cost was computed for, the cost, and the errors computing it reported. */
const computedCosts = new WeakMap<object, { document: DocumentNode; variables: unknown; cost: number | null; errors: readonly GraphQLError[] }>();

/**
 * The cost of the operation about to execute (or subscribe), with the
 * request's variables: the field costs declared beside each field in schema/
 * (@pothos/plugin-complexity). Computed once per execution, so the cost limit
 * here and the cost budget (api/installRateLimits.ts) share one walk. Null
 * when it cannot be computed (bad variables: the errors say why).
 */
export function operationCost(args: OperationArgs): { cost: number | null; errors: readonly GraphQLError[] } {
  const key = typeof args.contextValue === 'object' && args.contextValue !== null ? args.contextValue : null;
  const cached = key ? computedCosts.get(key) : undefined;
  if (cached && cached.document === args.document && cached.variables === args.variableValues) return cached;
  let cost: number | null = null;
  const errors = runOperationRule(args.schema, args.document, (context) =>
    createComplexityRule({
      variableValues: (args.variableValues ?? {}) as Record<string, unknown>,
      operationName: args.operationName ?? undefined,
      context: args.contextValue as object,
      validate: ({ complexity }) => {
        cost = complexity;
      },
    })(context),
  );
  const computed = { document: args.document, variables: args.variableValues, cost, errors };
  if (key) computedCosts.set(key, computed);
  return computed;
}

/**
 * The cost limit. It runs when the operation is about to execute (or
 * subscribe), where the variables are known: Yoga caches validation by
 * document, so a validation rule would reuse the cost of the first variables
 * a document came with.
 */
function limitCost(maxCost: number): YogaPlugin {
  const check = (args: OperationArgs): readonly GraphQLError[] => {
    const { cost, errors } = operationCost(args);
    if (errors.length || cost === null || cost <= maxCost) return errors;
    return [
      new GraphQLError(`Query cost ${cost} exceeds the limit of ${maxCost}: select fewer fields, rows or buckets, or split the query`, {
        extensions: { code: 'MAX_COST_EXCEEDED', cost, limit: maxCost, http: { status: 400, spec: true } },
      }),
    ];
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length) setResultAndStopExecution({ errors });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = check(args);
      if (errors.length) setResultAndStopExecution({ errors });
    },
  };
}
