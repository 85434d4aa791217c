/** The ingest role: a source's snapshots onto `market.raw`, keyed by symbol. */
import { TOPICS, type Bus } from './bus.ts';
import type { Source } from './source.ts';
import type { RawSnapshot } from '../core/models.ts';

export interface IngestRole {
  source: Source;
  stop(): Promise<void>;
}

export async function startIngest(source: Source, bus: Bus, onSnapshot?: (snapshot: RawSnapshot) => void): Promise<IngestRole> {
  await source.start(async (snapshot) => {
    onSnapshot?.(snapshot);
    await bus.publish(TOPICS.raw, snapshot.symbol, snapshot);
  });
  return { source, stop: () => source.stop() };
}
