/**
 * The fan-out bench's subscribers, in a worker thread of their own: N
 * graphql-ws clients whose parsing and callbacks run off the server's event
 * loop, as real subscribers run elsewhere. Plain JavaScript, so the worker
 * needs no TypeScript loader.
 *
 * From the parent: { type: 'open', url, query, count } and { type: 'close' }.
 * To the parent: { type: 'deliveries', items } with items a flat Float64Array
 * of [client index, snapshot timestamp ms, received at ms] (absolute time,
 * performance.timeOrigin + performance.now(), comparable across threads),
 * batched per event-loop turn; { type: 'error', message }; { type: 'closed' }.
 */
import { parentPort } from 'node:worker_threads';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';

let clients = [];
let pending = [];
let flushQueued = false;

function flush() {
  flushQueued = false;
  const items = Float64Array.from(pending);
  pending = [];
  parentPort.postMessage({ type: 'deliveries', items }, [items.buffer]);
}

function deliver(index, timestamp) {
  pending.push(index, timestamp, performance.timeOrigin + performance.now());
  if (!flushQueued) {
    flushQueued = true;
    setImmediate(flush);
  }
}

parentPort.on('message', async (message) => {
  if (message.type === 'open') {
    for (let i = 0; i < message.count; i++) {
      const index = clients.length;
      const client = createClient({ url: message.url, webSocketImpl: WebSocket, retryAttempts: 0 });
      clients.push(client);
      client.subscribe(
        { query: message.query },
        {
          next: (event) => {
            const data = event.data?.chainUpdated;
            if (!data) return parentPort.postMessage({ type: 'error', message: JSON.stringify(event.errors ?? event) });
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
