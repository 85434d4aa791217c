/**
 * Historical playback's plain logic (the subscription is schema/playback.ts):
 * its bounds, the pacing between two stored snapshots, and the server-wide
 * count of playbacks running with what they have read and sent.
 *
 * Pacing: at `speed` × real time the frame of a snapshot taken at ts₂ follows
 * the frame of the one at ts₁ after (ts₂ − ts₁) / speed, at most
 * PLAYBACK_MAX_WAIT_MS: a gap in the stored data (the night, an outage) is
 * skipped rather than waited through. Speed 0 means no wait at all: frames go
 * as fast as the client reads them. Waits keep to a schedule (each frame is
 * due a wait after the previous one was due), so the time a page read takes
 * is made up; a frame more than PLAYBACK_MAX_LAG_MS behind its schedule (a
 * client reading slower than the pace) moves the schedule, so no burst
 * follows to catch up.
 */

/** The highest speed: an hour of stored data a second. */
export const PLAYBACK_MAX_SPEED = 3600;
/** The longest single wait between two frames, ms. */
export const PLAYBACK_MAX_WAIT_MS = 5_000;
/** How far behind its schedule a frame may go before the schedule moves (a burst of at most this much catching up), ms. */
export const PLAYBACK_MAX_LAG_MS = 1_000;
/** The longest range one playback covers: a week, the life of a weekly expiry. */
export const PLAYBACK_MAX_RANGE_MS = 7 * 86_400_000;
/** Snapshots read from the database at a time (with their option rows): what one playback holds in memory at most, about 7 MiB of heap for 20 chains of 401 strikes. */
export const PLAYBACK_PAGE_SIZE = 20;

/** The wait, ms, between the frames of snapshots taken at `fromMs` and `toMs` at `speed` (0: none). */
export function playbackWaitMs(fromMs: number, toMs: number, speed: number): number {
  if (speed <= 0 || toMs <= fromMs) return 0;
  return Math.min((toMs - fromMs) / speed, PLAYBACK_MAX_WAIT_MS);
}

export interface PlaybackStats {
  /** Playbacks running now. */
  active: number;
  /** Playbacks started since the process started. */
  started: number;
  /** Playbacks refused because `max` were running. */
  refused: number;
  /** Pages of snapshots read from the database by all playbacks. */
  pagesRead: number;
  /** Frames handed to the transport by all playbacks. */
  framesSent: number;
}

/** At most `max` playbacks at once, and what they did. */
export class PlaybackSlots {
  private readonly counters: PlaybackStats = { active: 0, started: 0, refused: 0, pagesRead: 0, framesSent: 0 };

  constructor(readonly max: number) {}

  /** A slot's release (idempotent), or null when `max` playbacks are running. */
  admit(): (() => void) | null {
    if (this.counters.active >= this.max) {
      this.counters.refused++;
      return null;
    }
    this.counters.active++;
    this.counters.started++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.counters.active--;
    };
  }

  notePage(): void {
    this.counters.pagesRead++;
  }

  noteFrame(): void {
    this.counters.framesSent++;
  }

  stats(): PlaybackStats {
    return { ...this.counters };
  }
}
