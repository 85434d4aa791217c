import { describe, expect, it } from 'vitest';
import { deliveredInstants, processedAtOfEvent } from './deliveryTraces.ts';

describe('processedAtOfEvent', () => {
  it('finds the snapshot a live event is of: a snapshot, a chain delta’s header, an analytics message, a timed mood or event', () => {
    expect(processedAtOfEvent({ id: 's', processedAt: 1_000 })).toBe(1_000);
    expect(processedAtOfEvent({ header: { processedAt: 2_000 }, quotes: [] })).toBe(2_000);
    expect(processedAtOfEvent({ index: 55, processedAt: 3_000 })).toBe(3_000);
    expect(processedAtOfEvent({ kind: 'zone_shifted', processedAt: 4_000 })).toBe(4_000);
  });

  it('is undefined when the event does not say (from a version-1 message or an older replica, playback frames)', () => {
    expect(processedAtOfEvent({ index: 55, processedAt: null })).toBeUndefined();
    expect(processedAtOfEvent({ index: 55 })).toBeUndefined();
    expect(processedAtOfEvent({ position: 3 })).toBeUndefined();
    expect(processedAtOfEvent(null)).toBeUndefined();
  });
});

describe('deliveredInstants', () => {
  it('times every root field from the source event when known, else from the processedAt each selects', () => {
    expect(deliveredInstants({ data: { moodUpdated: { band: 'NEUTRAL' } } }, 5_000)).toEqual([['moodUpdated', 5_000]]);
    expect(deliveredInstants({ data: { chainUpdated: { processedAt: '1970-01-01T00:00:06.000Z' } } })).toEqual([['chainUpdated', 6_000]]);
    expect(deliveredInstants({ data: { moodUpdated: { band: 'NEUTRAL' } } })).toEqual([]);
  });
});
