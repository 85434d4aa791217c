/**
 * Realistic chains for tests: the market simulator on a fixed seed and a
 * fixed market-hours clock, enriched by the real processor (and analysed by
 * the real analytics reducer, for the analytics tables).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instrumentTable } from '../core/instruments.ts';
import type { EnrichedSnapshot, RawSnapshot } from '../core/models.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';
import { analyseSnapshot, emptyAnalyticsStats } from '../pipeline/analytics.ts';
import { createIntelligenceState } from '../core/intelligence/index.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';

export const instruments = instrumentTable();

/** Monday 23 November 2026, 10:30 IST. */
export const FIXTURE_START = Date.UTC(2026, 10, 23, 5, 0);

export interface FixtureOptions {
  symbols?: string[];
  expiriesPerSymbol?: number;
  strikesEachSide?: number;
  seed?: number;
  /** Simulated seconds between ticks (default 60). */
  secondsPerTick?: number;
}

/** `ticks` simulator ticks (one snapshot per symbol and expiry each). */
export function simulatedRawSnapshots(ticks: number, options: FixtureOptions = {}): RawSnapshot[] {
  const simulator = new MarketSimulator({
    instruments,
    symbols: options.symbols ?? ['NIFTY'],
    expiriesPerSymbol: options.expiriesPerSymbol ?? 1,
    strikesEachSide: options.strikesEachSide ?? 5,
    seed: options.seed ?? 9,
    tickIntervalMs: 1000,
    speed: options.secondsPerTick ?? 60,
    clock: 'market',
    startTime: FIXTURE_START,
  });
  const out: RawSnapshot[] = [];
  for (let i = 0; i < ticks; i++) out.push(...simulator.tick());
  return out;
}

/** The same snapshots, enriched (processedAt five milliseconds after each snapshot, for stable output). */
export function simulatedEnrichedSnapshots(ticks: number, options: FixtureOptions = {}): EnrichedSnapshot[] {
  return simulatedRawSnapshots(ticks, options).map((raw) =>
    enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065, now: () => raw.timestamp + 5 }),
  );
}

/** The analytics messages of the same snapshots, through the real reducer from an empty state (the snapshots it skips give none). */
export function simulatedAnalyticsMessages(ticks: number, options: FixtureOptions = {}): AnalyticsMessage[] {
  const state = createIntelligenceState();
  const stats = emptyAnalyticsStats();
  return simulatedEnrichedSnapshots(ticks, options)
    .map((s) => analyseSnapshot(state, s, stats))
    .filter((m): m is AnalyticsMessage => m !== null);
}

/** A fresh directory under the system's temporary directory, for a test's DATA_DIR (spool, embedded database). */
export function scratchDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `options-${label}-`));
}
