import { describe, expect, it } from 'vitest';
import { PLAYBACK_MAX_WAIT_MS, PlaybackSlots, playbackWaitMs } from './playback.ts';

describe('playback pacing', () => {
  it('waits the gap between two snapshots divided by the speed', () => {
    expect(playbackWaitMs(0, 1000, 1)).toBe(1000);
    expect(playbackWaitMs(0, 3000, 60)).toBe(50);
    expect(playbackWaitMs(0, 1000, 0.5)).toBe(2000);
  });

  it('caps a single wait, so a gap in the stored data is skipped rather than waited through', () => {
    expect(playbackWaitMs(0, 3_600_000, 1)).toBe(PLAYBACK_MAX_WAIT_MS);
  });

  it('does not wait at speed 0, nor between snapshots of the same instant', () => {
    expect(playbackWaitMs(0, 60_000, 0)).toBe(0);
    expect(playbackWaitMs(5000, 5000, 2)).toBe(0);
  });
});

describe('playback slots', () => {
  it('admits up to the maximum, refuses one more and counts it, and frees a slot once however often it is released', () => {
    const slots = new PlaybackSlots(2);
    const first = slots.admit()!;
    expect(slots.admit()).not.toBeNull();
    expect(slots.admit()).toBeNull();
    first();
    first();
    expect(slots.stats()).toMatchObject({ active: 1, started: 2, refused: 1 });
    expect(slots.admit()).not.toBeNull();
    expect(slots.admit()).toBeNull();
  });
});
