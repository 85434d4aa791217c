/**
 * The ingest role: a source's snapshots onto `market.raw`, keyed by symbol.
 * With a deduper, a snapshot that repeats the last stored one of its stream
 * is skipped and counted (see dedupe.ts).
 *
 * Backpressure: publishing waits while the pipeline behind is full (bounded
 * queues), and the source awaits each emit, so it slows down instead of
 * growing memory. The role says so: `stats.held` is set while a publish has
 * waited longer than `slowAfterMs`, and `onHeld`/`onReleased` are called once
 * per episode (for a log line).
 */
import { TOPICS, type Bus } from './bus.ts';
import type { Source, SourceStatus } from './source.ts';
import { streamOf, type Deduper } from './dedupe.ts';
import type { RawSnapshot } from '../core/models.ts';
import { inSpan, pastSpan, traceHeaders } from './traceContext.ts';

export interface IngestStats {
  published: number;
  duplicates: number;
  /** When the source last handed over a snapshot (repeats included), epoch ms; readiness watches it. */
  lastSnapshotAt: number | null;
  startedAt: number;
  /** Since when (epoch ms) the source has been held back by a full pipeline, else null. */
  heldSince: number | null;
  /** Total time the source spent waiting for room, ms. */
  heldMs: number;
}

export interface IngestRole {
  source: Source;
  stats: IngestStats;
  stop(): Promise<void>;
}

export interface IngestOptions {
  deduper?: Deduper;
  onDuplicate?: (snapshot: RawSnapshot) => void;
  /** A publish waiting longer than this counts as the source being held back (default 1 s). */
  slowAfterMs?: number;
  onHeld?: () => void;
  onReleased?: (heldMs: number) => void;
  /** Told when the source's state or message changes (checked every `watchMs`, default 1 s), so a failure is logged, not only shown in /readyz. */
  onSourceChange?: (status: SourceStatus) => void;
  watchMs?: number;
}

export async function startIngest(source: Source, bus: Bus, options: IngestOptions = {}): Promise<IngestRole> {
  const stats: IngestStats = { published: 0, duplicates: 0, lastSnapshotAt: null, startedAt: Date.now(), heldSince: null, heldMs: 0 };
  const slowAfterMs = options.slowAfterMs ?? 1_000;
  await source.start(async (snapshot, fetch) => {
    stats.lastSnapshotAt = Date.now();
    if (options.deduper && (await options.deduper.isRepeat(streamOf(snapshot), snapshot.id))) {
      stats.duplicates++;
      options.onDuplicate?.(snapshot);
      return;
    }
    const began = Date.now();
    const slow = setTimeout(() => {
      stats.heldSince = began;
      options.onHeld?.();
    }, slowAfterMs);
    try {
      // The trace of this snapshot starts at its fetch, timed by the source (maybe on its own thread), else here.
      const attributes = { 'snapshot.id': snapshot.id, 'snapshot.symbol': snapshot.symbol, 'snapshot.expiry': snapshot.expiry, 'source.name': source.name };
      const fetched = fetch ? pastSpan('source.fetch', attributes, fetch.startedAt, fetch.endedAt) : null;
      await inSpan('source.snapshot', fetched, attributes, () => bus.publish(TOPICS.raw, snapshot.symbol, snapshot, traceHeaders()));
    } finally {
      clearTimeout(slow);
      const waited = Date.now() - began;
      stats.heldMs += waited;
      if (stats.heldSince !== null) {
        stats.heldSince = null;
        options.onReleased?.(waited);
      }
    }
    stats.published++;
  });
  let seen = '';
  const watch = () => {
    const status = source.status();
    const now = `${status.state}:${status.message ?? ''}`;
    if (now !== seen) {
      seen = now;
      options.onSourceChange?.(status);
    }
  };
  watch();
  const watcher = setInterval(watch, options.watchMs ?? 1_000);
  watcher.unref();
  return {
    source,
    stats,
    stop: async () => {
      await source.stop();
      clearInterval(watcher);
    },
  };
}
