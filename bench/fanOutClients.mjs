/**
 * The fan-out benches' subscribers, in a process of their own (forked by
 * bench/clientsProcess.ts): N graphql-ws clients whose parsing and callbacks
 * run neither on the server's event loop nor on its thread's CPU time, as
 * real subscribers run elsewhere. Plain JavaScript, so the child needs no
 * TypeScript loader.
 *
 * From the parent: { type: 'open', url, query, count } and { type: 'close' }.
 * To the parent: { type: 'deliveries', items } with items a flat Float64Array
 * of [client index, snapshot timestamp ms, received at ms] (absolute time,
 * performance.timeOrigin + performance.now(), comparable across processes),
 * batched per event-loop turn; { type: 'error', message }; { type: 'closed' }.
 * The subscriptions select `timestamp` on their root field.
 *
 * Clients connect OPEN_BATCH at a time, each batch once the previous one is
 * connected, so thousands do not overflow the server's accept backlog.
 */
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

const parentPort = {
  postMessage: (message) => process.send(message),
  on: (event, listener) => process.on(event, listener),
};
// The parent went away: nothing left to measure for.
process.on('disconnect', () => process.exit(0));
// A client that fails outside a subscription's sinks (a socket closed while connecting) is an error to count, not a crash.
process.on('unhandledRejection', (reason) => {
  const text = reason?.code !== undefined ? `closed ${reason.code} ${reason.reason ?? ''}`.trim() : String(reason?.message ?? reason);
  parentPort.postMessage({ type: 'error', message: `unhandled: ${text}` });
});

let clients = [];
let pending = [];
let flushQueued = false;

function flush() {
  flushQueued = false;
  const items = Float64Array.from(pending);
  pending = [];
  parentPort.postMessage({ type: 'deliveries', items });
}

function deliver(index, timestamp) {
  pending.push(index, timestamp, performance.timeOrigin + performance.now());
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

const OPEN_BATCH = 200;

parentPort.on('message', async (message) => {
  if (message.type === 'open') {
    let connecting = [];
    for (let i = 0; i < message.count; i++) {
      if (connecting.length >= OPEN_BATCH) {
        await Promise.all(connecting);
        connecting = [];
      }
      const index = clients.length;
      const client = createClient({ url: message.url, webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      connecting.push(
        new Promise((resolve) => {
          client.on('connected', resolve);
          client.on('closed', resolve);
          client.on('error', resolve);
        }),
      );
      client.subscribe(
        { query: message.query },
        {
          next: (event) => {
            const data = event.data && Object.values(event.data)[0];
            if (!data?.timestamp) return parentPort.postMessage({ type: 'error', message: JSON.stringify(event.errors ?? event) });
            deliver(index, Date.parse(data.timestamp));
          },
          error: (error) => parentPort.postMessage({ type: 'error', message: String(error?.message ?? error?.reason ?? error) }),
          complete: () => {},
        },
      );
    }
  } else if (message.type === 'close') {
    await Promise.all(clients.map((c) => c.dispose()));
    clients = [];
    parentPort.postMessage({ type: 'closed' });
  }
});
