/**
 * The platform in one process (the embedded default): database, bus, source,
 * processor, storage and the GraphQL API with live subscriptions.
 *
 * `buildApp(config)` wires everything and returns `{ start, stop }`; `stop()`
 * closes the source first, lets the pipeline drain, then closes sockets,
 * subscriptions and the database, so tests and shutdown leave nothing behind.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPubSub } from 'graphql-yoga';
import type { Config } from '../core/config.ts';
import { createLogger, type Logger } from '../core/log.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { InProcessBus, TOPICS, type Bus } from '../pipeline/bus.ts';
import { startIngest, type IngestRole } from '../pipeline/ingest.ts';
import { startProcessor, type ProcessorRole } from '../pipeline/processor.ts';
import { startStorage, type StorageRole } from '../pipeline/storage.ts';
import { createSource } from '../pipeline/sources/index.ts';
import type { Source } from '../pipeline/source.ts';
import type { ChainPubSub, Context } from '../schema/builder.ts';
import { chainTopicKey } from '../schema/chain.ts';
import { installGraphQL } from './graphql.ts';
import { installHealth } from './health.ts';
import { installSubscriptions } from './subscriptions.ts';

export interface AppServices {
  config: Config;
  log: Logger;
  database: DatabaseHandle;
  bus: Bus;
  pubsub: ChainPubSub;
  source: Source;
  processor: ProcessorRole;
  storage: StorageRole;
  /** Snapshots delivered to the API's pub/sub so far. */
  published: { count: number; lastAt: number | null };
}

export interface App {
  services: AppServices;
  /** Starts listening (port 0 picks a free one); resolves with the GraphQL URL. */
  start(port?: number): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

export interface BuildOptions {
  /** Replace the configured source (tests, benchmarks). */
  source?: Source;
  /** Use this database instead of opening one from the config. */
  database?: DatabaseHandle;
  log?: Logger;
}

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config.LOG_LEVEL, { role: 'all' });
  const database =
    options.database ??
    (await openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE } : { dataDir: config.DATA_DIR }));
  log.info('database ready', { kind: database.kind, location: database.location });

  const bus = new InProcessBus();
  bus.onDeadLetter((d) => log.error('message dead-lettered', { topic: d.message.topic, key: d.message.key, group: d.group, reason: d.reason }));

  const pubsub: ChainPubSub = createPubSub<{ 'chain:updated': [key: string, snapshot: EnrichedSnapshot] }>();
  const published = { count: 0, lastAt: null as number | null };
  const apiSubscription = await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'api', (message) => {
    pubsub.publish('chain:updated', chainTopicKey(message.value.symbol, message.value.expiry), message.value);
    published.count++;
    published.lastAt = Date.now();
  });

  const processor = await startProcessor(bus, {
    instruments: config.instruments,
    rate: config.RISK_FREE_RATE,
    gexConvention: config.GEX_CONVENTION,
    onReject: (reason, message) => log.warn('raw snapshot rejected', { reason, detail: message }),
  });
  const storage = await startStorage(bus, (snapshots) => database.write(snapshots));
  const source = options.source ?? (await createSource(config, log));

  const services: AppServices = { config, log, database, bus, pubsub, source, processor, storage, published };
  const context: Omit<Context, never> = {
    db: database.db,
    instruments: config.instruments,
    pubsub,
    holidays: config.holidaySet,
    now: Date.now,
  };

  let server: Server | undefined;
  let ingest: IngestRole | undefined;
  let closeSubscriptions: (() => Promise<void>) | undefined;

  return {
    services,
    async start(port = config.PORT) {
      const yoga = installGraphQL(context, log);
      const health = installHealth(services);
      server = createServer((request, response) => {
        if (health(request, response)) return;
        void yoga.handle(request, response);
      });
      closeSubscriptions = installSubscriptions(server, yoga);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, config.HOST, () => resolve());
      });
      const actualPort = (server.address() as AddressInfo).port;
      ingest = await startIngest(source, bus);
      const url = `http://localhost:${actualPort}${yoga.graphqlEndpoint}`;
      log.info('platform started', { url, source: source.name, symbols: config.SYMBOLS });
      return { url, port: actualPort };
    },
    async stop() {
      await ingest?.stop();
      await bus.drain();
      await processor.stop();
      await storage.stop();
      await apiSubscription.unsubscribe();
      await closeSubscriptions?.();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await bus.close();
      if (!options.database) await database.close();
      log.info('platform stopped');
    },
  };
}
