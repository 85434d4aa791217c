/**
 * A concurrency limit with a bounded queue and a deadline, for work that
 * holds a scarce resource (the API's database reads). At most `concurrency`
 * tasks run at once; up to `maxQueued` more wait their turn in arrival order;
 * beyond that a task is refused at once (`busy`). A task that has not
 * finished `timeoutMs` after it arrived (waiting included) is answered with
 * `timeout`: a waiting one leaves the queue, a running one keeps its slot
 * until it really ends, so the resource never carries more than
 * `concurrency` tasks however many callers gave up.
 *
 * Plain logic: no I/O, only timers.
 */

export type LimitRefusal = 'busy' | 'timeout';

export interface ConcurrencyLimitOptions {
  /** Tasks running at once, at least 1. */
  concurrency: number;
  /** Tasks waiting beyond those; 0 refuses whatever cannot start at once. */
  maxQueued: number;
  /** From arrival to the end of the task, ms. */
  timeoutMs: number;
}

/** Why a task was not answered with its own result. */
export class LimitError extends Error {
  constructor(
    readonly refusal: LimitRefusal,
    readonly limits: Readonly<ConcurrencyLimitOptions>,
  ) {
    super(
      refusal === 'busy'
        ? `busy: ${limits.concurrency} running and ${limits.maxQueued} waiting`
        : `timed out after ${limits.timeoutMs} ms`,
    );
    this.name = 'LimitError';
  }
}

export interface ConcurrencyLimitStats {
  running: number;
  queued: number;
  /** Refused at arrival because the queue was full. */
  refused: number;
  /** Answered with `timeout`, waiting or running. */
  timedOut: number;
}

interface Waiter {
  start: () => void;
}

export class ConcurrencyLimit {
  private running = 0;
  private readonly queue: Waiter[] = [];
  private refused = 0;
  private timedOut = 0;

  constructor(readonly options: Readonly<ConcurrencyLimitOptions>) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
  }

  /** `task()`'s result, or a LimitError when the limit refuses it or its deadline passes first. */
  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency && this.queue.length >= this.options.maxQueued) {
      this.refused++;
      return Promise.reject(new LimitError('busy', this.options));
    }
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      const answer = (settle: () => void) => {
        if (answered) return;
        answered = true;
        clearTimeout(deadline);
        settle();
      };
      const waiter: Waiter = {
        start: () => {
          this.running++;
          Promise.resolve()
            .then(task)
            .then(
              (value) => answer(() => resolve(value)),
              (error: unknown) => answer(() => reject(error)),
            )
            .finally(() => this.release());
        },
      };
      const deadline = setTimeout(() => {
        const waiting = this.queue.indexOf(waiter);
        if (waiting >= 0) this.queue.splice(waiting, 1);
        this.timedOut++;
        answer(() => reject(new LimitError('timeout', this.options)));
      }, this.options.timeoutMs);
      deadline.unref?.();
      if (this.running < this.options.concurrency) waiter.start();
      else this.queue.push(waiter);
    });
  }

  stats(): ConcurrencyLimitStats {
    return { running: this.running, queued: this.queue.length, refused: this.refused, timedOut: this.timedOut };
  }

  private release(): void {
    this.running--;
    this.queue.shift()?.start();
  }
}
