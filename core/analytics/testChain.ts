/**
 * For the analytics tests: a chain with the given strikes and every quote
 * column NaN (missing), the other fields from `fields` or neutral defaults.
 */
import { allocateSide, type ChainSnapshot } from '../chain.ts';

export function testChain(strikes: ArrayLike<number>, fields: Partial<Omit<ChainSnapshot, 'strikes' | 'call' | 'put'>> = {}): ChainSnapshot {
  const n = strikes.length;
  return {
    symbol: 'TEST',
    expiry: '2026-01-27',
    timestamp: 0,
    spot: 100,
    future: NaN,
    tYears: 0.05,
    rate: 0.065,
    lotSize: 65,
    ...fields,
    strikes: Float64Array.from(strikes),
    call: allocateSide(n),
    put: allocateSide(n),
  };
}
