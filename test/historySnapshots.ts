/**
 * The enriched snapshots the history query tests store and recompute in
 * JavaScript (db/queries/chainHistory.test.ts, strikeHistory.test.ts).
 */
import { instrumentTable } from '../core/instruments.ts';
import type { EnrichedSnapshot } from '../core/models.ts';
import { enrichSnapshot } from '../pipeline/processor.ts';
import { MarketSimulator } from '../pipeline/sources/simulator.ts';

/** 2026-11-23 05:00 UTC, on a 5-minute bucket boundary. */
export const HISTORY_START = Date.UTC(2026, 10, 23, 5, 0);

/**
 * NIFTY and SENSEX every 20 s for 40 minutes from HISTORY_START; some chain
 * analytics blanked to exercise nulls (every 7th tick max pain and ATM IV,
 * every 11th PCR), and the calls' IV every 7th tick (the last of some
 * 5-minute buckets, inside others).
 */
export function historySnapshots(): EnrichedSnapshot[] {
  const instruments = instrumentTable();
  const simulator = new MarketSimulator({
    instruments,
    symbols: ['NIFTY', 'SENSEX'],
    seed: 11,
    tickIntervalMs: 1000,
    speed: 20,
    clock: 'market',
    startTime: HISTORY_START,
    strikesEachSide: 4,
  });
  const out: EnrichedSnapshot[] = [];
  for (let i = 0; i < 120; i++) {
    for (const raw of simulator.tick()) {
      const s = enrichSnapshot(raw, { instrument: instruments.get(raw.symbol)!, rate: 0.065, now: () => raw.timestamp + 5 });
      if (i % 7 === 3) s.analytics = { ...s.analytics, maxPain: null, atmIv: null };
      if (i % 11 === 5) s.analytics = { ...s.analytics, pcrOi: null };
      if (i % 7 === 0) s.rows = s.rows.map((row) => (row.call ? { ...row, call: { ...row.call, iv: null } } : row));
      out.push(s);
    }
  }
  return out;
}
