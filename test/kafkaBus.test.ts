/**
 * The Kafka bus against a real broker. Skipped unless KAFKA_BROKERS is set.
 * Against the compose stack (Redpanda listens on the host at
 * localhost:${KAFKA_HOST_PORT:-19092}):
 *
 *   docker compose up -d redpanda
 *   KAFKA_BROKERS=127.0.0.1:19092 npx vitest run test/kafkaBus.test.ts
 *
 * Every run uses its own topic and consumer-group prefix, so runs never see
 * each other's messages or offsets.
 *
 * Without a broker, the same contract (and the dead-letter, at-least-once and
 * shutdown behaviour) runs against an in-memory double of the kafkajs calls
 * the bus makes (`FakeKafka` below): partitions keyed by hash, committed
 * offsets per group, fetch loops that resume from the last resolved offset
 * and restart from the committed one when eachBatch throws.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Kafka, logLevel, type EachBatchPayload, type IHeaders, type KafkaMessage } from 'kafkajs';
import { describeBusContract } from './busContract.ts';
import { DEAD_LETTER_HEADERS, KafkaBus, type KafkaBusOptions, type KafkaClient } from '../pipeline/kafkaBus.ts';
import { encodeMessage } from '../pipeline/avroCodec.ts';
import type { DeadLetter } from '../pipeline/bus.ts';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const run = `test-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
let buses = 0;

function options(): KafkaBusOptions {
  return {
    brokers,
    clientId: 'options-platform-test',
    partitions: 3,
    replicationFactor: 1,
    deadLetterTopic: `${run}.deadletter`,
    // A fresh group namespace per bus: each contract case starts clean.
    groupPrefix: `${run}.${++buses}.`,
    logLevel: 'error',
  };
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(brokers.length === 0)('the Kafka bus (needs KAFKA_BROKERS)', { timeout: 60_000 }, () => {
  describeBusContract(
    'kafka',
    async () => {
      const bus = new KafkaBus(options());
      await bus.connect();
      return bus;
    },
    { topicPrefix: () => `${run}.` },
  );

  describe('poison messages', () => {
    let bus: KafkaBus | undefined;
    let cleanup = async () => {};

    afterAll(async () => {
      await bus?.close();
      await cleanup();
    });

    it('sends a message that does not decode to the dead-letter topic with its reason, and moves on', async () => {
      const kafka = new Kafka({ clientId: 'options-platform-test-raw', brokers, logLevel: logLevel.ERROR });
      const producer = kafka.producer();
      const reader = kafka.consumer({ groupId: `${run}.dead-letter-reader` });
      cleanup = async () => {
        await reader.disconnect();
        await producer.disconnect();
      };
      const busOptions = options();
      bus = new KafkaBus(busOptions);
      const topic = `${run}.poison`;
      const deadLetters: DeadLetter[] = [];
      bus.onDeadLetter((d) => deadLetters.push(d));
      const handled: number[] = [];
      await bus.subscribe<{ n: number }>(topic, 'strict', (m) => void handled.push(m.value.n));

      await producer.connect();
      await producer.send({
        topic,
        messages: [
          { key: 'NIFTY', value: encodeMessage(topic, { n: 1 }) },
          { key: 'NIFTY', value: Buffer.from('{"n":2}') }, // JSON where Avro is expected
          { key: 'NIFTY', value: encodeMessage(topic, { n: 3 }) },
        ],
      });
      await until(() => handled.length >= 2 && deadLetters.length >= 1);
      expect(handled).toEqual([1, 3]);
      expect(deadLetters[0].group).toBe('strict');
      expect(deadLetters[0].reason).toMatch(/wire format 123; this build reads format 1/);

      const landed: { value: string; headers: Record<string, string> }[] = [];
      await reader.connect();
      await reader.subscribe({ topics: [busOptions.deadLetterTopic], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
          landed.push({ value: message.value?.toString() ?? '', headers });
        },
      });
      await until(() => landed.length >= 1);
      expect(landed[0].value).toBe('{"n":2}');
      expect(landed[0].headers[DEAD_LETTER_HEADERS.code]).toBe('unknown_version');
      expect(landed[0].headers[DEAD_LETTER_HEADERS.reason]).toMatch(/wire format 123/);
      expect(landed[0].headers[DEAD_LETTER_HEADERS.sourceTopic]).toBe(topic);
      expect(landed[0].headers[DEAD_LETTER_HEADERS.group]).toBe(`${busOptions.groupPrefix}strict`);
      expect(Number(landed[0].headers[DEAD_LETTER_HEADERS.offset])).toBeGreaterThanOrEqual(1);
      expect(landed[0].headers[DEAD_LETTER_HEADERS.partition]).toMatch(/^\d+$/);

      // The poison message's offset was committed: a new member of the group does not see it again.
      await bus.close();
      bus = new KafkaBus({ ...busOptions });
      const again: number[] = [];
      await bus.subscribe<{ n: number }>(topic, 'strict', (m) => void again.push(m.value.n));
      await bus.publish(topic, 'NIFTY', { n: 4 });
      await until(() => again.length >= 1);
      await bus.drain();
      expect(again).toEqual([4]);
    });
  });
});

// ---------------------------------------------------------------------------
// Without a broker: an in-memory double of the kafkajs calls the bus makes
// ---------------------------------------------------------------------------

interface StoredMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  offset: string;
}

class FakeKafka {
  readonly logs = new Map<string, StoredMessage[][]>();
  /** groupId → `${topic}/${partition}` → next offset to read. */
  readonly committed = new Map<string, Map<string, number>>();
  /** Every eachBatch call's first offset, per group: shows redeliveries. */
  readonly fetches: { groupId: string; offset: number }[] = [];
  failSendsTo: string | null = null;

  partitionOf(topic: string, key: Buffer | string | null | undefined): number {
    const log = this.log(topic);
    let hash = 0;
    for (const byte of Buffer.from(key ?? '')) hash = (hash * 31 + byte) >>> 0;
    return hash % log.length;
  }

  log(topic: string): StoredMessage[][] {
    const log = this.logs.get(topic);
    if (!log) throw new Error(`unknown topic ${topic}`);
    return log;
  }

  commits(groupId: string): Map<string, number> {
    let map = this.committed.get(groupId);
    if (!map) this.committed.set(groupId, (map = new Map()));
    return map;
  }

  admin() {
    return {
      connect: async () => {},
      disconnect: async () => {},
      createTopics: async ({ topics }: { topics: { topic: string; numPartitions?: number }[] }) => {
        let created = false;
        for (const { topic, numPartitions = 1 } of topics) {
          if (this.logs.has(topic)) continue;
          this.logs.set(topic, Array.from({ length: numPartitions }, () => []));
          created = true;
        }
        return created;
      },
      fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) =>
        topics.map((topic) => ({
          topic,
          partitions: this.log(topic).map((_, partition) => ({ partition, offset: String(this.commits(groupId).get(`${topic}/${partition}`) ?? -1) })),
        })),
      fetchTopicOffsets: async (topic: string) =>
        this.log(topic).map((messages, partition) => ({ partition, offset: String(messages.length), high: String(messages.length), low: '0' })),
      setOffsets: async ({ groupId, topic, partitions }: { groupId: string; topic: string; partitions: { partition: number; offset: string }[] }) => {
        for (const { partition, offset } of partitions) this.commits(groupId).set(`${topic}/${partition}`, Number(offset));
      },
    };
  }

  producer() {
    return {
      connect: async () => {},
      disconnect: async () => {},
      send: async ({ topic, messages }: { topic: string; messages: { key?: Buffer | string | null; value: Buffer | string | null; headers?: IHeaders }[] }) => {
        if (this.failSendsTo === topic) throw new Error(`broker unavailable for ${topic}`);
        for (const m of messages) {
          const partition = this.log(topic)[this.partitionOf(topic, m.key)];
          partition.push({
            key: m.key == null ? null : Buffer.from(m.key),
            value: m.value == null ? null : Buffer.from(m.value),
            headers: m.headers ?? {},
            offset: String(partition.length),
          });
        }
        return [];
      },
    };
  }

  consumer({ groupId }: { groupId: string }) {
    const fake = this;
    const listeners: (() => void)[] = [];
    let topic = '';
    let running = false;
    let loop: Promise<void> = Promise.resolve();
    return {
      events: { GROUP_JOIN: 'consumer.group_join' },
      on: (_event: string, listener: () => void) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
      connect: async () => {},
      subscribe: async ({ topics }: { topics: string[] }) => void (topic = topics[0]),
      run: async ({ eachBatch }: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
        running = true;
        const commits = fake.commits(groupId);
        const log = fake.log(topic);
        // Like auto.offset.reset=latest for partitions without a committed offset.
        log.forEach((messages, partition) => {
          if (!commits.has(`${topic}/${partition}`)) commits.set(`${topic}/${partition}`, messages.length);
        });
        const position = log.map((_, partition) => commits.get(`${topic}/${partition}`)!);
        setTimeout(() => listeners.forEach((l) => l()), 5);
        loop = (async () => {
          while (running) {
            let idle = true;
            for (let partition = 0; partition < log.length && running; partition++) {
              const available = log[partition].slice(position[partition], position[partition] + 50);
              if (available.length === 0) continue;
              idle = false;
              fake.fetches.push({ groupId, offset: position[partition] });
              let resolved: number | null = null;
              const commit = () => {
                if (resolved !== null) commits.set(`${topic}/${partition}`, resolved);
              };
              const messages = available.map((m) => ({ ...m, timestamp: '0', attributes: 0 }) as KafkaMessage);
              try {
                await eachBatch({
                  batch: { topic, partition, messages } as unknown as EachBatchPayload['batch'],
                  resolveOffset: (offset: string) => void (resolved = Number(offset) + 1),
                  heartbeat: async () => {},
                  pause: () => () => {},
                  commitOffsetsIfNecessary: async () => commit(),
                  uncommittedOffsets: () => ({ topics: [] }),
                  isRunning: () => running,
                  isStale: () => false,
                });
                commit();
                if (resolved !== null) position[partition] = resolved;
              } catch {
                // kafkajs restarts the consumer from the committed offset.
                commit();
                position[partition] = commits.get(`${topic}/${partition}`)!;
              }
            }
            // Yield to timers even when busy (a batch that keeps failing must not starve the event loop).
            await new Promise((resolve) => (idle ? setTimeout(resolve, 2) : setImmediate(resolve)));
          }
        })();
      },
      disconnect: async () => {
        running = false;
        await loop;
      },
    };
  }
}

function fakeOptions(fake: FakeKafka, overrides: Partial<KafkaBusOptions> = {}): KafkaBusOptions {
  return {
    brokers: ['fake:9092'],
    clientId: 'test',
    partitions: 3,
    replicationFactor: 1,
    deadLetterTopic: 'market.deadletter',
    client: fake as unknown as KafkaClient,
    logLevel: 'silent',
    logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child() { return this; } },
    drainTimeoutMs: 5_000,
    ...overrides,
  };
}

describe('the Kafka bus on an in-memory kafkajs double', () => {
  describeBusContract('kafka (in-memory double)', async () => {
    const bus = new KafkaBus(fakeOptions(new FakeKafka()));
    await bus.connect();
    return bus;
  });

  let bus: KafkaBus | undefined;
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
  });

  it('creates the pipeline, analytics and dead-letter topics with the configured partitions on connect', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake, { partitions: 5 }));
    await bus.connect();
    expect([...fake.logs.keys()].sort()).toEqual(['market.analytics', 'market.deadletter', 'market.enriched', 'market.raw']);
    expect(fake.log('market.raw')).toHaveLength(5);
  });

  it('encodes values with Avro and keys them by symbol, one partition per underlying', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake));
    for (let n = 0; n < 6; n++) await bus.publish('ticks', n % 2 ? 'NIFTY' : 'BANKNIFTY', { n });
    const nifty = fake.log('ticks')[fake.partitionOf('ticks', 'NIFTY')].filter((m) => m.key?.toString() === 'NIFTY');
    expect(nifty).toHaveLength(3);
    expect(nifty[0].value).toEqual(encodeMessage('ticks', { n: 1 }));
  });

  it('dead-letters a message that does not decode with its original bytes and headers, commits it and moves on', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake, { groupPrefix: 'prod.' }));
    const deadLetters: DeadLetter[] = [];
    bus.onDeadLetter((d) => deadLetters.push(d));
    const handled: number[] = [];
    await bus.subscribeBatch<{ n: number }>('ticks', 'writer', (messages) => void handled.push(...messages.map((m) => m.value.n)));
    const producer = fake.producer();
    await producer.send({
      topic: 'ticks',
      messages: [
        { key: 'NIFTY', value: encodeMessage('ticks', { n: 1 }) },
        { key: 'NIFTY', value: Buffer.from('{"n":2}') },
        { key: 'NIFTY', value: encodeMessage('ticks', { n: 3 }) },
      ],
    });
    await until(() => handled.length >= 2 && deadLetters.length >= 1, 5_000);
    expect(handled).toEqual([1, 3]);
    expect(deadLetters[0]).toMatchObject({ group: 'writer', message: { topic: 'ticks', key: 'NIFTY' } });
    expect(deadLetters[0].reason).toMatch(/wire format 123; this build reads format 1/);

    const [landed] = fake.log('market.deadletter').flat();
    expect(landed.key?.toString()).toBe('NIFTY');
    expect(landed.value?.toString()).toBe('{"n":2}');
    const partition = fake.partitionOf('ticks', 'NIFTY');
    expect(landed.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.code]: 'unknown_version',
      [DEAD_LETTER_HEADERS.sourceTopic]: 'ticks',
      [DEAD_LETTER_HEADERS.partition]: String(partition),
      [DEAD_LETTER_HEADERS.offset]: '1',
      [DEAD_LETTER_HEADERS.group]: 'prod.writer',
    });
    expect(String(landed.headers[DEAD_LETTER_HEADERS.reason])).toMatch(/wire format 123/);
    await until(() => fake.commits('prod.writer').get(`ticks/${partition}`) === 3, 5_000);
  });

  it('commits nothing and redelivers when the dead-letter write fails (at-least-once)', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake));
    const deadLetters: DeadLetter[] = [];
    bus.onDeadLetter((d) => deadLetters.push(d));
    await bus.connect();
    fake.failSendsTo = 'market.deadletter';
    let attempts = 0;
    await bus.subscribe<{ n: number }>('ticks', 'strict', () => {
      attempts++;
      throw new Error('always fails');
    });
    await bus.publish('ticks', 'NIFTY', { n: 1 });
    await until(() => attempts >= 3, 5_000);
    expect(deadLetters).toHaveLength(0);
    expect(fake.commits('strict').get(`ticks/${fake.partitionOf('ticks', 'NIFTY')}`)).toBe(0);
    fake.failSendsTo = null;
    await until(() => deadLetters.length === 1, 5_000);
    await bus.drain();
    expect(fake.commits('strict').get(`ticks/${fake.partitionOf('ticks', 'NIFTY')}`)).toBe(1);
  });

  it('stops after the message in flight on close, leaving the rest uncommitted for the next member of the group', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake));
    const handled: number[] = [];
    let release = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe<{ n: number }>('ticks', 'slow', async (m) => {
      if (m.value.n === 2) await blocked;
      handled.push(m.value.n);
    });
    for (let n = 1; n <= 5; n++) await bus.publish('ticks', 'NIFTY', { n });
    await until(() => handled.length === 1, 5_000);
    const closing = bus.close();
    release();
    await closing;
    expect(handled).toEqual([1, 2]);
    const partition = fake.partitionOf('ticks', 'NIFTY');
    expect(fake.commits('slow').get(`ticks/${partition}`)).toBe(2);

    bus = new KafkaBus(fakeOptions(fake));
    const resumed: number[] = [];
    await bus.subscribe<{ n: number }>('ticks', 'slow', (m) => void resumed.push(m.value.n));
    await until(() => resumed.length === 3, 5_000);
    expect(resumed).toEqual([3, 4, 5]);
  });

  it('starts a new consumer group at the end of the topic, and an existing one at its committed offset', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake));
    await bus.publish('ticks', 'NIFTY', { n: 1 });
    const seen: number[] = [];
    const subscription = await bus.subscribe<{ n: number }>('ticks', 'late', (m) => void seen.push(m.value.n));
    await bus.publish('ticks', 'NIFTY', { n: 2 });
    await bus.drain();
    await subscription.unsubscribe();
    await bus.publish('ticks', 'NIFTY', { n: 3 });
    await bus.subscribe<{ n: number }>('ticks', 'late', (m) => void seen.push(m.value.n));
    await until(() => seen.length === 2, 5_000);
    expect(seen).toEqual([2, 3]);
  });

  it('fails drain naming the consumer that lags', async () => {
    const fake = new FakeKafka();
    bus = new KafkaBus(fakeOptions(fake, { drainTimeoutMs: 100 }));
    let release = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    await bus.subscribe('ticks', 'stuck', () => blocked);
    await bus.publish('ticks', 'NIFTY', { n: 1 });
    await expect(bus.drain()).rejects.toThrow(/stuck on ticks handled 0 of 1/);
    release();
  });
});
