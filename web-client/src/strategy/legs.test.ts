import { describe, expect, it } from 'vitest';
import { toLegInputs, type DraftLeg } from './legs.ts';

const leg = (change: Partial<DraftLeg> = {}): DraftLeg => ({ id: 1, instrument: 'OPTION', action: 'BUY', right: 'CALL', strike: 24000, expiry: '2026-12-10', lots: 1, entryPrice: null, iv: null, ...change });

describe('toLegInputs', () => {
  it('sends an option with its right and strike, and the chain’s price and IV when none is typed', () => {
    expect(toLegInputs([leg()])).toEqual([{ instrument: 'OPTION', action: 'BUY', right: 'CALL', strike: 24000, expiry: '2026-12-10', lots: 1 }]);
  });

  it('sends a typed entry price (points) and IV (decimal), and a future without right, strike or IV', () => {
    expect(toLegInputs([leg({ entryPrice: 101.5, iv: 0.14 }), leg({ instrument: 'FUTURE', action: 'SELL', strike: null, iv: 0.2 })])).toEqual([
      { instrument: 'OPTION', action: 'BUY', right: 'CALL', strike: 24000, expiry: '2026-12-10', lots: 1, entryPrice: 101.5, iv: 0.14 },
      { instrument: 'FUTURE', action: 'SELL', expiry: '2026-12-10', lots: 1 },
    ]);
  });

  it('holds back nothing, an option without a strike, or fractional or zero lots', () => {
    expect(toLegInputs([])).toBeNull();
    expect(toLegInputs([leg({ strike: null })])).toBeNull();
    expect(toLegInputs([leg({ lots: 0 })])).toBeNull();
    expect(toLegInputs([leg({ lots: 1.5 })])).toBeNull();
  });
});
