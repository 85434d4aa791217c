/**
 * GraphQL subscriptions over WebSocket (graphql-ws protocol) on the same
 * server and path as HTTP, executed through Yoga's envelop so plugins apply.
 * Upgrades are admitted by the subscription limits (origin, connections per
 * client and in total), messages are capped in size, and a connection runs a
 * bounded number of operations (api/installSubscriptionLimits.ts).
 *
 * Each subscription is subscribed on its own (plugins, resolver checks and
 * their errors are the subscriber's), then joins the one execution of its
 * distinct operation, which executes and serialises every event once for all
 * its subscribers (api/sharedSubscriptions.ts). A root field marked
 * SUBSCRIBER_OWN_STREAM (playback) is not shared: graphql-ws iterates each
 * subscriber's stream itself and awaits each message's write to the socket
 * before it pulls the next, so a client that reads slowly slows its own
 * stream. Subscriptions over SSE (Yoga's HTTP path) still execute per
 * subscriber.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { defaultFieldResolver, GraphQLError, getOperationAST, Kind, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { Yoga } from './graphql.ts';
import type { WebSocketLimits } from './installSubscriptionLimits.ts';
import type { WebSocketAuth } from './installAuth.ts';
import { SharedSubscriptions, type SharedSubscriber, type SharedSubscriptionsOptions } from './sharedSubscriptions.ts';
import { SUBSCRIBER_OWN_STREAM, SUBSCRIBER_PRELUDE, type Context } from '../schema/builder.ts';
import { processedAtOfEvent } from './deliveryTraces.ts';

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
  /** A subscription operation's identity, subscriber and prelude, for joining its shared execution. */
  shared?: {
    subscriber: SharedSubscriber;
    query: string;
    operationName?: string | null;
    variables?: Record<string, unknown> | null;
    liveSources: string[];
    prelude: number;
    /** The processing instant of the source event last executed in this subscription's context (see noteSourceEvents). */
    sourceInstant: () => number | undefined;
  };
}

export interface Subscriptions {
  /** Closes every socket and the WebSocket server. */
  close(): Promise<void>;
  fanOut: SharedSubscriptions;
  /** WebSocket connections open now. */
  connections(): number;
}

/** `auth` checks connection_init's connectionParams: a refusal closes the socket with 4403 Forbidden (api/installAuth.ts). */
export function installSubscriptions(server: Server, yoga: Yoga, limits: WebSocketLimits, auth?: WebSocketAuth, hooks: Pick<SharedSubscriptionsOptions, 'onEventSent'> = {}): Subscriptions {
  const fanOut = new SharedSubscriptions({ maxExecutions: limits.maxSharedExecutions, ...hooks });
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayload });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== yoga.graphqlEndpoint) return refuse(socket, 404, '');
    const admission = limits.admit(request);
    if (!admission.admitted) return refuse(socket, admission.status, admission.body);
    // However the connection ends (closed, handshake failed, never sent
    // connection_init), its socket closes and its place is freed.
    socket.once('close', admission.release);
    wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);
  const disposable = useServer(
    {
      connectionInitWaitTimeout: limits.connectionInitWaitTimeout,
      onConnect: auth ? (ctx) => auth.onConnect(ctx.connectionParams, ctx.extra.request, ctx.extra.socket) : undefined,
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: async (args) => {
        const root = args.rootValue as EnvelopedRoot;
        const result = (await root.subscribe(args)) as AsyncIterable<ExecutionResult> | ExecutionResult;
        // A refusal or a subscribe-time error is this subscriber's answer, as before.
        if (!root.shared || !(Symbol.asyncIterator in result)) return result as never;
        const { subscriber, liveSources, prelude, sourceInstant, ...operation } = root.shared;
        const key = SharedSubscriptions.keyOf({ ...operation, liveSources });
        return fanOut.attach(key, result[Symbol.asyncIterator](), subscriber, prelude, sourceInstant) as never;
      },
      onSubscribe: async (ctx, id, payload) => {
        // graphql-ws has already registered this operation.
        if (Object.keys(ctx.subscriptions).length > limits.maxOperationsPerConnection) return [limits.tooManyOperations()];
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          // A syntax error or a refused document is this operation's error, not the connection's.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length) return errors;
        // The live sources its resolver chooses at subscribe time (an omitted expiry, say) are part of what an operation is.
        const liveSources: string[] = [];
        const contextValue: Context = { ...((await contextFactory()) as Context), noteLiveSource: (source) => void liveSources.push(source) };
        const root: EnvelopedRoot = { execute, subscribe };
        const extensions = rootFieldExtensions(schema, document, payload.operationName);
        // A field whose every subscriber has its own stream (playback) is iterated by graphql-ws itself.
        if (getOperationAST(document, payload.operationName)?.operation === 'subscription' && !extensions[SUBSCRIBER_OWN_STREAM]) {
          noteSourceEvents(schema);
          const noted: NotedEvent = {};
          sourceEvents.set(contextValue, noted);
          root.shared = {
            sourceInstant: () => noted.processedAt,
            subscriber: { socket: ctx.extra.socket, id },
            query: payload.query,
            operationName: payload.operationName,
            variables: payload.variables,
            liveSources,
            prelude: typeof extensions[SUBSCRIBER_PRELUDE] === 'number' ? extensions[SUBSCRIBER_PRELUDE] : 0,
          };
        }
        return { schema, operationName: payload.operationName, document, variableValues: payload.variables, contextValue, rootValue: root } satisfies ExecutionArgs;
      },
    },
    wsServer,
  );
  return {
    fanOut,
    connections: () => wsServer.clients.size,
    close: async () => {
      server.off('upgrade', onUpgrade);
      for (const client of wsServer.clients) client.terminate();
      await disposable.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}

interface NotedEvent {
  processedAt?: number;
}

/** Per shared subscription's context: the source event its execution is executing. */
const sourceEvents = new WeakMap<object, NotedEvent>();
const notingSchemas = new WeakSet<GraphQLSchema>();

/**
 * Wraps each subscription root field's resolver, once per schema, so that
 * executing an event notes its source event's processing instant (a
 * snapshot's processedAt) in its context's record: the fan-out then knows
 * which snapshot each result is of, whatever the operation selects
 * (delivery latency and spans, api/deliveryTraces.ts). The execution pulls
 * one event at a time, so the record read after a result is that result's.
 */
function noteSourceEvents(schema: GraphQLSchema): void {
  if (notingSchemas.has(schema)) return;
  notingSchemas.add(schema);
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = (event, args, context, info) => {
      const noted = sourceEvents.get(context as object);
      if (noted) noted.processedAt = processedAtOfEvent(event);
      return resolve(event, args, context, info);
    };
  }
}

/** The extensions of a subscription operation's root field (SUBSCRIBER_PRELUDE, SUBSCRIBER_OWN_STREAM); empty for other operations. */
function rootFieldExtensions(schema: GraphQLSchema, document: DocumentNode, operationName?: string | null): Readonly<Record<string, unknown>> {
  const operation = getOperationAST(document, operationName);
  const field = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
  if (!field || field.kind !== Kind.FIELD) return {};
  return schema.getSubscriptionType()?.getFields()[field.name.value]?.extensions ?? {};
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, body: string): void {
  const headers = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`];
  if (body) headers.push('Content-Type: application/json; charset=utf-8');
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
