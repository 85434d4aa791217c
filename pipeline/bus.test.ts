import { describe, expect, it } from 'vitest';
import { describeBusContract } from '../test/busContract.ts';
import { InProcessBus } from './bus.ts';

describeBusContract('in-process', async () => new InProcessBus());

describe('in-process bus turns', () => {
  it('handles a batch in a turn of the event loop of its own, not in the publisher’s', async () => {
    const bus = new InProcessBus();
    const order: string[] = [];
    await bus.subscribe('turns', 'stage', () => {
      order.push('handled');
    });
    await bus.publish('turns', 'NIFTY', { n: 1 });
    for (let i = 0; i < 10; i++) await Promise.resolve();
    order.push('publisher went on');
    // An I/O callback (here a timer's) queued now still runs before a second message's handler.
    setTimeout(() => order.push('other work'), 0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await bus.publish('turns', 'NIFTY', { n: 2 });
    await bus.drain();
    expect(order).toEqual(['publisher went on', 'handled', 'other work', 'handled']);
    await bus.close();
  });
});

describe('in-process bus backpressure', () => {
  it('makes a publisher wait while a consumer queue is full, and loses nothing', async () => {
    const bus = new InProcessBus();
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: number[] = [];
    await bus.subscribeBatch<{ n: number }>(
      'backpressure',
      'slow',
      async (messages) => {
        await gate;
        for (const m of messages) seen.push(m.value.n);
      },
      { maxBatch: 2, maxQueued: 3 },
    );
    let published = 0;
    const publishing = (async () => {
      for (let n = 0; n < 10; n++) {
        await bus.publish('backpressure', 'NIFTY', { n });
        published++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    // Three filled the queue before the consumer's turn came (a batch is
    // handled in a turn of its own); it took two, two more went in, and the
    // sixth publish waits for room.
    expect(published).toBe(5);
    release();
    await publishing;
    await bus.drain();
    expect(seen).toEqual([...Array(10).keys()]);
    await bus.close();
  });

  it('bounds a queue in bytes too: big messages wait sooner than small ones, and one larger than the bound still passes', async () => {
    const bus = new InProcessBus({ maxQueuedBytes: 1_000, sizeOf: (value) => (value as { bytes: number }).bytes });
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: number[] = [];
    await bus.subscribeBatch<{ bytes: number; n: number }>('bytes', 'slow', async (messages) => {
      await gate;
      for (const m of messages) seen.push(m.value.n);
    });
    let published = 0;
    const sizes = [10, 400, 400, 400, 5_000, 10];
    const publishing = (async () => {
      for (const [n, bytes] of sizes.entries()) {
        await bus.publish('bytes', 'NIFTY', { n, bytes });
        published++;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 30));
    // 810 bytes queued, the third 400 would pass 1,000 and waited; the consumer's turn took the three,
    // the 400 went in, and the 5,000 waits behind it (it passes only into an empty queue).
    expect(published).toBe(4);
    // Rows: 1 per message that is neither a snapshot nor an analytics message; the first three are in the handler's hands.
    expect(bus.queues()).toEqual([{ topic: 'bytes', group: 'slow', queued: 1, queuedBytes: 400, queuedRows: 1, handlingRows: 3, maxQueuedBytes: 1_000 }]);
    release();
    await publishing;
    await bus.drain();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(bus.queues()[0]).toMatchObject({ queuedBytes: 0, queuedRows: 0, handlingRows: 0 });
    await bus.close();
  });

  it('counts the rows waiting and in hand: a snapshot’s present quotes, an analytics message’s flow rows', async () => {
    const bus = new InProcessBus();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribeBatch('rows', 'storage', () => gate, { maxBatch: 1 });
    const snapshot = { rows: [{ strike: 1, call: { ltp: 1 }, put: { ltp: 2 } }, { strike: 2, call: null, put: { ltp: 3 } }] };
    await bus.publish('rows', 'NIFTY', snapshot);
    await bus.publish('rows', 'NIFTY', snapshot);
    await bus.publish('rows', 'NIFTY', { flows: [{}, {}, {}, {}] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(bus.queues()[0]).toMatchObject({ queued: 2, queuedRows: 3 + 4, handlingRows: 3 });
    release();
    await bus.drain();
    expect(bus.queues()[0]).toMatchObject({ queued: 0, queuedRows: 0, handlingRows: 0 });
    await bus.close();
  });
});
