/**
 * /healthz: the process is alive (answers without touching anything else).
 *
 * /readyz: whether it can do its job, 200 or 503, with short public reasons:
 * - not ready (`problems`): the database does not answer, the source failed,
 *   or it has produced nothing usable for SOURCE_STALE_SECONDS, the storage
 *   role cannot write;
 * - ready but `degraded`: Redis away (cache, de-duplication and cross-replica
 *   updates fall back or pause), snapshots waiting in the spool, the source
 *   held back by a full pipeline or running behind its circuit breaker.
 *
 * `dataBytes` is what the database takes on disk (measured at most every
 * 30 s), so an operator sees retention holding it level.
 *
 * Hosts, ports, error texts and counters are for operators: `/readyz?details`
 * adds them for loopback callers, or for others with
 * `Authorization: Bearer <OPERATOR_TOKEN>`. Every check answers within
 * READYZ_TIMEOUT_MS, and one evaluation is shared by the requests that
 * arrive while it runs and for a short while after, so a flood of /readyz
 * cannot flood the database with pings.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppServices } from './app.ts';
import type { Config } from '../core/config.ts';
import { clientAddress, isLoopback } from './identifyClient.ts';
import type { DatabaseSize } from '../db/size.ts';

/** How long one readiness evaluation is reused, ms. */
const REUSE_MS = 500;
/** How long a measured database size is reused, ms: measuring walks the data directory. */
const SIZE_REUSE_MS = 30_000;
/** A database that stored a batch this recently is busy when a ping is slow, not unreachable. */
const BUSY_GRACE_MS = 10_000;

export interface Readiness {
  ready: boolean;
  status: 'ok' | 'degraded' | 'unavailable';
  role: string;
  problems: string[];
  degraded: string[];
  /** Bytes the database takes on disk (the data directory on the embedded engine), when measured. */
  dataBytes?: number;
  /** Operator details: present for loopback callers and with the operator token. */
  details?: Record<string, unknown>;
}

interface Finding {
  /** Public text: no hosts, ports or error messages. */
  summary: string;
  /** The full story, for operators. */
  detail: string;
}

export function installHealth(services: AppServices): (request: IncomingMessage, response: ServerResponse) => boolean {
  let last: { at: number; report: Promise<Readiness> } | null = null;
  const size = measureSize(services);
  const evaluate = () => {
    if (!last || Date.now() - last.at > REUSE_MS) last = { at: Date.now(), report: readiness(services, size) };
    return last.report;
  };
  return (request, response) => {
    const [path, query = ''] = (request.url ?? '').split('?');
    if (path === '/healthz') {
      send(response, 200, { status: 'ok', role: services.role });
      return true;
    }
    if (path === '/readyz') {
      const wantsDetails = new URLSearchParams(query).has('details');
      void evaluate().then((report) => {
        const { details: _details, ...summary } = report;
        let body: unknown = summary;
        if (wantsDetails) body = isOperator(request, services.config) ? report : { ...summary, details: 'only for loopback callers or with the operator token' };
        send(response, report.ready ? 200 : 503, body);
      });
      return true;
    }
    return false;
  };
}

/**
 * Callers on this machine, or with a bearer token equal to OPERATOR_TOKEN
 * (compared in constant time). Behind TRUST_PROXY proxies the caller is the
 * one the proxies forwarded, not the proxy: a reverse proxy on this machine
 * does not make every caller local.
 */
function isOperator(request: IncomingMessage, config: Pick<Config, 'OPERATOR_TOKEN' | 'TRUST_PROXY'>): boolean {
  if (isLoopback(clientAddress(request, config.TRUST_PROXY))) return true;
  const token = config.OPERATOR_TOKEN;
  const header = request.headers.authorization ?? '';
  if (!token || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `check` within `timeoutMs`, as an error message, or null when it passed. */
async function within(timeoutMs: number, check: () => Promise<unknown>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/** The database's size, measured at most every SIZE_REUSE_MS and within READYZ_TIMEOUT_MS; null when unknown. */
function measureSize(services: AppServices): () => Promise<DatabaseSize | null> {
  let last: { at: number; size: DatabaseSize | null } | null = null;
  let measuring: Promise<DatabaseSize | null> | null = null;
  return async () => {
    const database = services.database;
    if (!database?.size) return null;
    if (last && Date.now() - last.at < SIZE_REUSE_MS) return last.size;
    measuring ??= database
      .size()
      .then((size) => (last = { at: Date.now(), size }).size)
      .catch(() => last?.size ?? null)
      .finally(() => (measuring = null));
    // Measuring waits behind a VACUUM on the embedded engine: answer with what is known meanwhile.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<DatabaseSize | null>((resolve) => (timer = setTimeout(() => resolve(last?.size ?? null), services.config.READYZ_TIMEOUT_MS)));
    try {
      return await Promise.race([measuring, late]);
    } finally {
      clearTimeout(timer);
    }
  };
}

export async function readiness(services: AppServices, size: () => Promise<DatabaseSize | null> = async () => null): Promise<Readiness> {
  const { config } = services;
  const problems: Finding[] = [];
  const degraded: Finding[] = [];
  const timeoutMs = config.READYZ_TIMEOUT_MS;

  const [databaseError, redisError, dataSize] = await Promise.all([
    services.database ? within(timeoutMs, () => services.database!.ping()) : null,
    services.redis ? within(timeoutMs, () => services.redis!.ping()) : null,
    size(),
  ]);
  if (databaseError) {
    // A ping stuck behind a long write (the embedded engine runs one statement at a time) is a busy database, not a lost one.
    const lastWriteAt = services.storage?.stats.lastWriteAt ?? 0;
    const busy = /no answer within/.test(databaseError) && !services.storage?.stats.lastError && Date.now() - lastWriteAt < BUSY_GRACE_MS;
    (busy ? degraded : problems).push({
      summary: busy ? 'database: busy' : 'database: unreachable',
      detail: `database ${services.database!.location}: ${databaseError}${busy ? ` (it stored a batch ${Date.now() - lastWriteAt} ms ago)` : ''}`,
    });
  }
  if (redisError || services.redis?.down()) {
    degraded.push({
      summary: 'redis: unreachable; cache from memory, de-duplication per process, live updates paused',
      detail: `redis ${services.redis!.location}: ${redisError ?? services.redis!.down()}`,
    });
  }

  const source = services.source?.status();
  const ingest = services.ingest?.stats;
  if (source) {
    if (source.state === 'failed') problems.push({ summary: `source ${source.name}: failed`, detail: `source ${source.name}: ${source.message ?? 'failed'}` });
    else if (source.state === 'degraded') degraded.push({ summary: `source ${source.name}: degraded`, detail: `source ${source.name}: ${source.message ?? 'degraded'}` });
    const producing = source.state === 'running' || source.state === 'degraded';
    if (producing && ingest) {
      const quietMs = Date.now() - (ingest.lastSnapshotAt ?? ingest.startedAt);
      if (quietMs > config.SOURCE_STALE_SECONDS * 1000) {
        const seconds = Math.round(quietMs / 1000);
        problems.push({
          summary: `source ${source.name}: nothing usable for ${seconds} s`,
          detail: `source ${source.name}: nothing usable for ${seconds} s (SOURCE_STALE_SECONDS=${config.SOURCE_STALE_SECONDS})${source.message ? `: ${source.message}` : ''}; rejected: ${JSON.stringify(source.rejected)}`,
        });
      }
    }
    if (ingest?.heldSince) {
      const seconds = Math.round((Date.now() - ingest.heldSince) / 1000);
      degraded.push({ summary: `source held back by a full pipeline for ${seconds} s`, detail: `source held back by a full pipeline for ${seconds} s; queues: ${JSON.stringify(services.queues())}` });
    }
  }

  const storage = services.storage?.stats;
  if (storage?.lastError) {
    const spooling = services.storage?.stats.spool !== null;
    const finding = { summary: spooling ? 'storage: database unavailable, spooling to disk' : 'storage: database unavailable, retrying', detail: `storage: ${storage.lastError}` };
    (spooling ? degraded : problems).push(finding);
  } else if (storage?.spool && storage.spool.bytes > 0) {
    degraded.push({ summary: 'storage: replaying spooled snapshots', detail: `storage: ${storage.spool.bytes} bytes in ${storage.spool.segments} spool segments` });
  }

  const ready = problems.length === 0;
  return {
    ready,
    status: !ready ? 'unavailable' : degraded.length > 0 ? 'degraded' : 'ok',
    role: services.role,
    problems: problems.map((p) => p.summary),
    degraded: degraded.map((d) => d.summary),
    ...(dataSize ? { dataBytes: dataSize.bytes } : {}),
    details: {
      problems: problems.map((p) => p.detail),
      degraded: degraded.map((d) => d.detail),
      database: services.database ? { kind: services.database.kind, location: services.database.location, size: dataSize } : undefined,
      source,
      ingest,
      processor: services.processor?.stats,
      storage,
      queues: services.queues(),
      cache: services.cache?.stats(),
      dedupe: services.deduper?.status(),
      subscriptionsPublished: services.pubsub ? services.published.count : undefined,
      sharedSubscriptions: services.sharedSubscriptions?.(),
      playbacks: services.playbacks?.stats(),
      failedPublishes: services.failedPublishes?.(),
      memory: process.memoryUsage(),
    },
  };
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}
