/**
 * Where raw option chains come from. One implementation per real feed
 * (simulator, Dhan, replay); the pipeline only sees this interface.
 */
import type { RawSnapshot } from '../core/models.ts';

export interface SourceStatus {
  name: string;
  state: 'idle' | 'running' | 'degraded' | 'stopped' | 'failed';
  /** Human-readable reason for degraded/failed. */
  message?: string;
  snapshotsEmitted: number;
  /** Rows or payloads the source itself rejected, by reason. */
  rejected: Record<string, number>;
}

/**
 * When the fetch of a snapshot ran (the request and parse, the tick, the
 * read), epoch ms on the performance clock (`fetchInstant()`), so instants
 * taken on a source's own thread compare with the main thread's. Ingest
 * turns it into the `source.fetch` span, the root of the snapshot's trace.
 */
export interface FetchTiming {
  startedAt: number;
  endedAt: number;
}

/** Now, epoch ms, on the performance clock (sub-millisecond, comparable across threads). */
export const fetchInstant = (): number => performance.timeOrigin + performance.now();

/** What a source hands each snapshot to, with when its fetch ran when the source knows. */
export type SourceEmit = (snapshot: RawSnapshot, fetch?: FetchTiming) => Promise<void> | void;

export interface Source {
  readonly name: string;
  /**
   * Starts producing snapshots into `emit`. Resolves once running; production
   * continues in the background until `stop()`. `emit` may be async: the
   * source awaits it, so a slow consumer slows the source instead of piling
   * snapshots up in memory.
   */
  start(emit: SourceEmit): Promise<void>;
  /** Stops producing; resolves when no more `emit` calls will happen. */
  stop(): Promise<void>;
  status(): SourceStatus;
}
