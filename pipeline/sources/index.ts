/** Picks the configured source, and wraps it with a recorder when RECORD_FILE is set. */
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/log.ts';
import type { Source } from '../source.ts';
import { MarketSimulator } from './simulator.ts';
import { DhanSource, dhanUnderlyings } from './dhan.ts';
import { ReplaySource, SnapshotRecorder } from './replay.ts';

export async function createSource(config: Config, log: Logger): Promise<Source> {
  const source = baseSource(config, log);
  if (!config.RECORD_FILE) return source;
  const recorder = new SnapshotRecorder();
  await recorder.open(config.RECORD_FILE);
  log.info('recording raw snapshots', { file: config.RECORD_FILE });
  return {
    name: source.name,
    status: () => source.status(),
    start: (emit) =>
      source.start(async (snapshot, fetch) => {
        await recorder.write(snapshot);
        await emit(snapshot, fetch);
      }),
    stop: async () => {
      await source.stop();
      await recorder.close();
    },
  };
}

function baseSource(config: Config, log: Logger): Source {
  switch (config.SOURCE) {
    case 'simulator':
      if (config.scenario !== undefined) log.info('simulator scenario', { scenario: config.scenario.name, events: config.scenario.events.length, anchor: config.scenario.anchor });
      return new MarketSimulator({
        symbols: config.SYMBOLS,
        instruments: config.instruments,
        seed: config.SIM_SEED,
        tickIntervalMs: config.SIM_TICK_MS,
        speed: config.SIM_SPEED,
        clock: config.SIM_CLOCK,
        expiriesPerSymbol: config.EXPIRIES_PER_SYMBOL,
        strikesEachSide: config.SIM_STRIKES_EACH_SIDE,
        holidays: config.holidaySet,
        rate: config.RISK_FREE_RATE,
        scenario: config.scenario,
      });
    case 'dhan': {
      const dhanLog = log.child({ source: 'dhan' });
      return new DhanSource({
        baseUrl: config.DHAN_BASE_URL,
        accessToken: config.DHAN_ACCESS_TOKEN!,
        clientId: config.DHAN_CLIENT_ID!,
        symbols: dhanUnderlyings(config.SYMBOLS, config.instruments),
        expiriesPerSymbol: config.EXPIRIES_PER_SYMBOL,
        minIntervalMs: config.DHAN_MIN_INTERVAL_MS,
        log: ({ event, level, ...fields }) => dhanLog[level](event, fields),
      });
    }
    case 'replay':
      return new ReplaySource({ path: config.REPLAY_FILE!, speed: config.REPLAY_SPEED, loop: config.REPLAY_LOOP, progress: { log: log.child({ component: 'replay' }) } });
  }
}
