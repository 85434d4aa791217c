/**
 * The storage role: enriched snapshots from `market.enriched` into the
 * database, in batches. Whatever accumulated while the previous write ran is
 * written together, so batches grow with load and latency stays low when idle.
 *
 * When the database is unreachable, the batch in hand is retried with
 * backoff until it is written (and /readyz says why it waits); meanwhile the
 * bus holds what follows, up to `maxBuffered` snapshots, after which
 * publishers wait (in-process) or offsets stay uncommitted (Kafka). Nothing
 * is acknowledged before it is written. A batch the database rejects for its
 * content (not for being down) fails and is retried message by message by the
 * bus, so only the offending snapshot is dead-lettered.
 */
import { TOPICS, type Bus } from './bus.ts';
import type { WriteResult } from '../db/queries/writeSnapshots.ts';
import { parseEnrichedSnapshot, type EnrichedSnapshot } from '../core/models.ts';

export interface StorageStats {
  snapshotsWritten: number;
  quotesWritten: number;
  batches: number;
  lastWriteAt: number | null;
  /** Set while the database is failing; cleared by the next successful write. */
  lastError: string | null;
  /** Failed write attempts that were retried. */
  retries: number;
}

export interface StorageRole {
  stats: StorageStats;
  stop(): Promise<void>;
}

export interface StorageOptions {
  maxBatch?: number;
  /** Snapshots held by the bus for this role before publishers wait. */
  maxBuffered?: number;
  /** First retry delay after a connection failure, ms (doubles up to `maxRetryDelayMs`). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** After stop(), how long a failing batch keeps being retried before giving up. */
  shutdownGraceMs?: number;
  onWritten?: (snapshots: EnrichedSnapshot[]) => void;
  onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Whether a database error means "not reachable now" (retry) rather than
 * "this data is wrong" (fail). Node socket errors, postgres-js connection
 * errors, SQLSTATE class 08 (connection exception), 57P01–57P03 (server
 * shutting down or starting), 53300 (too many connections).
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'].includes(code) ||
    code.startsWith('08') ||
    ['57P01', '57P02', '57P03', '53300'].includes(code)
  );
}

export async function startStorage(
  bus: Bus,
  write: (snapshots: EnrichedSnapshot[]) => Promise<WriteResult>,
  options: StorageOptions = {},
): Promise<StorageRole> {
  const stats: StorageStats = { snapshotsWritten: 0, quotesWritten: 0, batches: 0, lastWriteAt: null, lastError: null, retries: 0 };
  const retryDelayMs = options.retryDelayMs ?? 200;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5_000;
  let stoppingSince: number | null = null;

  const writeUntilStored = async (snapshots: EnrichedSnapshot[]): Promise<WriteResult> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write(snapshots);
      } catch (error) {
        const giveUp = stoppingSince !== null && Date.now() - stoppingSince > (options.shutdownGraceMs ?? 10_000);
        if (!isConnectionError(error) || giveUp) throw error;
        stats.retries++;
        stats.lastError = `database unavailable (${error instanceof Error ? error.message : String(error)}); retrying a batch of ${snapshots.length} snapshots`;
        options.onRetry?.(error, attempt);
        await new Promise((resolve) => setTimeout(resolve, Math.min(maxRetryDelayMs, retryDelayMs * 2 ** (attempt - 1))));
      }
    }
  };

  const subscription = await bus.subscribeBatch(
    TOPICS.enriched,
    'storage',
    async (messages) => {
      // An invalid message throws here and is dead-lettered alone (see Bus).
      const snapshots = messages.map((m) => parseEnrichedSnapshot(m.value));
      const written = await writeUntilStored(snapshots);
      stats.snapshotsWritten += written.snapshots;
      stats.quotesWritten += written.quotes;
      stats.batches++;
      stats.lastWriteAt = Date.now();
      stats.lastError = null;
      options.onWritten?.(snapshots);
    },
    { maxBatch: options.maxBatch ?? 500, maxQueued: options.maxBuffered },
  );
  return {
    stats,
    stop: async () => {
      stoppingSince = Date.now();
      await subscription.unsubscribe();
    },
  };
}
