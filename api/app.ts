/**
 * One process of the platform, running the roles its configuration names:
 * `all` (the embedded default: database, bus, source, processor, storage and
 * the GraphQL API in one process) or one of `ingest`, `process`, `store`,
 * `api` (the distributed mode, the roles talking over Kafka).
 *
 * `buildApp(config)` wires what the role needs and returns `{ start, stop }`.
 * With PIPELINE_THREADS=source (the default) the configured source runs on a
 * worker thread of its own (pipeline/sources/workerSource.ts), so the API's
 * delivery on the main loop does not make it late; `on` also moves the
 * processor's enrichment to a thread (pipeline/enrichPool.ts), which costs
 * more CPU than it saves the main loop (copying a snapshot there and back
 * costs about what enriching it does; npm run bench compares).
 * Every role serves /healthz and /readyz; `api` and `all` also serve GraphQL.
 * `stop()` stops the source, lets work in flight finish and flush, then
 * closes sockets, subscriptions, the bus and the database, so nothing
 * acknowledged is lost and tests and shutdown leave nothing behind. It keeps
 * to SHUTDOWN_TIMEOUT_MS: when the pipeline has not drained with a few
 * seconds left, the storage role spools what remains to disk instead of
 * waiting for the database.
 *
 * Redis is optional even when configured: its clients fail fast, the
 * process starts and runs degraded while it is away (see api/redisHealth.ts),
 * and /readyz says so.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Config } from '../core/config.ts';
import { createLogger, secretsOf, type Logger } from '../core/log.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { openDatabase, type Database, type DatabaseHandle } from '../db/client.ts';
import { timescaleWindowsOf } from '../db/timescale.ts';
import { createRetention, type Retention } from '../db/retention.ts';
import { InProcessBus, TOPICS, type Bus, type QueueStats, type Subscription } from '../pipeline/bus.ts';
import { KafkaBus, kafkaBusOptions } from '../pipeline/kafkaBus.ts';
import { startIngest, type IngestRole } from '../pipeline/ingest.ts';
import { startProcessor, type ProcessorRole } from '../pipeline/processor.ts';
import { startAnalytics, type AnalyticsRole } from '../pipeline/analytics.ts';
import { parseAnalyticsMessage, type AnalyticsMessage } from '../core/analyticsMessage.ts';
import { AnalyticsCadence, allDue, writeAnalytics } from '../db/queries/writeAnalytics.ts';
import { LatestAnalytics, withoutFlows } from '../core/latestAnalytics.ts';
import { storedSessionHistory } from '../db/queries/sessionSnapshots.ts';
import { startStorage, type StorageRole } from '../pipeline/storage.ts';
import { createSource } from '../pipeline/sources/index.ts';
import { configuredWorkerSource } from '../pipeline/sources/workerSource.ts';
import type { Source } from '../pipeline/source.ts';
import type { ChainPubSub, Context } from '../schema/builder.ts';
import { chainTopicKey, latestChainKey } from '../schema/chain.ts';
import { createSettledReads } from '../schema/loaders.ts';
import { installGraphQL } from './graphql.ts';
import { installAuth, type Auth } from './installAuth.ts';
import { createFirebaseVerifier, type FirebaseHandle } from './firebase.ts';
import { installHealth } from './health.ts';
import { installSubscriptions, type Subscriptions } from './subscriptions.ts';
import type { SharedSubscriptionStats } from './sharedSubscriptions.ts';
import { closeRedisClient, createChainPubSub, createRedisClient } from './redisPubSub.ts';
import { RedisMonitor } from './redisHealth.ts';
import { installSubscriptionLimits } from './installSubscriptionLimits.ts';
import { MemoryLeases, RedisLeases } from './connectionLeases.ts';
import { createCutoffChannel, type CutoffChannel } from './cutoffChannel.ts';
import { ConcurrencyLimit } from '../core/concurrencyLimit.ts';
import { PlaybackSlots } from '../core/playback.ts';
import { TwoLevelCache } from './cache.ts';
import { createReadCaches, type ReadCaches } from './readCaches.ts';
import { MemoryDeduper, RedisDeduper, streamOf, type Deduper } from '../pipeline/dedupe.ts';
import { Spool } from '../pipeline/spool.ts';
import { ImportFolder } from '../pipeline/participantImport.ts';
import { fiiIndexFuturesBefore, hasParticipantData } from '../db/queries/participants.ts';
import { simulatedInstitutionalFiles, tradingDaysBack } from '../core/participantFiles.ts';
import { previousTradingDay } from '../core/calendar.ts';
import { istDate } from '../core/time/expiry.ts';
import type { SnapshotInputs } from '../core/intelligence/index.ts';
import { createPrometheusMetrics, serveMetrics, type PrometheusMetrics } from './prometheus.ts';
import { deliveryLatency, registerServiceMetrics } from './serviceMetrics.ts';
import { DeliveryTraces } from './deliveryTraces.ts';
import { inSpan, traceLogFields } from '../pipeline/traceContext.ts';

export type Role = Config['ROLE'];

export interface AppServices {
  config: Config;
  role: Role;
  log: Logger;
  /** This process's metrics, served at /metrics (api/prometheus.ts). */
  metrics: PrometheusMetrics;
  bus: Bus;
  /** Present for the roles that use the database: store, api, all. */
  database?: DatabaseHandle;
  /** api and all: in-process, or through Redis when REDIS_URL is set so any replica serves any update. */
  pubsub?: ChainPubSub;
  /** api and all: the latest chain of each expiry, in memory and (with REDIS_URL) in Redis. */
  cache?: TwoLevelCache<EnrichedSnapshot | null>;
  /** Responses of historical queries (schema/historyCache.ts); absent on TimescaleDB. */
  historyCache?: TwoLevelCache<unknown>;
  /** api and all: past chains and chart buckets, in memory (api/readCaches.ts). */
  readCaches?: ReadCaches;
  /** api and all: the analytics role's latest outputs this process received, what the latest reads answer first (core/latestAnalytics.ts). */
  latestAnalytics?: LatestAnalytics;
  /** ingest and all. */
  source?: Source;
  /** process and all. */
  processor?: ProcessorRole;
  /** analytics and all. */
  analytics?: AnalyticsRole;
  /** store and all. */
  storage?: StorageRole;
  /** store and all: the analytics messages into their tables (see startAnalyticsStorage). */
  analyticsStorage?: StorageRole;
  /** store and all, with IMPORT_SCAN_SECONDS > 0: NSE's participant and FII/DII files dropped into IMPORT_DIR. */
  importFolder?: ImportFolder;
  /** ingest and all, once started. */
  ingest?: IngestRole;
  /** Repeats of stored snapshots (ingest reads it, storage marks it). */
  deduper?: Deduper;
  /** This process's Redis connections, when REDIS_URL is set. */
  redis?: RedisMonitor;
  /** api and all with REDIS_URL, once started: token cut-offs told to and heard from every replica. */
  cutoffChannel?: CutoffChannel;
  /** What waits in the in-process queues. */
  queues(): QueueStats[];
  /** Live updates that could not be published (Redis away). */
  failedPublishes?: () => number;
  /** WebSocket connections open (api and all, once started). */
  webSocketConnections?: () => number;
  /** The WebSocket subscriptions' shared executions (api and all, once started). */
  sharedSubscriptions?: () => SharedSubscriptionStats;
  /** The historical playbacks running and what they read and sent (api and all, once started). */
  playbacks?: PlaybackSlots;
  /** Snapshots delivered to the API's pub/sub so far (api and all). */
  published: { count: number; lastAt: number | null };
}

export interface App {
  services: AppServices;
  /** Starts listening (port 0 picks a free one); resolves with the GraphQL URL (api, all) or the health URL. */
  start(port?: number): Promise<{ url: string; port: number }>;
  /** Stops within `timeoutMs` (default SHUTDOWN_TIMEOUT_MS), spooling what the database could not take by then. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Of the shutdown time, what is kept for spooling what is left and closing connections. */
function closingReserveMs(timeoutMs: number): number {
  return Math.min(5_000, timeoutMs / 4);
}

/** Whether `work` finished before `deadline` (epoch ms); its failure counts as finished. */
async function finishesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface BuildOptions {
  /** Replace the configured source (tests, benchmarks). */
  source?: Source;
  /** Use this database instead of opening one from the config (not closed by stop). */
  database?: DatabaseHandle;
  /** Use this bus instead of the configured one (not closed by stop). */
  bus?: Bus;
  log?: Logger;
  /** Record into these metrics instead of a registry of the app's own. */
  metrics?: PrometheusMetrics;
  /** Run the analytics stage where the role includes it (default true; the bench compares with it off). */
  analytics?: boolean;
}

const USES_DATABASE: readonly Role[] = ['all', 'analytics', 'store', 'api'];

export async function buildApp(config: Config, options: BuildOptions = {}): Promise<App> {
  const role = config.ROLE;
  const log = options.log ?? createLogger(config.LOG_LEVEL, { role }, undefined, { secrets: secretsOf({ ...process.env, ...config }), format: config.LOG_FORMAT, mixin: traceLogFields });
  const metrics = options.metrics ?? createPrometheusMetrics({ role });
  /** The logger of one component of this process (`component` on each line), made once. */
  const componentLogs = new Map<string, Logger>();
  const logOf = (component: string) => componentLogs.get(component) ?? componentLogs.set(component, log.child({ component })).get(component)!;
  if (role !== 'all' && !config.KAFKA_BROKERS && !options.bus) {
    throw new Error(`ROLE=${role} runs one role of a distributed deployment and needs KAFKA_BROKERS; use ROLE=all for a single process`);
  }

  const database = USES_DATABASE.includes(role)
    ? (options.database ??
      (await openDatabase(
        config.DATABASE_URL
          ? {
              url: config.DATABASE_URL,
              poolSize: config.DATABASE_POOL_SIZE,
              writeTransactions: config.STORAGE_WRITE_TRANSACTIONS,
              statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
              timescale: timescaleWindowsOf(config),
              log,
            }
          : { dataDir: config.DATA_DIR },
      )))
    : undefined;
  let retention: Retention | null = null;
  let timescaleActive = false;
  if (database) {
    // The mode and its reason, and what start-up did to each TimescaleDB job (db/prepare.ts, at open).
    const { timescale } = database;
    timescaleActive = timescale.timescale;
    logOf('database').info('database ready', { kind: database.kind, location: database.location, timescale });
    // The roles that write run the retention job (db/retention.ts); the API only reads.
    if (role === 'all' || role === 'store') retention = createRetention(database, config, timescale, log);
  }
  // The roles that write watch the import folder (pipeline/participantImport.ts).
  const importFolder =
    database && (role === 'all' || role === 'store') && config.IMPORT_SCAN_SECONDS > 0
      ? new ImportFolder(database.db, config.IMPORT_DIR, { everyMs: config.IMPORT_SCAN_SECONDS * 1000, log: log.child({ component: 'import' }), onImported: () => sessionInputs?.forget() })
      : undefined;
  // The analytics role's FII positioning (see SessionInputs), read again at once after an import here.
  let sessionInputs: SessionInputs | undefined;

  const bus = options.bus ?? (config.KAFKA_BROKERS ? await connectKafka(config, log) : new InProcessBus({ maxQueuedBytes: config.QUEUE_MAX_BYTES }));
  const deadLetters = metrics.counter('bus_dead_letters_total', 'Messages a consumer group could not handle, set aside in the dead-letter topic, by topic and group', ['topic', 'group']);
  bus.onDeadLetter((d) => {
    deadLetters.inc({ topic: d.message.topic, group: d.group });
    logOf('bus').error('message dead-lettered', { topic: d.message.topic, key: d.message.key, group: d.group, reason: d.reason });
  });

  // Subscription deliveries as spans in their snapshot's trace (api/deliveryTraces.ts).
  const deliveries = new DeliveryTraces();
  const services: AppServices = { config, role, log, metrics, bus, database, importFolder, queues: () => bus.queues?.() ?? [], published: { count: 0, lastAt: null } };
  const consumers: Subscription[] = [];
  const closers: (() => Promise<void>)[] = [];
  const redis = config.REDIS_URL ? new RedisMonitor(config.REDIS_URL, log) : undefined;
  if (redis) {
    services.redis = redis;
    closers.push(() => redis.close());
    redis.warnIfSilent();
  }

  if (role === 'all' || role === 'api') {
    const pubsubHandle = createChainPubSub(config.REDIS_URL, { connectionName: `options-${role}`, onState: redis?.track('pubsub') });
    closers.push(() => pubsubHandle.close());
    const pubsub = pubsubHandle.pubsub;
    services.failedPublishes = () => pubsubHandle.failedPublishes();
    const cache = await TwoLevelCache.open<EnrichedSnapshot | null>({
      ttlSeconds: config.CACHE_TTL_SECONDS,
      redisUrl: config.REDIS_URL,
      namespace: 'chain',
      connectionName: `options-${role}-cache`,
      onState: redis?.track('cache'),
    });
    closers.push(() => cache.close());
    services.pubsub = pubsub;
    services.cache = cache;
    services.readCaches = createReadCaches(config, { timescale: timescaleActive });
    const latestAnalytics = (services.latestAnalytics = new LatestAnalytics());
    if (!timescaleActive) {
      const historyCache = await TwoLevelCache.open<unknown>({
        ttlSeconds: config.CACHE_TTL_SECONDS,
        redisUrl: config.REDIS_URL,
        namespace: 'history',
        connectionName: `options-${role}-history`,
        onState: redis?.track('history cache'),
      });
      closers.push(() => historyCache.close());
      services.historyCache = historyCache;
    }
    consumers.push(
      await bus.subscribe<EnrichedSnapshot>(TOPICS.enriched, 'api', (message) =>
        inSpan('subscription.publish', message, { 'snapshot.id': message.value.id, 'messaging.source': TOPICS.enriched }, async () => {
          const snapshot = message.value;
          deliveries.notePublish(snapshot.processedAt);
          pubsub.publish('chain:updated', chainTopicKey(snapshot.symbol, snapshot.expiry), snapshot);
          services.published.count++;
          services.published.lastAt = Date.now();
          // The newest snapshot is the latest chain: store it rather than only
          // invalidate, so a read right after never reloads the previous one.
          const key = latestChainKey(snapshot.symbol, snapshot.expiry);
          await cache.invalidate(key);
          await cache.set(key, snapshot);
        }),
      ),
      await bus.subscribe<AnalyticsMessage>(TOPICS.analytics, 'api-analytics', (message) => {
        latestAnalytics.note(message.value);
        publishAnalytics(pubsub, message.value);
        // The replicas share the topic's partitions: each tells the others the latest outputs it received.
        if (pubsubHandle.kind === 'redis') pubsub.publish('analytics:latest', withoutFlows(message.value));
      }),
    );
    // A replica without the whole stream: an API-only process, or one of several sharing the topic's partitions on Kafka.
    if (pubsubHandle.kind === 'redis' && (role === 'api' || bus.durable)) closers.unshift(noteOtherReplicas(pubsub, latestAnalytics, logOf('api')));
  }
  if (role === 'all' || role === 'process') {
    services.processor = await startProcessor(bus, {
      instruments: config.instruments,
      rate: config.RISK_FREE_RATE,
      gexConvention: config.GEX_CONVENTION,
      onReject: (reason, message) => logOf('processor').warn('raw snapshot rejected', { reason, detail: message }),
      // With PIPELINE_THREADS=on, one enrichment thread: IV, Greeks and chain analytics off the main loop.
      threads: config.PIPELINE_THREADS === 'on' ? 1 : 0,
      onThreadFailed: (reason) => logOf('processor').error('enrichment thread failed; a new one takes over', { reason }),
      metrics,
    });
  }
  const analyticsStage = options.analytics ?? true;
  if ((role === 'all' && analyticsStage) || role === 'analytics') {
    // Rebuilt from the stored session before the source starts (start()), so no snapshot is folded in twice or missed.
    services.analytics = await startAnalytics(bus, {
      intelligence: { sessionHoursOnly: config.ANALYTICS_SESSION_HOURS_ONLY, maxChains: config.ANALYTICS_MAX_CHAINS },
      inputs: (sessionInputs = new SessionInputs(database!.db, log)).read,
      rebuild: {
        history: storedSessionHistory(database!.db),
        maxSnapshots: config.ANALYTICS_REBUILD_MAX_SNAPSHOTS,
        onProgress: (progress, done) => logOf('analytics').info(done ? 'analytics state rebuilt' : 'rebuilding analytics state', { ...progress }),
      },
      onError: (snapshot, error) => logOf('analytics').warn('snapshot not analysed', { snapshotId: snapshot.id, reason: error instanceof Error ? error.message : String(error) }),
    });
  }
  // Ingest asks whether a snapshot repeats the last stored one of its stream; storage tells it what was stored.
  let deduper: Deduper | undefined;
  if (role === 'all' || role === 'ingest' || role === 'store') {
    if (config.REDIS_URL) {
      const client = createRedisClient(config.REDIS_URL, `options-${role}-dedupe`, { failFast: true, onState: redis?.track('dedupe') });
      closers.push(() => closeRedisClient(client));
      deduper = new RedisDeduper(client, { windowSeconds: config.DEDUPE_WINDOW_SECONDS });
    } else {
      deduper = new MemoryDeduper({ windowSeconds: config.DEDUPE_WINDOW_SECONDS });
    }
    services.deduper = deduper;
  }
  if (role === 'all' || role === 'store') {
    // Only what would exist nowhere else is spooled: Kafka keeps what is not committed.
    const spool = bus.durable ? undefined : await Spool.open<EnrichedSnapshot>({ dir: config.SPOOL_DIR, maxBytes: config.SPOOL_MAX_BYTES });
    if (spool) {
      closers.push(() => spool.close());
      if (!spool.isEmpty) log.info('replaying snapshots spooled by an earlier run', { spool: config.SPOOL_DIR, bytes: spool.stats().bytes });
    }
    services.storage = await startStorage(bus, (snapshots) => database!.write(snapshots), {
      maxQueuedBytes: config.QUEUE_MAX_BYTES,
      maxBatch: config.STORAGE_MAX_BATCH,
      writeTimeoutMs: config.STORAGE_WRITE_TIMEOUT_MS,
      spool,
      onStored: (snapshots) => deduper?.markStored(snapshots.map((s) => ({ stream: streamOf(s), id: s.id }))),
      onRetry: (error, attempt) => logOf('storage').warn(spool ? 'database write failed, spooling to disk' : 'database write failed, retrying', { attempt, error: error instanceof Error ? error.message : String(error) }),
      onRejected: (snapshot, reason) => logOf('storage').error('spooled snapshot rejected by the database', { snapshotId: snapshot.id, reason }),
      metrics,
    });
  }
  if ((role === 'all' && analyticsStage) || role === 'store') {
    services.analyticsStorage = await startAnalyticsStorage(bus, database!, config, log, closers, metrics);
  }
  if (role === 'all' || role === 'ingest') {
    // A source handed in (tests, benchmarks) is an object: it stays on the main thread.
    services.source = options.source ?? (config.PIPELINE_THREADS !== 'off' ? configuredWorkerSource(config, log) : await createSource(config, log));
  }

  registerServiceMetrics(metrics, services);

  let server: Server | undefined;
  let auth: Auth | undefined;
  let firebase: FirebaseHandle | undefined;
  let ingest: IngestRole | undefined;
  let subscriptions: Subscriptions | undefined;

  return {
    services,
    async start(port = config.PORT) {
      const health = installHealth(services);
      let yoga: ReturnType<typeof installGraphQL> | undefined;
      const subscriptionLimits = installSubscriptionLimits(config);
      if (services.pubsub && database) {
        services.playbacks = new PlaybackSlots(config.PLAYBACK_MAX_CONCURRENT);
        const context: Context = {
          db: database.db,
          instruments: config.instruments,
          pubsub: services.pubsub,
          cache: services.cache,
          pastChains: services.readCaches?.pastChains,
          chartBuckets: services.readCaches?.chartBuckets,
          historyCache: services.historyCache,
          settledReads: createSettledReads(),
          latestAnalytics: services.latestAnalytics,
          holidays: config.holidaySet,
          now: Date.now,
          databaseLimit: new ConcurrencyLimit({ concurrency: config.DB_MAX_CONCURRENT_QUERIES, maxQueued: config.DB_MAX_QUEUED_QUERIES, timeoutMs: config.QUERY_TIMEOUT_MS }),
          playbacks: services.playbacks,
          marginParameters: config.marginParameters,
        };
        firebase = config.FIREBASE_PROJECT_ID ? createFirebaseVerifier(config.FIREBASE_PROJECT_ID) : undefined;
        // With Redis every API replica counts each caller's calls and cost, and each user's connections and subscriptions, in one place, and hears every token cut-off.
        const gatewayRedis = config.REDIS_URL ? createRedisClient(config.REDIS_URL, `options-${role}-gateway`, { failFast: true, onState: redis?.track('gateway') }) : undefined;
        const warnedOnce = new Set<string>();
        const warnOnce = (what: string) => (error: unknown) => {
          if (!warnedOnce.has(what)) log.warn(what, { error: error instanceof Error ? error.message : String(error) });
          warnedOnce.add(what);
        };
        const leases = gatewayRedis
          ? new RedisLeases(gatewayRedis, { ttlMs: config.SUBSCRIPTION_LEASE_SECONDS * 1000, onError: warnOnce('connection and subscription caps counted per replica while Redis is away') })
          : new MemoryLeases();
        const cutoffChannel = gatewayRedis
          ? createCutoffChannel(config.REDIS_URL!, { publisher: gatewayRedis, connectionName: `options-${role}-cutoffs`, onState: redis?.track('cutoffs'), onError: warnOnce('token cut-off not told to the other replicas (they apply it within AUTH_TOKEN_CUTOFF_CACHE_SECONDS)') })
          : undefined;
        services.cutoffChannel = cutoffChannel;
        closers.push(async () => {
          // After the sockets closed (subscriptions.close), before the client goes: whatever is still held is given back.
          await leases.close();
          await cutoffChannel?.close();
          if (gatewayRedis) await closeRedisClient(gatewayRedis);
        });
        auth = await installAuth(config, database.db, { firebase, log: log.child({ component: 'auth' }), leases, cutoffChannel });
        yoga = installGraphQL(context, config, log, subscriptionLimits, {
          auth,
          rateLimits: { redis: gatewayRedis, onRedisError: warnOnce('rate limits not counted while Redis is away: calls are let in') },
          metrics,
        });
      }
      const metricsEndpoint = serveMetrics(metrics);
      server = createServer((request, response) => {
        if (health(request, response) || metricsEndpoint(request, response)) return;
        if (yoga) return void yoga.handle(request, response);
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: `this process runs the ${role} role: only /healthz, /readyz and /metrics are served here` }));
      });
      if (yoga) {
        const latency = deliveryLatency(metrics);
        subscriptions = installSubscriptions(server, yoga, subscriptionLimits.webSocket, auth?.webSocket, {
          onEventSent: (result, processedAt) => {
            latency(result, processedAt);
            deliveries.delivered(result, processedAt);
          },
        });
        services.sharedSubscriptions = () => subscriptions!.fanOut.stats();
        services.webSocketConnections = () => subscriptions!.connections();
      }
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, config.HOST, () => resolve());
      });
      const actualPort = (server.address() as AddressInfo).port;
      retention?.start();
      if (importFolder && config.SOURCE === 'simulator' && config.SIM_INSTITUTIONAL_DAYS > 0) {
        // A failure here costs the demo data only: what was written stays in the folder for its scans.
        await dropSimulatedInstitutionalFiles(database!.db, importFolder, config, log).catch((error) =>
          log.warn('simulated institutional files not imported yet', { error: error instanceof Error ? error.message : String(error) }),
        );
      }
      importFolder?.start();
      if (services.source) {
        ingest = await startIngest(services.source, bus, {
          deduper,
          onDuplicate: (snapshot) => logOf('ingest').debug('repeated snapshot skipped', { snapshotId: snapshot.id }),
          onHeld: () => logOf('ingest').warn('source held back: the pipeline behind it is full', { queues: services.queues() }),
          onReleased: (heldMs) => logOf('ingest').info('source running at full pace again', { heldMs }),
          onSourceChange: ({ name, state, message }) => {
            const level = state === 'failed' ? 'error' : state === 'degraded' ? 'warn' : 'info';
            logOf('source')[level](`source ${state}`, { source: name, ...(message ? { reason: message } : {}) });
          },
        });
        services.ingest = ingest;
      }
      const url = `http://localhost:${actualPort}${yoga ? yoga.graphqlEndpoint : '/healthz'}`;
      // The web app is served at / wherever GraphQL is (api/installWebClient.ts): the address a user opens.
      const app = yoga ? { app: `http://localhost:${actualPort}/` } : {};
      log.info('started', { ...app, url, role, source: services.source?.name, symbols: config.SYMBOLS, pipelineThreads: config.PIPELINE_THREADS });
      return { url, port: actualPort };
    },
    async stop(timeoutMs = config.SHUTDOWN_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      const spoolBy = deadline - closingReserveMs(timeoutMs);
      // Upstream first: no new snapshots, then let the pipeline drain and flush.
      if (ingest && !(await finishesBy(ingest.stop(), spoolBy))) log.warn('source did not stop in time; going on', { source: ingest.source.name });
      if (!(await finishesBy(bus.drain(), spoolBy))) {
        // The database is slow or away: what is left goes to the spool, which is quick.
        log.warn('pipeline not drained before the shutdown deadline: spooling what is left', { queues: services.queues() });
        services.storage?.spoolOnly();
        services.analyticsStorage?.spoolOnly();
        if (!(await finishesBy(bus.drain(), deadline - 1_000))) log.error('pipeline still not drained at the deadline: what is left in memory is lost', { queues: services.queues() });
      }
      await services.processor?.stop();
      await services.analytics?.stop();
      await services.storage?.stop();
      await services.analyticsStorage?.stop();
      await retention?.stop();
      await importFolder?.stop();
      for (const consumer of consumers) await consumer.unsubscribe();
      await subscriptions?.close();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      auth?.close();
      await firebase?.close();
      for (const close of closers) await close();
      if (!options.bus) await bus.close();
      if (database && !options.database) await database.close();
      // The final account: what the source handed over, what was stored, what waits in the spool for the next start.
      log.info('stopped', {
        role,
        published: ingest?.stats.published,
        duplicates: ingest?.stats.duplicates,
        stored: services.storage?.stats.snapshotsWritten,
        spooled: services.storage?.stats.spooled,
        replayed: services.storage?.stats.replayed,
        spoolBytes: services.storage?.stats.spool?.bytes,
      });
    },
  };
}

/**
 * The simulator's institutional data: when no participant file is stored,
 * SIM_INSTITUTIONAL_DAYS trading days of plausible files (core/participantFiles.ts),
 * up to the trading day before today (IST), written into the import folder
 * and imported from there like any other.
 */
async function dropSimulatedInstitutionalFiles(db: Database, folder: ImportFolder, config: Config, log: Logger): Promise<void> {
  if (await hasParticipantData(db)) return;
  const last = previousTradingDay(istDate(Date.now()), config.holidaySet);
  const files = simulatedInstitutionalFiles(tradingDaysBack(last, config.SIM_INSTITUTIONAL_DAYS, config.holidaySet), config.SIM_SEED);
  // Written whole by this process, so taken at once rather than left to settle for a scan.
  for (const file of files) {
    const path = join(folder.dir, file.name);
    writeFileSync(path, file.text);
    await folder.take(path);
  }
  log.info('simulated institutional files imported', { dir: folder.dir, files: files.length, through: last });
}

/** How long the FII positioning read for a session is reused before it is read again (a file imported meanwhile shows within this). */
const SESSION_INPUTS_TTL_MS = 60_000;

/**
 * The analytics role's inputs beyond the snapshots: FII index-futures
 * positions from the latest participant file dated before the session (NSE
 * publishes a day's file after its close), read once a minute per session,
 * and at once after this process imports a file (`forget`). A failed read
 * leaves FII positioning out of the mood for that minute.
 */
class SessionInputs {
  private readonly cache = new Map<string, { at: number; inputs: SnapshotInputs }>();
  constructor(
    private readonly db: Database,
    private readonly log: Logger,
  ) {}

  forget(): void {
    this.cache.clear();
  }

  read = async (sessionDate: string): Promise<SnapshotInputs> => {
    const cached = this.cache.get(sessionDate);
    if (cached && Date.now() - cached.at < SESSION_INPUTS_TTL_MS) return cached.inputs;
    let inputs: SnapshotInputs = {};
    try {
      const fii = await fiiIndexFuturesBefore(this.db, sessionDate);
      if (fii) inputs = { fiiIndexFutures: { longContracts: fii.longContracts, shortContracts: fii.shortContracts } };
    } catch (error) {
      this.log.warn('FII positioning could not be read; the mood goes without it for now', { error: error instanceof Error ? error.message : String(error) });
    }
    if (this.cache.size > 8) this.cache.clear();
    this.cache.set(sessionDate, { at: Date.now(), inputs });
    return inputs;
  };
}

/**
 * The storage role's second consumer: `market.analytics` into the analytics
 * tables, with the same guarantees as the snapshots (a spool of its own under
 * SPOOL_DIR/analytics on the in-process bus, retries without committing on
 * Kafka), so the analytics role itself needs no write path to the database.
 * The documents are stored every ANALYTICS_STORE_INTERVAL_SECONDS per chain
 * and symbol (AnalyticsCadence); the latest output of a chain that then goes
 * quiet for that long (the session's close, an expiry) is stored by a timer,
 * and at stop whatever is held is stored.
 */
async function startAnalyticsStorage(bus: Bus, database: DatabaseHandle, config: Config, log: Logger, closers: (() => Promise<void>)[], metrics: PrometheusMetrics): Promise<StorageRole> {
  const spool = bus.durable ? undefined : await Spool.open<AnalyticsMessage>({ dir: join(config.SPOOL_DIR, 'analytics'), maxBytes: config.SPOOL_MAX_BYTES });
  if (spool) closers.push(() => spool.close());
  const everyMs = config.ANALYTICS_STORE_INTERVAL_SECONDS * 1000;
  const cadence = new AnalyticsCadence(everyMs);
  const storageLog = log.child({ component: 'storage' });
  const role = await startStorage<AnalyticsMessage>(bus, (messages) => writeAnalytics(database.db, messages, cadence, database.backfill), {
    topic: TOPICS.analytics,
    group: 'storage-analytics',
    parse: parseAnalyticsMessage,
    maxQueuedBytes: config.QUEUE_MAX_BYTES,
    maxBatch: config.STORAGE_MAX_BATCH,
    writeTimeoutMs: config.STORAGE_WRITE_TIMEOUT_MS,
    spool,
    onRetry: (error, attempt) => storageLog.warn(spool ? 'analytics write failed, spooling to disk' : 'analytics write failed, retrying', { attempt, error: error instanceof Error ? error.message : String(error) }),
    onRejected: (message, reason) => storageLog.error('spooled analytics message rejected by the database', { snapshotId: message.snapshotId, reason }),
    metrics,
  });
  if (everyMs === 0) return role;
  // The held documents are history only (the API serves the latest from memory): one failed write of them is logged, not retried.
  const storeHeld = async (quietMs: number) => {
    const held = cadence.takeHeld(quietMs);
    if (held.length === 0) return;
    await writeAnalytics(database.db, held, allDue, database.backfill).catch((error) =>
      storageLog.warn('latest analytics of quiet chains not stored', { messages: held.length, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  let quiet = Promise.resolve();
  const timer = setInterval(() => void (quiet = quiet.then(() => storeHeld(everyMs))), everyMs);
  timer.unref();
  let spoolOnly = false;
  return {
    ...role,
    spoolOnly: () => {
      spoolOnly = true;
      role.spoolOnly();
    },
    stop: async () => {
      clearInterval(timer);
      await role.stop();
      await quiet;
      // Not when shutdown is late already (spoolOnly): the database is slow or away.
      if (!spoolOnly && !(await finishesBy(storeHeld(0), Date.now() + config.STORAGE_WRITE_TIMEOUT_MS))) storageLog.warn('latest analytics not stored at stop in time');
    },
  };
}

/** Takes every replica's latest analytics outputs (its own too, again) into `latest` until the returned stop is called. */
function noteOtherReplicas(pubsub: ChainPubSub, latest: LatestAnalytics, log: Logger): () => Promise<void> {
  const updates = pubsub.subscribe('analytics:latest')[Symbol.asyncIterator]();
  const noting = (async () => {
    for (let next = await updates.next(); !next.done; next = await updates.next()) latest.note(next.value);
  })().catch((error) => log.warn('latest analytics of the other replicas no longer heard; the latest reads fall back to the store', { error: error instanceof Error ? error.message : String(error) }));
  return async () => {
    await updates.return?.();
    await noting;
  };
}

/** The analytics role's outputs to the API's subscribers: mood by symbol, the chain's analytics by expiry, each event. */
function publishAnalytics(pubsub: ChainPubSub, message: AnalyticsMessage): void {
  const { processedAt } = message;
  pubsub.publish('mood:updated', message.symbol, { ...message.symbolIntelligence, processedAt });
  pubsub.publish('analytics:updated', chainTopicKey(message.symbol, message.expiry), message);
  for (const event of message.events) pubsub.publish('market:events', { ...event, processedAt });
}

/** The Kafka bus of the distributed mode, connected and with its topics in place. */
async function connectKafka(config: Config, log: Logger): Promise<Bus> {
  const bus = new KafkaBus(kafkaBusOptions(config));
  await bus.connect();
  log.info('kafka connected', { brokers: config.KAFKA_BROKERS });
  return bus;
}
