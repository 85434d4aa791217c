/**
 * Enrichment on worker threads, for the processor role (PIPELINE_THREADS=on; measured to cost more CPU than it saves the main loop, so not the default).
 * IV solving, Greeks and chain analytics are the heaviest CPU of the
 * pipeline; on the main loop they and the API's subscription delivery wait
 * for each other. Here each raw message is handed by structured clone to a
 * thread (enrichPool.worker.ts), which runs the very function the main loop
 * would (processRaw) and hands the outcome back the same way, so results are
 * the same, bit for bit.
 *
 * `process()` answers each message on its own; keeping the order of
 * publication is the caller's (startProcessor publishes in the raw order).
 * A message goes to the thread with the fewest in hand. A thread that dies
 * fails the messages it held (the bus retries them one by one, then
 * dead-letters a message that fails again) and is replaced at the next one.
 *
 * The worker file is TypeScript under a tsx bootstrap, as the embedded
 * database's (db/pglite.worker.mjs).
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { ProcessOptions, RawOutcome } from './processor.ts';
import type { EnrichRequest, EnrichResponse } from './enrichPool.worker.ts';

export interface EnrichPoolOptions extends ProcessOptions {
  /** Worker threads (at least 1). */
  threads: number;
  /** Told when a thread crashed or exited on its own, with the reason. */
  onThreadFailed?: (reason: string) => void;
  /** Heap limits of each thread (Node's defaults when absent); a thread beyond them dies and is replaced. */
  resourceLimits?: ResourceLimits;
}

interface Waiter {
  resolve: (outcome: RawOutcome) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker | undefined;
  pending: Map<number, Waiter>;
}

export class EnrichPool {
  private readonly slots: Slot[];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: EnrichPoolOptions) {
    if (!(options.threads >= 1)) throw new RangeError(`an enrichment pool needs at least one thread, got ${options.threads}`);
    this.slots = Array.from({ length: options.threads }, () => ({ worker: undefined, pending: new Map() }));
    // Started now, so they are loaded when the first snapshot comes.
    for (const slot of this.slots) this.spawn(slot);
  }

  /** The outcome of one raw message, computed in a thread. */
  process(value: unknown): Promise<RawOutcome> {
    if (this.closed) return Promise.reject(new Error('the enrichment pool is closed'));
    let slot = this.slots[0];
    for (const candidate of this.slots) if (candidate.pending.size < slot.pending.size) slot = candidate;
    const worker = slot.worker ?? this.spawn(slot);
    const id = this.nextId++;
    return new Promise<RawOutcome>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      try {
        worker.postMessage({ id, value } satisfies EnrichRequest);
      } catch (error) {
        // A value structured clone cannot copy.
        slot.pending.delete(id);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  /** Ends the threads; messages still in hand are failed. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
    for (const slot of this.slots) {
      slot.worker = undefined;
      this.failPending(slot, new Error('the enrichment pool is closed'));
    }
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private spawn(slot: Slot): Worker {
    const { instruments, rate, gexConvention } = this.options;
    const workerData: ProcessOptions = { instruments, rate, gexConvention };
    const worker = new Worker(new URL('./enrichPool.worker.mjs', import.meta.url), { workerData, resourceLimits: this.options.resourceLimits });
    slot.worker = worker;
    worker.on('message', (response: EnrichResponse) => {
      const waiter = slot.pending.get(response.id);
      if (!waiter) return;
      slot.pending.delete(response.id);
      if (response.ok) waiter.resolve(response.outcome);
      else waiter.reject(new Error(response.error));
    });
    const gone = (reason: string) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      if (this.closed) return;
      this.options.onThreadFailed?.(reason);
      this.failPending(slot, new Error(reason));
    };
    worker.on('error', (error) => gone(`enrichment thread crashed: ${error.message}`));
    worker.on('exit', (code) => gone(`enrichment thread exited unexpectedly (code ${code})`));
    return worker;
  }

  private failPending(slot: Slot, error: Error): void {
    for (const waiter of slot.pending.values()) waiter.reject(error);
    slot.pending.clear();
  }
}
