/**
 * The legs being built, shared by the chain page ("add to strategy" in a
 * cell's detail) and the strategy builder, kept in sessionStorage so moving
 * between pages or reloading keeps them. Lots are whole numbers; entry price
 * is index points per unit, IV a decimal per year; empty means "the chain's".
 */
import { useSyncExternalStore } from 'react';
import type { StrategyAction, StrategyInstrument, OptionRight, StrategyLegInput } from '../gql/graphql.ts';

export interface DraftLeg {
  id: number;
  instrument: StrategyInstrument;
  action: StrategyAction;
  right: OptionRight;
  /** Index points; null until given (a future needs none). */
  strike: number | null;
  /** YYYY-MM-DD. */
  expiry: string;
  lots: number;
  /** Index points per unit; null for the chain's mid. */
  entryPrice: number | null;
  /** Decimal per year (0.15 = 15 %); null for the chain's IV. */
  iv: number | null;
}

/** The most legs the server takes. */
export const MAX_LEGS = 20;
const KEY = 'strategy-legs';
let legs: readonly DraftLeg[] = read();
let nextId = legs.reduce((max, leg) => Math.max(max, leg.id), 0) + 1;
const listeners = new Set<() => void>();

function read(): DraftLeg[] {
  try {
    const stored = sessionStorage.getItem(KEY);
    return stored ? (JSON.parse(stored) as DraftLeg[]) : [];
  } catch {
    return [];
  }
}

function write(next: readonly DraftLeg[]): void {
  legs = next.slice(0, MAX_LEGS);
  sessionStorage.setItem(KEY, JSON.stringify(legs));
  for (const listener of listeners) listener();
}

export function useLegs(): readonly DraftLeg[] {
  return useSyncExternalStore(
    (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    () => legs,
  );
}

export function newLeg(fields: Omit<DraftLeg, 'id' | 'entryPrice' | 'iv'> & Partial<Pick<DraftLeg, 'entryPrice' | 'iv'>>): DraftLeg {
  return { entryPrice: null, iv: null, ...fields, id: nextId++ };
}

export function addLeg(leg: DraftLeg): void {
  write([...legs, leg]);
}

export function replaceLegs(next: DraftLeg[]): void {
  write(next);
}

export function updateLeg(id: number, change: Partial<DraftLeg>): void {
  write(legs.map((leg) => (leg.id === id ? { ...leg, ...change } : leg)));
}

export function removeLeg(id: number): void {
  write(legs.filter((leg) => leg.id !== id));
}

/** The legs as the server takes them, or null while one is incomplete (an option without a strike, lots below 1). */
export function toLegInputs(draft: readonly DraftLeg[]): StrategyLegInput[] | null {
  if (draft.length === 0) return null;
  const inputs: StrategyLegInput[] = [];
  for (const leg of draft) {
    const option = leg.instrument === 'OPTION';
    if (!Number.isInteger(leg.lots) || leg.lots < 1 || !leg.expiry || (option && (leg.strike == null || !(leg.strike > 0)))) return null;
    inputs.push({
      instrument: leg.instrument,
      action: leg.action,
      expiry: leg.expiry,
      lots: leg.lots,
      ...(option ? { right: leg.right, strike: leg.strike } : {}),
      ...(leg.entryPrice != null ? { entryPrice: leg.entryPrice } : {}),
      ...(option && leg.iv != null ? { iv: leg.iv } : {}),
    });
  }
  return inputs;
}
