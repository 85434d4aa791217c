/**
 * The ingest role: a source's snapshots onto `market.raw`, keyed by symbol.
 * With a deduper, a snapshot whose id was already ingested (by this process
 * or, through Redis, by another ingester) is skipped and counted.
 */
import { TOPICS, type Bus } from './bus.ts';
import type { Source } from './source.ts';
import type { Deduper } from './dedupe.ts';
import type { RawSnapshot } from '../core/models.ts';

export interface IngestRole {
  source: Source;
  stats: { published: number; duplicates: number };
  stop(): Promise<void>;
}

export async function startIngest(
  source: Source,
  bus: Bus,
  options: { deduper?: Deduper; onDuplicate?: (snapshot: RawSnapshot) => void } = {},
): Promise<IngestRole> {
  const stats = { published: 0, duplicates: 0 };
  await source.start(async (snapshot) => {
    if (options.deduper && !(await options.deduper.firstSeen(snapshot.id))) {
      stats.duplicates++;
      options.onDuplicate?.(snapshot);
      return;
    }
    await bus.publish(TOPICS.raw, snapshot.symbol, snapshot);
    stats.published++;
  });
  return { source, stats, stop: () => source.stop() };
}
