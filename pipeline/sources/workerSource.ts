/**
 * A source on a thread of its own (PIPELINE_THREADS=source, the default, or on). Whatever the
 * configuration builds (simulator, Dhan, replay, with the recorder) runs in
 * a `node:worker_threads` Worker (workerSource.worker.ts) and its snapshots
 * are handed to `emit` here, on the main thread, one at a time and in order.
 *
 * Why: on one event loop a busy API (thousands of subscription frames) made
 * the simulator's timer ticks late, and each late tick left its clock behind
 * wall time for good; a Dhan poll started late too. On its own thread the
 * source keeps its schedule while the main loop is busy.
 *
 * Backpressure stays honest: the source may run ahead of the main thread by
 * at most `window` snapshots (default 64: several seconds of the default
 * simulator), beyond which its emit waits for the main thread's emit, as it
 * does on the main thread. A failed emit here makes the source's next emit
 * fail there, so its status says degraded as before.
 *
 * Status: the source's status() is mirrored (posted by the worker when it
 * changes and at least every second); its snapshotsEmitted counts what the
 * source handed over in its thread, which may be up to the window ahead of
 * what `emit` here has taken. A worker that crashes or exits on its
 * own is `failed` with the reason, and logged; it never throws here.
 * `stop()` stops the source in its thread, hands over the snapshots it had
 * already posted, and resolves once the thread has exited, after which
 * `emit` is not called again.
 *
 * The worker file is TypeScript run by tsx: its bootstrap
 * (workerSource.worker.mjs) registers tsx in the thread, as the embedded
 * database's worker does (db/pglite.worker.mjs), so it runs under
 * `npm start`, vitest and the Docker image alike.
 */
import { Worker } from 'node:worker_threads';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/log.ts';
import type { RawSnapshot } from '../../core/models.ts';
import type { FetchTiming, Source, SourceEmit, SourceStatus } from '../source.ts';
import type { FromSourceWorker, SourceFactory, SourceWorkerData, ToSourceWorker } from './workerSource.worker.ts';

export type { SourceFactory } from './workerSource.worker.ts';

export interface WorkerSourceOptions {
  /** The source's name (status() says it before the worker's first report). */
  name: string;
  /** What the worker builds: a function exported by a module, called with `options` and a logger. */
  factory: SourceFactory;
  log: Logger;
  /** Most snapshots posted by the worker and not yet taken by `emit` here; the source waits beyond (default 64). */
  window?: number;
  /** How often the worker checks its source's status for a change, ms (default 100). */
  statusEveryMs?: number;
  /** How long stop() waits for the source to stop in its thread before ending the thread, ms (default 10 s). */
  stopTimeoutMs?: number;
}

export const DEFAULT_SOURCE_WINDOW = 64;

/** The configured source (createSource in index.ts: simulator, Dhan or replay, recorded when RECORD_FILE is set) on a thread of its own. */
export function configuredWorkerSource(config: Config, log: Logger): WorkerSource {
  return new WorkerSource({
    name: config.SOURCE,
    factory: { module: new URL('./index.ts', import.meta.url).href, export: 'createSource', options: config },
    log,
  });
}

type Emit = SourceEmit;

export class WorkerSource implements Source {
  readonly name: string;
  private readonly log: Logger;
  private worker: Worker | undefined;
  private mirrored: SourceStatus;
  /** Why the worker failed (crashed, exited on its own, failed to start); the status says so from then on. */
  private failure: string | undefined;
  private exited = false;
  private stopRequested = false;
  private stopping: Promise<void> | undefined;
  /** Snapshots received from the worker and not yet handed to `emit`. */
  private readonly queue: { seq: number; snapshot: RawSnapshot; fetch?: FetchTiming }[] = [];
  private delivering: Promise<void> | undefined;
  private emit: Emit | undefined;
  private starting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** Resolved with the worker's last word when it has stopped its source (or exited). */
  private stopped!: Promise<{ error?: string }>;
  private answerStop: (answer: { error?: string }) => void = () => {};
  private exit!: Promise<void>;

  constructor(private readonly options: WorkerSourceOptions) {
    this.name = options.name;
    this.log = options.log;
    this.mirrored = { name: options.name, state: 'idle', snapshotsEmitted: 0, rejected: {} };
  }

  async start(emit: Emit): Promise<void> {
    if (this.worker) throw new Error(`the ${this.name} source thread starts once`);
    this.emit = emit;
    const workerData: SourceWorkerData = {
      factory: this.options.factory,
      window: Math.max(1, this.options.window ?? DEFAULT_SOURCE_WINDOW),
      statusEveryMs: this.options.statusEveryMs ?? 100,
    };
    const worker = new Worker(new URL('./workerSource.worker.mjs', import.meta.url), { workerData });
    this.worker = worker;
    this.stopped = new Promise((resolve) => (this.answerStop = resolve));
    this.exit = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: FromSourceWorker) => this.receive(message));
    worker.on('error', (error) => this.fail(`source thread crashed: ${error.message}`));
    worker.on('exit', (code) => {
      this.exited = true;
      if (!this.stopRequested) this.fail(`source thread exited unexpectedly (code ${code})`);
      this.answerStop({});
    });
    worker.on('messageerror', (error) => this.log.error('a message from the source thread could not be read', { source: this.name, error: error.message }));
    const started = new Promise<void>((resolve, reject) => (this.starting = { resolve, reject }));
    this.send({ type: 'start' });
    try {
      await started;
    } catch (error) {
      this.stopRequested = true;
      await worker.terminate();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping ??= this.stopThread();
    return this.stopping;
  }

  /** Whether the source's thread has exited (after stop(), a crash or a failed start). */
  get threadExited(): boolean {
    return this.exited;
  }

  status(): SourceStatus {
    const status = { ...this.mirrored, rejected: { ...this.mirrored.rejected } };
    if (this.failure !== undefined) return { ...status, state: 'failed', message: this.failure };
    return status;
  }

  private async stopThread(): Promise<void> {
    this.stopRequested = true;
    const worker = this.worker;
    if (!worker) {
      this.mirrored = { ...this.mirrored, state: 'stopped' };
      return;
    }
    let answer: { error?: string } = {};
    if (!this.exited) {
      this.send({ type: 'stop' });
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.options.stopTimeoutMs ?? 10_000)));
      const reply = await Promise.race([this.stopped, late]);
      clearTimeout(timer);
      if (reply === undefined) {
        this.log.warn('source thread did not stop in time; ending it', { source: this.name, timeoutMs: this.options.stopTimeoutMs ?? 10_000 });
        this.queue.length = 0;
      } else answer = reply;
    }
    // What the source posted before it stopped is queued by now: hand it over, then no more.
    while (this.delivering) await this.delivering;
    await worker.terminate();
    await this.exit;
    if (this.mirrored.state !== 'failed') this.mirrored = { ...this.mirrored, state: 'stopped' };
    if (answer.error !== undefined) throw new Error(answer.error);
  }

  private receive(message: FromSourceWorker): void {
    switch (message.type) {
      case 'snapshot':
        this.queue.push({ seq: message.seq, snapshot: message.snapshot, fetch: message.fetch });
        // Cleared once settled (not inside deliver(), which may finish before this assignment when emit throws at once).
        this.delivering ??= this.deliver().finally(() => (this.delivering = undefined));
        break;
      case 'status':
        this.mirrored = message.status;
        break;
      case 'log':
        this.log[message.level](message.message, message.fields);
        break;
      case 'started':
        this.starting?.resolve();
        this.starting = undefined;
        break;
      case 'startFailed':
        this.failure = `source failed to start: ${message.error}`;
        this.starting?.reject(new Error(message.error));
        this.starting = undefined;
        break;
      case 'stopped':
        if (message.status) this.mirrored = message.status;
        this.answerStop(message.error === undefined ? {} : { error: message.error });
        break;
    }
  }

  /** Hands the queued snapshots to `emit`, one at a time and in order, acknowledging each to the worker. */
  private async deliver(): Promise<void> {
    while (this.queue.length > 0) {
      const { seq, snapshot, fetch } = this.queue.shift()!;
      let error: string | undefined;
      try {
        await this.emit!(snapshot, fetch);
      } catch (caught) {
        error = caught instanceof Error ? caught.message : String(caught);
      }
      this.send({ type: 'ack', seq, ...(error === undefined ? {} : { error }) });
    }
  }

  private send(message: ToSourceWorker): void {
    if (!this.exited) this.worker?.postMessage(message);
  }

  /** The thread is gone (or never started its source): failed, with the reason, logged once. */
  private fail(reason: string): void {
    if (this.failure !== undefined) return;
    this.failure = reason;
    this.log.error('source thread failed', { source: this.name, reason });
    this.starting?.reject(new Error(reason));
    this.starting = undefined;
  }
}
