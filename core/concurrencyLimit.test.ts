import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConcurrencyLimit, LimitError } from './concurrencyLimit.ts';

/** A task that ends when the test says so. */
function deferred<T = string>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject, task: () => promise };
}

/** How a promise has settled so far, without waiting for it. */
function observe<T>(promise: Promise<T>) {
  const state: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(state, { status: 'fulfilled', value }),
    (error: unknown) => Object.assign(state, { status: 'rejected', error }),
  );
  return state;
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('ConcurrencyLimit', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('runs up to `concurrency` tasks at once and starts the waiting ones in arrival order', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 2, maxQueued: 10, timeoutMs: 1000 });
    const tasks = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const results = tasks.map((t, i) => observe(limit.run(() => (started.push(i), t.promise))));
    await flush();
    expect(started).toEqual([0, 1]);
    expect(limit.stats()).toMatchObject({ running: 2, queued: 2 });
    tasks[1].resolve('b');
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: 'b' });
    tasks[0].reject(new Error('boom'));
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    expect((results[0].error as Error).message).toBe('boom');
    tasks[2].resolve('c');
    tasks[3].resolve('d');
    await flush();
    expect(limit.stats()).toEqual({ running: 0, queued: 0, refused: 0, timedOut: 0 });
  });

  it('refuses at once with `busy` when every slot runs and the queue is full', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 1, maxQueued: 1, timeoutMs: 1000 });
    const running = deferred();
    void limit.run(running.task);
    void limit.run(deferred().task);
    const refused = observe(limit.run(deferred().task));
    await flush();
    expect(refused.status).toBe('rejected');
    expect(refused.error).toBeInstanceOf(LimitError);
    expect(refused.error).toMatchObject({ refusal: 'busy', limits: { concurrency: 1, maxQueued: 1 } });
    expect(limit.stats().refused).toBe(1);
  });

  it('answers `timeout` to a task still waiting at its deadline and takes it out of the queue', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 1, maxQueued: 5, timeoutMs: 100 });
    const running = deferred();
    void limit.run(running.task).catch(() => {});
    let waitingStarted = false;
    const waiting = observe(limit.run(async () => void (waitingStarted = true)));
    await vi.advanceTimersByTimeAsync(100);
    expect(waiting.error).toMatchObject({ refusal: 'timeout' });
    expect(limit.stats()).toMatchObject({ queued: 0, timedOut: 2 });
    running.resolve('late');
    await flush();
    expect(waitingStarted).toBe(false);
  });

  it('keeps the slot of a task that timed out until the task really ends', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 1, maxQueued: 5, timeoutMs: 100 });
    const slow = deferred();
    const first = observe(limit.run(slow.task));
    await vi.advanceTimersByTimeAsync(100);
    expect(first.error).toMatchObject({ refusal: 'timeout' });
    let nextStarted = false;
    const next = observe(limit.run(async () => ((nextStarted = true), 'next')));
    await flush();
    expect(nextStarted).toBe(false);
    expect(limit.stats()).toMatchObject({ running: 1, queued: 1 });
    slow.resolve('too late');
    await flush();
    expect(next).toMatchObject({ status: 'fulfilled', value: 'next' });
    expect(first.error).toBeInstanceOf(LimitError);
  });

  it('counts the deadline from arrival, so waiting uses up the time to run', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 1, maxQueued: 5, timeoutMs: 100 });
    const first = deferred();
    void limit.run(first.task);
    const second = deferred();
    const result = observe(limit.run(second.task));
    await vi.advanceTimersByTimeAsync(60);
    first.resolve('a');
    await vi.advanceTimersByTimeAsync(39);
    expect(result.status).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(result.error).toMatchObject({ refusal: 'timeout' });
  });

  it('refuses everything that cannot start at once when the queue is 0', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 100 });
    void limit.run(deferred().task).catch(() => {});
    await expect(limit.run(async () => 1)).rejects.toMatchObject({ refusal: 'busy' });
  });

  it('passes a synchronous throw of the task to its caller and frees the slot', async () => {
    const limit = new ConcurrencyLimit({ concurrency: 1, maxQueued: 0, timeoutMs: 100 });
    await expect(
      limit.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limit.run(async () => 'ok')).resolves.toBe('ok');
  });
});
