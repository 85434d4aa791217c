/**
 * The storage role: enriched snapshots from `market.enriched` into the
 * database, in batches (and, by a second instance with its own consumer group
 * and spool, the analytics role's `market.analytics` messages: `topic`,
 * `group`, `parse`). Whatever accumulated while the previous write ran is
 * written together, so batches grow with load and latency stays low when idle.
 *
 * When the database is unreachable (a connection error, or a write that does
 * not finish within `writeTimeoutMs`, which is how a blackholed server shows):
 *
 * - with a spool (the in-process bus, whose queues exist only in memory), the
 *   batch and every later one are appended to the spool on local disk and
 *   acknowledged, so the pipeline keeps flowing and a crash loses nothing
 *   that reached the disk; a recovery loop replays the spool oldest first
 *   with backoff, and writes go straight to the database again once it is
 *   empty. A full spool stops acknowledging, which slows the source down;
 * - without one (Kafka, which keeps every uncommitted message), the batch in
 *   hand is retried with backoff and nothing is acknowledged meanwhile.
 *
 * Either way /readyz says why it waits. A batch the database rejects for its
 * content (not for being down: SQLSTATE class 22 or 23) fails and is retried
 * message by message by the bus (or, from the spool, here), so only the
 * offending snapshot is rejected (dead-lettered as a PoisonMessage). Any other
 * database error (a serialization failure, a deadlock, a statement timeout)
 * is thrown as it is, which the bus takes as temporary: it retries the
 * message and never dead-letters it. `onStored` is told about every snapshot once it is stored, and
 * only then (the de-duplicator marks it seen there).
 *
 * Shutdown: `spoolOnly()` (called when the shutdown deadline nears) sends
 * every batch from then on, and the one waiting on the database, to the
 * spool; without a spool the batch in hand is abandoned uncommitted.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { HandlerAbandoned, PoisonMessage, TOPICS, type Bus, type BusMessage } from './bus.ts';
import { SpoolFullError, type Spool, type SpoolStats } from './spool.ts';
import { batchSpans } from './traceContext.ts';
import { LATENCY_BUCKETS_SECONDS, NO_METRICS, type Metrics } from '../core/metrics.ts';
import type { WriteResult } from '../db/queries/writeSnapshots.ts';
import { parseEnrichedSnapshot, type EnrichedSnapshot } from '../core/models.ts';

export interface StorageStats {
  snapshotsWritten: number;
  quotesWritten: number;
  batches: number;
  lastWriteAt: number | null;
  /** Set while the database is failing (or the spool is full); cleared by the next successful write. */
  lastError: string | null;
  /** When the current outage began (epoch ms), else null. */
  outageSince: number | null;
  /** Failed write attempts that were retried. */
  retries: number;
  /** Snapshots appended to the spool, and written from it to the database. */
  spooled: number;
  replayed: number;
  /** Snapshots the database refused for their content, rejected with the reason. */
  rejected: number;
  /** The spool on disk, when there is one. */
  spool: SpoolStats | null;
}

export interface StorageRole {
  stats: StorageStats;
  /** From now on batches go to the spool, and a write waiting on the database is given up (shutdown deadline). */
  spoolOnly(): void;
  stop(): Promise<void>;
}

export interface StorageOptions<T = EnrichedSnapshot> {
  /** What it stores: `market.enriched` (the default) or `market.analytics` (pipeline/analytics.ts), each by its own consumer group. */
  topic?: string;
  group?: string;
  /** Checks a message's value; throws (MessageError) on one that is not a `T` (default: parseEnrichedSnapshot). */
  parse?: (value: unknown) => T;
  maxBatch?: number;
  /** Bytes the bus queues for this role before publishers wait (in-process bus). */
  maxQueuedBytes?: number;
  /** First retry delay after a connection failure, ms (doubles up to `maxRetryDelayMs`). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A write still running after this long counts as a connection failure (default 15 s). */
  writeTimeoutMs?: number;
  /** Where snapshots wait while the database is unreachable (see the module comment). */
  spool?: Spool<T>;
  onStored?: (snapshots: T[]) => void | Promise<void>;
  onRetry?: (error: unknown, attempt: number) => void;
  /** A spooled snapshot the database refused for its content. */
  onRejected?: (snapshot: T, reason: string) => void;
  /** Where storage_rows_written_total, storage_batches_written_total and storage_write_latency_seconds go, labelled by topic (default: nowhere). */
  metrics?: Metrics;
}

/**
 * Whether a database error means "not reachable now" (retry) rather than
 * "this data is wrong" (fail). Node socket errors, postgres-js connection
 * errors, SQLSTATE class 08 (connection exception), 57P01–57P03 (server
 * shutting down or starting), 53300 (too many connections), and our own
 * write timeout.
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'EHOSTUNREACH',
      'ENOTFOUND',
      'CONNECTION_CLOSED',
      'CONNECTION_ENDED',
      'CONNECTION_DESTROYED',
      'CONNECT_TIMEOUT',
      WRITE_TIMEOUT,
    ].includes(code) ||
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', '53300'].includes(code)
  );
}

/**
 * Whether the database refused the data itself, so no retry can store it:
 * SQLSTATE class 22 (data exception: a value out of range, an invalid
 * text) or 23 (integrity constraint violation). Not 40001 (serialization
 * failure), 40P01 (deadlock) or 57014 (statement timeout): those pass.
 */
export function isContentError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

/** A write error as the bus should see it: poison when the content is refused, else as it is (temporary, retried). */
function forTheBus(error: unknown): unknown {
  if (!isContentError(error)) return error;
  return new PoisonMessage(error instanceof Error ? error.message : String(error), { cause: error });
}

const WRITE_TIMEOUT = 'WRITE_TIMEOUT';
const GAVE_UP = 'GAVE_UP';

export async function startStorage<T = EnrichedSnapshot>(
  bus: Bus,
  write: (snapshots: T[]) => Promise<WriteResult>,
  options: StorageOptions<T> = {},
): Promise<StorageRole> {
  const parse = options.parse ?? (parseEnrichedSnapshot as unknown as (value: unknown) => T);
  const stats: StorageStats = {
    snapshotsWritten: 0,
    quotesWritten: 0,
    batches: 0,
    lastWriteAt: null,
    lastError: null,
    outageSince: null,
    retries: 0,
    spooled: 0,
    replayed: 0,
    rejected: 0,
    spool: options.spool?.stats() ?? null,
  };
  const spool = options.spool;
  const maxBatch = options.maxBatch ?? 500;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 15_000;
  const backoff = (attempt: number) => Math.min(maxRetryDelayMs, retryDelayMs * 2 ** Math.max(0, attempt - 1));

  // Aborted by spoolOnly(): wakes every wait on the database.
  const shutdown = new AbortController();
  let spoolOnly = false;
  let stopped = false;

  const sleep = (ms: number) => delay(ms, undefined, { signal: shutdown.signal }).catch(() => {});

  /** One write, failing with a connection-class error when it takes too long, or GAVE_UP when shutdown gives up on it. */
  const topic = options.topic ?? TOPICS.enriched;
  const metrics = options.metrics ?? NO_METRICS;
  const rowsWritten = metrics.counter('storage_rows_written_total', 'Rows written to the database (option quotes, analytics rows), by topic', ['topic']);
  const batchesWritten = metrics.counter('storage_batches_written_total', 'Batches written to the database, by topic', ['topic']);
  const writeLatency = metrics.histogram('storage_write_latency_seconds', 'Time of one successful batch write, seconds, by topic', ['topic'], LATENCY_BUCKETS_SECONDS);
  const writeOnce = (snapshots: T[]): Promise<WriteResult> => {
    const began = performance.now();
    const writing = write(snapshots).then((result) => {
      writeLatency.observe({ topic }, (performance.now() - began) / 1000);
      return result;
    });
    // A write abandoned by the timeout may still finish or fail later; it is idempotent, and its outcome is not ours any more.
    writing.catch(() => {});
    return new Promise<WriteResult>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        shutdown.signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        finish();
        reject(Object.assign(new Error('shutting down: database write given up'), { code: GAVE_UP }));
      };
      const timer = setTimeout(() => {
        finish();
        reject(Object.assign(new Error(`database write of ${snapshots.length} snapshots did not finish within ${writeTimeoutMs} ms`), { code: WRITE_TIMEOUT }));
      }, writeTimeoutMs);
      if (shutdown.signal.aborted) return onAbort();
      shutdown.signal.addEventListener('abort', onAbort, { once: true });
      writing.then(
        (result) => {
          finish();
          resolve(result);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  };

  const stored = async (snapshots: T[], written: WriteResult, fromSpool: boolean) => {
    stats.snapshotsWritten += written.snapshots;
    stats.quotesWritten += written.quotes;
    stats.batches++;
    stats.lastWriteAt = Date.now();
    rowsWritten.inc({ topic }, written.quotes);
    batchesWritten.inc({ topic });
    if (fromSpool) stats.replayed += snapshots.length;
    await options.onStored?.(snapshots);
  };

  const noteOutage = (error: unknown, waiting: string) => {
    stats.retries++;
    stats.outageSince ??= Date.now();
    stats.lastError = `database unavailable (${error instanceof Error ? error.message : String(error)}); ${waiting}`;
    options.onRetry?.(error, stats.retries);
  };

  const recovered = () => {
    stats.lastError = null;
    stats.outageSince = null;
  };

  /** Without a spool: the batch in hand is retried until stored; shutdown abandons it uncommitted. */
  const writeUntilStored = async (snapshots: T[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await stored(snapshots, await writeOnce(snapshots), false);
        recovered();
        return;
      } catch (error) {
        if ((error as { code?: string }).code === GAVE_UP) throw new HandlerAbandoned('storage stopped before the database came back');
        if (!isConnectionError(error)) throw forTheBus(error);
        noteOutage(error, `retrying a batch of ${snapshots.length} snapshots`);
        await sleep(backoff(attempt));
      }
    }
  };

  // ---- the spool side ----------------------------------------------------
  let recovery: Promise<void> | null = null;

  const toSpool = async (snapshots: T[]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        await spool!.append(snapshots);
        stats.spooled += snapshots.length;
        stats.spool = spool!.stats();
        break;
      } catch (error) {
        if (stopped) throw error;
        if (error instanceof SpoolFullError) {
          // Not acknowledging is what slows the source down; the recovery loop frees space.
          stats.lastError = `${error.message}: waiting for the database to take the spooled snapshots; the source is held back meanwhile`;
        } else {
          // The disk refuses (full, read-only): the database, if it is back, is the only way on.
          stats.lastError = `spool unavailable (${error instanceof Error ? error.message : String(error)}); the source is held back until the spool or the database takes this batch`;
          if (!spoolOnly && (await writtenDirectly(snapshots))) return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
      }
    }
    ensureRecovery();
  };

  /** One direct write; false when the database is still away (anything else is thrown). */
  const writtenDirectly = async (snapshots: T[]): Promise<boolean> => {
    try {
      await stored(snapshots, await writeOnce(snapshots), false);
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === GAVE_UP || isConnectionError(error)) return false;
      throw error;
    }
  };

  const ensureRecovery = () => {
    if (recovery || spoolOnly || spool!.isEmpty) return;
    recovery = replaySpool()
      .catch(async (error: unknown) => {
        // The spool could not be read (a disk error): say so, and try again later rather than at once.
        stats.lastError = `cannot replay the spool (${error instanceof Error ? error.message : String(error)}); retrying`;
        await sleep(maxRetryDelayMs);
      })
      .finally(() => {
        recovery = null;
        // Something was appended after the last segment was read: go again.
        if (!spool!.isEmpty) ensureRecovery();
      });
  };

  /** Writes the spool to the database oldest first, waiting out the outage with backoff. */
  const replaySpool = async (): Promise<void> => {
    let attempt = 0;
    for (;;) {
      const segment = await spool!.oldest();
      if (!segment) break;
      for (let i = 0; i < segment.records.length; ) {
        if (spoolOnly) return;
        const chunk = segment.records.slice(i, i + maxBatch);
        try {
          await stored(chunk, await writeOnce(chunk), true);
          attempt = 0;
          i += chunk.length;
        } catch (error) {
          if (spoolOnly) return;
          if (isConnectionError(error)) {
            noteOutage(error, `${stats.spool?.bytes ?? 0} bytes spooled on disk, replaying when it returns`);
            await sleep(backoff(++attempt));
            continue;
          }
          await writeOneByOne(chunk);
          i += chunk.length;
        }
      }
      await segment.done();
      stats.spool = spool!.stats();
    }
    recovered();
  };

  /** A spooled chunk the database refused for its content: store what it takes, reject the rest with the reason. */
  const writeOneByOne = async (chunk: T[]) => {
    for (const snapshot of chunk) {
      for (let attempt = 1; ; attempt++) {
        try {
          await stored([snapshot], await writeOnce([snapshot]), true);
          break;
        } catch (error) {
          if (spoolOnly) return;
          if (isConnectionError(error)) {
            await sleep(backoff(attempt));
            continue;
          }
          stats.rejected++;
          options.onRejected?.(snapshot, error instanceof Error ? error.message : String(error));
          break;
        }
      }
    }
  };

  /** One batch off the bus: written, or spooled while the database is away. */
  const handleBatch = async (messages: BusMessage[]): Promise<void> => {
    // An invalid message throws here and is dead-lettered alone (see Bus).
    const snapshots = messages.map((m) => parse(m.value));
    if (!spool) return writeUntilStored(snapshots);
    // Behind a non-empty spool, in order: the database takes these after what waits there.
    if (spoolOnly || !spool.isEmpty) return toSpool(snapshots);
    try {
      await stored(snapshots, await writeOnce(snapshots), false);
      recovered();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== GAVE_UP && !isConnectionError(error)) throw forTheBus(error);
      if (code !== GAVE_UP) noteOutage(error, 'spooling to disk until it returns');
      await toSpool(snapshots);
    }
  };

  const subscription = await bus.subscribeBatch(
    topic,
    options.group ?? 'storage',
    async (messages) => {
      const spans = batchSpans('storage.write', messages, { 'messaging.source': topic, 'db.operation': 'insert' });
      try {
        await handleBatch(messages);
        spans.end();
      } catch (error) {
        spans.end(error);
        throw error;
      }
    },
    { maxBatch, maxQueuedBytes: options.maxQueuedBytes },
  );

  // What an earlier process left in the spool goes first.
  if (spool) ensureRecovery();

  return {
    stats,
    spoolOnly: () => {
      spoolOnly = true;
      shutdown.abort();
    },
    stop: async () => {
      // First, so a batch waiting for room in a full spool gives up instead of holding the unsubscribe.
      stopped = true;
      await subscription.unsubscribe();
      // A replay in progress stops after its chunk; the rest waits for the next start.
      spoolOnly = true;
      shutdown.abort();
      await recovery;
      stats.spool = spool?.stats() ?? null;
    },
  };
}
