/**
 * For tests and the bench: a named simulator scenario through the real
 * pipeline on the in-process bus (simulator → processor → analytics), one
 * tick per simulated minute, collecting the analytics messages in order.
 */
import { instrumentTable } from '../core/instruments.ts';
import { namedScenario } from '../core/scenario/named.ts';
import type { AnalyticsMessage } from '../core/analyticsMessage.ts';
import type { IntelligenceConfigInput } from '../core/intelligence/index.ts';
import { InProcessBus, TOPICS } from './bus.ts';
import { startProcessor } from './processor.ts';
import { startAnalytics } from './analytics.ts';
import { MarketSimulator } from './sources/simulator.ts';

export interface ScenarioRunOptions {
  scenario: string;
  minutes: number;
  symbols?: string[];
  expiriesPerSymbol?: number;
  /** Simulated start, epoch ms (default Monday 2026-01-05 10:00 IST). */
  startTime?: number;
  seed?: number;
  intelligence?: IntelligenceConfigInput;
}

/** Each minute's messages (minute i holds the messages of tick i). */
export async function runScenario(options: ScenarioRunOptions): Promise<AnalyticsMessage[][]> {
  const scenario = namedScenario(options.scenario);
  if (scenario === undefined) throw new Error(`unknown scenario ${options.scenario}`);
  const instruments = instrumentTable();
  const simulator = new MarketSimulator({
    instruments,
    symbols: options.symbols ?? ['NIFTY'],
    expiriesPerSymbol: options.expiriesPerSymbol ?? 1,
    seed: options.seed ?? 42,
    tickIntervalMs: 1_000,
    speed: 60,
    clock: 'always-open',
    startTime: options.startTime ?? Date.parse('2026-01-05T10:00:00+05:30'),
    scenario,
  });
  const bus = new InProcessBus();
  const processor = await startProcessor(bus, { instruments, rate: 0.065 });
  let minute: AnalyticsMessage[] = [];
  const analytics = await startAnalytics(bus, { intelligence: options.intelligence, onMessage: (m) => minute.push(m) });
  const minutes: AnalyticsMessage[][] = [];
  try {
    for (let i = 0; i < options.minutes; i++) {
      for (const raw of simulator.tick()) await bus.publish(TOPICS.raw, raw.symbol, raw);
      await bus.drain();
      minutes.push(minute);
      minute = [];
    }
  } finally {
    await analytics.stop();
    await processor.stop();
    await bus.close();
  }
  return minutes;
}
