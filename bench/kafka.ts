/**
 * Messages per second through the Kafka bus on the Kafka wire protocol:
 * librdkafka's mock cluster (three brokers on loopback, in a child process;
 * test/support/kafkaCluster.ts), or the real cluster named by KAFKA_BROKERS.
 *
 * For raw and enriched snapshots of 81 strikes (NIFTY, the simulator on a
 * fixed seed, enriched by the real processor), each run publishes `count`
 * messages keyed by the five symbols, while a batch consumer in its own group
 * takes them off the topic. The figure is messages handed to the consumer per
 * second, from the first publish to the last delivery. Two ways of publishing:
 *
 * - `publishers`: the bus's capacity. 256 publishers, each awaiting its
 *   publish until acknowledged, at most MAX_BACKLOG ahead of the consumer:
 *   many messages in flight at once, so they share produce requests.
 * - the pipeline's roles as they run: `ingest` is the ingest role fed by a
 *   source that emits as fast as it is let (a source awaits each emit, so one
 *   raw publish is in flight at a time: a round trip and the linger each);
 *   `processor` is the processor role on the main loop (PIPELINE_THREADS'
 *   default), consuming raw snapshots published as in `publishers` and
 *   publishing each batch's enriched snapshots together; its figure is
 *   enriched snapshots delivered per second and includes the enrichment
 *   (IV, Greeks, analytics: `enrich µs` alone).
 *
 * Beside each: the Avro encode and decode time per message measured alone
 * (CPU on this thread), so the rest of a message's time is the wire, the
 * brokers and kafkajs.
 *
 * On the mock every figure includes the mock brokers' own CPU, on the same
 * two cores: a real cluster on its own machines leaves the client more. The
 * consumers' fetch wait is shortened there (MOCK_FETCH_MAX_WAIT_MS).
 */
import { decodeMessage, encodeMessage } from '../pipeline/avroCodec.ts';
import { TOPICS, type Bus } from '../pipeline/bus.ts';
import { KafkaBus, type Compression, type KafkaBusOptions } from '../pipeline/kafkaBus.ts';
import { startKafkaCluster, type KafkaCluster } from '../test/support/kafkaCluster.ts';
import { simulatedEnrichedSnapshots, simulatedRawSnapshots } from '../test/fixtures.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';
import { instrumentTable } from '../core/instruments.ts';
import { startIngest } from '../pipeline/ingest.ts';
import { processRaw, startProcessor } from '../pipeline/processor.ts';
import type { Source } from '../pipeline/source.ts';

/** Producer settings compared: compression and linger (KAFKA_COMPRESSION, KAFKA_LINGER_MS). */
export interface KafkaBenchVariant {
  compression: Compression;
  lingerMs: number;
}

export const KAFKA_BENCH_VARIANTS: KafkaBenchVariant[] = [
  { compression: 'none', lingerMs: 0 },
  { compression: 'none', lingerMs: 5 },
  { compression: 'gzip', lingerMs: 5 },
];

/** How a run publishes (see the module comment). */
export type KafkaBenchPath = 'publishers' | 'ingest' | 'processor';

/** The roles' runs: each at the default linger (0) and at 5 ms. */
export const KAFKA_ROLE_VARIANTS: (KafkaBenchVariant & { path: Exclude<KafkaBenchPath, 'publishers'> })[] = [
  { path: 'ingest', compression: 'none', lingerMs: 0 },
  { path: 'ingest', compression: 'none', lingerMs: 5 },
  { path: 'processor', compression: 'none', lingerMs: 0 },
  { path: 'processor', compression: 'none', lingerMs: 5 },
];

export interface KafkaBenchRow extends KafkaBenchVariant {
  path: KafkaBenchPath;
  snapshots: string;
  messages: number;
  /** Avro bytes per message (before compression). */
  bytesPerMessage: number;
  /** Delivered to the consumer per second, first publish to last delivery. */
  perSecond: number;
  /** Publish calls per second, until the last was acknowledged. */
  publishedPerSecond: number;
  /** Avro encode and decode, microseconds per message, measured alone. */
  encodeUs: number;
  decodeUs: number;
  /** The processor's enrichment of one raw snapshot, microseconds, measured alone (processor rows). */
  enrichUs?: number;
}

/** What the bench needs of a bus: the production KafkaBus, or another adapter to compare with. */
export type KafkaBenchBus = (options: KafkaBusOptions) => Bus & { connect(): Promise<void> };

/** Publishes in flight at once, as the ingest role's sources have them. */
const IN_FLIGHT = 256;
/**
 * Publishers wait while this many messages are published but not consumed:
 * a steady source, not a burst. It also keeps the backlog (about 2 MB of raw
 * snapshots) inside what the mock keeps of a partition (its log drops old
 * segments past a few MB, and a consumer whose offset was dropped is reset
 * to the end: what a real cluster does when retention overtakes a consumer).
 */
const MAX_BACKLOG = 100;
/**
 * The consumers' fetch wait on the mock cluster, ms. librdkafka's mock
 * answers a fetch that finds no new data only after its whole wait, even
 * when data arrives meanwhile (rdkafka_mock_handlers.c: "we should cut the
 * wait short … but that is too much of a hassle"); a broker answers as soon
 * as data arrives. With the bus's default 250 ms, a consumer that caught up
 * idled up to 250 ms while the backlog filled, and the figures measured that
 * wait. A few ms stands in for a broker's early answer (at the cost of
 * polling an idle partition every few ms).
 */
const MOCK_FETCH_MAX_WAIT_MS = 5;
const SYMBOLS = ['NIFTY', 'BANKNIFTY', 'FINNIFTY', 'MIDCPNIFTY', 'SENSEX'];

export async function runKafkaBench(
  counts: { raw: number; enriched: number; roles?: number } = { raw: 5_000, enriched: 2_000 },
  makeBus: KafkaBenchBus = (options) => new KafkaBus(options),
  variants: KafkaBenchVariant[] = KAFKA_BENCH_VARIANTS,
  roles: typeof KAFKA_ROLE_VARIANTS = KAFKA_ROLE_VARIANTS,
): Promise<KafkaBenchRow[]> {
  const cluster = await startKafkaCluster();
  const run = `bench-${Date.now().toString(36)}`;
  try {
    if (!cluster.real) await cluster.createTopics([TOPICS.raw, TOPICS.enriched, TOPICS.analytics, `${run}.deadletter`]);
    // 50 distinct snapshots of each kind, cycled: their size and shape is what matters, not their novelty.
    const fixture = { symbols: ['NIFTY'], strikesEachSide: 40, seed: 23, secondsPerTick: 1 };
    const raws: RawSnapshot[] = simulatedRawSnapshots(50, fixture);
    const enriched: EnrichedSnapshot[] = simulatedEnrichedSnapshots(50, fixture);
    const rows: KafkaBenchRow[] = [];
    for (const variant of variants) {
      rows.push(await measure(cluster, makeBus, run, variant, 'raw (81 strikes)', TOPICS.raw, raws, counts.raw));
      rows.push(await measure(cluster, makeBus, run, variant, 'enriched (81 strikes)', TOPICS.enriched, enriched, counts.enriched));
    }
    for (const variant of roles) {
      const count = counts.roles ?? 1_000;
      rows.push(
        variant.path === 'ingest'
          ? await measure(cluster, makeBus, run, variant, 'raw (81 strikes)', TOPICS.raw, raws, count, 'ingest')
          : await measure(cluster, makeBus, run, variant, 'raw → enriched (81 strikes)', TOPICS.enriched, raws, count, 'processor'),
      );
    }
    return rows;
  } finally {
    await cluster.stop();
  }
}

async function measure(
  cluster: KafkaCluster,
  makeBus: KafkaBenchBus,
  run: string,
  variant: KafkaBenchVariant,
  label: string,
  topic: string,
  values: unknown[],
  count: number,
  path: KafkaBenchPath = 'publishers',
): Promise<KafkaBenchRow> {
  const bus = makeBus({
    brokers: cluster.brokers,
    clientId: 'options-platform-bench',
    partitions: cluster.partitions,
    replicationFactor: 1,
    deadLetterTopic: `${run}.deadletter`,
    groupPrefix: `${run}.${path}.${variant.compression}.${variant.lingerMs}.`,
    topics: cluster.topics,
    idempotent: cluster.real,
    // The mock holds a fetch that finds no data for its whole wait, even when data arrives meanwhile (a broker answers then).
    fetchMaxWaitMs: cluster.real ? undefined : MOCK_FETCH_MAX_WAIT_MS,
    ...variant,
    logLevel: 'error',
  });
  await bus.connect();
  const stops: (() => Promise<void>)[] = [];
  try {
    const processOptions = { instruments: instrumentTable(), rate: 0.065 };
    // What the consumer gets: the values published, or (processor) the processor's enriched snapshots of them.
    const delivers = path === 'processor' ? values.map((v) => { const o = processRaw(v, processOptions); if (o.kind !== 'enriched') throw new Error(`bench: ${o.message}`); return o.snapshot; }) : values;
    const encoded = delivers.map((v) => encodeMessage(topic, v));
    const bytesPerMessage = encoded.reduce((n, b) => n + b.length, 0) / encoded.length;
    const encodeUs = timePerItemUs(count, (i) => encodeMessage(topic, delivers[i % delivers.length]));
    const decodeUs = timePerItemUs(count, (i) => decodeMessage(topic, encoded[i % encoded.length]));
    const enrichUs = path === 'processor' ? timePerItemUs(Math.min(count, 300), (i) => processRaw(values[i % values.length], processOptions)) : undefined;

    let delivered = 0;
    let lastAt = 0;
    // Resolved (and replaced) at each delivery: wakes the publishers waiting for the backlog to shrink.
    let progress = () => {};
    let progressed = new Promise<void>((resolve) => (progress = resolve));
    await bus.subscribeBatch(topic, `bench-${topic}`, (messages) => {
      delivered += messages.length;
      lastAt = performance.now();
      const wake = progress;
      progressed = new Promise<void>((resolve) => (progress = resolve));
      wake();
    });
    if (path === 'processor') {
      const processor = await startProcessor(bus, { ...processOptions, threads: 0 });
      stops.push(processor.stop);
    }
    const started = performance.now();
    let next = 0;
    // Keyed by the five symbols, as the pipeline's are: the topic's partitions share the load.
    const keyed = (i: number) => ({ ...(values[i % values.length] as RawSnapshot), symbol: SYMBOLS[i % SYMBOLS.length] });
    const publisher = async () => {
      while (next < count) {
        while (next - delivered > MAX_BACKLOG) await progressed;
        const i = next++;
        if (path === 'processor') await bus.publish(TOPICS.raw, SYMBOLS[i % SYMBOLS.length], keyed(i));
        else await bus.publish(topic, SYMBOLS[i % SYMBOLS.length], values[i % values.length]);
      }
    };
    if (path === 'ingest') {
      // The ingest role, fed by a source that emits the next snapshot as soon as the last emit returned.
      let stopped = false;
      let emitting = Promise.resolve();
      const source: Source = {
        name: 'bench',
        start: async (emit) => {
          emitting = (async () => {
            for (let i = 0; i < count && !stopped; i++) await emit({ ...(values[i % values.length] as RawSnapshot), symbol: SYMBOLS[i % SYMBOLS.length] });
          })();
        },
        stop: async () => {
          stopped = true;
          await emitting;
        },
        status: () => ({ name: 'bench', state: 'running', snapshotsEmitted: 0, rejected: {} }),
      };
      const ingest = await startIngest(source, bus);
      stops.push(ingest.stop);
      await emitting;
    } else {
      await Promise.all(Array.from({ length: IN_FLIGHT }, publisher));
    }
    const publishedAt = performance.now();
    const deadline = Date.now() + 300_000;
    while (delivered < count) {
      if (Date.now() > deadline) throw new Error(`kafka bench: ${delivered} of ${count} ${label} delivered after 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return {
      path,
      snapshots: label,
      compression: variant.compression,
      lingerMs: variant.lingerMs,
      messages: count,
      bytesPerMessage,
      perSecond: (count * 1000) / (lastAt - started),
      publishedPerSecond: (count * 1000) / (publishedAt - started),
      encodeUs,
      decodeUs,
      enrichUs,
    };
  } finally {
    for (const stop of stops) await stop();
    await bus.close();
  }
}

/** Microseconds per call of `work(i)` over `n` calls, after a warm-up. */
function timePerItemUs(n: number, work: (i: number) => unknown): number {
  for (let i = 0; i < Math.min(n, 200); i++) work(i);
  const started = performance.now();
  for (let i = 0; i < n; i++) work(i);
  return ((performance.now() - started) * 1000) / n;
}
