/**
 * One process of the platform, running the roles its configuration names:
 * `all` (the embedded default: database, bus, source, processor, storage and
 * the GraphQL API in one process) or one of `ingest`, `process`, `store`,
 * `api` (the distributed mode, the roles talking over Kafka).
 *
 * `buildApp(config)` wires what the role needs and returns `{ start, stop }`.
 * Every role serves /healthz and /readyz; `api` and `all` also serve GraphQL.
 * `stop()` stops consuming, lets work in flight finish and flush, then closes
 * sockets, subscriptions, the bus and the database, so nothing acknowledged is
 * lost and tests and shutdown leave nothing behind.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../core/config.ts';
import { createLogger, type Logger } from '../core/log.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openDatabase, type DatabaseHandle } from '../db/client.ts';
import { applyTimescalePolicies } from '../db/timescale.ts';
import { createRetention, type Retention } from '../db/retention.ts';
import { InProcessBus, TOPICS, type Bus, type Subscription } from '../pipeline/bus.ts';
import { KafkaBus, kafkaBusOptions } from '../pipeline/kafkaBus.ts';
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
import { closeRedisClient, createChainPubSub, createRedisClient, waitForRedis } from './redisPubSub.ts';
import { TwoLevelCache, latestChainKey } from './cache.ts';
import { MemoryDeduper, RedisDeduper, type Deduper } from '../pipeline/dedupe.ts';

export type Role = Config['ROLE'];

export interface AppServices {
  config: Config;
  role: Role;
  log: Logger;
  bus: Bus;
  /** Present for the roles that use the database: store, api, all. */
  database?: DatabaseHandle;
  /** api and all: in-process, or through Redis when REDIS_URL is set so any replica serves any update. */
  pubsub?: ChainPubSub;
  /** api and all: the latest chain of each expiry, in memory and (with REDIS_URL) in Redis. */
  cache?: TwoLevelCache<EnrichedSnapshot | null>;
  /** ingest and all. */
  source?: Source;
  /** process and all. */
  processor?: ProcessorRole;
  /** store and all. */
  storage?: StorageRole;
  /** Snapshots delivered to the API's pub/sub so far (api and all). */
  published: { count: number; lastAt: number | null };
}

export interface App {
  services: AppServices;
  /** Starts listening (port 0 picks a free one); resolves with the GraphQL URL (api, all) or the health URL. */
  start(port?: number): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

export interface BuildOptions {
  /** Replace the configured source (tests, benchmarks). */
  source?: Source;
  /** Use this database instead of opening one from the config (not closed by stop). */
  database?: DatabaseHandle;
  /** Use this bus instead of the configured one (not closed by stop). */
  bus?: Bus;
  log?: Logger;
}

const USES_DATABASE: readonly Role[] = ['all', 'store', 'api'];

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const role = config.ROLE;
  const log = options.log ?? createLogger(config.LOG_LEVEL, { role });
  if (role !== 'all' && !config.KAFKA_BROKERS && !options.bus) {
    throw new Error(`ROLE=${role} runs one role of a distributed deployment and needs KAFKA_BROKERS; use ROLE=all for a single process`);
  }

  const database = USES_DATABASE.includes(role)
    ? (options.database ??
      (await openDatabase(config.DATABASE_URL ? { url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, writeTransactions: config.STORAGE_WRITE_TRANSACTIONS } : { dataDir: config.DATA_DIR })))
    : undefined;
  let retention: Retention | null = null;
  if (database) {
    const timescale = await applyTimescalePolicies(database.db, {
      chunkInterval: config.TIMESCALE_CHUNK_INTERVAL,
      compressAfter: config.TIMESCALE_COMPRESS_AFTER,
      retention: config.TIMESCALE_RETENTION,
    });
    log.info('database ready', { kind: database.kind, location: database.location, timescale });
    // The roles that write run the retention job (db/retention.ts); the API only reads.
    if (role === 'all' || role === 'store') retention = createRetention(database, config, timescale, log);
  }

  const bus = options.bus ?? (config.KAFKA_BROKERS ? await connectKafka(config, log) : new InProcessBus());
  bus.onDeadLetter((d) => log.error('message dead-lettered', { topic: d.message.topic, key: d.message.key, group: d.group, reason: d.reason }));

  const services: AppServices = { config, role, log, bus, database, published: { count: 0, lastAt: null } };
  const consumers: Subscription[] = [];
  const closers: (() => Promise<void>)[] = [];

  if (role === 'all' || role === 'api') {
    const pubsubHandle = createChainPubSub(config.REDIS_URL, { connectionName: `options-${role}` });
    await pubsubHandle.ready();
    closers.push(() => pubsubHandle.close());
    const pubsub = pubsubHandle.pubsub;
    const cache = await TwoLevelCache.open<EnrichedSnapshot | null>({ ttlSeconds: config.CACHE_TTL_SECONDS, redisUrl: config.REDIS_URL, namespace: 'chain' });
    closers.push(() => cache.close());
    services.pubsub = pubsub;
    services.cache = cache;
    consumers.push(
      await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'api', async (message) => {
        const snapshot = message.value;
        pubsub.publish('chain:updated', chainTopicKey(snapshot.symbol, snapshot.expiry), snapshot);
        services.published.count++;
        services.published.lastAt = Date.now();
        // The newest snapshot is the latest chain: store it rather than only
        // invalidate, so a read right after never reloads the previous one.
        const key = latestChainKey(snapshot.symbol, snapshot.expiry);
        await cache.invalidate(key);
        await cache.set(key, snapshot);
      }),
    );
  }
  if (role === 'all' || role === 'process') {
    services.processor = await startProcessor(bus, {
      instruments: config.instruments,
      rate: config.RISK_FREE_RATE,
      gexConvention: config.GEX_CONVENTION,
      onReject: (reason, message) => log.warn('raw snapshot rejected', { reason, detail: message }),
    });
  }
  if (role === 'all' || role === 'store') {
    services.storage = await startStorage(bus, (snapshots) => database!.write(snapshots), {
      maxBuffered: config.STORAGE_MAX_BUFFERED,
      maxBatch: config.STORAGE_MAX_BATCH,
      onRetry: (error, attempt) => log.warn('database write failed, retrying', { attempt, error: error instanceof Error ? error.message : String(error) }),
    });
  }
  let deduper: Deduper | undefined;
  if (role === 'all' || role === 'ingest') {
    services.source = options.source ?? (await createSource(config, log));
    // The same source snapshot is processed once even when two ingesters run.
    if (config.REDIS_URL) {
      const redis = createRedisClient(config.REDIS_URL, `options-${role}-dedupe`);
      await waitForRedis(redis);
      closers.push(() => closeRedisClient(redis));
      deduper = new RedisDeduper(redis);
    } else {
      deduper = new MemoryDeduper();
    }
  }

  let server: Server | undefined;
  let ingest: IngestRole | undefined;
  let closeSubscriptions: (() => Promise<void>) | undefined;

  return {
    services,
    async start(port = config.PORT) {
      const health = installHealth(services);
      let yoga: ReturnType<typeof installGraphQL> | undefined;
      if (services.pubsub && database) {
        const context: Context = {
          db: database.db,
          instruments: config.instruments,
          pubsub: services.pubsub,
          cache: services.cache,
          holidays: config.holidaySet,
          now: Date.now,
        };
        yoga = installGraphQL(context, log);
      }
      server = createServer((request, response) => {
        if (health(request, response)) return;
        if (yoga) return void yoga.handle(request, response);
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `this process runs the ${role} role: only /healthz and /readyz are served here` }));
      });
      if (yoga) closeSubscriptions = installSubscriptions(server, yoga);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, config.HOST, () => resolve());
      });
      const actualPort = (server.address() as AddressInfo).port;
      retention?.start();
      if (services.source) ingest = await startIngest(services.source, bus, { deduper, onDuplicate: (snapshot) => log.debug('duplicate snapshot skipped', { id: snapshot.id }) });
      const url = `http://localhost:${actualPort}${yoga ? yoga.graphqlEndpoint : '/healthz'}`;
      log.info('started', { url, role, source: services.source?.name, symbols: config.SYMBOLS });
      return { url, port: actualPort };
    },
    async stop() {
      // Upstream first: no new snapshots, then let the pipeline drain and flush.
      await ingest?.stop();
      await bus.drain();
      await services.processor?.stop();
      await services.storage?.stop();
      await retention?.stop();
      for (const consumer of consumers) await consumer.unsubscribe();
      await closeSubscriptions?.();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      for (const close of closers) await close();
      if (!options.bus) await bus.close();
      if (database && !options.database) await database.close();
      log.info('stopped', { role });
    },
  };
}

/** The Kafka bus of the distributed mode, connected and with its topics in place. */
async function connectKafka(config: Config, log: Logger): Promise<Bus> {
  const bus = new KafkaBus(kafkaBusOptions(config));
  await bus.connect();
  log.info('kafka connected', { brokers: config.KAFKA_BROKERS });
  return bus;
}
