/** Legs for the strategy tests: priced legs on one or two expiries without a chain. */
import type { PricedLeg, StrategyMarket } from './pnl.ts';

export const NOW = Date.UTC(2026, 10, 23, 5, 0);
export const DAY_MS = 86_400_000;
/** 30 and 58 days after NOW. */
export const NEAR_MS = NOW + 30 * DAY_MS;
export const FAR_MS = NOW + 58 * DAY_MS;
export const market: StrategyMarket = { spot: 100, rate: 0.065, nowMs: NOW };

let counter = 0;
/** An option leg: `units` signed (lots 1 of that lot size), IV 20 % unless given. */
export function option(right: 'CALL' | 'PUT', strike: number, units: number, entryPrice: number, fields: Partial<PricedLeg> = {}): PricedLeg {
  return {
    index: counter++,
    instrument: 'OPTION',
    optionSign: right === 'CALL' ? 1 : -1,
    strike,
    expiry: '2026-12-23',
    expiryMs: NEAR_MS,
    units,
    lots: 1,
    lotSize: Math.abs(units),
    entryPrice,
    iv: 0.2,
    ivShift: 0,
    divYield: 0.01,
    ...fields,
  };
}

export function future(units: number, entryPrice: number, fields: Partial<PricedLeg> = {}): PricedLeg {
  return { ...option('CALL', NaN, units, entryPrice, fields), instrument: 'FUTURE', optionSign: 0, strike: NaN, iv: NaN, ...fields };
}
