import { describe, expect, it } from 'vitest';
import { describeBusContract } from '../test/busContract.ts';
import { InProcessBus } from './bus.ts';

describeBusContract('in-process', async () => new InProcessBus());

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
    // The first message went straight to the handler (a batch of one), three
    // more fill the queue: the fifth publish waits for room.
    expect(published).toBe(4);
    release();
    await publishing;
    await bus.drain();
    expect(seen).toEqual([...Array(10).keys()]);
    await bus.close();
  });
});
