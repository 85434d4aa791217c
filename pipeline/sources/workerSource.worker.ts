/**
 * The source's own thread (see workerSource.ts). Builds the source from the
 * factory it is handed (a module and the name of a function exported by it,
 * called with serialisable options and a logger), starts it, and posts every
 * snapshot to the main thread.
 *
 * Backpressure: the source's emit posts the snapshot and resolves at once
 * while fewer than `window` snapshots wait for the main thread's emit, so a
 * briefly busy main loop does not hold the source's clock; with the window
 * full it waits for the oldest to be taken, as the source waits for a slow
 * consumer on the main thread. The main thread acknowledges each snapshot
 * when its emit resolved (in order); a failed one is thrown from the
 * source's next emit, so the source says it is degraded as it would have.
 *
 * Status: the source's status() is posted when it changes (checked every
 * `statusEveryMs`) and at least once a second; logs go to the main thread's
 * logger.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger, LogLevel } from '../../core/log.ts';
import type { RawSnapshot } from '../../core/models.ts';
import type { FetchTiming, Source, SourceStatus } from '../source.ts';

/** A function `export` of `module` (a file URL) called as `(options, log)`, returning the source (or a promise of it). */
export interface SourceFactory {
  module: string;
  export: string;
  /** Handed over by structured clone: data only (a Config is). */
  options: unknown;
}

export interface SourceWorkerData {
  factory: SourceFactory;
  window: number;
  statusEveryMs: number;
}

export type ToSourceWorker = { type: 'start' } | { type: 'ack'; seq: number; error?: string } | { type: 'stop' };

export type FromSourceWorker =
  | { type: 'started' }
  | { type: 'startFailed'; error: string }
  | { type: 'snapshot'; seq: number; snapshot: RawSnapshot; fetch?: FetchTiming }
  | { type: 'status'; status: SourceStatus }
  | { type: 'log'; level: Exclude<LogLevel, 'silent'>; message: string; fields: Record<string, unknown> }
  | { type: 'stopped'; status: SourceStatus | null; error?: string };

/** Posted at least this often, changed or not. */
const STATUS_HEARTBEAT_MS = 1_000;

const { factory, window, statusEveryMs } = workerData as SourceWorkerData;
const port = parentPort!;
const post = (message: FromSourceWorker) => port.postMessage(message);

let source: Source | undefined;
/** Sequence number of the last snapshot posted, and how many the main thread has acknowledged (in order). */
let posted = 0;
let acknowledged = 0;
/** The first failed emit on the main thread not yet reported to the source. */
let failure: Error | undefined;
/** Wakes an emit waiting for room in the window. */
let wake: (() => void) | undefined;
let stopping = false;

async function emit(snapshot: RawSnapshot, fetch?: FetchTiming): Promise<void> {
  const seq = ++posted;
  // The fetch's instants are on the performance clock (epoch ms), the same on the main thread.
  post({ type: 'snapshot', seq, snapshot, ...(fetch ? { fetch } : {}) });
  while (!stopping && posted - acknowledged >= window) await new Promise<void>((resolve) => (wake = resolve));
  if (failure) {
    const error = failure;
    failure = undefined;
    throw error;
  }
}

let lastStatus = '';
let lastStatusAt = 0;
function reportStatus(force = false): void {
  if (!source) return;
  const status = source.status();
  const key = JSON.stringify(status);
  const now = Date.now();
  if (!force && key === lastStatus && now - lastStatusAt < STATUS_HEARTBEAT_MS) return;
  lastStatus = key;
  lastStatusAt = now;
  post({ type: 'status', status });
}
setInterval(reportStatus, statusEveryMs).unref();

async function start(): Promise<void> {
  try {
    const module = (await import(factory.module)) as Record<string, unknown>;
    const make = module[factory.export];
    if (typeof make !== 'function') throw new Error(`${factory.module} exports no function ${factory.export}`);
    source = (await make(factory.options, forwardingLogger({}))) as Source;
    await source.start(emit);
  } catch (error) {
    post({ type: 'startFailed', error: errorMessage(error) });
    return;
  }
  reportStatus(true);
  post({ type: 'started' });
}

async function stop(): Promise<void> {
  stopping = true;
  wake?.();
  let error: string | undefined;
  try {
    await source?.stop();
  } catch (caught) {
    error = errorMessage(caught);
  }
  // Every snapshot of the source was posted before this: the main thread has them all once it reads this.
  post({ type: 'stopped', status: source?.status() ?? null, ...(error === undefined ? {} : { error }) });
}

port.on('message', (message: ToSourceWorker) => {
  switch (message.type) {
    case 'start':
      void start();
      break;
    case 'ack':
      acknowledged = message.seq;
      if (message.error !== undefined) failure ??= new Error(message.error);
      wake?.();
      break;
    case 'stop':
      void stop();
      break;
  }
});

/** A Logger whose lines the main thread's logger writes (with its role and level). */
function forwardingLogger(base: Record<string, unknown>): Logger {
  const send = (level: Exclude<LogLevel, 'silent'>, message: string, fields: Record<string, unknown> = {}) => {
    const all = { ...base, ...fields };
    try {
      post({ type: 'log', level, message, fields: all });
    } catch {
      // A field structured clone cannot copy (a function, a socket): send what JSON makes of it.
      post({ type: 'log', level, message, fields: JSON.parse(JSON.stringify(all)) as Record<string, unknown> });
    }
  };
  return {
    debug: (message, fields) => send('debug', message, fields),
    info: (message, fields) => send('info', message, fields),
    warn: (message, fields) => send('warn', message, fields),
    error: (message, fields) => send('error', message, fields),
    child: (fields) => forwardingLogger({ ...base, ...fields }),
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
