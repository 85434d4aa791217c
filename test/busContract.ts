/**
 * The contract every Bus implementation passes (see pipeline/bus.ts). Call
 * `describeBusContract` from a test file with a factory for a fresh bus.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PoisonMessage, type Bus, type BusMessage, type DeadLetter } from '../pipeline/bus.ts';

/** The topics the contract uses, before their prefix (a bus whose topics are made outside it needs them first). */
export const CONTRACT_TOPICS = ['contract.fanout', 'contract.order', 'contract.poison', 'contract.batch', 'contract.transient', 'contract.unsubscribe', 'contract.headers', 'contract.publish-batch'];

export function describeBusContract(
  name: string,
  makeBus: () => Promise<Bus>,
  options: { topicPrefix?: () => string; createTopics?: (topics: string[]) => Promise<void> } = {},
): void {
  describe(`bus contract: ${name}`, () => {
    let bus: Bus | undefined;
    const topic = (base: string) => `${options.topicPrefix?.() ?? ''}${base}`;

    beforeAll(async () => {
      await options.createTopics?.(CONTRACT_TOPICS.map(topic));
    });

    afterEach(async () => {
      await bus?.close();
      bus = undefined;
    });

    async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error('timed out waiting for messages');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }

    it('delivers every message to every consumer group, once each', async () => {
      bus = await makeBus();
      const t = topic('contract.fanout');
      const seenA: number[] = [];
      const seenB: number[] = [];
      await bus.subscribe<{ n: number }>(t, 'group-a', (m) => void seenA.push(m.value.n));
      await bus.subscribe<{ n: number }>(t, 'group-b', (m) => void seenB.push(m.value.n));
      for (let n = 0; n < 20; n++) await bus.publish(t, 'NIFTY', { n });
      await until(() => seenA.length >= 20 && seenB.length >= 20);
      await bus.drain();
      expect(seenA.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
      expect(seenB.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    });

    it('delivers the headers published with a message (the trace context) to single and batch consumers, and none with a message published without', async () => {
      bus = await makeBus();
      const t = topic('contract.headers');
      const single: BusMessage<{ n: number }>[] = [];
      const batched: BusMessage<{ n: number }>[] = [];
      await bus.subscribe<{ n: number }>(t, 'headers-single', (m) => void single.push(m));
      await bus.subscribeBatch<{ n: number }>(t, 'headers-batch', (ms) => void batched.push(...ms));
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await bus.publish(t, 'NIFTY', { n: 1 }, { traceparent, tracestate: 'vendor=1' });
      await bus.publish(t, 'NIFTY', { n: 2 });
      await until(() => single.length >= 2 && batched.length >= 2);
      for (const seen of [single, batched]) {
        expect(seen.map((m) => m.value.n)).toEqual([1, 2]);
        expect(seen[0]!.headers).toEqual({ traceparent, tracestate: 'vendor=1' });
        expect(seen[1]!.headers ?? {}).toEqual({});
      }
    });

    it('keeps messages with the same key in publish order', async () => {
      bus = await makeBus();
      const t = topic('contract.order');
      const byKey = new Map<string, number[]>();
      await bus.subscribe<{ n: number }>(t, 'ordered', async (m: BusMessage<{ n: number }>) => {
        // A slow handler must not reorder anything.
        if (m.value.n % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
        byKey.set(m.key, [...(byKey.get(m.key) ?? []), m.value.n]);
      });
      for (let n = 0; n < 60; n++) await bus.publish(t, n % 2 ? 'NIFTY' : 'BANKNIFTY', { n });
      await until(() => [...byKey.values()].flat().length >= 60);
      expect(byKey.get('NIFTY')).toEqual([...Array(60).keys()].filter((n) => n % 2));
      expect(byKey.get('BANKNIFTY')).toEqual([...Array(60).keys()].filter((n) => !(n % 2)));
    });

    it('publishes a batch in its order, headers kept, each key in order behind what was published before it', async () => {
      bus = await makeBus();
      const t = topic('contract.publish-batch');
      const seen: BusMessage<{ n: number }>[] = [];
      await bus.subscribeBatch<{ n: number }>(t, 'batched', (ms) => void seen.push(...ms));
      await bus.publish(t, 'NIFTY', { n: 0 });
      await bus.publishBatch(
        t,
        Array.from({ length: 30 }, (_, i) => ({ key: i % 3 ? 'NIFTY' : 'SENSEX', value: { n: i + 1 }, headers: i === 4 ? { traceparent: 'five' } : undefined })),
      );
      await bus.publishBatch(t, []);
      await until(() => seen.length >= 31);
      await bus.drain();
      const order = (key: string) => seen.filter((m) => m.key === key).map((m) => m.value.n);
      expect(order('NIFTY')).toEqual([0, ...Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => (n - 1) % 3)]);
      expect(order('SENSEX')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1).filter((n) => !((n - 1) % 3)));
      expect(seen.find((m) => m.value.n === 5)?.headers).toEqual({ traceparent: 'five' });
      expect(seen.filter((m) => m.headers).length).toBe(1);
    });

    it('dead-letters a message its handler finds poison, with the reason, and moves on', async () => {
      bus = await makeBus();
      const t = topic('contract.poison');
      const deadLetters: DeadLetter[] = [];
      bus.onDeadLetter((d) => deadLetters.push(d));
      const handled: number[] = [];
      await bus.subscribe<{ n: number }>(t, 'strict', (m) => {
        if (m.value.n === 2) throw new PoisonMessage('poison message: n = 2');
        handled.push(m.value.n);
      });
      for (let n = 0; n < 5; n++) await bus.publish(t, 'NIFTY', { n });
      await until(() => handled.length >= 4 && deadLetters.length >= 1);
      expect(handled).toEqual([0, 1, 3, 4]);
      expect(deadLetters[0].reason).toMatch(/poison message/);
      expect(deadLetters[0].group).toBe('strict');
      expect((deadLetters[0].message.value as { n: number }).n).toBe(2);
    });

    it('hands a batch consumer everything in order, and dead-letters only the poison message of a failing batch', async () => {
      bus = await makeBus();
      const t = topic('contract.batch');
      const deadLetters: DeadLetter[] = [];
      bus.onDeadLetter((d) => deadLetters.push(d));
      const stored: number[] = [];
      const batchSizes: number[] = [];
      await bus.subscribeBatch<{ n: number }>(t, 'writer', async (messages) => {
        batchSizes.push(messages.length);
        if (messages.some((m) => m.value.n === 13)) throw new PoisonMessage('constraint violated by n = 13');
        await new Promise((resolve) => setTimeout(resolve, 1));
        for (const m of messages) stored.push(m.value.n);
      });
      // Published together, as a source's burst is: a broker may hand them over as one record batch.
      await Promise.all([...Array(100).keys()].map((n) => bus!.publish(t, 'NIFTY', { n })));
      await until(() => stored.length >= 99 && deadLetters.length >= 1);
      expect(stored).toEqual([...Array(100).keys()].filter((n) => n !== 13));
      expect(deadLetters.map((d) => (d.message.value as { n: number }).n)).toEqual([13]);
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    });

    it('retries a message whose handler fails for a temporary reason, dead-letters nothing and keeps the order', async () => {
      bus = await makeBus();
      const t = topic('contract.transient');
      const deadLetters: DeadLetter[] = [];
      bus.onDeadLetter((d) => deadLetters.push(d));
      const stored: number[] = [];
      let failures = 0;
      await bus.subscribeBatch<{ n: number }>(t, 'flaky', (messages) => {
        // The database is in a deadlock three times over while n = 5 is in the batch (SQLSTATE 40P01: temporary).
        if (messages.some((m) => m.value.n === 5) && failures++ < 3) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        for (const m of messages) stored.push(m.value.n);
      });
      for (let n = 0; n < 10; n++) await bus.publish(t, 'NIFTY', { n });
      await until(() => stored.length >= 10);
      await bus.drain();
      expect(stored).toEqual([...Array(10).keys()]);
      expect(failures).toBe(4);
      expect(deadLetters).toEqual([]);
    });

    it('stops delivering to a consumer that unsubscribed', async () => {
      bus = await makeBus();
      const t = topic('contract.unsubscribe');
      const seen: number[] = [];
      const subscription = await bus.subscribe<{ n: number }>(t, 'leaving', (m) => void seen.push(m.value.n));
      await bus.publish(t, 'NIFTY', { n: 1 });
      await until(() => seen.length === 1);
      await subscription.unsubscribe();
      await bus.publish(t, 'NIFTY', { n: 2 });
      await bus.drain();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([1]);
    });
  });
}
