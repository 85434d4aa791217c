import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnrichedSnapshot } from '../core/models.ts';
import type { ChainPubSub } from '../schema/builder.ts';
import { chainTopicKey } from '../schema/chain.ts';
import { createChainPubSub, reconnectDelayMs, type ChainPubSubHandle } from './redisPubSub.ts';

const REDIS_URL = process.env.REDIS_URL;

/** A minimal enriched snapshot: the pub/sub only carries it. */
function snapshotFixture(symbol: string, expiry: string, spot = 24_000): EnrichedSnapshot {
  return {
    version: 2,
    id: `${symbol}-${expiry}-${spot}`,
    source: 'simulator',
    symbol,
    expiry,
    timestamp: 1_790_000_000_000,
    processedAt: 1_790_000_000_050,
    spot,
    future: null,
    vix: 13.2,
    forward: spot + 10,
    forwardSource: 'parity',
    tYears: 0.01,
    rate: 0.065,
    lotSize: 75,
    analytics: { pcrOi: 1.1, support: [{ strike: 23_900, oi: 1_000, strength: 0.2 }] } as unknown as EnrichedSnapshot['analytics'],
    rows: [{ strike: 24_000, call: null, put: null }],
    rejects: { crossed_quote: 1 },
  };
}

/**
 * Publishes (again every 100 ms: a Redis subscription becomes active a moment
 * after it is requested) until the subscriber receives, or fails after `timeoutMs`.
 */
async function receiveWhilePublishing<T>(iterator: AsyncIterator<T>, publish: () => void, timeoutMs = 10_000): Promise<T> {
  const received = iterator.next();
  let done = false;
  void received.finally(() => (done = true));
  const deadline = Date.now() + timeoutMs;
  while (!done) {
    if (Date.now() > deadline) throw new Error(`nothing received within ${timeoutMs} ms`);
    publish();
    await Promise.race([received, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  const result = await received;
  if (result.done) throw new Error('subscription ended');
  return result.value;
}

function subscribe(pubsub: ChainPubSub, key: string): AsyncIterator<EnrichedSnapshot> {
  return pubsub.subscribe('chain:updated', key)[Symbol.asyncIterator]();
}

const handles: ChainPubSubHandle[] = [];
const iterators: AsyncIterator<unknown>[] = [];
afterEach(async () => {
  await Promise.all(iterators.splice(0).map((i) => i.return?.()));
  await Promise.all(handles.splice(0).map((h) => h.close()));
});

function open(): ChainPubSubHandle {
  const handle = createChainPubSub(REDIS_URL, { connectionName: `test-pubsub-${process.pid}` });
  handles.push(handle);
  return handle;
}

describe(`chain pub/sub (${REDIS_URL ? 'Redis' : 'in-process'})`, () => {
  it('delivers an enriched snapshot unchanged to a subscriber of its expiry', async () => {
    const publisher = open();
    // With Redis the subscriber is another instance: a second API replica.
    const subscriber = REDIS_URL ? open() : publisher;
    await Promise.all([publisher.ready(), subscriber.ready()]);
    expect(publisher.kind).toBe(REDIS_URL ? 'redis' : 'memory');
    const expiry = '2026-11-24';
    const symbol = `T${randomUUID().slice(0, 8)}`;
    const key = chainTopicKey(symbol, expiry);
    const snapshot = snapshotFixture(symbol, expiry);
    const iterator = subscribe(subscriber.pubsub, key);
    iterators.push(iterator);
    const received = await receiveWhilePublishing(iterator, () => publisher.pubsub.publish('chain:updated', key, snapshot));
    expect(received).toEqual(snapshot);
  });

  it('does not deliver updates of another expiry', async () => {
    const publisher = open();
    const subscriber = REDIS_URL ? open() : publisher;
    await Promise.all([publisher.ready(), subscriber.ready()]);
    const symbol = `T${randomUUID().slice(0, 8)}`;
    const wanted = chainTopicKey(symbol, '2026-11-24');
    const other = chainTopicKey(symbol, '2026-12-01');
    const iterator = subscribe(subscriber.pubsub, wanted);
    iterators.push(iterator);
    const received = await receiveWhilePublishing(iterator, () => {
      publisher.pubsub.publish('chain:updated', other, snapshotFixture(symbol, '2026-12-01'));
      publisher.pubsub.publish('chain:updated', wanted, snapshotFixture(symbol, '2026-11-24'));
    });
    expect(received.expiry).toBe('2026-11-24');
  });

  if (REDIS_URL) {
    it('fails fast when the configured Redis does not answer', async () => {
      const dead = createChainPubSub('redis://127.0.0.1:1');
      handles.push(dead);
      await expect(dead.ready(300)).rejects.toThrow(/did not answer within 300 ms/);
    });
  }
});

describe('reconnect backoff', () => {
  it('doubles from 50 ms and stops growing at 2 s', () => {
    expect([1, 2, 3, 4, 6, 10, 100].map(reconnectDelayMs)).toEqual([50, 100, 200, 400, 1_600, 2_000, 2_000]);
  });
});
