/**
 * A strategy's legs as the user states them: the shared vocabulary of the
 * strategy builder (payoff, P&L, probabilities), the margin estimate and the
 * named templates. Quantities are in lots here; code that needs units
 * multiplies by the contract's lot size once, where the leg meets the chain.
 */

/** Buy (long) or sell (short, written). */
export type LegAction = 'BUY' | 'SELL';

/** Call or put. */
export type OptionRight = 'CALL' | 'PUT';

/** One option leg: a call or put at a strike and expiry, bought or sold in lots. */
export interface OptionLeg {
  instrument: 'OPTION';
  right: OptionRight;
  /** Strike in rupees (index points). */
  strike: number;
  /** Expiry date, IST, YYYY-MM-DD. */
  expiry: string;
  action: LegAction;
  /** Number of lots, a positive integer (units = lots × lot size). */
  lots: number;
  /** Entry price in rupees per unit; absent: the latest mid of the stored chain. */
  entryPrice?: number;
  /** Implied volatility as a decimal (0.15 = 15 %) per year; absent: that strike's IV now. */
  iv?: number;
}

/** One futures leg: the index future of an expiry, bought or sold in lots. */
export interface FutureLeg {
  instrument: 'FUTURE';
  /** Expiry date, IST, YYYY-MM-DD. */
  expiry: string;
  action: LegAction;
  /** Number of lots, a positive integer. */
  lots: number;
  /** Entry price in rupees per unit; absent: the latest stored future price (or fair value). */
  entryPrice?: number;
}

export type StrategyLeg = OptionLeg | FutureLeg;

/** +1 for a bought leg, −1 for a sold one: the sign of its quantity. */
export function legSign(leg: Pick<StrategyLeg, 'action'>): 1 | -1 {
  return leg.action === 'BUY' ? 1 : -1;
}
