import { describe, expect, it } from 'vitest';
import { termStructure } from './termStructure.ts';

describe('the ATM term structure', () => {
  it('gives total variance and the forward vol between consecutive expiries (hand-worked)', () => {
    const ts = termStructure(Float64Array.from([0.1, 0.2, 0.3]), Float64Array.from([0.2, 0.15, 0.15]));
    expect([...ts.totalVariance].map((w) => +w.toFixed(12))).toEqual([0.004, 0.0045, 0.00675]);
    expect(ts.forwardVol[0]).toBeNaN();
    expect(ts.forwardVol[1]).toBeCloseTo(Math.sqrt(0.005), 12); // (0.0045 − 0.004) / 0.1
    expect(ts.forwardVol[2]).toBeCloseTo(0.15, 12); // (0.00675 − 0.0045) / 0.1
    expect([...ts.calendarArbitrage]).toEqual([0, 0, 0]);
  });

  it('has a flat forward vol equal to the spot vol when the ATM IV is flat', () => {
    const ts = termStructure(Float64Array.from([0.02, 0.1, 0.5]), Float64Array.from([0.13, 0.13, 0.13]));
    expect(ts.forwardVol[1]).toBeCloseTo(0.13, 12);
    expect(ts.forwardVol[2]).toBeCloseTo(0.13, 12);
  });

  it('flags a calendar arbitrage where total variance falls, with no forward vol there', () => {
    const ts = termStructure(Float64Array.from([0.1, 0.2]), Float64Array.from([0.2, 0.1]));
    expect([...ts.calendarArbitrage]).toEqual([0, 1]);
    expect(ts.forwardVol[1]).toBeNaN();
  });

  it('skips an expiry without a usable IV, measuring the next one from the last usable', () => {
    const ts = termStructure(Float64Array.from([0.1, 0.2, 0.3]), Float64Array.from([0.2, NaN, 0.2]));
    expect(ts.totalVariance[1]).toBeNaN();
    expect(ts.forwardVol[2]).toBeCloseTo(0.2, 12);
  });
});
