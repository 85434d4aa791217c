/**
 * GraphQL subscriptions over WebSocket (graphql-ws protocol) on the same
 * server and path as HTTP, executed through Yoga's envelop so plugins apply.
 * Upgrades are admitted by the subscription limits (origin, connections per
 * client and in total), messages are capped in size, and a connection runs a
 * bounded number of operations (api/installSubscriptionLimits.ts).
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError, type DocumentNode, type ExecutionArgs } from 'graphql';
import type { Yoga } from './graphql.ts';
import type { WebSocketLimits } from './installSubscriptionLimits.ts';

interface EnvelopedRoot {
  execute: (args: ExecutionArgs) => unknown;
  subscribe: (args: ExecutionArgs) => unknown;
}

/** Returns a function that closes every socket and the WebSocket server. */
export function installSubscriptions(server: Server, yoga: Yoga, limits: WebSocketLimits): () => Promise<void> {
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
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args) as never,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args) as never,
      onSubscribe: async (ctx, _id, payload) => {
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
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName,
          document,
          variableValues: payload.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) return errors;
        return args;
      },
    },
    wsServer,
  );
  return async () => {
    server.off('upgrade', onUpgrade);
    for (const client of wsServer.clients) client.terminate();
    await disposable.dispose();
    await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  };
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, body: string): void {
  const headers = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(body)}`];
  if (body) headers.push('Content-Type: application/json; charset=utf-8');
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
