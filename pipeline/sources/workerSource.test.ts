import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { instrumentTable } from '../../core/instruments.ts';
import { createLogger, type Logger } from '../../core/log.ts';
import type { RawSnapshot } from '../../core/models.ts';
import { scratchDir } from '../../test/fixtures.ts';
import { waitFor } from '../../test/support/waitFor.ts';
import { fetchInstant, type FetchTiming } from '../source.ts';
import { MarketSimulator, type SimulatorOptions } from './simulator.ts';
import { configuredWorkerSource, WorkerSource } from './workerSource.ts';

const THREAD_SOURCES = new URL('../../test/support/threadSources.ts', import.meta.url).href;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const simulatorOptions: SimulatorOptions = {
  instruments: instrumentTable(),
  symbols: ['NIFTY', 'BANKNIFTY'],
  expiriesPerSymbol: 2,
  strikesEachSide: 8,
  seed: 17,
  tickIntervalMs: 5,
  speed: 60,
  clock: 'market',
  startTime: Date.UTC(2026, 10, 23, 5, 0),
};

function capturingLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger('debug', { role: 'test' }, (line) => lines.push(JSON.parse(line))), lines };
}

const started: WorkerSource[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((source) => source.stop().catch(() => {})));
});

function threadSimulator(log: Logger, options: Partial<SimulatorOptions> = {}, window?: number): WorkerSource {
  const source = new WorkerSource({ name: 'simulator', factory: { module: THREAD_SOURCES, export: 'simulator', options: { ...simulatorOptions, ...options } }, log, window });
  started.push(source);
  return source;
}

describe('a source on a thread of its own', () => {
  it('delivers, in order, the same snapshots as the same seeded simulator on the main thread', async () => {
    const { log } = capturingLog();
    const source = threadSimulator(log);
    const received: RawSnapshot[] = [];
    await source.start((snapshot) => void received.push(snapshot));
    await waitFor(() => (received.length >= 40 ? true : undefined), '40 snapshots from the source thread');
    await source.stop();

    const twin = new MarketSimulator(simulatorOptions);
    const expected: RawSnapshot[] = [];
    while (expected.length < received.length) expected.push(...twin.tick());
    expect(received).toEqual(expected.slice(0, received.length));
  });

  it('hands over when each snapshot was fetched in the thread, on the performance clock this thread reads too (the source.fetch span)', async () => {
    const { log } = capturingLog();
    const source = threadSimulator(log);
    const before = fetchInstant();
    const received: { fetch?: FetchTiming; at: number }[] = [];
    await source.start((_snapshot, fetch) => void received.push({ fetch, at: fetchInstant() }));
    await waitFor(() => (received.length >= 10 ? true : undefined), '10 snapshots from the source thread');
    await source.stop();
    for (const { fetch, at } of received) {
      expect(fetch).toBeDefined();
      expect(fetch!.startedAt).toBeGreaterThanOrEqual(before);
      expect(fetch!.endedAt).toBeGreaterThanOrEqual(fetch!.startedAt);
      expect(fetch!.endedAt).toBeLessThanOrEqual(at);
    }
  });

  it('mirrors the status of the source in its thread, and stops cleanly: every posted snapshot handed over, none after, the thread gone', async () => {
    const { log } = capturingLog();
    const source = threadSimulator(log);
    expect(source.status()).toMatchObject({ name: 'simulator', state: 'idle', snapshotsEmitted: 0 });
    let received = 0;
    await source.start(() => void received++);
    await waitFor(() => (source.status().state === 'running' && source.status().snapshotsEmitted >= 20 ? true : undefined), 'the mirrored status to count 20 snapshots');
    expect(source.threadExited).toBe(false);

    await source.stop();
    expect(source.threadExited).toBe(true);
    const status = source.status();
    expect(status).toMatchObject({ name: 'simulator', state: 'stopped', rejected: {} });
    // The simulator counts an emit once it resolved there; every one of them reached this thread's emit.
    expect(status.snapshotsEmitted).toBe(received);
    const after = received;
    await sleep(200);
    expect(received).toBe(after);
  });

  it('runs ahead of a busy main thread by at most its window, then waits (backpressure, as on the main thread)', async () => {
    const { log } = capturingLog();
    const window = 5;
    const source = threadSimulator(log, {}, window);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let received = 0;
    await source.start(async () => {
      received++;
      if (received === 1) await held;
    });
    // The first emit here never resolves: the source posts the window full (window − 1 of its emits resolved) and waits.
    await waitFor(() => (source.status().snapshotsEmitted === window - 1 ? true : undefined), 'the source to fill its window');
    await sleep(300);
    expect(source.status().snapshotsEmitted).toBe(window - 1);
    expect(received).toBe(1);

    release();
    await waitFor(() => (received > 3 * window ? true : undefined), 'the source to run again once the main thread took its snapshots');
  });

  it('makes a failed emit on the main thread fail in the source, which says it is degraded, and recovers (regression: an emit that threw at once left delivery stuck)', async () => {
    const { log } = capturingLog();
    const source = threadSimulator(log, {}, 1);
    let failing = true;
    let received = 0;
    await source.start(() => {
      received++;
      if (failing) throw new Error('bus is closed');
    });
    await waitFor(() => (source.status().state === 'degraded' ? true : undefined), 'the source to say it is degraded');
    expect(source.status().message).toBe('emit failed: bus is closed');
    failing = false;
    await waitFor(() => (source.status().state === 'running' ? true : undefined), 'the source to run again');
    expect(received).toBeGreaterThan(1);
  });

  it('turns a crash in the source thread into status failed with the error, logged, never an exception here', async () => {
    const { log, lines } = capturingLog();
    const source = new WorkerSource({ name: 'crashing', factory: { module: THREAD_SOURCES, export: 'crashing', options: { afterMs: 100, message: 'feed parser blew up' } }, log });
    started.push(source);
    await source.start(() => {});
    expect(source.status().state).toBe('running');
    await waitFor(() => (source.status().state === 'failed' ? true : undefined), 'the source to fail');
    expect(source.status().message).toBe('source thread crashed: feed parser blew up');
    // Its logs came through this thread's logger, and so did the crash.
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', role: 'test', message: 'about to crash', afterMs: 100 }));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'source thread failed', source: 'crashing', reason: 'source thread crashed: feed parser blew up' }));
    await source.stop();
    expect(source.status().state).toBe('failed');
    expect(source.threadExited).toBe(true);
  });

  it('runs the configured source in its thread: a source that cannot start rejects start() with its reason', async () => {
    const { log } = capturingLog();
    const config = loadConfig({ SOURCE: 'replay', REPLAY_FILE: join(scratchDir('worker-source'), 'missing.ndjson.gz') });
    const source = configuredWorkerSource(config, log);
    started.push(source);
    await expect(source.start(() => {})).rejects.toThrow(/missing\.ndjson\.gz/);
    expect(source.status().state).toBe('failed');
    expect(source.threadExited).toBe(true);
  });

  it('runs the configured simulator with the recorder in its thread, its log lines through this logger', async () => {
    const { log, lines } = capturingLog();
    const file = join(scratchDir('worker-source'), 'recorded.ndjson.gz');
    const config = loadConfig({ SYMBOLS: 'NIFTY', SIM_TICK_MS: '20', RECORD_FILE: file });
    const source = configuredWorkerSource(config, log);
    started.push(source);
    expect(source.name).toBe('simulator');
    const received: RawSnapshot[] = [];
    await source.start((snapshot) => void received.push(snapshot));
    await waitFor(() => (received.length >= 4 ? true : undefined), 'snapshots of the configured simulator');
    await source.stop();
    expect(new Set(received.map((s) => s.symbol))).toEqual(new Set(['NIFTY']));
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', message: 'recording raw snapshots', file }));
    expect(existsSync(file) && statSync(file).size > 0).toBe(true);
  });
});
