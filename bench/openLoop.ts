/**
 * An open-loop HTTP load: requests leave on a fixed schedule (`rate` a second,
 * evenly spaced) whether or not earlier ones were answered, over a pool of
 * `connections` keep-alive connections (undici's Pool, one request in flight
 * per connection; a request finding them all busy waits in the pool's queue).
 *
 * Why beside autocannon's closed loop: with N closed-loop clients and no pause
 * between requests, the server is always saturated and the latency is the
 * queue behind its throughput (Little's law: N / throughput), a capacity
 * figure. Users arrive at some rate instead; what they see at that rate is
 * this. Each latency is measured from the instant the request was *due*, not
 * from when a connection took it, so time spent queued behind a slow answer
 * counts (no coordinated omission). autocannon's `overallRate` is not that:
 * it sends each connection's quota back to back at every second boundary.
 */
import { Pool } from 'undici';

export interface OpenLoopOptions {
  url: string;
  /** Requests a second, evenly spaced. */
  rate: number;
  seconds: number;
  /** Keep-alive connections the requests share. */
  connections: number;
  /** The POST body of the next request (JSON). */
  body: () => string;
  /** Whether an answer counts as answered (status 200 already checked). */
  verify: (body: string) => boolean;
}

/** What one HTTP load run measured (the open loop here, autocannon's closed loop in bench/reads.ts). */
export interface HttpRunFigures {
  /** Requests sent. */
  requests: number;
  /** Answered requests a second over the run. */
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Non-2xx, GraphQL errors and connection errors. */
  errors: number;
  /** The first error body seen, to say why. */
  firstError?: string;
}

/** The q-quantile (0–1) of ascending `sorted`, nearest rank. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export async function openLoop(options: OpenLoopOptions): Promise<HttpRunFigures> {
  const { rate, seconds, connections } = options;
  const target = new URL(options.url);
  const pool = new Pool(target.origin, { connections, pipelining: 1 });
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies = new Float64Array(total);
  let answered = 0;
  let errors = 0;
  let firstError: string | undefined;
  const intervalMs = 1000 / rate;
  const pending: Promise<void>[] = [];

  const send = async (dueAt: number): Promise<void> => {
    try {
      const response = await pool.request({ path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body: options.body() });
      const text = await response.body.text();
      const ok = response.statusCode === 200 && options.verify(text);
      if (!ok) {
        errors++;
        firstError ??= `${response.statusCode} ${text.slice(0, 300)}`;
      }
    } catch (error) {
      errors++;
      firstError ??= String(error);
    }
    latencies[answered++] = performance.now() - dueAt;
  };

  const start = performance.now();
  let sent = 0;
  // Each tick sends every request already due; a late tick sends its backlog at once, each timed from its own due instant.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * intervalMs <= now) pending.push(send(start + sent++ * intervalMs));
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(intervalMs, start + sent * intervalMs - performance.now())));
      else resolve();
    };
    tick();
  });
  await Promise.all(pending);
  const elapsedSeconds = (performance.now() - start) / 1000;
  await pool.close();
  const sorted = latencies.subarray(0, answered).sort();
  return {
    requests: sent,
    requestsPerSecond: answered / elapsedSeconds,
    p50Ms: Math.round(quantile(sorted, 0.5) * 10) / 10,
    p99Ms: Math.round(quantile(sorted, 0.99) * 10) / 10,
    maxMs: Math.round((sorted[sorted.length - 1] ?? NaN) * 10) / 10,
    errors,
    firstError,
  };
}
