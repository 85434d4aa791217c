/** Chain analytics on a 200-strike chain: microseconds per chain, by stage (and the intelligence reducer per snapshot). */
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { instrumentTable } from '../core/instruments.ts';
import { chainColumns } from '../core/chain.ts';
import { summarizeChain } from '../core/analytics/summary.ts';
import { gammaExposure } from '../core/analytics/gex.ts';
import { chainMaxPain } from '../core/analytics/maxPain.ts';
import { checkChain } from '../core/analytics/quality.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';
import { createIntelligenceState, reduce } from '../core/intelligence/index.ts';

export interface AnalyticsBenchRow {
  stage: string;
  strikes: number;
  microsecondsPerChain: number;
}

/** Microseconds per call of `run`, over at least `minSeconds` after `warmups` calls. */
export function time(run: () => void, minSeconds = 0.5, warmups = 20): number {
  for (let i = 0; i < warmups; i++) run();
  let iterations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minSeconds * 1000) {
    run();
    iterations++;
    elapsed = performance.now() - start;
  }
  return (elapsed * 1000) / iterations;
}

export function runAnalyticsBench(): AnalyticsBenchRow[] {
  const instruments = instrumentTable();
  const simulator = new MarketSimulator({
    instruments,
    symbols: ['NIFTY'],
    expiriesPerSymbol: 1,
    seed: 5,
    tickIntervalMs: 1000,
    speed: 60,
    clock: 'market',
    startTime: Date.UTC(2026, 10, 23, 5, 0),
    strikesEachSide: 100,
  });
  const raw: RawSnapshot = simulator.tick()[0];
  const instrument = instruments.get('NIFTY')!;
  const enriched = enrichSnapshot(raw, { instrument, rate: 0.065 });
  const chain = chainColumns(enriched);
  const forward = enriched.forward!;
  const strikes = chain.strikes.length;
  let sink = 0;
  const rows: AnalyticsBenchRow[] = [
    { stage: 'all chain analytics (summarizeChain)', strikes, microsecondsPerChain: time(() => void (sink += summarizeChain(chain, { forward }).totalCallOi)) },
    { stage: '  of which GEX + gamma flip (201-point re-pricing)', strikes, microsecondsPerChain: time(() => void (sink += gammaExposure(chain, { forward }).totalNet)) },
    { stage: '  of which max pain', strikes, microsecondsPerChain: time(() => void (sink += chainMaxPain(chain).strike)) },
    { stage: 'data-quality rules (checkChain)', strikes, microsecondsPerChain: time(() => void (sink += checkChain(chain, { forward }).flaggedRows)) },
    { stage: 'full enrichment: rows, quality, IV, Greeks, analytics', strikes, microsecondsPerChain: time(() => void (sink += enrichSnapshot(raw, { instrument, rate: 0.065 }).rows.length)) },
  ];
  rows.push({
    stage: `market intelligence: reduce() per snapshot, state carried (${INTELLIGENCE_SNAPSHOTS} snapshots 3 s apart)`,
    strikes,
    microsecondsPerChain: timeIntelligence(100),
  });
  // The pipeline bench's chains: fixed per-snapshot costs weigh most here.
  rows.push({ stage: '  the same on a 41-strike chain', strikes: 41, microsecondsPerChain: timeIntelligence(20) });
  if (Number.isNaN(sink)) rows.push({ stage: 'unreachable', strikes, microsecondsPerChain: sink });
  return rows;
}

/** 35 minutes at Dhan's 3-second cadence: past the 15-minute windows and the 30 minutes the accelerations look back. */
const INTELLIGENCE_SNAPSHOTS = 700;

/**
 * Microseconds per snapshot of the intelligence reducer fed a session of
 * simulator snapshots (`strikesEachSide` each side of ATM, enriched by the processor beforehand),
 * from a fresh state each pass, so the figure includes the rings filling,
 * baselines being fed and events being raised, as in the analytics role.
 */
function timeIntelligence(strikesEachSide: number, minSeconds = 2): number {
  const instruments = instrumentTable();
  const simulator = new MarketSimulator({
    instruments,
    symbols: ['NIFTY'],
    expiriesPerSymbol: 1,
    seed: 7,
    tickIntervalMs: 1000,
    speed: 3,
    clock: 'market',
    startTime: Date.UTC(2026, 10, 23, 3, 45),
    strikesEachSide,
  });
  const instrument = instruments.get('NIFTY')!;
  const snapshots: EnrichedSnapshot[] = [];
  for (let i = 0; i < INTELLIGENCE_SNAPSHOTS; i++) snapshots.push(enrichSnapshot(simulator.tick()[0], { instrument, rate: 0.065, now: () => 0 }));
  let events = 0;
  const pass = () => {
    const state = createIntelligenceState();
    for (const snapshot of snapshots) events += reduce(state, snapshot).outputs.events.length;
  };
  // Three passes to warm up: the first ones run while the JIT still compiles the reducer.
  const perPass = time(pass, minSeconds, 3);
  if (events === 0) throw new Error('the intelligence bench raised no event: its input is not exercising the reducer');
  return perPass / snapshots.length;
}
