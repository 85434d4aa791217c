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

export interface Source {
  readonly name: string;
  /**
   * Starts producing snapshots into `emit`. Resolves once running; production
   * continues in the background until `stop()`. `emit` may be async: the
   * source awaits it, so a slow consumer slows the source instead of piling
   * snapshots up in memory.
   */
  start(emit: (snapshot: RawSnapshot) => Promise<void> | void): Promise<void>;
  /** Stops producing; resolves when no more `emit` calls will happen. */
  stop(): Promise<void>;
  status(): SourceStatus;
}
