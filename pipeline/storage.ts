/**
 * The storage role: enriched snapshots from `market.enriched` into the
 * database, in batches. Whatever accumulated while the previous write ran is
 * written together, so batches grow with load and latency stays low when idle.
 */
import { TOPICS, type Bus } from './bus.ts';
import type { WriteResult } from '../db/queries/writeSnapshots.ts';
import { parseEnrichedSnapshot, type EnrichedSnapshot } from '../core/models.ts';

export interface StorageStats {
  snapshotsWritten: number;
  quotesWritten: number;
  batches: number;
  lastWriteAt: number | null;
  lastError: string | null;
}

export interface StorageRole {
  stats: StorageStats;
  stop(): Promise<void>;
}

export async function startStorage(
  bus: Bus,
  write: (snapshots: EnrichedSnapshot[]) => Promise<WriteResult>,
  options: { maxBatch?: number; onWritten?: (snapshots: EnrichedSnapshot[]) => void } = {},
): Promise<StorageRole> {
  const stats: StorageStats = { snapshotsWritten: 0, quotesWritten: 0, batches: 0, lastWriteAt: null, lastError: null };
  const subscription = await bus.subscribeBatch(
    TOPICS.enriched,
    'storage',
    async (messages) => {
      // An invalid message throws here and is dead-lettered alone (see Bus).
      const snapshots = messages.map((m) => parseEnrichedSnapshot(m.value));
      try {
        const written = await write(snapshots);
        stats.snapshotsWritten += written.snapshots;
        stats.quotesWritten += written.quotes;
        stats.batches++;
        stats.lastWriteAt = Date.now();
        stats.lastError = null;
      } catch (error) {
        stats.lastError = error instanceof Error ? error.message : String(error);
        throw error;
      }
      options.onWritten?.(snapshots);
    },
    { maxBatch: options.maxBatch ?? 200 },
  );
  return { stats, stop: () => subscription.unsubscribe() };
}
