/** Stateless chain analytics: pure functions of one ChainSnapshot. */
export * from './atm.ts';
export * from './basis.ts';
export * from './maxPain.ts';
export * from './pcr.ts';
export * from './rankings.ts';
export * from './supportResistance.ts';
