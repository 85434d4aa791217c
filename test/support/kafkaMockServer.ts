/**
 * Holds librdkafka's mock cluster (three brokers speaking the real Kafka wire
 * protocol on loopback ports) for as long as this process lives, and prints
 * its bootstrap servers as one line `KAFKA_MOCK_BROKERS=host:port,…` on
 * stdout. Started by test/support/kafkaCluster.ts as a child process; it
 * exits when its parent closes stdin (so a killed test run leaves nothing
 * behind) or on SIGTERM.
 *
 * The mock has no CreateTopics, so topics are made the way an operator's
 * tooling would make them outside the application: a line
 * `create <id> <topic> <topic>…` on stdin asks for a metadata request naming
 * each topic, which the mock answers by creating it (4 partitions,
 * replication factor 1); `created <id>` (or `failed <id> <reason>`) answers.
 *
 * The mock lives inside a librdkafka client: `test.mock.num.brokers` makes
 * any client start one and replace its own bootstrap servers with it, and
 * `debug: 'mock'` makes it log their addresses, which is how they are learnt.
 * Topics are auto-created on first use with 4 partitions (the mock's
 * default); see the issue 17 notes in test/kafkaBus.test.ts for what the mock
 * does not implement.
 */
import Kafka from 'node-rdkafka';

// `test.mock.num.brokers` is a librdkafka property the typings do not list.
const producer = new Kafka.Producer({ 'test.mock.num.brokers': 3, debug: 'mock', 'client.id': 'kafka-mock-cluster' } as Kafka.ProducerGlobalConfig);
let announced = false;
producer.on('event.log', (entry: { message: string }) => {
  const match = /Mock cluster \S+ bootstrap\.servers=(\S+)/.exec(entry.message);
  if (match && !announced) {
    announced = true;
    process.stdout.write(`KAFKA_MOCK_BROKERS=${match[1]}\n`);
  }
});
producer.setPollInterval(100);
producer.connect({}, (error) => {
  if (error) {
    process.stderr.write(`kafka mock cluster failed to start: ${String(error)}\n`);
    process.exit(1);
  }
});

/** Metadata request for one topic with auto-creation allowed (librdkafka's default): the mock creates it. */
const createTopic = (topic: string) =>
  new Promise<void>((resolve, reject) =>
    producer.getMetadata({ topic, allTopics: false, timeout: 10_000 }, (error, metadata) => {
      if (error) return reject(error);
      const created = metadata.topics.find((t) => t.name === topic);
      if (!created || created.partitions.length === 0) return reject(new Error(`topic ${topic} was not created`));
      resolve();
    }),
  );

let input = '';
process.stdin.on('data', (chunk: Buffer) => {
  input += chunk.toString();
  let newline: number;
  while ((newline = input.indexOf('\n')) >= 0) {
    const [command, id, ...topics] = input.slice(0, newline).trim().split(/\s+/);
    input = input.slice(newline + 1);
    if (command !== 'create') continue;
    Promise.all(topics.map(createTopic)).then(
      () => process.stdout.write(`created ${id}\n`),
      (error: unknown) => process.stdout.write(`failed ${id} ${String(error).replace(/\s+/g, ' ')}\n`),
    );
  }
});

const stop = () => producer.disconnect(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
