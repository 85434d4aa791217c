/**
 * Source factories for tests of the source thread (pipeline/sources/workerSource.ts):
 * a worker builds its source from a module and an exported function, called
 * with data only, so the tests name these.
 */
import type { Logger } from '../../core/log.ts';
import type { Source, SourceStatus } from '../../pipeline/source.ts';
import { MarketSimulator, type SimulatorOptions } from '../../pipeline/sources/simulator.ts';

/** The market simulator with exactly these options (the main thread builds its twin). */
export function simulator(options: SimulatorOptions): Source {
  return new MarketSimulator(options);
}

/** A source that starts, logs, and `afterMs` later throws from a timer: an uncaught exception in its thread. */
export function crashing(options: { afterMs: number; message: string }, log: Logger): Source {
  let state: SourceStatus['state'] = 'idle';
  let timer: NodeJS.Timeout | undefined;
  return {
    name: 'crashing',
    status: () => ({ name: 'crashing', state, snapshotsEmitted: 0, rejected: {} }),
    start: async () => {
      state = 'running';
      log.info('about to crash', { afterMs: options.afterMs });
      timer = setTimeout(() => {
        throw new Error(options.message);
      }, options.afterMs);
    },
    stop: async () => {
      clearTimeout(timer);
      state = 'stopped';
    },
  };
}
