/**
 * A Kafka-protocol endpoint for tests and benchmarks: the real cluster named
 * by KAFKA_BROKERS when it is set, else librdkafka's mock cluster in a child
 * process (test/support/kafkaMockServer.ts). The mock implements the wire
 * protocol (metadata, produce, fetch, offsets, consumer groups) but not
 * CreateTopics, the idempotent producer, DescribeGroups/ListGroups (so no
 * admin `setOffsets`) or LeaveGroup v3: tests that need those ask for
 * `real` and run only against a real cluster.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

export interface KafkaCluster {
  brokers: string[];
  /** False for the mock cluster. */
  real: boolean;
  /**
   * How the bus under test gets its topics (KAFKA_TOPICS): `create` on a real
   * cluster (the bus calls CreateTopics); `external` on the mock, where
   * `createTopics` below makes them first, as an operator would.
   */
  topics: 'create' | 'external';
  /** Partitions of every topic made here (the mock's default; on a real cluster, what the tests ask for). */
  partitions: number;
  /** Makes these topics outside any bus (idempotent); the mock's way is a metadata request that auto-creates them. */
  createTopics(topics: string[]): Promise<void>;
  stop(): Promise<void>;
}

/** Partitions the mock gives an auto-created topic (librdkafka's mock default). */
export const MOCK_PARTITIONS = 4;

/** Partitions of the topics the tests make on a real cluster. */
const REAL_PARTITIONS = 3;

export function realBrokers(): string[] {
  return (process.env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The cluster named by KAFKA_BROKERS, or a fresh mock cluster (fails, never skips, when it cannot start). */
export async function startKafkaCluster(timeoutMs = 30_000): Promise<KafkaCluster> {
  const real = realBrokers();
  if (real.length > 0) {
    return {
      brokers: real,
      real: true,
      topics: 'create',
      partitions: REAL_PARTITIONS,
      createTopics: async (topics) => {
        const admin = new Kafka({ clientId: 'options-platform-test-admin', brokers: real, logLevel: logLevel.ERROR }).admin();
        await admin.connect();
        try {
          await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: REAL_PARTITIONS })), waitForLeaders: true });
        } finally {
          await admin.disconnect();
        }
      },
      stop: async () => {},
    };
  }
  const script = fileURLToPath(new URL('./kafkaMockServer.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  const brokers = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`kafka mock cluster did not announce its brokers within ${timeoutMs} ms: ${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    child.on('error', fail);
    child.on('exit', (code) => fail(new Error(`kafka mock cluster exited (${code}) before it announced its brokers: ${output}`)));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /KAFKA_MOCK_BROKERS=(\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve(match[1].split(','));
    });
  });
  let requests = 0;
  const answers = new Map<string, (line: string) => void>();
  let lines = '';
  child.stdout.on('data', (chunk: Buffer) => {
    lines += chunk.toString();
    let newline: number;
    while ((newline = lines.indexOf('\n')) >= 0) {
      const [status, id, ...reason] = lines.slice(0, newline).split(' ');
      lines = lines.slice(newline + 1);
      answers.get(id)?.([status, ...reason].join(' '));
    }
  });
  return {
    brokers,
    real: false,
    topics: 'external',
    partitions: MOCK_PARTITIONS,
    createTopics: (topics) =>
      new Promise<void>((resolve, reject) => {
        const id = String(++requests);
        answers.set(id, (answer) => {
          answers.delete(id);
          if (answer === 'created') resolve();
          else reject(new Error(`kafka mock cluster could not create ${topics.join(', ')}: ${answer}`));
        });
        child.stdin.write(`create ${id} ${topics.join(' ')}\n`);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      }),
  };
}
