import { describe, expect, it } from 'vitest';
import { addRange, type MsRange } from './timeRanges.ts';

const r = (fromMs: number, toMs: number): MsRange => ({ fromMs, toMs });

describe('a bounded set of time ranges', () => {
  it('keeps apart ranges further apart than the gap, sorted', () => {
    let ranges = addRange([], r(100, 200), 10, 8);
    ranges = addRange(ranges, r(0, 50), 10, 8);
    expect(ranges).toEqual([r(0, 50), r(100, 200)]);
  });

  it('merges overlapping ranges and ranges within the gap, and a range bridging two', () => {
    let ranges = addRange([], r(0, 50), 10, 8);
    ranges = addRange(ranges, r(100, 200), 10, 8);
    expect(addRange(ranges, r(150, 300), 10, 8)).toEqual([r(0, 50), r(100, 300)]);
    expect(addRange(ranges, r(205, 210), 10, 8)).toEqual([r(0, 50), r(100, 210)]);
    expect(addRange(ranges, r(40, 120), 10, 8)).toEqual([r(0, 200)]);
  });

  it('never holds more than maxRanges, merging the closest neighbours', () => {
    let ranges: MsRange[] = [];
    for (const from of [0, 1000, 1100, 5000]) ranges = addRange(ranges, r(from, from + 10), 0, 3);
    expect(ranges).toEqual([r(0, 10), r(1000, 1110), r(5000, 5010)]);
    for (let i = 0; i < 1000; i++) ranges = addRange(ranges, r(i * 100, i * 100 + 1), 0, 3);
    expect(ranges).toHaveLength(3);
    expect(ranges[0].fromMs).toBe(0);
    expect(ranges[2].toMs).toBe(99_901);
  });

  it('refuses an empty range', () => {
    expect(() => addRange([], r(5, 5), 0, 1)).toThrow(RangeError);
  });
});
